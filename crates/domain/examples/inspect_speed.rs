//! Throughput of the upload content inspector on clean files of about 100 MB, fed in upload-sized
//! chunks, one thread. Uploads stream at about 450 MB/s here; the inspector runs in the same
//! loop, so it must be well above that not to slow them down.
//!
//! Cases: a PDF of binary images (the usual scan), a PDF of uncompressed page text (many names
//! and keywords), a PDF of tens of thousands of small Flate streams (each probed: the worst
//! case) with an object stream, a workbook of large deflated entries, and one written with
//! data descriptors (signatures searched through all data).
//!
//! Same-run baseline: SHA-256 over the same bytes, which every upload computes (about
//! 1.5 GB/s here with SHA-NI), so figures taken on a busy machine can still be compared.
//!
//! `cargo run --release -p safeharbor-domain --example inspect_speed -- [MB] [CHUNK_KIB] [CASE]`

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use miniz_oxide::deflate::{compress_to_vec, compress_to_vec_zlib};
use safeharbor_domain::inspect::ContentInspector;
use sha2::{Digest, Sha256};

/// splitmix64: a small, fast generator, so the benchmark needs no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(n + 8);
        while v.len() < n {
            v.extend_from_slice(&self.next().to_le_bytes());
        }
        v.truncate(n);
        v
    }
}

fn pdf_object(out: &mut Vec<u8>, n: usize, dict: &str, data: Option<&[u8]>) {
    out.extend(format!("{n} 0 obj\n{dict}").bytes());
    if let Some(d) = data {
        out.extend(format!(" /Length {} >>\nstream\n", d.len()).bytes());
        out.extend_from_slice(d);
        out.extend_from_slice(b"\nendstream");
    }
    out.extend_from_slice(b"\nendobj\n");
}

fn pdf_images(size: usize, rng: &mut Rng) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    pdf_object(&mut out, 1, "<< /Type /Catalog /Pages 2 0 R >>", None);
    let mut n = 3;
    while out.len() < size {
        let image = rng.bytes(1 << 20);
        let dict = "<< /Type /XObject /Subtype /Image /Width 1000 /Height 1000 /BitsPerComponent 8 /ColorSpace /DeviceGray /Filter /DCTDecode";
        pdf_object(&mut out, n, dict, Some(&image));
        n += 1;
    }
    out.extend_from_slice(b"trailer\n<< /Root 1 0 R >>\n%%EOF\n");
    out
}

fn pdf_text(size: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    pdf_object(&mut out, 1, "<< /Type /Catalog /Pages 2 0 R >>", None);
    let mut page = Vec::new();
    for line in 0..20_000 {
        page.extend(
            format!("BT /F1 10 Tf 72 {} Td (Access log review, item {line}: terminated accounts removed) Tj ET\n", line % 700)
                .bytes(),
        );
    }
    let mut n = 3;
    while out.len() < size {
        pdf_object(&mut out, n, "<< /Type /XObject /Subtype /Form", Some(&page));
        n += 1;
    }
    out
}

/// Also returns how many streams it holds.
fn pdf_many_streams(size: usize, rng: &mut Rng) -> (Vec<u8>, usize) {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut objects = String::new();
    for k in 0..100 {
        let _ = writeln!(objects, "<< /Type /Font /Subtype /Type1 /BaseFont /F{k} >>");
    }
    let objstm = compress_to_vec_zlib(format!("10 0 {objects}").as_bytes(), 6);
    pdf_object(
        &mut out,
        1,
        "<< /Type /ObjStm /N 100 /First 5 /Filter /FlateDecode",
        Some(&objstm),
    );
    let mut n = 2;
    let mut text = Vec::new();
    for line in 0..400 {
        text.extend(format!("0 0 1 rg {line} 0 0 {} re f\n", rng.next() % 1000).bytes());
    }
    let content = compress_to_vec_zlib(&text, 6);
    // Half page content (probed, not searched), half high-entropy Flate images.
    let noise = compress_to_vec_zlib(&rng.bytes(content.len()), 1);
    while out.len() < size {
        let (dict, data) = if n % 2 == 0 {
            ("<< /Filter /FlateDecode", &content)
        } else {
            ("<< /Subtype /Image /Filter /FlateDecode", &noise)
        };
        pdf_object(&mut out, n, dict, Some(data));
        n += 1;
    }
    (out, n - 1)
}

fn zip(size: usize, rng: &mut Rng, descriptors: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let mut count: u16 = 0;
    // Compressible but not trivial: repeated random records, as a large export.
    let records = rng.bytes(4096);
    let mut sheet = Vec::with_capacity(8 << 20);
    while sheet.len() < 8 << 20 {
        let k = usize::try_from(rng.next() % 4000).unwrap_or(0);
        sheet.extend_from_slice(&records[k..k + 96]);
        sheet.extend_from_slice(&rng.bytes(32));
    }
    let data = compress_to_vec(&sheet, 1);
    while out.len() < size {
        let name = format!("xl/worksheets/sheet{count}.xml");
        let offset = u32::try_from(out.len()).unwrap_or(u32::MAX);
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let flags: u16 = if descriptors { 8 } else { 0 };
        out.extend_from_slice(b"PK\x03\x04\x14\x00");
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&[8, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let sizes = if descriptors { 0 } else { len };
        out.extend_from_slice(&sizes.to_le_bytes());
        out.extend_from_slice(&sizes.to_le_bytes());
        out.extend_from_slice(&u16::try_from(name.len()).unwrap_or(0).to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&data);
        if descriptors {
            out.extend_from_slice(b"PK\x07\x08\0\0\0\0");
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&len.to_le_bytes());
        }
        central.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00");
        central.extend_from_slice(&flags.to_le_bytes());
        central.extend_from_slice(&[8, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        central.extend_from_slice(&len.to_le_bytes());
        central.extend_from_slice(&len.to_le_bytes());
        central.extend_from_slice(&u16::try_from(name.len()).unwrap_or(0).to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
        count += 1;
    }
    let at = u32::try_from(out.len()).unwrap_or(u32::MAX);
    let cd = u32::try_from(central.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&cd.to_le_bytes());
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

fn time(media_type: &str, bytes: &[u8], chunk: usize) -> (Duration, String) {
    let mut best = Duration::MAX;
    let mut note = String::new();
    for _ in 0..3 {
        let start = Instant::now();
        let mut inspector = ContentInspector::new(media_type);
        for c in bytes.chunks(chunk) {
            inspector.feed(black_box(c));
        }
        let result = inspector.finish();
        best = best.min(start.elapsed());
        note = match result {
            Ok(i) => format!("taken, fully inspected: {}", i.fully_inspected),
            Err(e) => format!("refused: {}", e.reason),
        };
    }
    (best, note)
}

fn sha256(bytes: &[u8], chunk: usize) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let mut h = Sha256::new();
        for c in bytes.chunks(chunk) {
            h.update(black_box(c));
        }
        black_box(h.finalize());
        best = best.min(start.elapsed());
    }
    best
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mb: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let chunk_kib: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(256);
    let only: Option<usize> = args.next().and_then(|a| a.parse().ok());
    let size = mb * 1_000_000;
    let mut rng = Rng(11);
    let pdf = "application/pdf";
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let (many, streams) = pdf_many_streams(size, &mut rng);
    let cases = [
        (
            "PDF, binary images".to_owned(),
            pdf,
            pdf_images(size, &mut rng),
        ),
        (
            "PDF, uncompressed page text".to_owned(),
            pdf,
            pdf_text(size),
        ),
        (format!("PDF, {streams} small Flate streams"), pdf, many),
        (
            "XLSX, deflated entries".to_owned(),
            xlsx,
            zip(size, &mut rng, false),
        ),
        (
            "XLSX, data descriptors".to_owned(),
            xlsx,
            zip(size, &mut rng, true),
        ),
    ];
    println!("chunks of {chunk_kib} KiB, best of 3");
    for (k, (label, media_type, bytes)) in cases.iter().enumerate() {
        if only.is_some_and(|o| o != k) {
            continue;
        }
        let (t, note) = time(media_type, bytes, chunk_kib * 1024);
        let sha = sha256(bytes, chunk_kib * 1024);
        #[expect(clippy::cast_precision_loss, reason = "sizes shown to people")]
        let mb = bytes.len() as f64 / 1e6;
        let rate = mb / t.as_secs_f64();
        let sha_rate = mb / sha.as_secs_f64();
        let ms = t.as_secs_f64() * 1e3;
        println!(
            "{label:32} {mb:>6.1} MB in {ms:>7.1} ms: {rate:>6.0} MB/s (SHA-256 {sha_rate:>5.0} MB/s; {note})"
        );
    }
}

//! Arbitrary bytes, and damaged real files, never panic, and the answer never depends on how the
//! upload was cut into chunks.

use miniz_oxide::deflate::{compress_to_vec, compress_to_vec_zlib};
use proptest::prelude::*;

use super::*;

const TYPES: &[&str] = &[
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
    "image/png",
];

fn run(media_type: &str, bytes: &[u8], cuts: &[usize]) -> Result<Inspection, Invalid> {
    let mut inspector = ContentInspector::new(media_type);
    let mut rest = bytes;
    for &cut in cuts.iter().cycle().take(bytes.len()) {
        if rest.is_empty() {
            break;
        }
        let (chunk, after) = rest.split_at(cut.min(rest.len()));
        inspector.feed(chunk);
        rest = after;
    }
    inspector.feed(rest);
    inspector.finish()
}

/// A PDF with an object stream and a ZIP with descriptors, deflated and stored entries: the
/// structures worth damaging.
fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let objects = b"20 0 21 30 << /Type /Font /BaseFont /Helvetica >>\n[0 0 612 792]\n";
    let z = compress_to_vec_zlib(objects, 6);
    let mut pdf = format!(
        "%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n2 0 obj\n<< /Type /ObjStm /N 2 /First 11 /Filter /FlateDecode /Length {} >>\nstream\n",
        z.len()
    )
    .into_bytes();
    pdf.extend_from_slice(&z);
    pdf.extend_from_slice(b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");

    let body = compress_to_vec(b"<w:document>Policy</w:document>", 6);
    let mut zip = b"PK\x03\x04\x14\x00\x08\x00\x08\x00".to_vec();
    zip.extend_from_slice(&[0; 16]);
    zip.extend_from_slice(&[17, 0, 0, 0]);
    zip.extend_from_slice(b"word/document.xml");
    zip.extend_from_slice(&body);
    zip.extend_from_slice(b"PK\x07\x08\0\0\0\0\0\0\0\0\0\0\0\0");
    zip.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x00\x00");
    zip.extend_from_slice(&[0; 8]);
    zip.extend_from_slice(&[4, 0, 0, 0, 4, 0, 0, 0, 9, 0, 0, 0]);
    zip.extend_from_slice(b"a/img.png\x89PNG");
    zip.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00");
    zip.extend_from_slice(&[0; 20]);
    zip.extend_from_slice(&[9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    zip.extend_from_slice(b"a/img.png");
    zip.extend_from_slice(b"PK\x05\x06\0\0\0\0\x01\0\x01\0\0\0\0\0\0\0\0\0\0\0");
    vec![(TYPES[0], pdf), (TYPES[1], zip)]
}

/// Pieces of PDF and ZIP syntax, shuffled into files no writer would produce.
fn soup() -> Vec<Vec<u8>> {
    let objects = compress_to_vec_zlib(b"20 0 21 9 << /A 1 >> << /JS (x) >>", 6);
    let clean = compress_to_vec_zlib(b"20 0 << /Type /Font >>", 6);
    let mut pieces: Vec<Vec<u8>> = [
        &b"stream\n"[..],
        b"stream\r\n",
        b" stream \r",
        b"endstream",
        b"\nendstream\n",
        b"/JS",
        b"/J#53",
        b"/EF ",
        b"/ObjStm",
        b"/Type /ObjStm /N 2 /First 9 ",
        b"/First",
        b"/N",
        b"/Filter /FlateDecode",
        b"/Predictor",
        b" << ",
        b" >> ",
        b"(unclosed ",
        b")",
        b"1 0 obj",
        b"%comment\n",
        b"PK\x03\x04",
        b"PK\x01\x02",
        b"PK\x05\x06",
        b"MZ",
        b"word/vbaProject.bin",
    ]
    .iter()
    .map(|p| p.to_vec())
    .collect();
    pieces.push(objects.clone());
    pieces.push(objects[..objects.len() / 2].to_vec());
    pieces.push(clean);
    pieces
}

proptest! {
    #[test]
    fn shuffled_syntax_never_panics_and_chunking_never_changes_the_answer(
        kind in 0usize..2,
        picks in prop::collection::vec(any::<prop::sample::Index>(), 0..60),
        cuts in prop::collection::vec(1usize..40, 1..8),
    ) {
        let pieces = soup();
        let mut bytes = if kind == 0 { b"%PDF-1.7\n".to_vec() } else { b"PK\x03\x04".to_vec() };
        for p in picks {
            let piece: &Vec<u8> = p.get(&pieces);
            bytes.extend_from_slice(piece);
        }
        let whole = run(TYPES[kind], &bytes, &[bytes.len()]);
        prop_assert_eq!(run(TYPES[kind], &bytes, &cuts), whole.clone());
        prop_assert_eq!(run(TYPES[kind], &bytes, &[1]), whole);
    }

    #[test]
    fn random_bytes_never_panic_and_chunking_never_changes_the_answer(
        kind in 0..TYPES.len(),
        prefix in prop::sample::select(vec![&b""[..], &b"%PDF-1.4\n"[..], &b"PK\x03\x04"[..]]),
        noise in prop::collection::vec(any::<u8>(), 0..3000),
        cuts in prop::collection::vec(1usize..300, 1..8),
    ) {
        let mut bytes = prefix.to_vec();
        bytes.extend_from_slice(&noise);
        let whole = run(TYPES[kind], &bytes, &[bytes.len().max(1)]);
        prop_assert_eq!(run(TYPES[kind], &bytes, &cuts), whole);
    }

    #[test]
    fn damaged_pdfs_and_packages_never_panic_and_chunking_never_changes_the_answer(
        seed in 0usize..2,
        damage in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cuts in prop::collection::vec(1usize..64, 1..8),
    ) {
        let (media_type, mut bytes) = seeds().swap_remove(seed);
        for (at, b) in damage {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        let whole = run(media_type, &bytes, &[bytes.len()]);
        prop_assert_eq!(run(media_type, &bytes, &cuts), whole);
    }
}

#[test]
fn the_undamaged_seeds_are_clean_and_fully_inspected() {
    for (media_type, bytes) in seeds() {
        let r = inspect_every_way(media_type, &bytes).unwrap();
        assert!(r.fully_inspected, "{media_type}: {}", r.note);
    }
}

#[test]
fn the_inspector_can_be_held_across_an_await_in_an_upload() {
    fn send<T: Send + Sync>() {}
    send::<ContentInspector>();
}

//! PDFs written by hand, each fed whole, in 7-byte chunks and byte by byte.

use std::fmt::Write as _;

use miniz_oxide::deflate::compress_to_vec_zlib;

use super::*;

const PDF: &str = "application/pdf";

/// A PDF of `objects` (numbered from 1) with its cross-reference table and `trailer` keys.
fn pdf(objects: &[Vec<u8>], trailer: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (n, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", n + 1).bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    let size = objects.len() + 1;
    out.extend(format!("xref\n0 {size}\n0000000000 65535 f \n").bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").bytes());
    }
    out.extend(
        format!("trailer\n<< /Size {size} /Root 1 0 R {trailer} >>\nstartxref\n{xref}\n%%EOF\n")
            .bytes(),
    );
    out
}

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut s = format!("<< {dict} /Length {} >>\nstream\r\n", data.len()).into_bytes();
    s.extend_from_slice(data);
    s.extend_from_slice(b"\nendstream");
    s
}

/// A one-page document (objects 1 to 5), `catalog` added to the catalog, `more` from 6 on.
fn document(catalog: &str, more: Vec<Vec<u8>>) -> Vec<u8> {
    let content = compress_to_vec_zlib(b"BT /F1 12 Tf 72 720 Td (Access review, Q3) Tj ET", 6);
    let mut objects = vec![
        format!("<< /Type /Catalog /Pages 2 0 R {catalog} >>").into_bytes(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_vec(),
        stream("/Filter /FlateDecode", &content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    objects.extend(more);
    pdf(&objects, "")
}

/// A compressed object stream holding `objects` (numbered from 20); `dict` adds keys.
fn object_stream(dict: &str, objects: &[&str]) -> Vec<u8> {
    let (data, first) = object_stream_data(objects);
    let z = compress_to_vec_zlib(&data, 6);
    let n = objects.len();
    stream(
        &format!("{dict} /N {n} /First {first} /Filter /FlateDecode"),
        &z,
    )
}

fn object_stream_data(objects: &[&str]) -> (Vec<u8>, usize) {
    let mut header = String::new();
    let mut body = String::new();
    for (k, o) in objects.iter().enumerate() {
        write!(header, "{} {} ", 20 + k, body.len()).unwrap();
        body.push_str(o);
        body.push('\n');
    }
    (format!("{header}{body}").into_bytes(), header.len())
}

fn refused(bytes: &[u8]) -> String {
    let e = inspect_every_way(PDF, bytes).unwrap_err();
    assert_eq!(e.field, "file");
    e.reason
}

#[test]
fn a_clean_pdf_is_taken_and_fully_inspected() {
    let info = b"<< /Title (JavaScript course: launch plan, embedded files) /Producer (Word) >>";
    let r = inspect_every_way(PDF, &document("/Lang (en-US)", vec![info.to_vec()])).unwrap();
    assert!(r.fully_inspected, "{}", r.note);
    assert!(r.note.contains("every object"), "{}", r.note);
}

#[test]
fn a_pdf_that_runs_javascript_when_opened_is_refused_without_quoting_the_script() {
    let js = document(
        "/OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
        vec![],
    );
    let reason = refused(&js);
    assert!(reason.starts_with("is a PDF with JavaScript"), "{reason}");
    assert!(reason.contains("print it to a new PDF"), "{reason}");
    assert!(!reason.contains("app.alert"), "{reason}");
}

#[test]
fn hex_escaped_names_are_read_as_a_pdf_reader_reads_them() {
    let escaped = document(
        "/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>",
        vec![],
    );
    assert!(refused(&escaped).contains("JavaScript"));
    let only_js = document("/AA << /WC << /#4A#53 (app.alert(1)) >> >>", vec![]);
    assert!(refused(&only_js).contains("JavaScript"));
}

#[test]
fn launch_actions_and_file_attachments_are_refused() {
    let launch = document("/OpenAction << /S /Launch /F (cmd.exe) >>", vec![]);
    assert!(refused(&launch).contains("starts a program"));
    let annot = b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS 7 0 R >>";
    assert!(refused(&document("", vec![annot.to_vec()])).contains("files embedded"));
    let filespec = b"<< /Type /Filespec /F (a.txt) /EF << /F 8 0 R >> >>";
    assert!(refused(&document("", vec![filespec.to_vec()])).contains("files embedded"));
}

#[test]
fn an_embedded_file_inside_a_compressed_object_stream_is_found() {
    let names = "<< /EmbeddedFiles << /Names [(payroll.xlsx) 21 0 R] >> >>";
    let objstm = object_stream("/Type /ObjStm", &[names, "<< /Type /Filespec >>"]);
    let reason = refused(&document("/Names 20 0 R", vec![objstm]));
    assert!(reason.contains("files embedded"), "{reason}");
    assert!(!reason.contains("payroll"), "{reason}");

    let action = object_stream(
        "/Type /ObjStm",
        &["<< /S /JavaScript /JS (app.alert(1)) >>"],
    );
    assert!(refused(&document("/OpenAction 20 0 R", vec![action])).contains("JavaScript"));
    let short = object_stream("/Type /ObjStm", &["<< /S /#4Aava#53cript /J#53 (x) >>"]);
    assert!(refused(&document("", vec![short])).contains("JavaScript"));
}

#[test]
fn object_streams_are_found_without_their_type_or_without_any_key() {
    let untyped = object_stream("", &["<< /JS (app.alert(1)) >>"]);
    assert!(refused(&document("", vec![untyped])).contains("JavaScript"));
    let (data, _) = object_stream_data(&["<< /JS (app.alert(1)) >>"]);
    let bare = stream("/Filter /FlateDecode", &compress_to_vec_zlib(&data, 6));
    assert!(refused(&document("", vec![bare])).contains("JavaScript"));
}

#[test]
fn a_clean_object_stream_is_inflated_searched_and_counted() {
    let fonts = object_stream(
        "/Type /ObjStm",
        &[
            "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
            "[0 0 612 792]",
        ],
    );
    let r = inspect_every_way(PDF, &document("", vec![fonts])).unwrap();
    assert!(r.fully_inspected, "{}", r.note);
    assert!(
        r.note.contains("1 compressed object stream included"),
        "{}",
        r.note
    );
}

#[test]
fn the_letters_of_a_short_name_inside_image_data_are_not_taken_for_one() {
    let mut pixels = Vec::new();
    for _ in 0..50 {
        pixels.extend_from_slice(b"\x2f\x4a\x53\x2f\x45\x46\x20\x00\xff(\x9c");
    }
    let image = stream(
        "/Type /XObject /Subtype /Image /Width 10 /Height 55 /BitsPerComponent 8 /ColorSpace /DeviceGray",
        &pixels,
    );
    let flate = stream(
        "/Type /XObject /Subtype /Image /Filter /FlateDecode",
        &compress_to_vec_zlib(&pixels, 6),
    );
    let r = inspect_every_way(PDF, &document("", vec![image, flate])).unwrap();
    assert!(r.fully_inspected, "{}", r.note);
}

#[test]
fn a_stream_keyword_inside_a_string_does_not_hide_a_later_object_stream() {
    let decoy = b"<< /Title (a stream\n) >>".to_vec();
    let action = object_stream(
        "/Type /ObjStm",
        &["<< /S /JavaScript /JS (app.alert(1)) >>"],
    );
    assert!(refused(&document("", vec![decoy, action])).contains("JavaScript"));
    let unclosed = b"<< /Title (never closed /S /JavaScript /JS (x) >>".to_vec();
    assert!(refused(&document("", vec![unclosed])).contains("JavaScript"));
}

#[test]
fn an_object_stream_over_the_limit_is_taken_but_marked_partly_inspected() {
    let padding = " ".repeat(9 << 20);
    let big = object_stream("/Type /ObjStm", &[&padding, "<< /Type /Font >>"]);
    let r = inspect_every_way(PDF, &document("", vec![big])).unwrap();
    assert!(!r.fully_inspected);
    assert!(
        r.note
            .contains("went past the inspection limit (8 MiB each"),
        "{}",
        r.note
    );
}

#[test]
fn an_object_stream_that_cannot_be_decoded_is_noted_not_refused() {
    let encrypted = stream(
        "/Type /ObjStm /N 1 /First 5 /Filter /FlateDecode",
        b"\x8a\x11\xf0\x93\x02\xd4\x5e\x77",
    );
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
        encrypted,
    ];
    objects.push(b"<< /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 >>".to_vec());
    let r = inspect_every_way(PDF, &pdf(&objects, "/Encrypt 4 0 R")).unwrap();
    assert!(!r.fully_inspected);
    assert!(
        r.note
            .contains("1 compressed object stream could not be decoded (the file is encrypted)"),
        "{}",
        r.note
    );

    let hex = stream(
        "/Type /ObjStm /N 1 /First 4 /Filter [/ASCIIHexDecode /FlateDecode]",
        b"78 9c",
    );
    let r = inspect_every_way(PDF, &document("", vec![hex])).unwrap();
    assert!(!r.fully_inspected);
    assert!(
        r.note.contains("encoding the inspector does not read"),
        "{}",
        r.note
    );
}

#[test]
fn an_uncompressed_object_stream_is_read_as_object_syntax() {
    let (data, first) = object_stream_data(&["<< /S /Next /JS (app.alert(1)) >>"]);
    let raw = stream(&format!("/Type /ObjStm /N 1 /First {first}"), &data);
    assert!(refused(&document("", vec![raw])).contains("JavaScript"));
}

//! Office and `OpenDocument` packages written by hand (local headers, central directory and end
//! record), each fed whole, in 7-byte chunks and byte by byte.

use miniz_oxide::deflate::compress_to_vec;

use super::*;

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const ODT: &str = "application/vnd.oasis.opendocument.text";

struct Entry {
    name: String,
    /// The name in the central directory, when it differs from the local header's.
    central_name: Option<String>,
    data: Vec<u8>,
    deflate: bool,
    /// Compression level: 0 writes the data as it is, inside DEFLATE's stored blocks.
    level: u8,
    descriptor: bool,
}

fn entry(name: &str, data: &[u8]) -> Entry {
    Entry {
        name: name.to_owned(),
        central_name: None,
        data: data.to_vec(),
        deflate: false,
        level: 6,
        descriptor: false,
    }
}

impl Entry {
    fn deflated(mut self) -> Self {
        self.deflate = true;
        self
    }
    fn with_descriptor(mut self) -> Self {
        self.deflate = true;
        self.descriptor = true;
        self
    }
}

fn u16le(n: usize) -> [u8; 2] {
    u16::try_from(n).unwrap().to_le_bytes()
}

fn u32le(n: usize) -> [u8; 4] {
    u32::try_from(n).unwrap().to_le_bytes()
}

/// A ZIP file of `entries`, CRCs left at zero (the inspector does not check them).
fn zip(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len();
        let data = if e.deflate {
            compress_to_vec(&e.data, e.level)
        } else {
            e.data.clone()
        };
        let flags: usize = if e.descriptor { 8 } else { 0 };
        let method: usize = if e.deflate { 8 } else { 0 };
        let (csize, usize) = if e.descriptor {
            (0, 0)
        } else {
            (data.len(), e.data.len())
        };
        out.extend_from_slice(b"PK\x03\x04\x14\x00");
        out.extend(u16le(flags).into_iter().chain(u16le(method)));
        out.extend_from_slice(&[0; 8]); // time, date, crc
        out.extend(u32le(csize).into_iter().chain(u32le(usize)));
        out.extend(u16le(e.name.len()).into_iter().chain(u16le(0)));
        out.extend_from_slice(e.name.as_bytes());
        out.extend_from_slice(&data);
        if e.descriptor {
            out.extend_from_slice(b"PK\x07\x08\0\0\0\0");
            out.extend(u32le(data.len()).into_iter().chain(u32le(e.data.len())));
        }
        let name = e.central_name.as_ref().unwrap_or(&e.name);
        central.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00");
        central.extend(u16le(flags).into_iter().chain(u16le(method)));
        central.extend_from_slice(&[0; 8]);
        central.extend(u32le(data.len()).into_iter().chain(u32le(e.data.len())));
        central.extend(
            u16le(name.len())
                .into_iter()
                .chain(u16le(0))
                .chain(u16le(0)),
        );
        central.extend_from_slice(&[0; 8]); // disk, internal and external attributes
        central.extend(u32le(offset));
        central.extend_from_slice(name.as_bytes());
    }
    let at = out.len();
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend(u16le(entries.len()).into_iter().chain(u16le(entries.len())));
    out.extend(u32le(central.len()).into_iter().chain(u32le(at)));
    out.extend_from_slice(&[0, 0]);
    out
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn word(extra: Vec<Entry>) -> Vec<Entry> {
    let mut e = vec![
        entry("[Content_Types].xml", b"<?xml version=\"1.0\"?><Types/>"),
        entry("_rels/.rels", b"<?xml version=\"1.0\"?><Relationships/>").deflated(),
        entry(
            "word/document.xml",
            b"<w:document><w:body>Risk analysis 2025</w:body></w:document>",
        )
        .deflated(),
        entry("word/media/image1.png", PNG),
    ];
    e.extend(extra);
    e
}

fn refused(media_type: &str, entries: &[Entry]) -> String {
    let e = inspect_every_way(media_type, &zip(entries)).unwrap_err();
    assert_eq!(e.field, "file");
    e.reason
}

#[test]
fn a_clean_word_document_is_taken_and_fully_inspected() {
    let r = inspect_every_way(DOCX, &zip(&word(vec![]))).unwrap();
    assert!(r.fully_inspected, "{}", r.note);
    assert!(
        r.note.starts_with("Word document: 4 entries checked"),
        "{}",
        r.note
    );
}

#[test]
fn a_word_document_with_a_vba_project_is_refused_with_what_to_upload() {
    let reason = refused(
        DOCX,
        &word(vec![entry("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")]),
    );
    assert_eq!(
        reason,
        "is a Word document with macros: save it as a .docx without macros, or as PDF, and upload that"
    );
}

#[test]
fn embedded_ole_objects_and_programs_are_refused_whatever_their_name() {
    let ole = entry("word/embeddings/oleObject1.bin", b"MZ\x90\x00\x03\x00");
    assert!(refused(DOCX, &word(vec![ole])).contains("embedded OLE object"));
    let stored = entry("word/media/image2.png", b"MZ\x90\x00\x03\x00\x00\x00");
    assert!(refused(DOCX, &word(vec![stored])).contains("a program embedded in it"));
    let deflated = entry("word/media/image3.emf", b"\x7fELF\x02\x01\x01\0\0\0\0").deflated();
    assert!(refused(DOCX, &word(vec![deflated])).contains("a program embedded in it"));
    let named = entry("word/media/Invoice.pdf.exe. ", b"hello");
    assert!(refused(DOCX, &word(vec![named])).contains("a program embedded in it"));
}

#[test]
fn activex_controls_embedded_macro_workbooks_and_excel_4_macro_sheets_are_refused() {
    let embedded = entry("word/embeddings/Budget.xlsm", b"PK\x03\x04");
    assert!(refused(DOCX, &word(vec![embedded])).contains("with macros"));
    let ax = entry("word/activeX/activeX1.xml", b"<ax:ocx/>");
    assert!(refused(DOCX, &word(vec![ax])).contains("ActiveX controls"));
    let xlm = vec![
        entry("[Content_Types].xml", b"<Types/>"),
        entry("xl/workbook.xml", b"<workbook/>"),
        entry("xl/macrosheets/sheet1.xml", b"<xm:macrosheet/>"),
    ];
    let reason = refused(DOCX, &xlm);
    assert_eq!(
        reason,
        "is an Excel workbook with macros: save it as an .xlsx without macros, or as PDF, and upload that",
        "named from its entries, not from the media type guessed from the file name"
    );
}

#[test]
fn entries_written_with_data_descriptors_are_read_to_the_end() {
    let clean: Vec<Entry> = word(vec![])
        .into_iter()
        .map(Entry::with_descriptor)
        .collect();
    let r = inspect_every_way(DOCX, &zip(&clean)).unwrap();
    assert!(r.fully_inspected, "{}", r.note);
    let mut macros: Vec<Entry> = word(vec![])
        .into_iter()
        .map(Entry::with_descriptor)
        .collect();
    macros.push(entry("word/vbaData.xml", b"<wne:vbaSuppData/>").with_descriptor());
    assert!(refused(DOCX, &macros).contains("with macros"));
    let program = entry("word/media/image9.png", b"MZ\x90\0\x03\0").with_descriptor();
    assert!(refused(DOCX, &word(vec![program])).contains("program"));
}

#[test]
fn a_header_planted_in_an_entrys_data_cannot_make_the_reader_skip_the_rest() {
    let mut planted = b"<w:document/>PK\x03\x04\x14\0\0\0\0\0".to_vec();
    planted.extend_from_slice(&[0; 8]);
    planted.extend_from_slice(&0xFFFF_FF00_u32.to_le_bytes());
    planted.extend_from_slice(&0xFFFF_FF00_u32.to_le_bytes());
    planted.extend_from_slice(b"\x01\0\0\0x");
    let mut decoy = entry("word/document.xml", &planted).with_descriptor();
    decoy.level = 0;
    let macros = entry("word/vbaProject.bin", b"\xd0\xcf\x11\xe0");
    assert!(refused(DOCX, &[decoy, macros]).contains("with macros"));
}

#[test]
fn a_name_listed_only_in_the_central_directory_is_checked() {
    let mut hidden = entry("word/styles.xml", b"<w:styles/>");
    hidden.central_name = Some("word/vbaProject.bin".to_owned());
    assert!(refused(DOCX, &word(vec![hidden])).contains("with macros"));
}

#[test]
fn an_opendocument_text_with_basic_macros_is_refused() {
    let odt = vec![
        entry("mimetype", ODT.as_bytes()),
        entry("content.xml", b"<office:document-content/>").deflated(),
        entry("Basic/Standard/Module1.xml", b"<script:module/>").deflated(),
    ];
    assert_eq!(
        refused(ODT, &odt),
        "is an OpenDocument file with macros: save it as a copy without macros, or as PDF, and upload that"
    );
    let clean = vec![
        entry("mimetype", ODT.as_bytes()),
        entry("content.xml", b"<office:document-content/>").deflated(),
        entry("Pictures/1.png", PNG),
    ];
    let r = inspect_every_way(ODT, &zip(&clean)).unwrap();
    assert!(
        r.fully_inspected && r.note.starts_with("OpenDocument file: 3 entries"),
        "{}",
        r.note
    );
}

#[test]
fn a_package_cut_before_its_directory_is_taken_but_marked_partly_inspected() {
    let whole = zip(&word(vec![]));
    let cut = &whole[..whole.len() - 200];
    let r = inspect_every_way(DOCX, cut).unwrap();
    assert!(!r.fully_inspected);
    assert!(r.note.contains("ZIP directory"), "{}", r.note);
}

#[test]
fn images_and_text_are_only_typed() {
    let r = inspect_every_way("image/png", PNG).unwrap();
    assert!(r.fully_inspected);
    assert!(r.note.contains("only its type"), "{}", r.note);
}

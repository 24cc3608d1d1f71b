//! What an uploaded file really is, judged from its first bytes rather than its name, and whether
//! the evidence locker takes it.
//!
//! Evidence is documents, images, exports and text. Programs, scripts and archives (which can
//! hide programs, and which no investigator can read in place) are refused with a message that
//! says what to upload instead. Unknown binary formats are refused too: a locker that only holds
//! what it can name is one an auditor can trust.
//!
//! Office Open XML and `OpenDocument` files are ZIP containers; they are recognised here by their
//! first entry (`[Content_Types].xml` or `mimetype`), as every practice keeps policies and logs
//! in them. What is inside them, and inside PDFs, is judged from every byte by
//! [`crate::inspect::ContentInspector`]: macros, `ActiveX` controls, OLE objects and embedded
//! programs in the packages; JavaScript, launch actions and embedded files in PDFs.

use crate::Invalid;

/// How many leading bytes [`sniff`] wants (it decides with fewer at the end of a short file).
pub const SNIFF_BYTES: usize = 4096;

/// Name endings refused whatever the content: they run when opened on Windows or macOS.
pub(crate) const RUNNABLE_ENDINGS: &[&str] = &[
    ".exe",
    ".com",
    ".scr",
    ".pif",
    ".bat",
    ".cmd",
    ".ps1",
    ".psm1",
    ".vbs",
    ".vbe",
    ".js",
    ".jse",
    ".wsf",
    ".wsh",
    ".hta",
    ".msi",
    ".msp",
    ".dll",
    ".sys",
    ".cpl",
    ".jar",
    ".lnk",
    ".reg",
    ".sh",
    ".command",
    ".app",
    ".apk",
    ".dmg",
    ".iso",
    ".img",
    ".vhd",
    ".vhdx",
    ".url",
    ".scf",
    ".inf",
    ".wsc",
    ".sct",
    ".settingcontent-ms",
    ".msc",
    ".application",
    ".appref-ms",
    ".gadget",
    ".ps1xml",
    ".psd1",
    ".vb",
    ".ws",
    ".xll",
    ".library-ms",
];

/// Media type of `head` (the first [`SNIFF_BYTES`] bytes, or the whole file if shorter), or
/// why it is refused. `name` is only used to refuse runnable name endings and to tell CSV and
/// Office formats apart; it never makes a refused content acceptable.
pub fn sniff(head: &[u8], name: Option<&str>) -> Result<&'static str, Invalid> {
    check_name(name)?;
    let lower = name.map(str::to_ascii_lowercase).unwrap_or_default();
    if head.is_empty() {
        return Err(Invalid::new("file", "is empty; choose a file with content"));
    }
    if let Some(what) = program(head) {
        return Err(refused(&format!("is {what}, whatever its name says")));
    }
    if let Some(what) = archive(head) {
        return Err(refused(&format!(
            "is {what}: archives can hide programs and cannot be read in place; upload the documents inside it one by one"
        )));
    }
    if let Some(t) = document(head, &lower) {
        return Ok(t);
    }
    if is_text(head) {
        return Ok(text_type(head, &lower));
    }
    Err(Invalid::new(
        "file",
        "is not a kind of file the evidence locker takes: upload PDF, images (PNG, JPEG, GIF, WebP, TIFF), Office or OpenDocument files, or text (CSV, JSON, logs)",
    ))
}

/// Refuses a file name that runs as a program when opened, before any byte is read.
pub fn check_name(name: Option<&str>) -> Result<(), Invalid> {
    // Windows drops trailing dots and spaces: `fix.js.` is saved as `fix.js`.
    let lower = name
        .map(|n| n.trim_end_matches(['.', ' ']).to_ascii_lowercase())
        .unwrap_or_default();
    match RUNNABLE_ENDINGS.iter().find(|e| lower.ends_with(*e)) {
        Some(ending) => Err(refused(&format!(
            "has a name ending in {ending}, which runs as a program when opened"
        ))),
        None => Ok(()),
    }
}

/// The name to download a file under: its stored name, with an extension matching the type it
/// was judged to be appended when the name lacks one, so that opening the download never runs
/// anything (`devices.bat` stored as CSV downloads as `devices.bat.csv`).
pub fn download_name(name: &str, media_type: &str) -> String {
    let (fitting, default): (&[&str], &str) = match media_type {
        "application/pdf" => (&["pdf"], "pdf"),
        "image/png" => (&["png"], "png"),
        "image/jpeg" => (&["jpg", "jpeg"], "jpg"),
        "image/gif" => (&["gif"], "gif"),
        "image/webp" => (&["webp"], "webp"),
        "image/tiff" => (&["tif", "tiff"], "tif"),
        "text/csv" => (&["csv", "txt"], "csv"),
        "application/json" => (&["json", "txt", "log"], "json"),
        "text/plain" => (&["txt", "log", "md", "csv", "json", "xml", "eml"], "txt"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => (&["xlsx"], "xlsx"),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => {
            (&["pptx"], "pptx")
        }
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
            (&["docx"], "docx")
        }
        "application/vnd.oasis.opendocument.spreadsheet" => (&["ods"], "ods"),
        "application/vnd.oasis.opendocument.text" => (&["odt"], "odt"),
        _ => (&["bin"], "bin"),
    };
    if fitting.iter().any(|e| has_ext(name, e)) {
        name.to_owned()
    } else {
        format!("{name}.{default}")
    }
}

fn has_ext(name: &str, ext: &str) -> bool {
    std::path::Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn refused(why: &str) -> Invalid {
    Invalid::new(
        "file",
        format!(
            "{why}; programs and archives are not accepted as evidence (save it as PDF, an image, an Office document or text)"
        ),
    )
}

fn program(h: &[u8]) -> Option<&'static str> {
    let magic: &[(&[u8], &str)] = &[
        (b"MZ", "a Windows program (PE executable)"),
        (b"\x7fELF", "a Linux program (ELF executable)"),
        (b"\xfe\xed\xfa\xce", "a macOS program (Mach-O)"),
        (b"\xfe\xed\xfa\xcf", "a macOS program (Mach-O)"),
        (b"\xce\xfa\xed\xfe", "a macOS program (Mach-O)"),
        (b"\xcf\xfa\xed\xfe", "a macOS program (Mach-O)"),
        (
            b"\xca\xfe\xba\xbe",
            "a macOS universal program or Java class",
        ),
        (b"#!", "a script"),
        (b"\x00asm", "a WebAssembly program"),
        (b"L\x00\x00\x00\x01\x14\x02\x00", "a Windows shortcut"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "a legacy Office or Windows Installer file (the same container holds installers and macros; save it as PDF or a current Office format)",
        ),
    ];
    magic
        .iter()
        .find(|(m, _)| h.starts_with(m))
        .map(|(_, what)| *what)
}

fn archive(h: &[u8]) -> Option<&'static str> {
    let magic: &[(&[u8], &str)] = &[
        (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
        (b"Rar!\x1a\x07", "a RAR archive"),
        (b"\x1f\x8b", "a gzip archive"),
        (b"BZh", "a bzip2 archive"),
        (b"\xfd7zXZ\x00", "an xz archive"),
        (b"\x28\xb5\x2f\xfd", "a Zstandard archive"),
        (b"MSCF", "a Windows cabinet archive"),
        (b"ISc(", "an InstallShield cabinet"),
        (b"xar!", "a macOS installer archive"),
        (b"!<arch>", "a Debian package or static library"),
    ];
    if let Some((_, what)) = magic.iter().find(|(m, _)| h.starts_with(m)) {
        return Some(what);
    }
    if h.get(257..262) == Some(b"ustar") {
        return Some("a tar archive");
    }
    if h.get(0x8001..0x8006) == Some(b"CD001") {
        return Some("a disc image");
    }
    if h.starts_with(b"PK\x03\x04") && !is_office_zip(h) {
        return Some("a ZIP archive");
    }
    if h.starts_with(b"PK\x05\x06") || h.starts_with(b"PK\x07\x08") {
        return Some("a ZIP archive");
    }
    None
}

/// The first entry of an Office Open XML or `OpenDocument` file names the package type.
fn is_office_zip(h: &[u8]) -> bool {
    let Some(len) = h
        .get(26..28)
        .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
    else {
        return false;
    };
    let first = h.get(30..30 + len).unwrap_or_default();
    first == b"[Content_Types].xml"
        || first == b"mimetype"
        || first.starts_with(b"_rels/")
        || first.starts_with(b"docProps/")
}

fn document(h: &[u8], name: &str) -> Option<&'static str> {
    let found = if h.starts_with(b"%PDF-") {
        "application/pdf"
    } else if h.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if h.starts_with(b"\xff\xd8\xff") {
        "image/jpeg"
    } else if h.starts_with(b"GIF87a") || h.starts_with(b"GIF89a") {
        "image/gif"
    } else if h.starts_with(b"RIFF") && h.get(8..12) == Some(b"WEBP") {
        "image/webp"
    } else if h.starts_with(b"II*\x00") || h.starts_with(b"MM\x00*") {
        "image/tiff"
    } else if h.starts_with(b"PK\x03\x04") {
        office_type(h, name)
    } else {
        return None;
    };
    Some(found)
}

fn office_type(h: &[u8], name: &str) -> &'static str {
    if h.windows(8).take(200).any(|w| w == b"mimetype") {
        if h.windows(39)
            .any(|w| w == b"application/vnd.oasis.opendocument.spre")
        {
            return "application/vnd.oasis.opendocument.spreadsheet";
        }
        return "application/vnd.oasis.opendocument.text";
    }
    if has_ext(name, "xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else if has_ext(name, "pptx") {
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    } else {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    }
}

/// UTF-8 (a character cut at the end of the head is fine) without control characters other
/// than tab, line feed, carriage return and form feed.
fn is_text(h: &[u8]) -> bool {
    let valid = match std::str::from_utf8(h) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() && h.len() >= SNIFF_BYTES => {
            match std::str::from_utf8(&h[..e.valid_up_to()]) {
                Ok(s) => s,
                Err(_) => return false,
            }
        }
        Err(_) => return false,
    };
    valid
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
}

fn text_type(h: &[u8], name: &str) -> &'static str {
    let start = h
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0xef && *b != 0xbb && *b != 0xbf)
        .and_then(|i| h.get(i));
    if has_ext(name, "csv") {
        "text/csv"
    } else if matches!(start, Some(b'{' | b'[')) {
        "application/json"
    } else {
        "text/plain"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_with_first_entry(name: &str) -> Vec<u8> {
        let mut z = b"PK\x03\x04".to_vec();
        z.extend_from_slice(&[0; 22]);
        z.extend_from_slice(&u16::try_from(name.len()).unwrap().to_le_bytes());
        z.extend_from_slice(&[0, 0]);
        z.extend_from_slice(name.as_bytes());
        z.extend_from_slice(&[0; 64]);
        z
    }

    #[test]
    fn documents_images_and_text_are_typed_from_their_content() {
        assert_eq!(
            sniff(b"%PDF-1.7\n...", Some("scan.bin")),
            Ok("application/pdf")
        );
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....", None), Ok("image/png"));
        assert_eq!(
            sniff(b"\xff\xd8\xff\xe0..", Some("photo")),
            Ok("image/jpeg")
        );
        assert_eq!(
            sniff(b"device,encrypted\nPC-1,yes\n", Some("x.csv")),
            Ok("text/csv")
        );
        assert_eq!(sniff(b"  {\"a\": 1}", None), Ok("application/json"));
        assert_eq!(
            sniff("Zugriffsprüfung abgeschlossen\n".as_bytes(), None),
            Ok("text/plain")
        );
        assert_eq!(
            sniff(
                &zip_with_first_entry("[Content_Types].xml"),
                Some("Policy.xlsx")
            ),
            Ok("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        );
    }

    #[test]
    fn a_program_is_refused_whatever_its_name() {
        let mut exe = b"MZ\x90\x00".to_vec();
        exe.extend_from_slice(&[0; 200]);
        let e = sniff(&exe, Some("backup-report.pdf")).unwrap_err();
        assert_eq!(e.field, "file");
        assert!(e.reason.contains("Windows program"), "{}", e.reason);
        assert!(sniff(b"\x7fELF\x02\x01", Some("notes.txt")).is_err());
        assert!(sniff(b"#!/bin/sh\nrm -rf /\n", Some("log.txt")).is_err());
        assert!(sniff(b"\xcf\xfa\xed\xfe", None).is_err());
    }

    #[test]
    fn archives_that_could_hide_programs_are_refused() {
        assert!(sniff(&zip_with_first_entry("setup.exe"), Some("policies.docx")).is_err());
        assert!(sniff(b"7z\xbc\xaf\x27\x1c\x00\x04", None).is_err());
        assert!(sniff(b"\x1f\x8b\x08\x00", Some("log.txt")).is_err());
        let mut tar = vec![b'a'; 300];
        tar[257..262].copy_from_slice(b"ustar");
        assert!(sniff(&tar, None).unwrap_err().reason.contains("tar"));
    }

    #[test]
    fn runnable_names_are_refused_even_when_the_content_is_text() {
        let e = sniff(b"Write-Host hi", Some("Check.PS1")).unwrap_err();
        assert!(e.reason.contains(".ps1"), "{}", e.reason);
        assert!(
            check_name(Some("report.js. ")).is_err(),
            "trailing dots are dropped by Windows"
        );
        assert!(check_name(Some("Portal.url")).is_err());
        assert!(check_name(Some("report.pdf")).is_ok());
    }

    #[test]
    fn each_accepted_type_has_a_download_extension() {
        assert_eq!(download_name("scan", "application/pdf"), "scan.pdf");
        assert_eq!(download_name("devices.bat", "text/csv"), "devices.bat.csv");
        assert_eq!(download_name("notes.TXT", "text/plain"), "notes.TXT");
        assert_eq!(download_name("log.md", "text/plain"), "log.md");
    }

    #[test]
    fn empty_and_unknown_binary_files_are_refused_with_what_to_upload() {
        assert!(
            sniff(b"", Some("a.pdf"))
                .unwrap_err()
                .reason
                .contains("empty")
        );
        let e = sniff(&[0, 1, 2, 3, 200, 201], None).unwrap_err();
        assert!(e.reason.contains("PDF"), "{}", e.reason);
    }

    #[test]
    fn a_utf8_character_cut_at_the_end_of_the_head_is_still_text() {
        let mut t = "é".repeat(SNIFF_BYTES / 2 - 1).into_bytes();
        t.push(b'x');
        t.push(0xc3);
        assert_eq!(t.len(), SNIFF_BYTES);
        assert_eq!(sniff(&t, None), Ok("text/plain"));
    }
}

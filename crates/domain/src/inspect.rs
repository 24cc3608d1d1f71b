//! Whether an upload hides active content, judged from every byte as it streams.
//!
//! [`crate::sniff`] names a file's type from its first bytes; this looks through the rest of
//! the containers that can carry code:
//! - **PDF**: refused with JavaScript (`/JavaScript`, `/JS`), launch actions (`/Launch`) or
//!   embedded files (`/EmbeddedFile(s)`, `/FileAttachment`, `/EF`), in plain objects and in
//!   Flate-compressed object streams, names normalised from `#xx` escapes. Object streams are
//!   inflated up to 8 MiB each and 64 MiB in all; beyond that, or when they cannot be decoded
//!   (encryption, other encodings), the file is taken and the result says it was only partly
//!   inspected. Other streams (images, fonts, page content) are probed (their first inflated
//!   bytes tell an object stream without its type apart), never inflated whole.
//! - **Office Open XML and `OpenDocument`** (ZIP containers): refused with macros (VBA
//!   projects, Excel 4 macro sheets, `OpenDocument` `Basic/` and `Scripts/`), `ActiveX`
//!   controls, OLE objects (`embeddings/oleObject*.bin`), entries named like programs, or
//!   stored or deflated entries whose first bytes are a program's. Names come from the local
//!   headers and from the central directory at the end.
//! - Anything else (images, text) is not a container; nothing more is read.
//!
//! Memory stays bounded whatever the size (at most about 210 KiB); the answer does not depend
//! on how the upload was cut into chunks; no message repeats anything from the file, only the
//! kind of thing found.

mod inflate;
mod pdf;
mod pdf_names;
mod pdf_objects;
mod zip;

#[cfg(test)]
mod tests_pdf;
#[cfg(test)]
mod tests_props;
#[cfg(test)]
mod tests_zip;

use crate::Invalid;

/// Reads an upload as it streams and says, at the end, whether it carries active content.
///
/// Feed it every chunk, from the first byte, in order; chunks may have any size.
#[derive(Debug)]
pub struct ContentInspector {
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Pdf(Box<pdf::Pdf>),
    Package(Box<zip::Zip>),
    TypeOnly,
}

/// What the inspector looked at in a file it did not refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// Whether everything the inspector reads in this kind of file was read. False when a
    /// PDF's object streams were too large, encrypted or encoded in a way it does not decode,
    /// or a package's central directory was missing or incomplete. Such a file is taken; the
    /// caller may record the note.
    pub fully_inspected: bool,
    /// What was inspected, in a sentence: kinds and counts, never content of the file.
    pub note: String,
}

impl ContentInspector {
    /// An inspector for a file whose type [`crate::sniff::sniff`] named `media_type_from_sniff`.
    pub fn new(media_type_from_sniff: &str) -> Self {
        let t = media_type_from_sniff;
        let kind = if t == "application/pdf" {
            Kind::Pdf(Box::new(pdf::Pdf::new()))
        } else if let Some(family) = package_family(t) {
            Kind::Package(Box::new(zip::Zip::new(family)))
        } else {
            Kind::TypeOnly
        };
        Self { kind }
    }

    /// Takes the next bytes of the file.
    pub fn feed(&mut self, chunk: &[u8]) {
        match &mut self.kind {
            Kind::Pdf(p) => p.feed(chunk),
            Kind::Package(z) => z.feed(chunk),
            Kind::TypeOnly => {}
        }
    }

    /// Refuses a file with active content, saying what to upload instead; otherwise says what
    /// was inspected.
    pub fn finish(self) -> Result<Inspection, Invalid> {
        match self.kind {
            Kind::Pdf(p) => p
                .finish()
                .map(pdf_inspection)
                .map_err(|f| refused(pdf_reason(f))),
            Kind::Package(z) => z
                .finish()
                .map(package_inspection)
                .map_err(|(f, family)| refused(&package_reason(f, family))),
            Kind::TypeOnly => Ok(Inspection {
                fully_inspected: true,
                note: "Not a document container: only its type was checked, from its first bytes."
                    .to_owned(),
            }),
        }
    }
}

fn package_family(media_type: &str) -> Option<zip::Family> {
    use zip::Family;
    let ooxml = "application/vnd.openxmlformats-officedocument.";
    Some(if let Some(rest) = media_type.strip_prefix(ooxml) {
        if rest.starts_with("wordprocessingml") {
            Family::Word
        } else if rest.starts_with("spreadsheetml") {
            Family::Excel
        } else if rest.starts_with("presentationml") {
            Family::PowerPoint
        } else {
            Family::Office
        }
    } else if media_type.starts_with("application/vnd.oasis.opendocument.") {
        Family::OpenDocument
    } else if media_type.starts_with("application/vnd.ms-") {
        Family::Office
    } else {
        return None;
    })
}

fn refused(reason: &str) -> Invalid {
    Invalid::new("file", reason)
}

fn pdf_reason(found: pdf::Finding) -> &'static str {
    match found {
        pdf::Finding::JavaScript => {
            "is a PDF with JavaScript, which runs when the file is opened: print it to a new PDF (or save a copy without scripts) and upload that"
        }
        pdf::Finding::Launch => {
            "is a PDF with an action that starts a program or opens a file: print it to a new PDF and upload that"
        }
        pdf::Finding::EmbeddedFile => {
            "is a PDF with files embedded in it, which can hide programs: print it to a new PDF without them and upload that, and the attached documents on their own"
        }
    }
}

fn package_reason(found: zip::Finding, family: zip::Family) -> String {
    use zip::{Family, Finding};
    let (what, plain) = match family {
        Family::Word => ("a Word document", "a .docx"),
        Family::Excel => ("an Excel workbook", "an .xlsx"),
        Family::PowerPoint => ("a PowerPoint presentation", "a .pptx"),
        Family::OpenDocument => ("an OpenDocument file", "a copy"),
        Family::Office => ("an Office document", "a copy"),
    };
    match found {
        Finding::Macros => format!(
            "is {what} with macros: save it as {plain} without macros, or as PDF, and upload that"
        ),
        Finding::ActiveX => format!(
            "is {what} with ActiveX controls, which can run code: remove them and save it as {plain}, or save it as PDF, and upload that"
        ),
        Finding::OleObject => format!(
            "is {what} with an embedded OLE object, which can hold a program: remove the embedded object, or save it as PDF, and upload that"
        ),
        Finding::Program => format!(
            "is {what} with a program embedded in it: remove the embedded file, or save it as PDF, and upload that"
        ),
    }
}

fn plural(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn pdf_inspection(s: pdf::Summary) -> Inspection {
    let checked = "PDF checked for JavaScript, launch actions and embedded files";
    let streams = |n| plural(n, "compressed object stream", "compressed object streams");
    if s.unreadable == 0 && s.cut == 0 {
        let note = if s.object_streams == 0 {
            format!("{checked} in every object.")
        } else {
            format!(
                "{checked} in every object, {} included.",
                streams(s.object_streams)
            )
        };
        return Inspection {
            fully_inspected: true,
            note,
        };
    }
    let mut parts = Vec::new();
    if s.unreadable > 0 {
        let why = if s.encrypted {
            "the file is encrypted"
        } else {
            "damaged or in an encoding the inspector does not read"
        };
        parts.push(format!(
            "{} could not be decoded ({why})",
            streams(s.unreadable)
        ));
    }
    if s.cut > 0 {
        parts.push(format!(
            "{} went past the inspection limit ({} MiB each, {} MiB in all), so {} not checked in full",
            streams(s.cut),
            pdf_objects::PER_STREAM >> 20,
            pdf_objects::TOTAL >> 20,
            if s.cut == 1 { "was" } else { "were" },
        ));
    }
    let read = match s.object_streams {
        0 => String::new(),
        n => format!(" and {}", streams(n)),
    };
    Inspection {
        fully_inspected: false,
        note: format!(
            "{checked} in its plain objects{read}; {}.",
            parts.join("; ")
        ),
    }
}

fn package_inspection(s: zip::Summary) -> Inspection {
    let what = match s.family {
        zip::Family::Word => "Word document",
        zip::Family::Excel => "Excel workbook",
        zip::Family::PowerPoint => "PowerPoint presentation",
        zip::Family::OpenDocument => "OpenDocument file",
        zip::Family::Office => "Office document",
    };
    let checked = format!(
        "{what}: {} checked for macros, ActiveX controls, OLE objects and programs (by name, and by first bytes when stored or deflated)",
        plural(s.entries, "entry", "entries")
    );
    if s.directory {
        Inspection {
            fully_inspected: true,
            note: format!("{checked}."),
        }
    } else {
        Inspection {
            fully_inspected: false,
            note: format!(
                "{checked}; the ZIP directory at the end of the file was missing or incomplete, so entries listed only there may not have been checked."
            ),
        }
    }
}

/// Feeds `bytes` whole, in 7-byte chunks and byte by byte; all three must agree.
#[cfg(test)]
fn inspect_every_way(media_type: &str, bytes: &[u8]) -> Result<Inspection, Invalid> {
    let run = |size: usize| {
        let mut i = ContentInspector::new(media_type);
        for chunk in bytes.chunks(size.max(1)) {
            i.feed(chunk);
        }
        i.finish()
    };
    let whole = run(bytes.len());
    assert_eq!(run(7), whole, "7-byte chunks");
    assert_eq!(run(1), whole, "1-byte chunks");
    whole
}

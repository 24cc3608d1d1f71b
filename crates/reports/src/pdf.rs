//! PDF reports, typeset in-process and offline with typst. The data goes to the template as
//! JSON (`json("data.json")`), so whatever a user typed is data, never markup: it cannot change
//! the layout or inject anything.

use std::sync::OnceLock;

use serde_json::{Value, json};
use time::OffsetDateTime;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use safeharbor_core::gap::GapReport;
use safeharbor_domain::catalog::Coverage;

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
#[error("could not typeset the report: {0}")]
pub struct PdfError(String);

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

/// The fonts bundled with typst, parsed once per process.
fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        Fonts {
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIB: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIB.get_or_init(|| LazyHash::new(Library::default()))
}

fn file_id(path: &str) -> Result<FileId, PdfError> {
    let v = VirtualPath::new(path).map_err(|e| PdfError(format!("{e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, v).intern())
}

struct ReportWorld {
    main_id: FileId,
    main: Source,
    data_id: FileId,
    data: Bytes,
    today: Datetime,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }

    fn main(&self) -> FileId {
        self.main_id
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main_id {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// Typesets `template` (typst markup that reads `data.json`) with `data`.
pub fn render(template: &str, data: &Value, today: OffsetDateTime) -> Result<Vec<u8>, PdfError> {
    let main_id = file_id("/main.typ")?;
    let data_id = file_id("/data.json")?;
    let world = ReportWorld {
        main_id,
        main: Source::new(main_id, template.to_owned()),
        data_id,
        data: Bytes::new(serde_json::to_vec(data).map_err(|e| PdfError(e.to_string()))?),
        today: Datetime::from_ymd(today.year(), u8::from(today.month()), today.day())
            .ok_or_else(|| PdfError("bad date".into()))?,
    };
    let doc = typst::compile::<PagedDocument>(&world)
        .output
        .map_err(|errs| {
            PdfError(
                errs.iter()
                    .map(|e| e.message.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
    typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default()).map_err(|errs| {
        PdfError(
            errs.iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}

/// A date for people: `November 29, 2026`.
pub fn long_date(t: OffsetDateTime) -> String {
    format!("{} {}, {}", t.month(), t.day(), t.year())
}

fn coverage_color(c: Coverage) -> &'static str {
    match c {
        Coverage::Proven => "proven",
        Coverage::RelatedPracticed => "related",
        Coverage::RelatedPartial => "partial",
        Coverage::RelatedNotPracticed => "not-practiced",
        Coverage::HipaaSpecific => "hipaa-specific",
    }
}

/// The gap view as a PDF.
pub fn gap_pdf(report: &GapReport, now: OffsetDateTime) -> Result<Vec<u8>, PdfError> {
    // Identifiers only: the titles are one click away in the catalog and would make the PDF
    // many times longer.
    let list = |v: &[(String, String)]| v.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>();
    let data = json!({
        "org": report.org.name,
        "baseline": report.baseline.title,
        "baseline_version": report.baseline.version,
        "inherited_from": report.inherited_from.as_ref().map(|o| o.name.clone()),
        "is_default": report.is_default,
        "generated": long_date(now),
        "counts": {
            "proven": report.count(Coverage::Proven),
            "related": report.count(Coverage::RelatedPracticed),
            "partial": report.count(Coverage::RelatedPartial),
            "not_practiced": report.count(Coverage::RelatedNotPracticed),
            "hipaa_specific": report.count(Coverage::HipaaSpecific),
        },
        "rows": report.rows.iter().map(|r| json!({
            "ref": r.requirement.reference,
            "title": r.requirement.title,
            "kind": r.requirement.kind.label(),
            "designation": r.requirement.designation.map_or("", |d| d.as_str()),
            "coverage": coverage_color(r.coverage),
            "coverage_label": r.coverage.label(),
            "practiced": list(&r.practiced),
            "partial": list(&r.partial),
            "not_practiced": list(&r.not_practiced),
            "own_controls": r.own_controls,
        })).collect::<Vec<_>>(),
    });
    render(include_str!("../templates/gap.typ"), &data, now)
}

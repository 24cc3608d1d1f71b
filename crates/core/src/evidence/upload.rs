//! Streaming uploads: bytes go to the blob store as they arrive, checked against the size
//! limit, typed from their first bytes and then read in full by the content inspector (active
//! content in PDFs and Office files); the evidence row is written only after the blob is
//! durable, so a failure at any point leaves nothing visible.

use safeharbor_domain::evidence::{
    Evidence, EvidenceKind, EvidenceMeta, EvidenceVersion, LinkTarget, Source,
};
use safeharbor_domain::ids::EvidenceId;
use safeharbor_domain::inspect::{ContentInspector, Inspection};
use safeharbor_domain::sniff::{SNIFF_BYTES, check_name, sniff};

use crate::App;
use crate::authz::{self, Caller, Need, TenantScope};
use crate::error::{Error, Result};
use crate::orgs::refuse_if_archived;
use crate::ports::BlobWriter;

/// An upload in progress. Dropping it unfinished discards everything written.
pub struct Upload {
    scope: TenantScope,
    writer: Box<dyn BlobWriter>,
    head: Vec<u8>,
    media_type: Option<&'static str>,
    /// Reads every byte once the type is known: active content in PDFs and Office files.
    inspector: Option<ContentInspector>,
    file_name: Option<String>,
    limit: u64,
    /// An existing piece of evidence this becomes a new version of.
    target: Option<EvidenceId>,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("org_id", &self.scope.org_id())
            .field("written", &self.writer.written())
            .finish_non_exhaustive()
    }
}

/// Bidirectional formatting characters: a right-to-left override can show `gpj.exe` as
/// `exe.jpg`. They have no place in a file name and are removed.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The file's base name, without control or bidirectional formatting characters or the
/// trailing dots and spaces Windows drops (`report.js.` is saved as `report.js`).
pub(crate) fn clean_name(name: Option<&str>) -> Option<String> {
    let base = name?
        .rsplit(['/', '\\'])
        .next()?
        .trim()
        .trim_end_matches(['.', ' ']);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .take(200)
        .collect();
    (!cleaned.is_empty()).then_some(cleaned)
}

/// Starts an upload of new evidence (`target` none) or of a new version of `target`.
pub async fn begin(
    app: &App,
    caller: &Caller,
    slug: &str,
    file_name: Option<&str>,
    target: Option<EvidenceId>,
) -> Result<Upload> {
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    if let Some(id) = target {
        app.store.get_evidence(&scope, id).await?;
    }
    let file_name = clean_name(file_name);
    // A runnable name is refused before any byte is taken.
    check_name(file_name.as_deref())?;
    Ok(Upload {
        scope,
        writer: app.blobs.create().await?,
        head: Vec::new(),
        media_type: None,
        inspector: None,
        file_name,
        limit: app.settings().upload_limit,
        target,
    })
}

fn too_large(limit: u64) -> Error {
    Error::invalid(
        "file",
        format!(
            "is larger than this installation's limit of {}; split it or ask an administrator to raise upload_limit",
            human_size(limit)
        ),
    )
}

/// `100 MB`, `1.5 GB`.
pub fn human_size(bytes: u64) -> String {
    #[expect(clippy::cast_precision_loss, reason = "a size shown to people")]
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.0} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.0} kB", b / 1e3)
    } else {
        format!("{bytes} bytes")
    }
}

impl Upload {
    /// Takes the next bytes of the file.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<()> {
        if self.writer.written() + bytes.len() as u64 > self.limit {
            return Err(too_large(self.limit));
        }
        if let Some(inspector) = &mut self.inspector {
            inspector.feed(bytes);
        } else {
            let want = SNIFF_BYTES - self.head.len();
            let (head, rest) = bytes.split_at(want.min(bytes.len()));
            self.head.extend_from_slice(head);
            if self.head.len() >= SNIFF_BYTES {
                let media_type = sniff(&self.head, self.file_name.as_deref())?;
                // The inspector sees every byte, the sniffed head included.
                let mut inspector = ContentInspector::new(media_type);
                inspector.feed(&self.head);
                inspector.feed(rest);
                self.media_type = Some(media_type);
                self.inspector = Some(inspector);
            }
        }
        self.writer.write(bytes).await
    }

    /// Bytes taken so far.
    pub fn written(&self) -> u64 {
        self.writer.written()
    }

    /// Checks the metadata, makes the bytes durable and records the evidence (or the new
    /// version), with its audit event.
    pub async fn finish(self, app: &App, caller: &Caller, meta: &NewEvidence) -> Result<Evidence> {
        let checked = meta.check(self.target.is_some())?;
        let (media_type, inspector) =
            if let (Some(t), Some(inspector)) = (self.media_type, self.inspector) {
                (t, inspector)
            } else {
                // Shorter than the sniffed head: all of it is in `head`.
                let t = sniff(&self.head, self.file_name.as_deref())?;
                let mut inspector = ContentInspector::new(t);
                inspector.feed(&self.head);
                (t, inspector)
            };
        let inspection: Inspection = inspector.finish()?;
        if !inspection.fully_inspected {
            // The note says kinds and counts only, never content of the file.
            tracing::info!(
                org_id = %self.scope.org_id(),
                note = %inspection.note,
                "upload taken, partly inspected"
            );
        }
        // Everything that can refuse the upload is checked before the bytes are kept.
        let links = match self.target {
            None => super::check_links(app, &self.scope, &meta.links).await?,
            Some(id) => {
                super::version_target(app, &self.scope, id, false, Source::Manual).await?;
                Vec::new()
            }
        };
        let stored = self.writer.finish().await?;
        let now = app.now();
        let version = EvidenceVersion {
            version: 1,
            sha256: Some(stored.sha256),
            size: stored.size,
            media_type: media_type.to_owned(),
            file_name: self.file_name,
            url: None,
            record: None,
            source: Source::Manual,
            created_by: caller.actor_label(),
            created_at: now,
        };
        match self.target {
            None => {
                super::insert_new(
                    app,
                    caller,
                    &self.scope,
                    checked,
                    EvidenceKind::File,
                    version,
                    links,
                )
                .await
            }
            Some(id) => super::add_version(app, caller, &self.scope, id, version, checked).await,
        }
    }
}

/// What people give with new evidence (or a new version).
#[derive(Debug, Clone, Default)]
pub struct NewEvidence {
    /// Title (required for new evidence; a new version keeps the old one when empty).
    pub title: String,
    /// Description.
    pub description: String,
    /// Last day it can be relied on, `YYYY-MM-DD`.
    pub valid_until: String,
    /// What it proves.
    pub links: Vec<LinkTarget>,
}

/// Checked metadata of [`NewEvidence`]; `None` fields keep the stored values.
pub(crate) struct CheckedNew {
    pub(crate) meta: Option<EvidenceMeta>,
    pub(crate) valid_until: Option<time::Date>,
}

impl NewEvidence {
    pub(crate) fn check(&self, is_version: bool) -> Result<CheckedNew> {
        if is_version && self.title.trim().is_empty() {
            return Ok(CheckedNew {
                meta: None,
                valid_until: safeharbor_domain::risk::parse_date("valid_until", &self.valid_until)?,
            });
        }
        let m = EvidenceMeta::parse(&self.title, Some(&self.description), &self.valid_until)?;
        Ok(CheckedNew {
            valid_until: m.valid_until,
            meta: Some(m),
        })
    }
}

//! The evidence locker: documented proof that security controls are implemented, ready for an
//! investigation (164.316(b)(1) documentation; 164.316(b)(2)(i) keeps it six years, so evidence
//! is archived, never deleted, and every version stays).

mod coverage;
pub mod imports;
pub mod maintenance;
mod upload;

use safeharbor_domain::evidence::{
    Evidence, EvidenceKind, EvidenceMeta, EvidenceVersion, LinkTarget, Source, parse_url,
};
use safeharbor_domain::ids::EvidenceId;
use safeharbor_domain::page::{Page, PageRequest};

pub use self::coverage::{Coverage, CoverageState, coverage};
use self::upload::CheckedNew;
pub use self::upload::{NewEvidence, Upload, begin, human_size};
use crate::App;
use crate::authz::{self, Caller, Need, TenantScope};
use crate::error::{Error, Result};
use crate::orgs::refuse_if_archived;
use crate::ports::{BlobReader, EvidenceFilter, OrgEvidence};
use safeharbor_catalog::HIPAA_SECURITY;

/// A page of an organization's evidence, newest first.
pub async fn list(
    app: &App,
    caller: &Caller,
    slug: &str,
    filter: &EvidenceFilter,
    page: &PageRequest,
) -> Result<Page<Evidence>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    let mut f = filter.clone();
    f.today.get_or_insert(app.now().date());
    app.store.list_evidence(&scope, &f, page).await
}

/// One piece of evidence.
pub async fn get(app: &App, caller: &Caller, slug: &str, id: EvidenceId) -> Result<Evidence> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.get_evidence(&scope, id).await
}

/// Every version of a piece of evidence, oldest first.
pub async fn versions(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: EvidenceId,
) -> Result<Vec<EvidenceVersion>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.evidence_versions(&scope, id).await
}

/// Checks link targets: controls of the organization, or Security Rule citations.
pub(crate) async fn check_links(
    app: &App,
    scope: &TenantScope,
    links: &[LinkTarget],
) -> Result<Vec<LinkTarget>> {
    let catalog = app.catalog().await?;
    let mut out: Vec<LinkTarget> = Vec::new();
    for l in links {
        let l = match l {
            LinkTarget::Control(id) => {
                if app.store.get_control(scope, *id).await.is_err() {
                    return Err(Error::invalid(
                        "links",
                        "name controls of this organization by their id",
                    ));
                }
                l.clone()
            }
            // Stored as the catalog prints the citation, whichever form was typed.
            LinkTarget::Requirement(r) => match catalog.requirement(HIPAA_SECURITY, r) {
                Some(req) => LinkTarget::Requirement(req.reference.clone()),
                None => {
                    return Err(Error::invalid(
                        "links",
                        "name Security Rule citations from the catalog, e.g. 164.308(a)(7)(ii)(A)",
                    ));
                }
            },
        };
        if !out.contains(&l) {
            out.push(l);
        }
    }
    out.sort();
    Ok(out)
}

pub(crate) async fn insert_new(
    app: &App,
    caller: &Caller,
    scope: &TenantScope,
    checked: CheckedNew,
    kind: EvidenceKind,
    version: EvidenceVersion,
    links: Vec<LinkTarget>,
) -> Result<Evidence> {
    let meta = checked
        .meta
        .ok_or_else(|| Error::invalid("title", "is required"))?;
    let now = version.created_at;
    let e = Evidence {
        id: EvidenceId::new(),
        org_id: scope.org_id(),
        title: meta.title,
        description: meta.description,
        kind,
        valid_until: meta.valid_until,
        source: version.source,
        collected_at: now,
        current: version,
        links,
        created_at: now,
        updated_at: now,
        archived_at: None,
    };
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "evidence.create",
        "evidence",
        Some(e.id.to_string()),
        describe_version("added", &e),
    );
    app.store.insert_evidence(scope, &e, &event).await?;
    Ok(e)
}

fn describe_version(verb: &str, e: &Evidence) -> String {
    let v = &e.current;
    match (&v.sha256, &v.url) {
        (Some(sha), _) => format!(
            "evidence \"{}\" {verb}: version {}, {} bytes, sha256 {sha}",
            e.title, v.version, v.size
        ),
        (None, Some(_)) => format!(
            "evidence \"{}\" {verb}: version {}, a link",
            e.title, v.version
        ),
        (None, None) => format!("evidence \"{}\" {verb}: version {}", e.title, v.version),
    }
}

/// The evidence a new version goes to, checked: not archived, the same kind (a file for a
/// file, a link for a link), and import records only from their import.
pub(crate) async fn version_target(
    app: &App,
    scope: &TenantScope,
    id: EvidenceId,
    is_link: bool,
    source: Source,
) -> Result<Evidence> {
    let e = app.store.get_evidence(scope, id).await?;
    if e.archived_at.is_some() {
        return Err(Error::conflict(
            "evidence",
            "this evidence is archived; restore it before adding a version",
        ));
    }
    let kind_matches = match e.kind {
        EvidenceKind::File => !is_link && source == Source::Manual,
        EvidenceKind::Record => !is_link && source == e.source,
        EvidenceKind::Link => is_link,
    };
    if !kind_matches {
        return Err(Error::invalid(
            "file",
            match e.kind {
                EvidenceKind::Record => {
                    "an import record gets new versions only from its import; upload this file as new evidence"
                }
                _ => {
                    "a new version must be of the same kind (a file for a file, a link for a link)"
                }
            },
        ));
    }
    Ok(e)
}

pub(crate) async fn add_version(
    app: &App,
    caller: &Caller,
    scope: &TenantScope,
    id: EvidenceId,
    mut version: EvidenceVersion,
    checked: CheckedNew,
) -> Result<Evidence> {
    let mut e = version_target(app, scope, id, version.url.is_some(), version.source).await?;
    version.version = e.current.version + 1;
    if let Some(m) = checked.meta {
        e.title = m.title;
        e.description = m.description;
    }
    if checked.valid_until.is_some() {
        e.valid_until = checked.valid_until;
    }
    e.source = version.source;
    e.collected_at = version.created_at;
    e.updated_at = version.created_at;
    e.current = version;
    let event = caller.event(
        e.updated_at,
        Some(scope.org_id()),
        "evidence.version",
        "evidence",
        Some(e.id.to_string()),
        describe_version("has a new version", &e),
    );
    app.store.insert_evidence_version(scope, &e, &event).await?;
    Ok(e)
}

/// Adds a link as evidence (`existing`: as a new version of that link evidence).
pub async fn add_link(
    app: &App,
    caller: &Caller,
    slug: &str,
    url: &str,
    meta: &NewEvidence,
    existing: Option<EvidenceId>,
) -> Result<Evidence> {
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let url = parse_url(url)?;
    let checked = meta.check(existing.is_some())?;
    let version = EvidenceVersion {
        version: 1,
        sha256: None,
        size: 0,
        media_type: "text/uri-list".into(),
        file_name: None,
        url: Some(url),
        record: None,
        source: Source::Manual,
        created_by: caller.actor_label(),
        created_at: app.now(),
    };
    if let Some(id) = existing {
        return add_version(app, caller, &scope, id, version, checked).await;
    }
    let links = check_links(app, &scope, &meta.links).await?;
    insert_new(
        app,
        caller,
        &scope,
        checked,
        EvidenceKind::Link,
        version,
        links,
    )
    .await
}

/// Changes what people can edit: title, description, validity, archived. Audited with what
/// changed.
pub async fn update(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: EvidenceId,
    meta: &EvidenceMeta,
    archived: bool,
) -> Result<Evidence> {
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let mut e = app.store.get_evidence(&scope, id).await?;
    let mut changed = Vec::new();
    if e.title != meta.title {
        changed.push("title");
    }
    if e.description != meta.description {
        changed.push("description");
    }
    if e.valid_until != meta.valid_until {
        changed.push("valid until");
    }
    if e.archived_at.is_some() != archived {
        changed.push(if archived { "archived" } else { "restored" });
    }
    if changed.is_empty() {
        return Ok(e);
    }
    let now = app.now();
    e.title.clone_from(&meta.title);
    e.description.clone_from(&meta.description);
    e.valid_until = meta.valid_until;
    e.archived_at = if archived {
        e.archived_at.or(Some(now))
    } else {
        None
    };
    e.updated_at = now;
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "evidence.update",
        "evidence",
        Some(e.id.to_string()),
        format!("evidence \"{}\": {} changed", e.title, changed.join(", ")),
    );
    app.store.update_evidence(&scope, &e, &event).await?;
    Ok(e)
}

/// Replaces what a piece of evidence is linked to (what it proves).
pub async fn set_links(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: EvidenceId,
    links: &[LinkTarget],
) -> Result<Evidence> {
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let mut e = app.store.get_evidence(&scope, id).await?;
    let links = check_links(app, &scope, links).await?;
    if links == e.links {
        return Ok(e);
    }
    let now = app.now();
    e.links = links;
    e.updated_at = now;
    let names: Vec<String> = e
        .links
        .iter()
        .map(|l| match l {
            LinkTarget::Control(c) => format!("control {c}"),
            LinkTarget::Requirement(r) => r.clone(),
        })
        .collect();
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "evidence.link",
        "evidence",
        Some(e.id.to_string()),
        format!(
            "evidence \"{}\" linked to: {}",
            e.title,
            if names.is_empty() {
                "nothing".to_owned()
            } else {
                names.join(", ")
            }
        ),
    );
    app.store
        .set_evidence_links(&scope, &e, now, &event)
        .await?;
    Ok(e)
}

/// Opens a stored file version for download and records the download in the audit trail.
pub async fn download(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: EvidenceId,
    version: Option<i64>,
) -> Result<(Evidence, EvidenceVersion, Box<dyn BlobReader>)> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    let e = app.store.get_evidence(&scope, id).await?;
    let v = match version {
        None => e.current.clone(),
        Some(n) => app
            .store
            .evidence_versions(&scope, id)
            .await?
            .into_iter()
            .find(|v| v.version == n)
            .ok_or(Error::NotFound)?,
    };
    let Some(sha) = v.sha256.as_deref() else {
        return Err(Error::invalid(
            "version",
            "is a link, not a file: open its address instead",
        ));
    };
    let reader = match app.blobs.open(sha).await {
        Ok(r) => r,
        Err(Error::NotFound) => {
            // Lost evidence must be noticed before an audit: logged, audited, and kept on the
            // organization's status until restored.
            tracing::error!(org_id = %scope.org_id(), evidence_id = %e.id, version = v.version, "a stored evidence file is missing");
            let event = caller.event(
                app.now(),
                Some(scope.org_id()),
                "evidence.file_missing",
                "evidence",
                Some(e.id.to_string()),
                format!(
                    "stored file of evidence version {} found missing on download",
                    v.version
                ),
            );
            app.store
                .record_evidence_problem(&scope, e.id, v.version, "missing", &event)
                .await?;
            return Err(Error::StoredFileMissing);
        }
        Err(other) => return Err(other),
    };
    let event = caller.event(
        app.now(),
        Some(scope.org_id()),
        "evidence.download",
        "evidence",
        Some(e.id.to_string()),
        format!("evidence \"{}\" version {} downloaded", e.title, v.version),
    );
    app.store.append_audit(&event).await?;
    Ok((e, v, reader))
}

/// Unarchived evidence that expires within `days` days (or has expired), across every
/// organization the caller may see, soonest first.
pub async fn expiring_across(
    app: &App,
    caller: &Caller,
    days: i64,
    limit: i64,
) -> Result<Vec<OrgEvidence>> {
    let visible = authz::visibility(caller);
    let until = app.now().date() + time::Duration::days(days);
    app.store.expiring_evidence(&visible, until, limit).await
}

/// Counts of an organization's unarchived evidence, for its status at a glance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct EvidenceSummary {
    /// Current.
    pub current: usize,
    /// Expiring within 30 days.
    pub expiring: usize,
    /// Expired.
    pub expired: usize,
    /// Linked to nothing (proves nothing yet).
    pub unlinked: usize,
    /// Stored file versions found missing or altered (restore them from a backup).
    pub files_missing: usize,
}

impl EvidenceSummary {
    fn count(&mut self, f: safeharbor_domain::evidence::Freshness) {
        match f {
            safeharbor_domain::evidence::Freshness::Current => self.current += 1,
            safeharbor_domain::evidence::Freshness::Expiring => self.expiring += 1,
            safeharbor_domain::evidence::Freshness::Expired => self.expired += 1,
        }
    }
}

/// How an organization's evidence stands today.
pub async fn summary(app: &App, caller: &Caller, slug: &str) -> Result<EvidenceSummary> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    let today = app.now().date();
    let mut s = EvidenceSummary::default();
    for e in app.store.all_evidence(&scope).await? {
        s.count(e.freshness(today));
        if e.links.is_empty() {
            s.unlinked += 1;
        }
    }
    s.files_missing = usize::try_from(app.store.evidence_problem_count(&scope).await?).unwrap_or(0);
    Ok(s)
}

/// The evidence behind each control of an organization, by freshness today.
pub async fn by_control(
    app: &App,
    caller: &Caller,
    slug: &str,
) -> Result<std::collections::HashMap<safeharbor_domain::ids::ControlId, EvidenceSummary>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    let today = app.now().date();
    let mut out: std::collections::HashMap<_, EvidenceSummary> = std::collections::HashMap::new();
    for e in app.store.all_evidence(&scope).await? {
        let f = e.freshness(today);
        for l in &e.links {
            if let LinkTarget::Control(c) = l {
                out.entry(*c).or_default().count(f);
            }
        }
    }
    Ok(out)
}

//! Reading and verifying the audit trail. Events are written by the use cases themselves, in
//! the same transaction as the change they record.

use safeharbor_domain::audit::{AuditEvent, ChainBreak, Verifier};
use safeharbor_domain::page::{Page, PageRequest};

use crate::App;
use crate::authz::{self, Caller, Need};
use crate::error::{Error, Result};
use crate::ports::{AuditFilter, AuditReach};

/// One organization's events, newest first.
pub async fn list_for_org(
    app: &App,
    caller: &Caller,
    slug: &str,
    filter: &AuditFilter,
    page: &PageRequest,
) -> Result<Page<AuditEvent>> {
    check_filter(filter)?;
    let scope = authz::scope(app, caller, slug, Need::ReadAudit).await?;
    app.store
        .list_audit(AuditReach::Org(&scope), filter, page)
        .await
}

/// Every organization's events, newest first: provider administrators only.
pub async fn list_all(
    app: &App,
    caller: &Caller,
    filter: &AuditFilter,
    page: &PageRequest,
) -> Result<Page<AuditEvent>> {
    check_filter(filter)?;
    let scope = authz::installation_scope(app, caller).await?;
    app.store
        .list_audit(AuditReach::All(&scope), filter, page)
        .await
}

fn check_filter(f: &AuditFilter) -> Result<()> {
    if let (Some(from), Some(to)) = (f.from, f.to)
        && from >= to
    {
        return Err(Error::invalid("to", "must be after `from`"));
    }
    for (field, v) in [
        ("action", &f.action),
        ("entity_type", &f.entity_type),
        ("entity_id", &f.entity_id),
    ] {
        if v.as_ref().is_some_and(|s| s.len() > 200) {
            return Err(Error::invalid(field, "must be at most 200 characters"));
        }
    }
    Ok(())
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every event checks out.
    Intact {
        /// Events in the chain.
        events: i64,
        /// Hash of the last event (record it elsewhere to detect a rewritten chain later).
        head_hash: String,
    },
    /// The first problem found.
    Broken(ChainBreak),
}

/// Re-walks the whole chain from the first event, recomputing every hash. `progress` is
/// called with the number of events checked so far.
pub async fn verify(app: &App, mut progress: impl FnMut(i64)) -> Result<Verification> {
    let (head_seq, head_hash) = app.store.audit_head().await?;
    let mut v = Verifier::default();
    let mut after = 0;
    loop {
        let batch = app.store.audit_batch(after, 5_000).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for e in &batch {
            if let Err(b) = v.next(e) {
                return Ok(Verification::Broken(b));
            }
        }
        progress(after);
    }
    match v.finish(head_seq, &head_hash) {
        Ok(events) => Ok(Verification::Intact { events, head_hash }),
        Err(b) => Ok(Verification::Broken(b)),
    }
}

/// Most events one export holds.
pub const EXPORT_MAX: usize = 100_000;

/// Every event matching `filter` (newest first, at most [`EXPORT_MAX`]), for export: one
/// organization's, or everyone's when `slug` is `None` (provider administrators).
pub async fn export(
    app: &App,
    caller: &Caller,
    slug: Option<&str>,
    filter: &AuditFilter,
) -> Result<Vec<AuditEvent>> {
    let mut out = Vec::new();
    let mut page = PageRequest {
        limit: safeharbor_domain::page::MAX_LIMIT,
        after: None,
    };
    loop {
        let p = match slug {
            Some(s) => list_for_org(app, caller, s, filter, &page).await?,
            None => list_all(app, caller, filter, &page).await?,
        };
        out.extend(p.items);
        match p.next_cursor {
            Some(c) if out.len() < EXPORT_MAX => {
                page.after = Some(safeharbor_domain::page::Cursor::decode(&c)?);
            }
            _ => break,
        }
    }
    out.truncate(EXPORT_MAX);
    Ok(out)
}

//! Automated evidence from the MSP's own tools: an import is parsed (all rows or nothing), the
//! file itself is kept as a new dated version of the organization's import record for that
//! tool, linked to what it proves, and its findings become tasks of the plan, one per rule,
//! kept up to date by the next import (closed when the finding is gone).

use std::collections::BTreeMap;
use std::fmt::Write;

use safeharbor_domain::evidence::{Evidence, EvidenceKind, EvidenceVersion, LinkTarget, Source};
use safeharbor_domain::ids::ControlId;
use safeharbor_domain::risk::{Task, TaskStatus};
use serde::Serialize;

use super::upload::CheckedNew;
use crate::App;
use crate::authz::{self, Caller, Need, TenantScope};
use crate::error::{Error, Result};
use crate::imports::devices::DeviceMapping;
use crate::imports::{Finding, RowError, backups, devices, osquery};
use crate::orgs::refuse_if_archived;
use crate::ports::TaskFilter;

/// Most rows (or osquery entries) one import takes.
pub const MAX_ROWS: usize = 200_000;

/// Devices named in a finding task's description (the rest are counted).
const TASK_DEVICES_SHOWN: usize = 50;

/// What is imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    /// A device inventory exported by an RMM tool (CSV).
    Devices,
    /// Backup job results (CSV).
    Backups,
    /// osquery results (JSON).
    Osquery,
}

impl ImportKind {
    /// Every kind.
    pub const ALL: [Self; 3] = [Self::Devices, Self::Backups, Self::Osquery];

    /// The URL and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Devices => "devices",
            Self::Backups => "backups",
            Self::Osquery => "osquery",
        }
    }

    /// Parses the URL name.
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(Error::NotFound)
    }

    /// The evidence record's title.
    pub fn title(self) -> &'static str {
        match self {
            Self::Devices => "Device inventory (RMM import)",
            Self::Backups => "Backup job results (import)",
            Self::Osquery => "Endpoint configuration (osquery import)",
        }
    }

    /// The version source.
    pub fn source(self) -> Source {
        match self {
            Self::Devices => Source::DeviceImport,
            Self::Backups => Source::BackupImport,
            Self::Osquery => Source::OsqueryImport,
        }
    }

    /// The Security Rule provisions the import documents.
    pub fn requirements(self) -> &'static [&'static str] {
        match self {
            // Device and media inventory, encryption at rest, malware protection, patching.
            Self::Devices => &["164.310(d)(1)", "164.312(a)(2)(iv)", "164.308(a)(5)(ii)(B)"],
            // Data backup plan; testing and revision of contingency plans.
            Self::Backups => &["164.308(a)(7)(ii)(A)", "164.308(a)(7)(ii)(D)"],
            // Encryption, automatic logoff, workstation security.
            Self::Osquery => &["164.312(a)(2)(iv)", "164.312(a)(2)(iii)", "164.310(c)"],
        }
    }

    /// How long an import can be relied on before a fresher one is due.
    pub fn valid_days(self) -> i64 {
        match self {
            Self::Devices => 90,
            Self::Backups | Self::Osquery => 30,
        }
    }

    fn media_type(self) -> &'static str {
        match self {
            Self::Devices | Self::Backups => "text/csv",
            Self::Osquery => "application/json",
        }
    }
}

/// A finding rule's task title, for `n` devices.
fn group_title(code: &str, n: usize) -> String {
    let what = match code {
        "device_unencrypted" => "holding ePHI without disk encryption",
        "patches_missing" => "missing security patches",
        "antivirus_missing" => "without working antivirus or EDR",
        "backup_stale" => "without a successful backup in 48 hours",
        "restore_test_missing" => "without a restore test in 12 months",
        "disk_unencrypted" => "with an unencrypted disk",
        "screen_lock_off" => "without an automatic screen lock",
        "firewall_off" => "with the firewall off",
        "os_end_of_life" => "running an operating system past end of support",
        _ => "with a finding",
    };
    format!("{n} device{} {what}", if n == 1 { "" } else { "s" })
}

/// What an import did, or would do on a dry run.
#[derive(Debug, Clone, Serialize)]
pub struct ImportOutcome {
    /// What was imported.
    pub kind: ImportKind,
    /// Nothing was saved.
    pub dry_run: bool,
    /// Rows (or entries) read into records.
    pub records: usize,
    /// Problems found.
    pub findings: Vec<Finding>,
    /// Bad rows; when there are any, nothing is saved.
    pub errors: Vec<RowError>,
    /// Columns not used.
    pub ignored_columns: Vec<String>,
    /// The evidence record the file was kept in.
    pub evidence: Option<Evidence>,
    /// Finding tasks added.
    pub tasks_opened: usize,
    /// Finding tasks brought up to date.
    pub tasks_updated: usize,
    /// Finding tasks closed because the finding is gone.
    pub tasks_closed: usize,
}

/// An import to run.
#[derive(Debug, Clone)]
pub struct ImportRequest<'a> {
    /// What it is.
    pub kind: ImportKind,
    /// The file.
    pub data: &'a [u8],
    /// Its name.
    pub file_name: Option<&'a str>,
    /// The column mapping (device inventories; guessed from the header when absent).
    pub mapping: Option<DeviceMapping>,
    /// Check and preview only.
    pub dry_run: bool,
    /// Controls the import proves, besides the provisions of its kind.
    pub controls: Vec<ControlId>,
}

struct Parsed {
    records: usize,
    findings: Vec<Finding>,
    errors: Vec<RowError>,
    ignored_columns: Vec<String>,
}

fn parse(app: &App, req: &ImportRequest<'_>) -> Result<Parsed> {
    let now = app.now();
    Ok(match req.kind {
        ImportKind::Devices => {
            let mapping = match &req.mapping {
                Some(m) => m.clone(),
                None => DeviceMapping::guess(&header_row(req.data)),
            };
            let s = devices::parse_devices(req.data, &mapping, MAX_ROWS)?;
            Parsed {
                records: s.records.len(),
                findings: s.findings,
                errors: s.errors,
                ignored_columns: s.ignored_columns,
            }
        }
        ImportKind::Backups => {
            let limits = backups::BackupLimits {
                max_age_hours: app.settings().backup_max_age_hours,
                restore_test_months: app.settings().restore_test_max_age_months,
            };
            let s = backups::parse_backups(req.data, now, MAX_ROWS, limits)?;
            Parsed {
                records: s.records.len(),
                findings: s.findings,
                errors: s.errors,
                ignored_columns: s.ignored_columns,
            }
        }
        ImportKind::Osquery => {
            let s = osquery::parse_osquery(req.data, now.date())?;
            Parsed {
                records: s.records.len(),
                findings: s.findings,
                errors: s.errors,
                ignored_columns: s.ignored_columns,
            }
        }
    })
}

/// A preset's mapping fitted to a file: columns of the preset that the file does not have are
/// left unmapped (an export need not carry every column), so only the columns a person maps
/// by hand must exist.
pub fn preset_for(key: &str, data: &[u8]) -> Option<DeviceMapping> {
    let mut m = DeviceMapping::preset(key)?;
    let present: Vec<String> = header_row(data)
        .iter()
        .map(|h| crate::imports::header_key(h))
        .collect();
    for f in crate::imports::devices::DeviceField::ALL {
        let absent = m
            .get(f)
            .is_some_and(|h| !present.contains(&crate::imports::header_key(h)));
        if absent {
            m.set(f, None);
        }
    }
    Some(m)
}

/// The header row of a CSV file, for guessing a mapping.
pub fn header_row(data: &[u8]) -> Vec<String> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(data);
    rdr.headers()
        .map(|h| h.iter().map(|c| c.trim().to_owned()).collect())
        .unwrap_or_default()
}

/// Runs an import: checks every row, and unless it is a dry run or a row is bad, keeps the
/// file as evidence and turns its findings into tasks.
pub async fn run(
    app: &App,
    caller: &Caller,
    slug: &str,
    req: ImportRequest<'_>,
) -> Result<ImportOutcome> {
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    if req.data.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::invalid("file", "is empty; choose the exported file"));
    }
    safeharbor_domain::sniff::check_name(super::upload::clean_name(req.file_name).as_deref())?;
    let parsed = parse(app, &req)?;
    let mut out = ImportOutcome {
        kind: req.kind,
        dry_run: req.dry_run,
        records: parsed.records,
        findings: parsed.findings,
        errors: parsed.errors,
        ignored_columns: parsed.ignored_columns,
        evidence: None,
        tasks_opened: 0,
        tasks_updated: 0,
        tasks_closed: 0,
    };
    if req.dry_run || !out.errors.is_empty() {
        return Ok(out);
    }
    let mut links: Vec<LinkTarget> = req
        .kind
        .requirements()
        .iter()
        .map(|r| LinkTarget::Requirement((*r).to_owned()))
        .collect();
    links.extend(req.controls.iter().copied().map(LinkTarget::Control));
    let links = super::check_links(app, &scope, &links).await?;
    out.evidence = Some(keep_file(app, caller, &scope, &req, &out, links).await?);
    let findings = std::mem::take(&mut out.findings);
    sync_tasks(app, caller, &scope, req.kind, &findings, &mut out).await?;
    out.findings = findings;
    Ok(out)
}

async fn keep_file(
    app: &App,
    caller: &Caller,
    scope: &TenantScope,
    req: &ImportRequest<'_>,
    out: &ImportOutcome,
    links: Vec<LinkTarget>,
) -> Result<Evidence> {
    let mut w = app.blobs.create().await?;
    w.write(req.data).await?;
    let stored = w.finish().await?;
    let now = app.now();
    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &out.findings {
        *by_code.entry(f.code).or_default() += 1;
    }
    let record = serde_json::json!({
        "kind": req.kind.as_str(),
        "records": out.records,
        "findings": by_code,
        "ignored_columns": out.ignored_columns,
    })
    .to_string();
    let version = EvidenceVersion {
        version: 1,
        sha256: Some(stored.sha256),
        size: stored.size,
        media_type: req.kind.media_type().into(),
        file_name: super::upload::clean_name(req.file_name),
        url: None,
        record: Some(record),
        source: req.kind.source(),
        created_by: caller.actor_label(),
        created_at: now,
    };
    let valid_until = Some(now.date() + time::Duration::days(req.kind.valid_days()));
    let existing = app
        .store
        .all_evidence(scope)
        .await?
        .into_iter()
        .find(|e| e.kind == EvidenceKind::Record && e.source == req.kind.source());
    if let Some(e) = existing {
        let id = e.id;
        let mut merged = e.links.clone();
        for l in links {
            if !merged.contains(&l) {
                merged.push(l);
            }
        }
        let checked = CheckedNew {
            meta: None,
            valid_until,
        };
        let mut updated = super::add_version(app, caller, scope, id, version, checked).await?;
        merged.sort();
        if merged != updated.links {
            updated.links = merged;
            let event = caller.event(
                now,
                Some(scope.org_id()),
                "evidence.link",
                "evidence",
                Some(id.to_string()),
                format!(
                    "evidence \"{}\" linked to what the import proves",
                    updated.title
                ),
            );
            app.store
                .set_evidence_links(scope, &updated, now, &event)
                .await?;
        }
        Ok(updated)
    } else {
        let meta = safeharbor_domain::evidence::EvidenceMeta {
            title: req.kind.title().into(),
            description: Some(format!(
                "Kept by each import of this kind; every import is a version with its date, file and findings. Valid for {} days after an import.",
                req.kind.valid_days()
            )),
            valid_until,
        };
        let checked = CheckedNew {
            valid_until,
            meta: Some(meta),
        };
        super::insert_new(
            app,
            caller,
            scope,
            checked,
            EvidenceKind::Record,
            version,
            links,
        )
        .await
    }
}

async fn sync_tasks(
    app: &App,
    caller: &Caller,
    scope: &TenantScope,
    kind: ImportKind,
    findings: &[Finding],
    out: &mut ImportOutcome,
) -> Result<()> {
    let mut by_code: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_code.entry(f.code).or_default().push(f);
    }
    let open = app
        .store
        .list_tasks(
            scope,
            &TaskFilter {
                status: Some(TaskStatus::Open),
                origin_kind: Some("import".into()),
                ..TaskFilter::default()
            },
        )
        .await?;
    let prefix = format!("{}:", kind.as_str());
    let now = app.now();
    for (code, list) in &by_code {
        let origin = format!("{prefix}{code}");
        let title = group_title(code, list.len());
        let mut description = format!("{}\n\nDevices:\n", list[0].detail);
        for f in list.iter().take(TASK_DEVICES_SHOWN) {
            let _ = writeln!(description, "- {}", f.device);
        }
        if list.len() > TASK_DEVICES_SHOWN {
            let _ = writeln!(
                description,
                "- and {} more (see the import record)",
                list.len() - TASK_DEVICES_SHOWN
            );
        }
        let description = description
            .chars()
            .take(safeharbor_domain::risk::BLOCK_MAX)
            .collect::<String>();
        if let Some(t) = open
            .iter()
            .find(|t| t.origin_ref.as_deref() == Some(origin.as_str()))
        {
            let mut t = t.clone();
            if t.title == title && t.description.as_deref() == Some(description.as_str()) {
                continue;
            }
            t.title = title;
            t.description = Some(description);
            t.updated_at = now;
            let event = caller.event(
                now,
                Some(scope.org_id()),
                "task.update",
                "task",
                Some(t.id.to_string()),
                format!("task \"{}\" brought up to date by an import", t.title),
            );
            app.store.update_task(scope, &t, &event).await?;
            out.tasks_updated += 1;
        } else {
            let t = Task {
                description: Some(description),
                due_date: Some(now.date() + time::Duration::days(30)),
                ..Task::open(scope.org_id(), title, "import", Some(origin), now)
            };
            let event = caller.event(
                now,
                Some(scope.org_id()),
                "task.create",
                "task",
                Some(t.id.to_string()),
                format!("task \"{}\" opened by an import", t.title),
            );
            app.store.insert_task(scope, &t, &event).await?;
            out.tasks_opened += 1;
        }
    }
    for t in open.iter().filter(|t| {
        t.origin_ref.as_deref().is_some_and(|r| {
            r.strip_prefix(&prefix)
                .is_some_and(|code| !by_code.contains_key(code))
        })
    }) {
        let mut t = t.clone();
        t.status = TaskStatus::Done;
        t.completed_at = Some(now);
        t.updated_at = now;
        let event = caller.event(
            now,
            Some(scope.org_id()),
            "task.complete",
            "task",
            Some(t.id.to_string()),
            format!(
                "task \"{}\" closed: the latest import no longer shows it",
                t.title
            ),
        );
        app.store.update_task(scope, &t, &event).await?;
        out.tasks_closed += 1;
    }
    Ok(())
}

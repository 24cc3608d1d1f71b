//! The asset and ePHI inventory (the scope of the risk analysis, 164.308(a)(1)(ii)(A)):
//! add, edit, archive, and import from CSV with a dry run.
//!
//! A change marked *significant* (a new EHR, a move to a new hosting provider) makes the
//! organization's finalized risk analysis out of date until the next one is finalized.

use std::collections::{HashMap, HashSet};

use safeharbor_domain::Invalid;
use safeharbor_domain::ids::{AssetId, LocationId};
use safeharbor_domain::page::{Page, PageRequest};
use safeharbor_domain::risk::{Asset, AssetFields, AssetInput};
use safeharbor_domain::text::sort_key;

use crate::App;
use crate::authz::{self, Caller, Need, TenantScope};
use crate::error::{Error, Result};
use crate::orgs::refuse_if_archived;
use crate::ports::{AssetFilter, LocationFilter};

/// Lists assets by name.
pub async fn list(
    app: &App,
    caller: &Caller,
    slug: &str,
    filter: &AssetFilter,
    page: &PageRequest,
) -> Result<Page<Asset>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.list_assets(&scope, filter, page).await
}

/// One asset.
pub async fn get(app: &App, caller: &Caller, slug: &str, id: AssetId) -> Result<Asset> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.get_asset(&scope, id).await
}

/// Adds an asset. `significant` marks the current risk analysis out of date.
pub async fn create(
    app: &App,
    caller: &Caller,
    slug: &str,
    fields: AssetFields,
    significant: bool,
) -> Result<Asset> {
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let now = app.now();
    let asset = Asset {
        id: AssetId::new(),
        org_id: scope.org_id(),
        fields,
        location_name: None,
        created_at: now,
        updated_at: now,
        archived_at: None,
    };
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "asset.create",
        "asset",
        Some(asset.id.to_string()),
        format!(
            "asset \"{}\" added{}",
            asset.fields.name,
            if significant {
                " (significant change)"
            } else {
                ""
            }
        ),
    );
    app.store
        .insert_assets(
            &scope,
            std::slice::from_ref(&asset),
            significant.then_some(now),
            &event,
        )
        .await?;
    app.store.get_asset(&scope, asset.id).await
}

/// Replaces an asset's fields. `significant` marks the current risk analysis out of date.
pub async fn update(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: AssetId,
    fields: AssetFields,
    significant: bool,
) -> Result<Asset> {
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let mut asset = app.store.get_asset(&scope, id).await?;
    if asset.fields == fields && !significant {
        return Ok(asset);
    }
    let now = app.now();
    asset.fields = fields;
    asset.updated_at = now;
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "asset.update",
        "asset",
        Some(asset.id.to_string()),
        format!(
            "asset \"{}\" updated{}",
            asset.fields.name,
            if significant {
                " (significant change)"
            } else {
                ""
            }
        ),
    );
    app.store
        .update_asset(&scope, &asset, significant.then_some(now), &event)
        .await?;
    app.store.get_asset(&scope, id).await
}

/// Archives or restores an asset; it stays on record.
pub async fn set_archived(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: AssetId,
    archived: bool,
) -> Result<Asset> {
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let mut asset = app.store.get_asset(&scope, id).await?;
    if asset.archived_at.is_some() == archived {
        return Ok(asset);
    }
    let now = app.now();
    asset.archived_at = archived.then_some(now);
    asset.updated_at = now;
    let (action, what) = if archived {
        ("asset.archive", "archived")
    } else {
        ("asset.restore", "restored")
    };
    let event = caller.event(
        now,
        Some(scope.org_id()),
        action,
        "asset",
        Some(asset.id.to_string()),
        format!("asset \"{}\" {what}", asset.fields.name),
    );
    app.store.update_asset(&scope, &asset, None, &event).await?;
    Ok(asset)
}

/// Resolves a location given by id or by name within the organization.
pub async fn resolve_location(
    app: &App,
    scope: &TenantScope,
    given: &str,
) -> Result<Option<LocationId>> {
    let g = given.trim();
    if g.is_empty() {
        return Ok(None);
    }
    if let Ok(id) = LocationId::parse(g) {
        return app
            .store
            .get_location(scope, id)
            .await
            .map(|l| Some(l.id))
            .map_err(|e| match e {
                Error::NotFound => {
                    Error::invalid("location", "is not a location of this organization")
                }
                other => other,
            });
    }
    let names = location_names(app, scope).await?;
    names.get(&sort_key(g)).copied().map(Some).ok_or_else(|| {
        Error::invalid(
            "location",
            "is not the name of a location of this organization",
        )
    })
}

async fn location_names(app: &App, scope: &TenantScope) -> Result<HashMap<String, LocationId>> {
    let mut out = HashMap::new();
    let mut page = PageRequest::parse(Some(200), None)?;
    loop {
        let p = app
            .store
            .list_locations(scope, &LocationFilter::default(), &page)
            .await?;
        for l in p.items {
            out.insert(sort_key(&l.name), l.id);
        }
        match p.next_cursor {
            Some(c) => page = PageRequest::parse(Some(200), Some(&c))?,
            None => return Ok(out),
        }
    }
}

/// The columns an asset CSV may have, in the documented order, with the other names RMM
/// exports commonly use for them.
pub const CSV_COLUMNS: [(&str, &[&str], &str); 11] = [
    (
        "name",
        &[
            "asset",
            "asset name",
            "device",
            "device name",
            "hostname",
            "computer name",
        ],
        "Required. Unique among the organization's current assets.",
    ),
    (
        "kind",
        &["type", "asset type", "device type", "category"],
        "Required. One of ehr, pacs, voip, sd_wan, network, daas, backup, server, workstation, laptop, mobile, cloud_app, medical_device, removable_media, paper, other.",
    ),
    (
        "location",
        &["site", "site name", "location name"],
        "Optional. The name of one of the organization's locations.",
    ),
    (
        "ephi_role",
        &["ephi", "phi role"],
        "Optional (default none). stores, processes, transmits or none.",
    ),
    (
        "criticality",
        &["priority"],
        "Optional (default moderate). low, moderate, high or critical.",
    ),
    (
        "owner",
        &["assigned to", "user", "primary user"],
        "Optional. Who answers for it.",
    ),
    ("vendor", &["manufacturer", "make", "provider"], "Optional."),
    (
        "encryption_at_rest",
        &["disk encryption", "encrypted", "bitlocker", "filevault"],
        "Optional (default unknown). yes, no, unknown or na; also true/false, enabled/disabled.",
    ),
    (
        "encryption_in_transit",
        &["tls", "transport encryption"],
        "Optional (default unknown). As encryption_at_rest.",
    ),
    (
        "mfa",
        &["2fa", "multi-factor"],
        "Optional (default unknown). As encryption_at_rest.",
    ),
    ("notes", &["description", "comments"], "Optional."),
];

/// Most rows one import takes.
pub const IMPORT_MAX_ROWS: usize = 20_000;

/// A row of an import that cannot be taken, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// Line in the file (the header is line 1).
    pub line: usize,
    /// The column.
    pub field: String,
    /// What to fix.
    pub message: String,
}

/// What an import did, or would do on a dry run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    /// Whether nothing was saved because this was a preview.
    pub dry_run: bool,
    /// Rows read (not counting the header).
    pub rows: usize,
    /// The assets made from the rows (saved unless `dry_run` or there are errors).
    pub assets: Vec<AssetFields>,
    /// Location names of `assets`, for the preview.
    pub locations: Vec<Option<String>>,
    /// Columns of the file that were not used.
    pub ignored_columns: Vec<String>,
    /// Rows that cannot be taken; when there are any, nothing is saved.
    pub errors: Vec<RowError>,
    /// Assets saved.
    pub created: usize,
}

fn protection_word(s: &str) -> String {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "enabled" | "on" | "1" | "encrypted" | "y" | "fully encrypted" | "protected" => {
            "yes".into()
        }
        "false" | "disabled" | "off" | "0" | "not encrypted" | "n" | "unprotected" | "none" => {
            "no".into()
        }
        "n/a" | "not applicable" => "na".into(),
        other => other.to_owned(),
    }
}

fn column_index(headers: &csv::StringRecord) -> (HashMap<&'static str, usize>, Vec<String>) {
    let mut found = HashMap::new();
    let mut ignored = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let key = h
            .trim()
            .trim_start_matches('\u{feff}')
            .to_ascii_lowercase()
            .replace(['-', '_'], " ");
        let hit = CSV_COLUMNS.iter().find(|(name, aliases, _)| {
            name.replace('_', " ") == key || aliases.contains(&key.as_str())
        });
        match hit {
            Some((name, _, _)) if !found.contains_key(name) => {
                found.insert(*name, i);
            }
            _ => ignored.push(h.trim().to_owned()),
        }
    }
    (found, ignored)
}

/// Imports assets from CSV (see [`CSV_COLUMNS`]). All or nothing: when any row is bad, the
/// report lists every bad row and nothing is saved. A dry run checks and previews only.
pub async fn import_csv(
    app: &App,
    caller: &Caller,
    slug: &str,
    data: &str,
    dry_run: bool,
    significant: bool,
) -> Result<ImportReport> {
    let scope = authz::scope(app, caller, slug, Need::Write).await?;
    refuse_if_archived(scope.org())?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|_| Error::invalid("file", "is not a CSV file with a header row"))?
        .clone();
    let (cols, ignored_columns) = column_index(&headers);
    for required in ["name", "kind"] {
        if !cols.contains_key(required) {
            return Err(Error::invalid(
                "file",
                format!(
                    "has no \"{required}\" column; the header row must name it (see the documented columns)"
                ),
            ));
        }
    }
    let locations = location_names(app, &scope).await?;
    let existing: HashSet<String> = app
        .store
        .all_assets(&scope)
        .await?
        .into_iter()
        .map(|a| sort_key(&a.fields.name))
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut report = ImportReport {
        dry_run,
        rows: 0,
        assets: Vec::new(),
        locations: Vec::new(),
        ignored_columns,
        errors: Vec::new(),
        created: 0,
    };
    for (n, rec) in rdr.records().enumerate() {
        let line = n + 2;
        report.rows += 1;
        if report.rows > IMPORT_MAX_ROWS {
            return Err(Error::invalid(
                "file",
                format!("has more than {IMPORT_MAX_ROWS} rows; split it into smaller files"),
            ));
        }
        let Ok(rec) = rec else {
            report.errors.push(RowError {
                line,
                field: "row".into(),
                message: "is not valid CSV (check quoting)".into(),
            });
            continue;
        };
        if rec.iter().all(str::is_empty) {
            report.rows -= 1;
            continue;
        }
        let get = |c: &str| cols.get(c).and_then(|&i| rec.get(i)).unwrap_or("");
        let at_rest = protection_word(get("encryption_at_rest"));
        let in_transit = protection_word(get("encryption_in_transit"));
        let mfa = protection_word(get("mfa"));
        let input = AssetInput {
            name: get("name"),
            kind: get("kind"),
            ephi_role: get("ephi_role"),
            criticality: get("criticality"),
            owner: get("owner"),
            vendor: get("vendor"),
            encryption_at_rest: &at_rest,
            encryption_in_transit: &in_transit,
            mfa: &mfa,
            notes: get("notes"),
        };
        let loc_name = get("location");
        let location = if loc_name.is_empty() {
            None
        } else if let Some(id) = locations.get(&sort_key(loc_name)) {
            Some(*id)
        } else {
            report.errors.push(RowError {
                line,
                field: "location".into(),
                message: "is not the name of a location of this organization; add the location first or fix the name".into(),
            });
            continue;
        };
        match input.parse(location) {
            Ok(fields) => {
                let key = sort_key(&fields.name);
                if existing.contains(&key) {
                    report.errors.push(RowError {
                        line,
                        field: "name".into(),
                        message: "an asset with this name already exists in this organization"
                            .into(),
                    });
                } else if let Some(first) = seen.get(&key) {
                    report.errors.push(RowError {
                        line,
                        field: "name".into(),
                        message: format!("repeats the name on line {first}"),
                    });
                } else {
                    seen.insert(key, line);
                    report.locations.push(location.map(|_| loc_name.to_owned()));
                    report.assets.push(fields);
                }
            }
            Err(Invalid { field, reason }) => report.errors.push(RowError {
                line,
                field,
                message: reason,
            }),
        }
    }
    if report.rows == 0 {
        return Err(Error::invalid("file", "has a header but no rows"));
    }
    if dry_run || !report.errors.is_empty() {
        return Ok(report);
    }
    let now = app.now();
    let assets: Vec<Asset> = report
        .assets
        .iter()
        .map(|f| Asset {
            id: AssetId::new(),
            org_id: scope.org_id(),
            fields: f.clone(),
            location_name: None,
            created_at: now,
            updated_at: now,
            archived_at: None,
        })
        .collect();
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "asset.import",
        "asset",
        None,
        format!(
            "{} assets imported from CSV{}",
            assets.len(),
            if significant {
                " (significant change)"
            } else {
                ""
            }
        ),
    );
    app.store
        .insert_assets(&scope, &assets, significant.then_some(now), &event)
        .await?;
    report.created = assets.len();
    Ok(report)
}

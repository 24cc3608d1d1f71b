//! `/api/v1/orgs/{slug}/evidence/imports/{kind}`: automated evidence from the MSP's tools.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use safeharbor_core::evidence;
use safeharbor_domain::ids::ControlId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::evidence::EvidenceResponse;
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Authed};

/// How to read an import.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportEvidenceQuery {
    /// Check and preview only; nothing is saved.
    pub dry_run: Option<bool>,
    /// Device inventories: a column-mapping preset (`generic`, `datto_rmm`, `ninjaone`);
    /// without one the mapping is guessed from the header row.
    pub preset: Option<String>,
    /// Device inventories: the header of the device name column (overrides the preset).
    pub map_name: Option<String>,
    /// ... of the column saying whether the device holds ePHI.
    pub map_ephi: Option<String>,
    /// ... of the disk encryption column.
    pub map_encryption: Option<String>,
    /// ... of the patch status column.
    pub map_patch_status: Option<String>,
    /// ... of the antivirus / EDR column.
    pub map_antivirus: Option<String>,
    /// ... of the last seen column.
    pub map_last_seen: Option<String>,
    /// ... of the operating system column.
    pub map_os: Option<String>,
    /// Control ids (comma-separated) the import proves, besides the provisions of its kind.
    pub controls: Option<String>,
    /// The file's name, for the record.
    pub file_name: Option<String>,
}

/// A finding of an import.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingResponse {
    /// Device or host.
    pub device: String,
    /// Rule key.
    pub code: String,
    /// Short sentence.
    pub title: String,
    /// The rule and what to do.
    pub detail: String,
}

/// A bad row of an import.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportRowError {
    /// Line (header = 1), or entry number for JSON.
    pub line: usize,
    /// Column or part.
    pub field: String,
    /// What to fix.
    pub message: String,
}

/// What an import did, or would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportEvidenceResponse {
    /// `devices`, `backups` or `osquery`.
    pub kind: String,
    /// Nothing was saved.
    pub dry_run: bool,
    /// Records read.
    pub records: usize,
    /// Findings.
    pub findings: Vec<FindingResponse>,
    /// Bad rows; with any, nothing was saved.
    pub errors: Vec<ImportRowError>,
    /// Columns not used.
    pub ignored_columns: Vec<String>,
    /// The evidence record the file is kept in (as its newest version).
    pub evidence: Option<EvidenceResponse>,
    /// Finding tasks added, brought up to date and closed.
    pub tasks_opened: usize,
    /// See `tasks_opened`.
    pub tasks_updated: usize,
    /// See `tasks_opened`.
    pub tasks_closed: usize,
}

pub(crate) fn device_mapping(
    q: &ImportEvidenceQuery,
    data: &[u8],
) -> Result<safeharbor_core::imports::devices::DeviceMapping, ApiError> {
    use safeharbor_core::imports::devices::{DeviceField, DeviceMapping};
    let mut m = match q.preset.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => evidence::imports::preset_for(p, data).ok_or_else(|| {
            ApiError::invalid(
                "preset",
                "is not a known preset: use generic, datto_rmm or ninjaone",
            )
        })?,
        None => DeviceMapping::guess(&evidence::imports::header_row(data)),
    };
    for (field, v) in [
        (DeviceField::Name, &q.map_name),
        (DeviceField::Ephi, &q.map_ephi),
        (DeviceField::Encryption, &q.map_encryption),
        (DeviceField::PatchStatus, &q.map_patch_status),
        (DeviceField::Antivirus, &q.map_antivirus),
        (DeviceField::LastSeen, &q.map_last_seen),
        (DeviceField::Os, &q.map_os),
    ] {
        if let Some(h) = v {
            m.set(field, Some(h.trim().to_owned()).filter(|h| !h.is_empty()));
        }
    }
    Ok(m)
}

pub(crate) fn control_ids(text: Option<&str>) -> Result<Vec<ControlId>, ApiError> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            ControlId::parse(s).map_err(|_| {
                ApiError::invalid("controls", "must be control ids separated by commas")
            })
        })
        .collect()
}

impl ImportEvidenceResponse {
    pub(crate) fn new(o: evidence::imports::ImportOutcome, today: time::Date) -> Self {
        Self {
            kind: o.kind.as_str().into(),
            dry_run: o.dry_run,
            records: o.records,
            findings: o
                .findings
                .into_iter()
                .map(|f| FindingResponse {
                    device: f.device,
                    code: f.code.into(),
                    title: f.title,
                    detail: f.detail,
                })
                .collect(),
            errors: o
                .errors
                .into_iter()
                .map(|e| ImportRowError {
                    line: e.line,
                    field: e.field,
                    message: e.message,
                })
                .collect(),
            ignored_columns: o.ignored_columns,
            evidence: o.evidence.map(|e| EvidenceResponse::new(e, today)),
            tasks_opened: o.tasks_opened,
            tasks_updated: o.tasks_updated,
            tasks_closed: o.tasks_closed,
        }
    }
}

/// Imports what the MSP's tools export, as automated evidence: `devices` (an RMM device
/// inventory, CSV, with a column mapping), `backups` (backup job results, CSV: job, device,
/// `last_success`, `last_restore_test`) or `osquery` (osquery results, JSON). All rows or nothing:
/// with any bad row the answer is 422 listing every one, and nothing is saved. Otherwise the
/// file becomes the newest version of the organization's import record for that tool, and the
/// findings become tasks (one per rule; closed when a later import no longer shows them).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/evidence/imports/{kind}", tag = "evidence",
    request_body(content = String, content_type = "text/csv"),
    params(("slug" = String, Path, description = "Organization slug"), ("kind" = String, Path, description = "devices, backups or osquery"), ImportEvidenceQuery),
    responses((status = 200, body = ImportEvidenceResponse, description = "Dry run"), (status = 201, body = ImportEvidenceResponse, description = "Imported"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ImportEvidenceResponse, description = "Bad rows; nothing saved")),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn import(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, kind)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<ImportEvidenceQuery>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let kind = evidence::imports::ImportKind::parse(&kind)?;
    let mapping = match kind {
        evidence::imports::ImportKind::Devices => Some(device_mapping(&q, &body)?),
        _ => None,
    };
    let dry = q.dry_run.unwrap_or(false);
    let o = evidence::imports::run(
        &s.app,
        &auth.caller,
        &slug,
        evidence::imports::ImportRequest {
            kind,
            data: &body,
            file_name: q.file_name.as_deref(),
            mapping,
            dry_run: dry,
            controls: control_ids(q.controls.as_deref())?,
        },
    )
    .await?;
    let status = if !o.errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else if dry {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let today = s.app.now().date();
    Ok((status, Json(ImportEvidenceResponse::new(o, today))).into_response())
}

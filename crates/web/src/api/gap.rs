//! `/api/v1/orgs/{slug}/baseline` and `/api/v1/orgs/{slug}/gap`: the gap view.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use safeharbor_core::gap::{self, GapReport, Mark};
use safeharbor_domain::catalog::{BaselineStatus, Coverage};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::catalog::{FrameworkResponse, attachment};
use super::ts;
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Authed};

/// One item of a baseline.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BaselineItemDto {
    /// Item reference in the baseline framework, e.g. `PR.AA-01`.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Its title (ignored when sent).
    #[serde(default, skip_deserializing)]
    pub title: String,
    /// `practiced`, `partial` or `not_practiced`; null when not marked (reading only).
    pub status: Option<String>,
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
}

/// An organization's baseline.
#[derive(Debug, Serialize, ToSchema)]
pub struct BaselineResponse {
    /// The baseline framework.
    pub framework: FrameworkResponse,
    /// Slug of the provider whose baseline applies, when the organization has none of its own.
    pub inherited_from: Option<String>,
    /// Nobody has set a baseline yet (the built-in NIST CSF 2.0 applies, nothing marked).
    pub is_default: bool,
    /// Items and their marks.
    pub items: Vec<BaselineItemDto>,
    /// Frameworks that can be chosen as the baseline.
    pub choices: Vec<String>,
}

/// The baseline in effect and its marks.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/baseline", tag = "gap",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = BaselineResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get_baseline(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
) -> ApiResult<Json<BaselineResponse>> {
    let v = gap::baseline(&s.app, &auth.caller, &slug).await?;
    Ok(Json(BaselineResponse {
        framework: v.framework.into(),
        inherited_from: v.inherited_from.map(|o| o.slug.to_string()),
        is_default: v.is_default,
        items: v
            .items
            .into_iter()
            .map(|(r, m)| BaselineItemDto {
                reference: r.reference,
                title: r.title,
                status: m.as_ref().map(|m| m.status.as_str().into()),
                note: m.and_then(|m| m.note),
            })
            .collect(),
        choices: v.choices.into_iter().map(|f| f.key).collect(),
    }))
}

/// A baseline to set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutBaseline {
    /// The baseline framework's key (`nist-csf-2.0`, or an imported one).
    pub framework: String,
    /// The marks; items left out are not marked (counted as not practiced).
    pub items: Vec<BaselineItemDto>,
}

/// Sets the organization's baseline and marks (replacing the previous ones).
#[utoipa::path(put, path = "/api/v1/orgs/{slug}/baseline", tag = "gap", request_body = PutBaseline,
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 204, description = "Saved"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn put_baseline(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiJson(req): ApiJson<PutBaseline>,
) -> ApiResult<StatusCode> {
    let mut marks = Vec::new();
    for (i, it) in req.items.into_iter().enumerate() {
        let status = BaselineStatus::parse(it.status.as_deref().unwrap_or(""))
            .map_err(|e| ApiError::invalid(format!("items[{i}].status"), e.reason))?;
        marks.push(Mark {
            item_ref: it.reference,
            status,
            note: it.note,
        });
    }
    gap::set_baseline(&s.app, &auth.caller, &slug, &req.framework, marks).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A HIPAA requirement in the gap view.
#[derive(Debug, Serialize, ToSchema)]
pub struct GapRowResponse {
    /// Citation.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Title.
    pub title: String,
    /// `standard` or `implementation_spec`.
    pub kind: String,
    /// `required`, `addressable` or null.
    pub designation: Option<String>,
    /// `proven` (the organization's own control with current evidence), `related_practiced`
    /// (every related baseline item practiced; HIPAA-specific documentation and evidence still
    /// required), `related_partial`, `related_not_practiced` or `hipaa_specific` (nothing in the
    /// baseline relates to it). NIST SP 800-66r2's mappings are informative: a mapping alone
    /// never meets a requirement.
    pub coverage: String,
    /// For people.
    pub coverage_label: String,
    /// Related baseline items practiced.
    pub related_practiced: Vec<BaselineRef>,
    /// Related items practiced in part.
    pub related_partial: Vec<BaselineRef>,
    /// Related items not practiced.
    pub related_not_practiced: Vec<BaselineRef>,
    /// The organization's own controls that prove it (with current evidence).
    pub own_controls: Vec<String>,
}

/// A baseline item.
#[derive(Debug, Serialize, ToSchema)]
pub struct BaselineRef {
    /// Its identifier.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Its title.
    pub title: String,
}

/// The gap view.
#[derive(Debug, Serialize, ToSchema)]
pub struct GapResponse {
    /// Organization slug.
    pub org: String,
    /// The baseline framework's key.
    pub baseline: String,
    /// Provider slug when its baseline applies.
    pub inherited_from: Option<String>,
    /// Rows per coverage.
    pub counts: GapCounts,
    /// One row per HIPAA standard and implementation specification.
    pub rows: Vec<GapRowResponse>,
    /// When computed.
    pub generated_at: String,
}

/// Rows per coverage.
#[derive(Debug, Serialize, ToSchema)]
pub struct GapCounts {
    /// Proven by the organization's own control and current evidence.
    pub proven: usize,
    /// Related baseline practice in place.
    pub related_practiced: usize,
    /// Related practice in part.
    pub related_partial: usize,
    /// Related items not practiced.
    pub related_not_practiced: usize,
    /// HIPAA-specific.
    pub hipaa_specific: usize,
}

fn response(r: GapReport, now: String) -> GapResponse {
    let refs = |v: Vec<(String, String)>| {
        v.into_iter()
            .map(|(reference, title)| BaselineRef { reference, title })
            .collect()
    };
    GapResponse {
        org: r.org.slug.to_string(),
        baseline: r.baseline.key.clone(),
        inherited_from: r.inherited_from.as_ref().map(|o| o.slug.to_string()),
        counts: GapCounts {
            proven: r.count(Coverage::Proven),
            related_practiced: r.count(Coverage::RelatedPracticed),
            related_partial: r.count(Coverage::RelatedPartial),
            related_not_practiced: r.count(Coverage::RelatedNotPracticed),
            hipaa_specific: r.count(Coverage::HipaaSpecific),
        },
        rows: r
            .rows
            .into_iter()
            .map(|row| GapRowResponse {
                reference: row.requirement.reference,
                title: row.requirement.title,
                kind: row.requirement.kind.as_str().into(),
                designation: row.requirement.designation.map(|d| d.as_str().into()),
                coverage: row.coverage.as_str().into(),
                coverage_label: row.coverage.label().into(),
                related_practiced: refs(row.practiced),
                related_partial: refs(row.partial),
                related_not_practiced: refs(row.not_practiced),
                own_controls: row.own_controls,
            })
            .collect(),
        generated_at: now,
    }
}

/// Every HIPAA Security Rule standard and implementation specification against the baseline.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/gap", tag = "gap",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = GapResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn view(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
) -> ApiResult<Json<GapResponse>> {
    let r = gap::report(&s.app, &auth.caller, &slug).await?;
    Ok(Json(response(r, ts(s.app.now()))))
}

/// Export format.
#[derive(Debug, Deserialize, IntoParams)]
pub struct GapExportQuery {
    /// `csv` (default) or `pdf`.
    pub format: Option<String>,
}

/// The gap view as CSV or PDF.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/gap/export", tag = "gap",
    params(("slug" = String, Path, description = "Organization slug"), GapExportQuery),
    responses((status = 200, description = "The file"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn export(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<GapExportQuery>,
) -> ApiResult<Response> {
    let r = gap::report(&s.app, &auth.caller, &slug).await?;
    let name = format!("gap-{slug}-{}", s.app.now().date());
    match q.format.as_deref().unwrap_or("csv") {
        "csv" => Ok(attachment(
            safeharbor_reports::gap::gap_csv(&r).into_bytes(),
            "text/csv; charset=utf-8",
            &format!("{name}.csv"),
        )),
        "pdf" => {
            let now = s.app.now();
            let pdf =
                tokio::task::spawn_blocking(move || safeharbor_reports::pdf::gap_pdf(&r, now))
                    .await
                    .map_err(|e| safeharbor_core::Error::internal(e.to_string()))?
                    .map_err(safeharbor_core::Error::internal)?;
            Ok(attachment(pdf, "application/pdf", &format!("{name}.pdf")))
        }
        _ => Err(ApiError::invalid("format", "must be csv or pdf")),
    }
}

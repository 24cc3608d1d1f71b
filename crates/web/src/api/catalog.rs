//! `/api/v1/frameworks` and `/api/v1/requirements`: the regulatory catalog.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use safeharbor_core::catalog::{self, MappingView};
use safeharbor_domain::catalog::{Framework, Requirement};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ts;
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Authed};

/// A framework.
#[derive(Debug, Serialize, ToSchema)]
pub struct FrameworkResponse {
    /// Key, e.g. `hipaa-security`.
    pub key: String,
    /// Version of the content.
    pub version: String,
    /// Title.
    pub title: String,
    /// `regulation`, `guidance`, `protocol`, `baseline` or `proposed`.
    pub kind: String,
    /// Publisher.
    pub publisher: String,
    /// Where the facts come from.
    pub source: String,
    /// Status, e.g. "in force" or "proposed, not in force".
    pub status: String,
    /// About it.
    pub description: String,
    /// Shipped with Safeharbor (true) or imported here (false).
    pub shipped: bool,
}

impl From<Framework> for FrameworkResponse {
    fn from(f: Framework) -> Self {
        Self {
            key: f.key,
            version: f.version,
            title: f.title,
            kind: f.kind.as_str().into(),
            publisher: f.publisher,
            source: f.source,
            status: f.status,
            description: f.description,
            shipped: f.shipped,
        }
    }
}

/// A requirement.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequirementResponse {
    /// Framework key.
    pub framework: String,
    /// Citation or identifier.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Title.
    pub title: String,
    /// `standard`, `implementation_spec`, `key_activity`, `protocol_item`, `subcategory`, `control`...
    pub kind: String,
    /// `required`, `addressable` or null.
    pub designation: Option<String>,
    /// Parent reference.
    pub parent: Option<String>,
    /// Family or group.
    pub family: Option<String>,
    /// Plain-language summary.
    pub summary: Option<String>,
    /// Assessment guidance.
    pub guidance: Option<String>,
    /// Assessment questions.
    pub questions: Vec<String>,
    /// The regulation paragraph an audit-protocol item cites.
    pub cites: Option<String>,
    /// Withdrawn from its framework.
    pub withdrawn: bool,
}

impl From<Requirement> for RequirementResponse {
    fn from(r: Requirement) -> Self {
        Self {
            framework: r.framework,
            reference: r.reference,
            title: r.title,
            kind: r.kind.as_str().into(),
            designation: r.designation.map(|d| d.as_str().into()),
            parent: r.parent,
            family: r.family,
            summary: r.summary,
            guidance: r.guidance,
            questions: r.questions,
            cites: r.cites,
            withdrawn: r.withdrawn,
        }
    }
}

/// Every framework.
#[utoipa::path(get, path = "/api/v1/frameworks", tag = "catalog",
    responses((status = 200, body = Vec<FrameworkResponse>), (status = 401, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(
    State(s): State<AppState>,
    auth: Authed,
) -> ApiResult<Json<Vec<FrameworkResponse>>> {
    Ok(Json(
        catalog::frameworks(&s.app, &auth.caller)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// A framework and its requirements.
#[derive(Debug, Serialize, ToSchema)]
pub struct FrameworkDetail {
    /// The framework.
    pub framework: FrameworkResponse,
    /// Its requirements, in order.
    pub requirements: Vec<RequirementResponse>,
}

/// Filters of a framework's requirements.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FrameworkQuery {
    /// Only this kind.
    pub kind: Option<String>,
}

/// A framework with its requirements.
#[utoipa::path(get, path = "/api/v1/frameworks/{key}", tag = "catalog",
    params(("key" = String, Path, description = "Framework key"), FrameworkQuery),
    responses((status = 200, body = FrameworkDetail), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get(
    State(s): State<AppState>,
    auth: Authed,
    Path(key): Path<String>,
    ApiQuery(q): ApiQuery<FrameworkQuery>,
) -> ApiResult<Json<FrameworkDetail>> {
    let kind = q
        .kind
        .as_deref()
        .map(safeharbor_domain::catalog::RequirementKind::parse)
        .transpose()?;
    let (f, reqs) = catalog::framework(&s.app, &auth.caller, &key).await?;
    Ok(Json(FrameworkDetail {
        framework: f.into(),
        requirements: reqs
            .into_iter()
            .filter(|r| kind.is_none_or(|k| r.kind == k))
            .map(Into::into)
            .collect(),
    }))
}

/// Export format.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// `json` (default), `oscal` (OSCAL 1.2.1 catalog) or `csv`.
    pub format: Option<String>,
}

/// A framework as an OSCAL 1.2.1 catalog, JSON or CSV.
#[utoipa::path(get, path = "/api/v1/frameworks/{key}/export", tag = "catalog",
    params(("key" = String, Path, description = "Framework key"), ExportQuery),
    responses((status = 200, description = "The file"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn export(
    State(s): State<AppState>,
    auth: Authed,
    Path(key): Path<String>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let (f, reqs) = catalog::framework(&s.app, &auth.caller, &key).await?;
    let (body, mime, ext) = match q.format.as_deref().unwrap_or("json") {
        "oscal" => {
            let c = s.app.catalog().await?;
            let doc = safeharbor_catalog::oscal::export(&c, &key, s.app.now())
                .ok_or(safeharbor_core::Error::NotFound)?;
            (
                serde_json::to_string_pretty(&doc).unwrap_or_default(),
                "application/json",
                "oscal.json",
            )
        }
        "json" => (
            serde_json::to_string_pretty(&safeharbor_reports::catalog::to_json(&f, &reqs))
                .unwrap_or_default(),
            "application/json",
            "json",
        ),
        "csv" => (
            safeharbor_reports::catalog::to_csv(&reqs),
            "text/csv; charset=utf-8",
            "csv",
        ),
        _ => return Err(ApiError::invalid("format", "must be oscal, json or csv")),
    };
    Ok(attachment(
        body.into_bytes(),
        mime,
        &format!("{key}-{}.{ext}", f.version),
    ))
}

/// A response that downloads as a file.
pub fn attachment(body: Vec<u8>, mime: &'static str, name: &str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        name.replace(['"', '\\', '\r', '\n'], "_")
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// A mapping seen from one side.
#[derive(Debug, Serialize, ToSchema)]
pub struct MappingResponse {
    /// The other framework.
    pub framework: String,
    /// The other requirement.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Its title.
    pub title: String,
    /// `equal`, `subset`, `superset`, `intersects` or `related` (read from this requirement).
    pub relation: String,
    /// Where the link comes from.
    pub source: String,
}

fn to_view(m: MappingView, outgoing: bool) -> MappingResponse {
    let (other, relation) = if outgoing {
        (m.mapping.to, m.mapping.relation)
    } else {
        (m.mapping.from, m.mapping.relation.inverse())
    };
    MappingResponse {
        framework: other.framework,
        reference: other.reference,
        title: m.other_title,
        relation: relation.as_str().into(),
        source: m.mapping.source,
    }
}

/// One requirement with everything about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequirementDetail {
    /// The requirement.
    pub requirement: RequirementResponse,
    /// Its framework.
    pub framework: FrameworkResponse,
    /// Its parent.
    pub parent: Option<RequirementResponse>,
    /// Its children.
    pub children: Vec<RequirementResponse>,
    /// The official text, when an eCFR file was imported.
    pub official_text: Option<OfficialTextResponse>,
    /// Mappings to other frameworks.
    pub maps_to: Vec<MappingResponse>,
    /// Mappings from other frameworks.
    pub mapped_from: Vec<MappingResponse>,
    /// Audit-protocol items that test it.
    pub tested_by: Vec<RequirementResponse>,
}

/// Official text.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficialTextResponse {
    /// Citation.
    pub citation: String,
    /// The text as printed.
    pub body: String,
    /// Source file.
    pub source: String,
    /// When imported.
    pub imported_at: String,
}

/// One requirement: summary, guidance, official text, mappings both ways, the audit items that
/// test it. References with parentheses or spaces are URL-encoded.
#[utoipa::path(get, path = "/api/v1/frameworks/{key}/requirements/{ref}", tag = "catalog",
    params(("key" = String, Path, description = "Framework key"), ("ref" = String, Path, description = "Requirement reference, URL-encoded")),
    responses((status = 200, body = RequirementDetail), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn requirement(
    State(s): State<AppState>,
    auth: Authed,
    Path((key, reference)): Path<(String, String)>,
) -> ApiResult<Json<RequirementDetail>> {
    let v = catalog::requirement(&s.app, &auth.caller, &key, &reference).await?;
    Ok(Json(RequirementDetail {
        requirement: v.requirement.into(),
        framework: v.framework.into(),
        parent: v.parent.map(Into::into),
        children: v.children.into_iter().map(Into::into).collect(),
        official_text: v.official_text.map(|t| OfficialTextResponse {
            citation: t.citation,
            body: t.body,
            source: t.source,
            imported_at: ts(t.imported_at),
        }),
        maps_to: v.maps_to.into_iter().map(|m| to_view(m, true)).collect(),
        mapped_from: v
            .mapped_from
            .into_iter()
            .map(|m| to_view(m, false))
            .collect(),
        tested_by: v.protocol_items.into_iter().map(Into::into).collect(),
    }))
}

/// Search terms.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    /// A citation (`164.312(a)`) or words.
    pub q: String,
    /// Only this framework.
    pub framework: Option<String>,
    /// At most this many (1-200, default 50).
    pub limit: Option<usize>,
}

/// Searches requirements by citation or words.
#[utoipa::path(get, path = "/api/v1/requirements", tag = "catalog", params(SearchQuery),
    responses((status = 200, body = Vec<RequirementResponse>), (status = 400, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn search(
    State(s): State<AppState>,
    auth: Authed,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Vec<RequirementResponse>>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 200"));
    }
    let found = catalog::search(&s.app, &auth.caller, &q.q, q.framework.as_deref(), limit).await?;
    Ok(Json(found.into_iter().map(Into::into).collect()))
}

/// Import options.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// Framework key (default: derived from the catalog's title).
    pub key: Option<String>,
}

/// Imports an OSCAL catalog (the JSON document as the body) as a framework (provider
/// administrators). Up to 32 MiB.
#[utoipa::path(post, path = "/api/v1/frameworks/import/oscal", tag = "catalog", params(ImportQuery),
    request_body(content = String, content_type = "application/json", description = "An OSCAL catalog"),
    responses((status = 201, body = FrameworkResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn import_oscal(
    State(s): State<AppState>,
    auth: Authed,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<FrameworkResponse>)> {
    let text =
        std::str::from_utf8(&body).map_err(|_| ApiError::invalid("body", "must be UTF-8 JSON"))?;
    let f =
        catalog::import_oscal(&s.app, &auth.caller, "request body", text, q.key.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(f.into())))
}

//! `/api/v1/orgs/{slug}/evidence`: the evidence locker. Files stream to the blob store as
//! they arrive (multipart), links are JSON; downloads stream back and are audited.

use axum::Json;
use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use safeharbor_core::evidence::{self, Coverage, NewEvidence};
use safeharbor_core::ports::EvidenceFilter;
use safeharbor_domain::evidence::{Evidence, EvidenceMeta, EvidenceVersion, Freshness, LinkTarget};
use safeharbor_domain::ids::{ControlId, EvidenceId};
use safeharbor_domain::page::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ListPage, ts};
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Authed};

/// A version of a piece of evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionResponse {
    /// 1 for the first.
    pub version: i64,
    /// SHA-256 of the file, lowercase hex (files and import records).
    pub sha256: Option<String>,
    /// Bytes.
    pub size: u64,
    /// Media type, sniffed from the content.
    pub media_type: String,
    /// Name it was uploaded under.
    pub file_name: Option<String>,
    /// The link (links).
    pub url: Option<String>,
    /// `manual`, `device_import`, `backup_import` or `osquery_import`.
    pub source: String,
    /// Who added it.
    pub created_by: String,
    /// When.
    pub created_at: String,
}

impl From<EvidenceVersion> for VersionResponse {
    fn from(v: EvidenceVersion) -> Self {
        Self {
            version: v.version,
            sha256: v.sha256,
            size: v.size,
            media_type: v.media_type,
            file_name: v.file_name,
            url: v.url,
            source: v.source.as_str().into(),
            created_by: v.created_by,
            created_at: ts(v.created_at),
        }
    }
}

/// What a piece of evidence proves.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    /// `control` or `requirement`.
    pub kind: String,
    /// A control id, or a Security Rule citation such as `164.308(a)(7)(ii)(A)`.
    #[serde(rename = "ref")]
    pub reference: String,
}

impl From<&LinkTarget> for LinkBody {
    fn from(l: &LinkTarget) -> Self {
        Self {
            kind: l.kind().into(),
            reference: l.reference(),
        }
    }
}

fn parse_links(links: &[LinkBody]) -> Result<Vec<LinkTarget>, ApiError> {
    links
        .iter()
        .map(|l| LinkTarget::from_parts(&l.kind, &l.reference).map_err(ApiError::from))
        .collect()
}

/// A piece of evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceResponse {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// `file`, `link` or `record`.
    pub kind: String,
    /// SHA-256 of the current version's bytes (files and records).
    pub sha256: Option<String>,
    /// Bytes of the current version.
    pub size: u64,
    /// Media type of the current version.
    pub media_type: String,
    /// Last day it can be relied on.
    pub valid_until: Option<String>,
    /// `current`, `expiring` (within 30 days) or `expired`, today.
    pub freshness: String,
    /// Source of the current version.
    pub source: String,
    /// When the current version was collected.
    pub collected_at: String,
    /// The current version.
    pub current: VersionResponse,
    /// What it proves.
    pub links: Vec<LinkBody>,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// Archived.
    pub archived_at: Option<String>,
}

impl EvidenceResponse {
    pub(crate) fn new(e: Evidence, today: time::Date) -> Self {
        Self {
            id: e.id.to_string(),
            freshness: e.freshness(today).as_str().into(),
            title: e.title,
            description: e.description,
            kind: e.kind.as_str().into(),
            sha256: e.current.sha256.clone(),
            size: e.current.size,
            media_type: e.current.media_type.clone(),
            valid_until: e.valid_until.map(|d| d.to_string()),
            source: e.source.as_str().into(),
            collected_at: ts(e.collected_at),
            links: e.links.iter().map(LinkBody::from).collect(),
            current: e.current.into(),
            created_at: ts(e.created_at),
            updated_at: ts(e.updated_at),
            archived_at: e.archived_at.map(ts),
        }
    }
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListEvidenceQuery {
    /// Words in the title, description or file name.
    pub q: Option<String>,
    /// `current`, `expiring` or `expired`.
    pub freshness: Option<String>,
    /// Only evidence linked to this control id.
    pub control: Option<String>,
    /// Only evidence linked to this Security Rule citation.
    pub requirement: Option<String>,
    /// Include archived evidence.
    pub archived: Option<bool>,
    /// Page size (default 50, at most 200).
    pub limit: Option<u32>,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// An organization's evidence, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/evidence", tag = "evidence",
    params(("slug" = String, Path, description = "Organization slug"), ListEvidenceQuery),
    responses((status = 200, body = ListPage<EvidenceResponse>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<ListEvidenceQuery>,
) -> ApiResult<Json<ListPage<EvidenceResponse>>> {
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let link = match (q.control.as_deref(), q.requirement.as_deref()) {
        (Some(c), _) => {
            Some(LinkTarget::Control(ControlId::parse(c).map_err(|_| {
                ApiError::invalid("control", "is not a control id")
            })?))
        }
        (None, Some(r)) => Some(LinkTarget::Requirement(r.trim().to_owned())),
        (None, None) => None,
    };
    let filter = EvidenceFilter {
        q: q.q,
        freshness: q.freshness.as_deref().map(Freshness::parse).transpose()?,
        today: None,
        link,
        include_archived: q.archived.unwrap_or(false),
    };
    let today = s.app.now().date();
    let p = evidence::list(&s.app, &auth.caller, &slug, &filter, &page).await?;
    Ok(Json(ListPage::from_page(p, |e| {
        EvidenceResponse::new(e, today)
    })))
}

/// A link to add as evidence (JSON body of `POST .../evidence`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkEvidenceRequest {
    /// Title.
    #[serde(default)]
    pub title: String,
    /// `https://...`
    #[serde(default)]
    pub url: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub valid_until: String,
    /// What it proves.
    #[serde(default)]
    pub links: Vec<LinkBody>,
}

/// Largest text part of an upload form (title, description...).
pub(crate) const SMALL_FIELD_MAX: usize = 8000;

/// Most text parts an upload form may have (title, links...), so that the metadata read before
/// the file stays small whatever the client sends.
const MAX_META_PARTS: usize = 200;

/// Largest JSON body of a link (these routes take large multipart bodies, so JSON is bounded
/// here rather than by the general limit).
const LINK_JSON_MAX: usize = 64 * 1024;

/// Reads a text part of a multipart form, at most [`SMALL_FIELD_MAX`] bytes: these routes take
/// large bodies for the file, so a text part must not be read without a bound.
pub(crate) async fn small_field(field: &mut axum::extract::multipart::Field<'_>) -> Option<String> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.ok()? {
        if buf.len() + chunk.len() > SMALL_FIELD_MAX {
            return None;
        }
        buf.extend_from_slice(&chunk);
    }
    String::from_utf8(buf).ok()
}

/// Reads a multipart upload: the `file` part streams into the blob store; the other parts
/// (`title`, `description`, `valid_until`, `requirement` and `control`, repeatable) are
/// metadata. Nothing is recorded unless everything is valid.
pub(crate) async fn receive(
    s: &AppState,
    caller: &safeharbor_core::Caller,
    slug: &str,
    mut mp: Multipart,
    target: Option<EvidenceId>,
    mut csrf: Option<&str>,
) -> Result<Evidence, ApiError> {
    let mut meta = NewEvidence::default();
    let mut upload = None;
    let mut meta_parts = 0;
    // Pages send `_csrf` before the file; the API (token or header-checked) passes `None`.
    let forged = || {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "this form has expired or did not come from Safeharbor; reload the page and try again",
        )
    };
    let broken = || {
        ApiError::invalid(
            "file",
            "the upload was interrupted or is not valid multipart/form-data; send it again",
        )
    };
    while let Some(mut field) = mp.next_field().await.map_err(|_| broken())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "_csrf" {
            let given = small_field(&mut field).await.ok_or_else(broken)?;
            if let Some(expected) = csrf {
                if !crate::ui::session::constant_time_eq(given.as_bytes(), expected.as_bytes()) {
                    return Err(forged());
                }
                csrf = None;
            }
            continue;
        }
        if csrf.is_some() {
            return Err(forged());
        }
        if name == "file" {
            if upload.is_some() {
                return Err(ApiError::invalid("file", "send one file per request"));
            }
            let mut u = evidence::begin(&s.app, caller, slug, field.file_name(), target).await?;
            while let Some(chunk) = field.chunk().await.map_err(|_| broken())? {
                u.write(&chunk).await?;
            }
            upload = Some(u);
            continue;
        }
        if meta_parts >= MAX_META_PARTS {
            return Err(ApiError::invalid(
                "links",
                format!("send at most {MAX_META_PARTS} form parts besides the file"),
            ));
        }
        meta_parts += 1;
        let Some(text) = small_field(&mut field).await else {
            return Err(ApiError::invalid(
                name,
                format!("is too long or not text (at most {SMALL_FIELD_MAX} bytes of UTF-8)"),
            ));
        };
        match name.as_str() {
            "title" => meta.title = text,
            "description" => meta.description = text,
            "valid_until" => meta.valid_until = text,
            "requirement" if !text.trim().is_empty() => {
                meta.links
                    .push(LinkTarget::Requirement(text.trim().to_owned()));
            }
            "control" if !text.trim().is_empty() => {
                meta.links
                    .push(LinkTarget::Control(ControlId::parse(text.trim()).map_err(
                        |_| ApiError::invalid("control", "is not a control id"),
                    )?));
            }
            _ => {}
        }
    }
    let upload = upload.ok_or_else(|| {
        ApiError::invalid(
            "file",
            "is required: send the document as the multipart part named file",
        )
    })?;
    Ok(upload.finish(&s.app, caller, &meta).await?)
}

/// Adds evidence: a file as `multipart/form-data` (parts `file` and `title`, optional
/// `description`, `valid_until`, and repeatable `requirement` and `control`), or a link as JSON.
/// The file's type is judged from its content; programs and archives are refused, as are files
/// over the installation's limit (default 100 MB).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/evidence", tag = "evidence",
    request_body(content(
        (LinkEvidenceRequest = "application/json"),
        (String = "multipart/form-data"),
    )),
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 201, body = EvidenceResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    req: axum::extract::Request,
) -> ApiResult<(StatusCode, Json<EvidenceResponse>)> {
    let e = receive_any(&s, &auth, &slug, req, None).await?;
    Ok((
        StatusCode::CREATED,
        Json(EvidenceResponse::new(e, s.app.now().date())),
    ))
}

async fn receive_any(
    s: &AppState,
    auth: &Authed,
    slug: &str,
    req: axum::extract::Request,
    target: Option<EvidenceId>,
) -> Result<Evidence, ApiError> {
    // Access first: another tenant is refused before a byte of the body is read.
    safeharbor_core::authz::scope(
        &s.app,
        &auth.caller,
        slug,
        safeharbor_core::authz::Need::Write,
    )
    .await?;
    let ctype = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if ctype.starts_with("multipart/form-data") {
        let mp = <Multipart as axum::extract::FromRequest<AppState>>::from_request(req, s)
            .await
            .map_err(|_| ApiError::invalid("file", "send the file as multipart/form-data"))?;
        return receive(s, &auth.caller, slug, mp, target, None).await;
    }
    let req = req.map(|b| Body::new(http_body_util::Limited::new(b, LINK_JSON_MAX)));
    let ApiJson(r) =
        <ApiJson<LinkEvidenceRequest> as axum::extract::FromRequest<AppState>>::from_request(
            req, s,
        )
        .await?;
    let meta = NewEvidence {
        title: r.title,
        description: r.description,
        valid_until: r.valid_until,
        links: parse_links(&r.links)?,
    };
    Ok(evidence::add_link(&s.app, &auth.caller, slug, &r.url, &meta, target).await?)
}

fn evidence_id(id: &str) -> Result<EvidenceId, ApiError> {
    EvidenceId::parse(id).map_err(|_| ApiError::from(safeharbor_core::Error::NotFound))
}

/// One piece of evidence.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/evidence/{id}", tag = "evidence",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Evidence id")),
    responses((status = 200, body = EvidenceResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<EvidenceResponse>> {
    let e = evidence::get(&s.app, &auth.caller, &slug, evidence_id(&id)?).await?;
    Ok(Json(EvidenceResponse::new(e, s.app.now().date())))
}

/// Changes to metadata (absent fields stay as they are).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEvidenceRequest {
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Description (empty clears it).
    #[serde(default)]
    pub description: Option<String>,
    /// `YYYY-MM-DD` (empty clears it).
    #[serde(default)]
    pub valid_until: Option<String>,
    /// Archive (kept for six years, hidden from lists) or restore.
    #[serde(default)]
    pub archived: Option<bool>,
    /// Replaces what the evidence proves.
    #[serde(default)]
    pub links: Option<Vec<LinkBody>>,
}

/// Changes a piece of evidence's metadata or links (audited). Versions never change.
#[utoipa::path(patch, path = "/api/v1/orgs/{slug}/evidence/{id}", tag = "evidence", request_body = UpdateEvidenceRequest,
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Evidence id")),
    responses((status = 200, body = EvidenceResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn update(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(r): ApiJson<UpdateEvidenceRequest>,
) -> ApiResult<Json<EvidenceResponse>> {
    let id = evidence_id(&id)?;
    let cur = evidence::get(&s.app, &auth.caller, &slug, id).await?;
    let links = r.links.as_deref().map(parse_links).transpose()?;
    let meta = EvidenceMeta::parse(
        r.title.as_deref().unwrap_or(&cur.title),
        Some(
            r.description
                .as_deref()
                .unwrap_or(cur.description.as_deref().unwrap_or_default()),
        ),
        &r.valid_until
            .clone()
            .unwrap_or_else(|| cur.valid_until.map(|d| d.to_string()).unwrap_or_default()),
    )?;
    let archived = r.archived.unwrap_or(cur.archived_at.is_some());
    // Links first: they are the part that can still be refused (a citation or control that
    // does not exist), and a refusal must leave the metadata unchanged too.
    if let Some(l) = links {
        evidence::set_links(&s.app, &auth.caller, &slug, id, &l).await?;
    }
    let e = evidence::update(&s.app, &auth.caller, &slug, id, &meta, archived).await?;
    Ok(Json(EvidenceResponse::new(e, s.app.now().date())))
}

/// Every version of a piece of evidence, oldest first.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/evidence/{id}/versions", tag = "evidence",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Evidence id")),
    responses((status = 200, body = Vec<VersionResponse>), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn versions(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<Vec<VersionResponse>>> {
    let v = evidence::versions(&s.app, &auth.caller, &slug, evidence_id(&id)?).await?;
    Ok(Json(v.into_iter().map(Into::into).collect()))
}

/// Adds a version: a new file (multipart, part `file`; `title` and `valid_until` optional) for
/// file evidence, or a new address (JSON `url`) for a link.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/evidence/{id}/versions", tag = "evidence",
    request_body(content(
        (LinkEvidenceRequest = "application/json"),
        (String = "multipart/form-data"),
    )),
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Evidence id")),
    responses((status = 201, body = EvidenceResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn add_version(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
    req: axum::extract::Request,
) -> ApiResult<(StatusCode, Json<EvidenceResponse>)> {
    let id = evidence_id(&id)?;
    let e = receive_any(&s, &auth, &slug, req, Some(id)).await?;
    Ok((
        StatusCode::CREATED,
        Json(EvidenceResponse::new(e, s.app.now().date())),
    ))
}

/// Which version to download.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ContentQuery {
    /// A version number (default: the current one).
    pub version: Option<i64>,
}

/// The exact bytes of a file version, as uploaded. Every download is recorded in the audit
/// trail. The response carries `X-Content-SHA256` so the client can check what it got.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/evidence/{id}/content", tag = "evidence",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Evidence id"), ContentQuery),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn content(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<ContentQuery>,
) -> ApiResult<Response> {
    let (_, v, mut reader) =
        evidence::download(&s.app, &auth.caller, &slug, evidence_id(&id)?, q.version).await?;
    // The first chunk is read (and authenticated) before the answer starts, so a damaged file
    // is a clean error rather than a cut-off download.
    let first = reader.next_chunk().await?;
    Ok(stream_file(&v, first, reader))
}

/// A streaming response of a stored file, as an attachment the browser will not render.
pub(crate) fn stream_file(
    v: &EvidenceVersion,
    first: Option<Vec<u8>>,
    reader: Box<dyn safeharbor_core::ports::BlobReader>,
) -> Response {
    let body = Body::from_stream(futures_util::stream::unfold(
        (first, reader),
        |(first, mut r)| async move {
            if let Some(c) = first {
                return Some((Ok(axum::body::Bytes::from(c)), (None, r)));
            }
            match r.next_chunk().await {
                Ok(Some(c)) => Some((
                    Ok::<_, std::io::Error>(axum::body::Bytes::from(c)),
                    (None, r),
                )),
                Ok(None) => None,
                Err(e) => {
                    tracing::error!(error = %e, "evidence download failed mid-stream");
                    Some((
                        Err(std::io::Error::other("evidence could not be read")),
                        (None, r),
                    ))
                }
            }
        },
    ));
    let stored = v.file_name.as_deref().unwrap_or("evidence");
    let name = safeharbor_domain::sniff::download_name(stored, &v.media_type);
    // ASCII fallback for old clients, and the exact name (RFC 5987) for the rest.
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let exact: String = form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    (
        [
            (header::CONTENT_TYPE, v.media_type.clone()),
            (header::CONTENT_LENGTH, v.size.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{exact}"),
            ),
            (
                header::HeaderName::from_static("x-content-sha256"),
                v.sha256.clone().unwrap_or_default(),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// For each Security Rule standard and implementation specification: the controls and
/// evidence behind it, and whether it is backed, stale, unproven, inherited or missing.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/evidence-coverage", tag = "evidence",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = Vec<Object>), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn coverage(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
) -> ApiResult<Json<Vec<Coverage>>> {
    Ok(Json(evidence::coverage(&s.app, &auth.caller, &slug).await?))
}

/// How far ahead to look.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExpiringQuery {
    /// Days from today (default 30, at most 366).
    pub days: Option<i64>,
}

/// Evidence expiring soon (or expired), with its organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgEvidenceResponse {
    /// Organization slug.
    pub org_slug: String,
    /// Organization name.
    pub org_name: String,
    /// The evidence.
    pub evidence: EvidenceResponse,
}

/// Evidence that expires within `days` days or has expired, across every organization the
/// caller may see, soonest first.
#[utoipa::path(get, path = "/api/v1/evidence/expiring", tag = "evidence",
    params(ExpiringQuery),
    responses((status = 200, body = Vec<OrgEvidenceResponse>), (status = 400, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn expiring(
    State(s): State<AppState>,
    auth: Authed,
    ApiQuery(q): ApiQuery<ExpiringQuery>,
) -> ApiResult<Json<Vec<OrgEvidenceResponse>>> {
    let days = q.days.unwrap_or(30);
    if !(0..=366).contains(&days) {
        return Err(ApiError::invalid("days", "must be between 0 and 366"));
    }
    let today = s.app.now().date();
    let list = evidence::expiring_across(&s.app, &auth.caller, days, 500).await?;
    Ok(Json(
        list.into_iter()
            .map(|o| OrgEvidenceResponse {
                org_slug: o.org_slug,
                org_name: o.org_name,
                evidence: EvidenceResponse::new(o.evidence, today),
            })
            .collect(),
    ))
}

//! `/api/v1/orgs/{slug}/assets`: the asset and ePHI inventory, with CSV import.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use safeharbor_core::assets::{self, ImportReport};
use safeharbor_core::authz::{self, Need};
use safeharbor_core::ports::AssetFilter;
use safeharbor_domain::ids::{AssetId, LocationId};
use safeharbor_domain::page::PageRequest;
use safeharbor_domain::risk::{Asset, AssetFields, AssetInput, AssetKind};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ListPage, ts};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Authed};

/// An asset.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssetResponse {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `ehr`, `pacs`, `voip`, `sd_wan`, `network`, `daas`, `backup`, `server`, `workstation`,
    /// `laptop`, `mobile`, `cloud_app`, `medical_device`, `removable_media`, `paper` or `other`.
    pub kind: String,
    /// Location id.
    pub location_id: Option<String>,
    /// Location name.
    pub location: Option<String>,
    /// `stores`, `processes`, `transmits` or `none`.
    pub ephi_role: String,
    /// `low`, `moderate`, `high` or `critical`.
    pub criticality: String,
    /// Who answers for it.
    pub owner: Option<String>,
    /// Who makes or runs it.
    pub vendor: Option<String>,
    /// `yes`, `no`, `unknown` or `na`.
    pub encryption_at_rest: String,
    /// As `encryption_at_rest`.
    pub encryption_in_transit: String,
    /// As `encryption_at_rest`.
    pub mfa: String,
    /// Notes.
    pub notes: Option<String>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// Archived, if it is.
    pub archived_at: Option<String>,
}

impl From<Asset> for AssetResponse {
    fn from(a: Asset) -> Self {
        let f = a.fields;
        Self {
            id: a.id.to_string(),
            name: f.name,
            kind: f.kind.as_str().into(),
            location_id: f.location_id.map(|l| l.to_string()),
            location: a.location_name,
            ephi_role: f.ephi_role.as_str().into(),
            criticality: f.criticality.as_str().into(),
            owner: f.owner,
            vendor: f.vendor,
            encryption_at_rest: f.encryption_at_rest.as_str().into(),
            encryption_in_transit: f.encryption_in_transit.as_str().into(),
            mfa: f.mfa.as_str().into(),
            notes: f.notes,
            created_at: ts(a.created_at),
            updated_at: ts(a.updated_at),
            archived_at: a.archived_at.map(ts),
        }
    }
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListAssetsQuery {
    /// Words in the name, owner or vendor.
    pub q: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only assets that store, process or transmit ePHI.
    pub ephi_only: Option<bool>,
    /// Only at this location (id).
    pub location_id: Option<String>,
    /// Include archived assets.
    pub include_archived: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An organization's assets, by name.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/assets", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug"), ListAssetsQuery),
    responses((status = 200, body = ListPage<AssetResponse>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<ListAssetsQuery>,
) -> ApiResult<Json<ListPage<AssetResponse>>> {
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let filter = AssetFilter {
        q: q.q,
        kind: q.kind.as_deref().map(AssetKind::parse).transpose()?,
        ephi_only: q.ephi_only.unwrap_or(false),
        location: q
            .location_id
            .as_deref()
            .map(|l| {
                LocationId::parse(l).map_err(|_| {
                    safeharbor_domain::Invalid::new("location_id", "is not a location id")
                })
            })
            .transpose()?,
        include_archived: q.include_archived.unwrap_or(false),
    };
    let p = assets::list(&s.app, &auth.caller, &slug, &filter, &page).await?;
    Ok(Json(ListPage::from_page(p, AssetResponse::from)))
}

/// An asset to add, or changes to one (absent fields stay as they are).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetRequest {
    /// Name, unique among current assets.
    #[serde(default)]
    pub name: Option<String>,
    /// Kind (required when adding).
    #[serde(default)]
    pub kind: Option<String>,
    /// Location id or name; empty for none.
    #[serde(default)]
    pub location: Option<String>,
    /// `stores`, `processes`, `transmits` or `none` (default).
    #[serde(default)]
    pub ephi_role: Option<String>,
    /// `low`, `moderate` (default), `high` or `critical`.
    #[serde(default)]
    pub criticality: Option<String>,
    /// Owner.
    #[serde(default)]
    pub owner: Option<String>,
    /// Vendor.
    #[serde(default)]
    pub vendor: Option<String>,
    /// `yes`, `no`, `unknown` (default) or `na`.
    #[serde(default)]
    pub encryption_at_rest: Option<String>,
    /// As `encryption_at_rest`.
    #[serde(default)]
    pub encryption_in_transit: Option<String>,
    /// As `encryption_at_rest`.
    #[serde(default)]
    pub mfa: Option<String>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Marks the change significant: the current risk analysis is out of date until the next
    /// one is finalized.
    #[serde(default)]
    pub significant: bool,
}

fn wire(a: Option<&AssetFields>) -> [String; 10] {
    let o = |s: &Option<String>| s.clone().unwrap_or_default();
    a.map_or_else(Default::default, |f| {
        [
            f.name.clone(),
            f.kind.as_str().into(),
            f.ephi_role.as_str().into(),
            f.criticality.as_str().into(),
            o(&f.owner),
            o(&f.vendor),
            f.encryption_at_rest.as_str().into(),
            f.encryption_in_transit.as_str().into(),
            f.mfa.as_str().into(),
            o(&f.notes),
        ]
    })
}

/// Validates a request over the current values (none when adding).
async fn fields(
    s: &AppState,
    auth: &Authed,
    slug: &str,
    current: Option<&Asset>,
    r: &AssetRequest,
) -> ApiResult<AssetFields> {
    let base = wire(current.map(|a| &a.fields));
    let pick = |v: &Option<String>, i: usize| v.clone().unwrap_or_else(|| base[i].clone());
    let vals = [
        pick(&r.name, 0),
        pick(&r.kind, 1),
        pick(&r.ephi_role, 2),
        pick(&r.criticality, 3),
        pick(&r.owner, 4),
        pick(&r.vendor, 5),
        pick(&r.encryption_at_rest, 6),
        pick(&r.encryption_in_transit, 7),
        pick(&r.mfa, 8),
        pick(&r.notes, 9),
    ];
    let input = AssetInput {
        name: &vals[0],
        kind: &vals[1],
        ephi_role: &vals[2],
        criticality: &vals[3],
        owner: &vals[4],
        vendor: &vals[5],
        encryption_at_rest: &vals[6],
        encryption_in_transit: &vals[7],
        mfa: &vals[8],
        notes: &vals[9],
    };
    let location = match &r.location {
        None => current.and_then(|a| a.fields.location_id),
        Some(l) => {
            let scope = authz::scope(&s.app, &auth.caller, slug, Need::Read).await?;
            assets::resolve_location(&s.app, &scope, l).await?
        }
    };
    Ok(input.parse(location)?)
}

/// Adds an asset.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/assets", tag = "risk", request_body = AssetRequest,
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 201, body = AssetResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiJson(req): ApiJson<AssetRequest>,
) -> ApiResult<(StatusCode, Json<AssetResponse>)> {
    let f = fields(&s, &auth, &slug, None, &req).await?;
    let a = assets::create(&s.app, &auth.caller, &slug, f, req.significant).await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

/// One asset.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/assets/{id}", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Asset id")),
    responses((status = 200, body = AssetResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<AssetResponse>> {
    let id = AssetId::parse(&id)?;
    Ok(Json(
        assets::get(&s.app, &auth.caller, &slug, id).await?.into(),
    ))
}

/// Changes an asset; absent fields stay as they are.
#[utoipa::path(patch, path = "/api/v1/orgs/{slug}/assets/{id}", tag = "risk", request_body = AssetRequest,
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Asset id")),
    responses((status = 200, body = AssetResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn update(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(req): ApiJson<AssetRequest>,
) -> ApiResult<Json<AssetResponse>> {
    let id = AssetId::parse(&id)?;
    let current = assets::get(&s.app, &auth.caller, &slug, id).await?;
    let f = fields(&s, &auth, &slug, Some(&current), &req).await?;
    let a = assets::update(&s.app, &auth.caller, &slug, id, f, req.significant).await?;
    Ok(Json(a.into()))
}

/// Archives an asset (kept on record).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/assets/{id}/archive", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Asset id")),
    responses((status = 200, body = AssetResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn archive(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<AssetResponse>> {
    let id = AssetId::parse(&id)?;
    Ok(Json(
        assets::set_archived(&s.app, &auth.caller, &slug, id, true)
            .await?
            .into(),
    ))
}

/// Restores an archived asset.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/assets/{id}/restore", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Asset id")),
    responses((status = 200, body = AssetResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn restore(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<AssetResponse>> {
    let id = AssetId::parse(&id)?;
    Ok(Json(
        assets::set_archived(&s.app, &auth.caller, &slug, id, false)
            .await?
            .into(),
    ))
}

/// Import options.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// Check and preview only; save nothing.
    pub dry_run: Option<bool>,
    /// Mark the import as a significant change.
    pub significant: Option<bool>,
}

/// A bad row of an import.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowErrorDto {
    /// Line in the file (the header is line 1).
    pub line: usize,
    /// Column.
    pub field: String,
    /// What to fix.
    pub message: String,
}

/// What an import did or would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResponse {
    /// Nothing was saved because this was a preview.
    pub dry_run: bool,
    /// Rows read.
    pub rows: usize,
    /// Rows that would be (or were) imported, by name.
    pub names: Vec<String>,
    /// Columns not used.
    pub ignored_columns: Vec<String>,
    /// Bad rows; when there are any, nothing is saved.
    pub errors: Vec<RowErrorDto>,
    /// Assets saved.
    pub created: usize,
}

impl From<ImportReport> for ImportResponse {
    fn from(r: ImportReport) -> Self {
        Self {
            dry_run: r.dry_run,
            rows: r.rows,
            names: r.assets.into_iter().map(|a| a.name).collect(),
            ignored_columns: r.ignored_columns,
            errors: r
                .errors
                .into_iter()
                .map(|e| RowErrorDto {
                    line: e.line,
                    field: e.field,
                    message: e.message,
                })
                .collect(),
            created: r.created,
        }
    }
}

/// Imports assets from CSV (the request body, `text/csv`): columns `name`, `kind`,
/// `location`, `ephi_role`, `criticality`, `owner`, `vendor`, `encryption_at_rest`,
/// `encryption_in_transit`, `mfa`, `notes` (see the README for aliases). All or nothing:
/// with any bad row the answer is 422 listing every bad row, and nothing is saved.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/assets/import", tag = "risk",
    request_body(content = String, content_type = "text/csv"),
    params(("slug" = String, Path, description = "Organization slug"), ImportQuery),
    responses((status = 200, body = ImportResponse, description = "Dry run"), (status = 201, body = ImportResponse, description = "Imported"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ImportResponse, description = "Bad rows; nothing saved")),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn import(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let text = std::str::from_utf8(&body).map_err(|_| {
        safeharbor_domain::Invalid::new("file", "is not UTF-8 text; save the CSV as UTF-8")
    })?;
    let dry = q.dry_run.unwrap_or(false);
    let r = assets::import_csv(
        &s.app,
        &auth.caller,
        &slug,
        text,
        dry,
        q.significant.unwrap_or(false),
    )
    .await?;
    let status = if !r.errors.is_empty() && !dry {
        StatusCode::UNPROCESSABLE_ENTITY
    } else if dry {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(ImportResponse::from(r))).into_response())
}

//! `/api/v1/orgs/{slug}/locations`: sites of an organization.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use safeharbor_core::locations::{self, UpdateLocation};
use safeharbor_core::ports::LocationFilter;
use safeharbor_domain::ids::LocationId;
use safeharbor_domain::org::{Location, LocationKind, NewLocation};
use safeharbor_domain::page::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ListPage, ts};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Authed};

/// A location.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocationResponse {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `clinic`, `office`, `hospital`, `data_center`, `remote` or `other`.
    pub kind: String,
    /// Postal address.
    pub address: Option<String>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// Archived, if it is.
    pub archived_at: Option<String>,
}

impl From<Location> for LocationResponse {
    fn from(l: Location) -> Self {
        Self {
            id: l.id.to_string(),
            name: l.name,
            kind: l.kind.as_str().to_owned(),
            address: l.address,
            created_at: ts(l.created_at),
            updated_at: ts(l.updated_at),
            archived_at: l.archived_at.map(ts),
        }
    }
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListLocationsQuery {
    /// Words in the name or address.
    pub q: Option<String>,
    /// Include archived locations.
    pub include_archived: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An organization's locations, by name.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/locations", tag = "locations",
    params(("slug" = String, Path, description = "Organization slug"), ListLocationsQuery),
    responses((status = 200, body = ListPage<LocationResponse>), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<ListLocationsQuery>,
) -> ApiResult<Json<ListPage<LocationResponse>>> {
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let filter = LocationFilter {
        q: q.q,
        include_archived: q.include_archived.unwrap_or(false),
    };
    let p = locations::list(&s.app, &auth.caller, &slug, &filter, &page).await?;
    Ok(Json(ListPage::from_page(p, LocationResponse::from)))
}

/// A location to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLocationRequest {
    /// Name, unique within the organization.
    pub name: String,
    /// Kind of place (default `clinic`).
    #[serde(default)]
    pub kind: Option<String>,
    /// Postal address.
    #[serde(default)]
    pub address: Option<String>,
}

/// Adds a location.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/locations", tag = "locations", request_body = CreateLocationRequest,
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 201, body = LocationResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiJson(req): ApiJson<CreateLocationRequest>,
) -> ApiResult<(StatusCode, Json<LocationResponse>)> {
    let kind = req
        .kind
        .as_deref()
        .map_or(Ok(LocationKind::Clinic), LocationKind::parse)?;
    let new = NewLocation::parse(&req.name, kind, req.address.as_deref())?;
    let loc = locations::create(&s.app, &auth.caller, &slug, new).await?;
    Ok((StatusCode::CREATED, Json(loc.into())))
}

/// One location.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/locations/{id}", tag = "locations",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Location id")),
    responses((status = 200, body = LocationResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<LocationResponse>> {
    let id = LocationId::parse(&id)?;
    Ok(Json(
        locations::get(&s.app, &auth.caller, &slug, id)
            .await?
            .into(),
    ))
}

/// Changes to a location.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLocationRequest {
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New kind.
    #[serde(default)]
    pub kind: Option<String>,
    /// New address (empty clears it).
    #[serde(default)]
    pub address: Option<String>,
}

/// Updates a location.
#[utoipa::path(patch, path = "/api/v1/orgs/{slug}/locations/{id}", tag = "locations", request_body = UpdateLocationRequest,
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Location id")),
    responses((status = 200, body = LocationResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn update(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(req): ApiJson<UpdateLocationRequest>,
) -> ApiResult<Json<LocationResponse>> {
    let id = LocationId::parse(&id)?;
    let input = UpdateLocation {
        name: req.name,
        kind: req.kind.as_deref().map(LocationKind::parse).transpose()?,
        address: req.address,
    };
    Ok(Json(
        locations::update(&s.app, &auth.caller, &slug, id, input)
            .await?
            .into(),
    ))
}

/// Archives a location (kept on record).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/locations/{id}/archive", tag = "locations",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Location id")),
    responses((status = 200, body = LocationResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn archive(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<LocationResponse>> {
    let id = LocationId::parse(&id)?;
    Ok(Json(
        locations::set_archived(&s.app, &auth.caller, &slug, id, true)
            .await?
            .into(),
    ))
}

/// Restores an archived location.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/locations/{id}/restore", tag = "locations",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Location id")),
    responses((status = 200, body = LocationResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn restore(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<LocationResponse>> {
    let id = LocationId::parse(&id)?;
    Ok(Json(
        locations::set_archived(&s.app, &auth.caller, &slug, id, false)
            .await?
            .into(),
    ))
}

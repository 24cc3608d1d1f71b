//! `/api/v1/orgs`: the provider and its client practices.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use safeharbor_core::orgs::{self, CreateClient, UpdateOrg};
use safeharbor_core::ports::{OrgFilter, OrgListItem};
use safeharbor_domain::org::{HipaaRole, OrgKind, Organization};
use safeharbor_domain::page::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ListPage, ts};
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Authed};

/// An organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgResponse {
    /// Id.
    pub id: String,
    /// URL name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// `provider` or `client`.
    pub kind: String,
    /// `covered_entity` or `business_associate`.
    pub hipaa_role: String,
    /// Whether members must use a second factor.
    pub require_mfa: bool,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// Archived, if it is.
    pub archived_at: Option<String>,
    /// Locations not archived (in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_count: Option<i64>,
    /// Active members (in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_count: Option<i64>,
    /// Risk analysis currency (in lists): `missing`, `current`, `due_soon`, `overdue` or
    /// `invalidated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sra_currency: Option<String>,
    /// Open tasks past due (in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overdue_tasks: Option<i64>,
}

impl From<Organization> for OrgResponse {
    fn from(o: Organization) -> Self {
        Self {
            id: o.id.to_string(),
            slug: o.slug.to_string(),
            name: o.name,
            kind: o.kind.as_str().to_owned(),
            hipaa_role: o.hipaa_role.as_str().to_owned(),
            require_mfa: o.require_mfa,
            created_at: ts(o.created_at),
            updated_at: ts(o.updated_at),
            archived_at: o.archived_at.map(ts),
            location_count: None,
            member_count: None,
            sra_currency: None,
            overdue_tasks: None,
        }
    }
}

impl OrgResponse {
    fn from_item(app: &safeharbor_core::App, i: OrgListItem) -> Self {
        let currency = safeharbor_core::sra::list_currency(app, &i);
        Self {
            location_count: Some(i.location_count),
            member_count: Some(i.member_count),
            sra_currency: Some(currency.as_str().into()),
            overdue_tasks: Some(i.overdue_tasks),
            ..i.org.into()
        }
    }
}

/// Filters and paging for the organization list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListOrgsQuery {
    /// Words in the name or slug.
    pub q: Option<String>,
    /// `provider` or `client`.
    pub kind: Option<String>,
    /// Include archived organizations.
    pub include_archived: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The organizations the caller may see, by name.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", params(ListOrgsQuery),
    responses((status = 200, body = ListPage<OrgResponse>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(
    State(s): State<AppState>,
    auth: Authed,
    ApiQuery(q): ApiQuery<ListOrgsQuery>,
) -> ApiResult<Json<ListPage<OrgResponse>>> {
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let today = s.app.now().date();
    let filter = OrgFilter {
        q: q.q,
        kind: q.kind.as_deref().map(OrgKind::parse).transpose()?,
        include_archived: q.include_archived.unwrap_or(false),
        as_of: Some(today),
    };
    let p = orgs::list(&s.app, &auth.caller, &filter, &page).await?;
    Ok(Json(ListPage::from_page(p, |i| {
        OrgResponse::from_item(&s.app, i)
    })))
}

/// A client organization to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrgRequest {
    /// Display name.
    pub name: String,
    /// URL name (derived from the name when absent).
    #[serde(default)]
    pub slug: Option<String>,
    /// Must be `client`.
    pub kind: String,
    /// `covered_entity` (default) or `business_associate`.
    #[serde(default)]
    pub hipaa_role: Option<String>,
}

/// Creates a client practice (provider administrators).
#[utoipa::path(post, path = "/api/v1/orgs", tag = "orgs", request_body = CreateOrgRequest,
    responses((status = 201, body = OrgResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create(
    State(s): State<AppState>,
    auth: Authed,
    ApiJson(req): ApiJson<CreateOrgRequest>,
) -> ApiResult<(StatusCode, Json<OrgResponse>)> {
    let input = CreateClient {
        name: req.name,
        slug: req.slug,
        kind: OrgKind::parse(&req.kind)?,
        hipaa_role: req
            .hipaa_role
            .as_deref()
            .map(HipaaRole::parse)
            .transpose()?,
    };
    let org = orgs::create_client(&s.app, &auth.caller, input).await?;
    Ok((StatusCode::CREATED, Json(org.into())))
}

/// One organization.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}", tag = "orgs",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = OrgResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
) -> ApiResult<Json<OrgResponse>> {
    Ok(Json(orgs::get(&s.app, &auth.caller, &slug).await?.into()))
}

/// Changes to an organization.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrgRequest {
    /// New display name.
    #[serde(default)]
    pub name: Option<String>,
    /// New HIPAA role.
    #[serde(default)]
    pub hipaa_role: Option<String>,
    /// Require a second factor of every member.
    #[serde(default)]
    pub require_mfa: Option<bool>,
}

/// Updates an organization's name and settings (its administrators).
#[utoipa::path(patch, path = "/api/v1/orgs/{slug}", tag = "orgs", request_body = UpdateOrgRequest,
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = OrgResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn update(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiJson(req): ApiJson<UpdateOrgRequest>,
) -> ApiResult<Json<OrgResponse>> {
    let input = UpdateOrg {
        name: req.name,
        hipaa_role: req
            .hipaa_role
            .as_deref()
            .map(HipaaRole::parse)
            .transpose()?,
        require_mfa: req.require_mfa,
    };
    Ok(Json(
        orgs::update(&s.app, &auth.caller, &slug, input)
            .await?
            .into(),
    ))
}

/// Archives a client organization. It is kept (and readable), never deleted.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/archive", tag = "orgs",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = OrgResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn archive(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
) -> ApiResult<Json<OrgResponse>> {
    Ok(Json(
        orgs::set_archived(&s.app, &auth.caller, &slug, true)
            .await?
            .into(),
    ))
}

/// Restores an archived client organization.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/restore", tag = "orgs",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = OrgResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn restore(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
) -> ApiResult<Json<OrgResponse>> {
    Ok(Json(
        orgs::set_archived(&s.app, &auth.caller, &slug, false)
            .await?
            .into(),
    ))
}

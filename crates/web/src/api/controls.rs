//! `/api/v1/orgs/{slug}/controls`: security controls, and the provider's controls a client
//! inherits.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use safeharbor_core::controls::{self, ControlInput};
use safeharbor_domain::ids::ControlId;
use safeharbor_domain::risk::Control;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ts;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Authed};

/// A control.
#[derive(Debug, Serialize, ToSchema)]
pub struct ControlResponse {
    /// Id.
    pub id: String,
    /// Name.
    pub title: String,
    /// What it does.
    pub description: Option<String>,
    /// Who runs it.
    pub owner: Option<String>,
    /// How often it is performed.
    pub frequency: Option<String>,
    /// Next performance due, `YYYY-MM-DD`.
    pub next_due: Option<String>,
    /// `implemented`, `partial` or `planned`.
    pub status: String,
    /// Security Rule citations it helps satisfy.
    pub requirement_refs: Vec<String>,
    /// Delivered to every client (provider controls).
    pub provided_to_all: bool,
    /// Ids of the clients it is delivered to (provider controls).
    pub provided_to: Vec<String>,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// Archived.
    pub archived_at: Option<String>,
}

impl From<Control> for ControlResponse {
    fn from(c: Control) -> Self {
        Self {
            id: c.id.to_string(),
            title: c.title,
            description: c.description,
            owner: c.owner,
            frequency: c.frequency,
            next_due: c.next_due.map(|d| d.to_string()),
            status: c.status.as_str().into(),
            requirement_refs: c.requirement_refs,
            provided_to_all: c.provided_to_all,
            provided_to: c.provided_to.iter().map(ToString::to_string).collect(),
            created_at: ts(c.created_at),
            updated_at: ts(c.updated_at),
            archived_at: c.archived_at.map(ts),
        }
    }
}

/// A control to add, or its new state (every field; absent ones are emptied).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlRequest {
    /// Name.
    pub title: String,
    /// What it does.
    #[serde(default)]
    pub description: Option<String>,
    /// Who runs it.
    #[serde(default)]
    pub owner: Option<String>,
    /// How often it is performed.
    #[serde(default)]
    pub frequency: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub next_due: Option<String>,
    /// `implemented` (default), `partial` or `planned`.
    #[serde(default)]
    pub status: Option<String>,
    /// Security Rule citations.
    #[serde(default)]
    pub requirement_refs: Vec<String>,
    /// Deliver to every client (provider only).
    #[serde(default)]
    pub provided_to_all: bool,
    /// Slugs of the clients to deliver it to (provider only).
    #[serde(default)]
    pub provided_to: Vec<String>,
    /// Archive it (kept on record).
    #[serde(default)]
    pub archived: bool,
}

impl From<ControlRequest> for ControlInput {
    fn from(r: ControlRequest) -> Self {
        Self {
            title: r.title,
            description: r.description.unwrap_or_default(),
            owner: r.owner.unwrap_or_default(),
            frequency: r.frequency.unwrap_or_default(),
            next_due: r.next_due.unwrap_or_default(),
            status: r.status.unwrap_or_default(),
            requirement_refs: r.requirement_refs,
            provided_to_all: r.provided_to_all,
            provided_to: r.provided_to,
            archived: r.archived,
        }
    }
}

/// An organization's controls.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/controls", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = Vec<ControlResponse>), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
) -> ApiResult<Json<Vec<ControlResponse>>> {
    let l = controls::list(&s.app, &auth.caller, &slug).await?;
    Ok(Json(l.into_iter().map(Into::into).collect()))
}

/// Adds a control.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/controls", tag = "risk", request_body = ControlRequest,
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 201, body = ControlResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn create(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiJson(r): ApiJson<ControlRequest>,
) -> ApiResult<(StatusCode, Json<ControlResponse>)> {
    let c = controls::create(&s.app, &auth.caller, &slug, r.into()).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// One control.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/controls/{id}", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Control id")),
    responses((status = 200, body = ControlResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<ControlResponse>> {
    let id = ControlId::parse(&id)?;
    Ok(Json(
        controls::get(&s.app, &auth.caller, &slug, id).await?.into(),
    ))
}

/// Replaces a control.
#[utoipa::path(put, path = "/api/v1/orgs/{slug}/controls/{id}", tag = "risk", request_body = ControlRequest,
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Control id")),
    responses((status = 200, body = ControlResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn replace(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(r): ApiJson<ControlRequest>,
) -> ApiResult<Json<ControlResponse>> {
    let id = ControlId::parse(&id)?;
    Ok(Json(
        controls::update(&s.app, &auth.caller, &slug, id, r.into())
            .await?
            .into(),
    ))
}

/// A provider control as a client inherits it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InheritedControlResponse {
    /// The provider: the party responsible.
    pub provider: String,
    /// Name.
    pub title: String,
    /// What it does.
    pub description: Option<String>,
    /// `implemented`, `partial` or `planned`.
    pub status: String,
    /// How often it is performed.
    pub frequency: Option<String>,
    /// Security Rule citations it helps satisfy.
    pub requirement_refs: Vec<String>,
}

/// The provider's controls delivered to this client (read-only to the client).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/inherited-controls", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = Vec<InheritedControlResponse>), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn inherited(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
) -> ApiResult<Json<Vec<InheritedControlResponse>>> {
    let l = controls::inherited(&s.app, &auth.caller, &slug).await?;
    Ok(Json(
        l.into_iter()
            .map(|(p, c)| InheritedControlResponse {
                provider: p.name,
                title: c.title,
                description: c.description,
                status: c.status.as_str().into(),
                frequency: c.frequency,
                requirement_refs: c.requirement_refs,
            })
            .collect(),
    ))
}

//! `/api/v1/orgs/{slug}/profile` and threat considerations: the organization's officials and
//! risk acceptance threshold, and threat categories recorded as not relevant per asset.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use safeharbor_core::considerations;
use safeharbor_core::profile::{self, ProfileInput};
use safeharbor_domain::ids::AssetId;
use safeharbor_domain::org::{Official, OrgProfile};
use safeharbor_domain::risk::ThreatConsideration;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ts;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Authed};

/// An organization's HIPAA profile.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    /// The security official's name (164.308(a)(2)).
    #[serde(default)]
    pub security_official: Option<String>,
    /// Their e-mail address; a member with this address may sign off as the official.
    #[serde(default)]
    pub security_official_email: Option<String>,
    /// The privacy official's name (164.530(a)(1)).
    #[serde(default)]
    pub privacy_official: Option<String>,
    /// Their e-mail address.
    #[serde(default)]
    pub privacy_official_email: Option<String>,
    /// The highest risk score (1-25) accepted without a treatment; null: the installation's
    /// top of "low".
    #[serde(default)]
    pub risk_acceptance_max: Option<i64>,
}

fn split(o: Option<&Official>) -> (Option<String>, Option<String>) {
    o.map_or((None, None), |o| (Some(o.name.clone()), o.email.clone()))
}

impl From<OrgProfile> for ProfileBody {
    fn from(p: OrgProfile) -> Self {
        let (security_official, security_official_email) = split(p.security_official.as_ref());
        let (privacy_official, privacy_official_email) = split(p.privacy_official.as_ref());
        Self {
            security_official,
            security_official_email,
            privacy_official,
            privacy_official_email,
            risk_acceptance_max: p.risk_acceptance_max.map(i64::from),
        }
    }
}

/// The organization's officials and risk acceptance threshold.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/profile", tag = "orgs",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = ProfileBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
) -> ApiResult<Json<ProfileBody>> {
    Ok(Json(
        profile::get(&s.app, &auth.caller, &slug).await?.into(),
    ))
}

/// Replaces the organization's officials and risk acceptance threshold (administrators).
#[utoipa::path(put, path = "/api/v1/orgs/{slug}/profile", tag = "orgs", request_body = ProfileBody,
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = ProfileBody), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn put(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
    ApiJson(b): ApiJson<ProfileBody>,
) -> ApiResult<Json<ProfileBody>> {
    let input = ProfileInput {
        security_official: b.security_official.unwrap_or_default(),
        security_official_email: b.security_official_email.unwrap_or_default(),
        privacy_official: b.privacy_official.unwrap_or_default(),
        privacy_official_email: b.privacy_official_email.unwrap_or_default(),
        risk_acceptance_max: b.risk_acceptance_max,
    };
    Ok(Json(
        profile::update(&s.app, &auth.caller, &slug, &input)
            .await?
            .into(),
    ))
}

/// A threat category considered for an asset and found not relevant.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsiderationResponse {
    /// The asset.
    pub asset_id: String,
    /// `adversarial`, `accidental`, `structural` or `environmental`.
    pub category: String,
    /// Why no threat of this category is relevant.
    pub reason: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: String,
}

impl From<ThreatConsideration> for ConsiderationResponse {
    fn from(c: ThreatConsideration) -> Self {
        Self {
            asset_id: c.asset_id.to_string(),
            category: c.category,
            reason: c.reason,
            recorded_by: c.recorded_by,
            recorded_at: ts(c.recorded_at),
        }
    }
}

/// Every threat category recorded as considered and not relevant, per asset.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/threat-considerations", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug")),
    responses((status = 200, body = Vec<ConsiderationResponse>), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list_considerations(
    State(s): State<AppState>,
    auth: Authed,
    Path(slug): Path<String>,
) -> ApiResult<Json<Vec<ConsiderationResponse>>> {
    let l = considerations::list(&s.app, &auth.caller, &slug).await?;
    Ok(Json(l.into_iter().map(Into::into).collect()))
}

/// Why a threat category is not relevant to an asset.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsiderationRequest {
    /// The reason.
    pub reason: String,
}

/// Records that a threat category was considered for an asset and is not relevant, and why.
#[utoipa::path(put, path = "/api/v1/orgs/{slug}/assets/{id}/threat-considerations/{category}", tag = "risk",
    request_body = ConsiderationRequest,
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Asset id"),
        ("category" = String, Path, description = "adversarial, accidental, structural or environmental")),
    responses((status = 200, body = ConsiderationResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn put_consideration(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id, category)): Path<(String, String, String)>,
    ApiJson(r): ApiJson<ConsiderationRequest>,
) -> ApiResult<Json<ConsiderationResponse>> {
    let id = AssetId::parse(&id)?;
    let c = considerations::record(&s.app, &auth.caller, &slug, id, &category, &r.reason).await?;
    Ok(Json(c.into()))
}

/// Withdraws a consideration: the category is to be assessed for the asset after all.
#[utoipa::path(delete, path = "/api/v1/orgs/{slug}/assets/{id}/threat-considerations/{category}", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Asset id"),
        ("category" = String, Path, description = "adversarial, accidental, structural or environmental")),
    responses((status = 204, description = "Withdrawn"), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn delete_consideration(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id, category)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let id = AssetId::parse(&id)?;
    considerations::withdraw(&s.app, &auth.caller, &slug, id, &category).await?;
    Ok(StatusCode::NO_CONTENT)
}

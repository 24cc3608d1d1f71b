//! `/api/v1/orgs/{slug}/assessments/{id}/...`: getting a risk analysis ready to finalize (what
//! it lacks, its details, a no-ePHI statement) and the organization's sign-off.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use safeharbor_core::sra::{self, FinalizeReadiness, GapTarget, SignOffState};
use safeharbor_domain::ids::AssessmentId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ts;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Authed};

/// One thing missing before finalizing.
#[derive(Debug, Serialize, ToSchema)]
pub struct GapResponse {
    /// The item: a citation, `inventory`, `asset:<id>`, `risk:<id>`, `security_official` or
    /// `sign_off`.
    pub field: String,
    /// What is missing.
    pub message: String,
    /// `item`, `asset`, `risk`, `inventory`, `profile` or `sign_off`.
    pub target: String,
    /// The citation or id of the target, when it has one.
    pub target_id: Option<String>,
}

/// Whether a draft can be finalized.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadinessResponse {
    /// Whether the caller can finalize it now.
    pub can_finalize: bool,
    /// What is missing, item by item (with the sign-off when the caller cannot give it).
    pub missing: Vec<GapResponse>,
    /// `missing`, `valid` or `stale` (the content changed after it was signed).
    pub sign_off: String,
    /// Who signed off, when there is a sign-off.
    pub signed_off_by: Option<String>,
    /// When.
    pub signed_off_at: Option<String>,
    /// The capacity in which the caller may sign off, if they may.
    pub you_may_sign_as: Option<String>,
}

impl From<FinalizeReadiness> for ReadinessResponse {
    fn from(r: FinalizeReadiness) -> Self {
        let (state, so) = match &r.sign_off {
            SignOffState::Missing => ("missing", None),
            SignOffState::Valid { sign_off } => ("valid", Some(sign_off)),
            SignOffState::Stale { sign_off } => ("stale", Some(sign_off)),
        };
        Self {
            can_finalize: r.can_finalize(),
            missing: r
                .blockers()
                .into_iter()
                .map(|g| {
                    let (target, target_id) = match g.target {
                        GapTarget::Item(c) => ("item", Some(c)),
                        GapTarget::Asset(a) => ("asset", Some(a.to_string())),
                        GapTarget::Risk(x) => ("risk", Some(x.to_string())),
                        GapTarget::Inventory => ("inventory", None),
                        GapTarget::Profile => ("profile", None),
                        GapTarget::SignOff => ("sign_off", None),
                    };
                    GapResponse {
                        field: g.field,
                        message: g.message,
                        target: target.into(),
                        target_id,
                    }
                })
                .collect(),
            sign_off: state.into(),
            signed_off_by: so.map(|s| s.by.clone()),
            signed_off_at: so.map(|s| ts(s.at)),
            you_may_sign_as: r.caller_may_sign_as,
        }
    }
}

/// What a draft risk analysis still lacks before it can be finalized, item by item, and where
/// the organization's sign-off stands.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/assessments/{id}/readiness", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Assessment id")),
    responses((status = 200, body = ReadinessResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn readiness(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<Json<ReadinessResponse>> {
    let id = AssessmentId::parse(&id)?;
    Ok(Json(
        sra::readiness(&s.app, &auth.caller, &slug, id)
            .await?
            .into(),
    ))
}

/// A sign-off.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignOffResponse {
    /// Who.
    pub by: String,
    /// In what capacity.
    pub capacity: String,
    /// When.
    pub at: String,
    /// SHA-256 of the content signed.
    pub digest: String,
}

/// The organization's administrator or security official approves the complete draft as it
/// stands (403 for anyone else, 422 while anything is missing). Any later change voids it.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/assessments/{id}/sign-off", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Assessment id")),
    responses((status = 201, body = SignOffResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn sign_off(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<(StatusCode, Json<SignOffResponse>)> {
    let id = AssessmentId::parse(&id)?;
    let so = sra::sign_off(&s.app, &auth.caller, &slug, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(SignOffResponse {
            by: so.by,
            capacity: so.capacity,
            at: ts(so.at),
            digest: so.digest,
        }),
    ))
}

/// A draft's details.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DetailsRequest {
    /// Who prepared it (for a client, the MSP's analyst); empty: whoever started it.
    #[serde(default)]
    pub prepared_by: Option<String>,
    /// What it covers.
    #[serde(default)]
    pub scope: Option<String>,
}

/// Sets who prepared a draft and what it covers.
#[utoipa::path(put, path = "/api/v1/orgs/{slug}/assessments/{id}/details", tag = "risk", request_body = DetailsRequest,
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Assessment id")),
    responses((status = 204, description = "Saved"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn details(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(r): ApiJson<DetailsRequest>,
) -> ApiResult<StatusCode> {
    let id = AssessmentId::parse(&id)?;
    sra::set_details(
        &s.app,
        &auth.caller,
        &slug,
        id,
        r.prepared_by.as_deref().unwrap_or(""),
        r.scope.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A statement that there are no ePHI systems.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoEphiRequest {
    /// The statement and its reasons; empty withdraws it.
    pub statement: String,
}

/// Records a reasoned statement that the organization has no system that creates, receives,
/// maintains or transmits ePHI (in place of an inventory of them); another administrator must
/// confirm it (`.../no-ephi/confirm`).
#[utoipa::path(put, path = "/api/v1/orgs/{slug}/assessments/{id}/no-ephi", tag = "risk", request_body = NoEphiRequest,
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Assessment id")),
    responses((status = 204, description = "Saved"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn no_ephi(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
    ApiJson(r): ApiJson<NoEphiRequest>,
) -> ApiResult<StatusCode> {
    let id = AssessmentId::parse(&id)?;
    sra::set_no_ephi(&s.app, &auth.caller, &slug, id, &r.statement).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An administrator other than its writer confirms the no-ePHI statement.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/assessments/{id}/no-ephi/confirm", tag = "risk",
    params(("slug" = String, Path, description = "Organization slug"), ("id" = String, Path, description = "Assessment id")),
    responses((status = 204, description = "Confirmed"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn confirm_no_ephi(
    State(s): State<AppState>,
    auth: Authed,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = AssessmentId::parse(&id)?;
    sra::confirm_no_ephi(&s.app, &auth.caller, &slug, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! The signed-in user: profile, password, second factor, API tokens.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use safeharbor_core::auth::{mfa, session, token};
use safeharbor_core::members;
use safeharbor_core::ports::ApiTokenRecord;
use safeharbor_domain::ids::{ApiTokenId, SessionId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ts;
use crate::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, Authed};

/// The signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    /// User id.
    pub id: String,
    /// Sign-in e-mail.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Whether a second factor is enrolled.
    pub mfa_enabled: bool,
    /// Active memberships.
    pub memberships: Vec<MyMembership>,
}

/// One of the user's memberships.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyMembership {
    /// Organization id.
    pub org_id: String,
    /// Role there.
    pub role: String,
    /// When access ends, if it does.
    pub expires_at: Option<String>,
}

/// The signed-in user and their memberships.
#[utoipa::path(get, path = "/api/v1/me", tag = "me",
    responses((status = 200, body = MeResponse), (status = 401, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn get_me(State(s): State<AppState>, auth: Authed) -> ApiResult<Json<MeResponse>> {
    let (u, ms) = members::me(&s.app, &auth.caller).await?;
    Ok(Json(MeResponse {
        id: u.id.to_string(),
        email: u.email.to_string(),
        name: u.name,
        mfa_enabled: u.mfa_enabled,
        memberships: ms
            .into_iter()
            .map(|m| MyMembership {
                org_id: m.org_id.to_string(),
                role: m.role.as_str().to_owned(),
                expires_at: m.expires_at.map(ts),
            })
            .collect(),
    }))
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The current password.
    pub current_password: String,
    /// The new password (at least 12 characters).
    pub new_password: String,
}

/// Changes the user's password; their other sessions end and every API token they hold is
/// revoked.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", request_body = PasswordChange,
    responses((status = 204, description = "Changed"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn change_password(
    State(s): State<AppState>,
    auth: Authed,
    ApiJson(req): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    members::change_password(
        &s.app,
        &auth.caller,
        &req.current_password,
        &req.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What an authenticator app needs.
#[derive(Debug, Serialize, ToSchema)]
pub struct MfaEnrollment {
    /// The secret in base32, to type in by hand.
    pub secret: String,
    /// The `otpauth://` URI, to show as a QR code.
    pub otpauth_uri: String,
}

/// Starts enrolling a second factor (TOTP). Confirm with a code to finish.
#[utoipa::path(post, path = "/api/v1/me/mfa", tag = "me",
    responses((status = 200, body = MfaEnrollment), (status = 409, body = ErrorBody)),
    security(("cookie" = [])))]
pub async fn begin_mfa(State(s): State<AppState>, auth: Authed) -> ApiResult<Json<MfaEnrollment>> {
    let e = mfa::begin(&s.app, &auth.caller, &s.config.issuer).await?;
    Ok(Json(MfaEnrollment {
        secret: e.secret,
        otpauth_uri: e.otpauth_uri,
    }))
}

/// A code from the authenticator app.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaCode {
    /// The 6-digit code.
    pub code: String,
}

/// Confirms the enrollment with a current code.
#[utoipa::path(post, path = "/api/v1/me/mfa/confirm", tag = "me", request_body = MfaCode,
    responses((status = 204, description = "Enrolled"), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("cookie" = [])))]
pub async fn confirm_mfa(
    State(s): State<AppState>,
    auth: Authed,
    ApiJson(req): ApiJson<MfaCode>,
) -> ApiResult<StatusCode> {
    mfa::confirm(&s.app, &auth.caller, &req.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Proof for removing the second factor.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaRemoval {
    /// The current password.
    pub password: String,
    /// A current code.
    pub code: String,
}

/// Removes the second factor.
#[utoipa::path(post, path = "/api/v1/me/mfa/disable", tag = "me", request_body = MfaRemoval,
    responses((status = 204, description = "Removed"), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("cookie" = [])))]
pub async fn disable_mfa(
    State(s): State<AppState>,
    auth: Authed,
    ApiJson(req): ApiJson<MfaRemoval>,
) -> ApiResult<StatusCode> {
    mfa::remove(&s.app, &auth.caller, &req.password, &req.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An API token (never its secret, except once at creation).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Token id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its first characters, to recognise it.
    pub prefix: String,
    /// The only organization it reaches (id), or null for all of the user's.
    pub org_id: Option<String>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Stops working (RFC 3339).
    pub expires_at: String,
    /// Revoked, if it was.
    pub revoked_at: Option<String>,
    /// Last used.
    pub last_used_at: Option<String>,
}

impl From<ApiTokenRecord> for TokenResponse {
    fn from(t: ApiTokenRecord) -> Self {
        Self {
            id: t.id.to_string(),
            name: t.name,
            prefix: t.prefix,
            org_id: t.org_id.map(|o| o.to_string()),
            created_at: ts(t.created_at),
            expires_at: ts(t.expires_at),
            revoked_at: t.revoked_at.map(ts),
            last_used_at: t.last_used_at.map(ts),
        }
    }
}

/// The user's API tokens.
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "me",
    responses((status = 200, body = Vec<TokenResponse>), (status = 401, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list_tokens(
    State(s): State<AppState>,
    auth: Authed,
) -> ApiResult<Json<Vec<TokenResponse>>> {
    Ok(Json(
        token::list(&s.app, &auth.caller)
            .await?
            .into_iter()
            .map(TokenResponse::from)
            .collect(),
    ))
}

/// A token to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    /// A name to recognise it by.
    pub name: String,
    /// Restrict it to this organization (slug).
    #[serde(default)]
    pub org: Option<String>,
    /// Lifetime in days (default 90, at most 366).
    #[serde(default)]
    pub days: Option<i64>,
}

/// A token just created: `token` is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedTokenResponse {
    /// Send as `Authorization: Bearer <token>`. Not shown again.
    pub token: String,
    /// The stored token.
    #[serde(flatten)]
    pub info: TokenResponse,
}

/// Creates an API token for the signed-in user (needs a session, not a token).
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "me", request_body = CreateTokenRequest,
    responses((status = 201, body = CreatedTokenResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("cookie" = [])))]
pub async fn create_token(
    State(s): State<AppState>,
    auth: Authed,
    ApiJson(req): ApiJson<CreateTokenRequest>,
) -> ApiResult<(StatusCode, Json<CreatedTokenResponse>)> {
    let t = token::create(
        &s.app,
        &auth.caller,
        token::NewToken {
            name: req.name,
            org: req.org,
            days: req.days,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTokenResponse {
            token: t.token,
            info: t.record.into(),
        }),
    ))
}

/// Revokes one of the user's API tokens.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "me",
    params(("id" = String, Path, description = "Token id")),
    responses((status = 200, body = TokenResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn revoke_token(
    State(s): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<TokenResponse>> {
    let id = ApiTokenId::parse(&id)?;
    Ok(Json(token::revoke(&s.app, &auth.caller, id).await?.into()))
}

/// An open session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    /// Session id.
    pub id: String,
    /// Signed in (RFC 3339).
    pub created_at: String,
    /// Last request.
    pub last_seen_at: String,
    /// Ends at the latest.
    pub expires_at: String,
    /// Source address at sign-in.
    pub ip: Option<String>,
    /// Whether this is the session making the request.
    pub current: bool,
}

/// The user's open sessions.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "me",
    responses((status = 200, body = Vec<SessionInfo>), (status = 401, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn list_sessions(
    State(s): State<AppState>,
    auth: Authed,
) -> ApiResult<Json<Vec<SessionInfo>>> {
    let current = auth.session.as_ref().map(|x| x.id);
    let list = session::list_mine(&s.app, &auth.caller).await?;
    Ok(Json(
        list.into_iter()
            .map(|x| SessionInfo {
                id: x.id.to_string(),
                created_at: ts(x.created_at),
                last_seen_at: ts(x.last_seen_at),
                expires_at: ts(x.expires_at),
                ip: x.ip,
                current: Some(x.id) == current,
            })
            .collect(),
    ))
}

/// Ends one of the user's sessions.
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "me",
    params(("id" = String, Path, description = "Session id")),
    responses((status = 204, description = "Ended"), (status = 404, body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
pub async fn revoke_session(
    State(s): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = SessionId::parse(&id)?;
    session::revoke_mine(&s.app, &auth.caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

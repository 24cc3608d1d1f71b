//! `POST /api/v1/session` signs in; `DELETE /api/v1/session` signs out.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use safeharbor_core::auth::session::{self, SignIn, SignedIn};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ts;
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, Authed, ClientMeta, SESSION_COOKIE};

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// Sign-in e-mail.
    pub email: String,
    /// Password.
    pub password: String,
    /// Current code from the authenticator app, for accounts with a second factor.
    #[serde(default)]
    pub totp: Option<String>,
}

/// A new session. The session token itself is only in the `Set-Cookie` header.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionResponse {
    /// The signed-in user's id.
    pub user_id: String,
    /// When the session ends whatever the activity (RFC 3339).
    pub expires_at: String,
    /// Seconds without a request after which the session ends (automatic logoff).
    pub idle_timeout_secs: i64,
}

/// Signs in and sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignInRequest,
    responses(
        (status = 201, description = "Signed in; the session cookie is set", body = SessionResponse),
        (status = 401, description = "Wrong credentials (`unauthenticated`) or code needed (`mfa_required`)", body = ErrorBody),
        (status = 429, description = "Too many failed attempts", body = ErrorBody),
    ))]
pub async fn sign_in(
    State(s): State<AppState>,
    meta: ClientMeta,
    ApiJson(req): ApiJson<SignInRequest>,
) -> ApiResult<Response> {
    let input = SignIn {
        email: req.email,
        password: req.password,
        totp: req.totp,
        allow_pending_mfa: false,
        ip: meta.ip,
        request_id: Some(meta.request_id),
    };
    let SignedIn { token, session } = session::sign_in(&s.app, input).await?;
    let body = SessionResponse {
        user_id: session.user_id.to_string(),
        expires_at: ts(session.expires_at),
        idle_timeout_secs: s.app.settings().session_idle.whole_seconds(),
    };
    let max_age = (session.expires_at - session.created_at).whole_seconds();
    let mut res = (StatusCode::CREATED, Json(body)).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&token, max_age, s.config.secure_cookies)?,
    );
    Ok(res)
}

/// Signs out: ends the session and clears the cookie.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No session", body = ErrorBody),
    ),
    security(("cookie" = [])))]
pub async fn sign_out(State(s): State<AppState>, auth: Authed) -> ApiResult<Response> {
    let Some(sess) = auth.session else {
        return Err(ApiError::invalid(
            "authorization",
            "this request uses an API token, not a session; revoke tokens at /api/v1/me/tokens",
        ));
    };
    let ctx = session::SessionContext {
        caller: auth.caller,
        session: sess,
    };
    session::sign_out(&s.app, &ctx).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie("", 0, s.config.secure_cookies)?,
    );
    Ok(res)
}

/// The `Set-Cookie` value for a session token (an empty token with age 0 clears it). `Secure`
/// is added for every cookie by the security-headers middleware when the installation serves
/// over TLS; `secure` here marks it even so (a response built outside that middleware).
pub fn session_cookie(token: &str, max_age: i64, secure: bool) -> ApiResult<HeaderValue> {
    let v = crate::cookies::set(SESSION_COOKIE, token, "/", max_age);
    if !secure {
        return Ok(v);
    }
    let mut h = axum::http::HeaderMap::new();
    h.insert(header::SET_COOKIE, v);
    crate::cookies::mark_secure(&mut h);
    h.remove(header::SET_COOKIE)
        .ok_or_else(|| safeharbor_core::Error::internal("session cookie lost").into())
}

//! Extractors: authentication, JSON bodies and query strings with errors that name the field.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use safeharbor_core::Caller;
use safeharbor_core::auth::{session, token};
use safeharbor_core::ports::SessionRecord;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::ApiError;
use crate::middleware::current_request_id;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "sh_session";

/// An authenticated caller: from `Authorization: Bearer <API token>` or the session cookie.
#[derive(Debug, Clone)]
pub struct Authed {
    /// The caller, for use cases.
    pub caller: Caller,
    /// The session, when authenticated by cookie.
    pub session: Option<SessionRecord>,
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ip = client_ip(parts, state.config.trust_proxy);
        let rid = Some(current_request_id());
        if let Some(bearer) = bearer(parts) {
            let caller = token::authenticate(&state.app, bearer, ip, rid).await?;
            record_user(&caller);
            return Ok(Self {
                caller,
                session: None,
            });
        }
        let Some(cookie) = cookie(parts, SESSION_COOKIE) else {
            return Err(safeharbor_core::Error::Unauthenticated.into());
        };
        let ctx =
            session::authenticate(&state.app, &cookie, session::Stage::Complete, ip, rid).await?;
        record_user(&ctx.caller);
        // A cookie rides along on requests other sites make: a state-changing request it
        // authenticates must come from this site's pages. Bearer tokens are not sent by
        // browsers on their own, so they need no such check.
        if !parts.method.is_safe() && !same_site(parts, &ctx.session.csrf_token, state) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "cross_site",
                "a change made with the session cookie must come from Safeharbor's own pages: \
                 send it from this site (Origin), with the X-CSRF-Token header, or use an API token",
            ));
        }
        Ok(Self {
            caller: ctx.caller,
            session: Some(ctx.session),
        })
    }
}

/// Whether a cookie-authenticated request comes from this site: its `X-CSRF-Token` is the
/// session's token, or its `Origin` (else `Referer`) names this host.
fn same_site(parts: &Parts, csrf_token: &str, state: &AppState) -> bool {
    if let Some(t) = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return crate::ui::session::constant_time_eq(t.as_bytes(), csrf_token.as_bytes());
    }
    let host = if state.config.trust_proxy {
        parts
            .headers
            .get("x-forwarded-host")
            .or_else(|| parts.headers.get(header::HOST))
    } else {
        parts.headers.get(header::HOST)
    }
    .and_then(|v| v.to_str().ok());
    let Some(host) = host else {
        return false;
    };
    let source = parts
        .headers
        .get(header::ORIGIN)
        .or_else(|| parts.headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<axum::http::Uri>().ok());
    source.is_some_and(|u| {
        u.authority()
            .is_some_and(|a| a.as_str().eq_ignore_ascii_case(host))
    })
}

fn record_user(c: &Caller) {
    if let Some(id) = c.user_id() {
        tracing::Span::current().record("user_id", tracing::field::display(id));
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let v = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}

/// The value of cookie `name`, if sent.
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    cookie_in(&parts.headers, name)
}

/// The value of cookie `name` in these headers, if sent.
pub fn cookie_in(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    crate::cookies::read(headers, name)
}

/// The client's address: the socket peer, or the first `X-Forwarded-For` hop behind a trusted
/// proxy.
pub fn client_ip(parts: &Parts, trust_proxy: bool) -> Option<String> {
    if trust_proxy
        && let Some(fwd) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
        && let Some(first) = fwd.split(',').next().map(str::trim)
        && first.parse::<std::net::IpAddr>().is_ok()
    {
        return Some(first.to_owned());
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// The client's address and the request id, for unauthenticated use cases (sign-in).
#[derive(Debug, Clone)]
pub struct ClientMeta {
    /// Source address.
    pub ip: Option<String>,
    /// Request id.
    pub request_id: String,
}

impl FromRequestParts<AppState> for ClientMeta {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(Self {
            ip: client_ip(parts, state.config.trust_proxy),
            request_id: current_request_id(),
        })
    }
}

/// A JSON body whose errors name the field at fault. Unknown fields are refused by the DTOs
/// (`deny_unknown_fields`).
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with `Content-Type: application/json`",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|r| {
                if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        "the request body is larger than the server accepts",
                    )
                } else {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "bad_request",
                        "the request body could not be read",
                    )
                }
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::invalid("body", "is empty: send a JSON object"));
        }
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(de) {
            Ok(v) => Ok(Self(v)),
            Err(e) => Err(describe(&e)),
        }
    }
}

/// Turns a deserialization error into a message that names the field and never repeats the
/// rejected value (which could hold PHI).
fn describe(e: &serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    use serde_json::error::Category;
    let inner = e.inner();
    if matches!(
        inner.classify(),
        Category::Syntax | Category::Eof | Category::Io
    ) {
        return ApiError::invalid(
            "body",
            format!(
                "is not valid JSON (line {}, column {})",
                inner.line(),
                inner.column()
            ),
        );
    }
    let path = e.path().to_string();
    let at = |name: &str| {
        if path == "." {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let full = inner.to_string();
    let msg = full
        .rsplit_once(" at line ")
        .map_or(full.as_str(), |(m, _)| m);
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or("");
        let expected = rest
            .split_once(", expected ")
            .map(|(_, x)| format!(" (expected {x})"))
            .unwrap_or_default();
        let field = if path.rsplit('.').next() == Some(name) {
            path.clone()
        } else {
            at(name)
        };
        return ApiError::invalid(field, format!("is not a field of this request{expected}"));
    }
    if let Some(rest) = msg.strip_prefix("missing field `") {
        return ApiError::invalid(at(rest.split('`').next().unwrap_or("")), "is required");
    }
    let field = if path == "." {
        "body".to_owned()
    } else {
        path.clone()
    };
    if msg.starts_with("invalid type")
        || msg.starts_with("invalid value")
        || msg.starts_with("invalid length")
    {
        let expected = msg
            .split_once(", expected ")
            .map_or("a different value", |(_, x)| x);
        return ApiError::invalid(
            field,
            format!("has the wrong type or value: expected {expected}"),
        );
    }
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        let expected = rest.split_once(", expected ").map_or("", |(_, x)| x);
        return ApiError::invalid(
            field,
            format!("is not one of the accepted values: {expected}"),
        );
    }
    // Our own deserializers (slugs, e-mails, ids) say what is wrong without the value.
    ApiError::invalid(field, msg.to_owned())
}

/// A query string whose errors name the parameter.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let q = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
        serde_path_to_error::deserialize(de).map(Self).map_err(|e| {
            let field = e.path().to_string();
            let msg = e.inner().to_string();
            let reason = if msg.starts_with("invalid") {
                "has the wrong type or value".to_owned()
            } else {
                msg
            };
            ApiError::invalid(
                if field == "." {
                    "query".to_owned()
                } else {
                    field
                },
                reason,
            )
        })
    }
}

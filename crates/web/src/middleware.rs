//! Request ids, security headers, access logs, and error bodies for the framework's own
//! rejections.

use std::time::Instant;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::error::ApiError;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled ("-" outside a request).
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".to_owned())
}

/// The response header carrying the request id.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Gives every request an id (echoed as `X-Request-Id`), a tracing span, and one access-log
/// line. The log names the method, path, status and time, never bodies or query strings,
/// which may carry PHI.
pub async fn request_context(req: Request, next: Next) -> Response {
    let id = uuid::Uuid::now_v7().simple().to_string();
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path(), user_id = tracing::field::Empty);
    let start = Instant::now();
    let mut res = REQUEST_ID
        .scope(id.clone(), next.run(req).instrument(span.clone()))
        .await;
    let status = res.status().as_u16();
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| tracing::info!(status, ms = format!("{ms:.1}"), "request"));
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(X_REQUEST_ID.clone(), v);
    }
    res
}

/// Headers every response carries: a strict CSP (no inline script, no framing), no MIME
/// sniffing, no referrer leaking ids to other sites, and no caching of tenant data.
pub async fn security_headers(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    req: Request,
    next: Next,
) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // Over TLS (or behind a TLS proxy): every cookie is Secure, and browsers are told to come
    // back over HTTPS only.
    if state.config.secure_cookies {
        crate::cookies::mark_secure(h);
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    let set = |h: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(
        h,
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=()",
    );
    set(
        h,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    res
}

/// Gives the framework's own rejections (405, 413, 415...) the same error body as ours.
pub async fn errors_have_bodies(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error())
        || res.headers().contains_key(header::CONTENT_TYPE)
    {
        return res;
    }
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this route does not accept this method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "the request body is larger than the server accepts",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "send the body as application/json",
        ),
        StatusCode::NOT_FOUND => ("not_found", "not found"),
        s if s.is_server_error() => (
            "internal",
            "internal error; quote the request id when reporting it",
        ),
        _ => ("bad_request", "the request could not be understood"),
    };
    let mut out = ApiError::new(status, code, message).into_response();
    for (k, v) in res.headers() {
        if k != header::CONTENT_LENGTH && !out.headers().contains_key(k) {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

/// A handler that panicked: a 500 with the error body and the request id, never a dropped
/// connection. The panic's message is logged, not sent.
#[expect(
    clippy::needless_pass_by_value,
    reason = "the signature CatchPanicLayer::custom calls with the panic payload"
)]
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = err
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| err.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %what, "a handler panicked");
    crate::error::ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error; quote the request id when reporting it",
    )
    .into_response()
}

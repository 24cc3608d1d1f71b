//! Safeharbor's HTTP interface: the JSON API under `/api/v1` (and, later, the web pages).
//!
//! Handlers are thin: extract, call one `core` use case, map the result. Errors map to HTTP in
//! one place (`error.rs`); authentication happens in extractors (`extract.rs`); request ids,
//! security headers and access logs in `middleware.rs`.

pub mod api;
pub mod cookies;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod server;
pub mod ui;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use safeharbor_core::App;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Largest request body accepted, in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Mark cookies `Secure` (always, except for plain-HTTP on loopback).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_proxy: bool,
    /// Name shown by authenticator apps for MFA enrollments.
    pub issuer: String,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            secure_cookies: true,
            trust_proxy: false,
            issuer: "Safeharbor".to_owned(),
        }
    }
}

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The use cases.
    pub app: App,
    /// HTTP settings.
    pub config: WebConfig,
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    let headers_state = state.clone();
    let (api, _doc) = api::router().split_for_parts();
    let (pages, _routes) = ui::router();
    Router::new()
        .route("/healthz", axum::routing::get(api::health::healthz))
        .merge(api)
        .merge(pages)
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(api::openapi_json),
        )
        .fallback(error::not_found)
        .with_state(state)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn(middleware::errors_have_bodies))
        .layer(axum::middleware::from_fn_with_state(
            headers_state,
            middleware::security_headers,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            middleware::panic_response,
        ))
        .layer(axum::middleware::from_fn(middleware::request_context))
}

pub use server::{ServeLimits, serve};

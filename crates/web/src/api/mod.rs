//! The JSON API under `/api/v1`. Every route is registered through `utoipa_axum`, so the
//! router and the OpenAPI document cannot disagree: a route exists if and only if it is
//! documented.

pub mod assets;
pub mod audit;
pub mod catalog;
pub mod controls;
pub mod evidence;
pub mod evidence_imports;
pub mod gap;
pub mod health;
pub mod locations;
pub mod me;
pub mod members;
pub mod orgs;
pub mod profile;
pub mod risks;
pub mod session;
pub mod sra;
pub mod sra_checks;
pub mod tasks;

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use safeharbor_domain::page::Page;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ErrorBody, ErrorDetail};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Safeharbor API",
        version = "1",
        description = "HIPAA compliance for managed service providers and their client practices. \
            Authenticate with `Authorization: Bearer <API token>` or the session cookie set by \
            `POST /api/v1/session`. Another tenant's resources answer 404. Errors have the body \
            `{\"error\": {\"code\", \"message\", \"field\"?, \"request_id\"}}`."
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Security),
    tags(
        (name = "session", description = "Signing in and out"),
        (name = "me", description = "The signed-in user: password, second factor, API tokens"),
        (name = "orgs", description = "The provider and its client practices"),
        (name = "locations", description = "Sites of an organization"),
        (name = "members", description = "People and their roles in an organization"),
        (name = "audit", description = "The tamper-evident audit trail"),
        (name = "catalog", description = "Frameworks, requirements and crosswalks"),
        (name = "gap", description = "HIPAA against the organization's own baseline"),
        (name = "evidence", description = "The evidence locker: files, links and import records that prove controls are implemented"),
        (name = "risk", description = "Security risk analysis: assets, threats, the risk register, assessments, the risk management plan and controls"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::extract::SESSION_COOKIE,
            ))),
        );
    }
}

/// Every API route, with its documentation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::sign_in, session::sign_out))
        .routes(routes!(me::get_me))
        .routes(routes!(me::change_password))
        .routes(routes!(me::begin_mfa))
        .routes(routes!(me::confirm_mfa))
        .routes(routes!(me::disable_mfa))
        .routes(routes!(me::list_tokens, me::create_token))
        .routes(routes!(me::revoke_token))
        .routes(routes!(me::list_sessions))
        .routes(routes!(me::revoke_session))
        .routes(routes!(orgs::list, orgs::create))
        .routes(routes!(orgs::get, orgs::update))
        .routes(routes!(orgs::archive))
        .routes(routes!(orgs::restore))
        .routes(routes!(locations::list, locations::create))
        .routes(routes!(locations::get, locations::update))
        .routes(routes!(locations::archive))
        .routes(routes!(locations::restore))
        .routes(routes!(members::list, members::add))
        .routes(routes!(members::update, members::revoke))
        .routes(routes!(members::reinvite))
        .routes(routes!(members::accept_invitation))
        .routes(routes!(audit::list_for_org))
        .routes(routes!(audit::list_all))
        .routes(routes!(catalog::list))
        .routes(routes!(catalog::get))
        .routes(routes!(catalog::export))
        .routes(routes!(catalog::requirement))
        .routes(routes!(catalog::search))
        .routes(
            routes!(catalog::import_oscal)
                .layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .routes(routes!(gap::get_baseline, gap::put_baseline))
        .routes(routes!(gap::view))
        .routes(routes!(gap::export))
        .routes(routes!(assets::list, assets::create))
        .routes(routes!(assets::get, assets::update))
        .routes(routes!(assets::archive))
        .routes(routes!(assets::restore))
        .routes(
            routes!(assets::import).layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024)),
        )
        .routes(routes!(risks::suggestions))
        .routes(routes!(risks::threats, risks::add_threat))
        .routes(routes!(risks::list, risks::create))
        .routes(routes!(risks::get, risks::update))
        .routes(routes!(risks::accept))
        .routes(routes!(risks::plan))
        .routes(routes!(risks::trend))
        .routes(routes!(sra::status))
        .routes(routes!(sra::list, sra::start))
        .routes(routes!(sra::get))
        .routes(routes!(sra::answer))
        .routes(routes!(sra::finalize))
        .routes(routes!(sra_checks::readiness))
        .routes(routes!(sra_checks::sign_off))
        .routes(routes!(sra_checks::details))
        .routes(routes!(sra_checks::no_ephi))
        .routes(routes!(sra_checks::confirm_no_ephi))
        .routes(routes!(profile::get, profile::put))
        .routes(routes!(profile::list_considerations))
        .routes(routes!(
            profile::put_consideration,
            profile::delete_consideration
        ))
        .routes(routes!(sra::report))
        .routes(routes!(tasks::list, tasks::create))
        .routes(routes!(tasks::update))
        .routes(routes!(tasks::overdue))
        .routes(routes!(controls::list, controls::create))
        .routes(routes!(controls::get, controls::replace))
        .routes(routes!(controls::inherited))
        .routes(
            routes!(evidence::list, evidence::create)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .routes(routes!(evidence::get, evidence::update))
        .routes(
            routes!(evidence::versions, evidence::add_version)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .routes(routes!(evidence::content))
        .routes(routes!(evidence::coverage))
        .routes(routes!(evidence::expiring))
        .routes(
            routes!(evidence_imports::import)
                .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
}

/// The OpenAPI 3.1 document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    router().split_for_parts().1
}

/// The document as pretty JSON, as checked in at `docs/openapi.json`.
pub fn openapi_pretty() -> String {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| openapi().to_pretty_json().unwrap_or_default())
        .clone()
}

/// `GET /api/v1/openapi.json`
pub async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        openapi_pretty(),
    )
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListPage<T: ToSchema> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> ListPage<T> {
    /// Converts a domain page.
    pub fn from_page<U>(p: Page<U>, f: impl FnMut(U) -> T) -> Self {
        let p = p.map(f);
        Self {
            items: p.items,
            next_cursor: p.next_cursor,
        }
    }
}

/// RFC 3339 text of a time.
pub(crate) fn ts(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Parses an RFC 3339 time supplied by a client.
pub(crate) fn parse_ts(field: &str, s: &str) -> Result<OffsetDateTime, crate::error::ApiError> {
    OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339).map_err(|_| {
        crate::error::ApiError::invalid(field, "must be a time like 2026-01-31T09:00:00Z")
    })
}

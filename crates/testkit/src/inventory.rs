//! The route inventory for the cross-tenant matrix. Every route the server has must be listed
//! here with how it is reached; a test fails if the server grows a route this list lacks.

use reqwest::Method;
use serde_json::{Value, json};

/// Whose data a route reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// One organization's, named by `{slug}`: another tenant's members must get 404.
    Org,
    /// The caller's own account (`/me`, `/session`): another user's ids must get 404.
    OwnUser,
    /// Every organization's (provider administrators only): others get 404.
    Installation,
    /// No tenant data (health, OpenAPI, signing in).
    Public,
    /// Reference data every signed-in user may read (the regulatory catalog).
    Shared,
}

/// One route, as the matrix exercises it.
#[derive(Debug, Clone)]
pub struct RouteCase {
    /// HTTP method.
    pub method: Method,
    /// Path template with `{slug}` and `{id}` placeholders, as in the OpenAPI document.
    pub path: &'static str,
    /// Whose data it reaches.
    pub reach: Reach,
    /// A valid body for writes.
    pub body: Option<Value>,
}

fn case(method: Method, path: &'static str, reach: Reach, body: Option<Value>) -> RouteCase {
    RouteCase {
        method,
        path,
        reach,
        body,
    }
}

/// Every JSON API route.
pub fn api_routes() -> Vec<RouteCase> {
    use Reach::{Installation, Org, OwnUser, Public, Shared};
    vec![
        case(
            Method::POST,
            "/api/v1/session",
            Public,
            Some(json!({"email": "x@example.com", "password": "x"})),
        ),
        case(Method::DELETE, "/api/v1/session", OwnUser, None),
        case(Method::GET, "/api/v1/me", OwnUser, None),
        case(
            Method::POST,
            "/api/v1/me/password",
            OwnUser,
            Some(json!({"current_password": "x", "new_password": "y"})),
        ),
        case(Method::POST, "/api/v1/me/mfa", OwnUser, None),
        case(
            Method::POST,
            "/api/v1/me/mfa/confirm",
            OwnUser,
            Some(json!({"code": "000000"})),
        ),
        case(
            Method::POST,
            "/api/v1/me/mfa/disable",
            OwnUser,
            Some(json!({"password": "x", "code": "000000"})),
        ),
        case(Method::GET, "/api/v1/me/tokens", OwnUser, None),
        case(
            Method::POST,
            "/api/v1/me/tokens",
            OwnUser,
            Some(json!({"name": "t"})),
        ),
        case(Method::DELETE, "/api/v1/me/tokens/{id}", OwnUser, None),
        case(Method::GET, "/api/v1/me/sessions", OwnUser, None),
        case(Method::DELETE, "/api/v1/me/sessions/{id}", OwnUser, None),
        case(Method::GET, "/api/v1/orgs", Installation, None),
        case(
            Method::POST,
            "/api/v1/orgs",
            Installation,
            Some(json!({"name": "Gamma Clinic", "kind": "client"})),
        ),
        case(Method::GET, "/api/v1/orgs/{slug}", Org, None),
        case(
            Method::PATCH,
            "/api/v1/orgs/{slug}",
            Org,
            Some(json!({"name": "Renamed"})),
        ),
        case(Method::POST, "/api/v1/orgs/{slug}/archive", Org, None),
        case(Method::POST, "/api/v1/orgs/{slug}/restore", Org, None),
        case(Method::GET, "/api/v1/orgs/{slug}/locations", Org, None),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/locations",
            Org,
            Some(json!({"name": "Intruder Site"})),
        ),
        case(Method::GET, "/api/v1/orgs/{slug}/locations/{id}", Org, None),
        case(
            Method::PATCH,
            "/api/v1/orgs/{slug}/locations/{id}",
            Org,
            Some(json!({"name": "Renamed"})),
        ),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/locations/{id}/archive",
            Org,
            None,
        ),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/locations/{id}/restore",
            Org,
            None,
        ),
        case(Method::GET, "/api/v1/orgs/{slug}/members", Org, None),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/members",
            Org,
            Some(
                json!({"email": "new@example.com", "name": "New", "role": "client_member", "password": "long-enough-pw-1"}),
            ),
        ),
        case(
            Method::PATCH,
            "/api/v1/orgs/{slug}/members/{id}",
            Org,
            Some(json!({"role": "client_admin"})),
        ),
        case(
            Method::DELETE,
            "/api/v1/orgs/{slug}/members/{id}",
            Org,
            None,
        ),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/members/{id}/invitation",
            Org,
            None,
        ),
        case(
            Method::POST,
            "/api/v1/invitations/{token}",
            Public,
            Some(json!({"password": "a long enough password"})),
        ),
        case(Method::GET, "/api/v1/orgs/{slug}/audit-events", Org, None),
        case(Method::GET, "/api/v1/audit-events", Installation, None),
        case(Method::GET, "/api/v1/frameworks", Shared, None),
        case(Method::GET, "/api/v1/frameworks/{key}", Shared, None),
        case(Method::GET, "/api/v1/frameworks/{key}/export", Shared, None),
        case(
            Method::GET,
            "/api/v1/frameworks/{key}/requirements/{ref}",
            Shared,
            None,
        ),
        case(Method::GET, "/api/v1/requirements", Shared, None),
        case(
            Method::POST,
            "/api/v1/frameworks/import/oscal",
            Installation,
            Some(json!({"catalog": {}})),
        ),
        case(Method::GET, "/api/v1/orgs/{slug}/baseline", Org, None),
        case(
            Method::PUT,
            "/api/v1/orgs/{slug}/baseline",
            Org,
            Some(json!({"framework": "nist-csf-2.0", "items": []})),
        ),
        case(Method::GET, "/api/v1/orgs/{slug}/gap", Org, None),
        case(Method::GET, "/api/v1/orgs/{slug}/gap/export", Org, None),
        case(Method::GET, "/api/v1/orgs/{slug}/assets", Org, None),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/assets",
            Org,
            Some(json!({"name": "Intruder laptop", "kind": "laptop"})),
        ),
        case(Method::GET, "/api/v1/orgs/{slug}/assets/{id}", Org, None),
        case(
            Method::PATCH,
            "/api/v1/orgs/{slug}/assets/{id}",
            Org,
            Some(json!({"name": "Renamed by intruder"})),
        ),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/assets/{id}/archive",
            Org,
            None,
        ),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/assets/{id}/restore",
            Org,
            None,
        ),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/assets/import",
            Org,
            Some(json!("name,kind\nIntruder box,server\n")),
        ),
        case(
            Method::GET,
            "/api/v1/orgs/{slug}/assets/{id}/suggestions",
            Org,
            None,
        ),
        case(Method::GET, "/api/v1/orgs/{slug}/threats", Org, None),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/threats",
            Org,
            Some(
                json!({"name": "Intruder threat", "category": "adversarial", "asset_kinds": ["ehr"], "vulnerabilities": ["weak"]}),
            ),
        ),
        case(Method::GET, "/api/v1/orgs/{slug}/risks", Org, None),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/risks",
            Org,
            Some(
                json!({"asset_group": "all", "threat_key": "ransomware", "vulnerability": "v", "likelihood": 2, "impact": 2}),
            ),
        ),
        case(Method::GET, "/api/v1/orgs/{slug}/risks/{id}", Org, None),
        case(
            Method::PATCH,
            "/api/v1/orgs/{slug}/risks/{id}",
            Org,
            Some(json!({"likelihood": 1})),
        ),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/risks/{id}/accept",
            Org,
            Some(json!({"rationale": "intruder says so"})),
        ),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/risks/{id}/plan",
            Org,
            Some(json!({})),
        ),
        case(Method::GET, "/api/v1/orgs/{slug}/risk-trend", Org, None),
        case(Method::GET, "/api/v1/orgs/{slug}/sra", Org, None),
        case(Method::GET, "/api/v1/orgs/{slug}/assessments", Org, None),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/assessments",
            Org,
            Some(json!({"period": "2031"})),
        ),
        case(
            Method::GET,
            "/api/v1/orgs/{slug}/assessments/{id}",
            Org,
            None,
        ),
        case(
            Method::PUT,
            "/api/v1/orgs/{slug}/assessments/{id}/responses/{ref}",
            Org,
            Some(json!({"status": "implemented"})),
        ),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/assessments/{id}/finalize",
            Org,
            None,
        ),
        case(
            Method::GET,
            "/api/v1/orgs/{slug}/assessments/{id}/report",
            Org,
            None,
        ),
        case(
            Method::GET,
            "/api/v1/orgs/{slug}/assessments/{id}/readiness",
            Org,
            None,
        ),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/assessments/{id}/sign-off",
            Org,
            None,
        ),
        case(
            Method::PUT,
            "/api/v1/orgs/{slug}/assessments/{id}/details",
            Org,
            Some(json!({"prepared_by": "Intruder"})),
        ),
        case(
            Method::PUT,
            "/api/v1/orgs/{slug}/assessments/{id}/no-ephi",
            Org,
            Some(json!({"statement": "Intruder says none"})),
        ),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/assessments/{id}/no-ephi/confirm",
            Org,
            None,
        ),
        case(Method::GET, "/api/v1/orgs/{slug}/profile", Org, None),
        case(
            Method::PUT,
            "/api/v1/orgs/{slug}/profile",
            Org,
            Some(json!({"security_official": "Intruder"})),
        ),
        case(
            Method::GET,
            "/api/v1/orgs/{slug}/threat-considerations",
            Org,
            None,
        ),
        case(
            Method::PUT,
            "/api/v1/orgs/{slug}/assets/{id}/threat-considerations/{category}",
            Org,
            Some(json!({"reason": "Intruder"})),
        ),
        case(
            Method::DELETE,
            "/api/v1/orgs/{slug}/assets/{id}/threat-considerations/{category}",
            Org,
            None,
        ),
        case(Method::GET, "/api/v1/orgs/{slug}/tasks", Org, None),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/tasks",
            Org,
            Some(json!({"title": "Intruder task"})),
        ),
        case(
            Method::PATCH,
            "/api/v1/orgs/{slug}/tasks/{id}",
            Org,
            Some(json!({"status": "done"})),
        ),
        case(Method::GET, "/api/v1/tasks/overdue", Installation, None),
        case(Method::GET, "/api/v1/orgs/{slug}/controls", Org, None),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/controls",
            Org,
            Some(json!({"title": "Intruder control"})),
        ),
        case(Method::GET, "/api/v1/orgs/{slug}/controls/{id}", Org, None),
        case(
            Method::PUT,
            "/api/v1/orgs/{slug}/controls/{id}",
            Org,
            Some(json!({"title": "Renamed by intruder"})),
        ),
        case(
            Method::GET,
            "/api/v1/orgs/{slug}/inherited-controls",
            Org,
            None,
        ),
        case(Method::GET, "/api/v1/orgs/{slug}/evidence", Org, None),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/evidence",
            Org,
            Some(json!({"title": "Intruder link", "url": "https://intruder.example/x"})),
        ),
        case(Method::GET, "/api/v1/orgs/{slug}/evidence/{id}", Org, None),
        case(
            Method::PATCH,
            "/api/v1/orgs/{slug}/evidence/{id}",
            Org,
            Some(json!({"title": "Renamed by intruder", "archived": true})),
        ),
        case(
            Method::GET,
            "/api/v1/orgs/{slug}/evidence/{id}/versions",
            Org,
            None,
        ),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/evidence/{id}/versions",
            Org,
            Some(json!({"url": "https://intruder.example/y"})),
        ),
        case(
            Method::GET,
            "/api/v1/orgs/{slug}/evidence/{id}/content",
            Org,
            None,
        ),
        case(
            Method::GET,
            "/api/v1/orgs/{slug}/evidence-coverage",
            Org,
            None,
        ),
        case(Method::GET, "/api/v1/evidence/expiring", Installation, None),
        case(
            Method::POST,
            "/api/v1/orgs/{slug}/evidence/imports/{kind}",
            Org,
            None,
        ),
    ]
}

/// Routes outside the OpenAPI document (`/healthz`, the document itself).
pub fn undocumented_routes() -> Vec<RouteCase> {
    vec![
        case(Method::GET, "/healthz", Reach::Public, None),
        case(Method::GET, "/api/v1/openapi.json", Reach::Public, None),
    ]
}

/// One page route, as the matrix exercises it.
#[derive(Debug, Clone, Copy)]
pub struct PageCase {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Path template, as registered.
    pub path: &'static str,
    /// Whose data it reaches.
    pub reach: Reach,
}

const fn page(method: &'static str, path: &'static str, reach: Reach) -> PageCase {
    PageCase {
        method,
        path,
        reach,
    }
}

/// Every web page route.
pub fn page_routes() -> Vec<PageCase> {
    use Reach::{Installation, Org, OwnUser, Public, Shared};
    vec![
        page("GET", "/static/{*path}", Public),
        page("GET", "/login", Public),
        page("POST", "/login", Public),
        page("GET", "/login/mfa", Public),
        page("POST", "/login/mfa", Public),
        page("POST", "/logout", OwnUser),
        page("POST", "/session/keepalive", OwnUser),
        page("GET", "/invite/{token}", Public),
        page("POST", "/invite/{token}", Public),
        page("GET", "/invite/{token}/join", OwnUser),
        page("POST", "/invite/{token}/join", OwnUser),
        page("GET", "/", Installation),
        page("GET", "/orgs/new", Installation),
        page("POST", "/orgs", Installation),
        page("GET", "/audit", Installation),
        page("GET", "/audit.csv", Installation),
        page("GET", "/catalog", Shared),
        page("GET", "/catalog/{key}", Shared),
        page("GET", "/catalog/{key}/r/{ref}", Shared),
        page("GET", "/account", OwnUser),
        page("POST", "/account/password", OwnUser),
        page("GET", "/account/mfa", OwnUser),
        page("POST", "/account/mfa/begin", OwnUser),
        page("POST", "/account/mfa/confirm", OwnUser),
        page("POST", "/account/mfa/disable", OwnUser),
        page("GET", "/account/tokens", OwnUser),
        page("POST", "/account/tokens", OwnUser),
        page("POST", "/account/tokens/{id}/revoke", OwnUser),
        page("POST", "/account/sessions/{id}/revoke", OwnUser),
        page("GET", "/orgs/{slug}", Org),
        page("GET", "/orgs/{slug}/settings", Org),
        page("POST", "/orgs/{slug}/settings", Org),
        page("POST", "/orgs/{slug}/profile", Org),
        page("POST", "/orgs/{slug}/archive", Org),
        page("POST", "/orgs/{slug}/restore", Org),
        page("GET", "/orgs/{slug}/locations", Org),
        page("POST", "/orgs/{slug}/locations", Org),
        page("GET", "/orgs/{slug}/locations/{id}", Org),
        page("POST", "/orgs/{slug}/locations/{id}", Org),
        page("POST", "/orgs/{slug}/locations/{id}/archive", Org),
        page("POST", "/orgs/{slug}/locations/{id}/restore", Org),
        page("GET", "/orgs/{slug}/members", Org),
        page("POST", "/orgs/{slug}/members", Org),
        page("POST", "/orgs/{slug}/members/{id}", Org),
        page("POST", "/orgs/{slug}/members/{id}/revoke", Org),
        page("POST", "/orgs/{slug}/members/{id}/reinvite", Org),
        page("GET", "/orgs/{slug}/gap", Org),
        page("GET", "/orgs/{slug}/gap.csv", Org),
        page("GET", "/orgs/{slug}/gap.pdf", Org),
        page("GET", "/orgs/{slug}/baseline", Org),
        page("POST", "/orgs/{slug}/baseline", Org),
        page("GET", "/orgs/{slug}/assets", Org),
        page("POST", "/orgs/{slug}/assets", Org),
        page("GET", "/orgs/{slug}/assets/import", Org),
        page("POST", "/orgs/{slug}/assets/import", Org),
        page("GET", "/orgs/{slug}/assets/{id}", Org),
        page("POST", "/orgs/{slug}/assets/{id}", Org),
        page(
            "POST",
            "/orgs/{slug}/assets/{id}/threat-categories/{category}",
            Org,
        ),
        page("POST", "/orgs/{slug}/assets/{id}/archive", Org),
        page("POST", "/orgs/{slug}/assets/{id}/restore", Org),
        page("GET", "/orgs/{slug}/threats", Org),
        page("POST", "/orgs/{slug}/threats", Org),
        page("GET", "/orgs/{slug}/risks", Org),
        page("POST", "/orgs/{slug}/risks", Org),
        page("GET", "/orgs/{slug}/risks/new", Org),
        page("GET", "/orgs/{slug}/risks/{id}", Org),
        page("POST", "/orgs/{slug}/risks/{id}", Org),
        page("POST", "/orgs/{slug}/risks/{id}/accept", Org),
        page("POST", "/orgs/{slug}/risks/{id}/plan", Org),
        page("GET", "/orgs/{slug}/sra", Org),
        page("POST", "/orgs/{slug}/sra", Org),
        page("GET", "/orgs/{slug}/sra/{id}", Org),
        page("POST", "/orgs/{slug}/sra/{id}/items/{ref}", Org),
        page("GET", "/orgs/{slug}/sra/{id}/finalize", Org),
        page("POST", "/orgs/{slug}/sra/{id}/finalize", Org),
        page("POST", "/orgs/{slug}/sra/{id}/details", Org),
        page("POST", "/orgs/{slug}/sra/{id}/no-ephi", Org),
        page("POST", "/orgs/{slug}/sra/{id}/no-ephi/confirm", Org),
        page("POST", "/orgs/{slug}/sra/{id}/sign-off", Org),
        page("GET", "/orgs/{slug}/sra/{id}/report", Org),
        page("GET", "/orgs/{slug}/sra/{id}/report.pdf", Org),
        page("GET", "/orgs/{slug}/sra/{id}/report.csv", Org),
        page("GET", "/orgs/{slug}/tasks", Org),
        page("POST", "/orgs/{slug}/tasks", Org),
        page("POST", "/orgs/{slug}/tasks/{id}", Org),
        page("GET", "/tasks/overdue", Installation),
        page("GET", "/orgs/{slug}/controls", Org),
        page("POST", "/orgs/{slug}/controls", Org),
        page("GET", "/orgs/{slug}/evidence", Org),
        page("POST", "/orgs/{slug}/evidence", Org),
        page("POST", "/orgs/{slug}/evidence/link", Org),
        page("GET", "/orgs/{slug}/evidence/import", Org),
        page("POST", "/orgs/{slug}/evidence/import", Org),
        page("GET", "/orgs/{slug}/evidence/{id}", Org),
        page("POST", "/orgs/{slug}/evidence/{id}", Org),
        page("POST", "/orgs/{slug}/evidence/{id}/links", Org),
        page("POST", "/orgs/{slug}/evidence/{id}/versions", Org),
        page("POST", "/orgs/{slug}/evidence/{id}/link-version", Org),
        page("GET", "/orgs/{slug}/evidence/{id}/content", Org),
        page("GET", "/orgs/{slug}/evidence-coverage", Org),
        page("GET", "/evidence/expiring", Installation),
        page("GET", "/orgs/{slug}/audit", Org),
        page("GET", "/orgs/{slug}/audit.csv", Org),
    ]
}

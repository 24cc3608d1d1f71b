//! The page routes. They are registered through [`Registry`], which keeps the list of every
//! route it adds: the cross-tenant test matrix compares that list with its inventory, so a page
//! cannot be added without being tested for tenant isolation.

use axum::Router;
use axum::handler::Handler;
use axum::routing::{get, post};

use super::{
    account, assets, audit, auth, catalog, evidence, evidence_import, gap, home, locations,
    members, org, plan, risk, sra, sra_finalize,
};
use crate::AppState;

/// One page route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UiRoute {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Path template, as axum writes it.
    pub path: &'static str,
}

struct Registry {
    router: Router<AppState>,
    routes: Vec<UiRoute>,
}

impl Registry {
    fn get<H, T>(mut self, path: &'static str, h: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, get(h));
        self.routes.push(UiRoute {
            method: "GET",
            path,
        });
        self
    }

    /// A POST whose body may exceed the general request limit: uploads stream, and the use
    /// case enforces its own limit (`upload_limit`, or the import's).
    fn post_upload<H, T>(mut self, path: &'static str, h: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(
            path,
            post(h).layer(axum::extract::DefaultBodyLimit::disable()),
        );
        self.routes.push(UiRoute {
            method: "POST",
            path,
        });
        self
    }

    fn post<H, T>(mut self, path: &'static str, h: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, post(h));
        self.routes.push(UiRoute {
            method: "POST",
            path,
        });
        self
    }
}

/// Every page route, and the list of them.
pub fn router() -> (Router<AppState>, Vec<UiRoute>) {
    let r = Registry {
        router: Router::new(),
        routes: Vec::new(),
    }
    .get("/static/{*path}", assets::serve)
    .get("/login", auth::login_form)
    .post("/login", auth::login)
    .get("/login/mfa", auth::mfa_form)
    .post("/login/mfa", auth::mfa)
    .post("/logout", auth::logout)
    .post("/session/keepalive", auth::keepalive)
    .get("/invite/{token}", auth::invite_form)
    .post("/invite/{token}", auth::invite)
    .get("/invite/{token}/join", auth::join_form)
    .post("/invite/{token}/join", auth::join)
    .get("/", home::home)
    .get("/orgs/new", home::new_client_form)
    .post("/orgs", home::create_client)
    .get("/audit", audit::all)
    .get("/audit.csv", audit::all_csv)
    .get("/catalog", catalog::index)
    .get("/catalog/{key}", catalog::framework)
    .get("/catalog/{key}/r/{ref}", catalog::requirement)
    .get("/account", account::show)
    .post("/account/password", account::change_password)
    .get("/account/mfa", account::mfa)
    .post("/account/mfa/begin", account::mfa_begin)
    .post("/account/mfa/confirm", account::mfa_confirm)
    .post("/account/mfa/disable", account::mfa_disable)
    .get("/account/tokens", account::tokens)
    .post("/account/tokens", account::create_token)
    .post("/account/tokens/{id}/revoke", account::revoke_token)
    .post("/account/sessions/{id}/revoke", account::revoke_session)
    .get("/orgs/{slug}", org::overview)
    .get("/orgs/{slug}/settings", org::settings)
    .post("/orgs/{slug}/settings", org::save_settings)
    .post("/orgs/{slug}/profile", org::save_profile)
    .post("/orgs/{slug}/archive", org::archive)
    .post("/orgs/{slug}/restore", org::restore)
    .get("/orgs/{slug}/locations", locations::list)
    .post("/orgs/{slug}/locations", locations::create)
    .get("/orgs/{slug}/locations/{id}", locations::edit)
    .post("/orgs/{slug}/locations/{id}", locations::update)
    .post("/orgs/{slug}/locations/{id}/archive", locations::archive)
    .post("/orgs/{slug}/locations/{id}/restore", locations::restore)
    .get("/orgs/{slug}/members", members::list)
    .post("/orgs/{slug}/members", members::invite)
    .post("/orgs/{slug}/members/{id}", members::change_role)
    .post("/orgs/{slug}/members/{id}/revoke", members::revoke)
    .post("/orgs/{slug}/members/{id}/reinvite", members::reinvite)
    .get("/orgs/{slug}/gap", gap::view)
    .get("/orgs/{slug}/gap.csv", gap::csv)
    .get("/orgs/{slug}/gap.pdf", gap::pdf)
    .get("/orgs/{slug}/baseline", gap::form)
    .post("/orgs/{slug}/baseline", gap::save)
    .get("/orgs/{slug}/assets", risk::assets_list)
    .post("/orgs/{slug}/assets", risk::asset_create)
    .get("/orgs/{slug}/assets/import", risk::import_form)
    .post("/orgs/{slug}/assets/import", risk::import)
    .get("/orgs/{slug}/assets/{id}", risk::asset_show)
    .post("/orgs/{slug}/assets/{id}", risk::asset_update)
    .post(
        "/orgs/{slug}/assets/{id}/threat-categories/{category}",
        risk::asset_consider,
    )
    .post("/orgs/{slug}/assets/{id}/archive", risk::asset_archive)
    .post("/orgs/{slug}/assets/{id}/restore", risk::asset_restore)
    .get("/orgs/{slug}/threats", risk::threats_list)
    .post("/orgs/{slug}/threats", risk::threat_create)
    .get("/orgs/{slug}/risks", risk::risks_list)
    .post("/orgs/{slug}/risks", risk::risk_create)
    .get("/orgs/{slug}/risks/new", risk::risk_new)
    .get("/orgs/{slug}/risks/{id}", risk::risk_show)
    .post("/orgs/{slug}/risks/{id}", risk::risk_update)
    .post("/orgs/{slug}/risks/{id}/accept", risk::risk_accept)
    .post("/orgs/{slug}/risks/{id}/plan", risk::risk_plan)
    .get("/orgs/{slug}/sra", sra::index)
    .post("/orgs/{slug}/sra", sra::start)
    .get("/orgs/{slug}/sra/{id}", sra::assessment)
    .post("/orgs/{slug}/sra/{id}/items/{ref}", sra::answer)
    .get("/orgs/{slug}/sra/{id}/finalize", sra_finalize::show)
    .post("/orgs/{slug}/sra/{id}/finalize", sra_finalize::finalize)
    .post("/orgs/{slug}/sra/{id}/details", sra_finalize::details)
    .post("/orgs/{slug}/sra/{id}/no-ephi", sra_finalize::no_ephi)
    .post(
        "/orgs/{slug}/sra/{id}/no-ephi/confirm",
        sra_finalize::confirm_no_ephi,
    )
    .post("/orgs/{slug}/sra/{id}/sign-off", sra_finalize::sign_off)
    .get("/orgs/{slug}/sra/{id}/report", sra::report_html)
    .get("/orgs/{slug}/sra/{id}/report.pdf", sra::report_pdf)
    .get("/orgs/{slug}/sra/{id}/report.csv", sra::report_csv)
    .get("/orgs/{slug}/tasks", plan::list)
    .post("/orgs/{slug}/tasks", plan::create)
    .post("/orgs/{slug}/tasks/{id}", plan::set_status)
    .get("/tasks/overdue", plan::overdue)
    .get("/orgs/{slug}/controls", plan::controls_list)
    .post("/orgs/{slug}/controls", plan::control_save)
    .get("/orgs/{slug}/evidence", evidence::list)
    .post_upload("/orgs/{slug}/evidence", evidence::upload)
    .post("/orgs/{slug}/evidence/link", evidence::add_link)
    .get("/orgs/{slug}/evidence/import", evidence_import::import_form)
    .post_upload("/orgs/{slug}/evidence/import", evidence_import::import)
    .get("/orgs/{slug}/evidence/{id}", evidence::show)
    .post("/orgs/{slug}/evidence/{id}", evidence::save)
    .post("/orgs/{slug}/evidence/{id}/links", evidence::save_links)
    .post_upload("/orgs/{slug}/evidence/{id}/versions", evidence::add_version)
    .post(
        "/orgs/{slug}/evidence/{id}/link-version",
        evidence::add_link_version,
    )
    .get("/orgs/{slug}/evidence/{id}/content", evidence::content)
    .get("/orgs/{slug}/evidence-coverage", evidence::coverage)
    .get("/evidence/expiring", evidence::expiring)
    .get("/orgs/{slug}/audit", audit::for_org)
    .get("/orgs/{slug}/audit.csv", audit::for_org_csv);
    (r.router, r.routes)
}

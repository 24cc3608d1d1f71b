//! The MSP home: every client the user may see, at a glance; and creating a client.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use safeharbor_core::orgs::{self, CreateClient};
use safeharbor_core::ports::{OrgFilter, OrgListItem};
use safeharbor_core::sra::Currency;
use safeharbor_domain::org::{HipaaRole, OrgKind};
use safeharbor_domain::page::PageRequest;
use serde::Deserialize;

use super::chrome::{Chrome, Section};
use super::forms::FormErrors;
use super::session::{CsrfForm, UiResult, UiSession, query_start, redirect_with};
use crate::AppState;

/// Filters of the client list.
#[derive(Debug, Deserialize, Default)]
pub struct HomeQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    show: String,
    #[serde(default)]
    cursor: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    q: String,
    show: String,
    clients: Vec<(OrgListItem, Currency)>,
    overdue_total: i64,
    next: Option<String>,
    can_create: bool,
    provider_slug: String,
    provider_name: String,
    filtered: bool,
}

/// `GET /`: the MSP home, or a practice user's own practice.
pub async fn home(
    State(s): State<AppState>,
    ui: UiSession,
    Query(q): Query<HomeQuery>,
) -> UiResult<Response> {
    if ui.home_org.kind == OrgKind::Client {
        return Ok(Redirect::to(&format!("/orgs/{}", ui.home_org.slug)).into_response());
    }
    let page = PageRequest::parse(Some(50), Some(q.cursor.as_str()))?;
    let include_archived = q.show == "archived";
    let today = s.app.now().date();
    let filter = OrgFilter {
        q: Some(q.q.clone()).filter(|t| !t.trim().is_empty()),
        kind: Some(OrgKind::Client),
        include_archived,
        as_of: Some(today),
    };
    let list = orgs::list(&s.app, &ui.caller, &filter, &page).await?;
    let next = list.next_cursor.map(|c| {
        query_start(String::from("/?"))
            .append_pair("q", &q.q)
            .append_pair("show", &q.show)
            .append_pair("cursor", &c)
            .finish()
    });
    let p = HomePage {
        chrome: Chrome::new(&ui, Section::Home, None),
        filtered: !q.q.trim().is_empty() || include_archived,
        q: q.q,
        show: q.show,
        overdue_total: list.items.iter().map(|c| c.overdue_tasks).sum(),
        clients: list
            .items
            .into_iter()
            .map(|c| {
                let cur = safeharbor_core::sra::list_currency(&s.app, &c);
                (c, cur)
            })
            .collect(),
        next,
        can_create: ui.is_provider_admin,
        provider_slug: ui.home_org.slug.to_string(),
        provider_name: ui.home_org.name.clone(),
    };
    ui.page(&p)
}

#[derive(Template)]
#[template(path = "org_new.html")]
struct NewClientPage {
    chrome: Chrome,
    name: String,
    slug: String,
    hipaa_role: String,
    errors: FormErrors,
}

/// `GET /orgs/new`.
pub async fn new_client_form(ui: UiSession) -> UiResult<Response> {
    let p = NewClientPage {
        chrome: Chrome::new(&ui, Section::Home, None),
        name: String::new(),
        slug: String::new(),
        hipaa_role: "covered_entity".into(),
        errors: FormErrors::none(),
    };
    ui.page(&p)
}

/// The new-client form.
#[derive(Debug, Deserialize)]
pub struct NewClientForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    hipaa_role: String,
}

/// `POST /orgs`.
pub async fn create_client(
    State(s): State<AppState>,
    CsrfForm(ui, f): CsrfForm<NewClientForm>,
) -> UiResult<Response> {
    let role = HipaaRole::parse(&f.hipaa_role);
    let input = CreateClient {
        name: f.name.clone(),
        slug: Some(f.slug.trim().to_owned()).filter(|x| !x.is_empty()),
        kind: OrgKind::Client,
        hipaa_role: role.clone().ok(),
    };
    let result = match role {
        Ok(_) => orgs::create_client(&s.app, &ui.caller, input).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(org) => Ok(redirect_with(
            &format!("/orgs/{}", org.slug),
            "ok",
            &format!(
                "{} was added. Add its locations and members next.",
                org.name
            ),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let p = NewClientPage {
                chrome: Chrome::new(&ui, Section::Home, None),
                name: f.name,
                slug: f.slug,
                hipaa_role: f.hipaa_role,
                errors,
            };
            Ok((axum::http::StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

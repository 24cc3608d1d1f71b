//! An organization's locations: list, add, edit, archive.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use safeharbor_core::locations::{self, UpdateLocation};
use safeharbor_core::orgs;
use safeharbor_core::ports::LocationFilter;
use safeharbor_domain::ids::LocationId;
use safeharbor_domain::org::{Location, LocationKind, NewLocation, Organization};
use safeharbor_domain::page::PageRequest;
use serde::Deserialize;

use super::auth::NoFields;
use super::chrome::{Chrome, Section};
use super::forms::FormErrors;
use super::session::{CsrfForm, UiResult, UiSession, query_start, redirect_with};
use crate::AppState;

/// Kinds of location, for the select.
pub fn kind_options() -> Vec<(String, String)> {
    LocationKind::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), k.label().to_owned()))
        .collect()
}

/// Filters of the list.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    show: String,
    #[serde(default)]
    cursor: String,
}

/// The add and edit form.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct LocationForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    address: String,
}

#[derive(Template)]
#[template(path = "locations.html")]
struct ListPage {
    chrome: Chrome,
    org: Organization,
    items: Vec<Location>,
    next: Option<String>,
    q: String,
    show: String,
    can_write: bool,
    form: LocationForm,
    kinds: Vec<(String, String)>,
    errors: FormErrors,
}

async fn list_page(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    q: ListQuery,
    form: LocationForm,
    errors: FormErrors,
) -> UiResult<ListPage> {
    let org = orgs::get(&s.app, &ui.caller, slug).await?;
    let role = orgs::my_role(&s.app, &ui.caller, slug).await?;
    let page = PageRequest::parse(Some(50), Some(q.cursor.as_str()))?;
    let filter = LocationFilter {
        q: Some(q.q.clone()).filter(|t| !t.trim().is_empty()),
        include_archived: q.show == "archived",
    };
    let list = locations::list(&s.app, &ui.caller, slug, &filter, &page).await?;
    let next = list.next_cursor.map(|c| {
        query_start(format!("/orgs/{slug}/locations?"))
            .append_pair("q", &q.q)
            .append_pair("show", &q.show)
            .append_pair("cursor", &c)
            .finish()
    });
    Ok(ListPage {
        chrome: Chrome::new(ui, Section::Locations, Some(&org)),
        can_write: role.can_write() && org.archived_at.is_none(),
        org,
        items: list.items,
        next,
        q: q.q,
        show: q.show,
        form: LocationForm {
            kind: if form.kind.is_empty() {
                "clinic".into()
            } else {
                form.kind
            },
            ..form
        },
        kinds: kind_options(),
        errors,
    })
}

/// `GET /orgs/{slug}/locations`.
pub async fn list(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
) -> UiResult<Response> {
    let p = list_page(
        &s,
        &ui,
        &slug,
        q,
        LocationForm::default(),
        FormErrors::none(),
    )
    .await?;
    ui.page(&p)
}

fn parse(f: &LocationForm) -> Result<NewLocation, safeharbor_domain::Invalid> {
    NewLocation::parse(&f.name, LocationKind::parse(&f.kind)?, Some(&f.address))
}

/// `POST /orgs/{slug}/locations`.
pub async fn create(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    CsrfForm(ui, f): CsrfForm<LocationForm>,
) -> UiResult<Response> {
    let result = match parse(&f) {
        Ok(new) => locations::create(&s.app, &ui.caller, &slug, new).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(l) => Ok(redirect_with(
            &format!("/orgs/{slug}/locations"),
            "ok",
            &format!("Location \"{}\" added.", l.name),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let p = list_page(&s, &ui, &slug, ListQuery::default(), f, errors).await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "location_edit.html")]
struct EditPage {
    chrome: Chrome,
    org: Organization,
    loc: Location,
    form: LocationForm,
    kinds: Vec<(String, String)>,
    errors: FormErrors,
    can_write: bool,
}

async fn edit_page(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    id: &str,
    form: Option<LocationForm>,
    errors: FormErrors,
) -> UiResult<EditPage> {
    let id = LocationId::parse(id).map_err(|_| safeharbor_core::Error::NotFound)?;
    let org = orgs::get(&s.app, &ui.caller, slug).await?;
    let role = orgs::my_role(&s.app, &ui.caller, slug).await?;
    let loc = locations::get(&s.app, &ui.caller, slug, id).await?;
    let form = form.unwrap_or_else(|| LocationForm {
        name: loc.name.clone(),
        kind: loc.kind.as_str().into(),
        address: loc.address.clone().unwrap_or_default(),
    });
    Ok(EditPage {
        chrome: Chrome::new(ui, Section::Locations, Some(&org)),
        can_write: role.can_write() && org.archived_at.is_none(),
        org,
        loc,
        form,
        kinds: kind_options(),
        errors,
    })
}

/// `GET /orgs/{slug}/locations/{id}`.
pub async fn edit(
    State(s): State<AppState>,
    ui: UiSession,
    Path((slug, id)): Path<(String, String)>,
) -> UiResult<Response> {
    let p = edit_page(&s, &ui, &slug, &id, None, FormErrors::none()).await?;
    ui.page(&p)
}

/// `POST /orgs/{slug}/locations/{id}`.
pub async fn update(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, f): CsrfForm<LocationForm>,
) -> UiResult<Response> {
    let lid = LocationId::parse(&id).map_err(|_| safeharbor_core::Error::NotFound)?;
    let result = match LocationKind::parse(&f.kind) {
        Ok(kind) => {
            locations::update(
                &s.app,
                &ui.caller,
                &slug,
                lid,
                UpdateLocation {
                    name: Some(f.name.clone()),
                    kind: Some(kind),
                    address: Some(f.address.clone()),
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(l) => Ok(redirect_with(
            &format!("/orgs/{slug}/locations"),
            "ok",
            &format!("Location \"{}\" saved.", l.name),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let p = edit_page(&s, &ui, &slug, &id, Some(f), errors).await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

async fn set_archived(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    id: &str,
    archived: bool,
) -> UiResult<Response> {
    let lid = LocationId::parse(id).map_err(|_| safeharbor_core::Error::NotFound)?;
    let l = locations::set_archived(&s.app, &ui.caller, slug, lid, archived).await?;
    let what = if archived {
        "archived (kept on record)"
    } else {
        "restored"
    };
    Ok(redirect_with(
        &format!("/orgs/{slug}/locations"),
        "ok",
        &format!("Location \"{}\" {what}.", l.name),
    ))
}

/// `POST /orgs/{slug}/locations/{id}/archive`.
pub async fn archive(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, NoFields {}): CsrfForm<NoFields>,
) -> UiResult<Response> {
    set_archived(&s, &ui, &slug, &id, true).await
}

/// `POST /orgs/{slug}/locations/{id}/restore`.
pub async fn restore(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, NoFields {}): CsrfForm<NoFields>,
) -> UiResult<Response> {
    set_archived(&s, &ui, &slug, &id, false).await
}

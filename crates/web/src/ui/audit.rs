//! The audit trail viewer: filter by actor, action, entity and date; export as CSV.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use safeharbor_core::audit;
use safeharbor_core::ports::AuditFilter;
use safeharbor_domain::audit::AuditEvent;
use safeharbor_domain::org::Organization;
use safeharbor_domain::page::PageRequest;
use serde::Deserialize;
use time::macros::format_description;

use super::chrome::{Chrome, Section};
use super::forms::FormErrors;
use super::session::{UiResult, UiSession, query_start};
use crate::AppState;

/// The filters, as the form sends them.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    entity_type: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    cursor: String,
}

/// Kinds of entity, for the filter.
const ENTITY_TYPES: [(&str, &str); 7] = [
    ("", "Any"),
    ("organization", "Organization"),
    ("location", "Location"),
    ("membership", "Membership"),
    ("user", "User"),
    ("session", "Sign-in session"),
    ("api_token", "API token"),
];

/// Common actions, for the filter (prefixes).
const ACTIONS: [(&str, &str); 10] = [
    ("", "Any"),
    ("session.", "Sign-ins and sign-outs"),
    ("session.fail", "Failed sign-ins"),
    ("session.timeout", "Automatic logoffs"),
    ("authz.deny", "Permission denials"),
    ("org.", "Organization changes"),
    ("location.", "Location changes"),
    ("member.", "Membership changes"),
    ("user.", "Account changes"),
    ("token.", "API tokens"),
];

fn options(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
        .collect()
}

/// The date format of the filter fields.
const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

impl AuditQuery {
    fn filter(&self) -> Result<AuditFilter, FormErrors> {
        let day =
            |field: &str, v: &str, end: bool| -> Result<Option<time::OffsetDateTime>, FormErrors> {
                if v.trim().is_empty() {
                    return Ok(None);
                }
                let d = time::Date::parse(v.trim(), DATE)
                    .map_err(|_| FormErrors::one(field, "must be a date like 2026-01-31"))?;
                let t = if end {
                    d.next_day().unwrap_or(d).midnight()
                } else {
                    d.midnight()
                };
                Ok(Some(t.assume_utc()))
            };
        Ok(AuditFilter {
            actor: Some(self.actor.trim().to_owned()).filter(|s| !s.is_empty()),
            action: Some(self.action.clone()).filter(|s| !s.is_empty()),
            entity_type: Some(self.entity_type.clone()).filter(|s| !s.is_empty()),
            from: day("from", &self.from, false)?,
            to: day("to", &self.to, true)?,
            ..AuditFilter::default()
        })
    }

    fn encode(&self, base: &str, cursor: Option<&str>) -> String {
        let mut s = query_start(format!("{base}?"));
        for (k, v) in [
            ("actor", &self.actor),
            ("action", &self.action),
            ("entity_type", &self.entity_type),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if let Some(c) = cursor {
            s.append_pair("cursor", c);
        }
        s.finish()
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    org: Option<Organization>,
    base: String,
    q: AuditQuery,
    events: Vec<AuditEvent>,
    next: Option<String>,
    csv: String,
    actions: Vec<(String, String)>,
    entities: Vec<(String, String)>,
    errors: FormErrors,
}

impl AuditPage {
    fn when(e: &AuditEvent) -> String {
        let f = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
        e.event.at.format(&f).unwrap_or_default()
    }
}

async fn render(
    s: &AppState,
    ui: &UiSession,
    slug: Option<&str>,
    q: AuditQuery,
) -> UiResult<Response> {
    let org = match slug {
        Some(sl) => Some(safeharbor_core::orgs::get(&s.app, &ui.caller, sl).await?),
        None => None,
    };
    let base = slug.map_or_else(|| "/audit".to_owned(), |sl| format!("/orgs/{sl}/audit"));
    let (events, next, errors) = match q.filter() {
        Ok(filter) => {
            let page = PageRequest::parse(Some(50), Some(q.cursor.as_str()))?;
            let p = match slug {
                Some(sl) => audit::list_for_org(&s.app, &ui.caller, sl, &filter, &page).await,
                None => audit::list_all(&s.app, &ui.caller, &filter, &page).await,
            };
            match p {
                Ok(p) => (
                    p.items,
                    p.next_cursor.map(|c| q.encode(&base, Some(&c))),
                    FormErrors::none(),
                ),
                Err(e) => (Vec::new(), None, FormErrors::from_error(e)?),
            }
        }
        Err(errors) => (Vec::new(), None, errors),
    };
    let section = if slug.is_some() {
        Section::OrgAudit
    } else {
        Section::AllAudit
    };
    let p = AuditPage {
        chrome: Chrome::new(ui, section, org.as_ref()),
        csv: q.encode(&format!("{base}.csv"), None),
        org,
        base,
        q,
        events,
        next,
        actions: options(&ACTIONS),
        entities: options(&ENTITY_TYPES),
        errors,
    };
    ui.page(&p)
}

/// `GET /orgs/{slug}/audit`.
pub async fn for_org(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
    Query(q): Query<AuditQuery>,
) -> UiResult<Response> {
    render(&s, &ui, Some(&slug), q).await
}

/// `GET /audit`: every organization's events (provider administrators).
pub async fn all(
    State(s): State<AppState>,
    ui: UiSession,
    Query(q): Query<AuditQuery>,
) -> UiResult<Response> {
    render(&s, &ui, None, q).await
}

async fn csv(
    s: &AppState,
    ui: &UiSession,
    slug: Option<&str>,
    q: &AuditQuery,
) -> UiResult<Response> {
    let filter = q.filter().map_err(|e| {
        let (f, m) = e.iter().next().cloned().unwrap_or_default();
        safeharbor_core::Error::invalid(f, m)
    })?;
    let events = audit::export(&s.app, &ui.caller, slug, &filter).await?;
    let body = safeharbor_reports::audit::audit_csv(&events);
    let name = format!("audit-{}-{}.csv", slug.unwrap_or("all"), s.app.now().date());
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// `GET /orgs/{slug}/audit.csv`.
pub async fn for_org_csv(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
    Query(q): Query<AuditQuery>,
) -> UiResult<Response> {
    csv(&s, &ui, Some(&slug), &q).await
}

/// `GET /audit.csv`.
pub async fn all_csv(
    State(s): State<AppState>,
    ui: UiSession,
    Query(q): Query<AuditQuery>,
) -> UiResult<Response> {
    csv(&s, &ui, None, &q).await
}

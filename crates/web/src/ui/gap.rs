//! The gap view and the baseline marking form.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use safeharbor_core::gap::{self, BaselineView, GapReport, Mark};
use safeharbor_core::orgs;
use safeharbor_domain::catalog::{BaselineStatus, Coverage};
use safeharbor_domain::org::Organization;

use super::chrome::{Chrome, Section};
use super::forms::FormErrors;
use super::session::{CsrfForm, UiResult, UiSession, redirect_with};
use crate::AppState;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "gap.html")]
struct GapPage {
    chrome: Chrome,
    org: Organization,
    report: GapReport,
    counts: Vec<(Coverage, usize)>,
    rows: Vec<gap::GapRow>,
    q: GapQuery,
    families: Vec<(&'static str, &'static str)>,
    can_write: bool,
    can_write_provider: bool,
}

/// Filters and order of the gap view.
#[derive(Debug, Deserialize, Default)]
pub struct GapQuery {
    /// A coverage state (wire form), or empty for all.
    #[serde(default)]
    status: String,
    /// A safeguard family, or empty for all.
    #[serde(default)]
    safeguard: String,
    /// `citation` (default) or `status` (what needs work first).
    #[serde(default)]
    sort: String,
}

/// `GET /orgs/{slug}/gap`.
pub async fn view(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
    Query(q): Query<GapQuery>,
) -> UiResult<Response> {
    let org = orgs::get(&s.app, &ui.caller, &slug).await?;
    let role = orgs::my_role(&s.app, &ui.caller, &slug).await?;
    let report = gap::report(&s.app, &ui.caller, &slug).await?;
    let counts = Coverage::ALL
        .iter()
        .map(|c| (*c, report.count(*c)))
        .collect();
    let mut rows: Vec<gap::GapRow> = report
        .rows
        .iter()
        .filter(|r| q.status.is_empty() || r.coverage.as_str() == q.status)
        .filter(|r| q.safeguard.is_empty() || r.requirement.family.as_deref() == Some(&q.safeguard))
        .cloned()
        .collect();
    if q.sort == "status" {
        // What needs the most work first: HIPAA-specific, then not practiced, ... proven last.
        rows.sort_by_key(|r| {
            std::cmp::Reverse(Coverage::ALL.iter().position(|c| *c == r.coverage))
        });
    }
    let can_write_provider = match &report.inherited_from {
        Some(p) => orgs::my_role(&s.app, &ui.caller, p.slug.as_str())
            .await
            .is_ok_and(safeharbor_domain::user::Role::can_write),
        None => false,
    };
    let p = GapPage {
        chrome: Chrome::new(&ui, Section::Gap, Some(&org)),
        counts,
        rows,
        q,
        families: safeharbor_core::sra::FAMILIES.to_vec(),
        can_write: role.can_write() && org.archived_at.is_none(),
        can_write_provider,
        org,
        report,
    };
    ui.page(&p)
}

#[derive(Template)]
#[template(path = "baseline.html")]
struct BaselinePage {
    chrome: Chrome,
    org: Organization,
    view: BaselineView,
    errors: FormErrors,
}

/// `GET /orgs/{slug}/baseline`.
pub async fn form(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
) -> UiResult<Response> {
    let org = orgs::get(&s.app, &ui.caller, &slug).await?;
    let view = gap::baseline(&s.app, &ui.caller, &slug).await?;
    let p = BaselinePage {
        chrome: Chrome::new(&ui, Section::Gap, Some(&org)),
        org,
        view,
        errors: FormErrors::none(),
    };
    ui.page(&p)
}

/// `POST /orgs/{slug}/baseline`: `framework`, then `s:<ref>` = status and `n:<ref>` = note per
/// item.
pub async fn save(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    CsrfForm(ui, fields): CsrfForm<Vec<(String, String)>>,
) -> UiResult<Response> {
    let framework = fields
        .iter()
        .find(|(k, _)| k == "framework")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let switching = fields.iter().any(|(k, _)| k == "switch");
    let mut marks = Vec::new();
    for (k, v) in &fields {
        if let Some(r) = k.strip_prefix("s:") {
            if switching || v.is_empty() {
                continue;
            }
            let note = fields
                .iter()
                .find(|(nk, _)| nk.strip_prefix("n:") == Some(r))
                .map(|(_, n)| n.clone())
                .filter(|n| !n.trim().is_empty());
            match BaselineStatus::parse(v) {
                Ok(status) => marks.push(Mark {
                    item_ref: r.to_owned(),
                    status,
                    note,
                }),
                Err(e) => {
                    return Ok(redirect_with(
                        &format!("/orgs/{slug}/baseline"),
                        "error",
                        &format!("{r}: {}", e.reason),
                    ));
                }
            }
        }
    }
    match gap::set_baseline(&s.app, &ui.caller, &slug, &framework, marks).await {
        Ok(()) if switching => Ok(redirect_with(
            &format!("/orgs/{slug}/baseline"),
            "ok",
            "Baseline framework changed. Mark the items you practice.",
        )),
        Ok(()) => Ok(redirect_with(
            &format!("/orgs/{slug}/gap"),
            "ok",
            "Baseline saved; the gap view below reflects it.",
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let org = orgs::get(&s.app, &ui.caller, &slug).await?;
            let view = gap::baseline(&s.app, &ui.caller, &slug).await?;
            let p = BaselinePage {
                chrome: Chrome::new(&ui, Section::Gap, Some(&org)),
                org,
                view,
                errors,
            };
            Ok((axum::http::StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

/// `GET /orgs/{slug}/gap.csv`.
pub async fn csv(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
) -> UiResult<Response> {
    let r = gap::report(&s.app, &ui.caller, &slug).await?;
    let name = format!("gap-{slug}-{}.csv", s.app.now().date());
    Ok(crate::api::catalog::attachment(
        safeharbor_reports::gap::gap_csv(&r).into_bytes(),
        "text/csv; charset=utf-8",
        &name,
    ))
}

/// `GET /orgs/{slug}/gap.pdf`.
pub async fn pdf(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
) -> UiResult<Response> {
    let r = gap::report(&s.app, &ui.caller, &slug).await?;
    let now = s.app.now();
    let bytes = tokio::task::spawn_blocking(move || safeharbor_reports::pdf::gap_pdf(&r, now))
        .await
        .map_err(|e| safeharbor_core::Error::internal(e.to_string()))?
        .map_err(safeharbor_core::Error::internal)?;
    Ok(crate::api::catalog::attachment(
        bytes,
        "application/pdf",
        &format!("gap-{slug}-{}.pdf", now.date()),
    ))
}

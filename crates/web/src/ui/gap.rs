//! The gap view and the baseline marking form.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use safeharbor_core::gap::{self, BaselineView, GapReport, Mark};
use safeharbor_core::orgs;
use safeharbor_domain::catalog::{BaselineStatus, Coverage};
use safeharbor_domain::org::Organization;

use super::chrome::{Chrome, Section};
use super::forms::FormErrors;
use super::session::{CsrfForm, UiResult, UiSession, redirect_with};
use crate::AppState;

#[derive(Template)]
#[template(path = "gap.html")]
struct GapPage {
    chrome: Chrome,
    org: Organization,
    report: GapReport,
    covered: usize,
    partial: usize,
    not_covered: usize,
    hipaa_specific: usize,
    can_write: bool,
}

/// `GET /orgs/{slug}/gap`.
pub async fn view(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
) -> UiResult<Response> {
    let org = orgs::get(&s.app, &ui.caller, &slug).await?;
    let role = orgs::my_role(&s.app, &ui.caller, &slug).await?;
    let report = gap::report(&s.app, &ui.caller, &slug).await?;
    let p = GapPage {
        chrome: Chrome::new(&ui, Section::Gap, Some(&org)),
        covered: report.count(Coverage::Covered),
        partial: report.count(Coverage::Partial),
        not_covered: report.count(Coverage::NotCovered),
        hipaa_specific: report.count(Coverage::HipaaSpecific),
        can_write: role.can_write() && org.archived_at.is_none(),
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

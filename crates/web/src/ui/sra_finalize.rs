//! Getting a risk analysis ready to finalize: what is still missing, item by item, each linked
//! to where it is fixed; who prepared it and what it covers; a no-ePHI statement and its
//! review; the organization's sign-off; and finalizing, offered only once nothing is missing.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use safeharbor_core::orgs;
use safeharbor_core::sra::{self, FinalizeReadiness, GapTarget, SignOffState};
use safeharbor_domain::ids::AssessmentId;
use safeharbor_domain::org::Organization;
use safeharbor_domain::risk::Assessment;
use serde::Deserialize;

use super::auth::NoFields;
use super::chrome::{Chrome, Section};
use super::forms::FormErrors;
use super::session::{CsrfForm, UiResult, UiSession, redirect_with};
use super::sra::item_anchor;
use crate::AppState;

/// One missing thing, as a sentence with the link that fixes it.
#[derive(Debug)]
pub struct MissingLink {
    /// What is missing.
    pub message: String,
    /// Where to fix it.
    pub href: String,
    /// The link's text.
    pub action: &'static str,
}

#[derive(Template)]
#[template(path = "sra_finalize.html")]
struct FinalizePage {
    chrome: Chrome,
    org: Organization,
    assessment: Assessment,
    ready: FinalizeReadiness,
    missing: Vec<MissingLink>,
    can_write: bool,
    can_admin: bool,
    errors: FormErrors,
}

fn link(slug: &str, id: AssessmentId, t: &GapTarget) -> (String, &'static str) {
    match t {
        GapTarget::Item(c) => (
            format!("/orgs/{slug}/sra/{id}#{}", item_anchor(c)),
            "Answer the item",
        ),
        GapTarget::Asset(a) => (
            format!("/orgs/{slug}/assets/{a}#threat-categories"),
            "Examine the asset",
        ),
        GapTarget::Risk(r) => (format!("/orgs/{slug}/risks/{r}"), "Treat the risk"),
        GapTarget::Inventory => (format!("/orgs/{slug}/assets"), "Open the inventory"),
        GapTarget::Profile => (
            format!("/orgs/{slug}/settings#profile-title"),
            "Name the official",
        ),
        GapTarget::SignOff => (
            format!("/orgs/{slug}/sra/{id}/finalize#sign-off"),
            "Sign-off",
        ),
    }
}

async fn page(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    id: AssessmentId,
    errors: FormErrors,
) -> UiResult<FinalizePage> {
    let org = orgs::get(&s.app, &ui.caller, slug).await?;
    let role = orgs::my_role(&s.app, &ui.caller, slug).await?;
    let view = sra::view(&s.app, &ui.caller, slug, id).await?;
    let ready = sra::readiness(&s.app, &ui.caller, slug, id).await?;
    let missing = ready
        .blockers()
        .into_iter()
        .map(|g| {
            let (href, action) = link(slug, id, &g.target);
            MissingLink {
                message: g.message,
                href,
                action,
            }
        })
        .collect();
    let writable = org.archived_at.is_none();
    Ok(FinalizePage {
        chrome: Chrome::new(ui, Section::Sra, Some(&org)),
        can_write: role.can_write() && writable,
        can_admin: role.can_administer() && writable,
        org,
        assessment: view.doc.assessment,
        ready,
        missing,
        errors,
    })
}

/// `GET /orgs/{slug}/sra/{id}/finalize`.
pub async fn show(
    State(s): State<AppState>,
    ui: UiSession,
    Path((slug, id)): Path<(String, String)>,
) -> UiResult<Response> {
    let id = AssessmentId::parse(&id).map_err(|_| safeharbor_core::Error::NotFound)?;
    let p = page(&s, &ui, &slug, id, FormErrors::none()).await?;
    ui.page(&p)
}

async fn after(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    id: AssessmentId,
    result: Result<(), safeharbor_core::Error>,
    done: &str,
) -> UiResult<Response> {
    match result {
        Ok(()) => Ok(redirect_with(
            &format!("/orgs/{slug}/sra/{id}/finalize"),
            "ok",
            done,
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let p = page(s, ui, slug, id, errors).await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

/// The details form.
#[derive(Debug, Deserialize, Default)]
pub struct DetailsForm {
    #[serde(default)]
    prepared_by: String,
    #[serde(default)]
    scope: String,
}

/// `POST /orgs/{slug}/sra/{id}/details`.
pub async fn details(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, f): CsrfForm<DetailsForm>,
) -> UiResult<Response> {
    let id = AssessmentId::parse(&id).map_err(|_| safeharbor_core::Error::NotFound)?;
    let r = sra::set_details(&s.app, &ui.caller, &slug, id, &f.prepared_by, &f.scope).await;
    after(&s, &ui, &slug, id, r, "Details saved.").await
}

/// The no-ePHI statement form.
#[derive(Debug, Deserialize, Default)]
pub struct StatementForm {
    #[serde(default)]
    statement: String,
}

/// `POST /orgs/{slug}/sra/{id}/no-ephi`.
pub async fn no_ephi(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, f): CsrfForm<StatementForm>,
) -> UiResult<Response> {
    let id = AssessmentId::parse(&id).map_err(|_| safeharbor_core::Error::NotFound)?;
    let r = sra::set_no_ephi(&s.app, &ui.caller, &slug, id, &f.statement).await;
    after(
        &s,
        &ui,
        &slug,
        id,
        r,
        "Statement saved; another administrator must confirm it.",
    )
    .await
}

/// `POST /orgs/{slug}/sra/{id}/no-ephi/confirm`.
pub async fn confirm_no_ephi(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, NoFields {}): CsrfForm<NoFields>,
) -> UiResult<Response> {
    let id = AssessmentId::parse(&id).map_err(|_| safeharbor_core::Error::NotFound)?;
    let r = sra::confirm_no_ephi(&s.app, &ui.caller, &slug, id).await;
    after(&s, &ui, &slug, id, r, "Statement confirmed.").await
}

/// `POST /orgs/{slug}/sra/{id}/sign-off`.
pub async fn sign_off(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, NoFields {}): CsrfForm<NoFields>,
) -> UiResult<Response> {
    let id = AssessmentId::parse(&id).map_err(|_| safeharbor_core::Error::NotFound)?;
    let r = sra::sign_off(&s.app, &ui.caller, &slug, id)
        .await
        .map(|_| ());
    after(
        &s,
        &ui,
        &slug,
        id,
        r,
        "Signed off. The MSP or an administrator can now finalize it.",
    )
    .await
}

/// `POST /orgs/{slug}/sra/{id}/finalize`.
pub async fn finalize(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, NoFields {}): CsrfForm<NoFields>,
) -> UiResult<Response> {
    let aid = AssessmentId::parse(&id).map_err(|_| safeharbor_core::Error::NotFound)?;
    match sra::finalize(&s.app, &ui.caller, &slug, aid).await {
        Ok(a) => Ok(redirect_with(
            &format!("/orgs/{slug}/sra/{id}"),
            "ok",
            &format!(
                "Risk analysis {} finalized: it is now a locked snapshot.",
                a.period
            ),
        )),
        // The page lists what is missing; a refusal only says to look at it.
        Err(safeharbor_core::Error::Incomplete(_)) => {
            let p = page(
                &s,
                &ui,
                &slug,
                aid,
                FormErrors::one(
                    "finalize",
                    "Not finalized yet: finish what the list below says is missing.",
                ),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, ui.page(&p)?).into_response())
        }
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let p = page(&s, &ui, &slug, aid, errors).await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

impl FinalizePage {
    fn signed(&self) -> Option<&safeharbor_domain::risk::SignOff> {
        match &self.ready.sign_off {
            SignOffState::Valid { sign_off } | SignOffState::Stale { sign_off } => Some(sign_off),
            SignOffState::Missing => None,
        }
    }

    fn sign_off_stale(&self) -> bool {
        matches!(self.ready.sign_off, SignOffState::Stale { .. })
    }

    fn sign_off_valid(&self) -> bool {
        matches!(self.ready.sign_off, SignOffState::Valid { .. })
    }
}

//! An organization's overview and settings.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use safeharbor_core::orgs::{self, UpdateOrg};
use safeharbor_core::ports::{LocationFilter, MemberFilter, MemberRow};
use safeharbor_core::{locations, members};
use safeharbor_domain::org::{HipaaRole, Location, OrgKind, Organization};
use safeharbor_domain::page::PageRequest;
use safeharbor_domain::user::Role;
use serde::Deserialize;

use super::auth::NoFields;
use super::chrome::{Chrome, Section};
use super::forms::FormErrors;
use super::session::{CsrfForm, UiResult, UiSession, redirect_with};
use crate::AppState;

#[derive(Template)]
#[template(path = "org_overview.html")]
#[expect(
    clippy::struct_excessive_bools,
    reason = "flags the template reads, not a state machine"
)]
struct OverviewPage {
    chrome: Chrome,
    org: Organization,
    kind_label: &'static str,
    role_label: &'static str,
    locations: Vec<Location>,
    more_locations: bool,
    members: Vec<MemberRow>,
    more_members: bool,
    can_write: bool,
    can_admin: bool,
    sra: safeharbor_core::sra::Currency,
    evidence: safeharbor_core::evidence::EvidenceSummary,
    open_tasks: usize,
    overdue_tasks: usize,
    findings: Vec<safeharbor_domain::risk::Task>,
}

/// `GET /orgs/{slug}`.
pub async fn overview(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
) -> UiResult<Response> {
    let org = orgs::get(&s.app, &ui.caller, &slug).await?;
    let role = orgs::my_role(&s.app, &ui.caller, &slug).await?;
    let small = PageRequest {
        limit: 10,
        after: None,
    };
    let locs = locations::list(
        &s.app,
        &ui.caller,
        &slug,
        &LocationFilter::default(),
        &small,
    )
    .await?;
    let mems = members::list(&s.app, &ui.caller, &slug, &MemberFilter::default(), &small).await?;
    let today = s.app.now().date();
    let open = safeharbor_core::tasks::list(
        &s.app,
        &ui.caller,
        &slug,
        &safeharbor_core::ports::TaskFilter {
            status: Some(safeharbor_domain::risk::TaskStatus::Open),
            ..Default::default()
        },
    )
    .await?;
    let p = OverviewPage {
        sra: safeharbor_core::sra::status(&s.app, &ui.caller, &slug)
            .await?
            .currency,
        evidence: safeharbor_core::evidence::summary(&s.app, &ui.caller, &slug).await?,
        open_tasks: open.len(),
        overdue_tasks: open.iter().filter(|t| t.is_overdue(today)).count(),
        findings: open
            .into_iter()
            .filter(|t| t.origin_kind == "import")
            .collect(),
        chrome: Chrome::new(&ui, Section::Overview, Some(&org)),
        kind_label: match org.kind {
            OrgKind::Provider => "Provider (your MSP), a HIPAA business associate",
            OrgKind::Client => match org.hipaa_role {
                HipaaRole::CoveredEntity => "Client practice, a HIPAA covered entity",
                HipaaRole::BusinessAssociate => "Client, a HIPAA business associate",
            },
        },
        role_label: role.label(),
        more_locations: locs.next_cursor.is_some(),
        locations: locs.items,
        more_members: mems.next_cursor.is_some(),
        members: mems.items,
        can_write: role.can_write() && org.archived_at.is_none(),
        can_admin: role.can_administer() && org.archived_at.is_none(),
        org,
    };
    ui.page(&p)
}

#[derive(Template)]
#[template(path = "org_settings.html")]
struct SettingsPage {
    chrome: Chrome,
    org: Organization,
    name: String,
    hipaa_role: String,
    require_mfa: bool,
    errors: FormErrors,
    can_admin: bool,
    can_archive: bool,
    profile: ProfileForm,
    profile_errors: FormErrors,
    default_acceptance: u8,
}

/// The HIPAA profile form: officials and the risk acceptance threshold.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ProfileForm {
    #[serde(default)]
    security_official: String,
    #[serde(default)]
    security_official_email: String,
    #[serde(default)]
    privacy_official: String,
    #[serde(default)]
    privacy_official_email: String,
    #[serde(default)]
    risk_acceptance_max: String,
}

impl ProfileForm {
    fn of(p: &safeharbor_domain::org::OrgProfile) -> Self {
        let part = |o: Option<&safeharbor_domain::org::Official>| {
            o.map_or((String::new(), String::new()), |o| {
                (o.name.clone(), o.email.clone().unwrap_or_default())
            })
        };
        let (security_official, security_official_email) = part(p.security_official.as_ref());
        let (privacy_official, privacy_official_email) = part(p.privacy_official.as_ref());
        Self {
            security_official,
            security_official_email,
            privacy_official,
            privacy_official_email,
            risk_acceptance_max: p
                .risk_acceptance_max
                .map(|n| n.to_string())
                .unwrap_or_default(),
        }
    }
}

struct PageState {
    errors: FormErrors,
    profile: ProfileForm,
    profile_errors: FormErrors,
}

async fn profile_state(s: &AppState, ui: &UiSession, slug: &str) -> UiResult<ProfileForm> {
    Ok(ProfileForm::of(
        &safeharbor_core::profile::get(&s.app, &ui.caller, slug).await?,
    ))
}

fn settings_page(
    s: &AppState,
    ui: &UiSession,
    org: Organization,
    role: Role,
    state: PageState,
    form: Option<&SettingsForm>,
) -> SettingsPage {
    let PageState {
        errors,
        profile,
        profile_errors,
    } = state;
    SettingsPage {
        profile,
        profile_errors,
        default_acceptance: s.app.settings().risk_thresholds.low_max,
        chrome: Chrome::new(ui, Section::Settings, Some(&org)),
        name: form.map_or_else(|| org.name.clone(), |f| f.name.clone()),
        hipaa_role: form.map_or_else(
            || org.hipaa_role.as_str().to_owned(),
            |f| f.hipaa_role.clone(),
        ),
        require_mfa: form.map_or(org.require_mfa, |f| f.require_mfa.is_some()),
        errors,
        can_admin: role.can_administer(),
        can_archive: role == Role::ProviderAdmin && org.kind == OrgKind::Client,
        org,
    }
}

/// `GET /orgs/{slug}/settings`.
pub async fn settings(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
) -> UiResult<Response> {
    let org = orgs::get(&s.app, &ui.caller, &slug).await?;
    let role = orgs::my_role(&s.app, &ui.caller, &slug).await?;
    let state = PageState {
        errors: FormErrors::none(),
        profile: profile_state(&s, &ui, &slug).await?,
        profile_errors: FormErrors::none(),
    };
    ui.page(&settings_page(&s, &ui, org, role, state, None))
}

/// `POST /orgs/{slug}/profile`: the organization's officials and risk acceptance threshold.
pub async fn save_profile(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    CsrfForm(ui, f): CsrfForm<ProfileForm>,
) -> UiResult<Response> {
    let acceptance = match f.risk_acceptance_max.trim() {
        "" => Ok(None),
        t => t.parse::<i64>().map(Some).map_err(|_| {
            safeharbor_core::Error::invalid(
                "risk_acceptance_max",
                "must be a risk score from 1 to 25 (likelihood times impact)",
            )
        }),
    };
    let result = match acceptance {
        Ok(risk_acceptance_max) => safeharbor_core::profile::update(
            &s.app,
            &ui.caller,
            &slug,
            &safeharbor_core::profile::ProfileInput {
                security_official: f.security_official.clone(),
                security_official_email: f.security_official_email.clone(),
                privacy_official: f.privacy_official.clone(),
                privacy_official_email: f.privacy_official_email.clone(),
                risk_acceptance_max,
            },
        )
        .await
        .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(redirect_with(
            &format!("/orgs/{slug}/settings#profile-title"),
            "ok",
            "HIPAA profile saved.",
        )),
        Err(e) => {
            let state = PageState {
                errors: FormErrors::none(),
                profile_errors: FormErrors::from_error(e)?,
                profile: f,
            };
            let org = orgs::get(&s.app, &ui.caller, &slug).await?;
            let role = orgs::my_role(&s.app, &ui.caller, &slug).await?;
            Ok((
                StatusCode::BAD_REQUEST,
                ui.page(&settings_page(&s, &ui, org, role, state, None))?,
            )
                .into_response())
        }
    }
}

/// The settings form.
#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    hipaa_role: String,
    require_mfa: Option<String>,
}

/// `POST /orgs/{slug}/settings`.
pub async fn save_settings(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    CsrfForm(ui, f): CsrfForm<SettingsForm>,
) -> UiResult<Response> {
    let result = match HipaaRole::parse(&f.hipaa_role) {
        Ok(role) => {
            orgs::update(
                &s.app,
                &ui.caller,
                &slug,
                UpdateOrg {
                    name: Some(f.name.clone()),
                    hipaa_role: Some(role),
                    require_mfa: Some(f.require_mfa.is_some()),
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(org) => Ok(redirect_with(
            &format!("/orgs/{}/settings", org.slug),
            "ok",
            "Settings saved.",
        )),
        Err(e) => {
            let state = PageState {
                errors: FormErrors::from_error(e)?,
                profile: profile_state(&s, &ui, &slug).await?,
                profile_errors: FormErrors::none(),
            };
            let org = orgs::get(&s.app, &ui.caller, &slug).await?;
            let role = orgs::my_role(&s.app, &ui.caller, &slug).await?;
            Ok((
                StatusCode::BAD_REQUEST,
                ui.page(&settings_page(&s, &ui, org, role, state, Some(&f)))?,
            )
                .into_response())
        }
    }
}

/// `POST /orgs/{slug}/archive`.
pub async fn archive(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    CsrfForm(ui, NoFields {}): CsrfForm<NoFields>,
) -> UiResult<Response> {
    let org = orgs::set_archived(&s.app, &ui.caller, &slug, true).await?;
    Ok(redirect_with(
        &format!("/orgs/{}/settings", org.slug),
        "ok",
        &format!(
            "{} is archived: kept on record, read-only until restored.",
            org.name
        ),
    ))
}

/// `POST /orgs/{slug}/restore`.
pub async fn restore(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    CsrfForm(ui, NoFields {}): CsrfForm<NoFields>,
) -> UiResult<Response> {
    let org = orgs::set_archived(&s.app, &ui.caller, &slug, false).await?;
    Ok(redirect_with(
        &format!("/orgs/{}/settings", org.slug),
        "ok",
        &format!("{} is active again.", org.name),
    ))
}

//! People and their roles in an organization: invite, change role, revoke.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use safeharbor_core::members::{self, AddMember, UpdateMember};
use safeharbor_core::ports::{MemberFilter, MemberRow};
use safeharbor_core::{invites, orgs};
use safeharbor_domain::ids::MembershipId;
use safeharbor_domain::org::{OrgKind, Organization};
use safeharbor_domain::page::PageRequest;
use safeharbor_domain::user::Role;
use serde::Deserialize;
use time::macros::time;

use super::auth::NoFields;
use super::chrome::{Chrome, Section};
use super::forms::FormErrors;
use super::session::{CsrfForm, UiResult, UiSession, redirect_with};
use crate::AppState;

/// Filters of the member list.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    show: String,
}

/// The invitation form.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    expires_on: String,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    chrome: Chrome,
    org: Organization,
    items: Vec<MemberRow>,
    q: String,
    show: String,
    can_admin: bool,
    roles: Vec<(String, String)>,
    form: InviteForm,
    errors: FormErrors,
    invite_link: Option<(String, String)>,
}

/// The roles the caller may grant here.
fn grantable(org: &Organization, my_role: Role) -> Vec<(String, String)> {
    let roles: &[Role] = match (org.kind, my_role) {
        (OrgKind::Provider, Role::ProviderAdmin) => {
            &[Role::ProviderStaff, Role::ProviderAdmin, Role::Auditor]
        }
        (OrgKind::Client, Role::ProviderAdmin) => &[
            Role::ClientMember,
            Role::ClientAdmin,
            Role::Auditor,
            Role::ProviderStaff,
        ],
        (OrgKind::Client, Role::ClientAdmin) => {
            &[Role::ClientMember, Role::ClientAdmin, Role::Auditor]
        }
        _ => &[],
    };
    roles
        .iter()
        .map(|r| (r.as_str().to_owned(), r.label().to_owned()))
        .collect()
}

async fn page(
    s: &AppState,
    ui: &UiSession,
    slug: &str,
    q: ListQuery,
    form: InviteForm,
    errors: FormErrors,
    invite_link: Option<(String, String)>,
) -> UiResult<MembersPage> {
    let org = orgs::get(&s.app, &ui.caller, slug).await?;
    let role = orgs::my_role(&s.app, &ui.caller, slug).await?;
    let filter = MemberFilter {
        q: Some(q.q.clone()).filter(|t| !t.trim().is_empty()),
        role: None,
        include_inactive: q.show == "all",
    };
    let list = members::list(
        &s.app,
        &ui.caller,
        slug,
        &filter,
        &PageRequest {
            limit: 200,
            after: None,
        },
    )
    .await?;
    let roles = grantable(&org, role);
    let form = InviteForm {
        role: if form.role.is_empty() {
            roles.first().map(|r| r.0.clone()).unwrap_or_default()
        } else {
            form.role.clone()
        },
        ..form
    };
    Ok(MembersPage {
        chrome: Chrome::new(ui, Section::Members, Some(&org)),
        can_admin: role.can_administer() && org.archived_at.is_none(),
        org,
        items: list.items,
        q: q.q,
        show: q.show,
        roles,
        form,
        errors,
        invite_link,
    })
}

/// `GET /orgs/{slug}/members`.
pub async fn list(
    State(s): State<AppState>,
    ui: UiSession,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
) -> UiResult<Response> {
    let p = page(
        &s,
        &ui,
        &slug,
        q,
        InviteForm::default(),
        FormErrors::none(),
        None,
    )
    .await?;
    ui.page(&p)
}

fn end_of_day(
    field: &str,
    date: &str,
) -> Result<Option<time::OffsetDateTime>, safeharbor_domain::Invalid> {
    if date.trim().is_empty() {
        return Ok(None);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(date.trim(), &fmt)
        .map_err(|_| safeharbor_domain::Invalid::new(field, "must be a date like 2027-03-31"))?;
    Ok(Some(d.with_time(time!(23:59:59)).assume_utc()))
}

/// `POST /orgs/{slug}/members`: invites a person; a new account gets a one-time link, shown
/// here once.
pub async fn invite(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    CsrfForm(ui, f): CsrfForm<InviteForm>,
) -> UiResult<Response> {
    let parsed =
        Role::parse(&f.role).and_then(|r| Ok((r, end_of_day("expires_on", &f.expires_on)?)));
    let result = match parsed {
        Ok((role, expires_at)) => {
            let input = AddMember {
                email: f.email.clone(),
                name: Some(f.name.clone()),
                role,
                password: None,
                expires_at,
            };
            members::add(&s.app, &ui.caller, &slug, input).await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(added) => match added.invitation {
            Some(token) => {
                let link = (
                    added.member.user.email.to_string(),
                    format!("/invite/{token}"),
                );
                let mut p = page(
                    &s,
                    &ui,
                    &slug,
                    ListQuery::default(),
                    InviteForm::default(),
                    FormErrors::none(),
                    Some(link),
                )
                .await?;
                p.chrome.flash = Some(super::Flash {
                    kind: "ok".into(),
                    text: format!("{} was invited.", added.member.user.name),
                });
                ui.page(&p)
            }
            None => Ok(redirect_with(
                &format!("/orgs/{slug}/members"),
                "ok",
                &format!(
                    "{} now has the role {} here.",
                    added.member.user.name,
                    added.member.membership.role.label()
                ),
            )),
        },
        Err(e) => {
            let errors = FormErrors::from_error(e)?.rename("expires_at", "expires_on");
            let p = page(&s, &ui, &slug, ListQuery::default(), f, errors, None).await?;
            Ok((StatusCode::BAD_REQUEST, ui.page(&p)?).into_response())
        }
    }
}

/// The role-change form.
#[derive(Debug, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

fn member_id(id: &str) -> Result<MembershipId, safeharbor_core::Error> {
    MembershipId::parse(id).map_err(|_| safeharbor_core::Error::NotFound)
}

/// `POST /orgs/{slug}/members/{id}`: changes a role.
pub async fn change_role(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, f): CsrfForm<RoleForm>,
) -> UiResult<Response> {
    let to = format!("/orgs/{slug}/members");
    let role = match Role::parse(&f.role) {
        Ok(r) => r,
        Err(e) => return Ok(redirect_with(&to, "error", &e.reason)),
    };
    match members::update(
        &s.app,
        &ui.caller,
        &slug,
        member_id(&id)?,
        UpdateMember {
            role: Some(role),
            expires_at: None,
        },
    )
    .await
    {
        Ok(row) => Ok(redirect_with(
            &to,
            "ok",
            &format!("{} is now {}.", row.user.name, row.membership.role.label()),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let msg = errors
                .iter()
                .next()
                .map_or_else(String::new, |(_, m)| m.clone());
            Ok(redirect_with(&to, "error", &msg))
        }
    }
}

/// `POST /orgs/{slug}/members/{id}/revoke`.
pub async fn revoke(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, NoFields {}): CsrfForm<NoFields>,
) -> UiResult<Response> {
    let to = format!("/orgs/{slug}/members");
    match members::revoke(&s.app, &ui.caller, &slug, member_id(&id)?).await {
        Ok(row) => Ok(redirect_with(
            &to,
            "ok",
            &format!("{}'s access was revoked. The record stays.", row.user.name),
        )),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let msg = errors
                .iter()
                .next()
                .map_or_else(String::new, |(_, m)| m.clone());
            Ok(redirect_with(&to, "error", &msg))
        }
    }
}

/// `POST /orgs/{slug}/members/{id}/reinvite`: a new link for someone who has not accepted.
pub async fn reinvite(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(ui, NoFields {}): CsrfForm<NoFields>,
) -> UiResult<Response> {
    let mid = member_id(&id)?;
    let token = invites::reissue(&s.app, &ui.caller, &slug, mid).await?;
    let p0 = page(
        &s,
        &ui,
        &slug,
        ListQuery::default(),
        InviteForm::default(),
        FormErrors::none(),
        None,
    )
    .await?;
    let email = p0
        .items
        .iter()
        .find(|m| m.membership.id == mid)
        .map(|m| m.user.email.to_string())
        .unwrap_or_default();
    let mut p = p0;
    p.invite_link = Some((email, format!("/invite/{token}")));
    ui.page(&p)
}

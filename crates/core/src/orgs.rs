//! Organizations: the provider and its client practices.

use safeharbor_domain::ids::OrgId;
use safeharbor_domain::org::{HipaaRole, NAME_MAX, NewOrg, OrgKind, Organization};
use safeharbor_domain::page::{Page, PageRequest};
use safeharbor_domain::text;

use crate::App;
use crate::authz::{self, Caller, Need};
use crate::error::{Error, Result};
use crate::ports::{OrgFilter, OrgListItem};

/// A client organization to create.
#[derive(Debug, Clone)]
pub struct CreateClient {
    /// Display name.
    pub name: String,
    /// URL name; derived from the name when absent.
    pub slug: Option<String>,
    /// Must be `client`: an installation has exactly one provider.
    pub kind: OrgKind,
    /// Defaults to covered entity.
    pub hipaa_role: Option<HipaaRole>,
}

/// Creates a client practice. Provider administrators only.
pub async fn create_client(
    app: &App,
    caller: &Caller,
    input: CreateClient,
) -> Result<Organization> {
    if input.kind != OrgKind::Client {
        return Err(Error::invalid(
            "kind",
            "must be `client`: an installation has exactly one provider organization",
        ));
    }
    let new = NewOrg::parse(
        OrgKind::Client,
        &input.name,
        input.slug.as_deref(),
        input.hipaa_role,
    )?;
    let scope = authz::provider_admin_scope(app, caller).await?;
    let now = app.now();
    let org = Organization {
        id: OrgId::new(),
        kind: new.kind,
        hipaa_role: new.hipaa_role,
        slug: new.slug,
        name: new.name,
        require_mfa: false,
        created_at: now,
        updated_at: now,
        archived_at: None,
    };
    let event = caller.event(
        now,
        Some(org.id),
        "org.create",
        "organization",
        Some(org.id.to_string()),
        format!(
            "client organization \"{}\" ({}) created",
            org.name, org.slug
        ),
    );
    app.store.insert_client(&scope, &org, &event).await?;
    Ok(org)
}

/// The organizations the caller may see, by name.
pub async fn list(
    app: &App,
    caller: &Caller,
    filter: &OrgFilter,
    page: &PageRequest,
) -> Result<Page<OrgListItem>> {
    let visible = authz::visibility(caller);
    app.store.list_orgs(&visible, filter, page).await
}

/// The caller's own organization: the provider for MSP staff, their practice otherwise.
pub async fn home(app: &App, caller: &Caller) -> Result<Organization> {
    let user = caller.user().ok_or(Error::Unauthenticated)?;
    app.store
        .find_org(user.home_org_id)
        .await?
        .ok_or(Error::NotFound)
}

/// The caller's effective role in an organization (for showing what they may do).
pub async fn my_role(
    app: &App,
    caller: &Caller,
    slug: &str,
) -> Result<safeharbor_domain::user::Role> {
    Ok(authz::scope(app, caller, slug, Need::Read).await?.role())
}

/// One organization.
pub async fn get(app: &App, caller: &Caller, slug: &str) -> Result<Organization> {
    Ok(authz::scope(app, caller, slug, Need::Read)
        .await?
        .org()
        .clone())
}

/// Changes to an organization.
#[derive(Debug, Clone, Default)]
pub struct UpdateOrg {
    /// New display name.
    pub name: Option<String>,
    /// New HIPAA role.
    pub hipaa_role: Option<HipaaRole>,
    /// Require a second factor of every member (164.312(d)).
    pub require_mfa: Option<bool>,
}

/// Updates an organization's name and settings. Administrators of the organization only.
pub async fn update(
    app: &App,
    caller: &Caller,
    slug: &str,
    input: UpdateOrg,
) -> Result<Organization> {
    let name = input
        .name
        .as_deref()
        .map(|n| text::required_line("name", n, NAME_MAX))
        .transpose()?;
    let scope = authz::scope(app, caller, slug, Need::Administer).await?;
    refuse_if_archived(scope.org())?;
    let mut org = scope.org().clone();
    let mut changes = Vec::new();
    if let Some(n) = name.filter(|n| *n != org.name) {
        changes.push(format!("name \"{}\" -> \"{n}\"", org.name));
        org.name = n;
    }
    if let Some(r) = input.hipaa_role.filter(|r| *r != org.hipaa_role) {
        changes.push(format!(
            "HIPAA role {} -> {}",
            org.hipaa_role.as_str(),
            r.as_str()
        ));
        org.hipaa_role = r;
    }
    if let Some(m) = input.require_mfa.filter(|m| *m != org.require_mfa) {
        changes.push(format!("require MFA {} -> {m}", org.require_mfa));
        org.require_mfa = m;
    }
    if changes.is_empty() {
        return Ok(org);
    }
    let now = app.now();
    org.updated_at = now;
    let event = caller.event(
        now,
        Some(org.id),
        "org.update",
        "organization",
        Some(org.id.to_string()),
        changes.join("; "),
    );
    app.store.update_org(&scope, &org, &event).await?;
    Ok(org)
}

/// Archives a client organization (kept for six years, 164.316(b)(2)(i); never deleted), or
/// restores an archived one. Provider administrators only.
pub async fn set_archived(
    app: &App,
    caller: &Caller,
    slug: &str,
    archived: bool,
) -> Result<Organization> {
    let target = authz::scope(app, caller, slug, Need::Administer).await?;
    if target.org().kind == OrgKind::Provider {
        return Err(Error::invalid(
            "slug",
            "the provider organization cannot be archived",
        ));
    }
    authz::require_provider_admin(app, caller, &target).await?;
    let mut org = target.org().clone();
    if org.archived_at.is_some() == archived {
        return Ok(org);
    }
    let now = app.now();
    org.archived_at = archived.then_some(now);
    org.updated_at = now;
    let (action, what) = if archived {
        ("org.archive", "archived")
    } else {
        ("org.restore", "restored")
    };
    let event = caller.event(
        now,
        Some(org.id),
        action,
        "organization",
        Some(org.id.to_string()),
        format!("organization \"{}\" {what}", org.name),
    );
    app.store.update_org(&target, &org, &event).await?;
    Ok(org)
}

/// Archived organizations are read-only until restored.
pub(crate) fn refuse_if_archived(org: &Organization) -> Result<()> {
    if org.archived_at.is_some() {
        return Err(Error::conflict(
            "org",
            "this organization is archived; restore it before changing it",
        ));
    }
    Ok(())
}

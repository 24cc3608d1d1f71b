//! Who may do what, and the only place a [`TenantScope`] is made.
//!
//! A caller reaches an organization's data only through a scope minted here after checking
//! their membership. Someone with no access to an organization gets `NotFound`, exactly as if
//! it did not exist (never `Forbidden`, which would confirm it exists). A member whose role
//! does not allow the action gets `Forbidden`, and the denial is recorded in the audit trail.

use safeharbor_domain::audit::NewAuditEvent;
use safeharbor_domain::ids::{ApiTokenId, OrgId, SessionId, UserId};
use safeharbor_domain::org::{OrgKind, Organization, Slug};
use safeharbor_domain::user::{Membership, Role, User};
use time::OffsetDateTime;

use crate::App;
use crate::error::{Error, Result};

/// How a caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A browser or API session.
    Session(SessionId),
    /// An API token, reaching one organization or all the user's.
    ApiToken {
        /// The token.
        id: ApiTokenId,
        /// The only organization it reaches, if restricted.
        org: Option<OrgId>,
    },
    /// The operator at the command line, who holds the database itself.
    LocalOperator,
}

/// An authenticated caller. Made only by `core::auth` (or [`Caller::local_operator`] for the
/// CLI), so holding one proves authentication.
#[derive(Debug, Clone)]
pub struct Caller {
    user: Option<User>,
    credential: Credential,
    memberships: Vec<Membership>,
    ip: Option<String>,
    request_id: Option<String>,
}

impl Caller {
    pub(crate) fn authenticated(
        user: User,
        credential: Credential,
        memberships: Vec<Membership>,
        ip: Option<String>,
        request_id: Option<String>,
    ) -> Self {
        Self {
            user: Some(user),
            credential,
            memberships,
            ip,
            request_id,
        }
    }

    /// The operator running a `safeharbor` command on the server. Only the CLI makes one:
    /// whoever can run it already holds the database.
    pub fn local_operator() -> Self {
        Self {
            user: None,
            credential: Credential::LocalOperator,
            memberships: Vec::new(),
            ip: None,
            request_id: None,
        }
    }

    /// The signed-in user (none for the local operator).
    pub fn user(&self) -> Option<&User> {
        self.user.as_ref()
    }

    /// The user's id.
    pub fn user_id(&self) -> Option<UserId> {
        self.user.as_ref().map(|u| u.id)
    }

    /// How they authenticated.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// Their memberships that are active now.
    pub fn memberships(&self) -> &[Membership] {
        &self.memberships
    }

    /// The request id, for audit events.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// How the actor is named in the audit trail.
    pub fn actor_label(&self) -> String {
        self.user
            .as_ref()
            .map_or_else(|| "cli".to_owned(), |u| u.email.as_str().to_owned())
    }

    /// An audit event by this caller.
    pub fn event(
        &self,
        at: OffsetDateTime,
        org_id: Option<OrgId>,
        action: &str,
        entity_type: &str,
        entity_id: Option<String>,
        summary: impl Into<String>,
    ) -> NewAuditEvent {
        let mut summary: String = summary.into();
        if summary.chars().count() > safeharbor_domain::audit::SUMMARY_MAX {
            summary = summary
                .chars()
                .take(safeharbor_domain::audit::SUMMARY_MAX)
                .collect();
        }
        NewAuditEvent {
            at,
            actor_user_id: self.user_id(),
            actor: self.actor_label(),
            org_id,
            action: action.to_owned(),
            entity_type: entity_type.to_owned(),
            entity_id,
            summary,
            ip: self.ip.clone(),
            request_id: self.request_id.clone(),
        }
    }

    /// Whether the caller administers the whole installation.
    fn is_provider_admin(&self) -> bool {
        matches!(self.credential, Credential::LocalOperator)
            || self
                .memberships
                .iter()
                .any(|m| m.role == Role::ProviderAdmin)
    }

    fn token_org(&self) -> Option<OrgId> {
        match self.credential {
            Credential::ApiToken { org, .. } => org,
            _ => None,
        }
    }

    /// The caller's role in `org`, if any.
    fn role_in(&self, org: &Organization) -> Option<Role> {
        if self.token_org().is_some_and(|t| t != org.id) {
            return None;
        }
        if self.is_provider_admin() {
            return Some(Role::ProviderAdmin);
        }
        self.memberships
            .iter()
            .filter(|m| m.org_id == org.id)
            .map(|m| m.role)
            .min()
    }
}

/// Proof that a caller may act in one organization with a given role. Only this module makes
/// one; store methods on tenant data take one and touch only its organization's rows.
#[derive(Debug, Clone)]
pub struct TenantScope {
    org: Organization,
    role: Role,
}

impl TenantScope {
    /// The organization's id: the only tenant a store method may touch.
    pub fn org_id(&self) -> OrgId {
        self.org.id
    }

    /// The organization, as read when the scope was made.
    pub fn org(&self) -> &Organization {
        &self.org
    }

    /// The caller's effective role.
    pub fn role(&self) -> Role {
        self.role
    }
}

/// Proof that the caller administers the whole installation (every organization).
#[derive(Debug)]
pub struct InstallationScope {
    _private: (),
}

/// Refuses (and records) unless the caller is a provider administrator: for actions within an
/// organization the caller can see that only provider administrators may take.
pub async fn require_provider_admin(app: &App, caller: &Caller, scope: &TenantScope) -> Result<()> {
    if scope.role == Role::ProviderAdmin {
        return Ok(());
    }
    deny(
        app,
        caller,
        &scope.org,
        "only provider administrators may do this",
    )
    .await?;
    Err(Error::Forbidden("only provider administrators may do this"))
}

/// Which organizations a caller may list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgVisibility {
    /// All of them.
    All,
    /// Only these.
    Only(Vec<OrgId>),
}

/// What the caller wants to do in an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Read its program.
    Read,
    /// Change its program.
    Write,
    /// Manage its members and settings.
    Administer,
    /// Read its audit trail.
    ReadAudit,
}

impl Need {
    fn allowed(self, role: Role) -> bool {
        match self {
            Self::Read => true,
            Self::Write => role.can_write(),
            Self::Administer => role.can_administer(),
            Self::ReadAudit => role.can_read_audit(),
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "change",
            Self::Administer => "administer",
            Self::ReadAudit => "read the audit trail of",
        }
    }
}

/// Resolves the caller's access to the organization named `slug` and mints a scope.
///
/// `NotFound` when the organization does not exist or the caller has no access to it;
/// `Forbidden` (recorded) when the caller's role does not allow `need`.
pub async fn scope(app: &App, caller: &Caller, slug: &str, need: Need) -> Result<TenantScope> {
    let slug = Slug::parse(slug).map_err(|_| Error::NotFound)?;
    let org = app
        .store
        .find_org_by_slug(&slug)
        .await?
        .ok_or(Error::NotFound)?;
    scope_for_org(app, caller, org, need).await
}

/// As [`scope`], for an organization already looked up.
pub(crate) async fn scope_for_org(
    app: &App,
    caller: &Caller,
    org: Organization,
    need: Need,
) -> Result<TenantScope> {
    let Some(role) = caller.role_in(&org) else {
        deny(app, caller, &org, "no membership").await?;
        return Err(Error::NotFound);
    };
    // An organization that requires a second factor requires it of every way in: a session,
    // and an API token of a user without one (which would otherwise bypass it).
    if org.require_mfa
        && matches!(
            caller.credential,
            Credential::Session(_) | Credential::ApiToken { .. }
        )
        && caller.user.as_ref().is_some_and(|u| !u.mfa_enabled)
    {
        return Err(Error::MfaEnrollmentRequired);
    }
    if !need.allowed(role) {
        deny(
            app,
            caller,
            &org,
            &format!("role {role} may not {} it", need.verb()),
        )
        .await?;
        return Err(Error::Forbidden("your role does not allow this"));
    }
    Ok(TenantScope { org, role })
}

/// A read scope over the provider, for reading what the provider shares with every client it
/// serves (its baseline). Only for use cases that have already scoped the caller to a client;
/// the caller sees the provider's shared settings, never its tenant data.
pub(crate) fn scope_unchecked(provider: Organization) -> TenantScope {
    TenantScope {
        org: provider,
        role: Role::Auditor,
    }
}

/// Mints a scope over the provider organization for an installation administrator:
/// the scope under which client organizations are created.
pub async fn provider_admin_scope(app: &App, caller: &Caller) -> Result<TenantScope> {
    let provider = app.store.provider().await?.ok_or(Error::NotFound)?;
    let scope = scope_for_org(app, caller, provider, Need::Administer).await?;
    if scope.role != Role::ProviderAdmin {
        deny(
            app,
            caller,
            &scope.org,
            "only provider administrators may do this",
        )
        .await?;
        return Err(Error::Forbidden("only provider administrators may do this"));
    }
    Ok(scope)
}

/// Mints the installation-wide scope, for provider administrators only. Anyone else gets
/// `NotFound`: to a practice's users the installation-wide views do not exist.
pub async fn installation_scope(app: &App, caller: &Caller) -> Result<InstallationScope> {
    if caller.is_provider_admin() && caller.token_org().is_none() {
        return Ok(InstallationScope { _private: () });
    }
    let provider = app.store.provider().await?;
    if let Some(p) = provider {
        deny(
            app,
            caller,
            &p,
            "installation-wide access needs a provider administrator",
        )
        .await?;
    }
    Err(Error::NotFound)
}

/// Which organizations the caller may list.
pub fn visibility(caller: &Caller) -> OrgVisibility {
    if let Some(t) = caller.token_org() {
        if caller.is_provider_admin() || caller.memberships.iter().any(|m| m.org_id == t) {
            return OrgVisibility::Only(vec![t]);
        }
        return OrgVisibility::Only(Vec::new());
    }
    if caller.is_provider_admin() {
        return OrgVisibility::All;
    }
    let mut ids: Vec<OrgId> = caller.memberships.iter().map(|m| m.org_id).collect();
    ids.sort_unstable();
    ids.dedup();
    OrgVisibility::Only(ids)
}

/// Whether the caller's role in `org` is at least as strong as granting `role` requires:
/// provider roles are granted by provider administrators, client roles by client or provider
/// administrators.
pub fn may_grant(scope: &TenantScope, role: Role) -> bool {
    match scope.role {
        Role::ProviderAdmin => role.fits(scope.org.kind),
        Role::ClientAdmin => {
            matches!(role, Role::ClientAdmin | Role::ClientMember | Role::Auditor)
                && scope.org.kind == OrgKind::Client
        }
        _ => false,
    }
}

async fn deny(app: &App, caller: &Caller, org: &Organization, why: &str) -> Result<()> {
    let event = caller.event(
        app.now(),
        Some(org.id),
        "authz.deny",
        "organization",
        Some(org.id.to_string()),
        format!("access denied: {why}"),
    );
    app.store.append_audit(&event).await
}

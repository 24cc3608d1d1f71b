//! Users and their memberships in organizations.

use safeharbor_domain::ids::{MembershipId, UserId};
use safeharbor_domain::org::OrgKind;
use safeharbor_domain::page::{Page, PageRequest};
use safeharbor_domain::user::{self, Email, Membership, Role, User};
use time::{Duration, OffsetDateTime};

use crate::App;
use crate::auth::{password, throttle};
use crate::authz::{self, Caller, Credential, Need, TenantScope};
use crate::error::{Error, Result};
use crate::ports::{MemberFilter, MemberRow, UserRecord};

/// Longest an auditor's access may last at once.
pub const AUDITOR_MAX_DAYS: i64 = 366;

/// A person to add to an organization.
#[derive(Debug, Clone)]
pub struct AddMember {
    /// Their e-mail. An existing account gets a new membership; otherwise one is created.
    pub email: String,
    /// Their name (needed for a new account).
    pub name: Option<String>,
    /// Their role here.
    pub role: Role,
    /// First password (needed for a new account).
    pub password: Option<String>,
    /// When access ends (needed for auditors).
    pub expires_at: Option<OffsetDateTime>,
}

/// A member just added, and the invitation link's token when they are to set their own
/// password (shown once: only its hash is kept).
#[derive(Debug, Clone)]
pub struct Added {
    /// The membership and person.
    pub member: MemberRow,
    /// The token of the `/invite/{token}` link, for a new account without a password.
    pub invitation: Option<String>,
}

/// Adds a member to an organization, creating the account if needed. A new account without a
/// password gets an invitation link, valid for [`crate::invites::INVITE_DAYS`] days.
pub async fn add(app: &App, caller: &Caller, slug: &str, input: AddMember) -> Result<Added> {
    let email = Email::parse(&input.email)?;
    let scope = authz::scope(app, caller, slug, Need::Administer).await?;
    crate::orgs::refuse_if_archived(scope.org())?;
    check_grant(app, &scope, input.role, input.expires_at)?;
    let trusted = matches!(caller.credential(), Credential::LocalOperator)
        || scope.role() == Role::ProviderAdmin;
    // Whether an address has an account anywhere must not show in the answer: an adder who
    // cannot see every account checks the same fields, and gets the same kind of answer,
    // either way.
    let typed_name = if trusted {
        None
    } else {
        Some(user::parse_person_name(
            input.name.as_deref().unwrap_or(""),
        )?)
    };
    let membership = Membership {
        id: MembershipId::new(),
        user_id: UserId::new(),
        org_id: scope.org_id(),
        role: input.role,
        expires_at: input.expires_at,
        created_at: app.now(),
        archived_at: None,
        pending: None,
    };
    match app.store.find_user_by_email(&email).await? {
        Some(rec) if typed_name.is_some() && rec.user.home_org_id != scope.org_id() => {
            invite_existing(app, caller, &scope, rec, membership, typed_name).await
        }
        Some(rec) => add_existing(app, caller, &scope, rec, membership).await,
        None => add_new(app, caller, &scope, email, &input, membership).await,
    }
}

/// An account this organization does not own is invited, not added: the membership waits for
/// the person to accept it signed in as themselves, and until then the organization sees only
/// what it typed, exactly as for a new account.
async fn invite_existing(
    app: &App,
    caller: &Caller,
    scope: &TenantScope,
    rec: UserRecord,
    mut m: Membership,
    typed_name: Option<String>,
) -> Result<Added> {
    if m.role == Role::ProviderStaff && scope.org().kind == OrgKind::Client {
        return Err(Error::invalid(
            "email",
            "assign an existing provider staff member; create the account in the provider organization first",
        ));
    }
    let name = typed_name.unwrap_or_default();
    m.user_id = rec.user.id;
    m.pending = Some(name.clone());
    let (inv, token) = crate::invites::new_invitation(app, rec.user.id, scope.org_id())?;
    let event = caller.event(
        m.created_at,
        Some(scope.org_id()),
        "user.create",
        "user",
        Some(rec.user.id.to_string()),
        format!("account {} invited with role {}", rec.user.email, m.role),
    );
    app.store
        .insert_membership(scope, &m, Some(&inv), &event)
        .await?;
    let user = User {
        name,
        invited: true,
        mfa_enabled: false,
        ..rec.user
    };
    Ok(Added {
        member: MemberRow {
            membership: m,
            user,
        },
        invitation: Some(token),
    })
}

async fn add_existing(
    app: &App,
    caller: &Caller,
    scope: &TenantScope,
    rec: UserRecord,
    mut m: Membership,
) -> Result<Added> {
    if m.role == Role::ProviderStaff
        && scope.org().kind == OrgKind::Client
        && !is_provider_staff(app, rec.user.id, m.created_at).await?
    {
        return Err(Error::invalid(
            "role",
            "only members of the provider's staff can be assigned to a client as provider_staff",
        ));
    }
    m.user_id = rec.user.id;
    let event = caller.event(
        m.created_at,
        Some(scope.org_id()),
        "member.add",
        "membership",
        Some(m.id.to_string()),
        format!("{} given role {}", rec.user.email, m.role),
    );
    app.store.insert_membership(scope, &m, None, &event).await?;
    Ok(Added {
        member: MemberRow {
            membership: m,
            user: rec.user,
        },
        invitation: None,
    })
}

async fn add_new(
    app: &App,
    caller: &Caller,
    scope: &TenantScope,
    email: Email,
    input: &AddMember,
    m: Membership,
) -> Result<Added> {
    if m.role == Role::ProviderStaff && scope.org().kind == OrgKind::Client {
        return Err(Error::invalid(
            "email",
            "assign an existing provider staff member; create the account in the provider organization first",
        ));
    }
    let name = user::parse_person_name(input.name.as_deref().unwrap_or(""))?;
    let (password_hash, invitation) = if let Some(pw) = input.password.as_deref() {
        user::check_new_password(pw)?;
        (password::hash(pw).await?, None)
    } else {
        let (inv, token) = crate::invites::new_invitation(app, m.user_id, scope.org_id())?;
        (password::UNUSABLE.to_owned(), Some((inv, token)))
    };
    let now = m.created_at;
    let rec = UserRecord {
        user: User {
            id: m.user_id,
            email,
            name,
            home_org_id: scope.org_id(),
            mfa_enabled: false,
            invited: invitation.is_some(),
            created_at: now,
            archived_at: None,
        },
        password_hash,
        totp_secret: None,
        totp_pending: None,
        totp_last_step: None,
        password_changed_at: now,
    };
    let how = if invitation.is_some() {
        "invited"
    } else {
        "created"
    };
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "user.create",
        "user",
        Some(rec.user.id.to_string()),
        format!("account {} {how} with role {}", rec.user.email, m.role),
    );
    app.store
        .insert_user(scope, &rec, &m, invitation.as_ref().map(|(i, _)| i), &event)
        .await?;
    Ok(Added {
        member: MemberRow {
            membership: m,
            user: rec.user,
        },
        invitation: invitation.map(|(_, t)| t),
    })
}

fn check_grant(
    app: &App,
    scope: &TenantScope,
    role: Role,
    expires_at: Option<OffsetDateTime>,
) -> Result<()> {
    if !role.fits(scope.org().kind) {
        return Err(Error::invalid(
            "role",
            format!(
                "{role} is not a role in a {} organization",
                scope.org().kind.as_str()
            ),
        ));
    }
    if !authz::may_grant(scope, role) {
        return Err(Error::Forbidden("your role may not grant this role"));
    }
    let now = app.now();
    match expires_at {
        Some(e) if e <= now => return Err(Error::invalid("expires_at", "must be in the future")),
        Some(e) if role.must_expire() && e > now + Duration::days(AUDITOR_MAX_DAYS) => {
            return Err(Error::invalid(
                "expires_at",
                format!("auditor access may last at most {AUDITOR_MAX_DAYS} days"),
            ));
        }
        None if role.must_expire() => {
            return Err(Error::invalid(
                "expires_at",
                "is required: auditor access must end",
            ));
        }
        _ => {}
    }
    Ok(())
}

async fn is_provider_staff(app: &App, user: UserId, now: OffsetDateTime) -> Result<bool> {
    let provider = app.store.provider().await?.ok_or(Error::NotFound)?;
    Ok(app.store.memberships_of_user(user).await?.iter().any(|m| {
        m.org_id == provider.id
            && m.is_active(now)
            && matches!(m.role, Role::ProviderStaff | Role::ProviderAdmin)
    }))
}

/// Lists an organization's members.
pub async fn list(
    app: &App,
    caller: &Caller,
    slug: &str,
    filter: &MemberFilter,
    page: &PageRequest,
) -> Result<Page<MemberRow>> {
    let scope = authz::scope(app, caller, slug, Need::Read).await?;
    app.store.list_members(&scope, filter, page).await
}

/// Changes to a membership.
#[derive(Debug, Clone, Default)]
pub struct UpdateMember {
    /// New role.
    pub role: Option<Role>,
    /// New end of access; `Some(None)` removes it (not allowed for auditors).
    pub expires_at: Option<Option<OffsetDateTime>>,
}

/// Changes a member's role or expiry.
pub async fn update(
    app: &App,
    caller: &Caller,
    slug: &str,
    id: MembershipId,
    input: UpdateMember,
) -> Result<MemberRow> {
    let scope = authz::scope(app, caller, slug, Need::Administer).await?;
    crate::orgs::refuse_if_archived(scope.org())?;
    let mut row = app.store.get_member(&scope, id).await?;
    if row.membership.archived_at.is_some() {
        return Err(Error::conflict(
            "membership",
            "this membership was revoked; add the person again",
        ));
    }
    if !authz::may_grant(&scope, row.membership.role) {
        return Err(Error::Forbidden("your role may not change this member"));
    }
    let before = row.membership.clone();
    if let Some(r) = input.role {
        row.membership.role = r;
    }
    if let Some(e) = input.expires_at {
        row.membership.expires_at = e;
    }
    if row.membership == before {
        return Ok(row);
    }
    check_grant(app, &scope, row.membership.role, row.membership.expires_at)?;
    if before.role == Role::ProviderAdmin && row.membership.role != Role::ProviderAdmin {
        keep_one_provider_admin(app, &scope).await?;
    }
    let event = caller.event(
        app.now(),
        Some(scope.org_id()),
        "member.update",
        "membership",
        Some(id.to_string()),
        format!(
            "{}: role {} -> {}",
            row.user.email, before.role, row.membership.role
        ),
    );
    app.store
        .update_membership(&scope, &row.membership, &event)
        .await?;
    Ok(row)
}

/// Revokes a membership. The record stays, marked revoked.
pub async fn revoke(app: &App, caller: &Caller, slug: &str, id: MembershipId) -> Result<MemberRow> {
    let scope = authz::scope(app, caller, slug, Need::Administer).await?;
    let mut row = app.store.get_member(&scope, id).await?;
    if row.membership.archived_at.is_some() {
        return Ok(row);
    }
    if !authz::may_grant(&scope, row.membership.role) {
        return Err(Error::Forbidden("your role may not remove this member"));
    }
    if row.membership.role == Role::ProviderAdmin {
        keep_one_provider_admin(app, &scope).await?;
    }
    let now = app.now();
    row.membership.archived_at = Some(now);
    let event = caller.event(
        now,
        Some(scope.org_id()),
        "member.revoke",
        "membership",
        Some(id.to_string()),
        format!("{}: role {} revoked", row.user.email, row.membership.role),
    );
    app.store
        .update_membership(&scope, &row.membership, &event)
        .await?;
    Ok(row)
}

async fn keep_one_provider_admin(app: &App, scope: &TenantScope) -> Result<()> {
    let filter = MemberFilter {
        role: Some(Role::ProviderAdmin),
        ..MemberFilter::default()
    };
    let admins = app
        .store
        .list_members(
            scope,
            &filter,
            &PageRequest {
                limit: 2,
                after: None,
            },
        )
        .await?;
    if admins.items.len() < 2 {
        return Err(Error::conflict(
            "role",
            "the installation must keep at least one provider administrator",
        ));
    }
    Ok(())
}

/// The calling user and their active memberships.
pub async fn me(app: &App, caller: &Caller) -> Result<(User, Vec<Membership>)> {
    let u = caller.user().ok_or(Error::Unauthenticated)?;
    let rec = app
        .store
        .find_user(u.id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    Ok((rec.user, caller.memberships().to_vec()))
}

/// What ending a password's reach undid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revoked {
    /// Sessions ended.
    pub sessions: u64,
    /// API tokens revoked.
    pub tokens: u64,
}

/// Changes the caller's own password; other sessions are signed out and every API token is
/// revoked (a token made under the old password must not outlive it).
pub async fn change_password(
    app: &App,
    caller: &Caller,
    current: &str,
    new: &str,
) -> Result<Revoked> {
    let uid = caller.user_id().ok_or(Error::Unauthenticated)?;
    let mut rec = app
        .store
        .find_user(uid)
        .await?
        .ok_or(Error::Unauthenticated)?;
    if !password::verify(current, &rec.password_hash).await? {
        return Err(Error::invalid(
            "current_password",
            "is not your current password",
        ));
    }
    user::check_new_password(new).map_err(|e| Error::invalid("new_password", e.reason))?;
    if current == new {
        return Err(Error::invalid(
            "new_password",
            "must differ from the current password",
        ));
    }
    let now = app.now();
    rec.password_hash = password::hash(new).await?;
    rec.password_changed_at = now;
    let event = caller.event(
        now,
        Some(rec.user.home_org_id),
        "user.password",
        "user",
        Some(uid.to_string()),
        "password changed",
    );
    app.store.update_user(&rec, &event).await?;
    let keep = match caller.credential() {
        Credential::Session(s) => Some(*s),
        _ => None,
    };
    let sessions = app.store.revoke_user_sessions(uid, keep, now).await?;
    let tokens = app.store.revoke_user_tokens(uid, now).await?;
    Ok(Revoked { sessions, tokens })
}

/// Sets a user's password from the command line (lost password), ending their sessions and
/// lifting any sign-in lock; optionally removes their second factor (lost device).
pub async fn reset_password(
    app: &App,
    operator: &Caller,
    email: &str,
    new: &str,
    reset_mfa: bool,
) -> Result<(User, Revoked)> {
    if !matches!(operator.credential(), Credential::LocalOperator) {
        return Err(Error::Forbidden("only the operator may reset passwords"));
    }
    let email = Email::parse(email)?;
    let mut rec = app
        .store
        .find_user_by_email(&email)
        .await?
        .ok_or_else(|| Error::invalid("email", "no user has this e-mail address"))?;
    user::check_new_password(new)?;
    let now = app.now();
    rec.password_hash = password::hash(new).await?;
    rec.password_changed_at = now;
    let mut summary = "password reset by the operator".to_owned();
    if reset_mfa {
        rec.totp_secret = None;
        rec.totp_pending = None;
        rec.user.mfa_enabled = false;
        summary.push_str("; second factor removed");
    }
    let event = operator.event(
        now,
        Some(rec.user.home_org_id),
        "user.reset",
        "user",
        Some(rec.user.id.to_string()),
        summary,
    );
    app.store.update_user(&rec, &event).await?;
    let sessions = app
        .store
        .revoke_user_sessions(rec.user.id, None, now)
        .await?;
    let tokens = app.store.revoke_user_tokens(rec.user.id, now).await?;
    app.store
        .clear_throttle(&throttle::account_key(email.as_str()))
        .await?;
    Ok((rec.user, Revoked { sessions, tokens }))
}

//! Invitations: a new member gets a one-time link to set their own password, so nobody else
//! ever knows it. The link's token is shown once to whoever invited them; only its SHA-256 is
//! stored.

use safeharbor_domain::ids::{InvitationId, MembershipId, OrgId, UserId};
use safeharbor_domain::user::{self, Email, User};
use time::{Duration, OffsetDateTime};

use crate::App;
use crate::auth::{password, secret};
use crate::authz::{self, Caller, Need};
use crate::error::{Error, Result};
use crate::ports::InvitationRecord;

/// How long an invitation link works.
pub const INVITE_DAYS: i64 = 7;
/// Prefix of invitation tokens.
pub const INVITE_PREFIX: &str = "shi_";

/// A fresh invitation for `user` to `org`, and its token.
pub(crate) fn new_invitation(
    app: &App,
    user: UserId,
    org: OrgId,
) -> Result<(InvitationRecord, String)> {
    let token = secret::new_token(INVITE_PREFIX)?;
    let now = app.now();
    let inv = InvitationRecord {
        id: InvitationId::new(),
        token_hash: secret::digest(&token),
        user_id: user,
        org_id: org,
        created_at: now,
        expires_at: now + Duration::days(INVITE_DAYS),
        used_at: None,
    };
    Ok((inv, token))
}

/// What the invitation page shows.
#[derive(Debug, Clone)]
pub struct PendingInvitation {
    /// The invited address.
    pub email: Email,
    /// The invited person's name.
    pub name: String,
    /// Until when the link works.
    pub expires_at: OffsetDateTime,
    /// The person already has an account: they sign in and accept, no password is set.
    pub existing_account: bool,
}

/// An invitation to an existing account: the pending membership it opens.
async fn pending_membership(
    app: &App,
    inv: &InvitationRecord,
) -> Result<Option<safeharbor_domain::user::Membership>> {
    Ok(app
        .store
        .memberships_of_user(inv.user_id)
        .await?
        .into_iter()
        .find(|m| m.org_id == inv.org_id && m.pending.is_some() && m.archived_at.is_none()))
}

async fn usable(app: &App, token: &str) -> Result<(InvitationRecord, crate::ports::UserRecord)> {
    let inv = app
        .store
        .find_invitation(&secret::digest(token.trim()))
        .await?
        .ok_or(Error::NotFound)?;
    if inv.used_at.is_some() || app.now() >= inv.expires_at {
        return Err(Error::NotFound);
    }
    let rec = app
        .store
        .find_user(inv.user_id)
        .await?
        .ok_or(Error::NotFound)?;
    if rec.user.archived_at.is_some()
        || (!rec.user.invited && pending_membership(app, &inv).await?.is_none())
    {
        return Err(Error::NotFound);
    }
    Ok((inv, rec))
}

/// The invitation behind a link: `NotFound` if unknown, used or expired.
pub async fn show(app: &App, token: &str) -> Result<PendingInvitation> {
    let (inv, rec) = usable(app, token).await?;
    Ok(PendingInvitation {
        email: rec.user.email,
        existing_account: !rec.user.invited,
        name: rec.user.name,
        expires_at: inv.expires_at,
    })
}

/// An existing account accepts an invitation to another organization, signed in as itself.
pub async fn join(app: &App, caller: &Caller, token: &str) -> Result<OrgId> {
    let (inv, rec) = usable(app, token).await?;
    if caller.user_id() != Some(rec.user.id) {
        return Err(Error::Forbidden(
            "this invitation is for another account: sign in as the person invited",
        ));
    }
    let m = pending_membership(app, &inv)
        .await?
        .ok_or(Error::NotFound)?;
    let now = app.now();
    let event = caller.event(
        now,
        Some(inv.org_id),
        "member.join",
        "membership",
        Some(m.id.to_string()),
        format!("{} accepted the invitation as {}", rec.user.email, m.role),
    );
    app.store.join_by_invitation(&inv, m.id, &event).await?;
    Ok(inv.org_id)
}

/// Sets the invited person's first password and uses up the link.
pub async fn accept(
    app: &App,
    token: &str,
    new_password: &str,
    ip: Option<String>,
    request_id: Option<String>,
) -> Result<User> {
    let (mut inv, mut rec) = usable(app, token).await?;
    if !rec.user.invited {
        return Err(Error::conflict(
            "invitation",
            "you already have an account: sign in and accept the invitation",
        ));
    }
    user::check_new_password(new_password)?;
    let now = app.now();
    rec.password_hash = password::hash(new_password).await?;
    rec.password_changed_at = now;
    rec.user.invited = false;
    inv.used_at = Some(now);
    let event = safeharbor_domain::audit::NewAuditEvent {
        at: now,
        actor_user_id: Some(rec.user.id),
        actor: rec.user.email.to_string(),
        org_id: Some(inv.org_id),
        action: "user.activate".into(),
        entity_type: "user".into(),
        entity_id: Some(rec.user.id.to_string()),
        summary: "invitation accepted; password set".into(),
        ip,
        request_id,
    };
    app.store.accept_invitation(&inv, &rec, &event).await?;
    Ok(rec.user)
}

/// Makes a new link for a member who has not accepted yet (the first was lost or expired).
pub async fn reissue(
    app: &App,
    caller: &Caller,
    slug: &str,
    membership: MembershipId,
) -> Result<String> {
    let scope = authz::scope(app, caller, slug, Need::Administer).await?;
    let row = app.store.get_member(&scope, membership).await?;
    if !authz::may_grant(&scope, row.membership.role) {
        return Err(Error::Forbidden("your role may not invite this member"));
    }
    if !(row.user.invited || row.membership.pending.is_some())
        || row.membership.archived_at.is_some()
    {
        return Err(Error::conflict(
            "membership",
            "this person has already set a password; nothing to resend",
        ));
    }
    let (inv, token) = new_invitation(app, row.user.id, scope.org_id())?;
    let event = caller.event(
        app.now(),
        Some(scope.org_id()),
        "user.invite",
        "user",
        Some(row.user.id.to_string()),
        format!("new invitation link for {}", row.user.email),
    );
    app.store.insert_invitation(&scope, &inv, &event).await?;
    Ok(token)
}

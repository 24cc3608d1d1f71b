//! Sign-in, sessions and sign-out.
//!
//! A session is a random token in a cookie; the database keeps only its SHA-256. A session ends
//! after `session_idle` without a request (automatic logoff, 164.312(a)(2)(iii)), after
//! `session_absolute` in any case, or when signed out or revoked.

use safeharbor_domain::ids::SessionId;
use safeharbor_domain::user::Email;
use time::Duration;

use crate::App;
use crate::authz::{Caller, Credential};
use crate::error::{Error, Result};
use crate::ports::{SessionRecord, UserRecord};

use super::{password, secret, throttle, totp};

/// A sign-in attempt.
#[derive(Debug, Clone)]
pub struct SignIn {
    /// The address typed.
    pub email: String,
    /// The password typed.
    pub password: String,
    /// The second-factor code, if given.
    pub totp: Option<String>,
    /// Whether a missing code may open a session that waits for it (the web pages' two-step
    /// sign-in) instead of failing with `MfaRequired` (the API's one-step sign-in).
    pub allow_pending_mfa: bool,
    /// Source address.
    pub ip: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
}

/// A session just opened. `token` goes into the cookie and is never stored.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The cookie value.
    pub token: String,
    /// The stored session.
    pub session: SessionRecord,
}

/// An authenticated session and its caller.
#[derive(Debug, Clone)]
pub struct SessionContext {
    /// The caller, for use cases.
    pub caller: Caller,
    /// The session, for CSRF checks and timeouts.
    pub session: SessionRecord,
}

/// Checks the credentials and opens a session.
///
/// Every failure (unknown address, wrong password, wrong code, disabled account) answers the
/// same `Unauthenticated` after the same work, is counted for throttling and is recorded.
pub async fn sign_in(app: &App, input: SignIn) -> Result<SignedIn> {
    let now = app.now();
    let acct_key = throttle::account_key(&input.email);
    let addr_key = input.ip.as_deref().map(throttle::address_key);
    let mut keys = vec![acct_key.clone()];
    keys.extend(addr_key.clone());
    throttle::check(app, &keys, now).await?;

    let record = match Email::parse(&input.email) {
        Ok(email) => app.store.find_user_by_email(&email).await?,
        Err(_) => None,
    };
    let ok = match &record {
        Some(r) if r.user.archived_at.is_none() => {
            password::verify(&input.password, &r.password_hash).await?
        }
        _ => {
            password::verify_dummy(&input.password).await?;
            false
        }
    };
    let user = match record {
        Some(user) if ok => user,
        other => {
            return fail(
                app,
                &input,
                other.as_ref(),
                &acct_key,
                addr_key.as_deref(),
                "wrong e-mail or password",
            )
            .await;
        }
    };

    let mut mfa_pending = false;
    if user.user.mfa_enabled {
        match input.totp.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(code) => {
                if !check_code(app, &user, code).await? {
                    return fail(
                        app,
                        &input,
                        Some(&user),
                        &acct_key,
                        addr_key.as_deref(),
                        "wrong second-factor code",
                    )
                    .await;
                }
            }
            None if input.allow_pending_mfa => mfa_pending = true,
            None => return Err(Error::MfaRequired),
        }
    }

    app.store.clear_throttle(&acct_key).await?;
    let token = secret::new_token(secret::SESSION_PREFIX)?;
    let session = SessionRecord {
        id: SessionId::new(),
        token_hash: secret::digest(&token),
        user_id: user.user.id,
        created_at: now,
        last_seen_at: now,
        expires_at: now + app.settings().session_absolute,
        revoked_at: None,
        mfa_pending,
        ip: input.ip.clone(),
        csrf_token: secret::new_token("")?,
    };
    let caller = Caller::authenticated(
        user.user.clone(),
        Credential::Session(session.id),
        Vec::new(),
        input.ip.clone(),
        input.request_id.clone(),
    );
    let summary = if mfa_pending {
        "password accepted; waiting for the second factor"
    } else {
        "signed in"
    };
    let event = caller.event(
        now,
        Some(user.user.home_org_id),
        "session.create",
        "session",
        Some(session.id.to_string()),
        summary,
    );
    app.store.insert_session(&session, &event).await?;
    Ok(SignedIn { token, session })
}

async fn fail<T>(
    app: &App,
    input: &SignIn,
    user: Option<&UserRecord>,
    acct_key: &str,
    addr_key: Option<&str>,
    why: &str,
) -> Result<T> {
    let typed = Email::parse(&input.email)
        .map_or_else(|_| "(not an e-mail address)".to_owned(), |e| e.to_string());
    let event = safeharbor_domain::audit::NewAuditEvent {
        at: app.now(),
        actor_user_id: user.map(|u| u.user.id),
        actor: typed,
        org_id: user.map(|u| u.user.home_org_id),
        action: "session.fail".into(),
        entity_type: "session".into(),
        entity_id: None,
        summary: format!("sign-in failed: {why}"),
        ip: input.ip.clone(),
        request_id: input.request_id.clone(),
    };
    throttle::record_failure(app, acct_key, addr_key, &event).await?;
    Err(Error::Unauthenticated)
}

/// Whether `code` is the user's current TOTP code and has not been used before.
pub(crate) async fn check_code(app: &App, user: &UserRecord, code: &str) -> Result<bool> {
    let Some(secret) = user.totp_secret.as_deref() else {
        return Ok(false);
    };
    match totp::matching_step(secret, code, app.now().unix_timestamp())? {
        Some(step) => app.store.advance_totp_step(user.user.id, step).await,
        None => Ok(false),
    }
}

/// How far a session check goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Fully signed in.
    Complete,
    /// Password given, second factor awaited: only the challenge accepts this.
    AwaitingMfa,
}

/// Resolves a session cookie to its caller, enforcing the timeouts.
pub async fn authenticate(
    app: &App,
    token: &str,
    stage: Stage,
    ip: Option<String>,
    request_id: Option<String>,
) -> Result<SessionContext> {
    let now = app.now();
    let mut s = app
        .store
        .find_session(&secret::digest(token))
        .await?
        .ok_or(Error::Unauthenticated)?;
    if s.revoked_at.is_some() || now >= s.expires_at {
        return Err(Error::Unauthenticated);
    }
    let user = app
        .store
        .find_user(s.user_id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let memberships = super::active_memberships(app, &user, now).await?;
    let caller = Caller::authenticated(
        user.user.clone(),
        Credential::Session(s.id),
        memberships,
        ip,
        request_id,
    );
    if now - s.last_seen_at >= app.settings().session_idle {
        s.revoked_at = Some(now);
        let event = caller.event(
            now,
            Some(user.user.home_org_id),
            "session.timeout",
            "session",
            Some(s.id.to_string()),
            "signed out automatically after inactivity",
        );
        app.store.update_session(&s, &event).await?;
        return Err(Error::Unauthenticated);
    }
    if user.user.archived_at.is_some() || s.mfa_pending != (stage == Stage::AwaitingMfa) {
        return Err(Error::Unauthenticated);
    }
    // Writing on every request would make reads cost a write; a few seconds of slack in the
    // idle timer is the price.
    if now - s.last_seen_at >= Duration::seconds(5) {
        app.store.touch_session(s.id, now).await?;
        s.last_seen_at = now;
    }
    Ok(SessionContext { caller, session: s })
}

/// Completes a two-step sign-in with the second-factor code.
pub async fn complete_mfa(app: &App, ctx: &SessionContext, code: &str) -> Result<()> {
    let now = app.now();
    let user = app
        .store
        .find_user(ctx.session.user_id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let acct_key = throttle::account_key(user.user.email.as_str());
    let addr_key = ctx.session.ip.as_deref().map(throttle::address_key);
    let mut keys = vec![acct_key.clone()];
    keys.extend(addr_key.clone());
    throttle::check(app, &keys, now).await?;
    if !check_code(app, &user, code).await? {
        let input = SignIn {
            email: user.user.email.to_string(),
            password: String::new(),
            totp: None,
            allow_pending_mfa: true,
            ip: ctx.session.ip.clone(),
            request_id: ctx.caller.request_id().map(str::to_owned),
        };
        return fail(
            app,
            &input,
            Some(&user),
            &acct_key,
            addr_key.as_deref(),
            "wrong second-factor code",
        )
        .await;
    }
    let mut s = ctx.session.clone();
    s.mfa_pending = false;
    s.last_seen_at = now;
    let event = ctx.caller.event(
        now,
        Some(user.user.home_org_id),
        "session.mfa",
        "session",
        Some(s.id.to_string()),
        "second factor accepted",
    );
    app.store.update_session(&s, &event).await
}

/// Ends a session.
pub async fn sign_out(app: &App, ctx: &SessionContext) -> Result<()> {
    let now = app.now();
    let mut s = ctx.session.clone();
    s.revoked_at = Some(now);
    let org = ctx.caller.user().map(|u| u.home_org_id);
    let event = ctx.caller.event(
        now,
        org,
        "session.revoke",
        "session",
        Some(s.id.to_string()),
        "signed out",
    );
    app.store.update_session(&s, &event).await
}

/// The caller's open sessions (idle ones included until they are next touched).
pub async fn list_mine(app: &App, caller: &Caller) -> Result<Vec<SessionRecord>> {
    let uid = caller.user_id().ok_or(Error::Unauthenticated)?;
    let now = app.now();
    let idle = app.settings().session_idle;
    Ok(app
        .store
        .list_sessions(uid, now)
        .await?
        .into_iter()
        .filter(|s| now - s.last_seen_at < idle)
        .collect())
}

/// Ends one of the caller's sessions (a browser left signed in elsewhere). Another user's
/// session is `NotFound`.
pub async fn revoke_mine(app: &App, caller: &Caller, id: SessionId) -> Result<()> {
    let uid = caller.user_id().ok_or(Error::Unauthenticated)?;
    let now = app.now();
    let mut s = app
        .store
        .list_sessions(uid, now)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(Error::NotFound)?;
    s.revoked_at = Some(now);
    let org = caller.user().map(|u| u.home_org_id);
    let event = caller.event(
        now,
        org,
        "session.revoke",
        "session",
        Some(id.to_string()),
        "session ended from another session",
    );
    app.store.update_session(&s, &event).await
}

//! Enrolling and removing the second factor (TOTP), 164.312(d) person or entity authentication.

use crate::App;
use crate::authz::Caller;
use crate::error::{Error, Result};

use super::{password, session, totp};

/// What an authenticator app needs to enroll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    /// The secret, base32, to type in by hand.
    pub secret: String,
    /// The `otpauth://` URI, to show as a QR code.
    pub otpauth_uri: String,
}

/// Starts enrollment: makes a new secret, keeps it pending until a code confirms it.
pub async fn begin(app: &App, caller: &Caller, issuer: &str) -> Result<Enrollment> {
    let uid = caller.user_id().ok_or(Error::Unauthenticated)?;
    let mut rec = app
        .store
        .find_user(uid)
        .await?
        .ok_or(Error::Unauthenticated)?;
    if rec.user.mfa_enabled {
        return Err(Error::conflict(
            "mfa",
            "a second factor is already enrolled; remove it first",
        ));
    }
    let secret = totp::new_secret()?;
    rec.totp_pending = Some(secret.clone());
    let event = caller.event(
        app.now(),
        Some(rec.user.home_org_id),
        "mfa.begin",
        "user",
        Some(uid.to_string()),
        "second-factor enrollment started",
    );
    app.store.update_user(&rec, &event).await?;
    let otpauth_uri = totp::otpauth_uri(&secret, issuer, rec.user.email.as_str());
    Ok(Enrollment {
        secret,
        otpauth_uri,
    })
}

/// Finishes enrollment with a code from the app.
pub async fn confirm(app: &App, caller: &Caller, code: &str) -> Result<()> {
    let uid = caller.user_id().ok_or(Error::Unauthenticated)?;
    let mut rec = app
        .store
        .find_user(uid)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let pending = rec
        .totp_pending
        .clone()
        .ok_or_else(|| Error::conflict("mfa", "no enrollment in progress; start one first"))?;
    let Some(step) = totp::matching_step(&pending, code, app.now().unix_timestamp())? else {
        return Err(Error::invalid(
            "code",
            "is not the current code from your authenticator app; check the app's clock and try the next code",
        ));
    };
    rec.totp_secret = Some(pending);
    rec.totp_pending = None;
    rec.totp_last_step = Some(step);
    rec.user.mfa_enabled = true;
    let event = caller.event(
        app.now(),
        Some(rec.user.home_org_id),
        "mfa.enable",
        "user",
        Some(uid.to_string()),
        "second factor enrolled",
    );
    app.store.update_user(&rec, &event).await
}

/// Removes the caller's second factor; needs the password and a current code.
pub async fn remove(app: &App, caller: &Caller, pw: &str, code: &str) -> Result<()> {
    let uid = caller.user_id().ok_or(Error::Unauthenticated)?;
    let mut rec = app
        .store
        .find_user(uid)
        .await?
        .ok_or(Error::Unauthenticated)?;
    if !rec.user.mfa_enabled {
        return Err(Error::conflict("mfa", "no second factor is enrolled"));
    }
    if !password::verify(pw, &rec.password_hash).await? {
        return Err(Error::invalid(
            "current_password",
            "is not your current password",
        ));
    }
    if !session::check_code(app, &rec, code).await? {
        return Err(Error::invalid(
            "code",
            "is not the current code from your authenticator app",
        ));
    }
    rec.totp_secret = None;
    rec.totp_pending = None;
    rec.user.mfa_enabled = false;
    let event = caller.event(
        app.now(),
        Some(rec.user.home_org_id),
        "mfa.disable",
        "user",
        Some(uid.to_string()),
        "second factor removed",
    );
    app.store.update_user(&rec, &event).await
}

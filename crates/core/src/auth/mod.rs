//! Authentication: passwords, sessions, second factor, API tokens, sign-in throttling.

pub mod mfa;
pub mod password;
pub mod secret;
pub mod session;
pub mod throttle;
pub mod token;
pub mod totp;

use safeharbor_domain::user::Membership;
use time::OffsetDateTime;

use crate::App;
use crate::error::Result;
use crate::ports::UserRecord;

/// The memberships of a user that grant access now.
pub(crate) async fn active_memberships(
    app: &App,
    user: &UserRecord,
    now: OffsetDateTime,
) -> Result<Vec<Membership>> {
    let all = app.store.memberships_of_user(user.user.id).await?;
    Ok(all.into_iter().filter(|m| m.is_active(now)).collect())
}

/// The operator at the command line acting as a user, with that user's memberships: for
/// recording work in someone's name (demo data, back-filled records) through the ordinary use
/// cases, so the audit trail and sign-offs name the person. Only the CLI makes one: whoever
/// can run it already holds the database.
pub async fn operator_as(app: &App, email: &str) -> Result<crate::Caller> {
    let email = safeharbor_domain::user::Email::parse(email)?;
    let user = app
        .store
        .find_user_by_email(&email)
        .await?
        .ok_or(crate::Error::NotFound)?;
    let memberships = active_memberships(app, &user, app.now()).await?;
    Ok(crate::Caller::authenticated(
        user.user,
        crate::authz::Credential::LocalOperator,
        memberships,
        None,
        None,
    ))
}

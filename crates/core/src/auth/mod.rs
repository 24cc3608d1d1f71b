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

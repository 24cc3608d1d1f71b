//! Sign-in throttling: failures are counted per account (by the address typed, whether or not
//! such an account exists, so locking reveals nothing) and per source address. Past a
//! threshold within the window, further attempts are refused until the lock passes.

use safeharbor_domain::audit::NewAuditEvent;
use time::OffsetDateTime;

use crate::App;
use crate::error::{Error, Result};
use crate::ports::ThrottleState;

/// The throttle key of the account named by an e-mail as typed.
pub fn account_key(email: &str) -> String {
    format!(
        "acct:{}",
        super::secret::digest(&email.trim().to_lowercase())
    )
}

/// The throttle key of a source address.
pub fn address_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// Refuses the attempt if either key is locked now.
pub async fn check(app: &App, keys: &[String], now: OffsetDateTime) -> Result<()> {
    for key in keys {
        if let Some(s) = app.store.get_throttle(key).await?
            && let Some(until) = s.locked_until
            && until > now
        {
            let secs = (until - now).whole_seconds().max(1);
            return Err(Error::TooManyAttempts {
                retry_after_secs: u64::try_from(secs).unwrap_or(1),
            });
        }
    }
    Ok(())
}

/// The state of a key after one more failure.
pub fn after_failure(
    prev: Option<ThrottleState>,
    now: OffsetDateTime,
    window: time::Duration,
    threshold: i64,
    lock_for: time::Duration,
) -> ThrottleState {
    let mut s = match prev {
        Some(p) if now - p.window_start < window => p,
        _ => ThrottleState {
            failures: 0,
            window_start: now,
            locked_until: None,
        },
    };
    s.failures += 1;
    if s.failures >= threshold {
        s.locked_until = Some(now + lock_for);
    }
    s
}

/// Counts a failure against the account and the address and records the event.
pub async fn record_failure(
    app: &App,
    account: &str,
    address: Option<&str>,
    event: &NewAuditEvent,
) -> Result<()> {
    let st = app.settings();
    let now = event.at;
    let mut states = Vec::with_capacity(2);
    let prev = app.store.get_throttle(account).await?;
    states.push((
        account.to_owned(),
        after_failure(
            prev,
            now,
            st.throttle_window,
            st.account_lock_threshold,
            st.lock_duration,
        ),
    ));
    if let Some(addr) = address {
        let prev = app.store.get_throttle(addr).await?;
        states.push((
            addr.to_owned(),
            after_failure(
                prev,
                now,
                st.throttle_window,
                st.address_lock_threshold,
                st.lock_duration,
            ),
        ));
    }
    app.store.record_sign_in_failure(&states, event).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    #[test]
    fn the_fifth_failure_in_the_window_locks() {
        let t0 = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let mut s = None;
        for i in 0..5 {
            let next = after_failure(
                s,
                t0 + Duration::seconds(i),
                Duration::minutes(15),
                5,
                Duration::minutes(15),
            );
            assert_eq!(next.locked_until.is_some(), i == 4, "failure {}", i + 1);
            s = Some(next);
        }
    }

    #[test]
    fn failures_outside_the_window_start_over() {
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let s = after_failure(None, t0, Duration::minutes(15), 5, Duration::minutes(15));
        let later = after_failure(
            Some(ThrottleState { failures: 4, ..s }),
            t0 + Duration::minutes(16),
            Duration::minutes(15),
            5,
            Duration::minutes(15),
        );
        assert_eq!(later.failures, 1);
        assert_eq!(later.locked_until, None);
    }

    #[test]
    fn account_keys_do_not_depend_on_case_or_existence() {
        assert_eq!(
            account_key("Ana@Example.com "),
            account_key("ana@example.com")
        );
        assert!(account_key("nobody@example.com").starts_with("acct:"));
    }
}

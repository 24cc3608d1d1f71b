//! Password hashing with argon2id (default parameters: 19 MiB, 2 passes, 1 lane, as OWASP
//! recommends). Hashing runs on the blocking pool so it does not stall request handling.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::error::{Error, Result};

/// A stored hash that no password matches (accounts awaiting a first password).
pub const UNUSABLE: &str = "!";

/// Hashes a password to a PHC string.
pub async fn hash(password: &str) -> Result<String> {
    let pw = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(pw.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(Error::internal)?
}

/// Checks a password against a stored hash. A malformed or unusable hash matches nothing, but
/// still costs one hash, so the answer takes the same time.
pub async fn verify(password: &str, stored: &str) -> Result<bool> {
    let pw = password.to_owned();
    let stored = stored.to_owned();
    tokio::task::spawn_blocking(move || verify_blocking(&pw, &stored))
        .await
        .map_err(Error::internal)
}

/// Spends the time of one verification against a hash no password matches: used for unknown
/// accounts, so they cannot be told apart from wrong passwords by timing.
pub async fn verify_dummy(password: &str) -> Result<()> {
    let pw = password.to_owned();
    tokio::task::spawn_blocking(move || burn(&pw))
        .await
        .map_err(Error::internal)
}

fn verify_blocking(password: &str, stored: &str) -> bool {
    if let Ok(parsed) = PasswordHash::new(stored) {
        return Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
    }
    burn(password);
    false
}

/// One verification's worth of work against the dummy hash.
fn burn(password: &str) {
    if let Ok(parsed) = PasswordHash::new(dummy_hash()) {
        let _ = Argon2::default().verify_password(password.as_bytes(), &parsed);
    }
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        Argon2::default()
            .hash_password(b"safeharbor-dummy-password-never-matches")
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hashed_password_verifies_and_others_do_not() {
        let h = hash("correct horse battery").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h).await.unwrap());
        assert!(!verify("wrong horse battery", &h).await.unwrap());
        assert!(!verify("anything", UNUSABLE).await.unwrap());
    }
}

//! Random secrets and their stored digests.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Prefix of session tokens (cookie values).
pub const SESSION_PREFIX: &str = "shs_";
/// Prefix of API tokens, so secret scanners can recognise a leaked one.
pub const API_TOKEN_PREFIX: &str = "sht_";

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| Error::internal(format!("random source failed: {e}")))?;
    Ok(b)
}

/// A new secret token: a prefix and 256 random bits, URL-safe.
pub fn new_token(prefix: &str) -> Result<String> {
    Ok(format!(
        "{prefix}{}",
        URL_SAFE_NO_PAD.encode(random_bytes::<32>()?)
    ))
}

/// The digest a token is stored and looked up by. Tokens carry 256 bits of entropy, so a
/// plain SHA-256 is enough: there is nothing to brute-force.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_prefixed_and_digested() {
        let a = new_token(API_TOKEN_PREFIX).unwrap();
        let b = new_token(API_TOKEN_PREFIX).unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("sht_"));
        assert_eq!(a.len(), 4 + 43);
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), digest(&b));
    }
}

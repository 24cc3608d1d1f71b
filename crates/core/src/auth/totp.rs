//! Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1, 6 digits, 30-second
//! steps, as every authenticator app expects.

use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::error::{Error, Result};

/// Length of a step, in seconds.
pub const STEP_SECS: i64 = 30;

/// A new random secret (160 bits, as RFC 4226 recommends), in base32 for authenticator apps.
pub fn new_secret() -> Result<String> {
    Ok(data_encoding::BASE32_NOPAD.encode(&super::secret::random_bytes::<20>()?))
}

/// The time step containing the Unix time `unix`.
pub fn step_at(unix: i64) -> i64 {
    unix.div_euclid(STEP_SECS)
}

/// The 6-digit code for `step`.
pub fn code(secret_b32: &str, step: i64) -> Result<String> {
    let key = data_encoding::BASE32_NOPAD
        .decode(secret_b32.as_bytes())
        .map_err(|_| Error::internal("stored TOTP secret is not base32"))?;
    let mut mac = Hmac::<Sha1>::new_from_slice(&key).map_err(Error::internal)?;
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[19] & 0x0f);
    let bin = (u32::from(h[offset] & 0x7f) << 24)
        | (u32::from(h[offset + 1]) << 16)
        | (u32::from(h[offset + 2]) << 8)
        | u32::from(h[offset + 3]);
    Ok(format!("{:06}", bin % 1_000_000))
}

/// The step whose code `given` is, allowing one step of clock drift either way.
pub fn matching_step(secret_b32: &str, given: &str, unix: i64) -> Result<Option<i64>> {
    let given: String = given.chars().filter(|c| !c.is_whitespace()).collect();
    if given.len() != 6 || !given.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    let now = step_at(unix);
    for step in [now, now - 1, now + 1] {
        if constant_eq(code(secret_b32, step)?.as_bytes(), given.as_bytes()) {
            return Ok(Some(step));
        }
    }
    Ok(None)
}

/// The `otpauth://` URI an authenticator app scans.
pub fn otpauth_uri(secret_b32: &str, issuer: &str, account: &str) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    subtle::ConstantTimeEq::ct_eq(a, b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B, SHA1 key "12345678901234567890", 8-digit codes; the last 6 digits
    // are the 6-digit codes.
    const RFC_KEY: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        for (t, full) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(code(RFC_KEY, step_at(t)).unwrap(), full[2..], "t={t}");
        }
    }

    #[test]
    fn one_step_of_drift_is_allowed_and_no_more() {
        let t = 1_234_567_890;
        let c = code(RFC_KEY, step_at(t)).unwrap();
        assert_eq!(matching_step(RFC_KEY, &c, t).unwrap(), Some(step_at(t)));
        assert_eq!(
            matching_step(RFC_KEY, &c, t + 30).unwrap(),
            Some(step_at(t))
        );
        assert_eq!(matching_step(RFC_KEY, &c, t + 90).unwrap(), None);
        assert_eq!(matching_step(RFC_KEY, "12a456", t).unwrap(), None);
    }

    #[test]
    fn secrets_are_base32_of_160_bits() {
        let s = new_secret().unwrap();
        assert_eq!(s.len(), 32);
        assert!(code(&s, 1).is_ok());
    }

    #[test]
    fn otpauth_uris_escape_names() {
        let u = otpauth_uri("ABC", "Acme IT", "ana@example.com");
        assert_eq!(
            u,
            "otpauth://totp/Acme%20IT:ana@example.com?secret=ABC&issuer=Acme%20IT&algorithm=SHA1&digits=6&period=30"
        );
    }
}

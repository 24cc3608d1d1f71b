//! The same-run baseline for the upload benchmark: how fast this machine hashes (SHA-256) and
//! seals (AES-256-GCM) on one core, separately and in one sequential pass, and how fast the blob
//! writer stores the same bytes. `bench/evidence_upload.sh` reports upload throughput as a
//! ratio to these, measured seconds apart on the same machine.

use std::time::Instant;

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use safeharbor_core::Result;
use sha2::{Digest, Sha256};

use crate::format::CHUNK;

/// Throughputs in MB/s (10^6 bytes per second).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Speeds {
    /// SHA-256 alone, one core.
    pub sha256: f64,
    /// AES-256-GCM alone, one core.
    pub aes_gcm: f64,
    /// Both, one after the other on each chunk, one core: the one-pass limit.
    pub one_pass: f64,
}

fn mbps(bytes: usize, secs: f64) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "a throughput figure")]
    let b = bytes as f64;
    b / secs / 1e6
}

/// Measures over `total` bytes (rounded up to whole 1 MiB chunks).
pub fn measure(total: usize) -> Result<Speeds> {
    let chunks = total.div_ceil(CHUNK).max(1);
    let bytes = chunks * CHUNK;
    let plain: Vec<u8> = (0..CHUNK)
        .map(|i| u8::try_from(i % 251).unwrap_or_default())
        .collect();
    let cipher = Aes256Gcm::new_from_slice(&[7u8; 32])
        .map_err(|_| safeharbor_core::Error::internal("key size"))?;
    let mut buf = plain.clone();
    let seal = |buf: &mut Vec<u8>, i: usize| -> Result<()> {
        let mut n = [0u8; 12];
        n[4..12].copy_from_slice(&(i as u64).to_be_bytes());
        cipher
            .encrypt_in_place_detached(&Nonce::from(n), b"", buf)
            .map(|_| ())
            .map_err(|_| safeharbor_core::Error::internal("seal"))
    };

    let t = Instant::now();
    let mut h = Sha256::new();
    for _ in 0..chunks {
        h.update(&plain);
    }
    std::hint::black_box(h.finalize());
    let sha256 = mbps(bytes, t.elapsed().as_secs_f64());

    let t = Instant::now();
    for i in 0..chunks {
        buf.copy_from_slice(&plain);
        seal(&mut buf, i)?;
    }
    std::hint::black_box(&buf);
    let aes_gcm = mbps(bytes, t.elapsed().as_secs_f64());

    let t = Instant::now();
    let mut h = Sha256::new();
    for i in 0..chunks {
        h.update(&plain);
        buf.copy_from_slice(&plain);
        seal(&mut buf, i)?;
    }
    std::hint::black_box(h.finalize());
    let one_pass = mbps(bytes, t.elapsed().as_secs_f64());
    Ok(Speeds {
        sha256,
        aes_gcm,
        one_pass,
    })
}

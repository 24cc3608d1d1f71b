//! The blob file format, version 1.
//!
//! ```text
//! header (32 bytes): "SHB1" | key id (8) | salt (16, random per blob) | chunk size (u32 BE)
//! blob key:          HMAC-SHA256(data key, "safeharbor-blob-v1" | salt)
//! then chunks:       AES-256-GCM under the blob key (plaintext[i]) | tag (16)
//! nonce of chunk i:  0 (7) | i (u32 BE) | 1 if last chunk else 0
//! associated data:   the header
//! ```
//! Every blob is sealed under its own key derived from the data key and a random 128-bit salt,
//! so nonces never repeat under one AES key however many blobs a data key seals (random 96-bit
//! nonces under a shared key would approach NIST SP 800-38D's collision bound after billions of
//! chunks). Every chunk but the last holds exactly `chunk size` bytes of plaintext. Putting the
//! index and the last-chunk flag in the nonce makes reordering, dropping or truncating chunks
//! fail authentication, and the header as associated data binds the key id, salt and chunk size.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use hmac::{Hmac, Mac};
use safeharbor_core::{Error, Result};
use sha2::Sha256;

use crate::keyring::{KEY_ID_LEN, Key};

/// Plaintext bytes per chunk.
pub const CHUNK: usize = 1 << 20;
/// Header length.
pub const HEADER_LEN: usize = 32;
/// Tag length.
pub const TAG_LEN: usize = 16;
const MAGIC: &[u8; 4] = b"SHB1";
/// Readers refuse chunk sizes above this, so a damaged header cannot ask for a huge buffer.
const MAX_CHUNK: u32 = 16 << 20;

/// The header of a blob file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The key the blob is sealed with.
    pub key_id: [u8; KEY_ID_LEN],
    salt: [u8; 16],
    chunk: u32,
}

impl Header {
    /// The bytes on disk.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0; HEADER_LEN];
        b[..4].copy_from_slice(MAGIC);
        b[4..12].copy_from_slice(&self.key_id);
        b[12..28].copy_from_slice(&self.salt);
        b[28..32].copy_from_slice(&self.chunk.to_be_bytes());
        b
    }

    /// Reads a header; `None` if it is not one this version wrote.
    pub fn parse(b: &[u8; HEADER_LEN]) -> Option<Self> {
        if &b[..4] != MAGIC {
            return None;
        }
        let chunk = u32::from_be_bytes([b[28], b[29], b[30], b[31]]);
        if chunk == 0 || chunk > MAX_CHUNK {
            return None;
        }
        let mut key_id = [0; KEY_ID_LEN];
        key_id.copy_from_slice(&b[4..12]);
        let mut salt = [0; 16];
        salt.copy_from_slice(&b[12..28]);
        Some(Self {
            key_id,
            salt,
            chunk,
        })
    }
}

fn nonce(index: u32, last: bool) -> [u8; 12] {
    let mut n = [0; 12];
    n[7..11].copy_from_slice(&index.to_be_bytes());
    n[11] = u8::from(last);
    n
}

/// The blob's own AES key: HMAC-SHA256 of the salt under the data key.
fn blob_cipher(key: &Key, salt: &[u8; 16]) -> Result<Aes256Gcm> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(&key.0).map_err(|_| Error::internal("key size"))?;
    mac.update(b"safeharbor-blob-v1");
    mac.update(salt);
    let derived = mac.finalize().into_bytes();
    Aes256Gcm::new_from_slice(&derived).map_err(|_| Error::internal("key size"))
}

fn sealed_failed() -> Error {
    Error::internal("blob store: a blob failed its integrity check")
}

/// Seals the chunks of one new blob.
pub struct Sealer {
    cipher: Aes256Gcm,
    header: Header,
    index: u32,
    done: bool,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl Sealer {
    /// A sealer under `key` with a fresh random nonce prefix, and the header to write first.
    pub fn new(key: &Key, key_id: [u8; KEY_ID_LEN]) -> Result<(Header, Self)> {
        let mut salt = [0; 16];
        getrandom::fill(&mut salt)
            .map_err(|e| Error::internal(format!("random source failed: {e}")))?;
        let header = Header {
            key_id,
            salt,
            chunk: u32::try_from(CHUNK).map_err(|_| Error::internal("chunk size"))?,
        };
        let cipher = blob_cipher(key, &salt)?;
        Ok((
            header,
            Self {
                cipher,
                header,
                index: 0,
                done: false,
            },
        ))
    }

    /// Appends the sealed form of `plain` (at most [`CHUNK`] bytes) to `out`.
    pub fn seal(&mut self, plain: &[u8], last: bool, out: &mut Vec<u8>) -> Result<()> {
        if self.done || plain.len() > CHUNK || (!last && plain.len() != CHUNK) {
            return Err(Error::internal("blob store: chunk out of order"));
        }
        let start = out.len();
        out.extend_from_slice(plain);
        let n = nonce(self.index, last);
        let tag = self
            .cipher
            .encrypt_in_place_detached(&Nonce::from(n), &self.header.to_bytes(), &mut out[start..])
            .map_err(|_| Error::internal("blob store: encryption failed"))?;
        out.extend_from_slice(&tag);
        self.index = self
            .index
            .checked_add(1)
            .ok_or_else(|| Error::internal("blob store: blob too large"))?;
        self.done = last;
        Ok(())
    }
}

/// Opens the chunks of one stored blob, in order.
#[derive(Clone)]
pub struct Opener {
    cipher: Aes256Gcm,
    header: Header,
    index: u32,
}

impl std::fmt::Debug for Opener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opener")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl Opener {
    /// An opener for a blob with `header`, sealed under `key`.
    pub fn new(key: &Key, header: Header) -> Result<Self> {
        let cipher = blob_cipher(key, &header.salt)?;
        Ok(Self {
            cipher,
            header,
            index: 0,
        })
    }

    /// Bytes of a full sealed chunk on disk.
    pub fn sealed_chunk_len(&self) -> usize {
        self.header.chunk as usize + TAG_LEN
    }

    /// Authenticates and decrypts one sealed chunk in place (leaving the plaintext in `buf`).
    pub fn open(&mut self, buf: &mut Vec<u8>, last: bool) -> Result<()> {
        if buf.len() < TAG_LEN || (!last && buf.len() != self.sealed_chunk_len()) {
            return Err(sealed_failed());
        }
        let body = buf.len() - TAG_LEN;
        let tag_bytes: [u8; TAG_LEN] = buf[body..].try_into().map_err(|_| sealed_failed())?;
        let tag = Tag::from(tag_bytes);
        buf.truncate(body);
        let n = nonce(self.index, last);
        self.cipher
            .decrypt_in_place_detached(&Nonce::from(n), &self.header.to_bytes(), buf, &tag)
            .map_err(|_| sealed_failed())?;
        self.index = self.index.checked_add(1).ok_or_else(sealed_failed)?;
        Ok(())
    }
}

//! The blob store port: where evidence bytes live. Bytes never go into the database; they are
//! kept content-addressed by the SHA-256 of the plaintext and encrypted at rest. A write lands
//! only when finished (temp file, fsync, rename), so a crash never leaves a visible half file.

use async_trait::async_trait;

use crate::error::Result;

/// What a finished write stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    /// SHA-256 of the plaintext, lowercase hex: the blob's address.
    pub sha256: String,
    /// Plaintext size in bytes.
    pub size: u64,
}

/// The state of one stored blob, as re-read from storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobCheck {
    /// Decrypts, authenticates and hashes to its address.
    Intact {
        /// Plaintext size in bytes.
        size: u64,
    },
    /// Not there.
    Missing,
    /// There, but it fails authentication or hashes to something else.
    Altered,
    /// There, but sealed under a key that is not in the keys directory.
    KeyMissing,
}

/// A blob being written. Dropping it unfinished removes everything it wrote.
#[async_trait]
pub trait BlobWriter: Send {
    /// Appends plaintext. Memory use stays bounded whatever the total size.
    async fn write(&mut self, bytes: &[u8]) -> Result<()>;
    /// Plaintext bytes written so far.
    fn written(&self) -> u64;
    /// Makes the blob durable and visible under its address.
    async fn finish(self: Box<Self>) -> Result<StoredBlob>;
}

/// A blob being read, chunk by chunk, each chunk authenticated before it is returned.
#[async_trait]
pub trait BlobReader: Send {
    /// The next chunk of plaintext, or `None` at the end.
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>>;
}

/// Evidence bytes, by SHA-256.
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Starts writing a new blob.
    async fn create(&self) -> Result<Box<dyn BlobWriter>>;
    /// Opens the blob at `sha256` for reading (`NotFound` if it is not stored).
    async fn open(&self, sha256: &str) -> Result<Box<dyn BlobReader>>;
    /// Re-reads the blob at `sha256` and says whether it is intact.
    async fn check(&self, sha256: &str) -> Result<BlobCheck>;
    /// Re-encrypts the blob at `sha256` under the current key if it is under an older one.
    /// Returns whether it was rewritten.
    async fn rewrap(&self, sha256: &str) -> Result<bool>;
    /// The id of the key new blobs are encrypted with.
    fn current_key(&self) -> String;
}

impl std::fmt::Debug for dyn BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlobStore")
    }
}

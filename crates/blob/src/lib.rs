//! Evidence bytes on the local disk: content-addressed by the SHA-256 of the plaintext,
//! encrypted at rest with AES-256-GCM, written in one streaming pass.
//!
//! Layout under the data directory: `keys/` (see [`keyring`]), `blobs/<2 hex>/<sha256>` and
//! `blobs/tmp/` for writes in progress. A blob file is a 24-byte header followed by chunks of
//! at most 1 MiB of plaintext, each sealed separately (see [`format`]), so reading and writing
//! need one chunk of memory whatever the file size, and a reader authenticates each chunk before
//! it hands it out.

pub mod format;
pub mod keyring;
pub mod speed;

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use safeharbor_core::ports::{BlobCheck, BlobReader, BlobStore, BlobWriter, StoredBlob};
use safeharbor_core::{Error, Result};
use sha2::{Digest, Sha256};

use crate::format::{CHUNK, Header, Opener, Sealer};
use crate::keyring::Keyring;

/// A temp file not written for this long cannot be an upload in flight (bodies that stall
/// longer are cut by the server), so it is a crash's left-over and is removed at start-up, even
/// while another server shares the directory.
const STALE_TEMP: std::time::Duration = std::time::Duration::from_mins(10);

/// Whether opening the store may create its first key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPolicy {
    /// A new installation: create the keyring if there is none and no blob yet.
    CreateIfNew,
    /// The database records evidence (or this is a restore): the keyring must exist; a missing
    /// one is an error, never a reason to make a new key.
    MustExist,
}

/// The blob store in a local directory.
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
    keys_dir: PathBuf,
    keys: Arc<RwLock<Keyring>>,
}

fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> Error {
    move |e| Error::internal(format!("blob store: {what}: {e}"))
}

fn join<T>(r: std::result::Result<T, tokio::task::JoinError>) -> Result<T> {
    r.map_err(|e| Error::internal(format!("blob store task failed: {e}")))
}

impl LocalBlobStore {
    /// Creates the keyring under `data_dir/keys` (for `safeharbor init`). Fails if one exists.
    pub fn init(data_dir: &Path) -> Result<String> {
        Ok(Keyring::create(&data_dir.join("keys"))?.current_id())
    }

    /// Opens the store under `data_dir` for a new installation (see [`Self::open_with`]).
    pub fn open(data_dir: &Path) -> Result<Self> {
        Self::open_with(data_dir, KeyPolicy::CreateIfNew)
    }

    /// Opens the store under `data_dir`. Under [`KeyPolicy::CreateIfNew`] a new installation (no
    /// keys and no blobs yet) gets its key here; otherwise, and whenever blobs exist, a missing
    /// keyring is an error, never a reason to make a new key.
    pub fn open_with(data_dir: &Path, policy: KeyPolicy) -> Result<Self> {
        let keys_dir = data_dir.join("keys");
        let root = data_dir.join("blobs");
        let ring = if Keyring::exists(&keys_dir) {
            Keyring::load(&keys_dir)?
        } else if has_blobs(&root) || policy == KeyPolicy::MustExist {
            return Err(Error::internal(format!(
                "the database or {} holds evidence but {} has no keys; restore the keys directory \
                 from your backup (a new key cannot read the old files)",
                root.display(),
                keys_dir.display()
            )));
        } else {
            Keyring::create(&keys_dir)?
        };
        fs::create_dir_all(root.join("tmp")).map_err(io("creating the blob directory"))?;
        clean_stale_temps(&root.join("tmp"));
        Ok(Self {
            root,
            keys_dir,
            keys: Arc::new(RwLock::new(ring)),
        })
    }

    /// Adds a new key and makes it current (blobs are rewrapped separately).
    pub fn rotate_key(&self) -> Result<String> {
        self.keys
            .write()
            .map_err(|_| Error::internal("keyring lock poisoned"))?
            .add_current()
    }

    /// The keyring, reloaded when `keys/CURRENT` names another key than the one loaded (a
    /// `rotate-key` run by the CLI or by another server sharing the directory).
    fn ring(&self) -> Result<Keyring> {
        let loaded = self
            .keys
            .read()
            .map(|k| k.clone())
            .map_err(|_| Error::internal("keyring lock poisoned"))?;
        let current = fs::read_to_string(self.keys_dir.join("CURRENT")).unwrap_or_default();
        if current.trim().is_empty() || current.trim() == loaded.current_id() {
            return Ok(loaded);
        }
        self.reload()
    }

    /// Reloads every key from disk (a blob names a key this process has not loaded yet).
    fn reload(&self) -> Result<Keyring> {
        let fresh = Keyring::load(&self.keys_dir)?;
        *self
            .keys
            .write()
            .map_err(|_| Error::internal("keyring lock poisoned"))? = fresh.clone();
        Ok(fresh)
    }

    fn path_of(&self, sha256: &str) -> Result<PathBuf> {
        let sha = safeharbor_domain::evidence::parse_sha256(sha256).map_err(Error::from)?;
        Ok(self.root.join(&sha[..2]).join(sha))
    }

    /// The path a blob is stored at (for tests and operators).
    pub fn blob_path(&self, sha256: &str) -> Result<PathBuf> {
        self.path_of(sha256)
    }

    /// Stored blob addresses (file names) that no record in `known` names: blobs left by a
    /// crash between the file and its row, or by rows removed from a restored database.
    pub fn orphans(&self, known: &std::collections::HashSet<String>) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let Ok(dirs) = fs::read_dir(&self.root) else {
            return Ok(out);
        };
        for d in dirs.flatten() {
            if d.file_name().len() != 2 || !d.path().is_dir() {
                continue;
            }
            for f in fs::read_dir(d.path())
                .map_err(io("listing blobs"))?
                .flatten()
            {
                let name = f.file_name().to_string_lossy().into_owned();
                if name.len() == 64 && !known.contains(&name) {
                    out.push(name);
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Deletes an orphan blob (one [`Self::orphans`] listed).
    pub fn remove_orphan(&self, sha256: &str) -> Result<()> {
        fs::remove_file(self.path_of(sha256)?).map_err(io("removing an orphan blob"))
    }

    /// Temp files currently in the store (a write in progress or a crash's left-overs).
    pub fn temp_files(&self) -> usize {
        fs::read_dir(self.root.join("tmp")).map_or(0, Iterator::count)
    }

    fn new_writer(&self) -> Result<LocalWriter> {
        let ring = self.ring()?;
        let (key, key_id) = ring.current();
        let (header, sealer) = Sealer::new(key, key_id)?;
        let tmp = self
            .root
            .join("tmp")
            .join(format!("{}.part", hex::encode(random_bytes::<16>()?)));
        let mut file = File::create_new(&tmp).map_err(io("creating a temp file"))?;
        file.write_all(&header.to_bytes())
            .map_err(io("writing a temp file"))?;
        Ok(LocalWriter {
            root: self.root.clone(),
            tmp: Some(tmp),
            state: Some(WriteState {
                file,
                sealer,
                hasher: Sha256::new(),
            }),
            worker: None,
            pending: Vec::with_capacity(CHUNK + 64 * 1024),
            size: 0,
        })
    }
}

fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0; N];
    getrandom::fill(&mut b).map_err(|e| Error::internal(format!("random source failed: {e}")))?;
    Ok(b)
}

fn has_blobs(root: &Path) -> bool {
    fs::read_dir(root).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().len() == 2 && e.path().is_dir())
    })
}

fn clean_stale_temps(tmp: &Path) {
    let Ok(entries) = fs::read_dir(tmp) else {
        return;
    };
    for e in entries.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > STALE_TEMP);
        if old && fs::remove_file(e.path()).is_ok() {
            tracing::info!(file = %e.file_name().to_string_lossy(), "removed a stale blob temp file");
        }
    }
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io("syncing a directory"))
}

struct WriteState {
    file: File,
    sealer: Sealer,
    hasher: Sha256,
}

impl WriteState {
    /// Hashes and seals one chunk: the hash on a helper thread while this one encrypts, so the
    /// two costs overlap on a multi-core machine.
    fn push(&mut self, plain: &[u8], last: bool, out: &mut Vec<u8>) -> Result<()> {
        let Self {
            file,
            sealer,
            hasher,
        } = self;
        std::thread::scope(|s| {
            let hashing = s.spawn(|| hasher.update(plain));
            let sealed = sealer.seal(plain, last, out);
            let joined = hashing.join();
            sealed?;
            joined.map_err(|_| Error::internal("blob store: hashing thread panicked"))
        })?;
        file.write_all(out).map_err(io("writing a temp file"))
    }
}

struct LocalWriter {
    root: PathBuf,
    tmp: Option<PathBuf>,
    /// The sealing state until the first chunk goes to the worker.
    state: Option<WriteState>,
    worker: Option<Worker>,
    pending: Vec<u8>,
    size: u64,
}

/// Seals and writes chunks on a blocking thread while the request keeps streaming in: the
/// network, the multipart parser and the crypto overlap instead of taking turns. The channel
/// holds a few chunks, so memory stays bounded whatever the file size.
struct Worker {
    tx: tokio::sync::mpsc::Sender<(Vec<u8>, bool)>,
    handle: tokio::task::JoinHandle<Result<WriteState>>,
}

/// Chunks waiting for the worker.
const QUEUED_CHUNKS: usize = 3;

impl Worker {
    fn start(mut state: WriteState) -> Self {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<(Vec<u8>, bool)>(QUEUED_CHUNKS);
        let handle = tokio::task::spawn_blocking(move || {
            let mut out = Vec::with_capacity(CHUNK + format::TAG_LEN);
            while let Some((chunk, last)) = rx.blocking_recv() {
                out.clear();
                state.push(&chunk, last, &mut out)?;
                if last {
                    break;
                }
            }
            Ok(state)
        });
        Self { tx, handle }
    }
}

impl Drop for LocalWriter {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            // Unfinished: nothing of it may stay behind. (A worker still running writes to an
            // unlinked file and stops when the channel closes.)
            let _ = fs::remove_file(tmp);
        }
    }
}

impl LocalWriter {
    /// Hands the full chunks in `pending` to the worker, keeping back at least one byte so that
    /// the last chunk is sealed as last by `finish`.
    async fn drain(&mut self, last: bool) -> Result<()> {
        loop {
            if !(self.pending.len() > CHUNK || last) {
                return Ok(());
            }
            let take = self.pending.len().min(CHUNK);
            let is_last = last && take == self.pending.len();
            let rest = self.pending.split_off(take);
            let chunk = std::mem::replace(&mut self.pending, rest);
            if self.worker.is_none() {
                let state = self
                    .state
                    .take()
                    .ok_or_else(|| Error::internal("blob store: write after an error"))?;
                self.worker = Some(Worker::start(state));
            }
            let worker = self
                .worker
                .as_ref()
                .ok_or_else(|| Error::internal("blob store: no worker"))?;
            if worker.tx.send((chunk, is_last)).await.is_err() {
                // The worker stopped: it failed, and its error says why.
                return Err(self
                    .stop_worker()
                    .await
                    .err()
                    .unwrap_or_else(|| Error::internal("blob store: the writer stopped early")));
            }
            if is_last {
                return Ok(());
            }
        }
    }

    /// Closes the channel and takes back the sealing state.
    async fn stop_worker(&mut self) -> Result<WriteState> {
        let worker = self
            .worker
            .take()
            .ok_or_else(|| Error::internal("blob store: finish after an error"))?;
        drop(worker.tx);
        join(worker.handle.await)?
    }
}

#[async_trait]
impl BlobWriter for LocalWriter {
    async fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.pending.extend_from_slice(bytes);
        self.size += bytes.len() as u64;
        if self.pending.len() > CHUNK {
            self.drain(false).await?;
        }
        Ok(())
    }

    fn written(&self) -> u64 {
        self.size
    }

    async fn finish(mut self: Box<Self>) -> Result<StoredBlob> {
        self.drain(true).await?;
        let state = self.stop_worker().await?;
        let tmp = self
            .tmp
            .clone()
            .ok_or_else(|| Error::internal("blob store: finished twice"))?;
        let root = self.root.clone();
        let size = self.size;
        let sha256 = join(
            tokio::task::spawn_blocking(move || -> Result<String> {
                state.file.sync_all().map_err(io("syncing a temp file"))?;
                let sha = hex::encode(state.hasher.finalize());
                let dir = root.join(&sha[..2]);
                fs::create_dir_all(&dir).map_err(io("creating a blob directory"))?;
                // When the same bytes are stored already, the new copy replaces the old one:
                // the content is identical, and a damaged or old-key copy gets repaired.
                fs::rename(&tmp, dir.join(&sha)).map_err(io("moving a blob into place"))?;
                sync_dir(&dir)?;
                Ok(sha)
            })
            .await,
        )??;
        self.tmp = None;
        Ok(StoredBlob { sha256, size })
    }
}

struct LocalReader {
    file: Option<File>,
    opener: Opener,
    remaining: u64,
    hasher: Sha256,
    expect: String,
}

/// What opening a blob found.
enum Opened {
    Missing,
    /// The blob names a key the keyring does not hold.
    NoKey([u8; keyring::KEY_ID_LEN]),
    Reader(Box<LocalReader>),
}

impl LocalReader {
    fn open(path: &Path, ring: &Keyring, expect: &str) -> Result<Opened> {
        let mut file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Opened::Missing),
            Err(e) => return Err(io("opening a blob")(e)),
        };
        let len = file.metadata().map_err(io("reading a blob"))?.len();
        let mut head = [0; format::HEADER_LEN];
        file.read_exact(&mut head).map_err(|_| altered())?;
        let header = Header::parse(&head).ok_or_else(altered)?;
        let Some(key) = ring.get(&header.key_id) else {
            return Ok(Opened::NoKey(header.key_id));
        };
        Ok(Opened::Reader(Box::new(Self {
            file: Some(file),
            opener: Opener::new(key, header)?,
            remaining: len - format::HEADER_LEN as u64,
            hasher: Sha256::new(),
            expect: expect.to_owned(),
        })))
    }

    /// The next authenticated chunk. The last one is handed out only if the whole blob hashes
    /// to its address, so a valid blob swapped in under another name is refused too.
    fn next_blocking(&mut self) -> Result<Option<Vec<u8>>> {
        let Some(file) = self.file.as_mut() else {
            return Ok(None);
        };
        let sealed = self.opener.sealed_chunk_len();
        let take = self.remaining.min(sealed as u64);
        let take_usize = usize::try_from(take).map_err(|_| altered())?;
        let mut buf = vec![0; take_usize];
        file.read_exact(&mut buf).map_err(|_| altered())?;
        self.remaining -= take;
        let last = self.remaining == 0;
        self.opener.open(&mut buf, last)?;
        self.hasher.update(&buf);
        if last {
            self.file = None;
            let got = hex::encode(std::mem::take(&mut self.hasher).finalize());
            if got != self.expect {
                return Err(altered());
            }
        }
        Ok(Some(buf))
    }
}

fn no_key(id: [u8; keyring::KEY_ID_LEN]) -> Error {
    Error::internal(format!(
        "blob store: a blob needs key {}, which is not in the keys directory; restore it from the key backup",
        hex::encode(id)
    ))
}

/// A blob that fails authentication: someone or something changed it on disk.
fn altered() -> Error {
    Error::internal("blob store: a blob failed its integrity check")
}

#[async_trait]
impl BlobReader for LocalReader {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>> {
        if self.file.is_none() {
            return Ok(None);
        }
        let mut me = std::mem::replace(
            self,
            Self {
                file: None,
                opener: self.opener.clone(),
                remaining: 0,
                hasher: Sha256::new(),
                expect: String::new(),
            },
        );
        let (back, out) = join(
            tokio::task::spawn_blocking(move || {
                let out = me.next_blocking();
                (me, out)
            })
            .await,
        )?;
        *self = back;
        out
    }
}

fn check_blocking(path: &Path, ring: &Keyring, sha256: &str) -> Result<BlobCheck> {
    // A file that cannot be opened for a reason other than absence is an operator problem
    // (permissions, disk), not a verdict on the blob.
    match File::open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BlobCheck::Missing),
        Err(e) => return Err(io("opening a blob")(e)),
        Ok(_) => {}
    }
    let mut reader = match LocalReader::open(path, ring, sha256) {
        Ok(Opened::Reader(r)) => r,
        Ok(Opened::Missing) => return Ok(BlobCheck::Missing),
        Ok(Opened::NoKey(_)) => return Ok(BlobCheck::KeyMissing),
        Err(_) => return Ok(BlobCheck::Altered),
    };
    let mut size = 0u64;
    loop {
        match reader.next_blocking() {
            Ok(Some(chunk)) => size += chunk.len() as u64,
            Ok(None) => return Ok(BlobCheck::Intact { size }),
            Err(_) => return Ok(BlobCheck::Altered),
        }
    }
}

impl LocalBlobStore {
    /// Opens a blob, reloading the keys once if it names a key not loaded yet.
    fn open_blocking(&self, path: &Path, sha256: &str) -> Result<Opened> {
        match LocalReader::open(path, &self.ring()?, sha256)? {
            Opened::NoKey(_) => LocalReader::open(path, &self.reload()?, sha256),
            other => Ok(other),
        }
    }
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    async fn create(&self) -> Result<Box<dyn BlobWriter>> {
        let me = self.clone();
        Ok(Box::new(join(
            tokio::task::spawn_blocking(move || me.new_writer()).await,
        )??))
    }

    async fn open(&self, sha256: &str) -> Result<Box<dyn BlobReader>> {
        let path = self.path_of(sha256)?;
        let me = self.clone();
        let sha = sha256.to_owned();
        let opened =
            join(tokio::task::spawn_blocking(move || me.open_blocking(&path, &sha)).await)??;
        match opened {
            Opened::Reader(r) => Ok(r),
            Opened::Missing => Err(Error::NotFound),
            Opened::NoKey(id) => Err(no_key(id)),
        }
    }

    async fn check(&self, sha256: &str) -> Result<BlobCheck> {
        let path = self.path_of(sha256)?;
        let me = self.clone();
        let sha = sha256.to_owned();
        join(
            tokio::task::spawn_blocking(move || {
                let first = check_blocking(&path, &me.ring()?, &sha)?;
                if first == BlobCheck::KeyMissing {
                    return check_blocking(&path, &me.reload()?, &sha);
                }
                Ok(first)
            })
            .await,
        )?
    }

    async fn rewrap(&self, sha256: &str) -> Result<bool> {
        let path = self.path_of(sha256)?;
        let ring = self.ring()?;
        let me = self.clone();
        let sha = sha256.to_owned();
        join(
            tokio::task::spawn_blocking(move || -> Result<bool> {
                let mut head = [0; format::HEADER_LEN];
                match File::open(&path).and_then(|mut f| f.read_exact(&mut head)) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        return Err(Error::NotFound);
                    }
                    Err(e) => return Err(io("reading a blob")(e)),
                }
                let header = Header::parse(&head).ok_or_else(altered)?;
                if header.key_id == ring.current().1 {
                    return Ok(false);
                }
                let mut reader = match me.open_blocking(&path, &sha)? {
                    Opened::Reader(r) => r,
                    Opened::Missing => return Err(Error::NotFound),
                    Opened::NoKey(id) => return Err(no_key(id)),
                };
                let mut w = me.new_writer()?;
                let mut state = w.state.take().ok_or_else(|| Error::internal("no state"))?;
                let mut out = Vec::with_capacity(CHUNK + 16);
                let mut next = reader.next_blocking()?;
                while let Some(chunk) = next {
                    next = reader.next_blocking()?;
                    out.clear();
                    state.push(&chunk, next.is_none(), &mut out)?;
                }
                state.file.sync_all().map_err(io("syncing a temp file"))?;
                if hex::encode(state.hasher.finalize()) != sha {
                    return Err(altered());
                }
                let tmp = w
                    .tmp
                    .take()
                    .ok_or_else(|| Error::internal("no temp file"))?;
                fs::rename(&tmp, &path).map_err(io("replacing a blob"))?;
                if let Some(dir) = path.parent() {
                    sync_dir(dir)?;
                }
                Ok(true)
            })
            .await,
        )?
    }

    fn current_key(&self) -> String {
        self.ring().map(|r| r.current_id()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;

//! The encryption keys of the blob store: `keys/<id>.key` (64 hex digits, mode 0600) and
//! `keys/CURRENT` naming the key new blobs are written with. A key's id is the first 8 bytes of
//! its SHA-256, so a blob's header names the key it needs without revealing it.
//!
//! Rotation adds a key and makes it current; blobs under older keys stay readable and are
//! re-encrypted by `safeharbor evidence rotate-key`. An old key file may be removed (and kept
//! offline) only once no blob uses it.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use safeharbor_core::{Error, Result};
use sha2::{Digest, Sha256};

/// Length of a key id in bytes.
pub const KEY_ID_LEN: usize = 8;

/// A 256-bit data key.
#[derive(Clone)]
pub struct Key(pub(crate) [u8; 32]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(redacted)")
    }
}

impl Key {
    fn id(&self) -> [u8; KEY_ID_LEN] {
        let d = Sha256::digest(self.0);
        let mut id = [0; KEY_ID_LEN];
        id.copy_from_slice(&d[..KEY_ID_LEN]);
        id
    }
}

/// The keys, loaded.
#[derive(Debug, Clone)]
pub struct Keyring {
    dir: PathBuf,
    current: [u8; KEY_ID_LEN],
    keys: HashMap<[u8; KEY_ID_LEN], Key>,
}

fn io(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let msg = format!("{what} {}", path.display());
    move |e| Error::internal(format!("{msg}: {e}"))
}

impl Keyring {
    /// Whether `dir` holds a keyring.
    pub fn exists(dir: &Path) -> bool {
        dir.join("CURRENT").exists()
    }

    /// Creates a keyring with one fresh key in `dir` (which must not hold one yet).
    pub fn create(dir: &Path) -> Result<Self> {
        if Self::exists(dir) {
            return Err(Error::conflict(
                "keys",
                "a keyring already exists; rotate the key instead",
            ));
        }
        private_dir(dir)?;
        let mut ring = Self {
            dir: dir.to_owned(),
            current: [0; KEY_ID_LEN],
            keys: HashMap::new(),
        };
        ring.add_current()?;
        Ok(ring)
    }

    /// Loads the keyring in `dir`, refusing key files others can read.
    pub fn load(dir: &Path) -> Result<Self> {
        let cur_path = dir.join("CURRENT");
        let current_hex = fs::read_to_string(&cur_path)
            .map_err(io("reading the current key name from", &cur_path))?;
        let current = parse_id(current_hex.trim())
            .ok_or_else(|| Error::internal(format!("{} is not a key id", cur_path.display())))?;
        let mut keys = HashMap::new();
        for entry in fs::read_dir(dir).map_err(io("listing the keys in", dir))? {
            let path = entry.map_err(io("listing the keys in", dir))?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("key") {
                continue;
            }
            check_private(&path)?;
            let text = fs::read_to_string(&path).map_err(io("reading the key", &path))?;
            let mut bytes = [0; 32];
            hex::decode_to_slice(text.trim(), &mut bytes)
                .map_err(|_| Error::internal(format!("{} is not a 256-bit key", path.display())))?;
            let key = Key(bytes);
            let id = key.id();
            if path.file_stem().and_then(|s| s.to_str()) != Some(hex::encode(id).as_str()) {
                return Err(Error::internal(format!(
                    "{} does not hold the key its name says",
                    path.display()
                )));
            }
            keys.insert(id, key);
        }
        if !keys.contains_key(&current) {
            return Err(Error::internal(format!(
                "the current key {} is missing from {}; restore it from your key backup",
                current_hex.trim(),
                dir.display()
            )));
        }
        Ok(Self {
            dir: dir.to_owned(),
            current,
            keys,
        })
    }

    /// Adds a fresh key and makes it current. Returns its id.
    pub fn add_current(&mut self) -> Result<String> {
        let mut bytes = [0; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| Error::internal(format!("random source failed: {e}")))?;
        let key = Key(bytes);
        let id = key.id();
        let id_hex = hex::encode(id);
        write_private(
            &self.dir.join(format!("{id_hex}.key")),
            format!("{}\n", hex::encode(key.0)).as_bytes(),
        )?;
        write_private(&self.dir.join("CURRENT"), format!("{id_hex}\n").as_bytes())?;
        self.keys.insert(id, key);
        self.current = id;
        Ok(id_hex)
    }

    /// The current key and its id.
    pub fn current(&self) -> (&Key, [u8; KEY_ID_LEN]) {
        // `load` and `add_current` keep the current key in the map.
        (&self.keys[&self.current], self.current)
    }

    /// The key with id `id`, if this keyring has it.
    pub fn get(&self, id: &[u8]) -> Option<&Key> {
        let id: [u8; KEY_ID_LEN] = id.try_into().ok()?;
        self.keys.get(&id)
    }

    /// The current key's id, in hex.
    pub fn current_id(&self) -> String {
        hex::encode(self.current)
    }
}

fn parse_id(s: &str) -> Option<[u8; KEY_ID_LEN]> {
    let mut id = [0; KEY_ID_LEN];
    hex::decode_to_slice(s, &mut id).ok()?;
    Some(id)
}

fn private_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(io("creating", dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(io("restricting", dir))?;
    }
    Ok(())
}

/// Writes `bytes` to `path` readable by the owner only, durably (temp, fsync, rename).
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp).map_err(io("creating", &tmp))?;
    f.write_all(bytes).map_err(io("writing", &tmp))?;
    f.sync_all().map_err(io("syncing", &tmp))?;
    fs::rename(&tmp, path).map_err(io("saving", path))?;
    if let Some(parent) = path.parent() {
        fs::File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(io("syncing", parent))?;
    }
    Ok(())
}

fn check_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)
            .map_err(io("reading the permissions of", path))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(Error::internal(format!(
                "{} can be read by other users (mode {:o}); run chmod 600 on it",
                path.display(),
                mode & 0o777
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_keyring_is_private_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let ring = Keyring::create(&keys).unwrap();
        let id = ring.current_id();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(keys.join(format!("{id}.key")))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            assert_eq!(
                fs::metadata(&keys).unwrap().permissions().mode() & 0o777,
                0o700
            );
        }
        let loaded = Keyring::load(&keys).unwrap();
        assert_eq!(loaded.current_id(), id);
        assert!(
            Keyring::create(&keys).is_err(),
            "a second keyring would orphan blobs"
        );
    }

    #[test]
    fn rotation_keeps_old_keys_readable() {
        let dir = tempfile::tempdir().unwrap();
        let mut ring = Keyring::create(dir.path()).unwrap();
        let (_, old) = ring.current();
        let new = ring.add_current().unwrap();
        let loaded = Keyring::load(dir.path()).unwrap();
        assert_eq!(loaded.current_id(), new);
        assert!(loaded.get(&old).is_some());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let ring = Keyring::create(dir.path()).unwrap();
        let path = dir.path().join(format!("{}.key", ring.current_id()));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let e = Keyring::load(dir.path()).unwrap_err();
        assert!(e.to_string().contains("chmod 600"), "{e}");
    }
}

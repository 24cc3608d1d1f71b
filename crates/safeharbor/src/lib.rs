//! The `safeharbor` binary's library: configuration, wiring, commands, demo data. The binary
//! itself (`main.rs`) only parses the command line and calls in here; tests call in here too.

pub mod breach_cmd;
pub mod catalog_cmd;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod demo_evidence;
pub mod demo_risk;
pub mod demo_sra;
pub mod evidence_cmd;
pub mod logreview_cmd;
pub mod mail;
pub mod telemetry;

use std::sync::Arc;

use anyhow::Context;
use safeharbor_blob::LocalBlobStore;
use safeharbor_core::App;
use safeharbor_core::clock::{Clock, SystemClock};
use safeharbor_core::ports::Store;
use safeharbor_store_postgres::PgStore;
use safeharbor_store_sqlite::SqliteStore;

use crate::config::Config;

/// An open database of either kind.
#[derive(Debug, Clone)]
pub enum Backend {
    /// The embedded default.
    Sqlite(SqliteStore),
    /// For larger deployments.
    Postgres(PgStore),
}

impl Backend {
    /// Opens the database named by `url` (the scheme picks the backend) and migrates it.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let s = PgStore::open(url)
                .await
                .map_err(anyhow::Error::from)
                .context("connecting to PostgreSQL")?;
            Ok(Self::Postgres(s))
        } else {
            let s = SqliteStore::open(url)
                .await
                .map_err(anyhow::Error::from)
                .context("opening the SQLite database")?;
            Ok(Self::Sqlite(s))
        }
    }

    /// The store behind the port.
    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            Self::Sqlite(s) => Arc::new(s.clone()),
            Self::Postgres(s) => Arc::new(s.clone()),
        }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        match self {
            Self::Sqlite(s) => s.close().await,
            Self::Postgres(s) => s.close().await,
        }
    }
}

/// Opens the configured database, creating the data directory for SQLite.
pub async fn open_backend(cfg: &Config) -> anyhow::Result<Backend> {
    if !cfg.is_postgres() {
        create_private_dir(&cfg.data_dir)?;
    }
    Backend::open(cfg.database_url()).await
}

/// Opens the evidence blob store under the data directory (creating its key on first use).
pub fn open_blobs(
    cfg: &Config,
    policy: safeharbor_blob::KeyPolicy,
) -> anyhow::Result<LocalBlobStore> {
    create_private_dir(&cfg.data_dir)?;
    LocalBlobStore::open_with(&cfg.data_dir, policy)
        .map_err(anyhow::Error::from)
        .context("opening the evidence store")
}

/// Builds the application core over a backend and a blob store (loading and validating the
/// catalog).
pub fn build_app(
    backend: &Backend,
    blobs: &LocalBlobStore,
    clock: Arc<dyn Clock>,
    cfg: &Config,
) -> anyhow::Result<App> {
    App::new(
        backend.store(),
        Arc::new(blobs.clone()),
        clock,
        cfg.settings(),
    )
    .map_err(anyhow::Error::from)
}

/// The real clock, for the binary.
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// A real clock moved forward by the number of seconds written in a file (re-read on every
/// use; a missing or unreadable file means no offset). For browser tests only: the hidden
/// `--test-clock-offset-file` flag selects it.
#[derive(Debug)]
pub struct OffsetFileClock {
    file: std::path::PathBuf,
}

impl OffsetFileClock {
    /// A clock offset by what `file` says.
    pub fn new(file: std::path::PathBuf) -> Self {
        Self { file }
    }
}

impl Clock for OffsetFileClock {
    fn now(&self) -> time::OffsetDateTime {
        let secs = std::fs::read_to_string(&self.file)
            .ok()
            .and_then(|t| t.trim().parse::<i64>().ok())
            .unwrap_or(0);
        time::OffsetDateTime::now_utc() + time::Duration::seconds(secs)
    }
}

/// Creates `dir` (and parents) readable only by the owner.
pub fn create_private_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the data directory {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting the permissions of {}", dir.display()))?;
    }
    Ok(())
}

/// The HTTP settings for a configuration.
pub fn web_config(cfg: &Config) -> safeharbor_web::WebConfig {
    safeharbor_web::WebConfig {
        max_body_bytes: cfg.max_body_bytes,
        secure_cookies: cfg.cookies_secure(),
        trust_proxy: cfg.trust_proxy,
        ..safeharbor_web::WebConfig::default()
    }
}

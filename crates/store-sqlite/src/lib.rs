//! Safeharbor's store on SQLite: the embedded default. One database file under the data
//! directory, in WAL mode, with foreign keys enforced.

mod dialect;
#[path = "../../store-shared/mod.rs"]
mod shared;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use safeharbor_core::{Error, Result};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub(crate) type Db = sqlx::Sqlite;
pub(crate) type Backend = SqliteStore;

/// The store, over a pool of SQLite connections.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) pool: sqlx::SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://path` or `sqlite::memory:`)
    /// with the pragmas of ARCHITECTURE.md §5, and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| Error::invalid("database_url", format!("is not a SQLite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed record (an approval, an audit event) survives a power loss; the
            // cost on the write benchmarks is in the README.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            // Room for a whole page of rows, so the worker thread does not wait on the reader.
            .row_buffer_size(256);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .connect_with(opts)
            .await
            .map_err(Error::internal)?;
        let store = Self { pool };
        dialect::migrate(&store.pool).await?;
        Ok(store)
    }

    /// Opens the database file at `path`.
    pub async fn open_file(path: &Path) -> Result<Self> {
        Self::open(&format!("sqlite://{}", path.display())).await
    }

    /// Closes every connection (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The pool, for tests that need to tamper with rows.
    pub fn pool(&self) -> &sqlx::SqlitePool {
        &self.pool
    }
}

//! Safeharbor's store on PostgreSQL, for larger deployments: several stateless servers can
//! share one database.

mod dialect;
#[path = "../../store-shared/mod.rs"]
mod shared;

use std::str::FromStr;
use std::time::Duration;

use safeharbor_core::{Error, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub(crate) type Db = sqlx::Postgres;
pub(crate) type Backend = PgStore;

/// The store, over a pool of PostgreSQL connections.
#[derive(Debug, Clone)]
pub struct PgStore {
    pub(crate) pool: sqlx::PgPool,
}

impl PgStore {
    /// Connects to `url` (`postgres://...`) and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Self> {
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| Error::invalid("database_url", format!("is not a PostgreSQL URL: {e}")))?
            .application_name("safeharbor");
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await
            .map_err(Error::internal)?;
        let store = Self { pool };
        dialect::migrate(&store.pool).await?;
        Ok(store)
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The pool, for tests that need to tamper with rows.
    pub fn pool(&self) -> &sqlx::PgPool {
        &self.pool
    }
}

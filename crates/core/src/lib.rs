//! Safeharbor's use cases, by area. The JSON API, the web pages and the CLI all call these.
//!
//! Each use case takes the [`App`] (storage, clock, settings), the authenticated [`Caller`],
//! and validated input; it checks access through [`authz`], applies the domain rules, and makes
//! one store call that writes the change and its audit event in one transaction.

pub mod assets;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod catalog;
pub mod clock;
pub mod considerations;
pub mod controls;
pub mod error;
pub mod evidence;
pub mod gap;
pub mod imports;
pub mod install;
pub mod invites;
pub mod locations;
pub mod members;
pub mod orgs;
pub mod ports;
mod ports_blob;
mod ports_evidence;
mod ports_mail;
mod ports_risk;
mod ports_sra;
pub mod profile;
pub mod reminders;
pub mod risks;
pub mod sra;
pub mod tasks;

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

pub use authz::{Caller, TenantScope};
pub use error::{Error, Result};

use crate::clock::Clock;
use crate::ports::{BlobStore, Store};

/// Tunable rules of the installation.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Sign a session out after this long without a request: automatic logoff,
    /// 164.312(a)(2)(iii).
    pub session_idle: Duration,
    /// Sign a session out this long after sign-in, whatever the activity.
    pub session_absolute: Duration,
    /// Failed sign-ins to one account within `throttle_window` before it is locked.
    pub account_lock_threshold: i64,
    /// Failed sign-ins from one address within `throttle_window` before it is refused.
    pub address_lock_threshold: i64,
    /// Window over which failures are counted.
    pub throttle_window: Duration,
    /// How long a lock lasts.
    pub lock_duration: Duration,
    /// Lifetime of an API token when none is given.
    pub token_default_days: i64,
    /// Longest lifetime of an API token.
    pub token_max_days: i64,
    /// Where the 5x5 risk matrix changes level.
    pub risk_thresholds: safeharbor_domain::risk::RiskThresholds,
    /// Largest evidence file accepted, in bytes.
    pub upload_limit: u64,
    /// Months a finalized risk analysis stays current. A Safeharbor default (12), not a term of
    /// the rule, which asks for periodic review (164.316(b)(2)(iii)) without a period.
    pub sra_valid_months: u32,
    /// A backup import finds a device whose last success is older than this many hours. A
    /// Safeharbor default (48), not a term of the rule.
    pub backup_max_age_hours: u32,
    /// A backup import finds a job with no restore test in this many months. A Safeharbor
    /// default (12), not a term of the rule (164.308(a)(7)(ii)(D) asks for periodic testing).
    pub restore_test_max_age_months: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_idle: Duration::minutes(15),
            session_absolute: Duration::hours(12),
            account_lock_threshold: 5,
            address_lock_threshold: 30,
            throttle_window: Duration::minutes(15),
            lock_duration: Duration::minutes(15),
            token_default_days: 90,
            token_max_days: 366,
            risk_thresholds: safeharbor_domain::risk::RiskThresholds::default(),
            upload_limit: 100 * 1000 * 1000,
            sra_valid_months: 12,
            backup_max_age_hours: 48,
            restore_test_max_age_months: 12,
        }
    }
}

/// Everything a use case needs: storage, the clock, the settings and the catalog.
#[derive(Debug, Clone)]
pub struct App {
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    clock: Arc<dyn Clock>,
    settings: Settings,
    catalog: Arc<catalog::CatalogCache>,
}

impl std::fmt::Debug for dyn Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl App {
    /// Builds the application core over a store, a blob store and a clock.
    /// The shipped catalog is loaded once per process; frameworks imported into the
    /// installation are merged in when first needed.
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        clock: Arc<dyn Clock>,
        settings: Settings,
    ) -> Result<Self> {
        Ok(Self {
            store,
            blobs,
            clock,
            settings,
            catalog: Arc::new(catalog::CatalogCache::new()?),
        })
    }

    /// Now, by the injected clock.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// The same application on another clock: for recording past work (demo history,
    /// back-filled records) through the ordinary use cases.
    #[must_use]
    pub fn with_clock(&self, clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            ..self.clone()
        }
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The store, for operations that are not use cases (migrations, backup, health).
    pub fn maintenance(&self) -> &dyn ports::Maintenance {
        &*self.store
    }

    /// Every stored file version of every organization, for operator checks of the blob store
    /// (the CLI's `evidence verify`); never reached from a request.
    pub async fn maintenance_blob_refs(&self) -> Result<Vec<ports::BlobRef>> {
        self.store.blob_refs().await
    }
}

//! Configuration, layered with `figment` into one typed struct: its defaults, then the TOML
//! file, then `SAFEHARBOR_*` environment variables (with a `_FILE` variant for every secret,
//! naming a file that holds it), then command-line flags. Validated once, passed explicitly.
//! Secrets are `secrecy` types: they never print in `Debug` output or logs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Serialized};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Whether session cookies carry `Secure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SecureCookies {
    /// Secure unless serving plain HTTP on a loopback address.
    Auto,
    /// Always (behind a TLS-terminating proxy).
    Always,
    /// Never (plain-HTTP test setups only).
    Never,
}

/// The settings that hold secrets: each may also come from a file named by
/// `SAFEHARBOR_<NAME>_FILE`.
const SECRETS: [&str; 2] = ["database_url", "smtp_password"];

mod defaults {
    use std::net::SocketAddr;
    use std::path::PathBuf;

    pub fn data_dir() -> PathBuf {
        PathBuf::from("./safeharbor-data")
    }
    pub fn addr() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 8080))
    }
    pub fn log_format() -> super::LogFormat {
        super::LogFormat::Text
    }
    pub fn log_level() -> String {
        "info".into()
    }
    pub const fn session_idle_minutes() -> i64 {
        15
    }
    pub const fn session_absolute_hours() -> i64 {
        12
    }
    pub const fn max_body_bytes() -> usize {
        1024 * 1024
    }
    pub fn upload_limit() -> u64 {
        safeharbor_core::Settings::default().upload_limit
    }
    pub const fn secure_cookies() -> super::SecureCookies {
        super::SecureCookies::Auto
    }
    pub const fn account_lock_threshold() -> i64 {
        5
    }
    pub const fn address_lock_threshold() -> i64 {
        30
    }
    pub const fn reminders_every_minutes() -> u64 {
        60
    }
    pub fn sra_valid_months() -> u32 {
        safeharbor_core::Settings::default().sra_valid_months
    }
    pub fn backup_max_age_hours() -> u32 {
        safeharbor_core::Settings::default().backup_max_age_hours
    }
    pub fn restore_test_max_age_months() -> u32 {
        safeharbor_core::Settings::default().restore_test_max_age_months
    }
    pub const fn header_timeout_secs() -> u64 {
        10
    }
    pub const fn body_idle_timeout_secs() -> u64 {
        30
    }
    pub const fn max_connections() -> usize {
        1024
    }
    pub const fn shutdown_grace_secs() -> u64 {
        20
    }
}

/// The configuration: every setting, its default, and where it may come from. The names of
/// the fields are the TOML keys and, upper-cased after `SAFEHARBOR_`, the environment
/// variables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the SQLite database, the evidence files and the keys live.
    #[serde(default = "defaults::data_dir")]
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; may hold a password, so it is secret. Default:
    /// SQLite in the data directory (see [`Config::database_url`]).
    #[serde(default)]
    database_url: Option<SecretString>,
    /// Listening address.
    #[serde(default = "defaults::addr")]
    pub addr: SocketAddr,
    /// Log line format.
    #[serde(default = "defaults::log_format")]
    pub log_format: LogFormat,
    /// Log filter (`info`, `safeharbor=debug,info`...).
    #[serde(default = "defaults::log_level")]
    pub log_level: String,
    /// Automatic logoff after this many idle minutes (164.312(a)(2)(iii)).
    #[serde(default = "defaults::session_idle_minutes")]
    pub session_idle_minutes: i64,
    /// Overrides `session_idle_minutes` with a precise number of seconds (short demos, tests).
    #[serde(default)]
    pub session_idle_seconds: Option<i64>,
    /// Sessions end this many hours after sign-in.
    #[serde(default = "defaults::session_absolute_hours")]
    pub session_absolute_hours: i64,
    /// Largest request body.
    #[serde(default = "defaults::max_body_bytes")]
    pub max_body_bytes: usize,
    /// Largest evidence file, in bytes.
    #[serde(default = "defaults::upload_limit")]
    pub upload_limit: u64,
    /// Cookie `Secure` policy.
    #[serde(default = "defaults::secure_cookies")]
    pub secure_cookies: SecureCookies,
    /// Trust `X-Forwarded-For`.
    #[serde(default)]
    pub trust_proxy: bool,
    /// Failed sign-ins to one account within 15 minutes before it is locked.
    #[serde(default = "defaults::account_lock_threshold")]
    pub account_lock_threshold: i64,
    /// Failed sign-ins from one address within 15 minutes before it is refused.
    #[serde(default = "defaults::address_lock_threshold")]
    pub address_lock_threshold: i64,
    /// Where the risk matrix changes level: `L,M,H`.
    #[serde(default, deserialize_with = "thresholds")]
    pub risk_thresholds: safeharbor_domain::risk::RiskThresholds,
    /// Months a finalized risk analysis stays current (a Safeharbor default, not law).
    #[serde(default = "defaults::sra_valid_months")]
    pub sra_valid_months: u32,
    /// Hours after which a backup import finds a stale backup (a Safeharbor default).
    #[serde(default = "defaults::backup_max_age_hours")]
    pub backup_max_age_hours: u32,
    /// Months after which a backup import finds a missing restore test (a Safeharbor default).
    #[serde(default = "defaults::restore_test_max_age_months")]
    pub restore_test_max_age_months: u32,
    /// SMTP server for reminder e-mail (none: reminders only make tasks).
    #[serde(default)]
    pub smtp_host: Option<String>,
    /// SMTP port.
    #[serde(default)]
    pub smtp_port: Option<u16>,
    /// `starttls`, `tls` or `none`.
    #[serde(default)]
    pub smtp_security: Option<String>,
    /// SMTP account.
    #[serde(default)]
    pub smtp_username: Option<String>,
    /// SMTP password (secret).
    #[serde(default)]
    pub smtp_password: Option<SecretString>,
    /// Sender address of reminders.
    #[serde(default)]
    pub smtp_from: Option<String>,
    /// The address people reach Safeharbor at, for links in e-mail.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Minutes between reminder runs in `serve`; 0 turns them off.
    #[serde(default = "defaults::reminders_every_minutes")]
    pub reminders_every_minutes: u64,
    /// Seconds a client may take to send a request's headers.
    #[serde(default = "defaults::header_timeout_secs")]
    pub header_timeout_secs: u64,
    /// Seconds a request body may stall between two reads.
    #[serde(default = "defaults::body_idle_timeout_secs")]
    pub body_idle_timeout_secs: u64,
    /// Open connections served at once; more wait to be accepted.
    #[serde(default = "defaults::max_connections")]
    pub max_connections: usize,
    /// Seconds requests in flight get to finish after SIGTERM before they are cut.
    #[serde(default = "defaults::shutdown_grace_secs")]
    pub shutdown_grace_secs: u64,
}

fn thresholds<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<safeharbor_domain::risk::RiskThresholds, D::Error> {
    let s = String::deserialize(d)?;
    parse_thresholds(&s).map_err(serde::de::Error::custom)
}

/// Parses `L,M,H` risk thresholds.
fn parse_thresholds(s: &str) -> Result<safeharbor_domain::risk::RiskThresholds, String> {
    let bad = || "risk_thresholds must be three whole numbers, e.g. 4,9,15".to_owned();
    let parts: Vec<u8> = s
        .split(',')
        .map(|p| p.trim().parse::<u8>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    let [l, m, h] = parts[..] else {
        return Err(bad());
    };
    safeharbor_domain::risk::RiskThresholds::new(l, m, h)
        .map_err(|e| format!("risk_thresholds: {}", e.reason))
}

/// Values given on the command line (only those given are set). Serialized into the last
/// layer, so a flag wins over everything else.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Overrides {
    /// The configuration file (not a setting itself).
    #[serde(skip)]
    pub config_file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_idle_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_idle_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_absolute_hours: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_body_bytes: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_limit: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secure_cookies: Option<SecureCookies>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_proxy: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_lock_threshold: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_lock_threshold: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_thresholds: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sra_valid_months: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_max_age_hours: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_test_max_age_months: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_security: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reminders_every_minutes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_timeout_secs: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_idle_timeout_secs: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shutdown_grace_secs: Option<u64>,
}

/// The TOML file's keys, read with the workspace's `toml` crate and handed to figment as data.
fn read_file(p: &Path) -> anyhow::Result<toml::Table> {
    let text = std::fs::read_to_string(p)
        .with_context(|| format!("reading the configuration file {}", p.display()))?;
    toml::from_str(&text).with_context(|| format!("in the configuration file {}", p.display()))
}

/// `SAFEHARBOR_<SECRET>_FILE`: the secret read from the file it names, trimmed.
fn secret_files() -> anyhow::Result<Vec<(&'static str, String)>> {
    let mut out = Vec::new();
    for key in SECRETS {
        let var = format!("SAFEHARBOR_{}_FILE", key.to_uppercase());
        if let Some(path) = std::env::var_os(&var) {
            let s = std::fs::read_to_string(&path)
                .with_context(|| format!("reading the file named by {var}"))?;
            out.push((key, s.trim().to_owned()));
        }
    }
    Ok(out)
}

impl Config {
    /// Layers defaults, the TOML file (`--config`, `SAFEHARBOR_CONFIG`, or `safeharbor.toml`
    /// in the data directory when present), the environment, secret files and the flags, and
    /// validates the result.
    pub fn load(o: &Overrides) -> anyhow::Result<Self> {
        let data_dir_hint = o
            .data_dir
            .clone()
            .or_else(|| std::env::var_os("SAFEHARBOR_DATA_DIR").map(PathBuf::from))
            .unwrap_or_else(defaults::data_dir);
        let config_file = o
            .config_file
            .clone()
            .or_else(|| std::env::var_os("SAFEHARBOR_CONFIG").map(PathBuf::from));
        let default_file = data_dir_hint.join("safeharbor.toml");
        let file = match &config_file {
            Some(p) => Some(read_file(p)?),
            None if default_file.is_file() => Some(read_file(&default_file)?),
            None => None,
        };
        let mut fig = Figment::new();
        if let Some(t) = file {
            fig = fig.merge(Serialized::defaults(t));
        }
        // Every SAFEHARBOR_* variable that names a setting; others (SAFEHARBOR_CONFIG, the
        // test suite's variables) are not settings.
        fig = fig.merge(
            Env::prefixed("SAFEHARBOR_")
                .filter(|k| {
                    k.as_str().eq_ignore_ascii_case("log")
                        || KEYS
                            .iter()
                            .any(|known| k.as_str().eq_ignore_ascii_case(known))
                })
                .map(|k| {
                    if k.as_str().eq_ignore_ascii_case("log") {
                        "log_level".into()
                    } else {
                        k.into()
                    }
                }),
        );
        for (key, value) in secret_files()? {
            fig = fig.merge(Serialized::default(key, value));
        }
        fig = fig.merge(Serialized::defaults(o));
        let mut cfg: Self = fig
            .extract()
            .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        if cfg.database_url.is_none() {
            cfg.database_url = Some(SecretString::from(format!(
                "sqlite://{}",
                cfg.data_dir.join("safeharbor.db").display()
            )));
        }
        cfg.validate()?;
        Ok(cfg)
    }

    /// The database URL.
    pub fn database_url(&self) -> &str {
        self.database_url
            .as_ref()
            .map_or("", ExposeSecret::expose_secret)
    }

    fn validate(&self) -> anyhow::Result<()> {
        let url = self.database_url();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            bail!("database_url must start with sqlite:, postgres:// or postgresql://");
        }
        if !(1..=1440).contains(&self.session_idle_minutes) {
            bail!(
                "session_idle_minutes must be between 1 and 1440 (HIPAA automatic logoff: keep it short; 15 is the default)"
            );
        }
        if self
            .session_idle_seconds
            .is_some_and(|s| !(10..=86_400).contains(&s))
        {
            bail!("session_idle_seconds must be between 10 and 86400");
        }
        if !(1..=720).contains(&self.session_absolute_hours) {
            bail!("session_absolute_hours must be between 1 and 720");
        }
        if !(3..=100).contains(&self.account_lock_threshold) {
            bail!("account_lock_threshold must be between 3 and 100 (default 5)");
        }
        if !(3..=100_000).contains(&self.address_lock_threshold) {
            bail!("address_lock_threshold must be between 3 and 100000 (default 30)");
        }
        if self.upload_limit < 1024 {
            bail!("upload_limit must be at least 1024 bytes");
        }
        if self.max_body_bytes < 1024 {
            bail!("max_body_bytes must be at least 1024");
        }
        if !(1..=120).contains(&self.sra_valid_months) {
            bail!("sra_valid_months must be between 1 and 120 (default 12)");
        }
        if !(1..=8760).contains(&self.backup_max_age_hours) {
            bail!("backup_max_age_hours must be between 1 and 8760 (default 48)");
        }
        if !(1..=120).contains(&self.restore_test_max_age_months) {
            bail!("restore_test_max_age_months must be between 1 and 120 (default 12)");
        }
        if self.header_timeout_secs == 0 || self.body_idle_timeout_secs == 0 {
            bail!("header_timeout_secs and body_idle_timeout_secs must be at least 1");
        }
        if self.max_connections == 0 {
            bail!("max_connections must be at least 1");
        }
        if let Some(u) = &self.public_url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            bail!("public_url must start with https:// or http://");
        }
        self.smtp()?;
        Ok(())
    }

    /// Whether the database is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.database_url().starts_with("postgres")
    }

    /// Whether cookies get `Secure` when serving on `addr`.
    pub fn cookies_secure(&self) -> bool {
        match self.secure_cookies {
            SecureCookies::Always => true,
            SecureCookies::Never => false,
            SecureCookies::Auto => !self.addr.ip().is_loopback(),
        }
    }

    /// The SMTP settings, when a host is configured.
    pub fn smtp(&self) -> anyhow::Result<Option<crate::mail::SmtpConfig>> {
        let Some(host) = self.smtp_host.clone() else {
            return Ok(None);
        };
        let from = self.smtp_from.clone().context(
            "smtp_from is required when smtp_host is set: the sender address of reminders",
        )?;
        let mut cfg = crate::mail::SmtpConfig::new(host, from);
        if let Some(sec) = &self.smtp_security {
            cfg.security = sec
                .parse()
                .map_err(|e| anyhow::anyhow!("smtp_security: {e}"))?;
            cfg.port = cfg.security.default_port();
        }
        if let Some(p) = self.smtp_port {
            cfg.port = p;
        }
        cfg.username.clone_from(&self.smtp_username);
        cfg.password.clone_from(&self.smtp_password);
        Ok(Some(cfg))
    }

    /// The core's settings from this configuration.
    pub fn settings(&self) -> safeharbor_core::Settings {
        safeharbor_core::Settings {
            session_idle: self.session_idle_seconds.map_or_else(
                || time::Duration::minutes(self.session_idle_minutes),
                time::Duration::seconds,
            ),
            session_absolute: time::Duration::hours(self.session_absolute_hours),
            account_lock_threshold: self.account_lock_threshold,
            address_lock_threshold: self.address_lock_threshold,
            risk_thresholds: self.risk_thresholds,
            upload_limit: self.upload_limit,
            sra_valid_months: self.sra_valid_months,
            backup_max_age_hours: self.backup_max_age_hours,
            restore_test_max_age_months: self.restore_test_max_age_months,
            ..safeharbor_core::Settings::default()
        }
    }
}

/// Every setting's key (the TOML keys; `SAFEHARBOR_` plus the upper-cased key in the
/// environment, except `log_level`, which is `SAFEHARBOR_LOG`).
pub const KEYS: [&str; 30] = [
    "data_dir",
    "database_url",
    "addr",
    "log_format",
    "log_level",
    "session_idle_minutes",
    "session_idle_seconds",
    "session_absolute_hours",
    "max_body_bytes",
    "upload_limit",
    "secure_cookies",
    "trust_proxy",
    "account_lock_threshold",
    "address_lock_threshold",
    "risk_thresholds",
    "sra_valid_months",
    "backup_max_age_hours",
    "restore_test_max_age_months",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
    "smtp_password",
    "smtp_from",
    "public_url",
    "reminders_every_minutes",
    "header_timeout_secs",
    "body_idle_timeout_secs",
    "max_connections",
    "shutdown_grace_secs",
];

#[cfg(test)]
mod tests;

//! Configuration: defaults, then a TOML file, then `SAFEHARBOR_*` environment variables (with
//! `_FILE` variants for secrets), then command-line flags. One typed struct, validated once,
//! passed explicitly.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Whether session cookies carry `Secure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SecureCookies {
    /// Secure unless serving plain HTTP on a loopback address.
    Auto,
    /// Always (behind a TLS-terminating proxy).
    Always,
    /// Never (plain-HTTP test setups only).
    Never,
}

/// Values from the TOML file; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub addr: Option<SocketAddr>,
    pub log_format: Option<LogFormat>,
    pub log_level: Option<String>,
    pub session_idle_minutes: Option<i64>,
    pub session_idle_seconds: Option<i64>,
    pub session_absolute_hours: Option<i64>,
    pub max_body_bytes: Option<usize>,
    pub upload_limit: Option<u64>,
    pub secure_cookies: Option<SecureCookies>,
    pub trust_proxy: Option<bool>,
    pub account_lock_threshold: Option<i64>,
    pub address_lock_threshold: Option<i64>,
    pub risk_thresholds: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub smtp_security: Option<String>,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub smtp_from: Option<String>,
    pub public_url: Option<String>,
    pub reminders_every_minutes: Option<u64>,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the SQLite database (and later evidence files) live.
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; may hold a password, so it is secret.
    pub database_url: SecretString,
    /// Listening address.
    pub addr: SocketAddr,
    /// Log line format.
    pub log_format: LogFormat,
    /// Log filter (`info`, `safeharbor=debug,info`...).
    pub log_level: String,
    /// Automatic logoff after this many idle minutes.
    pub session_idle_minutes: i64,
    /// Overrides `session_idle_minutes` with a precise number of seconds (short demos, tests).
    pub session_idle_seconds: Option<i64>,
    /// Sessions end this many hours after sign-in.
    pub session_absolute_hours: i64,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Largest evidence file, in bytes.
    pub upload_limit: u64,
    /// Cookie `Secure` policy.
    pub secure_cookies: SecureCookies,
    /// Trust `X-Forwarded-For`.
    pub trust_proxy: bool,
    /// Failed sign-ins to one account within 15 minutes before it is locked.
    pub account_lock_threshold: i64,
    /// Failed sign-ins from one address within 15 minutes before it is refused.
    pub address_lock_threshold: i64,
    /// Where the risk matrix changes level.
    pub risk_thresholds: safeharbor_domain::risk::RiskThresholds,
    /// Where reminder e-mail goes out (none: reminders only make tasks).
    pub smtp: Option<crate::mail::SmtpConfig>,
    /// The address people reach Safeharbor at, for links in e-mail.
    pub public_url: Option<String>,
    /// Minutes between reminder runs in `serve`; 0 turns them off.
    pub reminders_every_minutes: u64,
}

/// Values given on the command line or in the environment (clap reads both; flags win).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub addr: Option<SocketAddr>,
    pub log_format: Option<LogFormat>,
    pub log_level: Option<String>,
    pub session_idle_minutes: Option<i64>,
    pub session_idle_seconds: Option<i64>,
    pub session_absolute_hours: Option<i64>,
    pub max_body_bytes: Option<usize>,
    pub upload_limit: Option<u64>,
    pub secure_cookies: Option<SecureCookies>,
    pub trust_proxy: Option<bool>,
    pub account_lock_threshold: Option<i64>,
    pub address_lock_threshold: Option<i64>,
    pub risk_thresholds: Option<String>,
    pub mail: crate::cli::MailArgs,
}

/// Parses `L,M,H` risk thresholds.
fn parse_thresholds(s: &str) -> anyhow::Result<safeharbor_domain::risk::RiskThresholds> {
    let parts: Vec<u8> = s
        .split(',')
        .map(|p| p.trim().parse::<u8>())
        .collect::<Result<_, _>>()
        .map_err(|_| anyhow::anyhow!("risk_thresholds must be three whole numbers, e.g. 4,9,15"))?;
    let [l, m, h] = parts[..] else {
        bail!("risk_thresholds must be three whole numbers, e.g. 4,9,15");
    };
    safeharbor_domain::risk::RiskThresholds::new(l, m, h)
        .map_err(|e| anyhow::anyhow!("{}", e.reason).context("risk_thresholds"))
}

impl Config {
    /// Layers defaults, the TOML file and the overrides, and validates the result.
    pub fn load(o: Overrides) -> anyhow::Result<Self> {
        let data_dir_hint = o
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("./safeharbor-data"));
        let default_file = data_dir_hint.join("safeharbor.toml");
        let file = if let Some(p) = &o.config_file {
            read_file(p)?
        } else if default_file.is_file() {
            read_file(&default_file)?
        } else {
            FileConfig::default()
        };
        let smtp = smtp_config(&o.mail, &file)?;
        let public_url = o.mail.public_url.clone().or(file.public_url.clone());
        if let Some(u) = &public_url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            bail!("public_url must start with https:// or http://");
        }
        let data_dir = o
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("./safeharbor-data"));
        let database_url = match o
            .database_url
            .or(secret_from_file("SAFEHARBOR_DATABASE_URL_FILE")?)
            .or(file.database_url)
        {
            Some(u) => u,
            None => format!("sqlite://{}", data_dir.join("safeharbor.db").display()),
        };
        let risk_thresholds = match o.risk_thresholds.or(file.risk_thresholds) {
            Some(t) => parse_thresholds(&t)?,
            None => safeharbor_domain::risk::RiskThresholds::default(),
        };
        let cfg = Self {
            smtp,
            public_url,
            reminders_every_minutes: o
                .mail
                .reminders_every_minutes
                .or(file.reminders_every_minutes)
                .unwrap_or(60),
            risk_thresholds,
            database_url: SecretString::from(database_url),
            data_dir,
            addr: o
                .addr
                .or(file.addr)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            log_format: o.log_format.or(file.log_format).unwrap_or(LogFormat::Text),
            log_level: o
                .log_level
                .or(file.log_level)
                .unwrap_or_else(|| "info".to_owned()),
            session_idle_seconds: o.session_idle_seconds.or(file.session_idle_seconds),
            session_idle_minutes: o
                .session_idle_minutes
                .or(file.session_idle_minutes)
                .unwrap_or(15),
            session_absolute_hours: o
                .session_absolute_hours
                .or(file.session_absolute_hours)
                .unwrap_or(12),
            max_body_bytes: o
                .max_body_bytes
                .or(file.max_body_bytes)
                .unwrap_or(1024 * 1024),
            upload_limit: o
                .upload_limit
                .or(file.upload_limit)
                .unwrap_or(safeharbor_core::Settings::default().upload_limit),
            secure_cookies: o
                .secure_cookies
                .or(file.secure_cookies)
                .unwrap_or(SecureCookies::Auto),
            trust_proxy: o.trust_proxy.or(file.trust_proxy).unwrap_or(false),
            account_lock_threshold: o
                .account_lock_threshold
                .or(file.account_lock_threshold)
                .unwrap_or(5),
            address_lock_threshold: o
                .address_lock_threshold
                .or(file.address_lock_threshold)
                .unwrap_or(30),
        };
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> anyhow::Result<()> {
        let url = self.database_url.expose_secret();
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
        Ok(())
    }

    /// Whether the database is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.database_url.expose_secret().starts_with("postgres")
    }

    /// Whether cookies get `Secure` when serving on `addr`.
    pub fn cookies_secure(&self) -> bool {
        match self.secure_cookies {
            SecureCookies::Always => true,
            SecureCookies::Never => false,
            SecureCookies::Auto => !self.addr.ip().is_loopback(),
        }
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
            ..safeharbor_core::Settings::default()
        }
    }
}

fn read_file(p: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(p)
        .with_context(|| format!("reading the configuration file {}", p.display()))?;
    toml::from_str(&text).with_context(|| format!("in the configuration file {}", p.display()))
}

/// The SMTP settings, when a host is configured: flags and environment, then the file.
fn smtp_config(
    o: &crate::cli::MailArgs,
    file: &FileConfig,
) -> anyhow::Result<Option<crate::mail::SmtpConfig>> {
    let Some(host) = o.smtp_host.clone().or(file.smtp_host.clone()) else {
        return Ok(None);
    };
    let from =
        o.smtp_from.clone().or(file.smtp_from.clone()).context(
            "smtp_from is required when smtp_host is set: the sender address of reminders",
        )?;
    let mut cfg = crate::mail::SmtpConfig::new(host, from);
    if let Some(sec) = o.smtp_security.clone().or(file.smtp_security.clone()) {
        cfg.security = sec
            .parse()
            .map_err(|e| anyhow::anyhow!("smtp_security: {e}"))?;
        cfg.port = cfg.security.default_port();
    }
    if let Some(p) = o.smtp_port.or(file.smtp_port) {
        cfg.port = p;
    }
    cfg.username = o.smtp_username.clone().or(file.smtp_username.clone());
    let password = std::env::var("SAFEHARBOR_SMTP_PASSWORD")
        .ok()
        .or(secret_from_file("SAFEHARBOR_SMTP_PASSWORD_FILE")?)
        .or(file.smtp_password.clone());
    cfg.password = password.map(SecretString::from);
    Ok(Some(cfg))
}

fn secret_from_file(var: &str) -> anyhow::Result<Option<String>> {
    match std::env::var_os(var) {
        None => Ok(None),
        Some(path) => {
            let s = std::fs::read_to_string(&path)
                .with_context(|| format!("reading the file named by {var}"))?;
            Ok(Some(s.trim().to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_put_sqlite_in_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let c = Config::load(Overrides {
            data_dir: Some(dir.path().to_owned()),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(
            c.database_url.expose_secret(),
            &format!("sqlite://{}", dir.path().join("safeharbor.db").display())
        );
        assert_eq!(c.session_idle_minutes, 15);
        assert!(!c.cookies_secure(), "plain HTTP on loopback");
    }

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("safeharbor.toml"),
            "session_idle_minutes = 5\naddr = \"0.0.0.0:9000\"\n",
        )
        .unwrap();
        let c = Config::load(Overrides {
            data_dir: Some(dir.path().to_owned()),
            session_idle_minutes: Some(7),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(c.session_idle_minutes, 7);
        assert_eq!(c.addr.port(), 9000);
        assert!(c.cookies_secure());
    }

    #[test]
    fn bad_values_say_what_to_fix() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("safeharbor.toml"),
            "sesion_idle_minutes = 5\n",
        )
        .unwrap();
        let err = Config::load(Overrides {
            data_dir: Some(dir.path().to_owned()),
            ..Overrides::default()
        })
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("sesion_idle_minutes"),
            "{err:#}"
        );
        let err = Config::load(Overrides {
            database_url: Some("mysql://x".into()),
            ..Overrides::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("database_url"));
    }
}

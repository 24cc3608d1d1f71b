//! SMTP delivery for the mail port. One short session per message (connect, EHLO, STARTTLS or
//! implicit TLS, AUTH, MAIL, RCPT, DATA, QUIT) in blocking I/O on a worker thread, with a
//! deadline on every step so a silent server cannot hold a reminder job forever.
//!
//! Errors name the SMTP stage and the reply code; they never carry the body or the credentials,
//! and nothing here logs either.
//!
//! This module holds the configuration and the mailer, which validates it and runs one delivery;
//! `message` builds what DATA carries, `session` speaks SMTP over the socket.

mod message;
mod session;
#[cfg(test)]
mod tests;

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use safeharbor_core::Error;
use safeharbor_core::ports::{Mail, Mailer};
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;

use self::message::{check_address, check_mail, date_header, render};
use self::session::{Session, SmtpError, Stage, Stream, connect, helo_name};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS before anything else is sent (port 587).
    #[default]
    StartTls,
    /// TLS from the first byte ("implicit TLS", port 465).
    Tls,
    /// No encryption: only for a relay on this machine (a loopback host), never with a password.
    None,
}

impl SmtpSecurity {
    /// The usual port for this kind of connection.
    pub fn default_port(self) -> u16 {
        match self {
            Self::StartTls => 587,
            Self::Tls => 465,
            Self::None => 25,
        }
    }
}

impl fmt::Display for SmtpSecurity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::StartTls => "starttls",
            Self::Tls => "tls",
            Self::None => "none",
        })
    }
}

/// A name that is not one of `starttls`, `tls` or `none`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSmtpSecurity(String);

impl fmt::Display for UnknownSmtpSecurity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown SMTP security {:?}: choose starttls, tls or none",
            self.0
        )
    }
}

impl std::error::Error for UnknownSmtpSecurity {}

impl FromStr for SmtpSecurity {
    type Err = UnknownSmtpSecurity;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "starttls" => Ok(Self::StartTls),
            "tls" => Ok(Self::Tls),
            "none" => Ok(Self::None),
            _ => Err(UnknownSmtpSecurity(s.to_owned())),
        }
    }
}

/// Where and how to hand mail over. `Debug` redacts the password.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// The server's host name or IP address (also the name its certificate must carry).
    pub host: String,
    /// The server's port: 587 for STARTTLS, 465 for implicit TLS.
    pub port: u16,
    /// How the connection is protected.
    pub security: SmtpSecurity,
    /// Account to authenticate as; `None` sends without AUTH.
    pub username: Option<String>,
    /// The account's password; set exactly when `username` is.
    pub password: Option<SecretString>,
    /// Envelope sender and `From:` header: a bare address such as `noreply@example.org`.
    pub from: String,
    /// How long each step (connecting, the TLS handshake, each reply) may take.
    pub timeout: Duration,
}

impl SmtpConfig {
    /// The defaults: STARTTLS on port 587, no credentials, 30 s per step.
    pub fn new(host: impl Into<String>, from: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            port: SmtpSecurity::StartTls.default_port(),
            security: SmtpSecurity::StartTls,
            username: None,
            password: None,
            from: from.into(),
            timeout: Duration::from_secs(30),
        }
    }
}

/// Sends mail through an SMTP server. Cheap to clone; the TLS settings are built once.
#[derive(Debug, Clone)]
pub struct SmtpMailer {
    cfg: Arc<SmtpConfig>,
    tls: Arc<ClientConfig>,
    server_name: ServerName<'static>,
}

impl SmtpMailer {
    /// Validates the configuration and prepares TLS with the Mozilla root certificates.
    pub fn new(cfg: SmtpConfig) -> anyhow::Result<Self> {
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        Self::with_roots(cfg, roots)
    }

    fn with_roots(cfg: SmtpConfig, roots: RootCertStore) -> anyhow::Result<Self> {
        validate(&cfg)?;
        let host = bare_host(&cfg.host);
        let server_name = ServerName::try_from(host.to_owned())
            .map_err(|_| anyhow!("smtp host {host:?} is not a valid host name or IP address"))?;
        // The ring provider explicitly: sqlx already builds it, and a process-wide default
        // provider would depend on which rustls features other crates happen to enable.
        let tls =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .context("setting up TLS for SMTP")?
                .with_root_certificates(roots)
                .with_no_client_auth();
        Ok(Self {
            cfg: Arc::new(cfg),
            tls: Arc::new(tls),
            server_name,
        })
    }

    /// Connects and gets as far as a session that may send mail: greeted, encrypted as
    /// configured, authenticated.
    fn open(&self) -> Result<Session, SmtpError> {
        let cfg = &*self.cfg;
        let tcp = connect(cfg)?;
        let helo = helo_name(&tcp);
        // The commonest mistake is the wrong port for the security: say so where it shows.
        let stream = match cfg.security {
            SmtpSecurity::Tls => Stream::Tls(Box::new(self.handshake(tcp)?)),
            SmtpSecurity::StartTls | SmtpSecurity::None => Stream::Plain(tcp),
        };
        let mut s = Session::new(stream, cfg.timeout, helo);
        s.greeting().map_err(|e| match cfg.security {
            SmtpSecurity::StartTls => {
                e.hint("if the server expects implicit TLS (usually port 465), set security to tls")
            }
            SmtpSecurity::Tls | SmtpSecurity::None => e,
        })?;
        s.ehlo()?;
        if cfg.security == SmtpSecurity::StartTls {
            if !s.offers("STARTTLS") {
                return Err(SmtpError::new(
                    Stage::StartTls,
                    "the server does not offer STARTTLS; use security \"tls\" if it expects \
                     implicit TLS (port 465)",
                ));
            }
            s.command(Stage::StartTls, "STARTTLS", 2)?;
            s = s.start_tls(|tcp| self.handshake(tcp))?;
            s.ehlo()?;
        }
        if let (Some(user), Some(password)) = (&cfg.username, &cfg.password) {
            s.auth(user, password)?;
        }
        Ok(s)
    }

    /// The whole session, blocking.
    fn deliver(&self, mail: &Mail, now: OffsetDateTime) -> Result<(), SmtpError> {
        let cfg = &*self.cfg;
        let mut s = self.open()?;
        let eight_bit_ok = s.offers("8BITMIME");
        let message = render(
            mail,
            &cfg.from,
            &date_header(now)?,
            &self.message_id()?,
            eight_bit_ok,
        );
        let body_param = if message.eight_bit {
            " BODY=8BITMIME"
        } else {
            ""
        };
        s.command(
            Stage::MailFrom,
            &format!("MAIL FROM:<{}>{body_param}", cfg.from),
            2,
        )?;
        let mut refused = Vec::new();
        for to in &mail.to {
            let reply = s.round_trip(Stage::RcptTo, &[b"RCPT TO:<", to.as_bytes(), b">"])?;
            if reply.class() != 2 {
                refused.push(format!("{to} ({})", reply.describe(true)));
            }
        }
        if !refused.is_empty() {
            s.quit_without_waiting();
            return Err(SmtpError::new(
                Stage::RcptTo,
                format!(
                    "the server refused {} of {} recipients, nothing was sent: {}",
                    refused.len(),
                    mail.to.len(),
                    refused.join(", ")
                ),
            ));
        }
        s.command(Stage::Data, "DATA", 3)?;
        s.write(Stage::Message, message.text.as_bytes())?;
        // A content filter may quote the message in its reply: keep only the codes.
        let reply = s.read_reply(Stage::Message)?;
        if reply.class() != 2 {
            return Err(SmtpError::refused(Stage::Message, &reply, false));
        }
        s.quit();
        Ok(())
    }

    fn message_id(&self) -> Result<String, SmtpError> {
        let mut random = [0u8; 18];
        self.tls
            .crypto_provider()
            .secure_random
            .fill(&mut random)
            .map_err(|_| SmtpError::new(Stage::Message, "no randomness for the Message-ID"))?;
        let domain = self
            .cfg
            .from
            .rsplit_once('@')
            .map_or("safeharbor", |(_, d)| d);
        Ok(format!("<{}@{domain}>", URL_SAFE_NO_PAD.encode(random)))
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> safeharbor_core::Result<()> {
        check_mail(mail)?;
        let mailer = self.clone();
        let owned = mail.clone();
        tokio::task::spawn_blocking(move || mailer.deliver(&owned, OffsetDateTime::now_utc()))
            .await
            .map_err(|_| Error::internal("the SMTP worker stopped unexpectedly"))?
            .map_err(Error::internal)?;
        tracing::debug!(
            recipients = mail.to.len(),
            "mail accepted by the SMTP server"
        );
        Ok(())
    }
}

fn validate(cfg: &SmtpConfig) -> anyhow::Result<()> {
    let host = bare_host(&cfg.host);
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!("smtp host must be a host name or IP address, e.g. smtp.example.org");
    }
    if cfg.port == 0 {
        bail!("smtp port must be between 1 and 65535 (587 for starttls, 465 for tls)");
    }
    if cfg.timeout.is_zero() {
        bail!("smtp timeout must be longer than zero (default 30 s)");
    }
    check_address(&cfg.from).map_err(|why| anyhow!("smtp from {why}"))?;
    match (&cfg.username, &cfg.password) {
        (None, None) => {}
        (Some(user), Some(password)) => {
            if user.is_empty() || user.contains('\0') || password.expose_secret().contains('\0') {
                bail!("smtp username and password must not be empty or contain NUL characters");
            }
        }
        (Some(_), None) => {
            bail!("smtp username is set but smtp password is not: set both or neither")
        }
        (None, Some(_)) => {
            bail!("smtp password is set but smtp username is not: set both or neither")
        }
    }
    if cfg.security == SmtpSecurity::None {
        if !is_loopback(host) {
            bail!(
                "smtp security \"none\" would send mail unencrypted across the network; it is only \
                 allowed for a relay on this machine (localhost, 127.0.0.1 or ::1), not {host:?}: \
                 use starttls or tls"
            );
        }
        if cfg.username.is_some() {
            bail!(
                "smtp security \"none\" cannot be used with a username and password: credentials \
                 are only sent over TLS (use starttls or tls, or drop the credentials)"
            );
        }
    }
    Ok(())
}

fn bare_host(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

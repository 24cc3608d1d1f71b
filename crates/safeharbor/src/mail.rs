//! SMTP delivery for the mail port. One short session per message (connect, EHLO, STARTTLS or
//! implicit TLS, AUTH, MAIL, RCPT, DATA, QUIT) in blocking I/O on a worker thread, with a
//! deadline on every step so a silent server cannot hold a reminder job forever.
//!
//! Errors name the SMTP stage and the reply code; they never carry the body or the credentials,
//! and nothing here logs either.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use safeharbor_core::Error;
use safeharbor_core::ports::{Mail, Mailer};
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// Longest reply line we buffer, and most lines in one reply: a hostile server gets an error,
/// not our memory.
const MAX_REPLY_LINE: usize = 4096;
const MAX_REPLY_LINES: usize = 100;
/// RFC 5321 4.5.3.1.6: a text line is at most 998 octets before CRLF.
const MAX_TEXT_LINE: usize = 998;
const STARTTLS_HINT: &str =
    "if the server expects STARTTLS (usually port 587), set security to starttls";

type TlsStream = StreamOwned<ClientConnection, TcpStream>;

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

    fn handshake(&self, tcp: TcpStream) -> Result<TlsStream, SmtpError> {
        let timeout = self.cfg.timeout;
        let mut conn = ClientConnection::new(Arc::clone(&self.tls), self.server_name.clone())
            .map_err(|e| {
                SmtpError::new(Stage::TlsHandshake, format!("could not start TLS: {e}"))
            })?;
        let mut tcp = tcp;
        let deadline = Instant::now() + timeout;
        while conn.is_handshaking() {
            set_deadline(&tcp, deadline, Stage::TlsHandshake, timeout)?;
            match conn.complete_io(&mut tcp) {
                Ok((0, 0)) => {
                    return Err(SmtpError::new(
                        Stage::TlsHandshake,
                        "the server closed the connection",
                    ));
                }
                Ok(_) => {}
                Err(e) => {
                    let err = SmtpError::io(Stage::TlsHandshake, &e, timeout);
                    // Not TLS at all: most likely a STARTTLS port's greeting in clear.
                    let not_tls = e
                        .get_ref()
                        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                        .is_some_and(|r| matches!(r, rustls::Error::InvalidMessage(_)));
                    return Err(if not_tls && self.cfg.security == SmtpSecurity::Tls {
                        err.hint(STARTTLS_HINT)
                    } else {
                        err
                    });
                }
            }
        }
        Ok(StreamOwned::new(conn, tcp))
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

/// Refuses what would let a caller write extra headers or commands (CR/LF, `<>`, commas),
/// before any connection is made.
fn check_mail(mail: &Mail) -> safeharbor_core::Result<()> {
    if mail.to.is_empty() {
        return Err(Error::invalid(
            "to",
            "a message needs at least one recipient",
        ));
    }
    for to in &mail.to {
        check_address(to).map_err(|why| Error::invalid("to", format!("a recipient {why}")))?;
    }
    if mail.subject.chars().any(|c| c.is_control() && c != '\t') {
        return Err(Error::invalid(
            "subject",
            "must be one line without control characters",
        ));
    }
    Ok(())
}

/// A bare ASCII address: we send neither display names nor SMTPUTF8.
fn check_address(address: &str) -> Result<(), &'static str> {
    const HINT: &str = "must be a bare address such as name@example.org, without spaces, \
                        line breaks or any of <>,;\"()\\";
    if address.is_empty() || address.len() > 254 || !address.is_ascii() {
        return Err(HINT);
    }
    if address
        .bytes()
        .any(|b| b.is_ascii_control() || b" <>,;\"()\\[]".contains(&b))
    {
        return Err(HINT);
    }
    match address.rsplit_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() => Ok(()),
        _ => Err(HINT),
    }
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

fn connect(cfg: &SmtpConfig) -> Result<TcpStream, SmtpError> {
    let host = bare_host(&cfg.host);
    let mut addrs: Vec<SocketAddr> = (host, cfg.port)
        .to_socket_addrs()
        .map_err(|e| SmtpError::new(Stage::Connect, format!("could not resolve {host}: {e}")))?
        .collect();
    if cfg.security == SmtpSecurity::None {
        // "localhost" is checked by name in `validate`; hold it to its word here.
        addrs.retain(|a| a.ip().is_loopback());
    }
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, cfg.timeout) {
            Ok(tcp) => {
                tcp.set_write_timeout(Some(cfg.timeout))
                    .map_err(|e| SmtpError::io(Stage::Connect, &e, cfg.timeout))?;
                return Ok(tcp);
            }
            Err(e) => last = Some(e),
        }
    }
    let why = last.map_or_else(
        || "no usable address".to_owned(),
        |e| describe_io(&e, cfg.timeout),
    );
    Err(SmtpError::new(
        Stage::Connect,
        format!("could not connect to {host}:{}: {why}", cfg.port),
    ))
}

/// RFC 5321 4.1.4: an address literal is always a valid EHLO argument, unlike a bare host name.
fn helo_name(tcp: &TcpStream) -> String {
    match tcp.local_addr() {
        Ok(SocketAddr::V4(a)) => format!("[{}]", a.ip()),
        Ok(SocketAddr::V6(a)) => format!("[IPv6:{}]", a.ip()),
        Err(_) => "safeharbor".to_owned(),
    }
}

fn set_deadline(
    tcp: &TcpStream,
    deadline: Instant,
    stage: Stage,
    timeout: Duration,
) -> Result<(), SmtpError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        let e = io::Error::from(io::ErrorKind::TimedOut);
        return Err(SmtpError::io(stage, &e, timeout));
    }
    tcp.set_read_timeout(Some(left))
        .map_err(|e| SmtpError::io(stage, &e, timeout))
}

fn date_header(now: OffsetDateTime) -> Result<String, SmtpError> {
    now.format(&Rfc2822)
        .map_err(|_| SmtpError::new(Stage::Message, "could not format the Date header"))
}

/// The DATA section, dot-stuffed and terminated, and whether it needs `BODY=8BITMIME`.
struct Rendered {
    text: String,
    eight_bit: bool,
}

fn render(mail: &Mail, from: &str, date: &str, message_id: &str, eight_bit_ok: bool) -> Rendered {
    // Bare CR and LF become CRLF: SMTP knows no other line ending.
    let body = mail.body.replace("\r\n", "\n").replace('\r', "\n");
    let lines_fit = body.lines().all(|l| l.len() <= MAX_TEXT_LINE) && !body.contains('\0');
    let (encoding, eight_bit) = if lines_fit && body.is_ascii() {
        ("7bit", false)
    } else if lines_fit && eight_bit_ok {
        ("8bit", true)
    } else {
        ("base64", false)
    };
    let mut out = String::with_capacity(body.len() + 512);
    for (name, value) in [
        ("From", from.to_owned()),
        ("To", mail.to.join(",\r\n ")),
        ("Subject", encode_subject(&mail.subject)),
        ("Date", date.to_owned()),
        ("Message-ID", message_id.to_owned()),
        ("MIME-Version", "1.0".to_owned()),
        ("Content-Type", "text/plain; charset=utf-8".to_owned()),
        ("Content-Transfer-Encoding", encoding.to_owned()),
    ] {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(&value);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    if encoding == "base64" {
        let mut canonical = String::with_capacity(body.len() + 64);
        for line in body.lines() {
            canonical.push_str(line);
            canonical.push_str("\r\n");
        }
        let encoded = STANDARD.encode(canonical);
        let mut rest = encoded.as_str();
        while !rest.is_empty() {
            let (line, tail) = rest.split_at(rest.len().min(76));
            out.push_str(line);
            out.push_str("\r\n");
            rest = tail;
        }
    } else {
        for line in body.lines() {
            // RFC 5321 4.5.2: a leading dot is doubled so no line can end the data early.
            if line.starts_with('.') {
                out.push('.');
            }
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str(".\r\n");
    Rendered {
        text: out,
        eight_bit,
    }
}

/// RFC 2047 encoded words for anything not plain short ASCII, one per folded line.
fn encode_subject(subject: &str) -> String {
    if subject.is_ascii() && subject.len() <= 900 && !subject.contains("=?") {
        return subject.to_owned();
    }
    // 39 bytes of UTF-8 make 52 base64 characters, 64 with the markers: with "Subject: " in
    // front the line stays within the 76 of RFC 2047 section 2.
    let mut words = Vec::new();
    let mut start = 0;
    for (i, c) in subject.char_indices() {
        if i + c.len_utf8() - start > 39 {
            words.push(format!(
                "=?UTF-8?B?{}?=",
                STANDARD.encode(&subject[start..i])
            ));
            start = i;
        }
    }
    words.push(format!(
        "=?UTF-8?B?{}?=",
        STANDARD.encode(&subject[start..])
    ));
    words.join("\r\n ")
}

/// Where in the session something failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Connect,
    TlsHandshake,
    Greeting,
    Ehlo,
    StartTls,
    Auth,
    MailFrom,
    RcptTo,
    Data,
    Message,
    Quit,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "connect",
            Self::TlsHandshake => "TLS handshake",
            Self::Greeting => "greeting",
            Self::Ehlo => "EHLO",
            Self::StartTls => "STARTTLS",
            Self::Auth => "AUTH",
            Self::MailFrom => "MAIL FROM",
            Self::RcptTo => "RCPT TO",
            Self::Data => "DATA",
            Self::Message => "end of message",
            Self::Quit => "QUIT",
        })
    }
}

/// A failed session: the stage and what happened, never the body or the credentials.
#[derive(Debug)]
struct SmtpError {
    stage: Stage,
    what: String,
}

impl SmtpError {
    fn new(stage: Stage, what: impl Into<String>) -> Self {
        Self {
            stage,
            what: what.into(),
        }
    }

    fn io(stage: Stage, e: &io::Error, timeout: Duration) -> Self {
        Self::new(stage, describe_io(e, timeout))
    }

    fn hint(mut self, hint: &str) -> Self {
        self.what = format!("{}; {hint}", self.what);
        self
    }

    fn refused(stage: Stage, reply: &Reply, with_text: bool) -> Self {
        Self::new(
            stage,
            format!("the server answered {}", reply.describe(with_text)),
        )
    }
}

impl fmt::Display for SmtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SMTP {}: {}", self.stage, self.what)
    }
}

impl std::error::Error for SmtpError {}

fn describe_io(e: &io::Error, timeout: Duration) -> String {
    use io::ErrorKind as K;
    match e.kind() {
        K::WouldBlock | K::TimedOut => format!("no answer from the server within {timeout:?}"),
        K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => {
            format!("the server closed the connection ({e})")
        }
        _ => e.to_string(),
    }
}

/// One (possibly multi-line) reply.
#[derive(Debug)]
struct Reply {
    code: u16,
    lines: Vec<String>,
}

impl Reply {
    fn class(&self) -> u16 {
        self.code / 100
    }

    /// The code, then either the first line of text (printable ASCII, cut short) or only the
    /// enhanced status code (`5.7.8`), which cannot echo anything we sent.
    fn describe(&self, with_text: bool) -> String {
        let first = self.lines.first().map_or("", String::as_str);
        let text: String = if with_text {
            first
                .chars()
                .filter(|c| c.is_ascii_graphic() || *c == ' ')
                .take(160)
                .collect()
        } else {
            first
                .split(' ')
                .next()
                .filter(|t| {
                    t.split('.').count() == 3 && t.chars().all(|c| c.is_ascii_digit() || c == '.')
                })
                .unwrap_or("")
                .to_owned()
        };
        let text = text.trim();
        if text.is_empty() {
            self.code.to_string()
        } else {
            format!("{} {text}", self.code)
        }
    }
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Self::Plain(tcp) => tcp,
            Self::Tls(tls) => tls.get_ref(),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(tcp) => tcp.read(buf),
            Self::Tls(tls) => tls.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Plain(tcp) => tcp.write(buf),
            Self::Tls(tls) => tls.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Plain(tcp) => tcp.flush(),
            Self::Tls(tls) => tls.flush(),
        }
    }
}

/// A connection after the greeting: reads replies, writes commands, remembers the extensions.
struct Session {
    stream: Stream,
    buf: Vec<u8>,
    timeout: Duration,
    helo: String,
    extensions: Vec<String>,
}

impl Session {
    fn new(stream: Stream, timeout: Duration, helo: String) -> Self {
        Self {
            stream,
            buf: Vec::new(),
            timeout,
            helo,
            extensions: Vec::new(),
        }
    }

    fn encrypted(&self) -> bool {
        matches!(self.stream, Stream::Tls(_))
    }

    fn start_tls(
        self,
        handshake: impl FnOnce(TcpStream) -> Result<TlsStream, SmtpError>,
    ) -> Result<Self, SmtpError> {
        // Anything already buffered was sent in clear and would be read as if it came over
        // TLS (CVE-2011-0411, "STARTTLS command injection").
        if !self.buf.is_empty() {
            return Err(SmtpError::new(
                Stage::StartTls,
                "the server sent data before the TLS handshake",
            ));
        }
        let Stream::Plain(tcp) = self.stream else {
            return Err(SmtpError::new(
                Stage::StartTls,
                "the connection is already encrypted",
            ));
        };
        let tls = handshake(tcp)?;
        Ok(Self::new(
            Stream::Tls(Box::new(tls)),
            self.timeout,
            self.helo,
        ))
    }

    fn ehlo(&mut self) -> Result<(), SmtpError> {
        let helo = format!("EHLO {}", self.helo);
        let reply = self.command(Stage::Ehlo, &helo, 2)?;
        self.extensions = reply.lines.into_iter().skip(1).collect();
        Ok(())
    }

    /// Whether the last EHLO listed `keyword`.
    fn offers(&self, keyword: &str) -> bool {
        self.extensions.iter().any(|l| {
            l.split([' ', '='])
                .next()
                .is_some_and(|k| k.eq_ignore_ascii_case(keyword))
        })
    }

    /// The mechanisms of `AUTH PLAIN LOGIN` (or the old `AUTH=PLAIN LOGIN`).
    fn auth_mechanisms(&self) -> Vec<String> {
        self.extensions
            .iter()
            .filter_map(|l| {
                let (keyword, rest) = l.split_once([' ', '='])?;
                keyword.eq_ignore_ascii_case("AUTH").then_some(rest)
            })
            .flat_map(|rest| rest.split(' ').filter(|m| !m.is_empty()))
            .map(str::to_ascii_uppercase)
            .collect()
    }

    fn auth(&mut self, user: &str, password: &SecretString) -> Result<(), SmtpError> {
        if !self.encrypted() {
            return Err(SmtpError::new(
                Stage::Auth,
                "refusing to send credentials over an unencrypted connection: use starttls or tls",
            ));
        }
        let mechanisms = self.auth_mechanisms();
        if mechanisms.iter().any(|m| m == "PLAIN") {
            let raw = SecretString::from(format!("\0{user}\0{}", password.expose_secret()));
            let token = SecretString::from(STANDARD.encode(raw.expose_secret()));
            let reply = self.round_trip(
                Stage::Auth,
                &[b"AUTH PLAIN ", token.expose_secret().as_bytes()],
            )?;
            return Self::accepted(Stage::Auth, &reply, 2);
        }
        if mechanisms.iter().any(|m| m == "LOGIN") {
            let reply = self.round_trip(Stage::Auth, &[b"AUTH LOGIN"])?;
            Self::accepted(Stage::Auth, &reply, 3)?;
            let reply = self.round_trip(Stage::Auth, &[STANDARD.encode(user).as_bytes()])?;
            Self::accepted(Stage::Auth, &reply, 3)?;
            let token = SecretString::from(STANDARD.encode(password.expose_secret()));
            let reply = self.round_trip(Stage::Auth, &[token.expose_secret().as_bytes()])?;
            return Self::accepted(Stage::Auth, &reply, 2);
        }
        Err(SmtpError::new(
            Stage::Auth,
            if mechanisms.is_empty() {
                "the server does not offer AUTH; remove the smtp username and password".to_owned()
            } else {
                format!(
                    "the server offers AUTH {} but Safeharbor speaks only PLAIN and LOGIN",
                    mechanisms.join(" ")
                )
            },
        ))
    }

    /// Server replies to AUTH never make it into errors as text: they could echo a token.
    fn accepted(stage: Stage, reply: &Reply, class: u16) -> Result<(), SmtpError> {
        if reply.class() == class {
            Ok(())
        } else {
            Err(SmtpError::refused(stage, reply, stage != Stage::Auth))
        }
    }

    /// Sends `line` and requires a reply of `class` (2 for 2xx...).
    fn command(&mut self, stage: Stage, line: &str, class: u16) -> Result<Reply, SmtpError> {
        let reply = self.round_trip(stage, &[line.as_bytes()])?;
        Self::accepted(stage, &reply, class)?;
        Ok(reply)
    }

    /// Sends one command line made of `parts` (in one write: no Nagle delay per part) and reads
    /// the reply. The line is wiped from memory afterwards, as it may hold credentials.
    fn round_trip(&mut self, stage: Stage, parts: &[&[u8]]) -> Result<Reply, SmtpError> {
        let mut line = Zeroizing::new(Vec::with_capacity(256));
        for part in parts {
            line.extend_from_slice(part);
        }
        line.extend_from_slice(b"\r\n");
        self.write(stage, &line)?;
        self.read_reply(stage)
    }

    fn greeting(&mut self) -> Result<(), SmtpError> {
        let reply = self.read_reply(Stage::Greeting)?;
        Self::accepted(Stage::Greeting, &reply, 2)
    }

    fn write(&mut self, stage: Stage, bytes: &[u8]) -> Result<(), SmtpError> {
        self.stream
            .write_all(bytes)
            .and_then(|()| self.stream.flush())
            .map_err(|e| SmtpError::io(stage, &e, self.timeout))
    }

    /// Reads `250-first` ... `250 last`; the whole reply must arrive within the timeout.
    fn read_reply(&mut self, stage: Stage) -> Result<Reply, SmtpError> {
        let deadline = Instant::now() + self.timeout;
        let mut code = None;
        let mut lines = Vec::new();
        loop {
            let line = self.read_line(stage, deadline)?;
            let bad =
                || SmtpError::new(stage, "the server sent something that is not an SMTP reply");
            let this: u16 = line
                .get(..3)
                .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|c| c.parse().ok())
                .ok_or_else(bad)?;
            if *code.get_or_insert(this) != this || lines.len() >= MAX_REPLY_LINES {
                return Err(bad());
            }
            lines.push(line.get(4..).unwrap_or("").to_owned());
            match line.as_bytes().get(3) {
                None | Some(b' ') => return Ok(Reply { code: this, lines }),
                Some(b'-') => {}
                Some(_) => return Err(bad()),
            }
        }
    }

    fn read_line(&mut self, stage: Stage, deadline: Instant) -> Result<String, SmtpError> {
        loop {
            if let Some(end) = self.buf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(String::from_utf8_lossy(&line).into_owned());
            }
            if self.buf.len() > MAX_REPLY_LINE {
                return Err(SmtpError::new(
                    stage,
                    "the server sent an overlong reply line",
                ));
            }
            set_deadline(self.stream.tcp(), deadline, stage, self.timeout)?;
            let mut chunk = [0u8; 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    return Err(SmtpError::new(stage, "the server closed the connection"));
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(SmtpError::io(stage, &e, self.timeout)),
            }
        }
    }

    /// The message is accepted: a QUIT that goes wrong changes nothing.
    fn quit(mut self) {
        if self.round_trip(Stage::Quit, &[b"QUIT"]).is_ok()
            && let Stream::Tls(tls) = &mut self.stream
        {
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    }

    fn quit_without_waiting(&mut self) {
        let _ = self.write(Stage::Quit, b"QUIT\r\n");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    use rustls::{ServerConfig, ServerConnection};

    use super::*;

    /// A self-signed certificate for 127.0.0.1 and localhost (valid 2000 to 2125) and its key,
    /// made for these tests: nothing outside them trusts it.
    const TEST_CERT: &str = "MIIBnzCCAUagAwIBAgICEAAwCgYIKoZIzj0EAwIwHzEdMBsGA1UEAwwUc2FmZWhh\
                            cmJvciBzbXRwIHRlc3QwIBcNMDAwMTAxMDAwMDAwWhgPMjEyNTAxMDEwMDAwMDBa\
                            MB8xHTAbBgNVBAMMFHNhZmVoYXJib3Igc210cCB0ZXN0MFkwEwYHKoZIzj0CAQYI\
                            KoZIzj0DAQcDQgAEF63ynuclrYbygQTZqCH+EYDIGLGWu0mEXpc+pcdL0ZqUfe6/\
                            uvKxbES4W8TrGr5Dg6Zt2EkgcxzvQVMTTVO74KNwMG4wGgYDVR0RBBMwEYcEfwAA\
                            AYIJbG9jYWxob3N0MAwGA1UdEwEB/wQCMAAwEwYDVR0lBAwwCgYIKwYBBQUHAwEw\
                            DgYDVR0PAQH/BAQDAgeAMB0GA1UdDgQWBBRTqo70A+oDiTrM/XlYD82JPVS4lTAK\
                            BggqhkjOPQQDAgNHADBEAiAe68347eWzqp6ZMh50qlav+u1KO07uwej52GFmOVWR\
                            2gIgCMjEgfiCT89F6Ogw+5VH8tocioip4XQepVFxK9AkmOI=";
    const TEST_KEY: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgYhAiBxahqCUuvrss\
                           r4LoGCEkWJAX3TsMq0zXb5b27FuhRANCAAQXrfKe5yWthvKBBNmoIf4RgMgYsZa7\
                           SYRelz6lx0vRmpR97r+68rFsRLhbxOsavkODpm3YSSBzHO9BUxNNU7vg";
    const PASSWORD: &str = "correct horse battery staple";
    const BODY: &str = "Three reviews are due.\n.starts with a dot\n..two dots\n.\nSee Reviews.\n";

    fn test_tls() -> (Arc<ServerConfig>, RootCertStore) {
        let cert = CertificateDer::from(STANDARD.decode(TEST_CERT).unwrap());
        let key = PrivatePkcs8KeyDer::from(STANDARD.decode(TEST_KEY).unwrap());
        let server =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(vec![cert.clone()], PrivateKeyDer::Pkcs8(key))
                .unwrap();
        let mut roots = RootCertStore::empty();
        roots.add(cert).unwrap();
        (Arc::new(server), roots)
    }

    fn mail(to: &[&str], subject: &str, body: &str) -> Mail {
        Mail {
            to: to.iter().map(|t| (*t).to_owned()).collect(),
            subject: subject.to_owned(),
            body: body.to_owned(),
        }
    }

    #[derive(Clone, Default)]
    struct SinkOptions {
        /// Listed after `250-sink` in the EHLO reply (STARTTLS is added while `starttls` is
        /// set and the connection is still plain).
        extensions: Vec<&'static str>,
        starttls: Option<Arc<ServerConfig>>,
        implicit_tls: Option<Arc<ServerConfig>>,
        refuse_rcpt: Option<&'static str>,
        refuse_auth: bool,
        hang_up_after_greeting: bool,
        silent: bool,
    }

    #[derive(Debug, Clone, Default)]
    struct Transcript {
        connections: usize,
        closed: usize,
        /// Each line the client sent outside DATA, with whether it came over TLS.
        commands: Vec<(bool, String)>,
        /// Each message as DATA carried it, un-stuffed, with LF line endings.
        messages: Vec<String>,
    }

    impl Transcript {
        fn saw(&self, prefix: &str) -> bool {
            self.commands.iter().any(|(_, c)| c.starts_with(prefix))
        }
    }

    /// Just enough of an SMTP server, recording what it hears.
    struct Sink {
        port: u16,
        transcript: Arc<Mutex<Transcript>>,
    }

    impl Sink {
        async fn start(opts: SinkOptions) -> Self {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let transcript = Arc::new(Mutex::new(Transcript::default()));
            let t = Arc::clone(&transcript);
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    t.lock().unwrap().connections += 1;
                    let tcp = stream.into_std().unwrap();
                    tcp.set_nonblocking(false).unwrap();
                    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                    let (t, opts) = (Arc::clone(&t), opts.clone());
                    tokio::task::spawn_blocking(move || {
                        let _ = serve(tcp, &opts, &t);
                        t.lock().unwrap().closed += 1;
                    });
                }
            });
            Self { port, transcript }
        }

        fn config(&self, security: SmtpSecurity) -> SmtpConfig {
            SmtpConfig {
                port: self.port,
                security,
                timeout: Duration::from_secs(2),
                ..SmtpConfig::new("127.0.0.1", "noreply@safeharbor.test")
            }
        }

        fn config_with_login(&self, security: SmtpSecurity) -> SmtpConfig {
            SmtpConfig {
                username: Some("reminders".to_owned()),
                password: Some(SecretString::from(PASSWORD)),
                ..self.config(security)
            }
        }

        /// The transcript once every connection has ended.
        async fn settled(&self) -> Transcript {
            for _ in 0..200 {
                {
                    let t = self.transcript.lock().unwrap();
                    if t.closed == t.connections {
                        return t.clone();
                    }
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            panic!("the sink still has open connections");
        }
    }

    enum SinkStream {
        Plain(TcpStream),
        Tls(Box<StreamOwned<ServerConnection, TcpStream>>),
    }

    impl SinkStream {
        fn tls(tcp: TcpStream, cfg: &Arc<ServerConfig>) -> Self {
            Self::Tls(Box::new(StreamOwned::new(
                ServerConnection::new(Arc::clone(cfg)).unwrap(),
                tcp,
            )))
        }

        fn read_line(&mut self) -> io::Result<Option<String>> {
            let mut line = Vec::new();
            let mut byte = [0u8; 1];
            loop {
                let n = match self {
                    Self::Plain(s) => s.read(&mut byte)?,
                    Self::Tls(s) => s.read(&mut byte)?,
                };
                match (n, byte[0]) {
                    (0, _) => return Ok(None),
                    (_, b'\n') => {
                        line.pop_if(|b| *b == b'\r');
                        return Ok(Some(String::from_utf8_lossy(&line).into_owned()));
                    }
                    (_, b) => line.push(b),
                }
            }
        }

        fn reply(&mut self, text: &str) -> io::Result<()> {
            let bytes = format!("{text}\r\n");
            match self {
                Self::Plain(s) => s.write_all(bytes.as_bytes()),
                Self::Tls(s) => s.write_all(bytes.as_bytes()).and_then(|()| s.flush()),
            }
        }
    }

    fn serve(tcp: TcpStream, opts: &SinkOptions, t: &Mutex<Transcript>) -> io::Result<()> {
        let mut s = match &opts.implicit_tls {
            Some(cfg) => SinkStream::tls(tcp, cfg),
            None => SinkStream::Plain(tcp),
        };
        if opts.silent {
            while s.read_line()?.is_some() {}
            return Ok(());
        }
        s.reply("220 sink ready")?;
        if opts.hang_up_after_greeting {
            return Ok(());
        }
        while let Some(line) = s.read_line()? {
            let tls = matches!(s, SinkStream::Tls(_));
            t.lock().unwrap().commands.push((tls, line.clone()));
            let verb = line.to_ascii_uppercase();
            if verb.starts_with("EHLO ") {
                let mut lines = vec!["sink"];
                lines.extend(&opts.extensions);
                if opts.starttls.is_some() && !tls {
                    lines.push("STARTTLS");
                }
                let last = lines.len() - 1;
                for (i, l) in lines.iter().enumerate() {
                    s.reply(&format!("250{}{l}", if i == last { ' ' } else { '-' }))?;
                }
            } else if verb == "STARTTLS" {
                s.reply("220 go ahead")?;
                s = match (s, &opts.starttls) {
                    (SinkStream::Plain(tcp), Some(cfg)) => SinkStream::tls(tcp, cfg),
                    (other, _) => other,
                };
            } else if verb.starts_with("AUTH PLAIN ") || verb == "AUTH LOGIN" {
                if verb == "AUTH LOGIN" {
                    for prompt in ["334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6"] {
                        s.reply(prompt)?;
                        let answer = s.read_line()?.unwrap_or_default();
                        t.lock().unwrap().commands.push((tls, answer));
                    }
                }
                s.reply(if opts.refuse_auth {
                    "535 5.7.8 bad credentials"
                } else {
                    "235 ok"
                })?;
            } else if verb.starts_with("RCPT TO:")
                && opts
                    .refuse_rcpt
                    .is_some_and(|r| line.contains(&format!("<{r}>")))
            {
                s.reply("550 5.1.1 no such mailbox")?;
            } else if verb.starts_with("MAIL FROM:") || verb.starts_with("RCPT TO:") {
                s.reply("250 ok")?;
            } else if verb == "DATA" {
                s.reply("354 go on")?;
                let mut message = String::new();
                while let Some(l) = s.read_line()? {
                    if l == "." {
                        break;
                    }
                    message.push_str(l.strip_prefix('.').unwrap_or(&l));
                    message.push('\n');
                }
                t.lock().unwrap().messages.push(message);
                s.reply("250 queued")?;
            } else if verb == "QUIT" {
                return s.reply("221 bye");
            } else {
                s.reply("500 what?")?;
            }
        }
        Ok(())
    }

    fn header<'a>(message: &'a str, name: &str) -> &'a str {
        let start = message.find(&format!("\n{name}: ")).map_or(0, |i| i + 1);
        let rest = &message[start..];
        assert!(
            rest.starts_with(&format!("{name}: ")),
            "no {name} in {message}"
        );
        let end = rest.find("\n\n").unwrap_or(rest.len());
        let mut value_end = 0;
        for (i, l) in rest[..end].split('\n').enumerate() {
            if i > 0 && !l.starts_with(' ') {
                break;
            }
            value_end += l.len() + 1;
        }
        &rest[name.len() + 2..value_end - 1]
    }

    fn body(message: &str) -> &str {
        message.split_once("\n\n").unwrap().1
    }

    #[tokio::test]
    async fn a_message_reaches_the_server_with_its_envelope_headers_and_dot_stuffed_body() {
        let sink = Sink::start(SinkOptions::default()).await;
        let mailer = SmtpMailer::new(sink.config(SmtpSecurity::None)).unwrap();
        let to = ["a@example.org", "b@example.org"];
        mailer.send(&mail(&to, "Reviews due", BODY)).await.unwrap();

        let t = sink.settled().await;
        let commands: Vec<&str> = t.commands.iter().map(|(_, c)| c.as_str()).collect();
        assert!(commands[0].starts_with("EHLO ["), "{commands:?}");
        assert_eq!(
            commands[1..],
            [
                "MAIL FROM:<noreply@safeharbor.test>",
                "RCPT TO:<a@example.org>",
                "RCPT TO:<b@example.org>",
                "DATA",
                "QUIT"
            ]
        );
        let m = &t.messages[0];
        assert_eq!(body(m), BODY, "dot-stuffing must round-trip");
        assert_eq!(header(m, "From"), "noreply@safeharbor.test");
        assert_eq!(header(m, "To"), "a@example.org,\n b@example.org");
        assert_eq!(header(m, "Subject"), "Reviews due");
        assert_eq!(header(m, "MIME-Version"), "1.0");
        assert_eq!(header(m, "Content-Type"), "text/plain; charset=utf-8");
        assert_eq!(header(m, "Content-Transfer-Encoding"), "7bit");
        assert!(OffsetDateTime::parse(header(m, "Date"), &Rfc2822).is_ok());
        let id = header(m, "Message-ID");
        assert!(
            id.starts_with('<') && id.ends_with("@safeharbor.test>"),
            "{id}"
        );
    }

    #[tokio::test]
    async fn a_non_ascii_subject_is_sent_as_encoded_words_that_decode_to_the_original() {
        let sink = Sink::start(SinkOptions::default()).await;
        let mailer = SmtpMailer::new(sink.config(SmtpSecurity::None)).unwrap();
        let subject = "Überprüfung fällig: Sicherheitsrichtlinien für die Praxis — 3 Aufgaben";
        mailer
            .send(&mail(&["a@example.org"], subject, "x"))
            .await
            .unwrap();

        let t = sink.settled().await;
        let encoded = header(&t.messages[0], "Subject");
        assert!(encoded.starts_with("=?UTF-8?B?"), "{encoded}");
        let folded = format!("Subject: {encoded}");
        assert!(
            folded.split('\n').count() > 1,
            "long enough to fold: {folded}"
        );
        assert!(folded.split('\n').all(|l| l.len() <= 76), "{folded}");
        let mut decoded = Vec::new();
        for word in encoded.split_whitespace() {
            let b64 = word
                .strip_prefix("=?UTF-8?B?")
                .unwrap()
                .strip_suffix("?=")
                .unwrap();
            decoded.extend(STANDARD.decode(b64).unwrap());
        }
        assert_eq!(String::from_utf8(decoded).unwrap(), subject);
    }

    #[tokio::test]
    async fn a_non_ascii_body_goes_8bit_only_to_servers_that_announce_8bitmime() {
        let text = "Grüße,\nIhr Sicherheitsbeauftragter\n";
        let plain = Sink::start(SinkOptions::default()).await;
        let mailer = SmtpMailer::new(plain.config(SmtpSecurity::None)).unwrap();
        mailer
            .send(&mail(&["a@example.org"], "s", text))
            .await
            .unwrap();
        let t = plain.settled().await;
        let m = &t.messages[0];
        assert_eq!(header(m, "Content-Transfer-Encoding"), "base64");
        let decoded = STANDARD.decode(body(m).replace('\n', "")).unwrap();
        assert_eq!(
            String::from_utf8(decoded).unwrap(),
            text.replace('\n', "\r\n")
        );
        assert!(t.saw("MAIL FROM:<noreply@safeharbor.test>"));

        let eight = Sink::start(SinkOptions {
            extensions: vec!["8BITMIME"],
            ..SinkOptions::default()
        })
        .await;
        let mailer = SmtpMailer::new(eight.config(SmtpSecurity::None)).unwrap();
        mailer
            .send(&mail(&["a@example.org"], "s", text))
            .await
            .unwrap();
        let t = eight.settled().await;
        assert_eq!(header(&t.messages[0], "Content-Transfer-Encoding"), "8bit");
        assert_eq!(body(&t.messages[0]), text);
        assert!(t.saw("MAIL FROM:<noreply@safeharbor.test> BODY=8BITMIME"));
    }

    #[tokio::test]
    async fn a_refused_recipient_fails_the_send_naming_the_code_but_not_the_body() {
        let sink = Sink::start(SinkOptions {
            refuse_rcpt: Some("gone@example.org"),
            ..SinkOptions::default()
        })
        .await;
        let mailer = SmtpMailer::new(sink.config(SmtpSecurity::None)).unwrap();
        let to = ["a@example.org", "gone@example.org"];
        let err = mailer
            .send(&mail(&to, "Reviews due", BODY))
            .await
            .unwrap_err();

        let text = format!("{err} {err:?}");
        assert!(matches!(err, Error::Internal(_)), "{text}");
        assert!(
            text.contains("550") && text.contains("gone@example.org"),
            "{text}"
        );
        assert!(
            text.contains("RCPT TO") && !text.contains("Three reviews"),
            "{text}"
        );
        let t = sink.settled().await;
        assert!(
            !t.saw("DATA") && t.messages.is_empty(),
            "nothing is sent to anyone"
        );
    }

    #[tokio::test]
    async fn header_injection_in_the_subject_or_a_recipient_is_refused_before_connecting() {
        let sink = Sink::start(SinkOptions::default()).await;
        let mailer = SmtpMailer::new(sink.config(SmtpSecurity::None)).unwrap();
        for bad in [
            mail(&["a@example.org"], "Hi\r\nBcc: evil@example.net", "x"),
            mail(&["a@example.org"], "Hi\nBcc: evil@example.net", "x"),
            mail(&["a@example.org\r\nRCPT TO:<evil@example.net>"], "Hi", "x"),
            mail(&["a@example.org>, <evil@example.net"], "Hi", "x"),
            mail(&[], "Hi", "x"),
        ] {
            let err = mailer.send(&bad).await.unwrap_err();
            assert!(matches!(err, Error::Invalid(_)), "{err}");
        }
        mailer
            .send(&mail(&["a@example.org"], "Hi", "x"))
            .await
            .unwrap();

        let t = sink.settled().await;
        assert_eq!(
            (t.connections, t.messages.len()),
            (1, 1),
            "only the valid message connected"
        );
        assert!(!t.commands.iter().any(|(_, c)| c.contains("evil")));
    }

    #[test]
    fn no_security_is_refused_for_a_host_that_is_not_loopback() {
        for host in ["smtp.example.org", "10.0.0.5", "::ffff:192.0.2.1"] {
            let cfg = SmtpConfig {
                security: SmtpSecurity::None,
                ..SmtpConfig::new(host, "noreply@example.org")
            };
            let err = SmtpMailer::new(cfg).unwrap_err().to_string();
            assert!(
                err.contains("\"none\"") && err.contains("use starttls or tls"),
                "{err}"
            );
        }
        for host in ["localhost", "127.0.0.1", "::1", "[::1]"] {
            let cfg = SmtpConfig {
                security: SmtpSecurity::None,
                ..SmtpConfig::new(host, "noreply@example.org")
            };
            SmtpMailer::new(cfg).unwrap();
        }
    }

    #[tokio::test]
    async fn credentials_are_never_sent_over_an_unencrypted_connection() {
        let sink = Sink::start(SinkOptions {
            extensions: vec!["AUTH PLAIN LOGIN"],
            ..SinkOptions::default()
        })
        .await;
        let err = SmtpMailer::new(sink.config_with_login(SmtpSecurity::None)).unwrap_err();
        assert!(
            err.to_string()
                .contains("credentials are only sent over TLS"),
            "{err}"
        );

        // Even if the configuration check were bypassed, the session refuses to AUTH in clear.
        let mut mailer = SmtpMailer::new(sink.config(SmtpSecurity::None)).unwrap();
        let with_login = sink.config_with_login(SmtpSecurity::None);
        Arc::make_mut(&mut mailer.cfg).username = with_login.username;
        Arc::make_mut(&mut mailer.cfg).password = with_login.password;
        let err = mailer
            .send(&mail(&["a@example.org"], "s", BODY))
            .await
            .unwrap_err();

        let text = format!("{err} {err:?}");
        assert!(
            text.contains("AUTH") && text.contains("unencrypted"),
            "{text}"
        );
        assert!(!text.contains(PASSWORD), "{text}");
        let t = sink.settled().await;
        assert!(!t.saw("AUTH") && !t.saw("MAIL"), "{:?}", t.commands);
    }

    #[tokio::test]
    async fn a_server_that_hangs_up_early_gives_a_clear_error() {
        let sink = Sink::start(SinkOptions {
            hang_up_after_greeting: true,
            ..SinkOptions::default()
        })
        .await;
        let mailer = SmtpMailer::new(sink.config(SmtpSecurity::None)).unwrap();
        let started = Instant::now();
        let err = mailer
            .send(&mail(&["a@example.org"], "s", BODY))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("closed the connection"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "no need to wait for the timeout"
        );
    }

    #[tokio::test]
    async fn a_silent_server_times_out_instead_of_hanging() {
        let sink = Sink::start(SinkOptions {
            silent: true,
            ..SinkOptions::default()
        })
        .await;
        let cfg = SmtpConfig {
            timeout: Duration::from_secs(1),
            ..sink.config(SmtpSecurity::None)
        };
        let mailer = SmtpMailer::new(cfg).unwrap();
        let started = Instant::now();
        let err = mailer
            .send(&mail(&["a@example.org"], "s", BODY))
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("greeting: no answer from the server within 1s"),
            "{err}"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn the_wrong_security_for_the_port_says_which_to_choose() {
        let (server, roots) = test_tls();
        let plain = Sink::start(SinkOptions::default()).await;
        let mailer =
            SmtpMailer::with_roots(plain.config(SmtpSecurity::Tls), roots.clone()).unwrap();
        let err = mailer
            .send(&mail(&["a@example.org"], "s", BODY))
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("set security to starttls"),
            "{err}"
        );

        let implicit = Sink::start(SinkOptions {
            implicit_tls: Some(server),
            ..SinkOptions::default()
        })
        .await;
        let cfg = SmtpConfig {
            timeout: Duration::from_secs(1),
            ..implicit.config(SmtpSecurity::StartTls)
        };
        let mailer = SmtpMailer::with_roots(cfg, roots).unwrap();
        let err = mailer
            .send(&mail(&["a@example.org"], "s", BODY))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("greeting: no answer"), "{err}");
        assert!(err.to_string().contains("set security to tls"), "{err}");
    }

    #[tokio::test]
    async fn starttls_encrypts_the_session_before_credentials_and_mail() {
        let (server, roots) = test_tls();
        let sink = Sink::start(SinkOptions {
            extensions: vec!["AUTH PLAIN LOGIN"],
            starttls: Some(server),
            ..SinkOptions::default()
        })
        .await;
        let mailer =
            SmtpMailer::with_roots(sink.config_with_login(SmtpSecurity::StartTls), roots).unwrap();
        mailer
            .send(&mail(&["a@example.org"], "Reviews due", BODY))
            .await
            .unwrap();

        let t = sink.settled().await;
        let (clear, encrypted): (Vec<_>, Vec<_>) = t.commands.iter().partition(|(tls, _)| !tls);
        let clear: Vec<&str> = clear.iter().map(|(_, c)| c.as_str()).collect();
        assert!(clear.len() == 2 && clear[0].starts_with("EHLO ") && clear[1] == "STARTTLS");
        assert!(
            encrypted[0].1.starts_with("EHLO "),
            "EHLO again after the handshake"
        );
        let token = encrypted[1].1.strip_prefix("AUTH PLAIN ").unwrap();
        let expected = format!("\0reminders\0{PASSWORD}");
        assert_eq!(STANDARD.decode(token).unwrap(), expected.as_bytes());
        assert_eq!(body(&t.messages[0]), BODY);
    }

    #[tokio::test]
    async fn implicit_tls_encrypts_from_the_first_byte() {
        let (server, roots) = test_tls();
        let sink = Sink::start(SinkOptions {
            implicit_tls: Some(server),
            ..SinkOptions::default()
        })
        .await;
        let mailer = SmtpMailer::with_roots(sink.config(SmtpSecurity::Tls), roots).unwrap();
        mailer
            .send(&mail(&["a@example.org"], "Reviews due", BODY))
            .await
            .unwrap();

        let t = sink.settled().await;
        assert!(t.commands.iter().all(|(tls, _)| *tls), "{:?}", t.commands);
        assert_eq!(body(&t.messages[0]), BODY);
    }

    #[tokio::test]
    async fn auth_login_is_used_when_plain_is_not_offered() {
        let (server, roots) = test_tls();
        let sink = Sink::start(SinkOptions {
            extensions: vec!["AUTH LOGIN"],
            starttls: Some(server),
            ..SinkOptions::default()
        })
        .await;
        let mailer =
            SmtpMailer::with_roots(sink.config_with_login(SmtpSecurity::StartTls), roots).unwrap();
        mailer
            .send(&mail(&["a@example.org"], "s", BODY))
            .await
            .unwrap();

        let t = sink.settled().await;
        let at = t
            .commands
            .iter()
            .position(|(_, c)| c == "AUTH LOGIN")
            .unwrap();
        assert_eq!(t.commands[at + 1].1, STANDARD.encode("reminders"));
        assert_eq!(t.commands[at + 2].1, STANDARD.encode(PASSWORD));
        assert_eq!(t.messages.len(), 1);
    }

    #[tokio::test]
    async fn refused_credentials_fail_without_revealing_them() {
        let (server, roots) = test_tls();
        let sink = Sink::start(SinkOptions {
            extensions: vec!["AUTH PLAIN"],
            starttls: Some(server),
            refuse_auth: true,
            ..SinkOptions::default()
        })
        .await;
        let mailer =
            SmtpMailer::with_roots(sink.config_with_login(SmtpSecurity::StartTls), roots).unwrap();
        let err = mailer
            .send(&mail(&["a@example.org"], "s", BODY))
            .await
            .unwrap_err();

        let text = format!("{err} {err:?}");
        assert!(
            text.contains("SMTP AUTH: the server answered 535 5.7.8"),
            "{text}"
        );
        assert!(
            !text.contains(PASSWORD) && !text.contains("bad credentials"),
            "{text}"
        );
        assert!(!sink.settled().await.saw("MAIL"));
    }

    #[tokio::test]
    async fn a_server_without_starttls_is_refused_before_anything_is_sent_in_clear() {
        let sink = Sink::start(SinkOptions {
            extensions: vec!["AUTH PLAIN"],
            ..SinkOptions::default()
        })
        .await;
        let mailer = SmtpMailer::new(sink.config_with_login(SmtpSecurity::StartTls)).unwrap();
        let err = mailer
            .send(&mail(&["a@example.org"], "s", BODY))
            .await
            .unwrap_err();

        assert!(err.to_string().contains("does not offer STARTTLS"), "{err}");
        let t = sink.settled().await;
        assert_eq!(t.commands.len(), 1, "only EHLO: {:?}", t.commands);
    }

    #[tokio::test]
    async fn a_certificate_no_trusted_root_signed_is_refused() {
        let (server, _) = test_tls();
        let sink = Sink::start(SinkOptions {
            extensions: vec!["AUTH PLAIN"],
            starttls: Some(server),
            ..SinkOptions::default()
        })
        .await;
        let mailer = SmtpMailer::new(sink.config_with_login(SmtpSecurity::StartTls)).unwrap();
        let err = mailer
            .send(&mail(&["a@example.org"], "s", BODY))
            .await
            .unwrap_err();

        assert!(err.to_string().contains("SMTP TLS handshake"), "{err}");
        let t = sink.settled().await;
        assert!(!t.saw("AUTH") && !t.saw("MAIL"), "{:?}", t.commands);
    }

    #[test]
    fn security_names_parse_print_and_list_the_choices_when_unknown() {
        for s in [
            SmtpSecurity::StartTls,
            SmtpSecurity::Tls,
            SmtpSecurity::None,
        ] {
            assert_eq!(s.to_string().parse::<SmtpSecurity>(), Ok(s));
        }
        assert_eq!(
            " STARTTLS ".parse::<SmtpSecurity>(),
            Ok(SmtpSecurity::StartTls)
        );
        let err = "ssl".parse::<SmtpSecurity>().unwrap_err().to_string();
        assert!(
            err.contains("\"ssl\"") && err.contains("starttls, tls or none"),
            "{err}"
        );
    }
}

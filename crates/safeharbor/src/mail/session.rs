//! The SMTP conversation on one connection: connecting with a deadline, the TLS handshake
//! (implicit TLS, or the STARTTLS upgrade), commands and their multi-line replies, AUTH, and the
//! errors, which name the stage and never echo the body or the credentials.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rustls::{ClientConnection, StreamOwned};
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};

use super::{SmtpConfig, SmtpMailer, SmtpSecurity, bare_host};

/// Longest reply line we buffer, and most lines in one reply: a hostile server gets an error,
/// not our memory.
const MAX_REPLY_LINE: usize = 4096;
const MAX_REPLY_LINES: usize = 100;
const STARTTLS_HINT: &str =
    "if the server expects STARTTLS (usually port 587), set security to starttls";

pub(super) type TlsStream = StreamOwned<ClientConnection, TcpStream>;

pub(super) fn connect(cfg: &SmtpConfig) -> Result<TcpStream, SmtpError> {
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
pub(super) fn helo_name(tcp: &TcpStream) -> String {
    match tcp.local_addr() {
        Ok(SocketAddr::V4(a)) => format!("[{}]", a.ip()),
        Ok(SocketAddr::V6(a)) => format!("[IPv6:{}]", a.ip()),
        Err(_) => "safeharbor".to_owned(),
    }
}

// The handshake is socket work like the rest of this file, but it needs the mailer's TLS
// settings and host name, so it stays a method of the mailer.
impl SmtpMailer {
    pub(super) fn handshake(&self, tcp: TcpStream) -> Result<TlsStream, SmtpError> {
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

/// Where in the session something failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
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
pub(super) struct SmtpError {
    stage: Stage,
    what: String,
}

impl SmtpError {
    pub(super) fn new(stage: Stage, what: impl Into<String>) -> Self {
        Self {
            stage,
            what: what.into(),
        }
    }

    pub(super) fn io(stage: Stage, e: &io::Error, timeout: Duration) -> Self {
        Self::new(stage, describe_io(e, timeout))
    }

    pub(super) fn hint(mut self, hint: &str) -> Self {
        self.what = format!("{}; {hint}", self.what);
        self
    }

    pub(super) fn refused(stage: Stage, reply: &Reply, with_text: bool) -> Self {
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
pub(super) struct Reply {
    code: u16,
    lines: Vec<String>,
}

impl Reply {
    pub(super) fn class(&self) -> u16 {
        self.code / 100
    }

    /// The code, then either the first line of text (printable ASCII, cut short) or only the
    /// enhanced status code (`5.7.8`), which cannot echo anything we sent.
    pub(super) fn describe(&self, with_text: bool) -> String {
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

pub(super) enum Stream {
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
pub(super) struct Session {
    stream: Stream,
    buf: Vec<u8>,
    timeout: Duration,
    helo: String,
    extensions: Vec<String>,
}

impl Session {
    pub(super) fn new(stream: Stream, timeout: Duration, helo: String) -> Self {
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

    pub(super) fn start_tls(
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

    pub(super) fn ehlo(&mut self) -> Result<(), SmtpError> {
        let helo = format!("EHLO {}", self.helo);
        let reply = self.command(Stage::Ehlo, &helo, 2)?;
        self.extensions = reply.lines.into_iter().skip(1).collect();
        Ok(())
    }

    /// Whether the last EHLO listed `keyword`.
    pub(super) fn offers(&self, keyword: &str) -> bool {
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

    pub(super) fn auth(&mut self, user: &str, password: &SecretString) -> Result<(), SmtpError> {
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
    pub(super) fn command(
        &mut self,
        stage: Stage,
        line: &str,
        class: u16,
    ) -> Result<Reply, SmtpError> {
        let reply = self.round_trip(stage, &[line.as_bytes()])?;
        Self::accepted(stage, &reply, class)?;
        Ok(reply)
    }

    /// Sends one command line made of `parts` (in one write: no Nagle delay per part) and reads
    /// the reply. The line is wiped from memory afterwards, as it may hold credentials.
    pub(super) fn round_trip(&mut self, stage: Stage, parts: &[&[u8]]) -> Result<Reply, SmtpError> {
        let mut line = Zeroizing::new(Vec::with_capacity(256));
        for part in parts {
            line.extend_from_slice(part);
        }
        line.extend_from_slice(b"\r\n");
        self.write(stage, &line)?;
        self.read_reply(stage)
    }

    pub(super) fn greeting(&mut self) -> Result<(), SmtpError> {
        let reply = self.read_reply(Stage::Greeting)?;
        Self::accepted(Stage::Greeting, &reply, 2)
    }

    pub(super) fn write(&mut self, stage: Stage, bytes: &[u8]) -> Result<(), SmtpError> {
        self.stream
            .write_all(bytes)
            .and_then(|()| self.stream.flush())
            .map_err(|e| SmtpError::io(stage, &e, self.timeout))
    }

    /// Reads `250-first` ... `250 last`; the whole reply must arrive within the timeout.
    pub(super) fn read_reply(&mut self, stage: Stage) -> Result<Reply, SmtpError> {
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
    pub(super) fn quit(mut self) {
        if self.round_trip(Stage::Quit, &[b"QUIT"]).is_ok()
            && let Stream::Tls(tls) = &mut self.stream
        {
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    }

    pub(super) fn quit_without_waiting(&mut self) {
        let _ = self.write(Stage::Quit, b"QUIT\r\n");
    }
}

//! Just enough of an SMTP server for the tests: it listens on a loopback port, speaks plain TCP,
//! STARTTLS or implicit TLS with a self-signed test certificate, misbehaves on request, and
//! records every command and message it hears.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};
use secrecy::SecretString;

use super::PASSWORD;
use crate::mail::{SmtpConfig, SmtpSecurity};

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

pub(super) fn test_tls() -> (Arc<ServerConfig>, RootCertStore) {
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

#[derive(Clone, Default)]
pub(super) struct SinkOptions {
    /// Listed after `250-sink` in the EHLO reply (STARTTLS is added while `starttls` is
    /// set and the connection is still plain).
    pub(super) extensions: Vec<&'static str>,
    pub(super) starttls: Option<Arc<ServerConfig>>,
    pub(super) implicit_tls: Option<Arc<ServerConfig>>,
    pub(super) refuse_rcpt: Option<&'static str>,
    pub(super) refuse_auth: bool,
    pub(super) hang_up_after_greeting: bool,
    pub(super) silent: bool,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Transcript {
    pub(super) connections: usize,
    closed: usize,
    /// Each line the client sent outside DATA, with whether it came over TLS.
    pub(super) commands: Vec<(bool, String)>,
    /// Each message as DATA carried it, un-stuffed, with LF line endings.
    pub(super) messages: Vec<String>,
}

impl Transcript {
    pub(super) fn saw(&self, prefix: &str) -> bool {
        self.commands.iter().any(|(_, c)| c.starts_with(prefix))
    }
}

/// Just enough of an SMTP server, recording what it hears.
pub(super) struct Sink {
    port: u16,
    transcript: Arc<Mutex<Transcript>>,
}

impl Sink {
    pub(super) async fn start(opts: SinkOptions) -> Self {
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

    pub(super) fn config(&self, security: SmtpSecurity) -> SmtpConfig {
        SmtpConfig {
            port: self.port,
            security,
            timeout: Duration::from_secs(2),
            ..SmtpConfig::new("127.0.0.1", "noreply@safeharbor.test")
        }
    }

    pub(super) fn config_with_login(&self, security: SmtpSecurity) -> SmtpConfig {
        SmtpConfig {
            username: Some("reminders".to_owned()),
            password: Some(SecretString::from(PASSWORD)),
            ..self.config(security)
        }
    }

    /// The transcript once every connection has ended.
    pub(super) async fn settled(&self) -> Transcript {
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

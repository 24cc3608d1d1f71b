//! End-to-end tests of the mailer against the in-process SMTP server in `sink`: what reaches
//! the server, over plain TCP, STARTTLS and implicit TLS, and what every failure reports (and
//! never reveals).

mod sink;

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use safeharbor_core::Error;
use safeharbor_core::ports::{Mail, Mailer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use self::sink::{Sink, SinkOptions, test_tls};
use super::{SmtpConfig, SmtpMailer, SmtpSecurity};

pub(super) const PASSWORD: &str = "correct horse battery staple";
const BODY: &str = "Three reviews are due.\n.starts with a dot\n..two dots\n.\nSee Reviews.\n";

fn mail(to: &[&str], subject: &str, body: &str) -> Mail {
    Mail {
        to: to.iter().map(|t| (*t).to_owned()).collect(),
        subject: subject.to_owned(),
        body: body.to_owned(),
    }
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
    let mailer = SmtpMailer::with_roots(plain.config(SmtpSecurity::Tls), roots.clone()).unwrap();
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

//! The message as DATA carries it: headers, the transfer encoding (7bit, 8bit or base64),
//! RFC 2047 subjects and dot-stuffing; and the checks, made before connecting, that keep a
//! caller's recipients and subject from injecting headers or SMTP commands.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use safeharbor_core::Error;
use safeharbor_core::ports::Mail;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use super::session::{SmtpError, Stage};

/// RFC 5321 4.5.3.1.6: a text line is at most 998 octets before CRLF.
const MAX_TEXT_LINE: usize = 998;

/// Refuses what would let a caller write extra headers or commands (CR/LF, `<>`, commas),
/// before any connection is made.
pub(super) fn check_mail(mail: &Mail) -> safeharbor_core::Result<()> {
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
pub(super) fn check_address(address: &str) -> Result<(), &'static str> {
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

pub(super) fn date_header(now: OffsetDateTime) -> Result<String, SmtpError> {
    now.format(&Rfc2822)
        .map_err(|_| SmtpError::new(Stage::Message, "could not format the Date header"))
}

/// The DATA section, dot-stuffed and terminated, and whether it needs `BODY=8BITMIME`.
pub(super) struct Rendered {
    pub(super) text: String,
    pub(super) eight_bit: bool,
}

pub(super) fn render(
    mail: &Mail,
    from: &str,
    date: &str,
    message_id: &str,
    eight_bit_ok: bool,
) -> Rendered {
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

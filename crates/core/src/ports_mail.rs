//! The mail port: how reminders leave the server. One implementation speaks SMTP (in the
//! `safeharbor` binary); tests use a local sink.

use async_trait::async_trait;

use crate::error::Result;

/// One plain-text message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Recipients (e-mail addresses).
    pub to: Vec<String>,
    /// Subject line (one line, no PHI).
    pub subject: String,
    /// Plain-text body (no PHI: counts and where to look, never record contents).
    pub body: String,
}

/// Sends mail.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Hands one message to the mail system; an error means it was not accepted.
    async fn send(&self, mail: &Mail) -> Result<()>;
}

//! Evidence: the proof that controls are implemented. Files, links and structured records, each
//! version immutable and (for files) content-addressed by SHA-256; metadata (title, validity,
//! what it proves) editable and audited.

use serde::{Deserialize, Serialize};

use crate::Invalid;
use crate::ids::{ControlId, EvidenceId, OrgId};

/// Days before `valid_until` during which evidence counts as expiring.
pub const EXPIRING_DAYS: i64 = 30;

/// What a piece of evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// An uploaded file (its bytes are in the blob store).
    File,
    /// A link to where the proof lives (a ticket, a dashboard, a vendor portal).
    Link,
    /// A structured record made by an import (device inventory, backup results...).
    Record,
}

impl EvidenceKind {
    /// Every kind.
    pub const ALL: [Self; 3] = [Self::File, Self::Link, Self::Record];

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Link => "link",
            Self::Record => "record",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::File => "File",
            Self::Link => "Link",
            Self::Record => "Import record",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Invalid::new("kind", "must be file, link or record"))
    }
}

/// Whether evidence can still be relied on, as of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    /// Valid, and not within [`EXPIRING_DAYS`] of its end (or with no end).
    Current,
    /// Valid, but ending within [`EXPIRING_DAYS`] days.
    Expiring,
    /// Past its valid-until date.
    Expired,
}

impl Freshness {
    /// Every state.
    pub const ALL: [Self; 3] = [Self::Current, Self::Expiring, Self::Expired];

    /// The freshness of evidence valid until `valid_until` (inclusive), on `today`.
    pub fn of(valid_until: Option<time::Date>, today: time::Date) -> Self {
        match valid_until {
            Some(end) if end < today => Self::Expired,
            Some(end) if (end - today).whole_days() <= EXPIRING_DAYS => Self::Expiring,
            None | Some(_) => Self::Current,
        }
    }

    /// The query and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Current => "current",
            Self::Expiring => "expiring",
            Self::Expired => "expired",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Current => "Current",
            Self::Expiring => "Expiring soon",
            Self::Expired => "Expired",
        }
    }

    /// Parses the query name.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| Invalid::new("freshness", "must be current, expiring or expired"))
    }
}

/// What a piece of evidence is linked to: what it proves.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "ref", rename_all = "snake_case")]
pub enum LinkTarget {
    /// A control of the organization (or one it inherits).
    Control(ControlId),
    /// A Security Rule requirement, by its citation (`164.308(a)(7)(ii)(A)`).
    Requirement(String),
}

impl LinkTarget {
    /// The stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Control(_) => "control",
            Self::Requirement(_) => "requirement",
        }
    }

    /// The stored reference.
    pub fn reference(&self) -> String {
        match self {
            Self::Control(c) => c.to_string(),
            Self::Requirement(r) => r.clone(),
        }
    }

    /// Rebuilds a target from its stored kind and reference.
    pub fn from_parts(kind: &str, reference: &str) -> Result<Self, Invalid> {
        match kind {
            "control" => ControlId::parse(reference)
                .map(Self::Control)
                .map_err(|_| Invalid::new("control_id", "is not a control id")),
            "requirement" if !reference.trim().is_empty() => {
                Ok(Self::Requirement(reference.trim().to_owned()))
            }
            "requirement" => Err(Invalid::new("requirement", "is required")),
            _ => Err(Invalid::new("kind", "must be control or requirement")),
        }
    }
}

/// Where a version came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Uploaded or entered by a person.
    Manual,
    /// An RMM device inventory export.
    DeviceImport,
    /// A backup job results export.
    BackupImport,
    /// osquery results.
    OsqueryImport,
}

impl Source {
    /// Every source.
    pub const ALL: [Self; 4] = [
        Self::Manual,
        Self::DeviceImport,
        Self::BackupImport,
        Self::OsqueryImport,
    ];

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::DeviceImport => "device_import",
            Self::BackupImport => "backup_import",
            Self::OsqueryImport => "osquery_import",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Manual => "Manual",
            Self::DeviceImport => "Device inventory import",
            Self::BackupImport => "Backup results import",
            Self::OsqueryImport => "osquery import",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Invalid::new("source", "is not a known evidence source"))
    }
}

/// One immutable version of a piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceVersion {
    /// 1 for the first version.
    pub version: i64,
    /// SHA-256 of the file's bytes, lowercase hex (files and records).
    pub sha256: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// Media type, sniffed from the content.
    pub media_type: String,
    /// The name the file was uploaded under.
    pub file_name: Option<String>,
    /// The link (links only).
    pub url: Option<String>,
    /// What an import found, as JSON (import records only).
    pub record: Option<String>,
    /// Where it came from.
    pub source: Source,
    /// Who added it (e-mail, or the import).
    pub created_by: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
}

/// A piece of evidence: its editable metadata, its current version and what it proves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Id.
    pub id: EvidenceId,
    /// Owning organization.
    pub org_id: OrgId,
    /// What it is ("Q3 access review sign-off").
    pub title: String,
    /// More about it.
    pub description: Option<String>,
    /// File, link or record.
    pub kind: EvidenceKind,
    /// The last day it can be relied on.
    pub valid_until: Option<time::Date>,
    /// The source of the current version.
    pub source: Source,
    /// When the proof was collected (the current version's time).
    #[serde(with = "time::serde::rfc3339")]
    pub collected_at: time::OffsetDateTime,
    /// The current version.
    pub current: EvidenceVersion,
    /// What it proves.
    pub links: Vec<LinkTarget>,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    /// Last changed (metadata or a new version).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
    /// Archived (kept, hidden from lists).
    #[serde(with = "time::serde::rfc3339::option")]
    pub archived_at: Option<time::OffsetDateTime>,
}

impl Evidence {
    /// Freshness on `today`.
    pub fn freshness(&self, today: time::Date) -> Freshness {
        Freshness::of(self.valid_until, today)
    }
}

/// Editable metadata, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceMeta {
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Valid until.
    pub valid_until: Option<time::Date>,
}

impl EvidenceMeta {
    /// Checks metadata as typed.
    pub fn parse(
        title: &str,
        description: Option<&str>,
        valid_until: &str,
    ) -> Result<Self, Invalid> {
        Ok(Self {
            title: crate::text::required_line("title", title, 200)?,
            description: crate::text::optional_block("description", description, 4000)?,
            valid_until: crate::risk::parse_date("valid_until", valid_until)?,
        })
    }
}

/// Checks a link: `https://` or `http://`, one line, at most 2,000 characters.
pub fn parse_url(text: &str) -> Result<String, Invalid> {
    let t = crate::text::required_line("url", text, 2000)?;
    let lower = t.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| Invalid::new("url", "must start with https:// or http://"))?;
    if rest.is_empty() || rest.starts_with('/') || t.contains(char::is_whitespace) {
        return Err(Invalid::new(
            "url",
            "must be a web address with a host name",
        ));
    }
    Ok(t)
}

/// Checks a SHA-256 written as 64 lowercase hex digits.
pub fn parse_sha256(text: &str) -> Result<String, Invalid> {
    if text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(text.to_owned())
    } else {
        Err(Invalid::new(
            "sha256",
            "must be 64 lowercase hexadecimal digits",
        ))
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn evidence_is_expiring_within_thirty_days_and_expired_after_its_last_day() {
        let today = date!(2026 - 06 - 01);
        assert_eq!(Freshness::of(None, today), Freshness::Current);
        assert_eq!(
            Freshness::of(Some(date!(2026 - 07 - 02)), today),
            Freshness::Current
        );
        assert_eq!(
            Freshness::of(Some(date!(2026 - 07 - 01)), today),
            Freshness::Expiring
        );
        assert_eq!(Freshness::of(Some(today), today), Freshness::Expiring);
        assert_eq!(
            Freshness::of(Some(date!(2026 - 05 - 31)), today),
            Freshness::Expired
        );
    }

    #[test]
    fn link_targets_round_trip_through_their_stored_parts() {
        let c = LinkTarget::Control(ControlId::new());
        assert_eq!(LinkTarget::from_parts(c.kind(), &c.reference()), Ok(c));
        let r = LinkTarget::Requirement("164.308(a)(7)(ii)(A)".into());
        assert_eq!(LinkTarget::from_parts(r.kind(), &r.reference()), Ok(r));
        assert!(LinkTarget::from_parts("control", "nope").is_err());
        assert!(LinkTarget::from_parts("risk", "x").is_err());
    }

    #[test]
    fn links_must_be_web_addresses() {
        assert!(parse_url("https://tickets.example/123").is_ok());
        assert_eq!(parse_url("ftp://x").unwrap_err().field, "url");
        assert!(parse_url("javascript:alert(1)").is_err());
        assert!(parse_url("https://").is_err());
        assert!(parse_url("https://a b").is_err());
    }

    #[test]
    fn metadata_names_the_field_to_fix() {
        assert_eq!(
            EvidenceMeta::parse(" ", None, "").unwrap_err().field,
            "title"
        );
        assert_eq!(
            EvidenceMeta::parse("Backup test", None, "2026-13-01")
                .unwrap_err()
                .field,
            "valid_until"
        );
        let m = EvidenceMeta::parse(" Backup test ", Some(""), "2027-01-31").unwrap();
        assert_eq!(m.title, "Backup test");
        assert_eq!(m.valid_until, Some(date!(2027 - 01 - 31)));
    }

    #[test]
    fn a_sha256_is_sixty_four_lowercase_hex_digits() {
        assert!(parse_sha256(&"a".repeat(64)).is_ok());
        assert!(parse_sha256(&"A".repeat(64)).is_err());
        assert!(parse_sha256(&"a".repeat(63)).is_err());
        assert!(parse_sha256("../../etc/passwd").is_err());
    }
}

//! Organizations (the provider and its client practices) and their locations.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{LocationId, OrgId};
use crate::{Invalid, text};

/// Which side of the MSP relationship an organization is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// The MSP that runs this installation. Exactly one per installation.
    Provider,
    /// A practice the MSP serves.
    Client,
}

impl OrgKind {
    /// The stored and wire form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Provider => "provider",
            Self::Client => "client",
        }
    }

    /// Parses the stored and wire form.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s {
            "provider" => Ok(Self::Provider),
            "client" => Ok(Self::Client),
            _ => Err(Invalid::new("kind", "must be `provider` or `client`")),
        }
    }
}

/// The organization's role under HIPAA (45 CFR 160.103 definitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HipaaRole {
    /// A health care provider, plan or clearinghouse: the practices.
    CoveredEntity,
    /// Creates, receives, maintains or transmits PHI for a covered entity: the MSP.
    BusinessAssociate,
}

impl HipaaRole {
    /// The stored and wire form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CoveredEntity => "covered_entity",
            Self::BusinessAssociate => "business_associate",
        }
    }

    /// Parses the stored and wire form.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s {
            "covered_entity" => Ok(Self::CoveredEntity),
            "business_associate" => Ok(Self::BusinessAssociate),
            _ => Err(Invalid::new(
                "hipaa_role",
                "must be `covered_entity` or `business_associate`",
            )),
        }
    }

    /// What an organization of this kind usually is: the MSP a business associate, a
    /// practice a covered entity.
    pub const fn default_for(kind: OrgKind) -> Self {
        match kind {
            OrgKind::Provider => Self::BusinessAssociate,
            OrgKind::Client => Self::CoveredEntity,
        }
    }
}

/// The short, URL-safe name of an organization: 2 to 63 characters of `a-z`, `0-9` and `-`,
/// starting with a letter, not ending with `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    /// Parses a slug a user supplied.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        const RULE: &str = "must be 2-63 characters of lowercase letters, digits and hyphens, \
                            starting with a letter and not ending with a hyphen";
        let ok = (2..=63).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && !s.ends_with('-')
            && !s.contains("--")
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(Invalid::new("slug", RULE))
        }
    }

    /// Derives a slug from a name ("Lakeside Family Clinic" -> "lakeside-family-clinic").
    pub fn from_name(name: &str) -> Result<Self, Invalid> {
        let mut out = String::new();
        for c in name.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        let trimmed: String = out.trim_end_matches('-').chars().take(63).collect();
        let trimmed = trimmed.trim_end_matches('-');
        if trimmed.is_empty() {
            return Err(Invalid::new(
                "slug",
                "cannot be derived from this name; choose one",
            ));
        }
        let with_letter = if trimmed.starts_with(|c: char| c.is_ascii_lowercase()) {
            trimmed.to_owned()
        } else {
            format!("org-{trimmed}")
                .chars()
                .take(63)
                .collect::<String>()
        };
        Self::parse(with_letter.trim_end_matches('-'))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Slug {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(|e| serde::de::Error::custom(e.reason))
    }
}

/// Longest organization or location name accepted.
pub const NAME_MAX: usize = 200;
/// Longest postal address accepted.
pub const ADDRESS_MAX: usize = 500;

/// An organization as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// Its id.
    pub id: OrgId,
    /// Provider or client.
    pub kind: OrgKind,
    /// Covered entity or business associate.
    pub hipaa_role: HipaaRole,
    /// URL name, unique in the installation.
    pub slug: Slug,
    /// Display name.
    pub name: String,
    /// Whether every member must sign in with a second factor (164.312(d)).
    pub require_mfa: bool,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
    /// When it was archived. Archived organizations are kept, never deleted
    /// (164.316(b)(2)(i): documentation is retained for 6 years).
    pub archived_at: Option<OffsetDateTime>,
}

/// A new organization, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrg {
    /// Provider or client.
    pub kind: OrgKind,
    /// Covered entity or business associate.
    pub hipaa_role: HipaaRole,
    /// URL name.
    pub slug: Slug,
    /// Display name.
    pub name: String,
}

impl NewOrg {
    /// Validates the parts of a new organization. The slug defaults to one derived from the name.
    pub fn parse(
        kind: OrgKind,
        name: &str,
        slug: Option<&str>,
        hipaa_role: Option<HipaaRole>,
    ) -> Result<Self, Invalid> {
        let name = text::required_line("name", name, NAME_MAX)?;
        let slug = match slug {
            Some(s) => Slug::parse(s)?,
            None => Slug::from_name(&name)?,
        };
        Ok(Self {
            kind,
            hipaa_role: hipaa_role.unwrap_or(HipaaRole::default_for(kind)),
            slug,
            name,
        })
    }
}

/// Changes to an organization; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgPatch {
    /// New display name.
    pub name: Option<String>,
    /// New HIPAA role.
    pub hipaa_role: Option<HipaaRole>,
    /// Require MFA for members.
    pub require_mfa: Option<bool>,
}

/// What kind of place a location is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    /// A clinic or practice site that sees patients.
    Clinic,
    /// An administrative office or billing office.
    Office,
    /// A hospital or ambulatory surgery site.
    Hospital,
    /// A data center, colocation or server room.
    DataCenter,
    /// Remote or home workers.
    Remote,
    /// Anything else.
    Other,
}

impl LocationKind {
    /// Every kind, in display order.
    pub const ALL: [Self; 6] = [
        Self::Clinic,
        Self::Office,
        Self::Hospital,
        Self::DataCenter,
        Self::Remote,
        Self::Other,
    ];

    /// The stored and wire form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Clinic => "clinic",
            Self::Office => "office",
            Self::Hospital => "hospital",
            Self::DataCenter => "data_center",
            Self::Remote => "remote",
            Self::Other => "other",
        }
    }

    /// A label for people.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Clinic => "Clinic",
            Self::Office => "Office",
            Self::Hospital => "Hospital",
            Self::DataCenter => "Data center",
            Self::Remote => "Remote workers",
            Self::Other => "Other",
        }
    }

    /// Parses the stored and wire form.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Invalid::new(
                    "kind",
                    "must be one of clinic, office, hospital, data_center, remote, other",
                )
            })
    }
}

/// A location as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Its id.
    pub id: LocationId,
    /// The organization it belongs to.
    pub org_id: OrgId,
    /// Display name, unique within the organization.
    pub name: String,
    /// What kind of place it is.
    pub kind: LocationKind,
    /// Postal address, if given.
    pub address: Option<String>,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
    /// When it was archived (kept, never deleted).
    pub archived_at: Option<OffsetDateTime>,
}

/// A new location, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLocation {
    /// Display name.
    pub name: String,
    /// Kind of place.
    pub kind: LocationKind,
    /// Postal address.
    pub address: Option<String>,
}

impl NewLocation {
    /// Validates a new location.
    pub fn parse(name: &str, kind: LocationKind, address: Option<&str>) -> Result<Self, Invalid> {
        Ok(Self {
            name: text::required_line("name", name, NAME_MAX)?,
            kind,
            address: text::optional_block("address", address, ADDRESS_MAX)?,
        })
    }
}

/// Changes to a location; `None` leaves a field as it is. `address: Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocationPatch {
    /// New name.
    pub name: Option<String>,
    /// New kind.
    pub kind: Option<LocationKind>,
    /// New address, or cleared.
    pub address: Option<Option<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn slugs_follow_the_rule() {
        assert!(Slug::parse("lakeside-family").is_ok());
        assert!(Slug::parse("a1").is_ok());
        for bad in [
            "",
            "a",
            "1abc",
            "Abc",
            "ab-",
            "a--b",
            "a b",
            "a_b",
            &"a".repeat(64),
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn slugs_derive_from_names() {
        let s = Slug::from_name("Lakeside Family Clinic, P.C.").unwrap();
        assert_eq!(s.as_str(), "lakeside-family-clinic-p-c");
        assert_eq!(
            Slug::from_name("123 Main").unwrap().as_str(),
            "org-123-main"
        );
        assert!(Slug::from_name("!!!").is_err());
    }

    #[test]
    fn new_org_defaults_hipaa_role_by_kind() {
        let p = NewOrg::parse(OrgKind::Provider, "Acme IT", None, None).unwrap();
        assert_eq!(p.hipaa_role, HipaaRole::BusinessAssociate);
        let c = NewOrg::parse(OrgKind::Client, "Lakeside", Some("lakeside"), None).unwrap();
        assert_eq!(c.hipaa_role, HipaaRole::CoveredEntity);
        assert_eq!(
            NewOrg::parse(OrgKind::Client, " ", None, None)
                .unwrap_err()
                .field,
            "name"
        );
    }

    proptest! {
        #[test]
        fn derived_slugs_are_always_valid_or_refused(name in "\\PC{0,80}") {
            if let Ok(slug) = Slug::from_name(&name) {
                prop_assert!(Slug::parse(slug.as_str()).is_ok());
            }
        }
    }
}

/// A person named to a HIPAA role of an organization (its security or privacy official).
/// They may or may not have an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Official {
    /// Name.
    pub name: String,
    /// E-mail address (validated, lower case); when it is a member's, that member may sign
    /// off as the official.
    pub email: Option<String>,
}

impl Official {
    /// Validates a name and an optional address; `None` when both are empty. `field` names the
    /// role in errors (`security_official`).
    pub fn parse(field: &str, name: &str, email: &str) -> Result<Option<Self>, Invalid> {
        let name = text::optional_line(field, Some(name), NAME_MAX)?;
        let email = if email.trim().is_empty() {
            None
        } else {
            Some(
                crate::user::Email::parse(email)
                    .map_err(|e| Invalid::new(format!("{field}_email"), e.reason))?
                    .as_str()
                    .to_owned(),
            )
        };
        match (name, email) {
            (None, None) => Ok(None),
            (None, Some(_)) => Err(Invalid::new(field, "give the official's name")),
            (Some(name), email) => Ok(Some(Self { name, email })),
        }
    }
}

/// How an organization runs its HIPAA program: who answers for it and how much risk it
/// accepts without treatment. Kept apart from [`Organization`], which every request reads.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OrgProfile {
    /// The security official (164.308(a)(2): one official responsible for the security
    /// policies and procedures).
    pub security_official: Option<Official>,
    /// The privacy official (164.530(a)(1)).
    pub privacy_official: Option<Official>,
    /// The highest risk score (1-25) the organization accepts without a treatment; risks above
    /// it need one in the risk management plan. `None`: the installation's top of "low".
    pub risk_acceptance_max: Option<u8>,
}

impl OrgProfile {
    /// Checks a risk acceptance threshold: a score from 1 to 25.
    pub fn parse_acceptance(v: Option<i64>) -> Result<Option<u8>, Invalid> {
        v.map(|n| {
            u8::try_from(n)
                .ok()
                .filter(|n| (1..=25).contains(n))
                .ok_or_else(|| {
                    Invalid::new(
                        "risk_acceptance_max",
                        "must be a risk score from 1 to 25 (likelihood times impact)",
                    )
                })
        })
        .transpose()
    }
}

//! People, their roles, and their memberships in organizations.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{MembershipId, OrgId, UserId};
use crate::org::OrgKind;
use crate::{Invalid, text};

/// An e-mail address used to sign in, stored in lower case.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Parses an address: one `@`, a non-empty local part, a dotted domain, at most 254
    /// characters, no spaces or control characters.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim().to_lowercase();
        let fail = || Invalid::new("email", "must be an e-mail address like name@example.com");
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(fail());
        }
        let (local, domain) = s.split_once('@').ok_or_else(fail)?;
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && domain
                .split('.')
                .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(fail());
        }
        Ok(Self(s))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.0)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(|e| serde::de::Error::custom(e.reason))
    }
}

/// Shortest password accepted (NIST SP 800-63B asks for at least 8; we ask more because
/// these accounts reach ePHI programs).
pub const PASSWORD_MIN: usize = 12;
/// Longest password accepted (bounds hashing cost).
pub const PASSWORD_MAX: usize = 256;

/// Checks a new password against the policy; the error says which rule it breaks.
pub fn check_new_password(password: &str) -> Result<(), Invalid> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        return Err(Invalid::new(
            "password",
            format!("must be at least {PASSWORD_MIN} characters"),
        ));
    }
    if n > PASSWORD_MAX {
        return Err(Invalid::new(
            "password",
            format!("must be at most {PASSWORD_MAX} characters"),
        ));
    }
    if password
        .chars()
        .all(|c| c == password.chars().next().unwrap_or(' '))
    {
        return Err(Invalid::new(
            "password",
            "must not be one repeated character",
        ));
    }
    Ok(())
}

/// Longest display name accepted for a person.
pub const PERSON_NAME_MAX: usize = 120;

/// Validates a person's display name.
pub fn parse_person_name(name: &str) -> Result<String, Invalid> {
    text::required_line("name", name, PERSON_NAME_MAX)
}

/// What a member may do in an organization (ARCHITECTURE.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The MSP's administrators: everything, in every organization.
    ProviderAdmin,
    /// The MSP's staff: work the programs of the clients they are assigned to.
    ProviderStaff,
    /// A practice's security or privacy officer: runs that practice's program.
    ClientAdmin,
    /// A practice's workforce: reads what concerns them, acknowledges policies.
    ClientMember,
    /// An outside auditor: read-only, until the membership expires.
    Auditor,
}

impl Role {
    /// Every role.
    pub const ALL: [Self; 5] = [
        Self::ProviderAdmin,
        Self::ProviderStaff,
        Self::ClientAdmin,
        Self::ClientMember,
        Self::Auditor,
    ];

    /// The stored and wire form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ProviderAdmin => "provider_admin",
            Self::ProviderStaff => "provider_staff",
            Self::ClientAdmin => "client_admin",
            Self::ClientMember => "client_member",
            Self::Auditor => "auditor",
        }
    }

    /// A label for people.
    pub const fn label(self) -> &'static str {
        match self {
            Self::ProviderAdmin => "Provider admin",
            Self::ProviderStaff => "Provider staff",
            Self::ClientAdmin => "Client admin",
            Self::ClientMember => "Client member",
            Self::Auditor => "Auditor",
        }
    }

    /// Parses the stored and wire form.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            Invalid::new(
                "role",
                "must be one of provider_admin, provider_staff, client_admin, client_member, auditor",
            )
        })
    }

    /// Whether a membership with this role may exist in an organization of `kind`.
    /// Provider roles live in the provider; a `provider_staff` membership in a client is the
    /// staff member's assignment to that client. Client roles live in clients.
    pub const fn fits(self, kind: OrgKind) -> bool {
        match (self, kind) {
            (Self::ProviderAdmin, OrgKind::Provider)
            | (Self::ProviderStaff | Self::Auditor, _)
            | (Self::ClientAdmin | Self::ClientMember, OrgKind::Client) => true,
            (Self::ProviderAdmin, OrgKind::Client)
            | (Self::ClientAdmin | Self::ClientMember, OrgKind::Provider) => false,
        }
    }

    /// Whether this role's memberships must carry an expiry (auditors' access ends).
    pub const fn must_expire(self) -> bool {
        matches!(self, Self::Auditor)
    }

    /// Whether this role may change anything at all.
    pub const fn can_write(self) -> bool {
        !matches!(self, Self::Auditor | Self::ClientMember)
    }

    /// Whether this role may manage members, roles and organization settings.
    pub const fn can_administer(self) -> bool {
        matches!(self, Self::ProviderAdmin | Self::ClientAdmin)
    }

    /// Whether this role may read the organization's audit trail.
    pub const fn can_read_audit(self) -> bool {
        !matches!(self, Self::ClientMember)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A person who signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// Sign-in address.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// The organization the user belongs to (provider for MSP staff, the practice otherwise).
    pub home_org_id: OrgId,
    /// Whether TOTP is enrolled and confirmed.
    pub mfa_enabled: bool,
    /// Invited but has not set a password yet.
    pub invited: bool,
    /// When the account was created.
    pub created_at: OffsetDateTime,
    /// When the account was disabled (kept, never deleted).
    pub archived_at: Option<OffsetDateTime>,
}

/// A user's role in an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// Its id.
    pub id: MembershipId,
    /// Who.
    pub user_id: UserId,
    /// Where.
    pub org_id: OrgId,
    /// What they may do.
    pub role: Role,
    /// When access ends (auditors).
    pub expires_at: Option<OffsetDateTime>,
    /// When granted.
    pub created_at: OffsetDateTime,
    /// When revoked (kept for the record).
    pub archived_at: Option<OffsetDateTime>,
    /// Awaiting the invitee's acceptance, with the name the inviter gave: an invitation to an
    /// account the inviting organization does not own. Grants nothing until accepted.
    pub pending: Option<String>,
}

impl Membership {
    /// Whether it grants access at `now`.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.archived_at.is_none()
            && self.pending.is_none()
            && self.expires_at.is_none_or(|e| now < e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(
            Email::parse(" Ana@Example.COM ").unwrap().as_str(),
            "ana@example.com"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "a b@example.com",
            "a@b@c.com",
            "ana@-x.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn roles_fit_only_their_kind_of_organization() {
        assert!(Role::ProviderAdmin.fits(OrgKind::Provider));
        assert!(!Role::ProviderAdmin.fits(OrgKind::Client));
        assert!(Role::ProviderStaff.fits(OrgKind::Client));
        assert!(!Role::ClientAdmin.fits(OrgKind::Provider));
        assert!(Role::Auditor.fits(OrgKind::Client));
    }

    #[test]
    fn auditors_and_workforce_cannot_write() {
        assert!(!Role::Auditor.can_write());
        assert!(!Role::ClientMember.can_write());
        assert!(Role::ProviderStaff.can_write());
        assert!(!Role::ProviderStaff.can_administer());
    }

    #[test]
    fn password_policy_names_the_rule() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("aaaaaaaaaaaaaaaa").is_err());
        assert!(check_new_password("correct horse battery").is_ok());
        assert!(check_new_password(&"ab".repeat(200)).is_err());
    }

    #[test]
    fn expired_memberships_grant_nothing() {
        let now = OffsetDateTime::now_utc();
        let m = Membership {
            id: MembershipId::new(),
            user_id: UserId::new(),
            org_id: OrgId::new(),
            role: Role::Auditor,
            expires_at: Some(now),
            created_at: now,
            archived_at: None,
            pending: None,
        };
        assert!(!m.is_active(now));
        assert!(m.is_active(now - time::Duration::seconds(1)));
        let invited = Membership {
            pending: Some("Pat".into()),
            expires_at: None,
            ..m
        };
        assert!(
            !invited.is_active(now),
            "a pending invitation grants nothing"
        );
    }

    proptest! {
        #[test]
        fn parsed_emails_reparse_to_themselves(s in "[a-zA-Z0-9._%+-]{1,20}@[a-z0-9]{1,10}\\.[a-z]{2,6}") {
            let e = Email::parse(&s).unwrap();
            prop_assert_eq!(Email::parse(e.as_str()).unwrap(), e);
        }
    }
}

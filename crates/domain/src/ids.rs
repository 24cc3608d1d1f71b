//! Identifier newtypes. Every entity id is a UUIDv7 wrapped in its own type, so an `OrgId`
//! can never be passed where a `UserId` is expected, and a malformed id is rejected at the edge.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::Invalid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh id (UUIDv7: time-ordered, so ids sort by creation).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps a UUID read back from storage.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID, for storage.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }

            /// Parses an id supplied by a user; the error names the field.
            pub fn parse(s: &str) -> Result<Self, Invalid> {
                Uuid::try_parse(s.trim())
                    .map(Self)
                    .map_err(|_| Invalid::new($field, "must be an id in UUID form"))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = Invalid;
            fn from_str(s: &str) -> Result<Self, Invalid> {
                Self::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0.hyphenated())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
                Self::parse(&s).map_err(|e| serde::de::Error::custom(e.reason))
            }
        }
    };
}

id_type!(
    /// An organization: the provider (the MSP) or one of its client practices.
    OrgId,
    "org_id"
);
id_type!(
    /// A location (site, clinic, office) of an organization.
    LocationId,
    "location_id"
);
id_type!(
    /// A person who signs in.
    UserId,
    "user_id"
);
id_type!(
    /// A user's role in one organization.
    MembershipId,
    "membership_id"
);
id_type!(
    /// A signed-in browser or API session.
    SessionId,
    "session_id"
);
id_type!(
    /// An API token for automation.
    ApiTokenId,
    "token_id"
);
id_type!(
    /// An invitation to set a first password.
    InvitationId,
    "invitation_id"
);
id_type!(
    /// An asset in the inventory.
    AssetId,
    "asset_id"
);
id_type!(
    /// A risk in the register.
    RiskId,
    "risk_id"
);
id_type!(
    /// A security risk assessment (one per organization and period).
    AssessmentId,
    "assessment_id"
);
id_type!(
    /// A task of the risk management plan.
    TaskId,
    "task_id"
);
id_type!(
    /// A security control.
    ControlId,
    "control_id"
);
id_type!(
    /// A threat an organization added to the library.
    ThreatId,
    "threat_id"
);
id_type!(
    /// A piece of evidence in the locker (all its versions).
    EvidenceId,
    "evidence_id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_json() {
        let id = OrgId::new();
        assert_eq!(OrgId::parse(&id.to_string()), Ok(id));
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<OrgId>(&json).unwrap(), id);
    }

    #[test]
    fn malformed_ids_name_their_field() {
        let err = UserId::parse("12345").unwrap_err();
        assert_eq!(err.field, "user_id");
        assert!(serde_json::from_str::<UserId>("\"not-a-uuid\"").is_err());
    }

    #[test]
    fn new_ids_sort_by_creation() {
        let a = LocationId::new();
        let b = LocationId::new();
        assert!(a < b);
    }
}

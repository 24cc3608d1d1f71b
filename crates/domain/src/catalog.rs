//! The regulatory catalog's vocabulary: frameworks, requirements and the mappings between them.

use serde::{Deserialize, Serialize};

use crate::Invalid;

/// What a framework is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameworkKind {
    /// A regulation in force (45 CFR 164).
    Regulation,
    /// Guidance or a control catalog (NIST CSF, SP 800-53).
    Guidance,
    /// An audit protocol (HHS OCR).
    Protocol,
    /// An organization's own baseline (imported).
    Baseline,
    /// A proposed rule, not in force.
    Proposed,
}

impl FrameworkKind {
    /// The stored and wire form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Regulation => "regulation",
            Self::Guidance => "guidance",
            Self::Protocol => "protocol",
            Self::Baseline => "baseline",
            Self::Proposed => "proposed",
        }
    }

    /// Parses the stored and wire form.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s {
            "regulation" => Ok(Self::Regulation),
            "guidance" => Ok(Self::Guidance),
            "protocol" => Ok(Self::Protocol),
            "baseline" => Ok(Self::Baseline),
            "proposed" => Ok(Self::Proposed),
            _ => Err(Invalid::new(
                "kind",
                "must be regulation, guidance, protocol, baseline or proposed",
            )),
        }
    }
}

/// A framework: a body of requirements with a key and a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Framework {
    /// Stable key, e.g. `hipaa-security`.
    pub key: String,
    /// Version of the content, e.g. the eCFR point in time.
    pub version: String,
    /// Display title.
    pub title: String,
    /// What it is.
    pub kind: FrameworkKind,
    /// Who publishes it.
    pub publisher: String,
    /// Where the facts were transcribed from.
    pub source: String,
    /// Status for people (e.g. "proposed, not in force").
    #[serde(default)]
    pub status: String,
    /// A paragraph about it.
    #[serde(default)]
    pub description: String,
    /// Whether Safeharbor ships it (true) or it was imported into this installation.
    #[serde(default)]
    pub shipped: bool,
}

/// What a requirement is, within its framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequirementKind {
    /// A general rule that governs the others (164.306).
    GeneralRule,
    /// A HIPAA standard.
    Standard,
    /// A HIPAA implementation specification.
    ImplementationSpec,
    /// A NIST SP 800-66r2 key activity under a standard.
    KeyActivity,
    /// An item of an audit protocol.
    ProtocolItem,
    /// A section of a rule (breach notification).
    Section,
    /// A requirement paragraph within a section.
    Requirement,
    /// A CSF function.
    Function,
    /// A CSF category.
    Category,
    /// A CSF subcategory.
    Subcategory,
    /// An SP 800-53 control (or an imported catalog's control).
    Control,
    /// An SP 800-53 control enhancement.
    Enhancement,
    /// A grouping in an imported catalog.
    Group,
    /// A change a proposed rule would make.
    ProposedChange,
}

impl RequirementKind {
    /// The stored and wire form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::GeneralRule => "general_rule",
            Self::Standard => "standard",
            Self::ImplementationSpec => "implementation_spec",
            Self::KeyActivity => "key_activity",
            Self::ProtocolItem => "protocol_item",
            Self::Section => "section",
            Self::Requirement => "requirement",
            Self::Function => "function",
            Self::Category => "category",
            Self::Subcategory => "subcategory",
            Self::Control => "control",
            Self::Enhancement => "enhancement",
            Self::Group => "group",
            Self::ProposedChange => "proposed_change",
        }
    }

    /// A label for people.
    pub const fn label(self) -> &'static str {
        match self {
            Self::GeneralRule => "General rule",
            Self::Standard => "Standard",
            Self::ImplementationSpec => "Implementation specification",
            Self::KeyActivity => "Key activity (NIST SP 800-66r2)",
            Self::ProtocolItem => "Audit protocol item",
            Self::Section => "Section",
            Self::Requirement => "Requirement",
            Self::Function => "Function",
            Self::Category => "Category",
            Self::Subcategory => "Subcategory",
            Self::Control => "Control",
            Self::Enhancement => "Control enhancement",
            Self::Group => "Group",
            Self::ProposedChange => "Proposed change",
        }
    }

    /// Every kind.
    pub const ALL: [Self; 14] = [
        Self::GeneralRule,
        Self::Standard,
        Self::ImplementationSpec,
        Self::KeyActivity,
        Self::ProtocolItem,
        Self::Section,
        Self::Requirement,
        Self::Function,
        Self::Category,
        Self::Subcategory,
        Self::Control,
        Self::Enhancement,
        Self::Group,
        Self::ProposedChange,
    ];

    /// Parses the stored and wire form.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Invalid::new("kind", "is not a requirement kind"))
    }
}

/// A HIPAA implementation specification's designation (164.306(d)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Designation {
    /// Must be implemented.
    Required,
    /// Must be assessed; implemented, met by an equivalent alternative, or documented as not
    /// reasonable and appropriate (164.306(d)(3)).
    Addressable,
}

impl Designation {
    /// The stored and wire form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Addressable => "addressable",
        }
    }

    /// Parses `required`, `addressable` or empty (none).
    pub fn parse_opt(s: &str) -> Result<Option<Self>, Invalid> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "required" | "r" => Ok(Some(Self::Required)),
            "addressable" | "a" => Ok(Some(Self::Addressable)),
            _ => Err(Invalid::new(
                "designation",
                "must be required, addressable or empty",
            )),
        }
    }
}

/// A requirement of a framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    /// Its framework's key.
    pub framework: String,
    /// Its identifier or citation within the framework, e.g. `164.308(a)(1)(ii)(A)`.
    pub reference: String,
    /// Its title.
    pub title: String,
    /// What it is.
    pub kind: RequirementKind,
    /// Required or addressable, for HIPAA implementation specifications.
    pub designation: Option<Designation>,
    /// A family or group (administrative, GV.OC, AC...).
    pub family: Option<String>,
    /// The reference of its parent, if any.
    pub parent: Option<String>,
    /// What it asks, in plain words.
    pub summary: Option<String>,
    /// How to assess it.
    pub guidance: Option<String>,
    /// Assessment questions.
    pub questions: Vec<String>,
    /// The regulation paragraph it cites (audit-protocol items), normalized.
    pub cites: Option<String>,
    /// Whether it was withdrawn from its framework (kept for history).
    pub withdrawn: bool,
    /// Position in the framework, for ordering.
    pub order: u32,
    /// When the item may be answered "not applicable" in a risk analysis: the condition, in
    /// plain words. `None`: it always applies and needs a real answer (164.306(d)).
    #[serde(default)]
    pub na_condition: Option<String>,
    /// A descriptive title shown beside the printed heading, where the heading alone says
    /// nothing (164.314(b)(2) is headed only "Implementation specifications").
    #[serde(default)]
    pub display_title: Option<String>,
}

/// How two requirements relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Same content.
    Equal,
    /// The source is contained in the target.
    Subset,
    /// The source contains the target.
    Superset,
    /// They overlap.
    Intersects,
    /// Related, without a set relation stated by the source.
    Related,
}

impl Relation {
    /// The stored and wire form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Equal => "equal",
            Self::Subset => "subset",
            Self::Superset => "superset",
            Self::Intersects => "intersects",
            Self::Related => "related",
        }
    }

    /// Parses the stored and wire form.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s {
            "equal" => Ok(Self::Equal),
            "subset" => Ok(Self::Subset),
            "superset" => Ok(Self::Superset),
            "intersects" => Ok(Self::Intersects),
            "related" => Ok(Self::Related),
            _ => Err(Invalid::new(
                "relation",
                "must be equal, subset, superset, intersects or related",
            )),
        }
    }

    /// The relation seen from the other side.
    #[must_use]
    pub const fn inverse(self) -> Self {
        match self {
            Self::Subset => Self::Superset,
            Self::Superset => Self::Subset,
            other => other,
        }
    }
}

/// A requirement of a framework, by key and reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ReqKey {
    /// Framework key.
    pub framework: String,
    /// Reference within it.
    pub reference: String,
}

impl ReqKey {
    /// A key.
    pub fn new(framework: impl Into<String>, reference: impl Into<String>) -> Self {
        Self {
            framework: framework.into(),
            reference: reference.into(),
        }
    }
}

/// A link between two requirements of different frameworks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    /// From.
    pub from: ReqKey,
    /// To.
    pub to: ReqKey,
    /// How they relate.
    pub relation: Relation,
    /// Where the link comes from (a publication, or how it was derived).
    pub source: String,
}

/// Whether an organization practices an item of its baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineStatus {
    /// Practiced.
    Practiced,
    /// Practiced in part.
    Partial,
    /// Not practiced.
    NotPracticed,
}

impl BaselineStatus {
    /// The stored and wire form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Practiced => "practiced",
            Self::Partial => "partial",
            Self::NotPracticed => "not_practiced",
        }
    }

    /// Parses the stored and wire form.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s {
            "practiced" => Ok(Self::Practiced),
            "partial" => Ok(Self::Partial),
            "not_practiced" => Ok(Self::NotPracticed),
            _ => Err(Invalid::new(
                "status",
                "must be practiced, partial or not_practiced",
            )),
        }
    }
}

/// Where an organization stands on a HIPAA requirement in the gap view. NIST SP 800-66r2's
/// mappings are informative: a baseline item is *related* to a requirement, never equivalent
/// to it, so a mapping alone never meets a requirement. Only the organization's own control with
/// current evidence does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// The organization has its own control for it, backed by current evidence.
    Proven,
    /// Every related baseline item is practiced; the HIPAA-specific documentation and evidence
    /// are still required.
    RelatedPracticed,
    /// Some related items are practiced (or practiced in part).
    RelatedPartial,
    /// Related baseline items exist but none is practiced.
    RelatedNotPracticed,
    /// Nothing in the baseline relates to it: HIPAA asks for something the baseline does not.
    HipaaSpecific,
}

impl Coverage {
    /// Every state, in display order.
    pub const ALL: [Self; 5] = [
        Self::Proven,
        Self::RelatedPracticed,
        Self::RelatedPartial,
        Self::RelatedNotPracticed,
        Self::HipaaSpecific,
    ];

    /// The wire form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Proven => "proven",
            Self::RelatedPracticed => "related_practiced",
            Self::RelatedPartial => "related_partial",
            Self::RelatedNotPracticed => "related_not_practiced",
            Self::HipaaSpecific => "hipaa_specific",
        }
    }

    /// A label for people.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Proven => "Own control with current evidence",
            Self::RelatedPracticed => {
                "Related baseline practice in place; HIPAA-specific documentation and evidence still required"
            }
            Self::RelatedPartial => {
                "Related baseline practice in part; HIPAA-specific documentation and evidence still required"
            }
            Self::RelatedNotPracticed => "Related baseline items not practiced",
            Self::HipaaSpecific => "HIPAA-specific: nothing in the baseline relates to it",
        }
    }

    /// A short label (summary counts, filters).
    pub const fn short(self) -> &'static str {
        match self {
            Self::Proven => "Proven",
            Self::RelatedPracticed => "Related practice in place",
            Self::RelatedPartial => "Related practice in part",
            Self::RelatedNotPracticed => "Related, not practiced",
            Self::HipaaSpecific => "HIPAA-specific",
        }
    }

    /// The state given whether the organization proves the requirement itself (own control,
    /// current evidence) and the statuses of the related baseline items.
    pub fn of(proven: bool, statuses: &[BaselineStatus]) -> Self {
        if proven {
            return Self::Proven;
        }
        if statuses.is_empty() {
            return Self::HipaaSpecific;
        }
        if statuses.iter().all(|s| *s == BaselineStatus::Practiced) {
            Self::RelatedPracticed
        } else if statuses.iter().any(|s| *s != BaselineStatus::NotPracticed) {
            Self::RelatedPartial
        } else {
            Self::RelatedNotPracticed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_follows_the_mapped_items() {
        use BaselineStatus::{NotPracticed, Partial, Practiced};
        assert_eq!(Coverage::of(false, &[]), Coverage::HipaaSpecific);
        assert_eq!(
            Coverage::of(false, &[Practiced, Practiced]),
            Coverage::RelatedPracticed,
            "a mapping alone never meets a requirement"
        );
        assert!(
            Coverage::RelatedPracticed
                .label()
                .contains("still required")
        );
        assert_eq!(
            Coverage::of(false, &[Practiced, NotPracticed]),
            Coverage::RelatedPartial
        );
        assert_eq!(Coverage::of(false, &[Partial]), Coverage::RelatedPartial);
        assert_eq!(
            Coverage::of(false, &[NotPracticed, NotPracticed]),
            Coverage::RelatedNotPracticed
        );
        assert_eq!(Coverage::of(true, &[]), Coverage::Proven);
    }

    #[test]
    fn kinds_and_designations_round_trip() {
        for k in RequirementKind::ALL {
            assert_eq!(RequirementKind::parse(k.as_str()), Ok(k));
        }
        assert_eq!(Designation::parse_opt("R"), Ok(Some(Designation::Required)));
        assert_eq!(Designation::parse_opt(""), Ok(None));
        assert!(Designation::parse_opt("maybe").is_err());
    }
}

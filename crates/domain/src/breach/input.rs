//! A breach case as the contract states it ([`BreachInput`]), and the checked case the engine
//! assesses ([`Case`]).

use serde::Serialize;
use time::Date;

use super::dates::{self, ymd};
use super::state::StateCode;
use crate::Invalid;
use crate::text::{optional_block, optional_line};

macro_rules! wire_enum {
    (
        $(#[$doc:meta])* $name:ident, $field:literal,
        { $($(#[$vdoc:meta])* $variant:ident => $wire:literal),+ $(,)? }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The wire form.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $wire),+ }
            }

            /// Reads the wire form; the error names `field` and lists the choices.
            pub fn parse(field: &str, s: &str) -> Result<Self, Invalid> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let choices: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    Invalid::new(field, format!("must be one of {}", choices.join(", ")))
                })
            }
        }
    };
}

wire_enum!(
    /// Who discovered the breach: the covered entity (164.404(a)(2)) or its business associate
    /// (164.410(a)(2)).
    Discoverer, "discovered_by", {
        /// The covered entity, through a workforce member or agent.
        CoveredEntity => "covered_entity",
        /// A business associate, which must tell the covered entity (164.410).
        BusinessAssociate => "business_associate",
    }
);

wire_enum!(
    /// The three exclusions from the definition of breach, 164.402(1)(i)-(iii).
    Exclusion, "exclusion_claimed", {
        /// (i) Unintentional acquisition, access or use in good faith within the scope of
        /// authority.
        UnintentionalGoodFaithWithinScope => "unintentional_good_faith_within_scope",
        /// (ii) Inadvertent disclosure between people authorized at the same entity or
        /// organized health care arrangement.
        InadvertentDisclosureBetweenAuthorizedPersonsSameEntity =>
            "inadvertent_disclosure_between_authorized_persons_same_entity",
        /// (iii) The recipient could not reasonably have retained the information.
        RecipientUnableToRetain => "recipient_unable_to_retain",
    }
);

impl Exclusion {
    /// The paragraph of 164.402 that states it.
    pub const fn citation(self) -> &'static str {
        match self {
            Self::UnintentionalGoodFaithWithinScope => "164.402(1)(i)",
            Self::InadvertentDisclosureBetweenAuthorizedPersonsSameEntity => "164.402(1)(ii)",
            Self::RecipientUnableToRetain => "164.402(1)(iii)",
        }
    }
}

wire_enum!(
    /// What the four-factor risk assessment of 164.402(2) concluded.
    Conclusion, "risk_assessment_conclusion", {
        /// A low probability that the PHI has been compromised: not a breach.
        LowProbability => "low_probability",
        /// Not a low probability: the presumption of breach stands.
        NotLow => "not_low",
    }
);

wire_enum!(
    /// How a law-enforcement official asked for a delay (164.412).
    DelayKind, "law_enforcement_delay.kind", {
        /// Spoken: at most 30 days from the statement (164.412(b)).
        Oral => "oral",
        /// In writing, naming the period: that period (164.412(a)).
        Written => "written",
    }
);

/// A law-enforcement official's statement that notice would impede a criminal investigation
/// or damage national security (164.412).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LawEnforcementDelay {
    /// Oral or written.
    pub kind: DelayKind,
    /// The day the statement was made.
    #[serde(with = "ymd")]
    pub requested: Date,
    /// The delay asked for, in days from `requested` (a written statement must state it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_requested: Option<u64>,
}

/// The written rationale of each factor of the risk assessment, 164.402(2)(i)-(iv).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FourFactor {
    /// (i) The nature and extent of the PHI, identifiers, likelihood of re-identification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nature_extent: Option<String>,
    /// (ii) The unauthorized person who used it or received it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    /// (iii) Whether it was actually acquired or viewed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acquired_or_viewed: Option<String>,
    /// (iv) The extent to which the risk has been mitigated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mitigation: Option<String>,
}

impl FourFactor {
    /// The factors by their field names, in the order of 164.402(2).
    pub fn factors(&self) -> [(&'static str, Option<&str>); 4] {
        [
            ("nature_extent", self.nature_extent.as_deref()),
            ("recipient", self.recipient.as_deref()),
            ("acquired_or_viewed", self.acquired_or_viewed.as_deref()),
            ("mitigation", self.mitigation.as_deref()),
        ]
    }

    /// Whether every factor has a written rationale.
    pub fn is_complete(&self) -> bool {
        self.factors().iter().all(|(_, t)| t.is_some())
    }
}

/// One breach case, field for field as the contract names them, before the rules that tie
/// fields together are checked. Build one, then check it with [`Case::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "the contract's yes/no answers are independent facts, not a state machine"
)]
pub struct BreachInput {
    /// The day the breach was discovered (164.404(a)(2), 164.410(a)(2)).
    #[serde(with = "ymd")]
    pub discovered: Date,
    /// Who discovered it.
    pub discovered_by: Discoverer,
    /// The day it happened, when known to the day.
    #[serde(
        serialize_with = "ymd::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub occurred: Option<Date>,
    /// The earliest day it may have happened.
    #[serde(
        serialize_with = "ymd::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub occurred_from: Option<Date>,
    /// The latest day it may have happened.
    #[serde(
        serialize_with = "ymd::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub occurred_to: Option<Date>,
    /// How many individuals' PHI was involved, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub individuals: Option<u64>,
    /// Residents affected per State or jurisdiction.
    #[serde(serialize_with = "states_map", skip_serializing_if = "Vec::is_empty")]
    pub states: Vec<(StateCode, u64)>,
    /// What held the PHI (laptop, paper, e-mail...), as the user describes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The PHI was encrypted.
    pub encrypted: bool,
    /// The encryption is consistent with HHS guidance (NIST SP 800-111 at rest; SP 800-52,
    /// 800-77, 800-113 or FIPS 140-2 validated in motion).
    pub encryption_standard_met: bool,
    /// The key or the confidential process was compromised.
    pub key_compromised: bool,
    /// The PHI was destroyed before the incident.
    pub destroyed: bool,
    /// How it was destroyed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destruction_method: Option<String>,
    /// The exclusion of 164.402(1) claimed, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclusion_claimed: Option<Exclusion>,
    /// The information was further used or disclosed in a manner subpart E does not permit.
    pub further_impermissible_use: bool,
    /// The risk assessment's written factors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub four_factor: Option<FourFactor>,
    /// The risk assessment's conclusion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_assessment_conclusion: Option<Conclusion>,
    /// The notice period of the business associate agreement, in days, when shorter than 60.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baa_notice_days: Option<u64>,
    /// Individuals whose contact information is insufficient or out of date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insufficient_contact_info: Option<u64>,
    /// A law-enforcement request to delay notice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub law_enforcement_delay: Option<LawEnforcementDelay>,
}

fn states_map<S: serde::Serializer>(v: &[(StateCode, u64)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(v.iter().map(|(c, n)| (c.as_str(), n)))
}

impl BreachInput {
    /// A case discovered on `discovered` by the covered entity, every other field absent.
    pub fn new(discovered: Date) -> Self {
        Self {
            discovered,
            discovered_by: Discoverer::CoveredEntity,
            occurred: None,
            occurred_from: None,
            occurred_to: None,
            individuals: None,
            states: Vec::new(),
            media_type: None,
            encrypted: false,
            encryption_standard_met: false,
            key_compromised: false,
            destroyed: false,
            destruction_method: None,
            exclusion_claimed: None,
            further_impermissible_use: false,
            four_factor: None,
            risk_assessment_conclusion: None,
            baa_notice_days: None,
            insufficient_contact_info: None,
            law_enforcement_delay: None,
        }
    }
}

/// A breach case whose fields agree with each other and with the calendar: what
/// [`assess`](super::assess) takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case(BreachInput);

impl Case {
    /// Checks `input` against the rules no single field can state, `today` being the date the
    /// assessment is made (a discovery cannot lie after it). Text fields are trimmed; empty
    /// text counts as absent; States are sorted by code.
    pub fn new(mut input: BreachInput, today: Date) -> Result<Self, Invalid> {
        normalize_text(&mut input)?;
        check_dates(&input, today)?;
        check_counts(&mut input)?;
        if input.encryption_standard_met && !input.encrypted {
            return Err(Invalid::new(
                "encrypted",
                "must be true when encryption_standard_met is true",
            ));
        }
        if input.risk_assessment_conclusion == Some(Conclusion::LowProbability) {
            // 164.402(2): a low probability must be demonstrated by an assessment of at least
            // the four factors; a conclusion without them demonstrates nothing.
            let ff = input.four_factor.clone().unwrap_or_default();
            let missing: Vec<&str> = ff
                .factors()
                .iter()
                .filter(|(_, t)| t.is_none())
                .map(|(n, _)| *n)
                .collect();
            if let Some(first) = missing.first() {
                return Err(Invalid::new(
                    format!("four_factor.{first}"),
                    format!(
                        "is required when risk_assessment_conclusion is low_probability: \
                         164.402(2) asks for a written assessment of all four factors \
                         (missing: {})",
                        missing.join(", ")
                    ),
                ));
            }
        }
        Ok(Self(input))
    }

    /// The checked input.
    pub fn input(&self) -> &BreachInput {
        &self.0
    }
}

fn normalize_text(input: &mut BreachInput) -> Result<(), Invalid> {
    input.media_type = optional_line("media_type", input.media_type.as_deref(), 200)?;
    input.destruction_method = optional_block(
        "destruction_method",
        input.destruction_method.as_deref(),
        2000,
    )?;
    if let Some(ff) = input.four_factor.as_mut() {
        for (name, slot) in [
            ("four_factor.nature_extent", &mut ff.nature_extent),
            ("four_factor.recipient", &mut ff.recipient),
            ("four_factor.acquired_or_viewed", &mut ff.acquired_or_viewed),
            ("four_factor.mitigation", &mut ff.mitigation),
        ] {
            *slot = optional_block(name, slot.as_deref(), 20_000)?;
        }
    }
    Ok(())
}

fn check_dates(input: &BreachInput, today: Date) -> Result<(), Invalid> {
    let discovered = input.discovered;
    if discovered > today {
        return Err(Invalid::new(
            "discovered",
            format!(
                "is after today ({}): a breach cannot be discovered in the future",
                dates::format(today)
            ),
        ));
    }
    if input.occurred.is_some() && (input.occurred_from.is_some() || input.occurred_to.is_some()) {
        return Err(Invalid::new(
            "occurred",
            "give either occurred or occurred_from/occurred_to, not both",
        ));
    }
    if let (Some(from), Some(to)) = (input.occurred_from, input.occurred_to)
        && from > to
    {
        return Err(Invalid::new("occurred_to", "is before occurred_from"));
    }
    for (name, d) in [
        ("occurred", input.occurred),
        ("occurred_from", input.occurred_from),
    ] {
        if d.is_some_and(|d| d > discovered) {
            return Err(Invalid::new(
                "discovered",
                format!("is before {name}: a breach cannot be discovered before it happens"),
            ));
        }
    }
    if input.occurred_to.is_some_and(|d| d > discovered) {
        return Err(Invalid::new(
            "occurred_to",
            "is after discovered: a breach cannot be discovered before it happens",
        ));
    }
    // 164.400: the latest day the breach may have happened decides whether subpart D applies.
    let (name, latest) = match (input.occurred, input.occurred_to) {
        (Some(d), _) => ("occurred", d),
        (None, Some(d)) => ("occurred_to", d),
        (None, None) => ("discovered", discovered),
    };
    if latest < dates::RULE_APPLIES_FROM {
        return Err(Invalid::new(
            name,
            "is before 2009-09-23: subpart D applies only to breaches occurring on or after \
             that day (164.400)",
        ));
    }
    if let Some(le) = &input.law_enforcement_delay {
        if le.requested > today {
            return Err(Invalid::new(
                "law_enforcement_delay.requested",
                "is after today: record a statement once it has been made",
            ));
        }
        if le.requested < discovered {
            return Err(Invalid::new(
                "law_enforcement_delay.requested",
                "is before discovered: a statement about notifying of a breach follows its \
                 discovery",
            ));
        }
        if le.kind == DelayKind::Written && le.days_requested.is_none() {
            return Err(Invalid::new(
                "law_enforcement_delay.days_requested",
                "is required for a written statement: 164.412(a) applies to a written statement \
                 that specifies the time of the delay",
            ));
        }
    }
    Ok(())
}

fn check_counts(input: &mut BreachInput) -> Result<(), Invalid> {
    input.states.sort_unstable_by_key(|(c, _)| *c);
    if let Some(w) = input.states.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(Invalid::new(
            format!("states.{}", w[0].0),
            "appears more than once",
        ));
    }
    let sum = input
        .states
        .iter()
        .try_fold(0u64, |acc, (_, n)| acc.checked_add(*n))
        .ok_or_else(|| Invalid::new("states", "the counts add up to more than 2^64"))?;
    if let Some(total) = input.individuals {
        if sum > total {
            return Err(Invalid::new(
                "states",
                "the residents per State add up to more than individuals",
            ));
        }
        if input.insufficient_contact_info.is_some_and(|n| n > total) {
            return Err(Invalid::new(
                "insufficient_contact_info",
                "is more than individuals",
            ));
        }
    }
    Ok(())
}

//! The Breach Notification Rule's deadlines and thresholds as typed data (45 CFR 164.400-414),
//! for the incident features to compute with.

use serde::{Deserialize, Serialize};

/// Deadlines and thresholds, each with its citation. Every table of the data file is read;
/// an unknown key is an error, so nothing the data holds is silently dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreachParameters {
    /// When a breach is treated as discovered (164.404(a)(2), 164.410(a)(2)).
    pub discovery: Discovery,
    /// The three exclusions from the definition of breach (164.402).
    pub breach_exclusions: Exclusions,
    /// The four-factor risk assessment and the presumption of breach (164.402).
    pub risk_assessment: RiskAssessment,
    /// Notice to individuals (164.404(b)).
    pub individual_notice: DaysAfterDiscovery,
    /// Notice to the media (164.406).
    pub media_notice: MediaNotice,
    /// Notice to the Secretary, 500 or more (164.408(b)).
    pub secretary_notice_large: SecretaryLarge,
    /// Notice to the Secretary, fewer than 500 (164.408(c)).
    pub secretary_notice_small: SecretarySmall,
    /// Notice by a business associate to the covered entity (164.410(b)).
    pub business_associate_notice: DaysAfterDiscovery,
    /// Substitute notice (164.404(d)(2)).
    pub substitute_notice: SubstituteNotice,
    /// Law enforcement delay (164.412).
    pub law_enforcement_delay: LawEnforcementDelay,
    /// Documentation retention (164.530(j)(2) via 164.414(a)).
    pub documentation_retention: Retention,
    /// Applicability (164.400).
    pub applicability: Applicability,
}

/// A deadline counted in calendar days from discovery.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaysAfterDiscovery {
    /// Where it comes from.
    pub citation: String,
    /// At the latest, this many calendar days after discovery.
    pub max_calendar_days_after_discovery: u32,
}

/// Media notice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaNotice {
    /// Where it comes from.
    pub citation: String,
    /// Required when more than this many residents of one State or jurisdiction are affected.
    pub threshold_residents_of_one_state_more_than: u32,
    /// At the latest, this many calendar days after discovery.
    pub max_calendar_days_after_discovery: u32,
}

/// Notice to the Secretary for large breaches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretaryLarge {
    /// Where it comes from.
    pub citation: String,
    /// Applies at or above this many individuals.
    pub threshold_individuals_at_least: u32,
    /// When.
    pub timing: String,
    /// The notice whose deadline it shares (`individual_notice`).
    pub same_deadline_as: String,
}

/// Notice to the Secretary for small breaches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretarySmall {
    /// Where it comes from.
    pub citation: String,
    /// Applies below this many individuals.
    pub threshold_individuals_less_than: u32,
    /// At the latest, this many days after the end of the calendar year of discovery.
    pub max_days_after_calendar_year_end: u32,
    /// Whether a log (or other documentation) of these breaches must be kept.
    pub log_required: bool,
}

/// Substitute notice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubstituteNotice {
    /// Where it comes from.
    pub citation: String,
    /// Fewer than this many with out-of-date contact details: alternative notice.
    pub small_group_less_than: u32,
    /// Web posting length, in days.
    pub web_posting_days: u32,
    /// Toll-free number kept active at least this many days.
    pub toll_free_number_days: u32,
}

/// Law enforcement delay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LawEnforcementDelay {
    /// Where it comes from.
    pub citation: String,
    /// Where the written statement's rule comes from.
    pub written_statement_citation: String,
    /// An oral statement delays notice at most this many days.
    pub oral_statement_max_days: u32,
}

/// Retention.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Where it comes from.
    pub citation: String,
    /// Years.
    pub years: u32,
    /// From when the years count.
    pub from: String,
}

/// Applicability.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicability {
    /// Where it comes from.
    pub citation: String,
    /// Breaches on or after this date.
    pub breaches_on_or_after: String,
}

/// When a breach counts as discovered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discovery {
    /// The covered entity's rule.
    pub citation: String,
    /// The business associate's rule.
    pub business_associate_citation: String,
    /// The rule, in short.
    pub rule: String,
}

/// The exclusions from the definition of breach.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusions {
    /// Where they come from.
    pub citation: String,
    /// Each exclusion's citation.
    pub refs: Vec<String>,
    /// Each exclusion, in short (same order).
    pub names: Vec<String>,
}

/// The risk assessment that can rebut the presumption of breach.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskAssessment {
    /// Where it comes from.
    pub citation: String,
    /// The presumption.
    pub presumption: String,
    /// The factors, at least these.
    pub factors: Vec<String>,
    /// Each factor's citation (same order).
    pub factor_refs: Vec<String>,
}

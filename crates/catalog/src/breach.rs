//! The Breach Notification Rule's deadlines and thresholds as typed data (45 CFR 164.400-414),
//! for the incident features to compute with.

use serde::{Deserialize, Serialize};

/// Deadlines and thresholds, each with its citation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreachParameters {
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
pub struct DaysAfterDiscovery {
    /// Where it comes from.
    pub citation: String,
    /// At the latest, this many calendar days after discovery.
    pub max_calendar_days_after_discovery: u32,
}

/// Media notice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct SecretaryLarge {
    /// Where it comes from.
    pub citation: String,
    /// Applies at or above this many individuals.
    pub threshold_individuals_at_least: u32,
    /// When.
    pub timing: String,
}

/// Notice to the Secretary for small breaches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretarySmall {
    /// Where it comes from.
    pub citation: String,
    /// Applies below this many individuals.
    pub threshold_individuals_less_than: u32,
    /// At the latest, this many days after the end of the calendar year of discovery.
    pub max_days_after_calendar_year_end: u32,
}

/// Substitute notice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct LawEnforcementDelay {
    /// Where it comes from.
    pub citation: String,
    /// An oral statement delays notice at most this many days.
    pub oral_statement_max_days: u32,
}

/// Retention.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    /// Where it comes from.
    pub citation: String,
    /// Years.
    pub years: u32,
}

/// Applicability.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicability {
    /// Where it comes from.
    pub citation: String,
    /// Breaches on or after this date.
    pub breaches_on_or_after: String,
}

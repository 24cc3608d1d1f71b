//! The determination: breach or not, why, every deadline, and what to keep.

use serde::Serialize;
use time::Date;

use super::dates::ymd;
use super::state::StateCode;

/// How the Secretary of HHS is told (164.408).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HhsNotice {
    /// 500 or more individuals: at the same time as the individuals (164.408(b)).
    WithIndividualNotice,
    /// Fewer than 500: in the yearly report of the breach log (164.408(c)).
    AnnualLog,
}

/// The substitute notice owed to individuals who cannot be reached in writing (164.404(d)(2)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubstituteNotice {
    /// 10 or more: a conspicuous home-page posting for 90 days or major print or broadcast
    /// media, plus a toll-free number active at least 90 days (164.404(d)(2)(ii)).
    WebOrMediaAndTollFree,
    /// Fewer than 10: an alternative written notice, telephone or other means
    /// (164.404(d)(2)(i)).
    Alternative,
}

/// What the engine concluded about one case. Dates are written `YYYY-MM-DD`; each is the outer
/// limit, and every notice is still owed "without unreasonable delay" before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Determination {
    /// Whether this is a breach of unsecured PHI that subpart D requires notice of.
    pub is_breach: bool,
    /// Why, step by step, each step citing its provision.
    pub basis: String,
    /// The provisions the basis relies on, in the order it uses them.
    pub citations: Vec<&'static str>,
    /// The last day to notify individuals (164.404(b)); also the media's (164.406(b)).
    #[serde(serialize_with = "ymd::option")]
    pub individuals_by: Option<Date>,
    /// How the Secretary is told.
    pub hhs: Option<HhsNotice>,
    /// The last day to tell the Secretary.
    #[serde(serialize_with = "ymd::option")]
    pub hhs_by: Option<Date>,
    /// Whether prominent media outlets must be notified (164.406).
    pub media: bool,
    /// The States and jurisdictions with more than 500 affected residents, by code.
    pub media_states: Vec<StateCode>,
    /// The last day for the business associate to tell the covered entity (164.410(b)).
    #[serde(serialize_with = "ymd::option")]
    pub ba_to_ce_by: Option<Date>,
    /// The substitute notice owed, if any.
    pub substitute_notice: Option<SubstituteNotice>,
    /// The days of law-enforcement delay allowed (164.412), counted from the statement.
    pub delay_days_allowed: Option<u64>,
    /// What must be kept to carry the burden of proof (164.414(b)), six years (164.530(j)(2)).
    pub documentation_required: Vec<&'static str>,
}

//! The review rules: their names (a stable contract: they are the `rule` column of the alerts
//! file), what each looks for in plain words, the provision each serves, and their parameters.

use std::fmt;

use serde::Deserialize;

/// Information system activity review.
pub const ACTIVITY_REVIEW: &str = "45 CFR 164.308(a)(1)(ii)(D)";
/// Audit controls.
pub const AUDIT_CONTROLS: &str = "45 CFR 164.312(b)";
/// Log-in monitoring.
pub const LOGIN_MONITORING: &str = "45 CFR 164.308(a)(5)(ii)(C)";

/// A review rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// A user opened their own record.
    SelfAccess,
    /// A user opened a family or household member's record.
    Family,
    /// A user opened the record of a co-worker in their department.
    Coworker,
    /// A VIP or confidential patient's record opened without a care relationship.
    Vip,
    /// Another patient's record opened without a care relationship.
    NoCareRelationship,
    /// Access outside the hours of a department not staffed around the clock.
    AfterHours,
    /// Activity on an account after its owner's termination date.
    TerminatedUser,
    /// A user-day with far more distinct patients than the user's peers.
    VolumeOutlier,
    /// An emergency ("break-the-glass") access.
    BreakGlass,
    /// Repeated failed log-ins on one account.
    FailedLogins,
    /// A deceased patient's record opened after the date of death.
    DeceasedPatient,
}

impl Rule {
    /// Every rule, in the order alerts of one event are written.
    pub const ALL: [Self; 11] = [
        Self::SelfAccess,
        Self::Family,
        Self::Coworker,
        Self::Vip,
        Self::NoCareRelationship,
        Self::AfterHours,
        Self::TerminatedUser,
        Self::VolumeOutlier,
        Self::BreakGlass,
        Self::FailedLogins,
        Self::DeceasedPatient,
    ];

    /// The name in the `rule` column.
    pub fn name(self) -> &'static str {
        match self {
            Self::SelfAccess => "self_access",
            Self::Family => "family",
            Self::Coworker => "coworker",
            Self::Vip => "vip",
            Self::NoCareRelationship => "no_care_relationship",
            Self::AfterHours => "after_hours",
            Self::TerminatedUser => "terminated_user",
            Self::VolumeOutlier => "volume_outlier",
            Self::BreakGlass => "break_glass",
            Self::FailedLogins => "failed_logins",
            Self::DeceasedPatient => "deceased_patient",
        }
    }

    /// The rule of a name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Position in [`Rule::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The provisions of 45 CFR Part 164 the rule serves.
    pub fn citations(self) -> &'static [&'static str] {
        match self {
            Self::FailedLogins => &[LOGIN_MONITORING, AUDIT_CONTROLS],
            _ => &[ACTIVITY_REVIEW, AUDIT_CONTROLS],
        }
    }

    /// What the rule looks for, in plain words, with the parameters in force.
    pub fn explain(self, p: &RuleParams) -> String {
        let w = &p.care_window;
        match self {
            Self::SelfAccess => {
                "A user opened a patient record that matches their own name and date of \
                 birth in the workforce list."
                    .to_owned()
            }
            Self::Family => {
                "A user opened the record of a patient with their last name who lives at \
                 their home address (a family or household member)."
                    .to_owned()
            }
            Self::Coworker => {
                "A user opened the record of a patient who is a workforce member of the \
                 same department (matched by name and date of birth)."
                    .to_owned()
            }
            Self::Vip => format!(
                "A patient flagged VIP or confidential was opened by a department with no \
                 encounter for that patient from {} days before to {} days after the access day \
                 (any department's encounter counts for business departments).",
                w.days_before, w.days_after
            ),
            Self::NoCareRelationship => format!(
                "A patient was opened by a department with no encounter for that patient from {} \
                 days before to {} days after the access day (any department's encounter counts \
                 for business departments such as billing).",
                w.days_before, w.days_after
            ),
            Self::AfterHours => format!(
                "Access before {:02}:00 or from {:02}:00{} in a department that is not staffed \
                 around the clock.",
                p.after_hours.opens,
                p.after_hours.closes,
                if p.after_hours.weekends {
                    ", or on a Saturday or Sunday,"
                } else {
                    ""
                }
            ),
            Self::TerminatedUser => {
                "Activity on an account after the day its owner's employment ended \
                 (terminated in the workforce list)."
                    .to_owned()
            }
            Self::VolumeOutlier => format!(
                "A user opened at least {} distinct patients in one day, more than {} standard \
                 deviations above the mean of the user-days of the same role and department.",
                p.volume.min_patients, p.volume.deviations
            ),
            Self::BreakGlass => {
                "Every emergency (break-the-glass) access, for review after the fact.".to_owned()
            }
            Self::FailedLogins => format!(
                "At least {} failed log-ins on one account within {} minutes{}.",
                p.failed_logins.attempts,
                p.failed_logins.minutes,
                if p.failed_logins.any_failure {
                    " (any failed action counts)"
                } else {
                    ""
                }
            ),
            Self::DeceasedPatient => format!(
                "A deceased patient's record opened more than {} days after the date of death.",
                p.deceased.grace_days
            ),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSet(u16);

impl RuleSet {
    /// Every rule.
    pub fn all() -> Self {
        Self((1 << Rule::ALL.len()) - 1)
    }

    /// No rule.
    pub fn none() -> Self {
        Self(0)
    }

    /// Whether `r` is in the set.
    #[inline]
    pub fn has(self, r: Rule) -> bool {
        self.0 & (1 << r.index()) != 0
    }

    /// The set with `r` added.
    #[must_use]
    pub fn with(self, r: Rule) -> Self {
        Self(self.0 | 1 << r.index())
    }

    /// Parses `self_access,vip,...`; the error names the first unknown rule.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut set = Self::none();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let r = Rule::from_name(name).ok_or_else(|| {
                let known: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
                format!("unknown rule {name:?} (known: {})", known.join(", "))
            })?;
            set = set.with(r);
        }
        if set == Self::none() {
            return Err("no rule named".to_owned());
        }
        Ok(set)
    }

    /// The rules in the set.
    pub fn iter(self) -> impl Iterator<Item = Rule> {
        Rule::ALL.into_iter().filter(move |r| self.has(*r))
    }
}

/// The parameters of the rules (a `[rules]` table in a mapping file).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleParams {
    /// `vip` and `no_care_relationship`.
    pub care_window: CareWindow,
    /// `after_hours`.
    pub after_hours: AfterHours,
    /// `volume_outlier`.
    pub volume: Volume,
    /// `failed_logins`.
    pub failed_logins: FailedLogins,
    /// `deceased_patient`.
    pub deceased: Deceased,
}

/// Which encounters explain an access: those from `days_before` the access day to `days_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CareWindow {
    /// Days before the access day (30).
    pub days_before: u16,
    /// Days after (1: chart preparation the day before a visit).
    pub days_after: u16,
}

impl Default for CareWindow {
    fn default() -> Self {
        Self {
            days_before: 30,
            days_after: 1,
        }
    }
}

/// Office hours of departments not staffed around the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AfterHours {
    /// The hour the day starts (6).
    pub opens: u8,
    /// The hour from which it is after hours (20).
    pub closes: u8,
    /// Whether Saturdays and Sundays are after hours all day (true).
    pub weekends: bool,
}

impl Default for AfterHours {
    fn default() -> Self {
        Self {
            opens: 6,
            closes: 20,
            weekends: true,
        }
    }
}

/// How far above the peer group a user-day must be.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Volume {
    /// Distinct patients a day below which no user-day is an outlier (60).
    pub min_patients: u32,
    /// Sample standard deviations above the peer mean (4).
    pub deviations: f64,
}

impl Default for Volume {
    fn default() -> Self {
        Self {
            min_patients: 60,
            deviations: 4.0,
        }
    }
}

/// Repeated failed log-ins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FailedLogins {
    /// Failures that make an alert (5).
    pub attempts: u32,
    /// Within this many minutes (15).
    pub minutes: u32,
    /// Count every failed event, not only log-ins (false).
    pub any_failure: bool,
}

impl Default for FailedLogins {
    fn default() -> Self {
        Self {
            attempts: 5,
            minutes: 15,
            any_failure: false,
        }
    }
}

/// Access to deceased patients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Deceased {
    /// Days after the date of death during which access is expected (0).
    pub grace_days: u16,
}

impl RuleParams {
    /// Checks the parameters make sense.
    pub fn validate(&self) -> Result<(), String> {
        let h = &self.after_hours;
        if h.opens > 23 || h.closes > 24 || h.opens > h.closes {
            return Err("after_hours: opens and closes must be hours with opens <= closes".into());
        }
        if !self.volume.deviations.is_finite() || self.volume.deviations < 0.0 {
            return Err("volume: deviations must be a number >= 0".into());
        }
        if self.failed_logins.attempts == 0 {
            return Err("failed_logins: attempts must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_round_trip_and_lists_name_unknown_rules() {
        for r in Rule::ALL {
            assert_eq!(Rule::from_name(r.name()), Some(r));
            assert!(!r.explain(&RuleParams::default()).is_empty());
        }
        let s = RuleSet::parse("vip, break_glass").unwrap_or(RuleSet::none());
        assert_eq!(s.iter().collect::<Vec<_>>(), [Rule::Vip, Rule::BreakGlass]);
        let e = RuleSet::parse("vip,snooping").err().unwrap_or_default();
        assert!(e.starts_with("unknown rule \"snooping\""), "{e}");
        assert_eq!(RuleSet::all().iter().count(), 11);
        assert_eq!(Rule::FailedLogins.citations()[0], LOGIN_MONITORING);
    }
}

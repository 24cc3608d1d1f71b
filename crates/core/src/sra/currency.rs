//! How current an organization's risk analysis is. The 12-month cycle is a Safeharbor default
//! (`sra_valid_months`), not a term of the rule: 164.308(a)(1)(ii)(A) asks for an accurate and
//! thorough assessment and 164.316(b)(2)(iii) for periodic review and update, without a fixed
//! period. Twelve months is in line with good practice and with what the 2025 proposed rule
//! would require; an installation can set another period.

use serde::Serialize;
use time::{Date, Duration, Month, OffsetDateTime};

/// How current an organization's risk analysis is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Currency {
    /// Never finalized.
    Missing,
    /// Current until the date.
    Current {
        /// Last day it is current.
        until: Date,
    },
    /// Current, expiring within [`DUE_SOON_DAYS`].
    DueSoon {
        /// Last day it is current.
        until: Date,
    },
    /// Older than the installation's currency period.
    Overdue {
        /// The day it stopped being current.
        since: Date,
    },
    /// An asset change marked significant came after it.
    Invalidated {
        /// The day of the change.
        since: Date,
    },
    /// The latest analysis was finalized before Safeharbor checked that a risk analysis is
    /// complete (no inventory, risks or plan were required then): a new analysis is needed.
    Unchecked {
        /// When it was finalized.
        finalized: Date,
    },
}

/// Days before expiry an analysis is "due soon".
pub const DUE_SOON_DAYS: i64 = 60;

/// The day `months` calendar months after `d` (the last day of a shorter month when the day
/// does not exist there).
pub fn add_months(d: Date, months: u32) -> Date {
    let total = i64::from(d.year()) * 12 + i64::from(u8::from(d.month()) - 1) + i64::from(months);
    let year = i32::try_from(total.div_euclid(12)).unwrap_or(i32::MAX);
    let month = Month::try_from(u8::try_from(total.rem_euclid(12) + 1).unwrap_or(1))
        .unwrap_or(Month::January);
    let last = month.length(year);
    Date::from_calendar_date(year, month, d.day().min(last)).unwrap_or(d)
}

impl Currency {
    /// From the latest finalization (and whether it passed the completeness checks) and
    /// invalidation, on `today`, for an analysis current for `valid_months`.
    pub fn of(
        finalized: Option<(OffsetDateTime, bool)>,
        invalidated: Option<OffsetDateTime>,
        today: Date,
        valid_months: u32,
    ) -> Self {
        let Some((f, checked)) = finalized else {
            return Self::Missing;
        };
        if !checked {
            return Self::Unchecked {
                finalized: f.date(),
            };
        }
        if let Some(i) = invalidated.filter(|i| *i > f) {
            return Self::Invalidated { since: i.date() };
        }
        let until = add_months(f.date(), valid_months) - Duration::days(1);
        if today > until {
            Self::Overdue {
                since: until + Duration::days(1),
            }
        } else if today + Duration::days(DUE_SOON_DAYS) > until {
            Self::DueSoon { until }
        } else {
            Self::Current { until }
        }
    }

    /// Wire form of the state.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Current { .. } => "current",
            Self::DueSoon { .. } => "due_soon",
            Self::Overdue { .. } => "overdue",
            Self::Invalidated { .. } => "invalidated",
            Self::Unchecked { .. } => "unchecked",
        }
    }

    /// Whether the organization has a risk analysis it can rely on today.
    pub const fn is_current(self) -> bool {
        matches!(self, Self::Current { .. } | Self::DueSoon { .. })
    }

    /// A short label for people.
    pub fn label(self) -> String {
        match self {
            Self::Missing => "No finalized risk analysis".into(),
            Self::Current { until } => format!("Current until {until}"),
            Self::DueSoon { until } => format!("Due soon: current until {until}"),
            Self::Overdue { since } => format!("Overdue since {since}"),
            Self::Invalidated { since } => format!("Out of date: significant change on {since}"),
            Self::Unchecked { finalized } => format!(
                "New analysis needed: the one finalized {finalized} predates the completeness checks"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn currency_follows_the_period_and_significant_changes() {
        let f = Some((datetime!(2025-12-01 10:00 UTC), true));
        assert_eq!(
            Currency::of(None, None, date!(2026 - 01 - 01), 12),
            Currency::Missing
        );
        assert_eq!(
            Currency::of(f, None, date!(2026 - 06 - 01), 12),
            Currency::Current {
                until: date!(2026 - 11 - 30)
            }
        );
        assert_eq!(
            Currency::of(f, None, date!(2026 - 11 - 01), 12),
            Currency::DueSoon {
                until: date!(2026 - 11 - 30)
            }
        );
        assert_eq!(
            Currency::of(f, None, date!(2026 - 12 - 01), 12),
            Currency::Overdue {
                since: date!(2026 - 12 - 01)
            }
        );
        // Another installation's period.
        assert_eq!(
            Currency::of(f, None, date!(2026 - 07 - 01), 6),
            Currency::Overdue {
                since: date!(2026 - 06 - 01)
            }
        );
        assert_eq!(
            Currency::of(
                f,
                Some(datetime!(2026-02-01 09:00 UTC)),
                date!(2026 - 03 - 01),
                12
            ),
            Currency::Invalidated {
                since: date!(2026 - 02 - 01)
            }
        );
        // A change before the finalization does not count against it.
        assert_eq!(
            Currency::of(
                f,
                Some(datetime!(2025-11-01 09:00 UTC)),
                date!(2026 - 03 - 01),
                12
            )
            .as_str(),
            "current"
        );
    }

    #[test]
    fn an_analysis_finalized_before_the_checks_is_never_current() {
        let old = Some((datetime!(2026-11-01 10:00 UTC), false));
        let c = Currency::of(old, None, date!(2026 - 11 - 02), 12);
        assert_eq!(c.as_str(), "unchecked");
        assert!(!c.is_current());
        assert!(c.label().contains("New analysis needed"));
    }

    #[test]
    fn months_are_added_on_the_calendar() {
        assert_eq!(add_months(date!(2024 - 02 - 29), 12), date!(2025 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 11 - 15), 3), date!(2027 - 02 - 15));
    }
}

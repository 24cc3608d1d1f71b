//! Calendar dates as the breach contract writes them (`YYYY-MM-DD`), and the calendar-day
//! arithmetic of subpart D.

use std::fmt::Write as _;

use serde::Serializer;
use time::{Date, Duration, Month};

use crate::Invalid;

/// 164.400: subpart D applies to breaches occurring on or after this day.
pub const RULE_APPLIES_FROM: Date = time::macros::date!(2009 - 09 - 23);

/// Reads `YYYY-MM-DD` exactly: four-digit year, two-digit month and day, a real calendar date.
pub fn parse(field: &str, text: &str) -> Result<Date, Invalid> {
    let bad = || Invalid::new(field, "must be a calendar date written YYYY-MM-DD");
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return Err(bad());
    }
    let number = |r: std::ops::Range<usize>| -> Option<u16> {
        bytes[r].iter().try_fold(0u16, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u16::from(c - b'0'))
        })
    };
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return Err(bad());
    };
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(bad)?;
    let day = u8::try_from(day).map_err(|_| bad())?;
    Date::from_calendar_date(i32::from(year), month, day).map_err(|_| bad())
}

/// Appends `d` as `YYYY-MM-DD`.
pub fn push(out: &mut String, d: Date) {
    let (y, m, day) = d.to_calendar_date();
    // Writing to a String cannot fail.
    let _ = write!(out, "{y:04}-{:02}-{day:02}", u8::from(m));
}

/// `d` as `YYYY-MM-DD`.
pub fn format(d: Date) -> String {
    let mut s = String::with_capacity(10);
    push(&mut s, d);
    s
}

/// The day `days` calendar days after `d` (the day of `d` itself is day 0), held at the last
/// representable date rather than overflowing.
pub fn after(d: Date, days: u64) -> Date {
    // More days than the whole range of `Date` spans all saturate alike; capping first keeps
    // the duration itself from overflowing.
    let days = i64::try_from(days.min(10_000_000)).unwrap_or(10_000_000);
    d.saturating_add(Duration::days(days))
}

/// 164.408(c): 60 days after the end of the calendar year `d` falls in: March 1 of the next
/// year, or February 29 when the next year is a leap year.
pub fn sixty_days_after_year_end(d: Date) -> Date {
    let year_end = Date::from_calendar_date(d.year(), Month::December, 31).unwrap_or(d);
    after(year_end, 60)
}

/// Serde helpers writing dates as `YYYY-MM-DD`.
pub mod ymd {
    use super::{Date, Serializer};

    /// Writes a date.
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "serde's `with` passes the field by reference"
    )]
    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format(*d))
    }

    /// Writes an optional date (`null` when absent).
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        clippy::ref_option,
        reason = "serde's `serialize_with` passes the field by reference"
    )]
    pub fn option<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&super::format(*d)),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn dates_are_read_only_in_the_exact_contract_form() {
        assert_eq!(parse("d", "2026-03-02").unwrap(), date!(2026 - 03 - 02));
        assert_eq!(parse("d", "2028-02-29").unwrap(), date!(2028 - 02 - 29));
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-04-31",
            "2026-4-1",
            "26-04-01",
            "2026/04/01",
            "2026-04-01T00:00",
            " 2026-04-01",
            "+2026-04-01",
            "yesterday",
            "",
            "2026-0a-01",
            "20260401",
        ] {
            let e = parse("discovered", bad).unwrap_err();
            assert_eq!(e.field, "discovered", "{bad}");
        }
    }

    #[test]
    fn dates_are_written_with_padded_fields() {
        assert_eq!(format(date!(2026 - 01 - 05)), "2026-01-05");
        assert_eq!(format(date!(2031 - 12 - 31)), "2031-12-31");
    }

    #[test]
    fn the_annual_log_falls_on_march_first_or_february_29th_in_a_leap_year() {
        // 164.408(c): 60 days after December 31.
        assert_eq!(
            sixty_days_after_year_end(date!(2026 - 07 - 01)),
            date!(2027 - 03 - 01)
        );
        assert_eq!(
            sixty_days_after_year_end(date!(2027 - 01 - 01)),
            date!(2028 - 02 - 29)
        );
        assert_eq!(
            sixty_days_after_year_end(date!(2099 - 12 - 31)),
            date!(2100 - 03 - 01)
        );
        assert_eq!(
            sixty_days_after_year_end(date!(2399 - 06 - 30)),
            date!(2400 - 02 - 29)
        );
    }

    #[test]
    fn counting_days_never_overflows() {
        assert_eq!(after(Date::MAX, 60), Date::MAX);
        assert_eq!(after(date!(2026 - 01 - 01), u64::MAX), Date::MAX);
    }
}

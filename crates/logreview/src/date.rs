//! Days and times as the rules need them: a day is a count of days since 1970-01-01 and a time
//! is the wall-clock time the log wrote (the facility's local time), so that "after hours" and
//! "the access day" mean what the log's reader would take them to mean.
//!
//! Parsing is by hand rather than through the `time` crate: it runs once per event (tens of
//! millions of times) on a handful of fixed layouts, and a table-driven parser over bytes is
//! several times faster than a general one.

use std::cell::Cell;
use std::fmt;

/// A calendar day: days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i32);

impl Day {
    /// The day of a proleptic Gregorian date, or `None` for an impossible one.
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Self> {
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) || !(1..=9999).contains(&y) {
            return None;
        }
        // Howard Hinnant's days_from_civil, in signed arithmetic throughout.
        let (m, d) = (i32::try_from(m).ok()?, i32::try_from(d).ok()?);
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Self(era * 146_097 + doe - 719_468))
    }

    /// (year, month, day) of this day.
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        (
            yoe + era * 400 + i32::from(m <= 2),
            m.unsigned_abs(),
            d.unsigned_abs(),
        )
    }

    /// 0 for Monday through 6 for Sunday.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (3).
        (self.0 + 3).rem_euclid(7).unsigned_abs()
    }

    /// The day `n` days later (earlier for negative `n`).
    #[must_use]
    pub fn plus(self, n: i32) -> Self {
        Self(self.0.saturating_add(n))
    }
}

impl fmt::Display for Day {
    /// `YYYY-MM-DD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// A wall-clock time: its day and the second of that day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    /// The day.
    pub day: Day,
    /// Seconds since midnight, 0..86400.
    pub secs: u32,
}

impl Stamp {
    /// Seconds since 1970-01-01 00:00 of the same clock.
    pub fn epoch_seconds(self) -> i64 {
        i64::from(self.day.0) * 86_400 + i64::from(self.secs)
    }

    /// The hour, 0..24.
    pub fn hour(self) -> u32 {
        self.secs / 3600
    }

    /// `Sat 21:05`, the way the reference rules describe an after-hours time.
    pub fn weekday_hhmm(self) -> String {
        const NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let name = NAMES
            .get(self.day.weekday() as usize)
            .copied()
            .unwrap_or("?");
        format!("{name} {:02}:{:02}", self.secs / 3600, self.secs / 60 % 60)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Year,
    Month,
    Day,
    Hour24,
    Hour12,
    Minute,
    Second,
    /// Optional `.` or `,` and digits.
    Fraction,
    AmPm,
    /// Optional `Z`, `+hh:mm`, `+hhmm` or `+hh`: accepted, not applied (wall-clock time).
    Offset,
    /// `T` or a space.
    DateTimeSep,
    Literal(u8),
}

/// A compiled timestamp or date layout, strftime-like: `%Y %m %d %H %I %M %S %p`, `%f`
/// (optional fraction of a second), `%z` (optional UTC offset, accepted but not applied: times
/// are the wall clock as written), `%T` (`T` or a space) and literal characters. Months, days
/// and hours may have one digit or two.
#[derive(Debug, Clone)]
pub struct Layout {
    items: Vec<Item>,
    text: String,
    fast_iso: bool,
    fast_date: bool,
    /// The date part of the last `YYYY-MM-DD ...` parsed, and its day: logs come in time order,
    /// so most rows repeat the previous row's date.
    last: Cell<([u8; 10], Day)>,
}

impl PartialEq for Layout {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

/// The layout of gen.py's logs and of most database exports.
pub const DEFAULT_TIMESTAMP: &str = "%Y-%m-%d %H:%M:%S";
/// The layout of dates in the reference tables.
pub const DEFAULT_DATE: &str = "%Y-%m-%d";
/// FHIR `instant` and `dateTime`.
pub const RFC3339: &str = "%Y-%m-%d%T%H:%M:%S%f%z";

impl Layout {
    /// Compiles a layout; the error names the first directive it does not know.
    pub fn new(text: &str) -> Result<Self, String> {
        let mut items = Vec::new();
        let mut bytes = text.bytes();
        while let Some(b) = bytes.next() {
            if b != b'%' {
                items.push(Item::Literal(b));
                continue;
            }
            items.push(match bytes.next() {
                Some(b'Y') => Item::Year,
                Some(b'm') => Item::Month,
                Some(b'd') => Item::Day,
                Some(b'H') => Item::Hour24,
                Some(b'I') => Item::Hour12,
                Some(b'M') => Item::Minute,
                Some(b'S') => Item::Second,
                Some(b'f') => Item::Fraction,
                Some(b'p') => Item::AmPm,
                Some(b'z') => Item::Offset,
                Some(b'T') => Item::DateTimeSep,
                Some(b'%') => Item::Literal(b'%'),
                Some(other) => return Err(format!("unknown directive %{}", char::from(other))),
                None => return Err("a layout ends with a lone %".to_owned()),
            });
        }
        if !items.contains(&Item::Year) || !items.contains(&Item::Month) {
            return Err(format!("layout {text:?} has no %Y or no %m"));
        }
        Ok(Self {
            fast_iso: text == DEFAULT_TIMESTAMP,
            fast_date: text == DEFAULT_DATE,
            items,
            text: text.to_owned(),
            last: Cell::new(([0; 10], Day(0))),
        })
    }

    /// The layout as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Parses a timestamp (a bare date gives midnight).
    pub fn stamp(&self, s: &[u8]) -> Option<Stamp> {
        if self.fast_iso
            && let Some(t) = self.fast_iso(s)
        {
            return Some(t);
        }
        if self.fast_date
            && let Ok(b) = <&[u8; 10]>::try_from(s)
            && let Some(day) = iso_date(b)
        {
            return Some(Stamp { day, secs: 0 });
        }
        self.slow(s)
    }

    /// Parses a date (a time in the layout is read and dropped).
    pub fn day(&self, s: &[u8]) -> Option<Day> {
        self.stamp(s).map(|t| t.day)
    }

    fn slow(&self, s: &[u8]) -> Option<Stamp> {
        let s = s.trim_ascii();
        let (mut year, mut mo, mut mday, mut hour, mut mi, mut sec) =
            (0i32, 0u32, 1u32, 0u32, 0u32, 0u32);
        let mut pm: Option<bool> = None;
        let mut i = 0usize;
        for item in &self.items {
            match *item {
                Item::Year => year = i32::try_from(digits(s, &mut i, 4, 4)?).ok()?,
                Item::Month => mo = digits(s, &mut i, 1, 2)?,
                Item::Day => mday = digits(s, &mut i, 1, 2)?,
                Item::Hour24 | Item::Hour12 => hour = digits(s, &mut i, 1, 2)?,
                Item::Minute => mi = digits(s, &mut i, 2, 2)?,
                Item::Second => sec = digits(s, &mut i, 2, 2)?,
                Item::Fraction => {
                    if matches!(s.get(i), Some(b'.' | b',')) {
                        i += 1;
                        let start = i;
                        while s.get(i).is_some_and(u8::is_ascii_digit) {
                            i += 1;
                        }
                        if i == start {
                            return None;
                        }
                    }
                }
                Item::AmPm => {
                    pm = Some(match s.get(i..i + 2)? {
                        b"AM" | b"am" | b"Am" => false,
                        b"PM" | b"pm" | b"Pm" => true,
                        _ => return None,
                    });
                    i += 2;
                }
                Item::Offset => offset(s, &mut i)?,
                Item::DateTimeSep => match s.get(i)? {
                    b'T' | b't' | b' ' => i += 1,
                    _ => return None,
                },
                Item::Literal(b) => {
                    if *s.get(i)? != b {
                        return None;
                    }
                    i += 1;
                }
            }
        }
        if i != s.len() {
            return None;
        }
        if let Some(pm) = pm {
            if !(1..=12).contains(&hour) {
                return None;
            }
            hour = hour % 12 + if pm { 12 } else { 0 };
        }
        if hour > 23 || mi > 59 || sec > 60 {
            return None;
        }
        let day = Day::from_ymd(year, mo, mday)?;
        Some(Stamp {
            day,
            secs: hour * 3600 + mi * 60 + sec.min(59),
        })
    }
}

fn digits(s: &[u8], i: &mut usize, min: usize, max: usize) -> Option<u32> {
    let mut v = 0u32;
    let start = *i;
    while *i - start < max
        && let Some(b) = s.get(*i).filter(|b| b.is_ascii_digit())
    {
        v = v * 10 + u32::from(b - b'0');
        *i += 1;
    }
    (*i - start >= min).then_some(v)
}

fn offset(s: &[u8], i: &mut usize) -> Option<()> {
    match s.get(*i) {
        None => Some(()),
        Some(b'Z' | b'z') => {
            *i += 1;
            Some(())
        }
        Some(b'+' | b'-') => {
            *i += 1;
            digits(s, i, 2, 2)?;
            if s.get(*i) == Some(&b':') {
                *i += 1;
            }
            if *i < s.len() {
                digits(s, i, 2, 2)?;
            }
            Some(())
        }
        Some(_) => None,
    }
}

impl Layout {
    /// `YYYY-MM-DD HH:MM:SS` exactly: the layout of nearly every row, parsed without branching
    /// on the layout, the date only when it differs from the previous row's.
    #[inline]
    fn fast_iso(&self, s: &[u8]) -> Option<Stamp> {
        let b: &[u8; 19] = s.try_into().ok()?;
        if b[10] != b' ' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let n = |i: usize| -> Option<u32> {
            let (x, y) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
            (x < 10 && y < 10).then(|| u32::from(x) * 10 + u32::from(y))
        };
        let (h, mi, sec) = (n(11)?, n(14)?, n(17)?);
        if h > 23 || mi > 59 || sec > 59 {
            return None;
        }
        let date: [u8; 10] = s.get(..10)?.try_into().ok()?;
        let (last, day) = self.last.get();
        let day = if last == date {
            day
        } else {
            let day = iso_date(&date)?;
            self.last.set((date, day));
            day
        };
        Some(Stamp {
            day,
            secs: h * 3600 + mi * 60 + sec,
        })
    }
}

/// `YYYY-MM-DD`.
#[inline]
fn iso_date(b: &[u8; 10]) -> Option<Day> {
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let n = |i: usize| -> Option<u32> {
        let (x, y) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
        (x < 10 && y < 10).then(|| u32::from(x) * 10 + u32::from(y))
    };
    let y = n(0)? * 100 + n(2)?;
    Day::from_ymd(i32::try_from(y).ok()?, n(5)?, n(8)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_through_the_calendar() {
        for n in -800_000..800_000 {
            let d = Day(n);
            let (y, m, dd) = d.ymd();
            if (1..=9999).contains(&y) {
                assert_eq!(Day::from_ymd(y, m, dd), Some(d));
            }
        }
        assert_eq!(Day::from_ymd(1970, 1, 1), Some(Day(0)));
        assert_eq!(Day::from_ymd(2025, 1, 6).map(Day::weekday), Some(0));
        assert_eq!(Day::from_ymd(2024, 2, 30), None);
        assert_eq!(
            Day::from_ymd(2024, 2, 29).map(|d| d.to_string()).as_deref(),
            Some("2024-02-29")
        );
    }

    #[test]
    fn layouts_parse_the_common_export_formats() -> Result<(), String> {
        let iso = Layout::new(DEFAULT_TIMESTAMP)?;
        let t = iso.stamp(b"2025-01-11 21:05:09").ok_or("iso")?;
        assert_eq!(
            (t.day.to_string(), t.secs),
            ("2025-01-11".to_owned(), 21 * 3600 + 309)
        );
        assert_eq!(t.weekday_hhmm(), "Sat 21:05");
        assert!(iso.stamp(b"2025-01-11 24:05:09").is_none());
        assert!(iso.stamp(b"2025-13-11 10:05:09").is_none());
        assert!(iso.stamp(b"2025-01-11T10:05:09").is_none());
        let us = Layout::new("%m/%d/%Y %I:%M:%S %p")?;
        let t = us.stamp(b"1/6/2025 12:30:00 AM").ok_or("us")?;
        assert_eq!(
            (t.day.to_string(), t.secs),
            ("2025-01-06".to_owned(), 30 * 60)
        );
        let t = us.stamp(b"01/06/2025 1:30:00 PM").ok_or("us pm")?;
        assert_eq!(t.secs, 13 * 3600 + 30 * 60);
        let rfc = Layout::new(RFC3339)?;
        for s in [
            "2025-01-06T08:00:00Z",
            "2025-01-06T08:00:00.123+01:00",
            "2025-01-06 08:00:00",
        ] {
            let t = rfc.stamp(s.as_bytes()).ok_or(s)?;
            assert_eq!(t.secs, 8 * 3600, "{s}");
        }
        assert!(rfc.stamp(b"2025-01-06T08:00:00.+01:00").is_none());
        assert!(Layout::new("%Q").is_err());
        let date = Layout::new(DEFAULT_DATE)?;
        assert_eq!(
            date.day(b"2025-02-28").map(|d| d.to_string()).as_deref(),
            Some("2025-02-28")
        );
        assert_eq!(date.day(b"2025-02-29"), None);
        assert_eq!(
            date.day(b" 2025-02-28 ").map(|d| d.to_string()).as_deref(),
            Some("2025-02-28")
        );
        Ok(())
    }
}

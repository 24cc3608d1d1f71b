//! Imports of what an MSP's tools export: a device inventory from an RMM ([`devices`]), backup
//! job results ([`backups`]) and osquery results ([`osquery`]).
//!
//! Each parser is pure: bytes in, an [`ImportSummary`] out, with the structured records, the
//! [`Finding`]s (problems that become tasks) and the [`RowError`]s. Parsing goes on past a bad
//! row so that the user sees every bad row at once; the caller refuses the whole import while
//! `errors` is not empty. A file that is not what it claims to be is refused outright with
//! `Error::Invalid` on the field `file` (or `mapping`).
//!
//! Messages never repeat a cell's value (a cell may hold PHI): they name the line and the column
//! and say what to fix.

pub mod backups;
pub mod devices;
pub mod osquery;

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::error::{Error, Result};

/// A problem found in imported data, to become a task.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// The device (or host) it concerns, as the file names it. Device names are not PHI.
    pub device: String,
    /// Stable machine key of the rule, e.g. `device_unencrypted` or `backup_stale`.
    pub code: &'static str,
    /// A short sentence naming the device, usable as a task title.
    pub title: String,
    /// The rule, what was seen, what to do, and the regulation it comes from.
    pub detail: String,
}

/// A row (or entry) of an import that cannot be taken, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// Line in the file as the user sees it (the header is line 1); for JSON, the entry number.
    pub line: usize,
    /// The column (as the file names it) or part of the entry.
    pub field: String,
    /// What is wrong and what to fix. Never repeats the cell's value.
    pub message: String,
}

/// What a parser made of a file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportSummary<R> {
    /// The records read from good rows.
    pub records: Vec<R>,
    /// Problems found in the good rows.
    pub findings: Vec<Finding>,
    /// Rows that cannot be taken; when there are any, the caller refuses the import.
    pub errors: Vec<RowError>,
    /// Columns of the file that were not used.
    pub ignored_columns: Vec<String>,
}

impl<R> ImportSummary<R> {
    fn new(ignored_columns: Vec<String>) -> Self {
        Self {
            records: Vec::new(),
            findings: Vec::new(),
            errors: Vec::new(),
            ignored_columns,
        }
    }
}

/// The file as text: UTF-8, without a leading byte order mark.
fn text(data: &[u8]) -> Result<&str> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    std::str::from_utf8(data).map_err(|_| {
        Error::invalid(
            "file",
            "is not UTF-8 text; save it as \"CSV UTF-8\" (or plain UTF-8 JSON) and upload it again",
        )
    })
}

/// A header reduced for comparison: trimmed, lowercase, `-` and `_` read as spaces, runs of
/// spaces as one.
pub(crate) fn header_key(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    for word in header
        .trim()
        .trim_start_matches('\u{feff}')
        .split(|ch: char| ch.is_whitespace() || ch == '_' || ch == '-')
        .filter(|word| !word.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().map(|ch| ch.to_ascii_lowercase()));
    }
    out
}

/// Whether `value`, ignoring ASCII case and the separators ` _-./`, spells `compact` (given in
/// lowercase without separators). Allocates nothing.
fn loose_eq(value: &str, compact: &str) -> bool {
    let mut want = compact.bytes();
    for byte in value.bytes() {
        if matches!(byte, b' ' | b'_' | b'-' | b'.' | b'/' | b'\t') {
            continue;
        }
        if want.next() != Some(byte.to_ascii_lowercase()) {
            return false;
        }
    }
    want.next().is_none()
}

/// Whether `value` loosely spells one of the `|`-separated `words` (see [`loose_eq`]).
fn loose_in(value: &str, words: &str) -> bool {
    words.split('|').any(|word| loose_eq(value, word))
}

/// A cell that cannot be read as the column's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Unreadable;

/// Reads a yes/no cell. Empty, `unknown` and `n/a` are `None`.
fn parse_flag(cell: &str) -> std::result::Result<Option<bool>, Unreadable> {
    const YES: &str = "yes|y|true|t|1|on|enabled|encrypted|fullyencrypted|protected|protectionon";
    // BitLocker reports "Encryption in Progress" until the volume is done: not yet protected.
    const NO: &str = "no|n|false|f|0|off|disabled|notencrypted|unencrypted|decrypted|\
        fullydecrypted|encryptioninprogress|decryptioninprogress|unprotected|notprotected|\
        protectionoff|none";
    if loose_in(cell, "|unknown|na|notapplicable") {
        Ok(None)
    } else if loose_in(cell, YES) {
        Ok(Some(true))
    } else if loose_in(cell, NO) {
        Ok(Some(false))
    } else {
        Err(Unreadable)
    }
}

/// A point in time as a file wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stamp {
    /// A calendar date without a time.
    Day(Date),
    /// A date and time without an offset.
    Local(PrimitiveDateTime),
    /// A date and time at a known offset.
    Zoned(OffsetDateTime),
}

impl Stamp {
    /// The instant, reading a time without offset as UTC and a bare date as its first moment
    /// (the earliest it can mean, so freshness rules err towards a finding).
    fn instant(self) -> OffsetDateTime {
        match self {
            Self::Day(day) => day.midnight().assume_utc(),
            Self::Local(local) => local.assume_utc(),
            Self::Zoned(zoned) => zoned.to_offset(UtcOffset::UTC),
        }
    }

    /// The calendar date: as written, or in UTC for a time with an offset.
    fn date(self) -> Date {
        match self {
            Self::Day(day) => day,
            Self::Local(local) => local.date(),
            Self::Zoned(zoned) => zoned.to_offset(UtcOffset::UTC).date(),
        }
    }
}

/// Reads a date or date-time cell; empty is `None`. Accepted: `YYYY-MM-DD`;
/// `YYYY-MM-DD HH:MM[:SS[.fff]]`; ISO 8601 with `T`, and `Z`, `UTC` or an offset (`+02:00`,
/// `-0500`); `M/D/YYYY` (US order, as RMM tools export) optionally followed by a time with or
/// without `AM`/`PM`; and Unix time in seconds (9 to 11 digits) or milliseconds (12 or 13
/// digits), as RMM APIs return it.
fn parse_stamp(cell: &str) -> std::result::Result<Option<Stamp>, Unreadable> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    let mut cursor = Cursor::new(cell);
    let stamp = if cell
        .bytes()
        .all(|byte| byte.is_ascii_digit() || byte == b'.')
    {
        unix_stamp(cell)
    } else if cell.as_bytes().get(4) == Some(&b'-') {
        cursor.iso()
    } else {
        cursor.us()
    };
    stamp.map(Some).ok_or(Unreadable)
}

fn unix_stamp(cell: &str) -> Option<Stamp> {
    let (whole, fraction) = cell.split_once('.').unwrap_or((cell, ""));
    if !(9..=13).contains(&whole.len()) || fraction.contains('.') {
        return None;
    }
    let number: i64 = whole.parse().ok()?;
    let seconds = if whole.len() >= 12 {
        number / 1000
    } else {
        number
    };
    OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .map(Stamp::Zoned)
}

/// A reader over the bytes of one date cell.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(cell: &'a str) -> Self {
        Self {
            bytes: cell.as_bytes(),
            at: 0,
        }
    }

    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn spaces(&mut self) -> bool {
        let start = self.at;
        while self.peek() == Some(b' ') {
            self.at += 1;
        }
        self.at > start
    }

    /// Between `min` and `max` ASCII digits as a number.
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let mut value = 0_u32;
        let mut count = 0;
        while count < max {
            let Some(byte) = self.peek().filter(u8::is_ascii_digit) else {
                break;
            };
            value = value * 10 + u32::from(byte - b'0');
            count += 1;
            self.at += 1;
        }
        (count >= min).then_some(value)
    }

    /// Eats `word` ignoring ASCII case.
    fn word(&mut self, word: &str) -> bool {
        let end = self.at + word.len();
        let hit = self
            .bytes
            .get(self.at..end)
            .is_some_and(|found| found.eq_ignore_ascii_case(word.as_bytes()));
        if hit {
            self.at = end;
        }
        hit
    }

    fn iso(&mut self) -> Option<Stamp> {
        let year = i32::try_from(self.number(4, 4)?).ok()?;
        let month = self.eat(b'-').then(|| self.number(2, 2)).flatten()?;
        let day = self.eat(b'-').then(|| self.number(2, 2)).flatten()?;
        let date = calendar(year, month, day)?;
        if self.done() {
            return Some(Stamp::Day(date));
        }
        if !(self.eat(b'T') || self.eat(b't') || self.spaces()) {
            return None;
        }
        let time = self.clock()?;
        self.finish(date.with_time(time))
    }

    fn us(&mut self) -> Option<Stamp> {
        let month = self.number(1, 2)?;
        let day = self.eat(b'/').then(|| self.number(1, 2)).flatten()?;
        let year = self.eat(b'/').then(|| self.number(4, 4)).flatten()?;
        let date = calendar(i32::try_from(year).ok()?, month, day)?;
        if self.done() {
            return Some(Stamp::Day(date));
        }
        if !self.spaces() {
            return None;
        }
        let mut time = self.clock()?;
        self.spaces();
        let afternoon = if self.word("PM") {
            Some(true)
        } else if self.word("AM") {
            Some(false)
        } else {
            None
        };
        if let Some(afternoon) = afternoon {
            let hour = time.hour();
            if !(1..=12).contains(&hour) {
                return None;
            }
            let hour = match (hour, afternoon) {
                (12, false) => 0,
                (12, true) => 12,
                (hour, true) => hour + 12,
                (hour, false) => hour,
            };
            time = time.replace_hour(hour).ok()?;
        }
        self.finish(date.with_time(time))
    }

    /// `H[H]:MM[:SS[.fraction]]`.
    fn clock(&mut self) -> Option<Time> {
        let hour = self.number(1, 2)?;
        let minute = self.eat(b':').then(|| self.number(2, 2)).flatten()?;
        let second = if self.eat(b':') {
            self.number(2, 2)?
        } else {
            0
        };
        let mut nanos = 0_u32;
        if self.eat(b'.') || self.eat(b',') {
            let start = self.at;
            let digits = self.number(1, 9)?;
            let width = u32::try_from(self.at - start).ok()?;
            nanos = digits * 10_u32.pow(9 - width);
            // Finer digits than nanoseconds do not matter.
            while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
                self.at += 1;
            }
        }
        Time::from_hms_nano(
            u8::try_from(hour).ok()?,
            u8::try_from(minute).ok()?,
            u8::try_from(second).ok()?,
            nanos,
        )
        .ok()
    }

    /// The optional zone after a time (`Z`, `UTC`, `+HH[:MM]`, `-HHMM`), then the end.
    fn finish(&mut self, local: PrimitiveDateTime) -> Option<Stamp> {
        self.spaces();
        if self.done() {
            return Some(Stamp::Local(local));
        }
        let offset = if self.eat(b'Z') || self.eat(b'z') || self.word("UTC") || self.word("GMT") {
            UtcOffset::UTC
        } else {
            let sign: i8 = if self.eat(b'+') {
                1
            } else if self.eat(b'-') {
                -1
            } else {
                return None;
            };
            let hours = i8::try_from(self.number(2, 2)?).ok()?;
            self.eat(b':');
            let minutes = i8::try_from(self.number(0, 2)?).ok()?;
            UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()?
        };
        self.spaces();
        self.done()
            .then(|| Stamp::Zoned(local.assume_offset(offset)))
    }
}

fn calendar(year: i32, month: u32, day: u32) -> Option<Date> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

/// A CSV file being read: the reader past the header row, and the header names as written
/// (trimmed).
struct CsvFile<'a> {
    reader: csv::Reader<&'a [u8]>,
    headers: Vec<String>,
}

impl<'a> CsvFile<'a> {
    fn open(text: &'a str) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|_| Error::invalid("file", "is not a CSV file with a header row"))?
            .iter()
            .map(|header| header.trim().to_owned())
            .collect();
        if headers.iter().all(String::is_empty) {
            return Err(Error::invalid(
                "file",
                "is empty; export the list as CSV with a header row",
            ));
        }
        if let [only] = headers.as_slice()
            && (only.contains(';') || only.contains('\t'))
        {
            return Err(Error::invalid(
                "file",
                "is separated by semicolons or tabs; export it as comma-separated CSV",
            ));
        }
        Ok(Self { reader, headers })
    }

    /// The position of the header named `wanted` (compared as [`header_key`]s).
    fn find(&self, wanted: &str) -> Option<usize> {
        let wanted = header_key(wanted);
        self.headers
            .iter()
            .position(|header| header_key(header) == wanted)
    }

    /// Headers at positions not in `used`, for [`ImportSummary::ignored_columns`].
    fn unused(&self, used: &[usize]) -> Vec<String> {
        self.headers
            .iter()
            .enumerate()
            .filter(|(index, header)| !used.contains(index) && !header.is_empty())
            .map(|(_, header)| header.clone())
            .collect()
    }

    /// Calls `each` with the line number and the record of every row that is not empty,
    /// reusing one record. Refuses the file past `max_rows` rows or when it has none.
    fn rows(
        &mut self,
        max_rows: usize,
        errors: &mut Vec<RowError>,
        mut each: impl FnMut(usize, &csv::StringRecord),
    ) -> Result<()> {
        let mut record = csv::StringRecord::new();
        let mut rows = 0_usize;
        let mut last_line = 1_usize;
        loop {
            match self.reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(error) => {
                    last_line = error
                        .position()
                        .and_then(|position| usize::try_from(position.line()).ok())
                        .unwrap_or(last_line + 1);
                    errors.push(RowError {
                        line: last_line,
                        field: "row".into(),
                        message: "is not valid CSV; check the quoting of this line".into(),
                    });
                    continue;
                }
            }
            if record.iter().all(str::is_empty) {
                continue;
            }
            rows += 1;
            if rows > max_rows {
                return Err(Error::invalid(
                    "file",
                    format!("has more than {max_rows} rows; split it"),
                ));
            }
            last_line = record
                .position()
                .and_then(|position| usize::try_from(position.line()).ok())
                .unwrap_or(last_line + 1);
            each(last_line, &record);
        }
        if rows == 0 && errors.is_empty() {
            return Err(Error::invalid("file", "has a header row but no data rows"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn stamp(cell: &str) -> Stamp {
        parse_stamp(cell).unwrap().unwrap()
    }

    #[test]
    fn dates_in_each_accepted_format_are_read() {
        assert_eq!(stamp("2025-03-04"), Stamp::Day(date!(2025 - 03 - 04)));
        assert_eq!(
            stamp("2025-03-04 13:05"),
            Stamp::Local(datetime!(2025-03-04 13:05))
        );
        assert_eq!(
            stamp("2025-03-04 13:05:09"),
            Stamp::Local(datetime!(2025-03-04 13:05:09))
        );
        assert_eq!(
            stamp("2025-03-04T13:05:09Z"),
            Stamp::Zoned(datetime!(2025-03-04 13:05:09 UTC))
        );
        assert_eq!(
            stamp("2025-03-04T13:05:09.250+02:00"),
            Stamp::Zoned(datetime!(2025-03-04 13:05:09.25 +02:00))
        );
        assert_eq!(
            stamp("2025-03-04T13:05:09-0500"),
            Stamp::Zoned(datetime!(2025-03-04 13:05:09 -05:00))
        );
        assert_eq!(stamp("3/4/2025"), Stamp::Day(date!(2025 - 03 - 04)));
        assert_eq!(
            stamp("3/4/2025 1:05 PM"),
            Stamp::Local(datetime!(2025-03-04 13:05))
        );
        assert_eq!(
            stamp("12/31/2024 12:00:01 am"),
            Stamp::Local(datetime!(2024-12-31 00:00:01))
        );
        assert_eq!(
            stamp("03/04/2025 17:45:00"),
            Stamp::Local(datetime!(2025-03-04 17:45))
        );
        assert_eq!(
            stamp("1741093509"),
            Stamp::Zoned(datetime!(2025-03-04 13:05:09 UTC))
        );
        assert_eq!(
            stamp("1741093509123"),
            Stamp::Zoned(datetime!(2025-03-04 13:05:09 UTC))
        );
    }

    #[test]
    fn impossible_or_ambiguous_dates_are_unreadable() {
        for cell in [
            "2025-02-30",
            "13/1/2025",
            "3/4/25",
            "2025-03-04 25:00",
            "3/4/2025 13:00 PM",
            "next tuesday",
            "20250304",
        ] {
            assert_eq!(parse_stamp(cell), Err(Unreadable), "{cell}");
        }
        assert_eq!(parse_stamp("  "), Ok(None));
    }

    #[test]
    fn yes_no_cells_accept_the_words_rmm_tools_use() {
        for cell in [
            "Yes",
            "TRUE",
            "1",
            "Enabled",
            "Fully Encrypted",
            "protected",
        ] {
            assert_eq!(parse_flag(cell), Ok(Some(true)), "{cell}");
        }
        for cell in [
            "no",
            "False",
            "0",
            "disabled",
            "Not Encrypted",
            "Unprotected",
        ] {
            assert_eq!(parse_flag(cell), Ok(Some(false)), "{cell}");
        }
        for cell in ["", "Unknown", "N/A"] {
            assert_eq!(parse_flag(cell), Ok(None), "{cell}");
        }
        assert_eq!(parse_flag("maybe"), Err(Unreadable));
    }

    #[test]
    fn headers_compare_without_case_or_separators() {
        assert_eq!(header_key("  Last_Seen-Date "), "last seen date");
        assert!(loose_eq("Running And Up-To-Date", "runninganduptodate"));
        assert!(!loose_eq("Running", "runninganduptodate"));
    }

    #[test]
    fn a_byte_order_mark_is_dropped_and_other_encodings_are_refused() {
        assert_eq!(text(b"\xEF\xBB\xBFdevice\n").unwrap(), "device\n");
        let err = text(b"device\n\xFFname\n").unwrap_err();
        assert!(err.to_string().contains("UTF-8"));
    }
}

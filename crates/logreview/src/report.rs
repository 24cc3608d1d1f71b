//! What went wrong, and where, without what: the files are PHI, so an error names the file,
//! the line (or Bundle entry), the column and the kind of problem, never a field's value.

use std::fmt;
use std::io;

/// The input files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// The access log.
    Events,
    /// The workforce roster.
    Workforce,
    /// Patient demographics.
    Patients,
    /// Encounters.
    Encounters,
    /// Departments.
    Departments,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Events => "events",
            Self::Workforce => "workforce",
            Self::Patients => "patients",
            Self::Encounters => "encounters",
            Self::Departments => "departments",
        })
    }
}

/// A place in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A line (1-based; a record spanning lines is named by its first).
    Line(u64),
    /// An entry of a FHIR Bundle (1-based).
    Entry(u64),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Line(n) => write!(f, "line {n}"),
            Self::Entry(n) => write!(f, "entry {n}"),
        }
    }
}

/// What is wrong with a field or row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A required value is empty or absent.
    Missing,
    /// The value is not of the expected kind: says what was expected.
    Unparseable(String),
    /// The row has another number of fields than the header.
    FieldCount {
        /// Fields in the row.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },
    /// An id already read earlier in the file.
    Duplicate,
    /// The row is not the JSON the format calls for: says how.
    Json(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("is empty"),
            Self::Unparseable(what) => write!(f, "is not {what}"),
            Self::FieldCount { found, expected } => {
                write!(f, "has {found} fields where the header has {expected}")
            }
            Self::Duplicate => f.write_str("repeats an id of an earlier row"),
            Self::Json(what) => write!(f, "is not valid: {what}"),
        }
    }
}

/// A row that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Where.
    pub place: Place,
    /// The column (or JSON element) at fault; empty for the whole row.
    pub column: String,
    /// What is wrong.
    pub problem: Problem,
}

impl RowError {
    /// A problem with one column of a line.
    pub fn at(line: u64, column: &str, problem: Problem) -> Self {
        Self {
            place: Place::Line(line),
            column: column.to_owned(),
            problem,
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column.is_empty() {
            write!(f, "{}: the row {}", self.place, self.problem)
        } else {
            write!(f, "{}, {}: {}", self.place, self.column, self.problem)
        }
    }
}

/// How many rows of one file were rejected, with the first few of them.
#[derive(Debug, Clone)]
pub struct Rejects {
    /// The file.
    pub file: FileKind,
    /// Rows rejected.
    pub count: u64,
    /// The first rejected rows (at most [`Rejects::SHOWN`]).
    pub first: Vec<RowError>,
    limit: u64,
}

impl Rejects {
    /// How many rejected rows are kept for the report.
    pub const SHOWN: usize = 20;

    /// None yet; reading stops with an error when more than `limit` are rejected.
    pub fn new(file: FileKind, limit: u64) -> Self {
        Self {
            file,
            count: 0,
            first: Vec::new(),
            limit,
        }
    }

    /// Counts a rejected row; an error once past the limit.
    pub fn add(&mut self, e: RowError) -> Result<(), LoadError> {
        self.count += 1;
        if self.first.len() < Self::SHOWN {
            self.first.push(e);
        }
        if self.count > self.limit {
            return Err(LoadError::TooManyBadRows {
                file: self.file,
                limit: self.limit,
                first: self.first.clone(),
            });
        }
        Ok(())
    }
}

/// Why a file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The operating system refused (missing file, permissions, disk).
    #[error("reading the {file} file: {source}")]
    Io {
        /// Which file.
        file: FileKind,
        /// The cause (carries no file contents).
        source: io::Error,
    },
    /// The header does not have a column the mapping needs, or the file is not in the format.
    #[error("the {file} file: {problem}")]
    Format {
        /// Which file.
        file: FileKind,
        /// What is wrong, naming columns or places, never values.
        problem: String,
    },
    /// Too many rows could not be read: the file is probably not in the mapped format.
    #[error(
        "the {file} file: more than {limit} rows could not be read, so reading stopped; the first: {}",
        list(first)
    )]
    TooManyBadRows {
        /// Which file.
        file: FileKind,
        /// The limit.
        limit: u64,
        /// The first rejected rows.
        first: Vec<RowError>,
    },
    /// The column mapping or rule parameters are not usable.
    #[error("the mapping: {0}")]
    Mapping(String),
    /// Writing the alerts failed.
    #[error("writing the alerts: {0}")]
    Output(io::Error),
}

impl LoadError {
    /// Whether the input (a file's contents or the mapping) is at fault rather than the system:
    /// the command line exits 2 for these.
    pub fn is_bad_input(&self) -> bool {
        match self {
            Self::Io { source, .. } => matches!(
                source.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::InvalidData | io::ErrorKind::IsADirectory
            ),
            Self::Format { .. } | Self::TooManyBadRows { .. } | Self::Mapping(_) => true,
            Self::Output(_) => false,
        }
    }

    pub(crate) fn io(file: FileKind) -> impl FnOnce(io::Error) -> Self {
        move |source| Self::Io { file, source }
    }

    pub(crate) fn format(file: FileKind, problem: impl Into<String>) -> Self {
        Self::Format {
            file,
            problem: problem.into(),
        }
    }
}

fn list(errors: &[RowError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_stop_reading_past_the_limit_and_name_lines_not_values() {
        let mut r = Rejects::new(FileKind::Events, 2);
        let e = |n| RowError::at(n, "event_time", Problem::Unparseable("a timestamp".into()));
        assert!(r.add(e(3)).is_ok());
        assert!(r.add(e(9)).is_ok());
        let err = r
            .add(e(12))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            err,
            "the events file: more than 2 rows could not be read, so reading stopped; the first: \
             line 3, event_time: is not a timestamp; line 9, event_time: is not a timestamp; \
             line 12, event_time: is not a timestamp"
        );
    }
}

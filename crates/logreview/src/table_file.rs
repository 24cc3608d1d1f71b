//! A delimited file with a header row: columns found by name, rows handed out one at a time,
//! unreadable rows counted against the limit.

use std::io::Read;

use crate::mapping;
use crate::report::{FileKind, LoadError, Problem, Rejects, RowError};
use crate::scan::{Record, Scanner};

/// An open delimited file, past its header.
#[derive(Debug)]
pub(crate) struct TableFile<R> {
    scanner: Scanner<R>,
    header: Vec<String>,
    pub(crate) rejects: Rejects,
    pub(crate) file: FileKind,
}

impl<R: Read> TableFile<R> {
    /// Opens `src`, sniffing the separator unless one is configured, and reads the header.
    pub(crate) fn open(
        src: R,
        file: FileKind,
        delimiter: Option<char>,
        quoting: bool,
        limit: u64,
    ) -> Result<Self, LoadError> {
        let mut scanner = Scanner::new(src, b',', quoting);
        let first = scanner.peek_line().map_err(LoadError::io(file))?;
        let delim = mapping::delimiter(delimiter, first);
        scanner.set_delimiter(delim);
        let header = match scanner.next_record().map_err(LoadError::io(file))? {
            Some(h) => (0..h.len())
                .map(|i| {
                    String::from_utf8_lossy(h.get(i))
                        .trim()
                        .to_ascii_lowercase()
                })
                .collect(),
            None => return Err(LoadError::format(file, "the file is empty (no header row)")),
        };
        Ok(Self {
            scanner,
            header,
            rejects: Rejects::new(file, limit),
            file,
        })
    }

    /// The index of a column the mapping names ("" for none); `None` when absent.
    pub(crate) fn optional(&self, name: &str) -> Option<usize> {
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        self.header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
    }

    /// The index of a column that must be there.
    pub(crate) fn required(&self, name: &str) -> Result<usize, LoadError> {
        self.optional(name).ok_or_else(|| {
            if name.trim().is_empty() {
                LoadError::Mapping(format!(
                    "the {} file needs a column the mapping leaves empty",
                    self.file
                ))
            } else {
                // The header's own names are not listed: in a file without a header row they
                // would be the first row's values.
                LoadError::format(
                    self.file,
                    format!("no column named {:?} in the header row", name.trim()),
                )
            }
        })
    }

    /// The number of columns in the header.
    pub(crate) fn width(&self) -> usize {
        self.header.len()
    }

    /// Bytes consumed so far.
    pub(crate) fn consumed(&self) -> u64 {
        self.scanner.consumed()
    }

    /// Calls `row` for each row with as many fields as the header; rows it rejects, and rows
    /// of another width, are counted. Returns the number of rows accepted.
    pub(crate) fn each(
        &mut self,
        mut row: impl FnMut(&Record<'_>) -> Result<(), RowError>,
    ) -> Result<u64, LoadError> {
        let width = self.header.len();
        let mut ok = 0u64;
        while let Some(rec) = self
            .scanner
            .next_record()
            .map_err(LoadError::io(self.file))?
        {
            let result = if rec.len() == width {
                row(&rec)
            } else {
                Err(RowError::at(
                    rec.line,
                    "",
                    Problem::FieldCount {
                        found: rec.len(),
                        expected: width,
                    },
                ))
            };
            match result {
                Ok(()) => ok += 1,
                Err(e) => self.rejects.add(e)?,
            }
        }
        Ok(ok)
    }

    /// The next record wholly buffered (see [`Scanner::next_buffered`]).
    pub(crate) fn next_buffered(&mut self) -> Result<Option<Record<'_>>, LoadError> {
        self.scanner
            .next_buffered()
            .map_err(LoadError::io(self.file))
    }

    /// Whether every record has been handed out.
    pub(crate) fn exhausted(&self) -> bool {
        self.scanner.exhausted()
    }

    /// Hands back the buffer, moving what is unread into `fresh` (see [`Scanner::swap`]).
    pub(crate) fn swap(&mut self, fresh: Vec<u8>) -> Result<Vec<u8>, LoadError> {
        self.scanner.swap(fresh).map_err(LoadError::io(self.file))
    }

    /// The buffer, once exhausted.
    pub(crate) fn into_buffer(self) -> (Vec<u8>, Rejects) {
        (self.scanner.into_buffer(), self.rejects)
    }
}

/// A field that may be absent: `None` when the column is not mapped or the value is empty.
#[inline]
pub(crate) fn opt<'a>(rec: &Record<'a>, col: Option<usize>) -> Option<&'a [u8]> {
    col.map(|c| rec.get(c).trim_ascii())
        .filter(|v| !v.is_empty())
}

/// A field that must have a value.
#[inline]
pub(crate) fn req<'a>(rec: &Record<'a>, col: usize, name: &str) -> Result<&'a [u8], RowError> {
    let v = rec.get(col).trim_ascii();
    if v.is_empty() {
        return Err(RowError::at(rec.line, name, Problem::Missing));
    }
    Ok(v)
}

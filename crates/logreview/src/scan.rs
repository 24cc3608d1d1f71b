//! A streaming CSV/TSV record splitter that hands out fields as byte slices of its buffer.
//!
//! The `csv` crate's `ByteRecord` reader would copy every field of every row; at tens of
//! millions of rows that copy is most of the cost, so records are split in place here. The
//! dialect is RFC 4180's: fields separated by one byte, optionally quoted with `"` (a quoted
//! field may hold the separator, newlines and `""` for a quote), records ending in `\n` or
//! `\r\n`, blank lines skipped, a UTF-8 byte-order mark at the start ignored.

use std::io::{self, Read};

const BUFFER: usize = 1 << 20;

/// A field's bytes: `start..end` of the buffer, or of the scratch buffer (a quoted field with
/// `""` in it, unescaped) when `start` has its top bit set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

/// The top bit of a span's start: the bytes are elsewhere than the buffer.
pub(crate) const SCRATCH: u32 = 1 << 31;

/// One record: its fields and the line it starts on.
#[derive(Debug)]
pub struct Record<'a> {
    buf: &'a [u8],
    scratch: &'a [u8],
    spans: &'a [Span],
    /// The physical line (1-based) the record starts on.
    pub line: u64,
}

impl<'a> Record<'a> {
    /// The number of fields.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Field `i` (empty when out of range).
    #[inline]
    pub fn get(&self, i: usize) -> &'a [u8] {
        self.spans.get(i).map_or(b"", |s| self.bytes(*s))
    }

    /// The bytes of a span of this record.
    #[inline]
    pub(crate) fn bytes(&self, s: Span) -> &'a [u8] {
        let (src, start) = if s.start & SCRATCH != 0 {
            (self.scratch, s.start & !SCRATCH)
        } else {
            (self.buf, s.start)
        };
        src.get(start as usize..s.end as usize).unwrap_or_default()
    }

    /// Where field `i` is: in the buffer, or in the scratch buffer when its start has
    /// [`SCRATCH`] set (empty when out of range).
    #[inline]
    pub(crate) fn span(&self, i: usize) -> Span {
        self.spans.get(i).copied().unwrap_or_default()
    }
}

/// Splits a byte stream into records.
#[derive(Debug)]
pub struct Scanner<R> {
    src: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    delim: u8,
    quoting: bool,
    spans: Vec<Span>,
    scratch: Vec<u8>,
    next_line: u64,
    consumed: u64,
    started: bool,
}

/// Where a record could not be completed.
enum Step {
    Done { next: usize, lines: u64 },
    NeedMore,
}

impl<R: Read> Scanner<R> {
    /// A scanner over `src`, with `delim` between fields; `quoting` false reads `"` as data.
    pub fn new(src: R, delim: u8, quoting: bool) -> Self {
        Self {
            src,
            buf: vec![0; BUFFER],
            pos: 0,
            end: 0,
            eof: false,
            delim,
            quoting,
            spans: Vec::with_capacity(32),
            scratch: Vec::new(),
            next_line: 1,
            consumed: 0,
            started: false,
        }
    }

    /// Bytes of the input consumed so far (for progress).
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Sets the separator (after sniffing the header, say).
    pub fn set_delimiter(&mut self, delim: u8) {
        self.delim = delim;
    }

    /// The first line of the input without consuming it (at most the buffer's first line).
    pub fn peek_line(&mut self) -> io::Result<&[u8]> {
        self.fill_initial()?;
        let avail = &self.buf[self.pos..self.end];
        let n = memchr::memchr(b'\n', avail).unwrap_or(avail.len());
        Ok(&avail[..n])
    }

    fn fill_initial(&mut self) -> io::Result<()> {
        if !self.started {
            self.started = true;
            self.read_more()?;
            if self.buf[self.pos..self.end].starts_with(b"\xEF\xBB\xBF") {
                self.pos += 3;
                self.consumed += 3;
            }
        }
        Ok(())
    }

    /// The next record, or `None` at the end of the input.
    pub fn next_record(&mut self) -> io::Result<Option<Record<'_>>> {
        self.fill_initial()?;
        loop {
            if let Some(line) = self.step() {
                return Ok(Some(self.record(line)));
            }
            if self.eof {
                return Ok(None);
            }
            self.refill()?;
        }
    }

    /// The next record wholly in the buffer, reading nothing: `None` when the buffer holds
    /// no further complete record (then [`Scanner::swap`], or the input is exhausted).
    pub fn next_buffered(&mut self) -> io::Result<Option<Record<'_>>> {
        self.fill_initial()?;
        Ok(self.step().map(|line| self.record(line)))
    }

    /// Whether every record has been handed out.
    pub fn exhausted(&self) -> bool {
        self.started && self.eof && self.pos == self.end
    }

    /// Moves the unread rest of the buffer into `fresh`, reads more after it, and hands back
    /// the previous buffer (records handed out so far point into it).
    pub fn swap(&mut self, mut fresh: Vec<u8>) -> io::Result<Vec<u8>> {
        let tail = self.end - self.pos;
        // A record longer than half the buffer grows the next one.
        let size = BUFFER.max(tail * 2);
        if fresh.len() < size {
            fresh.resize(size, 0);
        }
        fresh[..tail].copy_from_slice(&self.buf[self.pos..self.end]);
        let old = std::mem::replace(&mut self.buf, fresh);
        self.pos = 0;
        self.end = tail;
        self.read_more()?;
        Ok(old)
    }

    /// The buffer, once exhausted.
    pub fn into_buffer(self) -> Vec<u8> {
        self.buf
    }

    fn record(&self, line: u64) -> Record<'_> {
        Record {
            buf: &self.buf,
            scratch: &self.scratch,
            spans: &self.spans,
            line,
        }
    }

    /// Splits the next record of the buffer; its first line, or `None` when the buffer has
    /// no complete record left.
    #[inline]
    fn step(&mut self) -> Option<u64> {
        // Blank lines between records are skipped, as the csv crate does.
        while self.pos < self.end && matches!(self.buf[self.pos], b'\n' | b'\r') {
            if self.buf[self.pos] == b'\n' {
                self.next_line += 1;
            }
            self.pos += 1;
            self.consumed += 1;
        }
        if self.pos == self.end {
            return None;
        }
        let step = split(
            &self.buf[..self.end],
            self.pos,
            self.eof,
            self.delim,
            self.quoting,
            &mut self.spans,
            &mut self.scratch,
        );
        match step {
            Step::Done { next, lines } => {
                let line = self.next_line;
                self.next_line += lines;
                self.consumed += (next - self.pos) as u64;
                self.pos = next;
                Some(line)
            }
            Step::NeedMore => None,
        }
    }

    /// Moves the unread tail to the front and reads more, growing the buffer when one record
    /// fills it.
    fn refill(&mut self) -> io::Result<()> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.end == self.buf.len() {
            let n = self.buf.len();
            self.buf.resize(n * 2, 0);
        }
        self.read_more()
    }

    /// Reads until the buffer is full or the input ends.
    fn read_more(&mut self) -> io::Result<()> {
        while !self.eof && self.end < self.buf.len() {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// Splits the record of `buf` (the buffer up to its end) starting at `start` into `spans`
/// (offsets into `buf`, or into `scratch` for unescaped fields).
///
/// The bytes that matter (separator, quote, newline) are found eight at a time (SWAR: a word
/// of eight bytes compared at once), so the loops run once per word and per such byte, not per
/// byte. A free function over locals, so that the hot loop keeps its state in registers.
#[inline]
fn split(
    buf: &[u8],
    start: usize,
    eof: bool,
    delim: u8,
    quoting: bool,
    spans: &mut Vec<Span>,
    scratch: &mut Vec<u8>,
) -> Step {
    spans.clear();
    scratch.clear();
    let quote = if quoting { b'"' } else { b'\n' };
    let end = buf.len();
    let mut lines = 1u64;
    let mut field = start;
    let mut word = start;
    let mut mask = specials(buf, word, delim, quote);
    loop {
        // A field starts at `field`; every special byte before it is consumed.
        let mut closed = None;
        let mut escaped = false;
        if quoting && buf.get(field) == Some(&b'"') {
            // The opening quote is the next special byte: consume it.
            while mask == 0 && word < end {
                word += 8;
                mask = specials(buf, word, delim, quote);
            }
            mask &= mask.wrapping_sub(1);
            loop {
                while mask == 0 {
                    word += 8;
                    if word >= end {
                        if !eof {
                            return Step::NeedMore;
                        }
                        // A quote never closed: the rest of the input is the field.
                        push_quoted(buf, spans, scratch, field, end, escaped);
                        return Step::Done { next: end, lines };
                    }
                    mask = specials(buf, word, delim, quote);
                }
                let j = word + (mask.trailing_zeros() / 8) as usize;
                mask &= mask - 1;
                match buf[j] {
                    b'"' => match buf.get(j + 1) {
                        Some(b'"') => {
                            escaped = true;
                            word = j + 2;
                            mask = specials(buf, word, delim, quote);
                        }
                        Some(_) => {
                            closed = Some(j);
                            break;
                        }
                        None if eof => {
                            closed = Some(j);
                            break;
                        }
                        None => return Step::NeedMore,
                    },
                    b'\n' => lines += 1,
                    _ => {}
                }
            }
        }
        // Up to the separator or newline that ends the field.
        loop {
            while mask == 0 {
                word += 8;
                if word >= end {
                    if !eof {
                        return Step::NeedMore;
                    }
                    // The last record has no newline.
                    match closed {
                        Some(c) => push_quoted(buf, spans, scratch, field, c, escaped),
                        None => spans.push(plain(buf, field, end, true)),
                    }
                    return Step::Done { next: end, lines };
                }
                mask = specials(buf, word, delim, quote);
            }
            let j = word + (mask.trailing_zeros() / 8) as usize;
            mask &= mask - 1;
            let byte = buf[j];
            if byte == delim || byte == b'\n' {
                let last = byte == b'\n';
                match closed {
                    Some(c) => push_quoted(buf, spans, scratch, field, c, escaped),
                    None => spans.push(plain(buf, field, j, last)),
                }
                if last {
                    return Step::Done { next: j + 1, lines };
                }
                field = j + 1;
                break;
            }
            // A quote inside an unquoted field, or after a closing quote (data), or a byte the
            // word test flags falsely.
        }
    }
}

/// An unquoted field from `start` to `stop`; the last of a record loses a `\r` before the
/// newline.
#[inline]
fn plain(buf: &[u8], start: usize, stop: usize, last: bool) -> Span {
    let e = if last && stop > start && buf[stop - 1] == b'\r' {
        stop - 1
    } else {
        stop
    };
    Span {
        start: offset(start),
        end: offset(e),
    }
}

/// A quoted field opening at `start` and closing at `close`; with `""` in it, unescaped into
/// `scratch`.
fn push_quoted(
    buf: &[u8],
    spans: &mut Vec<Span>,
    scratch: &mut Vec<u8>,
    start: usize,
    close: usize,
    escaped: bool,
) {
    let span = if escaped {
        let s = scratch.len();
        let mut k = start + 1;
        while k < close {
            let b = buf[k];
            scratch.push(b);
            k += if b == b'"' { 2 } else { 1 };
        }
        Span {
            start: offset(s) | SCRATCH,
            end: offset(scratch.len()),
        }
    } else {
        Span {
            start: offset(start + 1),
            end: offset(close.max(start + 1)),
        }
    };
    spans.push(span);
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `x` that is zero, and perhaps of a byte 0x01 just above a
/// zero one (the borrow of the subtraction): the callers look at each byte found, and skip the
/// rare false one.
#[inline]
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x
}

/// The high bit of byte `k` set when byte `p + k` of `buf` is `d`, `q` or a newline (none past
/// the end).
#[inline]
fn specials(buf: &[u8], at: usize, delim: u8, quote: u8) -> u64 {
    let (w, valid) = if let Some(bytes) = buf.get(at..at + 8) {
        (
            u64::from_le_bytes(bytes.try_into().unwrap_or_default()),
            HIGH,
        )
    } else {
        let rest = buf.get(at..).unwrap_or_default();
        let mut tmp = [0u8; 8];
        tmp[..rest.len()].copy_from_slice(rest);
        // Only the bytes that exist.
        let valid = HIGH & ((1u64 << (rest.len() * 8)) - 1);
        (u64::from_le_bytes(tmp), valid)
    };
    let z = zero_bytes(w ^ (ONES * u64::from(delim)))
        | zero_bytes(w ^ (ONES * u64::from(quote)))
        | zero_bytes(w ^ (ONES * u64::from(b'\n')));
    z & valid
}

/// Buffer offsets fit in 31 bits: the buffer only grows past 2 GiB for a record that size,
/// which no access log has (such a record would read as garbled, not crash).
#[inline]
fn offset(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX) & !SCRATCH
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8], delim: u8) -> Vec<(u64, Vec<String>)> {
        let mut s = Scanner::new(input, delim, true);
        let mut out = Vec::new();
        while let Ok(Some(r)) = s.next_record() {
            let f = (0..r.len())
                .map(|i| String::from_utf8_lossy(r.get(i)).into_owned())
                .collect();
            out.push((r.line, f));
        }
        out
    }

    #[test]
    fn quoted_fields_keep_separators_newlines_and_escaped_quotes() {
        let got = all(
            b"\xEF\xBB\xBFa,b,c\r\n1,\"SMITH, JOHN\",x\n\n2,\"say \"\"hi\"\"\nthere\",\r\n3,,\"\"\n4",
            b',',
        );
        let want: Vec<(u64, Vec<&str>)> = vec![
            (1, vec!["a", "b", "c"]),
            (2, vec!["1", "SMITH, JOHN", "x"]),
            (4, vec!["2", "say \"hi\"\nthere", ""]),
            (6, vec!["3", "", ""]),
            (7, vec!["4"]),
        ];
        let got: Vec<(u64, Vec<&str>)> = got
            .iter()
            .map(|(l, f)| (*l, f.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn records_longer_than_the_buffer_are_read_whole() {
        let long = "x".repeat(BUFFER * 3);
        let input = format!("a\t\"{long}\"\tb\nc\td\n");
        let got = all(input.as_bytes(), b'\t');
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].1[1].len(), BUFFER * 3);
        assert_eq!(got[1], (2, vec!["c".to_owned(), "d".to_owned()]));
    }

    #[test]
    fn an_unterminated_quote_ends_the_input_without_panicking() {
        let got = all(b"a,\"never closed\nmore", b',');
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, 1);
    }
}

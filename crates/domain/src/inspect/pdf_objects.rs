//! The streams a PDF inspector inflates: probing each for an object stream's header, then
//! searching object streams for every name refused, within bounds.

use super::pdf::Finding;
use super::pdf_names::{Name, NameLexer};

/// Most bytes inflated from one object stream.
pub(super) const PER_STREAM: u64 = 8 << 20;
/// Most bytes inflated from all object streams of a file.
pub(super) const TOTAL: u64 = 64 << 20;
/// Inflated bytes looked at to tell an object stream from other streams.
const PROBE: usize = 64;

/// What the decoder does with the current stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Phase {
    #[default]
    Off,
    /// Collecting the first inflated bytes to tell whether it is an object stream; `keys`:
    /// its dictionary had `/First` and `/N`.
    Probe { keys: bool },
    /// Not an object stream: the rest of the probe's input step is inflated and ignored, so
    /// the decoder always stops at the same place whatever the chunks.
    Drain,
    /// An object stream: every inflated byte is searched.
    Scan,
}

/// Inflated streams: probing, searching object streams, counting.
#[derive(Debug)]
pub(super) struct Objects {
    pub(super) phase: Phase,
    prefix: [u8; PROBE],
    prefix_len: usize,
    name: NameLexer,
    /// Bytes inflated from the current stream, and from all object streams.
    decoded: u64,
    total: u64,
    pub(super) read: u32,
    pub(super) unreadable: u32,
    pub(super) cut: u32,
    pub(super) found: Option<Finding>,
}

impl Default for Objects {
    fn default() -> Self {
        Self {
            phase: Phase::Off,
            prefix: [0; PROBE],
            prefix_len: 0,
            name: NameLexer::default(),
            decoded: 0,
            total: 0,
            read: 0,
            unreadable: 0,
            cut: 0,
            found: None,
        }
    }
}

impl Objects {
    pub(super) fn decoding(&self) -> bool {
        self.phase != Phase::Off
    }

    pub(super) fn begin(&mut self, phase: Phase) {
        self.phase = phase;
        self.prefix_len = 0;
        self.decoded = 0;
        self.name = NameLexer::default();
    }

    /// Takes inflated bytes; false to stop inflating this stream at once.
    pub(super) fn decoded(&mut self, out: &[u8]) -> bool {
        match self.phase {
            Phase::Off => false,
            Phase::Drain => true,
            Phase::Scan => self.search(out),
            Phase::Probe { keys } => {
                let take = (PROBE - self.prefix_len).min(out.len());
                self.prefix[self.prefix_len..self.prefix_len + take].copy_from_slice(&out[..take]);
                self.prefix_len += take;
                if self.prefix_len < PROBE {
                    return true;
                }
                if !looks_like_objects(&self.prefix, false, keys) {
                    self.phase = Phase::Drain;
                    return true;
                }
                self.phase = Phase::Scan;
                let prefix = self.prefix;
                self.search(&prefix) && self.search(&out[take..])
            }
        }
    }

    /// The stream ended (`done`: its compressed data was complete).
    pub(super) fn end(&mut self, done: bool) {
        if let Phase::Probe { keys } = self.phase {
            let prefix = self.prefix;
            let seen = &prefix[..self.prefix_len];
            if looks_like_objects(seen, true, keys) {
                self.phase = Phase::Scan;
                self.search(seen);
            }
        }
        if self.phase == Phase::Scan {
            if self.name.active() {
                let name = self.name.end();
                self.on_name(name);
            }
            if done {
                self.read += 1;
            } else {
                self.unreadable += 1;
            }
        }
        self.phase = Phase::Off;
    }

    /// Searches object syntax for every name refused; false when found or over the bounds.
    fn search(&mut self, data: &[u8]) -> bool {
        let room = (PER_STREAM - self.decoded).min(TOTAL - self.total);
        let n = usize::try_from(room).map_or(data.len(), |r| r.min(data.len()));
        self.decoded += n as u64;
        self.total += n as u64;
        let (data, over) = data.split_at(n);
        let mut i = 0;
        while i < data.len() && self.found.is_none() {
            if self.name.active() {
                i += self.name.read(&data[i..]);
                if i < data.len() {
                    let name = self.name.end();
                    self.on_name(name);
                }
            } else if let Some(k) = memchr::memchr(b'/', &data[i..]) {
                i += k + 1;
                self.name.start();
            } else {
                break;
            }
        }
        if self.found.is_some() {
            self.phase = Phase::Off;
            return false;
        }
        if !over.is_empty() {
            self.cut += 1;
            self.phase = Phase::Off;
            return false;
        }
        true
    }

    fn on_name(&mut self, name: Option<Name>) {
        self.found = match name {
            Some(Name::JavaScript | Name::Js) => Some(Finding::JavaScript),
            Some(Name::Launch) => Some(Finding::Launch),
            Some(Name::Embedded | Name::Ef) => Some(Finding::EmbeddedFile),
            _ => return,
        };
    }
}

/// Whether inflated bytes read as an object stream: the header's object numbers and offsets
/// (at least two integers), then an object (`<<`, `[`, `(`, `/`, `true`, `false`, `null`).
/// Page content starts with numbers too, but then an operator (`1 0 0 1 72 720 cm`). With
/// `keys` (the dictionary had `/First` and `/N`), plain text is enough. `complete`: these are
/// all the stream's bytes.
fn looks_like_objects(seen: &[u8], complete: bool, keys: bool) -> bool {
    let text = !seen.is_empty()
        && seen
            .iter()
            .all(|&b| matches!(b, b' '..=b'~' | b'\t' | b'\n' | b'\r' | 0x0c));
    if keys && text {
        return true;
    }
    let mut ints = 0;
    let mut in_int = false;
    for &b in seen {
        match b {
            b'0'..=b'9' => {
                ints += usize::from(!in_int);
                in_int = true;
            }
            0 | b'\t' | b'\n' | 0x0c | b'\r' | b' ' => in_int = false,
            _ => return ints >= 2 && matches!(b, b'<' | b'[' | b'(' | b'/' | b't' | b'f' | b'n'),
        }
    }
    // Nothing but numbers: a long header (page content has an operator every few numbers).
    !complete && ints >= 4
}

//! PDF screening over the raw bytes, as they stream: JavaScript and launch actions and embedded
//! files, in plain objects and in compressed object streams.
//!
//! There is no parsing of the cross-reference table: readers find objects through it, so a
//! file can place objects where a front-to-back parser would not look (inside a string that
//! never closes, inside what looks like another stream). Instead:
//! - the long names (`/JavaScript`, `/Launch`, `/EmbeddedFile(s)`, `/FileAttachment`, escapes
//!   decoded) are looked for in every byte, wherever they are;
//! - the short ones (`/JS`, `/EF`), which occur by chance in images and fonts, only outside
//!   stream data (a script action also needs `/S /JavaScript`, which is found anywhere);
//! - every stream is probed: one whose dictionary names `/ObjStm`, or whose first inflated bytes
//!   read as an object stream's header, is inflated (within bounds) and its text searched for
//!   every one of those names. Other streams (images, fonts, page content) are only probed.
//!
//! What the decoder is given, and where it stops, never depends on how the upload was cut
//! into chunks: the last bytes of a stream are held back until it is known they are not
//! `endstream`, and probes take their input in fixed steps from the stream's start.

use super::inflate::{Inflater, Status};
use super::pdf_names::{Name, NameLexer, REGULAR};
use super::pdf_objects::{Objects, Phase};

/// Compressed bytes given at a time while probing.
const PROBE_INPUT: usize = 256;
/// Bytes allowed between the `stream` keyword and its end of line.
const KEYWORD_LINE: usize = 256;

/// What a PDF was refused for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Finding {
    JavaScript,
    Launch,
    EmbeddedFile,
}

/// What was read of a PDF that had none of the findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Summary {
    /// Object streams inflated and searched whole.
    pub(super) object_streams: u32,
    /// Object streams that could not be decoded (encrypted, damaged, other encodings).
    pub(super) unreadable: u32,
    /// Object streams cut at [`super::pdf_objects::PER_STREAM`] or
    /// [`super::pdf_objects::TOTAL`].
    pub(super) cut: u32,
    /// The file names an `/Encrypt` dictionary.
    pub(super) encrypted: bool,
}

/// Names seen since the last stream boundary (what the next stream's dictionary said), one bit
/// each.
#[derive(Debug, Default, Clone, Copy)]
struct Keys(u8);

impl Keys {
    const OBJSTM: u8 = 1;
    const FIRST: u8 = 1 << 1;
    const N: u8 = 1 << 2;
    const FILTER: u8 = 1 << 3;
    const FLATE: u8 = 1 << 4;
    const OTHER_FILTER: u8 = 1 << 5;
    const PREDICTOR: u8 = 1 << 6;

    fn has(self, bits: u8) -> bool {
        self.0 & bits == bits
    }
}

/// Where the `stream` keyword's end of line stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Eol {
    None,
    /// Just after `stream`: the next byte must not continue the word.
    Keyword,
    /// Skipping the rest of the keyword's line; bytes skipped so far.
    Line(usize),
    /// After a carriage return: a line feed may follow.
    Cr,
}

/// Where the bytes being read are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Region {
    /// Object syntax, between streams.
    Syntax,
    /// A stream's data (images, fonts, page content...).
    Stream,
    /// An uncompressed object stream's data: object syntax again.
    RawObjects,
}

/// The PDF inspector's state between chunks.
#[derive(Debug)]
pub(super) struct Pdf {
    name: NameLexer,
    /// The last bytes before the current chunk, for keywords split across chunks.
    tail: [u8; 9],
    eol: Eol,
    region: Region,
    keys: Keys,
    found: Option<Finding>,
    encrypted: bool,
    /// The current stream's last bytes, not yet given to the decoder: they may be the start
    /// of `endstream`. Holding them back makes what the decoder sees independent of chunking.
    held: [u8; 9],
    held_len: usize,
    /// A probe's input not yet inflated (see [`Pdf::inflate`]).
    step: Vec<u8>,
    inflater: Inflater,
    /// The decoder stopped mid-input: its window must be cleared before the next stream.
    dirty: bool,
    objects: Objects,
}

impl Pdf {
    pub(super) fn new() -> Self {
        Self {
            name: NameLexer::default(),
            tail: [b' '; 9],
            eol: Eol::None,
            region: Region::Syntax,
            keys: Keys::default(),
            found: None,
            encrypted: false,
            held: [0; 9],
            held_len: 0,
            step: Vec::with_capacity(PROBE_INPUT),
            inflater: Inflater::new(true),
            dirty: false,
            objects: Objects::default(),
        }
    }

    fn finding(&self) -> Option<Finding> {
        self.found.or(self.objects.found)
    }

    /// Takes the next bytes of the file.
    pub(super) fn feed(&mut self, chunk: &[u8]) {
        let mut i = 0;
        // Start of the current stream's bytes in this chunk not yet given to the decoder.
        let mut from = 0;
        while i < chunk.len() && self.finding().is_none() {
            if self.name.active() {
                i += self.name.read(&chunk[i..]);
                if i < chunk.len() {
                    let name = self.name.end();
                    self.on_name(name);
                    // Binary data can run straight into the keyword (`.../x1endstream`).
                    if self.region != Region::Syntax && &self.window(chunk, i)[1..] == b"endstream"
                    {
                        self.decode_to_keyword(&chunk[from.min(i)..i]);
                        from = i;
                        self.end_stream();
                    }
                }
            } else if self.eol != Eol::None {
                let (used, starts) = self.keyword_line(&chunk[i..]);
                i += used;
                if starts {
                    self.decode_all(&chunk[from.min(i)..i]);
                    from = i;
                    self.begin_stream();
                }
            } else {
                let Some(k) = memchr::memchr2(b'/', b'm', &chunk[i..]) else {
                    break;
                };
                i += k;
                if chunk[i] == b'/' {
                    self.name.start();
                } else {
                    let w = self.window(chunk, i + 1);
                    if &w[1..] == b"endstream" {
                        self.decode_to_keyword(&chunk[from.min(i)..=i]);
                        from = i + 1;
                        self.end_stream();
                    } else if &w[4..] == b"stream" && !REGULAR[usize::from(w[3])] && w[3] != b'/' {
                        self.eol = Eol::Keyword;
                    }
                }
                i += 1;
            }
        }
        if self.finding().is_none() {
            self.decode(&chunk[from.min(chunk.len())..]);
        }
        self.remember(chunk);
    }

    /// Says what was found, or what was read.
    pub(super) fn finish(mut self) -> Result<Summary, Finding> {
        if self.name.active() {
            let name = self.name.end();
            self.on_name(name);
        }
        self.decode_all(&[]);
        self.finish_stream();
        if let Some(f) = self.finding() {
            return Err(f);
        }
        Ok(Summary {
            object_streams: self.objects.read,
            unreadable: self.objects.unreadable,
            cut: self.objects.cut,
            encrypted: self.encrypted,
        })
    }

    fn on_name(&mut self, name: Option<Name>) {
        let strict = self.region != Region::Stream;
        let key = match name {
            Some(Name::ObjStm) => Keys::OBJSTM,
            Some(Name::First) => Keys::FIRST,
            Some(Name::N) => Keys::N,
            Some(Name::Filter) => Keys::FILTER,
            Some(Name::Flate) => Keys::FLATE,
            Some(Name::OtherFilter) => Keys::OTHER_FILTER,
            Some(Name::Predictor) => Keys::PREDICTOR,
            _ => 0,
        };
        self.keys.0 |= key;
        match name {
            Some(Name::JavaScript) => self.found = Some(Finding::JavaScript),
            Some(Name::Js) if strict => self.found = Some(Finding::JavaScript),
            Some(Name::Launch) => self.found = Some(Finding::Launch),
            Some(Name::Embedded) => self.found = Some(Finding::EmbeddedFile),
            Some(Name::Ef) if strict => self.found = Some(Finding::EmbeddedFile),
            Some(Name::Encrypt) => self.encrypted = true,
            _ => {}
        }
    }

    /// After `stream`: finds the end of its line. Returns the bytes consumed and whether the
    /// stream's data starts right after them.
    fn keyword_line(&mut self, rest: &[u8]) -> (usize, bool) {
        let Some(&b) = rest.first() else {
            return (0, false);
        };
        match self.eol {
            Eol::None => (0, false),
            Eol::Keyword if REGULAR[usize::from(b)] => {
                // `streamX` is another word.
                self.eol = Eol::None;
                (0, false)
            }
            Eol::Keyword | Eol::Line(_) => {
                let skipped = match self.eol {
                    Eol::Line(n) => n,
                    _ => 0,
                };
                let budget = KEYWORD_LINE.saturating_sub(skipped).min(rest.len());
                let Some(k) = rest[..budget]
                    .iter()
                    .position(|&c| c == b'\n' || c == b'\r' || c == b'/')
                else {
                    // The line is too long for a `stream` keyword's: it was some other text.
                    self.eol = if budget < rest.len() || skipped + budget >= KEYWORD_LINE {
                        Eol::None
                    } else {
                        Eol::Line(skipped + budget)
                    };
                    return (budget, false);
                };
                match rest[k] {
                    b'\n' => {
                        self.eol = Eol::None;
                        (k + 1, true)
                    }
                    b'\r' => {
                        self.eol = Eol::Cr;
                        (k + 1, false)
                    }
                    _ => {
                        // A name on the keyword's line is still read.
                        self.eol = Eol::Line(skipped + k + 1);
                        self.name.start();
                        (k + 1, false)
                    }
                }
            }
            Eol::Cr => {
                self.eol = Eol::None;
                (usize::from(b == b'\n'), true)
            }
        }
    }

    fn begin_stream(&mut self) {
        self.finish_stream();
        self.held_len = 0;
        self.region = Region::Stream;
        let keys = std::mem::take(&mut self.keys);
        if keys.has(Keys::OBJSTM) {
            if !keys.has(Keys::FILTER) {
                self.region = Region::RawObjects;
                self.objects.read += 1;
            } else if !keys.has(Keys::FLATE)
                || keys.has(Keys::OTHER_FILTER)
                || keys.has(Keys::PREDICTOR)
            {
                self.objects.unreadable += 1;
            } else {
                self.inflater.restart(std::mem::take(&mut self.dirty));
                self.objects.begin(Phase::Scan);
            }
        } else {
            self.inflater.restart(std::mem::take(&mut self.dirty));
            self.objects.begin(Phase::Probe {
                keys: keys.has(Keys::FIRST | Keys::N),
            });
        }
    }

    fn end_stream(&mut self) {
        self.finish_stream();
        self.held_len = 0;
        self.region = Region::Syntax;
        self.keys = Keys::default();
    }

    fn finish_stream(&mut self) {
        if self.objects.decoding() && !self.step.is_empty() {
            self.inflate_step();
        }
        self.step.clear();
        let done = self.inflater.status() == Status::Done;
        self.objects.end(done);
    }

    /// Gives the current stream's next bytes to the decoder, if it is decoding this stream,
    /// holding back the last nine.
    fn decode(&mut self, data: &[u8]) {
        if !self.objects.decoding() {
            self.held_len = 0;
            return;
        }
        let held = self.held;
        let (held, data) = (&held[..self.held_len], data);
        let release = (held.len() + data.len()).saturating_sub(self.held.len());
        let (now_held, keep_held) = held.split_at(release.min(held.len()));
        let (now_data, keep_data) = data.split_at(release - now_held.len());
        self.inflate(now_held);
        self.inflate(now_data);
        self.held_len = 0;
        for &b in keep_held.iter().chain(keep_data) {
            self.held[self.held_len] = b;
            self.held_len += 1;
        }
    }

    /// The stream ended with `endstream`, the last nine bytes of what was held and `data`:
    /// gives the decoder everything before it.
    fn decode_to_keyword(&mut self, data: &[u8]) {
        self.decode(data);
        self.held_len = 0;
    }

    /// Gives the decoder everything (another stream starts, or the file ended).
    fn decode_all(&mut self, data: &[u8]) {
        self.decode(data);
        let held = self.held;
        let n = std::mem::take(&mut self.held_len);
        self.inflate(&held[..n]);
    }

    /// Inflates stream bytes. A probe takes them in steps of [`PROBE_INPUT`] bytes from the
    /// stream's start, whatever the chunks: the decoder fills its 32 KiB window from whatever
    /// input it has, and a probe needs only the first bytes.
    fn inflate(&mut self, mut data: &[u8]) {
        while self.objects.decoding() && !data.is_empty() {
            if !matches!(self.objects.phase, Phase::Probe { .. }) {
                self.inflate_now(data);
                return;
            }
            let take = (PROBE_INPUT - self.step.len()).min(data.len());
            self.step.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.step.len() == PROBE_INPUT {
                self.inflate_step();
            }
        }
    }

    /// Inflates the probe's step, whole or (at the stream's end) in part.
    fn inflate_step(&mut self) {
        let step = std::mem::take(&mut self.step);
        self.inflate_now(&step);
        self.step = step;
        self.step.clear();
        if self.objects.phase == Phase::Drain {
            self.objects.phase = Phase::Off;
        }
    }

    fn inflate_now(&mut self, data: &[u8]) {
        let objects = &mut self.objects;
        match self.inflater.feed(data, &mut |out| objects.decoded(out)) {
            Status::Running => {}
            Status::Done => self.objects.end(true),
            Status::Failed => self.objects.end(false),
            // Found, or over the bounds: where the decoder stopped depends on the chunks.
            Status::Stopped => {
                self.objects.phase = Phase::Off;
                self.dirty = true;
            }
        }
    }

    /// The ten bytes just before `chunk[end]`, earlier ones from previous chunks.
    fn window(&self, chunk: &[u8], end: usize) -> [u8; 10] {
        if let Some(&w) = chunk[..end].last_chunk::<10>() {
            return w;
        }
        let mut w = [b' '; 10];
        for (k, slot) in w.iter_mut().enumerate() {
            let back = 10 - k;
            if back <= end {
                *slot = chunk[end - back];
            } else if let Some(&b) = self.tail.get((9 + end).wrapping_sub(back)) {
                *slot = b;
            }
        }
        w
    }

    fn remember(&mut self, chunk: &[u8]) {
        if let Some(last) = chunk.last_chunk::<9>() {
            self.tail = *last;
        } else {
            self.tail.rotate_left(chunk.len());
            self.tail[9 - chunk.len()..].copy_from_slice(chunk);
        }
    }
}

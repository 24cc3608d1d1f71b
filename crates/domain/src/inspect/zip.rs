//! Office Open XML and `OpenDocument` screening: both are ZIP containers, read entry by entry
//! as they stream.
//!
//! Local headers give each entry's name before its data; an entry written with a data
//! descriptor (flag bit 3) does not say its size up front, so the reader then looks for the
//! next record's signature, and from then on searches rather than trusts sizes (a header
//! planted in an entry's data could claim a size that skips the rest). The central directory
//! at the end lists every name again (it is what Office reads): its names are checked too, and
//! a directory with fewer records than its end record declares makes the result partial.
//! Entry data is not decompressed, except the first bytes of each stored or deflated entry,
//! to catch programs whatever their name. Embedded documents are judged by name, not opened.

use super::inflate::{Inflater, Status};
use crate::sniff::RUNNABLE_ENDINGS;

const LOCAL: u32 = 0x504B_0304;
const CENTRAL: u32 = 0x504B_0102;
const END: u32 = 0x504B_0506;
const END64: u32 = 0x504B_0606;
const LOCATOR64: u32 = 0x504B_0607;
const DESCRIPTOR: u32 = 0x504B_0708;

/// Name endings of macro-enabled Office files, refused when embedded in another.
const MACRO_ENABLED: &[&str] = &[
    ".docm", ".dotm", ".xlsm", ".xltm", ".xlam", ".pptm", ".potm", ".ppsm", ".ppam", ".sldm",
];

/// First bytes of an entry looked at.
const HEAD: usize = 4;
/// Compressed bytes inflated at most to get them.
const HEAD_INPUT: usize = 64 * 1024;

/// What a package was refused for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Finding {
    /// VBA projects, Excel 4 macro sheets, `OpenDocument` Basic and scripts.
    Macros,
    ActiveX,
    /// `embeddings/oleObject*.bin`: OLE objects, the wrapper of embedded packages.
    OleObject,
    /// An entry named like a program or starting like one.
    Program,
}

/// The kind of document, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    Word,
    Excel,
    PowerPoint,
    OpenDocument,
    Office,
}

/// What was read of a package that had none of the findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Summary {
    pub(super) family: Family,
    /// Names checked: local headers and central directory records.
    pub(super) entries: u32,
    /// The end-of-directory record was read and the directory listed every entry it declares.
    pub(super) directory: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading a record signature.
    Sig,
    /// A local header's fixed part, then its name and extra field.
    Local,
    LocalVar(LocalFixed),
    /// Entry data of known length.
    Data(u64),
    /// Entry data of unknown length: looking for the next signature.
    DataScan,
    /// Lost: looking for the next signature.
    Scan,
    /// A central directory record's fixed part, then its name.
    Central,
    CentralName {
        name_len: usize,
        skip: u64,
    },
    /// The end-of-directory record, the ZIP64 one.
    End,
    End64,
    Skip(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LocalFixed {
    flags: u16,
    method: u16,
    csize: u32,
    usize: u32,
    name_len: usize,
    total: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    Off,
    Stored,
    Deflated,
}

/// The package inspector's state between chunks.
#[derive(Debug)]
pub(super) struct Zip {
    state: State,
    buf: Vec<u8>,
    /// The last bytes seen while scanning, for signatures split across chunks.
    win: u32,
    family: Family,
    named: Option<Family>,
    found: Option<Finding>,
    entries: u32,
    central: u32,
    declared: Option<u32>,
    end: bool,
    /// Entry sizes are trusted (see [`Zip::local_entry`]).
    sized: bool,
    probe: Probe,
    head: [u8; HEAD],
    head_len: usize,
    head_input: usize,
    inflater: Inflater,
}

impl Zip {
    pub(super) fn new(family: Family) -> Self {
        Self {
            state: State::Sig,
            buf: Vec::new(),
            win: 0,
            family,
            named: None,
            found: None,
            entries: 0,
            central: 0,
            declared: None,
            end: false,
            sized: true,
            probe: Probe::Off,
            head: [0; HEAD],
            head_len: 0,
            head_input: 0,
            inflater: Inflater::new(false),
        }
    }

    /// Takes the next bytes of the file.
    pub(super) fn feed(&mut self, chunk: &[u8]) {
        let mut i = 0;
        while i < chunk.len() && self.found.is_none() {
            i += self.step(&chunk[i..]);
        }
    }

    /// Says what was found, or what was read.
    pub(super) fn finish(mut self) -> Result<Summary, (Finding, Family)> {
        self.end_probe();
        let family = self.named.unwrap_or(self.family);
        if let Some(f) = self.found {
            return Err((f, family));
        }
        Ok(Summary {
            family,
            entries: self.entries.max(self.central),
            directory: self.end && self.declared.is_none_or(|d| self.central >= d),
        })
    }

    /// Reads from the start of `rest` (never empty); returns the bytes consumed, at least one
    /// unless the state changed.
    fn step(&mut self, rest: &[u8]) -> usize {
        match self.state {
            State::Data(left) => {
                let n = usize::try_from(left).map_or(rest.len(), |l| l.min(rest.len()));
                self.take_head(&rest[..n]);
                let left = left - n as u64;
                self.state = State::Data(left);
                if left == 0 {
                    self.end_probe();
                    self.state = State::Sig;
                }
                n
            }
            State::DataScan | State::Scan => {
                let (used, sig) = self.scan(rest);
                if self.state == State::DataScan {
                    self.take_head(&rest[..used]);
                }
                if let Some(sig) = sig {
                    self.end_probe();
                    self.signature(sig, true);
                }
                used
            }
            State::Skip(left) => {
                let n = usize::try_from(left).map_or(rest.len(), |l| l.min(rest.len()));
                let left = left - n as u64;
                self.state = if left == 0 {
                    State::Sig
                } else {
                    State::Skip(left)
                };
                n
            }
            state => {
                let want = match state {
                    State::Sig => 4,
                    State::Local => 26,
                    State::LocalVar(fixed) => fixed.total,
                    State::Central => 42,
                    State::CentralName { name_len, .. } => name_len,
                    State::End => 18,
                    // `End64`: the ZIP64 end record's size field.
                    _ => 8,
                };
                let used = want.saturating_sub(self.buf.len()).min(rest.len());
                self.buf.extend_from_slice(&rest[..used]);
                if self.buf.len() >= want {
                    let record = std::mem::take(&mut self.buf);
                    self.record(state, &record);
                    self.buf = record;
                    self.buf.clear();
                }
                used
            }
        }
    }

    /// A record (or its variable part) was read whole.
    fn record(&mut self, state: State, b: &[u8]) {
        self.state = match state {
            State::Sig => {
                self.signature(be32(b, 0), false);
                return;
            }
            State::Local => {
                let fixed = LocalFixed {
                    flags: le16(b, 2),
                    method: le16(b, 4),
                    csize: le32(b, 14),
                    usize: le32(b, 18),
                    name_len: usize::from(le16(b, 22)),
                    total: usize::from(le16(b, 22)) + usize::from(le16(b, 24)),
                };
                if fixed.name_len == 0 || fixed.method > 99 {
                    State::Scan
                } else {
                    State::LocalVar(fixed)
                }
            }
            State::LocalVar(fixed) => {
                self.local_entry(fixed, b);
                return;
            }
            State::Central => State::CentralName {
                name_len: usize::from(le16(b, 24)),
                skip: u64::from(le16(b, 26)) + u64::from(le16(b, 28)),
            },
            State::CentralName { skip, .. } => {
                self.central += 1;
                self.check_name(b);
                State::Skip(skip)
            }
            State::End => {
                let declared = le16(b, 6);
                self.end = true;
                self.declared = (declared != u16::MAX).then_some(u32::from(declared));
                State::Skip(u64::from(le16(b, 16)))
            }
            State::End64 => State::Skip(u64::from(le32(b, 0)) | u64::from(le32(b, 4)) << 32),
            other => other,
        };
    }

    /// A record signature was read; `scanned`: found by searching, not where the previous
    /// record said the next one starts.
    fn signature(&mut self, sig: u32, scanned: bool) {
        self.win = 0;
        if scanned {
            // Sizes are no longer trusted: a header found by searching may be one planted in
            // another entry's data, with a size that would skip past the real ones.
            self.sized = false;
        }
        self.state = match sig {
            LOCAL => State::Local,
            CENTRAL => State::Central,
            END => State::End,
            END64 => State::End64,
            LOCATOR64 => State::Skip(16),
            // After data whose sizes the local header gave anyway.
            DESCRIPTOR => State::Skip(12),
            _ => {
                self.win = sig;
                State::Scan
            }
        };
    }

    /// A local header was read whole (`self.buf` holds its name and extra field). Its data is
    /// skipped by its size while the records have followed one another as declared; after
    /// that, searched for the next signature.
    fn local_entry(&mut self, fixed: LocalFixed, buf: &[u8]) {
        let (name, extra) = buf.split_at(fixed.name_len.min(buf.len()));
        self.entries += 1;
        self.check_name(name);
        let csize = zip64_size(extra, fixed.usize, fixed.csize);
        self.head_len = 0;
        self.head_input = 0;
        self.probe = match fixed.method {
            _ if fixed.flags & 1 != 0 => Probe::Off,
            0 => Probe::Stored,
            8 => {
                self.inflater.restart(true);
                Probe::Deflated
            }
            _ => Probe::Off,
        };
        self.state = match csize {
            // A data descriptor follows the data, or the size is nowhere: find the next record.
            Some(0) if fixed.flags & 8 != 0 => State::DataScan,
            _ if !self.sized => State::DataScan,
            None => State::DataScan,
            Some(0) => {
                self.end_probe();
                State::Sig
            }
            Some(n) => State::Data(n),
        };
    }

    fn check_name(&mut self, raw: &[u8]) {
        let name = String::from_utf8_lossy(raw)
            .to_ascii_lowercase()
            .replace('\\', "/");
        if self.named.is_none() {
            self.named = [
                ("word/", Family::Word),
                ("xl/", Family::Excel),
                ("ppt/", Family::PowerPoint),
            ]
            .into_iter()
            .find(|(p, _)| name.starts_with(p))
            .map(|(_, f)| f);
        }
        let segment = |s: &str| name.starts_with(s) || name.contains(&format!("/{s}"));
        let runnable = name.trim_end_matches(['.', ' ']);
        let found = if name.contains("vbaproject")
            || name.ends_with("vbadata.xml")
            || MACRO_ENABLED.iter().any(|e| runnable.ends_with(e))
            || segment("macrosheets/")
            || segment("intlmacrosheets/")
            || name.starts_with("basic/")
            || name.starts_with("scripts/")
            || (self.family == Family::OpenDocument && (segment("basic/") || segment("scripts/")))
        {
            Some(Finding::Macros)
        } else if segment("activex/") {
            Some(Finding::ActiveX)
        } else if segment("embeddings/oleobject") && runnable.as_bytes().ends_with(b".bin") {
            Some(Finding::OleObject)
        } else if RUNNABLE_ENDINGS.iter().any(|e| runnable.ends_with(e)) {
            Some(Finding::Program)
        } else {
            None
        };
        self.found = self.found.or(found);
    }

    /// Gives entry data to the first-bytes check.
    fn take_head(&mut self, data: &[u8]) {
        match self.probe {
            Probe::Off => {}
            Probe::Stored => {
                let take = (HEAD - self.head_len).min(data.len());
                self.head[self.head_len..self.head_len + take].copy_from_slice(&data[..take]);
                self.head_len += take;
                if self.head_len == HEAD {
                    self.end_probe();
                }
            }
            Probe::Deflated => {
                let data = &data[..(HEAD_INPUT - self.head_input).min(data.len())];
                self.head_input += data.len();
                let (head, len) = (&mut self.head, &mut self.head_len);
                let status = self.inflater.feed(data, &mut |out| {
                    let take = (HEAD - *len).min(out.len());
                    head[*len..*len + take].copy_from_slice(&out[..take]);
                    *len += take;
                    *len < HEAD
                });
                if status != Status::Running || self.head_input == HEAD_INPUT {
                    self.end_probe();
                }
            }
        }
    }

    fn end_probe(&mut self) {
        if self.probe != Probe::Off && is_program(&self.head[..self.head_len]) {
            self.found = self.found.or(Some(Finding::Program));
        }
        self.probe = Probe::Off;
    }

    /// Looks for the next record signature; returns the bytes consumed (through the signature,
    /// if one was found) and the signature.
    fn scan(&mut self, rest: &[u8]) -> (usize, Option<u32>) {
        let mut i = 0;
        while i < rest.len() {
            let recent_p = (0..3).any(|k| (self.win >> (8 * k)) & 0xFF == u32::from(b'P'));
            if !recent_p {
                let Some(k) = memchr::memchr(b'P', &rest[i..]) else {
                    self.win = 0;
                    return (rest.len(), None);
                };
                i += k;
            }
            self.win = self.win << 8 | u32::from(rest[i]);
            i += 1;
            if matches!(self.win, LOCAL | CENTRAL | END | END64 | LOCATOR64) {
                let sig = self.win;
                self.win = 0;
                return (i, Some(sig));
            }
        }
        (i, None)
    }
}

/// Windows, Linux and macOS programs, and Java classes.
fn is_program(head: &[u8]) -> bool {
    const MAGIC: &[&[u8]] = &[
        b"MZ",
        b"\x7fELF",
        b"\xfe\xed\xfa\xce",
        b"\xfe\xed\xfa\xcf",
        b"\xce\xfa\xed\xfe",
        b"\xcf\xfa\xed\xfe",
        b"\xca\xfe\xba\xbe",
    ];
    MAGIC.iter().any(|m| head.starts_with(m))
}

/// The compressed size, from the ZIP64 extra field when the header says `0xFFFFFFFF`.
fn zip64_size(extra: &[u8], usize: u32, csize: u32) -> Option<u64> {
    if csize != u32::MAX {
        return Some(u64::from(csize));
    }
    let mut rest = extra;
    while let [a, b, c, d, tail @ ..] = rest {
        let id = u16::from_le_bytes([*a, *b]);
        let len = usize::from(u16::from_le_bytes([*c, *d])).min(tail.len());
        let (field, next) = tail.split_at(len);
        if id == 1 {
            let at = if usize == u32::MAX { 8 } else { 0 };
            if let Some(v) = field.get(at..at + 8) {
                return Some(u64::from(le32(v, 0)) | u64::from(le32(v, 4)) << 32);
            }
        }
        rest = next;
    }
    None
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

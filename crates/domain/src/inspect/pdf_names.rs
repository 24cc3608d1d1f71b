//! PDF names as a reader sees them: `/` then regular characters, with `#xx` escapes decoded
//! (`/J#61vaScript` is `/JavaScript`), read a few bytes at a time.

/// Longest decoded name worth keeping: the longest one looked for, `FileAttachment`, has 14.
const KEEP: usize = 16;

/// Whether `b` can be part of a name or keyword: not white space, not a PDF delimiter.
pub(super) const REGULAR: [bool; 256] = {
    let mut t = [true; 256];
    let ends = b"\0\t\n\x0c\r ()<>[]{}/%";
    let mut i = 0;
    while i < ends.len() {
        t[ends[i] as usize] = false;
        i += 1;
    }
    t
};

/// The names the PDF inspector acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Name {
    /// `/JavaScript`: a JavaScript action or the document's script tree.
    JavaScript,
    /// `/JS`: the script of an action (short enough to occur by chance in binary data).
    Js,
    /// `/Launch`: an action that starts a program or opens a file.
    Launch,
    /// `/EmbeddedFile`, `/EmbeddedFiles`, `/FileAttachment`.
    Embedded,
    /// `/EF`: the embedded files of a file specification (short, like `/JS`).
    Ef,
    /// `/ObjStm`: the type of an object stream.
    ObjStm,
    /// `/First` and `/N`: keys every object stream has (outlines and appearances use them too).
    First,
    /// See [`Name::First`].
    N,
    /// `/Filter`: the stream is encoded.
    Filter,
    /// `/FlateDecode` (or its abbreviation `/Fl`).
    Flate,
    /// Another standard filter, which this inspector does not decode.
    OtherFilter,
    /// `/Predictor`: Flate output is further transformed, which this inspector does not undo.
    Predictor,
    /// `/Encrypt`: strings and streams are encrypted.
    Encrypt,
}

fn known(name: &[u8]) -> Option<Name> {
    Some(match name {
        b"JavaScript" => Name::JavaScript,
        b"JS" => Name::Js,
        b"Launch" => Name::Launch,
        b"EmbeddedFile" | b"EmbeddedFiles" | b"FileAttachment" => Name::Embedded,
        b"EF" => Name::Ef,
        b"ObjStm" => Name::ObjStm,
        b"First" => Name::First,
        b"N" => Name::N,
        b"Filter" => Name::Filter,
        b"FlateDecode" | b"Fl" => Name::Flate,
        b"ASCIIHexDecode" | b"ASCII85Decode" | b"LZWDecode" | b"RunLengthDecode"
        | b"CCITTFaxDecode" | b"JBIG2Decode" | b"DCTDecode" | b"JPXDecode" | b"Crypt" | b"AHx"
        | b"A85" | b"LZW" | b"RL" | b"CCF" | b"DCT" => Name::OtherFilter,
        b"Predictor" => Name::Predictor,
        b"Encrypt" => Name::Encrypt,
        _ => return None,
    })
}

#[derive(Debug, Default, Clone, Copy)]
enum Hex {
    #[default]
    None,
    Hash,
    /// `#` and one hex digit (kept as written, in case the next is not one).
    Digit(u8),
}

/// A name being read. Invalid escapes are kept literally, as pdf.js does.
#[derive(Debug, Default)]
pub(super) struct NameLexer {
    active: bool,
    buf: [u8; KEEP],
    len: usize,
    overflow: bool,
    hex: Hex,
}

impl NameLexer {
    pub(super) fn active(&self) -> bool {
        self.active
    }

    /// Starts a name (the `/` has been read).
    pub(super) fn start(&mut self) {
        *self = Self {
            active: true,
            ..Self::default()
        };
    }

    /// Reads the name's bytes at the start of `data`; returns how many belong to it. When fewer
    /// than `data.len()`, the name ended (the byte after it is not consumed): call [`Self::end`].
    pub(super) fn read(&mut self, data: &[u8]) -> usize {
        let n = data
            .iter()
            .position(|&b| !REGULAR[usize::from(b)])
            .unwrap_or(data.len());
        for &b in data.iter().take(n) {
            if self.overflow {
                break;
            }
            self.take(b);
        }
        n
    }

    /// Ends the name; returns it if it is one the inspector acts on.
    pub(super) fn end(&mut self) -> Option<Name> {
        match self.hex {
            Hex::None => {}
            Hex::Hash => self.push(b'#'),
            Hex::Digit(d) => {
                self.push(b'#');
                self.push(d);
            }
        }
        self.active = false;
        if self.overflow {
            return None;
        }
        known(self.buf.get(..self.len).unwrap_or_default())
    }

    fn take(&mut self, b: u8) {
        self.hex = match self.hex {
            Hex::None if b == b'#' => Hex::Hash,
            Hex::None => {
                self.push(b);
                Hex::None
            }
            Hex::Hash if hex_value(b).is_some() => Hex::Digit(b),
            Hex::Hash => {
                self.push(b'#');
                self.push(b);
                Hex::None
            }
            Hex::Digit(d) => {
                if let (Some(hi), Some(lo)) = (hex_value(d), hex_value(b)) {
                    self.push(hi << 4 | lo);
                } else {
                    self.push(b'#');
                    self.push(d);
                    self.push(b);
                }
                Hex::None
            }
        };
    }

    fn push(&mut self, b: u8) {
        match self.buf.get_mut(self.len) {
            Some(slot) => {
                *slot = b;
                self.len += 1;
            }
            None => self.overflow = true,
        }
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(bytes: &[u8]) -> Option<Name> {
        let mut l = NameLexer::default();
        l.start();
        let n = l.read(bytes);
        assert_eq!(n, bytes.len());
        l.end()
    }

    #[test]
    fn hex_escapes_are_decoded_and_invalid_ones_kept_as_written() {
        assert_eq!(name(b"J#61vaScript"), Some(Name::JavaScript));
        assert_eq!(name(b"#4A#53"), Some(Name::Js));
        assert_eq!(name(b"#4a#53"), Some(Name::Js));
        assert_eq!(name(b"J#6"), None);
        assert_eq!(name(b"J#zS"), None);
        assert_eq!(name(b"JavaScriptJavaScript"), None);
        assert_eq!(name(b"javascript"), None, "names are case-sensitive");
    }

    #[test]
    fn a_name_ends_at_white_space_or_a_delimiter() {
        let mut l = NameLexer::default();
        l.start();
        assert_eq!(l.read(b"JS("), 2);
        assert_eq!(l.end(), Some(Name::Js));
        l.start();
        assert_eq!(l.read(b"Lau"), 3);
        assert_eq!(l.read(b"nch/S"), 3);
        assert_eq!(l.end(), Some(Name::Launch));
    }
}

//! Streaming inflate with a fixed output window, so memory stays bounded whatever the input.

use miniz_oxide::inflate::stream::{InflateState, MinReset, ZeroReset, inflate};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

/// Decoded bytes handed to the sink at a time.
const WINDOW: usize = 32 * 1024;

/// Where a stream being inflated stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    /// Waiting for more input.
    Running,
    /// The compressed stream ended.
    Done,
    /// The input is not valid compressed data (or wants a preset dictionary).
    Failed,
    /// The sink asked for no more.
    Stopped,
}

/// One decompressor, restarted for each stream (about 75 KiB, allocated once).
pub(super) struct Inflater {
    state: Box<InflateState>,
    out: Box<[u8]>,
    status: Status,
}

impl std::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inflater")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl Inflater {
    /// A decompressor for zlib-wrapped data (PDF `FlateDecode`, checksum not verified) or raw
    /// DEFLATE (ZIP entries).
    pub(super) fn new(zlib: bool) -> Self {
        let format = if zlib {
            DataFormat::ZLibIgnoreChecksum
        } else {
            DataFormat::Raw
        };
        Self {
            state: InflateState::new_boxed(format),
            out: vec![0; WINDOW].into_boxed_slice(),
            status: Status::Stopped,
        }
    }

    /// Starts a new stream. A damaged stream can reach back before its start, into what the
    /// window holds from earlier streams; `clear` zeroes it (32 KiB), which callers ask for
    /// when the earlier stream stopped at a point that depended on how the input was cut.
    pub(super) fn restart(&mut self, clear: bool) {
        if clear {
            self.state.reset_as(ZeroReset);
        } else {
            self.state.reset_as(MinReset);
        }
        self.status = Status::Running;
    }

    pub(super) fn status(&self) -> Status {
        self.status
    }

    /// Decompresses `input`, handing decoded bytes to `sink` until it returns false.
    pub(super) fn feed(
        &mut self,
        mut input: &[u8],
        sink: &mut impl FnMut(&[u8]) -> bool,
    ) -> Status {
        while self.status == Status::Running {
            let r = inflate(&mut self.state, input, &mut self.out, MZFlush::None);
            input = input.get(r.bytes_consumed..).unwrap_or_default();
            let decoded = self.out.get(..r.bytes_written).unwrap_or_default();
            if !decoded.is_empty() && !sink(decoded) {
                self.status = Status::Stopped;
                break;
            }
            match r.status {
                Ok(MZStatus::StreamEnd) => self.status = Status::Done,
                Ok(MZStatus::Ok) if r.bytes_consumed > 0 || r.bytes_written > 0 => {}
                // Everything given was taken: wait for more.
                Ok(MZStatus::Ok) | Err(MZError::Buf) => break,
                Ok(MZStatus::NeedDict) | Err(_) => self.status = Status::Failed,
            }
        }
        self.status
    }
}

//! The access log read on a second thread: one thread reads, splits and decodes the CSV into
//! chunks of about a megabyte (the bytes, and per event the positions of its fields), the
//! calling thread applies the rules. Chunks and their buffers go back to the reader for reuse,
//! so memory stays at a few chunks whatever the size of the log.

use std::io::{self, Read};
use std::sync::mpsc;
use std::thread;

use crate::date::Stamp;
use crate::events::{CsvEvents, Event};
use crate::report::{FileKind, LoadError, Place, Rejects};
use crate::scan::{Record, SCRATCH, Span};
use crate::table_file::TableFile;

/// Chunks in flight between the threads.
const QUEUE: usize = 4;
/// Top bit of a field's start: the bytes are in `extra` (an unescaped quoted field).
const EXTRA: u32 = 1 << 31;

/// One event of a chunk: its fields as positions in the chunk's bytes.
#[derive(Debug, Clone, Copy)]
struct Decoded {
    line: u64,
    at: Stamp,
    /// event id, user, role, department, patient, activity.
    fields: [(u32, u32); 6],
    /// Bit 0 break-the-glass, bit 1 log-in, bit 2 failed.
    flags: u8,
}

/// Decoded events and the bytes they point into.
#[derive(Debug, Default)]
pub(crate) struct Chunk {
    buf: Vec<u8>,
    extra: Vec<u8>,
    events: Vec<Decoded>,
    /// Bytes of the log consumed up to the end of this chunk.
    pub(crate) consumed: u64,
}

impl Chunk {
    fn field(&self, (s, e): (u32, u32)) -> &[u8] {
        let (src, s) = if s & EXTRA != 0 {
            (&self.extra, s & !EXTRA)
        } else {
            (&self.buf, s)
        };
        src.get(s as usize..e as usize).unwrap_or_default()
    }

    /// The events, in the order of the log.
    pub(crate) fn events(&self) -> impl Iterator<Item = Event<'_>> + Clone {
        self.events.iter().map(|d| {
            let [id, user, role, dept, patient, activity] = d.fields;
            Event {
                place: Place::Line(d.line),
                event_id: self.field(id),
                at: d.at,
                user_id: self.field(user),
                user_role: self.field(role),
                department: self.field(dept),
                patient_id: self.field(patient),
                activity: self.field(activity),
                break_glass: d.flags & 1 != 0,
                login: d.flags & 2 != 0,
                failed: d.flags & 4 != 0,
            }
        })
    }

    fn push(&mut self, rec: &Record<'_>, at: Stamp, spans: &[Span; 6], flags: u8) {
        let fields = spans.map(|s| {
            if s.start & SCRATCH == 0 {
                return (s.start, s.end);
            }
            // An unescaped field lives in the reader's scratch buffer: copied.
            let bytes = rec.bytes(s);
            let start = u32::try_from(self.extra.len()).unwrap_or(0);
            self.extra.extend_from_slice(bytes);
            (start | EXTRA, u32::try_from(self.extra.len()).unwrap_or(0))
        });
        self.events.push(Decoded {
            line: rec.line,
            at,
            fields,
            flags,
        });
    }
}

/// Reads the log on a second thread and hands each chunk to `apply` on this one; returns the
/// log's rejected rows.
pub(crate) fn run<R: Read + Send>(
    f: TableFile<R>,
    dec: CsvEvents,
    mut apply: impl FnMut(&Chunk) -> Result<(), LoadError>,
) -> Result<Rejects, LoadError> {
    let (tx, rx) = mpsc::sync_channel::<Result<Chunk, LoadError>>(QUEUE);
    let (free_tx, free_rx) = mpsc::channel::<Chunk>();
    thread::scope(|s| {
        let reader = s.spawn(move || produce(f, &dec, &tx, &free_rx));
        let mut result = Ok(());
        for msg in &rx {
            match msg.and_then(|c| apply(&c).map(|()| c)) {
                Ok(c) => {
                    // The reader may have finished; then the chunk is simply dropped.
                    let _ = free_tx.send(c);
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        // Dropping the receiver stops a reader still sending.
        drop(rx);
        let rejects = reader.join().map_err(|_| LoadError::Io {
            file: FileKind::Events,
            source: io::Error::other("the reading thread stopped"),
        })?;
        result.map(|()| rejects)
    })
}

fn produce<R: Read>(
    mut f: TableFile<R>,
    dec: &CsvEvents,
    tx: &mpsc::SyncSender<Result<Chunk, LoadError>>,
    free: &mpsc::Receiver<Chunk>,
) -> Rejects {
    loop {
        let mut chunk = free.try_recv().unwrap_or_default();
        let spare = std::mem::take(&mut chunk.buf);
        chunk.extra.clear();
        chunk.events.clear();
        if let Err(e) = fill(&mut f, dec, &mut chunk) {
            let _ = tx.send(Err(e));
            return f.rejects;
        }
        chunk.consumed = f.consumed();
        if f.exhausted() {
            let (buf, rejects) = f.into_buffer();
            chunk.buf = buf;
            let _ = tx.send(Ok(chunk));
            return rejects;
        }
        match f.swap(spare) {
            Ok(buf) => chunk.buf = buf,
            Err(e) => {
                let _ = tx.send(Err(e));
                return f.rejects;
            }
        }
        if tx.send(Ok(chunk)).is_err() {
            return f.rejects;
        }
    }
}

/// Decodes the records of the reader's buffer into `chunk`.
fn fill<R: Read>(
    f: &mut TableFile<R>,
    dec: &CsvEvents,
    chunk: &mut Chunk,
) -> Result<(), LoadError> {
    loop {
        let bad = {
            let Some(rec) = f.next_buffered()? else {
                return Ok(());
            };
            match dec.decode(&rec) {
                Ok((at, spans, flags)) => {
                    chunk.push(&rec, at, &spans, flags);
                    None
                }
                Err(e) => Some(e),
            }
        };
        if let Some(e) = bad {
            f.rejects.add(e)?;
        }
    }
}

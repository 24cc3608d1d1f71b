//! Access events as the rules see them, and their reading from CSV/TSV access logs.

use crate::date::{Layout, Stamp};
use crate::intern::same;
use crate::mapping::EventsMapping;
use crate::report::{LoadError, Place, Problem, RowError};
use crate::scan::{Record, Span};
use crate::table_file::TableFile;

/// One access event. Fields borrow the reader's buffer: nothing of the log is copied unless
/// an alert needs it.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// Where it was read.
    pub place: Place,
    /// The log's id of the event.
    pub event_id: &'a [u8],
    /// When (wall-clock time as logged).
    pub at: Stamp,
    /// The account.
    pub user_id: &'a [u8],
    /// The account's role (empty if not logged).
    pub user_role: &'a [u8],
    /// The login department (empty if not logged).
    pub department: &'a [u8],
    /// The patient (empty for events without one, such as log-ins).
    pub patient_id: &'a [u8],
    /// What was opened (empty if not logged).
    pub activity: &'a [u8],
    /// An emergency ("break-the-glass") access.
    pub break_glass: bool,
    /// A log-in.
    pub login: bool,
    /// The action failed.
    pub failed: bool,
}

/// Column positions and value lists of a CSV access log.
#[derive(Debug)]
pub(crate) struct CsvEvents {
    width: usize,
    id: usize,
    time: usize,
    user: usize,
    role: Option<usize>,
    dept: Option<usize>,
    patient: Option<usize>,
    action: Option<usize>,
    activity: Option<usize>,
    outcome: Option<usize>,
    layout: Layout,
    names: [String; 3],
    break_glass: Vec<Vec<u8>>,
    login: Vec<Vec<u8>>,
    failure: Vec<Vec<u8>>,
}

impl CsvEvents {
    /// Finds the mapped columns in the header of `f`.
    pub(crate) fn new<R>(f: &TableFile<R>, m: &EventsMapping) -> Result<Self, LoadError>
    where
        R: std::io::Read,
    {
        let c = &m.columns;
        let bytes = |v: &[String]| v.iter().map(|s| s.as_bytes().to_vec()).collect();
        Ok(Self {
            width: f.width(),
            id: f.required(&c.event_id)?,
            time: f.required(&c.event_time)?,
            user: f.required(&c.user_id)?,
            role: f.optional(&c.user_role),
            dept: f.optional(&c.department),
            patient: f.optional(&c.patient_id),
            action: f.optional(&c.action),
            activity: f.optional(&c.activity),
            outcome: f.optional(&c.outcome),
            layout: Layout::new(&m.timestamp).map_err(LoadError::Mapping)?,
            names: [c.event_id.clone(), c.event_time.clone(), c.user_id.clone()],
            break_glass: bytes(&m.break_glass_actions),
            login: bytes(&m.login_actions),
            failure: bytes(&m.failure_outcomes),
        })
    }

    /// Reads one record as an event: its time and flags, and where its fields are (event id,
    /// user, role, department, patient, activity).
    #[inline]
    pub(crate) fn decode(&self, r: &Record<'_>) -> Result<(Stamp, [Span; 6], u8), RowError> {
        if r.len() != self.width {
            return Err(RowError::at(
                r.line,
                "",
                Problem::FieldCount {
                    found: r.len(),
                    expected: self.width,
                },
            ));
        }
        let [id_name, time_name, user_name] = &self.names;
        if r.get(self.id).is_empty() {
            return Err(RowError::at(r.line, id_name, Problem::Missing));
        }
        let time = r.get(self.time);
        if time.is_empty() {
            return Err(RowError::at(r.line, time_name, Problem::Missing));
        }
        let Some(at) = self.layout.stamp(time) else {
            return Err(RowError::at(
                r.line,
                time_name,
                Problem::Unparseable(format!("a time in the layout {}", self.layout.as_str())),
            ));
        };
        if r.get(self.user).is_empty() {
            return Err(RowError::at(r.line, user_name, Problem::Missing));
        }
        let get = |c: Option<usize>| c.map_or(&b""[..], |c| r.get(c));
        let span = |c: Option<usize>| c.map_or(Span::default(), |c| r.span(c));
        let (action, outcome) = (get(self.action), get(self.outcome));
        let flags = u8::from(self.break_glass.iter().any(|v| same(v, action)))
            | u8::from(self.login.iter().any(|v| same(v, action))) << 1
            | u8::from(self.failure.iter().any(|v| same(v, outcome))) << 2;
        let spans = [
            r.span(self.id),
            r.span(self.user),
            span(self.role),
            span(self.dept),
            span(self.patient),
            span(self.activity),
        ];
        Ok((at, spans, flags))
    }
}

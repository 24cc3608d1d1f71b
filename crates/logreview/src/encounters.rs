//! Encounters: read on their own thread (the largest reference file), then grouped by patient
//! with each patient's visits sorted by day, so that "was this patient seen in this
//! department from 30 days before to a day after" is a short search in a few entries.

use std::io::Read;

use crate::date::{Day, Layout};
use crate::intern::{Interner, NONE};
use crate::mapping::Mapping;
use crate::report::{FileKind, LoadError, Problem, Rejects, RowError};
use crate::table_file::{TableFile, req};
use crate::tables::Tables;

/// Each patient's visits, (day, department), the patient's range in its
/// [`crate::people::PatientState`].
#[derive(Debug, Default)]
pub struct Encounters {
    visits: Vec<(i32, u32)>,
}

impl Encounters {
    /// Whether the visits `range` have one from `from` to `to` (inclusive) in `dept`, or in
    /// any department when `dept` is `NONE`.
    #[inline]
    pub fn any_between(&self, range: (u32, u32), from: Day, to: Day, dept: u32) -> bool {
        let Some(v) = self.visits.get(range.0 as usize..range.1 as usize) else {
            return false;
        };
        let first = v.partition_point(|&(d, _)| d < from.0);
        v[first..]
            .iter()
            .take_while(|(d, _)| *d <= to.0)
            .any(|&(_, e)| dept == NONE || e == dept)
    }

    /// Reads the first visit at `start`, so that it is in the cache when asked about.
    #[inline]
    pub fn touch(&self, start: u32) {
        if let Some(v) = self.visits.get(start as usize) {
            std::hint::black_box(*v);
        }
    }

    /// How many encounters are held.
    pub fn len(&self) -> usize {
        self.visits.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.visits.is_empty()
    }
}

/// The encounters file as read, with its own numbering of patients and departments (the
/// patients file is read at the same time).
#[derive(Debug)]
pub(crate) struct EncounterFile {
    patients: Interner,
    depts: Interner,
    rows: Vec<(u32, i32, u32)>,
    count: u64,
    rejects: Rejects,
}

/// Reads the encounters file.
pub(crate) fn read<R: Read>(src: R, m: &Mapping) -> Result<EncounterFile, LoadError> {
    let em = &m.encounters;
    let cols = &em.columns;
    let mut file = TableFile::open(
        src,
        FileKind::Encounters,
        em.delimiter,
        em.quoting,
        m.bad_row_limit(),
    )?;
    let (pat_col, dept_col, date_col) = (
        file.required(&cols.patient_id)?,
        file.required(&cols.department)?,
        file.required(&cols.encounter_date)?,
    );
    let layout = Layout::new(&em.date).map_err(LoadError::Mapping)?;
    let (mut patients, mut depts): (Interner, Interner) = Default::default();
    let mut rows = Vec::new();
    let count = file.each(|r| {
        let p = req(r, pat_col, &cols.patient_id)?;
        let d = req(r, dept_col, &cols.department)?;
        let day = layout
            .day(req(r, date_col, &cols.encounter_date)?)
            .ok_or_else(|| {
                RowError::at(
                    r.line,
                    &cols.encounter_date,
                    Problem::Unparseable(format!("a date in the layout {}", layout.as_str())),
                )
            })?;
        rows.push((patients.intern(p).0, day.0, depts.intern(d).0));
        Ok(())
    })?;
    Ok(EncounterFile {
        patients,
        depts,
        rows,
        count,
        rejects: file.rejects,
    })
}

/// Numbers the encounters' patients and departments as the tables do, and groups the visits
/// by patient (a counting sort: the patients are numbered densely).
pub(crate) fn attach(read: EncounterFile, t: &mut Tables) -> (Encounters, Rejects) {
    // An encounter of a patient not in the patients file cannot explain any alert (the rules
    // only judge known patients): counted, not kept.
    let patient: Vec<u32> = (0..read.patients.len())
        .map(|i| {
            let id = u32::try_from(i).unwrap_or(NONE);
            t.patients
                .ids
                .get(read.patients.resolve(id))
                .unwrap_or(NONE)
        })
        .collect();
    let dept: Vec<u32> = (0..read.depts.len())
        .map(|i| {
            t.depts
                .intern(read.depts.resolve(u32::try_from(i).unwrap_or(NONE)))
                .0
        })
        .collect();
    let mut ranges = vec![(0u32, 0u32); t.patients.known];
    let mut unknown = 0u64;
    for &(p, _, _) in &read.rows {
        match patient
            .get(p as usize)
            .and_then(|&g| ranges.get_mut(g as usize))
        {
            Some(x) => x.1 += 1,
            None => unknown += 1,
        }
    }
    let mut next = 0u32;
    for x in &mut ranges {
        let n = x.1;
        *x = (next, next);
        next += n;
    }
    let mut visits = vec![(0i32, 0u32); next as usize];
    for &(p, day, d) in &read.rows {
        if let Some(x) = patient
            .get(p as usize)
            .and_then(|&g| ranges.get_mut(g as usize))
            && let Some(v) = visits.get_mut(x.1 as usize)
        {
            *v = (day, dept.get(d as usize).copied().unwrap_or(NONE));
            x.1 += 1;
        }
    }
    for &(a, b) in &ranges {
        if let Some(v) = visits.get_mut(a as usize..b as usize) {
            v.sort_unstable();
        }
    }
    for (id, st) in t.patients.ids.payloads_mut() {
        (st.start, st.end) = ranges.get(id as usize).copied().unwrap_or_default();
    }
    t.load.rows[3] = read.count;
    t.load.encounters_unknown_patient = unknown;
    (Encounters { visits }, read.rejects)
}

//! The reference tables a review needs: departments, the workforce, patients and encounters,
//! each read once, streamed, into compact indexes.

use std::io::Read;

use crate::encounters::{self, Encounters};
use crate::intern::Interner;
use crate::mapping::{Mapping, parse_flag};
use crate::people::{self, Patients, Workforce};
use crate::report::{FileKind, LoadError, Problem, Rejects, RowError};
use crate::table_file::{TableFile, req};

/// What the departments file says of a department.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dept {
    /// In the departments file.
    pub listed: bool,
    /// Staffed around the clock.
    pub around_clock: bool,
    /// Business (billing, health information management): any department's encounter
    /// explains its access.
    pub business: bool,
}

/// Everything the rules look up.
#[derive(Debug, Default)]
pub struct Tables {
    /// Department names: those of the departments file first, then others as met.
    pub depts: Interner,
    /// Per department id.
    pub dept: Vec<Dept>,
    /// The workforce.
    pub workforce: Workforce,
    /// The patients.
    pub patients: Patients,
    /// The encounters.
    pub encounters: Encounters,
    /// How the files went.
    pub load: TablesReport,
}

/// Rows read and rejected per reference file.
#[derive(Debug, Default, Clone)]
pub struct TablesReport {
    /// Rows accepted: departments, workforce, patients, encounters.
    pub rows: [u64; 4],
    /// Encounters naming a patient not in the patients file (skipped).
    pub encounters_unknown_patient: u64,
    /// Rejected rows of each file.
    pub rejects: Vec<Rejects>,
}

/// The four reference files.
#[derive(Debug)]
pub struct TableSources<R> {
    /// Departments.
    pub departments: R,
    /// Workforce roster.
    pub workforce: R,
    /// Patients.
    pub patients: R,
    /// Encounters.
    pub encounters: R,
}

impl Tables {
    /// Reads the reference files: the encounters (the largest) on a second thread while
    /// this one reads the others.
    pub fn load<R: Read + Send>(src: TableSources<R>, m: &Mapping) -> Result<Self, LoadError> {
        m.validate()?;
        let TableSources {
            departments,
            workforce,
            patients,
            encounters,
        } = src;
        std::thread::scope(|s| {
            let visits = s.spawn(move || encounters::read(encounters, m));
            let mut t = Self::default();
            let others = Self::load_others(&mut t, departments, workforce, patients, m);
            let visits = visits.join().map_err(|_| LoadError::Io {
                file: FileKind::Encounters,
                source: std::io::Error::other("the reading thread stopped"),
            })?;
            others?;
            let (enc, r) = encounters::attach(visits?, &mut t);
            t.encounters = enc;
            t.load.rejects.push(r);
            t.dept.resize(t.depts.len(), Dept::default());
            Ok(t)
        })
    }

    fn load_others<R: Read>(
        tables: &mut Self,
        departments: R,
        workforce: R,
        patients: R,
        mapping: &Mapping,
    ) -> Result<(), LoadError> {
        let rejects = read_departments(departments, mapping, tables)?;
        tables.load.rejects.push(rejects);
        let (roster, rejects) = people::read_workforce(workforce, mapping, &mut tables.depts)?;
        tables.load.rows[1] = roster.known as u64;
        tables.load.rejects.push(rejects);
        tables.workforce = roster;
        let (people, rejects) = people::read_patients(patients, mapping, &tables.workforce)?;
        tables.load.rows[2] = people.known as u64;
        tables.load.rejects.push(rejects);
        tables.patients = people;
        Ok(())
    }

    /// A department's facts (all false for one not in the departments file).
    #[inline]
    pub fn dept(&self, d: u32) -> Dept {
        self.dept.get(d as usize).copied().unwrap_or_default()
    }
}

fn read_departments<R: Read>(src: R, m: &Mapping, t: &mut Tables) -> Result<Rejects, LoadError> {
    let dm = &m.departments;
    let c = &dm.columns;
    let mut f = TableFile::open(
        src,
        FileKind::Departments,
        dm.delimiter,
        dm.quoting,
        m.bad_row_limit(),
    )?;
    let (name_col, clock_col, kind_col) = (
        f.required(&c.department)?,
        f.required(&c.is_24x7)?,
        f.required(&c.kind)?,
    );
    let rows = f.each(|r| {
        let name = req(r, name_col, &c.department)?;
        let around_clock = parse_flag(req(r, clock_col, &c.is_24x7)?).ok_or_else(|| {
            RowError::at(
                r.line,
                &c.is_24x7,
                Problem::Unparseable("a yes/no flag".into()),
            )
        })?;
        let kind = req(r, kind_col, &c.kind)?;
        let business = if kind.eq_ignore_ascii_case(b"business") {
            true
        } else if kind.eq_ignore_ascii_case(b"clinical") {
            false
        } else {
            return Err(RowError::at(
                r.line,
                &c.kind,
                Problem::Unparseable("clinical or business".into()),
            ));
        };
        let (id, new) = t.depts.intern(name);
        if !new {
            return Err(RowError::at(r.line, &c.department, Problem::Duplicate));
        }
        debug_assert_eq!(id as usize, t.dept.len());
        t.dept.push(Dept {
            listed: true,
            around_clock,
            business,
        });
        Ok(())
    })?;
    t.load.rows[0] = rows;
    Ok(f.rejects)
}

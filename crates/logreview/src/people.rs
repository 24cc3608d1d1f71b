//! The workforce roster and the patients, and what links them: which patient records are a
//! workforce member's own (same last name, first name and date of birth), and which belong to
//! their household (same last name and home address, and not the same person).
//!
//! Only the links are kept. Names, dates of birth and addresses are read, matched while the
//! patients file streams past, and dropped: the review needs no demographics after that.

use std::hash::{BuildHasher, Hash};
use std::io::Read;

use hashbrown::{DefaultHashBuilder, HashMap};

use crate::date::{Day, Layout};
use crate::intern::{Interner, NONE};
use crate::mapping::{Mapping, parse_flag};
use crate::report::{FileKind, LoadError, Problem, Rejects, RowError};
use crate::table_file::{TableFile, opt, req};

/// One workforce member, as far as matching needs.
#[derive(Debug)]
struct Person {
    user: u32,
    dept: u32,
    last: Option<Box<[u8]>>,
    first: Option<Box<[u8]>>,
    dob: Option<Day>,
    address: Option<Box<[u8]>>,
}

/// The workforce: accounts, their department and termination day.
#[derive(Debug, Default)]
pub struct Workforce {
    /// Account ids; those of the roster come first (`0..known`).
    pub ids: Interner,
    /// Rows of the roster.
    pub known: usize,
    /// The roster's department of each account.
    pub dept: Vec<u32>,
    /// The day employment ended, for terminated accounts.
    pub terminated_on: Vec<Option<Day>>,
    people: Vec<Person>,
}

/// Links of one patient to workforce members.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Links {
    /// Workforce members whose own record this is, with their department.
    pub own: Vec<(u32, u32)>,
    /// Workforce members of the same household.
    pub family: Vec<u32>,
}

/// The patients: ids, flags and links to the workforce.
#[derive(Debug, Default)]
pub struct Patients {
    /// The patients of the file (MRNs, ids `0..known`), each with its state beside its key,
    /// so that one lookup (one cache miss) brings both.
    pub ids: Interner<PatientState>,
    /// Patients met in the log but not in the file: ids `known + n`.
    pub unknown: Interner,
    /// Rows of the file.
    pub known: usize,
    /// Dates of death, for the deceased.
    pub died: HashMap<u32, Day>,
    /// Links, for the linked.
    pub links: HashMap<u32, Links>,
}

/// What an event needs of a patient.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PatientState {
    /// The patient's encounters are `start..end` of [`crate::encounters::Encounters`].
    pub start: u32,
    /// End of the range.
    pub end: u32,
    /// Day of the last answer.
    pub memo_day: i32,
    /// Department of the last answer.
    pub memo_dept: u32,
    /// [`Patients::VIP`], [`Patients::LINKED`], [`Patients::DECEASED`], and the answer bits.
    pub flags: u8,
}

impl Patients {
    /// The last answer is set.
    pub const MEMO: u8 = 8;
    /// The last answer: explained by an encounter.
    pub const EXPLAINED: u8 = 16;
    /// VIP or confidential.
    pub const VIP: u8 = 1;
    /// Has an entry in `links`.
    pub const LINKED: u8 = 2;
    /// Has an entry in `died`.
    pub const DECEASED: u8 = 4;
}

/// Hashes a tuple of fields, so that the indexes need no owned keys.
fn key<T: Hash>(h: &DefaultHashBuilder, t: T) -> u64 {
    h.hash_one(t)
}

/// Reads the workforce roster; departments are interned into `depts`.
pub(crate) fn read_workforce<R: Read>(
    src: R,
    mapping: &Mapping,
    depts: &mut Interner,
) -> Result<(Workforce, Rejects), LoadError> {
    let wm = &mapping.workforce;
    let cols = &wm.columns;
    let mut file = TableFile::open(
        src,
        FileKind::Workforce,
        wm.delimiter,
        wm.quoting,
        mapping.bad_row_limit(),
    )?;
    let user_col = file.required(&cols.user_id)?;
    let (first_col, last_col) = (
        file.optional(&cols.first_name),
        file.optional(&cols.last_name),
    );
    let name_col = if first_col.is_some() && last_col.is_some() {
        None
    } else {
        file.optional(&cols.name)
    };
    let (dob_col, dept_col) = (file.optional(&cols.dob), file.optional(&cols.department));
    let (status_col, term_col) = (
        file.optional(&cols.status),
        file.optional(&cols.termination_date),
    );
    let addr_col = file.optional(&cols.home_address);
    let layout = Layout::new(&wm.date).map_err(LoadError::Mapping)?;
    let mut roster = Workforce::default();
    file.each(|r| {
        let id = req(r, user_col, &cols.user_id)?;
        let (last, first) = names(r, first_col, last_col, name_col);
        let dob = date(r, dob_col, &cols.dob, &layout)?;
        let ended = date(r, term_col, &cols.termination_date, &layout)?;
        let terminated = match opt(r, status_col) {
            Some(s) => wm
                .terminated_status
                .iter()
                .any(|t| s.eq_ignore_ascii_case(t.as_bytes())),
            None => status_col.is_none(),
        };
        let (user, new) = roster.ids.intern(id);
        if !new {
            return Err(RowError::at(r.line, &cols.user_id, Problem::Duplicate));
        }
        let dept = opt(r, dept_col).map_or(NONE, |d| depts.intern(d).0);
        roster.dept.push(dept);
        roster.terminated_on.push(ended.filter(|_| terminated));
        roster.people.push(Person {
            user,
            dept,
            last: last.map(Box::from),
            first: first.map(Box::from),
            dob,
            address: opt(r, addr_col).map(Box::from),
        });
        Ok(())
    })?;
    roster.known = roster.ids.len();
    Ok((roster, file.rejects))
}

/// Reads the patients, matching each against the workforce as it goes.
pub(crate) fn read_patients<R: Read>(
    src: R,
    mapping: &Mapping,
    roster: &Workforce,
) -> Result<(Patients, Rejects), LoadError> {
    let pm = &mapping.patients;
    let cols = &pm.columns;
    let mut file = TableFile::open(
        src,
        FileKind::Patients,
        pm.delimiter,
        pm.quoting,
        mapping.bad_row_limit(),
    )?;
    let id_col = file.required(&cols.patient_id)?;
    let (first_col, last_col) = (
        file.optional(&cols.first_name),
        file.optional(&cols.last_name),
    );
    let name_col = if first_col.is_some() && last_col.is_some() {
        None
    } else {
        file.optional(&cols.name)
    };
    let (dob_col, addr_col) = (file.optional(&cols.dob), file.optional(&cols.address));
    let (vip_col, died_col) = (
        file.optional(&cols.vip_flag),
        file.optional(&cols.date_of_death),
    );
    let layout = Layout::new(&pm.date).map_err(LoadError::Mapping)?;

    // The roster indexed by (last, first, dob) and by (last, address); nulls never match.
    let hasher = DefaultHashBuilder::default();
    let mut by_person: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut by_home: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, p) in roster.people.iter().enumerate() {
        if let (Some(l), Some(fi), Some(d)) = (&p.last, &p.first, p.dob) {
            by_person
                .entry(key(&hasher, (&**l, &**fi, d)))
                .or_default()
                .push(i);
        }
        if let (Some(l), Some(a)) = (&p.last, &p.address) {
            by_home
                .entry(key(&hasher, (&**l, &**a)))
                .or_default()
                .push(i);
        }
    }

    let mut out = Patients {
        ids: Interner::with_capacity(1 << 16),
        ..Patients::default()
    };
    file.each(|r| {
        let id = req(r, id_col, &cols.patient_id)?;
        let (last, first) = names(r, first_col, last_col, name_col);
        let dob = date(r, dob_col, &cols.dob, &layout)?;
        let died = date(r, died_col, &cols.date_of_death, &layout)?;
        let vip = match opt(r, vip_col) {
            None => false,
            Some(v) => parse_flag(v).ok_or_else(|| {
                RowError::at(
                    r.line,
                    &cols.vip_flag,
                    Problem::Unparseable("a yes/no flag".into()),
                )
            })?,
        };
        let address = opt(r, addr_col);
        if out.ids.get(id).is_some() {
            return Err(RowError::at(r.line, &cols.patient_id, Problem::Duplicate));
        }
        let (pid, _) = out.ids.intern(id);
        let mut links = Links::default();
        if let (Some(l), Some(fi), Some(d)) = (last, first, dob)
            && let Some(cands) = by_person.get(&key(&hasher, (l, fi, d)))
        {
            for p in cands.iter().filter_map(|&i| roster.people.get(i)) {
                if p.last.as_deref() == Some(l)
                    && p.first.as_deref() == Some(fi)
                    && p.dob == Some(d)
                {
                    links.own.push((p.user, p.dept));
                }
            }
        }
        if let (Some(l), Some(a)) = (last, address)
            && let Some(cands) = by_home.get(&key(&hasher, (l, a)))
        {
            for p in cands.iter().filter_map(|&i| roster.people.get(i)) {
                // As SQL's three-valued NOT (first = first AND dob = dob): only when the two
                // are known to differ in first name or in date of birth.
                let first_differs = matches!((first, &p.first), (Some(x), Some(y)) if x != &**y);
                let dob_differs = matches!((dob, p.dob), (Some(x), Some(y)) if x != y);
                if p.last.as_deref() == Some(l)
                    && p.address.as_deref() == Some(a)
                    && (first_differs || dob_differs)
                {
                    links.family.push(p.user);
                }
            }
        }
        let mut flags = if vip { Patients::VIP } else { 0 };
        if links != Links::default() {
            flags |= Patients::LINKED;
            out.links.insert(pid, links);
        }
        if let Some(d) = died {
            flags |= Patients::DECEASED;
            out.died.insert(pid, d);
        }
        if let Some(st) = out.ids.find(id).and_then(|b| out.ids.slot_mut(b)) {
            st.flags = flags;
        }
        Ok(())
    })?;
    out.known = out.ids.len();
    Ok((out, file.rejects))
}

/// (last, first): from their own columns, or split from "LAST, FIRST".
fn names<'a>(
    r: &crate::scan::Record<'a>,
    first_col: Option<usize>,
    last_col: Option<usize>,
    name_col: Option<usize>,
) -> (Option<&'a [u8]>, Option<&'a [u8]>) {
    if first_col.is_some() && last_col.is_some() {
        return (opt(r, last_col), opt(r, first_col));
    }
    let Some(full) = opt(r, name_col) else {
        return (None, None);
    };
    match memchr::memchr(b',', full) {
        Some(i) => {
            let last = full[..i].trim_ascii();
            let first = full[i + 1..].trim_ascii();
            (
                Some(last).filter(|s| !s.is_empty()),
                Some(first).filter(|s| !s.is_empty()),
            )
        }
        None => (Some(full), None),
    }
}

fn date(
    r: &crate::scan::Record<'_>,
    col: Option<usize>,
    name: &str,
    layout: &Layout,
) -> Result<Option<Day>, RowError> {
    match opt(r, col) {
        None => Ok(None),
        Some(v) => layout.day(v).map(Some).ok_or_else(|| {
            RowError::at(
                r.line,
                name,
                Problem::Unparseable(format!("a date in the layout {}", layout.as_str())),
            )
        }),
    }
}

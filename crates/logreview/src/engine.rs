//! The rules applied to a stream of events, one event at a time.
//!
//! What the engine keeps (PHI minimization): interned ids of the users and patients it meets,
//! the per-day distinct (user, patient) pairs the volume rule needs, the times and ids of
//! failed log-ins, and counts. Alerts go to the caller as they are found; no event is kept.

use std::io;

use hashbrown::HashMap;

use crate::date::Day;
use crate::events::Event;
use crate::failed::FailedCounter;
use crate::intern::{Interner, NONE, same};
use crate::people::Patients;
use crate::rules::{Rule, RuleParams, RuleSet};
use crate::tables::Tables;
use crate::volume::VolumeCounter;

/// One alert: which rule, which event, whose access to whom, on which day, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The rule.
    pub rule: Rule,
    /// The event's id; empty for alerts about a user-day (`volume_outlier`).
    pub event_id: String,
    /// The account.
    pub user_id: String,
    /// The patient; empty when the alert is not about one.
    pub patient_id: String,
    /// The day.
    pub day: Day,
    /// Why, in a few words (no demographics).
    pub detail: String,
}

/// Counts of a review.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Events reviewed.
    pub events: u64,
    /// The first and last day seen.
    pub days: Option<(Day, Day)>,
    /// Alerts per rule, indexed like [`Rule::ALL`].
    pub alerts: [u64; 11],
    /// Accounts in the log but not in the workforce roster (distinct), and their events.
    pub unknown_users: (u64, u64),
    /// Patients in the log but not in the patients file (distinct), and their events.
    pub unknown_patients: (u64, u64),
    /// Events of a department not in the departments file.
    pub unlisted_department_events: u64,
}

/// What the lookups of one event found.
#[derive(Debug, Clone, Copy)]
struct Ids {
    user: u32,
    patient: u32,
    bucket: usize,
    actor: Actor,
    flags: Option<u8>,
    explained: bool,
}

#[derive(Debug, Clone, Copy)]
struct Actor {
    dept: u32,
    role: u32,
    id: u32,
}

/// The rules over an event stream.
#[derive(Debug)]
pub struct Engine {
    t: Tables,
    rules: RuleSet,
    p: RuleParams,
    roles: Interner,
    actors: HashMap<(u32, u32, u32), u32>,
    actor_of: Vec<(u32, u32, u32)>,
    last_actor: Vec<Option<Actor>>,
    volume: VolumeCounter,
    failed: FailedCounter,
    counts: Counts,
    batch: Vec<Ids>,
}

impl Engine {
    /// An engine over the reference tables, with the rules and parameters to apply.
    pub fn new(tables: Tables, rules: RuleSet, params: RuleParams) -> Self {
        Self {
            t: tables,
            rules,
            p: params,
            roles: Interner::default(),
            actors: HashMap::new(),
            actor_of: Vec::new(),
            last_actor: Vec::new(),
            volume: VolumeCounter::new(),
            failed: FailedCounter::default(),
            counts: Counts::default(),
            batch: Vec::new(),
        }
    }

    /// Applies the rules to one event, handing alerts to `out`.
    #[inline]
    pub fn observe(
        &mut self,
        ev: &Event<'_>,
        out: &mut impl FnMut(Alert) -> io::Result<()>,
    ) -> io::Result<()> {
        let ids = self.resolve(ev);
        self.apply(ev, &ids, out)
    }

    /// Applies the rules to events in order. The lookups of all the events are made first,
    /// one kind at a time (ids, then encounters), then the rules: lookups of different events
    /// do not wait for one another, so the processor overlaps their memory accesses (a cache
    /// miss each, in tables of hundreds of thousands of patients).
    pub fn observe_all(
        &mut self,
        events: &[Event<'_>],
        out: &mut impl FnMut(Alert) -> io::Result<()>,
    ) -> io::Result<()> {
        // Groups small enough that what their lookups bring into the cache stays there.
        for group in events.chunks(128) {
            self.observe_group(group, out)?;
        }
        Ok(())
    }

    fn observe_group(
        &mut self,
        events: &[Event<'_>],
        out: &mut impl FnMut(Alert) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut ids = std::mem::take(&mut self.batch);
        ids.clear();
        ids.extend(events.iter().map(|ev| self.ids(ev)));
        let (patients, visits) = (&self.t.patients.ids, &self.t.encounters);
        for i in &ids {
            if let Some((_, st)) = patients.slot(i.bucket) {
                visits.touch(st.start);
            }
        }
        for (ev, i) in events.iter().zip(&mut ids) {
            (i.actor, i.explained) = self.care(i, ev);
        }
        for (ev, i) in events.iter().zip(&ids) {
            self.apply(ev, i, out)?;
        }
        self.batch = ids;
        Ok(())
    }

    /// The lookups of an event.
    #[inline]
    fn resolve(&mut self, ev: &Event<'_>) -> Ids {
        let mut ids = self.ids(ev);
        (ids.actor, ids.explained) = self.care(&ids, ev);
        ids
    }

    /// The user and patient of an event, and where the patient's state is.
    #[inline]
    fn ids(&mut self, ev: &Event<'_>) -> Ids {
        let user = self.t.workforce.ids.intern(ev.user_id).0;
        let p = &mut self.t.patients;
        let (patient, bucket, flags) = if ev.patient_id.is_empty() {
            (NONE, usize::MAX, None)
        } else if let Some(b) = p.ids.find(ev.patient_id) {
            let (id, st) = p.ids.slot(b).map_or((NONE, 0), |(id, st)| (id, st.flags));
            (id, b, Some(st))
        } else {
            let known = u32::try_from(p.known).unwrap_or(NONE);
            let id = known.saturating_add(p.unknown.intern(ev.patient_id).0);
            (id.min(NONE - 1), usize::MAX, None)
        };
        Ids {
            user,
            patient,
            bucket,
            actor: Actor {
                dept: NONE,
                role: NONE,
                id: NONE,
            },
            flags,
            explained: false,
        }
    }

    /// The actor, and whether an encounter explains the access.
    #[inline]
    fn care(&mut self, ids: &Ids, ev: &Event<'_>) -> (Actor, bool) {
        let actor = self.actor(ids.user, ev);
        let dept = self.t.dept(actor.dept);
        let explained = ids.flags.is_some()
            && dept.listed
            && (self.rules.has(Rule::Vip) || self.rules.has(Rule::NoCareRelationship))
            && self.explained(actor.dept, dept.business, ids.bucket, ev.at.day);
        (actor, explained)
    }

    /// The rules, once the lookups are made.
    #[inline]
    fn apply(
        &mut self,
        ev: &Event<'_>,
        ids: &Ids,
        out: &mut impl FnMut(Alert) -> io::Result<()>,
    ) -> io::Result<()> {
        let Ids {
            user,
            patient,
            actor,
            flags,
            explained,
            ..
        } = *ids;
        let day = ev.at.day;
        let c = &mut self.counts;
        c.events += 1;
        c.days = Some(match c.days {
            None => (day, day),
            Some((a, b)) => (a.min(day), b.max(day)),
        });
        let known_user = (user as usize) < self.t.workforce.known;
        if !known_user {
            c.unknown_users.1 += 1;
        }
        if patient != NONE && flags.is_none() {
            c.unknown_patients.1 += 1;
        }
        let dept = self.t.dept(actor.dept);
        if !dept.listed {
            c.unlisted_department_events += 1;
        }
        let r = self.rules;
        let emit = |rule: Rule, detail: String, counts: &mut Counts| {
            counts.alerts[rule.index()] += 1;
            out(Alert {
                rule,
                event_id: text(ev.event_id),
                user_id: text(ev.user_id),
                patient_id: text(ev.patient_id),
                day,
                detail,
            })
        };
        let mut emit = emit;

        if let Some(flags) = flags.filter(|_| known_user)
            && flags & Patients::LINKED != 0
            && let Some(l) = self.t.patients.links.get(&patient)
        {
            let own_dept = self
                .t
                .workforce
                .dept
                .get(user as usize)
                .copied()
                .unwrap_or(NONE);
            if r.has(Rule::SelfAccess) && l.own.iter().any(|&(u, _)| u == user) {
                emit(Rule::SelfAccess, "self".into(), &mut self.counts)?;
            }
            if r.has(Rule::Family) && l.family.contains(&user) {
                emit(Rule::Family, "family".into(), &mut self.counts)?;
            }
            if r.has(Rule::Coworker)
                && own_dept != NONE
                && l.own.iter().any(|&(u, d)| u != user && d == own_dept)
            {
                emit(Rule::Coworker, "coworker".into(), &mut self.counts)?;
            }
        }
        if let Some(flags) = flags
            && dept.listed
            && (r.has(Rule::Vip) || r.has(Rule::NoCareRelationship))
            && !explained
        {
            let rule = if flags & Patients::VIP != 0 {
                Rule::Vip
            } else {
                Rule::NoCareRelationship
            };
            if r.has(rule) {
                let w = self.p.care_window;
                let place = if dept.business {
                    "any department".to_owned()
                } else {
                    String::from_utf8_lossy(self.t.depts.resolve(actor.dept)).into_owned()
                };
                let what = if rule == Rule::Vip {
                    "VIP or confidential patient; "
                } else {
                    ""
                };
                let detail = format!(
                    "{what}no encounter in {place} from {} to {}",
                    day.plus(-i32::from(w.days_before)),
                    day.plus(i32::from(w.days_after))
                );
                emit(rule, detail, &mut self.counts)?;
            }
        }
        if r.has(Rule::AfterHours) && dept.listed && !dept.around_clock {
            let h = &self.p.after_hours;
            let hour = ev.at.hour();
            if hour < u32::from(h.opens)
                || hour >= u32::from(h.closes)
                || (h.weekends && day.weekday() >= 5)
            {
                emit(Rule::AfterHours, ev.at.weekday_hhmm(), &mut self.counts)?;
            }
        }
        if r.has(Rule::TerminatedUser)
            && let Some(Some(ended)) = self.t.workforce.terminated_on.get(user as usize)
            && day > *ended
        {
            emit(
                Rule::TerminatedUser,
                format!("terminated {ended}"),
                &mut self.counts,
            )?;
        }
        if r.has(Rule::VolumeOutlier) {
            self.volume.add(actor.id, patient, day);
        }
        if r.has(Rule::BreakGlass) && ev.break_glass {
            emit(Rule::BreakGlass, text(ev.activity), &mut self.counts)?;
        }
        if r.has(Rule::FailedLogins) && ev.failed && (ev.login || self.p.failed_logins.any_failure)
        {
            self.failed.add(user, ev.at, ev.event_id);
        }
        if r.has(Rule::DeceasedPatient)
            && flags.is_some_and(|f| f & Patients::DECEASED != 0)
            && let Some(&died) = self.t.patients.died.get(&patient)
        {
            let after = day.0 - died.0;
            if after > i32::from(self.p.deceased.grace_days) {
                let days = if after == 1 { "day" } else { "days" };
                let detail = format!("{after} {days} after the recorded date of death");
                emit(Rule::DeceasedPatient, detail, &mut self.counts)?;
            }
        }
        Ok(())
    }

    /// The (user, role, department) of the event, interned; cached per user, since a user's
    /// role and department rarely change within a log.
    #[inline]
    fn actor(&mut self, user: u32, ev: &Event<'_>) -> Actor {
        let u = user as usize;
        if let Some(Some(a)) = self.last_actor.get(u)
            && same(self.t.depts.resolve(a.dept), ev.department)
            && same(self.roles.resolve(a.role), ev.user_role)
        {
            return *a;
        }
        let intern = |i: &mut Interner, v: &[u8]| if v.is_empty() { NONE } else { i.intern(v).0 };
        let dept = intern(&mut self.t.depts, ev.department);
        let role = intern(&mut self.roles, ev.user_role);
        let next = u32::try_from(self.actor_of.len()).unwrap_or(NONE);
        let id = *self.actors.entry((user, role, dept)).or_insert(next);
        if id == next {
            self.actor_of.push((user, role, dept));
        }
        let a = Actor { dept, role, id };
        if self.last_actor.len() <= u {
            self.last_actor.resize(u + 1, None);
        }
        self.last_actor[u] = Some(a);
        a
    }

    /// Whether an encounter explains the department's access to the patient that day. The
    /// answer is kept per patient for the last (day, department) asked: the events of one
    /// chart session ask the same question.
    #[inline]
    fn explained(&mut self, dept: u32, business: bool, bucket: usize, day: Day) -> bool {
        let Some(st) = self.t.patients.ids.slot_mut(bucket) else {
            return false;
        };
        if st.flags & Patients::MEMO != 0 && st.memo_day == day.0 && st.memo_dept == dept {
            return st.flags & Patients::EXPLAINED != 0;
        }
        let w = self.p.care_window;
        let e = self.t.encounters.any_between(
            (st.start, st.end),
            day.plus(-i32::from(w.days_before)),
            day.plus(i32::from(w.days_after)),
            if business { NONE } else { dept },
        );
        st.memo_day = day.0;
        st.memo_dept = dept;
        st.flags = st.flags & !Patients::EXPLAINED
            | Patients::MEMO
            | if e { Patients::EXPLAINED } else { 0 };
        e
    }

    /// Ends the stream: hands out the alerts about user-days and accounts, and the counts.
    pub fn finish(mut self, out: &mut impl FnMut(Alert) -> io::Result<()>) -> io::Result<Counts> {
        let mut late = Vec::new();
        let volume = std::mem::replace(&mut self.volume, VolumeCounter::new());
        let actor_of = &self.actor_of;
        let group = |a: u32| {
            let (_, role, dept) = actor_of
                .get(a as usize)
                .copied()
                .unwrap_or((NONE, NONE, NONE));
            u64::from(role) << 32 | u64::from(dept)
        };
        for o in volume.outliers(&self.p.volume, group) {
            let user = actor_of.get(o.actor as usize).map_or(NONE, |a| a.0);
            late.push(Alert {
                rule: Rule::VolumeOutlier,
                event_id: String::new(),
                user_id: self.t.workforce.ids.text(user),
                patient_id: String::new(),
                day: o.day,
                detail: format!(
                    "distinct patients {} vs peer mean {:.1}",
                    o.patients, o.peer_mean
                ),
            });
        }
        let failed = std::mem::take(&mut self.failed);
        for b in failed.bursts(&self.p.failed_logins) {
            late.push(Alert {
                rule: Rule::FailedLogins,
                event_id: text(&b.event_id),
                user_id: self.t.workforce.ids.text(b.user),
                patient_id: String::new(),
                day: b.day,
                detail: format!(
                    "{} failed log-ins within {} minutes",
                    b.failures, self.p.failed_logins.minutes
                ),
            });
        }
        late.sort_by(|a, b| (a.rule, a.day, &a.user_id).cmp(&(b.rule, b.day, &b.user_id)));
        for a in late {
            self.counts.alerts[a.rule.index()] += 1;
            out(a)?;
        }
        let w = &self.t.workforce;
        self.counts.unknown_users.0 = (w.ids.len() - w.known) as u64;
        self.counts.unknown_patients.0 = self.t.patients.unknown.len() as u64;
        Ok(self.counts)
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

//! Distinct patients per user-day, and the user-days far above their peer group.
//!
//! Each day's distinct (actor, patient) pairs are a hash set while the day is open. A log
//! sorted by time (the usual export) has one open day at a time: when a later day starts, the
//! earlier one is sealed: its counts are taken and its pairs are kept only as a compressed
//! sorted list (about 3 bytes a pair instead of about 16). Should an event of a sealed day
//! still come (an unsorted log), the day is reopened from that list and days are no longer
//! sealed, so the counts are right in any order; only the memory saving is lost.

use hashbrown::{HashMap, HashSet};

use crate::date::Day;
use crate::intern::NONE;
use crate::rules::Volume;

/// The distinct-patient counter.
#[derive(Debug)]
pub(crate) struct VolumeCounter {
    open: HashMap<i32, HashSet<u64>>,
    sealed: HashMap<i32, Vec<u8>>,
    counts: HashMap<i32, Vec<(u32, u32)>>,
    max_day: i32,
    sealing: bool,
    /// Per actor, the last (patient, day) counted.
    last: Vec<(u32, i32)>,
}

/// A user-day above its peers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outlier {
    pub day: Day,
    pub actor: u32,
    pub patients: u32,
    pub peer_mean: f64,
}

impl VolumeCounter {
    pub(crate) fn new() -> Self {
        Self {
            open: HashMap::new(),
            sealed: HashMap::new(),
            counts: HashMap::new(),
            max_day: i32::MIN,
            sealing: true,
            last: Vec::new(),
        }
    }

    /// Counts an event of `actor` on `day`, of `patient` (`NONE`: the user-day exists, but
    /// adds no patient, as SQL's `count(DISTINCT)` skips nulls).
    #[inline]
    pub(crate) fn add(&mut self, actor: u32, patient: u32, day: Day) {
        let d = day.0;
        // The events of one chart session repeat the pair: counted once, looked up once.
        let a = actor as usize;
        if self.last.len() <= a {
            self.last.resize(a + 1, (NONE, i32::MIN));
        }
        if self.last[a] == (patient, d) {
            return;
        }
        self.last[a] = (patient, d);
        if d > self.max_day {
            if self.sealing {
                let old: Vec<i32> = self.open.keys().copied().filter(|&o| o < d).collect();
                for o in old {
                    self.seal(o);
                }
            }
            self.max_day = d;
        }
        let key = u64::from(actor) << 32 | u64::from(patient);
        if let Some(set) = self.open.get_mut(&d) {
            set.insert(key);
            return;
        }
        let mut set = HashSet::new();
        if let Some(packed) = self.sealed.remove(&d) {
            // A late event of a sealed day: reopen it and stop sealing.
            self.sealing = false;
            self.counts.remove(&d);
            set.extend(unpack(&packed));
        }
        set.insert(key);
        self.open.insert(d, set);
    }

    fn seal(&mut self, d: i32) {
        let Some(set) = self.open.remove(&d) else {
            return;
        };
        let mut keys: Vec<u64> = set.into_iter().collect();
        keys.sort_unstable();
        self.counts.insert(d, count(&keys));
        self.sealed.insert(d, pack(&keys));
    }

    /// The user-days above their peers; `group` gives an actor's peer group.
    pub(crate) fn outliers(mut self, p: &Volume, group: impl Fn(u32) -> u64) -> Vec<Outlier> {
        for (d, set) in self.open.drain() {
            let mut keys: Vec<u64> = set.into_iter().collect();
            keys.sort_unstable();
            self.counts.insert(d, count(&keys));
        }
        self.sealed.clear();
        // Mean and sample standard deviation per group, in two passes for accuracy.
        let mut stats: HashMap<u64, (u64, f64, f64)> = HashMap::new();
        for (_, rows) in &self.counts {
            for &(a, n) in rows {
                let s = stats.entry(group(a)).or_insert((0, 0.0, 0.0));
                s.0 += 1;
                s.1 += f64::from(n);
            }
        }
        for s in stats.values_mut() {
            s.1 /= count_f64(s.0);
        }
        for (_, rows) in &self.counts {
            for &(a, n) in rows {
                if let Some(s) = stats.get_mut(&group(a)) {
                    s.2 += (f64::from(n) - s.1).powi(2);
                }
            }
        }
        let mut out = Vec::new();
        for (&d, rows) in &self.counts {
            for &(a, n) in rows {
                let Some(&(k, mean, ss)) = stats.get(&group(a)) else {
                    continue;
                };
                if k < 2 || n < p.min_patients {
                    continue; // a sample deviation needs two user-days
                }
                let sd = (ss / count_f64(k - 1)).sqrt();
                if f64::from(n) > mean + p.deviations * sd {
                    out.push(Outlier {
                        day: Day(d),
                        actor: a,
                        patients: n,
                        peer_mean: mean,
                    });
                }
            }
        }
        out
    }
}

#[expect(
    clippy::cast_precision_loss,
    reason = "counts of user-days stay far below 2^52"
)]
fn count_f64(n: u64) -> f64 {
    n as f64
}

/// Distinct patients per actor of one day's sorted pairs.
fn count(keys: &[u64]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &k in keys {
        let (actor, patient) = split(k);
        let add = u32::from(patient != NONE);
        match out.last_mut() {
            Some((a, n)) if *a == actor => *n += add,
            _ => out.push((actor, add)),
        }
    }
    out
}

fn split(k: u64) -> (u32, u32) {
    let [a0, a1, a2, a3, p0, p1, p2, p3] = k.to_be_bytes();
    (
        u32::from_be_bytes([a0, a1, a2, a3]),
        u32::from_be_bytes([p0, p1, p2, p3]),
    )
}

/// Sorted keys as LEB128 deltas.
fn pack(keys: &[u64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(keys.len() * 3);
    let mut prev = 0u64;
    for &k in keys {
        let mut d = k - prev;
        prev = k;
        loop {
            let low = u8::try_from(d & 0x7f).unwrap_or(0);
            d >>= 7;
            if d == 0 {
                out.push(low);
                break;
            }
            out.push(low | 0x80);
        }
    }
    out.shrink_to_fit();
    out
}

fn unpack(bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    let mut i = 0usize;
    let mut prev = 0u64;
    std::iter::from_fn(move || {
        let mut d = 0u64;
        let mut shift = 0;
        loop {
            let b = *bytes.get(i)?;
            i += 1;
            d |= u64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        prev += d;
        Some(prev)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(events: &[(u32, u32, i32)]) -> Vec<(i32, u32, u32)> {
        let mut v = VolumeCounter::new();
        for &(a, p, d) in events {
            v.add(a, p, Day(d));
        }
        for (d, set) in std::mem::take(&mut v.open) {
            let mut keys: Vec<u64> = set.into_iter().collect();
            keys.sort_unstable();
            v.counts.insert(d, count(&keys));
        }
        let mut out: Vec<(i32, u32, u32)> = v
            .counts
            .iter()
            .flat_map(|(&d, rows)| rows.iter().map(move |&(a, n)| (d, a, n)))
            .collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn distinct_patients_are_counted_the_same_in_any_event_order() {
        let mut events = Vec::new();
        for d in 0..5 {
            for a in 0..4u32 {
                for p in 0..(a * 7 + u32::try_from(d).unwrap_or(0)) {
                    events.push((a, p * 13 % 50, d));
                    events.push((a, p * 13 % 50, d));
                }
                events.push((a, NONE, d));
            }
        }
        let sorted = run(&events);
        let mut shuffled = events.clone();
        // A deterministic shuffle: interleave from both ends.
        shuffled.sort_by_key(|&(a, p, d)| {
            (u64::from(p) * 2_654_435_761 + u64::from(a)) % 97 + u64::try_from(d).unwrap_or(0)
        });
        assert_eq!(run(&shuffled), sorted);
        events.reverse();
        assert_eq!(run(&events), sorted);
        assert!(
            sorted.contains(&(0, 0, 0)),
            "a user-day with no patient counts as 0"
        );
    }

    #[test]
    fn packed_days_unpack_to_the_same_pairs() {
        let keys: Vec<u64> = vec![0, 1, 5, 1 << 32, (7 << 32) | 0x6_1a80, u64::MAX];
        assert_eq!(unpack(&pack(&keys)).collect::<Vec<_>>(), keys);
    }

    #[test]
    fn outliers_must_pass_both_the_floor_and_the_peer_deviation() {
        let mut v = VolumeCounter::new();
        // Ten peers with 10 patients a day, one with 100 on day 3.
        for d in 0..5 {
            for a in 0..10u32 {
                let n = if a == 9 && d == 3 { 100 } else { 10 };
                for p in 0..n {
                    v.add(a, p, Day(d));
                }
            }
        }
        let o = v.outliers(&Volume::default(), |_| 0);
        assert_eq!(o.len(), 1);
        assert_eq!((o[0].day, o[0].actor, o[0].patients), (Day(3), 9, 100));
        let mut v = VolumeCounter::new();
        for a in 0..3u32 {
            for p in 0..(if a == 0 { 59 } else { 1 }) {
                v.add(a, p, Day(0));
            }
        }
        assert!(
            v.outliers(
                &Volume {
                    min_patients: 60,
                    deviations: 0.0
                },
                |_| 0
            )
            .is_empty()
        );
    }
}

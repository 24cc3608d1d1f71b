//! Repeated failed log-ins per account (164.308(a)(5)(ii)(C)): failures are kept (time and
//! event id only) until the end, so that the sliding window is right whatever the order of
//! the log.

use hashbrown::HashMap;

use crate::date::{Day, Stamp};
use crate::rules::FailedLogins;

/// One account's failed log-ins: when, and the event's id.
type Failures = Vec<(Stamp, Box<[u8]>)>;

/// Failed log-ins per account.
#[derive(Debug, Default)]
pub(crate) struct FailedCounter {
    by_user: HashMap<u32, Failures>,
}

/// An account-day on which the failures reached the threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Burst {
    pub user: u32,
    pub day: Day,
    /// The failure that reached the threshold.
    pub event_id: Box<[u8]>,
    /// Failures within the window at that point.
    pub failures: usize,
}

impl FailedCounter {
    pub(crate) fn add(&mut self, user: u32, at: Stamp, event_id: &[u8]) {
        self.by_user
            .entry(user)
            .or_default()
            .push((at, Box::from(event_id)));
    }

    /// One burst per account and day: the first point where `attempts` failures fall within
    /// `minutes`.
    pub(crate) fn bursts(self, p: &FailedLogins) -> Vec<Burst> {
        let window = i64::from(p.minutes) * 60;
        let need = p.attempts as usize;
        let mut out = Vec::new();
        for (user, mut v) in self.by_user {
            v.sort_unstable();
            let mut first = 0usize;
            let mut last_day: Option<Day> = None;
            for j in 0..v.len() {
                let t = v[j].0.epoch_seconds();
                while t - v[first].0.epoch_seconds() > window {
                    first += 1;
                }
                let day = v[j].0.day;
                if j + 1 - first >= need && last_day != Some(day) {
                    last_day = Some(day);
                    out.push(Burst {
                        user,
                        day,
                        event_id: v[j].1.clone(),
                        failures: j + 1 - first,
                    });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: i32, secs: u32) -> Stamp {
        Stamp {
            day: Day(day),
            secs,
        }
    }

    #[test]
    fn five_failures_within_fifteen_minutes_make_one_burst_per_day() {
        let mut c = FailedCounter::default();
        // Out of order; four within the window, then a fifth; more the same day add nothing.
        for (s, id) in [
            (600, "e3"),
            (0, "e1"),
            (300, "e2"),
            (800, "e4"),
            (899, "e5"),
            (900, "e6"),
        ] {
            c.add(7, at(0, s), id.as_bytes());
        }
        // Spread out: never five within fifteen minutes.
        for i in 0..10 {
            c.add(8, at(0, i * 400), b"x");
        }
        let b = c.bursts(&FailedLogins::default());
        assert_eq!(b.len(), 1);
        assert_eq!(
            (b[0].user, b[0].day, &*b[0].event_id, b[0].failures),
            (7, Day(0), &b"e5"[..], 5)
        );
    }
}

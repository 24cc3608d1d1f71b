//! The audit trail: an append-only hash chain of events.
//!
//! Each event's hash covers its own fields and the previous event's hash, so editing,
//! removing or reordering any stored event breaks every hash after it. The head (last sequence
//! number and hash) is kept apart, so cutting events off the end is detected too.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::ids::{OrgId, UserId};

/// The hash before the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Longest summary stored; longer ones are cut (summaries never hold PHI, only names and ids).
pub const SUMMARY_MAX: usize = 500;

/// What happened, recorded by a use case in the same transaction as the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEvent {
    /// When it happened (from the injected clock).
    pub at: OffsetDateTime,
    /// Who did it (none for an unknown user or the system).
    pub actor_user_id: Option<UserId>,
    /// How the actor is named in the trail: an e-mail, `cli`, `system`.
    pub actor: String,
    /// The organization concerned, if any.
    pub org_id: Option<OrgId>,
    /// Dotted verb: `org.create`, `session.create`, `session.fail`, `authz.deny`...
    pub action: String,
    /// The kind of thing acted on: `organization`, `location`, `user`...
    pub entity_type: String,
    /// Its id, when it has one.
    pub entity_id: Option<String>,
    /// One line for people. Never PHI, never secrets.
    pub summary: String,
    /// Source address of the request.
    pub ip: Option<String>,
    /// Request id, to join with the logs.
    pub request_id: Option<String>,
}

/// An event as stored in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// The event.
    pub event: NewAuditEvent,
    /// The hash of the event before (or [`GENESIS_HASH`]).
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

/// The hash of an event at position `seq`, after `prev_hash`.
pub fn chain_hash(prev_hash: &str, seq: i64, e: &NewAuditEvent) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: Option<&[u8]>| match bytes {
        // A length prefix keeps ("ab","c") and ("a","bc") apart; u64::MAX marks "absent".
        None => h.update(u64::MAX.to_le_bytes()),
        Some(b) => {
            h.update((b.len() as u64).to_le_bytes());
            h.update(b);
        }
    };
    field(Some(b"safeharbor-audit-v1"));
    field(Some(prev_hash.as_bytes()));
    field(Some(&seq.to_le_bytes()));
    field(Some(&micros(e.at).to_le_bytes()));
    let actor_id = e.actor_user_id.map(|u| u.to_string());
    field(actor_id.as_deref().map(str::as_bytes));
    field(Some(e.actor.as_bytes()));
    let org = e.org_id.map(|o| o.to_string());
    field(org.as_deref().map(str::as_bytes));
    field(Some(e.action.as_bytes()));
    field(Some(e.entity_type.as_bytes()));
    field(e.entity_id.as_deref().map(str::as_bytes));
    field(Some(e.summary.as_bytes()));
    field(e.ip.as_deref().map(str::as_bytes));
    field(e.request_id.as_deref().map(str::as_bytes));
    hex::encode(h.finalize())
}

/// Microseconds since the Unix epoch: how times are stored.
pub fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

/// The inverse of [`micros`].
pub fn from_micros(us: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Why a chain does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    /// A sequence number is missing or out of order (a row was removed or reordered).
    #[error(
        "event {found} follows event {expected_after}: sequence broken (a row was removed or reordered)"
    )]
    Gap {
        /// The last good sequence number.
        expected_after: i64,
        /// The sequence number found next.
        found: i64,
    },
    /// An event's `prev_hash` does not match the event before it.
    #[error("event {seq}: prev_hash does not match the previous event")]
    Link {
        /// The event.
        seq: i64,
    },
    /// An event's stored hash does not match its contents (it was edited).
    #[error("event {seq}: contents do not match its hash (edited)")]
    Content {
        /// The event.
        seq: i64,
    },
    /// The chain ends before the recorded head (events cut off the end).
    #[error(
        "the chain ends at event {last} but the head records event {head} (events removed from the end)"
    )]
    Truncated {
        /// The last event found.
        last: i64,
        /// The head's sequence number.
        head: i64,
    },
    /// The last event's hash is not the head's hash.
    #[error("the head's hash does not match event {seq}")]
    Head {
        /// The head's sequence number.
        seq: i64,
    },
}

/// Walks a chain event by event. Feed events in sequence order, then call [`Verifier::finish`].
#[derive(Debug)]
pub struct Verifier {
    last_seq: i64,
    last_hash: String,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            last_seq: 0,
            last_hash: GENESIS_HASH.to_owned(),
        }
    }
}

impl Verifier {
    /// Checks the next event.
    pub fn next(&mut self, e: &AuditEvent) -> Result<(), ChainBreak> {
        if e.seq != self.last_seq + 1 {
            return Err(ChainBreak::Gap {
                expected_after: self.last_seq,
                found: e.seq,
            });
        }
        if e.prev_hash != self.last_hash {
            return Err(ChainBreak::Link { seq: e.seq });
        }
        if chain_hash(&e.prev_hash, e.seq, &e.event) != e.hash {
            return Err(ChainBreak::Content { seq: e.seq });
        }
        self.last_seq = e.seq;
        self.last_hash.clone_from(&e.hash);
        Ok(())
    }

    /// Checks the end of the chain against the stored head; returns the number of events.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        if self.last_seq < head_seq {
            return Err(ChainBreak::Truncated {
                last: self.last_seq,
                head: head_seq,
            });
        }
        if self.last_seq > head_seq || self.last_hash != head_hash {
            return Err(ChainBreak::Head { seq: head_seq });
        }
        Ok(self.last_seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: &str) -> NewAuditEvent {
        NewAuditEvent {
            at: from_micros(1_700_000_000_000_000),
            actor_user_id: Some(UserId::new()),
            actor: "ana@example.com".into(),
            org_id: Some(OrgId::new()),
            action: action.into(),
            entity_type: "organization".into(),
            entity_id: None,
            summary: "created".into(),
            ip: None,
            request_id: None,
        }
    }

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let mut ev = event(&format!("a.{seq}"));
                ev.at = from_micros(1_700_000_000_000_000 + seq);
                let hash = chain_hash(&prev, seq, &ev);
                let e = AuditEvent {
                    seq,
                    event: ev,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    fn verify(events: &[AuditEvent], head: (i64, &str)) -> Result<i64, ChainBreak> {
        let mut v = Verifier::default();
        for e in events {
            v.next(e)?;
        }
        v.finish(head.0, head.1)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, (5, &c[4].hash.clone())), Ok(5));
        assert_eq!(verify(&[], (0, GENESIS_HASH)), Ok(0));
    }

    #[test]
    fn edits_removals_reorders_and_truncation_are_named() {
        let c = chain(5);
        let head = c[4].hash.clone();
        let mut edited = c.clone();
        edited[2].event.summary = "changed".into();
        assert_eq!(
            verify(&edited, (5, &head)),
            Err(ChainBreak::Content { seq: 3 })
        );
        let mut removed = c.clone();
        removed.remove(1);
        assert_eq!(
            verify(&removed, (5, &head)),
            Err(ChainBreak::Gap {
                expected_after: 1,
                found: 3
            })
        );
        let mut reordered = c.clone();
        reordered.swap(1, 2);
        assert!(matches!(
            verify(&reordered, (5, &head)),
            Err(ChainBreak::Gap { .. })
        ));
        assert_eq!(
            verify(&c[..3], (5, &head)),
            Err(ChainBreak::Truncated { last: 3, head: 5 })
        );
    }

    #[test]
    fn field_boundaries_matter_to_the_hash() {
        let mut a = event("x");
        a.actor = "ab".into();
        a.action = "c".into();
        let mut b = a.clone();
        b.actor = "a".into();
        b.action = "bc".into();
        assert_ne!(
            chain_hash(GENESIS_HASH, 1, &a),
            chain_hash(GENESIS_HASH, 1, &b)
        );
    }

    #[test]
    fn micros_round_trip() {
        let t = from_micros(1_234_567_890_123_456);
        assert_eq!(micros(t), 1_234_567_890_123_456);
    }
}

//! Interning: each distinct identifier (user, patient, department, role) becomes a dense `u32`,
//! so rules index arrays instead of comparing strings. The bytes live in one arena, not one
//! allocation per id: 400,000 patient ids take about 10 MB this way instead of about 25.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

/// "No value": an empty field, or the null of the reference SQL.
pub const NONE: u32 = u32::MAX;

/// A key as the table holds it: ids of up to 16 bytes are stored whole in two words, so a
/// lookup compares words in the slot it probes and never reads the arena (one cache miss per
/// lookup in a table of hundreds of thousands of ids, not three). Longer ids keep their hash in
/// `w0` and their arena offset in `w1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    w0: u64,
    w1: u64,
    len: u32,
}

/// A key, its id, and what the owner keeps beside it (so one lookup brings both).
#[derive(Debug, Clone)]
struct Slot<P> {
    key: Key,
    id: u32,
    payload: P,
}

const INLINE: usize = 16;

/// Distinct byte strings numbered 0, 1, 2... in the order first seen, each with a payload `P`
/// (none by default).
#[derive(Debug, Clone)]
pub struct Interner<P = ()> {
    table: HashTable<Slot<P>>,
    seeds: [u64; 3],
    long: DefaultHashBuilder,
    arena: Vec<u8>,
    ends: Vec<usize>,
}

impl<P: Default> Default for Interner<P> {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

/// The words of a key of up to 16 bytes: with the length, they determine it (for 8 to 16
/// bytes the first and last eight overlap; for 4 to 7 the first and last four).
#[inline(always)]
#[expect(
    clippy::inline_always,
    reason = "on every event; measured faster inlined"
)]
fn words(k: &[u8]) -> (u64, u64) {
    let n = k.len();
    let le64 = |b: &[u8]| {
        let mut w = [0u8; 8];
        w.copy_from_slice(b);
        u64::from_le_bytes(w)
    };
    let le32 = |b: &[u8]| {
        let mut w = [0u8; 4];
        w.copy_from_slice(b);
        u64::from(u32::from_le_bytes(w))
    };
    if n >= 8 {
        (le64(&k[..8]), le64(&k[n - 8..]))
    } else if n >= 4 {
        (le32(&k[..4]) | le32(&k[n - 4..]) << 32, 0)
    } else {
        let mut w = 0u64;
        for (i, &b) in k.iter().enumerate() {
            w |= u64::from(b) << (8 * i);
        }
        (w, 0)
    }
}

#[inline]
fn fold(a: u64, b: u64) -> u64 {
    let x = u128::from(a) * u128::from(b);
    u64::try_from((x ^ (x >> 64)) & u128::from(u64::MAX)).unwrap_or(0)
}

impl<P: Default> Interner<P> {
    /// An interner sized for `n` ids.
    pub fn with_capacity(n: usize) -> Self {
        // Per-process random seeds (from the standard library's randomly keyed hasher), so
        // that crafted ids cannot force collisions.
        let r = std::collections::hash_map::RandomState::new();
        let seed = |i: u64| r.hash_one(i) | 1;
        Self {
            table: HashTable::with_capacity(n),
            seeds: [seed(1), seed(2), seed(3)],
            long: DefaultHashBuilder::default(),
            arena: Vec::with_capacity(n.saturating_mul(12)),
            ends: Vec::with_capacity(n),
        }
    }

    /// How many ids there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    #[inline]
    fn matches(arena: &[u8], slot: &Slot<P>, key: &Key, k: &[u8]) -> bool {
        if slot.key.len != key.len || slot.key.w0 != key.w0 {
            return false;
        }
        if k.len() <= INLINE {
            return slot.key.w1 == key.w1;
        }
        let start = usize::try_from(slot.key.w1).unwrap_or(usize::MAX);
        arena.get(start..start + k.len()) == Some(k)
    }

    /// The id of `key`, if it was interned.
    #[inline]
    pub fn get(&self, k: &[u8]) -> Option<u32> {
        let b = self.find(k)?;
        self.table.get_bucket(b).map(|s| s.id)
    }

    /// Where `key` is in the table (see [`Interner::slot`]); valid until the next insertion.
    #[inline]
    pub fn find(&self, k: &[u8]) -> Option<usize> {
        let (key, hash) = key_of(&self.seeds, &self.long, k);
        self.table
            .find_bucket_index(hash, |s| Self::matches(&self.arena, s, &key, k))
    }

    /// The id and payload at a place [`Interner::find`] gave.
    #[inline]
    pub fn slot(&self, bucket: usize) -> Option<(u32, &P)> {
        self.table.get_bucket(bucket).map(|s| (s.id, &s.payload))
    }

    /// The payload at a place [`Interner::find`] gave, to change.
    #[inline]
    pub fn slot_mut(&mut self, bucket: usize) -> Option<&mut P> {
        self.table.get_bucket_mut(bucket).map(|s| &mut s.payload)
    }

    /// Every id with its payload, to change.
    pub fn payloads_mut(&mut self) -> impl Iterator<Item = (u32, &mut P)> {
        self.table.iter_mut().map(|s| (s.id, &mut s.payload))
    }

    /// The id of `key`, interning it when new; the flag says whether it was new.
    #[inline]
    pub fn intern(&mut self, k: &[u8]) -> (u32, bool) {
        let (mut key, hash) = key_of(&self.seeds, &self.long, k);
        if let Some(s) = self
            .table
            .find(hash, |s| Self::matches(&self.arena, s, &key, k))
        {
            return (s.id, false);
        }
        // Ids stay below NONE; past four billion distinct values the last one is reused,
        // which no access log comes near.
        let id = u32::try_from(self.ends.len())
            .unwrap_or(NONE - 1)
            .min(NONE - 1);
        if k.len() > INLINE {
            key.w1 = u64::try_from(self.arena.len()).unwrap_or(u64::MAX);
        }
        self.arena.extend_from_slice(k);
        self.ends.push(self.arena.len());
        let Self {
            table,
            seeds,
            long,
            arena,
            ends,
        } = self;
        let rehash = |s: &Slot<P>| key_of(seeds, long, bytes_of(arena, ends, s.id)).1;
        let slot = Slot {
            key,
            id,
            payload: P::default(),
        };
        table.insert_unique(hash, slot, rehash);
        (id, true)
    }

    /// The bytes of an id (empty for an unknown id).
    pub fn resolve(&self, id: u32) -> &[u8] {
        bytes_of(&self.arena, &self.ends, id)
    }

    /// The id as text, for output (ids are expected to be UTF-8; others are shown lossily).
    pub fn text(&self, id: u32) -> String {
        String::from_utf8_lossy(self.resolve(id)).into_owned()
    }
}

#[inline(always)]
#[expect(
    clippy::inline_always,
    reason = "on every event; measured faster inlined"
)]
fn key_of(seeds: &[u64; 3], long: &DefaultHashBuilder, k: &[u8]) -> (Key, u64) {
    let len = u32::try_from(k.len()).unwrap_or(u32::MAX);
    let [s0, s1, s2] = *seeds;
    if k.len() <= INLINE {
        let (w0, w1) = words(k);
        let h = fold(fold(w0 ^ s0, w1 ^ s1) ^ u64::from(len), s2);
        (Key { w0, w1, len }, h)
    } else {
        let h = long.hash_one(k);
        (Key { w0: h, w1: 0, len }, h)
    }
}

#[inline]
fn bytes_of<'a>(arena: &'a [u8], ends: &[usize], id: u32) -> &'a [u8] {
    let i = id as usize;
    let end = ends.get(i).copied().unwrap_or(0);
    let start = if i == 0 {
        0
    } else {
        ends.get(i - 1).copied().unwrap_or(0)
    };
    arena.get(start..end).unwrap_or_default()
}

/// Byte strings equal, compared a word at a time (short ids are compared millions of times;
/// a call to the C library's memcmp for each costs more than the comparison).
#[inline(always)]
#[expect(
    clippy::inline_always,
    reason = "on every event; measured faster inlined"
)]
pub fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() <= INLINE {
        return words(a) == words(b);
    }
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    ca.zip(cb).all(|(x, y)| words(x) == words(y)) && words(ra) == words(rb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_numbers_distinct_strings_in_order_and_resolves_them() {
        let mut i: Interner = Interner::with_capacity(2);
        assert_eq!(i.intern(b"MRN1"), (0, true));
        assert_eq!(i.intern(b"MRN2"), (1, true));
        assert_eq!(i.intern(b""), (2, true));
        assert_eq!(i.intern(b"MRN1"), (0, false));
        for n in 0..10_000u32 {
            i.intern(format!("id{n}").as_bytes());
        }
        assert_eq!(i.get(b"id9999"), Some(10_002));
        assert_eq!(i.resolve(1), b"MRN2");
        assert_eq!(i.resolve(2), b"");
        assert_eq!(i.get(b"nope"), None);
        assert_eq!(i.resolve(NONE), b"");
        assert_eq!(i.len(), 10_003);
        let long = b"a patient id longer than sixteen bytes";
        assert_eq!(i.intern(long), (10_003, true));
        assert_eq!(i.get(long), Some(10_003));
        assert_eq!(i.get(&long[..20]), None);
        assert_eq!(i.resolve(10_003), long);
    }

    #[test]
    fn word_comparison_agrees_with_byte_comparison() {
        let texts: Vec<&[u8]> = vec![
            b"",
            b"a",
            b"ab",
            b"abcd",
            b"abcde",
            b"abcdefgh",
            b"abcdefghi",
            b"Emergency",
            b"Emergencz",
            b"Patient Financial Services",
            b"Patient Financial Servicez",
        ];
        for a in &texts {
            for b in &texts {
                assert_eq!(same(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }
}

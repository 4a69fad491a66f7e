//! Campaigns: waves of near-identical comments (MinHash over character shingles), grouped
//! as they arrive so a moderator sees "40 similar comments in the last hour" and decides
//! them together, and so the size of a wave is a signal in itself.
//!
//! The index holds the last day's comments, at most [`MAX_ENTRIES`], in this process's
//! memory (about 6 MB, allocated once); the grouping itself is stored with each comment.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use crate::classifier::minhash::{BANDS, Signature};
use crate::domain::CommentId;

/// Comments remembered at most, the latest: a wave is found within its latest 10,000.
const MAX_ENTRIES: usize = 10_000;
/// How long a comment can start or join a campaign.
const WINDOW: Duration = Duration::from_secs(24 * 3600);
/// Estimated Jaccard similarity at or above which two texts are the same template.
pub const SIMILAR: f64 = 0.5;
/// Slots per band (a power of two), each holding the latest comment whose band key falls in
/// it. At 3.3 slots per remembered comment a slot is rarely taken over by another key while
/// its comment is still in the index, and a near-duplicate needs only one of its eight
/// bands to find its campaign.
const SLOTS: usize = 1 << 15;

struct Entry {
    /// The entry's sequence number: a slot pointing at an overwritten entry sees another.
    seq: u64,
    id: CommentId,
    seed: CommentId,
    signature: Signature,
    at: Instant,
}

/// A band key's latest comment: its key, and its entry's sequence number plus one (0 for
/// an empty slot).
#[derive(Clone, Copy, Default)]
struct Slot {
    key: u64,
    seq: u64,
}

/// Empty until the first comment is filed, which allocates the ring and the slots: an
/// instance with grouping off never holds them.
///
/// Why flat tables: the first version kept hash maps of band keys with a queue of members
/// each, and their cache misses, allocations and expiry cost a one-template flood about
/// 20 µs of CPU per comment at 10,000 comments (75 µs at 50,000; `bench/cpu.sh`). Here a
/// lookup reads eight slots and the few entries they name, and a comment is filed by
/// writing the same eight slots and one entry, with nothing allocated.
#[derive(Default)]
struct Inner {
    /// Entries by sequence number modulo `MAX_ENTRIES`; the oldest is overwritten.
    ring: Vec<Option<Entry>>,
    /// The next entry's sequence number.
    next: u64,
    /// The oldest sequence number that may still be in the window.
    oldest: u64,
    /// `BANDS` tables of `SLOTS` slots.
    slots: Vec<Slot>,
    /// Members in the window, per campaign seed.
    sizes: HashMap<CommentId, usize>,
}

/// The recent comments' signatures, by band.
#[derive(Default)]
pub struct CampaignIndex(RwLock<Inner>);

/// Where the entry with sequence number `seq` lives in the ring.
fn ring_index(seq: u64) -> usize {
    (seq % MAX_ENTRIES as u64) as usize
}

fn slot_of(band: u8, key: u64) -> usize {
    usize::from(band) * SLOTS + (key as usize & (SLOTS - 1))
}

impl Inner {
    /// The live entry that band `band`'s slot for `key` names, if it still holds it.
    fn entry(&self, band: u8, key: u64) -> Option<&Entry> {
        let slot = self.slots.get(slot_of(band, key))?;
        if slot.seq == 0 || slot.key != key {
            return None;
        }
        let seq = slot.seq - 1;
        self.ring
            .get(ring_index(seq))?
            .as_ref()
            .filter(|e| e.seq == seq)
    }

    /// Forgets the entry at `seq`, if it is there, and counts it out of its campaign.
    fn forget(&mut self, seq: u64) {
        let at = ring_index(seq);
        if let Some(e) = self
            .ring
            .get_mut(at)
            .and_then(|e| e.take_if(|e| e.seq == seq))
            && let Some(n) = self.sizes.get_mut(&e.seed)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.sizes.remove(&e.seed);
            }
        }
    }

    /// Forgets the entries older than the window, and the oldest when the ring is full.
    fn expire(&mut self, now: Instant) {
        while self.oldest < self.next {
            let at = ring_index(self.oldest);
            let full = self.next - self.oldest >= MAX_ENTRIES as u64;
            let old = self
                .ring
                .get(at)
                .and_then(Option::as_ref)
                .is_none_or(|e| now.duration_since(e.at) > WINDOW);
            if !old && !full {
                break;
            }
            self.forget(self.oldest);
            self.oldest += 1;
        }
    }
}

impl CampaignIndex {
    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The campaign a new text joins, if a recent comment is its near-duplicate: the
    /// campaign's first comment, and how many it holds in the window so far.
    pub fn find(&self, signature: &Signature) -> Option<(CommentId, usize)> {
        // A read lock: lookups run side by side; only `add` (which also expires) writes.
        let inner = self
            .0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let mut best: Option<(f64, CommentId)> = None;
        // In a wave several bands name the same comment: compare it once.
        let mut compared = [CommentId(0); BANDS];
        let mut n = 0;
        for (band, key) in signature.bands() {
            let Some(e) = inner
                .entry(band, key)
                .filter(|e| now.duration_since(e.at) <= WINDOW)
            else {
                continue;
            };
            if compared[..n].contains(&e.id) {
                continue;
            }
            compared[n] = e.id;
            n += 1;
            let s = e.signature.similarity(signature);
            if s >= SIMILAR && best.is_none_or(|(b, _)| s > b) {
                best = Some((s, e.seed));
            }
        }
        let (_, seed) = best?;
        Some((seed, inner.sizes.get(&seed).copied().unwrap_or(1)))
    }

    /// Remembers a stored comment and the campaign it belongs to (itself, for a new one).
    pub fn add(&self, id: CommentId, seed: CommentId, signature: Signature) {
        let mut inner = self.write();
        if inner.ring.is_empty() {
            inner.ring = (0..MAX_ENTRIES).map(|_| None).collect();
            inner.slots = vec![Slot::default(); BANDS * SLOTS];
        }
        let now = Instant::now();
        inner.expire(now);
        let seq = inner.next;
        inner.next += 1;
        for (band, key) in signature.bands() {
            inner.slots[slot_of(band, key)] = Slot { key, seq: seq + 1 };
        }
        *inner.sizes.entry(seed).or_default() += 1;
        inner.ring[ring_index(seq)] = Some(Entry {
            seq,
            id,
            seed,
            signature,
            at: now,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_duplicates_join_the_first_ones_campaign_and_count_up() {
        let index = CampaignIndex::default();
        let text = |n: usize| {
            format!("Check out my channel number {n} for the best prank videos and subscribe today")
        };
        let first = Signature::of(&text(1)).unwrap();
        assert!(index.find(&first).is_none());
        index.add(CommentId(1), CommentId(1), first);
        for n in 2..=5 {
            let s = Signature::of(&text(n)).unwrap();
            let (seed, size) = index.find(&s).expect("joins");
            assert_eq!(seed, CommentId(1));
            assert_eq!(size, n - 1);
            index.add(CommentId(n as i64), seed, s);
        }
        let other =
            Signature::of("The library opening hours changed again this week, sadly.").unwrap();
        assert!(index.find(&other).is_none());
    }

    /// Issue #27: twelve comments spun from one template (numbers, links, punctuation and a
    /// few words changed) are one campaign of twelve, and a civil comment joins none.
    #[test]
    fn a_spun_template_is_one_campaign() {
        let spun = [
            "Earn $500 a day working from home, visit http://cash-1.example now",
            "Earn $500 a day working from home!! visit http://cash-2.example today",
            "earn 500 dollars a day working from home, visit http://cash-3.example now",
            "Earn $500 a day working from home, visit http://cash-4.example now!!!",
            "EARN $500 A DAY working from home, visit http://cash-5.example now",
            "Earn $750 per day working from home, visit http://cash-6.example now",
            "Earn $500 a day working at home, visit www.cash-7.example now",
            "Earn $500 a day working from home - visit http://cash-8.example right now",
            "earn 500 dollars a day working from home!! visit http://cash-9.example today",
            "Earn $900 a day from home, visit http://cash-10.example now",
            "Earn $500 every day working from home, visit http://cash-11.example now",
            "earn 500 dollars a day working from home, go to http://cash-12.example now",
        ];
        let index = CampaignIndex::default();
        for (i, text) in spun.iter().enumerate() {
            let id = CommentId(i as i64 + 1);
            let s = Signature::of(text).expect("a signature");
            let seed = match index.find(&s) {
                Some((seed, _)) => seed,
                None => {
                    assert_eq!(i, 0, "{text:?} started a campaign of its own");
                    id
                }
            };
            assert_eq!(seed, CommentId(1), "{text:?}");
            index.add(id, seed, s);
        }
        let civil =
            Signature::of("Working from home saved me an hour a day, thanks for the story.");
        assert!(civil.is_none_or(|s| index.find(&s).is_none()));
    }

    #[test]
    fn the_oldest_comments_leave_the_index_and_their_campaign_count() {
        let index = CampaignIndex::default();
        let wave = |n: usize| format!("Claim the prize waiting at my page, ticket {n}, today");
        index.add(CommentId(1), CommentId(1), Signature::of(&wave(1)).unwrap());
        index.add(CommentId(2), CommentId(1), Signature::of(&wave(2)).unwrap());
        assert_eq!(
            index.find(&Signature::of(&wave(3)).unwrap()),
            Some((CommentId(1), 2))
        );
        // Unrelated comments push the wave's two out of the ring, one at a time.
        let other = |n: usize| format!("Reader {n} asks about item {} of the budget", n * 7919);
        for n in 0..MAX_ENTRIES - 1 {
            let id = CommentId(10 + n as i64);
            index.add(id, id, Signature::of(&other(n)).unwrap());
        }
        assert_eq!(
            index.find(&Signature::of(&wave(3)).unwrap()),
            Some((CommentId(1), 1))
        );
        index.add(
            CommentId(99_999),
            CommentId(99_999),
            Signature::of(&other(99_999)).unwrap(),
        );
        assert_eq!(index.find(&Signature::of(&wave(3)).unwrap()), None);
        assert!(!index.0.read().unwrap().sizes.contains_key(&CommentId(1)));
    }

    #[test]
    fn another_campaign_is_still_found_after_a_wave() {
        let index = CampaignIndex::default();
        let wave = |n: usize| format!("Win a free phone at my page number {n} today, just click");
        let texts = [
            (
                1,
                "Win a free phone at my page today, just click the link and claim it now",
            ),
            (
                2,
                "Win a free phone at my page today, just click the link and claim it nowww",
            ),
        ];
        for (id, text) in texts {
            index.add(CommentId(id), CommentId(id), Signature::of(text).unwrap());
        }
        // Then a wave of 40 members of campaign 3, written over whichever slots they share.
        let first = Signature::of(&wave(0)).unwrap();
        index.add(CommentId(3), CommentId(3), first);
        for n in 1..40 {
            let s = Signature::of(&wave(n)).unwrap();
            let (seed, _) = index.find(&s).expect("joins the wave");
            assert_eq!(seed, CommentId(3));
            index.add(CommentId(3 + n as i64), seed, s);
        }
        let near_first = Signature::of(
            "Win a free phone at my page today, just click the link and claim it now!",
        )
        .unwrap();
        let (seed, _) = index.find(&near_first).expect("joins");
        assert!(seed == CommentId(1) || seed == CommentId(2), "{seed:?}");
    }
}

//! Campaigns: waves of near-identical comments (MinHash over character shingles), grouped
//! as they arrive so a moderator sees "40 similar comments in the last hour" and decides
//! them together, and so the size of a wave is a signal in itself.
//!
//! The index holds the last day's comments, at most [`MAX_ENTRIES`], in this process's
//! memory (a few MB); the grouping itself is stored with each comment.

use std::collections::{HashMap, VecDeque};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use crate::classifier::minhash::{BANDS, Signature};
use crate::domain::CommentId;

/// Comments remembered at most: the index is hash maps of band keys, and at 50,000 their
/// cache misses and allocations cost a one-template flood about 75 µs of CPU per comment
/// (`bench/cpu.sh`); at 10,000 about 20 µs, and a wave is found within its latest 10,000.
const MAX_ENTRIES: usize = 10_000;
/// How long a comment can start or join a campaign.
const WINDOW: Duration = Duration::from_secs(24 * 3600);
/// Estimated Jaccard similarity at or above which two texts are the same template.
pub const SIMILAR: f64 = 0.5;
/// Comments kept per band key: the most recent. A big wave shares its band keys, and its
/// newest members speak for it, so a lookup costs at most `BANDS` × this comparisons.
const PER_BAND: usize = 16;

struct Entry {
    seed: CommentId,
    signature: Signature,
    at: Instant,
}

/// A comment under a band key, with its campaign: a lookup skips the members of a campaign
/// already matched without touching their entries (a cache miss each, in a wave of
/// thousands).
#[derive(Clone, Copy)]
struct Member {
    id: CommentId,
    seed: CommentId,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<CommentId, Entry>,
    order: VecDeque<CommentId>,
    bands: HashMap<(u8, u64), VecDeque<Member>>,
    /// Members in the window, per campaign seed.
    sizes: HashMap<CommentId, usize>,
}

/// The recent comments' signatures, by band.
#[derive(Default)]
pub struct CampaignIndex(RwLock<Inner>);

impl Inner {
    fn expire(&mut self, now: Instant) {
        while let Some(oldest) = self.order.front().copied() {
            let old = self
                .entries
                .get(&oldest)
                .is_none_or(|e| now.duration_since(e.at) > WINDOW);
            if !old && self.entries.len() < MAX_ENTRIES {
                break;
            }
            self.order.pop_front();
            if let Some(e) = self.entries.remove(&oldest) {
                if let Some(n) = self.sizes.get_mut(&e.seed) {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        self.sizes.remove(&e.seed);
                    }
                }
                for key in e.signature.bands() {
                    if let Some(ids) = self.bands.get_mut(&key) {
                        ids.retain(|m| m.id != oldest);
                        if ids.is_empty() {
                            self.bands.remove(&key);
                        }
                    }
                }
            }
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
        // In a wave every band holds the same recent members: compare each once, and once
        // one member of a campaign matched, let it speak for the campaign.
        let mut compared = [CommentId(0); BANDS * PER_BAND];
        let mut n = 0;
        let mut matched = [CommentId(0); BANDS * PER_BAND];
        let mut m = 0;
        for key in signature.bands() {
            for member in inner.bands.get(&key).into_iter().flatten() {
                if matched[..m].contains(&member.seed) || compared[..n].contains(&member.id) {
                    continue;
                }
                compared[n] = member.id;
                n += 1;
                if let Some(e) = inner
                    .entries
                    .get(&member.id)
                    .filter(|e| now.duration_since(e.at) <= WINDOW)
                {
                    let s = e.signature.similarity(signature);
                    if s >= SIMILAR {
                        matched[m] = member.seed;
                        m += 1;
                        if best.is_none_or(|(b, _)| s > b) {
                            best = Some((s, member.seed));
                        }
                    }
                }
            }
        }
        let (_, seed) = best?;
        Some((seed, inner.sizes.get(&seed).copied().unwrap_or(1)))
    }

    /// Remembers a stored comment and the campaign it belongs to (itself, for a new one).
    pub fn add(&self, id: CommentId, seed: CommentId, signature: Signature) {
        let mut inner = self.write();
        let now = Instant::now();
        inner.expire(now);
        for key in signature.bands() {
            let ids = inner.bands.entry(key).or_default();
            if ids.len() == PER_BAND {
                ids.pop_front();
            }
            ids.push_back(Member { id, seed });
        }
        *inner.sizes.entry(seed).or_default() += 1;
        inner.order.push_back(id);
        inner.entries.insert(
            id,
            Entry {
                seed,
                signature,
                at: now,
            },
        );
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

    #[test]
    fn a_wave_filling_the_bands_does_not_hide_another_campaign() {
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
        // Campaign 3 fills the bands with members that all share one seed.
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

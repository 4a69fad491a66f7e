//! Near-duplicate texts by MinHash over character 5-grams: spam arrives in waves of the
//! same template with a few words swapped, which a word filter sees as new text each time.

use super::fnv::Fnv;
use super::tokenize::normalise;

/// Hash functions in a signature.
pub const HASHES: usize = 32;
/// Bands for locality-sensitive lookup: two texts sharing any band are candidates.
pub const BANDS: usize = 8;
const ROWS: usize = HASHES / BANDS;
/// Characters per shingle.
const SHINGLE: usize = 5;

/// The text as signatures see it: case, accents in compatibility form and punctuation
/// folded; each link one word (`link`), every number `0`. Spun templates change exactly
/// what this drops.
fn fold(text: &str) -> String {
    let mut lower = String::with_capacity(text.len());
    normalise(text, &mut lower);
    let mut folded = String::with_capacity(lower.len());
    for token in lower.split_whitespace() {
        let link = super::tokenize::looks_like_link(token);
        let words: Vec<String> = if link {
            vec!["link".to_owned()]
        } else {
            token
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(|w| {
                    if w.chars().all(|c| c.is_ascii_digit()) {
                        "0".to_owned()
                    } else {
                        w.to_owned()
                    }
                })
                .collect()
        };
        for word in words {
            if !folded.is_empty() {
                folded.push(' ');
            }
            folded.push_str(&word);
        }
    }
    folded
}

/// The hash family, computed once.
static FAMILIES: std::sync::OnceLock<[(u64, u64); HASHES]> = std::sync::OnceLock::new();

/// A text's MinHash signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature(pub [u32; HASHES]);

fn fnv(bytes: &[u8]) -> u64 {
    Fnv::START.bytes(bytes).0
}

/// The multipliers of the hash family `h_i(x) = a_i·x + b_i` (odd, fixed: signatures must
/// mean the same across processes and releases).
fn family(i: usize) -> (u64, u64) {
    let a = fnv(&(i as u64).to_le_bytes()) | 1;
    let b = fnv(&((i as u64) ^ 0x9e37_79b9_7f4a_7c15).to_le_bytes());
    (a, b)
}

impl Signature {
    /// The signature of `text` (case, accents in compatibility form, punctuation and runs
    /// of spaces folded first). `None` for a text too short to say anything.
    pub fn of(text: &str) -> Option<Self> {
        let folded = fold(text);
        // The shingles' hashes: every 5 bytes of ASCII text, else every 5 characters.
        let bytes = folded.as_bytes();
        let shingles: Vec<u64> = if folded.is_ascii() {
            bytes.windows(SHINGLE).map(fnv).collect()
        } else {
            let starts: Vec<usize> = folded
                .char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(folded.len()))
                .collect();
            starts
                .windows(SHINGLE + 1)
                .map(|pair| fnv(&bytes[pair[0]..pair[SHINGLE]]))
                .collect()
        };
        // One shingle per character but the last four: ten characters or fewer say nothing.
        if shingles.len() <= SHINGLE {
            return None;
        }
        let families = FAMILIES.get_or_init(|| {
            let mut f = [(0u64, 0u64); HASHES];
            for (i, slot) in f.iter_mut().enumerate() {
                *slot = family(i);
            }
            f
        });
        // One hash function at a time over all shingles, so the running minimum stays in a
        // register instead of 32 minimums being loaded and stored for every shingle.
        let mut sig = [0u32; HASHES];
        for (s, (a, b)) in sig.iter_mut().zip(families) {
            let min = shingles
                .iter()
                .fold(u64::MAX, |m, x| m.min(a.wrapping_mul(*x).wrapping_add(*b)));
            *s = (min >> 32) as u32;
        }
        Some(Self(sig))
    }

    /// The estimated Jaccard similarity of the two texts' shingle sets.
    pub fn similarity(&self, other: &Self) -> f64 {
        let same = self
            .0
            .iter()
            .zip(other.0)
            .filter(|(a, b)| **a == *b)
            .count();
        same as f64 / HASHES as f64
    }

    /// The band keys: (band number, hash of its rows).
    pub fn bands(&self) -> impl Iterator<Item = (u8, u64)> + '_ {
        // FNV over the rows' little-endian bytes, fed a row at a time (no buffer: this
        // runs twice per submission).
        self.0.chunks(ROWS).enumerate().map(|(i, rows)| {
            let h = rows
                .iter()
                .fold(Fnv::START, |h, r| h.bytes(&r.to_le_bytes()));
            (i as u8, h.0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_with_swapped_words_stays_close_and_other_text_does_not() {
        let a = Signature::of("Check out my channel for the best prank videos, subscribe and win a free iPhone today!").unwrap();
        let b = Signature::of(
            "check out my channel for the best funny videos, subscribe and win a free iphone now!!",
        )
        .unwrap();
        let c = Signature::of(
            "The council should publish the minutes of the budget meeting before the vote.",
        )
        .unwrap();
        assert!(a.similarity(&b) >= 0.5, "{}", a.similarity(&b));
        assert!(a.similarity(&c) < 0.2, "{}", a.similarity(&c));
        assert!(
            a.bands().zip(b.bands()).any(|(x, y)| x == y),
            "near duplicates share a band"
        );
        assert!(Signature::of("hi").is_none());
    }

    /// The signature as first computed: a boundary list for every text, every hash function
    /// updated per shingle.
    fn plain(text: &str) -> Option<[u32; HASHES]> {
        let folded = fold(text);
        let mut starts: Vec<usize> = folded.char_indices().map(|(i, _)| i).collect();
        starts.push(folded.len());
        if starts.len() <= 2 * SHINGLE {
            return None;
        }
        let mut mins = [u64::MAX; HASHES];
        for pair in starts.windows(SHINGLE + 1) {
            let x = fnv(&folded.as_bytes()[pair[0]..pair[SHINGLE]]);
            for (i, min) in mins.iter_mut().enumerate() {
                let (a, b) = family(i);
                *min = (*min).min(a.wrapping_mul(x).wrapping_add(b));
            }
        }
        Some(mins.map(|m| (m >> 32) as u32))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5_000))]
        /// The fast shingling gives [`plain`]'s signature on ASCII and non-ASCII text of
        /// every length around the cut-off.
        #[test]
        fn signatures_are_those_of_the_plain_computation(
            pieces in proptest::collection::vec(
                proptest::sample::select(&["a", "Zb", " ", "7", "é", "мир", "🎉", ", "][..]),
                0..40,
            )
        ) {
            let text = pieces.concat();
            proptest::prop_assert_eq!(Signature::of(&text).map(|s| s.0), plain(&text), "{:?}", text);
        }
    }
}

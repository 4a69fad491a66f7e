//! Why a comment scored as it did: each feature occurrence's share of the log-odds, summed
//! per description a moderator reads, and the strongest of those shown as reasons.

use std::borrow::Cow;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::ops::Range;

use super::reasons::Shown;
use super::tally::{Tally, Weighed};
use super::tokenize::{Columns, Document, Feature, for_each_hashed};
use super::{Classifier, Reason, Scored, reasons, scratch};
use crate::domain::{Label, SpamScore};

/// One description and the evidence summed under it.
struct Signal {
    /// [`Feature::description_hash`]: equal for features with one description.
    key: u64,
    /// Its text in [`Scratch::described`]; empty for a hidden signal, never shown.
    text: Range<usize>,
    shown: Shown,
    weight: f64,
    /// Whether any occurrence carried evidence: a signal made only of columns never seen
    /// in training is no reason.
    weighed: bool,
}

/// Per-thread buffers, kept between comments so that explaining allocates only the reasons.
#[derive(Default)]
struct Scratch {
    /// Every shown signal's description, each once.
    described: String,
    signals: Vec<Signal>,
    /// Open-addressed index of `signals` by key; [`EMPTY`] marks a free slot.
    slots: Vec<u32>,
    /// Each occurrence in text order: its column and its signal.
    occurrences: Vec<(usize, u32)>,
    /// The last two words (where they lie in the text, and whether each is meaningful):
    /// a bigram's words are the two words before it, so its signal needs no new look-up
    /// of a stop word (`cg_annotate` counted those look-ups among explaining's largest costs).
    recent: [(usize, usize, bool); 2],
}

const EMPTY: u32 = u32::MAX;

/// The first slot to try for `key` in a table of `mask + 1` slots. The key is an FNV hash,
/// whose low bits alone collide often (`cg_annotate` counted the probing), so they are
/// mixed with the high bits first.
fn home_slot(key: u64, mask: usize) -> usize {
    (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize & mask
}

impl Scratch {
    fn clear(&mut self) {
        self.described.clear();
        self.signals.clear();
        self.slots.clear();
        // Room for a long comment's signals at most half full, so it seldom grows.
        self.slots.resize(128, EMPTY);
        self.occurrences.clear();
        self.recent = Default::default();
    }

    /// Notes that the word `word` made signal `index`.
    fn remember(&mut self, word: &str, index: u32) {
        let meaningful = self.signals[index as usize].shown == Shown::Own;
        self.recent = [
            self.recent[1],
            (word.as_ptr() as usize, word.len(), meaningful),
        ];
    }

    /// Whether `word` is meaningful, from the last two words if it is one of them.
    fn meaningful(&self, word: &str) -> bool {
        let at = (word.as_ptr() as usize, word.len());
        match self.recent.iter().find(|(p, n, _)| (*p, *n) == at) {
            Some(&(_, _, known)) => known,
            None => reasons::meaningful(word),
        }
    }

    /// The signal of `feature`, whose description hash is `key`: the earlier one with that
    /// key, or a new one, described only if it is ever shown.
    ///
    /// Signals are told apart by the 64-bit key alone. Two descriptions whose keys collide in
    /// one comment would share a line: that changes the wording of a reason, never a score.
    ///
    /// Always inlined into explaining's per-feature callback: left a call, it cost about
    /// 3 % more instructions per comment (`bench/instructions.sh`).
    #[inline(always)]
    fn signal_of(&mut self, key: u64, feature: &Feature<'_>) -> u32 {
        if self.signals.len() * 2 >= self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut slot = home_slot(key, mask);
        loop {
            match self.slots[slot] {
                EMPTY => {
                    let index = self.signals.len() as u32;
                    let shown = reasons::shown_by(feature, key, |w| self.meaningful(w));
                    let start = self.described.len();
                    if shown != Shown::Hidden {
                        feature.describe_into(&mut self.described);
                    }
                    self.signals.push(Signal {
                        key,
                        text: start..self.described.len(),
                        shown,
                        weight: 0.0,
                        weighed: false,
                    });
                    self.slots[slot] = index;
                    return index;
                }
                index if self.signals[index as usize].key == key => return index,
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        self.slots.clear();
        self.slots.resize(size, EMPTY);
        for (index, signal) in self.signals.iter().enumerate() {
            let mut slot = home_slot(signal.key, size - 1);
            while self.slots[slot] != EMPTY {
                slot = (slot + 1) & (size - 1);
            }
            self.slots[slot] = index as u32;
        }
    }
}

/// Scores `doc` with `classifier` and explains the score with up to `max_spam` signals that
/// pushed towards spam and `max_ham` towards ham, strongest first.
pub(super) fn score_and_explain(
    classifier: &Classifier,
    doc: &Document<'_>,
    max_spam: usize,
    max_ham: usize,
) -> Option<Scored> {
    thread_local! {
        static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
    }
    scratch::with(
        &SCRATCH,
        |buffers| explain_in(classifier, doc, max_spam, max_ham, buffers),
        |buffers| {
            if buffers.described.capacity() > scratch::KEPT
                || buffers.occurrences.capacity() > scratch::KEPT
            {
                *buffers = Scratch::default();
            }
        },
    )
}

fn explain_in(
    classifier: &Classifier,
    doc: &Document<'_>,
    max_spam: usize,
    max_ham: usize,
    scratch: &mut Scratch,
) -> Option<Scored> {
    let settings = &classifier.settings;
    let bits = settings.width_bits;
    let columns = Columns::new(bits);
    scratch.clear();
    Tally::with(bits, |tally| {
        // One pass over the text: every occurrence's column and, once per distinct
        // description that is ever shown, what a person reads for it.
        for_each_hashed(doc, settings, &mut |feature, hash| {
            let column = classifier.column_of(columns, &feature, hash);
            tally.add(column);
            let signal = scratch.signal_of(feature.description_hash(hash), &feature);
            if let Feature::Word(word) = feature {
                scratch.remember(word, signal);
            }
            scratch.occurrences.push((column, signal));
        });
        let weighed = Weighed::of(tally, settings.counts, &classifier.weights);
        let score = SpamScore::from_log_odds(classifier.bias + weighed.total())?;
        // A column's contribution is shared equally by the occurrences hashed to it, and a
        // signal's weight is its occurrences' shares summed in text order.
        let scale = weighed.scale();
        for &(column, signal) in &scratch.occurrences {
            let tf = tally.count(column);
            let share =
                weighed.value(tf) * scale * classifier.weights[column] / f64::from(tf.max(1));
            if share != 0.0 {
                let signal = &mut scratch.signals[signal as usize];
                signal.weight += share;
                signal.weighed = true;
            }
        }
        let described = &scratch.described;
        let evidence = scratch
            .signals
            .iter()
            .filter(|s| s.weighed && s.shown != Shown::Hidden)
            .map(|s| (&described[s.text.clone()], s.shown, s.weight));
        let signals = reasons::presentable(evidence);
        // The strongest `max_spam` towards spam, then the strongest `max_ham` towards ham;
        // among equal weights, in the order of their text.
        let spam = strongest(
            &signals,
            max_spam,
            |w| w > 0.0,
            |a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)),
        );
        let ham = strongest(
            &signals,
            max_ham,
            |w| w < 0.0,
            |a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)),
        );
        let reasons = spam
            .into_iter()
            .map(|s| (s, Label::Spam))
            .chain(ham.into_iter().map(|s| (s, Label::Ham)))
            .map(|((signal, weight), towards)| Reason {
                signal: signal.to_string(),
                towards,
                weight: *weight,
            })
            .collect();
        Some(Scored {
            score,
            reasons,
            model_version: classifier.scored_version.clone(),
            evidence: weighed.evidence(),
        })
    })
}

/// A reason's text and weight, before it is owned by a [`Reason`].
type Candidate<'a> = (Cow<'a, str>, f64);

/// The first `n` of the signals whose weight passes `keep`, in `order`: each candidate is
/// compared with the weakest of the best so far and kept only if it beats it, so nothing is
/// sorted but the `n` kept.
fn strongest<'s, 'a>(
    signals: &'s [Candidate<'a>],
    n: usize,
    keep: impl Fn(f64) -> bool,
    order: impl Fn(&Candidate<'a>, &Candidate<'a>) -> Ordering,
) -> Vec<&'s Candidate<'a>> {
    let mut top: Vec<&Candidate<'a>> = Vec::with_capacity(n);
    if n == 0 {
        return top;
    }
    for signal in signals.iter().filter(|s| keep(s.1)) {
        if top.len() < n {
            top.push(signal);
        } else if order(signal, top[n - 1]) == Ordering::Less {
            top[n - 1] = signal;
        } else {
            continue;
        }
        // Moved up past every weaker one only, so equals stay in text order. The list is a
        // handful long: swaps cost less than `Vec::insert`'s call to move memory.
        let mut at = top.len() - 1;
        while at > 0 && order(top[at], top[at - 1]) == Ordering::Less {
            top.swap(at, at - 1);
            at -= 1;
        }
    }
    top
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_description_is_one_signal_across_the_table_growing() {
        let words: Vec<String> = (0..300).map(|i| format!("word{i}")).collect();
        let mut scratch = Scratch::default();
        scratch.clear();
        let mut first = Vec::new();
        for round in 0..2 {
            for (i, word) in words.iter().enumerate() {
                let feature = Feature::Word(word);
                let key = feature.description_hash(feature.hash());
                let index = scratch.signal_of(key, &feature);
                if round == 0 {
                    first.push(index);
                } else {
                    assert_eq!(index, first[i], "{word}");
                }
            }
        }
        assert_eq!(scratch.signals.len(), 300);
        let mut distinct = first.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 300);
        assert_eq!(
            &scratch.described[scratch.signals[7].text.clone()],
            "\"word7\""
        );
        // A hidden word is a signal with no description.
        let the = Feature::Word("the");
        let index = scratch.signal_of(the.description_hash(the.hash()), &the);
        assert!(scratch.signals[index as usize].text.is_empty());
    }

    #[test]
    fn the_strongest_are_selected_in_order_with_ties_by_text() {
        let signals: Vec<Candidate<'_>> =
            [("b", 1.0), ("a", 1.0), ("c", 3.0), ("d", -2.0), ("e", 0.5)]
                .into_iter()
                .map(|(s, w)| (Cow::Borrowed(s), w))
                .collect();
        let top = strongest(
            &signals,
            3,
            |w| w > 0.0,
            |a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)),
        );
        let names: Vec<&str> = top.iter().map(|s| s.0.as_ref()).collect();
        assert_eq!(names, ["c", "a", "b"]);
        assert!(strongest(&signals, 0, |w| w > 0.0, |a, b| a.1.total_cmp(&b.1)).is_empty());
    }
}

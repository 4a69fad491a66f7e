//! A comment's feature columns counted as they are made, in a per-thread table, instead of
//! collecting every occurrence and sorting it (the sort stood out in `perf record` of
//! `cargo bench --bench classifier -- score_comment`).

use std::cell::RefCell;
use std::collections::HashMap;

use super::scratch;
use super::tokenize::{CountTransform, ln_1p_table};

/// The widest table kept densely: 2^16 counts (256 KiB). Wider models, which nothing ships,
/// count in a map instead.
const DENSE_BITS: u8 = 16;

/// Occurrence counts per column for one comment.
#[derive(Default)]
pub struct Tally {
    /// Per column, its count so far; empty for a wide model, which uses `sparse`.
    dense: Vec<u32>,
    /// Each column counted, once, in order of first occurrence.
    touched: Vec<usize>,
    sparse: HashMap<usize, u32>,
}

impl Tally {
    /// Runs `f` with this thread's tally, empty, for a table of `2^width_bits` columns.
    pub fn with<R>(width_bits: u8, f: impl FnOnce(&mut Tally) -> R) -> R {
        thread_local! {
            static TALLY: RefCell<Tally> = RefCell::new(Tally::default());
        }
        scratch::with(
            &TALLY,
            |tally| {
                tally.prepare(width_bits);
                f(tally)
            },
            Tally::reset,
        )
    }

    fn prepare(&mut self, width_bits: u8) {
        // One more than the width: the column of features a model never saw.
        let width = if width_bits <= DENSE_BITS {
            (1usize << width_bits) + 1
        } else {
            0
        };
        if self.dense.len() != width {
            self.dense = vec![0; width];
        }
    }

    /// Zeroes the counts this comment touched, for the next one.
    fn reset(&mut self) {
        if !self.dense.is_empty() {
            for &column in &self.touched {
                self.dense[column] = 0;
            }
        }
        self.touched.clear();
        self.sparse.clear();
        if self.touched.capacity() > scratch::KEPT {
            self.touched = Vec::new();
        }
        if self.sparse.capacity() > scratch::KEPT {
            self.sparse = HashMap::new();
        }
    }

    /// Counts one occurrence of `column` and returns its count so far.
    #[inline]
    pub fn add(&mut self, column: usize) -> u32 {
        match self.dense.get_mut(column) {
            Some(n) => {
                if *n == 0 {
                    self.touched.push(column);
                }
                *n = n.saturating_add(1);
                *n
            }
            None => self.add_sparse(column),
        }
    }

    /// [`Tally::add`] for a model too wide for the dense table. Kept out of line so that
    /// the map's insertion code does not stop `add` being inlined into the tokenizer's
    /// per-feature callback (cachegrind of the classifier benchmark).
    #[cold]
    #[inline(never)]
    fn add_sparse(&mut self, column: usize) -> u32 {
        let n = self.sparse.entry(column).or_insert(0);
        if *n == 0 {
            self.touched.push(column);
        }
        *n = n.saturating_add(1);
        *n
    }

    /// Calls `each(column, count)` for every column counted, in order of first occurrence.
    pub fn for_each(&self, mut each: impl FnMut(usize, u32)) {
        if self.dense.is_empty() {
            for &column in &self.touched {
                each(column, self.sparse.get(&column).copied().unwrap_or(0));
            }
        } else {
            for &column in &self.touched {
                each(column, self.dense[column]);
            }
        }
    }

    /// [`Tally::for_each`], zeroing each count as it is read, for a caller that needs the
    /// counts once: scoring then skips the reset's second pass over the columns.
    pub fn drain(&mut self, mut each: impl FnMut(usize, u32)) {
        if self.dense.is_empty() {
            for &column in &self.touched {
                each(column, self.sparse.remove(&column).unwrap_or(0));
            }
        } else {
            for &column in &self.touched {
                each(column, std::mem::take(&mut self.dense[column]));
            }
        }
        self.touched.clear();
    }

    /// How many times `column` was counted.
    pub fn count(&self, column: usize) -> u32 {
        match self.dense.get(column) {
            Some(n) => *n,
            None => self.sparse.get(&column).copied().unwrap_or(0),
        }
    }
}

/// A comment's `Σ value·weight` over its columns, with each value the column's count
/// transformed as `counts` says (and for `LogL2` divided by the vector's length).
pub struct Weighed {
    dot: f64,
    squares: f64,
    /// `squares` of the columns with a weight: the mass the model has evidence for.
    evidenced: f64,
    counts: CountTransform,
    /// `ln(1 + n)` for small counts, fetched once per comment: fetching it per column
    /// checked its initialisation every time (cachegrind of the classifier benchmark).
    ln_1p: &'static [f64; 16],
}

impl Weighed {
    pub fn new(counts: CountTransform) -> Self {
        Self {
            dot: 0.0,
            squares: 0.0,
            evidenced: 0.0,
            counts,
            ln_1p: ln_1p_table(),
        }
    }

    /// The sum over the columns `tally` counted, each weighed by its entry in `weights`.
    pub fn of(tally: &Tally, counts: CountTransform, weights: &[f64]) -> Self {
        let mut weighed = Self::new(counts);
        tally.for_each(|column, tf| weighed.add(tf, weights[column]));
        weighed
    }

    /// The value of a column counted `tf` times, before any length normalisation.
    #[inline]
    pub fn value(&self, tf: u32) -> f64 {
        match self.counts {
            CountTransform::Raw => f64::from(tf),
            CountTransform::Binary => f64::from(u8::from(tf > 0)),
            // From the table directly: a count is a whole number, so `ln_1p_count`'s checks
            // of its argument would be spent on every column.
            CountTransform::Log | CountTransform::LogL2 => match self.ln_1p.get(tf as usize) {
                Some(v) => *v,
                None => f64::from(tf).ln_1p(),
            },
        }
    }

    /// Adds a column counted `tf` times whose weight is `weight`.
    #[inline]
    pub fn add(&mut self, tf: u32, weight: f64) {
        let v = self.value(tf);
        self.dot += v * weight;
        self.squares += v * v;
        if weight != 0.0 {
            self.evidenced += v * v;
        }
    }

    /// The share of the comment's squared mass on columns with a weight (0 for none).
    pub fn evidence(&self) -> f64 {
        if self.squares > 0.0 {
            self.evidenced / self.squares
        } else {
            0.0
        }
    }

    /// What every raw value is multiplied by: `1 / length` for `LogL2`, else 1.
    pub fn scale(&self) -> f64 {
        match self.counts {
            CountTransform::LogL2 if self.squares > 0.0 => 1.0 / self.squares.sqrt(),
            _ => 1.0,
        }
    }

    /// The sum of every column's value times its weight.
    pub fn total(&self) -> f64 {
        match self.counts {
            CountTransform::LogL2 if self.squares > 0.0 => self.dot / self.squares.sqrt(),
            _ => self.dot,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_sums_agree_with_the_vector_they_stand_for() {
        for counts in [
            CountTransform::Raw,
            CountTransform::Binary,
            CountTransform::Log,
            CountTransform::LogL2,
        ] {
            for bits in [8, 20] {
                let columns = [3usize, 200, 3, 7, 3, 200, 9, 3];
                let weight = |c: usize| c as f64 / 10.0 - 1.0;
                let (total, scale) = Tally::with(bits, |tally| {
                    for c in columns {
                        tally.add(c);
                    }
                    let mut weighed = Weighed::new(counts);
                    tally.for_each(|c, tf| weighed.add(tf, weight(c)));
                    assert_eq!(tally.count(3), 4);
                    assert_eq!(tally.count(200), 2);
                    assert_eq!(tally.count(5), 0);
                    (weighed.total(), weighed.scale())
                });
                let tf = [(3, 4), (7, 1), (9, 1), (200, 2)];
                let values: Vec<f64> = tf
                    .iter()
                    .map(|(_, n)| Weighed::new(counts).value(*n))
                    .collect();
                let norm = values.iter().map(|v| v * v).sum::<f64>().sqrt();
                let expected_scale = if counts == CountTransform::LogL2 {
                    1.0 / norm
                } else {
                    1.0
                };
                let expected: f64 = tf
                    .iter()
                    .zip(&values)
                    .map(|((c, _), v)| v * expected_scale * weight(*c))
                    .sum();
                assert!(
                    (total - expected).abs() < 1e-12,
                    "{counts:?} at {bits} bits"
                );
                assert!((scale - expected_scale).abs() < 1e-12);
                // Draining gives the same counts and leaves nothing behind.
                Tally::with(bits, |tally| {
                    for c in columns {
                        tally.add(c);
                    }
                    let mut drained = Vec::new();
                    tally.drain(|c, tf| drained.push((c, tf)));
                    assert_eq!(drained, [(3, 4), (200, 2), (7, 1), (9, 1)]);
                    assert_eq!(tally.count(3), 0);
                    tally.drain(|c, tf| panic!("{c} counted {tf} times after draining"));
                });
                // The next comment starts from nothing.
                Tally::with(bits, |tally| assert_eq!(tally.count(3), 0));
            }
        }
    }
}

//! Evaluation metrics for a spam filter, computed from labels and log-odds.

use serde::{Deserialize, Serialize};

use crate::domain::Label;

/// How a filter did on one labelled set, at one threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub n: usize,
    pub spam: usize,
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Area under the ROC curve, ranking by log-odds (ties count one half); `None` (JSON
    /// `null`) when the set lacks one of the classes and no ranking can be judged.
    pub roc_auc: Option<f64>,
    /// Share of ham flagged as spam at the threshold.
    pub false_positive_rate: f64,
    /// The best spam recall any threshold reaches while flagging at most 1 % of ham.
    pub recall_at_1pct_fpr: f64,
    pub true_positives: usize,
    pub false_positives: usize,
    pub true_negatives: usize,
    pub false_negatives: usize,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

impl Metrics {
    /// Computes every metric from `(label, log_odds)` pairs; spam is predicted when the
    /// log-odds reach `threshold_log_odds`.
    pub fn compute(scored: &[(Label, f64)], threshold_log_odds: f64) -> Self {
        let (mut tp, mut fp, mut tn, mut fn_) = (0, 0, 0, 0);
        for (label, z) in scored {
            match (label, *z >= threshold_log_odds) {
                (Label::Spam, true) => tp += 1,
                (Label::Spam, false) => fn_ += 1,
                (Label::Ham, true) => fp += 1,
                (Label::Ham, false) => tn += 1,
            }
        }
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fn_);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Self {
            n: scored.len(),
            spam: tp + fn_,
            accuracy: ratio(tp + tn, scored.len()),
            precision,
            recall,
            f1,
            roc_auc: roc_auc(scored),
            false_positive_rate: ratio(fp, fp + tn),
            recall_at_1pct_fpr: recall_at_fpr(scored, 0.01),
            true_positives: tp,
            false_positives: fp,
            true_negatives: tn,
            false_negatives: fn_,
        }
    }
}

/// Sorted descending by score; groups of equal scores are handled together so that ties
/// never depend on input order.
fn sorted_desc(scored: &[(Label, f64)]) -> Vec<(Label, f64)> {
    let mut sorted = scored.to_vec();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1));
    sorted
}

/// ROC AUC by the rank-sum (Mann–Whitney) formula with average ranks for ties; `None`
/// without both classes.
pub fn roc_auc(scored: &[(Label, f64)]) -> Option<f64> {
    let mut sorted = scored.to_vec();
    sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (mut rank_sum, mut i) = (0.0, 0);
    while i < sorted.len() {
        let mut j = i;
        while j < sorted.len() && sorted[j].1 == sorted[i].1 {
            j += 1;
        }
        let average_rank = (i + 1 + j) as f64 / 2.0;
        rank_sum += average_rank
            * sorted[i..j]
                .iter()
                .filter(|(l, _)| *l == Label::Spam)
                .count() as f64;
        i = j;
    }
    let pos = scored.iter().filter(|(l, _)| *l == Label::Spam).count() as f64;
    let neg = scored.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return None;
    }
    Some((rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg))
}

/// The highest recall over thresholds whose false-positive rate is at most `max_fpr`.
pub fn recall_at_fpr(scored: &[(Label, f64)], max_fpr: f64) -> f64 {
    let sorted = sorted_desc(scored);
    let pos = scored.iter().filter(|(l, _)| *l == Label::Spam).count();
    let neg = scored.len() - pos;
    let (mut tp, mut fp, mut best, mut i) = (0, 0, 0.0_f64, 0);
    while i < sorted.len() {
        let mut j = i;
        while j < sorted.len() && sorted[j].1 == sorted[i].1 {
            match sorted[j].0 {
                Label::Spam => tp += 1,
                Label::Ham => fp += 1,
            }
            j += 1;
        }
        if ratio(fp, neg) <= max_fpr {
            best = best.max(ratio(tp, pos));
        }
        i = j;
    }
    best
}

/// The lowest log-odds threshold whose false-positive rate on `scored` is at most
/// `max_fpr`: the most spam caught without flagging more ham than allowed.
pub fn threshold_for_fpr(scored: &[(Label, f64)], max_fpr: f64) -> f64 {
    let sorted = sorted_desc(scored);
    let neg = scored.iter().filter(|(l, _)| *l == Label::Ham).count();
    let allowed = (max_fpr * neg as f64).floor() as usize;
    let mut fp = 0;
    let mut threshold = f64::INFINITY;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        let mut group_fp = 0;
        while j < sorted.len() && sorted[j].1 == sorted[i].1 {
            group_fp += usize::from(sorted[j].0 == Label::Ham);
            j += 1;
        }
        if fp + group_fp > allowed {
            break;
        }
        fp += group_fp;
        threshold = sorted[i].1;
        i = j;
    }
    threshold
}

#[cfg(test)]
mod tests {
    use super::*;
    use Label::{Ham, Spam};

    #[test]
    fn a_perfect_ranking_has_auc_one_and_a_reversed_one_zero() {
        let good = [(Spam, 3.0), (Spam, 2.0), (Ham, -1.0), (Ham, -2.0)];
        assert_eq!(roc_auc(&good), Some(1.0));
        let bad = [(Spam, -3.0), (Ham, 2.0)];
        assert_eq!(roc_auc(&bad), Some(0.0));
        assert_eq!(
            roc_auc(&[(Spam, 1.0), (Ham, 1.0)]),
            Some(0.5),
            "ties count one half"
        );
        assert_eq!(
            roc_auc(&[(Ham, 1.0), (Ham, 2.0)]),
            None,
            "undefined with one class"
        );
    }

    #[test]
    fn confusion_counts_and_rates_follow_the_threshold() {
        let scored = [
            (Spam, 2.0),
            (Spam, -0.5),
            (Ham, 0.5),
            (Ham, -2.0),
            (Ham, -3.0),
        ];
        let m = Metrics::compute(&scored, 0.0);
        assert_eq!(
            (
                m.true_positives,
                m.false_negatives,
                m.false_positives,
                m.true_negatives
            ),
            (1, 1, 1, 2)
        );
        assert!((m.accuracy - 0.6).abs() < 1e-12);
        assert!((m.false_positive_rate - 1.0 / 3.0).abs() < 1e-12);
        assert!((m.precision - 0.5).abs() < 1e-12);
    }

    #[test]
    fn recall_at_a_false_positive_budget_takes_the_best_threshold() {
        let mut scored: Vec<(Label, f64)> = (0..100).map(|i| (Ham, -(i as f64))).collect();
        scored.extend([(Spam, 5.0), (Spam, 0.5), (Spam, -50.0)]);
        // One ham (score 0) may be flagged at 1 %: spam at 5.0 and 0.5 are caught.
        assert!((recall_at_fpr(&scored, 0.01) - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(threshold_for_fpr(&scored, 0.01), -0.0);
        assert_eq!(threshold_for_fpr(&scored, 0.0), 0.5);
    }
}

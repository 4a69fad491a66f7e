//! What the spam filter says about a comment, and the policy that turns it into a status.

use serde::{Deserialize, Serialize};

/// A training label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Ham,
    Spam,
}

impl Label {
    /// The stable lower-case name used in files and SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Ham => "ham",
            Label::Spam => "spam",
        }
    }
}

/// The log-odds of probability `p`: the inverse of [`SpamScore::probability`].
pub fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// P(spam) as the filter's log-odds; the probability is derived, never stored twice.
///
/// Invariant: `log_odds` is finite.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SpamScore {
    log_odds: f64,
}

impl SpamScore {
    /// Wraps finite log-odds, `ln P(spam|x) - ln P(ham|x)`.
    ///
    /// Returns `None` for NaN or infinities, which a broken model could produce.
    pub fn from_log_odds(log_odds: f64) -> Option<Self> {
        log_odds.is_finite().then_some(Self { log_odds })
    }

    /// `ln P(spam) − ln P(ham)`: ranks comments without the saturation of probabilities.
    pub fn log_odds(self) -> f64 {
        self.log_odds
    }

    /// P(spam) in `[0, 1]`, by a sigmoid that cannot overflow for either sign.
    pub fn probability(self) -> f64 {
        let z = self.log_odds;
        if z >= 0.0 {
            1.0 / (1.0 + (-z).exp())
        } else {
            let e = z.exp();
            e / (1.0 + e)
        }
    }

    /// The label at `threshold` (a probability): spam at or above it.
    pub fn label_at(self, threshold: f64) -> Label {
        if self.probability() >= threshold {
            Label::Spam
        } else {
            Label::Ham
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sigmoid_is_stable_at_extremes() {
        let p = |z| SpamScore::from_log_odds(z).expect("finite").probability();
        assert_eq!(p(0.0), 0.5);
        assert!((p(2.0) + p(-2.0) - 1.0).abs() < 1e-15);
        assert_eq!(p(1000.0), 1.0);
        assert_eq!(p(-1000.0), 0.0);
        assert!(SpamScore::from_log_odds(f64::NAN).is_none());
        assert!(SpamScore::from_log_odds(f64::INFINITY).is_none());
    }

    #[test]
    fn logit_inverts_the_sigmoid() {
        for p in [0.01, 0.5, 0.905, 0.99] {
            let back = SpamScore::from_log_odds(logit(p))
                .expect("finite")
                .probability();
            assert!((back - p).abs() < 1e-12, "{p}");
        }
    }

    #[test]
    fn the_threshold_is_inclusive() {
        let s = SpamScore::from_log_odds(0.0).expect("finite");
        assert_eq!(s.label_at(0.5), Label::Spam);
        assert_eq!(s.label_at(0.5000001), Label::Ham);
    }
}

/// Where a training label came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelSource {
    Moderator,
    Akismet,
    Import,
}

impl LabelSource {
    /// The stable lower-case name used in SQL and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            LabelSource::Moderator => "moderator",
            LabelSource::Akismet => "akismet",
            LabelSource::Import => "import",
        }
    }
}

//! Process-wide counters and histograms, rendered in the Prometheus text format at
//! `/metrics`. Lock-free atomics: recording costs a few nanoseconds on any thread, so the
//! writer and the submission path record without waiting on anyone.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A monotonically increasing count.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A histogram with fixed upper bounds (Prometheus `le`), plus sum and count.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    buckets: Vec<AtomicU64>,
    /// The sum in millionths of the unit, kept as an integer so it can be atomic.
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            buckets: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    /// Records one observation.
    pub fn observe(&self, value: f64) {
        if let Some(i) = self.bounds.iter().position(|b| value <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.sum_micros
            .fetch_add((value.max(0.0) * 1e6) as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a duration in seconds.
    pub fn observe_duration(&self, d: Duration) {
        self.observe(d.as_secs_f64());
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (bound, bucket) in self.bounds.iter().zip(&self.buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
    }
}

const SECONDS: &[f64] = &[
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0,
];
/// Minutes to a week: how long comments wait for a person.
const WAIT: &[f64] = &[
    60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 43200.0, 86400.0, 259200.0, 604800.0,
];
const BATCH: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// How a submission ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pending,
    /// Published at once by the moderation policy (a trusted commenter, postmoderation).
    Approved,
    Spam,
    Invalid,
    Duplicate,
    RateLimited,
    Failed,
}

impl Outcome {
    const ALL: [Outcome; 7] = [
        Outcome::Pending,
        Outcome::Approved,
        Outcome::Spam,
        Outcome::Invalid,
        Outcome::Duplicate,
        Outcome::RateLimited,
        Outcome::Failed,
    ];

    fn label(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Approved => "approved",
            Outcome::Spam => "spam",
            Outcome::Invalid => "invalid",
            Outcome::Duplicate => "duplicate",
            Outcome::RateLimited => "rate_limited",
            Outcome::Failed => "failed",
        }
    }
}

/// Every metric the service exports.
#[derive(Debug)]
pub struct Metrics {
    submissions: [Counter; 7],
    /// Refused with 429 anywhere (submissions and sign-in throttles).
    pub too_many_requests: Counter,
    /// Notification events dropped because the delivery queue was full.
    pub notifications_dropped: Counter,
    /// Time to score one submission.
    pub scoring: Histogram,
    /// Time from handing a write to the writer until it is committed and synced.
    pub commit: Histogram,
    /// Operations per group commit.
    pub batch_size: Histogram,
    /// Time from a comment's arrival to its first moderator's decision.
    pub first_decision: Histogram,
}

impl Metrics {
    fn new() -> Self {
        Self {
            submissions: Default::default(),
            too_many_requests: Counter::default(),
            notifications_dropped: Counter::default(),
            scoring: Histogram::new(SECONDS),
            commit: Histogram::new(SECONDS),
            batch_size: Histogram::new(BATCH),
            first_decision: Histogram::new(WAIT),
        }
    }

    /// Counts one submission by how it ended.
    pub fn submission(&self, outcome: Outcome) {
        self.submissions[outcome as usize].inc();
    }

    /// The Prometheus text exposition of every metric, with gauges read by the caller.
    pub fn render(&self, gauges: &[(&str, &str, f64)]) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str(
            "# HELP replyguard_submissions_total Comment submissions by outcome.\n\
             # TYPE replyguard_submissions_total counter\n",
        );
        for outcome in Outcome::ALL {
            let _ = writeln!(
                out,
                "replyguard_submissions_total{{outcome=\"{}\"}} {}",
                outcome.label(),
                self.submissions[outcome as usize].get()
            );
        }
        let _ = writeln!(
            out,
            "# HELP replyguard_http_429_total Requests refused with 429 Too Many Requests.\n\
             # TYPE replyguard_http_429_total counter\nreplyguard_http_429_total {}",
            self.too_many_requests.get()
        );
        let _ = writeln!(
            out,
            "# HELP replyguard_notifications_dropped_total Notification events dropped because \
             the delivery queue was full.\n\
             # TYPE replyguard_notifications_dropped_total counter\n\
             replyguard_notifications_dropped_total {}",
            self.notifications_dropped.get()
        );
        self.scoring.render(
            &mut out,
            "replyguard_scoring_seconds",
            "Time to score one submission.",
        );
        self.commit.render(
            &mut out,
            "replyguard_commit_seconds",
            "Time from handing a write to the writer to its durable commit.",
        );
        self.batch_size.render(
            &mut out,
            "replyguard_writer_batch_size",
            "Operations per group commit.",
        );
        self.first_decision.render(
            &mut out,
            "replyguard_time_to_first_decision_seconds",
            "Time from a comment's arrival to its first moderator's decision.",
        );
        for (name, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        }
        out
    }
}

/// The process's metrics.
pub fn global() -> &'static Metrics {
    static METRICS: std::sync::OnceLock<Metrics> = std::sync::OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_render_cumulative_buckets() {
        let m = Metrics::new();
        m.batch_size.observe(1.0);
        m.batch_size.observe(3.0);
        m.batch_size.observe(1000.0);
        m.submission(Outcome::Spam);
        let text = m.render(&[("replyguard_queue_pending", "Pending comments.", 7.0)]);
        assert!(text.contains("replyguard_writer_batch_size_bucket{le=\"1\"} 1\n"));
        assert!(text.contains("replyguard_writer_batch_size_bucket{le=\"4\"} 2\n"));
        assert!(text.contains("replyguard_writer_batch_size_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("replyguard_submissions_total{outcome=\"spam\"} 1\n"));
        assert!(text.contains("replyguard_queue_pending 7\n"));
    }
}

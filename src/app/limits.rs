//! Submission limits, checked before any write: flood control and a token bucket per
//! client address (IPv6 by /64) and per email address, and the duplicate window.
//!
//! One rule, [`judge`], decides a key's bucket. One SQLite instance keeps the buckets in
//! this process's memory ([`Limiter`], [`RecentComments`]); on PostgreSQL, which several
//! instances may share, [`admit_shared`] keeps them in the database as one unit of work,
//! so N instances behind a balancer enforce the configured limits, not N times them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::LimitBucket;
use crate::store::{Tx, TxResult};

/// The limits in force (`REPLYGUARD_LIMITS=off` turns every one off).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubmissionLimits {
    pub enabled: bool,
    /// A second comment from the same address or email sooner than this is refused
    /// (WordPress's flood control uses 15 s).
    pub flood: Duration,
    /// Comments per hour per address and per email, with bursts up to `burst`.
    pub per_hour: u32,
    pub burst: u32,
}

impl Default for SubmissionLimits {
    fn default() -> Self {
        Self {
            enabled: true,
            flood: Duration::from_secs(15),
            per_hour: 30,
            burst: 5,
        }
    }
}

/// Why a submission was refused before anything was written: try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub retry_after: Duration,
    /// `flood` (too soon after the last one) or `rate` (the bucket is empty).
    pub kind: &'static str,
}

/// Entries kept at most; past this, entries idle for an hour are dropped, then all if need be.
const MAX_ENTRIES: usize = 100_000;

/// The per-key state of the limits, in this process (one SQLite instance).
pub struct Limiter {
    /// Times are milliseconds since `origin`.
    origin: Instant,
    buckets: Mutex<HashMap<String, LimitBucket>>,
}

impl Default for Limiter {
    fn default() -> Self {
        Self {
            origin: Instant::now(),
            buckets: Mutex::default(),
        }
    }
}

/// A key's bucket after one more submission at `now` (unix or any milliseconds, as long as
/// the bucket's are the same), or how long to wait: the flood interval since the last one,
/// and a bucket of `burst` tokens refilled at `per_hour`.
///
/// # Errors
/// [`Limited`] with the wait and its kind.
pub fn judge(
    limits: &SubmissionLimits,
    bucket: Option<&LimitBucket>,
    now: i64,
) -> Result<LimitBucket, Limited> {
    let rate = f64::from(limits.per_hour) / 3_600_000.0;
    let burst = f64::from(limits.burst.max(1));
    let Some(b) = bucket else {
        return Ok(LimitBucket {
            tokens: burst - 1.0,
            updated: now,
            last: now,
        });
    };
    let mut wait: Option<Limited> = None;
    let since_last = Duration::from_millis(u64::try_from(now - b.last).unwrap_or(0));
    if since_last < limits.flood {
        wait = Some(Limited {
            retry_after: limits.flood - since_last,
            kind: "flood",
        });
    }
    let elapsed = (now - b.updated).max(0) as f64;
    let tokens = (b.tokens + elapsed * rate).min(burst);
    if tokens < 1.0 {
        let retry = if rate > 0.0 {
            Duration::from_millis(((1.0 - tokens) / rate).ceil() as u64)
        } else {
            Duration::from_secs(3600)
        };
        wait = Some(longer(
            wait,
            Limited {
                retry_after: retry,
                kind: "rate",
            },
        ));
    }
    match wait {
        Some(limited) => Err(limited),
        None => Ok(LimitBucket {
            tokens: tokens - 1.0,
            updated: now,
            last: now,
        }),
    }
}

/// Why the shared limits refused a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Limited(Limited),
    Duplicate,
}

/// How a limit key (`ip:…`, `email:…`) is stored where instances share it: a keyed hash,
/// so no address or email reaches the table.
pub(crate) fn shared_key(secret: &super::secret::Secret, key: &str) -> String {
    super::secret::hex(&secret.mac("limit", &[key.as_bytes()]))
}

/// What a claim on the duplicate window is filed under.
pub const DUPLICATE_CLAIM: &str = "duplicate";

/// The shared limits as one unit of work (PostgreSQL, instances sharing it): the keys are
/// locked (so concurrent submissions on any instance take turns), the same comment within
/// [`DUPLICATE_WINDOW`] is refused first, then every key's bucket is judged; only an
/// admitted submission changes anything. `keys` and `duplicates` are keyed hashes: no
/// address or email reaches the table.
pub(crate) fn admit_shared(
    tx: &mut dyn Tx,
    limits: &SubmissionLimits,
    keys: &[String],
    duplicates: &[String],
    now: i64,
) -> TxResult<Result<(), Refused>> {
    let all: Vec<&str> = keys.iter().chain(duplicates).map(String::as_str).collect();
    tx.lock_keys(&all)?;
    let until = now + DUPLICATE_WINDOW.as_millis() as i64;
    let mut claimed = Vec::new();
    for key in duplicates {
        if !tx.claim(DUPLICATE_CLAIM, key, now, until)? {
            for key in claimed {
                tx.unclaim(DUPLICATE_CLAIM, key)?;
            }
            return Ok(Err(Refused::Duplicate));
        }
        claimed.push(key);
    }
    let mut next = Vec::with_capacity(keys.len());
    let mut wait: Option<Limited> = None;
    for key in keys {
        match judge(limits, tx.bucket(key)?.as_ref(), now) {
            Ok(bucket) => next.push((key, bucket)),
            Err(limited) => wait = Some(longer(wait, limited)),
        }
    }
    if let Some(limited) = wait {
        for key in claimed {
            tx.unclaim(DUPLICATE_CLAIM, key)?;
        }
        return Ok(Err(Refused::Limited(limited)));
    }
    for (key, bucket) in next {
        tx.set_bucket(key, &bucket)?;
    }
    Ok(Ok(()))
}

/// The key for an address: IPv4 whole, IPv6 by its /64 (one subscriber's whole network).
pub fn address_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => format!("ip:{v4}"),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("ip6:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

impl Limiter {
    /// Admits one submission under every key, or says when to retry; nothing is counted for
    /// a refused one.
    pub fn admit(
        &self,
        limits: &SubmissionLimits,
        keys: &[String],
        now: Instant,
    ) -> Result<(), Limited> {
        if !limits.enabled {
            return Ok(());
        }
        let now = now.saturating_duration_since(self.origin).as_millis() as i64;
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_ENTRIES {
            buckets.retain(|_, b| now - b.updated < 3_600_000);
            if buckets.len() >= MAX_ENTRIES {
                buckets.clear();
            }
        }
        let mut next = Vec::with_capacity(keys.len());
        let mut wait: Option<Limited> = None;
        for key in keys {
            match judge(limits, buckets.get(key), now) {
                Ok(bucket) => next.push((key, bucket)),
                Err(limited) => wait = Some(longer(wait, limited)),
            }
        }
        if let Some(limited) = wait {
            return Err(limited);
        }
        for (key, bucket) in next {
            buckets.insert(key.clone(), bucket);
        }
        Ok(())
    }
}

/// The same comment (article, parent, author and text) again within this long is refused.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(10 * 60);

/// Recently posted comments by a hash of what makes them the same, to refuse a repeat. A
/// comment is reserved before it is stored, so two identical ones sent at once cannot both
/// pass. Per instance and in memory, like the other limits.
#[derive(Default)]
pub struct RecentComments {
    /// When each comment was posted, by its hash.
    seen: Mutex<HashMap<[u8; 32], Instant>>,
}

/// The same comment was posted within [`DUPLICATE_WINDOW`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duplicate;

impl RecentComments {
    /// Reserves `key`, unless the same comment was posted within [`DUPLICATE_WINDOW`].
    ///
    /// # Errors
    /// [`Duplicate`].
    pub fn reserve(&self, key: [u8; 32], now: Instant) -> Result<(), Duplicate> {
        let mut seen = self.lock();
        if seen
            .get(&key)
            .is_some_and(|at| now.duration_since(*at) < DUPLICATE_WINDOW)
        {
            return Err(Duplicate);
        }
        if seen.len() >= MAX_ENTRIES {
            seen.retain(|_, at| now.duration_since(*at) < DUPLICATE_WINDOW);
            if seen.len() >= MAX_ENTRIES {
                seen.clear();
            }
        }
        seen.insert(key, now);
        Ok(())
    }

    /// The reserved comment was not stored: it may be sent again.
    pub fn release(&self, key: [u8; 32]) {
        self.lock().remove(&key);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Instant>> {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn longer(a: Option<Limited>, b: Limited) -> Limited {
    match a {
        Some(a) if a.retry_after >= b.retry_after => a,
        _ => b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Vec<String> {
        vec!["ip:203.0.113.9".into(), "email:a@example.com".into()]
    }

    #[test]
    fn a_second_comment_within_the_flood_window_waits() {
        let limiter = Limiter::default();
        let limits = SubmissionLimits::default();
        let t0 = Instant::now();
        assert!(limiter.admit(&limits, &keys(), t0).is_ok());
        let refused = limiter
            .admit(&limits, &keys(), t0 + Duration::from_secs(5))
            .expect_err("flood");
        assert_eq!(refused.kind, "flood");
        assert_eq!(refused.retry_after, Duration::from_secs(10));
        assert!(
            limiter
                .admit(&limits, &keys(), t0 + Duration::from_secs(15))
                .is_ok()
        );
    }

    #[test]
    fn the_bucket_allows_a_burst_then_the_hourly_rate() {
        let limiter = Limiter::default();
        let limits = SubmissionLimits {
            flood: Duration::ZERO,
            ..SubmissionLimits::default()
        };
        let t0 = Instant::now();
        for i in 0..5 {
            assert!(
                limiter
                    .admit(&limits, &keys(), t0 + Duration::from_millis(i))
                    .is_ok()
            );
        }
        let refused = limiter
            .admit(&limits, &keys(), t0 + Duration::from_millis(10))
            .expect_err("rate");
        assert_eq!(refused.kind, "rate");
        // 30 an hour: one token every two minutes.
        assert!(refused.retry_after <= Duration::from_secs(120));
        assert!(
            limiter
                .admit(&limits, &keys(), t0 + Duration::from_secs(121))
                .is_ok()
        );
    }

    #[test]
    fn the_same_comment_again_is_refused_until_the_window_passes() {
        let recent = RecentComments::default();
        let t0 = Instant::now();
        assert!(recent.reserve([1; 32], t0).is_ok());
        assert_eq!(recent.reserve([1; 32], t0), Err(Duplicate));
        assert_eq!(
            recent.reserve([1; 32], t0 + Duration::from_secs(60)),
            Err(Duplicate)
        );
        assert!(recent.reserve([1; 32], t0 + DUPLICATE_WINDOW).is_ok());
        recent.release([1; 32]);
        assert!(recent.reserve([1; 32], t0).is_ok());
        assert!(recent.reserve([2; 32], t0).is_ok());
    }

    #[test]
    fn ipv6_addresses_share_a_limit_per_64_and_off_means_off() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        let limiter = Limiter::default();
        let off = SubmissionLimits {
            enabled: false,
            ..SubmissionLimits::default()
        };
        let t0 = Instant::now();
        for _ in 0..100 {
            assert!(limiter.admit(&off, &keys(), t0).is_ok());
        }
    }
}

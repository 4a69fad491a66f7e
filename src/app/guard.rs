//! Bot signals and the moderators' block and hold lists: what a submission is checked for
//! besides its text, each finding kept as a reason the moderator sees.
//!
//! The form token is `ISSUED.NONCE.MAC`: the second it was issued, 12 random bytes, and an
//! HMAC over the article, the time and the nonce with the service's secret. It proves the
//! form came from this service for this article, says how long the reader took, and, once
//! used, is remembered (in this process) until it expires, so it cannot be used twice.

use std::net::IpAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::secret::{Secret, hex};
use crate::domain::guard::{MANY_LINKS, RuleSubject, link_hosts};
use crate::domain::{
    CommentStatus, NewComment, Rule, Signal, SubmissionMeta, ThreadUrl, now_millis,
};
use crate::store::{Store, Tx, TxResult};

/// The form field (and JSON member `honeypot`) that people never see and programs fill in.
pub const HONEYPOT_FIELD: &str = "rg_hp";
/// The form field (and JSON member `form_token`) carrying the signed form token.
pub const TOKEN_FIELD: &str = "rg_token";
/// A token older than this is expired: a reader may leave a tab open, but not for days.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Rules are re-read at least this often, so a rule added through another instance applies.
const RULES_REFRESH: Duration = Duration::from_secs(5);
/// A campaign this large (near-identical comments within a day) is filed as spam under
/// the spam bot policy, however clean each comment's words are…
pub const CAMPAIGN_SPAM_AT: usize = 20;
/// …when its text is at least this many characters: twenty readers writing "Thank you
/// for this article" under a popular story are not a campaign to punish.
pub const CAMPAIGN_MIN_CHARS: usize = 60;
/// What a used form token's claim is filed under: kept in the database until the token
/// expires, across restarts and, on PostgreSQL, across instances.
pub const TOKEN_CLAIM: &str = "form-token";

/// What the bot checks do (`REPLYGUARD_LIMITS=off` turns them off with the limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BotPolicy {
    pub enabled: bool,
    /// A bot signal (honeypot, forged or replayed token, too fast) files the comment as spam;
    /// otherwise it only stays in the queue with the reason (`REPLYGUARD_BOT_POLICY=hold`).
    pub bots_to_spam: bool,
    /// Faster than this after the form was served is too fast for a person
    /// (`REPLYGUARD_FORM_MIN_SECS`).
    pub min_seconds: u64,
    /// A reader's post (form or JSON) without a token counts as a bot
    /// (`REPLYGUARD_FORM_TOKEN=required`); by default a form post without one is only
    /// noted, since a site's own static form cannot carry one.
    pub require_token: bool,
}

impl Default for BotPolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            bots_to_spam: true,
            min_seconds: 3,
            require_token: false,
        }
    }
}

/// A fresh form token and what a form needs to send it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FormToken {
    pub token: String,
    pub token_field: &'static str,
    pub honeypot_field: &'static str,
    pub min_seconds: u64,
}

/// What the bot and rule checks found, and the token they would use.
#[derive(Debug, Default)]
pub struct Findings {
    pub signals: Vec<Signal>,
    /// A genuine token's nonce, hex, to claim as used before the comment is filed.
    pub token: Option<String>,
    /// The comment is a long-enough member of a wave of [`CAMPAIGN_SPAM_AT`] or more.
    pub wave: bool,
}

/// Issues and checks form tokens; holds the rules in use.
pub struct Guard {
    secret: Secret,
    policy: BotPolicy,
    rules: RwLock<(Option<Instant>, Arc<Vec<Rule>>)>,
}

fn mac_text(secret: &Secret, thread: &str, issued: i64, nonce: &[u8]) -> String {
    hex(&secret.mac(
        "form-token",
        &[thread.as_bytes(), &issued.to_le_bytes(), nonce],
    )[..16])
}

fn parse_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

impl Guard {
    pub fn new(secret: Secret, policy: BotPolicy) -> Self {
        Self {
            secret,
            policy,
            rules: RwLock::new((None, Arc::new(Vec::new()))),
        }
    }

    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// A token for a form on `thread`, issued now.
    ///
    /// # Errors
    /// The system has no randomness.
    pub fn issue(&self, thread: &ThreadUrl, now_ms: i64) -> anyhow::Result<FormToken> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let issued = now_ms / 1000;
        let mac = mac_text(&self.secret, thread.as_ref(), issued, &nonce);
        Ok(FormToken {
            token: format!("{issued}.{}.{mac}", hex(&nonce)),
            token_field: TOKEN_FIELD,
            honeypot_field: HONEYPOT_FIELD,
            min_seconds: self.policy.min_seconds,
        })
    }

    /// Checks a token sent with a comment on `thread`: signed by us for this article, not
    /// expired, not too fast. Whether it was used before is the store's to say
    /// ([`use_token`]).
    fn check_token(
        &self,
        thread: &ThreadUrl,
        token: &str,
        now_ms: i64,
    ) -> Result<[u8; 12], Signal> {
        let mut parts = token.trim().splitn(3, '.');
        let (Some(issued), Some(nonce), Some(mac)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(Signal::ForgedFormToken);
        };
        let issued: i64 = issued.parse().map_err(|_| Signal::ForgedFormToken)?;
        let nonce = parse_hex::<12>(nonce).ok_or(Signal::ForgedFormToken)?;
        let expected = mac_text(&self.secret, thread.as_ref(), issued, &nonce);
        if !crate::app::accounts::same_secret(&expected, mac) {
            return Err(Signal::ForgedFormToken);
        }
        let age = now_ms / 1000 - issued;
        if age < 0 {
            return Err(Signal::ForgedFormToken);
        }
        if age as u64 > TOKEN_LIFETIME.as_secs() {
            return Err(Signal::ExpiredFormToken);
        }
        if (age as u64) < self.policy.min_seconds {
            return Err(Signal::TooFast {
                seconds: age as u64,
            });
        }
        Ok(nonce)
    }

    /// The rules in use, re-read when older than [`RULES_REFRESH`].
    async fn rules(&self, store: &Store) -> anyhow::Result<Arc<Vec<Rule>>> {
        {
            let cached = self
                .rules
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if cached.0.is_some_and(|at| at.elapsed() < RULES_REFRESH) {
                return Ok(Arc::clone(&cached.1));
            }
        }
        let fresh = Arc::new(store.rules().await?);
        *self
            .rules
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            (Some(Instant::now()), Arc::clone(&fresh));
        Ok(fresh)
    }

    /// Forgets the cached rules: the next submission reads them again.
    pub fn rules_changed(&self) {
        self.rules
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .0 = None;
    }

    /// Every signal about one submission: bot checks, links, block and hold lists. A
    /// missing form token is noted for a form post, and for any reader's post (JSON too)
    /// when tokens are required; an app's Akismet check (`reader` false) carries none.
    ///
    /// # Errors
    /// The rules cannot be read.
    pub async fn inspect(
        &self,
        store: &Store,
        comment: &NewComment,
        meta: &SubmissionMeta,
        reader: bool,
    ) -> anyhow::Result<Findings> {
        let mut findings = Findings::default();
        if self.policy.enabled {
            if meta
                .honeypot
                .as_deref()
                .is_some_and(|h| !h.trim().is_empty())
            {
                findings.signals.push(Signal::Honeypot);
            }
            match meta.form_token.as_deref().filter(|t| !t.trim().is_empty()) {
                Some(token) => match self.check_token(&comment.thread, token, now_millis()) {
                    Ok(nonce) => findings.token = Some(hex(&nonce)),
                    Err(signal) => {
                        if let Signal::TooFast { .. } = signal {
                            // Reserved all the same: a too-fast token is still used once.
                            findings.token = parse_token_nonce(token).map(|n| hex(&n));
                        }
                        findings.signals.push(signal);
                    }
                },
                None if meta.from_form || (reader && self.policy.require_token) => {
                    findings.signals.push(Signal::NoFormToken);
                }
                None => {}
            }
        }
        let mut hosts = link_hosts(comment.body.as_ref());
        if hosts.len() >= MANY_LINKS {
            findings.signals.push(Signal::Links(hosts.len()));
        }
        let rules = self.rules(store).await?;
        if !rules.is_empty() {
            if let Some(site) = &comment.website {
                hosts.push(site.host().to_ascii_lowercase());
            }
            let mut texts = vec![
                comment.author.as_ref(),
                comment.email.as_ref(),
                comment.body.as_ref(),
            ];
            texts.extend(comment.website.as_ref().map(AsRef::as_ref));
            texts.extend(meta.user_agent.as_deref());
            let subject = RuleSubject {
                texts,
                email_key: self.secret.email_key(comment.email.as_ref()),
                email_domain: comment.email.domain(),
                hosts,
                ip: meta
                    .client_ip
                    .as_deref()
                    .and_then(|ip| ip.parse::<IpAddr>().ok())
                    .map(|ip| ip.to_canonical()),
            };
            for rule in rules.iter().filter(|r| r.matches(&subject)) {
                findings.signals.push(rule.signal());
            }
        }
        Ok(findings)
    }

    /// The status after the findings: a block-list match, or a bot signal under the spam
    /// policy, files as spam; a hold-list match keeps it pending even if the filter said spam.
    pub fn file(&self, filter_status: CommentStatus, findings: &Findings) -> CommentStatus {
        let signals = &findings.signals;
        let require_token = self.policy.require_token;
        let is_bot = |s: &Signal| s.is_bot() || (require_token && *s == Signal::NoFormToken);
        let blocked = signals.iter().any(|s| matches!(s, Signal::Blocked(_)));
        let wave = self.policy.enabled && findings.wave;
        if blocked || (self.policy.bots_to_spam && (wave || signals.iter().any(is_bot))) {
            CommentStatus::Spam
        } else if signals.iter().any(|s| matches!(s, Signal::Held(_))) {
            CommentStatus::Pending
        } else {
            filter_status
        }
    }
}

/// Why a rule was not added or removed.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("{0}")]
    Invalid(String),
    #[error("that rule is already on the list")]
    Exists,
    #[error("no such rule")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Claims a form token's nonce as used, until any token issued with it has expired: whether
/// it was unused. One statement, so a token replayed at once, on this instance or another,
/// is used once.
pub(crate) fn use_token(tx: &mut dyn Tx, nonce: &str, now: i64) -> TxResult<bool> {
    let until = now + TOKEN_LIFETIME.as_millis() as i64;
    tx.claim(TOKEN_CLAIM, nonce, now, until)
}

fn parse_token_nonce(token: &str) -> Option<[u8; 12]> {
    parse_hex::<12>(token.trim().split('.').nth(1)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(min_seconds: u64) -> Guard {
        let secret = Secret::load(Some(&"k".repeat(32)), std::path::Path::new("/")).unwrap();
        Guard::new(
            secret,
            BotPolicy {
                min_seconds,
                ..BotPolicy::default()
            },
        )
    }

    #[test]
    fn a_token_works_for_its_article_after_the_minimum_time() {
        let g = guard(3);
        let thread = ThreadUrl::parse("https://news.example/a").unwrap();
        let other = ThreadUrl::parse("https://news.example/b").unwrap();
        let t0 = 1_800_000_000_000;
        let token = g.issue(&thread, t0).unwrap().token;
        assert_eq!(
            g.check_token(&thread, &token, t0 + 1_000),
            Err(Signal::TooFast { seconds: 1 })
        );
        let token = g.issue(&thread, t0).unwrap().token;
        assert_eq!(
            g.check_token(&other, &token, t0 + 5_000),
            Err(Signal::ForgedFormToken)
        );
        assert!(g.check_token(&thread, &token, t0 + 5_000).is_ok());
        let mut forged = token.clone();
        forged.pop();
        forged.push(if token.ends_with('0') { '1' } else { '0' });
        assert_eq!(
            g.check_token(&thread, &forged, t0 + 5_000),
            Err(Signal::ForgedFormToken)
        );
        assert_eq!(
            g.check_token(&thread, "garbage", t0),
            Err(Signal::ForgedFormToken)
        );
        let old = g.issue(&thread, t0).unwrap().token;
        assert_eq!(
            g.check_token(&thread, &old, t0 + 25 * 3600 * 1000),
            Err(Signal::ExpiredFormToken)
        );
    }
}

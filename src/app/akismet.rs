//! The Akismet protocol's use cases: site API keys, comment-check (score, and file in the
//! queue where the site asks for it), and an app's spam/ham feedback as training labels.
//!
//! Keys are derived from the service's secret, the site's origin and a generation number,
//! so `replyguard site key ORIGIN` can print the current one again; only a SHA-256 of it is
//! stored, for the lookup. Usage counts live in this process's memory.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde::Serialize;

use super::App;
use super::accounts::token_hash;
use super::secret::hex;
use crate::classifier::tokenize::Document;
use crate::domain::comment::{email_domain, website_host};
use crate::domain::{
    CommentStatus, Feedback, Filing, KeyedSite, Label, NewComment, RawComment, Signal, SiteId,
    SubmissionMeta, ThreadUrl, now_millis,
};

/// Hex characters in a key: DNS-safe, so older clients can put it in the host name.
const KEY_LEN: usize = 24;
/// Akismet's answer to a feedback call.
pub const THANKS: &str = "Thanks for making the web a better place.";

/// A comment as Akismet's clients send it: Akismet's parameter names, all optional except
/// where the protocol says otherwise; unknown fields are kept in `extra`.
#[derive(Debug, Clone, Default)]
pub struct AkismetComment {
    pub blog: String,
    pub user_ip: String,
    pub user_agent: String,
    pub referrer: String,
    pub permalink: String,
    pub comment_type: String,
    pub comment_author: String,
    pub comment_author_email: String,
    pub comment_author_url: String,
    pub comment_content: String,
    pub comment_date_gmt: String,
    pub comment_post_modified_gmt: String,
    pub blog_lang: String,
    pub blog_charset: String,
    pub user_role: String,
    pub is_test: bool,
    pub recheck_reason: String,
    /// The value of the field named by `honeypot_field_name`, when one was named.
    pub honeypot: Option<String>,
    pub extra: BTreeMap<String, String>,
}

/// What comment-check says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckAnswer {
    pub spam: bool,
    /// Blatant spam (at or above the discard threshold): `X-akismet-pro-tip: discard`.
    pub discard: bool,
}

/// One site's calls this month, as `usage-limit` and `key-sites` report them.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Usage {
    pub api_calls: u64,
    pub spam: u64,
    pub ham: u64,
    pub missed_spam: u64,
    pub false_positives: u64,
}

/// Per-site usage counts (this process).
#[derive(Debug, Default)]
pub struct UsageCounts(Mutex<HashMap<SiteId, Usage>>);

impl UsageCounts {
    fn bump(&self, site: SiteId, f: impl FnOnce(&mut Usage)) {
        let mut counts = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(counts.entry(site).or_default());
    }

    fn get(&self, site: SiteId) -> Usage {
        let counts = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        counts.get(&site).copied().unwrap_or_default()
    }
}

/// Akismet's documented test values.
fn test_verdict(c: &AkismetComment) -> Option<bool> {
    let author = c.comment_author.trim();
    if author == "akismet-guaranteed-spam"
        || author == "viagra-test-123"
        || c.comment_author_email.trim() == "akismet-guaranteed-spam@example.com"
    {
        return Some(true);
    }
    if c.user_role.trim().eq_ignore_ascii_case("administrator") {
        return Some(false);
    }
    None
}

impl App {
    /// The API key of the site at `origin`: the current one, or a new one (the old stops
    /// working) when `rotate` or when the site has none yet.
    ///
    /// # Errors
    /// No such site, or a database failure.
    pub async fn site_api_key(&self, origin: &str, rotate: bool) -> anyhow::Result<String> {
        let (site, generation) = self
            .store
            .key_state(origin.to_owned())
            .await?
            .ok_or_else(|| anyhow::anyhow!("no site {origin} is registered"))?;
        let generation = if rotate || generation == 0 {
            generation + 1
        } else {
            generation
        };
        let mac = self.guard.secret().mac(
            "akismet-key",
            &[origin.as_bytes(), &generation.to_le_bytes()],
        );
        let key = hex(&mac)[..KEY_LEN].to_owned();
        self.store
            .set_site_key(site, generation, token_hash(&key))
            .await?;
        Ok(key)
    }

    /// Whether comment-checks for `origin` also file the comment in the moderation queue.
    ///
    /// # Errors
    /// No such site, or a database failure.
    pub async fn set_store_checked(&self, origin: &str, on: bool) -> anyhow::Result<()> {
        if !self.store.set_store_checked(origin.to_owned(), on).await? {
            anyhow::bail!("no site {origin} is registered");
        }
        Ok(())
    }

    /// The site an API key belongs to, if `blog` is one of its URLs (any URL on its origin).
    ///
    /// # Errors
    /// A database failure.
    pub async fn akismet_site(&self, key: &str, blog: &str) -> anyhow::Result<Option<KeyedSite>> {
        let Some(site) = self.akismet_site_by_key(key).await? else {
            return Ok(None);
        };
        let blog_origin = url::Url::parse(blog.trim())
            .ok()
            .map(|u| u.origin().ascii_serialization());
        Ok((blog_origin.as_deref() == Some(site.origin.as_str())).then_some(site))
    }

    /// The site an API key belongs to, whatever the blog (the 1.2 calls name none).
    ///
    /// # Errors
    /// A database failure.
    pub async fn akismet_site_by_key(&self, key: &str) -> anyhow::Result<Option<KeyedSite>> {
        let key = key.trim();
        if key.len() != KEY_LEN || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        Ok(self
            .store
            .find_site_by_key(token_hash(&key.to_ascii_lowercase()))
            .await?)
    }

    /// This month's usage of a site's key.
    pub fn akismet_usage(&self, site: &KeyedSite) -> Usage {
        self.akismet_usage.get(site.id)
    }

    /// Scores a comment for an app; files it in the moderation queue when the site asks for
    /// that (and it is not a test).
    ///
    /// # Errors
    /// Scoring or the database failed.
    pub async fn akismet_check(
        &self,
        site: &KeyedSite,
        c: &AkismetComment,
    ) -> anyhow::Result<CheckAnswer> {
        let (spam, probability, filing) = self.akismet_judge(c)?;
        let answer = CheckAnswer {
            spam,
            discard: spam && probability >= self.akismet_discard,
        };
        if !c.is_test {
            self.akismet_usage.bump(site.id, |u| {
                u.api_calls += 1;
                if spam { u.spam += 1 } else { u.ham += 1 }
            });
        }
        if site.store_checked && !c.is_test {
            match self.akismet_comment(site, c) {
                Some((comment, meta)) => {
                    let stored = self.store.insert_comment(comment, meta, filing).await?;
                    if let Err(refusal) = stored {
                        tracing::warn!(?refusal, "an Akismet-checked comment was not filed");
                    }
                }
                None => tracing::info!("an Akismet-checked comment lacks fields to file it"),
            }
        }
        Ok(answer)
    }

    /// Records an app's correction (`submit-spam` when `label` is spam, `submit-ham` when
    /// ham) as a training label with the source `akismet`. Test calls change nothing.
    ///
    /// # Errors
    /// Scoring or the database failed.
    pub async fn akismet_feedback(
        &self,
        site: &KeyedSite,
        c: &AkismetComment,
        label: Label,
    ) -> anyhow::Result<()> {
        if c.is_test {
            return Ok(());
        }
        self.akismet_usage.bump(site.id, |u| match label {
            Label::Spam => u.missed_spam += 1,
            Label::Ham => u.false_positives += 1,
        });
        let Some((comment, meta)) = self.akismet_comment(site, c) else {
            tracing::info!("Akismet feedback lacks fields to keep it");
            return Ok(());
        };
        let (_, _, mut filing) = self.akismet_judge(c)?;
        // Kept for training, never published by this: a ham correction is filed as
        // rejected (the app publishes it on its own side), a spam one as spam.
        filing.status = match label {
            Label::Spam => CommentStatus::Spam,
            Label::Ham => CommentStatus::Rejected,
        };
        filing.signals.push(Signal::Held(format!(
            "Akismet feedback from the app: {}",
            label.as_str()
        )));
        let result = self
            .store
            .feedback(Feedback {
                comment,
                meta,
                filing,
                label,
            })
            .await?;
        if let Err(refusal) = result {
            tracing::warn!(?refusal, "Akismet feedback was not kept");
        }
        Ok(())
    }

    /// Spam or not, P(spam), and how the comment would be filed.
    fn akismet_judge(&self, c: &AkismetComment) -> anyhow::Result<(bool, f64, Filing)> {
        let classifier = self.filter.models.current();
        let domain = email_domain(&c.comment_author_email);
        let host = website_host(c.comment_author_url.trim());
        let doc = Document {
            body: &c.comment_content,
            author: Some(c.comment_author.trim()),
            website_host: host.as_deref(),
            email_domain: Some(&domain),
        };
        let verdict = super::filter::verdict(&classifier, &doc)?;
        let probability = verdict.as_ref().map_or(0.0, |v| v.probability);
        let by_filter = verdict
            .as_ref()
            .is_some_and(|v| v.log_odds >= self.filter.threshold_log_odds(&classifier));
        let mut signals = Vec::new();
        let honeypot = c.honeypot.as_deref().is_some_and(|h| !h.trim().is_empty());
        if honeypot {
            signals.push(Signal::Honeypot);
        }
        let spam = test_verdict(c).unwrap_or(by_filter || honeypot);
        let probability = match test_verdict(c) {
            Some(true) => 1.0,
            Some(false) => 0.0,
            None if honeypot => probability.max(0.99),
            None => probability,
        };
        let filing = Filing {
            status: if spam {
                CommentStatus::Spam
            } else {
                CommentStatus::Pending
            },
            verdict,
            signals,
        };
        Ok((spam, probability, filing))
    }

    /// The comment as the queue would hold it, when its fields pass the API's rules: the
    /// article is the permalink (or the blog) on the site's origin.
    fn akismet_comment(
        &self,
        site: &KeyedSite,
        c: &AkismetComment,
    ) -> Option<(NewComment, SubmissionMeta)> {
        let thread = [&c.permalink, &c.blog]
            .into_iter()
            .filter_map(|u| ThreadUrl::parse(u).ok())
            .find(|t| t.origin() == site.origin)?;
        let author = if c.comment_author.trim().is_empty() {
            "Anonymous".to_owned()
        } else {
            c.comment_author.clone()
        };
        let comment = NewComment::try_from(RawComment {
            thread: thread.as_ref().to_owned(),
            parent: None,
            author,
            email: c.comment_author_email.clone(),
            website: c.comment_author_url.clone(),
            body: c.comment_content.clone(),
        })
        .ok()?;
        let same = self.guard.secret().mac(
            "akismet-comment",
            &[
                site.origin.as_bytes(),
                comment.author.as_ref().as_bytes(),
                comment.email.as_ref().to_lowercase().as_bytes(),
                comment.body.as_ref().as_bytes(),
            ],
        );
        let mut meta = SubmissionMeta {
            created_at: now_millis(),
            client_ip: Some(c.user_ip.clone()).filter(|ip| !ip.is_empty()),
            user_agent: Some(c.user_agent.chars().take(512).collect())
                .filter(|s: &String| !s.is_empty()),
            referrer: Some(c.referrer.chars().take(512).collect())
                .filter(|s: &String| !s.is_empty()),
            idempotency_key: Some(hex(&same)),
            ..SubmissionMeta::default()
        };
        self.hide_address(&mut meta);
        Some((comment, meta))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn akismet_test_values_decide_before_the_filter() {
        let mut c = AkismetComment {
            comment_author: "akismet-guaranteed-spam".into(),
            ..AkismetComment::default()
        };
        assert_eq!(test_verdict(&c), Some(true));
        c.comment_author = "viagra-test-123".into();
        assert_eq!(test_verdict(&c), Some(true));
        c.comment_author = "Ann".into();
        c.comment_author_email = "akismet-guaranteed-spam@example.com".into();
        assert_eq!(test_verdict(&c), Some(true));
        c.comment_author_email = "ann@example.com".into();
        c.user_role = "administrator".into();
        assert_eq!(test_verdict(&c), Some(false));
        c.user_role = String::new();
        assert_eq!(test_verdict(&c), None);
    }
}

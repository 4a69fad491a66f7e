//! The Akismet protocol's use cases: site API keys, comment-check (score, and file in the
//! queue where the site asks for it), and an app's spam/ham feedback as training labels.
//!
//! Keys are derived from the service's secret, the site's origin and a generation number,
//! so `replyguard site key ORIGIN` can print the current one again; only a SHA-256 of it is
//! stored, for the lookup. Usage counts are kept in the database, per site and month, so a
//! restart does not reset them and instances sharing a database count together.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::accounts::token_hash;
use super::guard::Guard;
use super::privacy::hide_address;
use super::secret::hex;
use super::submission::{Door, Submissions, file};
use crate::domain::{
    AkismetUsage, CommentId, CommentStatus, Feedback, KeyedSite, Label, LabelSource, NewComment,
    RawComment, Signal, SubmissionMeta, SubmitRefusal, ThreadUrl, now_millis,
};
use crate::store::{Store, Tx, TxResult};

/// Hex characters in a key: DNS-safe, so older clients can put it in the host name.
pub(super) const KEY_LEN: usize = 24;
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
pub type Usage = AkismetUsage;

/// This month, as usage is kept: `YYYY-MM`, UTC.
pub fn this_month() -> String {
    crate::domain::Timestamp::now().to_rfc3339()[..7].to_owned()
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

/// The Akismet protocol: keys, comment-check through the one submission path, feedback.
#[derive(Clone)]
pub struct Akismet {
    pub(super) store: Store,
    pub(super) submissions: Submissions,
    pub(super) guard: Arc<Guard>,
    /// P(spam) at or above which comment-check adds `X-akismet-pro-tip: discard`.
    pub(super) discard: f64,
    /// Feedback labels kept per site key in the current hour (this instance's count).
    pub(super) feedback_kept: Arc<std::sync::Mutex<std::collections::HashMap<i64, (i64, u32)>>>,
}

/// Feedback labels (`submit-spam`, `submit-ham`) kept from one site's key per hour: past
/// it the calls are answered and counted as usage, but nothing is filed or learnt, so one
/// key cannot flood its site's layer.
pub const FEEDBACK_PER_HOUR: u32 = 500;

impl Akismet {
    /// The site an API key belongs to, if `blog` is one of its URLs (any URL on its origin).
    ///
    /// # Errors
    /// A database failure.
    pub async fn site(&self, key: &str, blog: &str) -> anyhow::Result<Option<KeyedSite>> {
        let Some(site) = self.site_by_key(key).await? else {
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
    pub async fn site_by_key(&self, key: &str) -> anyhow::Result<Option<KeyedSite>> {
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
    ///
    /// # Errors
    /// A database failure.
    pub async fn usage(&self, site: &KeyedSite) -> anyhow::Result<Usage> {
        Ok(self.store.akismet_usage(site.id, this_month()).await?)
    }

    /// Akismet's comment-check: the comment goes through the one submission path (lists,
    /// signals, campaigns, the filter) and is filed in the moderation queue when the site
    /// asks for that and the call is not a test. Spam when it was (or would be) filed as
    /// spam.
    ///
    /// # Errors
    /// Scoring or the database failed.
    pub async fn check(&self, site: &KeyedSite, c: &AkismetComment) -> anyhow::Result<CheckAnswer> {
        let (comment, meta, fileable) = self.akismet_comment(site, c);
        if !fileable && site.store_checked && !c.is_test {
            tracing::info!("an Akismet-checked comment lacks fields to file it");
        }
        // The app's own honeypot is Akismet's word, whatever this service's bot policy:
        // a filled-in one is spam unless a test value says otherwise.
        let test = test_verdict(c);
        let honeypot = c.honeypot.as_deref().is_some_and(|h| !h.trim().is_empty());
        let door = Door::AkismetCheck {
            file: fileable && site.store_checked && !c.is_test,
            verdict: test.or(honeypot.then_some(true)),
        };
        let judged = self.submissions.take(comment, meta, door).await?;
        let spam = judged.status == CommentStatus::Spam;
        let probability = match test {
            Some(true) => 1.0,
            Some(false) => 0.0,
            None if honeypot => judged.probability.max(0.99),
            None => judged.probability,
        };
        if !c.is_test {
            self.count(
                site,
                Usage {
                    api_calls: 1,
                    spam: u64::from(spam),
                    ham: u64::from(!spam),
                    ..Usage::default()
                },
            )
            .await?;
        }
        Ok(CheckAnswer {
            spam,
            discard: spam && probability >= self.discard,
        })
    }

    /// Adds one call to the site's usage this month.
    async fn count(&self, site: &KeyedSite, delta: Usage) -> anyhow::Result<()> {
        let (id, month) = (site.id, this_month());
        self.store
            .write(move |tx| tx.add_usage(id, &month, &delta))
            .await?;
        Ok(())
    }

    /// Records an app's correction (`submit-spam` when `label` is spam, `submit-ham` when
    /// ham) as a training label with the source `akismet`. Test calls change nothing.
    ///
    /// # Errors
    /// Scoring or the database failed.
    pub async fn feedback(
        &self,
        site: &KeyedSite,
        c: &AkismetComment,
        label: Label,
    ) -> anyhow::Result<()> {
        if c.is_test {
            return Ok(());
        }
        self.count(
            site,
            Usage {
                missed_spam: u64::from(label == Label::Spam),
                false_positives: u64::from(label == Label::Ham),
                ..Usage::default()
            },
        )
        .await?;
        let (comment, mut meta, fileable) = self.akismet_comment(site, c);
        if !fileable {
            tracing::info!("Akismet feedback lacks fields to keep it");
            return Ok(());
        }
        if !self.admit_feedback(site) {
            tracing::warn!(
                site = %site.origin,
                "Akismet feedback over {FEEDBACK_PER_HOUR} an hour from this key: counted, not kept"
            );
            return Ok(());
        }
        hide_address(self.guard.secret(), &mut meta);
        let mut filing = self.submissions.scoring.judge(&comment)?;
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
        let feedback = Feedback {
            comment,
            meta,
            filing,
            label,
        };
        let result = self
            .store
            .write(move |tx| feedback_rule(tx, &feedback))
            .await?;
        if let Err(refusal) = result {
            tracing::warn!(?refusal, "Akismet feedback was not kept");
        }
        Ok(())
    }

    /// Whether one more feedback label from `site`'s key fits this hour's allowance.
    fn admit_feedback(&self, site: &KeyedSite) -> bool {
        let hour = crate::domain::now_millis() / 3_600_000;
        let mut kept = self
            .feedback_kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = kept.entry(site.id.0).or_insert((hour, 0));
        if entry.0 != hour {
            *entry = (hour, 0);
        }
        entry.1 += 1;
        entry.1 <= FEEDBACK_PER_HOUR
    }

    /// The comment as the queue would hold it, and whether its fields pass the API's rules
    /// (the article is the permalink, or the blog, on the site's origin). A comment that
    /// does not is still judged, never filed: its missing parts are stand-ins (the site's
    /// home page, "Anonymous", an address at `example.invalid`, the text cut to size).
    fn akismet_comment(
        &self,
        site: &KeyedSite,
        c: &AkismetComment,
    ) -> (NewComment, SubmissionMeta, bool) {
        let thread = [&c.permalink, &c.blog]
            .into_iter()
            .filter_map(|u| ThreadUrl::parse(u).ok())
            .find(|t| t.origin() == site.origin);
        let author = if c.comment_author.trim().is_empty() {
            "Anonymous".to_owned()
        } else {
            c.comment_author.clone()
        };
        let raw = RawComment {
            thread: thread
                .as_ref()
                .map_or_else(|| format!("{}/", site.origin), |t| t.as_ref().to_owned()),
            parent: None,
            author,
            email: c.comment_author_email.clone(),
            website: c.comment_author_url.clone(),
            body: c.comment_content.clone(),
        };
        let (comment, fileable) = match NewComment::try_from(raw.clone()) {
            Ok(comment) => (comment, thread.is_some()),
            Err(_) => (stand_in(raw), false),
        };
        let same = self.guard.secret().mac(
            "akismet-comment",
            &[
                site.origin.as_bytes(),
                comment.author.as_ref().as_bytes(),
                comment.email.as_ref().to_lowercase().as_bytes(),
                comment.body.as_ref().as_bytes(),
            ],
        );
        let honeypot = c.honeypot.clone().filter(|h| !h.trim().is_empty());
        let meta = SubmissionMeta {
            created_at: now_millis(),
            client_ip: Some(c.user_ip.clone()).filter(|ip| !ip.is_empty()),
            user_agent: Some(c.user_agent.chars().take(512).collect())
                .filter(|s: &String| !s.is_empty()),
            referrer: Some(c.referrer.chars().take(512).collect())
                .filter(|s: &String| !s.is_empty()),
            idempotency_key: Some(hex(&same)),
            honeypot,
            ..SubmissionMeta::default()
        };
        (comment, meta, fileable)
    }
}

/// A comment for judging only, from fields that do not pass the API's rules: each field that
/// fails is replaced by a stand-in that passes.
fn stand_in(raw: RawComment) -> NewComment {
    use crate::domain::comment::{AUTHOR_MAX_BYTES, BODY_MAX_BYTES};
    use crate::domain::{AuthorEmail, AuthorName, AuthorUrl, CommentBody};
    let cut = |text: &str, max: usize| {
        let mut end = text.len().min(max);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text[..end].to_owned()
    };
    let anonymous = || AuthorName::parse("Anonymous").expect("a valid name");
    NewComment {
        thread: ThreadUrl::parse(&raw.thread)
            .unwrap_or_else(|_| ThreadUrl::parse("https://example.invalid/").expect("a URL")),
        parent: None,
        author: AuthorName::parse(&cut(&raw.author, AUTHOR_MAX_BYTES))
            .unwrap_or_else(|_| anonymous()),
        email: AuthorEmail::parse(&raw.email).unwrap_or_else(|_| {
            AuthorEmail::parse("anonymous@example.invalid").expect("a valid address")
        }),
        website: AuthorUrl::parse(&raw.website).ok().flatten(),
        body: CommentBody::parse(&cut(&raw.body, BODY_MAX_BYTES))
            .unwrap_or_else(|_| CommentBody::parse("(no text)").expect("a valid body")),
    }
}

/// An app's feedback as one unit of work: labels the earlier copy of the comment (the same
/// idempotency key, from comment-check) if there is one, else files the comment as given
/// and labels that. The label's source is `akismet`.
pub(crate) fn feedback_rule(
    tx: &mut dyn Tx,
    f: &Feedback,
) -> TxResult<Result<CommentId, SubmitRefusal>> {
    let earlier = match &f.meta.idempotency_key {
        Some(key) => tx.by_idempotency_key(key)?.map(|s| s.id),
        None => None,
    };
    let id = match earlier {
        Some(id) => id,
        None => match file(tx, &f.comment, &f.meta, &f.filing, None, false)? {
            Ok(submitted) => submitted.id,
            Err(refusal) => return Ok(Err(refusal)),
        },
    };
    // A moderator's word outranks an app's: their label stands, and the app's feedback is
    // only counted (the site's usage) and logged.
    if tx.labelled_by_moderator(id)? {
        tracing::info!(
            comment_id = id.0,
            label = f.label.as_str(),
            "Akismet feedback not applied: a moderator labelled this comment"
        );
    } else {
        tx.set_label(id, f.label, LabelSource::Akismet, None, f.meta.created_at)?;
    }
    Ok(Ok(id))
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

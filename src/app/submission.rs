//! Posting a comment and reading an article's approved comments.

use crate::domain::{
    CommentStatus, FieldErrors, Filing, LogAction, LogEvent, ModAction, NewComment, PublicThread,
    Signal, SubmissionMeta, SubmitRefusal, Submitted, ThreadUrl,
};
use std::sync::Arc;

use super::campaigns::CampaignIndex;
use super::filter::Scoring;
use super::guard::{Findings, Guard, use_token};
use super::limits::{Limiter, RecentComments, SubmissionLimits};
use super::notify::Notifier;
use super::privacy::hide_address;
use crate::store::{Store, Tx, TxResult};

/// Posting comments, whatever door they come in by, and reading an article's approved ones.
#[derive(Clone)]
pub struct Submissions {
    pub(super) store: Store,
    /// The model in use and the threshold applied to its scores.
    pub(super) scoring: Scoring,
    /// Form tokens, bot signals, block and hold lists.
    pub(super) guard: Arc<Guard>,
    /// Submission limits and their state.
    pub(super) limits: SubmissionLimits,
    pub(super) limiter: Arc<Limiter>,
    pub(super) recent: Arc<RecentComments>,
    /// Events for the notification task.
    pub(super) notifier: Arc<Notifier>,
    /// Recent comments' signatures, for grouping campaigns; `None`: campaigns are off.
    pub(super) campaigns: Option<Arc<CampaignIndex>>,
    /// Readers told of replies: opting in, and a reply published at once.
    pub(super) replies: super::replies::Replies,
}

/// Why a submission was not stored.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("{0}")]
    Validation(FieldErrors),
    #[error("too many comments from this address or email; try again in {} seconds", .0.retry_after.as_secs().max(1))]
    Limited(super::limits::Limited),
    #[error("this comment was already posted")]
    Duplicate(super::limits::Duplicate),
    #[error("comments are closed on this article")]
    Closed,
    #[error("failed to store the comment")]
    Unexpected(#[from] anyhow::Error),
}

/// `Idempotency-Key` bound to the article and the commenter's address: a keyed hash, hex
/// (stored, so never a plain hash of an email address).
fn scoped_idempotency_key(
    secret: &super::secret::Secret,
    key: &str,
    comment: &NewComment,
) -> String {
    let email = comment.email.as_ref().to_lowercase();
    super::secret::hex(&secret.mac(
        "idempotency",
        &[
            key.as_bytes(),
            comment.thread.as_ref().as_bytes(),
            email.as_bytes(),
        ],
    ))
}

/// What makes two comments the same: the same sender (by email, and again by address)
/// saying the same thing on the same article and parent. The text is compared after
/// Unicode compatibility folding (a full-width letter is the letter, a no-break space a
/// space), case folding and collapsing whitespace, so trivial variants are repeats; the
/// name is not compared, since two people may share one and say "Great article!" alike.
fn duplicate_keys(comment: &NewComment, address: Option<&str>) -> Vec<[u8; 32]> {
    use sha2::{Digest, Sha256};
    let parent = comment.parent.map(|p| p.0.to_string()).unwrap_or_default();
    let mut folded = String::new();
    crate::classifier::tokenize::normalise(comment.body.as_ref(), &mut folded);
    let text = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    let email = format!("email:{}", comment.email.as_ref().to_lowercase());
    std::iter::once(email.as_str())
        .chain(address)
        .map(|sender| {
            let mut h = Sha256::new();
            for part in [comment.thread.as_ref(), &parent, sender, &text] {
                h.update((part.len() as u64).to_le_bytes());
                h.update(part.as_bytes());
            }
            h.finalize().into()
        })
        .collect()
}

fn refusal_errors(refusal: SubmitRefusal) -> FieldErrors {
    let (field, message) = match refusal {
        SubmitRefusal::UnknownSite => ("thread", "Comments are not enabled for this website."),
        SubmitRefusal::ParentInOtherThread => (
            "parent",
            "The comment you are replying to belongs to another article.",
        ),
        SubmitRefusal::ParentNotPublic => (
            "parent",
            "The comment you are replying to does not exist or is not public.",
        ),
        SubmitRefusal::CommentsClosed => ("thread", "Comments are closed on this article."),
    };
    FieldErrors::one(field, message)
}

/// A form token to claim as used with the filing, and the filing should it turn out used.
#[derive(Debug, Clone)]
pub(crate) struct TokenUse {
    nonce: String,
    replayed: Filing,
}

/// Which door a comment came in by: what of the one submission path applies to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// A reader, through the JSON API or the HTML form: retries answered from the store,
    /// duplicates and floods refused, the comment filed.
    Reader,
    /// An app's Akismet comment-check: judged like a reader's comment (lists, signals,
    /// score, campaigns), never refused (the app answers its own reader, so there is nobody
    /// to tell "slow down"); filed only when the site asks for it (`file`), and answered
    /// all the same when the article or site refuses the filing. `verdict` overrides the
    /// status: Akismet's documented test answers, or the app's own honeypot.
    AkismetCheck { file: bool, verdict: Option<bool> },
    /// A comment from another system's export (`replyguard import wordpress`): judged like
    /// a reader's comment but never refused, and not filed here (an import stores its
    /// article's comments in chunks of its own, keyed to survive a second run) nor
    /// announced. The export's own verdict is `kept`, except that a comment it left
    /// pending is filed as this path judges it (spam on a list, a signal or the score).
    Import { kept: CommentStatus },
}

impl Door {
    fn files(self) -> bool {
        match self {
            Door::Reader => true,
            Door::AkismetCheck { file, .. } => file,
            Door::Import { .. } => false,
        }
    }
}

/// What the submission path made of a comment.
#[derive(Debug, Clone)]
pub struct Judged {
    /// The status it was filed with, or would have been.
    pub status: CommentStatus,
    /// The filter's P(spam) (0 when it could not judge, or for a retry answered from the
    /// store).
    pub probability: f64,
    /// The stored comment, when this door files and the filing was accepted.
    pub stored: Option<Submitted>,
    /// What to file: the status, the filter's verdict and the signals.
    pub filing: Filing,
}

impl Submissions {
    /// A reader's submission: scored, then stored, committed (durably) before this returns:
    /// as `spam` (with a moderation log entry by the filter) when the filter's score, a
    /// block list or a bot signal says so, else as `pending`. Nothing is ever published
    /// without a moderator. Scoring happens here, before the write: the writer never waits
    /// for the classifier.
    ///
    /// # Errors
    /// [`SubmitError::Validation`] when the article is not under a registered site or the
    /// parent does not exist, is not public or belongs to another article; `Limited` and
    /// `Duplicate`; `Unexpected` otherwise.
    pub async fn submit(
        &self,
        comment: NewComment,
        meta: SubmissionMeta,
    ) -> Result<Submitted, SubmitError> {
        let judged = self.take(comment, meta, Door::Reader).await?;
        judged.stored.ok_or_else(|| {
            SubmitError::Unexpected(anyhow::anyhow!("a reader's comment was not filed"))
        })
    }

    /// The one submission path, whatever door a comment comes in by: the idempotent retry,
    /// the reader's limits, the guard's signals and lists, the campaigns, the filter, filing
    /// in one unit of work, the notification and the metrics. What differs by door is
    /// [`Door`]'s to say.
    ///
    /// # Errors
    /// As [`Submissions::submit`]; only `Unexpected` for an Akismet check.
    #[tracing::instrument(name = "submit comment", skip_all, fields(comment_id = tracing::field::Empty))]
    pub async fn take(
        &self,
        comment: NewComment,
        meta: SubmissionMeta,
        door: Door,
    ) -> Result<Judged, SubmitError> {
        use crate::metrics::Outcome;
        let result = self.take_once(comment, meta, door).await;
        crate::metrics::global().submission(match &result {
            Ok(j) if j.status == CommentStatus::Spam => Outcome::Spam,
            Ok(j) if j.status == CommentStatus::Approved => Outcome::Approved,
            Ok(_) => Outcome::Pending,
            Err(SubmitError::Validation(_)) => Outcome::Invalid,
            Err(SubmitError::Duplicate(_)) => Outcome::Duplicate,
            Err(SubmitError::Closed) => Outcome::Invalid,
            Err(SubmitError::Limited(_)) => Outcome::RateLimited,
            Err(SubmitError::Unexpected(_)) => Outcome::Failed,
        });
        result
    }

    async fn take_once(
        &self,
        comment: NewComment,
        meta: SubmissionMeta,
        door: Door,
    ) -> Result<Judged, SubmitError> {
        if door != Door::Reader {
            return self.judge_and_file(comment, meta, door).await;
        }
        let mut meta = meta;
        // A retry carries the same key: scoped to the article and commenter, so one client's
        // key can never return another's comment. Answered before the limits, so a client
        // retrying after a lost answer is not told to slow down.
        meta.idempotency_key = meta
            .idempotency_key
            .as_deref()
            .map(|key| scoped_idempotency_key(self.guard.secret(), key, &comment));
        if let Some(key) = &meta.idempotency_key {
            let stored = self
                .store
                .find_by_idempotency_key(key.clone())
                .await
                .map_err(|e| anyhow::Error::new(e).context("database failure while submitting"))?;
            if let Some(submitted) = stored {
                return Ok(Judged {
                    status: submitted.status,
                    probability: 0.0,
                    stored: Some(submitted),
                    filing: Filing {
                        status: submitted.status,
                        verdict: None,
                        signals: Vec::new(),
                    },
                });
            }
        }
        // Limits first: a refused flood costs no scoring and no write.
        let mut keys = vec![format!("email:{}", comment.email.as_ref().to_lowercase())];
        if let Some(ip) = meta.client_ip.as_deref().and_then(|ip| ip.parse().ok()) {
            keys.push(super::limits::address_key(ip));
        }
        if !self.limits.enabled {
            return self.judge_and_file(comment, meta, door).await;
        }
        // The same comment again (a double click, a bot's repeat) is refused before it counts
        // against the rate, so the sender learns it is a duplicate.
        let duplicates = duplicate_keys(&comment, keys.get(1).map(String::as_str));
        if self.store.is_shared() {
            return self
                .take_shared(comment, meta, door, &keys, &duplicates)
                .await;
        }
        let now = std::time::Instant::now();
        let mut reserved = Vec::with_capacity(duplicates.len());
        for key in duplicates {
            if let Err(duplicate) = self.recent.reserve(key, now) {
                reserved.into_iter().for_each(|k| self.recent.release(k));
                return Err(SubmitError::Duplicate(duplicate));
            }
            reserved.push(key);
        }
        let judged = match self.limiter.admit(&self.limits, &keys, now) {
            Ok(()) => self.judge_and_file(comment, meta, door).await,
            Err(limited) => Err(SubmitError::Limited(limited)),
        };
        if judged.is_err() {
            reserved.into_iter().for_each(|k| self.recent.release(k));
        }
        judged
    }

    /// The limits where instances share the database: admitted (or refused) in one unit of
    /// work over keyed hashes of the keys, then judged and filed; a duplicate claim is given
    /// back when the comment is not stored.
    async fn take_shared(
        &self,
        comment: NewComment,
        meta: SubmissionMeta,
        door: Door,
        keys: &[String],
        duplicates: &[[u8; 32]],
    ) -> Result<Judged, SubmitError> {
        use super::limits::{DUPLICATE_CLAIM, Refused, admit_shared};
        let secret = self.guard.secret();
        let keys: Vec<String> = keys
            .iter()
            .map(|k| super::limits::shared_key(secret, k))
            .collect();
        let duplicates: Vec<String> = duplicates
            .iter()
            .map(|k| super::secret::hex(&secret.mac("duplicate", &[k])))
            .collect();
        let (limits, now) = (self.limits, crate::domain::now_millis());
        let claims = duplicates.clone();
        let admitted = self
            .store
            .write_alone(move |tx| admit_shared(tx, &limits, &keys, &claims, now))
            .await
            .map_err(|e| anyhow::Error::new(e).context("database failure while admitting"))?;
        match admitted {
            Ok(()) => {}
            Err(Refused::Duplicate) => {
                return Err(SubmitError::Duplicate(super::limits::Duplicate));
            }
            Err(Refused::Limited(limited)) => return Err(SubmitError::Limited(limited)),
        }
        let judged = self.judge_and_file(comment, meta, door).await;
        if judged.is_err() {
            let released = self
                .store
                .write(move |tx| {
                    for key in &duplicates {
                        tx.unclaim(DUPLICATE_CLAIM, key)?;
                    }
                    Ok(())
                })
                .await;
            if let Err(e) = released {
                tracing::warn!(error.message = %e, "a duplicate claim was not given back");
            }
        }
        judged
    }

    /// A signed form token for a form on `thread` (the demo page, error pages, the widget).
    ///
    /// # Errors
    /// The system has no randomness.
    pub fn form_token(&self, thread: &ThreadUrl) -> anyhow::Result<super::guard::FormToken> {
        self.guard.issue(thread, crate::domain::now_millis())
    }

    /// Signals, lists, campaigns and the filter; then, where the door files, the unit of
    /// work, the campaign index and the notification.
    async fn judge_and_file(
        &self,
        comment: NewComment,
        meta: SubmissionMeta,
        door: Door,
    ) -> Result<Judged, SubmitError> {
        let mut findings = self
            .guard
            .inspect(&self.store, &comment, &meta, door == Door::Reader)
            .await?;
        // From here on only the network and a keyed hash of the address exist.
        let mut meta = meta;
        hide_address(self.guard.secret(), &mut meta);
        meta.email_key = Some(self.guard.secret().email_key(comment.email.as_ref()));
        // A near-duplicate of a recent comment joins that comment's campaign.
        let signature = self
            .campaigns
            .as_ref()
            .and_then(|_| crate::classifier::minhash::Signature::of(comment.body.as_ref()));
        let joined = self.campaigns.as_ref().zip(signature.as_ref());
        if let Some((seed, size)) = joined.and_then(|(index, s)| index.find(s)) {
            meta.campaign = Some(seed);
            findings.signals.push(Signal::Campaign { size: size + 1 });
            findings.wave = size + 1 >= super::guard::CAMPAIGN_SPAM_AT
                && comment.body.as_ref().chars().count() >= super::guard::CAMPAIGN_MIN_CHARS;
        }
        let campaign = meta.campaign;
        let mut filing = self.scoring.judge(&comment)?;
        filing.status = self.guard.file(filing.status, &findings);
        match door {
            Door::AkismetCheck {
                verdict: Some(spam),
                ..
            } => {
                filing.status = if spam {
                    CommentStatus::Spam
                } else {
                    CommentStatus::Pending
                };
            }
            Door::Import { kept } if kept != CommentStatus::Pending => filing.status = kept,
            _ => {}
        }
        filing.signals.extend(findings.signals.iter().cloned());
        // A genuine token is claimed as used in the filing's own unit of work (so a refused
        // or failed filing leaves it free); if it was used before, the comment is filed as
        // a replay instead, as the guard would have judged it.
        let token = findings.token.clone().map(|nonce| {
            let mut replay = Findings {
                signals: findings.signals.clone(),
                ..Findings::default()
            };
            replay
                .signals
                .retain(|s| !matches!(s, Signal::TooFast { .. }));
            replay.signals.push(Signal::ReplayedFormToken);
            let mut replayed = filing.clone();
            replayed.status = self.guard.file(filing.status, &replay);
            replayed.signals = replay.signals;
            TokenUse { nonce, replayed }
        });
        let probability = filing.verdict.as_ref().map_or(0.0, |v| v.probability);
        let mut judged = Judged {
            status: filing.status,
            probability,
            stored: None,
            filing: filing.clone(),
        };
        if !door.files() {
            return Ok(judged);
        }
        let model = filing.verdict.as_ref().map(|v| v.model_version.clone());
        let event = self
            .notifier
            .enabled()
            .then(|| (comment.clone(), filing.clone(), meta.created_at));
        // Asking to hear of replies records something only where email can be sent.
        let opt_in = door == Door::Reader && meta.notify_replies && self.replies.enabled();
        let reader = (
            comment.email.as_ref().to_owned(),
            comment.thread.clone(),
            comment.parent,
            meta.lang.clone(),
            meta.created_at,
        );
        let stored = self
            .store
            .write(move |tx| {
                let filed = file(
                    tx,
                    &comment,
                    &meta,
                    &filing,
                    token.as_ref(),
                    door == Door::Reader,
                )?;
                let confirm = match (&filed, &meta.email_key) {
                    (Ok(s), Some(key)) if opt_in && s.status != CommentStatus::Spam => {
                        match tx.site_id(&comment.thread.origin())? {
                            Some(site) => super::replies::opt_in(
                                tx,
                                site,
                                s.id,
                                key,
                                &meta.lang,
                                meta.created_at,
                            )?,
                            None => None,
                        }
                    }
                    _ => None,
                };
                Ok(filed.map(|s| (s, confirm)))
            })
            .await
            .map_err(|e| anyhow::Error::new(e).context("database failure while submitting"));
        let submitted = match stored {
            Ok(Ok((submitted, confirm))) => {
                let (email, thread, parent, lang, at) = reader;
                if let Some(subscription) = confirm {
                    self.replies.send_confirmation(
                        submitted.id,
                        subscription,
                        &email,
                        &thread,
                        &lang,
                        at,
                    );
                }
                if submitted.status == CommentStatus::Approved && parent.is_some() {
                    self.replies.published(submitted.id).await;
                }
                submitted
            }
            Ok(Err(refusal)) => {
                if door == Door::Reader {
                    if refusal == SubmitRefusal::CommentsClosed {
                        return Err(SubmitError::Closed);
                    }
                    return Err(SubmitError::Validation(refusal_errors(refusal)));
                }
                // The app still gets its answer; the queue just does not hold the comment.
                tracing::warn!(?refusal, "an Akismet-checked comment was not filed");
                return Ok(judged);
            }
            Err(e) => return Err(e.into()),
        };
        tracing::Span::current().record("comment_id", submitted.id.0);
        if let (Some(index), Some(signature)) = (&self.campaigns, signature) {
            index.add(submitted.id, campaign.unwrap_or(submitted.id), signature);
        }
        if let Some((comment, filing, at)) = event {
            self.notifier
                .comment_stored(submitted.id, &comment, &filing, at);
        }
        tracing::info!(
            comment_id = submitted.id.0,
            status = %submitted.status,
            spam_probability = probability,
            model_version = %model.unwrap_or_default(),
            signals = findings.signals.len(),
            door = ?door,
            "comment stored"
        );
        judged.status = submitted.status;
        judged.stored = Some(submitted);
        Ok(judged)
    }

    /// The approved comments of one article, oldest first, with the version of that set.
    ///
    /// # Errors
    /// A database failure.
    pub async fn approved_comments(&self, thread: &ThreadUrl) -> anyhow::Result<PublicThread> {
        Ok(self.store.list_public(thread.as_ref().to_owned()).await?)
    }

    /// Whether the article takes comments now (a registered site's, not closed by hand
    /// or by the site's days).
    ///
    /// # Errors
    /// A database failure.
    pub async fn article_open(&self, thread: &ThreadUrl) -> anyhow::Result<bool> {
        let policy = self
            .store
            .article_policy(thread.origin(), thread.as_ref().to_owned())
            .await?;
        Ok(policy.is_some_and(|p| p.open(crate::domain::now_millis())))
    }

    /// The version of an article's approved comments, without reading them: a rendering of
    /// the same version is still exact. `None` for an article nobody commented on yet.
    ///
    /// # Errors
    /// A database failure.
    pub async fn approved_version(&self, thread: &ThreadUrl) -> anyhow::Result<Option<i64>> {
        Ok(self
            .store
            .thread_version(thread.as_ref().to_owned())
            .await?)
    }
}

/// Files a scored submission as one unit of work: a retry under the same idempotency key
/// gets the stored answer; the article must be on a registered site (its thread is created
/// on first use) and a parent approved in the same thread; the comment is stored as
/// `filing` says, seeds its campaign, and, filed as spam on arrival, is logged as the
/// filter's decision, from which "not spam" returns it to the queue.
pub(crate) fn file(
    tx: &mut dyn Tx,
    comment: &NewComment,
    meta: &SubmissionMeta,
    filing: &Filing,
    token: Option<&TokenUse>,
    may_publish: bool,
) -> TxResult<Result<Submitted, SubmitRefusal>> {
    if let Some(key) = &meta.idempotency_key
        && let Some(stored) = tx.by_idempotency_key(key)?
    {
        return Ok(Ok(stored));
    }
    let url = comment.thread.as_ref();
    let Some((site, thread)) = tx.site_and_thread(&comment.thread.origin(), url)? else {
        return Ok(Err(SubmitRefusal::UnknownSite));
    };
    let policy = tx.article_policy(site, thread)?;
    if !policy.open(meta.created_at) {
        return Ok(Err(SubmitRefusal::CommentsClosed));
    }
    let thread = match thread {
        Some(thread) => thread,
        None => tx.insert_thread(site, url, meta.created_at)?,
    };
    if let Some(parent) = comment.parent {
        match tx.thread_and_status(parent)? {
            Some((t, CommentStatus::Approved)) if t == thread => {}
            Some((_, CommentStatus::Approved)) => {
                return Ok(Err(SubmitRefusal::ParentInOtherThread));
            }
            _ => return Ok(Err(SubmitRefusal::ParentNotPublic)),
        }
    }
    let filing = match token {
        Some(token) if !use_token(tx, &token.nonce, meta.created_at)? => &token.replayed,
        _ => filing,
    };
    let published = match may_publish {
        true => publication(tx, site, &policy, comment, meta, filing)?,
        false => None,
    };
    let approved;
    let filing = match &published {
        Some(_) => {
            approved = Filing {
                status: CommentStatus::Approved,
                ..filing.clone()
            };
            &approved
        }
        None => filing,
    };
    let spam = filing.status == CommentStatus::Spam;
    let before_spam = spam.then_some(CommentStatus::Pending);
    let id = tx.insert_comment(thread, comment, meta, filing, before_spam)?;
    if let Some(reason) = published {
        // The policy's decision, in the log like a moderator's and undone like one.
        tx.append_log(&LogEvent {
            comment: id,
            moderator: None,
            action: LogAction::Decided(ModAction::Approve),
            from: CommentStatus::Pending,
            to: CommentStatus::Approved,
            at: meta.created_at,
            reason: Some(reason),
        })?;
        tx.bump_thread(thread)?;
    }
    if let Some(seed) = meta.campaign {
        tx.start_campaign(seed)?;
    }
    if spam {
        tx.append_log(&filed_as_spam(id, meta.created_at, &filing.signals))?;
    }
    Ok(Ok(Submitted {
        id,
        status: filing.status,
        created_at: meta.created_at,
    }))
}

/// The log entry of a comment filed as spam on arrival: the service's decision, from
/// pending (where "not spam" returns it), with how it came there: a list or a bot signal
/// when one spoke, else the filter's score.
pub(crate) fn filed_as_spam(id: crate::domain::CommentId, at: i64, signals: &[Signal]) -> LogEvent {
    let reason = signals
        .iter()
        .find(|s| matches!(s, Signal::Blocked(_)) || s.is_bot())
        .map_or_else(|| "filter".to_owned(), ToString::to_string);
    LogEvent {
        comment: id,
        moderator: None,
        action: LogAction::Decided(ModAction::Spam),
        from: CommentStatus::Pending,
        to: CommentStatus::Spam,
        at,
        reason: Some(reason),
    }
}

/// A reader's comment the filter scores at or above this is never published at once,
/// whatever the mode: it waits for a person.
pub(super) const PUBLISH_BELOW: f64 = 0.5;

/// Whether the moderation policy publishes this comment at once, and why in words: only a
/// comment the filter, the signals and the lists let through (pending, no signal but a
/// noted missing form token, a clear score), then a commenter a moderator trusts on this
/// site whatever the mode, then by the mode: `postmoderate` publishes it; `first-time` when the commenter (email and name on this site) has at least
/// `trust_after` approved comments since their latest spam or rejected one.
fn publication(
    tx: &mut dyn Tx,
    site: crate::domain::SiteId,
    policy: &crate::domain::ArticlePolicy,
    comment: &NewComment,
    meta: &SubmissionMeta,
    filing: &Filing,
) -> TxResult<Option<String>> {
    use crate::domain::ModerationMode;
    let held = filing.status != CommentStatus::Pending
        || filing.signals.iter().any(|s| *s != Signal::NoFormToken)
        || filing
            .verdict
            .as_ref()
            .is_none_or(|v| v.probability >= PUBLISH_BELOW);
    if held {
        return Ok(None);
    }
    // A moderator's trust in the commenter outranks the mode.
    if let Some(key) = &meta.email_key
        && tx.is_trusted(site, key)?
    {
        return Ok(Some("trusted by a moderator".to_owned()));
    }
    Ok(match policy.mode() {
        ModerationMode::Premoderate => None,
        ModerationMode::Postmoderate => Some("postmoderated: published at once".to_owned()),
        ModerationMode::FirstTime => {
            let approved =
                tx.approved_since_refusal(site, comment.email.as_ref(), comment.author.as_ref())?;
            (approved >= policy.trust_after)
                .then(|| format!("trusted commenter: {approved} approved"))
        }
    })
}

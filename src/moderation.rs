//! Use cases: submitting a comment, acting on one, and authenticating a moderator.
//!
//! Each use case is one database transaction and has its own error enum separating what the
//! caller did wrong from what went wrong inside. Routes and the CLI call these; neither
//! writes SQL.

use anyhow::Context;
use rusqlite::TransactionBehavior;

use crate::classifier::tokenize::Document;
use crate::classifier::{Classifier, ModelHandle};
use crate::db::comments::{self, ModEvent, StoredVerdict, SubmissionMeta};
use crate::db::moderators::{self, ModeratorId};
use crate::db::{Db, DbError, labels, now_millis, sites};
use crate::domain::comment::{email_domain, website_host};
use crate::domain::{
    CommentId, CommentStatus, FieldErrors, InvalidTransition, Label, LabelSource, ModAction,
    NewComment,
};
use crate::password;

/// Signals that most pushed a score towards spam, and towards ham, kept with a comment.
const REASONS_TOWARDS_SPAM: usize = 4;
const REASONS_TOWARDS_HAM: usize = 2;

/// The spam filter in use and the policy applied to its scores.
#[derive(Clone)]
pub struct SpamFilter {
    pub models: ModelHandle,
    /// P(spam) at or above which a submission is filed as spam; `None`: the model's own.
    pub threshold: Option<f64>,
}

/// Scores a comment's fields with `classifier`, as stored with the comment. The author's
/// name, website host and email domain are features; the address itself never reaches the
/// filter.
///
/// # Errors
/// Only if the reasons cannot be encoded as JSON.
pub fn verdict(
    classifier: &Classifier,
    doc: &Document<'_>,
) -> anyhow::Result<Option<StoredVerdict>> {
    let Some(scored) = classifier.score_and_explain(doc, REASONS_TOWARDS_SPAM, REASONS_TOWARDS_HAM)
    else {
        return Ok(None);
    };
    Ok(Some(StoredVerdict {
        probability: scored.score.probability(),
        log_odds: scored.score.log_odds(),
        reasons_json: serde_json::to_string(&scored.reasons)
            .context("failed to encode the filter's reasons")?,
        model_version: scored.model_version,
    }))
}

impl SpamFilter {
    /// The spam threshold in force with `classifier`, as log-odds: `REPLYGUARD_SPAM_THRESHOLD`
    /// if set, else the model's own calibrated one.
    pub fn threshold_log_odds(&self, classifier: &Classifier) -> f64 {
        self.threshold.map_or(
            classifier.threshold_log_odds(),
            crate::domain::verdict::logit,
        )
    }

    /// Scores a submission with the model in use now (one model for the whole request);
    /// returns the verdict and whether it reaches the spam threshold.
    fn judge(&self, comment: &NewComment) -> anyhow::Result<Option<(StoredVerdict, bool)>> {
        let classifier = self.models.current();
        let email_domain = comment.email.domain();
        let doc = Document {
            body: comment.body.as_ref(),
            author: Some(comment.author.as_ref()),
            website_host: comment.website.as_ref().map(|w| w.host()),
            email_domain: Some(&email_domain),
        };
        let threshold = self.threshold_log_odds(&classifier);
        Ok(verdict(&classifier, &doc)?.map(|v| {
            let is_spam = v.log_odds >= threshold;
            (v, is_spam)
        }))
    }
}

/// Pending comments re-scored per transaction.
const RESCORE_BATCH: u32 = 500;

/// Re-scores every pending comment with `classifier`, so the queue order reflects the model
/// in use; statuses are left alone. Blocking: call from a blocking thread or the CLI.
///
/// # Errors
/// A database failure.
pub fn rescore_pending(db: &Db, classifier: &Classifier) -> anyhow::Result<usize> {
    let mut after = 0;
    let mut count = 0;
    loop {
        let done = db.run_blocking(|conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(DbError::from)?;
            let rows = comments::list_pending_for_scoring(&tx, after, RESCORE_BATCH)?;
            for row in &rows {
                let website_host = row.website.as_deref().and_then(website_host);
                let email_domain = email_domain(&row.email);
                let doc = Document {
                    body: &row.body,
                    author: Some(&row.author),
                    website_host: website_host.as_deref(),
                    email_domain: Some(&email_domain),
                };
                if let Some(v) = verdict(classifier, &doc)? {
                    comments::set_verdict(&tx, row.id, &v)?;
                }
            }
            tx.commit().map_err(DbError::from)?;
            Ok::<_, anyhow::Error>(rows.last().map(|r| (r.id.0, rows.len())))
        })?;
        match done {
            Some((last, n)) => {
                after = last;
                count += n;
            }
            None => return Ok(count),
        }
    }
}

/// Why a submission was not stored.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("{0}")]
    Validation(FieldErrors),
    #[error("failed to store the comment")]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbError> for SubmitError {
    fn from(e: DbError) -> Self {
        SubmitError::Unexpected(anyhow::Error::new(e).context("database failure while submitting"))
    }
}

/// A stored submission.
#[derive(Debug, Clone, Copy)]
pub struct Submitted {
    pub id: CommentId,
    pub status: CommentStatus,
    pub created_at: i64,
}

/// Scores a valid submission and stores it, committed (durably) before this returns: as
/// `spam` (with a moderation log entry by the filter) when the filter's score reaches the
/// threshold, else as `pending`. Nothing is ever published without a moderator.
///
/// # Errors
/// [`SubmitError::Validation`] when the article is not under a registered site or the parent
/// does not exist, is not public or belongs to another article; `Unexpected` otherwise.
#[tracing::instrument(name = "submit comment", skip_all, fields(comment_id = tracing::field::Empty))]
pub async fn submit(
    db: &Db,
    filter: &SpamFilter,
    comment: NewComment,
    meta: SubmissionMeta,
) -> Result<Submitted, SubmitError> {
    let filter = filter.clone();
    let (submitted, score) = db
        .write(move |conn| {
            let (verdict, status) = match filter.judge(&comment)? {
                Some((v, true)) => (Some(v), CommentStatus::Spam),
                Some((v, false)) => (Some(v), CommentStatus::Pending),
                None => (None, CommentStatus::Pending),
            };
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(DbError::from)?;
            let site = sites::find_site_by_origin(&tx, &comment.thread.origin())?;
            let Some(site) = site else {
                let mut errors = FieldErrors::default();
                errors.add("thread", "Comments are not enabled for this website.");
                return Err(SubmitError::Validation(errors));
            };
            let thread =
                comments::upsert_thread(&tx, site, comment.thread.as_ref(), meta.created_at)?;
            if let Some(parent) = comment.parent {
                let found = comments::find_thread_and_status(&tx, parent)?;
                let problem = match found {
                    Some((t, CommentStatus::Approved)) if t == thread => None,
                    Some((t, CommentStatus::Approved)) if t != thread => {
                        Some("The comment you are replying to belongs to another article.")
                    }
                    _ => Some("The comment you are replying to does not exist or is not public."),
                };
                if let Some(message) = problem {
                    let mut errors = FieldErrors::default();
                    errors.add("parent", message);
                    return Err(SubmitError::Validation(errors));
                }
            }
            let id =
                comments::insert_comment(&tx, thread, &comment, &meta, status, verdict.as_ref())?;
            if status == CommentStatus::Spam {
                comments::append_log(
                    &tx,
                    &ModEvent {
                        comment: id,
                        moderator: None,
                        action: ModAction::Spam,
                        from: CommentStatus::Pending,
                        to: CommentStatus::Spam,
                        at: meta.created_at,
                    },
                )?;
            }
            tx.commit().context("failed to commit the new comment")?;
            let submitted = Submitted {
                id,
                status,
                created_at: meta.created_at,
            };
            Ok((submitted, verdict.map(|v| (v.probability, v.model_version))))
        })
        .await?;
    tracing::Span::current().record("comment_id", submitted.id.0);
    let (probability, model) = score.unwrap_or((f64::NAN, String::new()));
    tracing::info!(
        comment_id = submitted.id.0,
        status = %submitted.status,
        spam_probability = probability,
        model_version = %model,
        "comment stored"
    );
    Ok(submitted)
}

/// Why a moderation action was not applied.
#[derive(Debug, thiserror::Error)]
pub enum ActError {
    #[error("comment {0} does not exist")]
    NotFound(CommentId),
    #[error(transparent)]
    InvalidTransition(#[from] InvalidTransition),
    #[error("failed to apply the moderation action")]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbError> for ActError {
    fn from(e: DbError) -> Self {
        ActError::Unexpected(anyhow::Error::new(e).context("database failure while moderating"))
    }
}

/// The status change an action made.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Acted {
    pub id: CommentId,
    pub from: CommentStatus,
    pub to: CommentStatus,
}

/// The training label a moderator's action gives: approving or "not spam" says ham, "spam"
/// says spam. Rejecting says nothing about spam (a rude comment is not spam), so it gives
/// no label unless the moderator adds one (`reject_label`).
fn label_for(action: ModAction, reject_label: Option<Label>) -> Option<Label> {
    match action {
        ModAction::Approve | ModAction::Ham => Some(Label::Ham),
        ModAction::Spam => Some(Label::Spam),
        ModAction::Reject => reject_label,
        // Undecided again: whatever the moderator said no longer stands.
        ModAction::Requeue => None,
    }
}

/// Applies `action` to comment `id` on behalf of `moderator`. The status change, its
/// moderation log entry and the training label (replacing any earlier one) commit together
/// or not at all.
///
/// # Errors
/// [`ActError::NotFound`], [`ActError::InvalidTransition`], or `Unexpected`.
#[tracing::instrument(name = "moderate comment", skip(db))]
pub async fn act(
    db: &Db,
    moderator: ModeratorId,
    id: CommentId,
    action: ModAction,
    reject_label: Option<Label>,
) -> Result<Acted, ActError> {
    let acted = db
        .write(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(DbError::from)?;
            let (from, before_spam) =
                comments::find_status(&tx, id)?.ok_or(ActError::NotFound(id))?;
            let transition = from.apply(action, before_spam)?;
            comments::set_status(&tx, id, transition.to, transition.status_before_spam)?;
            let now = now_millis();
            match label_for(action, reject_label) {
                Some(label) => {
                    labels::set_label(&tx, id, label, LabelSource::Moderator, Some(moderator), now)?
                }
                None => labels::clear_label(&tx, id)?,
            }
            comments::append_log(
                &tx,
                &ModEvent {
                    comment: id,
                    moderator: Some(moderator),
                    action,
                    from,
                    to: transition.to,
                    at: now,
                },
            )?;
            tx.commit()
                .context("failed to commit the moderation action")?;
            Ok::<_, ActError>(Acted {
                id,
                from,
                to: transition.to,
            })
        })
        .await?;
    tracing::info!(comment_id = id.0, from = %acted.from, to = %acted.to, "comment moderated");
    Ok(acted)
}

/// A signed-in moderator.
#[derive(Debug, Clone)]
pub struct Moderator {
    pub id: ModeratorId,
    pub name: String,
}

/// Why credentials were refused. Deliberately one variant for "no such account", "disabled"
/// and "wrong password": the caller must not be able to tell them apart.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("failed to check credentials")]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbError> for AuthError {
    fn from(e: DbError) -> Self {
        AuthError::Unexpected(
            anyhow::Error::new(e).context("database failure while authenticating"),
        )
    }
}

/// Checks a moderator's name and password (argon2id, on the blocking pool).
///
/// # Errors
/// [`AuthError::InvalidCredentials`] for any refusal; `Unexpected` for internal failures.
pub async fn authenticate(db: &Db, name: String, password: String) -> Result<Moderator, AuthError> {
    db.run(move |conn| {
        let account = moderators::find_moderator(conn, &name)?;
        match account {
            Some(account)
                if password::verify_password(&password, &account.password_hash)
                    && !account.is_disabled =>
            {
                Ok(Moderator {
                    id: account.id,
                    name: account.name,
                })
            }
            Some(_) => Err(AuthError::InvalidCredentials),
            None => {
                password::verify_against_dummy(&password);
                Err(AuthError::InvalidCredentials)
            }
        }
    })
    .await
}

//! Use cases: submitting a comment, acting on one, and authenticating a moderator.
//!
//! Each use case is one database transaction and has its own error enum separating what the
//! caller did wrong from what went wrong inside. Routes and the CLI call these; neither
//! writes SQL.

use anyhow::Context;
use rusqlite::TransactionBehavior;

use crate::classifier::tokenize::Document;
use crate::classifier::{ModelHandle, Scored};
use crate::db::comments::{self, ModEvent, StoredVerdict, SubmissionMeta};
use crate::db::moderators::{self, ModeratorId};
use crate::db::{Db, DbError, now_millis, sites};
use crate::domain::{
    CommentId, CommentStatus, FieldErrors, InvalidTransition, ModAction, NewComment,
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

impl SpamFilter {
    /// Scores a submission with the model in use now. The author's name, website host and
    /// email domain are features; the address itself never reaches the filter.
    fn judge(&self, comment: &NewComment) -> Option<(Scored, bool)> {
        let classifier = self.models.current();
        let email_domain = comment.email.domain();
        let doc = Document {
            body: comment.body.as_ref(),
            author: Some(comment.author.as_ref()),
            website_host: comment.website.as_ref().map(|w| w.host()),
            email_domain: Some(&email_domain),
        };
        let scored =
            classifier.score_and_explain(&doc, REASONS_TOWARDS_SPAM, REASONS_TOWARDS_HAM)?;
        let threshold = self
            .threshold
            .map_or(classifier.threshold_log_odds(), |p| (p / (1.0 - p)).ln());
        let is_spam = scored.score.log_odds() >= threshold;
        Some((scored, is_spam))
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
        .run(move |conn| {
            let judged = filter.judge(&comment);
            let verdict = judged
                .as_ref()
                .map(|(scored, _)| {
                    Ok::<_, SubmitError>(StoredVerdict {
                        probability: scored.score.probability(),
                        log_odds: scored.score.log_odds(),
                        reasons_json: serde_json::to_string(&scored.reasons)
                            .context("failed to encode the filter's reasons")?,
                        model_version: scored.model_version.clone(),
                    })
                })
                .transpose()?;
            let status = match judged {
                Some((_, true)) => CommentStatus::Spam,
                _ => CommentStatus::Pending,
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

/// Applies `action` to comment `id` on behalf of `moderator`; the status change and its
/// moderation log entry commit together or not at all.
///
/// # Errors
/// [`ActError::NotFound`], [`ActError::InvalidTransition`], or `Unexpected`.
#[tracing::instrument(name = "moderate comment", skip(db))]
pub async fn act(
    db: &Db,
    moderator: ModeratorId,
    id: CommentId,
    action: ModAction,
) -> Result<Acted, ActError> {
    let acted = db
        .run(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(DbError::from)?;
            let (from, before_spam) =
                comments::find_status(&tx, id)?.ok_or(ActError::NotFound(id))?;
            let transition = from.apply(action, before_spam)?;
            comments::set_status(&tx, id, transition.to, transition.status_before_spam)?;
            comments::append_log(
                &tx,
                &ModEvent {
                    comment: id,
                    moderator: Some(moderator),
                    action,
                    from,
                    to: transition.to,
                    at: now_millis(),
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

//! Moderators' decisions (one, many, undo) and what they read to make them.

use serde::{Deserialize, Serialize};

use crate::domain::{
    Acted, Agreement, CommentContext, CommentId, CommentStatus, Counts, Decision, DecisionRecord,
    DecisionRefusal, InvalidTransition, Label, LabelSource, LogAction, LogEntry, LogEvent,
    ModAction, ModComment, Order, QueueFilter, QueueOrder, ReportRecord, now_millis,
};

use super::accounts::{Moderator, Session};
use super::filter::Scoring;
use crate::store::{Store, Tx, TxResult};

/// Why a moderation action was not applied.
#[derive(Debug, thiserror::Error)]
pub enum ActError {
    #[error("comment {0} does not exist")]
    NotFound(CommentId),
    #[error(transparent)]
    InvalidTransition(#[from] InvalidTransition),
    #[error("{} decided first: the comment is {status} now", by.as_deref().unwrap_or("the service"))]
    Stale {
        status: CommentStatus,
        by: Option<String>,
    },
    #[error("a reason is for reject or spam, and one of: {}", .0.as_slice().join(", "))]
    UnknownReason(crate::domain::RemovalReasons),
    #[error("comment {0} has no reports waiting for a moderator")]
    NoOpenReports(CommentId),
    #[error("failed to apply the moderation action")]
    Unexpected(#[from] anyhow::Error),
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

/// Most comments one bulk decision may touch.
pub const MAX_BULK: usize = 200;

/// What one decision on many comments did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkOutcome {
    pub changed: usize,
    /// Comments that did not exist or for which the action did not apply.
    pub skipped: usize,
}

/// One change a session's last decision made, kept for undo.
#[derive(Debug, Serialize, Deserialize)]
struct UndoEntry {
    id: i64,
    from: CommentStatus,
}

/// The dashboard queue's query string, as typed; parsed leniently (a bad value falls back to
/// the default rather than failing the page).
#[derive(Debug, Default, Deserialize, Serialize, Clone)]
pub struct QueueQuery {
    pub tab: Option<String>,
    pub order: Option<String>,
    pub page: Option<u32>,
    pub q: Option<String>,
    pub article: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub done: Option<String>,
}

/// `YYYY-MM-DD` as unix ms at 00:00 UTC.
fn day_start(text: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text.trim(), format).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp() * 1000)
}

impl QueueQuery {
    /// The status tab shown.
    pub fn status(&self) -> CommentStatus {
        self.tab
            .as_deref()
            .and_then(|t| t.parse().ok())
            .unwrap_or(CommentStatus::Pending)
    }

    /// The order: as asked, else most likely ham first in the queue and newest elsewhere.
    pub fn order(&self) -> QueueOrder {
        let asked = self.order.as_deref().and_then(|o| o.parse().ok());
        asked.unwrap_or(if self.status() == CommentStatus::Pending {
            QueueOrder::HamFirst
        } else {
            QueueOrder::Newest
        })
    }

    /// The page asked for, from 1.
    pub fn page(&self) -> u32 {
        self.page.unwrap_or(1).max(1)
    }

    fn filter(&self, threshold_log_odds: f64) -> QueueFilter {
        QueueFilter {
            status: Some(self.status()),
            order: Some(self.order()),
            text: self.q.clone(),
            article: self.article.clone(),
            from: self.from.as_deref().and_then(day_start),
            to: self
                .to
                .as_deref()
                .and_then(day_start)
                .map(|t| t + 24 * 60 * 60 * 1000),
            threshold_log_odds,
        }
    }
}

/// One page of the dashboard queue.
#[derive(Debug)]
pub struct QueuePage {
    pub rows: Vec<ModComment>,
    pub total: u64,
    pub counts: Counts,
    /// The spam threshold in force, as a probability.
    pub threshold: f64,
}

/// How the queue is doing, for the dashboard.
#[derive(Debug, Clone)]
pub struct QueueHealth {
    /// When the oldest comment still waiting arrived.
    pub oldest_pending: Option<crate::domain::Timestamp>,
    /// The articles with the most comments waiting, with how many.
    pub busiest: Vec<(String, u64)>,
    /// Moderators' latest decisions, newest first.
    pub recent: Vec<crate::domain::RecentDecision>,
}

/// Moderators' decisions and what they read to make them.
#[derive(Clone)]
pub struct Moderation {
    pub(super) store: Store,
    /// The model in use and its threshold: the queue's tabs split on it.
    scoring: Scoring,
    /// The secret that keys commenters' emails, and the lists' cache.
    pub(super) guard: std::sync::Arc<super::guard::Guard>,
    /// The dashboards listening for decisions on this instance.
    live: std::sync::Arc<super::live::LiveDecisions>,
    /// Readers told of replies, once a reply is published.
    replies: super::replies::Replies,
}

impl Moderation {
    pub(super) fn new(
        store: Store,
        scoring: Scoring,
        guard: std::sync::Arc<super::guard::Guard>,
        replies: super::replies::Replies,
    ) -> Self {
        Self {
            store,
            scoring,
            guard,
            live: std::sync::Arc::default(),
            replies,
        }
    }

    /// What follows every moderator's decision once it is committed: the wait it ended
    /// (its first decision) in the histogram, the other open dashboards told, and, when it
    /// published a reply, the author of the comment it answers (if they asked).
    pub(super) async fn announce(&self, moderator: &Moderator, acted: &Acted) {
        if acted.to == CommentStatus::Approved && acted.from != CommentStatus::Approved {
            self.replies.published(acted.id).await;
        }
        if let Some(waited) = acted.waited_ms {
            crate::metrics::global()
                .first_decision
                .observe(waited as f64 / 1000.0);
        }
        self.live.publish(&super::live::DecisionEvent {
            id: acted.id,
            status: acted.to,
            moderator: moderator.name.to_string(),
        });
    }

    /// Decisions as they happen on this instance, for one dashboard; `None` when too many
    /// listen already.
    pub fn live_decisions(
        &self,
    ) -> Option<tokio::sync::mpsc::Receiver<super::live::DecisionEvent>> {
        self.live.subscribe()
    }

    /// How the queue is doing: when the oldest waiting comment arrived, the articles with
    /// the most waiting, and moderators' decisions in the last `minutes`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn queue_health(&self, minutes: i64) -> anyhow::Result<QueueHealth> {
        Ok(QueueHealth {
            oldest_pending: self
                .store
                .oldest_pending()
                .await?
                .map(crate::domain::Timestamp),
            busiest: self.store.waiting_by_article(5).await?,
            recent: self
                .store
                .recent_decisions(now_millis() - minutes * 60_000, 10)
                .await?,
        })
    }

    /// Applies `action` to comment `id` on behalf of `moderator`. The status change, its
    /// moderation log entry and the training label (replacing any earlier one) commit
    /// together or not at all.
    ///
    /// # Errors
    /// [`ActError::NotFound`], [`ActError::InvalidTransition`], or `Unexpected`.
    #[tracing::instrument(name = "moderate comment", skip(self, moderator), fields(moderator = %moderator.name))]
    pub async fn act(
        &self,
        moderator: &Moderator,
        id: CommentId,
        action: ModAction,
        reject_label: Option<Label>,
    ) -> Result<Acted, ActError> {
        self.decide(moderator, id, action, reject_label, None, None)
            .await
    }

    /// [`Moderation::act`] on a comment the moderator saw with status `expected` (when
    /// another moderator, or the service, decided it first, nothing changes and the answer
    /// names who did), with a removal reason (reject or spam; one its site keeps) kept in
    /// the moderation log.
    ///
    /// # Errors
    /// As [`Moderation::act`], [`ActError::Stale`] and [`ActError::UnknownReason`].
    pub async fn decide(
        &self,
        moderator: &Moderator,
        id: CommentId,
        action: ModAction,
        reject_label: Option<Label>,
        expected: Option<CommentStatus>,
        reason: Option<String>,
    ) -> Result<Acted, ActError> {
        let decision = Decision {
            comment: id,
            moderator: moderator.id,
            action,
            label: label_for(action, reject_label),
            at: now_millis(),
            expected,
            reason,
        };
        let acted = self
            .store
            .write(move |tx| decide(tx, &decision))
            .await
            .map_err(|e| anyhow::Error::new(e).context("database failure while moderating"))?
            .map_err(|r| match r {
                DecisionRefusal::NotFound => ActError::NotFound(id),
                DecisionRefusal::InvalidTransition(t) => ActError::InvalidTransition(t),
                DecisionRefusal::Stale { status, by } => ActError::Stale { status, by },
                DecisionRefusal::UnknownReason(kept) => ActError::UnknownReason(kept),
            })?;
        self.announce(moderator, &acted).await;
        tracing::info!(comment_id = id.0, from = %acted.from, to = %acted.to, "comment moderated");
        Ok(acted)
    }

    /// The dashboard's decision on one or many comments (a page's selection is at most
    /// [`MAX_BULK`]; a campaign is decided whole): each goes
    /// through [`Moderation::act`], so each lands in the log and becomes a label. What changed is
    /// remembered with the session for [`Moderation::undo`]. `expected` is the status the
    /// moderator saw (a comment another moderator decided meanwhile is skipped); `reason`
    /// a removal reason its site keeps (a comment whose site keeps no such reason is
    /// skipped).
    ///
    /// # Errors
    /// A database failure.
    pub async fn act_many(
        &self,
        session: &Session,
        action: ModAction,
        ids: &[CommentId],
        expected: Option<CommentStatus>,
        reason: Option<&str>,
    ) -> anyhow::Result<BulkOutcome> {
        let mut changed = Vec::new();
        let mut skipped = 0;
        for id in ids {
            let decided = self
                .decide(
                    &session.moderator,
                    *id,
                    action,
                    None,
                    expected,
                    reason.map(str::to_owned),
                )
                .await;
            match decided {
                Ok(acted) => changed.push(UndoEntry {
                    id: id.0,
                    from: acted.from,
                }),
                Err(ActError::Unexpected(e)) => return Err(e),
                // Gone, decided by someone else, or not an action its status takes.
                Err(_) => skipped += 1,
            }
        }
        self.remember_undo(session, &changed).await?;
        Ok(BulkOutcome {
            changed: changed.len(),
            skipped,
        })
    }

    /// Decides every comment of a campaign still pending or in spam, one at a time through
    /// [`Moderation::act`]: each is logged and labelled on its own. Every member is decided,
    /// however many (it stopped at 200 without saying so).
    ///
    /// # Errors
    /// A database failure.
    pub async fn act_campaign(
        &self,
        moderator: &Moderator,
        campaign: CommentId,
        action: ModAction,
    ) -> anyhow::Result<BulkOutcome> {
        let members = self.store.campaign_members(campaign).await?;
        let mut outcome = BulkOutcome {
            changed: 0,
            skipped: 0,
        };
        for id in members {
            match self.act(moderator, id, action, None).await {
                Ok(_) => outcome.changed += 1,
                Err(ActError::Unexpected(e)) => return Err(e),
                // Gone, decided by someone else, or not an action its status takes.
                Err(_) => outcome.skipped += 1,
            }
        }
        Ok(outcome)
    }

    /// [`Moderation::act_campaign`] from the dashboard: the session can undo it.
    ///
    /// # Errors
    /// A database failure.
    pub async fn act_campaign_in_session(
        &self,
        session: &Session,
        campaign: CommentId,
        action: ModAction,
    ) -> anyhow::Result<BulkOutcome> {
        let members = self.store.campaign_members(campaign).await?;
        self.act_many(session, action, &members, None, None).await
    }

    /// Puts back what the session's last decision changed; returns how many were restored.
    ///
    /// # Errors
    /// A database failure.
    pub async fn undo(&self, session: &Session) -> anyhow::Result<usize> {
        let entries: Vec<UndoEntry> = session
            .undo
            .as_deref()
            .and_then(|u| serde_json::from_str(u).ok())
            .unwrap_or_default();
        let mut restored = 0;
        for entry in &entries {
            let action = ModAction::restoring(entry.from);
            match self
                .act(&session.moderator, CommentId(entry.id), action, None)
                .await
            {
                Ok(_) => restored += 1,
                Err(ActError::Unexpected(e)) => return Err(e),
                Err(_) => {}
            }
        }
        self.remember_undo(session, &[]).await?;
        Ok(restored)
    }

    async fn remember_undo(&self, session: &Session, changed: &[UndoEntry]) -> anyhow::Result<()> {
        let undo = if changed.is_empty() {
            None
        } else {
            Some(serde_json::to_string(changed)?)
        };
        self.store
            .set_undo(session.token_hash.clone(), undo)
            .await?;
        Ok(())
    }

    /// One page of comments in `status` for the moderation API, and the total.
    ///
    /// # Errors
    /// A database failure.
    pub async fn comments_by_status(
        &self,
        status: CommentStatus,
        order: Order,
        per_page: u32,
        page: u32,
    ) -> anyhow::Result<(Vec<ModComment>, u64)> {
        let offset = u64::from(page.max(1) - 1) * u64::from(per_page);
        Ok(self
            .store
            .list_by_status(status, order, per_page, offset)
            .await?)
    }

    /// Everything stored about a comment, with its moderation log.
    ///
    /// # Errors
    /// A database failure.
    pub async fn comment_for_moderation(
        &self,
        id: CommentId,
    ) -> anyhow::Result<Option<(ModComment, Vec<LogEntry>)>> {
        Ok(self.store.find_for_moderation(id).await?)
    }

    /// A comment in context for the dashboard's detail page.
    ///
    /// # Errors
    /// A database failure.
    pub async fn comment_context(&self, id: CommentId) -> anyhow::Result<Option<CommentContext>> {
        Ok(self.store.comment_context(id).await?)
    }

    /// A comment's reports, oldest first.
    ///
    /// # Errors
    /// A database failure.
    pub async fn reports_of(&self, id: CommentId) -> anyhow::Result<Vec<ReportRecord>> {
        Ok(self.store.reports_of(id).await?)
    }

    /// Every decision logged from `since` until `until` (unix milliseconds), oldest first,
    /// with its reason and who made it: what a transparency report counts.
    ///
    /// # Errors
    /// A database failure.
    pub async fn decisions(&self, since: i64, until: i64) -> anyhow::Result<Vec<DecisionRecord>> {
        Ok(self.store.decisions(since, until).await?)
    }

    /// One page of the dashboard queue, with the tabs' counts.
    ///
    /// # Errors
    /// A database failure.
    pub async fn queue(&self, query: &QueueQuery, per_page: u32) -> anyhow::Result<QueuePage> {
        let classifier = self.scoring.live.current();
        let threshold_log_odds = self.scoring.threshold_log_odds(&classifier);
        let offset = u64::from(query.page() - 1) * u64::from(per_page);
        let (rows, total, counts) = self
            .store
            .list_queue(query.filter(threshold_log_odds), per_page, offset)
            .await?;
        Ok(QueuePage {
            rows,
            total,
            counts,
            threshold: super::filter::probability_of(threshold_log_odds),
        })
    }

    /// How the filter's scores at decision time agree with moderators' labels, at the
    /// threshold in force.
    ///
    /// # Errors
    /// A database failure.
    pub async fn agreement(&self) -> anyhow::Result<Agreement> {
        Ok(self
            .store
            .agreement(self.scoring.threshold_probability())
            .await?)
    }
}

/// A decision as one unit of work: the status transition the state machine allows, the
/// thread's public version when the comment enters or leaves the public listing, the label
/// (replacing an earlier one, or cleared) and the log entry, together.
pub(crate) fn decide(tx: &mut dyn Tx, d: &Decision) -> TxResult<Result<Acted, DecisionRefusal>> {
    let Some((from, before_spam)) = tx.status_of(d.comment)? else {
        return Ok(Err(DecisionRefusal::NotFound));
    };
    if let Some(expected) = d.expected
        && expected != from
    {
        let by = tx.last_decider(d.comment)?.flatten();
        return Ok(Err(DecisionRefusal::Stale { status: from, by }));
    }
    // A removal's reason is one its site keeps, so transparency reports count alike.
    if let Some(reason) = &d.reason {
        let kept = crate::domain::RemovalReasons::from_stored(
            tx.removal_reasons_of(d.comment)?.as_deref(),
        );
        if !matches!(d.action, ModAction::Reject | ModAction::Spam) || !kept.contains(reason) {
            return Ok(Err(DecisionRefusal::UnknownReason(kept)));
        }
    }
    let transition = match from.apply(d.action, before_spam) {
        Ok(t) => t,
        Err(e) => return Ok(Err(DecisionRefusal::InvalidTransition(e))),
    };
    let waited_ms = tx
        .undecided_since(d.comment)?
        .map(|since| (d.at - since).max(0));
    tx.set_status(d.comment, transition.to, transition.status_before_spam)?;
    if from == CommentStatus::Approved || transition.to == CommentStatus::Approved {
        tx.bump_thread_of(d.comment)?;
    }
    match d.label {
        Some(label) => tx.set_label(
            d.comment,
            label,
            LabelSource::Moderator,
            Some(d.moderator),
            d.at,
        )?,
        None => tx.clear_label(d.comment)?,
    }
    tx.append_log(&LogEvent {
        comment: d.comment,
        moderator: Some(d.moderator),
        action: LogAction::Decided(d.action),
        from,
        to: transition.to,
        at: d.at,
        reason: d.reason.clone(),
    })?;
    Ok(Ok(Acted {
        id: d.comment,
        from,
        to: transition.to,
        waited_ms,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_filter_whole_days_in_utc() {
        assert_eq!(day_start("1970-01-02"), Some(86_400_000));
        assert_eq!(day_start("yesterday"), None);
    }

    #[test]
    fn rejecting_gives_a_label_only_when_asked() {
        assert_eq!(label_for(ModAction::Approve, None), Some(Label::Ham));
        assert_eq!(label_for(ModAction::Reject, None), None);
        assert_eq!(
            label_for(ModAction::Reject, Some(Label::Spam)),
            Some(Label::Spam)
        );
        assert_eq!(label_for(ModAction::Requeue, Some(Label::Ham)), None);
    }
}

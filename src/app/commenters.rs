//! The commenter at a glance: a person's record on a site, their comments, and what a
//! moderator may do about them (trust, always hold, ban, spam all their pending comments).

use crate::domain::{
    CommentId, CommentStatus, CommenterRecord, ModAction, ModComment, NewRule, RuleKind, RuleList,
    now_millis,
};

use super::accounts::Moderator;
use super::moderation::{ActError, MAX_BULK, Moderation};

/// What a moderator does about a commenter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommenterAction {
    /// Publish their comments at once on this site, unless the filter, a signal or a list
    /// holds one.
    Trust,
    Untrust,
    /// Their email on the hold list: every comment waits for a person.
    Hold,
    Unhold,
    /// Their email on the block list, with the moderator's reason: filed as spam.
    Ban {
        reason: String,
    },
    Unban,
    /// Every comment of theirs still pending, marked spam (each logged and labelled).
    SpamPending,
}

impl CommenterAction {
    /// Parses the API's and the dashboard's action names; a ban needs a reason.
    ///
    /// # Errors
    /// The field (`action` or `reason`) and what is wrong with it.
    pub fn parse(action: &str, reason: Option<&str>) -> Result<Self, (&'static str, String)> {
        Ok(match action {
            "trust" => Self::Trust,
            "untrust" => Self::Untrust,
            "hold" => Self::Hold,
            "unhold" => Self::Unhold,
            "ban" => {
                let reason = reason.map(str::trim).unwrap_or_default();
                if reason.is_empty() || reason.chars().count() > 200 {
                    return Err(("reason", "say why, in at most 200 characters".into()));
                }
                Self::Ban {
                    reason: reason.to_owned(),
                }
            }
            "unban" => Self::Unban,
            "spam_pending" => Self::SpamPending,
            _ => {
                return Err((
                    "action",
                    "one of: trust, untrust, hold, unhold, ban, unban, spam_pending".into(),
                ));
            }
        })
    }
}

/// What a commenter action did.
#[derive(Debug, Clone)]
pub struct CommenterOutcome {
    pub record: CommenterRecord,
    /// Comments whose status changed (spam_pending).
    pub changed: usize,
}

impl Moderation {
    /// The record of `comment`'s author on its site.
    ///
    /// # Errors
    /// A database failure.
    pub async fn commenter_of(
        &self,
        comment: &ModComment,
    ) -> anyhow::Result<Option<CommenterRecord>> {
        Ok(self
            .commenters_of(std::slice::from_ref(comment))
            .await?
            .pop()
            .flatten())
    }

    /// The records of the authors of `comments` (a queue page's rows), in order, in one
    /// read.
    ///
    /// # Errors
    /// A database failure.
    pub async fn commenters_of(
        &self,
        comments: &[ModComment],
    ) -> anyhow::Result<Vec<Option<CommenterRecord>>> {
        let secret = self.guard.secret();
        let authors = comments
            .iter()
            .map(|c| (c.id, secret.email_key(&c.email)))
            .collect();
        Ok(self.store.commenters(authors).await?)
    }

    /// The record of the commenter named `id` (any of their comments' ids) and one page of
    /// their comments on that site, newest first, with how many there are.
    ///
    /// # Errors
    /// A database failure.
    pub async fn commenter(
        &self,
        id: CommentId,
        per_page: u32,
        page: u32,
    ) -> anyhow::Result<Option<(CommenterRecord, Vec<ModComment>, u64)>> {
        let Some((comment, _)) = self.store.find_for_moderation(id).await? else {
            return Ok(None);
        };
        let Some(record) = self.commenter_of(&comment).await? else {
            return Ok(None);
        };
        let offset = u64::from(page.max(1) - 1) * u64::from(per_page);
        let (comments, total) = self.store.commenter_comments(id, per_page, offset).await?;
        Ok(Some((record, comments, total)))
    }

    /// Applies `action` to the author of comment `id` on its site.
    ///
    /// # Errors
    /// [`ActError::NotFound`] when there is no such comment; `Unexpected` otherwise.
    pub async fn commenter_act(
        &self,
        moderator: &Moderator,
        id: CommentId,
        action: CommenterAction,
    ) -> Result<CommenterOutcome, ActError> {
        let comment = self
            .store
            .find_for_moderation(id)
            .await
            .map_err(anyhow::Error::new)?
            .ok_or(ActError::NotFound(id))?
            .0;
        let secret = self.guard.secret();
        let key = secret.email_key(&comment.email);
        let mut changed = 0;
        match &action {
            CommenterAction::Trust | CommenterAction::Untrust => {
                let trusted =
                    (action == CommenterAction::Trust).then_some((moderator.id, now_millis()));
                let key = key.clone();
                self.store
                    .write(move |tx| tx.set_trusted(id, &key, trusted))
                    .await
                    .map_err(anyhow::Error::new)?;
            }
            CommenterAction::Hold | CommenterAction::Ban { .. } => {
                let list = match action {
                    CommenterAction::Hold => RuleList::Hold,
                    _ => RuleList::Block,
                };
                let email = crate::domain::AuthorEmail::parse(&comment.email)
                    .map_err(|e| anyhow::anyhow!("the commenter's email cannot be listed: {e}"))?;
                let mut rule = NewRule::parse(list, RuleKind::Email, email.as_ref(), |e| {
                    secret.email_key(e.as_ref())
                })
                .map_err(|e| anyhow::anyhow!(e))?;
                if let CommenterAction::Ban { reason } = &action {
                    rule.shown = format!("{} (banned: {reason})", rule.shown);
                }
                self.store
                    .add_rule(rule, moderator.id, now_millis())
                    .await
                    .map_err(anyhow::Error::new)?;
                self.guard.rules_changed();
            }
            CommenterAction::Unhold | CommenterAction::Unban => {
                let list = match action {
                    CommenterAction::Unhold => RuleList::Hold,
                    _ => RuleList::Block,
                };
                let rules = self.store.rules().await.map_err(anyhow::Error::new)?;
                for rule in rules
                    .iter()
                    .filter(|r| r.list == list && r.kind == RuleKind::Email && r.pattern == key)
                {
                    self.store
                        .delete_rule(rule.id)
                        .await
                        .map_err(anyhow::Error::new)?;
                }
                self.guard.rules_changed();
            }
            CommenterAction::SpamPending => {
                let (theirs, _) = self
                    .store
                    .commenter_comments(id, 1000, 0)
                    .await
                    .map_err(anyhow::Error::new)?;
                let pending = theirs
                    .iter()
                    .filter(|c| c.status == CommentStatus::Pending)
                    .take(MAX_BULK);
                for c in pending {
                    match self.act(moderator, c.id, ModAction::Spam, None).await {
                        Ok(_) => changed += 1,
                        Err(ActError::Unexpected(e)) => return Err(e.into()),
                        // Decided by someone else meanwhile.
                        Err(_) => {}
                    }
                }
            }
        }
        tracing::info!(comment_id = id.0, ?action, "commenter action");
        let record = self
            .store
            .commenters(vec![(id, key)])
            .await
            .map_err(anyhow::Error::new)?
            .pop()
            .flatten()
            .ok_or(ActError::NotFound(id))?;
        Ok(CommenterOutcome { record, changed })
    }
}

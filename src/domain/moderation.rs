//! Comment statuses, moderator actions and the rules for moving between them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a comment stands. Only `Approved` comments are ever public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentStatus {
    Pending,
    Approved,
    Rejected,
    Spam,
}

impl CommentStatus {
    /// Every status, in the order the dashboard shows them.
    pub const ALL: [CommentStatus; 4] = [
        CommentStatus::Pending,
        CommentStatus::Approved,
        CommentStatus::Spam,
        CommentStatus::Rejected,
    ];

    /// The stable lower-case name used in SQL, JSON and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            CommentStatus::Pending => "pending",
            CommentStatus::Approved => "approved",
            CommentStatus::Rejected => "rejected",
            CommentStatus::Spam => "spam",
        }
    }
}

impl fmt::Display for CommentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CommentStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| "status must be one of pending, approved, spam, rejected".to_owned())
    }
}

/// What a moderator (or the filter, for `Spam`) does to a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModAction {
    Approve,
    Reject,
    Spam,
    /// "Not spam": takes a comment out of the spam folder, back to where it was before.
    Ham,
    /// Back to the pending queue (the dashboard's undo of a first decision).
    Requeue,
}

impl ModAction {
    /// The stable lower-case name used in SQL and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ModAction::Approve => "approve",
            ModAction::Reject => "reject",
            ModAction::Spam => "spam",
            ModAction::Ham => "ham",
            ModAction::Requeue => "requeue",
        }
    }

    /// A decision a moderator may ask for by name (`approve`, `reject`, `spam`, `ham`): the
    /// one parser for the JSON API and the dashboard. `requeue` is only ever undo's.
    ///
    /// # Errors
    /// A message naming the accepted values.
    pub fn parse_decision(name: &str) -> Result<Self, String> {
        match name {
            "approve" => Ok(ModAction::Approve),
            "reject" => Ok(ModAction::Reject),
            "spam" => Ok(ModAction::Spam),
            "ham" => Ok(ModAction::Ham),
            _ => Err("action must be one of approve, reject, spam, ham".to_owned()),
        }
    }

    /// The action that puts a comment back to `status` (the dashboard's undo).
    pub fn restoring(status: CommentStatus) -> Self {
        match status {
            CommentStatus::Pending => ModAction::Requeue,
            CommentStatus::Approved => ModAction::Approve,
            CommentStatus::Rejected => ModAction::Reject,
            CommentStatus::Spam => ModAction::Spam,
        }
    }
}

/// An action that makes no sense for the comment's current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} a comment that is {from}")]
pub struct InvalidTransition {
    pub action: &'static str,
    pub from: CommentStatus,
}

/// The result of applying an action: the new status, and what to remember as the status
/// before spam (so that `Ham` can undo `Spam` exactly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub to: CommentStatus,
    pub status_before_spam: Option<CommentStatus>,
}

impl CommentStatus {
    /// Applies `action` to a comment in this status.
    ///
    /// `before_spam` is what the comment was before it was marked spam, if it is spam.
    ///
    /// # Errors
    /// [`InvalidTransition`] when the action would change nothing (approving an approved
    /// comment) or does not apply (`Ham` on a comment that is not spam), so a double click or
    /// a stale dashboard never writes a misleading moderation log entry.
    pub fn apply(
        self,
        action: ModAction,
        before_spam: Option<CommentStatus>,
    ) -> Result<Transition, InvalidTransition> {
        let invalid = InvalidTransition {
            action: action.as_str(),
            from: self,
        };
        let to = match action {
            ModAction::Approve => CommentStatus::Approved,
            ModAction::Reject => CommentStatus::Rejected,
            ModAction::Spam => CommentStatus::Spam,
            ModAction::Ham if self == CommentStatus::Spam => before_spam
                .filter(|s| *s != CommentStatus::Spam)
                .unwrap_or(CommentStatus::Pending),
            ModAction::Ham => return Err(invalid),
            ModAction::Requeue => CommentStatus::Pending,
        };
        if to == self {
            return Err(invalid);
        }
        Ok(Transition {
            to,
            status_before_spam: (to == CommentStatus::Spam).then_some(self),
        })
    }
}

/// A moderator's login name: 1–64 characters of letters, digits, `.`, `_` or `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeratorName(String);

impl ModeratorName {
    /// Parses a login name.
    ///
    /// # Errors
    /// A message when the name is empty, too long, or uses other characters.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim();
        let ok_chars = name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if name.is_empty() || name.chars().count() > 64 || !ok_chars {
            return Err("a moderator name is 1-64 letters, digits, '.', '_' or '-'".to_owned());
        }
        Ok(Self(name.to_owned()))
    }
}

impl AsRef<str> for ModeratorName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::CommentStatus::*;
    use super::*;

    #[test]
    fn each_action_moves_to_its_status() {
        let cases = [
            (Pending, ModAction::Approve, Approved),
            (Pending, ModAction::Reject, Rejected),
            (Pending, ModAction::Spam, Spam),
            (Approved, ModAction::Spam, Spam),
            (Spam, ModAction::Approve, Approved),
            (Rejected, ModAction::Approve, Approved),
        ];
        for (from, action, to) in cases {
            assert_eq!(
                from.apply(action, None).map(|t| t.to),
                Ok(to),
                "{from} {action:?}"
            );
        }
    }

    #[test]
    fn ham_returns_a_spam_comment_to_its_previous_status() {
        let marked = Approved.apply(ModAction::Spam, None).expect("valid");
        assert_eq!(marked.status_before_spam, Some(Approved));
        let back = Spam
            .apply(ModAction::Ham, marked.status_before_spam)
            .expect("valid");
        assert_eq!(back.to, Approved);
        assert_eq!(back.status_before_spam, None);
        // Spam with no remembered status (flagged by the filter on arrival) goes to the queue.
        assert_eq!(Spam.apply(ModAction::Ham, None).map(|t| t.to), Ok(Pending));
    }

    #[test]
    fn requeue_returns_any_decided_comment_to_the_queue() {
        for from in [Approved, Rejected, Spam] {
            assert_eq!(
                from.apply(ModAction::Requeue, None).map(|t| t.to),
                Ok(Pending)
            );
        }
        assert!(Pending.apply(ModAction::Requeue, None).is_err());
    }

    #[test]
    fn actions_that_change_nothing_are_refused() {
        assert!(Approved.apply(ModAction::Approve, None).is_err());
        assert!(Spam.apply(ModAction::Spam, None).is_err());
        assert!(Pending.apply(ModAction::Ham, None).is_err());
        assert!(Spam.apply(ModAction::Ham, Some(Spam)).is_ok());
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in CommentStatus::ALL {
            assert_eq!(s.as_str().parse::<CommentStatus>(), Ok(s));
        }
        assert!("deleted".parse::<CommentStatus>().is_err());
    }
}

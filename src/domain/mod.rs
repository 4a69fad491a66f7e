//! Pure domain types: values that can only hold valid data. No actix, rusqlite or linfa here.

pub mod comment;
pub mod guard;
pub mod moderation;
pub mod network;
pub mod records;
pub mod verdict;

pub use comment::{
    AuthorEmail, AuthorName, AuthorUrl, CommentBody, CommentId, FieldErrors, NewComment,
    RawComment, ThreadUrl, Timestamp,
};
pub use guard::{NewRule, Rule, RuleKind, RuleList, Signal};
pub use moderation::{CommentStatus, InvalidTransition, ModAction, ModeratorName};
pub use network::IpNetwork;
pub use records::*;
pub use verdict::{Label, LabelSource, SpamScore};

/// Milliseconds since the Unix epoch, the unit every `*_at` value uses.
pub fn now_millis() -> i64 {
    Timestamp::now().0
}

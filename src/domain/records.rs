//! What the store keeps and hands back: typed ids, read models and write inputs.
//!
//! Plain values only. Every backend of `store` produces and consumes these, and `app`,
//! `views` and `http` use them without knowing where they came from.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{CommentId, CommentStatus, InvalidTransition, Label, ModAction, NewComment, Timestamp};

/// Store id of a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SiteId(pub i64);

/// Store id of a thread (one article).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ThreadId(pub i64);

/// Store id of a moderator account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModeratorId(pub i64);

/// A registered site.
#[derive(Debug, Clone, Serialize)]
pub struct Site {
    pub id: i64,
    pub origin: String,
    pub name: String,
}

/// A site found by its Akismet-compatible API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedSite {
    pub id: SiteId,
    pub origin: String,
    /// Whether a comment-check also files the comment in the moderation queue.
    pub store_checked: bool,
}

/// Feedback on a comment from an app (Akismet's submit-spam and submit-ham): the comment as
/// the app resent it, filed and labelled, or the earlier copy of it labelled.
#[derive(Debug, Clone)]
pub struct Feedback {
    pub comment: NewComment,
    pub meta: SubmissionMeta,
    /// The comment as it is stored when no earlier copy exists.
    pub filing: Filing,
    pub label: Label,
}

/// What the server saw of a submission besides the form fields.
#[derive(Debug, Clone, Default)]
pub struct SubmissionMeta {
    pub created_at: i64,
    /// The sender's address as the request gave it; the submission use case replaces it
    /// with its network (/24, /48) before anything is stored.
    pub client_ip: Option<String>,
    /// The keyed hash of the whole address (set by the submission use case).
    pub client_ip_hash: Option<String>,
    pub user_agent: Option<String>,
    pub referrer: Option<String>,
    /// The client's `Idempotency-Key`, already scoped to the article and commenter
    /// (`app::submission` hashes the three).
    pub idempotency_key: Option<String>,
    /// Came through the HTML form (where a missing form token means something).
    pub from_form: bool,
    /// The signed form token, as sent.
    pub form_token: Option<String>,
    /// The honeypot field, as sent.
    pub honeypot: Option<String>,
    /// The first comment of the campaign this one joins (set by the submission use case).
    pub campaign: Option<CommentId>,
    /// The keyed hash of the commenter's email (set by the submission use case), by which
    /// a moderator's trust in them is found.
    pub email_key: Option<String>,
    /// The commenter asked to be told of replies by email (`notify_replies`).
    pub notify_replies: bool,
    /// The reader's language (an `i18n` tag), for the emails they asked for.
    pub lang: String,
}

/// The spam filter's verdict, as stored with a comment.
#[derive(Debug, Clone)]
pub struct StoredVerdict {
    pub probability: f64,
    pub log_odds: f64,
    /// JSON array of reasons.
    pub reasons_json: String,
    pub model_version: String,
    /// The share of the text's features the model has evidence for (not stored).
    pub evidence: f64,
}

/// A submission as it is filed: the status the filter gave it and its verdict.
#[derive(Debug, Clone)]
pub struct Filing {
    pub status: CommentStatus,
    pub verdict: Option<StoredVerdict>,
    /// What else was noticed (bot signals, links, list matches), for the moderator.
    pub signals: Vec<super::Signal>,
}

/// Why the store would not file a valid submission: the article or parent it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitRefusal {
    /// The article's origin is not a registered site.
    UnknownSite,
    /// The parent does not exist or is not public.
    ParentNotPublic,
    /// The parent belongs to another article.
    ParentInOtherThread,
    /// The article no longer takes comments (closed by hand, or by the site's days).
    CommentsClosed,
}

/// A stored submission.
#[derive(Debug, Clone, Copy)]
pub struct Submitted {
    pub id: CommentId,
    pub status: CommentStatus,
    pub created_at: i64,
}

/// A moderator's decision on one comment, as the store applies it: status change, log entry
/// and training label together.
#[derive(Debug, Clone)]
pub struct Decision {
    pub comment: CommentId,
    pub moderator: ModeratorId,
    pub action: ModAction,
    /// The label the decision gives; `None` clears any earlier label.
    pub label: Option<Label>,
    pub at: i64,
    /// The status the moderator saw: if the comment has another by now (someone decided
    /// first), nothing changes.
    pub expected: Option<CommentStatus>,
    /// Why a comment was removed (reject, spam): one of its site's removal reasons.
    pub reason: Option<String>,
}

/// The reasons a removal may give (the transparency reports of the EU's Digital Services
/// Act count removals by them).
pub const REMOVAL_REASONS: &[&str] = &[
    "spam",
    "abuse",
    "off topic",
    "illegal content",
    "personal data",
    "other",
];

/// One decision, as `replyguard export decisions` writes it.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionRecord {
    pub comment_id: i64,
    pub article: String,
    pub action: String,
    pub reason: Option<String>,
    /// The moderator's name; `None`: the service (the filter, a list, the policy).
    pub moderator: Option<String>,
    pub at: Timestamp,
}

/// What a moderation log entry says was done: a decision (a moderator's, or the filter's
/// on arrival), or an erasure of the commenter's personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogAction {
    Decided(ModAction),
    Erased,
    /// Readers' reports took a published comment back to the queue.
    HiddenByReports,
    /// A moderator judged a comment's reports unfounded: it stays (or is back) published,
    /// and reports after this count anew.
    DismissedReports,
}

impl LogAction {
    /// The stable lower-case name stored in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            LogAction::Decided(action) => action.as_str(),
            LogAction::Erased => "erase",
            LogAction::HiddenByReports => "hide",
            LogAction::DismissedReports => "dismiss_reports",
        }
    }
}

/// One entry of the moderation log, as a use case appends it.
#[derive(Debug, Clone)]
pub struct LogEvent {
    pub comment: CommentId,
    /// `None`: the service itself (the filter on arrival, the moderation policy, an erasure).
    pub moderator: Option<ModeratorId>,
    pub action: LogAction,
    pub from: CommentStatus,
    pub to: CommentStatus,
    pub at: i64,
    /// Why, in words, when the service itself decided ("trusted commenter: 3 approved").
    pub reason: Option<String>,
}

/// Why a decision was not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionRefusal {
    NotFound,
    InvalidTransition(InvalidTransition),
    /// Someone decided first: the comment is `status` now, by the last decision's author
    /// (`None`: the service itself).
    Stale {
        status: CommentStatus,
        by: Option<String>,
    },
    /// The reason is not one the comment's site keeps (or the action removes nothing).
    UnknownReason(RemovalReasons),
}

/// The status change a decision made.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Acted {
    pub id: CommentId,
    pub from: CommentStatus,
    pub to: CommentStatus,
    /// How long the comment waited for this, its first moderator's decision, in
    /// milliseconds; `None` when a moderator had decided it before.
    pub waited_ms: Option<i64>,
}

/// A comment from another system's export, validated and scored, ready to store.
#[derive(Debug, Clone)]
pub struct ImportedComment {
    /// Unique per source comment, e.g. `wordpress:https://news.example:42`.
    pub import_key: String,
    /// The import key of the parent, when the source names one.
    pub parent_key: Option<String>,
    pub author: String,
    /// Empty when the export had none or an invalid one.
    pub email: String,
    pub website: Option<String>,
    pub body: String,
    pub status: CommentStatus,
    pub created_at: i64,
    pub client_ip: Option<String>,
    /// The keyed hash of the whole address.
    pub client_ip_hash: Option<String>,
    pub label: Option<Label>,
    pub verdict: Option<StoredVerdict>,
    /// What the submission path noticed (links, list matches), for the moderator.
    pub signals: Vec<super::Signal>,
}

/// One chunk of an article's imported comments.
#[derive(Debug, Clone)]
pub struct ImportChunk {
    pub origin: String,
    pub thread_url: String,
    pub comments: Vec<ImportedComment>,
}

/// What storing an import chunk did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportedChunk {
    pub imported: usize,
    pub already_present: usize,
    pub ham_labels: usize,
    pub spam_labels: usize,
    /// Comments stored without their parent, which came later in the file: (id, parent key).
    pub orphans: Vec<(CommentId, String)>,
}

/// What re-scoring reads of a comment.
#[derive(Debug, Clone)]
pub struct ScoringRow {
    pub id: CommentId,
    /// The origin of the comment's site: it is scored by that site's layer.
    pub site: String,
    pub body: String,
    pub author: String,
    pub website: Option<String>,
    pub email: String,
}

/// A comment as the public may see it: no email, no IP, nothing derived from them.
#[derive(Debug, Clone, Serialize)]
pub struct PublicComment {
    pub id: CommentId,
    pub parent: Option<CommentId>,
    pub author: String,
    pub website: Option<String>,
    pub body: String,
    pub created_at: Timestamp,
}

/// An article's approved comments with the version of that set: the version changes
/// whenever the listing would.
#[derive(Debug, Clone)]
pub struct PublicThread {
    pub version: i64,
    pub comments: Vec<PublicComment>,
}

/// Everything stored about a comment, for moderators.
#[derive(Debug, Clone, Serialize)]
pub struct ModComment {
    pub id: CommentId,
    pub thread: String,
    pub parent: Option<CommentId>,
    pub author: String,
    pub email: String,
    pub website: Option<String>,
    pub body: String,
    pub status: CommentStatus,
    pub created_at: Timestamp,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub referrer: Option<String>,
    /// P(spam).
    pub spam_score: Option<f64>,
    pub spam_log_odds: Option<f64>,
    /// The filter's reasons, as stored (a JSON array).
    pub spam_reasons: Option<Box<serde_json::value::RawValue>>,
    /// The model that gave the score.
    pub model_version: Option<String>,
    /// What was noticed besides the text (bot signals, links, list matches), in words.
    pub signals: Vec<String>,
    /// The wave of near-identical comments this one belongs to, if any.
    pub campaign: Option<CampaignInfo>,
}

/// A campaign as moderators see it: its first comment's id, how many comments it holds,
/// and when it began.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignInfo {
    pub id: CommentId,
    pub size: u64,
    pub first_seen: Timestamp,
}

/// One moderation log entry.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub id: i64,
    /// The moderator's name, or `None` when the spam filter acted.
    pub moderator: Option<String>,
    pub action: String,
    pub from: CommentStatus,
    pub to: CommentStatus,
    pub at: Timestamp,
    /// Why, when the service itself decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A comment with its parent, thread, the author's other comments and its history.
#[derive(Debug, Clone)]
pub struct CommentContext {
    pub comment: ModComment,
    pub parent: Option<ModComment>,
    pub thread: Vec<ModComment>,
    pub by_author: Vec<ModComment>,
    pub log: Vec<LogEntry>,
}

/// Which end of a listing comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    Newest,
    Oldest,
}

/// How the dashboard queue is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueOrder {
    /// Lowest spam score first: the comments most likely to be fine.
    HamFirst,
    /// Closest to the threshold first: where a moderator's judgement matters most.
    Uncertain,
    /// Highest spam score first.
    SpamFirst,
    Newest,
    Oldest,
}

impl QueueOrder {
    /// Every order, as offered in the dashboard.
    pub const ALL: [QueueOrder; 5] = [
        QueueOrder::HamFirst,
        QueueOrder::Uncertain,
        QueueOrder::SpamFirst,
        QueueOrder::Newest,
        QueueOrder::Oldest,
    ];

    /// The stable name used in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            QueueOrder::HamFirst => "ham_first",
            QueueOrder::Uncertain => "uncertain",
            QueueOrder::SpamFirst => "spam_first",
            QueueOrder::Newest => "newest",
            QueueOrder::Oldest => "oldest",
        }
    }
}

impl std::str::FromStr for QueueOrder {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        QueueOrder::ALL
            .into_iter()
            .find(|q| q.as_str() == s)
            .ok_or_else(|| format!("unknown order {s:?}"))
    }
}

/// What the queue shows.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: Option<CommentStatus>,
    pub order: Option<QueueOrder>,
    /// Text searched in body, author, email and website.
    pub text: Option<String>,
    /// Text searched in the article URL.
    pub article: Option<String>,
    /// Unix ms bounds on the submission time.
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// The threshold as log-odds, for `Uncertain`.
    pub threshold_log_odds: f64,
}

/// Counts per status, for the dashboard's tabs.
pub type Counts = HashMap<CommentStatus, u64>;

/// How the filter's scores at decision time compare with moderators' labels.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Agreement {
    pub spam_caught: u64,
    pub spam_missed: u64,
    pub ham_flagged: u64,
    pub ham_passed: u64,
}

/// A moderator account as the management page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ModeratorRow {
    pub id: i64,
    pub name: String,
    pub is_admin: bool,
    pub is_disabled: bool,
    pub created_at: Timestamp,
}

/// What the store keeps to check a moderator's password.
#[derive(Debug, Clone)]
pub struct ModeratorCredentials {
    pub id: ModeratorId,
    pub name: String,
    pub password_hash: String,
    pub is_disabled: bool,
    pub is_admin: bool,
}

/// A change to a moderator account.
#[derive(Debug, Clone)]
pub enum AccountChange {
    /// Disabling also ends every session of the account and revokes its API tokens for
    /// good (enabling it again brings none back).
    Disabled(bool),
    Admin(bool),
    /// A new password hash; every session of the account ends except `keep` (a token hash),
    /// and its API tokens are revoked unless `keep_tokens`.
    Password {
        hash: String,
        keep: Option<String>,
        keep_tokens: bool,
    },
}

/// A stored dashboard session with its moderator.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub token_hash: String,
    pub moderator: ModeratorId,
    pub name: String,
    pub is_admin: bool,
    pub is_disabled: bool,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub undo: Option<String>,
}

/// A new dashboard session.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub moderator: ModeratorId,
    pub csrf_token: String,
    pub at: i64,
}

/// A labelled comment with what the filter needs to learn from it (never the email address,
/// only its domain) and the label's provenance.
#[derive(Debug, Clone, Serialize)]
pub struct LabelledComment {
    pub comment_id: CommentId,
    /// The origin of the site the comment is on: its labels shape that site's layer only.
    pub site: String,
    pub label: Label,
    pub source: String,
    pub body: String,
    pub author: String,
    pub website: Option<String>,
    pub email_domain: String,
    /// The model that scored the comment, and its score, when the label was given.
    pub model_version: Option<String>,
    pub spam_score: Option<f64>,
    pub labelled_at: Timestamp,
}

/// An API token about to be stored: only the hash of the secret.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub moderator: ModeratorId,
    pub name: String,
    pub token_hash: String,
    pub created_at: i64,
}

/// A stored API token as listed (never the secret).
#[derive(Debug, Clone, Serialize)]
pub struct ApiTokenRow {
    pub id: i64,
    /// The owner's name.
    pub moderator: String,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// The moderator an API token speaks for.
#[derive(Debug, Clone)]
pub struct ApiTokenOwner {
    pub token_id: i64,
    pub moderator: ModeratorId,
    pub name: String,
    pub is_admin: bool,
    pub is_disabled: bool,
    pub last_used_at: Option<i64>,
}

/// How a moderator hears about new comments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NotifyChoice {
    #[default]
    Off,
    /// An email for each new comment.
    Each,
    /// A digest of what arrived since the last one.
    Digest,
}

impl NotifyChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyChoice::Off => "off",
            NotifyChoice::Each => "each",
            NotifyChoice::Digest => "digest",
        }
    }

    /// Parses `off`, `each` or `digest`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "off" => Some(NotifyChoice::Off),
            "each" => Some(NotifyChoice::Each),
            "digest" => Some(NotifyChoice::Digest),
            _ => None,
        }
    }
}

/// A moderator to notify by email.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub id: ModeratorId,
    pub name: String,
    pub email: String,
    pub digest_sent_at: Option<i64>,
}

/// One key's submission-limit bucket, as kept where instances share it: tokens left as of
/// `updated`, and the last admitted submission (unix milliseconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LimitBucket {
    pub tokens: f64,
    pub updated: i64,
    pub last: i64,
}

/// One site's Akismet calls in a month, as `usage-limit` and `key-sites` report them; also
/// what one call adds to them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct AkismetUsage {
    pub api_calls: u64,
    pub spam: u64,
    pub ham: u64,
    pub missed_spam: u64,
    pub false_positives: u64,
}

/// Who is published at once on a site or an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModerationMode {
    /// Everything waits for a moderator (the default).
    Premoderate,
    /// A trusted commenter's comment is published at once; everyone else's waits.
    FirstTime,
    /// Everything is published at once but what the filter, signals or lists hold.
    Postmoderate,
}

impl ModerationMode {
    /// `premoderate`, `first-time` or `postmoderate`.
    ///
    /// # Errors
    /// Any other word, with the three allowed.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim() {
            "premoderate" => Ok(Self::Premoderate),
            "first-time" => Ok(Self::FirstTime),
            "postmoderate" => Ok(Self::Postmoderate),
            other => Err(format!(
                "{other:?} is not a moderation mode: premoderate, first-time or postmoderate"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Premoderate => "premoderate",
            Self::FirstTime => "first-time",
            Self::Postmoderate => "postmoderate",
        }
    }
}

/// What a site and one of its articles say about moderation, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticlePolicy {
    pub site_mode: ModerationMode,
    /// Approved comments that make a commenter trusted (`first-time`).
    pub trust_after: u32,
    /// An article closes this many days after its first comment.
    pub close_after_days: Option<u32>,
    /// The article's own mode, over the site's.
    pub article_mode: Option<ModerationMode>,
    /// Closed (`Some(true)`) or opened (`Some(false)`) by hand; `None`: by the days.
    pub closed_by_hand: Option<bool>,
    /// When the article got its first comment; `None`: it has none yet.
    pub first_comment_at: Option<i64>,
}

impl ArticlePolicy {
    /// The mode in force: the article's, else the site's.
    pub fn mode(&self) -> ModerationMode {
        self.article_mode.unwrap_or(self.site_mode)
    }

    /// Whether the article takes comments at `now` (unix milliseconds).
    pub fn open(&self, now: i64) -> bool {
        match self.closed_by_hand {
            Some(closed) => !closed,
            None => match (self.close_after_days, self.first_comment_at) {
                (Some(days), Some(first)) => now - first < i64::from(days) * 86_400_000,
                _ => true,
            },
        }
    }
}

/// A change to a site's moderation settings; `None` leaves one as it is.
#[derive(Debug, Clone, Default)]
pub struct SitePolicyChange {
    pub mode: Option<ModerationMode>,
    pub trust_after: Option<u32>,
    /// `Some(None)` clears it.
    pub close_after_days: Option<Option<u32>>,
    pub auto_hide_reports: Option<Option<u32>>,
    /// The site's own removal reasons; `Some(None)` restores the defaults.
    pub removal_reasons: Option<Option<RemovalReasons>>,
    /// Whether the site's moderator labels go into the shared base model.
    pub promoted: Option<bool>,
}

/// A site's removal reasons: 1 to 20 distinct reasons of 1 to 60 characters, no line
/// breaks (stored one per line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemovalReasons(Vec<String>);

impl RemovalReasons {
    /// Parses a comma-separated list as typed.
    ///
    /// # Errors
    /// What a valid list looks like.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut reasons: Vec<String> = Vec::new();
        for reason in text
            .split([',', '\n'])
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            if reason.chars().count() > 60 || reason.chars().any(char::is_control) {
                return Err("each reason is 1 to 60 characters".into());
            }
            if !reasons.iter().any(|r| r == reason) {
                reasons.push(reason.to_owned());
            }
        }
        if reasons.is_empty() || reasons.len() > 20 {
            return Err("give 1 to 20 reasons, separated by commas".into());
        }
        Ok(Self(reasons))
    }

    /// The defaults, for a site that keeps none of its own.
    pub fn defaults() -> Self {
        Self(REMOVAL_REASONS.iter().map(|r| (*r).to_owned()).collect())
    }

    /// As stored: one per line.
    pub fn stored(&self) -> String {
        self.0.join("\n")
    }

    /// From the stored column (`None`: the defaults).
    pub fn from_stored(stored: Option<&str>) -> Self {
        stored
            .and_then(|s| Self::parse(s).ok())
            .unwrap_or_else(Self::defaults)
    }

    pub fn contains(&self, reason: &str) -> bool {
        self.0.iter().any(|r| r == reason)
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

/// A site and its moderation settings, as the dashboard's Sites page shows them.
#[derive(Debug, Clone, Serialize)]
pub struct SiteSettings {
    pub origin: String,
    pub name: String,
    pub mode: ModerationMode,
    pub trust_after: u32,
    pub close_after_days: Option<u32>,
    pub auto_hide_reports: Option<u32>,
    pub removal_reasons: RemovalReasons,
    pub store_checked: bool,
    /// The operator promoted its moderator labels into the shared base model.
    pub promoted: bool,
}

#[cfg(test)]
mod policy_tests {
    use super::*;

    #[test]
    fn an_article_closes_by_hand_or_by_the_days_after_its_first_comment() {
        let day = 86_400_000;
        let mut p = ArticlePolicy {
            site_mode: ModerationMode::FirstTime,
            trust_after: 1,
            close_after_days: Some(3),
            article_mode: None,
            closed_by_hand: None,
            first_comment_at: Some(10 * day),
        };
        assert!(p.open(12 * day));
        assert!(!p.open(13 * day));
        p.closed_by_hand = Some(false);
        assert!(p.open(30 * day), "opened by hand past the days");
        p.closed_by_hand = Some(true);
        assert!(!p.open(10 * day));
        p.closed_by_hand = None;
        p.first_comment_at = None;
        assert!(p.open(30 * day), "no comment yet: nothing to count from");
        assert_eq!(p.mode(), ModerationMode::FirstTime);
        p.article_mode = Some(ModerationMode::Premoderate);
        assert_eq!(p.mode(), ModerationMode::Premoderate);
    }
}

/// A reader's report on a published comment, as stored.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub comment: CommentId,
    pub reason: String,
    pub explanation: Option<String>,
    /// Kept for moderators only.
    pub email: Option<String>,
    /// A keyed hash of the reader's address: one report per reader per comment.
    pub reporter: String,
    /// A keyed hash of the token the reader's widget keeps, when it sent one: one report
    /// per reader per comment whatever their address.
    pub reader: Option<String>,
    pub at: i64,
}

/// The reasons a reader may give.
pub const REPORT_REASONS: &[&str] = &["spam", "abuse", "off_topic", "illegal", "other"];

/// A commenter's record on one site, as moderators see it: they are known by their email
/// (any case) on that site, and named by the id of their first comment there.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CommenterRecord {
    pub id: CommentId,
    pub approved: u64,
    pub pending: u64,
    pub spam: u64,
    pub rejected: u64,
    pub first_seen: Timestamp,
    /// A moderator trusts them on this site: published at once unless something holds it.
    pub trusted: bool,
    /// Their email is on the hold list: never published at once.
    pub held: bool,
    /// Their email is on the block list: filed as spam.
    pub banned: bool,
}

/// A moderator's recent decision, for the others working the queue.
#[derive(Debug, Clone, Serialize)]
pub struct RecentDecision {
    pub comment: CommentId,
    pub moderator: String,
    pub action: String,
    pub at: Timestamp,
}

/// A report as moderators see it.
#[derive(Debug, Clone, Serialize)]
pub struct ReportRecord {
    pub reason: String,
    pub explanation: Option<String>,
    pub email: Option<String>,
    pub at: Timestamp,
}

/// A reader's standing request to be emailed about replies on one site, known by the keyed
/// hash of their email: unconfirmed until they follow the link of its confirmation email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplySubscription {
    pub id: i64,
    /// When the latest confirmation email went out.
    pub confirmation_sent_at: i64,
    pub confirmed_at: Option<i64>,
}

/// A reply and the comment it answers, as telling that comment's author takes them.
#[derive(Debug, Clone)]
pub struct ReplyContext {
    pub status: CommentStatus,
    pub author: String,
    pub email: String,
    pub body: String,
    /// The article's URL.
    pub thread: String,
    pub parent: CommentId,
    pub parent_email: String,
    /// The subscription watching the parent for replies, if any.
    pub subscription: Option<ReplySubscription>,
    /// The language the subscriber reads.
    pub lang: String,
}

/// A reader's request to hear of replies, as their personal-data export lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ReplySubscriptionRecord {
    /// The site's origin.
    pub site: String,
    pub created_at: Timestamp,
    /// `None` until they followed the confirmation link.
    pub confirmed_at: Option<Timestamp>,
    /// How many of their comments it watches for replies.
    pub watched_comments: u64,
}

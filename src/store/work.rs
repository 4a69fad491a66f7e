//! Units of work: the primitive reads and writes a use case runs inside one transaction.
//!
//! A use case writes its rule once, as a function of a [`Tx`]; [`crate::store::Store::write`]
//! runs it on whichever backend the store opened: on SQLite's writer thread under a
//! savepoint of the current group commit, on PostgreSQL on a writer lane in that lane's
//! batch. Nothing here decides: a `Tx` method reads or writes one thing, in
//! domain types, and the backend chooses only how (statements, row locks, advisory locks).
//!
//! Why synchronous: the SQLite writer is a thread that owns its connection, and a unit of
//! work must run inside its savepoint with nothing to poll; PostgreSQL's lanes are threads
//! too, which block on the I/O runtime per statement. So one plain `fn` serves both, the
//! borrow checker sees the whole rule, and nothing slow (scoring, argon2, network) can be
//! awaited inside a transaction by mistake.

use std::collections::HashMap;

use tokio::sync::oneshot;

use super::StoreError;
use crate::domain::{
    AkismetUsage, ArticlePolicy, CommentId, CommentStatus, Filing, ImportedComment, Label,
    LabelSource, LimitBucket, LogEvent, ModerationMode, ModeratorId, ModeratorName, NewComment,
    NewReport, ReplyContext, ReplySubscription, SiteId, SitePolicyChange, SubmissionMeta,
    Submitted, ThreadId,
};

/// The result of one primitive.
pub type TxResult<T> = Result<T, StoreError>;

/// One transaction's primitives. Every method reads or writes one thing; the rules that
/// combine them live in `crate::app`.
pub trait Tx {
    // ---- sites and threads ---------------------------------------------------------------

    /// The site registered for `origin`.
    fn site_id(&mut self, origin: &str) -> TxResult<Option<SiteId>>;
    /// Registers `origin` (or renames it) and returns its id.
    fn upsert_site(&mut self, origin: &str, name: &str) -> TxResult<SiteId>;
    /// The thread at `url`.
    fn thread_id(&mut self, url: &str) -> TxResult<Option<ThreadId>>;
    /// The site registered for `origin` and, if it exists, its thread at `url` (one look-up:
    /// nearly every comment goes to a thread that exists).
    fn site_and_thread(
        &mut self,
        origin: &str,
        url: &str,
    ) -> TxResult<Option<(SiteId, Option<ThreadId>)>>;
    /// Creates the thread at `url` under `site`; the existing one when another writer just
    /// created it. Look first ([`Tx::thread_id`], [`Tx::site_and_thread`]): nearly every
    /// comment goes to a thread that exists.
    fn insert_thread(&mut self, site: SiteId, url: &str, at: i64) -> TxResult<ThreadId>;
    /// Raises the public version of a thread.
    fn bump_thread(&mut self, thread: ThreadId) -> TxResult<()>;
    /// Raises the public version of the thread comment `id` belongs to.
    fn bump_thread_of(&mut self, id: CommentId) -> TxResult<()>;

    // ---- comments ------------------------------------------------------------------------

    /// The comment stored under a (scoped) idempotency key.
    fn by_idempotency_key(&mut self, key: &str) -> TxResult<Option<Submitted>>;
    /// The thread and status of comment `id`.
    fn thread_and_status(&mut self, id: CommentId) -> TxResult<Option<(ThreadId, CommentStatus)>>;
    /// Stores a new comment in `thread`, filed as `filing` says; `before_spam` is where "not
    /// spam" returns it.
    fn insert_comment(
        &mut self,
        thread: ThreadId,
        comment: &NewComment,
        meta: &SubmissionMeta,
        filing: &Filing,
        before_spam: Option<CommentStatus>,
    ) -> TxResult<CommentId>;
    /// Makes `seed` the first member of its campaign.
    fn start_campaign(&mut self, seed: CommentId) -> TxResult<()>;
    /// The status of comment `id` and the status it had before spam, held for this unit of
    /// work (a row lock where other writers could change it meanwhile).
    fn status_of(
        &mut self,
        id: CommentId,
    ) -> TxResult<Option<(CommentStatus, Option<CommentStatus>)>>;
    /// Sets the status of comment `id`.
    fn set_status(
        &mut self,
        id: CommentId,
        to: CommentStatus,
        before_spam: Option<CommentStatus>,
    ) -> TxResult<()>;
    /// Appends one entry to the moderation log.
    fn append_log(&mut self, event: &LogEvent) -> TxResult<()>;
    /// Labels comment `id` (replacing an earlier label) with the filter's score it carries.
    fn set_label(
        &mut self,
        id: CommentId,
        label: Label,
        source: LabelSource,
        moderator: Option<ModeratorId>,
        at: i64,
    ) -> TxResult<()>;
    /// Removes the label of comment `id`, if any.
    fn clear_label(&mut self, id: CommentId) -> TxResult<()>;
    /// Who made the comment's latest moderation log entry: the moderator's name, or `None`
    /// for the service itself; `None` outside when there is no entry.
    fn last_decider(&mut self, id: CommentId) -> TxResult<Option<Option<String>>>;
    /// Whether the comment's training label was given by a moderator.
    fn labelled_by_moderator(&mut self, id: CommentId) -> TxResult<bool>;

    // ---- imports -------------------------------------------------------------------------

    /// The comment imported under `key`.
    fn by_import_key(&mut self, key: &str) -> TxResult<Option<CommentId>>;
    /// The comments imported under any of `keys`, by key (one look-up for a whole chunk
    /// where the backend is a round trip away).
    fn by_import_keys(&mut self, keys: &[&str]) -> TxResult<HashMap<String, CommentId>>;
    /// Stores an imported comment with the status and verdict it brought.
    fn insert_imported(
        &mut self,
        thread: ThreadId,
        comment: &ImportedComment,
        parent: Option<CommentId>,
    ) -> TxResult<CommentId>;
    /// Whether `candidate` is `of` or one of its ancestors.
    fn is_ancestor_or_self(&mut self, candidate: CommentId, of: CommentId) -> TxResult<bool>;
    /// Sets the parent of comment `id`.
    fn set_parent(&mut self, id: CommentId, parent: CommentId) -> TxResult<()>;

    // ---- personal data -------------------------------------------------------------------

    /// Every comment sent with this email address (case-insensitive), oldest first.
    fn comments_of(&mut self, email: &str) -> TxResult<Vec<CommentId>>;
    /// Replaces comment `id`'s personal data with the erased placeholders; its status.
    fn anonymise(&mut self, id: CommentId) -> TxResult<CommentStatus>;

    // ---- accounts ------------------------------------------------------------------------

    /// Creates a moderator or replaces its password (and re-enables it); whether it is new.
    fn upsert_moderator(
        &mut self,
        name: &ModeratorName,
        password_hash: &str,
    ) -> TxResult<(ModeratorId, bool)>;
    fn set_admin(&mut self, id: ModeratorId, admin: bool) -> TxResult<()>;
    fn set_disabled(&mut self, id: ModeratorId, disabled: bool) -> TxResult<()>;
    fn set_password_hash(&mut self, id: ModeratorId, hash: &str) -> TxResult<()>;
    /// Ends every session of `moderator` but `keep` (a token hash).
    fn end_sessions_of(&mut self, moderator: ModeratorId, keep: Option<&str>) -> TxResult<()>;
    /// Deletes every API token of an account; how many.
    fn revoke_tokens_of(&mut self, moderator: ModeratorId) -> TxResult<u64>;
    /// Serialises units of work naming any of these keys (sign-in attempts, limit buckets)
    /// with any other writer's until this one commits (nothing to do where one writer runs
    /// everything).
    fn lock_keys(&mut self, keys: &[&str]) -> TxResult<()>;
    /// Sign-in attempts recorded under `key` since `since`.
    fn count_attempts(&mut self, key: &str, since: i64) -> TxResult<u32>;
    /// Records one attempt under each key, forgetting attempts older than `forget_before`.
    fn record_attempts(&mut self, keys: &[&str], at: i64, forget_before: i64) -> TxResult<()>;

    // ---- reports -------------------------------------------------------------------------

    /// Stores a report unless this reader already reported this comment; whether it did.
    fn insert_report(&mut self, report: &NewReport) -> TxResult<bool>;
    /// Reports on a comment made after `since` (unix milliseconds).
    fn report_count(&mut self, id: CommentId, since: i64) -> TxResult<u32>;
    /// The removal reasons kept by the site of comment `id`, one per line (`None`: the
    /// defaults, or no such comment).
    fn removal_reasons_of(&mut self, id: CommentId) -> TxResult<Option<String>>;
    /// Whether a moderator trusts the commenter with this keyed email hash on `site`.
    fn is_trusted(&mut self, site: SiteId, email_key: &str) -> TxResult<bool>;
    /// Trusts (`Some(by, at)`) or no longer trusts the author of comment `id` on its site,
    /// known by `email_key`; whether that changed anything.
    fn set_trusted(
        &mut self,
        id: CommentId,
        email_key: &str,
        trusted: Option<(ModeratorId, i64)>,
    ) -> TxResult<bool>;
    /// Forgets every site's trust in the commenter with this keyed email hash.
    fn forget_trust(&mut self, email_key: &str) -> TxResult<()>;
    /// When the comment arrived, if no moderator has decided it yet (the filter's and the
    /// policy's own log entries do not count).
    fn undecided_since(&mut self, id: CommentId) -> TxResult<Option<i64>>;
    /// When a moderator last judged the comment's reports (approved it or dismissed them),
    /// if one did.
    fn reports_judged_at(&mut self, id: CommentId) -> TxResult<Option<i64>>;
    /// The site's `auto_hide_reports` for the comment's article.
    fn auto_hide_reports_of(&mut self, id: CommentId) -> TxResult<Option<u32>>;

    // ---- reply notifications -------------------------------------------------------------

    /// The reply subscription of the address with this keyed hash on `site`.
    fn reply_subscription(
        &mut self,
        site: SiteId,
        email_key: &str,
    ) -> TxResult<Option<ReplySubscription>>;
    /// Starts an unconfirmed subscription whose confirmation goes out at `at`; its id.
    fn insert_reply_subscription(
        &mut self,
        site: SiteId,
        email_key: &str,
        lang: &str,
        at: i64,
    ) -> TxResult<i64>;
    /// Records another confirmation email of subscription `id`, sent at `at` in `lang`.
    fn set_confirmation_sent(&mut self, id: i64, lang: &str, at: i64) -> TxResult<()>;
    /// Marks subscription `id` confirmed at `at` (an earlier confirmation stands); whether
    /// it exists.
    fn confirm_reply_subscription(&mut self, id: i64, at: i64) -> TxResult<bool>;
    /// Ends subscription `id` with its watches; whether it existed.
    fn delete_reply_subscription(&mut self, id: i64) -> TxResult<bool>;
    /// Ends every subscription of the address with this keyed hash, with their watches.
    fn forget_reply_subscriptions(&mut self, email_key: &str) -> TxResult<()>;
    /// Watches comment `id` for replies under subscription `subscription` (again: no change).
    fn watch_replies(&mut self, id: CommentId, subscription: i64) -> TxResult<()>;
    /// Ends every unconfirmed subscription whose last confirmation went out before
    /// `sent_before`, with its watches; how many.
    fn forget_unconfirmed_reply_subscriptions(&mut self, sent_before: i64) -> TxResult<u64>;
    /// Reply `id` and the comment it answers, with that comment's watch; `None` when there is
    /// no such comment or it answers none.
    fn reply_context(&mut self, id: CommentId) -> TxResult<Option<ReplyContext>>;

    // ---- moderation policy ---------------------------------------------------------------

    /// What site `site` and, when it has one yet, article `thread` say about moderation.
    fn article_policy(&mut self, site: SiteId, thread: Option<ThreadId>)
    -> TxResult<ArticlePolicy>;
    /// Approved comments on site `site` by the commenter with this email (any case) and
    /// name, counted since their latest spam or rejected comment there.
    fn approved_since_refusal(&mut self, site: SiteId, email: &str, author: &str) -> TxResult<u32>;
    /// Changes a site's moderation settings; whether the site exists.
    fn set_site_policy(&mut self, origin: &str, change: &SitePolicyChange) -> TxResult<bool>;
    /// Sets an article's own mode (`Some(None)`: the site's again) and whether it is closed
    /// by hand (`Some(None)`: by the days again); leaves what is `None`.
    fn set_thread_policy(
        &mut self,
        thread: ThreadId,
        mode: Option<Option<ModerationMode>>,
        closed: Option<Option<bool>>,
    ) -> TxResult<()>;

    // ---- claims, limits, usage ---------------------------------------------------------

    /// Claims `kind`/`key` until `until` unless an unexpired claim (one whose `until` is
    /// after `now`) holds it: whether this unit now holds it. One statement, so two writers
    /// can never both win.
    fn claim(&mut self, kind: &str, key: &str, now: i64, until: i64) -> TxResult<bool>;
    /// Gives a claim up.
    fn unclaim(&mut self, kind: &str, key: &str) -> TxResult<()>;
    /// A shared limit bucket (`StoreError::NotHere` where limits stay in memory); the unit
    /// locks its key first ([`Tx::lock_keys`]).
    fn bucket(&mut self, key: &str) -> TxResult<Option<LimitBucket>>;
    /// Stores a shared limit bucket.
    fn set_bucket(&mut self, key: &str, bucket: &LimitBucket) -> TxResult<()>;
    /// Forgets claims expired by `now` and buckets idle since `idle_before`.
    fn forget_expired(&mut self, now: i64, idle_before: i64) -> TxResult<u64>;
    /// Adds `delta` to a site's Akismet usage in `month` (`YYYY-MM`).
    fn add_usage(&mut self, site: SiteId, month: &str, delta: &AkismetUsage) -> TxResult<()>;
}

/// A unit of work on its way to a backend, type-erased: it runs (perhaps again, after a
/// conflict between writers), then is told whether its transaction committed.
pub trait Job: Send {
    /// Runs the work; an `Err` asks the runner to undo this unit's writes.
    fn run(&mut self, tx: &mut dyn Tx) -> Result<(), StoreError>;
    /// Whether the last run failed only because another writer got in the way (a deadlock,
    /// a serialisation failure, a unique key taken meanwhile): running it again alone may
    /// succeed.
    fn contended(&self) -> bool;
    /// Whether this unit must have a transaction of its own rather than share a batch's: it
    /// takes locks ([`Tx::lock_keys`]) that, held until a shared commit, could tie batches
    /// on two writers into a deadlock.
    fn alone(&self) -> bool;
    /// Answers the caller: the unit's own result, or `failed` (the commit's error, or why the
    /// unit never ran) when that came after a successful run.
    fn finish(self: Box<Self>, failed: Option<&StoreError>);
}

/// The one implementation of [`Job`]: a closure and where its answer goes.
pub(crate) struct Call<T, F> {
    work: F,
    alone: bool,
    result: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Call<T, F>
where
    T: Send + 'static,
    F: FnMut(&mut dyn Tx) -> Result<T, StoreError> + Send + 'static,
{
    pub(crate) fn boxed(
        work: F,
        alone: bool,
    ) -> (Box<dyn Job>, oneshot::Receiver<Result<T, StoreError>>) {
        let (reply, answer) = oneshot::channel();
        let call = Call {
            work,
            alone,
            result: None,
            reply,
        };
        (Box::new(call), answer)
    }
}

impl<T, F> Job for Call<T, F>
where
    T: Send + 'static,
    F: FnMut(&mut dyn Tx) -> Result<T, StoreError> + Send + 'static,
{
    fn run(&mut self, tx: &mut dyn Tx) -> Result<(), StoreError> {
        let result = (self.work)(tx);
        let failed = result.as_ref().err().cloned();
        self.result = Some(result);
        failed.map_or(Ok(()), Err)
    }

    fn contended(&self) -> bool {
        matches!(self.result, Some(Err(StoreError::Contended(_))))
    }

    fn alone(&self) -> bool {
        self.alone
    }

    fn finish(self: Box<Self>, failed: Option<&StoreError>) {
        let result = match (failed, self.result) {
            (Some(e), None | Some(Ok(_))) => Err(e.clone()),
            (_, Some(result)) => result,
            (None, None) => Err(StoreError::Cancelled),
        };
        // The caller may have gone away (a closed connection): nothing to tell.
        let _ = self.reply.send(result);
    }
}

//! The storage seam: every operation the use cases need, in domain types, behind one handle.
//!
//! No connection, transaction, row type or SQL string leaves this module: callers hand in
//! domain values (`NewComment`, a [`Decision`], typed ids) and get domain values back. Each
//! operation is one transaction owned by the backend. Today's backend is SQLite
//! ([`sqlite`]: one writer thread with group commit, read-only WAL readers); a second
//! backend adds a variant to `Backend` and implements the same methods, without touching a
//! use case.

pub mod sqlite;

use std::path::Path;
use std::sync::Arc;

use crate::domain::{
    AccountChange, Acted, Agreement, ApiTokenOwner, ApiTokenRow, CommentContext, CommentId, Counts,
    Decision, DecisionRefusal, Feedback, Filing, ImportChunk, ImportedChunk, KeyedSite,
    LabelledComment, LogEntry, ModComment, ModeratorCredentials, ModeratorId, ModeratorName,
    ModeratorRow, NewApiToken, NewComment, NewRule, NewSession, Order, PublicThread, QueueFilter,
    Rule, ScoringRow, SessionRecord, Site, SiteId, StoredVerdict, SubmissionMeta, SubmitRefusal,
    Submitted,
};
use crate::domain::{NotifyChoice, Recipient};

/// What can go wrong talking to the store. Cloneable: one failed group commit is reported to
/// every caller in the batch.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("database error")]
    Backend(#[source] Arc<dyn std::error::Error + Send + Sync>),
    #[error("the database schema is version {found}, newer than this binary knows ({known})")]
    SchemaTooNew { found: i64, known: usize },
    #[error("the database writer has stopped")]
    WriterGone,
    #[error("the database task was cancelled")]
    Cancelled,
}

/// A cheap, cloneable handle on the store.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Sqlite(Arc<sqlite::Sqlite>),
}

impl Store {
    /// Opens (creating if needed) the SQLite database at `path`, applies pending migrations
    /// and starts its writer.
    ///
    /// # Errors
    /// [`StoreError`] when the file cannot be opened or a migration fails.
    pub fn open_sqlite(path: &Path) -> Result<Self, StoreError> {
        Ok(Self {
            backend: Backend::Sqlite(Arc::new(sqlite::Sqlite::open(path)?)),
        })
    }

    fn sqlite(&self) -> &sqlite::Sqlite {
        let Backend::Sqlite(db) = &self.backend;
        db
    }

    /// The schema version the database is at.
    ///
    /// # Errors
    /// A database failure.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        self.sqlite().schema_version().await
    }

    /// A trivial round trip through a reader: the database answers.
    ///
    /// # Errors
    /// A database failure.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.sqlite().ping().await
    }

    /// The database takes writes (an empty transaction through the writer).
    ///
    /// # Errors
    /// A database failure.
    pub async fn writable(&self) -> Result<(), StoreError> {
        self.sqlite().writable().await
    }

    /// Finishes every write, folds the WAL into the database and stops the writer: the last
    /// call of a process that is shutting down.
    ///
    /// # Errors
    /// A database failure.
    pub async fn close(&self) -> Result<(), StoreError> {
        self.sqlite().close().await
    }

    /// A consistent online copy of the database at `path`, synced to disk.
    ///
    /// # Errors
    /// A database or file system failure (the path exists, say).
    pub async fn backup_to(&self, path: std::path::PathBuf) -> Result<(), StoreError> {
        self.sqlite().backup_to(path).await
    }

    /// A campaign's comments that are pending or in spam.
    ///
    /// # Errors
    /// A database failure.
    pub async fn campaign_members(
        &self,
        campaign: CommentId,
    ) -> Result<Vec<CommentId>, StoreError> {
        self.sqlite().campaign_members(campaign).await
    }

    // ---- notifications -------------------------------------------------------------------

    /// A moderator's notification email and choice.
    ///
    /// # Errors
    /// A database failure.
    pub async fn notify_settings(
        &self,
        id: ModeratorId,
    ) -> Result<Option<(Option<String>, NotifyChoice)>, StoreError> {
        self.sqlite().notify_settings(id).await
    }

    /// Sets a moderator's notification email and choice.
    ///
    /// # Errors
    /// A database failure.
    pub async fn set_notify(
        &self,
        id: ModeratorId,
        email: Option<String>,
        choice: NotifyChoice,
    ) -> Result<(), StoreError> {
        self.sqlite().set_notify(id, email, choice).await
    }

    /// Active moderators who chose `choice` and gave an address.
    ///
    /// # Errors
    /// A database failure.
    pub async fn recipients(&self, choice: NotifyChoice) -> Result<Vec<Recipient>, StoreError> {
        self.sqlite().recipients(choice).await
    }

    /// Pending comments newer than `after` (at most `limit`) and how many in all.
    ///
    /// # Errors
    /// A database failure.
    pub async fn pending_since(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<(Vec<ModComment>, u64), StoreError> {
        self.sqlite().pending_since(after, limit).await
    }

    /// Records when a moderator's digest was sent.
    ///
    /// # Errors
    /// A database failure.
    pub async fn set_digest_sent(&self, id: ModeratorId, at: i64) -> Result<(), StoreError> {
        self.sqlite().set_digest_sent(id, at).await
    }

    // ---- Akismet-compatible API ----------------------------------------------------------

    /// Files an app's feedback on a comment (labels an earlier copy, or stores and labels).
    ///
    /// # Errors
    /// A database failure.
    pub async fn feedback(
        &self,
        feedback: Feedback,
    ) -> Result<Result<CommentId, SubmitRefusal>, StoreError> {
        self.sqlite().feedback(feedback).await
    }

    /// A site's id and its API key's generation, by origin.
    ///
    /// # Errors
    /// A database failure.
    pub async fn key_state(&self, origin: String) -> Result<Option<(SiteId, i64)>, StoreError> {
        self.sqlite().key_state(origin).await
    }

    /// Stores the hash of a site's API key and its generation.
    ///
    /// # Errors
    /// A database failure.
    pub async fn set_site_key(
        &self,
        site: SiteId,
        generation: i64,
        hash: String,
    ) -> Result<(), StoreError> {
        self.sqlite().set_site_key(site, generation, hash).await
    }

    /// The site whose API key hashes to `hash`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn find_site_by_key(&self, hash: String) -> Result<Option<KeyedSite>, StoreError> {
        self.sqlite().find_site_by_key(hash).await
    }

    /// Whether comment-checks for `origin` are filed in the queue; whether the site exists.
    ///
    /// # Errors
    /// A database failure.
    pub async fn set_store_checked(&self, origin: String, on: bool) -> Result<bool, StoreError> {
        self.sqlite().set_store_checked(origin, on).await
    }

    // ---- personal data -------------------------------------------------------------------

    /// Clears the addresses, user agents and referrers of comments older than `cutoff`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn purge_before(&self, cutoff: i64) -> Result<u64, StoreError> {
        self.sqlite().purge_before(cutoff).await
    }

    /// Up to `limit` comments still holding a whole address.
    ///
    /// # Errors
    /// A database failure.
    pub async fn whole_addresses(
        &self,
        limit: u32,
    ) -> Result<Vec<(CommentId, String)>, StoreError> {
        self.sqlite().whole_addresses(limit).await
    }

    /// Replaces whole addresses with `(network, keyed hash)`, or clears them (`None`).
    ///
    /// # Errors
    /// A database failure.
    pub async fn set_addresses(
        &self,
        rows: Vec<(CommentId, Option<(String, String)>)>,
    ) -> Result<(), StoreError> {
        self.sqlite().set_addresses(rows).await
    }

    /// Every comment sent with this email address.
    ///
    /// # Errors
    /// A database failure.
    pub async fn comments_of(&self, email: String) -> Result<Vec<CommentId>, StoreError> {
        self.sqlite().comments_of(email).await
    }

    /// Anonymises every comment sent with this email address, deletes their training
    /// labels and logs each erasure; how many comments.
    ///
    /// # Errors
    /// A database failure.
    pub async fn erase(&self, email: String, at: i64) -> Result<u64, StoreError> {
        self.sqlite().erase(email, at).await
    }

    /// How many comments are in each status.
    ///
    /// # Errors
    /// A database failure.
    pub async fn count_by_status(
        &self,
    ) -> Result<std::collections::HashMap<crate::domain::CommentStatus, u64>, StoreError> {
        self.sqlite().count_by_status().await
    }

    // ---- sites -------------------------------------------------------------------------

    /// Registers `origin` or renames it; idempotent.
    ///
    /// # Errors
    /// A database failure.
    pub async fn upsert_site(&self, origin: String, name: String) -> Result<SiteId, StoreError> {
        self.sqlite().upsert_site(origin, name).await
    }

    /// Every registered site.
    ///
    /// # Errors
    /// A database failure.
    pub async fn list_sites(&self) -> Result<Vec<Site>, StoreError> {
        self.sqlite().list_sites().await
    }

    /// The site registered for `origin`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn site_by_origin(&self, origin: String) -> Result<Option<SiteId>, StoreError> {
        self.sqlite().site_by_origin(origin).await
    }

    // ---- comments ----------------------------------------------------------------------

    /// Files a scored submission under its article (created on first use): committed
    /// durably before this returns. Refused when the site or parent does not allow it.
    ///
    /// # Errors
    /// A database failure.
    pub async fn insert_comment(
        &self,
        comment: NewComment,
        meta: SubmissionMeta,
        filing: Filing,
    ) -> Result<Result<Submitted, SubmitRefusal>, StoreError> {
        self.sqlite().insert_comment(comment, meta, filing).await
    }

    /// The submission stored under a (scoped) idempotency key, if any.
    ///
    /// # Errors
    /// A database failure.
    pub async fn find_by_idempotency_key(
        &self,
        key: String,
    ) -> Result<Option<Submitted>, StoreError> {
        self.sqlite().find_by_idempotency_key(key).await
    }

    /// Applies a moderator's decision: status, log entry and label in one transaction.
    ///
    /// # Errors
    /// A database failure.
    pub async fn apply_decision(
        &self,
        decision: Decision,
    ) -> Result<Result<Acted, DecisionRefusal>, StoreError> {
        self.sqlite().apply_decision(decision).await
    }

    /// The approved comments of the thread at `url`, oldest first, with their version.
    ///
    /// # Errors
    /// A database failure.
    pub async fn list_public(&self, url: String) -> Result<PublicThread, StoreError> {
        self.sqlite().list_public(url).await
    }

    /// The public version of the thread at `url` (see [`PublicThread`]), if it exists.
    ///
    /// # Errors
    /// A database failure.
    pub async fn thread_version(&self, url: String) -> Result<Option<i64>, StoreError> {
        self.sqlite().thread_version(url).await
    }

    /// One page of comments in `status`, and how many there are in all.
    ///
    /// # Errors
    /// A database failure.
    pub async fn list_by_status(
        &self,
        status: crate::domain::CommentStatus,
        order: Order,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<ModComment>, u64), StoreError> {
        self.sqlite()
            .list_by_status(status, order, limit, offset)
            .await
    }

    /// Everything stored about comment `id`, with its moderation log.
    ///
    /// # Errors
    /// A database failure.
    pub async fn find_for_moderation(
        &self,
        id: CommentId,
    ) -> Result<Option<(ModComment, Vec<LogEntry>)>, StoreError> {
        self.sqlite().find_for_moderation(id).await
    }

    /// Comment `id` with its parent, thread, the author's other comments and its history.
    ///
    /// # Errors
    /// A database failure.
    pub async fn comment_context(
        &self,
        id: CommentId,
    ) -> Result<Option<CommentContext>, StoreError> {
        self.sqlite().comment_context(id).await
    }

    /// One page of the dashboard queue, how many match, and the counts per status.
    ///
    /// # Errors
    /// A database failure.
    pub async fn list_queue(
        &self,
        filter: QueueFilter,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<ModComment>, u64, Counts), StoreError> {
        self.sqlite().list_queue(filter, limit, offset).await
    }

    /// Up to `limit` pending comments with ids above `after`, for re-scoring.
    ///
    /// # Errors
    /// A database failure.
    pub async fn list_pending_for_scoring(
        &self,
        after: CommentId,
        limit: u32,
    ) -> Result<Vec<ScoringRow>, StoreError> {
        self.sqlite().list_pending_for_scoring(after, limit).await
    }

    /// Replaces the filter's verdicts on these comments (statuses are left alone).
    ///
    /// # Errors
    /// A database failure.
    pub async fn set_verdicts(
        &self,
        verdicts: Vec<(CommentId, StoredVerdict)>,
    ) -> Result<(), StoreError> {
        self.sqlite().set_verdicts(verdicts).await
    }

    /// Stores one chunk of an import (its site and thread registered if new); comments
    /// already imported under the same key are counted, not stored twice.
    ///
    /// # Errors
    /// A database failure.
    pub async fn import_chunk(&self, chunk: ImportChunk) -> Result<ImportedChunk, StoreError> {
        self.sqlite().import_chunk(chunk).await
    }

    /// Links imported replies whose parents came later in the file. A link that would close
    /// a cycle (a comment among its own ancestors) is left out: that reply stays top-level.
    ///
    /// # Errors
    /// A database failure.
    pub async fn link_orphans(&self, orphans: Vec<(CommentId, String)>) -> Result<(), StoreError> {
        self.sqlite().link_orphans(orphans).await
    }

    // ---- labels ------------------------------------------------------------------------

    /// Every current label, oldest first (ties by comment id).
    ///
    /// # Errors
    /// A database failure.
    pub async fn list_labels(&self) -> Result<Vec<LabelledComment>, StoreError> {
        self.sqlite().list_labels().await
    }

    /// How many labels were given after `at` (unix ms).
    ///
    /// # Errors
    /// A database failure.
    pub async fn count_labels_since(&self, at: i64) -> Result<u64, StoreError> {
        self.sqlite().count_labels_since(at).await
    }

    /// The filter's scores at decision time against moderators' labels, at `threshold`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn agreement(&self, threshold: f64) -> Result<Agreement, StoreError> {
        self.sqlite().agreement(threshold).await
    }

    // ---- moderators and sessions -------------------------------------------------------

    /// Creates a moderator or replaces its password (re-enabling it and ending its
    /// sessions); `admin` sets the role when given. Returns the id and whether it is new.
    ///
    /// # Errors
    /// A database failure.
    pub async fn upsert_moderator(
        &self,
        name: ModeratorName,
        password_hash: String,
        admin: Option<bool>,
    ) -> Result<(ModeratorId, bool), StoreError> {
        self.sqlite()
            .upsert_moderator(name, password_hash, admin)
            .await
    }

    /// What is needed to check `name`'s password.
    ///
    /// # Errors
    /// A database failure.
    pub async fn find_moderator(
        &self,
        name: String,
    ) -> Result<Option<ModeratorCredentials>, StoreError> {
        self.sqlite().find_moderator(name).await
    }

    /// Every moderator account.
    ///
    /// # Errors
    /// A database failure.
    pub async fn list_moderators(&self) -> Result<Vec<ModeratorRow>, StoreError> {
        self.sqlite().list_moderators().await
    }

    /// Changes an account (see [`AccountChange`]).
    ///
    /// # Errors
    /// A database failure.
    pub async fn change_account(
        &self,
        id: ModeratorId,
        change: AccountChange,
    ) -> Result<(), StoreError> {
        self.sqlite().change_account(id, change).await
    }

    // ---- block and hold lists -----------------------------------------------------------

    /// Adds a rule; `false` when the same rule was already there.
    ///
    /// # Errors
    /// A database failure.
    pub async fn add_rule(
        &self,
        rule: NewRule,
        by: ModeratorId,
        at: i64,
    ) -> Result<bool, StoreError> {
        self.sqlite().add_rule(rule, by, at).await
    }

    /// Removes a rule; `false` when there was none with that id.
    ///
    /// # Errors
    /// A database failure.
    pub async fn delete_rule(&self, id: i64) -> Result<bool, StoreError> {
        self.sqlite().delete_rule(id).await
    }

    // ---- API tokens --------------------------------------------------------------------

    /// Stores a new API token (its hash); returns its id.
    ///
    /// # Errors
    /// A database failure.
    pub async fn insert_token(&self, token: NewApiToken) -> Result<i64, StoreError> {
        self.sqlite().insert_token(token).await
    }

    /// Revokes token `id` (only if `owner`'s, when given); whether there was one.
    ///
    /// # Errors
    /// A database failure.
    pub async fn delete_token(
        &self,
        id: i64,
        owner: Option<ModeratorId>,
    ) -> Result<bool, StoreError> {
        self.sqlite().delete_token(id, owner).await
    }

    /// Marks a token as used now.
    ///
    /// # Errors
    /// A database failure.
    pub async fn touch_token(&self, id: i64, at: i64) -> Result<(), StoreError> {
        self.sqlite().touch_token(id, at).await
    }

    /// The token with this hash, and whom it speaks for.
    ///
    /// # Errors
    /// A database failure.
    pub async fn find_token(
        &self,
        token_hash: String,
    ) -> Result<Option<ApiTokenOwner>, StoreError> {
        self.sqlite().find_token(token_hash).await
    }

    /// Every token (only `owner`'s, when given).
    ///
    /// # Errors
    /// A database failure.
    pub async fn list_tokens(
        &self,
        owner: Option<ModeratorId>,
    ) -> Result<Vec<ApiTokenRow>, StoreError> {
        self.sqlite().list_tokens(owner).await
    }

    /// Every rule.
    ///
    /// # Errors
    /// A database failure.
    pub async fn rules(&self) -> Result<Vec<Rule>, StoreError> {
        self.sqlite().rules().await
    }

    /// Stores a new session.
    ///
    /// # Errors
    /// A database failure.
    pub async fn start_session(&self, session: NewSession) -> Result<(), StoreError> {
        self.sqlite().start_session(session).await
    }

    /// The session with this token hash, with its moderator.
    ///
    /// # Errors
    /// A database failure.
    pub async fn find_session(
        &self,
        token_hash: String,
    ) -> Result<Option<SessionRecord>, StoreError> {
        self.sqlite().find_session(token_hash).await
    }

    /// Marks a session as used at `at`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn touch_session(&self, token_hash: String, at: i64) -> Result<(), StoreError> {
        self.sqlite().touch_session(token_hash, at).await
    }

    /// Ends one session.
    ///
    /// # Errors
    /// A database failure.
    pub async fn end_session(&self, token_hash: String) -> Result<(), StoreError> {
        self.sqlite().end_session(token_hash).await
    }

    /// Remembers what a session's last decision changed (JSON), for undo.
    ///
    /// # Errors
    /// A database failure.
    pub async fn set_undo(
        &self,
        token_hash: String,
        undo: Option<String>,
    ) -> Result<(), StoreError> {
        self.sqlite().set_undo(token_hash, undo).await
    }

    /// Counts a sign-in attempt before its password is checked, atomically: when every key
    /// has fewer than its limit of attempts since `since`, records one under each and returns
    /// `true`; else records nothing and returns `false`. Concurrent attempts cannot all pass.
    ///
    /// # Errors
    /// A database failure.
    pub async fn admit_attempt(
        &self,
        keys: Vec<(String, u32)>,
        at: i64,
        since: i64,
    ) -> Result<bool, StoreError> {
        self.sqlite().admit_attempt(keys, at, since).await
    }

    /// Forgets a successful attempt: every attempt under `clear`, and the latest under `one`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn forgive_attempt(&self, clear: String, one: String) -> Result<(), StoreError> {
        self.sqlite().forgive_attempt(clear, one).await
    }
}

//! The storage seam: reads and units of work, in domain types, behind one handle.
//!
//! No connection, transaction, row type or SQL string leaves this module. Reads are methods
//! of [`Store`]. Writes that carry a rule are units of work: a use case passes a function of
//! a [`Tx`] (primitive reads and writes, no decisions) to [`Store::write`], which runs it in
//! one transaction on the backend [`Store::open`] chose: SQLite ([`sqlite`]: one writer
//! thread with group commit, read-only WAL readers) or PostgreSQL ([`postgres`]: a pool,
//! writer lanes that batch units of work). The remaining small writes without a rule
//! (sessions, tokens, settings) are still one method each. SQL both backends speak alike is
//! in `sql`; the SQLite-to-PostgreSQL copy in [`copy`].

pub mod copy;
pub mod postgres;
mod sql;
pub mod sqlite;
mod work;

pub use postgres::{ModelRows, RetrainLock};
pub use work::{Tx, TxResult};

/// A log filter directive that keeps the database driver at info: at debug it logs every
/// statement's parameters (emails, comment text).
pub const QUIET_DRIVER_LOGS: &str = postgres::QUIET_DRIVER_LOGS;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::domain::{
    Agreement, ApiTokenOwner, ApiTokenRow, CommentContext, CommentId, Counts, KeyedSite,
    LabelledComment, LogEntry, ModComment, ModeratorCredentials, ModeratorId, ModeratorRow,
    NewApiToken, NewRule, NewSession, Order, PublicThread, QueueFilter, Rule, ScoringRow,
    SessionRecord, Site, SiteId, StoredVerdict, Submitted,
};
use crate::domain::{AkismetUsage, ArticlePolicy, DecisionRecord, NotifyChoice, Recipient};

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
    #[error("not available with this database: {0}")]
    NotHere(&'static str),
    /// Another writer got in the way (a deadlock, a serialisation failure, a unique key
    /// taken meanwhile). A PostgreSQL writer lane runs such a unit of work once more, alone,
    /// before it reports this.
    #[error("database conflict between writers")]
    Contended(#[source] Arc<dyn std::error::Error + Send + Sync>),
    #[error(
        "{0} exists but holds no Replyguard database (an interrupted backup or copy?): move it \
         away to start afresh, or restore a complete backup"
    )]
    NoSchema(String),
    /// The database server cannot be reached, is shutting down, or did not answer within
    /// the timeout: the request may be tried again later (HTTP 503).
    #[error("the database is unavailable")]
    Unavailable(#[source] Arc<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// What a statement or a wait that outlived the database timeout reports.
    pub(crate) fn timed_out(timeout: Duration) -> Self {
        StoreError::Unavailable(Arc::new(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("no answer within {} s", timeout.as_secs_f64()),
        )))
    }
}

/// A cheap, cloneable handle on the store.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Sqlite(Arc<sqlite::Sqlite>),
    Postgres(Arc<postgres::Postgres>),
}

/// Calls the same operation on whichever backend the store runs.
macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match &$self.backend {
            Backend::Sqlite(db) => db.$method($($arg),*).await,
            // A frozen server never answers, and the server's own statement timeout cannot
            // run then: the wait is bounded here too.
            Backend::Postgres(db) => tokio::time::timeout(db.timeout, db.$method($($arg),*))
                .await
                .unwrap_or_else(|_| Err(StoreError::timed_out(db.timeout))),
        }
    };
}

impl Store {
    /// Opens the database `url` names (`postgres://…`), or, without one, the SQLite file at
    /// `file` (created if needed); migrates it and starts its writer.
    ///
    /// # Errors
    /// [`StoreError`] when the database cannot be opened or a migration fails.
    /// `timeout` bounds each PostgreSQL statement and wait (`REPLYGUARD_DB_TIMEOUT_SECS`).
    pub fn open(url: Option<&str>, file: &Path, timeout: Duration) -> Result<Self, StoreError> {
        match url {
            Some(url) => Self::open_postgres(url, timeout),
            None => Self::open_sqlite(file),
        }
    }

    /// Opens (creating if needed) the SQLite database at `path`, applies pending migrations
    /// and starts its writer.
    ///
    /// # Errors
    /// [`StoreError`] when the file cannot be opened or a migration fails.
    fn open_sqlite(path: &Path) -> Result<Self, StoreError> {
        Ok(Self {
            backend: Backend::Sqlite(Arc::new(sqlite::Sqlite::open(path)?)),
        })
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://…`), applies pending
    /// migrations and keeps a pool of connections.
    ///
    /// # Errors
    /// [`StoreError`] when the server cannot be reached or a migration fails.
    fn open_postgres(url: &str, timeout: Duration) -> Result<Self, StoreError> {
        Ok(Self {
            backend: Backend::Postgres(Arc::new(postgres::Postgres::open(url, timeout)?)),
        })
    }

    /// Runs a unit of work (a use case's rule over [`Tx`] primitives) in one transaction and
    /// answers once that transaction has committed durably: on SQLite's writer thread, under
    /// a savepoint of its group commit; on PostgreSQL on a writer lane, in the lane's batch
    /// (rolled back and run alone if a batch-mate fails). `work` may therefore run more than
    /// once, so it reads what it needs instead of trusting what it saw before.
    ///
    /// # Errors
    /// The unit's own error, a failed commit, or a stopped writer.
    pub async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&mut dyn Tx) -> Result<T, StoreError> + Send + 'static,
    {
        self.run_unit(work, false).await
    }

    /// Like [`Store::write`], for a unit that takes locks ([`Tx::lock_keys`]): it runs in a
    /// transaction of its own, never in a batch with others (on PostgreSQL, whose writers
    /// could otherwise deadlock over two batches' locks).
    ///
    /// # Errors
    /// As [`Store::write`].
    pub async fn write_alone<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&mut dyn Tx) -> Result<T, StoreError> + Send + 'static,
    {
        self.run_unit(work, true).await
    }

    async fn run_unit<T, F>(&self, work: F, alone: bool) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&mut dyn Tx) -> Result<T, StoreError> + Send + 'static,
    {
        let (job, answer) = work::Call::boxed(work, alone);
        let sent = std::time::Instant::now();
        let answered = match &self.backend {
            Backend::Sqlite(db) => {
                db.run(job).await?;
                answer.await.map_err(|_| StoreError::WriterGone)?
            }
            Backend::Postgres(db) => {
                // Each statement of a lane is bounded by the timeout; the queue ahead of this
                // unit, a batch or two, by a few of them. The caller is told "unavailable",
                // never left waiting on a server that stopped answering.
                let wait = db.timeout * 3;
                let queued = async {
                    db.run(job).await?;
                    answer.await.map_err(|_| StoreError::WriterGone)
                };
                tokio::time::timeout(wait, queued)
                    .await
                    .unwrap_or_else(|_| Err(StoreError::timed_out(wait)))?
            }
        };
        crate::metrics::global()
            .commit
            .observe_duration(sent.elapsed());
        answered
    }

    /// The model archive in the database, which instances sharing it share; `None` for
    /// SQLite, whose models are files in the data directory.
    pub fn model_rows(&self) -> Option<ModelRows> {
        match &self.backend {
            Backend::Sqlite(_) => None,
            Backend::Postgres(db) => Some(postgres::ModelRows::new(Arc::clone(db))),
        }
    }

    /// Whether the database is the data directory's own file (SQLite), which this service
    /// backs up, rather than a server with its own tools.
    pub fn is_embedded(&self) -> bool {
        matches!(self.backend, Backend::Sqlite(_))
    }

    /// The schema version the database is at.
    ///
    /// # Errors
    /// A database failure.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        dispatch!(self.schema_version())
    }

    /// A trivial round trip through a reader: the database answers.
    ///
    /// # Errors
    /// A database failure.
    pub async fn ping(&self) -> Result<(), StoreError> {
        dispatch!(self.ping())
    }

    /// The database takes writes (an empty transaction through the writer).
    ///
    /// # Errors
    /// A database failure.
    pub async fn writable(&self) -> Result<(), StoreError> {
        dispatch!(self.writable())
    }

    /// Finishes every write, folds the WAL into the database and stops the writer: the last
    /// call of a process that is shutting down.
    ///
    /// # Errors
    /// A database failure.
    pub async fn close(&self) -> Result<(), StoreError> {
        dispatch!(self.close())
    }

    /// A consistent online copy of the database at `path`, synced to disk.
    ///
    /// # Errors
    /// A database or file system failure (the path exists, say), or a PostgreSQL database,
    /// which its own tools back up.
    pub async fn backup_to(&self, path: std::path::PathBuf) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(db) => db.backup_to(path).await,
            Backend::Postgres(_) => Err(StoreError::NotHere(
                "a PostgreSQL database is backed up with pg_dump or the server's own backups",
            )),
        }
    }

    /// A campaign's comments that are pending or in spam.
    ///
    /// # Errors
    /// A database failure.
    pub async fn campaign_members(
        &self,
        campaign: CommentId,
    ) -> Result<Vec<CommentId>, StoreError> {
        dispatch!(self.campaign_members(campaign))
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
        dispatch!(self.notify_settings(id))
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
        dispatch!(self.set_notify(id, email, choice))
    }

    /// Active moderators who chose `choice` and gave an address.
    ///
    /// # Errors
    /// A database failure.
    pub async fn recipients(&self, choice: NotifyChoice) -> Result<Vec<Recipient>, StoreError> {
        dispatch!(self.recipients(choice))
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
        dispatch!(self.pending_since(after, limit))
    }

    /// Records when a moderator's digest was sent.
    ///
    /// # Errors
    /// A database failure.
    pub async fn set_digest_sent(&self, id: ModeratorId, at: i64) -> Result<(), StoreError> {
        dispatch!(self.set_digest_sent(id, at))
    }

    // ---- Akismet-compatible API ----------------------------------------------------------

    /// A site's id and its API key's generation, by origin.
    ///
    /// # Errors
    /// A database failure.
    pub async fn key_state(&self, origin: String) -> Result<Option<(SiteId, i64)>, StoreError> {
        dispatch!(self.key_state(origin))
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
        dispatch!(self.set_site_key(site, generation, hash))
    }

    /// The site whose API key hashes to `hash`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn find_site_by_key(&self, hash: String) -> Result<Option<KeyedSite>, StoreError> {
        dispatch!(self.find_site_by_key(hash))
    }

    /// Whether comment-checks for `origin` are filed in the queue; whether the site exists.
    ///
    /// # Errors
    /// A database failure.
    /// A site's Akismet usage in `month` (`YYYY-MM`).
    ///
    /// # Errors
    /// A database failure.
    pub async fn akismet_usage(
        &self,
        site: SiteId,
        month: String,
    ) -> Result<AkismetUsage, StoreError> {
        dispatch!(self.akismet_usage(site, month))
    }

    /// The moderation policy of the article at `url` on the site at `origin`; `None` when
    /// no such site is registered.
    ///
    /// # Errors
    /// A database failure.
    pub async fn article_policy(
        &self,
        origin: String,
        url: String,
    ) -> Result<Option<ArticlePolicy>, StoreError> {
        dispatch!(self.article_policy(origin, url))
    }

    /// Every decision logged in `[since, until)`, oldest first.
    ///
    /// # Errors
    /// A database failure.
    pub async fn decisions(
        &self,
        since: i64,
        until: i64,
    ) -> Result<Vec<DecisionRecord>, StoreError> {
        dispatch!(self.decisions(since, until))
    }

    /// A comment's reports, oldest first.
    ///
    /// # Errors
    /// A database failure.
    pub async fn reports_of(
        &self,
        id: crate::domain::CommentId,
    ) -> Result<Vec<crate::domain::ReportRecord>, StoreError> {
        dispatch!(self.reports_of(id))
    }

    /// Every site with its moderation settings, by origin.
    ///
    /// # Errors
    /// A database failure.
    pub async fn site_settings(&self) -> Result<Vec<crate::domain::SiteSettings>, StoreError> {
        dispatch!(self.site_settings())
    }

    /// The authors of comments, each given by the comment's id and the keyed hash of its
    /// email (by which trust and lists know them): their records on the comments' sites, in
    /// order, in one read (a queue page asks for 25).
    ///
    /// # Errors
    /// A database failure.
    pub async fn commenters(
        &self,
        authors: Vec<(crate::domain::CommentId, String)>,
    ) -> Result<Vec<Option<crate::domain::CommenterRecord>>, StoreError> {
        dispatch!(self.commenters(authors))
    }

    /// One page of the comments by the author of comment `id` on its site, newest first,
    /// and how many there are.
    ///
    /// # Errors
    /// A database failure.
    pub async fn commenter_comments(
        &self,
        id: crate::domain::CommentId,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<ModComment>, u64), StoreError> {
        dispatch!(self.commenter_comments(id, limit, offset))
    }

    /// One page of the comments with reports no moderator has judged yet, most reported
    /// first, with how many each has; and how many there are.
    ///
    /// # Errors
    /// A database failure.
    pub async fn reported(
        &self,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<(crate::domain::CommentId, u32)>, u64), StoreError> {
        dispatch!(self.reported(limit, offset))
    }

    /// Whether instances may share this database (PostgreSQL): limits that must hold
    /// across them are then kept in it rather than in each process's memory.
    pub fn is_shared(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    pub async fn set_store_checked(&self, origin: String, on: bool) -> Result<bool, StoreError> {
        dispatch!(self.set_store_checked(origin, on))
    }

    // ---- personal data -------------------------------------------------------------------

    /// Clears the addresses, user agents and referrers of comments older than `cutoff`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn purge_before(&self, cutoff: i64) -> Result<u64, StoreError> {
        dispatch!(self.purge_before(cutoff))
    }

    /// Up to `limit` comments still holding a whole address.
    ///
    /// # Errors
    /// A database failure.
    pub async fn whole_addresses(
        &self,
        limit: u32,
    ) -> Result<Vec<(CommentId, String)>, StoreError> {
        dispatch!(self.whole_addresses(limit))
    }

    /// Replaces whole addresses with `(network, keyed hash)`, or clears them (`None`).
    ///
    /// # Errors
    /// A database failure.
    pub async fn set_addresses(
        &self,
        rows: Vec<(CommentId, Option<(String, String)>)>,
    ) -> Result<(), StoreError> {
        dispatch!(self.set_addresses(rows))
    }

    /// Every comment sent with this email address.
    ///
    /// # Errors
    /// A database failure.
    pub async fn comments_of(&self, email: String) -> Result<Vec<CommentId>, StoreError> {
        dispatch!(self.comments_of(email))
    }

    /// Every reply subscription of the address with this keyed hash, oldest first.
    ///
    /// # Errors
    /// A database failure.
    pub async fn reply_subscriptions_of(
        &self,
        email_key: String,
    ) -> Result<Vec<crate::domain::ReplySubscriptionRecord>, StoreError> {
        dispatch!(self.reply_subscriptions_of(email_key))
    }

    /// Makes what units of work overwrote unreadable on disk too (an erasure's old text):
    /// SQLite folds its WAL into the database file and truncates it; PostgreSQL's own
    /// maintenance does this for its files.
    ///
    /// # Errors
    /// A database failure.
    pub async fn forget_overwritten(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(db) => db.checkpoint().await,
            Backend::Postgres(_) => Ok(()),
        }
    }

    /// How many comments are in each status.
    ///
    /// # Errors
    /// A database failure.
    /// When the oldest comment still pending arrived (unix milliseconds), if any is.
    ///
    /// # Errors
    /// A database failure.
    /// The articles with the most comments waiting, most first, with how many.
    ///
    /// # Errors
    /// A database failure.
    pub async fn waiting_by_article(&self, limit: u32) -> Result<Vec<(String, u64)>, StoreError> {
        dispatch!(self.waiting_by_article(limit))
    }

    /// Moderators' decisions logged since `since` (unix ms), newest first.
    ///
    /// # Errors
    /// A database failure.
    pub async fn recent_decisions(
        &self,
        since: i64,
        limit: u32,
    ) -> Result<Vec<crate::domain::RecentDecision>, StoreError> {
        dispatch!(self.recent_decisions(since, limit))
    }

    pub async fn oldest_pending(&self) -> Result<Option<i64>, StoreError> {
        dispatch!(self.oldest_pending())
    }

    pub async fn count_by_status(
        &self,
    ) -> Result<std::collections::HashMap<crate::domain::CommentStatus, u64>, StoreError> {
        dispatch!(self.count_by_status())
    }

    // ---- sites -------------------------------------------------------------------------

    /// Registers `origin` or renames it; idempotent.
    ///
    /// # Errors
    /// A database failure.
    pub async fn upsert_site(&self, origin: String, name: String) -> Result<SiteId, StoreError> {
        dispatch!(self.upsert_site(origin, name))
    }

    /// Every registered site.
    ///
    /// # Errors
    /// A database failure.
    pub async fn list_sites(&self) -> Result<Vec<Site>, StoreError> {
        dispatch!(self.list_sites())
    }

    /// The site registered for `origin`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn site_by_origin(&self, origin: String) -> Result<Option<SiteId>, StoreError> {
        dispatch!(self.site_by_origin(origin))
    }

    // ---- comments ----------------------------------------------------------------------

    /// The submission stored under a (scoped) idempotency key, if any.
    ///
    /// # Errors
    /// A database failure.
    pub async fn find_by_idempotency_key(
        &self,
        key: String,
    ) -> Result<Option<Submitted>, StoreError> {
        dispatch!(self.find_by_idempotency_key(key))
    }

    /// The approved comments of the thread at `url`, oldest first, with their version.
    ///
    /// # Errors
    /// A database failure.
    pub async fn list_public(&self, url: String) -> Result<PublicThread, StoreError> {
        dispatch!(self.list_public(url))
    }

    /// The public version of the thread at `url` (see [`PublicThread`]), if it exists.
    ///
    /// # Errors
    /// A database failure.
    pub async fn thread_version(&self, url: String) -> Result<Option<i64>, StoreError> {
        dispatch!(self.thread_version(url))
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
        dispatch!(self.list_by_status(status, order, limit, offset))
    }

    /// Everything stored about comment `id`, with its moderation log.
    ///
    /// # Errors
    /// A database failure.
    pub async fn find_for_moderation(
        &self,
        id: CommentId,
    ) -> Result<Option<(ModComment, Vec<LogEntry>)>, StoreError> {
        dispatch!(self.find_for_moderation(id))
    }

    /// Comment `id` with its parent, thread, the author's other comments and its history.
    ///
    /// # Errors
    /// A database failure.
    pub async fn comment_context(
        &self,
        id: CommentId,
    ) -> Result<Option<CommentContext>, StoreError> {
        dispatch!(self.comment_context(id))
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
        dispatch!(self.list_queue(filter, limit, offset))
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
        dispatch!(self.list_pending_for_scoring(after, limit))
    }

    /// Replaces the filter's verdicts on these comments (statuses are left alone).
    ///
    /// # Errors
    /// A database failure.
    pub async fn set_verdicts(
        &self,
        verdicts: Vec<(CommentId, StoredVerdict)>,
    ) -> Result<(), StoreError> {
        dispatch!(self.set_verdicts(verdicts))
    }

    // ---- labels ------------------------------------------------------------------------

    /// Every current label, oldest first (ties by comment id).
    ///
    /// # Errors
    /// A database failure.
    pub async fn list_labels(&self) -> Result<Vec<LabelledComment>, StoreError> {
        dispatch!(self.list_labels())
    }

    /// How many labels were given after `at` (unix ms).
    ///
    /// # Errors
    /// A database failure.
    pub async fn count_labels_since(&self, at: i64) -> Result<u64, StoreError> {
        dispatch!(self.count_labels_since(at))
    }

    /// The filter's scores at decision time against moderators' labels, at `threshold`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn agreement(&self, threshold: f64) -> Result<Agreement, StoreError> {
        dispatch!(self.agreement(threshold))
    }

    // ---- moderators and sessions -------------------------------------------------------

    /// What is needed to check `name`'s password.
    ///
    /// # Errors
    /// A database failure.
    pub async fn find_moderator(
        &self,
        name: String,
    ) -> Result<Option<ModeratorCredentials>, StoreError> {
        dispatch!(self.find_moderator(name))
    }

    /// Every moderator account.
    ///
    /// # Errors
    /// A database failure.
    pub async fn list_moderators(&self) -> Result<Vec<ModeratorRow>, StoreError> {
        dispatch!(self.list_moderators())
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
        dispatch!(self.add_rule(rule, by, at))
    }

    /// Removes a rule; `false` when there was none with that id.
    ///
    /// # Errors
    /// A database failure.
    pub async fn delete_rule(&self, id: i64) -> Result<bool, StoreError> {
        dispatch!(self.delete_rule(id))
    }

    // ---- API tokens --------------------------------------------------------------------

    /// Stores a new API token (its hash); returns its id.
    ///
    /// # Errors
    /// A database failure.
    pub async fn insert_token(&self, token: NewApiToken) -> Result<i64, StoreError> {
        dispatch!(self.insert_token(token))
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
        dispatch!(self.delete_token(id, owner))
    }

    /// Marks a token as used now.
    ///
    /// # Errors
    /// A database failure.
    pub async fn touch_token(&self, id: i64, at: i64) -> Result<(), StoreError> {
        dispatch!(self.touch_token(id, at))
    }

    /// The token with this hash, and whom it speaks for.
    ///
    /// # Errors
    /// A database failure.
    pub async fn find_token(
        &self,
        token_hash: String,
    ) -> Result<Option<ApiTokenOwner>, StoreError> {
        dispatch!(self.find_token(token_hash))
    }

    /// Every token (only `owner`'s, when given).
    ///
    /// # Errors
    /// A database failure.
    pub async fn list_tokens(
        &self,
        owner: Option<ModeratorId>,
    ) -> Result<Vec<ApiTokenRow>, StoreError> {
        dispatch!(self.list_tokens(owner))
    }

    /// Every rule.
    ///
    /// # Errors
    /// A database failure.
    pub async fn rules(&self) -> Result<Vec<Rule>, StoreError> {
        dispatch!(self.rules())
    }

    /// Stores a new session.
    ///
    /// # Errors
    /// A database failure.
    pub async fn start_session(&self, session: NewSession) -> Result<(), StoreError> {
        dispatch!(self.start_session(session))
    }

    /// The session with this token hash, with its moderator.
    ///
    /// # Errors
    /// A database failure.
    pub async fn find_session(
        &self,
        token_hash: String,
    ) -> Result<Option<SessionRecord>, StoreError> {
        dispatch!(self.find_session(token_hash))
    }

    /// Marks a session as used at `at`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn touch_session(&self, token_hash: String, at: i64) -> Result<(), StoreError> {
        dispatch!(self.touch_session(token_hash, at))
    }

    /// Ends one session.
    ///
    /// # Errors
    /// A database failure.
    pub async fn end_session(&self, token_hash: String) -> Result<(), StoreError> {
        dispatch!(self.end_session(token_hash))
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
        dispatch!(self.set_undo(token_hash, undo))
    }

    /// Forgets a successful attempt: every attempt under `clear`, and the latest under `one`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn forgive_attempt(&self, clear: String, one: String) -> Result<(), StoreError> {
        dispatch!(self.forgive_attempt(clear, one))
    }
}

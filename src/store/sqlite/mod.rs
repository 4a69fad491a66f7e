//! The SQLite backend: one writer thread with group commit, read-only WAL readers.
//!
//! Every write is a value ([`writer::Op`]) sent to the one writer: a use case's unit of work
//! (run over `work::SqliteTx`, the [`crate::store::Tx`] primitives) or one of a few small
//! writes of its own. The writer applies whatever is waiting in one transaction, each under
//! its own savepoint, and answers each caller once the commit is on disk. Reads run on
//! tokio's blocking pool with pooled read-only connections: in WAL mode they never wait for
//! the writer. All of this backend's SQL lives in this folder; no rule does.

pub mod commenters;
pub mod comments;
pub mod dashboard;
pub mod guard;
pub mod labels;
pub mod migrations;
pub mod moderators;
pub mod notify;
pub mod privacy;
pub mod replies;
pub mod sites;
pub mod tokens;
mod work;
pub mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

pub(crate) use super::StoreError as DbError;
use crate::domain::{
    Agreement, AkismetUsage, ApiTokenOwner, ApiTokenRow, ArticlePolicy, CommentContext, CommentId,
    CommentStatus, Counts, DecisionRecord, KeyedSite, LabelledComment, LogEntry, ModComment,
    ModeratorCredentials, ModeratorId, ModeratorRow, NewApiToken, NewRule, NewSession, Order,
    PublicThread, QueueFilter, Rule, ScoringRow, SessionRecord, Site, SiteId, StoredVerdict,
    Submitted,
};
use crate::domain::{NotifyChoice, Recipient};
use crate::store::work::Job;
use writer::{Op, Writer};

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError::Backend(Arc::new(e))
    }
}

/// Read connections kept open between requests; more are opened on demand.
const IDLE_READERS: usize = 8;
/// Reads running at once at most (each holds a connection and a blocking thread). Without
/// a bound, a burst of 100 concurrent requests opened 100 connections and threads and took
/// the service past 256 MB (`tests/api/hardening.rs`); reads are short, so the rest queue.
const MAX_READERS: usize = 16;

/// The SQLite database: its writer and a pool of readers.
pub struct Sqlite {
    path: PathBuf,
    writer: Writer,
    /// `std` mutex, not tokio's: held only to push or pop, never across an `.await`.
    idle: Mutex<Vec<Connection>>,
    /// Permits for [`MAX_READERS`] reads at once.
    readers: tokio::sync::Semaphore,
}

impl Sqlite {
    /// Opens (creating) the database, migrates it and starts the writer thread.
    ///
    /// # Errors
    /// The file cannot be opened, or a migration fails.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let existed = path.exists();
        let mut conn = open_writer_connection(path)?;
        // A file that was there but never got a schema is not a new database: an
        // interrupted backup or copy, say. Migrating it would serve an empty service from
        // a directory the operator believes holds their comments.
        if existed && migrations::version(&conn)? == 0 {
            return Err(DbError::NoSchema(path.display().to_string()));
        }
        if migrations::migrate(&mut conn)? > 0 {
            // A migration may rewrite a table's definition in place (0015); a new
            // connection parses the schema as it now is.
            drop(conn);
            conn = open_writer_connection(path)?;
        }
        Ok(Self {
            path: path.to_owned(),
            writer: Writer::start(conn, writer::Limits::default())?,
            idle: Mutex::new(Vec::new()),
            readers: tokio::sync::Semaphore::new(MAX_READERS),
        })
    }

    /// Runs `f` with a read-only connection on tokio's blocking pool.
    async fn read<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self
            .readers
            .acquire()
            .await
            .map_err(|_| DbError::Cancelled)?;
        let pooled = self.idle().pop();
        let path = self.path.clone();
        let (conn, result) = tokio::task::spawn_blocking(move || {
            let conn = match pooled {
                Some(conn) => conn,
                None => match open_reader_connection(&path) {
                    Ok(conn) => conn,
                    Err(e) => return (None, Err(e)),
                },
            };
            let result = f(&conn);
            (Some(conn), result)
        })
        .await
        .map_err(|_| DbError::Cancelled)?;
        if let Some(conn) = conn {
            let mut idle = self.idle();
            if idle.len() < IDLE_READERS {
                idle.push(conn);
            }
        }
        result
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        // A panic while holding the lock leaves only a Vec of connections behind: still valid.
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub async fn schema_version(&self) -> Result<i64, DbError> {
        self.read(|c| Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))?))
            .await
    }

    pub async fn ping(&self) -> Result<(), DbError> {
        self.read(|c| Ok(c.query_row("SELECT 1", [], |_| Ok(()))?))
            .await
    }

    pub async fn purge_before(&self, cutoff: i64) -> Result<u64, DbError> {
        self.writer
            .call(|reply| Op::PurgeBefore { cutoff, reply })
            .await
    }

    pub async fn whole_addresses(&self, limit: u32) -> Result<Vec<(CommentId, String)>, DbError> {
        self.read(move |c| privacy::whole_addresses(c, limit)).await
    }

    pub async fn set_addresses(
        &self,
        rows: Vec<(CommentId, Option<(String, String)>)>,
    ) -> Result<(), DbError> {
        self.writer
            .call(|reply| Op::SetAddresses { rows, reply })
            .await
    }

    pub async fn comments_of(&self, email: String) -> Result<Vec<CommentId>, DbError> {
        self.read(move |c| privacy::comments_of(c, &email)).await
    }

    pub async fn reply_subscriptions_of(
        &self,
        email_key: String,
    ) -> Result<Vec<crate::domain::ReplySubscriptionRecord>, DbError> {
        self.read(move |c| replies::subscriptions_of(c, &email_key))
            .await
    }

    pub async fn key_state(&self, origin: String) -> Result<Option<(SiteId, i64)>, DbError> {
        self.read(move |c| sites::key_state(c, &origin)).await
    }

    pub async fn set_site_key(
        &self,
        site: SiteId,
        generation: i64,
        hash: String,
    ) -> Result<(), DbError> {
        self.writer
            .call(|reply| Op::SetSiteKey {
                site,
                generation,
                hash,
                reply,
            })
            .await
    }

    pub async fn find_site_by_key(&self, hash: String) -> Result<Option<KeyedSite>, DbError> {
        self.read(move |c| sites::find_by_key(c, &hash)).await
    }

    pub async fn reports_of(
        &self,
        id: CommentId,
    ) -> Result<Vec<crate::domain::ReportRecord>, DbError> {
        self.read(move |c| sites::reports_of(c, id)).await
    }

    pub async fn commenters(
        &self,
        authors: Vec<(CommentId, String)>,
    ) -> Result<Vec<Option<crate::domain::CommenterRecord>>, DbError> {
        self.read(move |c| {
            authors
                .iter()
                .map(|(id, email_key)| commenters::commenter(c, *id, email_key))
                .collect()
        })
        .await
    }

    pub async fn commenter_comments(
        &self,
        id: CommentId,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<ModComment>, u64), DbError> {
        self.read(move |c| commenters::commenter_comments(c, id, limit, offset))
            .await
    }

    pub async fn site_settings(&self) -> Result<Vec<crate::domain::SiteSettings>, DbError> {
        self.read(sites::site_settings).await
    }

    pub async fn reported(
        &self,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<(CommentId, u32)>, u64), DbError> {
        self.read(move |c| sites::reported(c, limit, offset)).await
    }

    pub async fn decisions(&self, since: i64, until: i64) -> Result<Vec<DecisionRecord>, DbError> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT l.comment_id, t.url, l.action, l.reason, m.name, l.created_at
                 FROM mod_log l
                 JOIN comments c ON c.id = l.comment_id
                 JOIN threads t ON t.id = c.thread_id
                 LEFT JOIN moderators m ON m.id = l.moderator_id
                 WHERE l.created_at >= ?1 AND l.created_at < ?2 AND l.action <> 'erase'
                 ORDER BY l.id",
            )?;
            let rows = stmt.query_map(rusqlite::params![since, until], |row| {
                Ok(DecisionRecord {
                    comment_id: row.get(0)?,
                    article: row.get(1)?,
                    action: row.get(2)?,
                    reason: row.get(3)?,
                    moderator: row.get(4)?,
                    at: crate::domain::Timestamp(row.get(5)?),
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    pub async fn article_policy(
        &self,
        origin: String,
        url: String,
    ) -> Result<Option<ArticlePolicy>, DbError> {
        self.read(move |c| {
            let Some(site) = sites::find_site_by_origin(c, &origin)? else {
                return Ok(None);
            };
            let thread = comments::thread_id(c, &url)?;
            sites::article_policy(c, site, thread).map(Some)
        })
        .await
    }

    pub async fn akismet_usage(
        &self,
        site: SiteId,
        month: String,
    ) -> Result<AkismetUsage, DbError> {
        self.read(move |c| sites::akismet_usage(c, site, &month))
            .await
    }

    pub async fn set_store_checked(&self, origin: String, on: bool) -> Result<bool, DbError> {
        self.writer
            .call(|reply| Op::SetStoreChecked { origin, on, reply })
            .await
    }

    pub async fn notify_settings(
        &self,
        id: ModeratorId,
    ) -> Result<Option<(Option<String>, NotifyChoice)>, DbError> {
        self.read(move |c| notify::settings(c, id)).await
    }

    pub async fn set_notify(
        &self,
        id: ModeratorId,
        email: Option<String>,
        choice: NotifyChoice,
    ) -> Result<(), DbError> {
        self.writer
            .call(|reply| Op::SetNotify {
                id,
                email,
                choice,
                reply,
            })
            .await
    }

    pub async fn recipients(&self, choice: NotifyChoice) -> Result<Vec<Recipient>, DbError> {
        self.read(move |c| notify::recipients(c, choice)).await
    }

    pub async fn pending_since(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<(Vec<ModComment>, u64), DbError> {
        self.read(move |c| notify::pending_since(c, after, limit))
            .await
    }

    pub async fn set_digest_sent(&self, id: ModeratorId, at: i64) -> Result<(), DbError> {
        self.writer
            .call(|reply| Op::SetDigestSent { id, at, reply })
            .await
    }

    pub async fn campaign_members(&self, campaign: CommentId) -> Result<Vec<CommentId>, DbError> {
        self.read(move |c| comments::campaign_members(c, campaign))
            .await
    }

    /// Sends a unit of work to the writer; its answer goes to the job's own channel.
    pub(crate) async fn run(&self, job: Box<dyn Job>) -> Result<(), DbError> {
        self.writer.send(Op::Work(job)).await
    }

    /// Folds the WAL into the database file and truncates it: pages overwritten since (an
    /// erasure's old text) are gone from the disk, not only from the tables.
    pub async fn checkpoint(&self) -> Result<(), DbError> {
        self.writer.call(|reply| Op::Checkpoint { reply }).await
    }

    /// The writer can begin and commit a transaction.
    pub async fn writable(&self) -> Result<(), DbError> {
        self.writer.call(|reply| Op::Ping { reply }).await
    }

    /// Checkpoints the WAL and stops the writer; later writes fail with `WriterGone`.
    pub async fn close(&self) -> Result<(), DbError> {
        self.writer.call(|reply| Op::Close { reply }).await
    }

    /// A consistent copy of the whole database at `path` (which must not exist), taken in
    /// one read transaction while writes go on, and synced to disk.
    pub async fn backup_to(&self, path: PathBuf) -> Result<(), DbError> {
        let target = path.clone();
        self.read(move |c| {
            c.execute("VACUUM INTO ?1", [target.to_string_lossy().as_ref()])?;
            Ok(())
        })
        .await?;
        std::fs::File::open(&path)
            .and_then(|f| f.sync_all())
            .map_err(|e| DbError::Backend(Arc::new(e)))
    }

    pub async fn waiting_by_article(&self, limit: u32) -> Result<Vec<(String, u64)>, DbError> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT t.url, COUNT(*) AS n FROM comments c JOIN threads t ON t.id = c.thread_id
                 WHERE c.status = 'pending' GROUP BY t.id ORDER BY n DESC, t.id LIMIT ?1",
            )?;
            let rows = stmt.query_map([limit], |row| {
                Ok((
                    row.get(0)?,
                    u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
                ))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    pub async fn recent_decisions(
        &self,
        since: i64,
        limit: u32,
    ) -> Result<Vec<crate::domain::RecentDecision>, DbError> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT l.comment_id, m.name, l.action, l.created_at FROM mod_log l
                 JOIN moderators m ON m.id = l.moderator_id
                 WHERE l.created_at >= ?1 ORDER BY l.id DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(rusqlite::params![since, limit], |row| {
                Ok(crate::domain::RecentDecision {
                    comment: CommentId(row.get(0)?),
                    moderator: row.get(1)?,
                    action: row.get(2)?,
                    at: crate::domain::Timestamp(row.get(3)?),
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    pub async fn oldest_pending(&self) -> Result<Option<i64>, DbError> {
        self.read(|c| {
            // The oldest by id, which the status index reads at once (a scan of a flooded
            // queue on every scrape would not do); imports keep older dates, near enough.
            Ok(c.prepare_cached(
                "SELECT created_at FROM comments WHERE status = 'pending' ORDER BY id LIMIT 1",
            )?
            .query_row([], |row| row.get(0))
            .optional()?)
        })
        .await
    }

    pub async fn count_by_status(&self) -> Result<HashMap<CommentStatus, u64>, DbError> {
        self.read(dashboard::count_by_status).await
    }

    pub async fn upsert_site(&self, origin: String, name: String) -> Result<SiteId, DbError> {
        self.writer
            .call(|reply| Op::UpsertSite {
                origin,
                name,
                reply,
            })
            .await
    }

    pub async fn site_by_origin(&self, origin: String) -> Result<Option<SiteId>, DbError> {
        self.read(move |c| sites::find_site_by_origin(c, &origin))
            .await
    }

    pub async fn list_sites(&self) -> Result<Vec<Site>, DbError> {
        self.read(sites::list_sites).await
    }

    pub async fn find_by_idempotency_key(&self, key: String) -> Result<Option<Submitted>, DbError> {
        self.read(move |c| comments::find_by_idempotency_key(c, &key))
            .await
    }

    pub async fn list_public(&self, url: String) -> Result<PublicThread, DbError> {
        self.read(move |c| {
            // One read transaction: the version names exactly this set of comments.
            c.execute_batch("BEGIN")?;
            let result = (|| {
                Ok(PublicThread {
                    version: comments::thread_version(c, &url)?.unwrap_or(0),
                    comments: comments::list_public(c, &url)?,
                })
            })();
            c.execute_batch("COMMIT")?;
            result
        })
        .await
    }

    pub async fn thread_version(&self, url: String) -> Result<Option<i64>, DbError> {
        // One lookup by a unique index, asked on every public listing: on the calling thread,
        // because the hop to the blocking pool costs more than the read itself (a warm
        // index lookup). A read-only WAL reader never waits for the writer.
        let conn = match self.idle().pop() {
            Some(conn) => conn,
            None => open_reader_connection(&self.path)?,
        };
        let result = comments::thread_version(&conn, &url);
        let mut idle = self.idle();
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
        result
    }

    pub async fn list_by_status(
        &self,
        status: CommentStatus,
        order: Order,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<ModComment>, u64), DbError> {
        self.read(move |c| comments::list_by_status(c, status, order, limit, offset))
            .await
    }

    pub async fn find_for_moderation(
        &self,
        id: CommentId,
    ) -> Result<Option<(ModComment, Vec<LogEntry>)>, DbError> {
        self.read(move |c| {
            let Some(comment) = comments::find_for_moderation(c, id)? else {
                return Ok(None);
            };
            Ok(Some((comment, comments::list_log(c, id)?)))
        })
        .await
    }

    pub async fn comment_context(&self, id: CommentId) -> Result<Option<CommentContext>, DbError> {
        self.read(move |c| {
            let Some(comment) = comments::find_for_moderation(c, id)? else {
                return Ok(None);
            };
            let parent = match comment.parent {
                Some(p) => comments::find_for_moderation(c, p)?,
                None => None,
            };
            Ok(Some(CommentContext {
                comment,
                parent,
                thread: dashboard::list_thread_of(c, id)?,
                by_author: dashboard::list_by_same_author(c, id)?,
                log: comments::list_log(c, id)?,
            }))
        })
        .await
    }

    pub async fn list_queue(
        &self,
        filter: QueueFilter,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<ModComment>, u64, Counts), DbError> {
        self.read(move |c| {
            // One read transaction: the page, its total and the tabs' counts agree.
            c.execute_batch("BEGIN")?;
            let result = (|| {
                let (rows, total) = dashboard::list_queue(c, &filter, limit, offset)?;
                Ok((rows, total, dashboard::count_by_status(c)?))
            })();
            c.execute_batch("COMMIT")?;
            result
        })
        .await
    }

    pub async fn list_pending_for_scoring(
        &self,
        after: CommentId,
        limit: u32,
    ) -> Result<Vec<ScoringRow>, DbError> {
        self.read(move |c| comments::list_pending_for_scoring(c, after.0, limit))
            .await
    }

    pub async fn set_verdicts(
        &self,
        verdicts: Vec<(CommentId, StoredVerdict)>,
    ) -> Result<(), DbError> {
        self.writer
            .call(|reply| Op::SetVerdicts { verdicts, reply })
            .await
    }

    pub async fn list_labels(&self) -> Result<Vec<LabelledComment>, DbError> {
        self.read(labels::list_labels).await
    }

    pub async fn count_labels_since(&self, at: i64) -> Result<u64, DbError> {
        self.read(move |c| labels::count_labels_since(c, at)).await
    }

    pub async fn agreement(&self, threshold: f64) -> Result<Agreement, DbError> {
        self.read(move |c| dashboard::agreement(c, threshold)).await
    }

    pub async fn find_moderator(
        &self,
        name: String,
    ) -> Result<Option<ModeratorCredentials>, DbError> {
        self.read(move |c| moderators::find_moderator(c, &name))
            .await
    }

    pub async fn list_moderators(&self) -> Result<Vec<ModeratorRow>, DbError> {
        self.read(dashboard::list_moderators).await
    }

    pub async fn add_rule(&self, rule: NewRule, by: ModeratorId, at: i64) -> Result<bool, DbError> {
        self.writer
            .call(|reply| Op::AddRule {
                rule,
                by,
                at,
                reply,
            })
            .await
    }

    pub async fn delete_rule(&self, id: i64) -> Result<bool, DbError> {
        self.writer.call(|reply| Op::DeleteRule { id, reply }).await
    }

    pub async fn insert_token(&self, token: NewApiToken) -> Result<i64, DbError> {
        self.writer
            .call(|reply| Op::InsertToken { token, reply })
            .await
    }

    pub async fn delete_token(&self, id: i64, owner: Option<ModeratorId>) -> Result<bool, DbError> {
        self.writer
            .call(|reply| Op::DeleteToken { id, owner, reply })
            .await
    }

    pub async fn touch_token(&self, id: i64, at: i64) -> Result<(), DbError> {
        self.writer
            .call(|reply| Op::TouchToken { id, at, reply })
            .await
    }

    pub async fn find_token(&self, token_hash: String) -> Result<Option<ApiTokenOwner>, DbError> {
        self.read(move |c| tokens::find_token(c, &token_hash)).await
    }

    pub async fn list_tokens(
        &self,
        owner: Option<ModeratorId>,
    ) -> Result<Vec<ApiTokenRow>, DbError> {
        self.read(move |c| tokens::list_tokens(c, owner)).await
    }

    pub async fn rules(&self) -> Result<Vec<Rule>, DbError> {
        self.read(guard::list_rules).await
    }

    pub async fn start_session(&self, session: NewSession) -> Result<(), DbError> {
        self.writer
            .call(|reply| Op::StartSession { session, reply })
            .await
    }

    pub async fn find_session(&self, token_hash: String) -> Result<Option<SessionRecord>, DbError> {
        self.read(move |c| dashboard::find_session(c, &token_hash))
            .await
    }

    pub async fn touch_session(&self, token_hash: String, at: i64) -> Result<(), DbError> {
        self.writer
            .call(|reply| Op::TouchSession {
                token_hash,
                at,
                reply,
            })
            .await
    }

    pub async fn end_session(&self, token_hash: String) -> Result<(), DbError> {
        self.writer
            .call(|reply| Op::EndSession { token_hash, reply })
            .await
    }

    pub async fn set_undo(&self, token_hash: String, undo: Option<String>) -> Result<(), DbError> {
        self.writer
            .call(|reply| Op::SetUndo {
                token_hash,
                undo,
                reply,
            })
            .await
    }

    pub async fn forgive_attempt(&self, clear: String, one: String) -> Result<(), DbError> {
        self.writer
            .call(|reply| Op::ForgiveAttempt { clear, one, reply })
            .await
    }
}

/// The writer's connection.
///
/// `synchronous=NORMAL`: the commit itself does not sync the WAL; the writer's sync thread
/// does, before anyone is answered (see [`writer`]), so an acknowledged comment survives a
/// power cut, not only a crash of the process, and one fsync serves a whole batch.
pub(crate) fn open_writer_connection(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // Another process (a CLI command next to the service) may hold the write lock briefly.
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // The checkpoints SQLite runs itself stay: they sync the WAL and then the database file.
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // 16 MiB of pages for the writer (SQLite's default is 2 MiB): the index pages that
    // inserts touch stay in memory instead of being read back from the file.
    conn.pragma_update(None, "cache_size", -16_384)?;
    // Text a row no longer holds (an erased comment, a revoked token) is overwritten with
    // zeros, not left in a free page for anyone with the file to read.
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(conn)
}

/// A read-only connection: in WAL mode it reads the last commit and never blocks the writer.
fn open_reader_connection(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(conn)
}

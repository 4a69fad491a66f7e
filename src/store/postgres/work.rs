//! Units of work on PostgreSQL: [`Tx`] over a writer lane's connection, and the lanes that
//! run units of work in batches, one commit per batch.
//!
//! A lane is a thread with a connection of its own: it takes what is waiting (up to
//! [`MAX_BATCH`]), begins a transaction, runs each unit and commits once, with
//! `synchronous_commit = on`, before any caller of the batch is answered. A unit that fails
//! rolls the batch back, and then each unit of it runs alone, so that a failure stays its
//! own unit's. Several lanes run at once, so a slow batch does not hold up the others.
//!
//! Each primitive blocks the lane for its one statement, on a single-threaded runtime that
//! drives the lane's own connection: a round trip wakes no other thread. (With pooled
//! connections, whose sockets the process's I/O runtime drives, every statement crossed
//! threads twice; see BENCHMARKS.md.)
//!
//! Why batches: one commit per submission spent most of the server's CPU on commits
//! (BENCHMARKS.md, `bench/postgres.sh`); one commit for what is waiting gives the same
//! promise, an acknowledged comment is on the server's disk, for many callers at once.
//!
//! Lanes' batches can meet on the same rows (two new threads created in opposite orders, a
//! retried idempotency key): PostgreSQL then fails one unit with a deadlock or a unique
//! violation, and that unit gets one more try alone.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::runtime::Runtime;
use tokio::sync::mpsc;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row, Statement};

use super::{DbError, status, status_opt, submitted};
use crate::domain::{
    AkismetUsage, ArticlePolicy, CommentId, CommentStatus, Filing, ImportedComment, Label,
    LabelSource, LimitBucket, LogEvent, ModerationMode, ModeratorId, ModeratorName, NewComment,
    NewReport, ReplyContext, ReplySubscription, SiteId, SitePolicyChange, SubmissionMeta,
    Submitted, ThreadId, now_millis,
};
use crate::store::sql::signals_json;
use crate::store::sql::{ERASED_AUTHOR, ERASED_BODY};
use crate::store::work::Job;
use crate::store::{Tx, TxResult};

/// Writer lanes per instance, each with its own connection (beside the pool's, which serve
/// reads): enough to keep the server's commits overlapping.
const LANES: usize = 8;
/// Units of work in one transaction at most.
const MAX_BATCH: usize = 256;
/// Units of work waiting before callers wait.
const QUEUE: usize = 4096;

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// A lane's connection and the runtime that drives it.
struct Conn {
    /// Bounds each statement's round trip: a frozen server cannot cancel anything itself.
    timeout: Duration,
    runtime: Runtime,
    client: Client,
    /// Statements prepared on this connection, by their SQL.
    statements: RefCell<HashMap<String, Statement>>,
}

impl Conn {
    /// Connects on a single-threaded runtime of the lane's own; the connection's task runs
    /// whenever the lane blocks on a statement.
    fn open(config: &Config, timeout: Duration) -> Result<Self, DbError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| DbError::Backend(Arc::new(e)))?;
        let (client, connection) = runtime.block_on(config.connect(NoTls))?;
        runtime.spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error.message = %e, "a PostgreSQL writer connection failed");
            }
        });
        Ok(Self {
            timeout,
            runtime,
            client,
            statements: RefCell::default(),
        })
    }

    /// Runs a statement's future to its answer, or fails it as unavailable at the timeout
    /// (the lane then drops this connection, whose state is unknown).
    fn block<T, E: Into<DbError>>(&self, f: impl Future<Output = Result<T, E>>) -> TxResult<T> {
        match self
            .runtime
            .block_on(async { tokio::time::timeout(self.timeout, f).await })
        {
            Ok(answer) => answer.map_err(Into::into),
            Err(_) => Err(DbError::timed_out(self.timeout)),
        }
    }

    fn batch_execute(&self, sql: &str) -> TxResult<()> {
        self.block(self.client.batch_execute(sql))
    }
}

/// A lane's connection inside its open transaction.
struct PgTx<'c> {
    conn: &'c Conn,
}

impl PgTx<'_> {
    /// The connection's prepared statement for `sql` (a round trip only the first time).
    fn statement(&self, sql: &str) -> TxResult<Statement> {
        if let Some(statement) = self.conn.statements.borrow().get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.conn.block(self.conn.client.prepare(sql))?;
        self.conn
            .statements
            .borrow_mut()
            .insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    fn opt(&self, sql: &str, params: Params<'_>) -> TxResult<Option<Row>> {
        let statement = self.statement(sql)?;
        self.conn
            .block(self.conn.client.query_opt(&statement, params))
    }

    fn one(&self, sql: &str, params: Params<'_>) -> TxResult<Row> {
        let statement = self.statement(sql)?;
        self.conn
            .block(self.conn.client.query_one(&statement, params))
    }

    fn all(&self, sql: &str, params: Params<'_>) -> TxResult<Vec<Row>> {
        let statement = self.statement(sql)?;
        self.conn.block(self.conn.client.query(&statement, params))
    }

    fn exec(&self, sql: &str, params: Params<'_>) -> TxResult<u64> {
        let statement = self.statement(sql)?;
        self.conn
            .block(self.conn.client.execute(&statement, params))
    }
}

impl Tx for PgTx<'_> {
    fn site_id(&mut self, origin: &str) -> TxResult<Option<SiteId>> {
        Ok(self
            .opt("SELECT id FROM sites WHERE origin = $1", &[&origin])?
            .map(|row| SiteId(row.get(0))))
    }

    fn upsert_site(&mut self, origin: &str, name: &str) -> TxResult<SiteId> {
        let row = self.one(
            "INSERT INTO sites (origin, name, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (origin) DO UPDATE SET name = excluded.name
             RETURNING id",
            &[&origin, &name, &now_millis()],
        )?;
        Ok(SiteId(row.get(0)))
    }

    fn thread_id(&mut self, url: &str) -> TxResult<Option<ThreadId>> {
        Ok(self
            .opt("SELECT id FROM threads WHERE url = $1", &[&url])?
            .map(|row| ThreadId(row.get(0))))
    }

    fn site_and_thread(
        &mut self,
        origin: &str,
        url: &str,
    ) -> TxResult<Option<(SiteId, Option<ThreadId>)>> {
        Ok(self
            .opt(
                "SELECT s.id, t.id FROM sites s
                 LEFT JOIN threads t ON t.url = $2 AND t.site_id = s.id
                 WHERE s.origin = $1",
                &[&origin, &url],
            )?
            .map(|row| {
                (
                    SiteId(row.get(0)),
                    row.get::<_, Option<i64>>(1).map(ThreadId),
                )
            }))
    }

    fn insert_thread(&mut self, site: SiteId, url: &str, at: i64) -> TxResult<ThreadId> {
        let row = self.one(
            "INSERT INTO threads (site_id, url, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (url) DO UPDATE SET url = excluded.url
             RETURNING id",
            &[&site.0, &url, &at],
        )?;
        Ok(ThreadId(row.get(0)))
    }

    fn bump_thread(&mut self, thread: ThreadId) -> TxResult<()> {
        self.exec(
            "UPDATE threads SET public_version = public_version + 1 WHERE id = $1",
            &[&thread.0],
        )?;
        Ok(())
    }

    fn bump_thread_of(&mut self, id: CommentId) -> TxResult<()> {
        self.exec(
            "UPDATE threads SET public_version = public_version + 1
             WHERE id = (SELECT thread_id FROM comments WHERE id = $1)",
            &[&id.0],
        )?;
        Ok(())
    }

    fn by_idempotency_key(&mut self, key: &str) -> TxResult<Option<Submitted>> {
        self.opt(super::comments::BY_IDEMPOTENCY_KEY, &[&key])?
            .map(|row| submitted(&row))
            .transpose()
    }

    fn thread_and_status(&mut self, id: CommentId) -> TxResult<Option<(ThreadId, CommentStatus)>> {
        self.opt(
            "SELECT thread_id, status FROM comments WHERE id = $1",
            &[&id.0],
        )?
        .map(|row| Ok((ThreadId(row.get(0)), status(&row, 1)?)))
        .transpose()
    }

    fn insert_comment(
        &mut self,
        thread: ThreadId,
        comment: &NewComment,
        meta: &SubmissionMeta,
        filing: &Filing,
        before_spam: Option<CommentStatus>,
    ) -> TxResult<CommentId> {
        let verdict = filing.verdict.as_ref();
        let row = self.one(
            "INSERT INTO comments (thread_id, parent_id, author, email, website, body, status,
                 status_before_spam, created_at, client_ip, user_agent, referrer, spam_score,
                 spam_log_odds, spam_reasons, model_version, idempotency_key, signals,
                 client_ip_hash, campaign_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                     $18, $19, $20)
             RETURNING id",
            &[
                &thread.0,
                &comment.parent.map(|p| p.0),
                &comment.author.as_ref(),
                &comment.email.as_ref(),
                &comment.website.as_ref().map(AsRef::<str>::as_ref),
                &comment.body.as_ref(),
                &filing.status.as_str(),
                &before_spam.map(CommentStatus::as_str),
                &meta.created_at,
                &meta.client_ip,
                &meta.user_agent,
                &meta.referrer,
                &verdict.map(|v| v.probability),
                &verdict.map(|v| v.log_odds),
                &verdict.map(|v| v.reasons_json.as_str()),
                &verdict.map(|v| v.model_version.as_str()),
                &meta.idempotency_key,
                &signals_json(&filing.signals),
                &meta.client_ip_hash,
                &meta.campaign.map(|c| c.0),
            ],
        )?;
        Ok(CommentId(row.get(0)))
    }

    fn start_campaign(&mut self, seed: CommentId) -> TxResult<()> {
        // Looked at first, without a lock: after its first member the seed already names its
        // campaign, and an UPDATE would wait on every other lane's batch that touched it.
        let open = self
            .opt(
                "SELECT 1 FROM comments WHERE id = $1 AND campaign_id IS NULL",
                &[&seed.0],
            )?
            .is_some();
        if open {
            self.exec(
                "UPDATE comments SET campaign_id = $1 WHERE id = $1 AND campaign_id IS NULL",
                &[&seed.0],
            )?;
        }
        Ok(())
    }

    fn status_of(
        &mut self,
        id: CommentId,
    ) -> TxResult<Option<(CommentStatus, Option<CommentStatus>)>> {
        // Locked to commit: two instances deciding on one comment apply one decision after
        // the other, each from the status it finds.
        self.opt(
            "SELECT status, status_before_spam FROM comments WHERE id = $1 FOR UPDATE",
            &[&id.0],
        )?
        .map(|row| Ok((status(&row, 0)?, status_opt(&row, 1)?)))
        .transpose()
    }

    fn set_status(
        &mut self,
        id: CommentId,
        to: CommentStatus,
        before_spam: Option<CommentStatus>,
    ) -> TxResult<()> {
        self.exec(
            "UPDATE comments SET status = $2, status_before_spam = $3 WHERE id = $1",
            &[&id.0, &to.as_str(), &before_spam.map(CommentStatus::as_str)],
        )?;
        Ok(())
    }

    fn append_log(&mut self, e: &LogEvent) -> TxResult<()> {
        self.exec(
            "INSERT INTO mod_log (comment_id, moderator_id, action, from_status, to_status,
                                  created_at, reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &e.comment.0,
                &e.moderator.map(|m| m.0),
                &e.action.as_str(),
                &e.from.as_str(),
                &e.to.as_str(),
                &e.at,
                &e.reason,
            ],
        )?;
        Ok(())
    }

    fn set_label(
        &mut self,
        id: CommentId,
        label: Label,
        source: LabelSource,
        moderator: Option<ModeratorId>,
        at: i64,
    ) -> TxResult<()> {
        self.exec(
            "INSERT INTO labels (comment_id, label, source, moderator_id, model_version,
                                 spam_score, labelled_at)
             SELECT id, $2, $3, $4, model_version, spam_score, $5 FROM comments WHERE id = $1
             ON CONFLICT (comment_id) DO UPDATE SET
                 label = excluded.label, source = excluded.source,
                 moderator_id = excluded.moderator_id, model_version = excluded.model_version,
                 spam_score = excluded.spam_score, labelled_at = excluded.labelled_at",
            &[
                &id.0,
                &label.as_str(),
                &source.as_str(),
                &moderator.map(|m| m.0),
                &at,
            ],
        )?;
        Ok(())
    }

    fn clear_label(&mut self, id: CommentId) -> TxResult<()> {
        self.exec("DELETE FROM labels WHERE comment_id = $1", &[&id.0])?;
        Ok(())
    }

    fn last_decider(&mut self, id: CommentId) -> TxResult<Option<Option<String>>> {
        Ok(self
            .opt(
                "SELECT m.name FROM mod_log l LEFT JOIN moderators m ON m.id = l.moderator_id
                 WHERE l.comment_id = $1 ORDER BY l.id DESC LIMIT 1",
                &[&id.0],
            )?
            .map(|row| row.get(0)))
    }

    fn labelled_by_moderator(&mut self, id: CommentId) -> TxResult<bool> {
        Ok(self
            .one(
                "SELECT EXISTS (SELECT 1 FROM labels WHERE comment_id = $1 AND source = 'moderator')",
                &[&id.0],
            )?
            .get(0))
    }

    fn by_import_key(&mut self, key: &str) -> TxResult<Option<CommentId>> {
        Ok(self
            .opt("SELECT id FROM comments WHERE import_key = $1", &[&key])?
            .map(|row| CommentId(row.get(0))))
    }

    fn by_import_keys(&mut self, keys: &[&str]) -> TxResult<HashMap<String, CommentId>> {
        Ok(self
            .all(
                "SELECT import_key, id FROM comments WHERE import_key = ANY($1)",
                &[&keys],
            )?
            .iter()
            .map(|row| (row.get(0), CommentId(row.get(1))))
            .collect())
    }

    fn insert_imported(
        &mut self,
        thread: ThreadId,
        c: &ImportedComment,
        parent: Option<CommentId>,
    ) -> TxResult<CommentId> {
        let v = c.verdict.as_ref();
        let row = self.one(
            "INSERT INTO comments (thread_id, parent_id, author, email, website, body,
                 status, created_at, client_ip, spam_score, spam_log_odds, spam_reasons,
                 model_version, import_key, client_ip_hash, signals)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
             RETURNING id",
            &[
                &thread.0,
                &parent.map(|p| p.0),
                &c.author,
                &c.email,
                &c.website,
                &c.body,
                &c.status.as_str(),
                &c.created_at,
                &c.client_ip,
                &v.map(|v| v.probability),
                &v.map(|v| v.log_odds),
                &v.map(|v| v.reasons_json.as_str()),
                &v.map(|v| v.model_version.as_str()),
                &c.import_key,
                &c.client_ip_hash,
                &signals_json(&c.signals),
            ],
        )?;
        Ok(CommentId(row.get(0)))
    }

    fn is_ancestor_or_self(&mut self, candidate: CommentId, of: CommentId) -> TxResult<bool> {
        let row = self.one(
            "WITH RECURSIVE up(id) AS (
                 SELECT $2::BIGINT
                 UNION ALL
                 SELECT c.parent_id FROM comments c JOIN up ON c.id = up.id
                 WHERE c.parent_id IS NOT NULL
             )
             SELECT EXISTS (SELECT 1 FROM up WHERE id = $1)",
            &[&candidate.0, &of.0],
        )?;
        Ok(row.get(0))
    }

    fn set_parent(&mut self, id: CommentId, parent: CommentId) -> TxResult<()> {
        self.exec(
            "UPDATE comments SET parent_id = $2 WHERE id = $1",
            &[&id.0, &parent.0],
        )?;
        Ok(())
    }

    fn comments_of(&mut self, email: &str) -> TxResult<Vec<CommentId>> {
        Ok(self
            .all(
                "SELECT id FROM comments WHERE lower(email) = lower($1) AND email <> ''
                 ORDER BY id",
                &[&email],
            )?
            .iter()
            .map(|row| CommentId(row.get(0)))
            .collect())
    }

    fn anonymise(&mut self, id: CommentId) -> TxResult<CommentStatus> {
        let row = self.one(
            "UPDATE comments
             SET author = $2, email = '', website = NULL, body = $3, client_ip = NULL,
                 client_ip_hash = NULL, user_agent = NULL, referrer = NULL,
                 spam_reasons = NULL, signals = NULL, idempotency_key = NULL
             WHERE id = $1
             RETURNING status",
            &[&id.0, &ERASED_AUTHOR, &ERASED_BODY],
        )?;
        status(&row, 0)
    }

    fn upsert_moderator(
        &mut self,
        name: &ModeratorName,
        password_hash: &str,
    ) -> TxResult<(ModeratorId, bool)> {
        // `xmax = 0` only for a row this statement inserted.
        let row = self.one(
            "INSERT INTO moderators (name, password_hash, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash,
                                              is_disabled = FALSE
             RETURNING id, (xmax = 0)",
            &[&name.as_ref(), &password_hash, &now_millis()],
        )?;
        Ok((ModeratorId(row.get(0)), row.get(1)))
    }

    fn set_admin(&mut self, id: ModeratorId, admin: bool) -> TxResult<()> {
        self.exec(
            "UPDATE moderators SET is_admin = $2 WHERE id = $1",
            &[&id.0, &admin],
        )?;
        Ok(())
    }

    fn set_disabled(&mut self, id: ModeratorId, disabled: bool) -> TxResult<()> {
        self.exec(
            "UPDATE moderators SET is_disabled = $2 WHERE id = $1",
            &[&id.0, &disabled],
        )?;
        Ok(())
    }

    fn set_password_hash(&mut self, id: ModeratorId, hash: &str) -> TxResult<()> {
        self.exec(
            "UPDATE moderators SET password_hash = $2 WHERE id = $1",
            &[&id.0, &hash],
        )?;
        Ok(())
    }

    fn end_sessions_of(&mut self, moderator: ModeratorId, keep: Option<&str>) -> TxResult<()> {
        self.exec(
            "DELETE FROM sessions WHERE moderator_id = $1 AND token_hash IS DISTINCT FROM $2",
            &[&moderator.0, &keep],
        )?;
        Ok(())
    }

    fn revoke_tokens_of(&mut self, moderator: ModeratorId) -> TxResult<u64> {
        self.exec(
            "DELETE FROM api_tokens WHERE moderator_id = $1",
            &[&moderator.0],
        )
    }

    fn lock_keys(&mut self, keys: &[&str]) -> TxResult<()> {
        // Each key's advisory lock, in a fixed order and held to commit: a sign-in attempt's
        // count and record, or a limit's read and update, are one step across instances.
        // One round trip for every key.
        let keys: Vec<&str> = keys.to_vec();
        self.exec(
            "SELECT pg_advisory_xact_lock(hashtextextended(k, 0))
             FROM (SELECT DISTINCT k FROM unnest($1::text[]) AS k ORDER BY k) AS sorted",
            &[&keys],
        )?;
        Ok(())
    }

    fn count_attempts(&mut self, key: &str, since: i64) -> TxResult<u32> {
        let row = self.one(
            "SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at >= $2",
            &[&key, &since],
        )?;
        Ok(u32::try_from(row.get::<_, i64>(0)).unwrap_or(u32::MAX))
    }

    fn record_attempts(&mut self, keys: &[&str], at: i64, forget_before: i64) -> TxResult<()> {
        self.exec(
            "DELETE FROM login_failures WHERE at < $1",
            &[&forget_before],
        )?;
        for key in keys {
            self.exec(
                "INSERT INTO login_failures (key, at) VALUES ($1, $2)",
                &[key, &at],
            )?;
        }
        Ok(())
    }

    fn insert_report(&mut self, r: &NewReport) -> TxResult<bool> {
        Ok(self.exec(
            "INSERT INTO reports (comment_id, reason, explanation, email, reporter, reader,
                                  created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            &[
                &r.comment.0,
                &r.reason,
                &r.explanation,
                &r.email,
                &r.reporter,
                &r.reader,
                &r.at,
            ],
        )? == 1)
    }

    fn report_count(&mut self, id: CommentId, since: i64) -> TxResult<u32> {
        let row = self.one(
            "SELECT COUNT(*) FROM reports WHERE comment_id = $1 AND created_at > $2",
            &[&id.0, &since],
        )?;
        Ok(u32::try_from(row.get::<_, i64>(0)).unwrap_or(u32::MAX))
    }

    fn removal_reasons_of(&mut self, id: CommentId) -> TxResult<Option<String>> {
        Ok(self
            .opt(
                "SELECT s.removal_reasons FROM comments c
                 JOIN threads t ON t.id = c.thread_id JOIN sites s ON s.id = t.site_id
                 WHERE c.id = $1",
                &[&id.0],
            )?
            .and_then(|row| row.get(0)))
    }

    fn is_trusted(&mut self, site: SiteId, email_key: &str) -> TxResult<bool> {
        Ok(self
            .one(
                "SELECT EXISTS (SELECT 1 FROM trusted_commenters
                                WHERE site_id = $1 AND email_key = $2)",
                &[&site.0, &email_key],
            )?
            .get(0))
    }

    fn set_trusted(
        &mut self,
        id: CommentId,
        email_key: &str,
        trusted: Option<(ModeratorId, i64)>,
    ) -> TxResult<bool> {
        let changed = match trusted {
            Some((by, at)) => self.exec(
                "INSERT INTO trusted_commenters (site_id, email_key, trusted_by, trusted_at)
                 SELECT t.site_id, $2, $3, $4 FROM comments c JOIN threads t ON t.id = c.thread_id
                 WHERE c.id = $1
                 ON CONFLICT DO NOTHING",
                &[&id.0, &email_key, &by.0, &at],
            )?,
            None => self.exec(
                "DELETE FROM trusted_commenters WHERE email_key = $2 AND site_id =
                     (SELECT t.site_id FROM comments c JOIN threads t ON t.id = c.thread_id
                      WHERE c.id = $1)",
                &[&id.0, &email_key],
            )?,
        };
        Ok(changed == 1)
    }

    fn forget_trust(&mut self, email_key: &str) -> TxResult<()> {
        self.exec(
            "DELETE FROM trusted_commenters WHERE email_key = $1",
            &[&email_key],
        )?;
        Ok(())
    }

    fn undecided_since(&mut self, id: CommentId) -> TxResult<Option<i64>> {
        Ok(self
            .opt(
                "SELECT c.created_at FROM comments c
                 WHERE c.id = $1 AND NOT EXISTS
                     (SELECT 1 FROM mod_log l WHERE l.comment_id = c.id AND l.moderator_id IS NOT NULL)",
                &[&id.0],
            )?
            .map(|row| row.get(0)))
    }

    fn reports_judged_at(&mut self, id: CommentId) -> TxResult<Option<i64>> {
        Ok(self
            .one(
                "SELECT MAX(created_at) FROM mod_log
                 WHERE comment_id = $1 AND action IN ('approve', 'dismiss_reports')
                   AND moderator_id IS NOT NULL",
                &[&id.0],
            )?
            .get(0))
    }

    fn auto_hide_reports_of(&mut self, id: CommentId) -> TxResult<Option<u32>> {
        Ok(self
            .opt(
                "SELECT s.auto_hide_reports FROM comments c
                 JOIN threads t ON t.id = c.thread_id JOIN sites s ON s.id = t.site_id
                 WHERE c.id = $1",
                &[&id.0],
            )?
            .and_then(|row| row.get::<_, Option<i32>>(0))
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX)))
    }

    fn reply_subscription(
        &mut self,
        site: SiteId,
        email_key: &str,
    ) -> TxResult<Option<ReplySubscription>> {
        Ok(self
            .opt(
                "SELECT id, confirmation_sent_at, confirmed_at FROM reply_subscriptions
                 WHERE site_id = $1 AND email_key = $2",
                &[&site.0, &email_key],
            )?
            .map(|row| ReplySubscription {
                id: row.get(0),
                confirmation_sent_at: row.get(1),
                confirmed_at: row.get(2),
            }))
    }

    fn insert_reply_subscription(
        &mut self,
        site: SiteId,
        email_key: &str,
        lang: &str,
        at: i64,
    ) -> TxResult<i64> {
        Ok(self
            .one(
                "INSERT INTO reply_subscriptions
                     (site_id, email_key, lang, created_at, confirmation_sent_at)
                 VALUES ($1, $2, $3, $4, $4) RETURNING id",
                &[&site.0, &email_key, &lang, &at],
            )?
            .get(0))
    }

    fn set_confirmation_sent(&mut self, id: i64, lang: &str, at: i64) -> TxResult<()> {
        self.exec(
            "UPDATE reply_subscriptions SET confirmation_sent_at = $2, lang = $3 WHERE id = $1",
            &[&id, &at, &lang],
        )?;
        Ok(())
    }

    fn confirm_reply_subscription(&mut self, id: i64, at: i64) -> TxResult<bool> {
        Ok(self.exec(
            "UPDATE reply_subscriptions SET confirmed_at = COALESCE(confirmed_at, $2)
             WHERE id = $1",
            &[&id, &at],
        )? == 1)
    }

    fn delete_reply_subscription(&mut self, id: i64) -> TxResult<bool> {
        self.exec(
            "DELETE FROM reply_watches WHERE subscription_id = $1",
            &[&id],
        )?;
        Ok(self.exec("DELETE FROM reply_subscriptions WHERE id = $1", &[&id])? == 1)
    }

    fn forget_reply_subscriptions(&mut self, email_key: &str) -> TxResult<()> {
        self.exec(
            "DELETE FROM reply_watches WHERE subscription_id IN
                 (SELECT id FROM reply_subscriptions WHERE email_key = $1)",
            &[&email_key],
        )?;
        self.exec(
            "DELETE FROM reply_subscriptions WHERE email_key = $1",
            &[&email_key],
        )?;
        Ok(())
    }

    fn forget_unconfirmed_reply_subscriptions(&mut self, sent_before: i64) -> TxResult<u64> {
        self.exec(
            "DELETE FROM reply_watches WHERE subscription_id IN
                 (SELECT id FROM reply_subscriptions
                  WHERE confirmed_at IS NULL AND confirmation_sent_at < $1)",
            &[&sent_before],
        )?;
        self.exec(
            "DELETE FROM reply_subscriptions
             WHERE confirmed_at IS NULL AND confirmation_sent_at < $1",
            &[&sent_before],
        )
    }

    fn watch_replies(&mut self, id: CommentId, subscription: i64) -> TxResult<()> {
        self.exec(
            "INSERT INTO reply_watches (comment_id, subscription_id) VALUES ($1, $2)
             ON CONFLICT (comment_id) DO UPDATE SET subscription_id = EXCLUDED.subscription_id",
            &[&id.0, &subscription],
        )?;
        Ok(())
    }

    fn reply_context(&mut self, id: CommentId) -> TxResult<Option<ReplyContext>> {
        let Some(row) = self.opt(crate::store::sql::REPLY_CONTEXT, &[&id.0])? else {
            return Ok(None);
        };
        let subscription = row.get::<_, Option<i64>>(7).map(|id| ReplySubscription {
            id,
            confirmation_sent_at: row.get(8),
            confirmed_at: row.get(9),
        });
        Ok(Some(ReplyContext {
            status: status(&row, 0)?,
            author: row.get(1),
            email: row.get(2),
            body: row.get(3),
            thread: row.get(4),
            parent: CommentId(row.get(5)),
            parent_email: row.get(6),
            subscription,
            lang: row.get::<_, Option<String>>(10).unwrap_or_default(),
        }))
    }

    fn article_policy(
        &mut self,
        site: SiteId,
        thread: Option<ThreadId>,
    ) -> TxResult<ArticlePolicy> {
        let row = self.one(
            "SELECT s.moderation, s.trust_after, s.close_after_days, t.moderation, t.closed,
                    (SELECT MIN(c.created_at) FROM comments c WHERE c.thread_id = t.id)
             FROM sites s LEFT JOIN threads t ON t.id = $2 AND t.site_id = s.id
             WHERE s.id = $1",
            &[&site.0, &thread.map(|t| t.0)],
        )?;
        super::article_policy(&row)
    }

    fn approved_since_refusal(&mut self, site: SiteId, email: &str, author: &str) -> TxResult<u32> {
        let row = self.one(
            "WITH theirs AS (
                 SELECT c.status, c.created_at FROM comments c
                 JOIN threads t ON t.id = c.thread_id
                 WHERE t.site_id = $1 AND lower(c.email) = lower($2) AND c.author = $3
             )
             SELECT COUNT(*) FROM theirs
             WHERE status = 'approved'
               AND created_at > COALESCE(
                   (SELECT MAX(created_at) FROM theirs WHERE status IN ('spam', 'rejected')), -1)",
            &[&site.0, &email, &author],
        )?;
        Ok(u32::try_from(row.get::<_, i64>(0)).unwrap_or(u32::MAX))
    }

    fn set_site_policy(&mut self, origin: &str, change: &SitePolicyChange) -> TxResult<bool> {
        let n = |v: Option<u32>| v.map(|v| i32::try_from(v).unwrap_or(i32::MAX));
        Ok(self.exec(
            "UPDATE sites SET
                 moderation = COALESCE($2, moderation),
                 trust_after = COALESCE($3, trust_after),
                 close_after_days = CASE WHEN $4 THEN $5 ELSE close_after_days END,
                 auto_hide_reports = CASE WHEN $6 THEN $7 ELSE auto_hide_reports END,
                 removal_reasons = CASE WHEN $8 THEN $9 ELSE removal_reasons END,
                 promoted = COALESCE($10, promoted)
             WHERE origin = $1",
            &[
                &origin,
                &change.mode.map(ModerationMode::as_str),
                &n(change.trust_after),
                &change.close_after_days.is_some(),
                &n(change.close_after_days.flatten()),
                &change.auto_hide_reports.is_some(),
                &n(change.auto_hide_reports.flatten()),
                &change.removal_reasons.is_some(),
                &change
                    .removal_reasons
                    .as_ref()
                    .and_then(|r| r.as_ref().map(crate::domain::RemovalReasons::stored)),
                &change.promoted,
            ],
        )? == 1)
    }

    fn set_thread_policy(
        &mut self,
        thread: ThreadId,
        mode: Option<Option<ModerationMode>>,
        closed: Option<Option<bool>>,
    ) -> TxResult<()> {
        self.exec(
            "UPDATE threads SET
                 moderation = CASE WHEN $2 THEN $3 ELSE moderation END,
                 closed = CASE WHEN $4 THEN $5 ELSE closed END
             WHERE id = $1",
            &[
                &thread.0,
                &mode.is_some(),
                &mode.flatten().map(ModerationMode::as_str),
                &closed.is_some(),
                &closed.flatten(),
            ],
        )?;
        Ok(())
    }

    fn claim(&mut self, kind: &str, key: &str, now: i64, until: i64) -> TxResult<bool> {
        Ok(self
            .opt(
                "INSERT INTO claims (kind, key, until) VALUES ($1, $2, $4)
                 ON CONFLICT (kind, key) DO UPDATE SET until = EXCLUDED.until
                 WHERE claims.until <= $3
                 RETURNING 1",
                &[&kind, &key, &now, &until],
            )?
            .is_some())
    }

    fn unclaim(&mut self, kind: &str, key: &str) -> TxResult<()> {
        self.exec(
            "DELETE FROM claims WHERE kind = $1 AND key = $2",
            &[&kind, &key],
        )?;
        Ok(())
    }

    fn bucket(&mut self, key: &str) -> TxResult<Option<LimitBucket>> {
        Ok(self
            .opt(
                "SELECT tokens, updated, last FROM limit_buckets WHERE key = $1",
                &[&key],
            )?
            .map(|row| LimitBucket {
                tokens: row.get(0),
                updated: row.get(1),
                last: row.get(2),
            }))
    }

    fn set_bucket(&mut self, key: &str, bucket: &LimitBucket) -> TxResult<()> {
        self.exec(
            "INSERT INTO limit_buckets (key, tokens, updated, last) VALUES ($1, $2, $3, $4)
             ON CONFLICT (key) DO UPDATE SET tokens = EXCLUDED.tokens,
                 updated = EXCLUDED.updated, last = EXCLUDED.last",
            &[&key, &bucket.tokens, &bucket.updated, &bucket.last],
        )?;
        Ok(())
    }

    fn forget_expired(&mut self, now: i64, idle_before: i64) -> TxResult<u64> {
        let claims = self.exec("DELETE FROM claims WHERE until <= $1", &[&now])?;
        let buckets = self.exec(
            "DELETE FROM limit_buckets WHERE updated < $1",
            &[&idle_before],
        )?;
        Ok(claims + buckets)
    }

    fn add_usage(&mut self, site: SiteId, month: &str, delta: &AkismetUsage) -> TxResult<()> {
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        self.exec(
            "INSERT INTO akismet_usage
                 (site_id, month, api_calls, spam, ham, missed_spam, false_positives)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (site_id, month) DO UPDATE SET
                 api_calls = akismet_usage.api_calls + EXCLUDED.api_calls,
                 spam = akismet_usage.spam + EXCLUDED.spam,
                 ham = akismet_usage.ham + EXCLUDED.ham,
                 missed_spam = akismet_usage.missed_spam + EXCLUDED.missed_spam,
                 false_positives = akismet_usage.false_positives + EXCLUDED.false_positives",
            &[
                &site.0,
                &month,
                &n(delta.api_calls),
                &n(delta.spam),
                &n(delta.ham),
                &n(delta.missed_spam),
                &n(delta.false_positives),
            ],
        )?;
        Ok(())
    }
}

/// The sending side of the lanes.
pub(super) struct Lanes {
    tx: mpsc::Sender<Box<dyn Job>>,
}

type Waiting = Arc<Mutex<mpsc::Receiver<Box<dyn Job>>>>;

impl Lanes {
    /// Starts [`LANES`] lane threads, each connecting to `config`'s server when it first has
    /// work.
    pub(super) fn start(config: &Config, timeout: Duration) -> Result<Self, DbError> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let waiting: Waiting = Arc::new(Mutex::new(rx));
        for i in 0..LANES {
            let (config, waiting) = (config.clone(), Arc::clone(&waiting));
            std::thread::Builder::new()
                .name(format!("replyguard-pg-lane-{i}"))
                .spawn(move || lane(&config, timeout, &waiting))
                .map_err(|e| DbError::Backend(Arc::new(e)))?;
        }
        Ok(Self { tx })
    }

    /// Queues a unit of work; it answers on its own channel once its batch has committed.
    pub(super) async fn send(&self, job: Box<dyn Job>) -> Result<(), DbError> {
        self.tx.send(job).await.map_err(|_| DbError::WriterGone)
    }
}

/// A lane's loop: one batch per turn until the store is dropped.
fn lane(config: &Config, timeout: Duration, waiting: &Waiting) {
    let mut conn: Option<Conn> = None;
    loop {
        let batch = {
            // One lane at a time waits for work; the others wait for this lock meanwhile.
            let mut rx = waiting.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(first) = rx.blocking_recv() else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            batch
        };
        crate::metrics::global()
            .batch_size
            .observe(batch.len() as f64);
        // A connection that failed is replaced; one that cannot be made fails this batch.
        if conn.as_ref().is_none_or(|c| c.client.is_closed()) {
            conn = match Conn::open(config, timeout) {
                Ok(c) => Some(c),
                Err(e) => {
                    fail_all(batch, &e);
                    continue;
                }
            };
        }
        if let Some(c) = &conn
            && !run_batch(c, batch)
        {
            // Its transaction's state is unknown: the next batch gets a new connection.
            conn = None;
        }
    }
}

fn fail_all(jobs: impl IntoIterator<Item = Box<dyn Job>>, e: &DbError) {
    for job in jobs {
        job.finish(Some(e));
    }
}

/// Runs a batch in one transaction and answers every caller. When a unit fails, the batch
/// is rolled back and each unit runs again alone, so one unit's failure is its own; a unit
/// that met another writer's rows gets one more try alone. `false` when the connection
/// failed (everyone not yet answered is told so).
fn run_batch(conn: &Conn, batch: Vec<Box<dyn Job>>) -> bool {
    let (alone, mut batch): (Vec<_>, Vec<_>) = batch.into_iter().partition(|job| job.alone());
    let mut alone = alone.into_iter();
    while let Some(mut job) = alone.next() {
        let mut result = in_transaction(conn, std::slice::from_mut(&mut job));
        if matches!(result, Ok(false)) && job.contended() {
            result = in_transaction(conn, std::slice::from_mut(&mut job));
        }
        if let Err(e) = result {
            fail_all(std::iter::once(job).chain(alone).chain(batch), &e);
            return false;
        }
        job.finish(None);
    }
    if batch.is_empty() {
        return true;
    }
    match in_transaction(conn, &mut batch) {
        Ok(true) => {
            for job in batch {
                job.finish(None);
            }
            return true;
        }
        Ok(false) => {}
        Err(e) => {
            fail_all(batch, &e);
            return false;
        }
    }
    let mut jobs = batch.into_iter();
    while let Some(mut job) = jobs.next() {
        let mut result = in_transaction(conn, std::slice::from_mut(&mut job));
        if matches!(result, Ok(false)) && job.contended() {
            result = in_transaction(conn, std::slice::from_mut(&mut job));
        }
        if let Err(e) = result {
            fail_all(std::iter::once(job).chain(jobs), &e);
            return false;
        }
        job.finish(None);
    }
    true
}

/// `BEGIN`, each unit, `COMMIT`: whether every unit ran and the batch committed. At the
/// first failing unit the transaction is rolled back (PostgreSQL refuses anything more in
/// it) and nothing of the batch stands. Without savepoints, a batch costs no round trips
/// beyond its units' statements, `BEGIN` and `COMMIT`. An `Err` is the connection's or the
/// commit's own.
fn in_transaction(conn: &Conn, batch: &mut [Box<dyn Job>]) -> Result<bool, DbError> {
    let mut tx = PgTx { conn };
    conn.batch_execute("BEGIN")?;
    for job in batch.iter_mut() {
        if job.run(&mut tx).is_err() {
            conn.batch_execute("ROLLBACK")?;
            return Ok(false);
        }
    }
    let committed = conn.batch_execute("COMMIT");
    if committed.is_err() {
        let _ = conn.batch_execute("ROLLBACK");
    }
    committed.map(|()| true)
}

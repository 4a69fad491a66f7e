//! The PostgreSQL backend: a pool of async connections to a server several instances share.
//!
//! A use case's unit of work runs on a writer lane (`work`), batched with what else is
//! waiting (a failing unit sends its batch-mates to run alone); the batch commits (with
//! PostgreSQL's default `synchronous_commit = on`: flushed to the server's WAL) before anyone
//! is answered, so the promise is SQLite's: an acknowledged comment is on disk. Reads and
//! the remaining small writes are one statement or transaction on a pooled connection.
//! Races between instances are settled by the database: row locks for decisions, advisory
//! locks for sign-in throttles, migrations and retraining. All of this backend's SQL lives
//! in this folder.

mod accounts;
mod commenters;
mod comments;
mod models;
mod queue;
mod sites;
mod work;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::{NoTls, Row};

pub use models::{ModelRows, RetrainLock, StoredModelRow};

use super::StoreError as DbError;
use crate::domain::{CampaignInfo, CommentId, CommentStatus, ModComment, Timestamp};

impl From<tokio_postgres::Error> for DbError {
    fn from(e: tokio_postgres::Error) -> Self {
        use tokio_postgres::error::SqlState;
        // What another writer's concurrent transaction causes: worth one more try alone.
        let contended = e.code().is_some_and(|code| {
            [
                SqlState::T_R_DEADLOCK_DETECTED,
                SqlState::T_R_SERIALIZATION_FAILURE,
                SqlState::UNIQUE_VIOLATION,
            ]
            .contains(code)
        });
        if contended {
            DbError::Contended(Arc::new(e))
        } else if unavailable(&e) {
            DbError::Unavailable(Arc::new(e))
        } else {
            DbError::Backend(Arc::new(e))
        }
    }
}

/// Whether `e` says the server is out of reach rather than that a statement was wrong: the
/// connection is gone or could not be made, the server is shutting down or starting, or a
/// statement outlived `statement_timeout`.
fn unavailable(e: &tokio_postgres::Error) -> bool {
    use tokio_postgres::error::SqlState;
    match e.code() {
        Some(code) => {
            code.code().starts_with("08")
                || [
                    SqlState::ADMIN_SHUTDOWN,
                    SqlState::CRASH_SHUTDOWN,
                    SqlState::CANNOT_CONNECT_NOW,
                    SqlState::QUERY_CANCELED,
                    SqlState::TOO_MANY_CONNECTIONS,
                ]
                .contains(code)
        }
        // No SQL state: an I/O error, a closed connection, a connect timeout.
        None => true,
    }
}

impl From<deadpool_postgres::PoolError> for DbError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        use deadpool_postgres::PoolError as E;
        match e {
            E::Backend(e) => e.into(),
            E::Timeout(_) | E::Closed | E::NoRuntimeSpecified => DbError::Unavailable(Arc::new(e)),
            other => DbError::Unavailable(Arc::new(other)),
        }
    }
}

/// A site's and an article's moderation settings from a row of `s.moderation,
/// s.trust_after, s.close_after_days, t.moderation, t.closed, MIN(comments.created_at)`.
fn article_policy(row: &Row) -> Result<crate::domain::ArticlePolicy, DbError> {
    use crate::domain::ModerationMode;
    let mode = |text: Option<String>| {
        text.map(|t| ModerationMode::parse(&t).map_err(corrupt))
            .transpose()
    };
    Ok(crate::domain::ArticlePolicy {
        site_mode: mode(row.get(0))?.unwrap_or(ModerationMode::Premoderate),
        trust_after: u32::try_from(row.get::<_, i32>(1)).unwrap_or(u32::MAX),
        close_after_days: row
            .get::<_, Option<i32>>(2)
            .map(|d| u32::try_from(d).unwrap_or(u32::MAX)),
        article_mode: mode(row.get(3))?,
        closed_by_hand: row.get(4),
        first_comment_at: row.get(5),
    })
}

/// A value that breaks the schema's promises (an unknown status, say).
fn corrupt(what: String) -> DbError {
    DbError::Backend(Arc::new(std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        what,
    )))
}

/// A log filter directive that keeps the driver at info: at debug it logs every
/// statement's parameters (emails, comment text).
pub const QUIET_DRIVER_LOGS: &str = "tokio_postgres=info";

/// Pooled connections per instance, for reads and the small writes that are not units of
/// work; units of work use the writer lanes' own connections (`work::LANES`). Sixteen in
/// all per instance: PostgreSQL's default `max_connections` is 100, so five instances fit,
/// with room for the operator's own sessions.
const POOL_SIZE: usize = 8;

/// The migrations, in order: `migrations/postgres/NNNN_*.sql`.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/postgres/0001_init.sql"),
    include_str!("../../../migrations/postgres/0002_shared_limits.sql"),
    include_str!("../../../migrations/postgres/0003_moderation_policy.sql"),
    include_str!("../../../migrations/postgres/0004_reports.sql"),
    include_str!("../../../migrations/postgres/0005_report_readers.sql"),
    include_str!("../../../migrations/postgres/0006_trusted_commenters.sql"),
    include_str!("../../../migrations/postgres/0007_removal_reasons.sql"),
    include_str!("../../../migrations/postgres/0008_promoted_sites.sql"),
    include_str!("../../../migrations/postgres/0009_reply_notifications.sql"),
];

/// The advisory lock key instances take while migrating (any fixed number; `rg` + `mig`).
const MIGRATION_LOCK: i64 = 0x0072_676d_6967;

/// The PostgreSQL database.
pub struct Postgres {
    /// Bounds every statement (the server's `statement_timeout`) and every wait here.
    pub(super) timeout: Duration,
    pool: Pool,
    /// The writer lanes that run units of work in batches.
    lanes: work::Lanes,
    /// For connections outside the pool (the retraining lock's).
    config: tokio_postgres::Config,
}

impl Postgres {
    /// Connects to `url`, applies pending migrations (one instance at a time) and keeps a
    /// pool of connections.
    ///
    /// Runs its own short-lived runtime on a separate thread, so that it can be called from
    /// synchronous code and from inside another runtime alike (the CLI and the server both
    /// build their `App` before serving).
    ///
    /// # Errors
    /// The server cannot be reached or refuses, or a migration fails.
    pub fn open(url: &str, timeout: Duration) -> Result<Self, DbError> {
        let mut config = tokio_postgres::Config::from_str(url)?;
        // Unset, a server that does not answer holds the start (and each new connection)
        // for the operating system's TCP timeout, minutes; `connect_timeout=` in the URL wins.
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(timeout);
        }
        // Migrations may build indexes over big tables: only the service's own statements
        // are held to the timeout.
        let migrations = config.clone();
        // The server cancels a statement that runs longer (a lock held elsewhere, a plan
        // gone wrong); a `statement_timeout` in the URL's options comes later and wins.
        let options = format!(
            "-c statement_timeout={} {}",
            timeout.as_millis(),
            config.get_options().unwrap_or_default(),
        );
        config.options(options.trim());
        let manager = Manager::from_connect(
            config.clone(),
            OnIoRuntime,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(timeout))
            .create_timeout(Some(timeout))
            .recycle_timeout(Some(timeout))
            .build()
            .map_err(|e| DbError::Backend(Arc::new(e)))?;
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| DbError::Backend(Arc::new(e)))?;
                    runtime.block_on(migrate(&migrations))
                })
                .join()
                .unwrap_or(Err(DbError::Cancelled))
        })?;
        let lanes = work::Lanes::start(&config, timeout)?;
        Ok(Self {
            timeout,
            pool,
            lanes,
            config,
        })
    }

    /// Queues a unit of work on a writer lane.
    pub(crate) async fn run(&self, job: Box<dyn crate::store::work::Job>) -> Result<(), DbError> {
        self.lanes.send(job).await
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, DbError> {
        Ok(self.pool.get().await?)
    }

    pub async fn schema_version(&self) -> Result<i64, DbError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .await?;
        Ok(i64::from(row.get::<_, i32>(0)))
    }

    pub async fn ping(&self) -> Result<(), DbError> {
        self.client().await?.simple_query("SELECT 1").await?;
        Ok(())
    }

    /// A write transaction commits: the server takes writes (not a read-only standby).
    pub async fn writable(&self) -> Result<(), DbError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT txid_current()", &[]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes the pool: every write has been answered (each is its own transaction).
    pub async fn close(&self) -> Result<(), DbError> {
        self.pool.close();
        Ok(())
    }
}

/// The runtime that owns every PostgreSQL connection's socket and task, for the life of the
/// process. A connection made on an actix worker's runtime dies with that worker: during a
/// graceful stop the workers end one by one, and a request still running on another worker
/// with a connection from the first one failed (`operations::sigterm_…` on PostgreSQL).
pub(super) fn io_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("replyguard-postgres")
            .enable_all()
            .build()
            .expect("the PostgreSQL I/O runtime starts")
    })
}

/// Connects on [`io_runtime`], whichever runtime asks.
struct OnIoRuntime;

type Connected =
    Result<(tokio_postgres::Client, tokio::task::JoinHandle<()>), tokio_postgres::Error>;

impl deadpool_postgres::Connect for OnIoRuntime {
    fn connect(
        &self,
        config: &tokio_postgres::Config,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Connected> + Send + '_>> {
        let config = config.clone();
        Box::pin(async move {
            let joined = io_runtime()
                .spawn(async move {
                    let (client, connection) = config.connect(NoTls).await?;
                    let task = tokio::spawn(async move {
                        if let Err(e) = connection.await {
                            tracing::warn!(error.message = %e, "a PostgreSQL connection failed");
                        }
                    });
                    Ok((client, task))
                })
                .await;
            // The runtime is never shut down, so the task either finished or panicked.
            joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
        })
    }
}

/// Applies the migrations this database lacks, under an advisory lock so that instances
/// starting together migrate one after the other.
async fn migrate(config: &tokio_postgres::Config) -> Result<(), DbError> {
    let (mut client, connection) = config.connect(NoTls).await?;
    let task = tokio::spawn(connection);
    let result = async {
        client
            .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        client
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                     version INTEGER PRIMARY KEY,
                     applied_at BIGINT NOT NULL
                 )",
            )
            .await?;
        let found: i32 = client
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .await?
            .get(0);
        let known = MIGRATIONS.len();
        if usize::try_from(found).unwrap_or(usize::MAX) > known {
            return Err(DbError::SchemaTooNew {
                found: i64::from(found),
                known,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let version = i32::try_from(i + 1).unwrap_or(i32::MAX);
            let tx = client.transaction().await?;
            tx.batch_execute(sql).await?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                &[&version, &crate::domain::now_millis()],
            )
            .await?;
            tx.commit().await?;
        }
        client
            .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
            .await?;
        Ok(())
    }
    .await;
    drop(client);
    let _ = task.await;
    result
}

/// A read-only transaction whose queries all see one snapshot of the database.
async fn snapshot(
    client: &mut deadpool_postgres::Object,
) -> Result<deadpool_postgres::Transaction<'_>, DbError> {
    Ok(client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?)
}

fn status(row: &Row, i: usize) -> Result<CommentStatus, DbError> {
    let text: &str = row.get(i);
    text.parse().map_err(corrupt)
}

fn status_opt(row: &Row, i: usize) -> Result<Option<CommentStatus>, DbError> {
    row.get::<_, Option<&str>>(i)
        .map(|t| t.parse().map_err(corrupt))
        .transpose()
}

/// A row of `id, status, created_at`.
fn submitted(row: &Row) -> Result<crate::domain::Submitted, DbError> {
    Ok(crate::domain::Submitted {
        id: CommentId(row.get(0)),
        status: status(row, 1)?,
        created_at: row.get(2),
    })
}

fn count(row: &Row, i: usize) -> u64 {
    u64::try_from(row.get::<_, i64>(i)).unwrap_or(0)
}

/// A row of [`crate::store::sql::MOD_COLUMNS`].
fn mod_comment(row: &Row) -> Result<ModComment, DbError> {
    Ok(ModComment {
        id: CommentId(row.get(0)),
        thread: row.get(1),
        parent: row.get::<_, Option<i64>>(2).map(CommentId),
        author: row.get(3),
        email: row.get(4),
        website: row.get(5),
        body: row.get(6),
        status: status(row, 7)?,
        created_at: Timestamp(row.get(8)),
        client_ip: row.get(9),
        user_agent: row.get(10),
        referrer: row.get(11),
        spam_score: row.get(12),
        spam_log_odds: row.get(13),
        spam_reasons: row
            .get::<_, Option<String>>(14)
            .and_then(|json| serde_json::value::RawValue::from_string(json).ok()),
        model_version: row.get(15),
        signals: row
            .get::<_, Option<&str>>(16)
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default(),
        campaign: match (
            row.get::<_, Option<i64>>(17),
            row.get::<_, Option<i64>>(18),
            row.get::<_, Option<i64>>(19),
        ) {
            (Some(id), Some(size), Some(first_seen)) => Some(CampaignInfo {
                id: CommentId(id),
                size: u64::try_from(size).unwrap_or(0),
                first_seen: Timestamp(first_seen),
            }),
            _ => None,
        },
    })
}

fn mod_comments(rows: &[Row]) -> Result<Vec<ModComment>, DbError> {
    rows.iter().map(mod_comment).collect()
}

/// `LIMIT` and `OFFSET` take a BIGINT.
fn limit_i64(n: u32) -> i64 {
    i64::from(n)
}

fn offset_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

//! The one writer: a thread that owns the only read-write connection and commits in groups.
//!
//! Callers send an [`Op`] (a value, with a oneshot for its answer) over a bounded channel.
//! The writer takes the first waiting operation, then whatever else is already waiting (up
//! to [`Limits`]), runs each under its own savepoint inside one `BEGIN IMMEDIATE`
//! transaction and commits once. One failing operation rolls back to its savepoint and fails
//! alone; its batch-mates commit. A full channel makes `send` wait: a flood queues at the
//! door, not in memory.
//!
//! Durability: a committed batch goes to a second thread that `fdatasync`s the WAL, and only
//! then is any caller of that batch answered. That is the guarantee of `synchronous=FULL`
//! (the WAL synced at every commit before the commit is reported), with the sync moved off
//! the writer: while one batch is being synced the writer already runs the next, and while
//! the sync thread is busy the writer keeps its transaction open for whatever arrives, since
//! those callers could not be answered sooner anyway. The connection itself runs with
//! `synchronous=NORMAL`, under which SQLite still syncs around checkpoints and when the WAL
//! is reused; a power cut can lose only batches nobody was told about.
//!
//! Why: one fsync per comment held submissions to 1,727/s (p99 42 ms, issue #8's
//! measurement of the first round); with group commit and the sync beside the writer the
//! same load gives the figures in BENCHMARKS.md (`bench/throughput.sh`, `bench/cpu.sh`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::DbError;
use super::work::SqliteTx;
use crate::domain::NotifyChoice;
use crate::domain::{
    CommentId, ModeratorId, NewApiToken, NewRule, NewSession, SiteId, StoredVerdict,
};
use crate::store::work::Job;

/// Where an operation's answer goes.
pub type Reply<T> = oneshot::Sender<Result<T, DbError>>;

/// How much one group commit may take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Operations waiting in the channel before senders wait.
    pub queue: usize,
    /// Operations in one transaction at most…
    pub batch: usize,
    /// …and no more once the batch has run this long, so the first caller's wait is bounded.
    pub batch_time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        // With 32 connections a batch holds at most the 32 waiting requests; the bounds
        // matter only when a backlog builds up, where they cap one caller's extra wait.
        Self {
            queue: 4096,
            batch: 512,
            batch_time: Duration::from_millis(10),
        }
    }
}

/// Every write the service makes: a use case's unit of work, or one of the writer's own
/// small writes and controls.
pub enum Op {
    /// A use case's unit of work (see [`crate::store::Tx`]), under its own savepoint.
    Work(Box<dyn Job>),
    SetVerdicts {
        verdicts: Vec<(CommentId, StoredVerdict)>,
        reply: Reply<()>,
    },
    UpsertSite {
        origin: String,
        name: String,
        reply: Reply<SiteId>,
    },
    StartSession {
        session: NewSession,
        reply: Reply<()>,
    },
    TouchSession {
        token_hash: String,
        at: i64,
        reply: Reply<()>,
    },
    EndSession {
        token_hash: String,
        reply: Reply<()>,
    },
    SetUndo {
        token_hash: String,
        undo: Option<String>,
        reply: Reply<()>,
    },
    ForgiveAttempt {
        clear: String,
        one: String,
        reply: Reply<()>,
    },
    AddRule {
        rule: NewRule,
        by: ModeratorId,
        at: i64,
        reply: Reply<bool>,
    },
    DeleteRule {
        id: i64,
        reply: Reply<bool>,
    },
    PurgeBefore {
        cutoff: i64,
        reply: Reply<u64>,
    },
    SetAddresses {
        rows: Vec<(CommentId, Option<(String, String)>)>,
        reply: Reply<()>,
    },
    SetNotify {
        id: ModeratorId,
        email: Option<String>,
        choice: NotifyChoice,
        reply: Reply<()>,
    },
    SetDigestSent {
        id: ModeratorId,
        at: i64,
        reply: Reply<()>,
    },
    SetSiteKey {
        site: SiteId,
        generation: i64,
        hash: String,
        reply: Reply<()>,
    },
    SetStoreChecked {
        origin: String,
        on: bool,
        reply: Reply<bool>,
    },
    /// Begins and commits an empty transaction: the database takes writes.
    Ping {
        reply: Reply<()>,
    },
    /// Checkpoints the WAL into the database file and truncates it.
    Checkpoint {
        reply: Reply<()>,
    },
    /// Checkpoints the WAL into the database file and stops the writer (shutdown).
    Close {
        reply: Reply<()>,
    },
    /// From the sync thread, when it has answered a batch: a writer waiting for that, to
    /// commit the batch it holds open, looks again. Nothing to run, nobody to answer.
    Wake,
    InsertToken {
        token: NewApiToken,
        reply: Reply<i64>,
    },
    DeleteToken {
        id: i64,
        owner: Option<ModeratorId>,
        reply: Reply<bool>,
    },
    TouchToken {
        id: i64,
        at: i64,
        reply: Reply<()>,
    },
    /// Holds the writer inside its transaction until `release` fires (tests only: it lets
    /// a test line up a batch, or fill the channel, deterministically).
    #[cfg(test)]
    Hold {
        release: std::sync::mpsc::Receiver<()>,
        reply: Reply<()>,
    },
    /// Writes a row and then fails (tests only: a failing batch-mate).
    #[cfg(test)]
    FailAfterWriting {
        reply: Reply<()>,
    },
}

/// An operation's result, held until the batch's commit decides whether it stands.
type Answer = Box<dyn FnOnce(Option<&DbError>) + Send>;

fn answer<T: Send + 'static>(reply: Reply<T>, result: Result<T, DbError>) -> Answer {
    Box::new(move |commit_failed| {
        let result = match (commit_failed, result) {
            (Some(e), Ok(_)) => Err(e.clone()),
            (_, result) => result,
        };
        // The caller may have gone away (a closed connection): nothing to tell.
        let _ = reply.send(result);
    })
}

/// Runs `f` under a savepoint: on error only its own writes are undone.
fn savepoint<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, DbError>,
) -> Result<T, DbError> {
    // Cached statements: parsing these three per operation was a visible share of the
    // writer's time.
    conn.prepare_cached("SAVEPOINT op")?.execute([])?;
    match f(conn) {
        Ok(value) => {
            conn.prepare_cached("RELEASE op")?.execute([])?;
            Ok(value)
        }
        Err(e) => {
            conn.prepare_cached("ROLLBACK TO op")?.execute([])?;
            conn.prepare_cached("RELEASE op")?.execute([])?;
            Err(e)
        }
    }
}

impl Op {
    /// Applies the operation inside the open transaction.
    fn run(self, conn: &Connection) -> Answer {
        match self {
            Op::Work(mut job) => {
                // Failed before or inside the unit: its savepoint undid its writes, and the
                // batch's commit does not change its answer.
                let failed = savepoint(conn, |c| job.run(&mut SqliteTx(c))).err();
                Box::new(move |commit_failed| job.finish(failed.as_ref().or(commit_failed)))
            }
            Op::SetVerdicts { verdicts, reply } => answer(
                reply,
                savepoint(conn, |c| super::comments::set_verdicts(c, &verdicts)),
            ),
            Op::UpsertSite {
                origin,
                name,
                reply,
            } => answer(
                reply,
                savepoint(conn, |c| super::sites::upsert_site(c, &origin, &name)),
            ),
            Op::StartSession { session: s, reply } => answer(
                reply,
                savepoint(conn, |c| {
                    super::dashboard::insert_session(
                        c,
                        &s.token_hash,
                        s.moderator,
                        &s.csrf_token,
                        s.at,
                    )
                }),
            ),
            Op::TouchSession {
                token_hash,
                at,
                reply,
            } => answer(
                reply,
                savepoint(conn, |c| {
                    super::dashboard::touch_session(c, &token_hash, at)
                }),
            ),
            Op::EndSession { token_hash, reply } => answer(
                reply,
                savepoint(conn, |c| super::dashboard::delete_session(c, &token_hash)),
            ),
            Op::SetUndo {
                token_hash,
                undo,
                reply,
            } => answer(
                reply,
                savepoint(conn, |c| {
                    super::dashboard::set_undo(c, &token_hash, undo.as_deref())
                }),
            ),
            Op::ForgiveAttempt { clear, one, reply } => answer(
                reply,
                savepoint(conn, |c| super::dashboard::forgive_attempt(c, &clear, &one)),
            ),
            Op::AddRule {
                rule,
                by,
                at,
                reply,
            } => answer(
                reply,
                savepoint(conn, |c| super::guard::add_rule(c, &rule, by, at)),
            ),
            Op::DeleteRule { id, reply } => {
                answer(reply, savepoint(conn, |c| super::guard::delete_rule(c, id)))
            }
            Op::Ping { reply } => answer(reply, Ok(())),
            Op::SetNotify {
                id,
                email,
                choice,
                reply,
            } => answer(
                reply,
                savepoint(conn, |c| {
                    super::notify::set_settings(c, id, email.as_deref(), choice)
                }),
            ),
            Op::SetDigestSent { id, at, reply } => answer(
                reply,
                savepoint(conn, |c| super::notify::set_digest_sent(c, id, at)),
            ),
            Op::SetSiteKey {
                site,
                generation,
                hash,
                reply,
            } => answer(
                reply,
                savepoint(conn, |c| super::sites::set_key(c, site, generation, &hash)),
            ),
            Op::SetStoreChecked { origin, on, reply } => answer(
                reply,
                savepoint(conn, |c| super::sites::set_store_checked(c, &origin, on)),
            ),
            Op::PurgeBefore { cutoff, reply } => answer(
                reply,
                savepoint(conn, |c| super::privacy::purge_before(c, cutoff)),
            ),
            Op::SetAddresses { rows, reply } => answer(
                reply,
                savepoint(conn, |c| super::privacy::set_addresses(c, &rows)),
            ),
            // Only reached inside a batch (`run` handles a Close that starts one): the
            // checkpoint happens when the loop sees it next.
            Op::Close { reply } | Op::Checkpoint { reply } => answer(reply, Ok(())),
            Op::Wake => Box::new(|_| {}),
            Op::InsertToken { token, reply } => answer(
                reply,
                savepoint(conn, |c| super::tokens::insert_token(c, &token)),
            ),
            Op::DeleteToken { id, owner, reply } => answer(
                reply,
                savepoint(conn, |c| super::tokens::delete_token(c, id, owner)),
            ),
            Op::TouchToken { id, at, reply } => answer(
                reply,
                savepoint(conn, |c| super::tokens::touch_token(c, id, at)),
            ),
            #[cfg(test)]
            Op::Hold { release, reply } => {
                let _ = release.recv();
                answer(reply, Ok(()))
            }
            #[cfg(test)]
            Op::FailAfterWriting { reply } => answer(
                reply,
                savepoint(conn, |c| {
                    super::sites::upsert_site(c, "https://never.example", "never")?;
                    Err(DbError::from(rusqlite::Error::InvalidQuery))
                }),
            ),
        }
    }

    /// Answers the caller with `e` without running (the transaction could not begin).
    fn fail(self, e: &DbError) {
        let answer_now: Answer = match self {
            Op::Wake => return,
            Op::Work(job) => return job.finish(Some(e)),
            Op::UpsertSite { reply, .. } => answer(reply, Err(e.clone())),
            Op::AddRule { reply, .. }
            | Op::DeleteRule { reply, .. }
            | Op::DeleteToken { reply, .. }
            | Op::SetStoreChecked { reply, .. } => answer(reply, Err(e.clone())),
            Op::InsertToken { reply, .. } => answer(reply, Err(e.clone())),
            Op::SetVerdicts { reply, .. }
            | Op::StartSession { reply, .. }
            | Op::TouchSession { reply, .. }
            | Op::EndSession { reply, .. }
            | Op::SetUndo { reply, .. }
            | Op::ForgiveAttempt { reply, .. }
            | Op::TouchToken { reply, .. }
            | Op::Ping { reply, .. }
            | Op::SetAddresses { reply, .. }
            | Op::Close { reply, .. }
            | Op::Checkpoint { reply, .. }
            | Op::SetNotify { reply, .. }
            | Op::SetDigestSent { reply, .. }
            | Op::SetSiteKey { reply, .. } => answer(reply, Err(e.clone())),
            Op::PurgeBefore { reply, .. } => answer(reply, Err(e.clone())),
            #[cfg(test)]
            Op::Hold { reply, .. } | Op::FailAfterWriting { reply } => {
                answer(reply, Err(e.clone()))
            }
        };
        answer_now(None);
    }
}

/// The sending side of the writer: cloneable, cheap.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Op>,
}

impl Writer {
    /// Starts the writer thread on `conn` (already migrated).
    ///
    /// # Errors
    /// The thread cannot be started.
    pub fn start(conn: Connection, limits: Limits) -> Result<Self, DbError> {
        let (tx, rx) = mpsc::channel(limits.queue);
        let wake = tx.downgrade();
        let wal = conn
            .path()
            .filter(|p| !p.is_empty())
            .map(|p| std::path::PathBuf::from(format!("{p}-wal")))
            .ok_or_else(|| {
                DbError::Backend(std::sync::Arc::new(std::io::Error::other(
                    "the writer needs a database file",
                )))
            })?;
        // Room for a few committed batches waiting for their sync; then the writer waits.
        let (synced_tx, synced_rx) = std::sync::mpsc::sync_channel(4);
        let unsynced = Arc::new(AtomicUsize::new(0));
        let in_sync = Arc::clone(&unsynced);
        std::thread::Builder::new()
            .name("replyguard-sync".into())
            .spawn(move || sync_loop(&wal, &synced_rx, &in_sync, &wake))
            .map_err(|e| DbError::Backend(std::sync::Arc::new(e)))?;
        let to_sync = SyncHandle {
            tx: synced_tx,
            unsynced,
        };
        std::thread::Builder::new()
            .name("replyguard-writer".into())
            .spawn(move || run(conn, rx, &to_sync, limits))
            .map_err(|e| DbError::Backend(std::sync::Arc::new(e)))?;
        Ok(Self { tx })
    }

    /// Queues an operation that answers on a channel of its own (a unit of work).
    ///
    /// # Errors
    /// [`DbError::WriterGone`].
    pub async fn send(&self, op: Op) -> Result<(), DbError> {
        self.tx.send(op).await.map_err(|_| DbError::WriterGone)
    }

    /// Sends the operation built by `op` and waits for its answer, which comes only after
    /// the transaction holding it has committed (or failed).
    ///
    /// # Errors
    /// The operation's own error, a failed commit, or [`DbError::WriterGone`].
    pub async fn call<T>(&self, op: impl FnOnce(Reply<T>) -> Op) -> Result<T, DbError> {
        let (reply, answer) = oneshot::channel();
        let sent = Instant::now();
        self.tx
            .send(op(reply))
            .await
            .map_err(|_| DbError::WriterGone)?;
        let answered = answer.await.map_err(|_| DbError::WriterGone)?;
        crate::metrics::global()
            .commit
            .observe_duration(sent.elapsed());
        answered
    }
}

/// The writer's way to the sync thread: committed batches, and how many are not yet synced.
struct SyncHandle {
    tx: std::sync::mpsc::SyncSender<Vec<Answer>>,
    unsynced: Arc<AtomicUsize>,
}

/// The writer's loop: one group commit per turn until every sender is gone.
fn run(conn: Connection, mut rx: mpsc::Receiver<Op>, synced: &SyncHandle, limits: Limits) {
    while let Some(first) = rx.blocking_recv() {
        // Every batch before these was committed: fold the WAL back into the file (and, for
        // Close, stop, leaving the data directory one self-contained database).
        let first = match first {
            Op::Close { reply } => {
                let _ = reply.send(checkpoint(&conn));
                return;
            }
            Op::Checkpoint { reply } => {
                let _ = reply.send(checkpoint(&conn));
                continue;
            }
            Op::Wake => continue,
            op => op,
        };
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            let e = DbError::from(e);
            tracing::error!(error.message = %e, "the writer could not begin a transaction");
            first.fail(&e);
            while let Ok(op) = rx.try_recv() {
                op.fail(&e);
            }
            continue;
        }
        let started = Instant::now();
        let mut answers = vec![first.run(&conn)];
        // Take what is waiting. While the sync thread is still busy with an earlier batch,
        // keep the transaction open and take what arrives meanwhile: this batch could not
        // be synced any sooner, and one commit for more operations writes fewer pages. The
        // sync thread sends a wake-up when it is done, so waiting for "an operation or the
        // sync" is one blocking receive (a sleep-and-look loop overslept each wait by the
        // timer's slack, idling the writer).
        while answers.len() < limits.batch && started.elapsed() < limits.batch_time {
            let op = match rx.try_recv() {
                Ok(op) => op,
                Err(mpsc::error::TryRecvError::Empty)
                    if synced.unsynced.load(Ordering::Acquire) > 0 =>
                {
                    match rx.blocking_recv() {
                        Some(op) => op,
                        None => break,
                    }
                }
                Err(_) => break,
            };
            if !matches!(op, Op::Wake) {
                answers.push(op.run(&conn));
            }
        }
        crate::metrics::global()
            .batch_size
            .observe(answers.len() as f64);
        match conn.execute_batch("COMMIT") {
            // Committed: answered once the sync thread has made it durable.
            Ok(()) => {
                synced.unsynced.fetch_add(1, Ordering::AcqRel);
                if let Err(unsent) = synced.tx.send(answers) {
                    for answer in unsent.0 {
                        answer(Some(&DbError::WriterGone));
                    }
                }
            }
            Err(e) => {
                let e = DbError::from(e);
                tracing::error!(error.message = %e, ops = answers.len(), "group commit failed");
                let _ = conn.execute_batch("ROLLBACK");
                for answer in answers {
                    answer(Some(&e));
                }
            }
        }
    }
}

/// Copies the WAL into the database file and truncates the WAL to zero bytes. A reader
/// still using old pages keeps it from completing: it is tried again for up to
/// [`CHECKPOINT_PATIENCE`], and then reported, never taken for done (an erasure relies on
/// it to take the old text out of the WAL).
fn checkpoint(conn: &Connection) -> Result<(), DbError> {
    let started = std::time::Instant::now();
    loop {
        let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
        if busy == 0 {
            return Ok(());
        }
        if started.elapsed() >= CHECKPOINT_PATIENCE {
            return Err(DbError::Backend(Arc::new(std::io::Error::new(
                std::io::ErrorKind::WouldBlock,
                "the write-ahead log could not be truncated: readers kept it busy",
            ))));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// How long a checkpoint waits for readers to let go of the write-ahead log.
const CHECKPOINT_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

/// The sync thread's loop: takes every committed batch waiting, makes the WAL durable with
/// one `fdatasync`, and only then answers their callers. While it syncs, the writer is
/// already running the next batch: the fsync no longer stalls the writer.
fn sync_loop(
    wal: &std::path::Path,
    batches: &std::sync::mpsc::Receiver<Vec<Answer>>,
    unsynced: &AtomicUsize,
    writer: &mpsc::WeakSender<Op>,
) {
    // However this thread ends (its channel closed, or a panic), a writer holding a batch
    // open for a sync that will not come must not wait for the next operation to notice.
    let _on_exit = StopWaiting { unsynced, writer };
    let mut file: Option<(std::fs::File, u64)> = None;
    while let Ok(first) = batches.recv() {
        let mut answers = first;
        let mut taken = 1;
        while let Ok(more) = batches.try_recv() {
            answers.extend(more);
            taken += 1;
        }
        let failed = sync_wal(wal, &mut file).err().map(|e| {
            tracing::error!(error.message = %e, "syncing the WAL failed");
            DbError::Backend(std::sync::Arc::new(e))
        });
        for answer in answers {
            answer(failed.as_ref());
        }
        unsynced.fetch_sub(taken, Ordering::AcqRel);
        // After the count, so a writer that saw it non-zero and waits is woken.
        wake(writer);
    }
}

/// Tells a waiting writer to look again. A full channel needs no wake-up: the writer has
/// operations to take. The sender is weak so that the channel still closes when the
/// service drops its writer.
fn wake(writer: &mpsc::WeakSender<Op>) {
    if let Some(tx) = writer.upgrade() {
        let _ = tx.try_send(Op::Wake);
    }
}

/// Dropped when the sync thread ends: no batch is waiting for it any more.
struct StopWaiting<'a> {
    unsynced: &'a AtomicUsize,
    writer: &'a mpsc::WeakSender<Op>,
}

impl Drop for StopWaiting<'_> {
    fn drop(&mut self) {
        self.unsynced.store(0, Ordering::Release);
        wake(self.writer);
    }
}

/// `fdatasync` of the WAL file, reopening it if SQLite replaced it (a new inode).
fn sync_wal(wal: &std::path::Path, file: &mut Option<(std::fs::File, u64)>) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    let inode = std::fs::metadata(wal)?.ino();
    if file.as_ref().is_none_or(|(_, ino)| *ino != inode) {
        *file = Some((std::fs::File::open(wal)?, inode));
    }
    match file {
        Some((f, _)) => f.sync_data(),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer_on(dir: &std::path::Path, limits: Limits) -> (Writer, std::path::PathBuf) {
        let path = dir.join("w.sqlite3");
        let mut conn = super::super::open_writer_connection(&path).expect("open");
        super::super::migrations::migrate(&mut conn).expect("migrate");
        (Writer::start(conn, limits).expect("start"), path)
    }

    fn count_sites(path: &std::path::Path) -> i64 {
        let conn = Connection::open(path).expect("open");
        conn.query_row("SELECT COUNT(*) FROM sites", [], |r| r.get(0))
            .expect("count")
    }

    fn site(
        writer: &Writer,
        origin: &str,
    ) -> impl Future<Output = Result<SiteId, DbError>> + use<> {
        let (writer, origin) = (writer.clone(), origin.to_owned());
        async move {
            writer
                .call(|reply| Op::UpsertSite {
                    name: origin.clone(),
                    origin,
                    reply,
                })
                .await
        }
    }

    /// Holds the writer inside a transaction until the returned sender fires.
    fn hold(writer: &Writer, rt: &tokio::runtime::Runtime) -> std::sync::mpsc::Sender<()> {
        let (release_tx, release) = std::sync::mpsc::channel();
        let w = writer.clone();
        rt.spawn(async move { w.call(|reply| Op::Hold { release, reply }).await });
        release_tx
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("runtime")
    }

    #[test]
    fn a_failing_operation_leaves_its_batch_mates_committed() {
        let dir = tempfile::tempdir().expect("tmp");
        let (writer, path) = writer_on(dir.path(), Limits::default());
        let rt = runtime();
        let release = hold(&writer, &rt);
        // Lined up behind the hold, these three run in one batch.
        let a = rt.spawn(site(&writer, "https://a.example"));
        std::thread::sleep(Duration::from_millis(50));
        let w = writer.clone();
        let bad = rt.spawn(async move { w.call(|reply| Op::FailAfterWriting { reply }).await });
        std::thread::sleep(Duration::from_millis(50));
        let b = rt.spawn(site(&writer, "https://b.example"));
        std::thread::sleep(Duration::from_millis(50));
        release.send(()).expect("release");
        rt.block_on(async {
            assert!(a.await.expect("join").is_ok());
            assert!(bad.await.expect("join").is_err());
            assert!(b.await.expect("join").is_ok());
        });
        // The failing operation's own write was undone; the others' stand.
        assert_eq!(count_sites(&path), 2);
    }

    #[test]
    fn no_answer_comes_before_the_commit() {
        let dir = tempfile::tempdir().expect("tmp");
        let (writer, path) = writer_on(dir.path(), Limits::default());
        let rt = runtime();
        // Another connection holds the write lock: the writer cannot begin its transaction
        // (busy_timeout waits up to 5 s), so nothing can be committed yet.
        let blocker = Connection::open(&path).expect("open");
        blocker.execute_batch("BEGIN IMMEDIATE").expect("lock");
        let pending = rt.spawn(site(&writer, "https://a.example"));
        std::thread::sleep(Duration::from_millis(300));
        assert!(!pending.is_finished(), "answered before any commit");
        blocker.execute_batch("COMMIT").expect("unlock");
        let id = rt.block_on(pending).expect("join").expect("stored");
        // Once answered, the row is visible to any other connection: it was committed.
        assert_eq!(count_sites(&path), 1);
        assert!(id.0 > 0);
    }

    #[test]
    fn a_full_channel_pushes_back() {
        let dir = tempfile::tempdir().expect("tmp");
        let limits = Limits {
            queue: 4,
            ..Limits::default()
        };
        let (writer, path) = writer_on(dir.path(), limits);
        let rt = runtime();
        let release = hold(&writer, &rt);
        std::thread::sleep(Duration::from_millis(50));
        let mut waiting = Vec::new();
        for i in 0..4 {
            waiting.push(rt.spawn(site(&writer, &format!("https://{i}.example"))));
        }
        std::thread::sleep(Duration::from_millis(50));
        // The channel holds four; a fifth has no room and is told so, rather than queued.
        let permit = writer.tx.try_reserve();
        assert!(matches!(permit, Err(mpsc::error::TrySendError::Full(()))));
        release.send(()).expect("release");
        rt.block_on(async {
            for w in waiting {
                w.await.expect("join").expect("stored");
            }
        });
        assert_eq!(count_sites(&path), 4);
        assert!(writer.tx.try_reserve().is_ok());
    }

    #[test]
    fn a_sync_thread_that_stops_releases_a_waiting_writer() {
        let (tx, mut rx) = mpsc::channel(4);
        let unsynced = AtomicUsize::new(2);
        let weak = tx.downgrade();
        drop(StopWaiting {
            unsynced: &unsynced,
            writer: &weak,
        });
        // No batch waits for a sync any more, and the writer is told to look again.
        assert_eq!(unsynced.load(Ordering::Acquire), 0);
        assert!(matches!(rx.try_recv(), Ok(Op::Wake)));
        // With every strong sender gone, it stops instead of keeping the channel open.
        drop(tx);
        drop(StopWaiting {
            unsynced: &unsynced,
            writer: &weak,
        });
        assert!(rx.try_recv().is_err());
    }
}

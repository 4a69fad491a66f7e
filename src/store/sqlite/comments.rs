//! Threads, comments and the moderation log.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::DbError;
use crate::domain::{
    CampaignInfo, CommentId, CommentStatus, Filing, ImportedComment, LogEntry, LogEvent,
    ModComment, NewComment, Order, PublicComment, ScoringRow, SiteId, StoredVerdict,
    SubmissionMeta, Submitted, ThreadId, Timestamp,
};
pub(crate) use crate::store::sql::MOD_COLUMNS;
use crate::store::sql::signals_json;

impl ToSql for CommentStatus {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for CommentStatus {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|e: String| FromSqlError::Other(e.into()))
    }
}

/// The comment imported under `key`, if any.
///
/// # Errors
/// The SQL error, if any.
pub fn find_by_import_key(conn: &Connection, key: &str) -> Result<Option<CommentId>, DbError> {
    Ok(conn
        .query_row(
            "SELECT id FROM comments WHERE import_key = ?1",
            [key],
            |row| row.get(0),
        )
        .optional()?
        .map(CommentId))
}

/// Stores an imported comment; the caller checks [`find_by_import_key`] first and commits.
///
/// # Errors
/// The SQL error, if any.
pub fn insert_imported(
    conn: &Connection,
    thread: ThreadId,
    comment: &ImportedComment,
    parent: Option<CommentId>,
) -> Result<CommentId, DbError> {
    let verdict = comment.verdict.as_ref();
    conn.prepare_cached(
        "INSERT INTO comments (thread_id, parent_id, author, email, website, body, status,
                               created_at, client_ip, spam_score, spam_log_odds, spam_reasons,
                               model_version, import_key, client_ip_hash, signals)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params![
        thread.0,
        parent.map(|p| p.0),
        comment.author,
        comment.email,
        comment.website,
        comment.body,
        comment.status,
        comment.created_at,
        comment.client_ip,
        verdict.map(|v| v.probability),
        verdict.map(|v| v.log_odds),
        verdict.map(|v| v.reasons_json.as_str()),
        verdict.map(|v| v.model_version.as_str()),
        comment.import_key,
        comment.client_ip_hash,
        signals_json(&comment.signals),
    ])?;
    // `RETURNING` would build an ephemeral table per insert; the rowid is already at hand.
    Ok(CommentId(conn.last_insert_rowid()))
}

/// Sets the parent of comment `id` (imports whose parent came later in the file).
///
/// # Errors
/// The SQL error, if any.
pub fn set_parent(conn: &Connection, id: CommentId, parent: CommentId) -> Result<(), DbError> {
    conn.prepare_cached("UPDATE comments SET parent_id = ?2 WHERE id = ?1")?
        .execute(params![id.0, parent.0])?;
    Ok(())
}

/// Whether `candidate` is `of` itself or one of its ancestors. The stored tree never holds a
/// cycle, so the walk up from `of` ends at a root.
///
/// # Errors
/// The SQL error, if any.
pub fn is_ancestor_or_self(
    conn: &Connection,
    candidate: CommentId,
    of: CommentId,
) -> Result<bool, DbError> {
    let found = conn
        .prepare_cached(
            "WITH RECURSIVE up(id) AS (
                 SELECT ?2
                 UNION ALL
                 SELECT c.parent_id FROM comments c JOIN up ON c.id = up.id
                 WHERE c.parent_id IS NOT NULL
             )
             SELECT EXISTS (SELECT 1 FROM up WHERE id = ?1)",
        )?
        .query_row(params![candidate.0, of.0], |row| row.get(0))?;
    Ok(found)
}

/// Up to `limit` pending comments with ids above `after`, in id order.
///
/// # Errors
/// The SQL error, if any.
pub fn list_pending_for_scoring(
    conn: &Connection,
    after: i64,
    limit: u32,
) -> Result<Vec<ScoringRow>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.body, c.author, c.website, c.email, s.origin FROM comments c
         JOIN threads t ON t.id = c.thread_id JOIN sites s ON s.id = t.site_id
         WHERE c.status = 'pending' AND c.id > ?1 ORDER BY c.id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after, limit], |row| {
        Ok(ScoringRow {
            id: CommentId(row.get(0)?),
            site: row.get(5)?,
            body: row.get(1)?,
            author: row.get(2)?,
            website: row.get(3)?,
            email: row.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Replaces the filter's verdict on comment `id` (its status is left alone).
///
/// # Errors
/// The SQL error, if any.
pub fn set_verdict(
    conn: &Connection,
    id: CommentId,
    verdict: &StoredVerdict,
) -> Result<(), DbError> {
    conn.prepare_cached(
        "UPDATE comments SET spam_score = ?2, spam_log_odds = ?3, spam_reasons = ?4,
                             model_version = ?5
         WHERE id = ?1",
    )?
    .execute(params![
        id.0,
        verdict.probability,
        verdict.log_odds,
        verdict.reasons_json,
        verdict.model_version
    ])?;
    Ok(())
}

/// Creates the thread for `url` under `site`. Callers look it up first ([`thread_id`]):
/// nearly every comment goes to a thread that exists, and an upsert that finds it still
/// rewrites the row (a page write per comment for nothing).
///
/// # Errors
/// The SQL error, if any.
pub fn insert_thread(
    conn: &Connection,
    site: SiteId,
    url: &str,
    at: i64,
) -> Result<ThreadId, DbError> {
    let id = conn
        .prepare_cached(
            "INSERT INTO threads (site_id, url, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (url) DO UPDATE SET url = url
         RETURNING id",
        )?
        .query_row(params![site.0, url, at], |row| row.get(0))?;
    Ok(ThreadId(id))
}

/// The thread and status of comment `id`, if it exists.
///
/// # Errors
/// The SQL error, if any.
pub fn find_thread_and_status(
    conn: &Connection,
    id: CommentId,
) -> Result<Option<(ThreadId, CommentStatus)>, DbError> {
    Ok(conn
        .query_row(
            "SELECT thread_id, status FROM comments WHERE id = ?1",
            [id.0],
            |row| Ok((ThreadId(row.get(0)?), row.get(1)?)),
        )
        .optional()?)
}

/// Stores a new comment; the caller commits.
///
/// # Errors
/// The SQL error, if any.
pub fn insert_comment(
    conn: &Connection,
    thread: ThreadId,
    comment: &NewComment,
    meta: &SubmissionMeta,
    filing: &Filing,
    before_spam: Option<CommentStatus>,
) -> Result<CommentId, DbError> {
    let (status, verdict) = (filing.status, filing.verdict.as_ref());
    let signals = signals_json(&filing.signals);
    conn.prepare_cached(
        "INSERT INTO comments (thread_id, parent_id, author, email, website, body, status,
                               status_before_spam, created_at, client_ip, user_agent, referrer,
                               spam_score, spam_log_odds, spam_reasons, model_version,
                               idempotency_key, signals, client_ip_hash, campaign_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                 ?19, ?20)",
    )?
    .execute(params![
        thread.0,
        comment.parent.map(|p| p.0),
        comment.author.as_ref(),
        comment.email.as_ref(),
        comment.website.as_ref().map(AsRef::<str>::as_ref),
        comment.body.as_ref(),
        status,
        before_spam,
        meta.created_at,
        meta.client_ip,
        meta.user_agent,
        meta.referrer,
        verdict.map(|v| v.probability),
        verdict.map(|v| v.log_odds),
        verdict.map(|v| v.reasons_json.as_str()),
        verdict.map(|v| v.model_version.as_str()),
        meta.idempotency_key,
        signals,
        meta.client_ip_hash,
        meta.campaign.map(|c| c.0),
    ])?;
    Ok(CommentId(conn.last_insert_rowid()))
}

/// The comment created under an idempotency key: its id, status and time.
///
/// # Errors
/// The SQL error, if any.
pub fn find_by_idempotency_key(conn: &Connection, key: &str) -> Result<Option<Submitted>, DbError> {
    Ok(conn
        .prepare_cached("SELECT id, status, created_at FROM comments WHERE idempotency_key = ?1")?
        .query_row([key], |row| {
            Ok(Submitted {
                id: CommentId(row.get(0)?),
                status: row.get(1)?,
                created_at: row.get(2)?,
            })
        })
        .optional()?)
}

/// The approved comments of the thread at `url`, oldest first.
///
/// # Errors
/// The SQL error, if any.
pub fn list_public(conn: &Connection, url: &str) -> Result<Vec<PublicComment>, DbError> {
    // Selects no email, IP or user agent: what is not read cannot leak.
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.parent_id, c.author, c.website, c.body, c.created_at
         FROM comments c JOIN threads t ON t.id = c.thread_id
         WHERE t.url = ?1 AND c.status = 'approved'
         ORDER BY c.id",
    )?;
    let rows = stmt.query_map([url], |row| {
        Ok(PublicComment {
            id: CommentId(row.get(0)?),
            parent: row.get::<_, Option<i64>>(1)?.map(CommentId),
            author: row.get(2)?,
            website: row.get(3)?,
            body: row.get(4)?,
            created_at: Timestamp(row.get(5)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn mod_comment(row: &Row<'_>) -> rusqlite::Result<ModComment> {
    Ok(ModComment {
        id: CommentId(row.get(0)?),
        thread: row.get(1)?,
        parent: row.get::<_, Option<i64>>(2)?.map(CommentId),
        author: row.get(3)?,
        email: row.get(4)?,
        website: row.get(5)?,
        body: row.get(6)?,
        status: row.get(7)?,
        created_at: Timestamp(row.get(8)?),
        client_ip: row.get(9)?,
        user_agent: row.get(10)?,
        referrer: row.get(11)?,
        spam_score: row.get(12)?,
        spam_log_odds: row.get(13)?,
        spam_reasons: row
            .get::<_, Option<String>>(14)?
            .and_then(|json| serde_json::value::RawValue::from_string(json).ok()),
        model_version: row.get(15)?,
        signals: row
            .get::<_, Option<String>>(16)?
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default(),
        campaign: match (
            row.get::<_, Option<i64>>(17)?,
            row.get::<_, Option<i64>>(18)?,
            row.get::<_, Option<i64>>(19)?,
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

/// One page of comments in `status`, and how many there are in all.
///
/// # Errors
/// The SQL error, if any.
pub fn list_by_status(
    conn: &Connection,
    status: CommentStatus,
    order: Order,
    limit: u32,
    offset: u64,
) -> Result<(Vec<ModComment>, u64), DbError> {
    let direction = match order {
        Order::Newest => "DESC",
        Order::Oldest => "ASC",
    };
    let sql = format!(
        "SELECT {MOD_COLUMNS} FROM comments c JOIN threads t ON t.id = c.thread_id
         WHERE c.status = ?1 ORDER BY c.id {direction} LIMIT ?2 OFFSET ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![status, limit, offset], mod_comment)?;
    let items = rows.collect::<Result<_, _>>()?;
    let total: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM comments WHERE status = ?1")?
        .query_row([status], |row| row.get(0))?;
    Ok((items, u64::try_from(total).unwrap_or(0)))
}

/// Everything stored about comment `id`, if it exists.
///
/// # Errors
/// The SQL error, if any.
pub fn find_for_moderation(
    conn: &Connection,
    id: CommentId,
) -> Result<Option<ModComment>, DbError> {
    let sql = format!(
        "SELECT {MOD_COLUMNS} FROM comments c JOIN threads t ON t.id = c.thread_id WHERE c.id = ?1"
    );
    Ok(conn.query_row(&sql, [id.0], mod_comment).optional()?)
}

/// The status of comment `id` and what it was before being marked spam, if it exists.
///
/// # Errors
/// The SQL error, if any.
pub fn find_status(
    conn: &Connection,
    id: CommentId,
) -> Result<Option<(CommentStatus, Option<CommentStatus>)>, DbError> {
    Ok(conn
        .query_row(
            "SELECT status, status_before_spam FROM comments WHERE id = ?1",
            [id.0],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?)
}

/// The public version of the thread at `url`, if the thread exists.
///
/// # Errors
/// The SQL error, if any.
pub fn thread_version(conn: &Connection, url: &str) -> Result<Option<i64>, DbError> {
    Ok(conn
        .prepare_cached("SELECT public_version FROM threads WHERE url = ?1")?
        .query_row([url], |row| row.get(0))
        .optional()?)
}

/// Replaces the filter's verdicts on these comments (statuses are left alone).
///
/// # Errors
/// The SQL error, if any.
pub fn set_verdicts(
    conn: &Connection,
    verdicts: &[(CommentId, StoredVerdict)],
) -> Result<(), DbError> {
    for (id, verdict) in verdicts {
        set_verdict(conn, *id, verdict)?;
    }
    Ok(())
}

/// Raises the public version of a thread.
///
/// # Errors
/// The SQL error, if any.
pub fn bump_thread(conn: &Connection, thread: ThreadId) -> Result<(), DbError> {
    conn.prepare_cached("UPDATE threads SET public_version = public_version + 1 WHERE id = ?1")?
        .execute([thread.0])?;
    Ok(())
}

/// The thread at `url`, if it exists.
///
/// # Errors
/// The SQL error, if any.
pub fn thread_id(conn: &Connection, url: &str) -> Result<Option<ThreadId>, DbError> {
    Ok(conn
        .prepare_cached("SELECT id FROM threads WHERE url = ?1")?
        .query_row([url], |row| row.get(0))
        .optional()?
        .map(ThreadId))
}

/// Raises the public version of the thread comment `id` belongs to.
///
/// # Errors
/// The SQL error, if any.
pub fn bump_thread_of(conn: &Connection, id: CommentId) -> Result<(), DbError> {
    conn.prepare_cached(
        "UPDATE threads SET public_version = public_version + 1
         WHERE id = (SELECT thread_id FROM comments WHERE id = ?1)",
    )?
    .execute([id.0])?;
    Ok(())
}

/// Sets the status of comment `id`; the caller commits together with [`append_log`].
///
/// # Errors
/// The SQL error, if any.
pub fn set_status(
    conn: &Connection,
    id: CommentId,
    status: CommentStatus,
    status_before_spam: Option<CommentStatus>,
) -> Result<(), DbError> {
    conn.prepare_cached("UPDATE comments SET status = ?2, status_before_spam = ?3 WHERE id = ?1")?
        .execute(params![id.0, status, status_before_spam])?;
    Ok(())
}

/// Appends one entry to the moderation log.
///
/// # Errors
/// The SQL error, if any.
pub fn append_log(conn: &Connection, event: &LogEvent) -> Result<(), DbError> {
    conn.prepare_cached(
        "INSERT INTO mod_log (comment_id, moderator_id, action, from_status, to_status, created_at,
                              reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        event.comment.0,
        event.moderator.map(|m| m.0),
        event.action.as_str(),
        event.from,
        event.to,
        event.at,
        event.reason,
    ])?;
    Ok(())
}

/// The moderation log of comment `id`, oldest first.
///
/// # Errors
/// The SQL error, if any.
pub fn list_log(conn: &Connection, id: CommentId) -> Result<Vec<LogEntry>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, m.name, l.action, l.from_status, l.to_status, l.created_at, l.reason
         FROM mod_log l LEFT JOIN moderators m ON m.id = l.moderator_id
         WHERE l.comment_id = ?1 ORDER BY l.id",
    )?;
    let rows = stmt.query_map([id.0], |row| {
        Ok(LogEntry {
            id: row.get(0)?,
            moderator: row.get(1)?,
            action: row.get(2)?,
            from: row.get(3)?,
            to: row.get(4)?,
            at: Timestamp(row.get(5)?),
            reason: row.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Makes `seed` the first member of its campaign (a second comment just joined it).
///
/// # Errors
/// The SQL error, if any.
pub fn start_campaign(conn: &Connection, seed: CommentId) -> Result<(), DbError> {
    conn.prepare_cached(
        "UPDATE comments SET campaign_id = ?1 WHERE id = ?1 AND campaign_id IS NULL",
    )?
    .execute([seed.0])?;
    Ok(())
}

/// The comments of a campaign still waiting for a decision (pending) or in spam.
///
/// # Errors
/// The SQL error, if any.
pub fn campaign_members(conn: &Connection, campaign: CommentId) -> Result<Vec<CommentId>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM comments WHERE campaign_id = ?1 AND status IN ('pending', 'spam')
         ORDER BY id",
    )?;
    let rows = stmt.query_map([campaign.0], |row| Ok(CommentId(row.get(0)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

//! Queries for the moderator dashboard: sessions, sign-in throttling, the queue with its
//! search and orderings, a comment's context, moderator management.

use std::collections::HashMap;

use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, params};

use super::DbError;
use super::comments::{MOD_COLUMNS, mod_comment};
use crate::domain::{
    Agreement, CommentId, CommentStatus, Label, ModComment, ModeratorId, ModeratorRow, QueueFilter,
    QueueOrder, SessionRecord, Timestamp,
};
use crate::store::sql::{like_pattern, where_with};

/// Stores a new session.
///
/// # Errors
/// The SQL error, if any.
pub fn insert_session(
    conn: &Connection,
    token_hash: &str,
    moderator: ModeratorId,
    csrf: &str,
    at: i64,
) -> Result<(), DbError> {
    conn.prepare_cached(
        "INSERT INTO sessions (token_hash, moderator_id, csrf_token, created_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
    )?
    .execute(params![token_hash, moderator.0, csrf, at])?;
    Ok(())
}

/// The session with this token hash, with its moderator.
///
/// # Errors
/// The SQL error, if any.
pub fn find_session(conn: &Connection, token_hash: &str) -> Result<Option<SessionRecord>, DbError> {
    Ok(conn
        .query_row(
            "SELECT s.moderator_id, m.name, m.is_admin, m.is_disabled, s.csrf_token, s.created_at,
                    s.last_seen_at, s.undo
             FROM sessions s JOIN moderators m ON m.id = s.moderator_id WHERE s.token_hash = ?1",
            [token_hash],
            |row| {
                Ok(SessionRecord {
                    token_hash: token_hash.to_owned(),
                    moderator: ModeratorId(row.get(0)?),
                    name: row.get(1)?,
                    is_admin: row.get(2)?,
                    is_disabled: row.get(3)?,
                    csrf_token: row.get(4)?,
                    created_at: row.get(5)?,
                    last_seen_at: row.get(6)?,
                    undo: row.get(7)?,
                })
            },
        )
        .optional()?)
}

/// Marks a session as used now.
///
/// # Errors
/// The SQL error, if any.
pub fn touch_session(conn: &Connection, token_hash: &str, at: i64) -> Result<(), DbError> {
    conn.prepare_cached("UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1")?
        .execute(params![token_hash, at])?;
    Ok(())
}

/// Remembers what the session's last action changed (JSON), for undo; `None` forgets it.
///
/// # Errors
/// The SQL error, if any.
pub fn set_undo(conn: &Connection, token_hash: &str, undo: Option<&str>) -> Result<(), DbError> {
    conn.prepare_cached("UPDATE sessions SET undo = ?2 WHERE token_hash = ?1")?
        .execute(params![token_hash, undo])?;
    Ok(())
}

/// Ends one session.
///
/// # Errors
/// The SQL error, if any.
pub fn delete_session(conn: &Connection, token_hash: &str) -> Result<(), DbError> {
    conn.prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")?
        .execute([token_hash])?;
    Ok(())
}

/// Ends every session of `moderator` except `keep` (a token hash).
///
/// # Errors
/// The SQL error, if any.
pub fn delete_sessions_of(
    conn: &Connection,
    moderator: ModeratorId,
    keep: Option<&str>,
) -> Result<(), DbError> {
    conn.prepare_cached("DELETE FROM sessions WHERE moderator_id = ?1 AND token_hash IS NOT ?2")?
        .execute(params![moderator.0, keep])?;
    Ok(())
}

/// Records a failed sign-in under each key and forgets failures older than `forget_before`.
///
/// # Errors
/// The SQL error, if any.
pub fn record_login_failure(
    conn: &Connection,
    keys: &[&str],
    at: i64,
    forget_before: i64,
) -> Result<(), DbError> {
    conn.prepare_cached("DELETE FROM login_failures WHERE at < ?1")?
        .execute([forget_before])?;
    for key in keys {
        conn.prepare_cached("INSERT INTO login_failures (key, at) VALUES (?1, ?2)")?
            .execute(params![key, at])?;
    }
    Ok(())
}

/// Forgets the latest failure under `key` (an attempt that turned out to be the owner's).
///
/// # Errors
/// The SQL error, if any.
pub fn forget_latest_failure(conn: &Connection, key: &str) -> Result<(), DbError> {
    conn.prepare_cached(
        "DELETE FROM login_failures WHERE rowid =
             (SELECT rowid FROM login_failures WHERE key = ?1 ORDER BY at DESC LIMIT 1)",
    )?
    .execute([key])?;
    Ok(())
}

/// Forgets a successful attempt: every attempt under `clear`, and the latest under `one`.
///
/// # Errors
/// The SQL error, if any.
pub fn forgive_attempt(conn: &Connection, clear: &str, one: &str) -> Result<(), DbError> {
    clear_login_failures(conn, clear)?;
    forget_latest_failure(conn, one)
}

/// Failed sign-ins under `key` since `since`.
///
/// # Errors
/// The SQL error, if any.
pub fn count_login_failures(conn: &Connection, key: &str, since: i64) -> Result<u32, DbError> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM login_failures WHERE key = ?1 AND at >= ?2")?
        .query_row(params![key, since], |row| row.get(0))?)
}

/// Clears the failures of `key` (after a successful sign-in).
///
/// # Errors
/// The SQL error, if any.
pub fn clear_login_failures(conn: &Connection, key: &str) -> Result<(), DbError> {
    conn.prepare_cached("DELETE FROM login_failures WHERE key = ?1")?
        .execute([key])?;
    Ok(())
}

/// One page of the queue, and how many comments match in all.
///
/// # Errors
/// The SQL error, if any.
pub fn list_queue(
    conn: &Connection,
    filter: &QueueFilter,
    limit: u32,
    offset: u64,
) -> Result<(Vec<ModComment>, u64), DbError> {
    let mut clauses: Vec<&str> = Vec::new();
    let mut values: Vec<Box<dyn ToSql>> = Vec::new();
    if let Some(status) = filter.status {
        clauses.push("c.status = ?");
        values.push(Box::new(status));
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
        clauses.push(
            "(c.body LIKE ? ESCAPE '\\' OR c.author LIKE ? ESCAPE '\\' OR c.email LIKE ? ESCAPE '\\' \
             OR c.website LIKE ? ESCAPE '\\')",
        );
        for _ in 0..4 {
            values.push(Box::new(like_pattern(text.trim())));
        }
    }
    if let Some(article) = filter.article.as_deref().filter(|t| !t.trim().is_empty()) {
        clauses.push("t.url LIKE ? ESCAPE '\\'");
        values.push(Box::new(like_pattern(article.trim())));
    }
    if let Some(from) = filter.from {
        clauses.push("c.created_at >= ?");
        values.push(Box::new(from));
    }
    if let Some(to) = filter.to {
        clauses.push("c.created_at < ?");
        values.push(Box::new(to));
    }
    let where_sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let order = filter.order.unwrap_or(QueueOrder::HamFirst);
    let from_sql = "FROM comments c JOIN threads t ON t.id = c.thread_id";
    // Counting and choosing a page need the thread only to filter by article: a join per
    // row costs 100k lookups on a big queue.
    let filter_from = if filter
        .article
        .as_deref()
        .is_some_and(|a| !a.trim().is_empty())
    {
        from_sql
    } else {
        "FROM comments c"
    };
    let count = |extra: &str| -> Result<u64, DbError> {
        let n: i64 = conn.query_row(
            &format!(
                "SELECT COUNT(*) {filter_from} {}",
                where_with(&where_sql, extra)
            ),
            rusqlite::params_from_iter(values.iter().map(|v| v.as_ref())),
            |row| row.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    };
    // The page's ids first, then their rows: sorted whole, SQLite would carry every
    // matching row's columns into the sorter; the ids of one status and their scores are all
    // in `comments_by_status`, so choosing a page by score or by id never visits the table.
    let page = |extra: &str, order_sql: &str, limit: u32, offset: u64| {
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let mut params: Vec<&dyn ToSql> = values.iter().map(|v| v.as_ref()).collect();
        params.push(&limit);
        params.push(&offset);
        let mut stmt = conn.prepare(&format!(
            "SELECT {MOD_COLUMNS} {from_sql} WHERE c.id IN
                 (SELECT c.id {filter_from} {} ORDER BY {order_sql} LIMIT ? OFFSET ?)
             ORDER BY {order_sql}",
            where_with(&where_sql, extra)
        ))?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params), mod_comment)?;
        Ok::<Vec<ModComment>, DbError>(rows.collect::<Result<_, _>>()?)
    };
    let total = count("")?;
    // By score, scored comments come first, then unscored ones by id, asked as two ranges
    // (scored, then unscored) so that each is one pass over the status's index entries.
    // The first page of 100,000 pending: BENCHMARKS.md.
    let by_score = match order {
        QueueOrder::HamFirst => Some("c.spam_log_odds ASC, c.id ASC"),
        QueueOrder::SpamFirst => Some("c.spam_log_odds DESC, c.id DESC"),
        _ => None,
    };
    let rows = if let Some(order_sql) = by_score {
        let mut rows = page("c.spam_log_odds IS NOT NULL", order_sql, limit, offset)?;
        if rows.len() < limit as usize {
            let unscored_offset = if rows.is_empty() {
                offset.saturating_sub(count("c.spam_log_odds IS NOT NULL")?)
            } else {
                0
            };
            let rest = limit - u32::try_from(rows.len()).unwrap_or(limit);
            rows.extend(page(
                "c.spam_log_odds IS NULL",
                "c.id ASC",
                rest,
                unscored_offset,
            )?);
        }
        rows
    } else {
        let order_sql = match order {
            // A number formatted into SQL, not text: cannot inject.
            QueueOrder::Uncertain => format!(
                "c.spam_log_odds IS NULL, abs(c.spam_log_odds - ({:.12})) ASC, c.id ASC",
                filter.threshold_log_odds
            ),
            QueueOrder::Newest => "c.id DESC".to_owned(),
            _ => "c.id ASC".to_owned(),
        };
        page("", &order_sql, limit, offset)?
    };
    Ok((rows, total))
}

/// How many comments have each status.
///
/// # Errors
/// The SQL error, if any.
pub fn count_by_status(conn: &Connection) -> Result<HashMap<CommentStatus, u64>, DbError> {
    let mut stmt = conn.prepare_cached("SELECT status, COUNT(*) FROM comments GROUP BY status")?;
    let rows = stmt.query_map([], |row| {
        Ok((row.get::<_, CommentStatus>(0)?, row.get::<_, i64>(1)?))
    })?;
    let mut counts = HashMap::new();
    for row in rows {
        let (status, n) = row?;
        counts.insert(status, u64::try_from(n).unwrap_or(0));
    }
    Ok(counts)
}

/// Every comment of the thread that `id` belongs to (any status), oldest first, at most 500.
///
/// # Errors
/// The SQL error, if any.
pub fn list_thread_of(conn: &Connection, id: CommentId) -> Result<Vec<ModComment>, DbError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {MOD_COLUMNS} FROM comments c JOIN threads t ON t.id = c.thread_id
         WHERE c.thread_id = (SELECT thread_id FROM comments WHERE id = ?1)
         ORDER BY c.id LIMIT 500"
    ))?;
    let rows = stmt.query_map([id.0], mod_comment)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The same author's other comments (by email address), newest first, at most 50.
///
/// # Errors
/// The SQL error, if any.
pub fn list_by_same_author(conn: &Connection, id: CommentId) -> Result<Vec<ModComment>, DbError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {MOD_COLUMNS} FROM comments c JOIN threads t ON t.id = c.thread_id
         WHERE c.email = (SELECT email FROM comments WHERE id = ?1) AND c.email != '' AND c.id != ?1
         ORDER BY c.id DESC LIMIT 50"
    ))?;
    let rows = stmt.query_map([id.0], mod_comment)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The confusion matrix of the filter against labels, at `threshold` (a probability),
/// counting only labelled comments that carry a score.
///
/// # Errors
/// The SQL error, if any.
pub fn agreement(conn: &Connection, threshold: f64) -> Result<Agreement, DbError> {
    let mut stmt =
        conn.prepare("SELECT label, spam_score FROM labels WHERE spam_score IS NOT NULL")?;
    let rows = stmt.query_map([], |row| {
        Ok((row.get::<_, Label>(0)?, row.get::<_, f64>(1)?))
    })?;
    let mut a = Agreement::default();
    for row in rows {
        let (label, score) = row?;
        match (label, score >= threshold) {
            (Label::Spam, true) => a.spam_caught += 1,
            (Label::Spam, false) => a.spam_missed += 1,
            (Label::Ham, true) => a.ham_flagged += 1,
            (Label::Ham, false) => a.ham_passed += 1,
        }
    }
    Ok(a)
}

/// Every moderator account.
///
/// # Errors
/// The SQL error, if any.
pub fn list_moderators(conn: &Connection) -> Result<Vec<ModeratorRow>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT id, name, is_admin, is_disabled, created_at FROM moderators ORDER BY name",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(ModeratorRow {
            id: row.get(0)?,
            name: row.get(1)?,
            is_admin: row.get(2)?,
            is_disabled: row.get(3)?,
            created_at: Timestamp(row.get(4)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Enables or disables an account; disabling also ends its sessions.
///
/// # Errors
/// The SQL error, if any.
pub fn set_disabled(conn: &Connection, id: ModeratorId, disabled: bool) -> Result<(), DbError> {
    conn.prepare_cached("UPDATE moderators SET is_disabled = ?2 WHERE id = ?1")?
        .execute(params![id.0, disabled])?;
    if disabled {
        delete_sessions_of(conn, id, None)?;
    }
    Ok(())
}

/// Replaces an account's password hash.
///
/// # Errors
/// The SQL error, if any.
pub fn set_password_hash(conn: &Connection, id: ModeratorId, hash: &str) -> Result<(), DbError> {
    conn.prepare_cached("UPDATE moderators SET password_hash = ?2 WHERE id = ?1")?
        .execute(params![id.0, hash])?;
    Ok(())
}

/// Grants or withdraws the admin role.
///
/// # Errors
/// The SQL error, if any.
pub fn set_admin(conn: &Connection, id: ModeratorId, is_admin: bool) -> Result<(), DbError> {
    conn.prepare_cached("UPDATE moderators SET is_admin = ?2 WHERE id = ?1")?
        .execute(params![id.0, is_admin])?;
    Ok(())
}

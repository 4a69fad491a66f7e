//! SQL for a commenter's personal data: retention, export and erasure.

use rusqlite::{Connection, params};

use super::DbError;
use crate::domain::{CommentId, CommentStatus};
use crate::store::sql::{ERASED_AUTHOR, ERASED_BODY};

/// Clears addresses, user agents and referrers of comments created before `cutoff`;
/// how many comments had any.
///
/// # Errors
/// The SQL error, if any.
pub fn purge_before(conn: &Connection, cutoff: i64) -> Result<u64, DbError> {
    Ok(conn
        .prepare_cached(
            "UPDATE comments
             SET client_ip = NULL, client_ip_hash = NULL, user_agent = NULL, referrer = NULL
             WHERE created_at < ?1
               AND (client_ip IS NOT NULL OR client_ip_hash IS NOT NULL
                    OR user_agent IS NOT NULL OR referrer IS NOT NULL)",
        )?
        .execute([cutoff])? as u64)
}

/// Up to `limit` comments still holding a whole address (stored before addresses were
/// hashed): the caller hashes and truncates them.
///
/// # Errors
/// The SQL error, if any.
pub fn whole_addresses(conn: &Connection, limit: u32) -> Result<Vec<(CommentId, String)>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, client_ip FROM comments
         WHERE client_ip IS NOT NULL AND client_ip_hash IS NULL LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |row| Ok((CommentId(row.get(0)?), row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Replaces whole addresses with their network and keyed hash (`None`: unparseable, cleared).
///
/// # Errors
/// The SQL error, if any.
pub fn set_addresses(
    conn: &Connection,
    rows: &[(CommentId, Option<(String, String)>)],
) -> Result<(), DbError> {
    let mut stmt = conn
        .prepare_cached("UPDATE comments SET client_ip = ?2, client_ip_hash = ?3 WHERE id = ?1")?;
    for (id, address) in rows {
        let (network, hash) = match address {
            Some((n, h)) => (Some(n.as_str()), Some(h.as_str())),
            None => (None, None),
        };
        stmt.execute(params![id.0, network, hash])?;
    }
    Ok(())
}

/// The ids of every comment sent with this email address (case-insensitive).
///
/// # Errors
/// The SQL error, if any.
pub fn comments_of(conn: &Connection, email: &str) -> Result<Vec<CommentId>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM comments WHERE email = ?1 COLLATE NOCASE AND email <> '' ORDER BY id",
    )?;
    let rows = stmt.query_map([email], |row| Ok(CommentId(row.get(0)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Replaces comment `id`'s name, address, website, text, network, user agent and referrer
/// with the erased placeholders; its status.
///
/// # Errors
/// The SQL error, if any.
pub fn anonymise(conn: &Connection, id: CommentId) -> Result<CommentStatus, DbError> {
    Ok(conn
        .prepare_cached(
            "UPDATE comments
             SET author = ?2, email = '', website = NULL, body = ?3, client_ip = NULL,
                 client_ip_hash = NULL, user_agent = NULL, referrer = NULL, spam_reasons = NULL,
                 signals = NULL, idempotency_key = NULL
             WHERE id = ?1
             RETURNING status",
        )?
        .query_row(params![id.0, ERASED_AUTHOR, ERASED_BODY], |row| row.get(0))?)
}

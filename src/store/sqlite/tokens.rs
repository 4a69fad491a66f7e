//! SQL for API tokens.

use rusqlite::{Connection, OptionalExtension, params};

use super::DbError;
use crate::domain::{ApiTokenOwner, ApiTokenRow, ModeratorId, NewApiToken, Timestamp};

/// Stores a new token's hash; returns its id.
///
/// # Errors
/// The SQL error, if any.
pub fn insert_token(conn: &Connection, token: &NewApiToken) -> Result<i64, DbError> {
    conn.prepare_cached(
        "INSERT INTO api_tokens (moderator_id, name, token_hash, created_at)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        token.moderator.0,
        token.name,
        token.token_hash,
        token.created_at
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Deletes token `id` (only `owner`'s, when given); whether one was deleted.
///
/// # Errors
/// The SQL error, if any.
pub fn delete_token(
    conn: &Connection,
    id: i64,
    owner: Option<ModeratorId>,
) -> Result<bool, DbError> {
    Ok(conn
        .prepare_cached(
            "DELETE FROM api_tokens WHERE id = ?1 AND (?2 IS NULL OR moderator_id = ?2)",
        )?
        .execute(params![id, owner.map(|o| o.0)])?
        == 1)
}

/// Deletes every token of `owner`; how many.
///
/// # Errors
/// The SQL error, if any.
pub fn delete_tokens_of(conn: &Connection, owner: ModeratorId) -> Result<u64, DbError> {
    Ok(conn
        .prepare_cached("DELETE FROM api_tokens WHERE moderator_id = ?1")?
        .execute(params![owner.0])? as u64)
}

/// Marks token `id` as used now.
///
/// # Errors
/// The SQL error, if any.
pub fn touch_token(conn: &Connection, id: i64, at: i64) -> Result<(), DbError> {
    conn.prepare_cached("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1")?
        .execute(params![id, at])?;
    Ok(())
}

/// The token with this hash and its moderator.
///
/// # Errors
/// The SQL error, if any.
pub fn find_token(conn: &Connection, token_hash: &str) -> Result<Option<ApiTokenOwner>, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT t.id, t.moderator_id, m.name, m.is_admin, m.is_disabled, t.last_used_at
             FROM api_tokens t JOIN moderators m ON m.id = t.moderator_id
             WHERE t.token_hash = ?1",
        )?
        .query_row([token_hash], |row| {
            Ok(ApiTokenOwner {
                token_id: row.get(0)?,
                moderator: ModeratorId(row.get(1)?),
                name: row.get(2)?,
                is_admin: row.get(3)?,
                is_disabled: row.get(4)?,
                last_used_at: row.get(5)?,
            })
        })
        .optional()?)
}

/// Every token (only `owner`'s, when given), newest first.
///
/// # Errors
/// The SQL error, if any.
pub fn list_tokens(
    conn: &Connection,
    owner: Option<ModeratorId>,
) -> Result<Vec<ApiTokenRow>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.id, m.name, t.name, t.created_at, t.last_used_at
         FROM api_tokens t JOIN moderators m ON m.id = t.moderator_id
         WHERE ?1 IS NULL OR t.moderator_id = ?1
         ORDER BY t.id DESC",
    )?;
    let rows = stmt.query_map([owner.map(|o| o.0)], |row| {
        Ok(ApiTokenRow {
            id: row.get(0)?,
            moderator: row.get(1)?,
            name: row.get(2)?,
            created_at: Timestamp(row.get(3)?),
            last_used_at: row.get::<_, Option<i64>>(4)?.map(Timestamp),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

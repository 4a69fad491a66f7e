//! Moderator accounts.

use rusqlite::{Connection, OptionalExtension, params};

use super::DbError;
use crate::domain::{ModeratorCredentials, ModeratorId, ModeratorName, now_millis};

/// Creates a moderator, or replaces the password of an existing one (and re-enables it).
/// Returns the id and whether the account is new.
///
/// # Errors
/// The SQL error, if any.
pub fn upsert_moderator(
    conn: &Connection,
    name: &ModeratorName,
    password_hash: &str,
) -> Result<(ModeratorId, bool), DbError> {
    let existed: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM moderators WHERE name = ?1)")?
        .query_row([name.as_ref()], |row| row.get(0))?;
    let id = conn
        .prepare_cached(
            "INSERT INTO moderators (name, password_hash, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash,
                                          is_disabled = 0
         RETURNING id",
        )?
        .query_row(params![name.as_ref(), password_hash, now_millis()], |row| {
            row.get(0)
        })?;
    Ok((ModeratorId(id), !existed))
}

/// The account named `name`, if any.
///
/// # Errors
/// The SQL error, if any.
pub fn find_moderator(
    conn: &Connection,
    name: &str,
) -> Result<Option<ModeratorCredentials>, DbError> {
    Ok(conn
        .query_row(
            "SELECT id, name, password_hash, is_disabled, is_admin FROM moderators WHERE name = ?1",
            [name],
            |row| {
                Ok(ModeratorCredentials {
                    id: ModeratorId(row.get(0)?),
                    name: row.get(1)?,
                    password_hash: row.get(2)?,
                    is_disabled: row.get(3)?,
                    is_admin: row.get(4)?,
                })
            },
        )
        .optional()?)
}

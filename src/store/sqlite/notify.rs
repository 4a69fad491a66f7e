//! SQL for moderators' notification settings and digests.

use rusqlite::{Connection, OptionalExtension, params};

use super::DbError;
use crate::domain::{ModComment, ModeratorId, NotifyChoice, Recipient};

/// A moderator's email and choice.
///
/// # Errors
/// The SQL error, if any.
pub fn settings(
    conn: &Connection,
    id: ModeratorId,
) -> Result<Option<(Option<String>, NotifyChoice)>, DbError> {
    Ok(conn
        .prepare_cached("SELECT email, notify FROM moderators WHERE id = ?1")?
        .query_row([id.0], |row| {
            let choice: String = row.get(1)?;
            Ok((
                row.get(0)?,
                NotifyChoice::parse(&choice).unwrap_or_default(),
            ))
        })
        .optional()?)
}

/// Sets a moderator's email and choice.
///
/// # Errors
/// The SQL error, if any.
pub fn set_settings(
    conn: &Connection,
    id: ModeratorId,
    email: Option<&str>,
    choice: NotifyChoice,
) -> Result<(), DbError> {
    conn.prepare_cached("UPDATE moderators SET email = ?2, notify = ?3 WHERE id = ?1")?
        .execute(params![id.0, email, choice.as_str()])?;
    Ok(())
}

/// Active moderators who chose `choice` and gave an address.
///
/// # Errors
/// The SQL error, if any.
pub fn recipients(conn: &Connection, choice: NotifyChoice) -> Result<Vec<Recipient>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, email, digest_sent_at FROM moderators
         WHERE notify = ?1 AND email IS NOT NULL AND email <> '' AND is_disabled = 0
         ORDER BY id",
    )?;
    let rows = stmt.query_map([choice.as_str()], |row| {
        Ok(Recipient {
            id: ModeratorId(row.get(0)?),
            name: row.get(1)?,
            email: row.get(2)?,
            digest_sent_at: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Pending comments that arrived after `after`, oldest first, at most `limit`, and how many
/// there are in all.
///
/// # Errors
/// The SQL error, if any.
pub fn pending_since(
    conn: &Connection,
    after: i64,
    limit: u32,
) -> Result<(Vec<ModComment>, u64), DbError> {
    let total: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM comments WHERE status = 'pending' AND created_at > ?1",
        )?
        .query_row([after], |row| row.get(0))?;
    let sql = format!(
        "SELECT {} FROM comments c JOIN threads t ON t.id = c.thread_id
         WHERE c.status = 'pending' AND c.created_at > ?1 ORDER BY c.created_at, c.id LIMIT ?2",
        super::comments::MOD_COLUMNS
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![after, limit], super::comments::mod_comment)?;
    Ok((
        rows.collect::<Result<_, _>>()?,
        u64::try_from(total).unwrap_or(0),
    ))
}

/// Records that `id`'s digest covers everything up to `at`.
///
/// # Errors
/// The SQL error, if any.
pub fn set_digest_sent(conn: &Connection, id: ModeratorId, at: i64) -> Result<(), DbError> {
    conn.prepare_cached("UPDATE moderators SET digest_sent_at = ?2 WHERE id = ?1")?
        .execute(params![id.0, at])?;
    Ok(())
}

//! Commenters as moderators see them: a person's record on a site (by email, any case), the
//! moderators' trust in them (by the keyed hash of that email), and their comments.

use rusqlite::{Connection, OptionalExtension, params};

use super::DbError;
use super::comments::{MOD_COLUMNS, mod_comment};
use crate::domain::{CommentId, CommenterRecord, ModComment, ModeratorId, SiteId, Timestamp};

/// The author of comment `id`: their record on its site, `email_key` being the keyed hash
/// of their email; `None` when there is no such comment.
///
/// # Errors
/// The SQL error, if any.
pub fn commenter(
    conn: &Connection,
    id: CommentId,
    email_key: &str,
) -> Result<Option<CommenterRecord>, DbError> {
    Ok(conn
        .prepare_cached(
            "WITH me AS (SELECT t.site_id, c.email FROM comments c
                         JOIN threads t ON t.id = c.thread_id WHERE c.id = ?1)
             SELECT MIN(c.id), SUM(c.status = 'approved'), SUM(c.status = 'pending'),
                    SUM(c.status = 'spam'), SUM(c.status = 'rejected'), MIN(c.created_at),
                    EXISTS (SELECT 1 FROM trusted_commenters tc
                            WHERE tc.site_id = me.site_id AND tc.email_key = ?2),
                    EXISTS (SELECT 1 FROM guard_rules
                            WHERE list = 'hold' AND kind = 'email' AND pattern = ?2),
                    EXISTS (SELECT 1 FROM guard_rules
                            WHERE list = 'block' AND kind = 'email' AND pattern = ?2)
             FROM me, comments c JOIN threads t ON t.id = c.thread_id
             WHERE c.email = me.email COLLATE NOCASE AND t.site_id = me.site_id
             GROUP BY me.site_id",
        )?
        .query_row(params![id.0, email_key], |row| {
            let n = |i| row.get::<_, i64>(i).map(|n| u64::try_from(n).unwrap_or(0));
            Ok(CommenterRecord {
                id: CommentId(row.get(0)?),
                approved: n(1)?,
                pending: n(2)?,
                spam: n(3)?,
                rejected: n(4)?,
                first_seen: Timestamp(row.get(5)?),
                trusted: row.get(6)?,
                held: row.get(7)?,
                banned: row.get(8)?,
            })
        })
        .optional()?)
}

/// One page of the comments by the author of comment `id` on its site, newest first, and
/// how many there are.
///
/// # Errors
/// The SQL error, if any.
pub fn commenter_comments(
    conn: &Connection,
    id: CommentId,
    limit: u32,
    offset: u64,
) -> Result<(Vec<ModComment>, u64), DbError> {
    let theirs = "FROM comments c JOIN threads t ON t.id = c.thread_id,
             (SELECT t2.site_id, c2.email FROM comments c2
              JOIN threads t2 ON t2.id = c2.thread_id WHERE c2.id = ?1) me
         WHERE c.email = me.email COLLATE NOCASE AND t.site_id = me.site_id";
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MOD_COLUMNS} {theirs} ORDER BY c.id DESC LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(params![id.0, limit, offset], mod_comment)?;
    let items = rows.collect::<Result<_, _>>()?;
    let total: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) {theirs}"))?
        .query_row(params![id.0], |row| row.get(0))?;
    Ok((items, u64::try_from(total).unwrap_or(0)))
}

/// Whether a moderator trusts the commenter with this keyed email hash on `site`.
///
/// # Errors
/// The SQL error, if any.
pub fn is_trusted(conn: &Connection, site: SiteId, email_key: &str) -> Result<bool, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM trusted_commenters WHERE site_id = ?1 AND email_key = ?2)",
        )?
        .query_row(params![site.0, email_key], |row| row.get(0))?)
}

/// Trusts (or no longer trusts) the author of comment `id` on its site; whether that
/// changed anything.
///
/// # Errors
/// The SQL error, if any.
pub fn set_trusted(
    conn: &Connection,
    id: CommentId,
    email_key: &str,
    trusted: Option<(ModeratorId, i64)>,
) -> Result<bool, DbError> {
    let changed = match trusted {
        Some((by, at)) => conn
            .prepare_cached(
                "INSERT INTO trusted_commenters (site_id, email_key, trusted_by, trusted_at)
                 SELECT t.site_id, ?2, ?3, ?4 FROM comments c JOIN threads t ON t.id = c.thread_id
                 WHERE c.id = ?1
                 ON CONFLICT DO NOTHING",
            )?
            .execute(params![id.0, email_key, by.0, at])?,
        None => conn
            .prepare_cached(
                "DELETE FROM trusted_commenters WHERE email_key = ?2 AND site_id =
                     (SELECT t.site_id FROM comments c JOIN threads t ON t.id = c.thread_id
                      WHERE c.id = ?1)",
            )?
            .execute(params![id.0, email_key])?,
    };
    Ok(changed == 1)
}

/// Forgets every site's trust in the commenter with this keyed email hash (an erasure).
///
/// # Errors
/// The SQL error, if any.
pub fn forget_trust(conn: &Connection, email_key: &str) -> Result<(), DbError> {
    conn.prepare_cached("DELETE FROM trusted_commenters WHERE email_key = ?1")?
        .execute(params![email_key])?;
    Ok(())
}

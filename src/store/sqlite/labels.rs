//! Training labels: one current label per comment, replaced when a decision is reversed.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{Connection, params};

use super::DbError;
use crate::domain::comment::email_domain;
use crate::domain::{CommentId, Label, LabelSource, LabelledComment, ModeratorId, Timestamp};

impl FromSql for Label {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value.as_str()? {
            "spam" => Ok(Label::Spam),
            "ham" => Ok(Label::Ham),
            other => Err(FromSqlError::Other(
                format!("unknown label {other:?}").into(),
            )),
        }
    }
}

/// Whether comment `id`'s label was given by a moderator.
///
/// # Errors
/// The SQL error, if any.
pub fn labelled_by_moderator(conn: &Connection, id: CommentId) -> Result<bool, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM labels WHERE comment_id = ?1 AND source = 'moderator')",
        )?
        .query_row(params![id.0], |row| row.get(0))?)
}

/// Records `label` for comment `id`, replacing any earlier one, with the model version and
/// score the comment carries now (what the filter said when the moderator decided).
///
/// # Errors
/// The SQL error, if any.
pub fn set_label(
    conn: &Connection,
    id: CommentId,
    label: Label,
    source: LabelSource,
    moderator: Option<ModeratorId>,
    at: i64,
) -> Result<(), DbError> {
    conn.prepare_cached(
        "INSERT INTO labels (comment_id, label, source, moderator_id, model_version, spam_score,
                             labelled_at)
         SELECT id, ?2, ?3, ?4, model_version, spam_score, ?5 FROM comments WHERE id = ?1
         ON CONFLICT (comment_id) DO UPDATE SET
             label = excluded.label, source = excluded.source,
             moderator_id = excluded.moderator_id, model_version = excluded.model_version,
             spam_score = excluded.spam_score, labelled_at = excluded.labelled_at",
    )?
    .execute(params![
        id.0,
        label.as_str(),
        source.as_str(),
        moderator.map(|m| m.0),
        at
    ])?;
    Ok(())
}

/// Removes the label of comment `id`, if any.
///
/// # Errors
/// The SQL error, if any.
pub fn clear_label(conn: &Connection, id: CommentId) -> Result<(), DbError> {
    conn.prepare_cached("DELETE FROM labels WHERE comment_id = ?1")?
        .execute([id.0])?;
    Ok(())
}

/// Every current label, oldest first (ties by comment id): the order the guard slices by.
///
/// # Errors
/// The SQL error, if any.
pub fn list_labels(conn: &Connection) -> Result<Vec<LabelledComment>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT l.comment_id, l.label, l.source, c.body, c.author, c.website,
                c.email, l.model_version, l.spam_score,
                l.labelled_at, s.origin
         FROM labels l JOIN comments c ON c.id = l.comment_id
         JOIN threads t ON t.id = c.thread_id JOIN sites s ON s.id = t.site_id
         ORDER BY l.labelled_at, l.comment_id",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(LabelledComment {
            comment_id: CommentId(row.get(0)?),
            site: row.get(10)?,
            label: row.get(1)?,
            source: row.get(2)?,
            body: row.get(3)?,
            author: row.get(4)?,
            website: row.get(5)?,
            // The address is read only to take its domain; it never leaves this function.
            email_domain: email_domain(&row.get::<_, String>(6)?),
            model_version: row.get(7)?,
            spam_score: row.get(8)?,
            labelled_at: Timestamp(row.get(9)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many labels were given after `at` (unix ms): what the retraining schedule counts.
///
/// # Errors
/// The SQL error, if any.
pub fn count_labels_since(conn: &Connection, at: i64) -> Result<u64, DbError> {
    let n: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM labels WHERE labelled_at > ?1")?
        .query_row([at], |row| row.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

//! SQL for readers told of replies: subscriptions by keyed email hash per site, the comments
//! they watch, and a reply with the comment it answers.

use rusqlite::{Connection, OptionalExtension, params};

use super::DbError;
use crate::domain::{
    CommentId, ReplyContext, ReplySubscription, ReplySubscriptionRecord, SiteId, Timestamp,
};

/// The subscription of this keyed email hash on `site`.
///
/// # Errors
/// The SQL error, if any.
pub fn subscription(
    conn: &Connection,
    site: SiteId,
    email_key: &str,
) -> Result<Option<ReplySubscription>, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT id, confirmation_sent_at, confirmed_at FROM reply_subscriptions
             WHERE site_id = ?1 AND email_key = ?2",
        )?
        .query_row(params![site.0, email_key], |row| {
            Ok(ReplySubscription {
                id: row.get(0)?,
                confirmation_sent_at: row.get(1)?,
                confirmed_at: row.get(2)?,
            })
        })
        .optional()?)
}

/// Starts an unconfirmed subscription; its id.
///
/// # Errors
/// The SQL error, if any.
pub fn insert_subscription(
    conn: &Connection,
    site: SiteId,
    email_key: &str,
    lang: &str,
    at: i64,
) -> Result<i64, DbError> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO reply_subscriptions
                 (site_id, email_key, lang, created_at, confirmation_sent_at)
             VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id",
        )?
        .query_row(params![site.0, email_key, lang, at], |row| row.get(0))?)
}

/// Records another confirmation email.
///
/// # Errors
/// The SQL error, if any.
pub fn set_confirmation_sent(
    conn: &Connection,
    id: i64,
    lang: &str,
    at: i64,
) -> Result<(), DbError> {
    conn.prepare_cached(
        "UPDATE reply_subscriptions SET confirmation_sent_at = ?2, lang = ?3 WHERE id = ?1",
    )?
    .execute(params![id, at, lang])?;
    Ok(())
}

/// Confirms a subscription (keeping an earlier confirmation); whether it exists.
///
/// # Errors
/// The SQL error, if any.
pub fn confirm(conn: &Connection, id: i64, at: i64) -> Result<bool, DbError> {
    Ok(conn
        .prepare_cached(
            "UPDATE reply_subscriptions SET confirmed_at = COALESCE(confirmed_at, ?2)
             WHERE id = ?1",
        )?
        .execute(params![id, at])?
        == 1)
}

/// Ends a subscription with its watches; whether it existed.
///
/// # Errors
/// The SQL error, if any.
pub fn delete(conn: &Connection, id: i64) -> Result<bool, DbError> {
    conn.prepare_cached("DELETE FROM reply_watches WHERE subscription_id = ?1")?
        .execute(params![id])?;
    Ok(conn
        .prepare_cached("DELETE FROM reply_subscriptions WHERE id = ?1")?
        .execute(params![id])?
        == 1)
}

/// Ends every subscription of this keyed email hash, with their watches.
///
/// # Errors
/// The SQL error, if any.
pub fn forget(conn: &Connection, email_key: &str) -> Result<(), DbError> {
    conn.prepare_cached(
        "DELETE FROM reply_watches WHERE subscription_id IN
             (SELECT id FROM reply_subscriptions WHERE email_key = ?1)",
    )?
    .execute(params![email_key])?;
    conn.prepare_cached("DELETE FROM reply_subscriptions WHERE email_key = ?1")?
        .execute(params![email_key])?;
    Ok(())
}

/// Ends unconfirmed subscriptions whose last confirmation went out before `sent_before`,
/// with their watches; how many.
///
/// # Errors
/// The SQL error, if any.
pub fn forget_unconfirmed(conn: &Connection, sent_before: i64) -> Result<u64, DbError> {
    let stale = "SELECT id FROM reply_subscriptions
                 WHERE confirmed_at IS NULL AND confirmation_sent_at < ?1";
    conn.prepare_cached(&format!(
        "DELETE FROM reply_watches WHERE subscription_id IN ({stale})"
    ))?
    .execute(params![sent_before])?;
    let n = conn
        .prepare_cached(&format!(
            "DELETE FROM reply_subscriptions WHERE id IN ({stale})"
        ))?
        .execute(params![sent_before])?;
    Ok(n as u64)
}

/// Watches a comment for replies.
///
/// # Errors
/// The SQL error, if any.
pub fn watch(conn: &Connection, id: CommentId, subscription: i64) -> Result<(), DbError> {
    conn.prepare_cached(
        "INSERT INTO reply_watches (comment_id, subscription_id) VALUES (?1, ?2)
         ON CONFLICT (comment_id) DO UPDATE SET subscription_id = excluded.subscription_id",
    )?
    .execute(params![id.0, subscription])?;
    Ok(())
}

/// A reply and the comment it answers, with that comment's watch.
///
/// # Errors
/// The SQL error, if any.
pub fn context(conn: &Connection, id: CommentId) -> Result<Option<ReplyContext>, DbError> {
    Ok(conn
        .prepare_cached(crate::store::sql::REPLY_CONTEXT)?
        .query_row(params![id.0], |row| {
            let subscription = match row.get::<_, Option<i64>>(7)? {
                Some(id) => Some(ReplySubscription {
                    id,
                    confirmation_sent_at: row.get(8)?,
                    confirmed_at: row.get(9)?,
                }),
                None => None,
            };
            Ok(ReplyContext {
                status: row.get(0)?,
                author: row.get(1)?,
                email: row.get(2)?,
                body: row.get(3)?,
                thread: row.get(4)?,
                parent: CommentId(row.get(5)?),
                parent_email: row.get(6)?,
                subscription,
                lang: row.get::<_, Option<String>>(10)?.unwrap_or_default(),
            })
        })
        .optional()?)
}

/// Every subscription of this keyed email hash, oldest first.
///
/// # Errors
/// The SQL error, if any.
pub fn subscriptions_of(
    conn: &Connection,
    email_key: &str,
) -> Result<Vec<ReplySubscriptionRecord>, DbError> {
    let mut stmt = conn.prepare_cached(crate::store::sql::SUBSCRIPTIONS_OF)?;
    let rows = stmt.query_map(params![email_key], |row| {
        Ok(ReplySubscriptionRecord {
            site: row.get(0)?,
            created_at: Timestamp(row.get(1)?),
            confirmed_at: row.get::<_, Option<i64>>(2)?.map(Timestamp),
            watched_comments: u64::try_from(row.get::<_, i64>(3)?).unwrap_or(0),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

//! Registered sites: the origins whose articles may carry comments.

use rusqlite::{Connection, OptionalExtension, params};

use super::DbError;
use crate::domain::{
    AkismetUsage, ArticlePolicy, CommentId, KeyedSite, ModerationMode, NewReport, ReportRecord,
    Site, SiteId, SitePolicyChange, ThreadId, now_millis,
};

/// Registers `origin` (already normalised by `domain::comment::parse_origin`) or renames it
/// if present; returns its id. Idempotent, so `serve` can call it at every start.
///
/// # Errors
/// The SQL error, if any.
pub fn upsert_site(conn: &Connection, origin: &str, name: &str) -> Result<SiteId, DbError> {
    let id = conn
        .prepare_cached(
            "INSERT INTO sites (origin, name, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (origin) DO UPDATE SET name = excluded.name
         RETURNING id",
        )?
        .query_row(params![origin, name, now_millis()], |row| row.get(0))?;
    Ok(SiteId(id))
}

/// The site registered for `origin`, if any.
///
/// # Errors
/// The SQL error, if any.
pub fn find_site_by_origin(conn: &Connection, origin: &str) -> Result<Option<SiteId>, DbError> {
    Ok(conn
        .prepare_cached("SELECT id FROM sites WHERE origin = ?1")?
        .query_row([origin], |row| row.get(0))
        .optional()?
        .map(SiteId))
}

/// Every registered site, oldest first.
///
/// # Errors
/// The SQL error, if any.
pub fn list_sites(conn: &Connection) -> Result<Vec<Site>, DbError> {
    let mut stmt = conn.prepare("SELECT id, origin, name FROM sites ORDER BY id")?;
    let rows = stmt.query_map([], |row| {
        Ok(Site {
            id: row.get(0)?,
            origin: row.get(1)?,
            name: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A site's id and the generation of its API key, by origin.
///
/// # Errors
/// The SQL error, if any.
pub fn key_state(conn: &Connection, origin: &str) -> Result<Option<(SiteId, i64)>, DbError> {
    Ok(conn
        .prepare_cached("SELECT id, key_generation FROM sites WHERE origin = ?1")?
        .query_row([origin], |row| Ok((SiteId(row.get(0)?), row.get(1)?)))
        .optional()?)
}

/// Stores the hash of a site's API key and the generation it was derived with.
///
/// # Errors
/// The SQL error, if any.
pub fn set_key(
    conn: &Connection,
    site: SiteId,
    generation: i64,
    hash: &str,
) -> Result<(), DbError> {
    conn.prepare_cached("UPDATE sites SET key_generation = ?2, api_key_hash = ?3 WHERE id = ?1")?
        .execute(params![site.0, generation, hash])?;
    Ok(())
}

/// The site whose API key hashes to `hash`.
///
/// # Errors
/// The SQL error, if any.
pub fn find_by_key(conn: &Connection, hash: &str) -> Result<Option<KeyedSite>, DbError> {
    Ok(conn
        .prepare_cached("SELECT id, origin, store_checked FROM sites WHERE api_key_hash = ?1")?
        .query_row([hash], |row| {
            Ok(KeyedSite {
                id: SiteId(row.get(0)?),
                origin: row.get(1)?,
                store_checked: row.get(2)?,
            })
        })
        .optional()?)
}

/// Sets whether comment-checks for `origin` are filed in the queue; whether the site exists.
///
/// # Errors
/// The SQL error, if any.
pub fn set_store_checked(conn: &Connection, origin: &str, on: bool) -> Result<bool, DbError> {
    Ok(conn
        .prepare_cached("UPDATE sites SET store_checked = ?2 WHERE origin = ?1")?
        .execute(params![origin, on])?
        == 1)
}

/// Adds `delta` to a site's Akismet usage in `month`.
///
/// # Errors
/// The SQL error, if any.
pub fn add_akismet_usage(
    conn: &Connection,
    site: SiteId,
    month: &str,
    delta: &AkismetUsage,
) -> Result<(), DbError> {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    conn.prepare_cached(
        "INSERT INTO akismet_usage
             (site_id, month, api_calls, spam, ham, missed_spam, false_positives)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (site_id, month) DO UPDATE SET
             api_calls = api_calls + excluded.api_calls,
             spam = spam + excluded.spam,
             ham = ham + excluded.ham,
             missed_spam = missed_spam + excluded.missed_spam,
             false_positives = false_positives + excluded.false_positives",
    )?
    .execute(params![
        site.0,
        month,
        n(delta.api_calls),
        n(delta.spam),
        n(delta.ham),
        n(delta.missed_spam),
        n(delta.false_positives)
    ])?;
    Ok(())
}

/// A site's Akismet usage in `month`.
///
/// # Errors
/// The SQL error, if any.
pub fn akismet_usage(
    conn: &Connection,
    site: SiteId,
    month: &str,
) -> Result<AkismetUsage, DbError> {
    let usage = conn
        .prepare_cached(
            "SELECT api_calls, spam, ham, missed_spam, false_positives FROM akismet_usage
             WHERE site_id = ?1 AND month = ?2",
        )?
        .query_row(params![site.0, month], |row| {
            let n = |i: usize| row.get::<_, i64>(i).map(|v| u64::try_from(v).unwrap_or(0));
            Ok(AkismetUsage {
                api_calls: n(0)?,
                spam: n(1)?,
                ham: n(2)?,
                missed_spam: n(3)?,
                false_positives: n(4)?,
            })
        })
        .optional()?;
    Ok(usage.unwrap_or_default())
}

fn mode_of(text: Option<String>) -> rusqlite::Result<Option<ModerationMode>> {
    text.map(|t| {
        ModerationMode::parse(&t).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
        })
    })
    .transpose()
}

/// What a site and one of its articles say about moderation.
///
/// # Errors
/// The SQL error, if any.
pub fn article_policy(
    conn: &Connection,
    site: SiteId,
    thread: Option<ThreadId>,
) -> Result<ArticlePolicy, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT s.moderation, s.trust_after, s.close_after_days, t.moderation, t.closed,
                    (SELECT MIN(c.created_at) FROM comments c WHERE c.thread_id = t.id)
             FROM sites s LEFT JOIN threads t ON t.id = ?2 AND t.site_id = s.id
             WHERE s.id = ?1",
        )?
        .query_row(params![site.0, thread.map(|t| t.0)], |row| {
            Ok(ArticlePolicy {
                site_mode: mode_of(row.get(0)?)?.unwrap_or(ModerationMode::Premoderate),
                trust_after: u32::try_from(row.get::<_, i64>(1)?).unwrap_or(u32::MAX),
                close_after_days: row
                    .get::<_, Option<i64>>(2)?
                    .map(|d| u32::try_from(d).unwrap_or(u32::MAX)),
                article_mode: mode_of(row.get(3)?)?,
                closed_by_hand: row.get::<_, Option<i64>>(4)?.map(|c| c != 0),
                first_comment_at: row.get(5)?,
            })
        })?)
}

/// Approved comments on `site` by this commenter since their latest spam or rejected one.
///
/// # Errors
/// The SQL error, if any.
pub fn approved_since_refusal(
    conn: &Connection,
    site: SiteId,
    email: &str,
    author: &str,
) -> Result<u32, DbError> {
    let n: i64 = conn
        .prepare_cached(
            "WITH theirs AS (
                 SELECT c.status, c.created_at FROM comments c
                 JOIN threads t ON t.id = c.thread_id
                 WHERE t.site_id = ?1 AND c.email = ?2 COLLATE NOCASE AND c.author = ?3
             )
             SELECT COUNT(*) FROM theirs
             WHERE status = 'approved'
               AND created_at > COALESCE(
                   (SELECT MAX(created_at) FROM theirs WHERE status IN ('spam', 'rejected')), -1)",
        )?
        .query_row(params![site.0, email, author], |row| row.get(0))?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Changes a site's moderation settings; whether it exists.
///
/// # Errors
/// The SQL error, if any.
pub fn set_site_policy(
    conn: &Connection,
    origin: &str,
    change: &SitePolicyChange,
) -> Result<bool, DbError> {
    let changed = conn
        .prepare_cached(
            "UPDATE sites SET
                 moderation = COALESCE(?2, moderation),
                 trust_after = COALESCE(?3, trust_after),
                 close_after_days = CASE WHEN ?4 THEN ?5 ELSE close_after_days END,
                 auto_hide_reports = CASE WHEN ?6 THEN ?7 ELSE auto_hide_reports END,
                 removal_reasons = CASE WHEN ?8 THEN ?9 ELSE removal_reasons END,
                 promoted = COALESCE(?10, promoted)
             WHERE origin = ?1",
        )?
        .execute(params![
            origin,
            change.mode.map(ModerationMode::as_str),
            change.trust_after,
            change.close_after_days.is_some(),
            change.close_after_days.flatten(),
            change.auto_hide_reports.is_some(),
            change.auto_hide_reports.flatten(),
            change.removal_reasons.is_some(),
            change
                .removal_reasons
                .as_ref()
                .and_then(|r| r.as_ref().map(crate::domain::RemovalReasons::stored)),
            change.promoted,
        ])?;
    Ok(changed == 1)
}

/// Sets an article's own mode and hand-closing, leaving what is `None`.
///
/// # Errors
/// The SQL error, if any.
pub fn set_thread_policy(
    conn: &Connection,
    thread: ThreadId,
    mode: Option<Option<ModerationMode>>,
    closed: Option<Option<bool>>,
) -> Result<(), DbError> {
    conn.prepare_cached(
        "UPDATE threads SET
             moderation = CASE WHEN ?2 THEN ?3 ELSE moderation END,
             closed = CASE WHEN ?4 THEN ?5 ELSE closed END
         WHERE id = ?1",
    )?
    .execute(params![
        thread.0,
        mode.is_some(),
        mode.flatten().map(ModerationMode::as_str),
        closed.is_some(),
        closed.flatten(),
    ])?;
    Ok(())
}

/// Stores a report unless this reader already reported this comment; whether it did.
///
/// # Errors
/// The SQL error, if any.
pub fn insert_report(conn: &Connection, r: &NewReport) -> Result<bool, DbError> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO reports (comment_id, reason, explanation, email, reporter, reader,
                                  created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            r.comment.0,
            r.reason,
            r.explanation,
            r.email,
            r.reporter,
            r.reader,
            r.at
        ])?
        == 1)
}

/// Reports on a comment made after `since`.
///
/// # Errors
/// The SQL error, if any.
pub fn report_count(conn: &Connection, id: CommentId, since: i64) -> Result<u32, DbError> {
    let n: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM reports WHERE comment_id = ?1 AND created_at > ?2")?
        .query_row(params![id.0, since], |row| row.get(0))?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// When the comment arrived, if no moderator has decided it yet.
///
/// # Errors
/// The SQL error, if any.
pub fn undecided_since(conn: &Connection, id: CommentId) -> Result<Option<i64>, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT c.created_at FROM comments c
             WHERE c.id = ?1 AND NOT EXISTS
                 (SELECT 1 FROM mod_log l WHERE l.comment_id = c.id AND l.moderator_id IS NOT NULL)",
        )?
        .query_row(params![id.0], |row| row.get(0))
        .optional()?)
}

/// When a moderator last judged the comment's reports: approved it or dismissed them.
///
/// # Errors
/// The SQL error, if any.
pub fn reports_judged_at(conn: &Connection, id: CommentId) -> Result<Option<i64>, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT MAX(created_at) FROM mod_log
             WHERE comment_id = ?1 AND action IN ('approve', 'dismiss_reports')
               AND moderator_id IS NOT NULL",
        )?
        .query_row(params![id.0], |row| row.get(0))?)
}

/// The site's `auto_hide_reports` for the comment's article.
///
/// # Errors
/// The SQL error, if any.
pub fn auto_hide_reports_of(conn: &Connection, id: CommentId) -> Result<Option<u32>, DbError> {
    let n: Option<i64> = conn
        .prepare_cached(
            "SELECT s.auto_hide_reports FROM comments c
             JOIN threads t ON t.id = c.thread_id JOIN sites s ON s.id = t.site_id
             WHERE c.id = ?1",
        )?
        .query_row(params![id.0], |row| row.get(0))
        .optional()?
        .flatten();
    Ok(n.map(|n| u32::try_from(n).unwrap_or(u32::MAX)))
}

/// A comment's reports, oldest first.
///
/// # Errors
/// The SQL error, if any.
pub fn reports_of(conn: &Connection, id: CommentId) -> Result<Vec<ReportRecord>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT reason, explanation, email, created_at FROM reports WHERE comment_id = ?1
         ORDER BY id",
    )?;
    let rows = stmt.query_map(params![id.0], |row| {
        Ok(ReportRecord {
            reason: row.get(0)?,
            explanation: row.get(1)?,
            email: row.get(2)?,
            at: crate::domain::Timestamp(row.get(3)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One page of the comments with reports no moderator has judged yet (published, or taken
/// back to the queue by them), most reported first, with how many such reports each has;
/// and how many comments there are in all.
///
/// # Errors
/// The SQL error, if any.
pub fn reported(
    conn: &Connection,
    limit: u32,
    offset: u64,
) -> Result<(Vec<(CommentId, u32)>, u64), DbError> {
    let open = crate::store::sql::OPEN_REPORTS;
    let total: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM ({open})"), [], |row| {
        row.get(0)
    })?;
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(&format!(
        "{open} ORDER BY n DESC, latest DESC, r.comment_id DESC LIMIT ?1 OFFSET ?2"
    ))?;
    let rows = stmt.query_map(params![limit, offset], |row| {
        Ok((
            CommentId(row.get(0)?),
            u32::try_from(row.get::<_, i64>(1)?).unwrap_or(u32::MAX),
        ))
    })?;
    Ok((
        rows.collect::<Result<_, _>>()?,
        u64::try_from(total).unwrap_or(0),
    ))
}

/// The removal reasons kept by the site of comment `id`, as stored (`None`: the defaults).
///
/// # Errors
/// The SQL error, if any.
pub fn removal_reasons_of(conn: &Connection, id: CommentId) -> Result<Option<String>, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT s.removal_reasons FROM comments c
             JOIN threads t ON t.id = c.thread_id JOIN sites s ON s.id = t.site_id
             WHERE c.id = ?1",
        )?
        .query_row(params![id.0], |row| row.get(0))
        .optional()?
        .flatten())
}

/// Every site with its moderation settings, by origin.
///
/// # Errors
/// The SQL error, if any.
pub fn site_settings(conn: &Connection) -> Result<Vec<crate::domain::SiteSettings>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT origin, name, moderation, trust_after, close_after_days, auto_hide_reports,
                removal_reasons, store_checked, promoted
         FROM sites ORDER BY origin",
    )?;
    let rows = stmt.query_map([], |row| {
        let n = |v: Option<i64>| v.map(|v| u32::try_from(v).unwrap_or(u32::MAX));
        Ok(crate::domain::SiteSettings {
            origin: row.get(0)?,
            name: row.get(1)?,
            mode: mode_of(row.get(2)?)?.unwrap_or(ModerationMode::Premoderate),
            trust_after: n(row.get(3)?).unwrap_or(1),
            close_after_days: n(row.get(4)?),
            auto_hide_reports: n(row.get(5)?),
            removal_reasons: crate::domain::RemovalReasons::from_stored(
                row.get::<_, Option<String>>(6)?.as_deref(),
            ),
            store_checked: row.get(7)?,
            promoted: row.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

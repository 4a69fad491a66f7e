//! SQL text both backends speak alike: the moderator's view of a comment, search patterns,
//! comments with reports to judge, a reply with the comment it answers, reply
//! subscriptions, and the stored form of a comment's signals. (`$1` binds the first
//! parameter in SQLite as in PostgreSQL.)

/// The columns of a [`crate::domain::ModComment`], over `comments c JOIN threads t`.
pub(crate) const MOD_COLUMNS: &str = "c.id, t.url, c.parent_id, c.author, c.email, c.website, c.body, \
     c.status, c.created_at, c.client_ip, c.user_agent, c.referrer, c.spam_score, \
     c.spam_log_odds, c.spam_reasons, c.model_version, c.signals, c.campaign_id, \
     CASE WHEN c.campaign_id IS NULL THEN NULL ELSE \
         (SELECT COUNT(*) FROM comments m WHERE m.campaign_id = c.campaign_id) END, \
     CASE WHEN c.campaign_id IS NULL THEN NULL ELSE \
         (SELECT s.created_at FROM comments s WHERE s.id = c.campaign_id) END";

/// A `LIKE … ESCAPE '\'` pattern finding `text` anywhere: `%` and `_` match literally.
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// `where_sql` (empty or `WHERE …`) with one more condition.
pub(crate) fn where_with(where_sql: &str, extra: &str) -> String {
    match (where_sql.is_empty(), extra.is_empty()) {
        (_, true) => where_sql.to_owned(),
        (true, false) => format!("WHERE {extra}"),
        (false, false) => format!("{where_sql} AND {extra}"),
    }
}

/// What an erased comment says instead of its text.
pub(crate) const ERASED_BODY: &str = "[This comment was removed at its author's request.]";
/// What an erased comment shows as its author.
pub(crate) const ERASED_AUTHOR: &str = "[deleted]";

/// The filter's and the guard's findings as stored: a JSON array of strings, or nothing.
pub(crate) fn signals_json(signals: &[crate::domain::Signal]) -> Option<String> {
    (!signals.is_empty()).then(|| {
        serde_json::to_string(&signals.iter().map(ToString::to_string).collect::<Vec<_>>())
            .expect("strings serialise")
    })
}

/// Per comment with reports no moderator has judged yet (published, or taken back to the
/// queue by them): how many such reports, and the latest one's time. Judged means a
/// moderator approved the comment or dismissed its reports after the report came.
pub(crate) const OPEN_REPORTS: &str =
    "SELECT r.comment_id, COUNT(*) AS n, MAX(r.created_at) AS latest
     FROM reports r JOIN comments c ON c.id = r.comment_id
     WHERE c.status IN ('approved', 'pending')
       AND r.created_at > COALESCE(
           (SELECT MAX(l.created_at) FROM mod_log l
            WHERE l.comment_id = r.comment_id AND l.moderator_id IS NOT NULL
              AND l.action IN ('approve', 'dismiss_reports')),
           -9223372036854775808)
     GROUP BY r.comment_id";

/// Reply `$1`, the comment it answers and that comment's watch, as
/// [`crate::domain::ReplyContext`] reads them: status, author, email, body, article URL,
/// parent id, parent email, subscription id, confirmation sent, confirmed, language.
pub(crate) const REPLY_CONTEXT: &str =
    "SELECT r.status, r.author, r.email, r.body, t.url, p.id, p.email,
            s.id, s.confirmation_sent_at, s.confirmed_at, s.lang
     FROM comments r
     JOIN comments p ON p.id = r.parent_id
     JOIN threads t ON t.id = r.thread_id
     LEFT JOIN reply_watches w ON w.comment_id = p.id
     LEFT JOIN reply_subscriptions s ON s.id = w.subscription_id
     WHERE r.id = $1";

/// The reply subscriptions of keyed email hash `$1`, oldest first: site origin, created,
/// confirmed, comments watched.
pub(crate) const SUBSCRIPTIONS_OF: &str = "SELECT s.origin, r.created_at, r.confirmed_at,
            (SELECT COUNT(*) FROM reply_watches w WHERE w.subscription_id = r.id)
     FROM reply_subscriptions r JOIN sites s ON s.id = r.site_id
     WHERE r.email_key = $1 ORDER BY r.id";

//! SQL text both backends speak alike: the moderator's view of a comment, search patterns,
//! comments with reports to judge, and the stored form of a comment's signals.

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

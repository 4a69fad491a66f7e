//! The queue, decisions (one or many), undo, and a comment in context.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{DashError, Fields, Session, SignedForm, page, see_other};
use crate::db::DbError;
use crate::db::comments as comment_queries;
use crate::db::dashboard::{self as queries, QueueFilter, QueueOrder};
use crate::domain::{CommentId, CommentStatus, ModAction};
use crate::moderation::{self, ActError};
use crate::routes::AppState;
use crate::views::dashboard::{self as views, QueuePage};

/// Rows per queue page.
pub const PER_PAGE: u32 = 25;
/// Most comments one bulk decision may touch.
const MAX_BULK: usize = 200;

/// The queue's query string, as typed; parsed leniently (a bad value falls back to the
/// default rather than failing the page).
#[derive(Debug, Default, Deserialize, Serialize, Clone)]
pub struct QueueQuery {
    pub tab: Option<String>,
    pub order: Option<String>,
    pub page: Option<u32>,
    pub q: Option<String>,
    pub article: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub done: Option<String>,
}

/// `YYYY-MM-DD` as unix ms at 00:00 UTC.
fn day_start(text: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text.trim(), format).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp() * 1000)
}

impl QueueQuery {
    /// The status tab shown.
    pub fn status(&self) -> CommentStatus {
        self.tab
            .as_deref()
            .and_then(|t| t.parse().ok())
            .unwrap_or(CommentStatus::Pending)
    }

    /// The order: as asked, else most likely ham first in the queue and newest elsewhere.
    pub fn order(&self) -> QueueOrder {
        let asked = self
            .order
            .as_deref()
            .and_then(|o| QueueOrder::ALL.into_iter().find(|q| q.as_str() == o));
        asked.unwrap_or(if self.status() == CommentStatus::Pending {
            QueueOrder::HamFirst
        } else {
            QueueOrder::Newest
        })
    }

    fn filter(&self, threshold_log_odds: f64) -> QueueFilter {
        QueueFilter {
            status: Some(self.status()),
            order: Some(self.order()),
            text: self.q.clone(),
            article: self.article.clone(),
            from: self.from.as_deref().and_then(day_start),
            to: self
                .to
                .as_deref()
                .and_then(day_start)
                .map(|t| t + 24 * 60 * 60 * 1000),
            threshold_log_odds,
        }
    }
}

/// `GET /dashboard`: the queue.
pub async fn queue(
    session: Session,
    query: web::Query<QueueQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let query = query.into_inner();
    let threshold_log_odds = state
        .filter
        .threshold_log_odds(&state.filter.models.current());
    let filter = query.filter(threshold_log_odds);
    let page_number = query.page.unwrap_or(1).max(1);
    let offset = u64::from(page_number - 1) * u64::from(PER_PAGE);
    let (rows, total, counts) = state
        .db
        .run(move |conn| {
            let (rows, total) = queries::list_queue(conn, &filter, PER_PAGE, offset)?;
            let counts = queries::count_by_status(conn)?;
            Ok::<_, DbError>((rows, total, counts))
        })
        .await?;
    let view = QueuePage {
        session: &session,
        query: &query,
        status: query.status(),
        order: query.order(),
        rows: &rows,
        total,
        page: page_number,
        per_page: PER_PAGE,
        counts: &counts,
        threshold: crate::domain::SpamScore::from_log_odds(threshold_log_odds)
            .map_or(1.0, |s| s.probability()),
    };
    Ok(page(StatusCode::OK, views::queue_page(&view)))
}

#[derive(Debug, Serialize, Deserialize)]
struct UndoEntry {
    id: i64,
    from: CommentStatus,
}

fn parse_action(name: &str) -> Option<ModAction> {
    match name {
        "approve" => Some(ModAction::Approve),
        "reject" => Some(ModAction::Reject),
        "spam" => Some(ModAction::Spam),
        "ham" => Some(ModAction::Ham),
        _ => None,
    }
}

/// Where to return after a decision: a dashboard path only (never another site).
fn back_path(fields: &Fields) -> String {
    let back = fields.get("back");
    if back.starts_with("/dashboard") && !back.starts_with("//") {
        back.to_owned()
    } else {
        "/dashboard".to_owned()
    }
}

/// `back` with `done=<what>` set, for the page to say what happened.
fn with_done(back: &str, done: &str) -> String {
    let Ok(mut url) = url::Url::parse(&format!("http://dashboard.invalid{back}")) else {
        return "/dashboard".to_owned();
    };
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "done")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("done", done);
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}

/// Applies `action` to each comment through the same use case as the JSON API (so each
/// lands in the moderation log and becomes a label); returns what changed, for undo.
async fn apply_all(
    state: &AppState,
    session: &Session,
    action: ModAction,
    ids: &[i64],
) -> Result<(Vec<UndoEntry>, usize), DashError> {
    let mut changed = Vec::new();
    let mut skipped = 0;
    for id in ids {
        match moderation::act(&state.db, session.moderator, CommentId(*id), action, None).await {
            Ok(acted) => changed.push(UndoEntry {
                id: *id,
                from: acted.from,
            }),
            Err(ActError::NotFound(_) | ActError::InvalidTransition(_)) => skipped += 1,
            Err(ActError::Unexpected(e)) => return Err(DashError::Unexpected(e)),
        }
    }
    Ok((changed, skipped))
}

async fn remember_undo(
    state: &AppState,
    session: &Session,
    changed: &[UndoEntry],
) -> Result<(), DashError> {
    let undo = if changed.is_empty() {
        None
    } else {
        Some(serde_json::to_string(changed).map_err(|e| DashError::Unexpected(e.into()))?)
    };
    let hash = session.token_hash.clone();
    state
        .db
        .run(move |conn| queries::set_undo(conn, &hash, undo.as_deref()))
        .await?;
    Ok(())
}

/// `POST /dashboard/act`: one decision on one or many comments (`ids`, repeated).
pub async fn act(form: SignedForm, state: web::Data<AppState>) -> Result<HttpResponse, DashError> {
    let SignedForm { session, fields } = form;
    let action_name = fields.get("action").to_owned();
    let action =
        parse_action(&action_name).ok_or_else(|| DashError::Forbidden("Unknown action.".into()))?;
    let ids: Vec<i64> = fields
        .all("ids")
        .filter_map(|v| v.parse().ok())
        .take(MAX_BULK)
        .collect();
    let back = back_path(&fields);
    if ids.is_empty() {
        return Ok(see_other(&with_done(&back, "none")));
    }
    let (changed, skipped) = apply_all(&state, &session, action, &ids).await?;
    remember_undo(&state, &session, &changed).await?;
    Ok(see_other(&with_done(
        &back,
        &format!("{action_name}:{}:{skipped}", changed.len()),
    )))
}

/// `POST /dashboard/undo`: puts back what the session's last decision changed.
pub async fn undo(form: SignedForm, state: web::Data<AppState>) -> Result<HttpResponse, DashError> {
    let SignedForm { session, fields } = form;
    let back = back_path(&fields);
    let entries: Vec<UndoEntry> = session
        .undo
        .as_deref()
        .and_then(|u| serde_json::from_str(u).ok())
        .unwrap_or_default();
    let mut restored = 0;
    for entry in &entries {
        let action = match entry.from {
            CommentStatus::Pending => ModAction::Requeue,
            CommentStatus::Approved => ModAction::Approve,
            CommentStatus::Rejected => ModAction::Reject,
            CommentStatus::Spam => ModAction::Spam,
        };
        match moderation::act(
            &state.db,
            session.moderator,
            CommentId(entry.id),
            action,
            None,
        )
        .await
        {
            Ok(_) => restored += 1,
            Err(ActError::NotFound(_) | ActError::InvalidTransition(_)) => {}
            Err(ActError::Unexpected(e)) => return Err(DashError::Unexpected(e)),
        }
    }
    remember_undo(&state, &session, &[]).await?;
    Ok(see_other(&with_done(&back, &format!("undo:{restored}:0"))))
}

/// `GET /dashboard/comments/{id}`: the comment with its article, parent, thread, the
/// author's other comments and its moderation history.
pub async fn detail(
    session: Session,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let id = CommentId(path.into_inner());
    let found = state
        .db
        .run(move |conn| {
            let Some(comment) = comment_queries::find_for_moderation(conn, id)? else {
                return Ok(None);
            };
            let parent = match comment.parent {
                Some(p) => comment_queries::find_for_moderation(conn, p)?,
                None => None,
            };
            let thread = queries::list_thread_of(conn, id)?;
            let by_author = queries::list_by_same_author(conn, id)?;
            let log = comment_queries::list_log(conn, id)?;
            Ok::<_, DbError>(Some(views::Detail {
                comment,
                parent,
                thread,
                by_author,
                log,
            }))
        })
        .await?
        .ok_or_else(|| DashError::NotFound(format!("There is no comment {id}.")))?;
    Ok(page(StatusCode::OK, views::detail_page(&session, &found)))
}

/// Counts per status, for the tabs.
pub type Counts = HashMap<CommentStatus, u64>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_only_return_inside_the_dashboard() {
        let f = |back: &str| {
            back_path(&Fields::parse(
                format!(
                    "back={}",
                    url::form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>()
                )
                .as_bytes(),
            ))
        };
        assert_eq!(f("/dashboard?tab=spam"), "/dashboard?tab=spam");
        assert_eq!(f("https://evil.example/"), "/dashboard");
        assert_eq!(f("//evil.example/dashboard"), "/dashboard");
        assert_eq!(
            with_done("/dashboard?tab=spam&done=x", "approve:2:0"),
            "/dashboard?tab=spam&done=approve%3A2%3A0"
        );
    }

    #[test]
    fn dates_filter_whole_days_in_utc() {
        assert_eq!(day_start("1970-01-02"), Some(86_400_000));
        assert_eq!(day_start("yesterday"), None);
    }
}

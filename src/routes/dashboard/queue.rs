//! The queue, decisions (one or many), undo, and a comment in context.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::{DashError, Fields, Session, SignedForm, page, see_other};
use crate::app::moderation::{MAX_BULK, QueueQuery};
use crate::domain::{CommentId, ModAction};
use crate::routes::AppState;
use crate::views::dashboard::{self as views, QueuePage};

/// Rows per queue page.
pub const PER_PAGE: u32 = 25;

/// `GET /dashboard`: the queue.
pub async fn queue(
    session: Session,
    query: web::Query<QueueQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let query = query.into_inner();
    let found = state.app.moderation().queue(&query, PER_PAGE).await?;
    let records = state.app.moderation().commenters_of(&found.rows).await?;
    let reasons = state.app.sites().removal_reasons().await?;
    let health = state.app.moderation().queue_health(10).await?;
    let view = QueuePage {
        health: &health,
        reasons: &reasons,
        records: &records,
        session: &session,
        query: &query,
        status: query.status(),
        order: query.order(),
        rows: &found.rows,
        total: found.total,
        page: query.page(),
        per_page: PER_PAGE,
        counts: &found.counts,
        threshold: found.threshold,
    };
    Ok(page(StatusCode::OK, views::queue_page(&view)))
}

/// Where to return after a decision: a dashboard path only (never another site). The path
/// is judged after normalisation, as a browser would resolve it: `/dashboard/..//elsewhere`
/// is `//elsewhere`, another host.
pub(super) fn back_path(fields: &Fields) -> String {
    let fallback = || "/dashboard".to_owned();
    let back = fields.get("back");
    if !back.starts_with('/') || back.starts_with("//") || back.contains('\\') {
        return fallback();
    }
    let Ok(url) = url::Url::parse(&format!("http://dashboard.invalid{back}")) else {
        return fallback();
    };
    let path = url.path();
    let inside = url.host_str() == Some("dashboard.invalid")
        && (path == "/dashboard" || path.starts_with("/dashboard/"))
        && !path.contains("//");
    if !inside {
        return fallback();
    }
    match url.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    }
}

/// `back` with `done=<what>` set, for the page to say what happened.
pub(super) fn with_done(back: &str, done: &str) -> String {
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

/// `POST /dashboard/act`: one decision on one or many comments (`ids`, repeated).
pub async fn act(form: SignedForm, state: web::Data<AppState>) -> Result<HttpResponse, DashError> {
    let SignedForm { session, fields } = form;
    let action_name = fields.get("action").to_owned();
    let action = ModAction::parse_decision(&action_name)
        .map_err(|_| DashError::Forbidden("Unknown action.".into()))?;
    let ids: Vec<CommentId> = fields
        .all("ids")
        .filter_map(|v| v.parse().ok().map(CommentId))
        .take(MAX_BULK)
        .collect();
    let back = back_path(&fields);
    if ids.is_empty() {
        return Ok(see_other(&with_done(&back, "none")));
    }
    let outcome = state
        .app
        .moderation()
        .act_many(
            &session,
            action,
            &ids,
            fields.get("expected").parse().ok(),
            Some(fields.get("reason")).filter(|r| !r.is_empty()),
        )
        .await?;
    Ok(see_other(&with_done(
        &back,
        &format!("{action_name}:{}:{}", outcome.changed, outcome.skipped),
    )))
}

/// `POST /dashboard/campaign` with `campaign` and `action`: decides every comment of the
/// campaign that is pending or in spam, as one undoable step.
pub async fn act_campaign(
    form: SignedForm,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let SignedForm { session, fields } = form;
    let action_name = fields.get("action").to_owned();
    let action = ModAction::parse_decision(&action_name)
        .map_err(|_| DashError::Forbidden("Unknown action.".into()))?;
    let back = back_path(&fields);
    let Ok(campaign) = fields.get("campaign").parse().map(CommentId) else {
        return Ok(see_other(&with_done(&back, "none")));
    };
    let outcome = state
        .app
        .moderation()
        .act_campaign_in_session(&session, campaign, action)
        .await?;
    Ok(see_other(&with_done(
        &back,
        &format!("{action_name}:{}:{}", outcome.changed, outcome.skipped),
    )))
}

/// `POST /dashboard/undo`: puts back what the session's last decision changed.
pub async fn undo(form: SignedForm, state: web::Data<AppState>) -> Result<HttpResponse, DashError> {
    let SignedForm { session, fields } = form;
    let back = back_path(&fields);
    let restored = state.app.moderation().undo(&session).await?;
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
        .app
        .moderation()
        .comment_context(id)
        .await?
        .ok_or_else(|| DashError::NotFound(format!("There is no comment {id}.")))?;
    let reasons = state.app.sites().removal_reasons().await?;
    Ok(page(
        StatusCode::OK,
        views::detail_page(&session, &found, &reasons),
    ))
}

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
        assert_eq!(f("/dashboard/..//elsewhere.example"), "/dashboard");
        assert_eq!(f("/dashboard/../elsewhere"), "/dashboard");
        assert_eq!(f("/dashboard/%2e%2e//elsewhere.example"), "/dashboard");
        assert_eq!(f("/dashboardx"), "/dashboard");
        assert_eq!(f("/dashboard/comments/7"), "/dashboard/comments/7");
        assert_eq!(
            with_done("/dashboard?tab=spam&done=x", "approve:2:0"),
            "/dashboard?tab=spam&done=approve%3A2%3A0"
        );
    }
}

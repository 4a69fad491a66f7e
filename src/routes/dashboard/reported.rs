//! The Reported tab and dismissing a comment's reports.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::queue::{PER_PAGE, back_path, with_done};
use super::{DashError, Session, SignedForm, page, see_other};
use crate::app::moderation::ActError;
use crate::domain::CommentId;
use crate::routes::AppState;
use crate::views::dashboard::{self as views, ReportedPage};

/// The Reported tab's query string.
#[derive(Debug, Default, Deserialize)]
pub struct ReportedQuery {
    page: Option<u32>,
    done: Option<String>,
}

/// `GET /dashboard/reported`: comments with reports no moderator has judged yet.
pub async fn reported(
    session: Session,
    query: web::Query<ReportedQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let page_number = query.page.unwrap_or(1).max(1);
    let (rows, total) = state
        .app
        .moderation()
        .reported(PER_PAGE, page_number)
        .await?;
    let view = ReportedPage {
        session: &session,
        rows: &rows,
        total,
        page: page_number,
        per_page: PER_PAGE,
        done: query.done.as_deref(),
    };
    Ok(page(StatusCode::OK, views::reported_page(&view)))
}

/// `POST /dashboard/reported/dismiss` with `id`: the comment's open reports are unfounded.
pub async fn dismiss(
    form: SignedForm,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let SignedForm { session, fields } = form;
    let back = back_path(&fields);
    let Ok(id) = fields.get("id").parse().map(CommentId) else {
        return Ok(see_other(&with_done(&back, "stale")));
    };
    let done = match state
        .app
        .moderation()
        .dismiss_reports(&session.moderator, id)
        .await
    {
        Ok(_) => "dismissed",
        Err(ActError::Unexpected(e)) => return Err(e.into()),
        // Gone, or settled by another moderator first.
        Err(_) => "stale",
    };
    Ok(see_other(&with_done(&back, done)))
}

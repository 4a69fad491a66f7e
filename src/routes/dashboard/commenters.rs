//! A commenter's page and the actions on it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::queue::PER_PAGE;
use super::{DashError, Session, SignedForm, page, see_other};
use crate::app::commenters::CommenterAction;
use crate::app::moderation::ActError;
use crate::domain::CommentId;
use crate::routes::AppState;
use crate::views::dashboard::{self as views, CommenterPage};

/// The commenter page's query string.
#[derive(Debug, Default, Deserialize)]
pub struct CommenterQuery {
    page: Option<u32>,
    done: Option<String>,
}

/// `GET /dashboard/commenters/{id}`: the author of comment `id`, on its site.
pub async fn commenter(
    session: Session,
    path: web::Path<i64>,
    query: web::Query<CommenterQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let id = CommentId(path.into_inner());
    let page_number = query.page.unwrap_or(1).max(1);
    let (record, comments, total) = state
        .app
        .moderation()
        .commenter(id, PER_PAGE, page_number)
        .await?
        .ok_or_else(|| DashError::NotFound(format!("There is no commenter {id}.")))?;
    let view = CommenterPage {
        session: &session,
        record: &record,
        comments: &comments,
        total,
        page: page_number,
        per_page: PER_PAGE,
        done: query.done.as_deref(),
    };
    Ok(page(StatusCode::OK, views::commenter_page(&view)))
}

/// `POST /dashboard/commenters/{id}` with `action` (and `reason` for a ban).
pub async fn act(
    form: SignedForm,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let SignedForm { session, fields } = form;
    let id = CommentId(path.into_inner());
    let back = format!("/dashboard/commenters/{id}");
    let name = fields.get("action").to_owned();
    let Ok(action) = CommenterAction::parse(&name, Some(fields.get("reason"))) else {
        return Ok(see_other(&format!("{back}?done=invalid")));
    };
    let outcome = match state
        .app
        .moderation()
        .commenter_act(&session.moderator, id, action)
        .await
    {
        Ok(outcome) => outcome,
        Err(ActError::NotFound(_)) => {
            return Err(DashError::NotFound(format!("There is no commenter {id}.")));
        }
        Err(e) => return Err(anyhow::Error::new(e).into()),
    };
    Ok(see_other(&format!(
        "{back}?done={name}:{}",
        outcome.changed
    )))
}

//! How a moderator hears about new comments: an email per comment, a digest, or nothing.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::manage::DoneQuery;
use super::{DashError, Session, SignedForm, page, see_other};
use crate::app::accounts::AccountError;
use crate::routes::AppState;
use crate::views::dashboard as views;

/// `GET /dashboard/notifications`.
pub async fn notifications_page(
    session: Session,
    query: web::Query<DoneQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let (email, choice) = state
        .app
        .accounts()
        .notification_settings(session.moderator.id)
        .await?;
    Ok(page(
        StatusCode::OK,
        views::notifications_page(
            &session,
            email.as_deref().unwrap_or_default(),
            choice,
            query.done.is_some(),
            query.error.is_some(),
        ),
    ))
}

/// `POST /dashboard/notifications` with `email` and `notify` (`off`, `each`, `digest`).
pub async fn save_notifications(
    form: SignedForm,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let SignedForm { session, fields } = form;
    match state
        .app
        .accounts()
        .set_notification_settings(
            session.moderator.id,
            fields.get("email"),
            fields.get("notify"),
        )
        .await
    {
        Ok(()) => Ok(see_other("/dashboard/notifications?done=saved")),
        Err(AccountError::Unexpected(e)) => Err(DashError::Unexpected(e)),
        Err(_) => Ok(see_other("/dashboard/notifications?error=invalid")),
    }
}

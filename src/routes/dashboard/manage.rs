//! Moderator accounts (administrators only) and one's own password.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{DashError, Session, SignedForm, page, require_admin, see_other};
use crate::app::accounts::{AccountError, AccountOp};
use crate::domain::ModeratorId;
use crate::routes::AppState;
use crate::views::dashboard as views;

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
    pub error: Option<String>,
}

/// `GET /dashboard/moderators`.
pub async fn moderators_page(
    session: Session,
    query: web::Query<DoneQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    require_admin(&session)?;
    let rows = state
        .app
        .accounts()
        .moderators(&session.moderator)
        .await
        .map_err(account_error)?;
    Ok(page(
        StatusCode::OK,
        views::moderators_page(
            &session,
            &rows,
            query.done.as_deref(),
            query.error.as_deref(),
        ),
    ))
}

/// `POST /dashboard/moderators`: add an account, or act on one (`op` = disable, enable,
/// reset, admin, unadmin).
pub async fn manage(
    form: SignedForm,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let SignedForm { session, fields } = form;
    require_admin(&session)?;
    let target: Option<ModeratorId> = fields.get("id").parse().ok().map(ModeratorId);
    let op = match (fields.get("op"), target) {
        ("add", _) => Some(AccountOp::Add {
            name: fields.get("name").to_owned(),
            password: fields.get("password").to_owned(),
            admin: fields.get("admin") == "1",
        }),
        ("disable", Some(id)) => Some(AccountOp::Disable(id)),
        ("enable", Some(id)) => Some(AccountOp::Enable(id)),
        ("admin", Some(id)) => Some(AccountOp::SetAdmin(id, true)),
        ("unadmin", Some(id)) => Some(AccountOp::SetAdmin(id, false)),
        ("reset", Some(id)) => Some(AccountOp::Reset(id, fields.get("password").to_owned())),
        _ => None,
    };
    let Some(op) = op else {
        return Ok(see_other("/dashboard/moderators?error=invalid"));
    };
    let done = match &op {
        AccountOp::Add { .. } => "added",
        AccountOp::Disable(_) => "disabled",
        AccountOp::Enable(_) => "enabled",
        AccountOp::SetAdmin(..) => "role",
        AccountOp::Reset(..) => "reset",
    };
    match state
        .app
        .accounts()
        .manage_account(&session.moderator, op)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/dashboard/moderators?done={done}"))),
        Err(AccountError::OwnAccount) => Ok(see_other("/dashboard/moderators?error=self")),
        Err(AccountError::Invalid(_)) => Ok(see_other("/dashboard/moderators?error=invalid")),
        Err(e) => Err(account_error(e)),
    }
}

fn account_error(e: AccountError) -> DashError {
    match e {
        AccountError::Unexpected(e) => DashError::Unexpected(e),
        other => DashError::Forbidden(other.to_string()),
    }
}

/// `GET /dashboard/password`.
pub async fn password_form(session: Session, query: web::Query<DoneQuery>) -> HttpResponse {
    page(
        StatusCode::OK,
        views::password_page(&session, query.done.as_deref(), query.error.as_deref()),
    )
}

/// `POST /dashboard/password`: one's own password; every other session of the account ends,
/// and the account's API tokens are revoked unless `keep_tokens=1`.
pub async fn change_password(
    form: SignedForm,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let SignedForm { session, fields } = form;
    let current = fields.get("current").to_owned();
    let new = fields.get("new").to_owned();
    // Revoking is the default: a form (or script) that does not ask to keep them revokes.
    let keep_tokens = fields.get("keep_tokens") == "1";
    if new != fields.get("confirm") {
        return Ok(see_other("/dashboard/password?error=mismatch"));
    }
    match state
        .app
        .accounts()
        .change_own_password(&session, current, new, keep_tokens)
        .await
    {
        Ok(()) => Ok(see_other("/dashboard/password?done=changed")),
        Err(AccountError::WrongPassword) => Ok(see_other("/dashboard/password?error=current")),
        Err(AccountError::Invalid(_)) => Ok(see_other("/dashboard/password?error=short")),
        Err(e) => Err(account_error(e)),
    }
}

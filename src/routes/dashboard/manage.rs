//! Moderator accounts (administrators only) and one's own password.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{DashError, Session, SignedForm, blocking, page, see_other};
use crate::db::DbError;
use crate::db::dashboard as queries;
use crate::db::moderators::{self, ModeratorId};
use crate::domain::ModeratorName;
use crate::password;
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
    session.require_admin()?;
    let rows = state.db.run(|conn| queries::list_moderators(conn)).await?;
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
    session.require_admin()?;
    let op = fields.get("op").to_owned();
    let target: Option<ModeratorId> = fields.get("id").parse().ok().map(ModeratorId);
    if target == Some(session.moderator) && matches!(op.as_str(), "disable" | "unadmin") {
        return Ok(see_other("/dashboard/moderators?error=self"));
    }
    let db = state.db.clone();
    let name = fields.get("name").to_owned();
    let new_password = fields.get("password").to_owned();
    let is_admin = fields.get("admin") == "1";
    let outcome = blocking(move || {
        let hash = || password::hash_password(&new_password);
        db.run_blocking(|conn| {
            Ok::<_, DashError>(match (op.as_str(), target) {
                ("add", _) => match (ModeratorName::parse(&name), hash()) {
                    (Ok(name), Ok(hash)) => {
                        let (id, _) = moderators::upsert_moderator(conn, &name, &hash)?;
                        queries::set_admin(conn, id, is_admin)?;
                        "added"
                    }
                    _ => "invalid",
                },
                ("disable", Some(id)) => {
                    queries::set_disabled(conn, id, true)?;
                    "disabled"
                }
                ("enable", Some(id)) => {
                    queries::set_disabled(conn, id, false)?;
                    "enabled"
                }
                ("admin" | "unadmin", Some(id)) => {
                    queries::set_admin(conn, id, op == "admin")?;
                    "role"
                }
                ("reset", Some(id)) => match hash() {
                    Ok(hash) => {
                        queries::set_password_hash(conn, id, &hash)?;
                        queries::delete_sessions_of(conn, id, None)?;
                        "reset"
                    }
                    Err(_) => "invalid",
                },
                _ => "invalid",
            })
        })
    })
    .await?;
    let key = if outcome == "invalid" {
        "error"
    } else {
        "done"
    };
    Ok(see_other(&format!("/dashboard/moderators?{key}={outcome}")))
}

/// `GET /dashboard/password`.
pub async fn password_form(session: Session, query: web::Query<DoneQuery>) -> HttpResponse {
    page(
        StatusCode::OK,
        views::password_page(&session, query.done.as_deref(), query.error.as_deref()),
    )
}

/// `POST /dashboard/password`: one's own password; every other session of the account ends.
pub async fn change_password(
    form: SignedForm,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let SignedForm { session, fields } = form;
    let current = fields.get("current").to_owned();
    let new = fields.get("new").to_owned();
    if new != fields.get("confirm") {
        return Ok(see_other("/dashboard/password?error=mismatch"));
    }
    if crate::moderation::authenticate(&state.db, session.name.clone(), current)
        .await
        .is_err()
    {
        return Ok(see_other("/dashboard/password?error=current"));
    }
    let Ok(hash) = blocking(move || Ok(password::hash_password(&new))).await? else {
        return Ok(see_other("/dashboard/password?error=short"));
    };
    let (id, keep) = (session.moderator, session.token_hash.clone());
    state
        .db
        .run(move |conn| {
            queries::set_password_hash(conn, id, &hash)?;
            queries::delete_sessions_of(conn, id, Some(&keep))?;
            Ok::<_, DbError>(())
        })
        .await?;
    Ok(see_other("/dashboard/password?done=changed"))
}

//! The block and hold lists: words, emails, email domains, link hosts and address ranges.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::manage::DoneQuery;
use super::{DashError, Session, SignedForm, page, see_other};
use crate::app::guard::RuleError;
use crate::routes::AppState;
use crate::views::dashboard as views;

/// `GET /dashboard/rules`.
pub async fn rules_page(
    session: Session,
    query: web::Query<DoneQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let rules = state.app.sites().rules().await?;
    Ok(page(
        StatusCode::OK,
        views::rules_page(
            &session,
            &rules,
            query.done.as_deref(),
            query.error.as_deref(),
        ),
    ))
}

/// `POST /dashboard/rules`: `op=add` with `list`, `kind` and `value`, or `op=delete` with `id`.
pub async fn change_rules(
    form: SignedForm,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let SignedForm { session, fields } = form;
    let result = match fields.get("op") {
        "add" => state
            .app
            .sites()
            .add_rule(
                &session.moderator,
                fields.get("list"),
                fields.get("kind"),
                fields.get("value"),
            )
            .await
            .map(|()| "added"),
        "delete" => match fields.get("id").parse() {
            Ok(id) => state.app.sites().delete_rule(id).await.map(|()| "deleted"),
            Err(_) => Err(RuleError::NotFound),
        },
        _ => Err(RuleError::Invalid("unknown operation".into())),
    };
    match result {
        Ok(done) => Ok(see_other(&format!("/dashboard/rules?done={done}"))),
        Err(RuleError::Unexpected(e)) => Err(DashError::Unexpected(e)),
        Err(RuleError::Exists) => Ok(see_other("/dashboard/rules?error=exists")),
        Err(RuleError::NotFound) => Ok(see_other("/dashboard/rules?error=missing")),
        Err(RuleError::Invalid(_)) => Ok(see_other("/dashboard/rules?error=invalid")),
    }
}

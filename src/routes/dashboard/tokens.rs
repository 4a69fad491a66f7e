//! API tokens in the dashboard: one's own (an administrator sees and revokes everyone's).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::manage::DoneQuery;
use super::{DashError, Session, SignedForm, page, see_other};
use crate::app::accounts::AccountError;
use crate::routes::AppState;
use crate::views::dashboard as views;

/// `GET /dashboard/tokens`.
pub async fn tokens_page(
    session: Session,
    query: web::Query<DoneQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let tokens = state
        .app
        .accounts()
        .api_tokens(Some(&session.moderator))
        .await?;
    Ok(page(
        StatusCode::OK,
        views::tokens_page(
            &session,
            &tokens,
            None,
            query.done.as_deref(),
            query.error.as_deref(),
        ),
    ))
}

/// `POST /dashboard/tokens`: `op=create` with `name` (the page shows the secret once), or
/// `op=revoke` with `id`.
pub async fn change_tokens(
    form: SignedForm,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let SignedForm { session, fields } = form;
    match fields.get("op") {
        "create" => match state
            .app
            .accounts()
            .create_api_token(&session.moderator, fields.get("name"))
            .await
        {
            Ok((_, secret)) => {
                let tokens = state
                    .app
                    .accounts()
                    .api_tokens(Some(&session.moderator))
                    .await?;
                let mut response = page(
                    StatusCode::OK,
                    views::tokens_page(&session, &tokens, Some(&secret), None, None),
                );
                response.headers_mut().insert(
                    actix_web::http::header::CACHE_CONTROL,
                    actix_web::http::header::HeaderValue::from_static("no-store"),
                );
                Ok(response)
            }
            Err(AccountError::Unexpected(e)) => Err(DashError::Unexpected(e)),
            Err(_) => Ok(see_other("/dashboard/tokens?error=name")),
        },
        "revoke" => {
            let revoked = match fields.get("id").parse() {
                Ok(id) => {
                    state
                        .app
                        .accounts()
                        .revoke_api_token(Some(&session.moderator), id)
                        .await?
                }
                Err(_) => false,
            };
            Ok(see_other(if revoked {
                "/dashboard/tokens?done=revoked"
            } else {
                "/dashboard/tokens?error=missing"
            }))
        }
        _ => Ok(see_other("/dashboard/tokens?error=name")),
    }
}

//! The pages links in readers' emails lead to: confirming reply notifications and ending
//! them. A GET only shows a button (mail scanners open links); the POST acts, and the
//! unsubscribe POST is also RFC 8058's one-click request (`List-Unsubscribe=One-Click`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::app::replies::{LinkError, LinkKind};
use crate::routes::comments::lang_of;
use crate::routes::{AppState, html_response};
use crate::views;

#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    token: String,
}

fn page(lang: &str, title: &str, lead: &str, button: Option<(&str, &str)>) -> maud::Markup {
    views::notice_page(
        lang,
        &crate::i18n::text(lang, title, &[]),
        &crate::i18n::text(lang, lead, &[]),
        button,
    )
}

/// The page for a link that did nothing, and its status.
fn refused(lang: &str, e: &LinkError) -> HttpResponse {
    let (status, lead) = match e {
        LinkError::Invalid => (StatusCode::BAD_REQUEST, "page-link-invalid"),
        LinkError::Expired => (StatusCode::GONE, "page-link-expired"),
        LinkError::Gone => (StatusCode::GONE, "page-link-gone"),
        LinkError::Unexpected(e) => {
            tracing::error!(error.message = %format!("{e:#}"), "reply notification link failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "page-link-failed")
        }
    };
    html_response(status, page(lang, "page-link-title", lead, None))
}

/// `GET /notifications/confirm?token=…`: what confirming does, and the button.
pub async fn confirm_page(
    req: HttpRequest,
    query: web::Query<LinkQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let now = crate::domain::now_millis();
    if let Err(e) = state
        .app
        .replies()
        .check(LinkKind::Confirm, &query.token, now)
    {
        return refused(lang, &e);
    }
    let action = format!("/notifications/confirm?token={}", query.token.trim());
    let button = crate::i18n::text(lang, "page-confirm-button", &[]);
    html_response(
        StatusCode::OK,
        page(
            lang,
            "page-confirm-title",
            "page-confirm-lead",
            Some((&action, &button)),
        ),
    )
}

/// `POST /notifications/confirm?token=…`: confirms.
pub async fn confirm(
    req: HttpRequest,
    query: web::Query<LinkQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    match state.app.replies().confirm(&query.token).await {
        Ok(()) => html_response(
            StatusCode::OK,
            page(lang, "page-confirm-title", "page-confirmed", None),
        ),
        Err(e) => refused(lang, &e),
    }
}

/// `GET /notifications/unsubscribe?token=…`: what unsubscribing does, and the button.
pub async fn unsubscribe_page(
    req: HttpRequest,
    query: web::Query<LinkQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let now = crate::domain::now_millis();
    if let Err(e) = state
        .app
        .replies()
        .check(LinkKind::Unsubscribe, &query.token, now)
    {
        return refused(lang, &e);
    }
    let action = format!("/notifications/unsubscribe?token={}", query.token.trim());
    let button = crate::i18n::text(lang, "page-unsubscribe-button", &[]);
    html_response(
        StatusCode::OK,
        page(
            lang,
            "page-unsubscribe-title",
            "page-unsubscribe-lead",
            Some((&action, &button)),
        ),
    )
}

/// `POST /notifications/unsubscribe?token=…`: ends the subscription (the page's button, or
/// a mail client's one-click POST; the body is not needed).
pub async fn unsubscribe(
    req: HttpRequest,
    query: web::Query<LinkQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    match state.app.replies().unsubscribe(&query.token).await {
        Ok(()) => html_response(
            StatusCode::OK,
            page(lang, "page-unsubscribe-title", "page-unsubscribed", None),
        ),
        Err(e) => refused(lang, &e),
    }
}

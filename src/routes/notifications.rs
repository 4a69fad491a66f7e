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

/// What a link of each kind shows: the page's title, what the button does, its label,
/// what the page says once done, and the path it posts to.
struct LinkPage {
    kind: LinkKind,
    path: &'static str,
    title: &'static str,
    lead: &'static str,
    button: &'static str,
    done: &'static str,
}

const CONFIRM: LinkPage = LinkPage {
    kind: LinkKind::Confirm,
    path: "/notifications/confirm",
    title: "page-confirm-title",
    lead: "page-confirm-lead",
    button: "page-confirm-button",
    done: "page-confirmed",
};

const UNSUBSCRIBE: LinkPage = LinkPage {
    kind: LinkKind::Unsubscribe,
    path: "/notifications/unsubscribe",
    title: "page-unsubscribe-title",
    lead: "page-unsubscribe-lead",
    button: "page-unsubscribe-button",
    done: "page-unsubscribed",
};

/// A GET: the link checked, then what pressing the button does, and the button.
fn button_page(req: &HttpRequest, state: &AppState, token: &str, link: &LinkPage) -> HttpResponse {
    let lang = lang_of(req);
    let now = crate::domain::now_millis();
    if let Err(e) = state.app.replies().check(link.kind, token, now) {
        return refused(lang, &e);
    }
    let action = format!("{}?token={}", link.path, token.trim());
    let button = crate::i18n::text(lang, link.button, &[]);
    html_response(
        StatusCode::OK,
        page(lang, link.title, link.lead, Some((&action, &button))),
    )
}

/// A POST's answer: done, or why not.
fn done_page(req: &HttpRequest, result: Result<(), LinkError>, link: &LinkPage) -> HttpResponse {
    let lang = lang_of(req);
    match result {
        Ok(()) => html_response(StatusCode::OK, page(lang, link.title, link.done, None)),
        Err(e) => refused(lang, &e),
    }
}

/// `GET /notifications/confirm?token=…`: what confirming does, and the button.
pub async fn confirm_page(
    req: HttpRequest,
    query: web::Query<LinkQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    button_page(&req, &state, &query.token, &CONFIRM)
}

/// `POST /notifications/confirm?token=…`: confirms.
pub async fn confirm(
    req: HttpRequest,
    query: web::Query<LinkQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let result = state.app.replies().confirm(&query.token).await;
    done_page(&req, result, &CONFIRM)
}

/// `GET /notifications/unsubscribe?token=…`: what unsubscribing does, and the button.
pub async fn unsubscribe_page(
    req: HttpRequest,
    query: web::Query<LinkQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    button_page(&req, &state, &query.token, &UNSUBSCRIBE)
}

/// `POST /notifications/unsubscribe?token=…`: ends the subscription (the page's button, or
/// a mail client's one-click POST; the body is not needed).
pub async fn unsubscribe(
    req: HttpRequest,
    query: web::Query<LinkQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let result = state.app.replies().unsubscribe(&query.token).await;
    done_page(&req, result, &UNSUBSCRIBE)
}

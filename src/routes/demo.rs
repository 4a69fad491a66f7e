//! The development demo article at `/` and the stylesheet its pages use.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::comments::approved_tree;
use super::html_response;
use super::{ApiError, AppState};
use crate::domain::ThreadUrl;
use crate::views::{self, ReplyForm};

#[derive(Deserialize)]
pub struct DemoQuery {
    replyguard_status: Option<String>,
    replytocom: Option<i64>,
}

/// `GET /demo` (and `/` in development): a sample article with its approved comments and
/// the comment section, as the widget and, without scripts, as the plain form.
pub async fn demo_article(
    req: actix_web::HttpRequest,
    query: web::Query<DemoQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some(url) = state.demo_thread.as_deref() else {
        return Err(ApiError::NotFound("no such resource".into()));
    };
    let thread = ThreadUrl::parse(url)
        .map_err(|m| ApiError::Unexpected(anyhow::anyhow!("demo thread URL invalid: {m}")))?;
    let (comments, count) = approved_tree(&state, &thread).await?;
    let parent = query
        .replytocom
        .map(|id| id.to_string())
        .unwrap_or_default();
    let token = state.app.submissions().form_token(&thread)?.token;
    let form = ReplyForm {
        lang: crate::routes::comments::lang_of(&req),
        thread: url,
        parent: &parent,
        token: &token,
        notify: state.app.replies().enabled(),
        ..ReplyForm::default()
    };
    let pending = query.replyguard_status.as_deref() == Some("pending");
    let page = views::demo_article(url, &comments, count, pending, &form);
    let mut response = html_response(StatusCode::OK, page);
    let headers = response.headers_mut();
    // The page carries a one-time form token: a cached copy would hand it to someone else.
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    // In the language the reader's browser asks for.
    headers.insert(
        header::VARY,
        header::HeaderValue::from_static("Accept-Language"),
    );
    // As strict as a careful newsroom's article page: the widget needs nothing inline.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; \
             img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    Ok(response)
}

/// `GET /embed.js`: the comment section for any page.
pub async fn embed_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(include_str!("../../static/embed.js"))
}

/// `GET /embed.css`: the comment section's default look (the widget links it unless its
/// container says `data-style="none"`; the demo article links it for its plain form).
pub async fn embed_stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(include_str!("../../static/embed.css"))
}

/// `GET /static/replyguard.css`.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(views::STYLESHEET)
}

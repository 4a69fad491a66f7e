//! The Sites page and an article's own settings.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{DashError, Session, SignedForm, page, require_admin, see_other};
use crate::domain::{ModerationMode, RemovalReasons, SitePolicyChange, ThreadUrl, now_millis};
use crate::routes::AppState;
use crate::views::dashboard as views;

/// What the Sites and article pages were sent back with.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    done: Option<String>,
    url: Option<String>,
}

/// `GET /dashboard/sites`.
pub async fn sites_page(
    session: Session,
    query: web::Query<Done>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let sites = state.app.sites().settings().await?;
    Ok(page(
        StatusCode::OK,
        views::sites_page(&session, &sites, query.done.as_deref()),
    ))
}

/// `POST /dashboard/sites`: one site's settings (administrators only).
pub async fn save_site(
    form: SignedForm,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let SignedForm { session, fields } = form;
    require_admin(&session)?;
    let number = |name: &str| fields.get(name).trim().parse::<u32>().ok();
    let parsed = (|| {
        Some(SitePolicyChange {
            mode: Some(ModerationMode::parse(fields.get("moderation")).ok()?),
            trust_after: Some(number("trust_after")?.max(1)),
            close_after_days: Some(number("close_after_days").map(|d| (d > 0).then_some(d))?),
            auto_hide_reports: Some(number("auto_hide_reports").map(|n| (n > 0).then_some(n))?),
            promoted: None,
            removal_reasons: Some(Some(
                RemovalReasons::parse(fields.get("removal_reasons")).ok()?,
            )),
        })
    })();
    let Some(change) = parsed else {
        return Ok(see_other("/dashboard/sites?done=invalid"));
    };
    state
        .app
        .sites()
        .set_policy(fields.get("origin"), change)
        .await?;
    Ok(see_other("/dashboard/sites?done=saved"))
}

/// `GET /dashboard/article?url=`: an article's mode and whether it takes comments.
pub async fn article_page(
    session: Session,
    query: web::Query<Done>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let url = query.url.clone().unwrap_or_default();
    let thread = ThreadUrl::parse(&url)
        .map_err(|_| DashError::NotFound("That is not an article's address.".into()))?;
    let policy = state
        .app
        .sites()
        .article(&thread)
        .await?
        .ok_or_else(|| DashError::NotFound("No registered site has that article.".into()))?;
    Ok(page(
        StatusCode::OK,
        views::article_page(
            &session,
            thread.as_ref(),
            &policy,
            now_millis(),
            query.done.as_deref(),
        ),
    ))
}

/// `POST /dashboard/article` with `url` and `op`: `close`, `open`, or `mode` with
/// `moderation` (`site` for the site's).
pub async fn change_article(
    form: SignedForm,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let SignedForm { fields, .. } = form;
    let thread = ThreadUrl::parse(fields.get("url"))
        .map_err(|_| DashError::NotFound("That is not an article's address.".into()))?;
    let (mode, closed, done) = match fields.get("op") {
        "close" => (None, Some(Some(true)), "closed"),
        "open" => (None, Some(Some(false)), "opened"),
        "mode" => match fields.get("moderation") {
            "site" => (Some(None), None, "saved"),
            m => match ModerationMode::parse(m) {
                Ok(mode) => (Some(Some(mode)), None, "saved"),
                Err(_) => (None, None, "invalid"),
            },
        },
        _ => (None, None, "invalid"),
    };
    if done != "invalid" {
        state.app.sites().set_article(&thread, mode, closed).await?;
    }
    let back: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("url", thread.as_ref())
        .append_pair("done", done)
        .finish();
    Ok(see_other(&format!("/dashboard/article?{back}")))
}

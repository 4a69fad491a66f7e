//! Akismet's REST protocol, so apps that speak to Akismet switch by changing one setting:
//! `/1.1/verify-key`, `/1.1/comment-check`, `/1.1/submit-spam`, `/1.1/submit-ham`,
//! `/1.2/usage-limit`, `/1.2/key-sites`, with Akismet's parameter names and exact answers.
//!
//! The key is read where real clients put it: the `api_key` or `key` parameter (body or
//! query), the first label of the Host (`KEY.your-host`, as older clients do), or the user
//! name of HTTP Basic. Bodies may be form-encoded or JSON.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use super::{ApiError, AppState};
use crate::app::akismet::{AkismetComment, THANKS};
use crate::domain::{KeyedSite, Label};

const INVALID_KEY_HELP: &str = "We were unable to verify your API key.";

type Params = HashMap<String, String>;

/// The request's parameters: the query string, then the body (form or JSON) over it.
fn params(req: &HttpRequest, body: &[u8]) -> Result<Params, String> {
    // Akismet's `blog_charset` names the charset of the other fields (WordPress sends the
    // blog's); without it they must be UTF-8, and bytes that are not are refused, as
    // `/api/v1/comments` refuses them, rather than stored as U+FFFD.
    let query = req.query_string().as_bytes();
    let charset = super::urlencoded::raw_value(body, "blog_charset")
        .or_else(|| super::urlencoded::raw_value(query, "blog_charset"))
        .map(|c| String::from_utf8_lossy(&c).into_owned());
    let mut params: Params = super::urlencoded::pairs(query, charset.as_deref())
        .map_err(|e| format!("the query string: {e}"))?
        .into_iter()
        .collect();
    if body.is_empty() {
        return Ok(params);
    }
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    if is_json {
        let object: serde_json::Map<String, Value> =
            serde_json::from_slice(body).map_err(|_| "the JSON body is malformed".to_owned())?;
        for (k, v) in object {
            let text = match v {
                Value::String(s) => s,
                Value::Null => continue,
                Value::Bool(b) => {
                    if b {
                        "1".into()
                    } else {
                        "0".into()
                    }
                }
                other => other.to_string(),
            };
            params.insert(k, text);
        }
    } else {
        let pairs = super::urlencoded::pairs(body, charset.as_deref())
            .map_err(|e| format!("the form body: {e}"))?;
        params.extend(pairs);
    }
    Ok(params)
}

/// The API key, wherever the client put it.
fn api_key(req: &HttpRequest, params: &Params) -> Option<String> {
    if let Some(key) = params.get("api_key").or_else(|| params.get("key")) {
        return Some(key.trim().to_owned());
    }
    let host = req.connection_info().host().to_owned();
    let first = host.split('.').next().unwrap_or_default();
    if host.contains('.') && first.len() >= 12 && first.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(first.to_owned());
    }
    // Older clients send the key as the HTTP Basic user name.
    super::auth::basic_credentials(req).map(|(name, _)| name)
}

fn text(body: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(body.to_owned())
}

fn invalid(help: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("X-akismet-debug-help", help.to_owned()))
        .body("invalid")
}

fn missing(field: &str) -> HttpResponse {
    let message = format!("Missing required field: {field}.");
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("X-akismet-debug-help", message.clone()))
        .insert_header(("X-akismet-error", message.clone()))
        .body(message)
}

fn comment(params: &Params) -> AkismetComment {
    let mut extra = params.clone();
    let mut take = |name: &str| extra.remove(name).unwrap_or_default();
    let honeypot_field = take("honeypot_field_name");
    let mut c = AkismetComment {
        blog: take("blog"),
        user_ip: take("user_ip"),
        user_agent: take("user_agent"),
        referrer: take("referrer"),
        permalink: take("permalink"),
        comment_type: take("comment_type"),
        comment_author: take("comment_author"),
        comment_author_email: take("comment_author_email"),
        comment_author_url: take("comment_author_url"),
        comment_content: take("comment_content"),
        comment_date_gmt: take("comment_date_gmt"),
        comment_post_modified_gmt: take("comment_post_modified_gmt"),
        blog_lang: take("blog_lang"),
        blog_charset: take("blog_charset"),
        user_role: take("user_role"),
        is_test: matches!(take("is_test").trim(), "1" | "true"),
        recheck_reason: take("recheck_reason"),
        honeypot: None,
        extra: Default::default(),
    };
    if !honeypot_field.is_empty() {
        c.honeypot = Some(extra.remove(&honeypot_field).unwrap_or_default());
    }
    for name in ["api_key", "key"] {
        extra.remove(name);
    }
    c.extra = extra.into_iter().collect();
    c
}

/// The parameters and the site of a keyed call, or the answer Akismet gives instead.
async fn keyed(
    req: &HttpRequest,
    body: &[u8],
    state: &AppState,
) -> Result<Result<(Params, KeyedSite), HttpResponse>, ApiError> {
    let params = params(req, body).map_err(ApiError::BadRequest)?;
    let Some(key) = api_key(req, &params) else {
        return Ok(Err(invalid("Empty \"api_key\" value")));
    };
    let blog = params.get("blog").cloned().unwrap_or_default();
    if blog.trim().is_empty() {
        return Ok(Err(missing("blog")));
    }
    match state.app.akismet().site(&key, &blog).await? {
        Some(site) => Ok(Ok((params, site))),
        None => Ok(Err(invalid(INVALID_KEY_HELP))),
    }
}

/// `POST /1.1/verify-key`: `valid`, or `invalid` with `X-akismet-debug-help`.
pub async fn verify_key(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    Ok(match keyed(&req, &body, &state).await? {
        Ok(_) => text("valid"),
        Err(response) => response,
    })
}

/// `POST /1.1/comment-check`: `true` (spam) or `false`; `X-akismet-pro-tip: discard` for
/// blatant spam.
pub async fn comment_check(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (params, site) = match keyed(&req, &body, &state).await? {
        Ok(found) => found,
        Err(response) => return Ok(response),
    };
    if params.get("user_ip").is_none_or(|ip| ip.trim().is_empty()) {
        return Ok(missing("user_ip"));
    }
    let answer = state.app.akismet().check(&site, &comment(&params)).await?;
    let mut response = text(if answer.spam { "true" } else { "false" });
    if answer.discard {
        response.headers_mut().insert(
            header::HeaderName::from_static("x-akismet-pro-tip"),
            header::HeaderValue::from_static("discard"),
        );
    }
    Ok(response)
}

async fn feedback(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    label: Label,
) -> Result<HttpResponse, ApiError> {
    let (params, site) = match keyed(&req, &body, &state).await? {
        Ok(found) => found,
        Err(response) => return Ok(response),
    };
    state
        .app
        .akismet()
        .feedback(&site, &comment(&params), label)
        .await?;
    Ok(text(THANKS))
}

/// `POST /1.1/submit-spam`: a comment the app found to be spam, as a training label.
pub async fn submit_spam(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    feedback(req, body, state, Label::Spam).await
}

/// `POST /1.1/submit-ham`: a comment the app found not to be spam, as a training label.
pub async fn submit_ham(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    feedback(req, body, state, Label::Ham).await
}

/// The key's site, for the 1.2 calls that need no `blog`: any URL of the site will do.
async fn site_of_key(
    req: &HttpRequest,
    body: &[u8],
    state: &AppState,
) -> Result<Option<KeyedSite>, ApiError> {
    let params = params(req, body).map_err(ApiError::BadRequest)?;
    let Some(key) = api_key(req, &params) else {
        return Ok(None);
    };
    // The key names its site; the site's own origin is always one of its blogs.
    let site = state.app.akismet().site_by_key(&key).await?;
    Ok(site)
}

/// `GET|POST /1.2/usage-limit`: no limit here; this month's calls.
pub async fn usage_limit(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some(site) = site_of_key(&req, &body, &state).await? else {
        return Ok(invalid(INVALID_KEY_HELP));
    };
    let usage = state.app.akismet().usage(&site).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "limit": "none",
        "usage": usage.api_calls,
        "percentage": "0.00",
        "throttled": false,
    })))
}

/// `GET|POST /1.2/key-sites`: the key's site with this month's counts.
pub async fn key_sites(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some(site) = site_of_key(&req, &body, &state).await? else {
        return Ok(invalid(INVALID_KEY_HELP));
    };
    let u = state.app.akismet().usage(&site).await?;
    let month = crate::app::akismet::this_month();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        month: [{
            "site": site.origin,
            "api_calls": u.api_calls.to_string(),
            "spam": u.spam.to_string(),
            "ham": u.ham.to_string(),
            "missed_spam": u.missed_spam.to_string(),
            "false_positives": u.false_positives.to_string(),
            "is_revoked": false,
        }],
        "limit": 10,
        "offset": 0,
        "total": 1,
    })))
}

//! Public comment endpoints: JSON and HTML-form submission, and the approved listing.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use url::Url;

use super::{ApiError, AppState, client_ip, header_text};
use crate::app::submission::SubmitError;
use crate::domain::{
    CommentId, CommentStatus, FieldErrors, NewComment, RawComment, SubmissionMeta, Submitted,
    ThreadUrl, Timestamp, now_millis,
};
use crate::render::{self, CommentNode};
use crate::views::{self, ReplyForm};

/// User agents and referrers are kept for moderators; past this they are noise or an attack.
const HEADER_MAX_BYTES: usize = 512;

fn submission_meta(req: &HttpRequest, state: &AppState) -> SubmissionMeta {
    SubmissionMeta {
        created_at: now_millis(),
        client_ip: client_ip(req, &state.trusted_proxies).map(|ip| ip.to_string()),
        user_agent: header_text(req, header::USER_AGENT, HEADER_MAX_BYTES),
        referrer: header_text(req, header::REFERER, HEADER_MAX_BYTES),
        idempotency_key: idempotency_key(req).ok().flatten(),
        ..SubmissionMeta::default()
    }
}

/// The `Idempotency-Key` header, when sent: 1 to 255 visible ASCII characters.
fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, String> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key) if (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(key.to_owned()))
        }
        _ => Err("Idempotency-Key must be 1 to 255 visible ASCII characters".to_owned()),
    }
}

/// Reads the JSON body field by field, so a wrong type is reported against its field
/// (`"author": ["must be a string"]`) instead of as an opaque parse error.
fn raw_comment_from_json(body: &Map<String, Value>) -> (RawComment, FieldErrors) {
    let mut errors = FieldErrors::default();
    let mut text = |field: &'static str| match body.get(field) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            errors.add(field, "must be a string");
            String::new()
        }
    };
    let raw = RawComment {
        thread: text("thread"),
        author: text("author"),
        email: text("email"),
        website: text("website"),
        body: text("body"),
        parent: None,
    };
    let parent = match body.get("parent") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.add("parent", "must be a comment id or null");
            None
        }
    };
    (RawComment { parent, ..raw }, errors)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AcceptedJson {
    #[schema(value_type = i64)]
    id: CommentId,
    /// Always `pending` to the submitter: whether the filter filed it as spam is not said.
    #[schema(value_type = String, example = "pending")]
    status: CommentStatus,
    thread: String,
    #[schema(value_type = Option<i64>)]
    parent: Option<CommentId>,
    #[schema(value_type = String, format = DateTime)]
    created_at: Timestamp,
}

/// `POST /api/v1/comments`: a JSON submission, answered `202 Accepted` once stored.
#[utoipa::path(post, path = "/api/v1/comments", tag = "comments",
    request_body = super::openapi::CommentRequest,
    params(("Idempotency-Key" = Option<String>, Header,
        description = "A retry with the same key returns the comment the first request created")),
    responses(
        (status = 202, description = "Stored durably; awaiting moderation", body = AcceptedJson),
        (status = 400, description = "Malformed JSON or header", body = super::openapi::ErrorResponse),
        (status = 409, description = "The same comment was just posted", body = super::openapi::ErrorResponse),
        (status = 422, description = "Fields are missing or invalid, per field", body = super::openapi::ErrorResponse),
        (status = 429, description = "Too many comments from this address or email; see Retry-After", body = super::openapi::ErrorResponse),
    ))]
pub async fn submit_comment_json(
    req: HttpRequest,
    body: web::Json<Map<String, Value>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (raw, type_errors) = raw_comment_from_json(&body);
    let comment = match NewComment::try_from(raw) {
        Ok(comment) if type_errors.is_empty() => comment,
        Ok(_) => return Err(ApiError::Validation(type_errors)),
        Err(parse_errors) => {
            // A field of the wrong type was read as blank; report the type, not "missing".
            let mut errors = type_errors;
            for (field, messages) in parse_errors.iter() {
                if errors.get(field).is_none() {
                    for message in messages {
                        errors.add(field, message.clone());
                    }
                }
            }
            return Err(ApiError::Validation(errors));
        }
    };
    idempotency_key(&req).map_err(ApiError::BadRequest)?;
    let thread = comment.thread.as_ref().to_owned();
    let parent = comment.parent;
    let optional_text = |field: &str| body.get(field).and_then(Value::as_str).map(str::to_owned);
    let meta = SubmissionMeta {
        form_token: optional_text("form_token"),
        honeypot: optional_text("honeypot"),
        ..submission_meta(&req, &state)
    };
    let submitted = state.app.submit(comment, meta).await?;
    Ok(HttpResponse::Accepted().json(AcceptedJson {
        id: submitted.id,
        status: PUBLIC_STATUS,
        thread,
        parent,
        created_at: Timestamp(submitted.created_at),
    }))
}

/// The classic comment form, with WordPress's field names. Every field is optional here so
/// that a missing one reaches validation and gets a message, not a parse error.
#[derive(Debug, Default, Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    author: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    comment_parent: String,
    #[serde(default)]
    thread: String,
    #[serde(default)]
    redirect_to: String,
    /// The signed form token (`app::guard::TOKEN_FIELD`).
    #[serde(default)]
    rg_token: String,
    /// The honeypot (`app::guard::HONEYPOT_FIELD`): people leave it empty.
    #[serde(default)]
    rg_hp: String,
}

impl CommentForm {
    fn raw(&self) -> RawComment {
        RawComment {
            thread: self.thread.clone(),
            parent: Some(self.comment_parent.clone()),
            author: self.author.clone(),
            email: self.email.clone(),
            website: self.url.clone(),
            body: self.comment.clone(),
        }
    }

    fn view(&self, errors: &FieldErrors) -> ReplyForm<'_> {
        ReplyForm {
            thread: &self.thread,
            parent: &self.comment_parent,
            author: &self.author,
            email: &self.email,
            url: &self.url,
            comment: &self.comment,
            redirect_to: &self.redirect_to,
            token: &self.rg_token,
            errors: errors
                .iter()
                .flat_map(|(field, messages)| {
                    messages
                        .iter()
                        .map(move |m| (form_field_name(field), m.clone()))
                })
                .collect(),
        }
    }
}

/// The WordPress form name of a JSON API field.
fn form_field_name(api_field: &'static str) -> &'static str {
    match api_field {
        "website" => "url",
        "body" => "comment",
        "parent" => "comment_parent",
        other => other,
    }
}

/// Whether every name and value of a url-encoded body is UTF-8 once percent-decoded. The
/// usual decoder replaces bad bytes with U+FFFD, which would store a comment the reader
/// never wrote.
fn form_is_utf8(body: &[u8]) -> bool {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    body.split(|b| *b == b'&').all(|pair| {
        let mut decoded = Vec::with_capacity(pair.len());
        let mut i = 0;
        while i < pair.len() {
            match pair[i] {
                b'%' if i + 2 < pair.len() => match (hex(pair[i + 1]), hex(pair[i + 2])) {
                    (Some(h), Some(l)) => {
                        decoded.push(h * 16 + l);
                        i += 3;
                        continue;
                    }
                    _ => decoded.push(b'%'),
                },
                b'+' => decoded.push(b' '),
                b'=' => decoded.push(b'='),
                other => decoded.push(other),
            }
            i += 1;
        }
        std::str::from_utf8(&decoded).is_ok()
    })
}

/// Reads the form body: at most `MAX_BODY_BYTES`, url-encoded, and UTF-8 throughout; else the
/// page to answer with.
async fn read_form(req: &HttpRequest, payload: web::Payload) -> Result<CommentForm, HttpResponse> {
    let refuse = |status: StatusCode, message: &str| {
        html_response(
            status,
            views::reply_error_page(&ReplyForm::default(), message),
        )
    };
    let url_encoded = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !url_encoded {
        return Err(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The comment form must be sent as application/x-www-form-urlencoded.",
        ));
    }
    let body = match payload.to_bytes_limited(super::MAX_BODY_BYTES).await {
        Ok(Ok(body)) => body,
        Err(_) => {
            return Err(refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Your comment is too large to be sent. Please shorten it and try again.",
            ));
        }
        Ok(Err(_)) => {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "The comment form could not be read.",
            ));
        }
    };
    if !form_is_utf8(&body) {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "The comment form was not sent as UTF-8 text, so it could not be read. \
             Please send it again from the page.",
        ));
    }
    serde_urlencoded::from_bytes(&body).map_err(|_| {
        refuse(
            StatusCode::BAD_REQUEST,
            "The comment form could not be read.",
        )
    })
}

#[derive(Deserialize)]
pub struct FormTokenQuery {
    thread: String,
}

/// `GET /api/v1/form-token?thread=URL`: a signed form token for a form on that article,
/// with the names of the fields to send it and the honeypot in. Never cached: each form
/// gets its own.
#[utoipa::path(get, path = "/api/v1/form-token", tag = "comments",
    params(("thread" = String, Query, description = "The article's URL")),
    responses(
        (status = 200, description = "`{token, token_field, honeypot_field, min_seconds}`"),
        (status = 422, description = "The thread is not a valid article URL", body = super::openapi::ErrorResponse),
    ))]
pub async fn form_token(
    query: web::Query<FormTokenQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let thread = ThreadUrl::parse(&query.thread).map_err(|message| {
        let mut errors = FieldErrors::default();
        errors.add("thread", message);
        ApiError::Validation(errors)
    })?;
    let token = state.app.form_token(&thread)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(token))
}

/// `POST /comments`: the HTML form. Success is a `303` back to the article; a refusal is a
/// page naming each problem with the form filled in again.
pub async fn submit_comment_form(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let form = match read_form(&req, payload).await {
        Ok(form) => form,
        Err(page) => return page,
    };
    let result = match NewComment::try_from(form.raw()) {
        Ok(comment) => {
            let thread = comment.thread.clone();
            let meta = SubmissionMeta {
                from_form: true,
                form_token: Some(form.rg_token.clone()),
                honeypot: Some(form.rg_hp.clone()),
                ..submission_meta(&req, &state)
            };
            state
                .app
                .submit(comment, meta)
                .await
                .map(|submitted| (thread, submitted))
        }
        Err(errors) => Err(SubmitError::Validation(errors)),
    };
    match result {
        Ok((thread, submitted)) => {
            see_other(&redirect_target(&thread, &form.redirect_to, &submitted))
        }
        Err(SubmitError::Duplicate(_)) => {
            let page = views::reply_error_page(
                &form.view(&FieldErrors::default()),
                "You have already posted this comment; it is awaiting moderation.",
            );
            html_response(StatusCode::CONFLICT, page)
        }
        Err(SubmitError::Limited(limited)) => {
            let seconds = limited.retry_after.as_secs().max(1);
            let page = views::reply_error_page(
                &form.view(&FieldErrors::default()),
                &format!(
                    "You are posting faster than this site allows. Your text is below: \
                     please send it again in {seconds} seconds."
                ),
            );
            let mut response = html_response(StatusCode::TOO_MANY_REQUESTS, page);
            if let Ok(value) = header::HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Err(SubmitError::Validation(errors)) => {
            let page = views::reply_error_page(
                &form.view(&errors),
                "Please correct the highlighted fields and send it again.",
            );
            html_response(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
        Err(SubmitError::Unexpected(e)) => {
            tracing::error!(error.cause_chain = ?e, error.message = %e, "form submission failed");
            let page = views::reply_error_page(
                &form.view(&FieldErrors::default()),
                "Something went wrong on our side and your comment was not saved. \
                 Your text is below: please try again in a moment.",
            );
            html_response(StatusCode::INTERNAL_SERVER_ERROR, page)
        }
    }
}

/// Where to send the browser after a successful post: `redirect_to` when it is on the
/// article's own origin (never elsewhere: that would make us an open redirect), else the
/// article, with a marker the page can use to say the comment awaits moderation.
fn redirect_target(thread: &ThreadUrl, redirect_to: &str, submitted: &Submitted) -> String {
    let mut target = Url::parse(redirect_to.trim())
        .ok()
        .filter(|u| u.origin() == thread.url().origin())
        .unwrap_or_else(|| thread.url().clone());
    target
        .query_pairs_mut()
        .append_pair("replyguard_comment", &submitted.id.to_string())
        .append_pair("replyguard_status", PUBLIC_STATUS.as_str());
    target.set_fragment(Some(&format!("comment-{}", submitted.id)));
    target.into()
}

/// What a submitter is told: everything held back is "pending". A comment the filter
/// filed as spam still awaits a moderator (who may release it), and telling spammers which
/// texts the filter catches would help them get past it.
const PUBLIC_STATUS: CommentStatus = CommentStatus::Pending;

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// An HTML response that no cache or frame may keep.
pub fn html_response(status: StatusCode, page: maud::Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ))
        .body(page.into_string())
}

#[derive(Deserialize)]
pub struct ThreadQuery {
    thread: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ThreadJson {
    thread: String,
    count: usize,
    /// Approved comments, oldest first, each with `id`, `parent`, `author`, `website`,
    /// `body`, `body_html`, `created_at` and nested `replies`.
    #[schema(value_type = Vec<Object>)]
    comments: Vec<CommentNode>,
}

/// The approved comments of one article as a tree.
///
/// # Errors
/// A database failure.
pub async fn approved_tree(
    state: &AppState,
    thread: &ThreadUrl,
) -> Result<(Vec<CommentNode>, usize), ApiError> {
    let flat = state.app.approved_comments(thread).await?.comments;
    let count = flat.len();
    Ok((render::thread_tree(flat), count))
}

/// Rendered public listings by article URL, each with the version of the approved set it
/// was rendered from, so a listing is read and rendered again only after it changed.
///
/// Why: rendering 200 approved comments (tree, escaped HTML, JSON) on every request costs
/// far more than a version check, which is one indexed read (the listing's rate is in
/// BENCHMARKS.md). The version lives in the database, so every instance sharing it sees a
/// change.
#[derive(Default)]
pub struct ListingCache {
    entries: std::sync::Mutex<ListingEntries>,
}

#[derive(Default)]
struct ListingEntries {
    by_url: std::collections::HashMap<String, (i64, web::Bytes)>,
    bytes: usize,
}

/// The cache holds at most this many bytes of rendered listings (then starts over)…
const LISTING_CACHE_BYTES: usize = 8 << 20;
/// …and never one listing larger than this.
const LISTING_MAX_CACHED: usize = 1 << 20;

impl ListingCache {
    fn get(&self, url: &str, version: i64) -> Option<web::Bytes> {
        let entries = self.lock();
        match entries.by_url.get(url) {
            Some((v, body)) if *v == version => Some(body.clone()),
            _ => None,
        }
    }

    fn put(&self, url: &str, version: i64, body: web::Bytes) {
        if body.len() > LISTING_MAX_CACHED {
            return;
        }
        let mut entries = self.lock();
        if entries.bytes + body.len() > LISTING_CACHE_BYTES {
            entries.by_url.clear();
            entries.bytes = 0;
        }
        entries.bytes += body.len();
        if let Some((_, old)) = entries.by_url.insert(url.to_owned(), (version, body)) {
            entries.bytes -= old.len();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ListingEntries> {
        // Only plain data behind the lock: a panic elsewhere leaves it usable.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `GET /api/v1/comments?thread=URL`: approved comments, oldest first, replies nested.
#[utoipa::path(get, path = "/api/v1/comments", tag = "comments",
    params(("thread" = String, Query, description = "The article's URL")),
    responses(
        (status = 200, description = "The article's approved comments", body = ThreadJson),
        (status = 422, description = "The thread is missing or invalid", body = super::openapi::ErrorResponse),
    ))]
pub async fn list_comments(
    query: web::Query<ThreadQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let thread = ThreadUrl::parse(query.thread.as_deref().unwrap_or_default()).map_err(|m| {
        let mut errors = FieldErrors::default();
        errors.add("thread", m);
        ApiError::Validation(errors)
    })?;
    let url = thread.as_ref();
    let cached = match state.app.approved_version(&thread).await? {
        Some(version) => state.listings.get(url, version),
        None => None,
    };
    let body = match cached {
        Some(body) => body,
        None => {
            let public = state.app.approved_comments(&thread).await?;
            let count = public.comments.len();
            let json = serde_json::to_vec(&ThreadJson {
                thread: url.to_owned(),
                count,
                comments: render::thread_tree(public.comments),
            })
            .map_err(|e| ApiError::Unexpected(e.into()))?;
            let body = web::Bytes::from(json);
            state.listings.put(url, public.version, body.clone());
            body
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .content_type("application/json")
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::form_is_utf8;

    #[test]
    fn invalid_utf8_anywhere_in_a_form_is_found() {
        assert!(form_is_utf8(b"author=Ada&comment=caf%C3%A9+ok&x="));
        assert!(form_is_utf8(b"a=100%25&b=%zz&c=%"));
        assert!(!form_is_utf8(b"author=Ada&comment=caf%E9"));
        assert!(!form_is_utf8(b"comment=%FF%FE"));
        assert!(!form_is_utf8(b"\xff=1"));
    }
}

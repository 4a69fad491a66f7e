//! Public comment endpoints: JSON submission, the form token, and (in submodules) the
//! HTML form, the approved listing and readers' reports.

mod form;
pub(super) mod listing;
pub mod report;

pub use form::submit_comment_form;
pub use listing::{ListingCache, approved_tree, list_comments};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::domain::{
    CommentId, CommentStatus, FieldErrors, NewComment, RawComment, SubmissionMeta, ThreadUrl,
    Timestamp, now_millis,
};
use crate::routes::{ApiError, AppState, client_ip, header_text};

/// User agents and referrers are kept for moderators; past this they are noise or an attack.
const HEADER_MAX_BYTES: usize = 512;

fn submission_meta(req: &HttpRequest, state: &AppState) -> SubmissionMeta {
    SubmissionMeta {
        created_at: now_millis(),
        client_ip: client_ip(req, &state.trusted_proxies).map(|ip| ip.to_string()),
        user_agent: header_text(req, header::USER_AGENT, HEADER_MAX_BYTES),
        referrer: header_text(req, header::REFERER, HEADER_MAX_BYTES),
        idempotency_key: idempotency_key(req).ok().flatten(),
        lang: lang_of(req).to_owned(),
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
    if !matches!(
        body.get("notify_replies"),
        None | Some(Value::Null | Value::Bool(_))
    ) {
        errors.add("notify_replies", "must be true or false");
    }
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
        (status = 400, description = "Malformed JSON or header", body = crate::routes::openapi::ErrorResponse),
        (status = 409, description = "The same comment was just posted", body = crate::routes::openapi::ErrorResponse),
        (status = 422, description = "Fields are missing or invalid, per field", body = crate::routes::openapi::ErrorResponse),
        (status = 429, description = "Too many comments from this address or email; see Retry-After", body = crate::routes::openapi::ErrorResponse),
    ))]
pub async fn submit_comment_json(
    req: HttpRequest,
    body: web::Json<Map<String, Value>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // Field messages in the reader's language (`Accept-Language`; the widget sends its own).
    let lang = lang_of(&req);
    let translated = |e: ApiError| match e {
        ApiError::Validation(errors) => {
            ApiError::Validation(errors.map_messages(|m| crate::i18n::field_message(lang, m)))
        }
        other => other,
    };
    submit_json_in(&req, &body, &state)
        .await
        .map_err(translated)
}

/// The reader's language, as their `Accept-Language` asks (English by default).
pub fn lang_of(req: &HttpRequest) -> &'static str {
    crate::i18n::negotiate(
        req.headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

async fn submit_json_in(
    req: &HttpRequest,
    body: &Map<String, Value>,
    state: &web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (raw, type_errors) = raw_comment_from_json(body);
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
    idempotency_key(req).map_err(ApiError::BadRequest)?;
    let thread = comment.thread.as_ref().to_owned();
    let parent = comment.parent;
    let optional_text = |field: &str| body.get(field).and_then(Value::as_str).map(str::to_owned);
    let meta = SubmissionMeta {
        form_token: optional_text("form_token"),
        honeypot: optional_text("honeypot"),
        notify_replies: body.get("notify_replies") == Some(&Value::Bool(true)),
        ..submission_meta(req, state)
    };
    let submitted = state.app.submissions().submit(comment, meta).await?;
    Ok(HttpResponse::Accepted().json(AcceptedJson {
        id: submitted.id,
        status: public_status(submitted.status),
        thread,
        parent,
        created_at: Timestamp(submitted.created_at),
    }))
}

/// `GET /i18n/{lang}.json`: the widget's messages in one language (id → text; `{name}`
/// marks a value the widget fills in).
pub async fn catalogue(path: web::Path<String>) -> HttpResponse {
    let lang = path.into_inner();
    let lang = lang.strip_suffix(".json").unwrap_or(&lang);
    match crate::i18n::supported(lang)
        .filter(|l| *l == lang)
        .and_then(crate::i18n::catalogue_json)
    {
        Some(json) => HttpResponse::Ok()
            .content_type("application/json; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
            // Public messages, fetched by the widget from any site's page.
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .body(json),
        None => HttpResponse::NotFound().json(serde_json::json!({
            "error": "not_found",
            "message": format!("there are no messages in {lang:?}"),
        })),
    }
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
        (status = 422, description = "The thread is not a valid article URL", body = crate::routes::openapi::ErrorResponse),
    ))]
pub async fn form_token(
    query: web::Query<FormTokenQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let thread =
        ThreadUrl::parse(&query.thread).map_err(|message| ApiError::invalid("thread", message))?;
    let token = state.app.submissions().form_token(&thread)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(token))
}

/// What a submitter is told: `approved` when the moderation policy published the comment
/// at once (a trusted commenter, a postmoderated site), else `pending` for everything held
/// back. A comment the filter filed as spam still awaits a moderator (who may release it),
/// and telling spammers which texts the filter catches would help them get past it.
pub(crate) fn public_status(status: CommentStatus) -> CommentStatus {
    match status {
        CommentStatus::Approved => CommentStatus::Approved,
        _ => CommentStatus::Pending,
    }
}

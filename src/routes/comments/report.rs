//! `POST /api/v1/comments/{id}/report`: a reader's report on a published comment.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::app::reports::ReportError;
use crate::domain::CommentId;
use crate::routes::{ApiError, AppState, client_ip};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReportJson {
    /// `spam`, `abuse`, `off_topic`, `illegal` or `other`.
    reason: Option<String>,
    /// Required for `illegal`; at most 2,000 characters.
    explanation: Option<String>,
    /// Optional: kept for moderators only, never shown.
    email: Option<String>,
    /// Optional: a random token the reader's browser keeps (the widget sends one from
    /// `localStorage`, no cookie), 16 to 128 letters, digits, `-` or `_`: one report per
    /// reader per comment even when their address changes.
    reader: Option<String>,
}

/// Reports a published comment. One report per reader per comment counts (a second is
/// answered the same and not counted again); limited like submissions.
#[utoipa::path(post, path = "/api/v1/comments/{id}/report", tag = "comments",
    params(("id" = i64, Path, description = "The comment's id")),
    request_body = ReportJson,
    responses(
        (status = 202, description = "`{\"status\": \"received\"}`"),
        (status = 404, description = "No such published comment", body = crate::routes::openapi::ErrorResponse),
        (status = 422, description = "A field is missing or invalid", body = crate::routes::openapi::ErrorResponse),
        (status = 429, description = "Too many requests from this address", body = crate::routes::openapi::ErrorResponse),
    ))]
pub async fn report_comment(
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Json<ReportJson>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = CommentId(path.into_inner());
    state
        .app
        .submissions()
        .report(
            id,
            body.reason.as_deref().unwrap_or_default(),
            body.explanation.as_deref(),
            body.email.as_deref(),
            body.reader.as_deref(),
            client_ip(&req, &state.trusted_proxies),
        )
        .await
        .map_err(|e| match e {
            ReportError::Validation(fields) => ApiError::Validation(fields),
            ReportError::NotPublished(_) => ApiError::NotFound(e.to_string()),
            ReportError::Limited(l) => ApiError::RateLimited(l.retry_after.as_secs().max(1)),
            ReportError::Unexpected(e) => ApiError::Unexpected(e),
        })?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "status": "received" })))
}

//! `GET /api/v1/openapi.json`: the JSON API as an OpenAPI 3.1 document, generated from the
//! handlers' `#[utoipa::path]` annotations and the wire types' schemas.

use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// A submission's JSON body. The handler reads it field by field (so a wrong type is
/// reported against its field), which is why this type exists only for the document.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct CommentRequest {
    /// The article's URL, under a registered site.
    thread: String,
    /// The id of the approved comment this one answers; `null` or absent for a new thread.
    parent: Option<i64>,
    author: String,
    /// Kept for moderators; never published.
    email: String,
    website: Option<String>,
    body: String,
    /// The signed token from `GET /api/v1/form-token`, when the client is a browser form.
    form_token: Option<String>,
    /// The honeypot field's value: people leave it empty.
    honeypot: Option<String>,
    /// Email the commenter when a reply to this comment is published (after they confirm
    /// once per site by a link emailed to them); ignored unless the service sends email.
    notify_replies: Option<bool>,
}

/// Every refusal: a code, a sentence, and for validation errors the messages per field.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ErrorResponse {
    /// e.g. `validation_failed`, `rate_limited`, `duplicate_comment`, `unauthorized`.
    error: String,
    message: String,
    /// Field name → messages, for `validation_failed`.
    #[schema(value_type = Option<Object>)]
    fields: Option<serde_json::Value>,
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Replyguard",
        description = "Comment submission, public listings and moderation. Moderation calls take an API token (`Authorization: Bearer`) or HTTP Basic with a moderator account."
    ),
    paths(
        super::comments::submit_comment_json,
        super::comments::listing::list_comments,
        super::comments::form_token,
        super::comments::report::report_comment,
        super::moderation::list_for_moderation,
        super::moderation::moderation_detail,
        super::moderation::apply_action,
        super::moderation::dismiss_reports,
        super::moderation::commenter_action,
        super::moderation::decide_campaign,
        super::model::model_status,
        super::model::retrain,
        super::model::activate,
        super::health::healthz,
        super::health::readyz,
        openapi_json,
    ),
    components(schemas(CommentRequest, ErrorResponse)),
    modifiers(&Security)
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API")))]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(ApiDoc::openapi())
}

//! The moderation JSON API (HTTP Basic, moderators only). Emails are visible here and
//! nowhere else.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{ApiError, AppState};
use crate::app::accounts::Moderator;
use crate::domain::{
    CommentId, CommentStatus, FieldErrors, Label, LogEntry, ModAction, ModComment, Order,
};

/// Largest page a client may ask for: bounds the work of one request.
const MAX_PER_PAGE: u32 = 200;
const DEFAULT_PER_PAGE: u32 = 50;

/// A listing request, checked.
struct ListQuery {
    status: CommentStatus,
    order: Order,
    page: u32,
    per_page: u32,
    /// Only this commenter's comments (any status): the `commenter.id` of the moderation
    /// JSON, which is any of their comments' ids.
    commenter: Option<CommentId>,
}

impl ListQuery {
    fn parse(raw: &HashMap<String, String>) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let status = match raw.get("status").map(String::as_str) {
            None | Some("") => CommentStatus::Pending,
            Some(s) => s.parse().unwrap_or_else(|m: String| {
                errors.add("status", m);
                CommentStatus::Pending
            }),
        };
        let order = match raw.get("order").map(String::as_str) {
            None | Some("") | Some("newest") => Order::Newest,
            Some("oldest") => Order::Oldest,
            Some(_) => {
                errors.add("order", "order must be newest or oldest");
                Order::Newest
            }
        };
        let mut number = |field: &'static str, default: u32, max: u32| match raw.get(field) {
            None => default,
            Some(s) => match s.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => n,
                _ => {
                    errors.add(
                        field,
                        format!("{field} must be a whole number from 1 to {max}"),
                    );
                    default
                }
            },
        };
        let page = number("page", 1, u32::MAX);
        let per_page = number("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE);
        let commenter = match raw.get("commenter").map(String::as_str) {
            None | Some("") => None,
            Some(s) => match s.parse::<i64>() {
                Ok(n) if n > 0 => Some(CommentId(n)),
                _ => {
                    errors.add("commenter", "a commenter's id: a positive whole number");
                    None
                }
            },
        };
        if errors.is_empty() {
            Ok(Self {
                status,
                order,
                page,
                per_page,
                commenter,
            })
        } else {
            Err(errors)
        }
    }
}

#[derive(Serialize)]
struct Page {
    /// The status listed; absent for a commenter's comments, which are of every status.
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<CommentStatus>,
    /// The commenter listed, with their record.
    #[serde(skip_serializing_if = "Option::is_none")]
    commenter: Option<crate::domain::CommenterRecord>,
    page: u32,
    per_page: u32,
    total: u64,
    comments: Vec<ModComment>,
}

/// `GET /api/v1/moderation/comments?status=&order=&page=&per_page=`.
#[utoipa::path(get, path = "/api/v1/moderation/comments", tag = "moderation",
    security(("bearer" = []), ("basic" = [])),
    params(
        ("status" = Option<String>, Query, description = "pending (default), approved, spam or rejected"),
        ("order" = Option<String>, Query, description = "newest (default) or oldest"),
        ("page" = Option<u32>, Query, description = "From 1"),
        ("per_page" = Option<u32>, Query, description = "At most 200; 50 by default"),
        ("commenter" = Option<i64>, Query, description = "Only this commenter's comments on their site, every status, newest first: the `commenter.id` of a comment's moderation JSON"),
    ),
    responses(
        (status = 200, description = "`{status, page, per_page, total, comments}` (with `commenter` instead of `status` for a commenter): each comment with everything stored"),
        (status = 404, description = "No such commenter", body = super::openapi::ErrorResponse),
        (status = 401, description = "No valid token or credentials", body = super::openapi::ErrorResponse),
        (status = 422, description = "A bad parameter", body = super::openapi::ErrorResponse),
    ))]
pub async fn list_for_moderation(
    _moderator: Moderator,
    query: web::Query<HashMap<String, String>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let q = ListQuery::parse(&query).map_err(ApiError::Validation)?;
    if let Some(id) = q.commenter {
        let (record, comments, total) = state
            .app
            .moderation()
            .commenter(id, q.per_page, q.page)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("there is no commenter {id}")))?;
        return Ok(HttpResponse::Ok().json(Page {
            status: None,
            commenter: Some(record),
            page: q.page,
            per_page: q.per_page,
            total,
            comments,
        }));
    }
    let (comments, total) = state
        .app
        .moderation()
        .comments_by_status(q.status, q.order, q.per_page, q.page)
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        status: Some(q.status),
        commenter: None,
        page: q.page,
        per_page: q.per_page,
        total,
        comments,
    }))
}

#[derive(Serialize)]
struct Detail {
    #[serde(flatten)]
    comment: ModComment,
    log: Vec<LogEntry>,
    /// Readers' reports, oldest first.
    reports: Vec<crate::domain::ReportRecord>,
    /// The author's record on this site.
    commenter: Option<crate::domain::CommenterRecord>,
}

/// `GET /api/v1/moderation/comments/{id}`: everything stored, plus its moderation log.
#[utoipa::path(get, path = "/api/v1/moderation/comments/{id}", tag = "moderation",
    security(("bearer" = []), ("basic" = [])),
    params(("id" = i64, Path, description = "The comment's id")),
    responses(
        (status = 200, description = "The comment (email, network, scores, reasons, signals) and its `log`"),
        (status = 401, description = "No valid token or credentials", body = super::openapi::ErrorResponse),
        (status = 404, description = "No such comment", body = super::openapi::ErrorResponse),
    ))]
pub async fn moderation_detail(
    _moderator: Moderator,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = CommentId(path.into_inner());
    let (comment, log) = state
        .app
        .moderation()
        .comment_for_moderation(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("comment {id} does not exist")))?;
    let reports = state.app.moderation().reports_of(id).await?;
    let commenter = state.app.moderation().commenter_of(&comment).await?;
    let detail = Detail {
        comment,
        log,
        reports,
        commenter,
    };
    Ok(HttpResponse::Ok().json(detail))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ActionJson {
    /// `approve`, `reject`, `spam` or `ham`.
    action: Option<String>,
    /// Only with `reject`: `"ham"` or `"spam"` to make the rejection a training label too.
    label: Option<String>,
    /// The status the moderator saw (`pending`, say): if another moderator decided first,
    /// the answer is `409 already_decided` naming them, and nothing changes.
    expected_status: Option<String>,
    /// With `reject` or `spam`: why, one of the reasons the comment's site keeps (by
    /// default `spam`, `abuse`, `off topic`, `illegal content`, `personal data`, `other`;
    /// `replyguard site set --removal-reasons`), logged and in `replyguard export decisions`.
    reason: Option<String>,
}

impl ActionJson {
    /// The `action` member as a decision, or a validation error naming the field.
    fn decision(&self) -> Result<ModAction, ApiError> {
        ModAction::parse_decision(self.action.as_deref().unwrap_or_default())
            .map_err(|message| ApiError::invalid("action", message))
    }
}

/// The answer to a decision: `{id, from, status, moderator}`.
fn acted_answer(acted: &crate::domain::Acted, moderator: &Moderator) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "id": acted.id,
        "from": acted.from,
        "status": acted.to,
        "moderator": moderator.name,
    }))
}

/// `POST /api/v1/moderation/comments/{id}` with `{"action": "approve"|"reject"|"spam"|"ham"}`.
#[utoipa::path(post, path = "/api/v1/moderation/comments/{id}", tag = "moderation",
    security(("bearer" = []), ("basic" = [])),
    params(("id" = i64, Path, description = "The comment's id")),
    request_body = ActionJson,
    responses(
        (status = 200, description = "`{id, status, from}` after the decision"),
        (status = 401, description = "No valid token or credentials", body = super::openapi::ErrorResponse),
        (status = 404, description = "No such comment", body = super::openapi::ErrorResponse),
        (status = 409, description = "The action does not apply to the comment's status", body = super::openapi::ErrorResponse),
        (status = 422, description = "Not an action", body = super::openapi::ErrorResponse),
    ))]
pub async fn apply_action(
    moderator: Moderator,
    path: web::Path<i64>,
    body: web::Json<ActionJson>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let action = body.decision()?;
    let reject_label = match (action, body.label.as_deref()) {
        (_, None) => None,
        (ModAction::Reject, Some("ham")) => Some(Label::Ham),
        (ModAction::Reject, Some("spam")) => Some(Label::Spam),
        _ => {
            return Err(ApiError::invalid(
                "label",
                "label is only for reject, and must be ham or spam",
            ));
        }
    };
    let expected = match body.expected_status.as_deref() {
        None => None,
        Some(s) => Some(
            s.parse::<crate::domain::CommentStatus>()
                .map_err(|message| ApiError::invalid("expected_status", message))?,
        ),
    };
    let reason = body
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    let id = CommentId(path.into_inner());
    let acted = state
        .app
        .moderation()
        .decide(&moderator, id, action, reject_label, expected, reason)
        .await?;
    Ok(acted_answer(&acted, &moderator))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CommenterJson {
    /// `trust`, `untrust`, `hold`, `unhold`, `ban`, `unban` or `spam_pending`.
    action: Option<String>,
    /// Required for `ban`: why, in at most 200 characters.
    reason: Option<String>,
}

/// `POST /api/v1/moderation/commenters/{id}`: trust the commenter (their comments published
/// at once on this site unless something holds one), always hold them, ban them (a block
/// list entry by the keyed hash of their email, with a reason), undo each, or mark all
/// their pending comments spam.
#[utoipa::path(post, path = "/api/v1/moderation/commenters/{id}", tag = "moderation",
    security(("bearer" = []), ("basic" = [])),
    params(("id" = i64, Path, description = "The commenter's id (any of their comments' ids)")),
    request_body = CommenterJson,
    responses(
        (status = 200, description = "`{commenter, changed}`: their record after the action, and how many comments changed status"),
        (status = 401, description = "No valid token or credentials", body = super::openapi::ErrorResponse),
        (status = 404, description = "No such commenter", body = super::openapi::ErrorResponse),
        (status = 422, description = "Not an action, or a ban without a reason", body = super::openapi::ErrorResponse),
    ))]
pub async fn commenter_action(
    moderator: Moderator,
    path: web::Path<i64>,
    body: web::Json<CommenterJson>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let action = crate::app::commenters::CommenterAction::parse(
        body.action.as_deref().unwrap_or_default(),
        body.reason.as_deref(),
    )
    .map_err(|(field, message)| ApiError::invalid(field, message))?;
    let id = CommentId(path.into_inner());
    let outcome = state
        .app
        .moderation()
        .commenter_act(&moderator, id, action)
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "commenter": outcome.record,
        "changed": outcome.changed,
    })))
}

/// `POST /api/v1/moderation/comments/{id}/dismiss-reports`: the comment's open reports are
/// unfounded; it stays published (or is published again) and later reports count anew.
#[utoipa::path(post, path = "/api/v1/moderation/comments/{id}/dismiss-reports", tag = "moderation",
    security(("bearer" = []), ("basic" = [])),
    params(("id" = i64, Path, description = "The comment's id")),
    responses(
        (status = 200, description = "`{id, status, from}` after the dismissal"),
        (status = 401, description = "No valid token or credentials", body = super::openapi::ErrorResponse),
        (status = 404, description = "No such comment", body = super::openapi::ErrorResponse),
        (status = 409, description = "No reports wait for a moderator on it", body = super::openapi::ErrorResponse),
    ))]
pub async fn dismiss_reports(
    moderator: Moderator,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = CommentId(path.into_inner());
    let acted = state
        .app
        .moderation()
        .dismiss_reports(&moderator, id)
        .await?;
    Ok(acted_answer(&acted, &moderator))
}

/// `POST /api/v1/moderation/campaigns/{id}` with `{"action": …}`: decides every comment of
/// the campaign that is pending or in spam, each logged and labelled on its own.
#[utoipa::path(post, path = "/api/v1/moderation/campaigns/{id}", tag = "moderation",
    security(("bearer" = []), ("basic" = [])),
    params(("id" = i64, Path, description = "The campaign's id (its first comment's id)")),
    request_body = ActionJson,
    responses(
        (status = 200, description = "`{campaign, changed, skipped}`"),
        (status = 401, description = "No valid token or credentials", body = super::openapi::ErrorResponse),
        (status = 422, description = "Not an action", body = super::openapi::ErrorResponse),
    ))]
pub async fn decide_campaign(
    moderator: Moderator,
    path: web::Path<i64>,
    body: web::Json<ActionJson>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let action = body.decision()?;
    let campaign = CommentId(path.into_inner());
    let outcome = state
        .app
        .moderation()
        .act_campaign(&moderator, campaign, action)
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "campaign": campaign,
        "changed": outcome.changed,
        "skipped": outcome.skipped,
    })))
}

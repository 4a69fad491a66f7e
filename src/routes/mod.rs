//! HTTP adapters: extract, parse into domain types, call a use case, respond.
//!
//! Every error a JSON client can see is an [`ApiError`], mapped to a status and a stable body
//! here and nowhere else: `{"error": "<code>", "message": "...", "fields": {...}}`.

pub mod akismet;
pub mod auth;
pub mod body;
pub mod comments;
pub mod cors;
pub mod dashboard;
pub mod demo;
pub mod health;
pub mod model;
pub mod moderation;
pub mod notifications;
pub mod openapi;
pub mod urlencoded;

use std::fmt;
use std::net::IpAddr;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use crate::app::accounts::AuthError;
use crate::app::filter::ModelOpError;
use crate::app::moderation::ActError;
use crate::app::submission::SubmitError;
use crate::domain::FieldErrors;

/// Largest request body accepted: a maximal comment (65,525 bytes) with every other field,
/// even when a form percent-encodes most of it to three bytes per byte.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// What a request that met an unreachable database is told to wait, in seconds.
pub const UNAVAILABLE_RETRY_SECS: u64 = 5;

/// An error as a JSON API client sees it.
#[derive(thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Validation(FieldErrors),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error("moderator credentials are required")]
    Unauthorized,
    #[error("too many failed sign-ins from here; try again in {0} seconds")]
    TooManyAttempts(u64),
    #[error("too many comments from this address or email; try again in {0} seconds")]
    RateLimited(u64),
    #[error("this comment was already posted")]
    Duplicate,
    #[error("comments are closed on this article")]
    CommentsClosed,
    #[error("{0}")]
    AlreadyDecided(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    ModelRefused(String),
    #[error("internal error")]
    Unexpected(#[source] anyhow::Error),
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        error_chain_fmt(self, f)
    }
}

/// Writes an error and each of its causes on its own "Caused by:" line.
pub fn error_chain_fmt(e: &impl std::error::Error, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    writeln!(f, "{e}")?;
    let mut current = e.source();
    while let Some(cause) = current {
        writeln!(f, "Caused by:\n\t{cause}")?;
        current = cause.source();
    }
    Ok(())
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a FieldErrors>,
}

impl ApiError {
    /// A refusal of one field, saying why.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        ApiError::Validation(crate::domain::FieldErrors::one(field, message))
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::Validation(_) => "validation_failed",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::Unauthorized => "unauthorized",
            ApiError::TooManyAttempts(_) => "too_many_attempts",
            ApiError::RateLimited(_) => "rate_limited",
            ApiError::Duplicate => "duplicate_comment",
            ApiError::CommentsClosed => "comments_closed",
            ApiError::AlreadyDecided(_) => "already_decided",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "invalid_transition",
            ApiError::ModelRefused(_) => "model_operation_refused",
            ApiError::Unexpected(e) if crate::app::database_unavailable(e) => "unavailable",
            ApiError::Unexpected(_) => "internal_error",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::TooManyAttempts(_) | ApiError::RateLimited(_) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::CommentsClosed => StatusCode::FORBIDDEN,
            ApiError::Conflict(_)
            | ApiError::ModelRefused(_)
            | ApiError::Duplicate
            | ApiError::AlreadyDecided(_) => StatusCode::CONFLICT,
            ApiError::Unexpected(e) if crate::app::database_unavailable(e) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Unexpected(e) = self {
            // Logged here, once; the client gets no internals.
            tracing::error!(error.cause_chain = ?e, error.message = %e, "request failed");
        }
        let message = match self {
            ApiError::Validation(_) => "Some fields are missing or invalid.".to_owned(),
            ApiError::Unexpected(e) if crate::app::database_unavailable(e) => {
                "The database is unavailable for a moment; please try again shortly.".to_owned()
            }
            ApiError::Unexpected(_) => {
                "Something went wrong on our side; nothing was changed.".to_owned()
            }
            other => other.to_string(),
        };
        let fields = match self {
            ApiError::Validation(fields) => Some(fields),
            _ => None,
        };
        let mut response = HttpResponse::build(self.status_code());
        if let ApiError::TooManyAttempts(seconds) | ApiError::RateLimited(seconds) = self {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if self.status_code() == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((header::RETRY_AFTER, UNAVAILABLE_RETRY_SECS.to_string()));
        }
        if matches!(self, ApiError::Unauthorized) {
            response.append_header((
                header::WWW_AUTHENTICATE,
                "Bearer realm=\"replyguard moderation\"",
            ));
            response.append_header((
                header::WWW_AUTHENTICATE,
                "Basic realm=\"replyguard moderation\", charset=\"UTF-8\"",
            ));
        }
        response.json(ErrorBody {
            error: self.code(),
            message,
            fields,
        })
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::Validation(fields) => ApiError::Validation(fields),
            SubmitError::Limited(l) => ApiError::RateLimited(l.retry_after.as_secs().max(1)),
            SubmitError::Duplicate(_) => ApiError::Duplicate,
            SubmitError::Closed => ApiError::CommentsClosed,
            SubmitError::Unexpected(e) => ApiError::Unexpected(e),
        }
    }
}

impl From<ActError> for ApiError {
    fn from(e: ActError) -> Self {
        match e {
            ActError::NotFound(_) => ApiError::NotFound(e.to_string()),
            ActError::InvalidTransition(t) => ApiError::Conflict(t.to_string()),
            ActError::NoOpenReports(_) => ApiError::Conflict(e.to_string()),
            ActError::UnknownReason(_) => ApiError::invalid("reason", e.to_string()),
            ActError::Stale { .. } => ApiError::AlreadyDecided(e.to_string()),
            ActError::Unexpected(e) => ApiError::Unexpected(e),
        }
    }
}

impl From<ModelOpError> for ApiError {
    fn from(e: ModelOpError) -> Self {
        use ModelOpError as E;
        match e {
            E::Busy | E::Refused(_) => ApiError::ModelRefused(e.to_string()),
            E::UnknownVersion(_) => ApiError::NotFound(e.to_string()),
            E::Unexpected(e) => ApiError::Unexpected(e),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::InvalidCredentials => ApiError::Unauthorized,
            AuthError::Throttled { retry_after } => ApiError::TooManyAttempts(retry_after),
            AuthError::Unexpected(e) => ApiError::Unexpected(e),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::Unexpected(e)
    }
}

/// Maps actix's JSON body errors (wrong content type, too large, malformed) to [`ApiError`].
pub fn json_payload_error(
    err: actix_web::error::JsonPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::ContentType => ApiError::UnsupportedMediaType(
            "send the comment as application/json, or as a form to /comments".into(),
        ),
        E::Overflow { .. } | E::OverflowKnownLength { .. } => ApiError::PayloadTooLarge,
        // serde_json's syntax errors give a position, never the value.
        E::Deserialize(e) => ApiError::BadRequest(format!("the body is not valid JSON: {e}")),
        _ => ApiError::BadRequest("the request body could not be read".into()),
    }
    .into()
}

/// Maps query-string errors to [`ApiError`].
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    ApiError::BadRequest(format!("invalid query string: {err}")).into()
}

/// Maps path-parameter errors (a non-numeric id) to [`ApiError`].
pub fn path_error(_err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::NotFound("no such resource".into()).into()
}

/// The JSON 404 for unknown routes.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound("no such resource".into()))
}

/// The client's address: the TCP peer, or, when the peer is a trusted proxy, the nearest
/// address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_ip(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    // An IPv4 client of a dual-stack listener arrives as ::ffff:a.b.c.d: judged as IPv4
    // everywhere (its own flood bucket, its /24, a proxy listed by its IPv4 address).
    let peer = req.peer_addr()?.ip().to_canonical();
    if !trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !trusted_proxies.contains(ip))
            .unwrap_or(peer),
    )
}

/// The scheme and host the client used: as forwarded (`X-Forwarded-Proto`, `-Host`,
/// `Forwarded`) only when the peer is one of `trusted_proxies`; from anyone else those
/// headers are the client's own claim, so the request's own `Host` over plain http stands.
pub fn scheme_and_host(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> (String, String) {
    let from_proxy = req
        .peer_addr()
        .is_some_and(|peer| trusted_proxies.contains(&peer.ip().to_canonical()));
    if from_proxy {
        let info = req.connection_info();
        return (info.scheme().to_owned(), info.host().to_owned());
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default();
    ("http".to_owned(), host)
}

/// A request header as text, cut to `max` bytes at a character boundary.
pub fn header_text(req: &HttpRequest, name: header::HeaderName, max: usize) -> Option<String> {
    let value = req.headers().get(name)?.to_str().ok()?;
    let mut end = value.len().min(max);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    Some(value[..end].to_owned())
}

/// What every handler may need, shared through `web::Data`.
pub struct AppState {
    /// The use cases.
    pub app: crate::app::App,
    /// Rendered public listings, reused while their thread's version is unchanged.
    pub listings: comments::ListingCache,
    pub trusted_proxies: Vec<IpAddr>,
    /// The demo article's URL when running in development, else `None`.
    pub demo_thread: Option<String>,
    /// Who may read `/metrics` besides the loopback address (`REPLYGUARD_METRICS_ALLOW`).
    pub metrics_allow: Vec<crate::domain::IpNetwork>,
    /// Set when shutdown begins: `/readyz` answers 503 from then on.
    pub draining: std::sync::Arc<std::sync::atomic::AtomicBool>,
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

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::client_ip;

    fn ip(s: &str) -> std::net::IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy = ip("10.0.0.1");
        let via_proxy = TestRequest::default()
            .peer_addr("10.0.0.1:4000".parse().expect("addr"))
            .insert_header(("x-forwarded-for", "203.0.113.7, 10.0.0.2"))
            .to_http_request();
        let direct = TestRequest::default()
            .peer_addr("198.51.100.9:4000".parse().expect("addr"))
            .insert_header(("x-forwarded-for", "203.0.113.7"))
            .to_http_request();

        // The nearest address that is not one of our proxies is the client.
        assert_eq!(
            client_ip(&via_proxy, &[proxy, ip("10.0.0.2")]),
            Some(ip("203.0.113.7"))
        );
        // A header from an untrusted peer is the client's own claim: ignored.
        assert_eq!(client_ip(&direct, &[proxy]), Some(ip("198.51.100.9")));
        assert_eq!(client_ip(&via_proxy, &[]), Some(proxy));
    }
}

//! The moderator dashboard: server-rendered pages behind a session sign-in.
//!
//! Every page is HTML from `views::dashboard` (maud: escaped by construction) under a strict
//! Content-Security-Policy with no inline script. Every state-changing form carries the
//! session's CSRF token and is also checked for a same-origin `Origin` header.

pub mod commenters;
pub mod events;
pub mod login;
pub mod manage;
pub mod model;
pub mod notifications;
pub mod queue;
pub mod reported;
pub mod rules;
pub mod sites;
pub mod tokens;

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::{Method, StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};

use super::AppState;
pub use crate::app::accounts::Session;
use crate::views::dashboard as views;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "rg_session";

/// 32 random bytes as hex: session tokens and CSRF tokens.
pub fn random_token() -> Result<String, DashError> {
    Ok(crate::app::secret::random_token()?)
}

pub use crate::app::accounts::same_secret;

/// `Secure` only over https (behind a proxy: its `X-Forwarded-Proto`), or a browser on plain
/// http (the development setup) would never send the cookie back.
pub fn is_https(req: &HttpRequest) -> bool {
    own_scheme_and_host(req).0 == "https"
}

/// The scheme and host the browser used, believing forwarded headers only from a trusted
/// proxy (`REPLYGUARD_TRUSTED_PROXIES`).
fn own_scheme_and_host(req: &HttpRequest) -> (String, String) {
    let trusted = req
        .app_data::<web::Data<AppState>>()
        .map_or(&[][..], |s| &s.trusted_proxies[..]);
    super::scheme_and_host(req, trusted)
}

/// A session cookie (or its removal, with an empty value and `max_age` 0).
pub fn cookie<'a>(req: &HttpRequest, name: &'a str, value: String, remove: bool) -> Cookie<'a> {
    let mut c = Cookie::build(name, value)
        .path("/dashboard")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(is_https(req))
        .finish();
    if remove {
        c.make_removal();
    }
    c
}

/// Why a dashboard request was refused.
#[derive(Debug, thiserror::Error)]
pub enum DashError {
    #[error("sign in to continue")]
    NotSignedIn { is_get: bool },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("something went wrong")]
    Unexpected(#[from] anyhow::Error),
}

impl ResponseError for DashError {
    fn status_code(&self) -> StatusCode {
        match self {
            DashError::NotSignedIn { is_get: true } => StatusCode::SEE_OTHER,
            DashError::NotSignedIn { is_get: false } | DashError::Forbidden(_) => {
                StatusCode::FORBIDDEN
            }
            DashError::NotFound(_) => StatusCode::NOT_FOUND,
            DashError::Unexpected(e) if crate::app::database_unavailable(e) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            DashError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let DashError::NotSignedIn { is_get: true } = self {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/dashboard/login"))
                .finish();
        }
        if let DashError::Unexpected(e) = self {
            tracing::error!(error.cause_chain = ?e, error.message = %e, "dashboard request failed");
        }
        if self.status_code() == StatusCode::SERVICE_UNAVAILABLE {
            let mut response = page(
                StatusCode::SERVICE_UNAVAILABLE,
                views::error_page(
                    "The database is unavailable for a moment; please try again shortly.",
                ),
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(super::UNAVAILABLE_RETRY_SECS),
            );
            return response;
        }
        page(self.status_code(), views::error_page(&self.to_string()))
    }
}

/// An HTML response for the dashboard (security headers come from the scope's middleware).
pub fn page(status: StatusCode, markup: maud::Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(markup.into_string())
}

/// A `303` to a dashboard path.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// Refuses non-admins.
///
/// # Errors
/// [`DashError::Forbidden`].
pub fn require_admin(session: &Session) -> Result<(), DashError> {
    if session.moderator.is_admin {
        Ok(())
    } else {
        Err(DashError::Forbidden(
            "Only administrators can manage moderators.".into(),
        ))
    }
}

/// A live session from the session cookie: `Session` is an extractor for dashboard handlers.
impl FromRequest for Session {
    type Error = DashError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, DashError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let is_get = matches!(*req.method(), Method::GET | Method::HEAD);
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let not_signed_in = DashError::NotSignedIn { is_get };
            let (Some(token), Some(state)) = (token, state) else {
                return Err(not_signed_in);
            };
            state
                .app
                .accounts()
                .session(&token)
                .await?
                .ok_or(not_signed_in)
        })
    }
}

/// A url-encoded form body as ordered pairs, so repeated fields (`ids=1&ids=2`) survive.
#[derive(Debug, Default)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// Parses a form body.
    pub fn parse(body: &[u8]) -> Self {
        Self(url::form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The request's own origin, as a browser would send it in `Origin`.
fn own_origin(req: &HttpRequest) -> String {
    let (scheme, host) = own_scheme_and_host(req);
    format!("{scheme}://{host}")
}

/// Refuses a cross-site POST: an `Origin` header, when present, must be this site.
///
/// # Errors
/// [`DashError::Forbidden`].
pub fn check_origin(req: &HttpRequest) -> Result<(), DashError> {
    match req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    {
        Some(origin) if origin != own_origin(req) => Err(DashError::Forbidden(
            "This form was sent from another site and was refused.".into(),
        )),
        _ => Ok(()),
    }
}

/// Checks a signed-in form: same origin and the session's CSRF token.
///
/// # Errors
/// [`DashError::Forbidden`].
pub fn check_form(req: &HttpRequest, session: &Session, fields: &Fields) -> Result<(), DashError> {
    check_origin(req)?;
    if same_secret(fields.get("csrf"), &session.csrf) {
        Ok(())
    } else {
        Err(DashError::Forbidden(
            "This form has expired. Go back, reload the page and try again.".into(),
        ))
    }
}

/// A signed-in form post that passed [`check_form`]: a handler that takes this cannot forget
/// the CSRF and Origin checks.
pub struct SignedForm {
    pub session: Session,
    pub fields: Fields,
}

impl FromRequest for SignedForm {
    type Error = DashError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, DashError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = Session::from_request(req, payload);
        let body = web::Bytes::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let session = session.await?;
            let body = body
                .await
                .map_err(|_| DashError::Forbidden("The form could not be read.".into()))?;
            let fields = Fields::parse(&body);
            check_form(&req, &session, &fields)?;
            Ok(Self { session, fields })
        })
    }
}

/// `GET /static/dashboard.js` and `.css`.
pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(include_str!("../../../static/dashboard.js"))
}

/// `GET /static/dashboard.css`.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(include_str!("../../../static/dashboard.css"))
}

//! The API's `Moderator` extractor: a bearer API token, or HTTP Basic credentials checked
//! against moderator accounts.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use base64::Engine;

use super::{ApiError, AppState, client_ip};
use crate::app::accounts::Moderator;

/// Name and password from an `Authorization: Basic …` header.
pub(crate) fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (name, password) = decoded.split_once(':')?;
    Some((name.to_owned(), password.to_owned()))
}

/// The token from an `Authorization: Bearer …` header.
fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

impl FromRequest for Moderator {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let credentials = basic_credentials(req);
        let bearer = bearer_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let ip = state
            .as_ref()
            .and_then(|s| client_ip(req, &s.trusted_proxies));
        Box::pin(async move {
            let state = state.ok_or_else(|| {
                ApiError::Unexpected(anyhow::anyhow!("application state missing"))
            })?;
            if let Some(token) = bearer {
                return Ok(state.app.accounts().authenticate_bearer(&token).await?);
            }
            let (name, password) = credentials.ok_or(ApiError::Unauthorized)?;
            Ok(state
                .app
                .accounts()
                .authenticate_basic(name, password, ip)
                .await?)
        })
    }
}

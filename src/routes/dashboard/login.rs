//! Signing in and out.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::{
    DashError, Fields, SESSION_COOKIE, SignedForm, check_origin, cookie, page, random_token,
    same_secret, see_other, token_hash,
};
use crate::db::dashboard as queries;
use crate::db::{DbError, now_millis};
use crate::moderation::{self, AuthError};
use crate::routes::{AppState, client_ip};
use crate::views::dashboard as views;

/// Cookie holding the sign-in form's CSRF token (double submit: there is no session yet).
const LOGIN_CSRF_COOKIE: &str = "rg_login";
/// Failed sign-ins counted over this window…
const FAILURE_WINDOW_MILLIS: i64 = 15 * 60 * 1000;
/// …at most this many per account name (existing or not)…
const MAX_ACCOUNT_FAILURES: u32 = 5;
/// …and this many per client address.
const MAX_IP_FAILURES: u32 = 20;

fn login_page(
    req: &HttpRequest,
    status: StatusCode,
    error: Option<&str>,
    name: &str,
) -> Result<HttpResponse, DashError> {
    let csrf = random_token()?;
    let mut response = page(status, views::login_page(&csrf, error, name));
    response
        .add_cookie(&cookie(req, LOGIN_CSRF_COOKIE, csrf, false))
        .map_err(|e| DashError::Unexpected(anyhow::anyhow!("cookie: {e}")))?;
    Ok(response)
}

/// `GET /dashboard/login`.
pub async fn login_form(req: HttpRequest) -> Result<HttpResponse, DashError> {
    login_page(&req, StatusCode::OK, None, "")
}

/// `POST /dashboard/login`: checks the password (argon2id), counting failures per account
/// and per address; the message never says whether the account exists.
pub async fn login(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    check_origin(&req)?;
    let fields = Fields::parse(&body);
    let cookie_token = req
        .cookie(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if cookie_token.is_empty() || !same_secret(fields.get("csrf"), &cookie_token) {
        return Err(DashError::Forbidden(
            "This sign-in form has expired. Reload the page and try again.".into(),
        ));
    }
    let name = fields.get("name").trim().to_owned();
    let password = fields.get("password").to_owned();
    let account_key = format!("account:{}", name.to_lowercase());
    let ip_key = format!(
        "ip:{}",
        client_ip(&req, &state.trusted_proxies)
            .map(|ip| ip.to_string())
            .unwrap_or_default()
    );
    let (a, i) = (account_key.clone(), ip_key.clone());
    let throttled = state
        .db
        .run(move |conn| {
            let since = now_millis() - FAILURE_WINDOW_MILLIS;
            Ok::<_, DbError>(
                queries::count_login_failures(conn, &a, since)? >= MAX_ACCOUNT_FAILURES
                    || queries::count_login_failures(conn, &i, since)? >= MAX_IP_FAILURES,
            )
        })
        .await?;
    if throttled {
        tracing::warn!("sign-in throttled");
        return login_page(
            &req,
            StatusCode::TOO_MANY_REQUESTS,
            Some("Too many failed sign-ins. Wait 15 minutes and try again."),
            &name,
        );
    }
    let moderator = match moderation::authenticate(&state.db, name.clone(), password).await {
        Ok(m) => m,
        Err(AuthError::InvalidCredentials) => {
            state
                .db
                .run(move |conn| {
                    let now = now_millis();
                    queries::record_login_failure(
                        conn,
                        &[&account_key, &ip_key],
                        now,
                        now - FAILURE_WINDOW_MILLIS,
                    )
                })
                .await?;
            return login_page(
                &req,
                StatusCode::UNAUTHORIZED,
                Some("Wrong name or password."),
                &name,
            );
        }
        Err(AuthError::Unexpected(e)) => return Err(DashError::Unexpected(e)),
    };
    let token = random_token()?;
    let csrf = random_token()?;
    let hash = token_hash(&token);
    let id = moderator.id;
    state
        .db
        .run(move |conn| {
            queries::clear_login_failures(conn, &account_key)?;
            queries::insert_session(conn, &hash, id, &csrf, now_millis())
        })
        .await?;
    tracing::info!(moderator = %moderator.name, "signed in");
    let mut response = see_other("/dashboard");
    response
        .add_cookie(&cookie(&req, SESSION_COOKIE, token, false))
        .and_then(|()| {
            response.add_removal_cookie(&cookie(&req, LOGIN_CSRF_COOKIE, String::new(), true))
        })
        .map_err(|e| DashError::Unexpected(anyhow::anyhow!("cookie: {e}")))?;
    Ok(response)
}

/// `POST /dashboard/logout`: ends the session on the server and in the browser.
pub async fn logout(
    req: HttpRequest,
    form: SignedForm,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let session = form.session;
    let hash = session.token_hash.clone();
    state
        .db
        .run(move |conn| queries::delete_session(conn, &hash))
        .await?;
    let mut response = see_other("/dashboard/login");
    response
        .add_removal_cookie(&cookie(&req, SESSION_COOKIE, String::new(), true))
        .map_err(|e| DashError::Unexpected(anyhow::anyhow!("cookie: {e}")))?;
    Ok(response)
}

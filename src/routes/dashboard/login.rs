//! Signing in and out.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::{
    DashError, Fields, SESSION_COOKIE, SignedForm, check_origin, cookie, page, random_token,
    same_secret, see_other,
};
use crate::app::accounts::SignInError;
use crate::routes::{AppState, client_ip};
use crate::views::dashboard as views;

/// Cookie holding the sign-in form's CSRF token (double submit: there is no session yet).
const LOGIN_CSRF_COOKIE: &str = "rg_login";

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
    let ip = client_ip(&req, &state.trusted_proxies);
    let signed_in = match state.app.accounts().sign_in(&name, password, ip).await {
        Ok(signed_in) => signed_in,
        Err(SignInError::Throttled) => {
            return login_page(
                &req,
                StatusCode::TOO_MANY_REQUESTS,
                Some("Too many failed sign-ins. Wait 15 minutes and try again."),
                &name,
            );
        }
        Err(SignInError::InvalidCredentials) => {
            return login_page(
                &req,
                StatusCode::UNAUTHORIZED,
                Some("Wrong name or password."),
                &name,
            );
        }
        Err(SignInError::Unexpected(e)) => return Err(DashError::Unexpected(e)),
    };
    let token = signed_in.token;
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
    state.app.accounts().sign_out(&form.session).await?;
    let mut response = see_other("/dashboard/login");
    response
        .add_removal_cookie(&cookie(&req, SESSION_COOKIE, String::new(), true))
        .map_err(|e| DashError::Unexpected(anyhow::anyhow!("cookie: {e}")))?;
    Ok(response)
}

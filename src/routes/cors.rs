//! CORS for the public JSON API (`/api/v1/comments`, `/api/v1/form-token`), for registered
//! site origins only: the widget on a site's pages may read and post; any other page may
//! not. The moderation API never answers cross-origin requests.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use super::AppState;

/// The paths a site's pages may call from the browser.
const PUBLIC_PATHS: [&str; 2] = ["/api/v1/comments", "/api/v1/form-token"];

/// Adds CORS headers for registered origins and answers their preflight requests.
///
/// # Errors
/// Whatever the wrapped service returns.
pub async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let public = PUBLIC_PATHS.contains(&req.path());
    let (Some(origin), true) = (origin, public) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let allowed = match req.app_data::<web::Data<AppState>>() {
        Some(state) => state
            .app
            .sites()
            .is_site_origin(&origin)
            .await
            .unwrap_or(false),
        None => false,
    };
    if req.method() == Method::OPTIONS {
        let response = if allowed {
            HttpResponse::NoContent()
                .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin))
                .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST"))
                .insert_header((
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    "content-type, idempotency-key",
                ))
                .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
                .insert_header((header::VARY, "Origin"))
                .finish()
        } else {
            HttpResponse::Forbidden().finish()
        };
        return Ok(req.into_response(response));
    }
    let mut response = next.call(req).await?.map_into_boxed_body();
    let headers = response.headers_mut();
    headers.append(header::VARY, header::HeaderValue::from_static("Origin"));
    if allowed && let Ok(value) = header::HeaderValue::from_str(&origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    Ok(response)
}

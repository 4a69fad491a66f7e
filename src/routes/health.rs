//! `GET /healthz` (alive), `GET /readyz` (ready for traffic) and `GET /metrics`.

use std::sync::atomic::Ordering;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::{ApiError, AppState, client_ip};

/// Answers `{"status":"ok"}` once a trivial query has gone through the database.
#[utoipa::path(get, path = "/healthz", tag = "meta",
    responses((status = 200, description = "`{\"status\": \"ok\"}`: alive, the database answers")))]
pub async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.app.operations().health().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ok" })))
}

/// `200 {"status":"ready"}` when the database takes writes and a model is loaded; `503`
/// while the process drains for shutdown (a load balancer stops sending it traffic) or
/// when either check fails.
#[utoipa::path(get, path = "/readyz", tag = "meta",
    responses(
        (status = 200, description = "`{\"status\": \"ready\"}`"),
        (status = 503, description = "Draining for shutdown, or the database does not take writes"),
    ))]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.draining.load(Ordering::Acquire) {
        return HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "draining" }));
    }
    match state.app.operations().ready().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        Err(e) => {
            tracing::warn!(error.message = %e, "not ready");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({ "status": "not ready", "reason": e.to_string() }))
        }
    }
}

/// Prometheus metrics, for clients on the loopback address or in
/// `REPLYGUARD_METRICS_ALLOW`; anyone else gets a plain 404, as if there were nothing here.
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client_ip(&req, &state.trusted_proxies).is_some_and(|ip| {
        let ip = match ip {
            std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
            v4 => v4,
        };
        ip.is_loopback() || state.metrics_allow.iter().any(|net| net.contains(ip))
    });
    if !allowed {
        return Err(ApiError::NotFound("no such resource".into()));
    }
    let text = state.app.operations().metrics_text().await?;
    Ok(HttpResponse::build(StatusCode::OK)
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}

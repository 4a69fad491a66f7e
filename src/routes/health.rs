//! `GET /healthz`: the process is up and its database answers.

use actix_web::{HttpResponse, web};

use super::{ApiError, AppState};

/// Answers `{"status":"ok"}` once a trivial query has gone through the database.
pub async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.app.health().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ok" })))
}

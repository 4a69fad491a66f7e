//! `GET /healthz`: the process is up and its database answers.

use actix_web::{HttpResponse, web};

use super::{ApiError, AppState};
use crate::db::DbError;

/// Answers `{"status":"ok"}` once a trivial query has gone through the database.
pub async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .db
        .run(|conn| {
            conn.query_row("SELECT 1", [], |_| Ok(()))
                .map_err(DbError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ok" })))
}

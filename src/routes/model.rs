//! The model endpoints of the moderation API: what is in use, retrain, activate.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ApiError, AppState};
use crate::app::accounts::Moderator;

/// `GET /api/v1/moderation/model`: the model in use and every stored model with the acceptance check's
/// verdict on it.
#[utoipa::path(get, path = "/api/v1/moderation/model", tag = "model",
    security(("bearer" = []), ("basic" = [])),
    responses(
        (status = 200, description = "`{active, models}`"),
        (status = 401, description = "No valid token or credentials", body = super::openapi::ErrorResponse),
    ))]
pub async fn model_status(
    _moderator: Moderator,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let active = state.app.filter().in_use().info().clone();
    let stored = state.app.filter().list().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "active": active, "models": stored })))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrainJson {
    /// Activate the candidate even if the acceptance check says no.
    #[serde(default)]
    force: bool,
}

/// `POST /api/v1/moderation/model/retrain` (`{"force": true}` overrides the acceptance check; an empty
/// body is `{}`): trains a candidate in a separate process, activates it if the acceptance check lets
/// it, and answers with the outcome once the new model (if any) is in use. A body that is
/// not that JSON is refused before anything starts.
#[utoipa::path(post, path = "/api/v1/moderation/model/retrain", tag = "model",
    security(("bearer" = []), ("basic" = [])),
    request_body(content = Option<RetrainJson>, description = "`{}` or empty: let the acceptance check decide"),
    responses(
        (status = 200, description = "`{version, activated, report}` once the new model (if any) is in use"),
        (status = 400, description = "The body is not that JSON", body = super::openapi::ErrorResponse),
        (status = 401, description = "No valid token or credentials", body = super::openapi::ErrorResponse),
        (status = 409, description = "Another run is going, or there are no labels", body = super::openapi::ErrorResponse),
        (status = 415, description = "A body that is not `application/json`", body = super::openapi::ErrorResponse),
    ))]
pub async fn retrain(
    moderator: Moderator,
    req: actix_web::HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let request: RetrainJson = if body.iter().all(u8::is_ascii_whitespace) {
        RetrainJson::default()
    } else {
        // JSON only, like activate and the actions: a `text/plain` body is what a
        // cross-site form can send without a preflight.
        let json = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(ApiError::UnsupportedMediaType(
                "send the body as application/json".into(),
            ));
        }
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?
    };
    let force = request.force;
    tracing::info!(moderator = %moderator.name, force, "retraining requested");
    let outcome = state.app.filter().retrain(force).await?;
    Ok(HttpResponse::Ok().json(outcome))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ActivateJson {
    /// A stored model's version (see `GET /api/v1/moderation/model`).
    version: String,
}

/// `POST /api/v1/moderation/model/activate` with `{"version": "…"}`: roll forward or back.
#[utoipa::path(post, path = "/api/v1/moderation/model/activate", tag = "model",
    security(("bearer" = []), ("basic" = [])),
    request_body = ActivateJson,
    responses(
        (status = 200, description = "The model now in use"),
        (status = 401, description = "No valid token or credentials", body = super::openapi::ErrorResponse),
        (status = 404, description = "No such model", body = super::openapi::ErrorResponse),
        (status = 409, description = "The model file is damaged", body = super::openapi::ErrorResponse),
    ))]
pub async fn activate(
    moderator: Moderator,
    body: web::Json<ActivateJson>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let version = body.into_inner().version;
    // `?`: a moderator-supplied value is logged escaped, never as a raw line.
    tracing::info!(moderator = %moderator.name, ?version, "model activation requested");
    let rescored = state.app.filter().activate(&version).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "version": version, "rescored": rescored })))
}

//! The filter page: the model in use, how it agrees with moderators, retraining and rollback.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{DashError, Session, SignedForm, page, see_other};
use crate::app::filter::ModelOpError;
use crate::routes::AppState;
use crate::views::dashboard as views;

#[derive(Debug, Deserialize)]
pub struct ModelQuery {
    pub done: Option<String>,
}

/// `GET /dashboard/model`.
pub async fn model_page(
    session: Session,
    query: web::Query<ModelQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let in_use = state.app.filter().in_use();
    let info = in_use.info().clone();
    let layers = in_use.site_layers();
    let threshold = state.app.filter().threshold_probability();
    let agreement = state.app.moderation().agreement().await?;
    let stored = state.app.filter().list().await?;
    let view = views::ModelView {
        info: &info,
        threshold,
        agreement,
        stored: &stored,
        layers: &layers,
        done: query.done.as_deref(),
    };
    Ok(page(StatusCode::OK, views::model_page(&session, &view)))
}

fn refused(e: ModelOpError) -> DashError {
    match e {
        ModelOpError::Unexpected(e) => DashError::Unexpected(e),
        other => DashError::Forbidden(other.to_string()),
    }
}

/// `POST /dashboard/model/retrain`: trains (in a separate process) and reports the guard's
/// verdict on the model page.
pub async fn retrain(
    form: SignedForm,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let SignedForm { session: _, fields } = form;
    let force = fields.get("force") == "1";
    let outcome = state.app.filter().retrain(force).await.map_err(refused)?;
    let done = if outcome.activated {
        "retrained"
    } else {
        "refused"
    };
    Ok(see_other(&format!("/dashboard/model?done={done}")))
}

/// `POST /dashboard/model/activate`: rolls back or forward to a stored model.
pub async fn activate(
    form: SignedForm,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let SignedForm { session: _, fields } = form;
    let version = fields.get("version").to_owned();
    state
        .app
        .filter()
        .activate(&version)
        .await
        .map_err(refused)?;
    Ok(see_other("/dashboard/model?done=activated"))
}

//! The filter page: the model in use, how it agrees with moderators, retraining and rollback.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{DashError, Session, SignedForm, blocking, page, see_other};
use crate::db::dashboard as queries;
use crate::model_service::ModelOpError;
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
    let classifier = state.filter.models.current();
    let info = classifier.info().clone();
    let threshold =
        crate::domain::SpamScore::from_log_odds(state.filter.threshold_log_odds(&classifier))
            .map_or(1.0, crate::domain::SpamScore::probability);
    let agreement = state
        .db
        .run(move |conn| queries::agreement(conn, threshold))
        .await?;
    let service = state.model_service.clone();
    let stored = blocking(move || service.store.list().map_err(DashError::Unexpected)).await?;
    let view = views::ModelView {
        info: &info,
        threshold,
        agreement,
        stored: &stored,
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
    let service = state.model_service.clone();
    let outcome = blocking(move || service.retrain(force).map_err(refused)).await?;
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
    let service = state.model_service.clone();
    blocking(move || service.activate(&version).map_err(refused)).await?;
    Ok(see_other("/dashboard/model?done=activated"))
}

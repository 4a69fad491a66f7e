//! `GET /dashboard/events`: moderators' decisions on this instance as server-sent events,
//! so an open queue marks what another moderator just decided. The queue works without it.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use tokio::sync::mpsc;

use super::{DashError, Session};
use crate::app::live::DecisionEvent;
use crate::routes::AppState;

/// A comment line this often keeps proxies from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The event stream of one dashboard.
struct Events {
    decisions: mpsc::Receiver<DecisionEvent>,
    keep_alive: tokio::time::Interval,
}

impl futures_core::Stream for Events {
    type Item = Result<Bytes, actix_web::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match this.decisions.poll_recv(cx) {
            Poll::Ready(Some(event)) => {
                let data = serde_json::to_string(&event).unwrap_or_default();
                return Poll::Ready(Some(Ok(Bytes::from(format!(
                    "event: decided\ndata: {data}\n\n"
                )))));
            }
            // Dropped for falling behind: the dashboard reconnects and reloads.
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => {}
        }
        if this.keep_alive.poll_tick(cx).is_ready() {
            return Poll::Ready(Some(Ok(Bytes::from_static(b": keep-alive\n\n"))));
        }
        Poll::Pending
    }
}

/// `GET /dashboard/events`.
pub async fn events(
    _session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, DashError> {
    let Some(decisions) = state.app.moderation().live_decisions() else {
        return Ok(HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "30"))
            .finish());
    };
    let mut keep_alive = tokio::time::interval(KEEP_ALIVE);
    keep_alive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", "text/event-stream"))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(Events {
            decisions,
            keep_alive,
        }))
}

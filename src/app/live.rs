//! Decisions as they happen, for the dashboards open on this instance: each subscriber
//! (one server-sent event stream) gets a bounded channel; a slow or gone one is dropped,
//! never waited for.

use std::sync::{Mutex, PoisonError};

use serde::Serialize;
use tokio::sync::mpsc;

use crate::domain::{CommentId, CommentStatus};

/// Most dashboards listening at once on one instance; more are told to reload instead.
const MAX_SUBSCRIBERS: usize = 256;
/// Events a subscriber may fall behind by before it is dropped.
const BACKLOG: usize = 64;

/// One decision, as the other dashboards are told of it.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionEvent {
    pub id: CommentId,
    pub status: CommentStatus,
    pub moderator: String,
}

/// The subscribers of one instance.
#[derive(Debug, Default)]
pub struct LiveDecisions {
    subscribers: Mutex<Vec<mpsc::Sender<DecisionEvent>>>,
}

impl LiveDecisions {
    /// A new subscriber's events; `None` when too many listen already.
    pub fn subscribe(&self) -> Option<mpsc::Receiver<DecisionEvent>> {
        let mut subscribers = self
            .subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        subscribers.retain(|s| !s.is_closed());
        if subscribers.len() >= MAX_SUBSCRIBERS {
            return None;
        }
        let (tx, rx) = mpsc::channel(BACKLOG);
        subscribers.push(tx);
        Some(rx)
    }

    /// Tells every subscriber; one that is full or gone is dropped.
    pub fn publish(&self, event: &DecisionEvent) {
        let mut subscribers = self
            .subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        subscribers.retain(|s| s.try_send(event.clone()).is_ok());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscriber_that_falls_behind_is_dropped_not_waited_for() {
        let live = LiveDecisions::default();
        let mut rx = live.subscribe().expect("a subscriber");
        let event = DecisionEvent {
            id: CommentId(1),
            status: CommentStatus::Approved,
            moderator: "ann".into(),
        };
        live.publish(&event);
        assert_eq!(rx.try_recv().expect("told").id, CommentId(1));
        for _ in 0..=BACKLOG {
            live.publish(&event);
        }
        assert_eq!(
            live.subscribers.lock().unwrap().len(),
            0,
            "dropped when full"
        );
    }
}

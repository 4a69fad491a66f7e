//! Request bodies under guard: a deadline for the whole body, and one budget of bytes shared
//! by every connection, so half-sent bodies cost bounded time and memory.
//!
//! Headers already have actix's 5 s deadline; a body had none, and each connection could
//! hold up to [`super::MAX_BODY_BYTES`] of one (2,000 clients stalling after 250 KB each took
//! the process to 1 GB). Now the first [`FREE_BYTES`] of every body are free (a comment is
//! rarely longer), bytes past them draw on a budget of [`SHARED_BYTES`] for the whole
//! process, returned when the body is dropped, and a body not complete within the deadline
//! (`REPLYGUARD_BODY_TIMEOUT_SECS`) is cut off. A request refused by either is answered
//! here, `408` or `503` with `Retry-After`, and its connection closed.

use std::cell::{Cell, RefCell};
use std::future::Future as _;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{StatusCode, header};
use actix_web::web::Bytes;
use actix_web::{HttpMessage as _, HttpResponse};

/// Bytes of each body that never touch the shared budget.
pub const FREE_BYTES: usize = 8 * 1024;
/// Bytes past [`FREE_BYTES`] that all bodies being read at once may hold together.
pub const SHARED_BYTES: usize = 8 * 1024 * 1024;
/// What a client refused for want of budget is told to wait.
const RETRY_AFTER_SECS: u64 = 5;

/// Why a body was cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    TimedOut,
    NoBudget,
}

/// What the guard saw of one request's body.
#[derive(Default)]
pub struct Watch {
    cut: Cell<Option<Cut>>,
    /// The rest of a cut-off body, kept unread until the answer is sent: a body the server
    /// stopped reading makes it close the connection, where a dropped one (chunked) would
    /// be drained to its end, which a stalling client never sends.
    rest: RefCell<Option<Payload>>,
}

/// The deadline and the shared budget, one per server.
#[derive(Clone)]
pub struct BodyGuard {
    timeout: Duration,
    budget: Arc<AtomicUsize>,
}

impl BodyGuard {
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            budget: Arc::new(AtomicUsize::new(SHARED_BYTES)),
        }
    }

    /// Puts the request's body (if it has one) under guard; what `answer` needs afterwards.
    pub fn watch(&self, req: &mut ServiceRequest) -> Option<Rc<Watch>> {
        let headers = req.headers();
        let has_body = headers.contains_key(header::TRANSFER_ENCODING)
            || headers
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim() != "0");
        if !has_body {
            return None;
        }
        let watch = Rc::new(Watch::default());
        let guarded = Guarded {
            inner: req.take_payload(),
            deadline: Box::pin(tokio::time::sleep(self.timeout)),
            seen: 0,
            taken: 0,
            budget: Arc::clone(&self.budget),
            watch: Rc::clone(&watch),
        };
        let stream: Pin<Box<dyn futures_core::Stream<Item = Result<Bytes, PayloadError>>>> =
            Box::pin(guarded);
        req.set_payload(Payload::from(stream));
        Some(watch)
    }

    /// The handler's response, or the guard's own when it cut the body off.
    pub fn answer(&self, res: ServiceResponse, watch: Option<&Watch>) -> ServiceResponse {
        let Some(watch) = watch else {
            return res;
        };
        let (status, error, message) = match watch.cut.get() {
            Some(Cut::TimedOut) => (
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                format!(
                    "the request body did not arrive within {} seconds",
                    self.timeout.as_secs()
                ),
            ),
            Some(Cut::NoBudget) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "too many large request bodies at once; try again shortly".to_owned(),
            ),
            _ => return res,
        };
        let (req, _) = res.into_parts();
        let mut response = HttpResponse::build(status);
        response.force_close();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS.to_string()));
        }
        response.content_type("application/json");
        let json = serde_json::json!({"error": error, "message": message}).to_string();
        let body = KeptUnread {
            json: Some(Bytes::from(json)),
            _rest: watch.rest.borrow_mut().take(),
        };
        match response.message_body(body) {
            Ok(response) => ServiceResponse::new(req, response.map_into_boxed_body()),
            // Only a header the builder refused; none is set here but constants.
            Err(e) => ServiceResponse::new(req, HttpResponse::from_error(e)),
        }
    }
}

/// A body stream that stops at the deadline or when the shared budget runs out.
struct Guarded {
    inner: Payload,
    deadline: Pin<Box<tokio::time::Sleep>>,
    /// Bytes of this body so far.
    seen: usize,
    /// Bytes this body holds of the shared budget.
    taken: usize,
    budget: Arc<AtomicUsize>,
    watch: Rc<Watch>,
}

/// The guard's answer, carrying the cut-off body's unread rest until it is sent: the HTTP
/// layer decides to close when the answer's last byte goes, and only closes for a body
/// still unread, not one dropped.
struct KeptUnread {
    json: Option<Bytes>,
    _rest: Option<Payload>,
}

impl MessageBody for KeptUnread {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.json.as_ref().map_or(0, Bytes::len) as u64)
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(self.get_mut().json.take().map(Ok))
    }
}

impl Guarded {
    fn take(&mut self, wanted: usize) -> bool {
        let took = self
            .budget
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                left.checked_sub(wanted)
            })
            .is_ok();
        if took {
            self.taken += wanted;
        }
        took
    }

    fn cut(&mut self, why: Cut) -> Poll<Option<Result<Bytes, PayloadError>>> {
        self.watch.cut.set(Some(why));
        *self.watch.rest.borrow_mut() = Some(self.inner.take());
        Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "request body cut off",
        )))))
    }
}

impl futures_core::Stream for Guarded {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // Polled first, so a client that sends nothing more still wakes this at the deadline.
        if self.deadline.as_mut().poll(cx).is_ready() {
            return self.cut(Cut::TimedOut);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                self.seen += chunk.len();
                let wanted = self
                    .seen
                    .saturating_sub(FREE_BYTES)
                    .saturating_sub(self.taken);
                if wanted > 0 && !self.take(wanted) {
                    return self.cut(Cut::NoBudget);
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            other => other,
        }
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        self.budget.fetch_add(self.taken, Ordering::AcqRel);
    }
}

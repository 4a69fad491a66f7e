//! Telling moderators about new comments (a signed webhook and email, one per comment or a
//! digest) and readers about what they asked for (`replies`), delivered by a background task
//! with retries after what caused it is committed. A use case only puts a delivery on a
//! bounded channel: a slow or dead webhook or mail server never delays it. No moderators'
//! event carries the commenter's email.

use std::sync::Mutex;
use std::time::Duration;

use anyhow::Context;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Serialize;
use tokio::sync::mpsc;

use std::sync::Arc;

use super::secret::hex;
use crate::domain::{
    CommentId, CommentStatus, Filing, NewComment, NotifyChoice, Timestamp, now_millis,
};
use crate::store::Store;

/// Events waiting for delivery at most; past this, new ones are dropped (logged, and
/// counted in `/metrics`).
const QUEUE: usize = 1024;
/// Deliveries in flight at most. Each is a blocking HTTP or SMTP exchange of up to 10 s on
/// tokio's blocking pool: a sink that accepts and never answers held one thread and one
/// socket per event when every event was its own task (522 threads, 4,096 sockets).
const WORKERS: usize = 4;
/// Attempts per delivery, waiting 1, 2, 4, 8 and 16 seconds between them.
const ATTEMPTS: u32 = 6;
/// Characters of the comment an event carries.
const EXCERPT_CHARS: usize = 280;
/// The hourly task skips a moderator whose last digest is younger than this: with several
/// instances on one database, each running the task, a moderator still gets one an hour.
const DIGEST_GAP: Duration = Duration::from_secs(55 * 60);

/// Comments listed in one digest.
const DIGEST_LIMIT: u32 = 50;

/// Where notifications go.
#[derive(Debug, Clone, Default)]
pub struct NotifySettings {
    /// `REPLYGUARD_NOTIFY_WEBHOOK`.
    pub webhook: Option<url::Url>,
    /// `REPLYGUARD_NOTIFY_WEBHOOK_SECRET`: the HMAC key of `X-Replyguard-Signature`.
    pub webhook_secret: Option<String>,
    /// `REPLYGUARD_SMTP_URL`, e.g. `smtps://user:password@mail.example:465` or
    /// `smtp://localhost:25`.
    pub smtp_url: Option<String>,
    /// `REPLYGUARD_SMTP_FROM`.
    pub smtp_from: Option<String>,
    /// The service's public origin, for links to the dashboard.
    pub public_url: String,
}

/// A new comment, as a webhook receives it.
#[derive(Debug, Clone, Serialize)]
pub struct CommentEvent {
    /// `comment.pending` or `comment.spam`.
    pub event: &'static str,
    pub id: CommentId,
    pub thread: String,
    pub author: String,
    pub excerpt: String,
    /// P(spam), when the filter scored it.
    pub spam_score: Option<f64>,
    /// What the filter and the other checks found.
    pub reasons: Vec<String>,
    pub dashboard: String,
    pub created_at: Timestamp,
}

/// An email to one reader (a confirmation, a reply), with the one-click unsubscribe link of
/// RFC 8058 when it is one of a series.
#[derive(Debug, Clone)]
pub struct ReaderMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub unsubscribe: Option<String>,
}

/// What the delivery task delivers.
#[derive(Debug)]
enum Delivery {
    /// A new comment, for the webhook and the moderators who want each one.
    Comment(CommentEvent),
    /// An email to a reader; `id` is the comment it is about, for the logs.
    Reader { id: CommentId, mail: ReaderMail },
}

/// The use cases' side: a bounded channel to the delivery task.
pub struct Notifier {
    settings: NotifySettings,
    tx: mpsc::Sender<Delivery>,
    rx: Mutex<Option<mpsc::Receiver<Delivery>>>,
}

/// `List-Unsubscribe` (RFC 2369): where the unsubscribe link is, in angle brackets.
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl lettre::message::header::Header for ListUnsubscribe {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.trim().trim_matches(['<', '>']).to_owned()))
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): a POST to the link
/// unsubscribes at once, with nothing more to click, and a GET (a mail scanner following
/// links) does not.
#[derive(Debug, Clone)]
struct OneClick;

impl lettre::message::header::Header for OneClick {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(
            Self::name(),
            "List-Unsubscribe=One-Click".to_owned(),
        )
    }
}

pub(super) fn excerpt(text: &str) -> String {
    let mut out: String = text.chars().take(EXCERPT_CHARS).collect();
    if text.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

/// `sha256=<hex HMAC-SHA256 of the body>` under the webhook secret.
pub fn signature(secret: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

impl Notifier {
    pub fn new(settings: NotifySettings) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        Self {
            settings,
            tx,
            rx: Mutex::new(Some(rx)),
        }
    }

    pub fn enabled(&self) -> bool {
        self.settings.webhook.is_some() || self.settings.smtp_url.is_some()
    }

    /// Whether email can be sent: an SMTP server and a sender are configured.
    pub fn mails(&self) -> bool {
        self.settings.smtp_url.is_some() && self.settings.smtp_from.is_some()
    }

    /// The service's public origin, for links in emails.
    pub fn public_url(&self) -> &str {
        self.settings.public_url.trim_end_matches('/')
    }

    /// Queues an email to a reader about comment `id`; never waits. Without SMTP, nothing.
    pub fn reader_mail(&self, id: CommentId, mail: ReaderMail) {
        if !self.mails() {
            return;
        }
        if self.tx.try_send(Delivery::Reader { id, mail }).is_err() {
            crate::metrics::global().notifications_dropped.inc();
            tracing::warn!(comment_id = id.0, "notification queue full: email dropped");
        }
    }

    /// Queues the event for a stored comment; never waits.
    pub fn comment_stored(&self, id: CommentId, comment: &NewComment, filing: &Filing, at: i64) {
        if !self.enabled() {
            return;
        }
        let mut reasons: Vec<String> = filing.signals.iter().map(ToString::to_string).collect();
        if let Some(v) = &filing.verdict
            && let Ok(filter) =
                serde_json::from_str::<Vec<crate::classifier::Reason>>(&v.reasons_json)
        {
            reasons.extend(filter.into_iter().take(5).map(|r| r.signal));
        }
        let event = CommentEvent {
            event: if filing.status == CommentStatus::Spam {
                "comment.spam"
            } else {
                "comment.pending"
            },
            id,
            thread: comment.thread.as_ref().to_owned(),
            author: comment.author.as_ref().to_owned(),
            excerpt: excerpt(comment.body.as_ref()),
            spam_score: filing.verdict.as_ref().map(|v| v.probability),
            reasons,
            dashboard: format!(
                "{}/dashboard/comments/{id}",
                self.settings.public_url.trim_end_matches('/')
            ),
            created_at: Timestamp(at),
        };
        if self.tx.try_send(Delivery::Comment(event)).is_err() {
            crate::metrics::global().notifications_dropped.inc();
            tracing::warn!(comment_id = id.0, "notification queue full: event dropped");
        }
    }
}

/// Tries `attempt` up to [`ATTEMPTS`] times with exponential backoff.
async fn with_retries<F, Fut>(what: &'static str, id: CommentId, mut attempt: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut wait = Duration::from_secs(1);
    for n in 1..=ATTEMPTS {
        match attempt().await {
            Ok(()) => return,
            Err(e) if n == ATTEMPTS => {
                tracing::error!(comment_id = id.0, error.message = %e, "{what} failed; giving up");
            }
            Err(e) => {
                tracing::warn!(comment_id = id.0, attempt = n, error.message = %e, "{what} failed; retrying");
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
        }
    }
}

/// One POST of the event to the webhook, on the blocking pool (`ureq` is a blocking client).
async fn post_webhook(
    agent: &ureq::Agent,
    url: &url::Url,
    secret: Option<&str>,
    body: &[u8],
) -> anyhow::Result<()> {
    let (agent, url, body) = (agent.clone(), url.to_string(), body.to_vec());
    let signature = secret.map(|s| signature(s, &body));
    tokio::task::spawn_blocking(move || {
        let mut request = agent
            .post(&url)
            .header("content-type", "application/json")
            .header(
                "user-agent",
                concat!("Replyguard/", env!("CARGO_PKG_VERSION")),
            );
        if let Some(signature) = signature {
            request = request.header("X-Replyguard-Signature", &signature);
        }
        let response = request.send(&body[..])?;
        anyhow::ensure!(
            response.status().is_success(),
            "the webhook answered {}",
            response.status()
        );
        Ok(())
    })
    .await?
}

fn mailer(url: &str) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    Ok(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .context("REPLYGUARD_SMTP_URL is not an SMTP URL")?
        .timeout(Some(Duration::from_secs(20)))
        .build())
}

fn mailbox(address: &str) -> anyhow::Result<Mailbox> {
    address
        .parse()
        .with_context(|| format!("{address:?} is not an email address"))
}

async fn send_mail(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &str,
    to: &str,
    subject: &str,
    text: String,
) -> anyhow::Result<()> {
    send_message(transport, from, to, subject, text, None).await
}

async fn send_message(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &str,
    to: &str,
    subject: &str,
    text: String,
    unsubscribe: Option<&str>,
) -> anyhow::Result<()> {
    let mut builder = Message::builder()
        .from(mailbox(from)?)
        .to(mailbox(to)?)
        .subject(subject);
    if let Some(link) = unsubscribe {
        builder = builder
            .header(ListUnsubscribe(link.to_owned()))
            .header(OneClick);
    }
    let message = builder
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(text)
        .context("building the email")?;
    transport.send(message).await.context("sending the email")?;
    Ok(())
}

fn event_text(e: &CommentEvent) -> String {
    let mut text = format!("{} wrote on {}:\n\n{}\n\n", e.author, e.thread, e.excerpt);
    if let Some(p) = e.spam_score {
        text.push_str(&format!("Spam score: {p:.2}\n"));
    }
    if !e.reasons.is_empty() {
        text.push_str(&format!("Reasons: {}\n", e.reasons.join("; ")));
    }
    text.push_str(&format!("\nModerate it: {}\n", e.dashboard));
    text
}

/// Telling moderators about new comments: the delivery task and the digests.
#[derive(Clone)]
pub struct Notifications {
    store: Store,
    notifier: Arc<Notifier>,
}

impl Notifications {
    pub(super) fn new(store: Store, notifier: Arc<Notifier>) -> Self {
        Self { store, notifier }
    }

    /// Starts the task that delivers notifications (webhook and per-comment email), and the
    /// hourly digest. Without a webhook or SMTP server configured it does nothing.
    pub fn spawn_notifications(&self) {
        let Some(mut rx) = self
            .notifier
            .rx
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        else {
            return;
        };
        if !self.notifier.enabled() {
            return;
        }
        let notifications = self.clone();
        tokio::spawn(async move {
            let client: ureq::Agent = ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(10)))
                .http_status_as_error(false)
                .build()
                .into();
            // A fixed number of deliveries at once: one slow delivery does not hold up the
            // next, and a sink that never answers fills the queue instead of the process.
            let workers = Arc::new(tokio::sync::Semaphore::new(WORKERS));
            while let Some(event) = rx.recv().await {
                let Ok(worker) = Arc::clone(&workers).acquire_owned().await else {
                    break;
                };
                let notifications = notifications.clone();
                let client = client.clone();
                tokio::spawn(async move {
                    notifications.deliver(&client, event).await;
                    drop(worker);
                });
            }
        });
        if self.notifier.settings.smtp_url.is_some() {
            let notifications = self.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(Duration::from_secs(3600));
                every.tick().await;
                loop {
                    every.tick().await;
                    // Another instance on the same database may have sent this hour's.
                    if let Err(e) = notifications.send_digests(DIGEST_GAP).await {
                        tracing::error!(error.message = %e, "digest failed");
                    }
                }
            });
        }
    }

    async fn deliver(&self, client: &ureq::Agent, delivery: Delivery) {
        let event = match delivery {
            Delivery::Comment(event) => event,
            Delivery::Reader { id, mail } => return self.deliver_to_reader(id, mail).await,
        };
        let settings = &self.notifier.settings;
        if let Some(url) = &settings.webhook {
            let body = serde_json::to_vec(&event).expect("events serialise");
            let secret = settings.webhook_secret.as_deref();
            with_retries("webhook", event.id, || {
                post_webhook(client, url, secret, &body)
            })
            .await;
        }
        if let (Some(smtp), Some(from)) = (&settings.smtp_url, &settings.smtp_from) {
            let recipients = match self.store.recipients(NotifyChoice::Each).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error.message = %e, "cannot read email recipients");
                    return;
                }
            };
            let Ok(transport) = mailer(smtp) else {
                tracing::error!("REPLYGUARD_SMTP_URL is not an SMTP URL");
                return;
            };
            let subject = format!("New comment by {} awaiting moderation", event.author);
            for r in recipients {
                with_retries("email", event.id, || {
                    send_mail(&transport, from, &r.email, &subject, event_text(&event))
                })
                .await;
            }
        }
    }

    async fn deliver_to_reader(&self, id: CommentId, mail: ReaderMail) {
        let settings = &self.notifier.settings;
        let (Some(smtp), Some(from)) = (&settings.smtp_url, &settings.smtp_from) else {
            return;
        };
        let Ok(transport) = mailer(smtp) else {
            tracing::error!("REPLYGUARD_SMTP_URL is not an SMTP URL");
            return;
        };
        with_retries("reader email", id, || {
            send_message(
                &transport,
                from,
                &mail.to,
                &mail.subject,
                mail.text.clone(),
                mail.unsubscribe.as_deref(),
            )
        })
        .await;
    }

    /// Sends each moderator who chose a digest, and whose last one is at least `min_gap`
    /// old, the comments that arrived since (one step of the hourly task;
    /// `replyguard notify digest` runs it by hand, with no gap). How many digests were sent.
    ///
    /// # Errors
    /// No SMTP server configured, or the database failed. A failed email is logged and
    /// retried at the next run.
    pub async fn send_digests(&self, min_gap: Duration) -> anyhow::Result<usize> {
        let settings = &self.notifier.settings;
        let (Some(smtp), Some(from)) = (&settings.smtp_url, &settings.smtp_from) else {
            anyhow::bail!("set REPLYGUARD_SMTP_URL and REPLYGUARD_SMTP_FROM to send email");
        };
        let transport = mailer(smtp)?;
        let mut sent = 0;
        let now = now_millis();
        for r in self.store.recipients(NotifyChoice::Digest).await? {
            let since = r.digest_sent_at.unwrap_or(0);
            if since > 0 && now - since < i64::try_from(min_gap.as_millis()).unwrap_or(i64::MAX) {
                continue;
            }
            let (comments, total) = self.store.pending_since(since, DIGEST_LIMIT).await?;
            if total == 0 {
                continue;
            }
            let mut text = format!("{total} new comment(s) are waiting for moderation.\n\n");
            for c in &comments {
                text.push_str(&format!(
                    "- {} on {}: {}\n  {}/dashboard/comments/{}\n",
                    c.author,
                    c.thread,
                    excerpt(&c.body),
                    settings.public_url.trim_end_matches('/'),
                    c.id
                ));
            }
            if total > comments.len() as u64 {
                text.push_str(&format!("\n…and {} more.\n", total - comments.len() as u64));
            }
            let subject = format!("{total} comment(s) awaiting moderation");
            match send_mail(&transport, from, &r.email, &subject, text).await {
                Ok(()) => {
                    self.store.set_digest_sent(r.id, now).await?;
                    sent += 1;
                }
                Err(e) => {
                    tracing::error!(moderator = %r.name, error.message = %e, "digest email failed")
                }
            }
        }
        Ok(sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hex_hmac_of_the_body() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), RFC 4231 style.
        assert_eq!(
            signature("key", b"The quick brown fox jumps over the lazy dog"),
            "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }
}

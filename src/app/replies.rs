//! Readers told of replies by email: opting in with a comment, the double opt-in (a signed
//! link that expires in 48 hours), one email when a reply to a watched comment is
//! published, and the unsubscribe link (one click, RFC 8058). Nothing is sent, and nothing
//! is recorded, unless SMTP is configured.
//!
//! A subscription is one address on one site, known by the keyed hash of the address; the
//! address itself is read from the watched comment when an email goes out, so erasing the
//! person (`privacy erase`) leaves nothing to send to, and erasure ends the subscriptions
//! too. The links carry the subscription's id and a MAC under the service's secret, never
//! the address.

use std::sync::Arc;

use super::guard::Guard;
use super::notify::{Notifier, ReaderMail, excerpt};
use super::secret::hex;
use crate::domain::{CommentId, CommentStatus, ReplyContext, ThreadUrl, now_millis};
use crate::store::{Store, Tx, TxResult};

/// How long a confirmation link works, and how long before another opt-in by the same
/// address on the same site may send another confirmation (so a stranger typing someone's
/// address into forms can send them one email per two days at most).
pub const CONFIRM_WITHIN_MS: i64 = 48 * 3600 * 1000;

/// The claim kind that makes a reply's email go out once, whatever decisions follow.
const NOTICE_CLAIM: &str = "reply_notice";

/// Why a link from an email did nothing.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("this link is not valid")]
    Invalid,
    #[error("this link has expired")]
    Expired,
    #[error("this subscription no longer exists")]
    Gone,
    #[error("failed to follow the link")]
    Unexpected(#[from] anyhow::Error),
}

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Confirm,
    Unsubscribe,
}

impl LinkKind {
    fn tag(self) -> &'static str {
        match self {
            LinkKind::Confirm => "c",
            LinkKind::Unsubscribe => "u",
        }
    }
}

/// Readers told of replies.
#[derive(Clone)]
pub struct Replies {
    pub(super) store: Store,
    pub(super) notifier: Arc<Notifier>,
    pub(super) guard: Arc<Guard>,
}

impl Replies {
    /// Whether readers can ask to hear of replies: email can be sent.
    pub fn enabled(&self) -> bool {
        self.notifier.mails()
    }

    fn mac(&self, kind: LinkKind, subscription: i64, expires: i64) -> String {
        hex(&self.guard.secret().mac(
            "reply-link",
            &[
                kind.tag().as_bytes(),
                &subscription.to_le_bytes(),
                &expires.to_le_bytes(),
            ],
        )[..16])
    }

    /// A signed link token: `kind.subscription.expires.mac` (expires 0: never).
    fn token(&self, kind: LinkKind, subscription: i64, expires: i64) -> String {
        let mac = self.mac(kind, subscription, expires);
        format!("{}.{subscription}.{expires}.{mac}", kind.tag())
    }

    fn link(&self, kind: LinkKind, subscription: i64, expires: i64) -> String {
        let path = match kind {
            LinkKind::Confirm => "confirm",
            LinkKind::Unsubscribe => "unsubscribe",
        };
        format!(
            "{}/notifications/{path}?token={}",
            self.notifier.public_url(),
            self.token(kind, subscription, expires)
        )
    }

    /// The subscription a link of `kind` names, if it is ours and not expired at `now`.
    ///
    /// # Errors
    /// [`LinkError::Invalid`] or [`LinkError::Expired`].
    pub fn check(&self, kind: LinkKind, token: &str, now: i64) -> Result<i64, LinkError> {
        let mut parts = token.trim().splitn(4, '.');
        let (Some(tag), Some(id), Some(expires), Some(mac)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(LinkError::Invalid);
        };
        let (Ok(id), Ok(expires)) = (id.parse::<i64>(), expires.parse::<i64>()) else {
            return Err(LinkError::Invalid);
        };
        if tag != kind.tag() || !super::accounts::same_secret(&self.mac(kind, id, expires), mac) {
            return Err(LinkError::Invalid);
        }
        if expires != 0 && now > expires {
            return Err(LinkError::Expired);
        }
        Ok(id)
    }

    /// Follows a confirmation link: from now on, replies to the comments the address
    /// watches on that site are emailed.
    ///
    /// # Errors
    /// Any [`LinkError`].
    pub async fn confirm(&self, token: &str) -> Result<(), LinkError> {
        let now = now_millis();
        let id = self.check(LinkKind::Confirm, token, now)?;
        let found = self
            .store
            .write(move |tx| tx.confirm_reply_subscription(id, now))
            .await
            .map_err(|e| anyhow::Error::new(e).context("database failure while confirming"))?;
        if !found {
            return Err(LinkError::Gone);
        }
        tracing::info!(subscription = id, "reply notifications confirmed");
        Ok(())
    }

    /// Follows an unsubscribe link: the subscription and every watch under it end. Doing it
    /// twice is no error (a mail client may send the one-click POST more than once).
    ///
    /// # Errors
    /// [`LinkError::Invalid`], or `Unexpected`.
    pub async fn unsubscribe(&self, token: &str) -> Result<(), LinkError> {
        let id = self.check(LinkKind::Unsubscribe, token, now_millis())?;
        let ended = self
            .store
            .write(move |tx| tx.delete_reply_subscription(id))
            .await
            .map_err(|e| anyhow::Error::new(e).context("database failure while unsubscribing"))?;
        tracing::info!(subscription = id, ended, "reply notifications ended");
        Ok(())
    }

    /// Queues the confirmation email of subscription `subscription` to `to`, who opted in
    /// with a comment on `thread`.
    pub(super) fn send_confirmation(
        &self,
        comment: CommentId,
        subscription: i64,
        to: &str,
        thread: &ThreadUrl,
        lang: &str,
        at: i64,
    ) {
        let site = site_name(thread.as_ref());
        let link = self.link(LinkKind::Confirm, subscription, at + CONFIRM_WITHIN_MS);
        let t = |id: &str| crate::i18n::text(lang, id, &[("site", &site)]);
        let text = format!(
            "{}\n\n{}\n\n{}\n{link}\n\n{}\n",
            t("mail-confirm-greeting"),
            crate::i18n::text(lang, "mail-confirm-asked", &[("article", thread.as_ref())]),
            t("mail-confirm-action"),
            t("mail-confirm-ignore"),
        );
        self.notifier.reader_mail(
            comment,
            ReaderMail {
                to: to.to_owned(),
                subject: t("mail-confirm-subject"),
                text,
                unsubscribe: None,
            },
        );
    }

    /// After comment `id` is published (by a moderator, or at once by the site's policy):
    /// when it answers a comment whose author asked to hear of replies and confirmed, and
    /// is not their own reply, their one email about it is queued. Failures are logged: a
    /// published comment stays published.
    pub async fn published(&self, id: CommentId) {
        if !self.enabled() {
            return;
        }
        let now = now_millis();
        let notice = self.store.write(move |tx| notice(tx, id, now)).await;
        let reply = match notice {
            Ok(Some(reply)) => reply,
            Ok(None) => return,
            Err(e) => {
                tracing::error!(comment_id = id.0, error.message = %e, "cannot check reply notifications");
                return;
            }
        };
        let Some(subscription) = reply.subscription else {
            return;
        };
        let site = site_name(&reply.thread);
        let lang = crate::i18n::supported(&reply.lang).unwrap_or("en");
        let name = reply.author.as_str();
        let unsubscribe = self.link(LinkKind::Unsubscribe, subscription.id, 0);
        let text = format!(
            "{}\n\n{}\n\n{}\n{}#rg-comment-{}\n\n{}\n{unsubscribe}\n",
            crate::i18n::text(lang, "mail-reply-wrote", &[("name", name)]),
            excerpt(&reply.body),
            crate::i18n::text(lang, "mail-reply-read", &[]),
            reply.thread,
            id.0,
            crate::i18n::text(lang, "mail-reply-stop", &[("site", &site)]),
        );
        self.notifier.reader_mail(
            id,
            ReaderMail {
                to: reply.parent_email.clone(),
                subject: crate::i18n::text(
                    lang,
                    "mail-reply-subject",
                    &[("name", name), ("site", &site)],
                ),
                text,
                unsubscribe: Some(unsubscribe),
            },
        );
        tracing::info!(
            comment_id = id.0,
            parent = reply.parent.0,
            "reply notification queued"
        );
    }
}

/// How a site is named in an email: the article's host.
fn site_name(thread: &str) -> String {
    url::Url::parse(thread)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| thread.to_owned())
}

/// A reader's opt-in with comment `id` (filed, and not as spam) as part of its filing: the
/// comment is watched under the address's subscription on `site`, started if there is none.
/// Returns the subscription whose confirmation email should go out now: a new one, or an
/// unconfirmed one whose last confirmation is older than [`CONFIRM_WITHIN_MS`].
pub(crate) fn opt_in(
    tx: &mut dyn Tx,
    site: crate::domain::SiteId,
    id: CommentId,
    email_key: &str,
    lang: &str,
    at: i64,
) -> TxResult<Option<i64>> {
    let (subscription, confirm) = match tx.reply_subscription(site, email_key)? {
        None => (
            tx.insert_reply_subscription(site, email_key, lang, at)?,
            true,
        ),
        Some(s) if s.confirmed_at.is_some() => (s.id, false),
        Some(s) if at - s.confirmation_sent_at >= CONFIRM_WITHIN_MS => {
            tx.set_confirmation_sent(s.id, lang, at)?;
            (s.id, true)
        }
        Some(s) => (s.id, false),
    };
    tx.watch_replies(id, subscription)?;
    Ok(confirm.then_some(subscription))
}

/// Whether published comment `reply` should be emailed to the author of the comment it
/// answers, decided once: that comment is watched under a confirmed subscription, its
/// author is still there (not erased) and is not the one replying, and no email about this
/// reply went out before (a reply published, taken back and published again is told once).
pub(crate) fn notice(
    tx: &mut dyn Tx,
    reply: CommentId,
    now: i64,
) -> TxResult<Option<ReplyContext>> {
    let Some(context) = tx.reply_context(reply)? else {
        return Ok(None);
    };
    let confirmed = context
        .subscription
        .is_some_and(|s| s.confirmed_at.is_some());
    let own = context
        .email
        .trim()
        .eq_ignore_ascii_case(context.parent_email.trim());
    if context.status != CommentStatus::Approved
        || !confirmed
        || own
        || context.parent_email.is_empty()
    {
        return Ok(None);
    }
    if !tx.claim(NOTICE_CLAIM, &reply.0.to_string(), now, i64::MAX)? {
        return Ok(None);
    }
    Ok(Some(context))
}

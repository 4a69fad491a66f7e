//! A commenter's personal data: addresses kept only as a network and a keyed hash, cleared
//! after the retention period; everything stored about one email address exported or erased
//! on request.

use std::net::IpAddr;
use std::time::Duration;

use serde::Serialize;

use std::sync::Arc;

use super::guard::Guard;
use super::secret::Secret;
use crate::domain::{
    AuthorEmail, CommentId, LogAction, LogEntry, LogEvent, ModComment, SubmissionMeta, now_millis,
};
use crate::store::{Store, Tx, TxResult};

/// How long addresses, user agents and referrers are kept by default (GDPR's storage
/// limitation; WordPress keeps them forever, Akismet's own history keeps 15 days).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);
/// Whole addresses rewritten per write, when old rows are brought up to date.
const ADDRESS_CHUNK: u32 = 1000;

/// What is stored for a sender's address: its /24 (IPv4) or /48 (IPv6) network, and a keyed
/// hash of the whole address. `None` when it is not an address.
pub fn stored_address(secret: &Secret, raw: &str) -> Option<(String, String)> {
    let ip: IpAddr = raw.trim().parse().ok()?;
    Some((
        crate::domain::IpNetwork::truncated(ip).to_string(),
        secret.address_key(ip),
    ))
}

/// Replaces a submission's sender address with its network and keyed hash: what is stored.
pub(super) fn hide_address(secret: &Secret, meta: &mut SubmissionMeta) {
    let address = meta
        .client_ip
        .take()
        .and_then(|raw| stored_address(secret, &raw));
    (meta.client_ip, meta.client_ip_hash) = address.unzip();
}

/// What a retention run did.
#[derive(Debug, Default, Serialize)]
pub struct PurgeReport {
    /// Comments whose address, user agent and referrer were cleared for age.
    pub expired: u64,
    /// Comments stored before addresses were hashed, now holding network and hash only.
    pub rewritten: u64,
    /// Expired claims (used form tokens, the duplicate window) and idle limit buckets.
    pub forgotten: u64,
}

/// Everything stored about one email address.
#[derive(Debug, Serialize)]
pub struct PersonalData {
    pub email: String,
    pub comments: Vec<CommentRecord>,
    /// Their requests to hear of replies, per site.
    pub reply_subscriptions: Vec<crate::domain::ReplySubscriptionRecord>,
}

/// One comment with its moderation history.
#[derive(Debug, Serialize)]
pub struct CommentRecord {
    #[serde(flatten)]
    pub comment: ModComment,
    pub log: Vec<LogEntry>,
}

/// Commenters' personal data: the retention purge, export and erasure.
#[derive(Clone)]
pub struct Privacy {
    store: Store,
    guard: Arc<Guard>,
    /// How long addresses, user agents and referrers are kept.
    retention: Duration,
}

impl Privacy {
    pub(super) fn new(store: Store, guard: Arc<Guard>, retention: Duration) -> Self {
        Self {
            store,
            guard,
            retention,
        }
    }

    /// Clears addresses, user agents and referrers older than the retention period,
    /// rewrites any whole address left from before hashing, and forgets expired claims,
    /// idle limit buckets and reply subscriptions left unconfirmed past their link (all
    /// of which hold only keyed hashes). One step of the hourly task;
    /// `replyguard privacy purge` runs it by hand.
    ///
    /// # Errors
    /// A database failure.
    pub async fn purge_personal_data(&self) -> anyhow::Result<PurgeReport> {
        let cutoff = now_millis() - self.retention.as_millis() as i64;
        let mut report = PurgeReport {
            expired: self.store.purge_before(cutoff).await?,
            ..PurgeReport::default()
        };
        loop {
            let rows = self.store.whole_addresses(ADDRESS_CHUNK).await?;
            if rows.is_empty() {
                break;
            }
            report.rewritten += rows.len() as u64;
            let secret = self.guard.secret();
            let rewritten: Vec<(CommentId, Option<(String, String)>)> = rows
                .into_iter()
                .map(|(id, raw)| (id, stored_address(secret, &raw)))
                .collect();
            self.store.set_addresses(rewritten).await?;
        }
        let now = now_millis();
        let idle = now - 3_600_000;
        // A request to hear of replies nobody confirmed in time is only a keyed hash, but
        // it is kept for nothing: its link has expired.
        let unconfirmed = now - super::replies::CONFIRM_WITHIN_MS;
        report.forgotten = self
            .store
            .write(move |tx| {
                Ok(tx.forget_expired(now, idle)?
                    + tx.forget_unconfirmed_reply_subscriptions(unconfirmed)?)
            })
            .await?;
        Ok(report)
    }

    /// Runs [`Privacy::purge_personal_data`] now and then every hour, in the background.
    pub fn spawn_privacy_purge(&self) {
        let privacy = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(3600));
            loop {
                every.tick().await;
                match privacy.purge_personal_data().await {
                    Ok(r) if r.expired + r.rewritten > 0 => {
                        tracing::info!(
                            expired = r.expired,
                            rewritten = r.rewritten,
                            "personal data purged"
                        );
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error.message = %e, "personal data purge failed"),
                }
            }
        });
    }

    /// Everything stored about the person who used `email`: each comment with all its
    /// fields and its moderation history, and their requests to hear of replies.
    ///
    /// # Errors
    /// Not an email address, or a database failure.
    pub async fn export_personal_data(&self, email: &str) -> anyhow::Result<PersonalData> {
        let email = AuthorEmail::parse(email).map_err(|e| anyhow::anyhow!(e))?;
        let ids = self.store.comments_of(email.as_ref().to_owned()).await?;
        let mut comments = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some((comment, log)) = self.store.find_for_moderation(id).await? {
                comments.push(CommentRecord { comment, log });
            }
        }
        let key = self.guard.secret().email_key(email.as_ref());
        Ok(PersonalData {
            email: email.as_ref().to_owned(),
            comments,
            reply_subscriptions: self.store.reply_subscriptions_of(key).await?,
        })
    }

    /// Erases the person who used `email`: their comments keep their place in the threads
    /// but lose name, address, website, text, network, browser and referrer; their training
    /// labels go; each erasure is in the moderation log. How many comments.
    ///
    /// # Errors
    /// Not an email address, or a database failure.
    pub async fn erase_personal_data(&self, email: &str) -> anyhow::Result<u64> {
        let email = AuthorEmail::parse(email).map_err(|e| anyhow::anyhow!(e))?;
        let (email, at) = (email.as_ref().to_owned(), now_millis());
        let key = self.guard.secret().email_key(&email);
        let erased = self
            .store
            .write(move |tx| erase(tx, &email, &key, at))
            .await?;
        // The old text must not stay readable in the database's files either.
        self.store.forget_overwritten().await?;
        Ok(erased)
    }
}

/// Erases every comment sent with `email` as one unit of work: each is anonymised in place,
/// loses its training label and gets an erasure entry in the log; its thread's public
/// version rises, since the published text changed. Moderators' trust in the person
/// (known by `email_key`) goes too, and so do their requests to hear of replies. How many
/// comments.
pub(crate) fn erase(tx: &mut dyn Tx, email: &str, email_key: &str, at: i64) -> TxResult<u64> {
    tx.forget_trust(email_key)?;
    tx.forget_reply_subscriptions(email_key)?;
    let ids = tx.comments_of(email)?;
    for &id in &ids {
        let status = tx.anonymise(id)?;
        tx.clear_label(id)?;
        tx.append_log(&LogEvent {
            comment: id,
            moderator: None,
            action: LogAction::Erased,
            from: status,
            to: status,
            at,
            reason: None,
        })?;
        tx.bump_thread_of(id)?;
    }
    Ok(ids.len() as u64)
}

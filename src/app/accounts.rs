//! Moderators: checking passwords, signing in with a throttle, dashboard sessions, and
//! managing accounts.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use crate::domain::{
    AccountChange, ModeratorId, ModeratorName, ModeratorRow, NewSession, NotifyChoice,
    SessionRecord, now_millis,
};
use crate::password;
use crate::store::{Store, Tx, TxResult};

use super::guard::Guard;
use super::secret::{hex, random_token};
use std::sync::Arc;

/// A session ends after this long without a request…
pub const IDLE_MILLIS: i64 = 30 * 60 * 1000;
/// …and after this long in any case.
pub const ABSOLUTE_MILLIS: i64 = 12 * 60 * 60 * 1000;
/// A session's last use is written at most this often: every dashboard page reads the
/// session, and a write per page would put the dashboard in the writer's queue for nothing.
const TOUCH_EVERY_MILLIS: i64 = 60 * 1000;

/// Failed sign-ins (dashboard and HTTP Basic alike) are counted over this window…
pub const FAILURE_WINDOW_MILLIS: i64 = 15 * 60 * 1000;
/// …at most this many per account name and address, so a stranger's guesses lock out only
/// the stranger: the owner signing in from another address is not affected…
const MAX_PAIR_FAILURES: u32 = 5;
/// …and this many per address, whatever the names tried.
const MAX_IP_FAILURES: u32 = 20;

/// Threads that run argon2, and so checks at once. Each check takes 19 MiB and about 50 ms
/// of a core: on tokio's blocking pool, 100 requests with junk credentials took the service
/// to 3.9 GB (issue #9's measurement: every pool thread's allocator arena kept its 19 MiB).
/// Two dedicated threads keep two arenas (`tests/api/hardening.rs` holds it under 256 MB).
const PASSWORD_CHECKS_AT_ONCE: usize = 2;
/// HTTP Basic credentials proved once are trusted this long without argon2…
const PROVED_FOR: std::time::Duration = std::time::Duration::from_secs(300);
/// …for at most this many credential pairs at once.
const PROVED_MAX: usize = 1024;

/// A signed-in moderator, through the API's HTTP Basic or a dashboard session: the one type
/// every use case acts on behalf of.
#[derive(Debug, Clone)]
pub struct Moderator {
    pub id: ModeratorId,
    pub name: String,
    pub is_admin: bool,
}

/// A live dashboard session: its moderator and what the session carries.
#[derive(Debug, Clone)]
pub struct Session {
    pub moderator: Moderator,
    /// SHA-256 of the cookie's token: what the store keeps.
    pub token_hash: String,
    pub csrf: String,
    /// What the session's last decision changed (JSON), for undo.
    pub undo: Option<String>,
}

/// Why credentials were refused. Deliberately one variant for "no such account", "disabled"
/// and "wrong password": the caller must not be able to tell them apart.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("too many failed sign-ins")]
    Throttled { retry_after: u64 },
    #[error("failed to check credentials")]
    Unexpected(#[from] anyhow::Error),
}

/// A password job for the argon2 threads.
type PasswordJob = Box<dyn FnOnce() + Send>;
/// Jobs waiting for an argon2 thread before callers wait to hand theirs over.
const PASSWORD_QUEUE: usize = 64;

/// Bounds and shortcuts for password checks, shared by every request.
pub struct PasswordGate {
    jobs: tokio::sync::mpsc::Sender<PasswordJob>,
    /// HTTP Basic credentials already proved, by a keyed hash of name and password.
    proved: std::sync::Mutex<HashMap<[u8; 32], Proved>>,
    /// Random per process: the cache keys mean nothing outside it.
    key: [u8; 32],
}

/// What a proved credential pair stands for, and until when.
#[derive(Clone)]
struct Proved {
    moderator: Moderator,
    /// The account's password hash when proved: a changed password no longer matches.
    password_hash: String,
    until: std::time::Instant,
}

impl PasswordGate {
    /// A gate with a fresh random key.
    ///
    /// # Errors
    /// No randomness available.
    pub fn new() -> anyhow::Result<Self> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let (jobs, queue) = tokio::sync::mpsc::channel::<PasswordJob>(PASSWORD_QUEUE);
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        for n in 0..PASSWORD_CHECKS_AT_ONCE {
            let queue = std::sync::Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("replyguard-argon2-{n}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while waiting for the next job.
                        let job = queue
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .blocking_recv();
                        match job {
                            Some(job) => job(),
                            None => return,
                        }
                    }
                })?;
        }
        Ok(Self {
            jobs,
            proved: std::sync::Mutex::new(HashMap::new()),
            key,
        })
    }

    /// Runs `f` on an argon2 thread and waits for its result.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = tx.send(f());
            }))
            .await
            .map_err(|_| anyhow::anyhow!("the password threads have stopped"))?;
        rx.await
            .map_err(|_| anyhow::anyhow!("a password check failed"))
    }

    fn credential_key(&self, name: &str, password: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update(password.as_bytes());
        h.finalize().into()
    }

    fn proved(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Proved>> {
        self.proved
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Why a sign-in did not start a session.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("too many failed sign-ins")]
    Throttled,
    #[error("wrong name or password")]
    InvalidCredentials,
    #[error("failed to sign in")]
    Unexpected(#[from] anyhow::Error),
}

/// A new session's secrets, for the cookie and the forms.
#[derive(Debug)]
pub struct SignedIn {
    pub moderator: Moderator,
    /// The cookie's token (only its hash is stored).
    pub token: String,
}

/// Why an account could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Invalid(String),
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("only administrators can manage moderators")]
    NotAdmin,
    #[error("you cannot disable yourself or remove your own administrator role")]
    OwnAccount,
    #[error("failed to change the account")]
    Unexpected(#[from] anyhow::Error),
}

/// What an administrator does to an account.
#[derive(Debug, Clone)]
pub enum AccountOp {
    Add {
        name: String,
        password: String,
        admin: bool,
    },
    Disable(ModeratorId),
    Enable(ModeratorId),
    SetAdmin(ModeratorId, bool),
    Reset(ModeratorId, String),
}

/// 32 random bytes as hex: session tokens and CSRF tokens.
///
/// # Errors
/// No randomness available.
/// Compares secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// What is stored for a token: its SHA-256.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn session_is_live(row: &SessionRecord, now: i64) -> bool {
    !row.is_disabled
        && now - row.last_seen_at <= IDLE_MILLIS
        && now - row.created_at <= ABSOLUTE_MILLIS
}

/// Moderators' accounts: passwords, sign-in, sessions, API tokens and notification choices.
#[derive(Clone)]
pub struct Accounts {
    pub(super) store: Store,
    /// Bounds on password checks and the HTTP Basic shortcut.
    pub(super) gate: Arc<PasswordGate>,
    /// The secret that keys addresses in the sign-in throttle.
    pub(super) guard: Arc<Guard>,
}

impl Accounts {
    /// Checks a moderator's name and password (argon2id, on the argon2 threads, at most
    /// [`PASSWORD_CHECKS_AT_ONCE`] at a time). Not throttled: for callers who already hold a
    /// session, and for the throttled paths below.
    ///
    /// # Errors
    /// [`AuthError::InvalidCredentials`] for any refusal; `Unexpected` for internal failures.
    pub async fn authenticate(
        &self,
        name: String,
        password: String,
    ) -> Result<Moderator, AuthError> {
        Ok(self.verify(name, password).await?.0)
    }

    async fn verify(
        &self,
        name: String,
        password: String,
    ) -> Result<(Moderator, String), AuthError> {
        let account = self
            .store
            .find_moderator(name)
            .await
            .map_err(anyhow::Error::new)?;
        let checked = self
            .gate
            .run(move || match account {
                Some(account) if password::verify_password(&password, &account.password_hash) => {
                    Some(account).filter(|a| !a.is_disabled)
                }
                Some(_) => None,
                None => {
                    password::verify_against_dummy(&password);
                    None
                }
            })
            .await?;
        let account = checked.ok_or(AuthError::InvalidCredentials)?;
        Ok((
            Moderator {
                id: account.id,
                name: account.name,
                is_admin: account.is_admin,
            },
            account.password_hash,
        ))
    }

    /// Checks a password only if the throttle admits the attempt, counting it first, in one
    /// step of the writer: concurrent guesses cannot all pass the count. A success forgives
    /// the attempt.
    async fn throttled_verify(
        &self,
        name: &str,
        password: String,
        client_ip: Option<std::net::IpAddr>,
    ) -> Result<(Moderator, String), AuthError> {
        // Stored for the throttle window: a keyed hash, never the address itself. IPv6 is
        // counted by its /64, as the submission limits do: one subscriber holds the whole
        // /64, so counting each address would give an attacker 2^64 fresh budgets.
        let ip = client_ip
            .map(|ip| {
                let network = super::limits::address_key(ip);
                hex(&self.guard.secret().mac("sign-in", &[network.as_bytes()])[..16])
            })
            .unwrap_or_default();
        let ip_key = format!("ip:{ip}");
        let pair_key = format!("pair:{}|{ip}", name.to_lowercase());
        let now = now_millis();
        let keys = [
            (pair_key.clone(), MAX_PAIR_FAILURES),
            (ip_key.clone(), MAX_IP_FAILURES),
        ];
        let admitted = self
            .store
            .write_alone(move |tx| admit_attempt(tx, &keys, now, now - FAILURE_WINDOW_MILLIS))
            .await
            .map_err(anyhow::Error::new)?;
        if !admitted {
            tracing::warn!("sign-in throttled");
            return Err(AuthError::Throttled {
                retry_after: (FAILURE_WINDOW_MILLIS / 1000) as u64,
            });
        }
        let verified = self.verify(name.to_owned(), password).await?;
        self.store
            .forgive_attempt(pair_key, ip_key)
            .await
            .map_err(anyhow::Error::new)?;
        Ok(verified)
    }

    /// argon2 hashing of a new password, on the argon2 threads.
    async fn hash_password(&self, password: String) -> anyhow::Result<Result<String, String>> {
        self.gate
            .run(move || password::hash_password(&password))
            .await
    }

    /// HTTP Basic for the moderation API: throttled like the dashboard's sign-in, and a
    /// client that already proved its password is not made to pay argon2 again for a while
    /// (while the account's password and status are unchanged).
    ///
    /// # Errors
    /// [`AuthError::InvalidCredentials`], [`AuthError::Throttled`], or `Unexpected`.
    pub async fn authenticate_basic(
        &self,
        name: String,
        password: String,
        client_ip: Option<std::net::IpAddr>,
    ) -> Result<Moderator, AuthError> {
        let key = self.gate.credential_key(&name, &password);
        let cached = self.gate.proved().get(&key).cloned();
        if let Some(proved) = cached.filter(|p| p.until > std::time::Instant::now()) {
            let account = self
                .store
                .find_moderator(name.clone())
                .await
                .map_err(anyhow::Error::new)?;
            match account {
                Some(a) if !a.is_disabled && a.password_hash == proved.password_hash => {
                    return Ok(Moderator {
                        is_admin: a.is_admin,
                        ..proved.moderator
                    });
                }
                _ => {
                    self.gate.proved().remove(&key);
                }
            }
        }
        let (moderator, password_hash) = self.throttled_verify(&name, password, client_ip).await?;
        let mut proved = self.gate.proved();
        if proved.len() >= PROVED_MAX {
            proved.clear();
        }
        proved.insert(
            key,
            Proved {
                moderator: moderator.clone(),
                password_hash,
                until: std::time::Instant::now() + PROVED_FOR,
            },
        );
        Ok(moderator)
    }

    /// Signs in to the dashboard: refuses while the account name or the client address has
    /// too many recent failures, checks the password, records a failure or starts a session.
    ///
    /// # Errors
    /// [`SignInError::Throttled`], [`SignInError::InvalidCredentials`], or `Unexpected`.
    pub async fn sign_in(
        &self,
        name: &str,
        password: String,
        client_ip: Option<std::net::IpAddr>,
    ) -> Result<SignedIn, SignInError> {
        let moderator = match self.throttled_verify(name, password, client_ip).await {
            Ok((moderator, _)) => moderator,
            Err(AuthError::Throttled { .. }) => return Err(SignInError::Throttled),
            Err(AuthError::InvalidCredentials) => return Err(SignInError::InvalidCredentials),
            Err(AuthError::Unexpected(e)) => return Err(SignInError::Unexpected(e)),
        };
        let token = random_token()?;
        self.store
            .start_session(NewSession {
                token_hash: token_hash(&token),
                moderator: moderator.id,
                csrf_token: random_token()?,
                at: now_millis(),
            })
            .await
            .map_err(anyhow::Error::new)?;
        tracing::info!(moderator = %moderator.name, "signed in");
        Ok(SignedIn { moderator, token })
    }

    /// The live session for a cookie's token, marking it used; an expired one is ended.
    ///
    /// # Errors
    /// A database failure.
    pub async fn session(&self, token: &str) -> anyhow::Result<Option<Session>> {
        let hash = token_hash(token);
        let Some(row) = self.store.find_session(hash.clone()).await? else {
            return Ok(None);
        };
        let now = now_millis();
        if !session_is_live(&row, now) {
            self.store.end_session(hash).await?;
            return Ok(None);
        }
        if now - row.last_seen_at >= TOUCH_EVERY_MILLIS {
            self.store.touch_session(hash, now).await?;
        }
        Ok(Some(Session {
            moderator: Moderator {
                id: row.moderator,
                name: row.name,
                is_admin: row.is_admin,
            },
            token_hash: row.token_hash,
            csrf: row.csrf_token,
            undo: row.undo,
        }))
    }

    /// Ends a session.
    ///
    /// # Errors
    /// A database failure.
    pub async fn sign_out(&self, session: &Session) -> anyhow::Result<()> {
        Ok(self.store.end_session(session.token_hash.clone()).await?)
    }

    /// Creates a moderator, or replaces an existing one's password (which re-enables it and
    /// ends its sessions); `admin` grants the role. Returns whether the account is new.
    ///
    /// # Errors
    /// [`AccountError::Invalid`] for a bad name or password.
    pub async fn add_moderator(
        &self,
        name: &str,
        password: String,
        admin: Option<bool>,
    ) -> Result<bool, AccountError> {
        let name = ModeratorName::parse(name).map_err(AccountError::Invalid)?;
        let hash = self
            .hash_password(password)
            .await?
            .map_err(AccountError::Invalid)?;
        let (_, created) = self
            .store
            .write(move |tx| upsert_moderator(tx, &name, &hash, admin))
            .await
            .map_err(anyhow::Error::new)?;
        Ok(created)
    }

    /// Every moderator account (administrators only).
    ///
    /// # Errors
    /// [`AccountError::NotAdmin`].
    pub async fn moderators(&self, by: &Moderator) -> Result<Vec<ModeratorRow>, AccountError> {
        if !by.is_admin {
            return Err(AccountError::NotAdmin);
        }
        Ok(self
            .store
            .list_moderators()
            .await
            .map_err(anyhow::Error::new)?)
    }

    /// An administrator's change to an account.
    ///
    /// # Errors
    /// [`AccountError::NotAdmin`], [`AccountError::OwnAccount`] (disabling oneself or
    /// dropping one's own role), [`AccountError::Invalid`].
    pub async fn manage_account(&self, by: &Moderator, op: AccountOp) -> Result<(), AccountError> {
        if !by.is_admin {
            return Err(AccountError::NotAdmin);
        }
        let (id, change) = match op {
            AccountOp::Add {
                name,
                password,
                admin,
            } => {
                self.add_moderator(&name, password, Some(admin)).await?;
                return Ok(());
            }
            AccountOp::Disable(id) if id == by.id => return Err(AccountError::OwnAccount),
            AccountOp::SetAdmin(id, false) if id == by.id => return Err(AccountError::OwnAccount),
            AccountOp::Disable(id) => (id, AccountChange::Disabled(true)),
            AccountOp::Enable(id) => (id, AccountChange::Disabled(false)),
            AccountOp::SetAdmin(id, admin) => (id, AccountChange::Admin(admin)),
            AccountOp::Reset(id, password) => {
                let hash = self
                    .hash_password(password)
                    .await?
                    .map_err(AccountError::Invalid)?;
                (
                    id,
                    AccountChange::Password {
                        hash,
                        keep: None,
                        keep_tokens: false,
                    },
                )
            }
        };
        self.store
            .write(move |tx| change_account(tx, id, &change))
            .await
            .map_err(anyhow::Error::new)?;
        Ok(())
    }

    /// A moderator's own new password, after checking the current one; every other session
    /// of the account ends.
    ///
    /// # Errors
    /// [`AccountError::Invalid`] for a wrong current password or a refused new one.
    pub async fn change_own_password(
        &self,
        session: &Session,
        current: String,
        new: String,
        keep_tokens: bool,
    ) -> Result<(), AccountError> {
        match self
            .authenticate(session.moderator.name.clone(), current)
            .await
        {
            Ok(_) => {}
            Err(AuthError::InvalidCredentials | AuthError::Throttled { .. }) => {
                return Err(AccountError::WrongPassword);
            }
            Err(AuthError::Unexpected(e)) => return Err(AccountError::Unexpected(e)),
        }
        let hash = self
            .hash_password(new)
            .await?
            .map_err(AccountError::Invalid)?;
        let (id, change) = (
            session.moderator.id,
            AccountChange::Password {
                hash,
                keep: Some(session.token_hash.clone()),
                keep_tokens,
            },
        );
        self.store
            .write(move |tx| change_account(tx, id, &change))
            .await
            .map_err(anyhow::Error::new)?;
        Ok(())
    }

    /// A moderator's notification email and choice.
    ///
    /// # Errors
    /// A database failure.
    pub async fn notification_settings(
        &self,
        id: ModeratorId,
    ) -> anyhow::Result<(Option<String>, NotifyChoice)> {
        Ok(self
            .store
            .notify_settings(id)
            .await?
            .unwrap_or((None, NotifyChoice::Off)))
    }

    /// Sets how a moderator hears about new comments.
    ///
    /// # Errors
    /// A choice other than off needs a valid email address; or a database failure.
    pub async fn set_notification_settings(
        &self,
        id: ModeratorId,
        email: &str,
        choice: &str,
    ) -> Result<(), AccountError> {
        let choice = NotifyChoice::parse(choice)
            .ok_or_else(|| AccountError::Invalid("choose off, each or digest".into()))?;
        let email = if email.trim().is_empty() {
            None
        } else {
            Some(
                crate::domain::AuthorEmail::parse(email)
                    .map_err(AccountError::Invalid)?
                    .as_ref()
                    .to_owned(),
            )
        };
        if choice != NotifyChoice::Off && email.is_none() {
            return Err(AccountError::Invalid("an email address is needed".into()));
        }
        self.store
            .set_notify(id, email, choice)
            .await
            .map_err(|e| AccountError::Unexpected(e.into()))
    }
}

/// Creates a moderator or replaces its password as one unit of work. A replaced password
/// ends every session of the account and revokes its API tokens, so whoever knew the old
/// one (or took a token with it) is shut out; `admin`
/// sets the role when given.
pub(crate) fn upsert_moderator(
    tx: &mut dyn Tx,
    name: &ModeratorName,
    password_hash: &str,
    admin: Option<bool>,
) -> TxResult<(ModeratorId, bool)> {
    let (id, created) = tx.upsert_moderator(name, password_hash)?;
    if !created {
        tx.end_sessions_of(id, None)?;
        tx.revoke_tokens_of(id)?;
    }
    if let Some(admin) = admin {
        tx.set_admin(id, admin)?;
    }
    Ok((id, created))
}

/// An administrator's or a moderator's change to an account. Disabling an account ends its
/// sessions and revokes its API tokens; a new password ends every session but the one that
/// set it, and revokes the tokens unless the moderator chose to keep them.
pub(crate) fn change_account(
    tx: &mut dyn Tx,
    id: ModeratorId,
    change: &AccountChange,
) -> TxResult<()> {
    match change {
        AccountChange::Disabled(disabled) => {
            tx.set_disabled(id, *disabled)?;
            if *disabled {
                tx.end_sessions_of(id, None)?;
                tx.revoke_tokens_of(id)?;
            }
            Ok(())
        }
        AccountChange::Admin(admin) => tx.set_admin(id, *admin),
        AccountChange::Password {
            hash,
            keep,
            keep_tokens,
        } => {
            tx.set_password_hash(id, hash)?;
            if !keep_tokens {
                tx.revoke_tokens_of(id)?;
            }
            tx.end_sessions_of(id, keep.as_deref())
        }
    }
}

/// Counts a sign-in attempt before its password is checked: admitted, and recorded under
/// each key, only when every key has fewer than its limit of attempts since `since`. The
/// keys are locked first, so concurrent attempts, on any instance, are counted one after
/// another and cannot all pass.
pub(crate) fn admit_attempt(
    tx: &mut dyn Tx,
    keys: &[(String, u32)],
    at: i64,
    since: i64,
) -> TxResult<bool> {
    let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
    tx.lock_keys(&names)?;
    for (key, limit) in keys {
        if tx.count_attempts(key, since)? >= *limit {
            return Ok(false);
        }
    }
    tx.record_attempts(&names, at, since)?;
    Ok(true)
}

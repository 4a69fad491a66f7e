//! Moderators: checking passwords, signing in with a throttle, dashboard sessions, and
//! managing accounts.

use sha2::{Digest, Sha256};

use crate::domain::{
    AccountChange, ModeratorId, ModeratorName, ModeratorRow, NewSession, SessionRecord, now_millis,
};
use crate::password;

use super::App;

/// A session ends after this long without a request…
pub const IDLE_MILLIS: i64 = 30 * 60 * 1000;
/// …and after this long in any case.
pub const ABSOLUTE_MILLIS: i64 = 12 * 60 * 60 * 1000;
/// A session's last use is written at most this often: every dashboard page reads the
/// session, and a write per page would put the dashboard in the writer's queue for nothing.
const TOUCH_EVERY_MILLIS: i64 = 60 * 1000;

/// Failed sign-ins counted over this window…
pub const FAILURE_WINDOW_MILLIS: i64 = 15 * 60 * 1000;
/// …at most this many per account name (existing or not)…
const MAX_ACCOUNT_FAILURES: u32 = 5;
/// …and this many per client address.
const MAX_IP_FAILURES: u32 = 20;

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
    #[error("failed to check credentials")]
    Unexpected(#[from] anyhow::Error),
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
pub fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// What is stored for a token: its SHA-256.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn session_is_live(row: &SessionRecord, now: i64) -> bool {
    !row.is_disabled
        && now - row.last_seen_at <= IDLE_MILLIS
        && now - row.created_at <= ABSOLUTE_MILLIS
}

/// argon2 off the async workers.
async fn hash_password(password: String) -> anyhow::Result<Result<String, String>> {
    tokio::task::spawn_blocking(move || password::hash_password(&password))
        .await
        .map_err(|e| anyhow::anyhow!("password task failed: {e}"))
}

impl App {
    /// Checks a moderator's name and password (argon2id, on the blocking pool).
    ///
    /// # Errors
    /// [`AuthError::InvalidCredentials`] for any refusal; `Unexpected` for internal failures.
    pub async fn authenticate(
        &self,
        name: String,
        password: String,
    ) -> Result<Moderator, AuthError> {
        let account = self
            .store
            .find_moderator(name)
            .await
            .map_err(anyhow::Error::new)?;
        let checked = tokio::task::spawn_blocking(move || match account {
            Some(account) if password::verify_password(&password, &account.password_hash) => {
                Some(account).filter(|a| !a.is_disabled)
            }
            Some(_) => None,
            None => {
                password::verify_against_dummy(&password);
                None
            }
        })
        .await
        .map_err(|e| anyhow::anyhow!("password task failed: {e}"))?;
        let account = checked.ok_or(AuthError::InvalidCredentials)?;
        Ok(Moderator {
            id: account.id,
            name: account.name,
            is_admin: account.is_admin,
        })
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
        let account_key = format!("account:{}", name.to_lowercase());
        let ip_key = format!(
            "ip:{}",
            client_ip.map(|ip| ip.to_string()).unwrap_or_default()
        );
        let keys = vec![account_key.clone(), ip_key];
        let since = now_millis() - FAILURE_WINDOW_MILLIS;
        let counts = self
            .store
            .count_login_failures(keys.clone(), since)
            .await
            .map_err(anyhow::Error::new)?;
        if counts[0] >= MAX_ACCOUNT_FAILURES || counts[1] >= MAX_IP_FAILURES {
            tracing::warn!("sign-in throttled");
            return Err(SignInError::Throttled);
        }
        let moderator = match self.authenticate(name.to_owned(), password).await {
            Ok(m) => m,
            Err(AuthError::InvalidCredentials) => {
                let now = now_millis();
                self.store
                    .record_login_failure(keys, now, now - FAILURE_WINDOW_MILLIS)
                    .await
                    .map_err(anyhow::Error::new)?;
                return Err(SignInError::InvalidCredentials);
            }
            Err(AuthError::Unexpected(e)) => return Err(SignInError::Unexpected(e)),
        };
        let token = random_token()?;
        self.store
            .start_session(NewSession {
                token_hash: token_hash(&token),
                moderator: moderator.id,
                csrf_token: random_token()?,
                at: now_millis(),
                clear_failures: account_key,
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
        let hash = hash_password(password)
            .await?
            .map_err(AccountError::Invalid)?;
        let (_, created) = self
            .store
            .upsert_moderator(name, hash, admin)
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
                let hash = hash_password(password)
                    .await?
                    .map_err(AccountError::Invalid)?;
                (id, AccountChange::Password { hash, keep: None })
            }
        };
        self.store
            .change_account(id, change)
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
    ) -> Result<(), AccountError> {
        match self
            .authenticate(session.moderator.name.clone(), current)
            .await
        {
            Ok(_) => {}
            Err(AuthError::InvalidCredentials) => {
                return Err(AccountError::WrongPassword);
            }
            Err(AuthError::Unexpected(e)) => return Err(AccountError::Unexpected(e)),
        }
        let hash = hash_password(new).await?.map_err(AccountError::Invalid)?;
        self.store
            .change_account(
                session.moderator.id,
                AccountChange::Password {
                    hash,
                    keep: Some(session.token_hash.clone()),
                },
            )
            .await
            .map_err(anyhow::Error::new)?;
        Ok(())
    }
}

//! API tokens: per-moderator bearer credentials for scripts and integrations, created and
//! revoked in the dashboard and the CLI, checked by one indexed lookup of their SHA-256.

use super::accounts::{AccountError, Accounts, AuthError, Moderator, token_hash};
use super::secret::random_token;
use crate::domain::{ApiTokenRow, ModeratorName, NewApiToken, now_millis};

/// Every API token starts with this, so a leaked one is recognisable in logs and scanners.
pub const TOKEN_PREFIX: &str = "rgt_";
/// A token's last use is written at most this often (milliseconds).
const TOUCH_EVERY_MILLIS: i64 = 60 * 1000;

/// A token's label: 1 to 64 printable characters.
fn parse_label(label: &str) -> Result<String, AccountError> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 64 || label.chars().any(char::is_control) {
        return Err(AccountError::Invalid(
            "a token name is 1 to 64 printable characters".into(),
        ));
    }
    Ok(label.to_owned())
}

impl Accounts {
    /// Creates a token for `owner`; the secret is returned once and only its hash is kept.
    ///
    /// # Errors
    /// [`AccountError::Invalid`] for a bad label, or a database failure.
    pub async fn create_api_token(
        &self,
        owner: &Moderator,
        label: &str,
    ) -> Result<(i64, String), AccountError> {
        let name = parse_label(label)?;
        let secret = format!("{TOKEN_PREFIX}{}", random_token()?);
        let id = self
            .store
            .insert_token(NewApiToken {
                moderator: owner.id,
                name,
                token_hash: token_hash(&secret),
                created_at: now_millis(),
            })
            .await
            .map_err(anyhow::Error::new)?;
        Ok((id, secret))
    }

    /// Creates a token for the moderator called `name` (the CLI, an operator's act).
    ///
    /// # Errors
    /// [`AccountError::Invalid`] for an unknown or disabled moderator or a bad label.
    pub async fn create_api_token_for(
        &self,
        name: &str,
        label: &str,
    ) -> Result<(i64, String), AccountError> {
        let name = ModeratorName::parse(name).map_err(AccountError::Invalid)?;
        let account = self
            .store
            .find_moderator(name.as_ref().to_owned())
            .await
            .map_err(anyhow::Error::new)?
            .filter(|a| !a.is_disabled)
            .ok_or_else(|| {
                AccountError::Invalid(format!("no active moderator {}", name.as_ref()))
            })?;
        let owner = Moderator {
            id: account.id,
            name: account.name,
            is_admin: account.is_admin,
        };
        self.create_api_token(&owner, label).await
    }

    /// The tokens `viewer` may see: their own, or every one for an administrator; `None`
    /// (the CLI) sees all.
    ///
    /// # Errors
    /// A database failure.
    pub async fn api_tokens(&self, viewer: Option<&Moderator>) -> anyhow::Result<Vec<ApiTokenRow>> {
        let owner = viewer.filter(|m| !m.is_admin).map(|m| m.id);
        Ok(self.store.list_tokens(owner).await?)
    }

    /// Revokes a token: `by` may revoke their own, an administrator any; `None` (the CLI) any.
    /// Whether there was such a token.
    ///
    /// # Errors
    /// A database failure.
    pub async fn revoke_api_token(&self, by: Option<&Moderator>, id: i64) -> anyhow::Result<bool> {
        let owner = by.filter(|m| !m.is_admin).map(|m| m.id);
        Ok(self.store.delete_token(id, owner).await?)
    }

    /// The moderator a bearer token speaks for.
    ///
    /// # Errors
    /// [`AuthError::InvalidCredentials`] for an unknown or revoked token or a disabled
    /// account; `Unexpected` for a database failure.
    pub async fn authenticate_bearer(&self, token: &str) -> Result<Moderator, AuthError> {
        if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
            return Err(AuthError::InvalidCredentials);
        }
        let found = self
            .store
            .find_token(token_hash(token))
            .await
            .map_err(anyhow::Error::new)?;
        let Some(owner) = found.filter(|o| !o.is_disabled) else {
            return Err(AuthError::InvalidCredentials);
        };
        let now = now_millis();
        if owner
            .last_used_at
            .is_none_or(|at| now - at >= TOUCH_EVERY_MILLIS)
        {
            self.store
                .touch_token(owner.token_id, now)
                .await
                .map_err(anyhow::Error::new)?;
        }
        Ok(Moderator {
            id: owner.moderator,
            name: owner.name,
            is_admin: owner.is_admin,
        })
    }
}

//! Moderator accounts, sessions, sign-in throttling, API tokens and notification settings:
//! in the shared database, so a moderator signed in through one instance is signed in
//! through every other, and a throttle counts guesses sent to any of them.

use deadpool_postgres::GenericClient;

use super::{DbError, Postgres};
use crate::domain::{
    ApiTokenOwner, ApiTokenRow, ModeratorCredentials, ModeratorId, ModeratorRow, NewApiToken,
    NewSession, NotifyChoice, Recipient, SessionRecord, Timestamp,
};

impl Postgres {
    pub async fn find_moderator(
        &self,
        name: String,
    ) -> Result<Option<ModeratorCredentials>, DbError> {
        let client = self.client().await?;
        Ok(client
            .query_opt(
                "SELECT id, name, password_hash, is_disabled, is_admin FROM moderators
                 WHERE name = $1",
                &[&name],
            )
            .await?
            .map(|row| ModeratorCredentials {
                id: ModeratorId(row.get(0)),
                name: row.get(1),
                password_hash: row.get(2),
                is_disabled: row.get(3),
                is_admin: row.get(4),
            }))
    }

    pub async fn list_moderators(&self) -> Result<Vec<ModeratorRow>, DbError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, name, is_admin, is_disabled, created_at FROM moderators ORDER BY name",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| ModeratorRow {
                id: row.get(0),
                name: row.get(1),
                is_admin: row.get(2),
                is_disabled: row.get(3),
                created_at: Timestamp(row.get(4)),
            })
            .collect())
    }

    pub async fn start_session(&self, s: NewSession) -> Result<(), DbError> {
        self.execute(
            "INSERT INTO sessions (token_hash, moderator_id, csrf_token, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $4)",
            &[&s.token_hash, &s.moderator.0, &s.csrf_token, &s.at],
        )
        .await?;
        Ok(())
    }

    pub async fn find_session(&self, token_hash: String) -> Result<Option<SessionRecord>, DbError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT s.moderator_id, m.name, m.is_admin, m.is_disabled, s.csrf_token,
                        s.created_at, s.last_seen_at, s.undo
                 FROM sessions s JOIN moderators m ON m.id = s.moderator_id
                 WHERE s.token_hash = $1",
            )
            .await?;
        Ok(client
            .query_opt(&statement, &[&token_hash])
            .await?
            .map(|row| SessionRecord {
                token_hash: token_hash.clone(),
                moderator: ModeratorId(row.get(0)),
                name: row.get(1),
                is_admin: row.get(2),
                is_disabled: row.get(3),
                csrf_token: row.get(4),
                created_at: row.get(5),
                last_seen_at: row.get(6),
                undo: row.get(7),
            }))
    }

    pub async fn touch_session(&self, token_hash: String, at: i64) -> Result<(), DbError> {
        self.execute(
            "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1",
            &[&token_hash, &at],
        )
        .await?;
        Ok(())
    }

    pub async fn end_session(&self, token_hash: String) -> Result<(), DbError> {
        self.execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])
            .await?;
        Ok(())
    }

    pub async fn set_undo(&self, token_hash: String, undo: Option<String>) -> Result<(), DbError> {
        self.execute(
            "UPDATE sessions SET undo = $2 WHERE token_hash = $1",
            &[&token_hash, &undo],
        )
        .await?;
        Ok(())
    }

    /// Forgets a successful attempt: every attempt under `clear`, and the latest under `one`.
    pub async fn forgive_attempt(&self, clear: String, one: String) -> Result<(), DbError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("DELETE FROM login_failures WHERE key = $1", &[&clear])
            .await?;
        tx.execute(
            "DELETE FROM login_failures WHERE id =
                 (SELECT id FROM login_failures WHERE key = $1 ORDER BY at DESC, id DESC LIMIT 1)",
            &[&one],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn insert_token(&self, token: NewApiToken) -> Result<i64, DbError> {
        let client = self.client().await?;
        Ok(client
            .query_one(
                "INSERT INTO api_tokens (moderator_id, name, token_hash, created_at)
                 VALUES ($1, $2, $3, $4) RETURNING id",
                &[
                    &token.moderator.0,
                    &token.name,
                    &token.token_hash,
                    &token.created_at,
                ],
            )
            .await?
            .get(0))
    }

    pub async fn delete_token(&self, id: i64, owner: Option<ModeratorId>) -> Result<bool, DbError> {
        Ok(self
            .execute(
                "DELETE FROM api_tokens WHERE id = $1 AND ($2::BIGINT IS NULL OR moderator_id = $2)",
                &[&id, &owner.map(|o| o.0)],
            )
            .await?
            == 1)
    }

    pub async fn touch_token(&self, id: i64, at: i64) -> Result<(), DbError> {
        self.execute(
            "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1",
            &[&id, &at],
        )
        .await?;
        Ok(())
    }

    pub async fn find_token(&self, token_hash: String) -> Result<Option<ApiTokenOwner>, DbError> {
        let client = self.client().await?;
        Ok(client
            .query_opt(
                "SELECT t.id, t.moderator_id, m.name, m.is_admin, m.is_disabled, t.last_used_at
                 FROM api_tokens t JOIN moderators m ON m.id = t.moderator_id
                 WHERE t.token_hash = $1",
                &[&token_hash],
            )
            .await?
            .map(|row| ApiTokenOwner {
                token_id: row.get(0),
                moderator: ModeratorId(row.get(1)),
                name: row.get(2),
                is_admin: row.get(3),
                is_disabled: row.get(4),
                last_used_at: row.get(5),
            }))
    }

    pub async fn list_tokens(
        &self,
        owner: Option<ModeratorId>,
    ) -> Result<Vec<ApiTokenRow>, DbError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT t.id, m.name, t.name, t.created_at, t.last_used_at
                 FROM api_tokens t JOIN moderators m ON m.id = t.moderator_id
                 WHERE $1::BIGINT IS NULL OR t.moderator_id = $1
                 ORDER BY t.id DESC",
                &[&owner.map(|o| o.0)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| ApiTokenRow {
                id: row.get(0),
                moderator: row.get(1),
                name: row.get(2),
                created_at: Timestamp(row.get(3)),
                last_used_at: row.get::<_, Option<i64>>(4).map(Timestamp),
            })
            .collect())
    }

    pub async fn notify_settings(
        &self,
        id: ModeratorId,
    ) -> Result<Option<(Option<String>, NotifyChoice)>, DbError> {
        let client = self.client().await?;
        Ok(client
            .query_opt(
                "SELECT email, notify FROM moderators WHERE id = $1",
                &[&id.0],
            )
            .await?
            .map(|row| {
                (
                    row.get(0),
                    NotifyChoice::parse(row.get(1)).unwrap_or_default(),
                )
            }))
    }

    pub async fn set_notify(
        &self,
        id: ModeratorId,
        email: Option<String>,
        choice: NotifyChoice,
    ) -> Result<(), DbError> {
        self.execute(
            "UPDATE moderators SET email = $2, notify = $3 WHERE id = $1",
            &[&id.0, &email, &choice.as_str()],
        )
        .await?;
        Ok(())
    }

    pub async fn recipients(&self, choice: NotifyChoice) -> Result<Vec<Recipient>, DbError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, name, email, digest_sent_at FROM moderators
                 WHERE notify = $1 AND email IS NOT NULL AND email <> '' AND NOT is_disabled
                 ORDER BY id",
                &[&choice.as_str()],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| Recipient {
                id: ModeratorId(row.get(0)),
                name: row.get(1),
                email: row.get(2),
                digest_sent_at: row.get(3),
            })
            .collect())
    }

    pub async fn set_digest_sent(&self, id: ModeratorId, at: i64) -> Result<(), DbError> {
        self.execute(
            "UPDATE moderators SET digest_sent_at = $2 WHERE id = $1",
            &[&id.0, &at],
        )
        .await?;
        Ok(())
    }

    /// One statement in its own transaction; how many rows it touched.
    pub(super) async fn execute(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<u64, DbError> {
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await?;
        Ok(client.execute(&statement, params).await?)
    }
}

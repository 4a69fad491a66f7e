//! Comments: filing a submission, decisions, the public listing, imports, re-scoring.

use deadpool_postgres::GenericClient;

use super::{DbError, Postgres, limit_i64, mod_comment, mod_comments, status};
use crate::domain::{
    CommentId, CommentStatus, LogEntry, ModComment, PublicComment, PublicThread, ScoringRow,
    StoredVerdict, Submitted, Timestamp,
};
use crate::store::sql::MOD_COLUMNS;

impl Postgres {
    pub async fn find_by_idempotency_key(&self, key: String) -> Result<Option<Submitted>, DbError> {
        let client = self.client().await?;
        find_by_idempotency_key(&client, &key).await
    }

    pub async fn list_public(&self, url: String) -> Result<PublicThread, DbError> {
        let mut client = self.client().await?;
        // One snapshot: the version names exactly this set of comments.
        let tx = super::snapshot(&mut client).await?;
        let version = thread_version(&tx, &url).await?.unwrap_or(0);
        // Selects no email, IP or user agent: what is not read cannot leak.
        let statement = tx
            .prepare_cached(
                "SELECT c.id, c.parent_id, c.author, c.website, c.body, c.created_at
                 FROM comments c JOIN threads t ON t.id = c.thread_id
                 WHERE t.url = $1 AND c.status = 'approved'
                 ORDER BY c.id",
            )
            .await?;
        let rows = tx.query(&statement, &[&url]).await?;
        tx.commit().await?;
        Ok(PublicThread {
            version,
            comments: rows
                .iter()
                .map(|row| PublicComment {
                    id: CommentId(row.get(0)),
                    parent: row.get::<_, Option<i64>>(1).map(CommentId),
                    author: row.get(2),
                    website: row.get(3),
                    body: row.get(4),
                    created_at: Timestamp(row.get(5)),
                })
                .collect(),
        })
    }

    pub async fn thread_version(&self, url: String) -> Result<Option<i64>, DbError> {
        let client = self.client().await?;
        thread_version(&client, &url).await
    }

    pub async fn list_by_status(
        &self,
        status: CommentStatus,
        order: crate::domain::Order,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<ModComment>, u64), DbError> {
        let direction = match order {
            crate::domain::Order::Newest => "DESC",
            crate::domain::Order::Oldest => "ASC",
        };
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {MOD_COLUMNS} FROM comments c JOIN threads t ON t.id = c.thread_id
                     WHERE c.status = $1 ORDER BY c.id {direction} LIMIT $2 OFFSET $3"
                ),
                &[
                    &status.as_str(),
                    &limit_i64(limit),
                    &super::offset_i64(offset),
                ],
            )
            .await?;
        let total = client
            .query_one(
                "SELECT COUNT(*) FROM comments WHERE status = $1",
                &[&status.as_str()],
            )
            .await?;
        Ok((mod_comments(&rows)?, super::count(&total, 0)))
    }

    pub async fn find_for_moderation(
        &self,
        id: CommentId,
    ) -> Result<Option<(ModComment, Vec<LogEntry>)>, DbError> {
        let client = self.client().await?;
        let Some(comment) = find_for_moderation(&client, id).await? else {
            return Ok(None);
        };
        Ok(Some((comment, list_log(&client, id).await?)))
    }

    pub async fn comment_context(
        &self,
        id: CommentId,
    ) -> Result<Option<crate::domain::CommentContext>, DbError> {
        let client = self.client().await?;
        let Some(comment) = find_for_moderation(&client, id).await? else {
            return Ok(None);
        };
        let parent = match comment.parent {
            Some(p) => find_for_moderation(&client, p).await?,
            None => None,
        };
        let thread = client
            .query(
                &format!(
                    "SELECT {MOD_COLUMNS} FROM comments c JOIN threads t ON t.id = c.thread_id
                     WHERE c.thread_id = (SELECT thread_id FROM comments WHERE id = $1)
                     ORDER BY c.id LIMIT 500"
                ),
                &[&id.0],
            )
            .await?;
        let by_author = client
            .query(
                &format!(
                    "SELECT {MOD_COLUMNS} FROM comments c JOIN threads t ON t.id = c.thread_id
                     WHERE c.email = (SELECT email FROM comments WHERE id = $1)
                       AND c.email <> '' AND c.id <> $1
                     ORDER BY c.id DESC LIMIT 50"
                ),
                &[&id.0],
            )
            .await?;
        Ok(Some(crate::domain::CommentContext {
            comment,
            parent,
            thread: mod_comments(&thread)?,
            by_author: mod_comments(&by_author)?,
            log: list_log(&client, id).await?,
        }))
    }

    pub async fn list_pending_for_scoring(
        &self,
        after: CommentId,
        limit: u32,
    ) -> Result<Vec<ScoringRow>, DbError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT c.id, c.body, c.author, c.website, c.email, s.origin FROM comments c
                 JOIN threads t ON t.id = c.thread_id JOIN sites s ON s.id = t.site_id
                 WHERE c.status = 'pending' AND c.id > $1 ORDER BY c.id LIMIT $2",
                &[&after.0, &limit_i64(limit)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| ScoringRow {
                id: CommentId(row.get(0)),
                site: row.get(5),
                body: row.get(1),
                author: row.get(2),
                website: row.get(3),
                email: row.get(4),
            })
            .collect())
    }

    pub async fn set_verdicts(
        &self,
        verdicts: Vec<(CommentId, StoredVerdict)>,
    ) -> Result<(), DbError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let statement = tx
            .prepare_cached(
                "UPDATE comments SET spam_score = $2, spam_log_odds = $3, spam_reasons = $4,
                                     model_version = $5
                 WHERE id = $1",
            )
            .await?;
        for (id, v) in &verdicts {
            tx.execute(
                &statement,
                &[
                    &id.0,
                    &v.probability,
                    &v.log_odds,
                    &v.reasons_json,
                    &v.model_version,
                ],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn campaign_members(&self, campaign: CommentId) -> Result<Vec<CommentId>, DbError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id FROM comments WHERE campaign_id = $1 AND status IN ('pending', 'spam')
                 ORDER BY id",
                &[&campaign.0],
            )
            .await?;
        Ok(rows.iter().map(|r| CommentId(r.get(0))).collect())
    }

    pub async fn pending_since(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<(Vec<ModComment>, u64), DbError> {
        let client = self.client().await?;
        let total = client
            .query_one(
                "SELECT COUNT(*) FROM comments WHERE status = 'pending' AND created_at > $1",
                &[&after],
            )
            .await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {MOD_COLUMNS} FROM comments c JOIN threads t ON t.id = c.thread_id
                     WHERE c.status = 'pending' AND c.created_at > $1
                     ORDER BY c.created_at, c.id LIMIT $2"
                ),
                &[&after, &limit_i64(limit)],
            )
            .await?;
        Ok((mod_comments(&rows)?, super::count(&total, 0)))
    }
}

/// The comment stored under a (scoped) idempotency key: a read here, and a writer lane's
/// look-up in a unit of work.
pub(super) const BY_IDEMPOTENCY_KEY: &str =
    "SELECT id, status, created_at FROM comments WHERE idempotency_key = $1";

async fn find_by_idempotency_key(
    client: &impl GenericClient,
    key: &str,
) -> Result<Option<Submitted>, DbError> {
    let statement = client.prepare_cached(BY_IDEMPOTENCY_KEY).await?;
    client
        .query_opt(&statement, &[&key])
        .await?
        .map(|row| super::submitted(&row))
        .transpose()
}

async fn thread_version(client: &impl GenericClient, url: &str) -> Result<Option<i64>, DbError> {
    let statement = client
        .prepare_cached("SELECT public_version FROM threads WHERE url = $1")
        .await?;
    Ok(client
        .query_opt(&statement, &[&url])
        .await?
        .map(|row| row.get(0)))
}

async fn find_for_moderation(
    client: &impl GenericClient,
    id: CommentId,
) -> Result<Option<ModComment>, DbError> {
    client
        .query_opt(
            &format!(
                "SELECT {MOD_COLUMNS} FROM comments c JOIN threads t ON t.id = c.thread_id
                 WHERE c.id = $1"
            ),
            &[&id.0],
        )
        .await?
        .map(|row| mod_comment(&row))
        .transpose()
}

async fn list_log(client: &impl GenericClient, id: CommentId) -> Result<Vec<LogEntry>, DbError> {
    let rows = client
        .query(
            "SELECT l.id, m.name, l.action, l.from_status, l.to_status, l.created_at, l.reason
             FROM mod_log l LEFT JOIN moderators m ON m.id = l.moderator_id
             WHERE l.comment_id = $1 ORDER BY l.id",
            &[&id.0],
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(LogEntry {
                id: row.get(0),
                moderator: row.get(1),
                action: row.get(2),
                from: status(row, 3)?,
                to: status(row, 4)?,
                at: Timestamp(row.get(5)),
                reason: row.get(6),
            })
        })
        .collect()
}

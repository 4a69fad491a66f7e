//! Commenters as moderators see them: a person's record on a site (by email, any case), the
//! moderators' trust in them (by the keyed hash of that email), and their comments.

use super::{DbError, Postgres, limit_i64, mod_comments, offset_i64};
use crate::domain::{CommentId, CommenterRecord, ModComment, Timestamp};
use crate::store::sql::MOD_COLUMNS;

impl Postgres {
    /// The record of each comment's author (the comment's id and the keyed hash of its
    /// email), over one connection and one prepared statement.
    pub async fn commenters(
        &self,
        authors: Vec<(CommentId, String)>,
    ) -> Result<Vec<Option<CommenterRecord>>, DbError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "WITH me AS (SELECT t.site_id, c.email FROM comments c
                             JOIN threads t ON t.id = c.thread_id WHERE c.id = $1)
                 SELECT MIN(c.id), COUNT(*) FILTER (WHERE c.status = 'approved'),
                        COUNT(*) FILTER (WHERE c.status = 'pending'),
                        COUNT(*) FILTER (WHERE c.status = 'spam'),
                        COUNT(*) FILTER (WHERE c.status = 'rejected'), MIN(c.created_at),
                        EXISTS (SELECT 1 FROM trusted_commenters tc
                                WHERE tc.site_id = me.site_id AND tc.email_key = $2),
                        EXISTS (SELECT 1 FROM guard_rules
                                WHERE list = 'hold' AND kind = 'email' AND pattern = $2),
                        EXISTS (SELECT 1 FROM guard_rules
                                WHERE list = 'block' AND kind = 'email' AND pattern = $2)
                 FROM me, comments c JOIN threads t ON t.id = c.thread_id
                 WHERE lower(c.email) = lower(me.email) AND t.site_id = me.site_id
                 GROUP BY me.site_id",
            )
            .await?;
        let mut records = Vec::with_capacity(authors.len());
        for (id, email_key) in &authors {
            let row = client.query_opt(&statement, &[&id.0, email_key]).await?;
            records.push(row.map(|row| {
                let n = |i| u64::try_from(row.get::<_, i64>(i)).unwrap_or(0);
                CommenterRecord {
                    id: CommentId(row.get(0)),
                    approved: n(1),
                    pending: n(2),
                    spam: n(3),
                    rejected: n(4),
                    first_seen: Timestamp(row.get(5)),
                    trusted: row.get(6),
                    held: row.get(7),
                    banned: row.get(8),
                }
            }));
        }
        Ok(records)
    }

    pub async fn commenter_comments(
        &self,
        id: CommentId,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<ModComment>, u64), DbError> {
        let theirs = "FROM comments c JOIN threads t ON t.id = c.thread_id,
                 (SELECT t2.site_id, c2.email FROM comments c2
                  JOIN threads t2 ON t2.id = c2.thread_id WHERE c2.id = $1) me
             WHERE lower(c.email) = lower(me.email) AND t.site_id = me.site_id";
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("SELECT {MOD_COLUMNS} {theirs} ORDER BY c.id DESC LIMIT $2 OFFSET $3"),
                &[&id.0, &limit_i64(limit), &offset_i64(offset)],
            )
            .await?;
        let total: i64 = client
            .query_one(&format!("SELECT COUNT(*) {theirs}"), &[&id.0])
            .await?
            .get(0);
        Ok((mod_comments(&rows)?, u64::try_from(total).unwrap_or(0)))
    }
}

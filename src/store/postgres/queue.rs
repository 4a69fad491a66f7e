//! The moderation queue with its search and orderings, the counts, and training labels.

use std::collections::HashMap;

use tokio_postgres::types::ToSql;

use super::{DbError, Postgres, count, limit_i64, mod_comments, offset_i64, status};
use crate::domain::comment::email_domain;
use crate::domain::{
    Agreement, CommentId, CommentStatus, Label, LabelledComment, ModComment, QueueFilter,
    QueueOrder, Timestamp,
};
use crate::store::sql::{MOD_COLUMNS, like_pattern, where_with};

fn label(text: &str) -> Result<Label, DbError> {
    match text {
        "spam" => Ok(Label::Spam),
        "ham" => Ok(Label::Ham),
        other => Err(super::corrupt(format!("unknown label {other:?}"))),
    }
}

impl Postgres {
    pub async fn list_queue(
        &self,
        filter: QueueFilter,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<ModComment>, u64, HashMap<CommentStatus, u64>), DbError> {
        let mut clauses: Vec<String> = Vec::new();
        let mut values: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
        let next = |values: &mut Vec<Box<dyn ToSql + Sync + Send>>,
                    v: Box<dyn ToSql + Sync + Send>| {
            values.push(v);
            format!("${}", values.len())
        };
        if let Some(status) = filter.status {
            let p = next(&mut values, Box::new(status.as_str().to_owned()));
            clauses.push(format!("c.status = {p}"));
        }
        if let Some(text) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
            let p = next(&mut values, Box::new(like_pattern(text.trim())));
            clauses.push(format!(
                "(c.body LIKE {p} ESCAPE '\\' OR c.author LIKE {p} ESCAPE '\\' \
                 OR c.email LIKE {p} ESCAPE '\\' OR c.website LIKE {p} ESCAPE '\\')"
            ));
        }
        let by_article = filter
            .article
            .as_deref()
            .is_some_and(|a| !a.trim().is_empty());
        if let Some(article) = filter.article.as_deref().filter(|t| !t.trim().is_empty()) {
            let p = next(&mut values, Box::new(like_pattern(article.trim())));
            clauses.push(format!("t.url LIKE {p} ESCAPE '\\'"));
        }
        if let Some(from) = filter.from {
            let p = next(&mut values, Box::new(from));
            clauses.push(format!("c.created_at >= {p}"));
        }
        if let Some(to) = filter.to {
            let p = next(&mut values, Box::new(to));
            clauses.push(format!("c.created_at < {p}"));
        }
        let where_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let order_sql = match filter.order.unwrap_or(QueueOrder::HamFirst) {
            QueueOrder::HamFirst => "c.spam_log_odds ASC NULLS LAST, c.id ASC".to_owned(),
            // Scored comments by score, then unscored ones oldest first, as SQLite orders.
            QueueOrder::SpamFirst => "c.spam_log_odds IS NULL, c.spam_log_odds DESC, \
                 CASE WHEN c.spam_log_odds IS NULL THEN c.id END ASC, c.id DESC"
                .to_owned(),
            // A number formatted into SQL, not text: cannot inject.
            QueueOrder::Uncertain => format!(
                "c.spam_log_odds IS NULL, abs(c.spam_log_odds - ({:.12})) ASC, c.id ASC",
                filter.threshold_log_odds
            ),
            QueueOrder::Newest => "c.id DESC".to_owned(),
            QueueOrder::Oldest => "c.id ASC".to_owned(),
        };
        let from_sql = "FROM comments c JOIN threads t ON t.id = c.thread_id";
        let count_from = if by_article {
            from_sql
        } else {
            "FROM comments c"
        };
        let n = values.len();
        let params: Vec<&(dyn ToSql + Sync)> = values
            .iter()
            .map(|v| v.as_ref() as &(dyn ToSql + Sync))
            .collect();
        let (limit, offset) = (limit_i64(limit), offset_i64(offset));
        let mut page_params = params.clone();
        page_params.push(&limit);
        page_params.push(&offset);

        let mut client = self.client().await?;
        // One snapshot: the page, its total and the tabs' counts agree.
        let tx = super::snapshot(&mut client).await?;
        let total = tx
            .query_one(
                &format!(
                    "SELECT COUNT(*) {count_from} {}",
                    where_with(&where_sql, "")
                ),
                &params,
            )
            .await?;
        let rows = tx
            .query(
                &format!(
                    "SELECT {MOD_COLUMNS} {from_sql} {where_sql} ORDER BY {order_sql} \
                     LIMIT ${} OFFSET ${}",
                    n + 1,
                    n + 2
                ),
                &page_params,
            )
            .await?;
        let counts = count_by_status(&tx).await?;
        tx.commit().await?;
        Ok((mod_comments(&rows)?, count(&total, 0), counts))
    }

    pub async fn waiting_by_article(&self, limit: u32) -> Result<Vec<(String, u64)>, DbError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT t.url, COUNT(*) AS n FROM comments c JOIN threads t ON t.id = c.thread_id
                 WHERE c.status = 'pending' GROUP BY t.id ORDER BY n DESC, t.id LIMIT $1",
                &[&i64::from(limit)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), u64::try_from(r.get::<_, i64>(1)).unwrap_or(0)))
            .collect())
    }

    pub async fn recent_decisions(
        &self,
        since: i64,
        limit: u32,
    ) -> Result<Vec<crate::domain::RecentDecision>, DbError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT l.comment_id, m.name, l.action, l.created_at FROM mod_log l
                 JOIN moderators m ON m.id = l.moderator_id
                 WHERE l.created_at >= $1 ORDER BY l.id DESC LIMIT $2",
                &[&since, &i64::from(limit)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| crate::domain::RecentDecision {
                comment: CommentId(r.get(0)),
                moderator: r.get(1),
                action: r.get(2),
                at: crate::domain::Timestamp(r.get(3)),
            })
            .collect())
    }

    pub async fn oldest_pending(&self) -> Result<Option<i64>, DbError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT created_at FROM comments WHERE status = 'pending' ORDER BY id LIMIT 1",
                &[],
            )
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    pub async fn count_by_status(&self) -> Result<HashMap<CommentStatus, u64>, DbError> {
        let client = self.client().await?;
        count_by_status(&client).await
    }

    /// Every current label, oldest first (ties by comment id).
    pub async fn list_labels(&self) -> Result<Vec<LabelledComment>, DbError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT l.comment_id, l.label, l.source, c.body, c.author, c.website, c.email,
                        l.model_version, l.spam_score, l.labelled_at, s.origin
                 FROM labels l JOIN comments c ON c.id = l.comment_id
                 JOIN threads t ON t.id = c.thread_id JOIN sites s ON s.id = t.site_id
                 ORDER BY l.labelled_at, l.comment_id",
                &[],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(LabelledComment {
                    comment_id: CommentId(row.get(0)),
                    site: row.get(10),
                    label: label(row.get(1))?,
                    source: row.get(2),
                    body: row.get(3),
                    author: row.get(4),
                    website: row.get(5),
                    email_domain: email_domain(row.get(6)),
                    model_version: row.get(7),
                    spam_score: row.get(8),
                    labelled_at: Timestamp(row.get(9)),
                })
            })
            .collect()
    }

    pub async fn count_labels_since(&self, at: i64) -> Result<u64, DbError> {
        let client = self.client().await?;
        let row = client
            .query_one("SELECT COUNT(*) FROM labels WHERE labelled_at > $1", &[&at])
            .await?;
        Ok(count(&row, 0))
    }

    pub async fn agreement(&self, threshold: f64) -> Result<Agreement, DbError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT label, spam_score FROM labels WHERE spam_score IS NOT NULL",
                &[],
            )
            .await?;
        let mut a = Agreement::default();
        for row in &rows {
            match (label(row.get(0))?, row.get::<_, f64>(1) >= threshold) {
                (Label::Spam, true) => a.spam_caught += 1,
                (Label::Spam, false) => a.spam_missed += 1,
                (Label::Ham, true) => a.ham_flagged += 1,
                (Label::Ham, false) => a.ham_passed += 1,
            }
        }
        Ok(a)
    }
}

async fn count_by_status(
    client: &impl deadpool_postgres::GenericClient,
) -> Result<HashMap<CommentStatus, u64>, DbError> {
    let rows = client
        .query("SELECT status, COUNT(*) FROM comments GROUP BY status", &[])
        .await?;
    rows.iter()
        .map(|row| Ok((status(row, 0)?, count(row, 1))))
        .collect()
}

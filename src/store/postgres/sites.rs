//! Sites and their Akismet keys, the block and hold lists, and personal data (retention,
//! export and erasure).

use super::{DbError, Postgres, limit_i64};
use crate::domain::{
    AkismetUsage, ArticlePolicy, CommentId, DecisionRecord, KeyedSite, ModeratorId, NewRule, Rule,
    RuleKind, RuleList, Site, SiteId, now_millis,
};

impl Postgres {
    pub async fn upsert_site(&self, origin: String, name: String) -> Result<SiteId, DbError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "INSERT INTO sites (origin, name, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (origin) DO UPDATE SET name = excluded.name
                 RETURNING id",
                &[&origin, &name, &now_millis()],
            )
            .await?;
        Ok(SiteId(row.get(0)))
    }

    pub async fn list_sites(&self) -> Result<Vec<Site>, DbError> {
        let client = self.client().await?;
        let rows = client
            .query("SELECT id, origin, name FROM sites ORDER BY id", &[])
            .await?;
        Ok(rows
            .iter()
            .map(|row| Site {
                id: row.get(0),
                origin: row.get(1),
                name: row.get(2),
            })
            .collect())
    }

    pub async fn site_by_origin(&self, origin: String) -> Result<Option<SiteId>, DbError> {
        let client = self.client().await?;
        Ok(client
            .query_opt("SELECT id FROM sites WHERE origin = $1", &[&origin])
            .await?
            .map(|row| SiteId(row.get(0))))
    }

    pub async fn key_state(&self, origin: String) -> Result<Option<(SiteId, i64)>, DbError> {
        let client = self.client().await?;
        Ok(client
            .query_opt(
                "SELECT id, key_generation FROM sites WHERE origin = $1",
                &[&origin],
            )
            .await?
            .map(|row| (SiteId(row.get(0)), row.get(1))))
    }

    pub async fn set_site_key(
        &self,
        site: SiteId,
        generation: i64,
        hash: String,
    ) -> Result<(), DbError> {
        self.execute(
            "UPDATE sites SET key_generation = $2, api_key_hash = $3 WHERE id = $1",
            &[&site.0, &generation, &hash],
        )
        .await?;
        Ok(())
    }

    pub async fn find_site_by_key(&self, hash: String) -> Result<Option<KeyedSite>, DbError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached("SELECT id, origin, store_checked FROM sites WHERE api_key_hash = $1")
            .await?;
        Ok(client
            .query_opt(&statement, &[&hash])
            .await?
            .map(|row| KeyedSite {
                id: SiteId(row.get(0)),
                origin: row.get(1),
                store_checked: row.get(2),
            }))
    }

    pub async fn reports_of(
        &self,
        id: CommentId,
    ) -> Result<Vec<crate::domain::ReportRecord>, DbError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT reason, explanation, email, created_at FROM reports
                 WHERE comment_id = $1 ORDER BY id",
                &[&id.0],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| crate::domain::ReportRecord {
                reason: row.get(0),
                explanation: row.get(1),
                email: row.get(2),
                at: crate::domain::Timestamp(row.get(3)),
            })
            .collect())
    }

    pub async fn site_settings(&self) -> Result<Vec<crate::domain::SiteSettings>, DbError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT origin, name, moderation, trust_after, close_after_days,
                        auto_hide_reports, removal_reasons, store_checked, promoted
                 FROM sites ORDER BY origin",
                &[],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let n = |v: Option<i32>| v.map(|v| u32::try_from(v).unwrap_or(u32::MAX));
                Ok(crate::domain::SiteSettings {
                    origin: row.get(0),
                    name: row.get(1),
                    mode: crate::domain::ModerationMode::parse(row.get(2))
                        .map_err(super::corrupt)?,
                    trust_after: n(row.get(3)).unwrap_or(1),
                    close_after_days: n(row.get(4)),
                    auto_hide_reports: n(row.get(5)),
                    removal_reasons: crate::domain::RemovalReasons::from_stored(row.get(6)),
                    store_checked: row.get(7),
                    promoted: row.get(8),
                })
            })
            .collect()
    }

    pub async fn reported(
        &self,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<(CommentId, u32)>, u64), DbError> {
        let open = crate::store::sql::OPEN_REPORTS;
        let client = self.client().await?;
        let total: i64 = client
            .query_one(&format!("SELECT COUNT(*) FROM ({open}) o"), &[])
            .await?
            .get(0);
        let (limit, offset) = (i64::from(limit), i64::try_from(offset).unwrap_or(i64::MAX));
        let rows = client
            .query(
                &format!(
                    "{open} ORDER BY n DESC, latest DESC, r.comment_id DESC LIMIT $1 OFFSET $2"
                ),
                &[&limit, &offset],
            )
            .await?;
        Ok((
            rows.iter()
                .map(|row| {
                    (
                        CommentId(row.get(0)),
                        u32::try_from(row.get::<_, i64>(1)).unwrap_or(u32::MAX),
                    )
                })
                .collect(),
            u64::try_from(total).unwrap_or(0),
        ))
    }

    pub async fn decisions(&self, since: i64, until: i64) -> Result<Vec<DecisionRecord>, DbError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT l.comment_id, t.url, l.action, l.reason, m.name, l.created_at
                 FROM mod_log l
                 JOIN comments c ON c.id = l.comment_id
                 JOIN threads t ON t.id = c.thread_id
                 LEFT JOIN moderators m ON m.id = l.moderator_id
                 WHERE l.created_at >= $1 AND l.created_at < $2 AND l.action <> 'erase'
                 ORDER BY l.id",
                &[&since, &until],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| DecisionRecord {
                comment_id: row.get(0),
                article: row.get(1),
                action: row.get(2),
                reason: row.get(3),
                moderator: row.get(4),
                at: crate::domain::Timestamp(row.get(5)),
            })
            .collect())
    }

    pub async fn article_policy(
        &self,
        origin: String,
        url: String,
    ) -> Result<Option<ArticlePolicy>, DbError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT s.moderation, s.trust_after, s.close_after_days, t.moderation, t.closed,
                        (SELECT MIN(c.created_at) FROM comments c WHERE c.thread_id = t.id)
                 FROM sites s LEFT JOIN threads t ON t.url = $2 AND t.site_id = s.id
                 WHERE s.origin = $1",
            )
            .await?;
        let Some(row) = client.query_opt(&statement, &[&origin, &url]).await? else {
            return Ok(None);
        };
        super::article_policy(&row).map(Some)
    }

    pub async fn akismet_usage(
        &self,
        site: SiteId,
        month: String,
    ) -> Result<AkismetUsage, DbError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT api_calls, spam, ham, missed_spam, false_positives FROM akismet_usage
                 WHERE site_id = $1 AND month = $2",
            )
            .await?;
        let Some(row) = client.query_opt(&statement, &[&site.0, &month]).await? else {
            return Ok(AkismetUsage::default());
        };
        let n = |i: usize| u64::try_from(row.get::<_, i64>(i)).unwrap_or(0);
        Ok(AkismetUsage {
            api_calls: n(0),
            spam: n(1),
            ham: n(2),
            missed_spam: n(3),
            false_positives: n(4),
        })
    }

    pub async fn set_store_checked(&self, origin: String, on: bool) -> Result<bool, DbError> {
        Ok(self
            .execute(
                "UPDATE sites SET store_checked = $2 WHERE origin = $1",
                &[&origin, &on],
            )
            .await?
            == 1)
    }

    pub async fn add_rule(&self, rule: NewRule, by: ModeratorId, at: i64) -> Result<bool, DbError> {
        Ok(self
            .execute(
                "INSERT INTO guard_rules (list, kind, pattern, shown, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (list, kind, pattern) DO NOTHING",
                &[
                    &rule.list.as_str(),
                    &rule.kind.as_str(),
                    &rule.pattern,
                    &rule.shown,
                    &by.0,
                    &at,
                ],
            )
            .await?
            == 1)
    }

    pub async fn delete_rule(&self, id: i64) -> Result<bool, DbError> {
        Ok(self
            .execute("DELETE FROM guard_rules WHERE id = $1", &[&id])
            .await?
            == 1)
    }

    pub async fn rules(&self) -> Result<Vec<Rule>, DbError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, list, kind, pattern, shown FROM guard_rules ORDER BY list, kind, shown",
                &[],
            )
            .await?;
        // A rule this binary does not know (written by a newer one) is skipped, not fatal.
        Ok(rows
            .iter()
            .filter_map(|row| {
                Some(Rule {
                    id: row.get(0),
                    list: RuleList::parse(row.get(1)).ok()?,
                    kind: RuleKind::parse(row.get(2)).ok()?,
                    pattern: row.get(3),
                    shown: row.get(4),
                })
            })
            .collect())
    }

    pub async fn purge_before(&self, cutoff: i64) -> Result<u64, DbError> {
        self.execute(
            "UPDATE comments
             SET client_ip = NULL, client_ip_hash = NULL, user_agent = NULL, referrer = NULL
             WHERE created_at < $1
               AND (client_ip IS NOT NULL OR client_ip_hash IS NOT NULL
                    OR user_agent IS NOT NULL OR referrer IS NOT NULL)",
            &[&cutoff],
        )
        .await
    }

    pub async fn whole_addresses(&self, limit: u32) -> Result<Vec<(CommentId, String)>, DbError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, client_ip FROM comments
                 WHERE client_ip IS NOT NULL AND client_ip_hash IS NULL LIMIT $1",
                &[&limit_i64(limit)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| (CommentId(row.get(0)), row.get(1)))
            .collect())
    }

    pub async fn set_addresses(
        &self,
        rows: Vec<(CommentId, Option<(String, String)>)>,
    ) -> Result<(), DbError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let statement = tx
            .prepare_cached("UPDATE comments SET client_ip = $2, client_ip_hash = $3 WHERE id = $1")
            .await?;
        for (id, address) in &rows {
            let (network, hash) = match address {
                Some((n, h)) => (Some(n.as_str()), Some(h.as_str())),
                None => (None, None),
            };
            tx.execute(&statement, &[&id.0, &network, &hash]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn comments_of(&self, email: String) -> Result<Vec<CommentId>, DbError> {
        let client = self.client().await?;
        comments_of(&client, &email).await
    }

    pub async fn reply_subscriptions_of(
        &self,
        email_key: String,
    ) -> Result<Vec<crate::domain::ReplySubscriptionRecord>, DbError> {
        let client = self.client().await?;
        let rows = client
            .query(crate::store::sql::SUBSCRIPTIONS_OF, &[&email_key])
            .await?;
        Ok(rows
            .iter()
            .map(|row| crate::domain::ReplySubscriptionRecord {
                site: row.get(0),
                created_at: crate::domain::Timestamp(row.get(1)),
                confirmed_at: row.get::<_, Option<i64>>(2).map(crate::domain::Timestamp),
                watched_comments: u64::try_from(row.get::<_, i64>(3)).unwrap_or(0),
            })
            .collect())
    }
}

async fn comments_of(
    client: &impl deadpool_postgres::GenericClient,
    email: &str,
) -> Result<Vec<CommentId>, DbError> {
    let rows = client
        .query(
            "SELECT id FROM comments WHERE lower(email) = lower($1) AND email <> '' ORDER BY id",
            &[&email],
        )
        .await?;
    Ok(rows.iter().map(|row| CommentId(row.get(0))).collect())
}

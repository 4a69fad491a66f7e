//! Comments: filing a submission, decisions, the public listing, imports, re-scoring.

use deadpool_postgres::GenericClient;
use tokio_postgres::types::ToSql;

use super::{DbError, Postgres, limit_i64, mod_comment, mod_comments, status, status_opt};
use crate::domain::{
    Acted, CommentId, CommentStatus, Decision, DecisionRefusal, Feedback, Filing, ImportChunk,
    ImportedChunk, Label, LabelSource, LogEntry, ModAction, ModComment, ModeratorId, NewComment,
    PublicComment, PublicThread, ScoringRow, SiteId, StoredVerdict, SubmissionMeta, SubmitRefusal,
    Submitted, ThreadId, Timestamp,
};
use crate::store::sql::MOD_COLUMNS;

impl Postgres {
    pub async fn insert_comment(
        &self,
        comment: NewComment,
        meta: SubmissionMeta,
        filing: Filing,
    ) -> Result<Result<Submitted, SubmitRefusal>, DbError> {
        let mut client = self.client().await?;
        if let Some(id) = submit_in_one_statement(&client, &comment, &meta, &filing).await? {
            return Ok(Ok(Submitted {
                id,
                status: filing.status,
                created_at: meta.created_at,
            }));
        }
        // A new thread, a retry, or a refusal: the step-by-step path says which.
        let tx = client.transaction().await?;
        let result = submit(&tx, &comment, &meta, &filing).await?;
        tx.commit().await?;
        Ok(result)
    }

    pub async fn find_by_idempotency_key(&self, key: String) -> Result<Option<Submitted>, DbError> {
        let client = self.client().await?;
        find_by_idempotency_key(&client, &key).await
    }

    pub async fn feedback(&self, f: Feedback) -> Result<Result<CommentId, SubmitRefusal>, DbError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let existing = match &f.meta.idempotency_key {
            Some(key) => find_by_idempotency_key(&tx, key).await?.map(|s| s.id),
            None => None,
        };
        let id = match existing {
            Some(id) => id,
            None => match submit(&tx, &f.comment, &f.meta, &f.filing).await? {
                Ok(submitted) => submitted.id,
                Err(refusal) => return Ok(Err(refusal)),
            },
        };
        set_label(
            &tx,
            id,
            f.label,
            LabelSource::Akismet,
            None,
            f.meta.created_at,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// The comment's row is locked for the transaction: two instances deciding on one
    /// comment at once apply one decision after the other, each from the status it finds.
    pub async fn apply_decision(
        &self,
        d: Decision,
    ) -> Result<Result<Acted, DecisionRefusal>, DbError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some(row) = tx
            .query_opt(
                "SELECT status, status_before_spam FROM comments WHERE id = $1 FOR UPDATE",
                &[&d.comment.0],
            )
            .await?
        else {
            return Ok(Err(DecisionRefusal::NotFound));
        };
        let from = status(&row, 0)?;
        let transition = match from.apply(d.action, status_opt(&row, 1)?) {
            Ok(t) => t,
            Err(e) => return Ok(Err(DecisionRefusal::InvalidTransition(e))),
        };
        tx.execute(
            "UPDATE comments SET status = $2, status_before_spam = $3 WHERE id = $1",
            &[
                &d.comment.0,
                &transition.to.as_str(),
                &transition.status_before_spam.map(CommentStatus::as_str),
            ],
        )
        .await?;
        if from == CommentStatus::Approved || transition.to == CommentStatus::Approved {
            bump_thread_of(&tx, d.comment).await?;
        }
        match d.label {
            Some(label) => {
                set_label(
                    &tx,
                    d.comment,
                    label,
                    LabelSource::Moderator,
                    Some(d.moderator),
                    d.at,
                )
                .await?;
            }
            None => {
                tx.execute("DELETE FROM labels WHERE comment_id = $1", &[&d.comment.0])
                    .await?;
            }
        }
        append_log(
            &tx,
            d.comment,
            Some(d.moderator),
            d.action,
            (from, transition.to),
            d.at,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(Acted {
            id: d.comment,
            from,
            to: transition.to,
        }))
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
                "SELECT id, body, author, website, email FROM comments
                 WHERE status = 'pending' AND id > $1 ORDER BY id LIMIT $2",
                &[&after.0, &limit_i64(limit)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| ScoringRow {
                id: CommentId(row.get(0)),
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

    /// Importing is an operator's act: the export's site is registered if it is not yet.
    pub async fn import_chunk(&self, chunk: ImportChunk) -> Result<ImportedChunk, DbError> {
        let mut done = ImportedChunk::default();
        if chunk.comments.is_empty() {
            return Ok(done);
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let site: i64 = tx
            .query_one(
                "INSERT INTO sites (origin, name, created_at) VALUES ($1, $1, $2)
                 ON CONFLICT (origin) DO UPDATE SET origin = excluded.origin
                 RETURNING id",
                &[&chunk.origin, &crate::domain::now_millis()],
            )
            .await?
            .get(0);
        let thread = upsert_thread(
            &tx,
            SiteId(site),
            &chunk.thread_url,
            crate::domain::now_millis(),
        )
        .await?;
        // Every key the chunk names, looked up at once; comments stored below join the map,
        // so a reply finds a parent earlier in the same chunk without asking the server.
        let keys: Vec<&str> = chunk
            .comments
            .iter()
            .flat_map(|c| std::iter::once(c.import_key.as_str()).chain(c.parent_key.as_deref()))
            .collect();
        let mut known: std::collections::HashMap<String, CommentId> = tx
            .query(
                "SELECT import_key, id FROM comments WHERE import_key = ANY($1)",
                &[&keys],
            )
            .await?
            .iter()
            .map(|row| (row.get(0), CommentId(row.get(1))))
            .collect();
        let insert = tx
            .prepare_cached(
                "INSERT INTO comments (thread_id, parent_id, author, email, website, body,
                     status, created_at, client_ip, spam_score, spam_log_odds, spam_reasons,
                     model_version, import_key, client_ip_hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                 RETURNING id",
            )
            .await?;
        let mut published = false;
        for c in &chunk.comments {
            if known.contains_key(&c.import_key) {
                done.already_present += 1;
                continue;
            }
            let parent = c.parent_key.as_ref().and_then(|k| known.get(k).copied());
            let v = c.verdict.as_ref();
            let id: i64 = tx
                .query_one(
                    &insert,
                    &[
                        &thread.0,
                        &parent.map(|p| p.0),
                        &c.author,
                        &c.email,
                        &c.website,
                        &c.body,
                        &c.status.as_str(),
                        &c.created_at,
                        &c.client_ip,
                        &v.map(|v| v.probability),
                        &v.map(|v| v.log_odds),
                        &v.map(|v| v.reasons_json.as_str()),
                        &v.map(|v| v.model_version.as_str()),
                        &c.import_key,
                        &c.client_ip_hash,
                    ],
                )
                .await?
                .get(0);
            let id = CommentId(id);
            known.insert(c.import_key.clone(), id);
            if let (Some(key), None) = (&c.parent_key, parent) {
                done.orphans.push((id, key.clone()));
            }
            if let Some(label) = c.label {
                set_label(&tx, id, label, LabelSource::Import, None, c.created_at).await?;
                match label {
                    Label::Ham => done.ham_labels += 1,
                    Label::Spam => done.spam_labels += 1,
                }
            }
            done.imported += 1;
            published |= c.status == CommentStatus::Approved;
        }
        // One raise of the thread's public version covers every comment the chunk published.
        if published {
            tx.execute(
                "UPDATE threads SET public_version = public_version + 1 WHERE id = $1",
                &[&thread.0],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(done)
    }

    /// A link that would close a cycle is left out: that reply stays top-level.
    pub async fn link_orphans(&self, orphans: Vec<(CommentId, String)>) -> Result<(), DbError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        for (id, parent_key) in &orphans {
            let Some(parent) = find_by_import_key(&tx, parent_key).await? else {
                continue;
            };
            let cycle: bool = tx
                .query_one(
                    "WITH RECURSIVE up(id) AS (
                         SELECT $2::BIGINT
                         UNION ALL
                         SELECT c.parent_id FROM comments c JOIN up ON c.id = up.id
                         WHERE c.parent_id IS NOT NULL
                     )
                     SELECT EXISTS (SELECT 1 FROM up WHERE id = $1)",
                    &[&id.0, &parent.0],
                )
                .await?
                .get(0);
            if cycle {
                continue;
            }
            tx.execute(
                "UPDATE comments SET parent_id = $2 WHERE id = $1",
                &[&id.0, &parent.0],
            )
            .await?;
            bump_thread_of(&tx, *id).await?;
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

/// The common case in one round trip and one implicit transaction: the thread exists on a
/// registered site, the parent (if any) is approved in that thread, and the idempotency key
/// is new. Stores the comment with its campaign seed and, when filed as spam, its log
/// entry. `None` when any of that does not hold: nothing was written.
///
/// A commit of its own per statement, instead of BEGIN, a lookup, the insert and COMMIT:
/// the server's CPU, not the disk, bounds submissions on a small machine (BENCHMARKS.md).
async fn submit_in_one_statement(
    client: &impl GenericClient,
    comment: &NewComment,
    meta: &SubmissionMeta,
    filing: &Filing,
) -> Result<Option<CommentId>, DbError> {
    let statement = client
        .prepare_cached(
            "WITH target AS (
                 SELECT t.id FROM threads t JOIN sites s ON s.id = t.site_id
                 WHERE t.url = $1 AND s.origin = $2
                   AND ($3::BIGINT IS NULL OR EXISTS (
                       SELECT 1 FROM comments p
                       WHERE p.id = $3 AND p.thread_id = t.id AND p.status = 'approved'))
             ), stored AS (
                 INSERT INTO comments (thread_id, parent_id, author, email, website, body,
                     status, status_before_spam, created_at, client_ip, user_agent, referrer,
                     spam_score, spam_log_odds, spam_reasons, model_version, idempotency_key,
                     signals, client_ip_hash, campaign_id)
                 SELECT id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                        $18, $19, $20, $21
                 FROM target
                 ON CONFLICT (idempotency_key) DO NOTHING
                 RETURNING id
             ), seeded AS (
                 UPDATE comments SET campaign_id = $21
                 WHERE id = $21 AND campaign_id IS NULL AND EXISTS (SELECT 1 FROM stored)
             ), logged AS (
                 INSERT INTO mod_log (comment_id, moderator_id, action, from_status,
                                      to_status, created_at)
                 SELECT id, NULL, 'spam', 'pending', 'spam', $10 FROM stored
                 WHERE $8 = 'spam'
             )
             SELECT id FROM stored",
        )
        .await?;
    let url: &str = comment.thread.as_ref();
    let origin = comment.thread.origin();
    let columns = Columns::new(comment, meta, filing);
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&url, &origin];
    params.extend(columns.values());
    let row = client.query_opt(&statement, &params).await?;
    Ok(row.map(|row| CommentId(row.get(0))))
}

/// A submission's stored columns, from `parent_id` to `campaign_id` in the order both
/// inserts name them.
struct Columns<'a> {
    parent: Option<i64>,
    author: &'a str,
    email: &'a str,
    website: Option<&'a str>,
    body: &'a str,
    status: &'static str,
    status_before_spam: Option<&'static str>,
    meta: &'a SubmissionMeta,
    probability: Option<f64>,
    log_odds: Option<f64>,
    reasons: Option<&'a str>,
    model_version: Option<&'a str>,
    signals: Option<String>,
    campaign: Option<i64>,
}

impl<'a> Columns<'a> {
    fn new(comment: &'a NewComment, meta: &'a SubmissionMeta, filing: &'a Filing) -> Self {
        let verdict = filing.verdict.as_ref();
        Self {
            parent: comment.parent.map(|p| p.0),
            author: comment.author.as_ref(),
            email: comment.email.as_ref(),
            website: comment.website.as_ref().map(AsRef::<str>::as_ref),
            body: comment.body.as_ref(),
            status: filing.status.as_str(),
            // Filed as spam on arrival: "not spam" returns it to the queue.
            status_before_spam: (filing.status == CommentStatus::Spam)
                .then_some(CommentStatus::Pending.as_str()),
            meta,
            probability: verdict.map(|v| v.probability),
            log_odds: verdict.map(|v| v.log_odds),
            reasons: verdict.map(|v| v.reasons_json.as_str()),
            model_version: verdict.map(|v| v.model_version.as_str()),
            signals: signals_json(&filing.signals),
            campaign: meta.campaign.map(|c| c.0),
        }
    }

    fn values(&self) -> [&(dyn ToSql + Sync); 19] {
        [
            &self.parent,
            &self.author,
            &self.email,
            &self.website,
            &self.body,
            &self.status,
            &self.status_before_spam,
            &self.meta.created_at,
            &self.meta.client_ip,
            &self.meta.user_agent,
            &self.meta.referrer,
            &self.probability,
            &self.log_odds,
            &self.reasons,
            &self.model_version,
            &self.meta.idempotency_key,
            &self.signals,
            &self.meta.client_ip_hash,
            &self.campaign,
        ]
    }
}

/// The filter's and the guard's findings as stored: a JSON array of strings, or nothing.
fn signals_json(signals: &[crate::domain::Signal]) -> Option<String> {
    (!signals.is_empty()).then(|| {
        serde_json::to_string(&signals.iter().map(ToString::to_string).collect::<Vec<_>>())
            .expect("strings serialise")
    })
}

/// Files a scored submission: checks the site and the parent, creates the thread on first
/// use, stores the comment and, when the filter filed it as spam, its log entry.
async fn submit(
    tx: &impl GenericClient,
    comment: &NewComment,
    meta: &SubmissionMeta,
    filing: &Filing,
) -> Result<Result<Submitted, SubmitRefusal>, DbError> {
    // A retry of a submission that was stored: the same answer, nothing new.
    if let Some(key) = &meta.idempotency_key
        && let Some(found) = find_by_idempotency_key(tx, key).await?
    {
        return Ok(Ok(found));
    }
    // The site and, nearly always, the thread in one round trip.
    let lookup = tx
        .prepare_cached(
            "SELECT s.id, t.id FROM sites s
             LEFT JOIN threads t ON t.url = $2 AND t.site_id = s.id
             WHERE s.origin = $1",
        )
        .await?;
    let url: &str = comment.thread.as_ref();
    let Some(found) = tx
        .query_opt(&lookup, &[&comment.thread.origin(), &url])
        .await?
    else {
        return Ok(Err(SubmitRefusal::UnknownSite));
    };
    let thread = match found.get::<_, Option<i64>>(1) {
        Some(thread) => ThreadId(thread),
        None => upsert_thread(tx, SiteId(found.get(0)), url, meta.created_at).await?,
    };
    if let Some(parent) = comment.parent {
        let row = tx
            .query_opt(
                "SELECT thread_id, status FROM comments WHERE id = $1",
                &[&parent.0],
            )
            .await?;
        match row {
            Some(row) if status(&row, 1)? == CommentStatus::Approved => {
                if ThreadId(row.get(0)) != thread {
                    return Ok(Err(SubmitRefusal::ParentInOtherThread));
                }
            }
            _ => return Ok(Err(SubmitRefusal::ParentNotPublic)),
        }
    }
    let status = filing.status;
    let insert = tx
        .prepare_cached(
            "INSERT INTO comments (thread_id, parent_id, author, email, website, body, status,
                 status_before_spam, created_at, client_ip, user_agent, referrer, spam_score,
                 spam_log_odds, spam_reasons, model_version, idempotency_key, signals,
                 client_ip_hash, campaign_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                     $18, $19, $20)
             RETURNING id",
        )
        .await?;
    let columns = Columns::new(comment, meta, filing);
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&thread.0];
    params.extend(columns.values());
    let id: i64 = tx.query_one(&insert, &params).await?.get(0);
    let id = CommentId(id);
    if let Some(seed) = meta.campaign {
        tx.execute(
            "UPDATE comments SET campaign_id = $1 WHERE id = $1 AND campaign_id IS NULL",
            &[&seed.0],
        )
        .await?;
    }
    if status == CommentStatus::Spam {
        append_log(
            tx,
            id,
            None,
            ModAction::Spam,
            (CommentStatus::Pending, CommentStatus::Spam),
            meta.created_at,
        )
        .await?;
    }
    Ok(Ok(Submitted {
        id,
        status,
        created_at: meta.created_at,
    }))
}

async fn find_by_idempotency_key(
    client: &impl GenericClient,
    key: &str,
) -> Result<Option<Submitted>, DbError> {
    let statement = client
        .prepare_cached("SELECT id, status, created_at FROM comments WHERE idempotency_key = $1")
        .await?;
    client
        .query_opt(&statement, &[&key])
        .await?
        .map(|row| {
            Ok(Submitted {
                id: CommentId(row.get(0)),
                status: status(&row, 1)?,
                created_at: row.get(2),
            })
        })
        .transpose()
}

/// The thread for `url`, creating it under `site` if it is new. Looked up first: nearly
/// every comment goes to a thread that exists, and an upsert would rewrite its row.
async fn upsert_thread(
    tx: &impl GenericClient,
    site: SiteId,
    url: &str,
    at: i64,
) -> Result<ThreadId, DbError> {
    let find = tx
        .prepare_cached("SELECT id FROM threads WHERE url = $1")
        .await?;
    if let Some(row) = tx.query_opt(&find, &[&url]).await? {
        return Ok(ThreadId(row.get(0)));
    }
    let row = tx
        .query_one(
            "INSERT INTO threads (site_id, url, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (url) DO UPDATE SET url = excluded.url
             RETURNING id",
            &[&site.0, &url, &at],
        )
        .await?;
    Ok(ThreadId(row.get(0)))
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

pub(super) async fn bump_thread_of(tx: &impl GenericClient, id: CommentId) -> Result<(), DbError> {
    tx.execute(
        "UPDATE threads SET public_version = public_version + 1
         WHERE id = (SELECT thread_id FROM comments WHERE id = $1)",
        &[&id.0],
    )
    .await?;
    Ok(())
}

async fn append_log(
    tx: &impl GenericClient,
    comment: CommentId,
    moderator: Option<ModeratorId>,
    action: ModAction,
    (from, to): (CommentStatus, CommentStatus),
    at: i64,
) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO mod_log (comment_id, moderator_id, action, from_status, to_status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &comment.0,
            &moderator.map(|m| m.0),
            &action.as_str(),
            &from.as_str(),
            &to.as_str(),
            &at,
        ],
    )
    .await?;
    Ok(())
}

/// Labels comment `id` (replacing an earlier label), with the filter's score at this moment.
async fn set_label(
    tx: &impl GenericClient,
    id: CommentId,
    label: Label,
    source: LabelSource,
    moderator: Option<ModeratorId>,
    at: i64,
) -> Result<(), DbError> {
    let statement = tx
        .prepare_cached(
            "INSERT INTO labels (comment_id, label, source, moderator_id, model_version,
                                 spam_score, labelled_at)
             SELECT id, $2, $3, $4, model_version, spam_score, $5 FROM comments WHERE id = $1
             ON CONFLICT (comment_id) DO UPDATE SET
                 label = excluded.label, source = excluded.source,
                 moderator_id = excluded.moderator_id, model_version = excluded.model_version,
                 spam_score = excluded.spam_score, labelled_at = excluded.labelled_at",
        )
        .await?;
    tx.execute(
        &statement,
        &[
            &id.0,
            &label.as_str(),
            &source.as_str(),
            &moderator.map(|m| m.0),
            &at,
        ],
    )
    .await?;
    Ok(())
}

async fn find_by_import_key(
    tx: &impl GenericClient,
    key: &str,
) -> Result<Option<CommentId>, DbError> {
    Ok(tx
        .query_opt("SELECT id FROM comments WHERE import_key = $1", &[&key])
        .await?
        .map(|row| CommentId(row.get(0))))
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
            "SELECT l.id, m.name, l.action, l.from_status, l.to_status, l.created_at
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
            })
        })
        .collect()
}

//! The model archive every instance shares: models as rows, the active version with a
//! generation number instances poll, and the lock that lets one retraining run at a time.

use std::sync::Arc;

use tokio_postgres::NoTls;

use super::{DbError, Postgres};
use crate::domain::now_millis;

/// The advisory lock key held while a retraining run goes on (`rg` + `train`).
const RETRAIN_LOCK: i64 = 0x0072_6774_7261_696e;

/// A handle on the shared model archive.
#[derive(Clone)]
pub struct ModelRows {
    db: Arc<Postgres>,
}

/// A stored model's version and provenance (JSON), without its arrays.
#[derive(Debug, Clone)]
pub struct StoredModelRow {
    pub version: String,
    pub provenance: String,
}

/// Held while this instance retrains: a connection of its own holding a session advisory
/// lock. Dropping it closes the connection, and the server releases the lock; so does the
/// death of the process, so a crashed run never blocks the others.
pub struct RetrainLock {
    _client: tokio_postgres::Client,
}

impl ModelRows {
    pub(in crate::store) fn new(db: Arc<Postgres>) -> Self {
        Self { db }
    }

    /// Stores a model's file bytes under its version; storing the same version again is a
    /// no-op (versions name their content).
    ///
    /// # Errors
    /// A database failure.
    pub async fn save(
        &self,
        version: &str,
        provenance: &str,
        bundle: &[u8],
    ) -> Result<(), DbError> {
        self.db
            .execute(
                "INSERT INTO models (version, provenance, bundle, stored_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (version) DO NOTHING",
                &[&version, &provenance, &bundle, &now_millis()],
            )
            .await?;
        Ok(())
    }

    /// Whether `version` is stored.
    ///
    /// # Errors
    /// A database failure.
    pub async fn exists(&self, version: &str) -> Result<bool, DbError> {
        let client = self.db.client().await?;
        Ok(client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM models WHERE version = $1)",
                &[&version],
            )
            .await?
            .get(0))
    }

    /// The file bytes of `version`, if stored.
    ///
    /// # Errors
    /// A database failure.
    pub async fn load(&self, version: &str) -> Result<Option<Vec<u8>>, DbError> {
        let client = self.db.client().await?;
        Ok(client
            .query_opt("SELECT bundle FROM models WHERE version = $1", &[&version])
            .await?
            .map(|row| row.get(0)))
    }

    /// Every stored model, oldest first.
    ///
    /// # Errors
    /// A database failure.
    pub async fn list(&self) -> Result<Vec<StoredModelRow>, DbError> {
        let client = self.db.client().await?;
        let rows = client
            .query(
                "SELECT version, provenance FROM models ORDER BY stored_at, version",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| StoredModelRow {
                version: row.get(0),
                provenance: row.get(1),
            })
            .collect())
    }

    /// The active version (`None`: the base model) and the activation generation.
    ///
    /// # Errors
    /// A database failure.
    pub async fn active(&self) -> Result<(Option<String>, i64), DbError> {
        let client = self.db.client().await?;
        let statement = client
            .prepare_cached("SELECT active, generation FROM model_state WHERE id = 1")
            .await?;
        let row = client.query_one(&statement, &[]).await?;
        Ok((row.get(0), row.get(1)))
    }

    /// Makes `version` (stored; `None`: the base model) the one every instance runs, and
    /// tells listening instances at once.
    ///
    /// # Errors
    /// A database failure, or a version that is not stored.
    pub async fn activate(&self, version: Option<&str>) -> Result<(), DbError> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "UPDATE model_state SET active = $1, generation = generation + 1 WHERE id = 1",
            &[&version],
        )
        .await?;
        tx.batch_execute("NOTIFY replyguard_model").await?;
        tx.commit().await?;
        Ok(())
    }

    /// When the last retraining run started, on any instance.
    ///
    /// # Errors
    /// A database failure.
    pub async fn last_retrain_at(&self) -> Result<Option<i64>, DbError> {
        let client = self.db.client().await?;
        Ok(client
            .query_one("SELECT last_retrain_at FROM model_state WHERE id = 1", &[])
            .await?
            .get(0))
    }

    /// Activations on any instance as they are committed (`LISTEN replyguard_model` on a
    /// connection of its own, reconnecting after a failure). Polling the generation stays
    /// the fallback: a notification lost while reconnecting delays a swap to the next poll.
    pub fn activations(&self) -> tokio::sync::mpsc::Receiver<()> {
        let (sender, receiver) = tokio::sync::mpsc::channel(4);
        let config = self.db.config.clone();
        super::io_runtime().spawn(async move {
            while !sender.is_closed() {
                if let Err(e) = listen(&config, &sender).await {
                    tracing::warn!(error.message = %e, "lost the model notifications; reconnecting");
                }
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            }
        });
        receiver
    }

    /// Takes the retraining lock if no instance holds it, and records the run's start.
    ///
    /// # Errors
    /// A database failure.
    pub async fn try_retrain_lock(&self) -> Result<Option<RetrainLock>, DbError> {
        let config = self.db.config.clone();
        let client = super::io_runtime()
            .spawn(async move {
                let (client, connection) = config.connect(NoTls).await?;
                tokio::spawn(connection);
                Ok::<_, tokio_postgres::Error>(client)
            })
            .await
            .map_err(|_| DbError::Cancelled)??;
        let got: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&RETRAIN_LOCK])
            .await?
            .get(0);
        if !got {
            return Ok(None);
        }
        client
            .execute(
                "UPDATE model_state SET last_retrain_at = $1 WHERE id = 1",
                &[&now_millis()],
            )
            .await?;
        Ok(Some(RetrainLock { _client: client }))
    }
}

/// Listens for activations until the connection fails or nobody receives them.
async fn listen(
    config: &tokio_postgres::Config,
    sender: &tokio::sync::mpsc::Sender<()>,
) -> Result<(), DbError> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (heard, mut hear) = tokio::sync::mpsc::channel::<Result<(), tokio_postgres::Error>>(4);
    let pump = tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(tokio_postgres::AsyncMessage::Notification(_))) => {
                    if heard.send(Ok(())).await.is_err() {
                        return;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    let _ = heard.send(Err(e)).await;
                    return;
                }
                None => return,
            }
        }
    });
    client.batch_execute("LISTEN replyguard_model").await?;
    let result = loop {
        match hear.recv().await {
            Some(Ok(())) => {
                if sender.send(()).await.is_err() {
                    break Ok(());
                }
            }
            Some(Err(e)) => break Err(e.into()),
            None => break Ok(()),
        }
    };
    pump.abort();
    result
}

//! The running service's side of retraining: it starts `replyguard model retrain` as a child
//! process (training never runs on the request path, and linfa-bayes' debug dump goes to
//! /dev/null), follows the store's `ACTIVE` pointer to swap models live, and retrains on a
//! schedule.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;

use crate::classifier::model::ModelBundle;
use crate::classifier::{Classifier, ModelHandle};
use crate::db::{Db, labels, now_millis};
use crate::moderation;
use crate::retrain::{ModelStore, Retrained};

/// When the service retrains on its own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    /// Retrain once this many labels arrived since the last run; 0: never on count.
    pub after_labels: u64,
    /// Retrain this often when there are new labels; `None`: never on time.
    pub every: Option<Duration>,
    /// How often to check the schedule and the `ACTIVE` pointer.
    pub poll: Duration,
}

/// Why a retraining or activation request was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum ModelOpError {
    #[error("a retraining run is already in progress")]
    Busy,
    #[error("{0}")]
    Refused(String),
    #[error("no stored model is called {0}")]
    UnknownVersion(String),
    #[error("model operation failed")]
    Unexpected(#[from] anyhow::Error),
}

/// Everything retraining needs inside the service.
pub struct ModelService {
    pub store: ModelStore,
    data_dir: PathBuf,
    /// `REPLYGUARD_MODEL`, passed on to the retraining process; `None`: the shipped model.
    base_path: Option<PathBuf>,
    base: ModelBundle,
    db: Db,
    models: ModelHandle,
    /// Held while a retraining process runs: one at a time.
    running: Mutex<()>,
}

impl ModelService {
    /// Wires the service's model store, base model, database and model handle.
    pub fn new(
        data_dir: PathBuf,
        base_path: Option<PathBuf>,
        base: ModelBundle,
        db: Db,
        models: ModelHandle,
    ) -> Self {
        Self {
            store: ModelStore::new(&data_dir),
            data_dir,
            base_path,
            base,
            db,
            models,
            running: Mutex::new(()),
        }
    }

    /// Runs `replyguard model retrain` in a child process and then swaps in what it activated.
    /// Blocking: call from a blocking thread.
    ///
    /// # Errors
    /// [`ModelOpError::Busy`] while another run is going; `Refused` with the trainer's message
    /// (no labels yet, say).
    pub fn retrain(&self, force: bool) -> Result<Retrained, ModelOpError> {
        let _running = self.running.try_lock().map_err(|_| ModelOpError::Busy)?;
        let exe = std::env::current_exe().context("cannot find this program to run the trainer")?;
        let mut command = Command::new(exe);
        command
            .args(["model", "retrain", "--in-process", "--json"])
            .env("REPLYGUARD_DATA_DIR", &self.data_dir)
            .env("REPLYGUARD_TRAIN_ERRORS_TO_STDOUT", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if force {
            command.arg("--force");
        }
        match &self.base_path {
            Some(path) => command.env("REPLYGUARD_MODEL", path),
            None => command.env_remove("REPLYGUARD_MODEL"),
        };
        let output = command.output().context("failed to run the trainer")?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            let message = stdout
                .lines()
                .find_map(|l| l.strip_prefix("error: "))
                .unwrap_or("the trainer failed");
            return Err(ModelOpError::Refused(message.to_owned()));
        }
        let line = stdout.lines().last().unwrap_or_default();
        let outcome: Retrained = serde_json::from_str(line).context("unreadable trainer output")?;
        self.sync_active()?;
        tracing::info!(version = %outcome.version, activated = outcome.activated, "model retrained");
        Ok(outcome)
    }

    /// Activates a stored model (a rollback, say), re-scores the queue and swaps it in.
    /// Blocking.
    ///
    /// # Errors
    /// [`ModelOpError::UnknownVersion`], or `Unexpected` for a damaged file.
    pub fn activate(&self, version: &str) -> Result<usize, ModelOpError> {
        let path = self
            .store
            .path_of(version)
            .map_err(|_| ModelOpError::UnknownVersion(version.to_owned()))?;
        if !path.exists() {
            return Err(ModelOpError::UnknownVersion(version.to_owned()));
        }
        let bundle = self
            .store
            .activate(version)
            .map_err(|e| ModelOpError::Refused(format!("{e:#}")))?;
        let classifier = Classifier::from_bundle(&bundle).map_err(anyhow::Error::from)?;
        let rescored = moderation::rescore_pending(&self.db, &classifier)?;
        self.sync_active()?;
        Ok(rescored)
    }

    /// Swaps in the store's active model (or the base) if it is not the one in use. Requests
    /// already scoring keep the model they took; new ones get the new model.
    ///
    /// # Errors
    /// A damaged active model: the model in use then stays.
    pub fn sync_active(&self) -> anyhow::Result<bool> {
        // Runs on every poll: compare the pointer first, read a model file only to swap.
        let wanted = self
            .store
            .active_version()?
            .unwrap_or_else(|| self.base.version.clone());
        if wanted == self.models.current().info().version {
            return Ok(false);
        }
        let active = self.store.load_active_or(&self.base)?;
        let classifier = Classifier::from_bundle(&active)?;
        self.models.swap(classifier);
        tracing::info!(model_version = %active.version, "model swapped");
        Ok(true)
    }

    /// Starts the background task that follows `ACTIVE` and retrains on `schedule`.
    pub fn spawn_schedule(self: Arc<Self>, schedule: Schedule) {
        actix_web::rt::spawn(async move {
            let mut ticks = actix_web::rt::time::interval(schedule.poll);
            let mut last_run = now_millis();
            loop {
                ticks.tick().await;
                let service = Arc::clone(&self);
                let due =
                    tokio::task::spawn_blocking(move || service.step(schedule, last_run)).await;
                if let Ok(Some(ran_at)) = due {
                    last_run = ran_at;
                }
            }
        });
    }

    /// One tick of the schedule: follow `ACTIVE`, and retrain if enough labels arrived since
    /// `last_run` or it is time. Returns when a run was attempted.
    pub fn step(&self, schedule: Schedule, last_run: i64) -> Option<i64> {
        if let Err(e) = self.sync_active() {
            tracing::error!(error.message = %e, "cannot load the active model");
        }
        let new_labels = self
            .db
            .run_blocking(|conn| labels::count_labels_since(conn, last_run))
            .unwrap_or(0);
        let by_count = schedule.after_labels > 0 && new_labels >= schedule.after_labels;
        let by_time = schedule.every.is_some_and(|every| {
            new_labels > 0 && now_millis() - last_run >= every.as_millis() as i64
        });
        if !(by_count || by_time) {
            return None;
        }
        let started = now_millis();
        match self.retrain(false) {
            Ok(_) => {}
            Err(ModelOpError::Busy) => return None,
            Err(e) => tracing::error!(error.message = %e, "scheduled retraining failed"),
        }
        Some(started)
    }
}

/// Loads the base model: `REPLYGUARD_MODEL`, or the shipped one.
///
/// # Errors
/// A missing or damaged model file.
pub fn load_base(path: Option<&std::path::Path>) -> anyhow::Result<ModelBundle> {
    match path {
        Some(path) => Ok(ModelBundle::load(path)?),
        None => Ok(ModelBundle::from_file_bytes(
            "models/default.json",
            crate::classifier::SHIPPED_MODEL,
        )?),
    }
}

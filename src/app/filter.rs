//! The spam filter's lifecycle: scoring a comment, re-scoring the queue, retraining in a
//! child process (training never runs on the request path, and linfa-bayes' debug dump goes
//! to /dev/null), following the model archive's `ACTIVE` pointer to swap models live, and
//! retraining on a schedule.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;

use super::model_archive::ModelArchive;
use crate::classifier::model::ModelBundle;
use crate::classifier::tokenize::Document;
use crate::classifier::{Classifier, LiveModel};
use crate::domain::comment::{email_domain, website_host};
use crate::domain::{
    CommentId, CommentStatus, LabelledComment, NewComment, StoredVerdict, now_millis,
};
use crate::retrain::{RetrainOptions, Retrained};
use crate::store::Store;

/// Signals that most pushed a score towards spam, and towards ham, kept with a comment.
const REASONS_TOWARDS_SPAM: usize = 4;
const REASONS_TOWARDS_HAM: usize = 2;

/// The spam filter in use and the policy applied to its scores.
#[derive(Clone)]
pub struct Scoring {
    pub live: LiveModel,
    /// P(spam) at or above which a submission is filed as spam; `None`: the model's own.
    pub threshold: Option<f64>,
}

/// Scores a comment's fields with `classifier`, as stored with the comment. The author's
/// name, website host and email domain are features; the address itself never reaches the
/// filter.
///
/// # Errors
/// Only if the reasons cannot be encoded as JSON.
pub fn verdict(
    classifier: &Classifier,
    doc: &Document<'_>,
) -> anyhow::Result<Option<StoredVerdict>> {
    let Some(scored) = classifier.score_and_explain(doc, REASONS_TOWARDS_SPAM, REASONS_TOWARDS_HAM)
    else {
        return Ok(None);
    };
    Ok(Some(StoredVerdict {
        probability: scored.score.probability(),
        log_odds: scored.score.log_odds(),
        reasons_json: serde_json::to_string(&scored.reasons)
            .context("failed to encode the filter's reasons")?,
        model_version: scored.model_version,
        evidence: scored.evidence,
    }))
}

impl Scoring {
    /// The spam threshold in force with `classifier`, as log-odds: `REPLYGUARD_SPAM_THRESHOLD`
    /// if set, else the model's own calibrated one.
    pub fn threshold_log_odds(&self, classifier: &Classifier) -> f64 {
        self.threshold.map_or(
            classifier.threshold_log_odds(),
            crate::domain::verdict::logit,
        )
    }

    /// The threshold in force with the model in use now, as a probability.
    pub fn threshold_probability(&self) -> f64 {
        probability_of(self.threshold_log_odds(&self.live.current()))
    }

    /// Scores a submission with the model in use now (one model for the whole request) and
    /// files it: spam when the score reaches the threshold, else pending.
    ///
    /// # Errors
    /// Only if the reasons cannot be encoded.
    pub fn judge(&self, comment: &NewComment) -> anyhow::Result<crate::domain::Filing> {
        let classifier = self.live.current();
        let email_domain = comment.email.domain();
        let doc = Document {
            body: comment.body.as_ref(),
            author: Some(comment.author.as_ref()),
            website_host: comment.website.as_ref().map(|w| w.host()),
            email_domain: Some(&email_domain),
        };
        let threshold = self.threshold_log_odds(&classifier);
        let started = std::time::Instant::now();
        // The site's own layer over the base, when it has one.
        let verdict = verdict(classifier.for_site(&comment.thread.origin()), &doc)?;
        crate::metrics::global()
            .scoring
            .observe_duration(started.elapsed());
        // A verdict on too little evidence never files a comment as spam: a person judges
        // it. Said only where it matters: where the score alone would have held the comment.
        let thin = verdict.as_ref().is_some_and(|v| {
            v.evidence < crate::classifier::MIN_EVIDENCE
                && v.probability >= super::submission::PUBLISH_BELOW
        });
        let status = match &verdict {
            Some(v) if v.log_odds >= threshold && !thin => CommentStatus::Spam,
            _ => CommentStatus::Pending,
        };
        Ok(crate::domain::Filing {
            status,
            verdict,
            signals: if thin {
                vec![crate::domain::Signal::ThinEvidence]
            } else {
                Vec::new()
            },
        })
    }
}

/// A threshold given as log-odds, as a probability (1 when it cannot be reached).
pub fn probability_of(log_odds: f64) -> f64 {
    crate::domain::SpamScore::from_log_odds(log_odds).map_or(1.0, |s| s.probability())
}

/// Pending comments re-scored per write: a submission waits behind one chunk, never the
/// whole queue.
const RESCORE_CHUNK: u32 = 500;

/// Re-scores every pending comment with `classifier`, so the queue order reflects the model
/// in use; statuses are left alone. Scoring happens here, between chunks; the writer only
/// stores the verdicts.
///
/// # Errors
/// A database failure.
pub async fn rescore_pending(store: &Store, classifier: &Classifier) -> anyhow::Result<usize> {
    let mut after = CommentId(0);
    let mut count = 0;
    loop {
        let rows = store.list_pending_for_scoring(after, RESCORE_CHUNK).await?;
        let Some(last) = rows.last() else {
            return Ok(count);
        };
        after = last.id;
        count += rows.len();
        let mut verdicts = Vec::with_capacity(rows.len());
        for row in &rows {
            let website_host = row.website.as_deref().and_then(website_host);
            let email_domain = email_domain(&row.email);
            let doc = Document {
                body: &row.body,
                author: Some(&row.author),
                website_host: website_host.as_deref(),
                email_domain: Some(&email_domain),
            };
            if let Some(v) = verdict(classifier.for_site(&row.site), &doc)? {
                verdicts.push((row.id, v));
            }
        }
        store.set_verdicts(verdicts).await?;
    }
}

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

/// Runs this program again as a training child with `args`, its stdout lines handed to
/// `on_line` as they come and its stderr discarded (linfa-bayes' debug dump). The child
/// prints its errors on stdout as `error: …`. Returns whether it succeeded. The one place a
/// training child is started, for the service and for the CLI.
///
/// # Errors
/// The child cannot be started or read.
pub fn run_training_child(
    trainer: Option<&Path>,
    args: &[OsString],
    env: &[(&str, Option<&std::ffi::OsStr>)],
    mut on_line: impl FnMut(&str),
) -> anyhow::Result<bool> {
    let exe = match trainer {
        Some(path) => path.to_owned(),
        None => std::env::current_exe().context("cannot find this program to run the trainer")?,
    };
    let mut command = Command::new(exe);
    command
        .args(args)
        .env("REPLYGUARD_TRAIN_ERRORS_TO_STDOUT", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (name, value) in env {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    let mut child = command.spawn().context("failed to start the trainer")?;
    let stdout = child.stdout.take().context("trainer stdout")?;
    for line in BufReader::new(stdout).lines() {
        on_line(&line?);
    }
    Ok(child.wait()?.success())
}

/// The spam filter as a service: the model in use and its threshold, the stored models,
/// retraining, activation and the schedule.
pub struct Filter {
    archive: ModelArchive,
    data_dir: PathBuf,
    /// `REPLYGUARD_MODEL`, passed on to the retraining process; `None`: the shipped model.
    base_path: Option<PathBuf>,
    /// `REPLYGUARD_DATABASE_URL`, passed on to the retraining process.
    database_url: Option<String>,
    /// The training child's program; `None`: this program.
    trainer: Option<PathBuf>,
    base: ModelBundle,
    db: Store,
    /// The model in use and the threshold applied to its scores.
    scoring: Scoring,
    /// Held while a retraining process runs: one at a time in this process (instances
    /// sharing a database also take the store's lock).
    running: Mutex<()>,
}

/// Where the service's models come from, for [`Filter::new`].
pub struct ModelSources {
    pub data_dir: PathBuf,
    pub base_path: Option<PathBuf>,
    pub database_url: Option<String>,
    pub trainer: Option<PathBuf>,
    pub base: ModelBundle,
}

impl Filter {
    /// Wires the service's model archive, base model, database and scoring policy.
    pub fn new(sources: ModelSources, archive: ModelArchive, db: Store, scoring: Scoring) -> Self {
        Self {
            archive,
            data_dir: sources.data_dir,
            base_path: sources.base_path,
            database_url: sources.database_url,
            trainer: sources.trainer,
            base: sources.base,
            db,
            scoring,
            running: Mutex::new(()),
        }
    }

    /// The model in use now.
    pub fn in_use(&self) -> Arc<Classifier> {
        self.scoring.live.current()
    }

    /// The spam threshold in force with the model in use now, as a probability.
    pub fn threshold_probability(&self) -> f64 {
        self.scoring.threshold_probability()
    }

    /// Every stored model, oldest first, without their arrays.
    ///
    /// # Errors
    /// An unreadable model archive.
    pub async fn list(&self) -> anyhow::Result<Vec<super::model_archive::StoredModel>> {
        self.archive.list(&self.base).await
    }

    /// Runs `replyguard model retrain` in a child process and then swaps in what it
    /// activated.
    ///
    /// # Errors
    /// [`ModelOpError::Busy`] while another run is going (here or on another instance
    /// sharing the database); `Refused` with the trainer's message (no labels yet, say).
    pub async fn retrain(self: &Arc<Self>, force: bool) -> Result<Retrained, ModelOpError> {
        let Some(lock) = self.archive.retrain_lock().await? else {
            return Err(ModelOpError::Busy);
        };
        let service = Arc::clone(self);
        let outcome = tokio::task::spawn_blocking(move || service.retrain_blocking(force))
            .await
            .map_err(|e| ModelOpError::Unexpected(anyhow::anyhow!("trainer task failed: {e}")))?;
        drop(lock);
        let outcome = outcome?;
        self.sync_active().await?;
        tracing::info!(version = %outcome.version, activated = outcome.activated, "model retrained");
        Ok(outcome)
    }

    fn retrain_blocking(&self, force: bool) -> Result<Retrained, ModelOpError> {
        let _running = self.running.try_lock().map_err(|_| ModelOpError::Busy)?;
        let mut args: Vec<OsString> = ["model", "retrain", "--in-process", "--json"]
            .map(OsString::from)
            .to_vec();
        if force {
            args.push("--force".into());
        }
        let env = [
            ("REPLYGUARD_DATA_DIR", Some(self.data_dir.as_os_str())),
            (
                "REPLYGUARD_MODEL",
                self.base_path.as_deref().map(Path::as_os_str),
            ),
            (
                "REPLYGUARD_DATABASE_URL",
                self.database_url.as_deref().map(std::ffi::OsStr::new),
            ),
        ];
        let mut lines = Vec::new();
        let ok = run_training_child(self.trainer.as_deref(), &args, &env, |line| {
            lines.push(line.to_owned());
        })?;
        if !ok {
            let message = lines
                .iter()
                .find_map(|l| l.strip_prefix("error: "))
                .unwrap_or("the trainer failed");
            return Err(ModelOpError::Refused(message.to_owned()));
        }
        let line = lines.last().map(String::as_str).unwrap_or_default();
        Ok(serde_json::from_str(line).context("unreadable trainer output")?)
    }

    /// Activates a stored model (a rollback, say), re-scores the queue and swaps it in.
    ///
    /// # Errors
    /// [`ModelOpError::UnknownVersion`], or `Refused` for a damaged model.
    pub async fn activate(&self, version: &str) -> Result<usize, ModelOpError> {
        if !ModelArchive::is_base(version, &self.base) {
            ModelArchive::check_version(version)
                .map_err(|e| ModelOpError::Refused(e.to_string()))?;
        }
        if !ModelArchive::is_base(version, &self.base) && !self.archive.exists(version).await? {
            return Err(ModelOpError::UnknownVersion(version.to_owned()));
        }
        let bundle = self
            .archive
            .activate(version, &self.base)
            .await
            .map_err(|e| ModelOpError::Refused(format!("{e:#}")))?;
        let classifier = Classifier::from_bundle(&bundle).map_err(anyhow::Error::from)?;
        let rescored = rescore_pending(&self.db, &classifier).await?;
        self.sync_active().await?;
        Ok(rescored)
    }

    /// Every label, for the trainer (a CLI child) and for export.
    ///
    /// # Errors
    /// A database failure.
    pub async fn labels(&self) -> anyhow::Result<Vec<LabelledComment>> {
        Ok(self.db.list_labels().await?)
    }

    /// Retrains in this process (`retrain::retrain` says how: a layer per site from its own
    /// labels, the base only from promoted sites'), stores the model, activates it if a
    /// site's layer passed its acceptance check (or `force`), and re-scores the queue when it
    /// did. What the training child runs.
    ///
    /// # Errors
    /// No labels, a damaged model, or a database or I/O failure.
    pub async fn retrain_in_process(
        &self,
        options: &RetrainOptions,
    ) -> anyhow::Result<(Retrained, usize)> {
        let labels = self.labels().await?;
        let current = self.archive.load_active_or(&self.base).await?;
        let promoted: Vec<String> = self
            .db
            .site_settings()
            .await?
            .into_iter()
            .filter(|s| s.promoted)
            .map(|s| s.origin)
            .collect();
        let (bundle, outcome) =
            crate::retrain::retrain(labels, &current, &self.base, options, &promoted)?;
        drop(current);
        self.archive.save(&bundle).await?;
        let rescored = if outcome.activated {
            self.archive.activate(&outcome.version, &self.base).await?;
            rescore_pending(&self.db, &Classifier::from_bundle(&bundle)?).await?
        } else {
            0
        };
        Ok((outcome, rescored))
    }

    /// Swaps in the store's active model (or the base) if it is not the one in use. Requests
    /// already scoring keep the model they took; new ones get the new model.
    ///
    /// # Errors
    /// A damaged active model: the model in use then stays.
    pub async fn sync_active(&self) -> anyhow::Result<bool> {
        // Runs on every poll: compare the pointer first, read a model only to swap.
        let wanted = match self.archive.active_version().await? {
            Some(v) if !ModelArchive::is_base(&v, &self.base) => v,
            _ => self.base.version.clone(),
        };
        if wanted == self.scoring.live.current().info().version {
            return Ok(false);
        }
        let active = self.archive.load_active_or(&self.base).await?;
        let classifier = Classifier::from_bundle(&active)?;
        self.scoring.live.swap(classifier);
        tracing::info!(model_version = %active.version, "model swapped");
        Ok(true)
    }

    /// Starts the background task that follows the active model and retrains on `schedule`.
    pub fn spawn_schedule(self: &Arc<Self>, schedule: Schedule) {
        // Instances sharing a database hear each activation at once; the poll below is
        // what catches up after a missed one.
        if let Some(mut activations) = self.archive.activations() {
            let service = Arc::clone(self);
            actix_web::rt::spawn(async move {
                while activations.recv().await.is_some() {
                    if let Err(e) = service.sync_active().await {
                        tracing::error!(error.message = %e, "cannot load the active model");
                    }
                }
            });
        }
        let service = Arc::clone(self);
        actix_web::rt::spawn(async move {
            let mut ticks = actix_web::rt::time::interval(schedule.poll);
            let mut last_run = now_millis();
            loop {
                ticks.tick().await;
                if let Some(ran_at) = service.step(schedule, last_run).await {
                    last_run = ran_at;
                }
            }
        });
    }

    /// One tick of the schedule: follow the active model, and retrain if enough labels
    /// arrived since the last run (here, or on any instance sharing the database) or it is
    /// time. Returns when a run was attempted.
    pub async fn step(self: &Arc<Self>, schedule: Schedule, last_run: i64) -> Option<i64> {
        if let Err(e) = self.sync_active().await {
            tracing::error!(error.message = %e, "cannot load the active model");
        }
        // Shared: a run on any instance resets every instance's count.
        let last_run = match self.archive.last_retrain_at().await {
            Ok(Some(shared)) => shared.max(last_run),
            _ => last_run,
        };
        let new_labels = self.db.count_labels_since(last_run).await.unwrap_or(0);
        let by_count = schedule.after_labels > 0 && new_labels >= schedule.after_labels;
        let by_time = schedule.every.is_some_and(|every| {
            new_labels > 0 && now_millis() - last_run >= every.as_millis() as i64
        });
        if !(by_count || by_time) {
            return None;
        }
        let started = now_millis();
        match self.retrain(false).await {
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
pub fn load_base(path: Option<&Path>) -> anyhow::Result<ModelBundle> {
    match path {
        Some(path) => Ok(ModelBundle::load(path)?),
        None => Ok(ModelBundle::from_file_bytes(
            "models/default.json",
            crate::classifier::SHIPPED_MODEL,
        )?),
    }
}

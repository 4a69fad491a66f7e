//! The retraining loop: moderator labels → a candidate built from the base model → the
//! guard → activation in the data directory's model store.
//!
//! A candidate is always the base model (the shipped one, or `REPLYGUARD_MODEL`) plus every
//! current label, fitted with linfa's `fit_with` in a fixed order. So a reversed or removed
//! label is unlearned exactly: the next model is bit for bit the one that never saw it.
//!
//! Fitting prints linfa-bayes 0.8.1's debug dump to stderr: callers run [`retrain`] in a
//! process whose stderr is discarded (`replyguard model retrain` does; the service starts
//! that command).

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::classifier::Classifier;
use crate::classifier::metrics::Metrics;
use crate::classifier::model::{self, Lineage, ModelBundle, Provenance, RetrainReport};
use crate::classifier::tokenize::Document;
use crate::classifier::train::{self, Example, TrainParams};
use crate::domain::LabelledComment;
use crate::domain::comment::website_host;
use crate::domain::{Label, Timestamp};
use crate::store::Store;
use crate::store::postgres::{ModelRows, RetrainLock};

/// The guard evaluates on labels from this many most recent ones…
pub const RECENT_LABELS: usize = 5_000;
/// The name `model activate` and `ACTIVE` use for the base model.
pub const BASE: &str = "base";
/// …of which this share (chosen by a hash of the comment id) is held out of the candidate.
pub const HELD_OUT_SHARE: f64 = 0.2;

/// Where models are kept: files in `<data dir>/models/` with `ACTIVE` naming the version
/// the service runs (SQLite), or rows in the database that every instance shares
/// (PostgreSQL).
#[derive(Clone)]
pub struct ModelStore {
    place: Place,
}

#[derive(Clone)]
enum Place {
    Files(PathBuf),
    Shared(ModelRows),
}

/// A stored model as `model list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct StoredModel {
    pub version: String,
    /// The model the service starts from (shipped, or `REPLYGUARD_MODEL`).
    pub base: bool,
    pub created_at: String,
    pub active: bool,
    pub lineage: Option<Lineage>,
    pub retraining: Option<RetrainReport>,
}

impl ModelStore {
    /// The model store that goes with `store`: its rows when the database is shared, else
    /// the files of the data directory `data_dir` (created on first save).
    pub fn for_store(data_dir: &Path, store: &Store) -> Self {
        let place = match store.model_rows() {
            Some(rows) => Place::Shared(rows),
            None => Place::Files(data_dir.join("models")),
        };
        Self { place }
    }

    /// Whether the models live in a database other instances share.
    pub fn is_shared(&self) -> bool {
        matches!(self.place, Place::Shared(_))
    }

    /// Checks that `version` is a version name (it becomes a file name: no paths allowed).
    ///
    /// # Errors
    /// When it is not.
    pub fn check_version(version: &str) -> anyhow::Result<()> {
        let ok = !version.is_empty()
            && version.len() <= 64
            && version
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !ok {
            bail!("{version:?} is not a model version");
        }
        Ok(())
    }

    fn path_of(dir: &Path, version: &str) -> anyhow::Result<PathBuf> {
        Self::check_version(version)?;
        Ok(dir.join(format!("{version}.json")))
    }

    /// Stores `bundle` under its version (a file written atomically, or a row).
    ///
    /// # Errors
    /// An I/O or database error.
    pub async fn save(&self, bundle: &ModelBundle) -> anyhow::Result<()> {
        Self::check_version(&bundle.version)?;
        match &self.place {
            Place::Files(dir) => {
                std::fs::create_dir_all(dir)?;
                bundle.save(&Self::path_of(dir, &bundle.version)?)?;
            }
            Place::Shared(rows) => {
                let provenance = serde_json::to_string(&Provenance {
                    version: bundle.version.clone(),
                    created_at: bundle.created_at.clone(),
                    lineage: bundle.lineage.clone(),
                    retraining: bundle.retraining.clone(),
                })?;
                rows.save(&bundle.version, &provenance, &bundle.to_file_bytes()?)
                    .await?;
            }
        }
        Ok(())
    }

    /// Whether `version` is stored.
    ///
    /// # Errors
    /// An I/O or database error.
    pub async fn exists(&self, version: &str) -> anyhow::Result<bool> {
        if Self::check_version(version).is_err() {
            return Ok(false);
        }
        match &self.place {
            Place::Files(dir) => Ok(Self::path_of(dir, version)?.exists()),
            Place::Shared(rows) => Ok(rows.list().await?.iter().any(|m| m.version == version)),
        }
    }

    /// Loads a stored version, checking it as any model file is checked.
    ///
    /// # Errors
    /// A missing, truncated or altered model.
    pub async fn load(&self, version: &str) -> anyhow::Result<ModelBundle> {
        match &self.place {
            Place::Files(dir) => Ok(ModelBundle::load(&Self::path_of(dir, version)?)?),
            Place::Shared(rows) => {
                Self::check_version(version)?;
                let bytes = rows
                    .load(version)
                    .await?
                    .ok_or_else(|| anyhow!("model {version} is not stored"))?;
                Ok(ModelBundle::from_file_bytes(
                    &format!("model {version}"),
                    &bytes,
                )?)
            }
        }
    }

    /// Whether `version` names the base model: `base`, or the base bundle's own version.
    pub fn is_base(version: &str, base: &ModelBundle) -> bool {
        version == BASE || version == base.version
    }

    /// The version the service should run, if one was activated (`base` when the base was).
    ///
    /// # Errors
    /// An unreadable `ACTIVE` file, or a database error.
    pub async fn active_version(&self) -> anyhow::Result<Option<String>> {
        match &self.place {
            Place::Files(dir) => match std::fs::read_to_string(dir.join("ACTIVE")) {
                Ok(text) => Ok(Some(text.trim().to_owned()).filter(|v| !v.is_empty())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e).context("cannot read the ACTIVE model pointer"),
            },
            Place::Shared(rows) => Ok(rows.active().await?.0),
        }
    }

    /// Makes `version` the one the service runs, after checking that it loads. Running
    /// services pick it up on their next poll.
    ///
    /// # Errors
    /// An unknown or damaged version, or an I/O or database error.
    pub async fn activate(&self, version: &str, base: &ModelBundle) -> anyhow::Result<ModelBundle> {
        let bundle = if Self::is_base(version, base) {
            base.clone()
        } else {
            let bundle = self
                .load(version)
                .await
                .with_context(|| format!("cannot activate model {version}"))?;
            Classifier::from_bundle(&bundle)?;
            bundle
        };
        let is_base = Self::is_base(version, base);
        match &self.place {
            Place::Files(dir) => {
                std::fs::create_dir_all(dir)?;
                let name = if is_base { BASE } else { version };
                crate::durable::write_atomically(
                    &dir.join("ACTIVE"),
                    format!("{name}\n").as_bytes(),
                )?;
            }
            Place::Shared(rows) => {
                rows.activate((!is_base).then_some(version)).await?;
            }
        }
        Ok(bundle)
    }

    /// The base model, then every stored model, oldest first.
    ///
    /// # Errors
    /// An unreadable folder or model, or a database error.
    pub async fn list(&self, base: &ModelBundle) -> anyhow::Result<Vec<StoredModel>> {
        let active = self.active_version().await?;
        let base_active = active.as_deref().is_none_or(|v| Self::is_base(v, base));
        let base_entry = StoredModel {
            version: base.version.clone(),
            base: true,
            active: base_active,
            created_at: base.created_at.clone(),
            lineage: None,
            retraining: None,
        };
        let provenances: Vec<Provenance> = match &self.place {
            Place::Files(dir) => {
                let mut names: Vec<String> = match std::fs::read_dir(dir) {
                    Ok(entries) => entries
                        .filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .filter_map(|n| n.strip_suffix(".json").map(str::to_owned))
                        .collect(),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                    Err(e) => return Err(e.into()),
                };
                names.sort();
                names
                    .iter()
                    .map(|version| Ok(Provenance::load(&Self::path_of(dir, version)?)?))
                    .collect::<anyhow::Result<_>>()?
            }
            Place::Shared(rows) => rows
                .list()
                .await?
                .iter()
                .map(|row| Ok(serde_json::from_str(&row.provenance)?))
                .collect::<anyhow::Result<_>>()?,
        };
        let stored = provenances.into_iter().map(|file| StoredModel {
            active: active.as_deref() == Some(file.version.as_str()),
            base: false,
            version: file.version,
            created_at: file.created_at,
            lineage: file.lineage,
            retraining: file.retraining,
        });
        Ok(std::iter::once(base_entry).chain(stored).collect())
    }

    /// The model the service should run: the active stored one, else `base`.
    ///
    /// # Errors
    /// A damaged active model: refused rather than silently replaced by the base.
    pub async fn load_active_or(&self, base: &ModelBundle) -> anyhow::Result<ModelBundle> {
        match self.active_version().await? {
            Some(version) if !Self::is_base(&version, base) => self.load(&version).await,
            _ => Ok(base.clone()),
        }
    }

    /// When the last retraining run started on any instance sharing the models (`None` for
    /// files: the process keeps its own schedule).
    ///
    /// # Errors
    /// A database error.
    pub async fn last_retrain_at(&self) -> anyhow::Result<Option<i64>> {
        match &self.place {
            Place::Files(_) => Ok(None),
            Place::Shared(rows) => Ok(rows.last_retrain_at().await?),
        }
    }

    /// Activations made by any instance, as they happen; `None` for files, which the
    /// schedule polls.
    pub fn activations(&self) -> Option<tokio::sync::mpsc::Receiver<()>> {
        match &self.place {
            Place::Files(_) => None,
            Place::Shared(rows) => Some(rows.activations()),
        }
    }

    /// The lock that lets one retraining run at a time across instances: `Ok(None)` while
    /// another instance holds it. Files need none beyond the process's own.
    ///
    /// # Errors
    /// A database error.
    pub async fn retrain_lock(&self) -> anyhow::Result<Option<Option<RetrainLock>>> {
        match &self.place {
            Place::Files(_) => Ok(Some(None)),
            Place::Shared(rows) => Ok(rows.try_retrain_lock().await?.map(Some)),
        }
    }
}

/// Options of one retraining run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetrainOptions {
    /// Activate even if the guard finds the candidate worse.
    pub force: bool,
    /// Weight of one label relative to one base training text.
    pub label_weight: f64,
}

impl Default for RetrainOptions {
    fn default() -> Self {
        Self {
            force: false,
            label_weight: 1.0,
        }
    }
}

/// What a retraining run produced.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Retrained {
    pub version: String,
    pub activated: bool,
    pub report: RetrainReport,
}

fn is_held_out(id: i64) -> bool {
    let digest = Sha256::digest(format!("replyguard-guard|{id}").as_bytes());
    let x = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    f64::from(x) / f64::from(u32::MAX) < HELD_OUT_SHARE
}

/// Owned per-label data the examples borrow from.
struct LabelDoc {
    id: i64,
    label: Label,
    body: String,
    author: String,
    website_host: Option<String>,
    email_domain: String,
}

impl LabelDoc {
    fn from(l: LabelledComment) -> Self {
        let website_host = l.website.as_deref().and_then(website_host);
        Self {
            id: l.comment_id.0,
            label: l.label,
            body: l.body,
            author: l.author,
            website_host,
            email_domain: l.email_domain,
        }
    }

    fn document(&self) -> Document<'_> {
        Document {
            body: &self.body,
            author: Some(&self.author),
            website_host: self.website_host.as_deref(),
            email_domain: Some(&self.email_domain),
        }
    }

    fn example(&self, weight: f64) -> Example<'_> {
        Example {
            doc: self.document(),
            label: self.label,
            weight,
        }
    }
}

/// Results of a model on labelled documents at its own threshold.
fn metrics_on(classifier: &Classifier, docs: &[&LabelDoc]) -> Option<Metrics> {
    if docs.is_empty() {
        return None;
    }
    let scored: Vec<(Label, f64)> = docs
        .iter()
        .map(|d| (d.label, classifier.log_odds(&d.document())))
        .collect();
    Some(Metrics::compute(&scored, classifier.threshold_log_odds()))
}

/// Whether the candidate is worse than the model in use on the held-out labels: it flags
/// more ham, or (with both classes present) ranks worse.
fn guard(candidate: Option<&Metrics>, current: Option<&Metrics>) -> (bool, String) {
    let (Some(cand), Some(cur)) = (candidate, current) else {
        return (true, "no labels held out yet: nothing to compare on".into());
    };
    if cand.false_positives > cur.false_positives {
        return (
            false,
            format!(
                "the candidate flags {} of the held-out ham as spam where the model in use flags {}",
                cand.false_positives, cur.false_positives
            ),
        );
    }
    if let (Some(cand_auc), Some(cur_auc)) = (cand.roc_auc, cur.roc_auc)
        && cand_auc < cur_auc
    {
        return (
            false,
            format!(
                "the candidate's ROC AUC on held-out labels is {cand_auc:.4}, below the model in use's {cur_auc:.4}"
            ),
        );
    }
    let auc = |m: &Metrics| {
        m.roc_auc
            .map_or("n/a (one class)".to_owned(), |a| format!("{a:.4}"))
    };
    (
        true,
        format!(
            "on {} held-out labels the candidate flags {} ham (in use: {}) and ranks with ROC AUC {} (in use: {})",
            cand.n,
            cand.false_positives,
            cur.false_positives,
            auc(cand),
            auc(cur)
        ),
    )
}

/// Trains a candidate from `base` plus every current label and checks it against the model
/// in use (`current_bundle`) on held-out recent labels. The caller stores the model and
/// activates it when `activated` says so (it passed the guard, or `force`).
///
/// # Errors
/// No labels or a damaged model.
pub fn retrain(
    labels: Vec<LabelledComment>,
    current_bundle: &ModelBundle,
    base: &ModelBundle,
    options: &RetrainOptions,
) -> anyhow::Result<(ModelBundle, Retrained)> {
    if !(options.label_weight.is_finite() && options.label_weight > 0.0) {
        bail!("the label weight must be a positive number");
    }
    let current = Classifier::from_bundle(current_bundle)?;
    let mut docs: Vec<LabelDoc> = labels.into_iter().map(LabelDoc::from).collect();
    if docs.is_empty() {
        bail!("there are no labels to learn from yet: moderate some comments first");
    }
    // Held out: a hash-chosen share of the most recent labels (recency by label time).
    let recent_from = docs.len().saturating_sub(RECENT_LABELS);
    let mut docs: Vec<(LabelDoc, bool)> = docs
        .drain(..)
        .enumerate()
        .map(|(i, d)| {
            let held = i >= recent_from && is_held_out(d.id);
            (d, held)
        })
        .collect();
    // Comment order from here on, so the same labels always give the same model.
    docs.sort_by_key(|(d, _)| d.id);
    let params = TrainParams {
        alpha: base.alpha,
        ..TrainParams::default()
    };
    let weight = options.label_weight;

    // The candidate the guard judges: base plus the labels not held out. Naive Bayes keeps
    // counts, so the model that goes live is this one plus the held-out labels: every
    // label is fitted once (it used to be twice: once for the guard, once from the base).
    let judged_nb = train::fit_counts(
        docs.iter()
            .filter(|(_, h)| !*h)
            .map(|(d, _)| d.example(weight)),
        &base.features,
        &params,
        Some(base.nb.clone()),
    )
    .map_err(|e| anyhow!(e))?;
    let judged = Classifier::from_bundle(&ModelBundle {
        nb: judged_nb.clone(),
        ..base.clone()
    })?;
    let held_docs: Vec<&LabelDoc> = docs.iter().filter(|(_, h)| *h).map(|(d, _)| d).collect();
    let candidate_metrics = metrics_on(&judged, &held_docs);
    let current_metrics = metrics_on(&current, &held_docs);
    let (passed_guard, verdict) = guard(candidate_metrics.as_ref(), current_metrics.as_ref());
    let held_out = held_docs.len();
    drop(judged);
    let nb = if held_out == 0 {
        judged_nb
    } else {
        train::fit_counts(
            held_docs.iter().map(|d| d.example(weight)),
            &base.features,
            &params,
            Some(judged_nb),
        )
        .map_err(|e| anyhow!(e))?
    };
    drop(held_docs);
    let docs: Vec<LabelDoc> = docs.into_iter().map(|(d, _)| d).collect();
    let spam = docs.iter().filter(|d| d.label == Label::Spam).count();
    let created_at = Timestamp::now().to_rfc3339();
    let version = model::new_version(
        &created_at,
        &format!("{}|{}|{}", current_bundle.version, docs.len(), spam),
    );
    let mut training = base.training.clone();
    training.files.push("moderator labels".into());
    training.texts += docs.len();
    training.spam += spam;
    training.ham += docs.len() - spam;
    let report = RetrainReport {
        labels: docs.len(),
        spam,
        ham: docs.len() - spam,
        label_weight: weight,
        held_out,
        candidate: candidate_metrics,
        current: current_metrics,
        passed_guard,
        verdict,
    };
    let bundle = ModelBundle {
        version: version.clone(),
        created_at,
        training,
        nb,
        lineage: Some(Lineage {
            base: base.version.clone(),
            parent: current_bundle.version.clone(),
        }),
        retraining: Some(report.clone()),
        ..base.clone()
    };
    Classifier::from_bundle(&bundle)?;
    let activated = passed_guard || options.force;
    Ok((
        bundle,
        Retrained {
            version,
            activated,
            report,
        },
    ))
}

//! Retraining: moderator labels → a candidate built from the base model → the acceptance check's
//! verdict. The caller (`app::filter`) stores the model and activates it in the model archive
//! (`app::model_archive`).
//!
//! A candidate is always the base model (the shipped one, or `REPLYGUARD_MODEL`) plus every
//! current label, their counts summed in comment order (`train::fit_counts`). So a reversed
//! or removed label is unlearned exactly: the next model is bit for bit the one that never
//! saw it.
//!
//! Fitting prints linfa-bayes 0.8.1's debug dump to stderr: callers run [`retrain`] in a
//! process whose stderr is discarded (`replyguard model retrain` does; the service starts
//! that command).

use anyhow::{anyhow, bail};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::classifier::Classifier;
use crate::classifier::metrics::Metrics;
use crate::classifier::model::{self, Lineage, ModelBundle, RetrainReport};
use crate::classifier::tokenize::Document;
use crate::classifier::train::{self, Example, TrainParams};
use crate::domain::LabelledComment;
use crate::domain::comment::website_host;
use crate::domain::{Label, Timestamp};

/// The acceptance check evaluates on labels from this many most recent ones…
pub const RECENT_LABELS: usize = 5_000;
/// …of which this share (chosen by a hash of the comment id) is held out of the candidate.
pub const HELD_OUT_SHARE: f64 = 0.2;

/// Options of one retraining run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetrainOptions {
    /// Activate even if the acceptance check finds the candidate worse.
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
fn acceptance_check(candidate: Option<&Metrics>, current: Option<&Metrics>) -> (bool, String) {
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
/// activates it when `activated` says so (it passed the acceptance check, or `force`).
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

    // The candidate the acceptance check judges: base plus the labels not held out. Naive Bayes keeps
    // counts, so the model that goes live is this one plus the held-out labels: every
    // label is fitted once (it used to be twice: once for the acceptance check, once from the base).
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
    let (accepted, verdict) =
        acceptance_check(candidate_metrics.as_ref(), current_metrics.as_ref());
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
        accepted,
        verdict,
    };
    // The labels' features are evidence now too.
    let seen = base.seen.clone().map(|mut seen| {
        for doc in &docs {
            crate::classifier::tokenize::for_each_hashed(
                &doc.document(),
                &base.features,
                &mut |_, h| seen.insert(h),
            );
        }
        seen
    });
    let bundle = ModelBundle {
        version: version.clone(),
        created_at,
        training,
        nb,
        seen,
        lineage: Some(Lineage {
            base: base.version.clone(),
            parent: current_bundle.version.clone(),
        }),
        retraining: Some(report.clone()),
        ..base.clone()
    };
    Classifier::from_bundle(&bundle)?;
    let activated = accepted || options.force;
    Ok((
        bundle,
        Retrained {
            version,
            activated,
            report,
        },
    ))
}

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
    /// The site's origin, and where the label came from (`moderator`, `akismet`, `import`).
    site: String,
    source: String,
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
            site: l.site,
            source: l.source,
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

/// Each labelled document's label and log-odds under `classifier`.
fn scored_on(classifier: &Classifier, docs: &[&LabelDoc]) -> Vec<(Label, f64)> {
    docs.iter()
        .map(|d| (d.label, classifier.log_odds(&d.document())))
        .collect()
}

/// Results on scored documents at `threshold`; `None` when there are none.
fn metrics_of(scored: &[(Label, f64)], threshold: f64) -> Option<Metrics> {
    (!scored.is_empty()).then(|| Metrics::compute(scored, threshold))
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

/// How much one label an app sent through the Akismet API (`submit-spam`, `submit-ham`)
/// counts against a moderator's.
pub const FEEDBACK_WEIGHT: f64 = 0.25;

/// Whether an app's feedback label contradicts what `scorer` is sure of: "ham" for a text
/// it files as spam, or "spam" for one it scores below 10 %. Such labels are held back for
/// a moderator to confirm (labelling the comment themselves) rather than learnt: a flood of
/// them is how one key would poison its site's layer.
fn contradicts(scorer: &Classifier, doc: &LabelDoc) -> bool {
    let z = scorer.log_odds(&doc.document());
    match doc.label {
        Label::Ham => z >= scorer.threshold_log_odds(),
        Label::Spam => z < -(9.0f64).ln(),
    }
}

/// Builds the next model and checks it against the one in use (`current_bundle`).
///
/// - **The base** is `base` (the shipped model, or `REPLYGUARD_MODEL`) plus the moderator
///   labels of the sites in `promoted` (`replyguard model promote --site ORIGIN`): no other
///   label ever changes it, so no site's labels reach another site's scores.
/// - **Each site with labels gets its own layer** over that base (`classifier::site`), from
///   its labels only: a moderator's count fully, an app's feedback for
///   [`FEEDBACK_WEIGHT`], and feedback that contradicts the site's model in use is held back.
/// - **Each layer has its own acceptance check**, on the site's held-out moderator labels
///   (a hash-chosen share of its recent ones), against the site's model in use. A refused
///   layer is not used: the site keeps the layer it had. The model is activated when a
///   site's layer (or the base) changed and passed, or with `force`.
///
/// Labels are summed in comment order, so a reversed or removed label is unlearned exactly:
/// the next layer is the one that never saw it.
///
/// # Errors
/// No labels or a damaged model.
pub fn retrain(
    labels: Vec<LabelledComment>,
    current_bundle: &ModelBundle,
    base: &ModelBundle,
    options: &RetrainOptions,
    promoted: &[String],
) -> anyhow::Result<(ModelBundle, Retrained)> {
    use crate::classifier::site::{PRIOR_DOCS, SiteExample, SiteLayer};
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
    let weight = options.label_weight;

    // The base: the corpus, plus what the operator promoted.
    let promoted_docs: Vec<&LabelDoc> = docs
        .iter()
        .map(|(d, _)| d)
        .filter(|d| d.source == "moderator" && promoted.contains(&d.site))
        .collect();
    let mut base_bundle = base.clone();
    base_bundle.site_layer = None;
    base_bundle.site_layers = Vec::new();
    if !promoted_docs.is_empty() {
        let params = TrainParams {
            alpha: base.alpha,
            ..TrainParams::default()
        };
        base_bundle.nb = train::fit_counts(
            promoted_docs.iter().map(|d| d.example(weight)),
            &base.features,
            &params,
            Some(base.nb.clone()),
        )
        .map_err(|e| anyhow!(e))?;
        if let Some(seen) = base_bundle.seen.as_mut() {
            for d in &promoted_docs {
                crate::classifier::tokenize::for_each_hashed(
                    &d.document(),
                    &base.features,
                    &mut |_, h| seen.insert(h),
                );
            }
        }
    }
    let base_scorer = Classifier::from_bundle(&base_bundle)?;

    // Each site's layer, from its own labels, checked on its own held-out ones.
    let mut by_site: std::collections::BTreeMap<&str, Vec<(&LabelDoc, bool)>> = Default::default();
    for (d, held) in &docs {
        by_site.entry(d.site.as_str()).or_default().push((d, *held));
    }
    fn example(d: &LabelDoc, weight: f64) -> SiteExample<'_> {
        SiteExample {
            doc: d.document(),
            label: d.label,
            weight: weight
                * if d.source == "akismet" {
                    FEEDBACK_WEIGHT
                } else {
                    1.0
                },
        }
    }
    let mut layers = Vec::new();
    let mut checks = Vec::new();
    let (mut cand_scored, mut cur_scored) = (Vec::new(), Vec::new());
    let promoted_count = promoted_docs.len();
    let mut changed = promoted_count > 0;
    for (site, site_docs) in by_site {
        let in_use = current.for_site(site);
        let mut held_back = 0;
        let usable: Vec<(&LabelDoc, bool)> = site_docs
            .into_iter()
            .filter(|(d, _)| {
                let keep = d.source != "akismet" || !contradicts(in_use, d);
                held_back += usize::from(!keep);
                keep
            })
            .collect();
        let fit = SiteLayer::learn(
            site,
            &base_scorer,
            usable
                .iter()
                .filter(|(_, held)| !held)
                .map(|(d, _)| example(d, weight)),
            PRIOR_DOCS,
        );
        let candidate = base_scorer.with_layer(&fit);
        let reference: Vec<&LabelDoc> = usable
            .iter()
            .filter(|(d, held)| *held && d.source == "moderator")
            .map(|(d, _)| *d)
            .collect();
        let (cand_s, cur_s) = (
            scored_on(&candidate, &reference),
            scored_on(in_use, &reference),
        );
        let (accepted, verdict) = acceptance_check(
            metrics_of(&cand_s, candidate.threshold_log_odds()).as_ref(),
            metrics_of(&cur_s, in_use.threshold_log_odds()).as_ref(),
        );
        cand_scored.extend(cand_s);
        cur_scored.extend(cur_s);
        let learnt = usable.len();
        if accepted || options.force {
            layers.push(SiteLayer::learn(
                site,
                &base_scorer,
                usable.iter().map(|(d, _)| example(d, weight)),
                PRIOR_DOCS,
            ));
            changed = true;
        } else if let Some(kept) = current_bundle.site_layers.iter().find(|l| l.site == site) {
            layers.push(kept.clone());
        }
        checks.push(model::SiteCheck {
            site: site.to_owned(),
            labels: learnt,
            held_back,
            accepted,
            verdict,
        });
    }
    let total = docs.len();
    let spam = docs.iter().filter(|(d, _)| d.label == Label::Spam).count();
    let held_out = cand_scored.len();
    let refused: Vec<String> = checks
        .iter()
        .filter(|c| !c.accepted)
        .map(|c| format!("{}: {}", c.site, c.verdict))
        .collect();
    let accepted = refused.is_empty();
    let verdict = if accepted {
        let (overall, _) = acceptance_check(
            metrics_of(&cand_scored, base_scorer.threshold_log_odds()).as_ref(),
            metrics_of(&cur_scored, current.threshold_log_odds()).as_ref(),
        );
        format!("every site's layer passed; {overall}")
    } else {
        format!(
            "refused, the site keeps its layer in use: {}",
            refused.join("; ")
        )
    };
    let created_at = Timestamp::now().to_rfc3339();
    let version = model::new_version(
        &created_at,
        &format!("{}|{}|{}", current_bundle.version, total, spam),
    );
    let mut training = base_bundle.training.clone();
    if promoted_count > 0 {
        training.files.push("promoted moderator labels".into());
        training.texts += promoted_count;
    }
    let report = RetrainReport {
        labels: total,
        spam,
        ham: total - spam,
        label_weight: weight,
        held_out,
        candidate: metrics_of(&cand_scored, base_scorer.threshold_log_odds()),
        current: metrics_of(&cur_scored, current.threshold_log_odds()),
        accepted,
        verdict,
        sites: checks,
    };
    let bundle = ModelBundle {
        version: version.clone(),
        created_at,
        training,
        site_layers: layers,
        lineage: Some(Lineage {
            base: base.version.clone(),
            parent: current_bundle.version.clone(),
        }),
        retraining: Some(report.clone()),
        ..base_bundle
    };
    Classifier::from_bundle(&bundle)?;
    let activated = changed || options.force;
    Ok((
        bundle,
        Retrained {
            version,
            activated,
            report,
        },
    ))
}

//! Whole training and evaluation runs over corpus files: what `replyguard model` does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Classifier;
use super::corpus::{self, LabelledText};
use super::metrics::{self, Metrics};
use super::model::{Calibration, ModelBundle, TrainingSummary};
use super::tokenize::{Document, FeatureSettings, for_each_hashed};
use super::train::{self, Example, TrainParams};
use crate::domain::{Label, Timestamp};

/// Everything that shapes a trained model.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    pub features: FeatureSettings,
    pub params: TrainParams,
    /// The largest share of ham the default threshold may flag on the calibration slice.
    pub target_false_positive_rate: f64,
    /// Share of the training texts held out to choose the threshold.
    pub calibration_share: f64,
    /// Extra weight for files whose name starts with the given text (case-insensitive),
    /// applied on top of the per-file balancing: see [`DEFAULT_SOURCE_WEIGHTS`].
    pub source_weights: Vec<(String, f64)>,
    /// Weight of one unlabelled text relative to one labelled text in adaptation (see
    /// [`adapt`]).
    pub unlabelled_weight: f64,
}

/// Comments count double: the service scores web comments, and the YouTube collection is
/// the comment corpus (SMS messages are the other). Split A ROC AUC, YouTube / SMS
/// (`bench/ablation.sh`): ×1 0.985 / 0.993, ×2 0.990 / 0.992, ×4 0.991 / 0.988.
pub const DEFAULT_SOURCE_WEIGHTS: &[(&str, f64)] = &[("youtube", 2.0)];

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            features: FeatureSettings::default(),
            params: TrainParams::default(),
            target_false_positive_rate: 0.005,
            calibration_share: 0.2,
            unlabelled_weight: DEFAULT_UNLABELLED_WEIGHT,
            source_weights: DEFAULT_SOURCE_WEIGHTS
                .iter()
                .map(|(name, w)| ((*name).to_owned(), *w))
                .collect(),
        }
    }
}

/// Rounds of expectation-maximisation over unlabelled texts (Nigam et al., 2000): the
/// first rounds move the model, later ones little.
pub const EM_ROUNDS: usize = 3;

/// An unlabelled text weighs this much against a labelled one ("EM-λ"): enough for the
/// target site's words to get counts, too little for the model's own guesses to outvote
/// the labels.
pub const DEFAULT_UNLABELLED_WEIGHT: f64 = 0.1;

/// Loads texts to adapt to: every text of each file, labels ignored (a line without a tab is
/// all text; a TSV line's label and a YouTube CSV's CLASS are dropped).
///
/// # Errors
/// The first file that cannot be read or parsed.
pub fn load_unlabelled(files: &[PathBuf]) -> anyhow::Result<Vec<String>> {
    let mut texts = Vec::new();
    for path in files {
        texts.extend(
            corpus::load_file(path, false)?
                .texts
                .into_iter()
                .map(|t| t.text),
        );
    }
    Ok(texts)
}

/// Adapts `bundle` (fitted on labelled texts only) to a site's unlabelled texts by
/// expectation-maximisation: each round scores every text with the current model and
/// refits from the labelled counts plus every text in both classes, weighted by its
/// probability of each times `options.unlabelled_weight`. Still naive Bayes fitted by
/// linfa-bayes; only the counts it is given change.
///
/// # Errors
/// A damaged model or a linfa failure.
pub fn adapt(
    bundle: &ModelBundle,
    unlabelled: &[String],
    options: &TrainOptions,
) -> anyhow::Result<linfa_bayes::MultinomialNb<f64, usize>> {
    let docs: Vec<Document<'_>> = unlabelled.iter().map(|t| Document::text(t)).collect();
    let labelled = bundle.nb.clone();
    let mut current = bundle.clone();
    let lambda = options.unlabelled_weight;
    for _ in 0..EM_ROUNDS {
        let classifier = Classifier::from_bundle(&current)?;
        let examples: Vec<Example<'_>> = docs
            .iter()
            .flat_map(|doc| {
                let p = crate::domain::SpamScore::from_log_odds(classifier.log_odds(doc))
                    .map_or(0.5, crate::domain::SpamScore::probability);
                [
                    Example {
                        doc: *doc,
                        label: Label::Spam,
                        weight: lambda * p,
                    },
                    Example {
                        doc: *doc,
                        label: Label::Ham,
                        weight: lambda * (1.0 - p),
                    },
                ]
            })
            .collect();
        current.nb = train::fit_soft(
            examples,
            &options.features,
            &options.params,
            Some(labelled.clone()),
        )
        .map_err(anyhow::Error::msg)?;
    }
    Ok(current.nb)
}

/// Loads labelled training or test files.
///
/// # Errors
/// The first file that cannot be read or parsed.
pub fn load_labelled(files: &[PathBuf]) -> anyhow::Result<Vec<LabelledText>> {
    let mut texts = Vec::new();
    for path in files {
        texts.extend(corpus::load_file(path, true)?.texts);
    }
    Ok(texts)
}

fn labelled(texts: &[LabelledText]) -> impl Iterator<Item = (Document<'_>, Label)> {
    texts
        .iter()
        .filter_map(|t| t.label.map(|l| (Document::text(&t.text), l)))
}

/// The file part of a text's key (`<file>:<row>`).
fn source_of(key: &str) -> &str {
    key.rsplit_once(':').map_or(key, |(file, _)| file)
}

/// Weights that give every source file the same total weight within each class (the mean
/// weight stays 1, so smoothing keeps its scale), times the file's extra weight, if any.
///
/// Without this, the larger corpus decides what "ham" looks like: pooled with 3,400 SMS
/// messages, the 660 YouTube ham comments barely move the ham word distribution, and
/// ordinary comment words ("song", "video") end up looking like spam.
fn source_weights(
    texts: &[&LabelledText],
    extra: &[(String, f64)],
) -> HashMap<(String, Label), f64> {
    let mut counts: HashMap<(String, Label), usize> = HashMap::new();
    for t in texts {
        if let Some(label) = t.label {
            *counts
                .entry((source_of(&t.key).to_owned(), label))
                .or_default() += 1;
        }
    }
    let mut weights = HashMap::new();
    for class in [Label::Ham, Label::Spam] {
        let sizes: Vec<usize> = counts
            .iter()
            .filter(|((_, l), _)| *l == class)
            .map(|(_, n)| *n)
            .collect();
        let total: usize = sizes.iter().sum();
        for ((source, label), n) in &counts {
            if *label == class {
                let lower = source.to_lowercase();
                let boost = extra
                    .iter()
                    .find(|(prefix, _)| lower.starts_with(&prefix.to_lowercase()))
                    .map_or(1.0, |(_, w)| *w);
                weights.insert(
                    (source.clone(), class),
                    boost * total as f64 / (sizes.len() as f64 * *n as f64),
                );
            }
        }
    }
    weights
}

/// Whether a text is held out for calibration: a hash of its key, so the same files always
/// give the same slice (and a slice unrelated to split A's).
fn is_calibration(key: &str, share: f64) -> bool {
    let digest = Sha256::digest(format!("replyguard-calibration|{key}").as_bytes());
    let x = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    f64::from(x) / f64::from(u32::MAX) < share
}

/// Trains a model bundle in one pass over the data: first on all but a calibration slice,
/// which then chooses the threshold on texts the model has not seen; then the slice is added
/// with `fit_with`, which gives exactly the model a fit on everything would.
///
/// Why a false-positive budget picks the threshold: a reader's comment wrongly filed as spam
/// is a reader lost, while spam let through still waits in the moderation queue (nothing is
/// published unapproved). So the threshold is the lowest one that flags at most
/// `target_false_positive_rate` of held-out ham, and never below even odds.
///
/// # Errors
/// A message for bad options, missing classes or a linfa failure.
pub fn train_bundle(
    texts: &[LabelledText],
    files: &[PathBuf],
    unlabelled: &[String],
    options: &TrainOptions,
) -> anyhow::Result<ModelBundle> {
    let all: Vec<&LabelledText> = texts.iter().collect();
    let weights = source_weights(&all, &options.source_weights);
    let (held_out, fit_part): (Vec<&LabelledText>, Vec<&LabelledText>) = all
        .into_iter()
        .partition(|t| is_calibration(&t.key, options.calibration_share));
    let held_out = examples_of(&held_out, &weights);
    let mut seen = super::seen::SeenSet::new(super::seen::DEFAULT_BITS);
    for text in texts
        .iter()
        .map(|t| t.text.as_str())
        .chain(unlabelled.iter().map(String::as_str))
    {
        for_each_hashed(&Document::text(text), &options.features, &mut |_, h| {
            seen.insert(h)
        });
    }
    let mut bundle = fit_bundle(examples_of(&fit_part, &weights), files, options, None)?;
    bundle.seen = Some(seen);
    // Adapted before the threshold is chosen, so the threshold is the adapted model's.
    if !unlabelled.is_empty() {
        bundle.nb = adapt(&bundle, unlabelled, options)?;
        bundle.training.unlabelled = unlabelled.len();
    }
    if held_out.is_empty() {
        return Ok(bundle);
    }
    let classifier = Classifier::from_bundle(&bundle)?;
    let scored: Vec<(Label, f64)> = held_out
        .iter()
        .map(|e| (e.label, classifier.log_odds(&e.doc)))
        .collect();
    let threshold =
        metrics::threshold_for_fpr(&scored, options.target_false_positive_rate).max(0.0);
    let calibration = Calibration {
        held_out: held_out.len(),
        target_false_positive_rate: options.target_false_positive_rate,
        metrics: Metrics::compute(&scored, threshold),
    };
    let mut all = bundle.training.clone();
    all.texts += held_out.len();
    let held_spam = held_out.iter().filter(|e| e.label == Label::Spam).count();
    all.spam += held_spam;
    all.ham += held_out.len() - held_spam;
    bundle.nb = train::fit(
        held_out,
        &options.features,
        &options.params,
        Some(bundle.nb),
    )
    .map_err(anyhow::Error::msg)?;
    bundle.training = all;
    bundle.threshold_log_odds = threshold;
    bundle.calibration = Some(calibration);
    Ok(bundle)
}

fn examples_of<'a>(
    part: &[&'a LabelledText],
    weights: &HashMap<(String, Label), f64>,
) -> Vec<Example<'a>> {
    part.iter()
        .filter_map(|t| {
            let label = t.label?;
            Some(Example {
                doc: Document::text(&t.text),
                label,
                weight: weights
                    .get(&(source_of(&t.key).to_owned(), label))
                    .copied()
                    .unwrap_or(1.0),
            })
        })
        .collect()
}

fn fit_bundle(
    examples: Vec<Example<'_>>,
    files: &[PathBuf],
    options: &TrainOptions,
    calibration: Option<Calibration>,
) -> anyhow::Result<ModelBundle> {
    let spam = examples.iter().filter(|e| e.label == Label::Spam).count();
    let training = TrainingSummary {
        files: files
            .iter()
            .map(|p| {
                p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                )
            })
            .collect(),
        texts: examples.len(),
        spam,
        ham: examples.len() - spam,
        unlabelled: 0,
    };
    if training.spam == 0 || training.ham == 0 {
        anyhow::bail!(
            "training needs both spam and ham examples ({} spam, {} ham)",
            training.spam,
            training.ham
        );
    }
    let nb = train::fit(examples, &options.features, &options.params, None)
        .map_err(anyhow::Error::msg)?;
    let created_at = Timestamp::now().to_rfc3339();
    let version = super::model::new_version(&created_at, &format!("{training:?}|{options:?}"));
    Ok(ModelBundle {
        version,
        created_at,
        features: options.features,
        alpha: options.params.alpha,
        threshold_log_odds: 0.0,
        training,
        calibration,
        nb,
        lineage: None,
        retraining: None,
        site_layer: None,
        site_layers: Vec::new(),
        seen: None,
    })
}

/// A site's layer over `bundle` from a labelled file, as the service learns one from a
/// site's labels (each counting once).
///
/// # Errors
/// An unreadable file, or one without labels.
pub fn site_layer_from_file(
    bundle: &ModelBundle,
    file: &Path,
    prior_docs: f64,
) -> anyhow::Result<super::site::SiteLayer> {
    let base = Classifier::from_bundle(bundle)?;
    let texts = load_labelled(&[file.to_owned()])?;
    let site = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let examples = texts.iter().filter_map(|t| {
        Some(super::site::SiteExample {
            doc: Document::text(&t.text),
            label: t.label?,
            weight: 1.0,
        })
    });
    Ok(super::site::SiteLayer::learn(
        &site, &base, examples, prior_docs,
    ))
}

/// Results on one test file.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub test: String,
    pub threshold: f64,
    #[serde(flatten)]
    pub metrics: Metrics,
}

/// Scores every labelled text of each test file; one [`Evaluation`] per file, then one for
/// all files together when there are several.
///
/// # Errors
/// A test file that cannot be read.
pub fn evaluate(
    classifier: &Classifier,
    tests: &[PathBuf],
    threshold_log_odds: f64,
) -> anyhow::Result<Vec<Evaluation>> {
    let probability = crate::domain::SpamScore::from_log_odds(threshold_log_odds)
        .map_or(1.0, |s| s.probability());
    let mut results = Vec::new();
    let mut all = Vec::new();
    for path in tests {
        let texts = corpus::load_file(path, true)?.texts;
        let scored: Vec<(Label, f64)> = labelled(&texts)
            .map(|(doc, label)| (label, classifier.log_odds(&doc)))
            .collect();
        results.push(Evaluation {
            test: display_name(path),
            threshold: probability,
            metrics: Metrics::compute(&scored, threshold_log_odds),
        });
        all.extend(scored);
    }
    if tests.len() > 1 {
        results.push(Evaluation {
            test: "all".into(),
            threshold: probability,
            metrics: Metrics::compute(&all, threshold_log_odds),
        });
    }
    Ok(results)
}

fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Writes each file's texts written before `year` and from `year` on as
/// `<file stem>-before-<year>.tsv` and `<file stem>-from-<year>.tsv`: the "later year" test
/// of a site the model never saw (`bench/accuracy.sh`). Returns the paths written.
///
/// # Errors
/// A file that cannot be read or written, or that has no dated text (only the YouTube
/// collection's CSV files have dates).
pub fn write_by_year(files: &[PathBuf], out_dir: &Path, year: u16) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out_dir)?;
    let mut written = Vec::new();
    for path in files {
        let texts = corpus::load_file(path, true)?.texts;
        if texts.iter().all(|t| t.year.is_none()) {
            anyhow::bail!(
                "{} has no dates to split by (only the YouTube collection's CSV files have)",
                path.display()
            );
        }
        let stem = path
            .file_stem()
            .map_or_else(|| display_name(path), |s| s.to_string_lossy().into_owned());
        for (part, later) in [("before", false), ("from", true)] {
            let out = out_dir.join(format!("{stem}-{part}-{year}.tsv"));
            let mut tsv = String::new();
            for text in texts
                .iter()
                .filter(|t| t.year.is_some_and(|y| (y >= year) == later))
            {
                tsv.push_str(&corpus::tsv_line(text.label, &text.text));
                tsv.push('\n');
            }
            std::fs::write(&out, tsv)?;
            written.push(out);
        }
    }
    Ok(written)
}

/// Writes split A of each collection in `files` to `out_dir` as
/// `<collection>-train.tsv` and `<collection>-test.tsv`; returns the paths written.
///
/// # Errors
/// A file that cannot be read or written.
pub fn write_split_a(
    files: &[PathBuf],
    out_dir: &Path,
    test_share: f64,
) -> anyhow::Result<Vec<PathBuf>> {
    use std::collections::BTreeMap;
    let mut collections: BTreeMap<String, Vec<LabelledText>> = BTreeMap::new();
    for path in files {
        let file = corpus::load_file(path, true)?;
        collections
            .entry(file.collection.0)
            .or_default()
            .extend(file.texts);
    }
    std::fs::create_dir_all(out_dir)?;
    let mut written = Vec::new();
    for (name, texts) in collections {
        let sides = corpus::split_a(&texts, test_share);
        for (side, suffix) in [(corpus::Side::Train, "train"), (corpus::Side::Test, "test")] {
            let path = out_dir.join(format!("{name}-{suffix}.tsv"));
            let mut out = String::new();
            for (text, s) in texts.iter().zip(&sides) {
                if *s == side {
                    out.push_str(&corpus::tsv_line(text.label, &text.text));
                    out.push('\n');
                }
            }
            std::fs::write(&path, out)?;
            written.push(path);
        }
    }
    Ok(written)
}

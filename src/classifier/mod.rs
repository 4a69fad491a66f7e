//! The spam filter: text → features → multinomial naive Bayes → P(spam) with reasons.
//!
//! Pure CPU and deterministic; depends on `domain` only. Training goes through linfa-bayes
//! (`train`); scoring takes the fitted per-class log-probabilities out of the linfa model once
//! and sums them sparsely over a comment's features, which gives linfa's own joint
//! log-likelihood difference (checked to 1e-9 in tests) at a tiny fraction of the cost of its
//! dense `predict`.

pub mod corpus;
mod explain;
pub mod fairness;
mod fnv;
pub mod fold;
pub mod html;
pub mod metrics;
pub mod minhash;
pub mod model;
pub mod pipeline;
pub mod reasons;
mod scratch;
pub mod seen;
pub mod site;
pub mod tally;
pub mod tokenize;
pub mod train;

use std::sync::{Arc, RwLock};

use serde::Serialize;

use self::model::{HAM, ModelBundle, ModelError, SPAM};
use self::tally::{Tally, Weighed};
use self::tokenize::{Columns, Document, FeatureSettings, for_each_hashed};
use crate::domain::{Label, SpamScore};

/// The bytes of `models/default.json`.
pub const SHIPPED_MODEL: &[u8] = include_bytes!("../../models/default.json");

/// One reason behind a score, in words a moderator understands.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Reason {
    /// e.g. `link to bit.ly`, `"subscribe"`, `ALL CAPS`.
    pub signal: String,
    /// Which way it pushed.
    pub towards: Label,
    /// Its contribution to the log-odds (positive: towards spam).
    pub weight: f64,
}

/// A score and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    pub score: SpamScore,
    pub reasons: Vec<Reason>,
    pub model_version: String,
    /// The share of the comment's feature mass on features the model has evidence for
    /// (0 to 1): below [`MIN_EVIDENCE`], too little to call it spam.
    pub evidence: f64,
}

/// Summary of a loaded model, for the API and dashboards.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    pub version: String,
    pub created_at: String,
    pub features: FeatureSettings,
    pub alpha: f64,
    pub threshold: f64,
    pub training: model::TrainingSummary,
    pub calibration: Option<model::Calibration>,
    /// The site layer over the base, when this scorer is a site's: its version, site and
    /// how many labels it learnt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_layer: Option<LayerInfo>,
}

/// A site layer, as a model's summary names it.
#[derive(Debug, Clone, Serialize)]
pub struct LayerInfo {
    pub site: String,
    pub version: String,
    pub created_at: String,
    pub labels: site::LayerLabels,
}

/// A loaded model, ready to score. Immutable: a new model is a new `Classifier`.
#[derive(Debug)]
pub struct Classifier {
    info: ModelInfo,
    threshold_log_odds: f64,
    settings: FeatureSettings,
    /// `ln P(spam) − ln P(ham)`.
    bias: f64,
    /// Per column: `ln P(column | spam) − ln P(column | ham)`; zero for columns never seen in
    /// training, which carry no evidence (and which linfa is never shown either: see
    /// [`Classifier::feature_counts`]).
    weights: Vec<f64>,
    /// The base's per-class `ln P(column | class)` (ham, spam), its feature mass and its
    /// comments per class: what a site layer is drawn around.
    class_log_prob: [Vec<f64>; 2],
    class_mass: [f64; 2],
    class_docs: [f64; 2],
    /// The version comments scored by this scorer store: the base's, or `<base>+<layer>`.
    scored_version: String,
    /// The features the base saw in training (`None` for a model made before it existed:
    /// every feature counts, as it did).
    seen: Option<Arc<seen::SeenSet>>,
    /// Per column, whether a site layer's labels touched it: a feature there counts even
    /// if the base never saw it.
    site_columns: Vec<bool>,
    /// The per-site scorers of a model with site layers, by origin.
    sites: std::collections::HashMap<String, Arc<Classifier>>,
}

/// Below this share of a comment's (squared, normalised) feature mass on features the model
/// has evidence for, its verdict is too thin to file it as spam: it waits for a person.
pub const MIN_EVIDENCE: f64 = 0.35;

/// Reads a named array out of linfa's serialised class histogram.
fn class_array(class: &serde_json::Value, field: &str) -> Option<Vec<f64>> {
    class
        .get(field)?
        .get("data")?
        .as_array()?
        .iter()
        .map(serde_json::Value::as_f64)
        .collect()
}

impl Classifier {
    /// Builds a scorer from a model bundle.
    ///
    /// linfa-bayes keeps its fitted parameters private; its serde form is the supported way to
    /// read them, and this is done once per model.
    ///
    /// # Errors
    /// [`ModelError::Invalid`] when the model lacks a class or its arrays do not match the
    /// feature width.
    pub fn from_bundle(bundle: &ModelBundle) -> Result<Self, ModelError> {
        let invalid = |m: &str| ModelError::Invalid(bundle.version.clone(), m.to_owned());
        let value = serde_json::to_value(&bundle.nb).map_err(|e| invalid(&e.to_string()))?;
        let classes = value
            .get("class_info")
            .ok_or_else(|| invalid("no class_info"))?;
        let class = |label: usize| {
            classes
                .get(label.to_string())
                .ok_or_else(|| invalid("the model was not trained on both spam and ham"))
        };
        let (spam, ham) = (class(SPAM)?, class(HAM)?);
        let width = bundle.features.width();
        let array = |c: &serde_json::Value, field: &str| {
            class_array(c, field)
                .filter(|a| a.len() == width)
                .ok_or_else(|| invalid(&format!("{field} does not have {width} columns")))
        };
        let (spam_lp, ham_lp) = (
            array(spam, "feature_log_prob")?,
            array(ham, "feature_log_prob")?,
        );
        let (spam_n, ham_n) = (array(spam, "feature_count")?, array(ham, "feature_count")?);
        let prior = |c: &serde_json::Value| {
            c.get("prior")
                .and_then(serde_json::Value::as_f64)
                .unwrap_or(0.0)
        };
        let bias = prior(spam).ln() - prior(ham).ln();
        // One more column than the width, always 0: where a feature the model never saw
        // goes, so it counts in the comment's length but carries no weight.
        let weights: Vec<f64> = (0..width)
            .map(|j| {
                if spam_n[j] == 0.0 && ham_n[j] == 0.0 {
                    0.0
                } else {
                    spam_lp[j] - ham_lp[j]
                }
            })
            .chain(std::iter::once(0.0))
            .collect();
        if !bias.is_finite() || weights.iter().any(|w| !w.is_finite()) {
            return Err(invalid("the model holds non-finite parameters"));
        }
        let docs = |c: &serde_json::Value| {
            c.get("class_count")
                .and_then(serde_json::Value::as_f64)
                .unwrap_or(0.0)
        };
        let base = Self {
            info: ModelInfo {
                version: bundle.version.clone(),
                created_at: bundle.created_at.clone(),
                features: bundle.features,
                alpha: bundle.alpha,
                threshold: SpamScore::from_log_odds(bundle.threshold_log_odds)
                    .map_or(1.0, SpamScore::probability),
                training: bundle.training.clone(),
                calibration: bundle.calibration.clone(),
                site_layer: None,
            },
            threshold_log_odds: bundle.threshold_log_odds,
            settings: bundle.features,
            bias,
            weights,
            class_mass: [ham_n.iter().sum(), spam_n.iter().sum()],
            class_docs: [docs(ham), docs(spam)],
            class_log_prob: [ham_lp, spam_lp],
            scored_version: bundle.version.clone(),
            seen: bundle.seen.clone().map(Arc::new),
            site_columns: Vec::new(),
            sites: std::collections::HashMap::new(),
        };
        let mut scorer = match &bundle.site_layer {
            Some(layer) => base.with_layer(layer),
            None => base,
        };
        scorer.sites = bundle
            .site_layers
            .iter()
            .map(|layer| (layer.site.clone(), Arc::new(scorer.with_layer(layer))))
            .collect();
        Ok(scorer)
    }

    /// The scorer for comments on the site `origin`: the base with that site's layer, or
    /// the base when the site has none.
    pub fn for_site(&self, origin: &str) -> &Classifier {
        self.sites.get(origin).map_or(self, |scorer| scorer)
    }

    /// The sites with a layer in this model, and their layers' summaries.
    pub fn site_layers(&self) -> Vec<LayerInfo> {
        let mut layers: Vec<LayerInfo> = self
            .sites
            .values()
            .filter_map(|s| s.info.site_layer.clone())
            .collect();
        layers.sort_by(|a, b| a.site.cmp(&b.site));
        layers
    }

    /// This base with `layer` over it: the site's scorer (see [`site`] for how the two
    /// combine). The threshold stays the base's.
    pub fn with_layer(&self, layer: &site::SiteLayer) -> Self {
        let tau = |c: usize| layer.prior_docs * self.class_mass[c] / self.class_docs[c].max(1.0);
        let (tau_h, tau_s) = (tau(HAM), tau(SPAM));
        let (mut n_h, mut n_s) = (0.0, 0.0);
        for &(_, s, h) in &layer.columns {
            n_s += s;
            n_h += h;
        }
        let width = self.settings.width();
        let mut site = vec![(0.0, 0.0); width];
        let mut site_columns = vec![false; width];
        for &(column, s, h) in &layer.columns {
            if let Some(slot) = site.get_mut(column as usize) {
                *slot = (s, h);
                site_columns[column as usize] = true;
            }
        }
        let weights = (0..width)
            .map(|j| {
                let (s, h) = site[j];
                if self.weights[j] == 0.0 && s == 0.0 && h == 0.0 {
                    return 0.0;
                }
                let theta = |n: f64, t: f64, lp: f64, total: f64| (n + t * lp.exp()) / (total + t);
                theta(s, tau_s, self.class_log_prob[SPAM][j], n_s).ln()
                    - theta(h, tau_h, self.class_log_prob[HAM][j], n_h).ln()
            })
            .chain(std::iter::once(0.0))
            .collect();
        let p_base = 1.0 / (1.0 + (-self.bias).exp());
        let docs = layer.spam_docs + layer.ham_docs;
        let p = (layer.spam_docs + layer.prior_docs * p_base) / (docs + layer.prior_docs);
        let mut info = self.info.clone();
        info.site_layer = Some(LayerInfo {
            site: layer.site.clone(),
            version: layer.version.clone(),
            created_at: layer.created_at.clone(),
            labels: layer.labels,
        });
        Self {
            info,
            threshold_log_odds: self.threshold_log_odds,
            settings: self.settings,
            bias: p.ln() - (1.0 - p).ln(),
            weights,
            class_log_prob: self.class_log_prob.clone(),
            class_mass: self.class_mass,
            class_docs: self.class_docs,
            scored_version: format!("{}+{}", self.info.version, layer.version),
            seen: self.seen.clone(),
            site_columns,
            sites: std::collections::HashMap::new(),
        }
    }

    /// The column a feature hashed `hash` counts in: its own when the model has evidence
    /// for it (saw it in training, or a site's labels touched its column), else the
    /// weightless extra column.
    #[inline]
    pub(crate) fn column_of(
        &self,
        columns: Columns,
        feature: &tokenize::Feature<'_>,
        hash: u64,
    ) -> usize {
        use tokenize::Feature;
        let column = columns.of(hash);
        // Only words speak a language: a link's host, a number's length or the shape of the
        // text keep their column's weight.
        if !matches!(
            feature,
            Feature::Word(_) | Feature::Bigram(..) | Feature::CharGram { .. }
        ) {
            return column;
        }
        match &self.seen {
            Some(seen)
                if !seen.contains(hash)
                    && !self.site_columns.get(column).copied().unwrap_or(false) =>
            {
                self.weights.len() - 1
            }
            _ => column,
        }
    }

    /// The version a comment scored by this scorer stores: the base's, or `<base>+<layer>`
    /// for a site's.
    pub fn scored_version(&self) -> &str {
        &self.scored_version
    }

    /// The model that ships in `models/default.json`, built into the binary so the service
    /// filters from its first start in any directory.
    ///
    /// # Errors
    /// [`ModelError`] if the shipped file is damaged (a build from a broken checkout).
    pub fn shipped() -> Result<Self, ModelError> {
        Self::from_bundle(&ModelBundle::from_file_bytes(
            "models/default.json",
            SHIPPED_MODEL,
        )?)
    }

    /// Loads a model file.
    ///
    /// # Errors
    /// [`ModelError`].
    pub fn load(path: &std::path::Path) -> Result<Self, ModelError> {
        Self::from_bundle(&ModelBundle::load(path)?)
    }

    /// The model's identity and provenance.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// The model's recommended threshold, as log-odds.
    pub fn threshold_log_odds(&self) -> f64 {
        self.threshold_log_odds
    }

    /// The feature settings the model was trained with.
    pub fn settings(&self) -> &FeatureSettings {
        &self.settings
    }

    /// Log-odds of spam for `doc`: the bias plus the weight of every feature occurrence.
    pub fn log_odds(&self, doc: &Document<'_>) -> f64 {
        let bits = self.settings.width_bits;
        let columns = Columns::new(bits);
        Tally::with(bits, |tally| {
            for_each_hashed(doc, &self.settings, &mut |f, h| {
                tally.add(self.column_of(columns, &f, h));
            });
            let mut weighed = Weighed::new(self.settings.counts);
            tally.drain(|column, tf| weighed.add(tf, self.weights[column]));
            self.bias + weighed.total()
        })
    }

    /// Scores `doc`. `None` only if the sum is not finite (it cannot be for a valid model,
    /// but a score is never invented).
    pub fn score(&self, doc: &Document<'_>) -> Option<SpamScore> {
        SpamScore::from_log_odds(self.log_odds(doc))
    }

    /// Scores `doc` and explains the score with up to `max_spam` signals that pushed towards
    /// spam and `max_ham` towards ham, strongest first.
    pub fn score_and_explain(
        &self,
        doc: &Document<'_>,
        max_spam: usize,
        max_ham: usize,
    ) -> Option<Scored> {
        explain::score_and_explain(self, doc, max_spam, max_ham)
    }

    /// `ln P(spam) − ln P(ham)`: the log-odds of a comment with no features.
    pub fn bias(&self) -> f64 {
        self.bias
    }

    /// The log-odds a unit of `column`'s value adds (0 for a column never seen in training).
    pub fn weight(&self, column: usize) -> f64 {
        self.weights.get(column).copied().unwrap_or(0.0)
    }

    /// The feature vector linfa would be given for `doc`, as `(column, value)` pairs,
    /// restricted to columns seen in training (see `weights`).
    pub fn feature_vector(&self, doc: &Document<'_>) -> Vec<(usize, f64)> {
        let columns = Columns::new(self.settings.width_bits);
        let mut vector =
            tokenize::vectorize_by(doc, &self.settings, |f, h| self.column_of(columns, f, h));
        vector.retain(|(column, _)| self.weights[*column] != 0.0);
        vector
    }
}

/// The model in use, swappable while the service runs: readers clone the `Arc` and score
/// without holding the lock, so a swap never waits for scoring and a request keeps the model
/// it started with.
#[derive(Clone)]
pub struct LiveModel {
    current: Arc<RwLock<Arc<Classifier>>>,
}

impl LiveModel {
    /// Wraps the initial model.
    pub fn new(classifier: Classifier) -> Self {
        Self {
            current: Arc::new(RwLock::new(Arc::new(classifier))),
        }
    }

    /// The model in use now.
    pub fn current(&self) -> Arc<Classifier> {
        // The lock only guards an Arc swap; a poisoned lock still holds a valid Arc.
        Arc::clone(
            &self
                .current
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Makes `classifier` the model in use.
    pub fn swap(&self, classifier: Classifier) {
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(classifier);
    }
}

//! A site's own layer over the shared base model, learnt from that site's labels only.
//!
//! Naive Bayes counts add, so a site's layer is the feature mass of its labelled comments per
//! class, sparse over the base's columns. It combines with the base as a hierarchical prior:
//! the site's class-conditional distribution is drawn around the base's with a strength of
//! [`PRIOR_DOCS`] comments, so
//!
//! ```text
//! θ_site(c, j) = (n_site(c, j) + τ_c · θ_base(c, j)) / (N_site(c) + τ_c)
//! ```
//!
//! where `τ_c` is `PRIOR_DOCS` comments' worth of class `c`'s feature mass. With no labels
//! this is the base exactly; with a few dozen the site's own words start to count; with
//! hundreds they dominate. The class prior moves the same way. Why not add the site's
//! counts to the base's with a weight: measured in issue #27, weighting a few texts up
//! overfits them, while the prior trusts the site's evidence only as it grows.

use serde::{Deserialize, Serialize};

use super::tokenize::{Document, vectorize};
use crate::domain::Label;

/// How many comments' worth of evidence the base counts for in a site's layer (`τ`).
/// Chosen on the public proxy (leave-one-video-out learning curve, `bench/accuracy.sh`).
pub const PRIOR_DOCS: f64 = 80.0;

/// Labels a layer learnt, by where they came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerLabels {
    pub spam: usize,
    pub ham: usize,
}

/// One site's layer: what its labels add to the base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteLayer {
    /// The site (its origin) the layer belongs to.
    pub site: String,
    /// Unique per layer; a comment it scored stores `<base>+<this>` as its model version.
    pub version: String,
    pub created_at: String,
    /// The base model version the layer was learnt over.
    pub base: String,
    /// The prior's strength, in comments (`τ`).
    pub prior_docs: f64,
    /// Labelled comments (weighted) per class.
    pub spam_docs: f64,
    pub ham_docs: f64,
    /// `(column, spam mass, ham mass)`, by column: only the columns the site's labels touched.
    pub columns: Vec<(u32, f64, f64)>,
    pub labels: LayerLabels,
}

/// One labelled comment of a site, with how much it counts (a moderator's label 1, an app's
/// feedback less).
pub struct SiteExample<'a> {
    pub doc: Document<'a>,
    pub label: Label,
    pub weight: f64,
}

impl SiteLayer {
    /// Learns `site`'s layer over `base` from its labelled comments.
    pub fn learn<'a>(
        site: &str,
        base: &super::Classifier,
        examples: impl IntoIterator<Item = SiteExample<'a>>,
        prior_docs: f64,
    ) -> Self {
        let mut mass: std::collections::BTreeMap<u32, (f64, f64)> = Default::default();
        let (mut spam_docs, mut ham_docs) = (0.0, 0.0);
        let mut labels = LayerLabels::default();
        for example in examples {
            let w = example.weight.max(0.0);
            for (column, value) in vectorize(&example.doc, base.settings()) {
                let entry = mass.entry(column as u32).or_default();
                match example.label {
                    Label::Spam => entry.0 += w * value,
                    Label::Ham => entry.1 += w * value,
                }
            }
            match example.label {
                Label::Spam => {
                    spam_docs += w;
                    labels.spam += 1;
                }
                Label::Ham => {
                    ham_docs += w;
                    labels.ham += 1;
                }
            }
        }
        let created_at = crate::domain::Timestamp::now().to_rfc3339();
        let version = format!(
            "site-{}",
            super::model::new_version(&created_at, &format!("{site}|{labels:?}|{spam_docs}"))
        );
        Self {
            site: site.to_owned(),
            version,
            created_at,
            base: base.info().version.clone(),
            prior_docs,
            spam_docs,
            ham_docs,
            columns: mass.into_iter().map(|(c, (s, h))| (c, s, h)).collect(),
            labels,
        }
    }

    /// How many labels the layer learnt.
    pub fn label_count(&self) -> usize {
        self.labels.spam + self.labels.ham
    }
}

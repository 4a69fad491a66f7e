//! Fitting the multinomial naive Bayes model with linfa-bayes, in batches.
//!
//! `fit_with` adds each batch's per-class feature counts to the model, so batches give exactly
//! the model one big fit would, while memory stays at one dense batch
//! (`TrainParams::batch_bytes`, plus linfa's per-class copy).
//!
//! linfa-bayes 0.8.1 `dbg!`-prints every feature array on every `fit_with` call. Run this
//! where stderr can be discarded: `replyguard model train` does its fitting in a child
//! process whose stderr goes to /dev/null.

use linfa::ParamGuard;
use linfa::dataset::DatasetBase;
use linfa::traits::FitWith;
use linfa_bayes::{MultinomialNb, MultinomialNbValidParams};
use ndarray::{Array1, Array2};

use super::model::{HAM, SPAM};
use super::tokenize::{Document, FeatureSettings, vectorize};
use crate::domain::Label;

/// Smallest smoothing accepted: linfa accepts `alpha = 0` and then yields NaN for any
/// feature unseen in a class.
pub const MIN_ALPHA: f64 = 1e-6;

/// Training parameters.
///
/// | field | default | range | purpose |
/// | --- | --- | --- | --- |
/// | `alpha` | 0.2 | ≥ 1e-6 | smoothing; it must stay well below 1 with thousands of columns, or the mass given to unseen columns swamps real counts (each text's vector has unit length) |
/// | `batch_bytes` | 128 MiB | ≥ one row | memory of one dense batch (`rows × 2^width_bits × 8`); linfa copies it once more per class |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainParams {
    pub alpha: f64,
    pub batch_bytes: usize,
}

impl Default for TrainParams {
    fn default() -> Self {
        Self {
            alpha: 0.2,
            batch_bytes: 128 << 20,
        }
    }
}

impl TrainParams {
    /// Checks the ranges above and builds linfa's checked parameters.
    ///
    /// # Errors
    /// A message naming the bad parameter.
    pub fn check(&self) -> Result<MultinomialNbValidParams<f64, usize>, String> {
        if !self.alpha.is_finite() || self.alpha < MIN_ALPHA {
            return Err(format!("alpha must be a number of at least {MIN_ALPHA}"));
        }

        MultinomialNb::params()
            .alpha(self.alpha)
            .check()
            .map_err(|e| format!("invalid naive Bayes parameters: {e}"))
    }
}

/// One training example: a document, its label, and its weight (1 for an ordinary text).
#[derive(Debug, Clone, Copy)]
pub struct Example<'a> {
    pub doc: Document<'a>,
    pub label: Label,
    pub weight: f64,
}

/// Writes one weighted document's feature vector into a zeroed `row`.
pub fn fill_row(example: &Example<'_>, settings: &FeatureSettings, row: &mut [f64]) {
    for (column, value) in vectorize(&example.doc, settings) {
        row[column] = value * example.weight;
    }
}

/// Rows per dense batch for `settings` within `params.batch_bytes`.
pub fn batch_rows(settings: &FeatureSettings, params: &TrainParams) -> usize {
    (params.batch_bytes / (settings.width() * std::mem::size_of::<f64>())).max(1)
}

/// Fits a model on `examples`, continuing from `start` if given (incremental training).
///
/// Examples are fed to linfa grouped by class, so that nearly every batch holds one class:
/// the counts are the same in any order, and linfa-bayes then prints (see the module docs)
/// one class histogram per batch instead of two, which halves the cost of its debug dump.
///
/// # Errors
/// A message for bad parameters or a linfa failure.
pub fn fit<'a>(
    examples: impl IntoIterator<Item = Example<'a>>,
    settings: &FeatureSettings,
    params: &TrainParams,
    start: Option<MultinomialNb<f64, usize>>,
) -> Result<MultinomialNb<f64, usize>, String> {
    let valid = params.check()?;
    settings.check()?;
    let width = settings.width();
    let rows = batch_rows(settings, params);
    let mut model = start;
    let mut examples: Vec<Example<'a>> = examples.into_iter().collect();
    examples.sort_by_key(|e| e.label);
    let mut batch: Vec<Example<'a>> = Vec::with_capacity(rows.min(examples.len()));
    let flush = |batch: &mut Vec<Example<'a>>, model: &mut Option<MultinomialNb<f64, usize>>| {
        if batch.is_empty() {
            return Ok(());
        }
        let mut x = Array2::<f64>::zeros((batch.len(), width));
        let mut y = Array1::<usize>::zeros(batch.len());
        for (i, example) in batch.iter().enumerate() {
            let mut row = x.row_mut(i);
            let row = row
                .as_slice_mut()
                .expect("a row of a fresh standard-layout array is contiguous");
            fill_row(example, settings, row);
            y[i] = match example.label {
                Label::Ham => HAM,
                Label::Spam => SPAM,
            };
        }
        let dataset = DatasetBase::new(x, y);
        let fitted = valid
            .fit_with(model.take(), &dataset)
            .map_err(|e| format!("naive Bayes fit failed: {e}"))?;
        *model = Some(fitted);
        batch.clear();
        Ok::<(), String>(())
    };
    for example in examples {
        batch.push(example);
        if batch.len() == rows {
            flush(&mut batch, &mut model)?;
        }
    }
    flush(&mut batch, &mut model)?;
    model.ok_or_else(|| "no training examples".to_owned())
}

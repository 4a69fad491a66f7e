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

/// Adds `examples` to `start` (or to an empty model) from their summed counts: each class's
/// feature vectors are summed sparsely as they stream by, and linfa-bayes is given one row
/// per class, the sum, so it adds the counts and recomputes the smoothed log probabilities
/// itself. Memory is two vectors of the table's width whatever the number of examples, and
/// the time is the tokenizer's, where [`fit`] builds and copies a dense row of the whole
/// width per example (100,000 labels: 28 s and 310 MB; BENCHMARKS.md).
///
/// linfa counts one document per row it is given; each class's document count (and so the
/// priors) is then set to the examples summed, through the model's serialised form (the
/// one model files hold). The sums run in the order of `examples`, so the same examples in
/// the same order give the same model bit for bit: what exact unlearning needs.
///
/// # Errors
/// A message for bad parameters, no examples, or a linfa failure.
pub fn fit_counts<'a>(
    examples: impl IntoIterator<Item = Example<'a>>,
    settings: &FeatureSettings,
    params: &TrainParams,
    start: Option<MultinomialNb<f64, usize>>,
) -> Result<MultinomialNb<f64, usize>, String> {
    fit_summed(examples, settings, params, start, Documents::PerExample)
}

/// Like [`fit_counts`] for examples whose weights are shares of a document (the soft labels
/// of unlabelled texts: a text is in the spam class with weight p and in the ham class with
/// 1 − p): each class counts the sum of its weights, rounded, as its documents.
///
/// # Errors
/// A message for bad parameters, no examples, or a linfa failure.
pub fn fit_soft<'a>(
    examples: impl IntoIterator<Item = Example<'a>>,
    settings: &FeatureSettings,
    params: &TrainParams,
    start: Option<MultinomialNb<f64, usize>>,
) -> Result<MultinomialNb<f64, usize>, String> {
    fit_summed(examples, settings, params, start, Documents::ByWeight)
}

/// How a class's documents are counted from its examples.
#[derive(Clone, Copy, PartialEq)]
enum Documents {
    PerExample,
    ByWeight,
}

fn fit_summed<'a>(
    examples: impl IntoIterator<Item = Example<'a>>,
    settings: &FeatureSettings,
    params: &TrainParams,
    start: Option<MultinomialNb<f64, usize>>,
    counting: Documents,
) -> Result<MultinomialNb<f64, usize>, String> {
    let valid = params.check()?;
    settings.check()?;
    let width = settings.width();
    // Indexed by class: HAM, SPAM.
    let mut sums = [vec![0.0f64; width], vec![0.0f64; width]];
    let mut documents = [0usize; 2];
    let mut weights = [0.0f64; 2];
    for example in examples {
        let class = match example.label {
            Label::Ham => HAM,
            Label::Spam => SPAM,
        };
        for (column, value) in vectorize(&example.doc, settings) {
            sums[class][column] += value * example.weight;
        }
        documents[class] += 1;
        weights[class] += example.weight;
    }
    if counting == Documents::ByWeight {
        // At least one document for a class that got any weight: linfa is given one row.
        for class in [HAM, SPAM] {
            if documents[class] > 0 {
                documents[class] = (weights[class].round() as usize).max(1);
            }
        }
    }
    let mut model = start;
    let mut added = [0usize; 2];
    for class in [HAM, SPAM] {
        if documents[class] == 0 {
            continue;
        }
        let sum = std::mem::take(&mut sums[class]);
        let x = Array2::from_shape_vec((1, width), sum).map_err(|e| e.to_string())?;
        let dataset = DatasetBase::new(x, Array1::from_elem(1, class));
        model = Some(
            valid
                .fit_with(model.take(), &dataset)
                .map_err(|e| format!("naive Bayes fit failed: {e}"))?,
        );
        added[class] = documents[class] - 1;
    }
    let model = model.ok_or_else(|| "no training examples".to_owned())?;
    add_documents(model, added)
}

/// Raises each class's document count by `added[class]` and recomputes the priors as linfa
/// does (a class's count over all counts).
fn add_documents(
    model: MultinomialNb<f64, usize>,
    added: [usize; 2],
) -> Result<MultinomialNb<f64, usize>, String> {
    if added == [0, 0] {
        return Ok(model);
    }
    let broken = |what: &str| format!("unexpected naive Bayes model layout: {what}");
    let mut value = serde_json::to_value(&model).map_err(|e| e.to_string())?;
    let classes = value
        .get_mut("class_info")
        .and_then(serde_json::Value::as_object_mut)
        .ok_or_else(|| broken("class_info"))?;
    let mut total = 0u64;
    for (key, info) in classes.iter_mut() {
        let class: usize = key.parse().map_err(|_| broken("a class key"))?;
        let count = info
            .get("class_count")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| broken("class_count"))?
            + added.get(class).copied().unwrap_or(0) as u64;
        info["class_count"] = count.into();
        total += count;
    }
    for info in classes.values_mut() {
        let count = info["class_count"].as_u64().unwrap_or(0);
        info["prior"] = (count as f64 / total as f64).into();
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples() -> Vec<Example<'static>> {
        let texts: [(&str, Label); 6] = [
            ("check out my channel http://bit.ly/x", Label::Spam),
            ("win cash now, call 0800 123", Label::Spam),
            ("subscribe to my channel please", Label::Spam),
            ("the council vote was close", Label::Ham),
            ("thanks for the careful reporting", Label::Ham),
            ("the library should open on sundays", Label::Ham),
        ];
        texts
            .iter()
            .enumerate()
            .map(|(i, (body, label))| Example {
                doc: Document {
                    body,
                    author: Some("Reader"),
                    website_host: None,
                    email_domain: Some("mail.example"),
                },
                label: *label,
                weight: if i == 0 { 2.5 } else { 1.0 },
            })
            .collect()
    }

    fn classes(model: &MultinomialNb<f64, usize>) -> serde_json::Value {
        serde_json::to_value(model).expect("serialises")["class_info"].clone()
    }

    #[test]
    fn counts_give_the_dense_fit_s_model_on_top_of_a_start() {
        let settings = FeatureSettings::default();
        let params = TrainParams::default();
        let all = examples();
        let start = fit(all[..2].iter().copied(), &settings, &params, None).expect("start");
        let dense = fit(
            all[2..].iter().copied(),
            &settings,
            &params,
            Some(start.clone()),
        )
        .expect("dense");
        let counted =
            fit_counts(all[2..].iter().copied(), &settings, &params, Some(start)).expect("counted");
        let (dense, counted) = (classes(&dense), classes(&counted));
        for class in ["0", "1"] {
            assert_eq!(dense[class]["class_count"], counted[class]["class_count"]);
            assert_eq!(dense[class]["prior"], counted[class]["prior"]);
            let values = |v: &serde_json::Value, field: &str| -> Vec<f64> {
                v[class][field]["data"]
                    .as_array()
                    .expect("array")
                    .iter()
                    .map(|x| x.as_f64().expect("number"))
                    .collect()
            };
            for field in ["feature_count", "feature_log_prob"] {
                for (a, b) in values(&dense, field).iter().zip(values(&counted, field)) {
                    assert!(
                        (a - b).abs() <= 1e-9 * a.abs().max(1.0),
                        "{field}: {a} vs {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_same_examples_in_the_same_order_give_the_same_model_bit_for_bit() {
        let settings = FeatureSettings::default();
        let params = TrainParams::default();
        let once = fit_counts(examples(), &settings, &params, None).expect("fit");
        let again = fit_counts(examples(), &settings, &params, None).expect("fit");
        // Compared as values: the model's class map serialises in hash order.
        assert!(classes(&once) == classes(&again), "the two fits differ");
    }
}

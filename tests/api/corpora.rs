//! Tests on the public corpora in `../shared/data`. They are skipped when the folder is
//! absent, unless `REPLYGUARD_REQUIRE_CORPORA` is set (as `.ci/run` does), so the suite
//! still runs on a checkout without the data.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use linfa_bayes::NaiveBayes;
use ndarray::Array2;
use replyguard::classifier::Classifier;
use replyguard::classifier::corpus;
use replyguard::classifier::model::{HAM, ModelBundle, SPAM};
use replyguard::classifier::tokenize::Document;

use crate::helpers::cli;

fn shared_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if dir.join("sms-spam-collection/SMSSpamCollection").exists() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("REPLYGUARD_REQUIRE_CORPORA").is_none(),
        "REPLYGUARD_REQUIRE_CORPORA is set but {} has no corpora",
        dir.display()
    );
    eprintln!("skipped: no corpora in {}", dir.display());
    None
}

/// Split A written once, and a model trained on its training halves through the CLI.
struct SplitA {
    _dir: tempfile::TempDir,
    tests: Vec<PathBuf>,
    model: PathBuf,
}

impl SplitA {
    /// Every text of split A's test halves.
    fn test_texts(&self) -> Vec<String> {
        self.tests
            .iter()
            .flat_map(|p| corpus::load_file(p, true).expect("test file").texts)
            .map(|t| t.text)
            .collect()
    }
}

fn split_a(data: &Path) -> &'static SplitA {
    static SPLIT: OnceLock<SplitA> = OnceLock::new();
    SPLIT.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tmp");
        let out = dir.path().to_str().expect("utf-8").to_owned();
        let mut args = vec![
            "model".to_owned(),
            "split".into(),
            "--out-dir".into(),
            out.clone(),
        ];
        for entry in std::fs::read_dir(data.join("youtube-spam-collection")).expect("youtube") {
            args.push(entry.expect("entry").path().to_string_lossy().into_owned());
        }
        args.push(
            data.join("sms-spam-collection/SMSSpamCollection")
                .to_string_lossy()
                .into_owned(),
        );
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (ok, _, err) = cli(dir.path(), &args, "");
        assert!(ok, "split: {err}");
        let model = dir.path().join("model.json");
        let train = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
        let (ok, _, err) = cli(
            dir.path(),
            &[
                "model",
                "train",
                "--out",
                model.to_str().unwrap(),
                &train("youtube-train.tsv"),
                &train("smsspamcollection-train.tsv"),
            ],
            "",
        );
        assert!(ok, "train: {err}");
        SplitA {
            tests: vec![
                dir.path().join("youtube-test.tsv"),
                dir.path().join("smsspamcollection-test.tsv"),
            ],
            model,
            _dir: dir,
        }
    })
}

#[test]
fn the_sparse_scorer_agrees_with_linfas_joint_log_likelihood_on_the_real_corpora() {
    let Some(data) = shared_data() else { return };
    let split = split_a(&data);
    let bundle = ModelBundle::load(&split.model).expect("model");
    let classifier = Classifier::from_bundle(&bundle).expect("classifier");
    let width = bundle.features.width();
    let texts = split.test_texts();
    assert!(texts.len() > 2000, "all of split A's test texts");

    let mut worst = 0.0_f64;
    for chunk in texts.chunks(256) {
        // linfa's dense input, built from the same feature vectors the scorer uses.
        let mut x = Array2::<f64>::zeros((chunk.len(), width));
        for (i, text) in chunk.iter().enumerate() {
            for (column, value) in classifier.feature_vector(&Document::text(text)) {
                x[[i, column]] = value;
            }
        }
        let jll = bundle.nb.joint_log_likelihood(x.view());
        for (i, text) in chunk.iter().enumerate() {
            let linfa = jll[&SPAM][i] - jll[&HAM][i];
            let sparse = classifier.log_odds(&Document::text(text));
            worst = worst.max((linfa - sparse).abs());
        }
    }
    assert!(worst < 1e-9, "largest difference {worst:e}");
}

#[test]
fn split_a_keeps_a_roc_auc_of_at_least_0_98_on_each_collection() {
    let Some(data) = shared_data() else { return };
    let split = split_a(&data);
    let classifier = Classifier::load(&split.model).expect("model");
    let results = replyguard::classifier::pipeline::evaluate(
        &classifier,
        &split.tests,
        classifier.threshold_log_odds(),
    )
    .expect("evaluate");
    for result in &results[..2] {
        assert!(
            result.metrics.roc_auc.is_some_and(|auc| auc >= 0.98),
            "{}: ROC AUC {}",
            result.test,
            result.metrics.roc_auc.unwrap_or(f64::NAN)
        );
    }
}

/// The false-positive rates and recalls the README and the model card quote for split A
/// (YouTube 0.0 % / 0.715 / 0.891, SMS 0.0 % / 0.839 / 0.946), each with a small margin:
/// a change that costs readers (more ham flagged) or lets more spam through fails CI.
/// (Issue #27 lowered the recalls at the threshold on purpose: words the model never saw
/// carry no weight now, so a language it never saw is neutral; spam it lets through still
/// waits in the queue, and recall at 1 % false positives rose.)
#[test]
fn split_a_keeps_the_quoted_false_positive_rates_and_recalls() {
    let Some(data) = shared_data() else { return };
    let split = split_a(&data);
    let classifier = Classifier::load(&split.model).expect("model");
    let results = replyguard::classifier::pipeline::evaluate(
        &classifier,
        &split.tests,
        classifier.threshold_log_odds(),
    )
    .expect("evaluate");
    // (false-positive rate at most, recall at least, recall at 1 % FPR at least)
    for (result, (fpr, recall, recall_at_1)) in results[..2]
        .iter()
        .zip([(0.005, 0.69, 0.87), (0.005, 0.82, 0.93)])
    {
        let m = &result.metrics;
        assert!(
            m.false_positive_rate <= fpr,
            "{}: {:.2} % of ham flagged",
            result.test,
            m.false_positive_rate * 100.0
        );
        assert!(
            m.recall >= recall,
            "{}: recall {:.3}",
            result.test,
            m.recall
        );
        assert!(
            m.recall_at_1pct_fpr >= recall_at_1,
            "{}: recall at 1 % FPR {:.3}",
            result.test,
            m.recall_at_1pct_fpr
        );
    }
}

#[test]
fn reasons_on_real_comments_are_never_function_words_or_bare_digits() {
    let Some(data) = shared_data() else { return };
    let split = split_a(&data);
    let bundle = ModelBundle::load(&split.model).expect("model");
    let classifier = Classifier::from_bundle(&bundle).expect("classifier");
    let texts = split.test_texts();
    let mut shown = 0;
    let mut link_lines = 0;
    for text in &texts {
        let scored = classifier
            .score_and_explain(&Document::text(text), 4, 2)
            .expect("finite");
        let mut link_reasons = 0;
        for reason in &scored.reasons {
            shown += 1;
            let signal = reason.signal.as_str();
            if signal.starts_with("links to ") || signal == "contains links" {
                link_reasons += 1;
            }
            let quoted = signal
                .strip_prefix("name ")
                .unwrap_or(signal)
                .strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'));
            if let Some(words) = quoted {
                let useless = words.split(' ').all(|w| {
                    replyguard::classifier::reasons::is_stop_word(w)
                        || w.chars().all(|c| c.is_ascii_digit())
                });
                assert!(!useless, "{signal:?} shown for {text:?}");
            }
        }
        assert!(
            link_reasons <= 1,
            "one line for links: {:?}",
            scored.reasons
        );
        link_lines += link_reasons;
    }
    assert!(shown > texts.len(), "reasons were shown: {shown}");
    assert!(
        link_lines > 100,
        "link evidence is shown as its line: {link_lines}"
    );
}

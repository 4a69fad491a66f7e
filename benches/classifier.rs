//! Scoring throughput of the shipped model with the full tokenizer, one comment at a time.
//!
//! `cargo bench --bench classifier`. Texts are the 7,530 of `../shared/data` when present
//! (else a small built-in set); each iteration scores every text once, so divan's
//! items/s is comments per second on one core. `score_comment_folded` scores as a model
//! trained with `--fold on` would. `train_7530_texts` times the real
//! `replyguard model train` on both corpora (it runs as a process: linfa-bayes 0.8.1 dumps
//! its arrays to stderr on every fit). Peak memory: `bench/model.sh`.

mod common;

use std::hint::black_box;
use std::process::{Command, Stdio};

use divan::counter::ItemsCount;
use replyguard::classifier::model::ModelBundle;
use replyguard::classifier::tokenize::Document;
use replyguard::classifier::{Classifier, SHIPPED_MODEL};

// The allocator the `replyguard` binary scores with (src/main.rs), so that the figures are
// the service's and the CLI's: explaining allocates its reasons.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

/// Times `classifier.log_odds` over every text, one comment at a time.
fn bench_scoring(bencher: divan::Bencher, classifier: &Classifier, texts: &[String]) {
    bencher
        .counter(ItemsCount::new(texts.len()))
        .bench_local(|| {
            for text in texts {
                black_box(classifier.log_odds(&Document::text(black_box(text))));
            }
        });
}

/// Scoring with the reasons the service stores with each comment.
fn bench_explaining(bencher: divan::Bencher, classifier: &Classifier, texts: &[String]) {
    bencher
        .counter(ItemsCount::new(texts.len()))
        .bench_local(|| {
            for text in texts {
                black_box(classifier.score_and_explain(&Document::text(black_box(text)), 4, 2));
            }
        });
}

#[divan::bench(sample_count = 20)]
fn score_comment(bencher: divan::Bencher) {
    let classifier = Classifier::shipped().expect("shipped model");
    let texts = common::texts();
    // For bench/instructions.sh, which divides by it.
    eprintln!("scoring {} texts", texts.len());
    bench_scoring(bencher, &classifier, &texts);
}

/// Scoring with `model train --fold on`'s folding (`classifier::fold`), which the shipped
/// model does not use: the shipped weights with folding switched on, so that only the
/// tokenizer's work differs from `score_comment`.
#[divan::bench(sample_count = 20)]
fn score_comment_folded(bencher: divan::Bencher) {
    let mut bundle =
        ModelBundle::from_file_bytes("models/default.json", SHIPPED_MODEL).expect("shipped model");
    bundle.features.fold = true;
    let classifier = Classifier::from_bundle(&bundle).expect("shipped weights");
    bench_scoring(bencher, &classifier, &common::texts());
}

#[divan::bench(sample_count = 20)]
fn score_and_explain_comment(bencher: divan::Bencher) {
    let classifier = Classifier::shipped().expect("shipped model");
    bench_explaining(bencher, &classifier, &common::texts());
}

#[divan::bench(sample_count = 5)]
fn train_7530_texts(bencher: divan::Bencher) {
    let files = common::corpus_files();
    if files.len() < 6 {
        eprintln!("../shared/data not found: skipping the training benchmark");
        return;
    }
    let out = std::env::temp_dir().join(format!("replyguard-bench-{}.json", std::process::id()));
    bencher.bench_local(|| {
        let status = Command::new(env!("CARGO_BIN_EXE_replyguard"))
            .args(["model", "train", "--out"])
            .arg(&out)
            .args(&files)
            .stdout(Stdio::null())
            .status()
            .expect("run model train");
        assert!(status.success());
    });
    let _ = std::fs::remove_file(out);
}

/// A site layer over `base` learnt from the first `n` texts (cycled) as that site's labels
/// (issue #27): labels only need to be plausible here, every seventh a spam label.
fn site_layer(base: &Classifier, n: usize) -> replyguard::classifier::site::SiteLayer {
    use replyguard::classifier::site::{PRIOR_DOCS, SiteExample, SiteLayer};
    use replyguard::domain::Label;
    let texts = common::texts();
    let examples = texts
        .iter()
        .cycle()
        .take(n)
        .enumerate()
        .map(|(i, t)| SiteExample {
            doc: Document::text(t),
            label: if i % 7 == 0 { Label::Spam } else { Label::Ham },
            weight: 1.0,
        });
    SiteLayer::learn("https://news.example", base, examples, PRIOR_DOCS)
}

/// The shipped base with a layer of `n` labels: what a site with its own moderators'
/// decisions is scored by.
fn with_site_layer(n: usize) -> Classifier {
    let base = Classifier::shipped().expect("shipped model");
    let layer = site_layer(&base, n);
    base.with_layer(&layer)
}

/// Scoring by a site's scorer: the shipped base with a layer of 1,000 labels.
#[divan::bench(sample_count = 20)]
fn score_comment_site_layer(bencher: divan::Bencher) {
    let classifier = with_site_layer(1_000);
    bench_scoring(bencher, &classifier, &common::texts());
}

/// The same, explained (what the service stores with each comment).
#[divan::bench(sample_count = 20)]
fn score_and_explain_comment_site_layer(bencher: divan::Bencher) {
    let classifier = with_site_layer(1_000);
    bench_explaining(bencher, &classifier, &common::texts());
}

/// Learning one site's layer from 10,000 labels (retraining a site), and the layer's size
/// as stored.
#[divan::bench(sample_count = 5)]
fn learn_site_layer_10000_labels(bencher: divan::Bencher) {
    let base = Classifier::shipped().expect("shipped model");
    for n in [1_000, 10_000] {
        let bytes = serde_json::to_vec(&site_layer(&base, n))
            .expect("json")
            .len();
        eprintln!("a layer of {n} labels: {bytes} bytes as JSON");
    }
    bencher.bench_local(|| black_box(site_layer(&base, 10_000)));
}

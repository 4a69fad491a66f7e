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
    let texts = common::texts();
    bencher
        .counter(ItemsCount::new(texts.len()))
        .bench_local(|| {
            for text in &texts {
                black_box(classifier.score_and_explain(&Document::text(black_box(text)), 4, 2));
            }
        });
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

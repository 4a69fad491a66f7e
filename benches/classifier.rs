//! Scoring throughput of the shipped model with the full tokenizer, one comment at a time.
//!
//! `cargo bench --bench classifier`. Texts are the 7,530 of `../shared/data` when present
//! (else a small built-in set); each iteration scores every text once, so divan's
//! items/s is comments per second on one core. `train_7530_texts` times the real
//! `replyguard model train` on both corpora (it runs as a process: linfa-bayes 0.8.1 dumps
//! its arrays to stderr on every fit). Peak memory: `bench/model.sh`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use divan::counter::ItemsCount;
use replyguard::classifier::Classifier;
use replyguard::classifier::corpus;
use replyguard::classifier::tokenize::Document;

fn main() {
    divan::main();
}

fn corpus_files() -> Vec<PathBuf> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    let mut files: Vec<PathBuf> = std::fs::read_dir(data.join("youtube-spam-collection"))
        .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files.push(data.join("sms-spam-collection/SMSSpamCollection"));
    files.retain(|p| p.exists());
    files
}

fn texts() -> Vec<String> {
    let texts: Vec<String> = corpus_files()
        .iter()
        .filter_map(|p| corpus::load_file(p, true).ok())
        .flat_map(|f| f.texts.into_iter().map(|t| t.text))
        .collect();
    if texts.is_empty() {
        eprintln!("../shared/data not found: using built-in texts");
        return [
            "Check out my channel and subscribe!!! http://bit.ly/free-views",
            "Thanks for the careful reporting on the council vote.",
            "FREE prize! Call now 0800 123 4567 to claim your cash",
            "I disagree with the decision, the bus route matters to my commute.",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
    }
    texts
}

#[divan::bench(sample_count = 20)]
fn score_comment(bencher: divan::Bencher) {
    let classifier = Classifier::shipped().expect("shipped model");
    let texts = texts();
    bencher
        .counter(ItemsCount::new(texts.len()))
        .bench_local(|| {
            for text in &texts {
                black_box(classifier.log_odds(&Document::text(black_box(text))));
            }
        });
}

#[divan::bench(sample_count = 20)]
fn score_and_explain_comment(bencher: divan::Bencher) {
    let classifier = Classifier::shipped().expect("shipped model");
    let texts = texts();
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
    let files = corpus_files();
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

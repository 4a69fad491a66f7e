//! Scoring throughput of the shipped model with the full tokenizer, one comment at a time.
//!
//! `cargo bench --bench classifier`. Texts are the 7,530 of `../shared/data` when present
//! (else a small built-in set); each iteration scores every text once, so divan's
//! items/s is comments per second on one core. Training time and memory: `bench/model.sh`.

use std::hint::black_box;
use std::path::Path;

use divan::counter::ItemsCount;
use replyguard::classifier::Classifier;
use replyguard::classifier::corpus;
use replyguard::classifier::tokenize::Document;

fn main() {
    divan::main();
}

fn texts() -> Vec<String> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    let mut files: Vec<_> = std::fs::read_dir(data.join("youtube-spam-collection"))
        .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.push(data.join("sms-spam-collection/SMSSpamCollection"));
    let texts: Vec<String> = files
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

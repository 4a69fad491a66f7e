//! What campaign grouping costs per submitted comment, on one core.
//!
//! `cargo bench --bench campaigns`. `signature` computes the MinHash of every text of
//! `../shared/data` (7,530; a few built-in texts without it); `find_and_add` runs the
//! submission path's lookup and insert for 10,000 comments against an index already holding
//! its maximum, once for a flood of one template with a number swapped (the load of
//! `bench/cpu.sh`) and once for the corpus texts (mostly unrelated comments).

mod common;

use std::hint::black_box;

use divan::counter::ItemsCount;
use replyguard::app::campaigns::CampaignIndex;
use replyguard::classifier::minhash::Signature;
use replyguard::domain::CommentId;

fn main() {
    divan::main();
}

fn flood(n: usize) -> String {
    format!("Thanks for the article, comment {n} about the council vote.")
}

#[divan::bench(sample_count = 20)]
fn signature(bencher: divan::Bencher) {
    let texts = common::texts();
    bencher
        .counter(ItemsCount::new(texts.len()))
        .bench_local(|| {
            for t in &texts {
                black_box(Signature::of(black_box(t)));
            }
        });
}

const ROUND: usize = 10_000;

#[divan::bench(args = ["flood", "corpus"], sample_count = 20)]
fn find_and_add(bencher: divan::Bencher, load: &str) {
    let texts: Vec<String> = match load {
        "flood" => (0..ROUND * 4).map(flood).collect(),
        _ => common::texts(),
    };
    let signatures: Vec<Signature> = texts.iter().filter_map(|t| Signature::of(t)).collect();
    let index = CampaignIndex::default();
    let mut next = 1i64;
    let mut round = |index: &CampaignIndex| {
        for _ in 0..ROUND {
            let s = &signatures[next as usize % signatures.len()];
            let seed = index.find(s).map_or(CommentId(next), |(seed, _)| seed);
            index.add(CommentId(next), seed, s.clone());
            next += 1;
        }
    };
    // Fill the index to its bound first: the steady state of a busy service.
    for _ in 0..2 {
        round(&index);
    }
    bencher
        .counter(ItemsCount::new(ROUND))
        .bench_local(|| round(&index));
}

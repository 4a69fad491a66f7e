//! The benchmarks' texts: the public corpora of `../shared/data` when present.

use std::path::{Path, PathBuf};

use replyguard::classifier::corpus;

/// The corpus files that exist: the five YouTube files, then the SMS collection.
pub fn corpus_files() -> Vec<PathBuf> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    let mut files: Vec<PathBuf> = std::fs::read_dir(data.join("youtube-spam-collection"))
        .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files.push(data.join("sms-spam-collection/SMSSpamCollection"));
    files.retain(|p| p.exists());
    files
}

/// Every text of the corpora (7,530), or a small built-in set without them.
pub fn texts() -> Vec<String> {
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

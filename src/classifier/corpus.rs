//! Labelled text files: the YouTube Spam Collection CSV, the SMS Spam Collection, and plain
//! TSV (`spam|ham|?<TAB>text`), plus the reproducible "split A" of each collection.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::domain::Label;

/// The YouTube Spam Collection's header, by which its CSV files are recognised.
const YOUTUBE_HEADER: &str = "COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS";

/// One text of a corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledText {
    /// `<file name>:<0-based data row>`: stable, and the key split A hashes.
    pub key: String,
    /// `None` for a `?` label (texts to score).
    pub label: Option<Label>,
    pub text: String,
    /// The year it was written, where the file says (the YouTube collection's `DATE`).
    pub year: Option<u16>,
}

/// Why a corpus file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}, data row {row}: {message}")]
    Format {
        path: PathBuf,
        row: usize,
        message: String,
    },
}

/// Which collection a file belongs to, for split A.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Collection(pub String);

/// A loaded file.
#[derive(Debug, Clone)]
pub struct CorpusFile {
    pub collection: Collection,
    pub texts: Vec<LabelledText>,
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Loads a corpus file, recognising the YouTube CSV by its header; anything else is read as
/// one `label<TAB>text` per line (the SMS collection is such a file). With `labels_required`
/// false, a line without a tab is all text and a `?` label is allowed.
///
/// # Errors
/// [`CorpusError`] naming the file and data row.
pub fn load_file(path: &Path, labels_required: bool) -> Result<CorpusFile, CorpusError> {
    let content = std::fs::read_to_string(path).map_err(|source| CorpusError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse(&file_name(path), path, &content, labels_required)
}

/// Parses file content; `name` is used for keys and the collection.
///
/// # Errors
/// [`CorpusError::Format`] naming the data row.
pub fn parse(
    name: &str,
    path: &Path,
    content: &str,
    labels_required: bool,
) -> Result<CorpusFile, CorpusError> {
    let format_error = |row: usize, message: String| CorpusError::Format {
        path: path.to_owned(),
        row,
        message,
    };
    let content = content.strip_prefix('\u{feff}').unwrap_or(content);
    if content.starts_with(YOUTUBE_HEADER) {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(content.as_bytes());
        let mut texts = Vec::new();
        for (row, record) in reader.records().enumerate() {
            let record = record.map_err(|e| format_error(row, e.to_string()))?;
            let text = record
                .get(3)
                .ok_or_else(|| format_error(row, "missing CONTENT".into()))?;
            let label = match record.get(4).map(str::trim) {
                Some("1") => Label::Spam,
                Some("0") => Label::Ham,
                other => {
                    return Err(format_error(
                        row,
                        format!("CLASS must be 0 or 1, not {other:?}"),
                    ));
                }
            };
            // `2014-11-05T22:38:05`: the year is what the "later year" test splits on.
            let year = record
                .get(2)
                .and_then(|date| date.get(..4))
                .and_then(|y| y.parse().ok());
            texts.push(LabelledText {
                key: format!("{name}:{row}"),
                label: Some(label),
                text: text.to_owned(),
                year,
            });
        }
        return Ok(CorpusFile {
            collection: Collection("youtube".into()),
            texts,
        });
    }
    let mut texts = Vec::new();
    for (row, line) in content.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let (label, text) = match line.split_once('\t') {
            Some((label, text)) => (label.trim().to_ascii_lowercase(), text),
            None if !labels_required => ("?".to_owned(), line),
            None => {
                return Err(format_error(
                    row,
                    "expected spam|ham, a TAB, then the text".into(),
                ));
            }
        };
        let label = match label.as_str() {
            "spam" => Some(Label::Spam),
            "ham" => Some(Label::Ham),
            "?" | "" if !labels_required => None,
            other => {
                return Err(format_error(
                    row,
                    format!("label must be spam or ham, not {other:?}"),
                ));
            }
        };
        texts.push(LabelledText {
            key: format!("{name}:{row}"),
            label,
            text: text.to_owned(),
            year: None,
        });
    }
    let stem = name.split('.').next().unwrap_or(name).to_lowercase();
    Ok(CorpusFile {
        collection: Collection(stem),
        texts,
    })
}

/// Which side of split A a text falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Train,
    Test,
}

/// Split A of one collection: within each class, texts ordered by the hex of
/// `sha256("spambench-v1|" + key)`; the first `floor(share * n_class + 0.5)` are test.
pub fn split_a(texts: &[LabelledText], test_share: f64) -> Vec<Side> {
    let mut sides = vec![Side::Train; texts.len()];
    for class in [Label::Ham, Label::Spam] {
        let mut members: Vec<(String, usize)> = texts
            .iter()
            .enumerate()
            .filter(|(_, t)| t.label == Some(class))
            .map(|(i, t)| (split_digest(&t.key), i))
            .collect();
        members.sort();
        let n_test = (test_share * members.len() as f64 + 0.5).floor() as usize;
        for (_, i) in members.iter().take(n_test) {
            sides[*i] = Side::Test;
        }
    }
    sides
}

fn split_digest(key: &str) -> String {
    let digest = Sha256::digest(format!("spambench-v1|{key}").as_bytes());
    digest.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// One text as a TSV line: tabs and line breaks become spaces (they separate words
/// either way, so the features do not change).
pub fn tsv_line(label: Option<Label>, text: &str) -> String {
    let label = label.map_or("?", Label::as_str);
    let text: String = text
        .chars()
        .map(|c| {
            if matches!(c, '\t' | '\n' | '\r') {
                ' '
            } else {
                c
            }
        })
        .collect();
    format!("{label}\t{text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn youtube_csv_is_recognised_with_quoted_commas_and_newlines() {
        let csv = "COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\n\
                   a,\"X, Y\",2013,\"check out my channel, \"\"now\"\"\n please\",1\n\
                   b,Z,2015-01-02T03:04:05,nice song &lt;3,0\n";
        let file = parse("Youtube01-Psy.csv", Path::new("x"), csv, true).expect("parse");
        assert_eq!(file.collection.0, "youtube");
        assert_eq!(file.texts.len(), 2);
        assert_eq!(file.texts[0].key, "Youtube01-Psy.csv:0");
        assert_eq!(file.texts[0].text, "check out my channel, \"now\"\n please");
        assert_eq!(file.texts[0].label, Some(Label::Spam));
        assert_eq!(file.texts[1].label, Some(Label::Ham));
        assert_eq!(
            file.texts.iter().map(|t| t.year).collect::<Vec<_>>(),
            [Some(2013), Some(2015)]
        );
    }

    #[test]
    fn tsv_lines_carry_a_label_and_text() {
        let file = parse(
            "SMSSpamCollection",
            Path::new("x"),
            "ham\tOk lar...\nspam\tWIN\tnow\n",
            true,
        )
        .expect("parse");
        assert_eq!(file.collection.0, "smsspamcollection");
        assert_eq!(file.texts[1].text, "WIN\tnow");
        assert_eq!(file.texts[1].key, "SMSSpamCollection:1");
        assert!(parse("f", Path::new("x"), "maybe\ttext", true).is_err());
        assert!(parse("f", Path::new("x"), "no tab here", true).is_err());
        let unlabelled =
            parse("f", Path::new("x"), "?\tscore me\njust text", false).expect("parse");
        assert_eq!(unlabelled.texts[0].label, None);
        assert_eq!(unlabelled.texts[1].text, "just text");
    }

    #[test]
    fn split_a_puts_thirty_percent_of_each_class_in_test() {
        let texts: Vec<LabelledText> = (0..20)
            .map(|i| LabelledText {
                key: format!("f:{i}"),
                label: Some(if i < 7 { Label::Spam } else { Label::Ham }),
                text: String::new(),
                year: None,
            })
            .collect();
        let sides = split_a(&texts, 0.3);
        let test = |class| {
            texts
                .iter()
                .zip(&sides)
                .filter(|(t, s)| t.label == Some(class) && **s == Side::Test)
                .count()
        };
        assert_eq!(test(Label::Spam), 2); // floor(2.1 + 0.5)
        assert_eq!(test(Label::Ham), 4); // floor(3.9 + 0.5)
        assert_eq!(split_a(&texts, 0.3), sides, "deterministic");
    }

    #[test]
    fn the_split_key_digest_is_sha256_hex() {
        assert_eq!(split_digest("x").len(), 64);
        assert_eq!(
            split_digest("SMSSpamCollection:0"),
            format!("{:x}", Sha256::digest(b"spambench-v1|SMSSpamCollection:0"))
        );
    }
}

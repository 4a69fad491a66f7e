//! Turning per-feature evidence into reasons a moderator can use: function words and a
//! name's digits are never shown on their own (they move the score, but say nothing to a
//! person), and all the evidence about links is one line.

use std::borrow::Cow;

/// English function words: articles, pronouns, auxiliaries, prepositions, conjunctions.
/// True to the arithmetic as reasons, useless to a person.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "d",
    "did",
    "do",
    "does",
    "doing",
    "dont",
    "down",
    "during",
    "each",
    "even",
    "few",
    "for",
    "from",
    "further",
    "get",
    "go",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "im",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "ive",
    "just",
    "let",
    "like",
    "ll",
    "lol",
    "m",
    "make",
    "many",
    "me",
    "more",
    "most",
    "much",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "oh",
    "ok",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "re",
    "really",
    "s",
    "same",
    "see",
    "she",
    "should",
    "so",
    "some",
    "still",
    "such",
    "t",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "u",
    "under",
    "until",
    "up",
    "ur",
    "ve",
    "very",
    "was",
    "way",
    "we",
    "well",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "yeah",
    "yes",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// Whether `word` is a function word.
pub fn is_stop_word(word: &str) -> bool {
    // Sorted (a unit test checks): a binary search, not a scan of every word per signal.
    STOP_WORDS.binary_search(&word).is_ok()
}

/// How a raw feature description is shown: dropped, kept, or folded into the link line.
enum Shown<'a> {
    Hidden,
    Own,
    /// Evidence about links; `Some(host)` for a link to a named host.
    Link(Option<&'a str>),
}

fn quoted(signal: &str) -> Option<&str> {
    signal.strip_prefix('"')?.strip_suffix('"')
}

fn shown(signal: &str) -> Shown<'_> {
    if let Some(host) = signal.strip_prefix("link to ") {
        return Shown::Link(Some(host));
    }
    if signal == "contains a link" || signal.ends_with(" link") || signal.ends_with(" links") {
        return Shown::Link(None);
    }
    if let Some(name) = signal.strip_prefix("name ").and_then(quoted) {
        return if name.chars().all(|c| c.is_ascii_digit()) || is_stop_word(name) {
            Shown::Hidden
        } else {
            Shown::Own
        };
    }
    if let Some(words) = quoted(signal) {
        let meaningful = words
            .split(' ')
            .any(|w| !is_stop_word(w) && !w.chars().all(|c| c.is_ascii_digit()));
        return if meaningful {
            Shown::Own
        } else {
            Shown::Hidden
        };
    }
    Shown::Own
}

/// Folds `(description, weight)` evidence into the reasons shown: function words and bare
/// digits dropped, link evidence summed into one "links to …" line. Weights stay exact.
pub fn presentable(signals: Vec<(&str, f64)>) -> Vec<(Cow<'_, str>, f64)> {
    let mut out = Vec::with_capacity(signals.len());
    let mut link_weight = 0.0;
    let mut hosts: Vec<String> = Vec::new();
    let mut any_link = false;
    for (signal, weight) in signals {
        match shown(signal) {
            Shown::Hidden => {}
            Shown::Own => out.push((Cow::Borrowed(signal), weight)),
            Shown::Link(host) => {
                any_link = true;
                link_weight += weight;
                if let Some(h) = host
                    && !hosts.iter().any(|known| known == h)
                {
                    hosts.push(h.to_owned());
                }
            }
        }
    }
    if any_link {
        hosts.sort();
        let line = match hosts.len() {
            0 => "contains links".to_owned(),
            1..=3 => format!("links to {}", hosts.join(", ")),
            n => format!("links to {} and {} more", hosts[..3].join(", "), n - 3),
        };
        out.push((Cow::Owned(line), link_weight));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn function_words_and_digits_are_hidden_and_links_are_one_line() {
        let evidence = vec![
            ("\"the\"", -0.4),
            ("\"for\"", 0.3),
            ("\"of the\"", 0.2),
            ("name \"5\"", 0.6),
            ("\"subscribe\"", 1.5),
            ("\"my channel\"", 1.1),
            ("link to bit.ly", 1.0),
            ("link to bit.ly", 0.25),
            ("contains a link", 0.5),
            ("2 links", 0.25),
            ("name \"Ann\"", -0.3),
        ];
        let shown = presentable(evidence);
        let names: Vec<&str> = shown.iter().map(|(s, _)| s.as_ref()).collect();
        assert_eq!(
            names,
            [
                "\"subscribe\"",
                "\"my channel\"",
                "name \"Ann\"",
                "links to bit.ly"
            ]
        );
        assert_eq!(shown[3].1, 2.0, "link evidence is summed exactly");
    }
}

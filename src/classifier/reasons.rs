//! Turning per-feature evidence into reasons a moderator can use: function words and a
//! name's digits are never shown on their own (they move the score, but say nothing to a
//! person), and all the evidence about links is one line.

use std::borrow::Cow;

use super::tokenize::Feature;

/// English function words (sorted, unique; a unit test checks): articles, pronouns, auxiliaries, prepositions, conjunctions.
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
    // An open-addressed table of the words' keys: explaining a score asks this of every word,
    // and `perf` found the string comparisons of a binary search, and then building a key a
    // byte at a time, its largest costs.
    static TABLE: std::sync::LazyLock<Vec<Key>> = std::sync::LazyLock::new(|| {
        let mut table = vec![Key::default(); STOP_TABLE_SIZE];
        for word in STOP_WORDS {
            let key = Key::of(word.as_bytes()).expect("stop words are 1 to 16 bytes");
            let mut slot = key.slot();
            while table[slot] != Key::default() {
                slot = (slot + 1) % STOP_TABLE_SIZE;
            }
            table[slot] = key;
        }
        table
    });
    let Some(key) = Key::of(word.as_bytes()) else {
        return false;
    };
    let mut slot = key.slot();
    loop {
        match TABLE[slot] {
            k if k == key => return true,
            k if k == Key::default() => return false,
            _ => slot = (slot + 1) % STOP_TABLE_SIZE,
        }
    }
}

/// Slots of the stop-word table: a power of two at most a third full.
const STOP_TABLE_SIZE: usize = 512;

/// A word of 1 to 16 bytes as its length and two integers read whole from its ends (they
/// overlap in short words; with the length they still tell every word apart).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Key {
    len: usize,
    head: u64,
    tail: u64,
}

impl Key {
    fn of(word: &[u8]) -> Option<Self> {
        let len = word.len();
        let (head, tail) = match len {
            0 | 17.. => return None,
            1..=3 => (
                u64::from(word[0]) | u64::from(word[len / 2]) << 8 | u64::from(word[len - 1]) << 16,
                0,
            ),
            4..=7 => (
                u64::from(read_u32(&word[..4])),
                u64::from(read_u32(&word[len - 4..])),
            ),
            _ => (read_u64(&word[..8]), read_u64(&word[len - 8..])),
        };
        Some(Self { len, head, tail })
    }

    fn slot(&self) -> usize {
        let mixed = (self.head ^ self.tail.rotate_left(29) ^ self.len as u64)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (mixed >> 55) as usize % STOP_TABLE_SIZE
    }
}

fn read_u32(bytes: &[u8]) -> u32 {
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

fn read_u64(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(word)
}

/// How a signal is shown: dropped, kept, or folded into the link line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Hidden,
    Own,
    /// Evidence about links in general ("contains a link", "2 links").
    Link,
    /// A link to the host that follows "link to " in the signal's description.
    LinkTo,
}

/// A word worth showing on its own: not a function word, not bare digits.
pub fn meaningful(word: &str) -> bool {
    !is_stop_word(word) && !word.bytes().all(|b| b.is_ascii_digit())
}

/// How `feature`'s description is shown. Features with one description are shown alike.
pub fn shown(feature: &Feature<'_>) -> Shown {
    shown_by(feature, meaningful)
}

/// [`shown`], asking `meaningful` whether a word is [`meaningful`]: explaining answers for a
/// bigram's words from what it found for them as words. Inlined: left a call, it cost
/// explaining about 2 % more instructions (`bench/instructions.sh`).
#[inline]
pub fn shown_by(feature: &Feature<'_>, mut meaningful: impl FnMut(&str) -> bool) -> Shown {
    match *feature {
        Feature::Word(w) | Feature::CharGram { word: w, .. } | Feature::AuthorWord(w) => {
            if meaningful(w) {
                Shown::Own
            } else {
                Shown::Hidden
            }
        }
        Feature::Bigram(a, b) => {
            if meaningful(a) || meaningful(b) {
                Shown::Own
            } else {
                Shown::Hidden
            }
        }
        Feature::UrlHost(_) | Feature::UrlDomain(_) | Feature::Shortener => Shown::LinkTo,
        Feature::HasLink | Feature::LinkCount(_) => Shown::Link,
        _ => Shown::Own,
    }
}

/// Folds `(description, shown, weight)` evidence into the reasons shown: hidden signals
/// dropped, link evidence summed into one "links to …" line. Weights stay exact.
pub fn presentable<'a>(
    signals: impl Iterator<Item = (&'a str, Shown, f64)>,
) -> Vec<(Cow<'a, str>, f64)> {
    let mut out = Vec::with_capacity(signals.size_hint().1.unwrap_or(0));
    let mut link_weight = 0.0;
    let mut hosts: Vec<&str> = Vec::new();
    let mut any_link = false;
    for (signal, shown, weight) in signals {
        match shown {
            Shown::Hidden => {}
            Shown::Own => out.push((Cow::Borrowed(signal), weight)),
            Shown::Link | Shown::LinkTo => {
                any_link = true;
                link_weight += weight;
                if shown == Shown::LinkTo
                    && let Some(h) = signal.strip_prefix("link to ")
                    && !hosts.contains(&h)
                {
                    hosts.push(h);
                }
            }
        }
    }
    if any_link {
        hosts.sort_unstable();
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
    fn the_stop_words_are_sorted_unique_and_found() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(STOP_WORDS.iter().all(|w| is_stop_word(w)));
        for word in [
            "",
            "them5",
            "thee",
            "yourselvesx",
            "subscribe",
            "a very long word here",
            "hte",
            "tthe",
            "whom ",
            "hers\0",
            "ourselvez",
        ] {
            assert!(!is_stop_word(word), "{word}");
        }
    }

    #[test]
    fn function_words_and_digits_are_hidden_and_links_are_one_line() {
        let evidence = [
            (Feature::Word("the"), -0.4),
            (Feature::Word("for"), 0.3),
            (Feature::Bigram("of", "the"), 0.2),
            (Feature::AuthorWord("5"), 0.6),
            (Feature::Word("subscribe"), 1.5),
            (Feature::Bigram("my", "channel"), 1.1),
            (Feature::UrlHost("bit.ly"), 1.0),
            (Feature::UrlDomain("bit.ly"), 0.25),
            (Feature::HasLink, 0.5),
            (Feature::LinkCount(2), 0.25),
            (Feature::AuthorWord("ann"), -0.3),
        ];
        let described: Vec<(String, Shown, f64)> = evidence
            .iter()
            .map(|(f, w)| (f.describe(), shown(f), *w))
            .collect();
        let shown = presentable(described.iter().map(|(d, s, w)| (d.as_str(), *s, *w)));
        let names: Vec<&str> = shown.iter().map(|(s, _)| s.as_ref()).collect();
        assert_eq!(
            names,
            [
                "\"subscribe\"",
                "\"my channel\"",
                "name \"ann\"",
                "links to bit.ly"
            ]
        );
        assert_eq!(shown[3].1, 2.0, "link evidence is summed exactly");
    }
}

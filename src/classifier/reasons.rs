//! Turning per-feature evidence into reasons a moderator can use: function words and a
//! name's digits are never shown on their own (they move the score, but say nothing to a
//! person), and all the evidence about links is one line.

use std::borrow::Cow;

use super::tokenize::{Feature, word_hash};

/// English function words (sorted, unique; a unit test checks): articles, pronouns, auxiliaries, prepositions, conjunctions.
/// True to the arithmetic as reasons, useless to a person.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "across",
    "actually",
    "after",
    "again",
    "against",
    "all",
    "almost",
    "along",
    "already",
    "also",
    "although",
    "always",
    "am",
    "among",
    "an",
    "and",
    "another",
    "any",
    "anybody",
    "anyone",
    "anything",
    "anyway",
    "are",
    "arent",
    "around",
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
    "cannot",
    "cant",
    "could",
    "couldnt",
    "d",
    "did",
    "didnt",
    "do",
    "does",
    "doesnt",
    "doing",
    "dont",
    "down",
    "during",
    "each",
    "either",
    "else",
    "enough",
    "even",
    "ever",
    "every",
    "everyone",
    "everything",
    "far",
    "few",
    "first",
    "for",
    "from",
    "further",
    "get",
    "go",
    "going",
    "gonna",
    "got",
    "had",
    "hadnt",
    "has",
    "hasnt",
    "have",
    "havent",
    "having",
    "he",
    "hence",
    "her",
    "here",
    "hers",
    "herself",
    "hes",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "i",
    "if",
    "im",
    "in",
    "into",
    "is",
    "isnt",
    "it",
    "its",
    "itself",
    "ive",
    "just",
    "know",
    "last",
    "least",
    "less",
    "let",
    "lets",
    "like",
    "ll",
    "lol",
    "lot",
    "lots",
    "m",
    "make",
    "many",
    "may",
    "maybe",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "neither",
    "never",
    "next",
    "no",
    "nobody",
    "nor",
    "not",
    "nothing",
    "now",
    "of",
    "off",
    "often",
    "oh",
    "ok",
    "on",
    "once",
    "one",
    "only",
    "onto",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "per",
    "perhaps",
    "probably",
    "quite",
    "rather",
    "re",
    "really",
    "s",
    "said",
    "same",
    "say",
    "says",
    "see",
    "seem",
    "seemed",
    "seems",
    "shall",
    "she",
    "shes",
    "should",
    "shouldnt",
    "simply",
    "since",
    "so",
    "some",
    "somebody",
    "someone",
    "something",
    "sometimes",
    "still",
    "such",
    "t",
    "than",
    "that",
    "thats",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "therefore",
    "theres",
    "these",
    "they",
    "theyre",
    "thing",
    "things",
    "think",
    "this",
    "those",
    "though",
    "thought",
    "three",
    "through",
    "thus",
    "to",
    "too",
    "toward",
    "towards",
    "two",
    "u",
    "under",
    "unless",
    "until",
    "up",
    "upon",
    "ur",
    "ve",
    "very",
    "via",
    "wanna",
    "was",
    "wasnt",
    "way",
    "we",
    "well",
    "were",
    "werent",
    "what",
    "whatever",
    "whats",
    "when",
    "whenever",
    "where",
    "wherever",
    "whether",
    "which",
    "while",
    "who",
    "whoever",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "wont",
    "would",
    "wouldnt",
    "yeah",
    "yes",
    "yet",
    "you",
    "your",
    "youre",
    "yours",
    "yourself",
    "yourselves",
];

/// Whether `word` is a function word.
pub fn is_stop_word(word: &str) -> bool {
    is_stop_word_hashed(word, Feature::Word(word).hash())
}

/// [`is_stop_word`] for a word whose hash as a [`Feature::Word`] is `hash`, as explaining has
/// it already. The table holds the stop words' hashes, so a look-up is a probe or two and,
/// on a match, one comparison of the words; `cg_annotate` counted the keys the table used
/// to build from a word's bytes among explaining's larger costs.
pub fn is_stop_word_hashed(word: &str, hash: u64) -> bool {
    let mut slot = stop_slot(hash);
    loop {
        match STOP_TABLE[slot] {
            FREE => return false,
            // The hashes first: a word that only shares a slot with a stop word is told
            // apart without comparing the words (`cg_annotate` of the classifier benchmark
            // counted those comparisons, and the lazy table's initialisation check).
            index
                if STOP_HASHES[usize::from(index)] == hash
                    && STOP_WORDS[usize::from(index)] == word =>
            {
                return true;
            }
            _ => slot = (slot + 1) % STOP_TABLE_SIZE,
        }
    }
}

/// Each stop word's hash as a [`Feature::Word`], in [`STOP_WORDS`]' order, made at compile
/// time.
static STOP_HASHES: [u64; STOP_WORDS.len()] = {
    let mut hashes = [0; STOP_WORDS.len()];
    let mut i = 0;
    while i < STOP_WORDS.len() {
        hashes[i] = word_hash(STOP_WORDS[i]);
        i += 1;
    }
    hashes
};

/// Open-addressed index of [`STOP_WORDS`] by [`STOP_HASHES`], made at compile time.
static STOP_TABLE: [u16; STOP_TABLE_SIZE] = {
    let mut table = [FREE; STOP_TABLE_SIZE];
    let mut i = 0;
    while i < STOP_WORDS.len() {
        let mut slot = stop_slot(STOP_HASHES[i]);
        while table[slot] != FREE {
            slot = (slot + 1) % STOP_TABLE_SIZE;
        }
        table[slot] = i as u16;
        i += 1;
    }
    table
};

/// Slots of the stop-word table: a power of two at most a third full.
const STOP_TABLE_SIZE: usize = 512;
const FREE: u16 = u16::MAX;

/// The first slot for a word hash: its high bits mixed in (FNV's low bits mix less well).
const fn stop_slot(hash: u64) -> usize {
    (hash.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 55) as usize % STOP_TABLE_SIZE
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
    meaningful_hashed(word, Feature::Word(word).hash())
}

/// [`meaningful`] for a word whose hash as a [`Feature::Word`] is `hash`.
pub fn meaningful_hashed(word: &str, hash: u64) -> bool {
    !is_stop_word_hashed(word, hash) && !word.bytes().all(|b| b.is_ascii_digit())
}

/// How `feature`'s description is shown. Features with one description are shown alike.
pub fn shown(feature: &Feature<'_>) -> Shown {
    shown_by(
        feature,
        feature.description_hash(feature.hash()),
        meaningful,
    )
}

/// [`shown`] for a feature whose [`Feature::description_hash`] is `key`, asking
/// `meaningful` whether a bigram's or a name's word is [`meaningful`]: explaining answers
/// for a bigram's words from what it found for them as words. A word's key (and an n-gram's)
/// is its word's hash, which the stop-word table is keyed by, so that word is not hashed
/// again. Inlined: left a call, it cost explaining about 2 % more instructions
/// (`bench/instructions.sh`).
#[inline]
pub fn shown_by(
    feature: &Feature<'_>,
    key: u64,
    mut meaningful: impl FnMut(&str) -> bool,
) -> Shown {
    match *feature {
        Feature::Word(w) | Feature::CharGram { word: w, .. } => {
            if meaningful_hashed(w, key) {
                Shown::Own
            } else {
                Shown::Hidden
            }
        }
        Feature::AuthorWord(w) => {
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

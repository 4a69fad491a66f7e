//! Comment text to features: words, numbers, links, contact patterns, emoji, punctuation and
//! a few whole-text signals, each hashed into a fixed number of columns.
//!
//! Text is NFKC-folded and lower-cased first, so `ＦＲＥＥ`, `Free` and `free` are one word.
//! Every feature borrows from one normalised buffer: scoring a comment allocates once.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::fnv::Fnv;
use super::scratch;

/// Which features are produced and how wide the hashed vector is. Saved in the model file,
/// because a model only means something with the features it was trained on.
///
/// | field | default | range | purpose |
/// | --- | --- | --- | --- |
/// | `width_bits` | 14 | 8–24 | 2^bits hashed columns |
/// | `word_bigrams` | true | | adjacent word pairs ("check out") |
/// | `char_ngrams` | `None` | 1–8 | character n-grams inside words, for misspelt and glued words |
/// | `counts` | `LogL2` | | how occurrence counts become feature values |
/// | `html` | true | | decode HTML entities (`&#39;`) and drop tags (`<br />`) before features are made |
///
/// The defaults are the best of a sweep on split A (`bench/ablation.sh`, table in
/// `models/README.md`): wider vectors and character n-grams both lowered ROC AUC, and
/// training time grows in proportion to the width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureSettings {
    pub width_bits: u8,
    pub word_bigrams: bool,
    pub char_ngrams: Option<(u8, u8)>,
    pub counts: CountTransform,
    /// Undo obfuscation before features are made (`classifier::fold`), and count a link to
    /// any shortener as one signal. Models written before it existed read as `false`.
    #[serde(default)]
    pub fold: bool,
    /// Read the text as HTML before features are made: entities decoded (`&#39;` is `'`),
    /// then tags made spaces and a link's tag its URL (`classifier::html`).
    /// Models written before it existed read as `false`, so they score exactly as before.
    ///
    /// Why it is on: how a platform stores text is not what its author wrote. The YouTube
    /// collection's 2015 comments keep `&#39;` for `'` and `<br />` for a line break, its
    /// earlier ones mostly not, and there the few escaped or marked-up texts were spam: a
    /// model of earlier comments took `&#39;` (a 2-digit number between word pieces) and
    /// `<br />` for spam evidence and flagged 2.7 % of LMFAO's 2015 hams. With both read as
    /// HTML none are flagged (`bench/accuracy.sh`, "later year", in `models/README.md`).
    #[serde(default)]
    pub html: bool,
    /// The author's name speaks only through signals about spam: a link or an email address
    /// in it, a run of digits, a shop word ("cheap", "casino"). Models written before it
    /// existed read as `false` and keep a feature per word of the name.
    ///
    /// Why: a person's ordinary name is not evidence. With a feature per name word, the same
    /// civil comment scored from 0.12 to 0.55 under different names, and some names
    /// counted towards spam on their own (issue #27).
    #[serde(default)]
    pub name_signals: bool,
}

/// How a column's occurrence count `tf` in one text becomes its value.
///
/// Raw counts let long texts reach extreme scores on the sheer number of their words, the
/// best-known weakness of multinomial naive Bayes (Rennie et al., 2003, "Tackling the Poor
/// Assumptions of Naive Bayes Text Classifiers"): `ln(1 + tf)` damps repeats, and dividing by
/// the vector's L2 norm gives every text the same total weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum CountTransform {
    Raw,
    Binary,
    Log,
    LogL2,
}

impl Default for FeatureSettings {
    fn default() -> Self {
        Self {
            width_bits: 14,
            word_bigrams: true,
            char_ngrams: None,
            counts: CountTransform::LogL2,
            fold: false,
            html: true,
            name_signals: true,
        }
    }
}

impl FeatureSettings {
    /// Number of hashed columns.
    pub fn width(&self) -> usize {
        1usize << self.width_bits
    }

    /// Checks the ranges in the table above.
    ///
    /// # Errors
    /// A message naming the bad setting.
    pub fn check(&self) -> Result<(), String> {
        if !(8..=24).contains(&self.width_bits) {
            return Err("width_bits must be between 8 and 24".into());
        }
        if let Some((lo, hi)) = self.char_ngrams
            && (lo == 0 || lo > hi || hi > 8)
        {
            return Err("char_ngrams must be 1 <= min <= max <= 8".into());
        }
        Ok(())
    }
}

/// What is scored: the comment text and, for comments from the service, the fields around it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Document<'a> {
    pub body: &'a str,
    pub author: Option<&'a str>,
    /// The host of the commenter's website, if given.
    pub website_host: Option<&'a str>,
    /// The domain of the commenter's email: the address itself never reaches the filter.
    pub email_domain: Option<&'a str>,
}

impl<'a> Document<'a> {
    /// A document with only a body, as in the public corpora.
    pub fn text(body: &'a str) -> Self {
        Self {
            body,
            ..Self::default()
        }
    }
}

/// Share of capital letters among letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Caps {
    Low,
    Mixed,
    High,
}

/// One feature occurrence. Borrowed from the normalised text or the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feature<'a> {
    Word(&'a str),
    Bigram(&'a str, &'a str),
    /// A character n-gram `gram` of `word` (with `^`/`$` marking the word's edges).
    CharGram {
        gram: &'a str,
        word: &'a str,
    },
    /// The number of digits of a number, so "12345" and "67890" share a signal.
    NumberLength(usize),
    UrlHost(&'a str),
    UrlDomain(&'a str),
    HasLink,
    LinkCount(usize),
    HasEmail,
    HasPhone,
    Emoji(char),
    HasEmoji,
    Punct(&'a str),
    Currency(char),
    Caps(Caps),
    Length(usize),
    AuthorWord(&'a str),
    /// A link or a web address in the author's name.
    NameLink,
    /// An email address in the author's name.
    NameEmail,
    /// Three or more digits in a row in the author's name.
    NameDigits,
    SiteHost(&'a str),
    EmailDomain(&'a str),
    /// A link to a URL shortener, whichever (only with `fold`).
    Shortener,
}

/// A feature's hash starts with its kind's tag byte, so a word and a name's word differ.
impl Fnv {
    /// The states after the tags of a word and of a bigram.
    const WORD: Self = Self::new(1);
    const BIGRAM: Self = Self::new(2);

    const fn new(tag: u8) -> Self {
        Self::START.bytes(&[tag])
    }

    fn number(self, n: usize) -> Self {
        self.bytes(&(n as u64).to_le_bytes())
    }
}

/// [`Feature::hash`] of `Feature::Word(word)`, usable in constants (the stop-word table).
pub const fn word_hash(word: &str) -> u64 {
    Fnv::WORD.bytes(word.as_bytes()).0
}

impl Feature<'_> {
    /// The feature's stable 64-bit hash.
    #[inline]
    pub fn hash(&self) -> u64 {
        let h = match *self {
            Feature::Word(w) => Fnv(word_hash(w)),
            Feature::Bigram(a, b) => Fnv::new(2)
                .bytes(a.as_bytes())
                .bytes(&[0xff])
                .bytes(b.as_bytes()),
            Feature::CharGram { gram, .. } => Fnv::new(3).bytes(gram.as_bytes()),
            Feature::NumberLength(n) => Fnv::new(4).number(n),
            Feature::UrlHost(h) => Fnv::new(5).bytes(h.as_bytes()),
            Feature::UrlDomain(d) => Fnv::new(6).bytes(d.as_bytes()),
            Feature::HasLink => Fnv::new(7),
            Feature::LinkCount(n) => Fnv::new(8).number(n),
            Feature::HasEmail => Fnv::new(9),
            Feature::HasPhone => Fnv::new(10),
            Feature::Emoji(c) => Fnv::new(11).number(c as usize),
            Feature::HasEmoji => Fnv::new(12),
            Feature::Punct(p) => Fnv::new(13).bytes(p.as_bytes()),
            Feature::Currency(c) => Fnv::new(14).number(c as usize),
            Feature::Caps(c) => Fnv::new(15).number(c as usize),
            Feature::Length(b) => Fnv::new(16).number(b),
            Feature::AuthorWord(w) => Fnv::new(17).bytes(w.as_bytes()),
            Feature::SiteHost(h) => Fnv::new(18).bytes(h.as_bytes()),
            Feature::EmailDomain(d) => Fnv::new(19).bytes(d.as_bytes()),
            Feature::Shortener => Fnv::new(20),
            Feature::NameLink => Fnv::new(21),
            Feature::NameEmail => Fnv::new(22),
            Feature::NameDigits => Fnv::new(23),
        };
        h.0
    }

    /// A hash equal for features that [`Feature::describe`] gives one text (a word and its
    /// n-grams, a link's host and domain, every count of 3 links or more), given this
    /// feature's own [`Feature::hash`]: explaining a score groups by it without writing
    /// every description out.
    pub fn description_hash(&self, hash: u64) -> u64 {
        match *self {
            Feature::CharGram { word, .. } => Feature::Word(word).hash(),
            Feature::UrlDomain(domain) => Feature::UrlHost(domain).hash(),
            Feature::LinkCount(n) if n >= 3 => Feature::LinkCount(3).hash(),
            _ => hash,
        }
    }

    /// What a moderator reads for this feature. Features that mean the same to a person
    /// (a link's host and domain, a word's n-grams and the word) share a description.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        self.describe_into(&mut out);
        out
    }

    /// Appends [`Feature::describe`]'s text to `out`: explaining a score writes every
    /// occurrence's description into one buffer instead of a string each.
    pub fn describe_into(&self, out: &mut String) {
        use std::fmt::Write as _;
        // Writing into a String cannot fail.
        let _ = match *self {
            // The common cases without the formatting machinery.
            Feature::Word(w) | Feature::CharGram { word: w, .. } => {
                out.push('"');
                out.push_str(w);
                out.push('"');
                Ok(())
            }
            Feature::Bigram(a, b) => {
                out.push('"');
                out.push_str(a);
                out.push(' ');
                out.push_str(b);
                out.push('"');
                Ok(())
            }
            Feature::NumberLength(n) => write!(out, "a {n}-digit number"),
            Feature::UrlHost(h) | Feature::UrlDomain(h) => write!(out, "link to {h}"),
            Feature::HasLink => out.write_str("contains a link"),
            Feature::LinkCount(n) if n >= 3 => out.write_str("3 or more links"),
            Feature::LinkCount(n) => write!(out, "{n} link{}", if n == 1 { "" } else { "s" }),
            Feature::HasEmail => out.write_str("email address in the text"),
            Feature::HasPhone => out.write_str("phone number"),
            Feature::Emoji(c) => write!(out, "emoji {c}"),
            Feature::HasEmoji => out.write_str("uses emoji"),
            Feature::Punct(p) => write!(out, "repeated \"{p}\""),
            Feature::Currency(c) => write!(out, "currency sign {c}"),
            Feature::Caps(Caps::High) => out.write_str("ALL CAPS"),
            Feature::Caps(Caps::Mixed) => out.write_str("many capital letters"),
            Feature::Caps(Caps::Low) => out.write_str("few capital letters"),
            Feature::Length(b) => {
                out.write_str(LENGTH_NAMES.get(b).copied().unwrap_or("very long text"))
            }
            Feature::AuthorWord(w) => write!(out, "name \"{w}\""),
            Feature::NameLink => out.write_str("a link in the name"),
            Feature::NameEmail => out.write_str("an email address in the name"),
            Feature::NameDigits => out.write_str("digits in the name"),
            Feature::SiteHost(h) => write!(out, "website {h}"),
            Feature::EmailDomain(d) => write!(out, "email at {d}"),
            Feature::Shortener => out.write_str("link to a shortener"),
        };
    }
}

/// Which of a vector's `2^width_bits` columns a feature hash falls in. Made once per
/// comment: the mask built from the width on every feature was a measurable share of
/// scoring (cachegrind of the classifier benchmark).
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    mask: u64,
}

impl Columns {
    pub fn new(width_bits: u8) -> Self {
        Self {
            mask: (1u64 << width_bits) - 1,
        }
    }

    /// The column of the feature hash `h`.
    #[inline]
    pub fn of(self, h: u64) -> usize {
        // Fold the high bits in: FNV's low bits alone mix less well.
        ((h ^ (h >> 29) ^ (h >> 47)) & self.mask) as usize
    }
}

/// Upper bounds (in characters) of the length buckets, and their names.
const LENGTH_BOUNDS: [usize; 5] = [20, 50, 120, 300, 800];
const LENGTH_NAMES: [&str; 6] = [
    "very short text",
    "short text",
    "medium-length text",
    "long text",
    "very long text",
    "extremely long text",
];

/// Top-level domains that make `word.tld` a link even without `http://`: the ones spam uses
/// and the common country codes. A bare `hi.how` is not taken for a link.
const BARE_TLDS: &[&str] = &[
    "com", "net", "org", "info", "biz", "me", "ly", "co", "io", "tv", "us", "uk", "de", "fr", "ru",
    "in", "be", "gl", "gd", "tk", "ws", "xyz", "site", "online", "club", "top", "ca", "au", "nz",
    "es", "it", "nl", "pl", "br", "cc", "to", "fm", "edu", "gov", "mobi", "tel", "am", "link",
    "shop", "app", "ch", "at", "se", "no", "dk", "jp", "cn", "kr", "mx", "ar", "za", "gg", "ph",
];

/// Second-level labels under which registrations happen (`bbc.co.uk`, `abc.com.au`).
const SECOND_LEVEL: &[&str] = &["co", "com", "org", "net", "ac", "gov", "edu", "ne", "or"];

/// The registrable part of `host`: the last two labels, or three under a country's
/// second-level domain. Good enough for grouping links; not a public-suffix list.
pub fn registrable_domain(host: &str) -> &str {
    // The last three dots, found from the end without collecting every dot: this runs for
    // every link a comment holds.
    let mut dots = host.rmatch_indices('.').map(|(i, _)| i);
    let Some(last) = dots.next() else {
        return host;
    };
    let (second_dot, third_dot) = (dots.next(), dots.next());
    let tld = &host[last + 1..];
    let second = &host[second_dot.map_or(0, |d| d + 1)..last];
    let keep_three = tld.len() == 2 && SECOND_LEVEL.contains(&second);
    match if keep_three { third_dot } else { second_dot } {
        Some(d) => &host[d + 1..],
        None => host,
    }
}

/// If `chunk` (lower-case, no whitespace) is a link, its host.
fn link_host(chunk: &str) -> Option<&str> {
    // Every host keeps an inner dot, one followed by something else: most words (and "end."
    // or "...") end here, before the substring searches below (among scoring's largest
    // costs in `perf record` of `cargo bench --bench classifier`).
    if !chunk
        .as_bytes()
        .windows(2)
        .any(|pair| pair[0] == b'.' && pair[1] != b'.')
    {
        return None;
    }
    let chunk = chunk
        .trim_matches(|c: char| matches!(c, '(' | ')' | '[' | ']' | '"' | '\'' | ',' | '<' | '>'));
    // A byte search: `str::find` with a string pattern sets up a two-way searcher first,
    // which costs more than scanning a word this short.
    let scheme_end = chunk.as_bytes().windows(3).position(|w| w == b"://");
    let (rest, explicit) = match scheme_end {
        Some(i) if matches!(&chunk[..i], "http" | "https") => (&chunk[i + 3..], true),
        Some(_) => return None,
        None => (chunk, chunk.starts_with("www.")),
    };
    let end = rest.find(['/', '?', '#', ':']).unwrap_or(rest.len());
    let host = rest[..end].trim_end_matches('.');
    let labels_ok = !host.is_empty()
        && host.contains('.')
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    if !labels_ok {
        return None;
    }
    let tld = host.rsplit('.').next().unwrap_or_default();
    (explicit || BARE_TLDS.contains(&tld)).then_some(host)
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32, 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF)
}

/// Folds text for matching: NFKC (full-width and styled letters to plain ones) then
/// lower case. ASCII is already NFKC, so it skips the normaliser.
pub fn normalise(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        push_ascii_lowercase(text, out);
        return;
    }
    // ASCII is NFKC already and has canonical combining class 0, so the quick check can skip
    // it: most comments are ASCII but for an emoji, a curly quote or a byte-order mark, and
    // `perf` found the check of every character costly. Skipping ASCII can only turn a "yes"
    // into a "no" (a mark of a lower class after one of a higher class, with ASCII between),
    // and a "no" takes the full normaliser, which is always right.
    if unicode_normalization::is_nfkc_quick(non_ascii_chars(text))
        == unicode_normalization::IsNormalized::Yes
    {
        push_lowercase(text, out);
    } else {
        push_normalised(text, out);
    }
}

/// Appends `text` NFKC-normalised and lower-cased, passing only the stretches around
/// characters beyond ASCII through the normaliser: a non-breaking space or an ellipsis used
/// to send a whole comment through it, a character at a time (`perf` of the classifier's
/// benchmark). Normalising can restart before any ASCII character (it is NFKC, of canonical
/// class 0, and the second half of no composition), so each stretch is taken with the
/// ASCII character before it, which a combining mark may modify, up to the next ASCII
/// character. A unit test and a property test compare it with normalising the whole text.
fn push_normalised(text: &str, out: &mut String) {
    let mut rest = text;
    loop {
        let ascii = ascii_len(rest);
        if ascii == rest.len() {
            push_ascii_lowercase(rest, out);
            return;
        }
        let start = ascii.saturating_sub(1);
        let end = ascii + non_ascii_len(&rest[ascii..]);
        push_ascii_lowercase(&rest[..start], out);
        for c in rest[start..end].nfkc() {
            out.extend(c.to_lowercase());
        }
        rest = &rest[end..];
    }
}

/// Appends `text` lower-cased, ASCII runs in bulk and other characters one by one.
fn push_lowercase(text: &str, out: &mut String) {
    let mut rest = text;
    loop {
        let ascii = ascii_len(rest);
        push_ascii_lowercase(&rest[..ascii], out);
        rest = &rest[ascii..];
        let Some(c) = rest.chars().next() else {
            break;
        };
        out.extend(c.to_lowercase());
        rest = &rest[c.len_utf8()..];
    }
}

/// The length in bytes of `text`'s leading ASCII run, found eight bytes at a time.
fn ascii_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    let words = bytes.chunks_exact(8);
    let mut start = 0;
    for word in words {
        let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        if word & 0x8080_8080_8080_8080 != 0 {
            break;
        }
        start += 8;
    }
    bytes[start..]
        .iter()
        .position(|b| *b >= 0x80)
        .map_or(bytes.len(), |i| start + i)
}

/// The characters of `text` beyond ASCII, in order, skipping ASCII runs without decoding them.
fn non_ascii_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    let mut rest = text;
    std::iter::from_fn(move || {
        rest = &rest[ascii_len(rest)..];
        let c = rest.chars().next()?;
        rest = &rest[c.len_utf8()..];
        Some(c)
    })
}

/// The length in bytes of `text`'s leading run of characters beyond ASCII.
fn non_ascii_len(text: &str) -> usize {
    text.bytes().position(|b| b < 0x80).unwrap_or(text.len())
}

/// Appends `ascii` (ASCII text) lower-cased.
fn push_ascii_lowercase(ascii: &str, out: &mut String) {
    let start = out.len();
    out.push_str(ascii);
    out[start..].make_ascii_lowercase();
}

/// `ln(1 + n)` for a count `n`, from a table for the small counts nearly every feature has
/// (the same `ln_1p` values, computed once).
pub(crate) fn ln_1p_count(n: f64) -> f64 {
    if (0.0..16.0).contains(&n) && n.fract() == 0.0 {
        ln_1p_table()[n as usize]
    } else {
        n.ln_1p()
    }
}

/// `ln(1 + n)` for the counts 0 to 15.
pub(crate) fn ln_1p_table() -> &'static [f64; 16] {
    static TABLE: std::sync::LazyLock<[f64; 16]> =
        std::sync::LazyLock::new(|| std::array::from_fn(|i| (i as f64).ln_1p()));
    &TABLE
}

/// The hashed feature vector of `doc` as `(column, value)` pairs in column order.
pub fn vectorize(doc: &Document<'_>, settings: &FeatureSettings) -> Vec<(usize, f64)> {
    let columns = Columns::new(settings.width_bits);
    vectorize_by(doc, settings, |_, h| columns.of(h))
}

/// [`vectorize`] with each feature hash put in the column `column` gives it (a model's
/// own mapping, which sends features it never saw to a weightless column).
pub fn vectorize_by(
    doc: &Document<'_>,
    settings: &FeatureSettings,
    mut column: impl FnMut(&Feature<'_>, u64) -> usize,
) -> Vec<(usize, f64)> {
    let mut occurrences = Vec::with_capacity(doc.body.len() / 2 + 16);
    for_each_hashed(doc, settings, &mut |f, h| occurrences.push(column(&f, h)));
    vector_of_columns(occurrences, settings)
}

/// The feature vector from the column of every feature occurrence (in any order): counts per
/// column, transformed as `settings.counts` says, in column order.
fn vector_of_columns(mut columns: Vec<usize>, settings: &FeatureSettings) -> Vec<(usize, f64)> {
    columns.sort_unstable();
    let mut vector: Vec<(usize, f64)> = Vec::with_capacity(columns.len());
    for column in columns {
        match vector.last_mut() {
            Some((c, tf)) if *c == column => *tf += 1.0,
            _ => vector.push((column, 1.0)),
        }
    }
    match settings.counts {
        CountTransform::Raw => {}
        CountTransform::Binary => vector.iter_mut().for_each(|(_, v)| *v = 1.0),
        CountTransform::Log | CountTransform::LogL2 => {
            vector.iter_mut().for_each(|(_, v)| *v = ln_1p_count(*v))
        }
    }
    if settings.counts == CountTransform::LogL2 {
        let norm = vector.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
        if norm > 0.0 {
            vector.iter_mut().for_each(|(_, v)| *v /= norm);
        }
    }
    vector
}

/// Calls `emit` for every feature occurrence of `doc` (a feature may occur many times) with
/// its [`Feature::hash`], computed on the way: a word's hash and the hashes of the bigrams it
/// ends and starts are made in the same pass over its bytes.
pub fn for_each_hashed(
    doc: &Document<'_>,
    settings: &FeatureSettings,
    emit: &mut impl FnMut(Feature<'_>, u64),
) {
    thread_local! {
        /// The normalised text of the comment being tokenized.
        static TEXT: RefCell<String> = const { RefCell::new(String::new()) };
    }
    scratch::with(
        &TEXT,
        |text| features_in(doc, settings, text, emit),
        release_if_huge,
    );
}

/// Drops a per-thread text buffer that a huge comment grew, so that it is not left behind
/// on the thread.
fn release_if_huge(text: &mut String) {
    if text.capacity() > scratch::KEPT {
        *text = String::new();
    }
}

fn features_in(
    doc: &Document<'_>,
    settings: &FeatureSettings,
    text: &mut String,
    emit: &mut impl FnMut(Feature<'_>, u64),
) {
    normalise(doc.body, text);
    if settings.html || settings.fold {
        // One vectorised pass over the bytes finds what there is to read as HTML: most texts
        // have nothing, and a `str::contains` for each character costs more.
        let (amps, angles) = bytes_in_pair(text.as_bytes(), b'&', b'<');
        // Entities first, once, for either setting (folding has always decoded them):
        // escaped markup (`&lt;br /&gt;`) is markup too.
        if amps > 0 {
            rewrite_in_place(text, super::html::decode_entities);
        }
        if settings.html && (angles > 0 || (amps > 0 && text.contains('<'))) {
            rewrite_in_place(text, super::html::strip_tags);
        }
    }
    if settings.fold {
        rewrite_in_place(text, super::fold::fold_into);
    }
    body_features(doc.body, text, settings, emit);
    field_features(doc, settings, emit);
}

/// Replaces `text` with what `rewrite` appends from it to an empty buffer (reading it as
/// HTML, folding), a per-thread one, which then keeps the old text's allocation for the next
/// comment.
fn rewrite_in_place(text: &mut String, rewrite: impl FnOnce(&str, &mut String)) {
    thread_local! {
        static REWRITTEN: RefCell<String> = const { RefCell::new(String::new()) };
    }
    scratch::with(
        &REWRITTEN,
        |rewritten| {
            rewritten.clear();
            rewrite(text, rewritten);
            std::mem::swap(text, rewritten);
        },
        release_if_huge,
    );
}

/// Byte classes for the one-pass scan of the normalised text. A byte from 0x80 up starts a
/// character that is decoded and judged by its Unicode properties instead.
const SPACE: u8 = 1;
const WORD: u8 = 2;
const DOT: u8 = 4;
const AT: u8 = 8;
/// `!`, `?`, `.` and `$`: what [`chunk_symbols`] looks for in ASCII.
const SYMBOL: u8 = 16;
const HIGH: u8 = 32;
/// Any other ASCII byte that is neither a letter, a digit nor whitespace (`,`, `'`, `-`…):
/// a chunk without it or [`HIGH`] is one word.
const OTHER: u8 = 64;
/// An ASCII letter (also [`WORD`]): a word without one is a number.
const LETTER: u8 = 128;

static CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut class = 0;
        // What `char::is_whitespace` and `char::is_alphanumeric` say for ASCII.
        if matches!(b, b'\t'..=b'\r' | b' ') {
            class |= SPACE;
        }
        if b.is_ascii_alphanumeric() {
            class |= WORD;
        }
        if b.is_ascii_alphabetic() {
            class |= LETTER;
        }
        if b == b'.' {
            class |= DOT;
        }
        if b == b'@' {
            class |= AT;
        }
        if matches!(b, b'!' | b'?' | b'.' | b'$') {
            class |= SYMBOL;
        }
        if b >= 0x80 {
            class |= HIGH;
        } else if class & (SPACE | WORD) == 0 {
            class |= OTHER;
        }
        table[i] = class;
        i += 1;
    }
    table
};

/// The character starting at byte `i` of `s` (a character boundary).
fn char_at(s: &str, i: usize) -> char {
    s[i..].chars().next().unwrap_or_default()
}

fn body_features(
    original: &str,
    text: &str,
    settings: &FeatureSettings,
    emit: &mut impl FnMut(Feature<'_>, u64),
) {
    let mut links = 0usize;
    let mut has_emoji = false;
    let mut previous_word: Option<Previous<'_>> = None;
    // One pass over the bytes, cut into whitespace-separated chunks as `split_whitespace`
    // would, noting on the way which of the per-chunk checks below can apply at all.
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let mut seen = 0u8;
        // The chunk's hashes as a word, made on the way in case it is one (most chunks are):
        // a second loop over its bytes cost a mispredicted exit per word (cachegrind's
        // branch simulation of the classifier benchmark).
        let mut hashes = WordHashes::new(previous_word.as_ref());
        loop {
            // The common case in a loop of its own: ASCII bytes that are not whitespace.
            while let Some(&b) = bytes.get(i) {
                let class = CLASSES[usize::from(b)];
                if class & (SPACE | HIGH) != 0 {
                    break;
                }
                hashes.push(b);
                seen |= class;
                i += 1;
            }
            match bytes.get(i) {
                Some(&b) if CLASSES[usize::from(b)] & HIGH != 0 => {
                    let c = char_at(text, i);
                    if c.is_whitespace() {
                        break;
                    }
                    i += c.len_utf8();
                    seen |= HIGH;
                }
                _ => break,
            }
        }
        if i == start {
            // A whitespace character.
            i += char_at(text, i).len_utf8();
            continue;
        }
        let chunk = &text[start..i];
        if seen & (SYMBOL | HIGH) != 0 {
            chunk_symbols(chunk, &mut has_emoji, emit);
        }
        if seen & DOT != 0
            && let Some(host) = link_host(chunk)
        {
            links += 1;
            if settings.fold && super::fold::is_shortener(host) {
                put(emit, Feature::Shortener);
            }
            put(emit, Feature::UrlHost(host));
            let domain = registrable_domain(host);
            if domain != host {
                put(emit, Feature::UrlDomain(domain));
            }
            previous_word = None;
            continue;
        }
        if seen & AT != 0 && chunk.rsplit('@').next().is_some_and(|d| d.contains('.')) {
            put(emit, Feature::HasEmail);
            previous_word = None;
            continue;
        }
        if seen & !LETTER == WORD {
            // Letters and digits of ASCII only, as most chunks are: the chunk is one word,
            // and `chunk_words` would only scan it again to find that out. Its hashes are
            // made unless it is cut to length.
            if chunk.len() <= MAX_WORD_CHARS {
                let number = seen & LETTER == 0;
                emit_word(chunk, number, hashes, settings, &mut previous_word, emit);
            } else {
                word_features(truncate_ascii(chunk), settings, &mut previous_word, emit);
            }
        } else {
            chunk_words(chunk, settings, &mut previous_word, emit);
        }
    }
    if has_emoji {
        put(emit, Feature::HasEmoji);
    }
    if links > 0 {
        put(emit, Feature::HasLink);
        put(emit, Feature::LinkCount(links.min(3)));
    }
    if has_phone_number(text) {
        put(emit, Feature::HasPhone);
    }
    let (chars, upper, letters) = letter_counts(original);
    let bucket = LENGTH_BOUNDS
        .iter()
        .position(|b| chars <= *b)
        .unwrap_or(LENGTH_BOUNDS.len());
    put(emit, Feature::Length(bucket));
    if letters >= 6 {
        let caps = match upper * 100 / letters {
            0..=15 => Caps::Low,
            16..=60 => Caps::Mixed,
            _ => Caps::High,
        };
        put(emit, Feature::Caps(caps));
    }
}

/// The number of characters of `text`, of its capital letters and of its letters. ASCII is
/// counted a byte at a time in loops the compiler vectorises; only characters beyond ASCII
/// are decoded (a comment ending in a byte-order mark used to be decoded whole).
fn letter_counts(text: &str) -> (usize, usize, usize) {
    let bytes = text.as_bytes();
    // One pass with three byte-wide counters. Every character has exactly one byte that is
    // not a continuation byte.
    let (mut chars, mut upper, mut lower) = (0, 0, 0);
    for block in bytes.chunks(255) {
        let (c, u, l) = block.iter().fold((0u8, 0u8, 0u8), |(c, u, l), &b| {
            (
                c + u8::from(b & 0xC0 != 0x80),
                u + u8::from(b.is_ascii_uppercase()),
                l + u8::from(b.is_ascii_lowercase()),
            )
        });
        chars += usize::from(c);
        upper += usize::from(u);
        lower += usize::from(l);
    }
    let mut letters = upper + lower;
    if chars != bytes.len() {
        for c in non_ascii_chars(text).filter(|c| c.is_alphabetic()) {
            letters += 1;
            upper += usize::from(c.is_uppercase());
        }
    }
    (chars, upper, letters)
}

/// How many of `bytes` are `a` and how many `b`, counted as [`count_bytes`] does.
fn bytes_in_pair(bytes: &[u8], a: u8, b: u8) -> (usize, usize) {
    bytes.chunks(255).fold((0, 0), |(na, nb), block| {
        let (x, y) = block.iter().fold((0u8, 0u8), |(x, y), &c| {
            (x + u8::from(c == a), y + u8::from(c == b))
        });
        (na + usize::from(x), nb + usize::from(y))
    })
}

/// How many of `bytes` satisfy `test`, counted in byte-wide lanes 255 bytes at a time so
/// that the loop vectorises (a `usize` count per byte does not).
#[inline]
fn count_bytes(bytes: &[u8], test: impl Fn(u8) -> bool) -> usize {
    bytes
        .chunks(255)
        .map(|block| {
            let n = block.iter().fold(0u8, |n, &b| n + u8::from(test(b)));
            usize::from(n)
        })
        .sum()
}

/// The word before, and the hash state of a bigram starting with it (up to the separator).
#[derive(Clone, Copy)]
struct Previous<'a> {
    word: &'a str,
    bigram: Fnv,
}

/// The words of a chunk that is neither a link nor an email address: runs of alphanumeric
/// characters, each cut to 40 characters, with the bigram it makes with the word before.
fn chunk_words<'a>(
    chunk: &'a str,
    settings: &FeatureSettings,
    previous_word: &mut Option<Previous<'a>>,
    emit: &mut impl FnMut(Feature<'a>, u64),
) {
    let bytes = chunk.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let mut ascii = true;
        // As in `body_features`: an ASCII word is hashed while it is found.
        let mut hashes = WordHashes::new(previous_word.as_ref());
        let mut seen = 0u8;
        while i < bytes.len() {
            let b = bytes[i];
            let class = CLASSES[usize::from(b)];
            if class & WORD != 0 {
                hashes.push(b);
                seen |= class;
                i += 1;
            } else if class & HIGH != 0 {
                let c = char_at(chunk, i);
                if !c.is_alphanumeric() {
                    break;
                }
                ascii = false;
                i += c.len_utf8();
            } else {
                break;
            }
        }
        if i == start {
            // A separator.
            i += char_at(chunk, i).len_utf8();
            continue;
        }
        let word = &chunk[start..i];
        if ascii && word.len() <= MAX_WORD_CHARS {
            let number = seen & LETTER == 0;
            emit_word(word, number, hashes, settings, previous_word, emit);
        } else if ascii {
            word_features(truncate_ascii(word), settings, previous_word, emit);
        } else {
            word_features(
                truncate_chars(word, MAX_WORD_CHARS),
                settings,
                previous_word,
                emit,
            );
        }
    }
}

/// The longest word kept, in characters: longer ones are cut to it.
const MAX_WORD_CHARS: usize = 40;

/// `word`, of ASCII characters only, cut to [`MAX_WORD_CHARS`].
fn truncate_ascii(word: &str) -> &str {
    &word[..word.len().min(MAX_WORD_CHARS)]
}

/// Three FNV chains over a word's bytes, made in one pass: the word, the bigram it ends
/// (going on from the previous word's prefix) and the bigram it starts. Each equals
/// [`Feature::hash`] of its feature (a property test checks).
#[derive(Clone, Copy)]
struct WordHashes {
    alone: u64,
    first: u64,
    second: u64,
}

impl WordHashes {
    #[inline(always)]
    fn new(previous_word: Option<&Previous<'_>>) -> Self {
        Self {
            alone: Fnv::WORD.0,
            first: Fnv::BIGRAM.0,
            second: previous_word.map_or(0, |p| p.bigram.0),
        }
    }

    #[inline(always)]
    fn push(&mut self, b: u8) {
        self.alone = (self.alone ^ u64::from(b)).wrapping_mul(Fnv::PRIME);
        self.first = (self.first ^ u64::from(b)).wrapping_mul(Fnv::PRIME);
        self.second = (self.second ^ u64::from(b)).wrapping_mul(Fnv::PRIME);
    }
}

/// The features of one word (already cut to length): a number's length, the word, the
/// bigram it ends and its character n-grams. Always inlined into its callers: left a
/// call, it cost about 4 % more instructions per comment (`bench/instructions.sh`).
#[inline(always)]
fn word_features<'a>(
    word: &'a str,
    settings: &FeatureSettings,
    previous_word: &mut Option<Previous<'a>>,
    emit: &mut impl FnMut(Feature<'a>, u64),
) {
    let number = word.bytes().all(|b| b.is_ascii_digit());
    let mut hashes = WordHashes::new(previous_word.as_ref());
    for &b in word.as_bytes() {
        hashes.push(b);
    }
    emit_word(word, number, hashes, settings, previous_word, emit);
}

/// [`word_features`] given whether `word` is all digits and its [`WordHashes`].
#[inline(always)]
fn emit_word<'a>(
    word: &'a str,
    number: bool,
    hashes: WordHashes,
    settings: &FeatureSettings,
    previous_word: &mut Option<Previous<'a>>,
    emit: &mut impl FnMut(Feature<'a>, u64),
) {
    if number {
        put(emit, Feature::NumberLength(word.len()));
    }
    emit(Feature::Word(word), hashes.alone);
    if settings.word_bigrams
        && let Some(prev) = *previous_word
    {
        emit(Feature::Bigram(prev.word, word), hashes.second);
    }
    if let Some((lo, hi)) = settings.char_ngrams {
        char_grams(word, lo as usize, hi as usize, emit);
    }
    *previous_word = Some(Previous {
        word,
        bigram: Fnv(hashes.first).bytes(&[0xff]),
    });
}

/// Emits `feature` with its hash.
#[inline]
fn put<'a>(emit: &mut impl FnMut(Feature<'a>, u64), feature: Feature<'a>) {
    let hash = feature.hash();
    emit(feature, hash);
}

/// Emoji, currency signs and runs of `!`, `?` or `.` inside one whitespace-free chunk.
fn chunk_symbols(chunk: &str, has_emoji: &mut bool, emit: &mut impl FnMut(Feature<'_>, u64)) {
    let bytes = chunk.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(b, b'!' | b'?' | b'.') {
            let run = bytes[i..].iter().take_while(|x| **x == b).count();
            if run >= 2 {
                put(emit, Feature::Punct(&chunk[i..i + run.min(3)]));
            }
            i += run;
            continue;
        }
        if b >= 0x80
            && let Some(c) = chunk[i..].chars().next()
        {
            if is_emoji(c) {
                *has_emoji = true;
                put(emit, Feature::Emoji(c));
            } else if matches!(c, '£' | '€' | '¥' | '₹') {
                put(emit, Feature::Currency(c));
            }
            i += c.len_utf8();
            continue;
        }
        if b == b'$' {
            put(emit, Feature::Currency('$'));
        }
        i += 1;
    }
}

fn truncate_chars(word: &str, max: usize) -> &str {
    match word.char_indices().nth(max) {
        Some((i, _)) => &word[..i],
        None => word,
    }
}

/// Character n-grams of `^word$`, using the edge markers only in the grams that touch them.
fn char_grams<'a>(word: &'a str, lo: usize, hi: usize, emit: &mut impl FnMut(Feature<'a>, u64)) {
    // Short words are their own signal; their n-grams would only repeat them.
    if word.chars().count() < lo + 1 {
        return;
    }
    let bounds: Vec<usize> = word
        .char_indices()
        .map(|(i, _)| i)
        .chain([word.len()])
        .collect();
    let chars = bounds.len() - 1;
    for n in lo..=hi.min(chars) {
        for start in 0..=chars - n {
            let gram = &word[bounds[start]..bounds[start + n]];
            put(emit, Feature::CharGram { gram, word });
        }
    }
}

/// Seven or more digits in one run, allowing single spaces, dots or dashes between them
/// (`0800 195 6669`, `+44-7700-900123`).
fn has_phone_number(text: &str) -> bool {
    // Seven digits in a run need seven digits in all: most texts have fewer. (A count of
    // all of them vectorises; stopping at the seventh does not.)
    let bytes = text.as_bytes();
    if count_bytes(bytes, |b| b.is_ascii_digit()) < 7 {
        return false;
    }
    // Outside a run nothing but a digit matters, so the scan jumps from one run's first
    // digit to the next (a byte at a time through everything was a costly loop in
    // cachegrind). Bytes, not characters: every byte of a non-ASCII character ends a run,
    // as the character would.
    let mut i = 0;
    while let Some(first) = bytes[i..].iter().position(u8::is_ascii_digit) {
        i += first;
        let (mut digits, mut last_was_sep) = (0, false);
        while let Some(&c) = bytes.get(i) {
            if c.is_ascii_digit() {
                digits += 1;
                last_was_sep = false;
                if digits >= 7 {
                    return true;
                }
            } else if matches!(c, b' ' | b'-' | b'.') && !last_was_sep {
                last_was_sep = true;
            } else {
                break;
            }
            i += 1;
        }
    }
    false
}

/// Words that make a name a shop's or an advert's: only these of a name's words are
/// features when names speak through signals (`FeatureSettings::name_signals`).
const SHOP_WORDS: &[&str] = &[
    "buy",
    "cheap",
    "sale",
    "discount",
    "deal",
    "deals",
    "shop",
    "store",
    "casino",
    "poker",
    "bet",
    "betting",
    "loan",
    "loans",
    "credit",
    "pills",
    "viagra",
    "cialis",
    "pharmacy",
    "replica",
    "seo",
    "backlinks",
    "crypto",
    "bitcoin",
    "forex",
    "porn",
    "sex",
    "escort",
    "dating",
    "followers",
    "subscribers",
    "free",
    "money",
    "cash",
    "income",
    "offer",
    "promo",
    "coupon",
    "win",
    "prize",
];

fn field_features<'a>(
    doc: &Document<'a>,
    settings: &FeatureSettings,
    emit: &mut impl FnMut(Feature<'_>, u64),
) {
    if let Some(author) = doc.author {
        let mut name = String::with_capacity(author.len());
        normalise(author, &mut name);
        if settings.name_signals {
            name_signals(author, &name, emit);
        } else {
            for word in name
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
            {
                put(
                    emit,
                    Feature::AuthorWord(truncate_chars(word, MAX_WORD_CHARS)),
                );
            }
        }
    }
    if let Some(host) = doc.website_host {
        let host = host.to_ascii_lowercase();
        put(emit, Feature::SiteHost(registrable_domain(&host)));
    }
    if let Some(domain) = doc.email_domain {
        put(emit, Feature::EmailDomain(domain));
    }
}

/// What a name says about spam: a link, an email address, a run of digits, shop words.
/// Nothing else of it is a feature, so an ordinary name is no evidence either way.
fn name_signals(raw: &str, name: &str, emit: &mut impl FnMut(Feature<'_>, u64)) {
    let lower = raw.to_lowercase();
    if looks_like_link(&lower) {
        put(emit, Feature::NameLink);
    }
    if raw.contains('@') && raw.contains('.') {
        put(emit, Feature::NameEmail);
    }
    let mut run = 0;
    let mut digits = false;
    for c in raw.chars() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        digits |= run >= 3;
    }
    if digits {
        put(emit, Feature::NameDigits);
    }
    for word in name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| SHOP_WORDS.contains(w))
    {
        put(emit, Feature::AuthorWord(word));
    }
}

/// Whether lower-cased `text` holds a link or a bare web address: `://`, `www.`, or a
/// domain. Names (as a spam signal) and campaign signatures (a link as one word) ask.
pub(crate) fn looks_like_link(text: &str) -> bool {
    text.contains("://") || text.contains("www.") || has_domain(text)
}

/// Whether `text` holds something like `shop.example` or `pills.com`: a dot between letters
/// followed by 2 to 6 letters and then the end or a non-letter.
fn has_domain(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        if b != b'.' || i == 0 || !bytes[i - 1].is_ascii_alphanumeric() {
            return false;
        }
        let tld = bytes[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        (2..=6).contains(&tld)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::TestRunner;

    #[test]
    fn the_shortcuts_give_what_the_full_paths_give() {
        let samples = [
            (
                "Plain ASCII, with a link http://bit.ly/x and 0800 123 4567.",
                true,
            ),
            ("Café crème — déjà vu 😀 naïve", false),
            ("ＦＵＬＬ　ｗｉｄｔｈ ｓｐａｍ ①②③ ﬁne", false),
            ("Ünïcödé with combining e\u{301} and K\u{212A}elvin", false),
            ("digits 12 34 56 7, not a phone; 1234567 is", true),
            ("six 123456 and one 7 apart", false),
            ("www.example.com bit.ly/abc no.dots.here? end.", false),
            (
                "wait\u{a0}for it\u{2026} A\u{301}\u{308}b \u{301}x\u{feff}",
                false,
            ),
            ("<\u{338} \u{1100}\u{1161}\u{11a8} ΣΑΣ 555 1234", true),
        ];
        for (text, phone) in samples {
            let mut fast = String::new();
            normalise(text, &mut fast);
            let full: String = text.nfkc().flat_map(char::to_lowercase).collect();
            assert_eq!(fast, full, "{text}");
            assert_eq!(has_phone_number(text), phone, "{text}");
        }
        for n in 0..40 {
            assert_eq!(
                ln_1p_count(n as f64).to_bits(),
                (n as f64).ln_1p().to_bits()
            );
        }
    }

    fn features(body: &str) -> Vec<String> {
        let settings = FeatureSettings {
            char_ngrams: None,
            ..FeatureSettings::default()
        };
        let mut out = Vec::new();
        for_each_hashed(&Document::text(body), &settings, &mut |f, _| {
            out.push(format!("{f:?}"))
        });
        out
    }

    #[test]
    fn folding_turns_spread_out_shortener_links_into_link_evidence() {
        let body = "fr33 v1deos &gt;&gt; goo . gl/abc";
        let folded = FeatureSettings {
            fold: true,
            ..FeatureSettings::default()
        };
        let mut seen = Vec::new();
        for_each_hashed(&Document::text(body), &folded, &mut |f, _| {
            seen.push(format!("{f:?}"))
        });
        for expected in [
            "Shortener",
            "UrlHost(\"goo.gl\")",
            "Word(\"free\")",
            "Word(\"videos\")",
        ] {
            assert!(seen.iter().any(|f| f == expected), "{expected} in {seen:?}");
        }
        let plain = features(body);
        assert!(
            !plain
                .iter()
                .any(|f| f == "Shortener" || f.starts_with("UrlHost")),
            "{plain:?}"
        );
    }

    #[test]
    fn html_is_read_unless_a_model_predates_the_setting() {
        assert_eq!(
            features("don&#39;t &quot;subscribe&quot; &amp; win"),
            features("don't \"subscribe\" & win")
        );
        // The length and capitals signals stay those of the text as sent.
        let words = |text: &str| {
            let mut all = features(text);
            all.retain(|f| !f.starts_with("Length("));
            all
        };
        assert_eq!(
            words("best part<br /><br />see <a href=\"http://x.example/a\">here</a> &lt;b&gt;"),
            words("best part see http://x.example/a here")
        );
        let before: FeatureSettings = serde_json::from_str(
            r#"{"width_bits":14,"word_bigrams":true,"char_ngrams":null,"counts":"log_l2"}"#,
        )
        .unwrap();
        assert!(!before.html && !before.fold);
        let mut raw = Vec::new();
        for_each_hashed(&Document::text("don&#39;t"), &before, &mut |f, _| {
            raw.push(format!("{f:?}"))
        });
        assert!(raw.contains(&"NumberLength(2)".to_owned()), "{raw:?}");
        assert!(!features("don&#39;t").contains(&"NumberLength(2)".to_owned()));
    }

    #[test]
    fn full_width_and_capital_letters_fold_to_the_same_word() {
        let a = features("ＦＲＥＥ");
        let b = features("free");
        assert!(a.contains(&"Word(\"free\")".to_owned()), "{a:?}");
        assert_eq!(
            a.iter()
                .filter(|f| f.starts_with("Word"))
                .collect::<Vec<_>>(),
            b.iter()
                .filter(|f| f.starts_with("Word"))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn links_become_host_and_domain_tokens() {
        let f = features("Go to https://WWW.Example.co.uk/path?x=1 and bit.ly/abc now");
        for expected in [
            "UrlHost(\"www.example.co.uk\")",
            "UrlDomain(\"example.co.uk\")",
            "UrlHost(\"bit.ly\")",
            "HasLink",
            "LinkCount(2)",
        ] {
            assert!(
                f.contains(&expected.to_owned()),
                "{expected} missing from {f:?}"
            );
        }
        assert!(
            !f.iter().any(|x| x.contains("path")),
            "paths are not words: {f:?}"
        );
        assert!(
            !features("hi.how are you")
                .iter()
                .any(|x| x.starts_with("UrlHost"))
        );
    }

    #[test]
    fn registrable_domains_respect_country_second_levels() {
        assert_eq!(registrable_domain("www.bbc.co.uk"), "bbc.co.uk");
        assert_eq!(registrable_domain("a.b.example.com"), "example.com");
        assert_eq!(registrable_domain("bit.ly"), "bit.ly");
        assert_eq!(registrable_domain("localhost"), "localhost");
        assert_eq!(registrable_domain("co.uk"), "co.uk");
        assert_eq!(registrable_domain("bbc.co.uk"), "bbc.co.uk");
        assert_eq!(registrable_domain("a.b.bbc.co.uk"), "bbc.co.uk");
        assert_eq!(registrable_domain("example.com"), "example.com");
        assert_eq!(registrable_domain("x.example.de"), "example.de");
        assert_eq!(registrable_domain("shop.com.au"), "shop.com.au");
        assert_eq!(registrable_domain(".com"), ".com");
    }

    #[test]
    fn contact_patterns_numbers_and_symbols_are_signals() {
        let f = features("Call 0800 195 6669 or mail me@x.com!!! Win £100 😍😍");
        for expected in [
            "HasPhone",
            "HasEmail",
            "Punct(\"!!!\")",
            "Currency('£')",
            "NumberLength(3)",
            "Word(\"100\")",
            "Emoji('😍')",
            "HasEmoji",
        ] {
            assert!(
                f.contains(&expected.to_owned()),
                "{expected} missing from {f:?}"
            );
        }
        assert!(!features("in 2024 and 1999").contains(&"HasPhone".to_owned()));
    }

    #[test]
    fn shouting_and_length_are_measured() {
        assert!(features("SUBSCRIBE TO MY CHANNEL NOW").contains(&"Caps(High)".to_owned()));
        assert!(features("a calm sentence").contains(&"Caps(Low)".to_owned()));
        assert!(features("hi").contains(&"Length(0)".to_owned()));
    }

    #[test]
    fn bigrams_join_adjacent_words() {
        assert!(
            features("check out my channel").contains(&"Bigram(\"check\", \"out\")".to_owned())
        );
    }

    #[test]
    fn a_chunk_that_is_one_word_gives_what_the_general_path_gives() {
        // A chunk of ASCII letters and digits takes the one-pass path (hashed while it is
        // scanned); the same words followed by a comma go through `chunk_words`.
        let long = "x".repeat(MAX_WORD_CHARS + 5);
        let edge = "y".repeat(MAX_WORD_CHARS);
        let words = ["free", "12345", "abc123", "0", long.as_str(), edge.as_str()];
        let plain = words.join(" ");
        let punctuated = words.map(|w| format!("{w},")).join(" ");
        let hashed = |body: &str| {
            let mut out = Vec::new();
            for_each_hashed(
                &Document::text(body),
                &FeatureSettings::default(),
                &mut |f, h| {
                    assert_eq!(h, f.hash(), "{f:?}");
                    if !matches!(f, Feature::Length(_) | Feature::Caps(_)) {
                        out.push(format!("{f:?}"));
                    }
                },
            );
            out
        };
        let fast = hashed(&plain);
        assert_eq!(fast, hashed(&punctuated));
        assert!(fast.contains(&"NumberLength(5)".to_owned()));
        assert!(!fast.iter().any(|f| f == "NumberLength(6)"));
        assert!(fast.contains(&format!("Word({:?})", &long[..MAX_WORD_CHARS])));
    }

    #[test]
    fn phone_numbers_are_found_as_a_byte_at_a_time_scan_finds_them() {
        // The rule written the plain way: seven digits, single separators between them.
        fn plain(text: &str) -> bool {
            let (mut digits, mut last_was_sep) = (0, false);
            for &c in text.as_bytes() {
                if c.is_ascii_digit() {
                    digits += 1;
                    last_was_sep = false;
                    if digits >= 7 {
                        return true;
                    }
                } else if matches!(c, b' ' | b'-' | b'.') && digits > 0 && !last_was_sep {
                    last_was_sep = true;
                } else {
                    digits = 0;
                    last_was_sep = false;
                }
            }
            false
        }
        const PIECES: &[&str] = &["1", "1", "1", "23", " ", "-", ".", "+", "x", "é", "  "];
        let texts = proptest::collection::vec(proptest::sample::select(PIECES), 0..24)
            .prop_map(|pieces| pieces.concat());
        TestRunner::new(ProptestConfig::with_cases(20_000))
            .run(&texts, |text| {
                prop_assert_eq!(has_phone_number(&text), plain(&text), "{:?}", text);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn punctuation_inside_a_chunk_separates_words() {
        // A chunk of letters and digits only is taken as one word without a second scan;
        // one with punctuation in it is not.
        assert_eq!(
            features("huh, don't x-ray 4u")[..9],
            [
                "Word(\"huh\")",
                "Word(\"don\")",
                "Bigram(\"huh\", \"don\")",
                "Word(\"t\")",
                "Bigram(\"don\", \"t\")",
                "Word(\"x\")",
                "Bigram(\"t\", \"x\")",
                "Word(\"ray\")",
                "Bigram(\"x\", \"ray\")",
            ]
        );
    }

    #[test]
    fn char_ngrams_cover_each_word() {
        let mut grams = Vec::new();
        char_grams("spam", 3, 4, &mut |f, _| {
            if let Feature::CharGram { gram, .. } = f {
                grams.push(gram.to_owned());
            }
        });
        assert_eq!(grams, ["spa", "pam", "spam"]);
        let mut count = 0;
        char_grams("héllo", 3, 3, &mut |_, _| count += 1);
        assert_eq!(count, 3);
    }

    #[test]
    fn fields_contribute_prefixed_tokens_and_never_the_email() {
        let doc = Document {
            body: "hello",
            author: Some("Cheap Pills"),
            website_host: Some("Shop.Pills.example.com"),
            email_domain: Some("mail.example"),
        };
        let mut f = Vec::new();
        for_each_hashed(&doc, &FeatureSettings::default(), &mut |x, _| {
            f.push(format!("{x:?}"))
        });
        assert!(f.contains(&"AuthorWord(\"cheap\")".to_owned()));
        assert!(f.contains(&"SiteHost(\"example.com\")".to_owned()));
        assert!(f.contains(&"EmailDomain(\"mail.example\")".to_owned()));
    }

    #[test]
    fn an_ordinary_name_is_no_feature_and_a_spammy_one_says_why() {
        let names = |author: &str| {
            let doc = Document {
                body: "hello",
                author: Some(author),
                ..Document::default()
            };
            let mut f = Vec::new();
            for_each_hashed(
                &Document::text("hello"),
                &FeatureSettings::default(),
                &mut |x, _| f.push(format!("{x:?}")),
            );
            let base = f.len();
            f.clear();
            for_each_hashed(&doc, &FeatureSettings::default(), &mut |x, _| {
                f.push(format!("{x:?}"))
            });
            f.split_off(base.min(f.len()))
        };
        for ordinary in ["Kwame Mensah", "Ahmed", "María José", "李伟", "Zoë O'Brien"] {
            assert!(
                names(ordinary).is_empty(),
                "{ordinary}: {:?}",
                names(ordinary)
            );
        }
        assert_eq!(
            names("cheap-pills.com"),
            vec!["NameLink", "AuthorWord(\"cheap\")", "AuthorWord(\"pills\")"]
        );
        assert_eq!(names("Anna's Cheap Shoes"), vec!["AuthorWord(\"cheap\")"]);
        assert_eq!(names("ann@spam.example"), vec!["NameEmail"]);
        assert_eq!(names("seller4567"), vec!["NameDigits"]);
    }

    #[test]
    fn vectors_are_log_damped_and_unit_length() {
        let settings = FeatureSettings {
            char_ngrams: None,
            word_bigrams: false,
            ..FeatureSettings::default()
        };
        let v = vectorize(&Document::text("spam spam spam eggs"), &settings);
        let norm: f64 = v.iter().map(|(_, x)| x * x).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-12);
        let column = |w| Columns::new(settings.width_bits).of(Feature::Word(w).hash());
        let spam = v
            .iter()
            .find(|(c, _)| *c == column("spam"))
            .expect("spam")
            .1;
        let eggs = v
            .iter()
            .find(|(c, _)| *c == column("eggs"))
            .expect("eggs")
            .1;
        assert!(
            (spam / eggs - 4f64.ln() / 2f64.ln()).abs() < 1e-12,
            "ln(1+3) vs ln(1+1)"
        );
        let raw = FeatureSettings {
            counts: CountTransform::Raw,
            ..settings
        };
        let v = vectorize(&Document::text("spam spam spam eggs"), &raw);
        assert!(v.contains(&(column("spam"), 3.0)));
    }

    #[test]
    fn features_share_a_description_hash_exactly_when_they_share_a_description() {
        let features = [
            Feature::Word("free"),
            Feature::CharGram {
                gram: "fre",
                word: "free",
            },
            Feature::CharGram {
                gram: "ree",
                word: "free",
            },
            Feature::Word("fre"),
            Feature::Bigram("free", "money"),
            Feature::UrlHost("bit.ly"),
            Feature::UrlDomain("bit.ly"),
            Feature::UrlHost("www.bit.ly"),
            Feature::HasLink,
            Feature::LinkCount(1),
            Feature::LinkCount(2),
            Feature::LinkCount(3),
            Feature::LinkCount(7),
            Feature::Shortener,
            Feature::AuthorWord("free"),
            Feature::Length(4),
            Feature::Length(5),
            Feature::Caps(Caps::High),
            Feature::Emoji('😀'),
            Feature::Punct("!!"),
            Feature::NumberLength(3),
            Feature::SiteHost("bit.ly"),
            Feature::EmailDomain("bit.ly"),
        ];
        for a in &features {
            for b in &features {
                assert_eq!(
                    a.describe() == b.describe(),
                    a.description_hash(a.hash()) == b.description_hash(b.hash()),
                    "{a:?} and {b:?}"
                );
            }
        }
    }

    #[test]
    fn hashes_are_stable_across_releases() {
        // Changing these values invalidates every saved model: bump the model format instead.
        assert_eq!(Feature::Word("free").hash(), 0x1114_80a9_072b_a2e2);
        assert_eq!(
            Columns::new(16).of(Feature::Word("free").hash()),
            Columns::new(16).of(Feature::Word("free").hash())
        );
        assert_ne!(
            Feature::Word("free").hash(),
            Feature::AuthorWord("free").hash()
        );
    }
}

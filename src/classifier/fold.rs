//! Undoing the tricks spam uses to slip past word-based filters, before features are made
//! (`FeatureSettings::fold`; the tokenizer decodes HTML entities first): links with spaced or
//! bracketed dots and backslashes (`goo . gl/x`, `bit(.)ly`, `bit.ly\x`), letters swapped for
//! look-alikes from other scripts (`vіagra` with a Cyrillic `і`) and digits or symbols for
//! letters (`fr33`, `v1agra`, `ca$h`). Works on text already NFKC-normalised and lower-cased.

/// Link shorteners: a link to any of them is the same evidence, whichever one it is.
pub const SHORTENERS: &[&str] = &[
    "bit.ly",
    "goo.gl",
    "tinyurl.com",
    "t.co",
    "ow.ly",
    "is.gd",
    "buff.ly",
    "adf.ly",
    "bit.do",
    "cutt.ly",
    "rebrand.ly",
    "tiny.cc",
    "shorturl.at",
    "youtu.be",
    "j.mp",
    "v.gd",
    "rb.gy",
    "shorte.st",
    "lnkd.in",
    "db.tt",
    "qr.net",
    "1url.com",
    "tr.im",
    "x.co",
    "po.st",
    "bc.vc",
];

/// Top-level labels that make a spaced-out dot a link: `goo . gl` and `site dot com`.
const LINK_TLDS: &[&str] = &[
    "com", "net", "org", "info", "biz", "ly", "gl", "gd", "tk", "xyz", "co", "me", "io", "tv",
    "ru", "cc", "to", "link", "site", "online", "club", "top", "be", "do", "at",
];

/// Latin look-alikes from Cyrillic and Greek, lower case.
fn latin_lookalike(c: char) -> Option<char> {
    Some(match c {
        'а' | 'α' => 'a',
        'в' | 'β' => 'b',
        'с' | 'ϲ' => 'c',
        'ԁ' => 'd',
        'е' | 'ε' => 'e',
        'һ' => 'h',
        'і' | 'ι' | 'ı' => 'i',
        'ј' => 'j',
        'к' | 'κ' => 'k',
        'м' => 'm',
        'п' | 'η' => 'n',
        'о' | 'ο' | 'σ' => 'o',
        'р' | 'ρ' => 'p',
        'ԛ' => 'q',
        'ѕ' => 's',
        'т' | 'τ' => 't',
        'υ' | 'μ' => 'u',
        'ν' => 'v',
        'ԝ' | 'ω' => 'w',
        'х' | 'χ' => 'x',
        'у' | 'γ' => 'y',
        'ᴢ' => 'z',
        _ => return None,
    })
}

/// Digits and symbols standing for letters inside a word.
fn leet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' | '!' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' => 't',
        _ => return None,
    })
}

/// One whitespace-free chunk, folded: look-alikes in a word that also has Latin letters,
/// and leetspeak in a word with at least two letters (`fr33`, not `2025` or `mp3`… mostly).
fn fold_chunk(chunk: &str, out: &mut String) {
    if chunk.contains("://") || chunk.starts_with("www.") {
        out.push_str(chunk);
        return;
    }
    let (mut has_latin, mut letters, mut leet_count, mut inside) = (false, 0, 0, false);
    // The two characters before `c`: `inside` is a stand-in between two letters.
    let mut before: [Option<char>; 2] = [None, None];
    for c in chunk.chars() {
        has_latin |= c.is_ascii_lowercase();
        letters += usize::from(c.is_alphabetic());
        leet_count += usize::from(leet(c).is_some());
        if let [Some(a), Some(b)] = before {
            inside |= a.is_alphabetic() && leet(b).is_some() && c.is_alphabetic();
        }
        before = [before[1], Some(c)];
    }
    // `$5` and `@name` keep their meaning; only letters mixed with stand-ins are folded.
    let fold_leet = letters >= 2
        && (leet_count >= 2 || inside)
        && leet_count <= letters
        && chunk.chars().next().is_some_and(char::is_alphabetic)
        && !chunk.contains('.');
    push_folded(chunk, has_latin, fold_leet, out);
}

/// Appends `chunk` with look-alikes made Latin if it `has_latin`, and stand-ins made letters
/// if `fold_leet`.
fn push_folded(chunk: &str, has_latin: bool, fold_leet: bool, out: &mut String) {
    for c in chunk.chars() {
        match (latin_lookalike(c), leet(c)) {
            (Some(l), _) if has_latin => out.push(l),
            (_, Some(l)) if fold_leet => out.push(l),
            _ => out.push(c),
        }
    }
}

/// Joins link pieces spam spreads out: `bit(.)ly`, `bit[.]ly`, `bit . ly`, `bit dot ly`,
/// and turns backslashes after a host into slashes.
fn links(text: &str) -> String {
    let text = text
        .replace("(.)", ".")
        .replace("[.]", ".")
        .replace("{.}", ".")
        .replace("(dot)", ".")
        .replace("[dot]", ".")
        .replace('\\', "/");
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        let sep = words.get(i + 1).copied();
        let next = words.get(i + 2).copied();
        let tld = next
            .map(|n| {
                n.split(|c: char| !c.is_ascii_alphanumeric())
                    .next()
                    .unwrap_or("")
            })
            .unwrap_or("");
        let joinable = matches!(sep, Some("." | "dot"))
            && word
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && LINK_TLDS.contains(&tld);
        if !out.is_empty() {
            out.push(' ');
        }
        if joinable {
            out.push_str(word);
            out.push('.');
            out.push_str(next.unwrap_or_default());
            i += 3;
        } else {
            out.push_str(word);
            i += 1;
        }
    }
    out
}

/// Writes the folded text (see the module's header) into `out`, cleared first: the
/// tokenizer keeps the buffer between comments. Entities are decoded before, by the
/// tokenizer (`classifier::html`).
///
/// Most texts hold nothing for [`links`]' rewriting (bracketed dots, backslashes, spaced
/// dots): they only have their whitespace runs made single spaces, as `links` would, and
/// each chunk folded, in one scan of the bytes that copies a chunk as it is unless it holds a
/// byte folding can change. Scoring with folding took 29,657 instructions per comment when
/// every text went through every pass, against 7,477 without folding (`bench/instructions.sh`,
/// `score_comment_folded`); this way it took 11,716 (at 7b57bd3).
pub fn fold_into(text: &str, out: &mut String) {
    out.clear();
    if !fold_chunks(text, out) {
        out.clear();
        fold_words(&links(text), out);
    }
}

/// Byte classes for [`fold_chunks`]: whitespace, a byte folding can change in a chunk (a
/// stand-in for a letter, see [`leet`]), a byte from 0x80 up (a character beyond ASCII,
/// decoded to be judged), and what [`links`] may rewrite (a backslash, an opening bracket).
const SPACE: u8 = 1;
const STAND_IN: u8 = 2;
const HIGH: u8 = 4;
const LINK: u8 = 8;

static CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = if b >= 0x80 {
            HIGH
        } else if matches!(b, b'\t'..=b'\r' | b' ') {
            // What `char::is_whitespace` says for ASCII.
            SPACE
        } else if matches!(
            b,
            b'0' | b'1' | b'3' | b'4' | b'5' | b'7' | b'!' | b'@' | b'$'
        ) {
            STAND_IN
        } else if matches!(b, b'\\' | b'(' | b'[' | b'{') {
            LINK
        } else {
            0
        };
        i += 1;
    }
    table
};

/// Appends `text`'s whitespace-separated chunks to `out`, one space between them, each
/// folded, as `fold_words(&links(text))` does. Returns `false` (with `out` partly written)
/// where [`links`] would change the text: at a backslash, a bracketed dot, or a chunk `.` or
/// `dot`, which may join a spread-out link (`goo . gl`).
fn fold_chunks(text: &str, out: &mut String) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let class = CLASSES[usize::from(bytes[i])];
        if class & SPACE != 0 {
            i += 1;
            continue;
        }
        if class & HIGH != 0
            && let Some(width) = whitespace_at(text, i)
        {
            i += width;
            continue;
        }
        let start = i;
        let mut seen = 0u8;
        while i < bytes.len() {
            let class = CLASSES[usize::from(bytes[i])];
            if class & (SPACE | HIGH | LINK) == 0 {
                seen |= class;
                i += 1;
            } else if class & LINK != 0 {
                if bytes[i] == b'\\' || bracketed_dot_at(&bytes[i..]) {
                    return false;
                }
                i += 1;
            } else if class & SPACE != 0 || whitespace_at(text, i).is_some() {
                break;
            } else {
                seen |= HIGH;
                i += 1;
                while bytes.get(i).is_some_and(|b| b & 0xC0 == 0x80) {
                    i += 1;
                }
            }
        }
        let chunk = &text[start..i];
        if matches!(chunk, "." | "dot") {
            return false;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        if seen == 0 {
            // Nothing in it for `fold_chunk` to change, as in most words.
            out.push_str(chunk);
        } else {
            fold_chunk(chunk, out);
        }
    }
    true
}

/// The length in bytes of the whitespace character at byte `i` of `text` (a character
/// boundary), if it is whitespace.
fn whitespace_at(text: &str, i: usize) -> Option<usize> {
    text[i..]
        .chars()
        .next()
        .filter(|c| c.is_whitespace())
        .map(char::len_utf8)
}

/// Whether `bytes` starts with `(.)`, `[.]`, `{.}`, `(dot)` or `[dot]`, which [`links`]
/// rewrites.
fn bracketed_dot_at(bytes: &[u8]) -> bool {
    [&b"(.)"[..], b"[.]", b"{.}", b"(dot)", b"[dot]"]
        .iter()
        .any(|pattern| bytes.starts_with(pattern))
}

/// Folds each of `text`'s space-separated chunks into `out`.
fn fold_words(text: &str, out: &mut String) {
    for (i, chunk) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        fold_chunk(chunk, out);
    }
}

/// Whether `host` is a link shortener (or a subdomain of one).
pub fn is_shortener(host: &str) -> bool {
    SHORTENERS
        .iter()
        .any(|s| crate::domain::guard::within(host, s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fold(text: &str) -> String {
        let mut out = String::new();
        fold_into(text, &mut out);
        out
    }

    /// `fold` as it was written first, every pass over the whole text and a vector of each
    /// chunk's characters: what the fast paths are checked against. Only the last step, the
    /// mapping of characters once what to fold is decided, is shared.
    fn plain(text: &str) -> String {
        fn plain_chunk(chunk: &str, out: &mut String) {
            if chunk.contains("://") || chunk.starts_with("www.") {
                out.push_str(chunk);
                return;
            }
            let has_latin = chunk.chars().any(|c| c.is_ascii_lowercase());
            let letters = chunk.chars().filter(|c| c.is_alphabetic()).count();
            let leet_count = chunk.chars().filter(|c| leet(*c).is_some()).count();
            let chars: Vec<char> = chunk.chars().collect();
            let inside = chars
                .windows(3)
                .any(|w| w[0].is_alphabetic() && leet(w[1]).is_some() && w[2].is_alphabetic());
            let fold_leet = letters >= 2
                && (leet_count >= 2 || inside)
                && leet_count <= letters
                && chars.first().is_some_and(|c| c.is_alphabetic())
                && !chunk.contains('.');
            push_folded(chunk, has_latin, fold_leet, out);
        }
        let text = links(text);
        let mut out = String::new();
        for (i, chunk) in text.split(' ').enumerate() {
            if i > 0 {
                out.push(' ');
            }
            plain_chunk(chunk, &mut out);
        }
        out
    }

    proptest! {
        #[test]
        fn the_fast_paths_fold_as_the_plain_passes_do(
            pieces in proptest::collection::vec(
                prop_oneof![
                    proptest::sample::select(vec![
                        "fr33", "v1agra", "ca$h", "$5", "@ann", "2025", "mp3", "vіagra",
                        "привет", "goo", ".", "dot", "gl/abc", "com", "bit(.)ly", "&gt;",
                        "&amp;", "&#x41;", "a\\b", "(x)", "http://x.y/1", "www.a1.com",
                        "e.g.", "!!", " ", "  ", "\t", "\n", "\u{b}", "\u{85}", "\u{a0}",
                        "\u{2028}", "\u{3000}", "é", "😀", "(dot)", "[dot]", "{.}", "[.]", "(",
                        "&lt;", "&#92;", "&#40;.)",
                    ])
                    .prop_map(String::from),
                    "[a-z0-9!@$.&;#]{0,6}",
                    any::<char>().prop_map(String::from),
                ],
                0..24,
            ),
        ) {
            // Entities decoded first, as the tokenizer does: `&#40;.)` becomes a bracketed dot.
            let mut text = String::new();
            crate::classifier::html::decode_entities(&pieces.concat(), &mut text);
            prop_assert_eq!(fold(&text), plain(&text), "{:?}", text);
        }
    }

    #[test]
    fn spread_out_links_are_joined() {
        assert_eq!(fold("go to goo . gl/abc now"), "go to goo.gl/abc now");
        assert_eq!(fold("bit(.)ly/x and bit[.]ly/y"), "bit.ly/x and bit.ly/y");
        assert_eq!(fold("visit mysite dot com today"), "visit mysite.com today");
        assert_eq!(fold("bit.ly\\abc"), "bit.ly/abc");
        assert_eq!(fold("the end . next sentence"), "the end . next sentence");
    }

    #[test]
    fn look_alikes_and_leetspeak_fold_to_letters() {
        assert_eq!(fold("vіagra"), "viagra", "Cyrillic і");
        assert_eq!(fold("fr33 v1agra ch3ck ca$h"), "free viagra check cash");
        assert_eq!(
            fold("in 2025 i paid $5 to @ann for 3 mp3"),
            "in 2025 i paid $5 to @ann for 3 mp3"
        );
        assert_eq!(fold("привет"), "привет", "a Cyrillic word stays Cyrillic");
    }

    #[test]
    fn shorteners_are_recognised() {
        assert!(is_shortener("bit.ly") && is_shortener("www.bit.ly") && is_shortener("goo.gl"));
        assert!(!is_shortener("orbit.ly") && !is_shortener("example.com"));
    }
}

//! Undoing the tricks spam uses to slip past word-based filters, before features are made
//! (`FeatureSettings::fold`): HTML entities left in the text, links with spaced or bracketed
//! dots and backslashes (`goo . gl/x`, `bit(.)ly`, `bit.ly\x`), letters swapped for
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

/// Replaces `&amp;`, `&gt;`, `&#39;`, `&#x27;`… with their characters.
fn entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[1..].find(';').map(|j| j + 1).filter(|j| *j <= 10);
        let decoded = end.and_then(|j| {
            let name = &rest[1..j];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => name
                    .strip_prefix("#x")
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, j + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.extend(c.to_lowercase());
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

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
    let has_latin = chunk.chars().any(|c| c.is_ascii_lowercase());
    let letters = chunk.chars().filter(|c| c.is_alphabetic()).count();
    let leet_count = chunk.chars().filter(|c| leet(*c).is_some()).count();
    // `$5` and `@name` keep their meaning; only letters mixed with stand-ins are folded.
    let chars: Vec<char> = chunk.chars().collect();
    let inside = chars
        .windows(3)
        .any(|w| w[0].is_alphabetic() && leet(w[1]).is_some() && w[2].is_alphabetic());
    let fold_leet = letters >= 2
        && (leet_count >= 2 || inside)
        && leet_count <= letters
        && chars.first().is_some_and(|c| c.is_alphabetic())
        && !chunk.contains('.');
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

/// The folded text (see the module's header).
pub fn fold(text: &str) -> String {
    let text = links(&entities(text));
    let mut out = String::with_capacity(text.len());
    for (i, chunk) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        fold_chunk(chunk, &mut out);
    }
    out
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

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            fold("click &gt;&gt;&gt; here &amp; now &#39;ok&#39;"),
            "click >>> here & now 'ok'"
        );
        assert_eq!(fold("a & b &unknown; &#x41;"), "a & b &unknown; a");
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

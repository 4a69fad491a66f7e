//! Reading a comment's text as HTML (`FeatureSettings::html`): entities decoded, tags dropped.
//! How a platform stored a text is not what its author wrote. Works on normalised text.

/// Appends `text` to `out` with `&amp;`, `&gt;`, `&#39;`, `&#x27;`… replaced by their
/// characters (lower-cased, as the text they land in is): comments that went through an
/// HTML layer arrive with their quotes and apostrophes escaped (`don&#39;t`), which would
/// otherwise read as a number.
pub fn decode_entities(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        // The `;` is looked for among the next ten bytes only: the longest name decoded is
        // `#x10ffff`, and searching the rest of the text at every `&` made a text of `&`s
        // quadratic.
        let end = rest
            .bytes()
            .take(11)
            .skip(1)
            .position(|b| b == b';')
            .map(|j| j + 1);
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
                if c.is_ascii() {
                    out.push(c.to_ascii_lowercase());
                } else {
                    out.extend(c.to_lowercase());
                }
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

/// Appends `text` to `out` with HTML tags (`<br />`, `<b>`, `</a>`) made spaces, and a link's
/// tag (`<a href="URL">`) made its URL between spaces. A `<` that does not start a tag (`<3`,
/// `a < b`) stays. Markup is how a platform stored the text, like entities
/// ([`decode_entities`]), not what its author wrote.
pub fn strip_tags(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        match tag_len(rest) {
            Some(len) => {
                out.push(' ');
                if let Some(url) = href(&rest[..len]) {
                    out.push_str(url);
                    out.push(' ');
                }
                rest = &rest[len..];
            }
            None => {
                out.push('<');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

/// Longest tag looked for: a link's tag with its URL fits.
const MAX_TAG: usize = 512;

/// The length of the tag `text` starts with (`<`, an optional `/`, a letter, then anything
/// but `<` up to `>`), if it does.
fn tag_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let name = usize::from(bytes.get(1) == Some(&b'/')) + 1;
    if !bytes.get(name)?.is_ascii_alphabetic() {
        return None;
    }
    let end = bytes
        .iter()
        .take(MAX_TAG)
        .skip(name)
        .position(|b| matches!(b, b'>' | b'<'))?;
    (bytes[name + end] == b'>').then_some(name + end + 1)
}

/// The URL of a link's tag: `<a href="URL">` (or `'URL'`).
fn href(tag: &str) -> Option<&str> {
    let rest = tag.strip_prefix("<a ")?;
    let at = rest.find("href=")? + "href=".len();
    let rest = &rest[at..];
    let quote = rest.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let rest = &rest[1..];
    rest.find(quote).map(|end| &rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> String {
        let mut out = String::new();
        decode_entities(text, &mut out);
        out
    }

    #[test]
    fn tags_become_spaces_and_a_link_s_tag_its_url() {
        let strip = |text: &str| {
            let mut out = String::new();
            strip_tags(text, &mut out);
            out
        };
        assert_eq!(strip("a<br />b<br>c</b>"), "a b c ");
        assert_eq!(
            strip("see <a href=\"http://x.example/a?b=1\">here</a>!"),
            "see  http://x.example/a?b=1 here !"
        );
        assert_eq!(strip("<a title='t' href='u'>"), " u ");
        // Not tags: a heart, a comparison, an unclosed tag, a `<` before a tag.
        for kept in ["i <3 you", "2 < 3 > 1", "<a href=\"x"] {
            assert_eq!(strip(kept), kept);
        }
        assert_eq!(strip("<<b>"), "< ");
        let long = format!("<b{}>", "x".repeat(MAX_TAG));
        assert_eq!(strip(&long), long);
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            decode("click &gt;&gt;&gt; here &amp; now &#39;ok&#39;"),
            "click >>> here & now 'ok'"
        );
        assert_eq!(decode("a & b &unknown; &#x41;"), "a & b &unknown; a");
    }
}

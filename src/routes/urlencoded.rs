//! Strict `application/x-www-form-urlencoded` decoding: percent escapes decoded to bytes,
//! then the bytes read in the charset the sender names, UTF-8 by default, and refused when
//! they are not valid in it. The usual decoder replaces bad bytes with U+FFFD, which would
//! store a name or a comment its author never wrote.

/// The name/value pairs of `body`, read as `charset` (a WHATWG label such as
/// `ISO-8859-1`; `None`: UTF-8).
///
/// # Errors
/// An unknown charset, or a name or value that is not valid text in it.
pub fn pairs(body: &[u8], charset: Option<&str>) -> Result<Vec<(String, String)>, String> {
    let encoding = match charset.map(str::trim).filter(|c| !c.is_empty()) {
        None => encoding_rs::UTF_8,
        Some(label) => encoding_rs::Encoding::for_label(label.as_bytes())
            .ok_or_else(|| format!("the charset {label:?} is not one this service reads"))?,
    };
    raw_pairs(body)
        .map(|(name, value)| Ok((text(&name, encoding)?, text(&value, encoding)?)))
        .collect()
}

/// The value of `name` among `body`'s pairs, percent-decoded but not yet read as text: for
/// a pair that says which charset the others are in (Akismet's `blog_charset`).
pub fn raw_value(body: &[u8], name: &str) -> Option<Vec<u8>> {
    raw_pairs(body)
        .find(|(n, _)| n == name.as_bytes())
        .map(|(_, value)| value)
}

fn text(bytes: &[u8], encoding: &'static encoding_rs::Encoding) -> Result<String, String> {
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(std::borrow::Cow::into_owned)
        .ok_or_else(|| {
            format!(
                "a field is not valid {} text once percent-decoded",
                encoding.name()
            )
        })
}

fn raw_pairs(body: &[u8]) -> impl Iterator<Item = (Vec<u8>, Vec<u8>)> + '_ {
    body.split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &[][..]),
            };
            (percent_decode(name), percent_decode(value))
        })
}

/// `+` is a space and `%XX` a byte; a `%` not followed by two hex digits stands for itself.
fn percent_decode(s: &[u8]) -> Vec<u8> {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' if i + 2 < s.len() => match (hex(s[i + 1]), hex(s[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            other => out.push(other),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_by_default_and_other_charsets_when_named() {
        assert_eq!(
            pairs(b"name=Caf%C3%A9+Owner&x", None).unwrap(),
            [
                ("name".into(), "Café Owner".into()),
                ("x".into(), String::new())
            ]
        );
        assert!(pairs(b"name=Caf%E9Owner", None).is_err());
        assert_eq!(
            pairs(b"name=Caf%E9Owner", Some("ISO-8859-1")).unwrap(),
            [("name".to_owned(), "CaféOwner".to_owned())]
        );
        assert!(pairs(b"a=b", Some("klingon")).is_err());
        assert!(pairs(b"comment=%FF%FE", None).is_err());
        assert!(pairs(b"\xff=1", None).is_err());
        assert_eq!(
            pairs(b"a=100%25&b=%zz%", None).unwrap(),
            [("a".into(), "100%".into()), ("b".into(), "%zz%".into())]
        );
        assert_eq!(
            raw_value(b"x=1&blog_charset=UTF-8", "blog_charset"),
            Some(b"UTF-8".to_vec())
        );
    }
}

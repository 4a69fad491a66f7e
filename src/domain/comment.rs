//! A reader's submission and the newtypes that guarantee each of its fields is valid.
//!
//! Limits follow WordPress (`wp_get_comment_fields_max_lengths`), in bytes, so a site
//! migrating from WordPress never sees a comment it used to accept refused here.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
use url::Url;
use validator::ValidateEmail;

/// WordPress's `comment_author` column is a 245-byte tinytext.
pub const AUTHOR_MAX_BYTES: usize = 245;
/// WordPress's `comment_author_email` column is varchar(100).
pub const EMAIL_MAX_BYTES: usize = 100;
/// WordPress's `comment_author_url` column is varchar(200).
pub const URL_MAX_BYTES: usize = 200;
/// WordPress's `comment_content` is a TEXT column less the bytes it reserves.
pub const BODY_MAX_BYTES: usize = 65_525;
/// Browsers and proxies start refusing URLs past this length.
pub const THREAD_URL_MAX_BYTES: usize = 2_000;

/// Database id of a stored comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CommentId(pub i64);

impl fmt::Display for CommentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What is wrong with a submission, per field, in words a commenter understands.
///
/// Field names are the JSON API's (`thread`, `parent`, `author`, `email`, `website`, `body`);
/// the HTML form route renames them to WordPress's. Messages never repeat the submitted value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<&'static str, Vec<String>>);

impl FieldErrors {
    /// One problem with one field.
    pub fn one(field: &'static str, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(field, message);
        errors
    }

    /// Records one problem with `field`.
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_default().push(message.into());
    }

    /// True if and only if no problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The messages recorded for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&[String]> {
        self.0.get(field).map(Vec::as_slice)
    }

    /// Every field with its messages, in field-name order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &[String])> {
        self.0.iter().map(|(k, v)| (*k, v.as_slice()))
    }

    /// The same problems, each message replaced by `f(message)` (the reader's language).
    pub fn map_messages(&self, f: impl Fn(&str) -> String) -> FieldErrors {
        FieldErrors(
            self.0
                .iter()
                .map(|(k, v)| (*k, v.iter().map(|m| f(m)).collect()))
                .collect(),
        )
    }

    fn take<T>(&mut self, field: &'static str, parsed: Result<T, String>) -> Option<T> {
        parsed.map_err(|message| self.add(field, message)).ok()
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields: Vec<&str> = self.0.keys().copied().collect();
        write!(f, "invalid fields: {}", fields.join(", "))
    }
}

/// Rejects text carrying control characters other than tab and newlines: they have no
/// business in a comment and are a favourite of terminal- and log-injection payloads.
fn has_forbidden_control(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Invisible and direction-changing characters: zero-width spaces and joiners, the bidi
/// embeddings, overrides and isolates, the word joiner and invisible operators, the byte
/// order mark. In a name they only serve to impersonate (`Ad\u{200b}min` looks like
/// `Admin`) or to flip the text around it.
fn is_invisible_or_bidi(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{034f}' | '\u{061c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}' | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}'
        | '\u{ffa0}' | '\u{fff0}'..='\u{fff8}')
}

/// A commenter's display name: trimmed, not empty, at most [`AUTHOR_MAX_BYTES`], one line,
/// without invisible or direction-changing characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorName(String);

impl AuthorName {
    /// Parses a raw name.
    ///
    /// # Errors
    /// A message naming the problem when the name is missing, blank, too long or multi-line.
    pub fn parse(raw: &str) -> Result<Self, String> {
        // NFC first, so `é` typed as `e` + combining accent and `é` precomposed are one name
        // (and one byte count) wherever they came from.
        let name = nfc(raw.trim());
        let name = name.as_ref();
        if name.is_empty() {
            return Err("Please enter your name.".into());
        }
        if name.len() > AUTHOR_MAX_BYTES {
            return Err(format!(
                "Your name is too long (at most {AUTHOR_MAX_BYTES} bytes)."
            ));
        }
        if name.contains(['\n', '\r']) || has_forbidden_control(name) {
            return Err("Your name must be a single line of text.".into());
        }
        if name.chars().any(is_invisible_or_bidi) {
            return Err(
                "Your name contains invisible or text-direction characters; please type it plainly."
                    .into(),
            );
        }
        Ok(Self(name.to_owned()))
    }
}

impl AsRef<str> for AuthorName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A commenter's e-mail address, shown to moderators only.
///
/// Invariant: trimmed, at most [`EMAIL_MAX_BYTES`], accepted by `validator`'s HTML5 check and
/// with a dot in the domain (WordPress's `is_email` also insists on one: `me@localhost` is
/// never a reader's real address). Its `Debug` is redacted so it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorEmail(String);

impl AuthorEmail {
    /// Parses a raw address.
    ///
    /// # Errors
    /// A message naming the problem when the address is missing, too long or malformed.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = raw.trim();
        if email.is_empty() {
            return Err("Please enter your email address.".into());
        }
        if email.len() > EMAIL_MAX_BYTES {
            return Err(format!(
                "Your email address is too long (at most {EMAIL_MAX_BYTES} bytes)."
            ));
        }
        let has_dotted_domain = email
            .rsplit_once('@')
            .is_some_and(|(_, domain)| domain.contains('.') && !domain.ends_with('.'));
        if !email.validate_email() || !has_dotted_domain {
            return Err("Please enter a valid email address, like name@example.com.".into());
        }
        Ok(Self(email.to_owned()))
    }

    /// The part after the `@`, lower-cased: the only piece of the address the filter sees.
    pub fn domain(&self) -> String {
        email_domain(&self.0)
    }
}

impl AsRef<str> for AuthorEmail {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AuthorEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthorEmail(<redacted>)")
    }
}

/// The domain of a stored email address as the spam filter sees it: after the last `@`,
/// lower-cased; empty without one. Scoring, re-scoring, training and import all use this, so
/// a comment has the same features wherever it is looked at.
pub fn email_domain(address: &str) -> String {
    address
        .rsplit_once('@')
        .map(|(_, d)| d.to_lowercase())
        .unwrap_or_default()
}

/// The host of a stored website URL, if it parses (the filter's `site:` feature).
pub fn website_host(url: &str) -> Option<String> {
    Url::parse(url).ok()?.host_str().map(str::to_owned)
}

/// A commenter's website: an absolute `http` or `https` URL of at most [`URL_MAX_BYTES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorUrl(Url);

impl AuthorUrl {
    /// Parses a raw website field; blank means "no website" (`Ok(None)`).
    ///
    /// A bare host such as `example.com` is taken as `http://example.com/`, as WordPress does,
    /// because that is what most people type into a "Website" box.
    ///
    /// # Errors
    /// A message naming the problem for other schemes (`javascript:`, `data:`…), URLs without a
    /// host, and URLs that are too long.
    pub fn parse(raw: &str) -> Result<Option<Self>, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        if raw.len() > URL_MAX_BYTES {
            return Err(format!(
                "Your website address is too long (at most {URL_MAX_BYTES} bytes)."
            ));
        }
        let candidate = if raw.contains("://") || raw.contains(':') && !looks_like_host(raw) {
            raw.to_owned()
        } else {
            format!("http://{raw}")
        };
        let invalid = || "Please enter a website address starting with http:// or https://.";
        let url = Url::parse(&candidate).map_err(|_| invalid().to_owned())?;
        let has_host = url.host_str().is_some_and(|h| !h.is_empty());
        if !matches!(url.scheme(), "http" | "https") || !has_host || !url.username().is_empty() {
            return Err(invalid().into());
        }
        if url.as_str().len() > URL_MAX_BYTES {
            return Err(format!(
                "Your website address is too long (at most {URL_MAX_BYTES} bytes)."
            ));
        }
        Ok(Some(Self(url)))
    }

    /// The URL's host, for the filter's `site:` tokens.
    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }
}

/// `example.com:8080/path` has a colon but is still a host; `javascript:alert(1)` is not.
fn looks_like_host(raw: &str) -> bool {
    let before_path = raw.split('/').next().unwrap_or_default();
    match before_path.rsplit_once(':') {
        Some((host, port)) => {
            host.contains('.') && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
        }
        None => true,
    }
}

impl AsRef<str> for AuthorUrl {
    fn as_ref(&self) -> &str {
        self.0.as_str()
    }
}

/// `text` in Unicode normalisation form C. Most text already is, and the quick check says
/// so without decomposing and recomposing every character, so that text is not copied.
fn nfc(text: &str) -> Cow<'_, str> {
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    }
}

/// Characters dropped from a comment body. Unlike a name, a body may need the zero-width
/// joiner and non-joiner (emoji sequences, Persian and Indic spelling) and the
/// left-to-right and right-to-left marks (mixed-direction sentences), so those stay; what
/// goes are the embeddings, overrides and isolates that flip the text after them (the
/// "Trojan Source" trick), zero-width spaces and word joiners that split a word to slip
/// it past a filter, and the other invisible fillers.
fn is_neutralised_in_body(c: char) -> bool {
    is_invisible_or_bidi(c)
        && !matches!(
            c,
            '\u{200c}' | '\u{200d}' | '\u{200e}' | '\u{200f}' | '\u{fe0f}' | '\u{fe0e}'
        )
}

/// The comment text: NFC-normalised, invisible and direction-overriding characters removed,
/// trimmed, line endings normalised to `\n`, not empty, at most [`BODY_MAX_BYTES`]. Kept as
/// plain text; HTML is produced on output, escaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentBody(String);

impl CommentBody {
    /// Parses a raw comment body.
    ///
    /// # Errors
    /// A message naming the problem when the body is blank, too long or holds control bytes.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let body = nfc(raw);
        let body = if body.chars().any(is_neutralised_in_body) {
            Cow::Owned(
                body.chars()
                    .filter(|c| !is_neutralised_in_body(*c))
                    .collect(),
            )
        } else {
            body
        };
        let body = body.trim();
        let body = if body.contains('\r') {
            body.replace("\r\n", "\n").replace('\r', "\n")
        } else {
            body.to_owned()
        };
        if body.is_empty() {
            return Err("Please write a comment.".into());
        }
        if body.len() > BODY_MAX_BYTES {
            return Err(format!(
                "Your comment is too long (at most {BODY_MAX_BYTES} bytes)."
            ));
        }
        if has_forbidden_control(&body) {
            return Err("Your comment contains control characters that cannot be shown.".into());
        }
        Ok(Self(body))
    }
}

impl AsRef<str> for CommentBody {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The article a comment belongs to: an absolute `http(s)` URL without fragment.
///
/// Two spellings of the same article (`#respond` added, default port written out, host in
/// capitals) parse to the same value, so they land in the same thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadUrl(Url);

impl ThreadUrl {
    /// Parses an article URL.
    ///
    /// # Errors
    /// A message naming the problem when it is missing, not an `http(s)` URL, or too long.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("The article this comment belongs to is missing.".into());
        }
        if raw.len() > THREAD_URL_MAX_BYTES {
            return Err("The article address is too long.".into());
        }
        let mut url =
            Url::parse(raw).map_err(|_| "The article address is not a valid URL.".to_owned())?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err("The article address must be an http:// or https:// URL.".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("The article address must not contain credentials.".into());
        }
        url.set_fragment(None);
        Ok(Self(url))
    }

    /// `scheme://host[:port]`, the unit a site is registered by.
    pub fn origin(&self) -> String {
        self.0.origin().ascii_serialization()
    }

    /// The parsed URL.
    pub fn url(&self) -> &Url {
        &self.0
    }
}

impl AsRef<str> for ThreadUrl {
    fn as_ref(&self) -> &str {
        self.0.as_str()
    }
}

/// Parses a site origin as given to `replyguard site add`: `scheme://host[:port]`, nothing else.
///
/// # Errors
/// A message when it is not an http(s) origin or carries a path, query or credentials.
pub fn parse_origin(raw: &str) -> Result<String, String> {
    let url = Url::parse(raw.trim()).map_err(|e| format!("not a valid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("a site origin must be an http:// or https:// URL".into());
    }
    if url.path() != "/" || url.query().is_some() || !url.username().is_empty() {
        return Err("a site origin is scheme://host[:port] with no path or query".into());
    }
    Ok(url.origin().ascii_serialization())
}

/// The raw fields of a submission as they arrive, before parsing. Route modules fill it
/// from their wire formats.
#[derive(Debug, Default, Clone)]
pub struct RawComment {
    pub thread: String,
    /// `None` or blank for a top-level comment.
    pub parent: Option<String>,
    pub author: String,
    pub email: String,
    pub website: String,
    pub body: String,
}

/// A submission whose every field is valid. Whether its parent exists is a question for
/// the database and is checked when it is stored.
#[derive(Debug, Clone)]
pub struct NewComment {
    pub thread: ThreadUrl,
    pub parent: Option<CommentId>,
    pub author: AuthorName,
    pub email: AuthorEmail,
    pub website: Option<AuthorUrl>,
    pub body: CommentBody,
}

impl TryFrom<RawComment> for NewComment {
    type Error = FieldErrors;

    /// Parses every field and reports every problem at once, so a reader fixes the form in
    /// one round trip.
    fn try_from(raw: RawComment) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let thread = errors.take("thread", ThreadUrl::parse(&raw.thread));
        let parent = errors.take("parent", parse_parent(raw.parent.as_deref()));
        let author = errors.take("author", AuthorName::parse(&raw.author));
        let email = errors.take("email", AuthorEmail::parse(&raw.email));
        let website = errors.take("website", AuthorUrl::parse(&raw.website));
        let body = errors.take("body", CommentBody::parse(&raw.body));
        match (thread, parent, author, email, website, body) {
            (Some(thread), Some(parent), Some(author), Some(email), Some(website), Some(body))
                if errors.is_empty() =>
            {
                Ok(Self {
                    thread,
                    parent,
                    author,
                    email,
                    website,
                    body,
                })
            }
            _ => Err(errors),
        }
    }
}

/// WordPress forms send `comment_parent=0` for a top-level comment.
fn parse_parent(raw: Option<&str>) -> Result<Option<CommentId>, String> {
    match raw.map(str::trim) {
        None | Some("") | Some("0") => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(|id| Some(CommentId(id)))
            .ok_or_else(|| "The comment you are replying to is not valid.".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::TestRunner;

    fn valid() -> RawComment {
        RawComment {
            thread: "https://news.example/2026/story#respond".into(),
            parent: None,
            author: "  Ada Lovelace ".into(),
            email: "ada@example.com".into(),
            website: "".into(),
            body: " Hello\r\nworld ".into(),
        }
    }

    #[test]
    fn names_and_bodies_are_nfc_and_bodies_lose_invisible_characters() {
        let decomposed = AuthorName::parse("Rene\u{301}e").unwrap();
        assert_eq!(decomposed, AuthorName::parse("Ren\u{e9}e").unwrap());
        let body = CommentBody::parse(
            "cafe\u{301} v\u{200b}iagra \u{202e}txt.exe\u{202c} \u{1f469}\u{200d}\u{1f4bb}",
        )
        .unwrap();
        assert_eq!(
            body.as_ref(),
            "caf\u{e9} viagra txt.exe \u{1f469}\u{200d}\u{1f4bb}"
        );
        assert!(
            CommentBody::parse("\u{200b}\u{feff} ").is_err(),
            "nothing visible left"
        );
    }

    /// The quick check only skips work: on text mixing ASCII, precomposed and combining
    /// letters, Hangul jamo, carriage returns and invisible characters, names and bodies come
    /// out as normalising every character would make them.
    #[test]
    fn skipping_normalisation_of_normalised_text_changes_nothing() {
        const PIECES: &[&str] = &[
            "a",
            "e",
            " ",
            "\r",
            "\r\n",
            "\u{301}",
            "\u{e9}",
            "\u{1100}\u{1161}",
            "\u{200b}",
            "\u{200d}",
            "\u{202e}",
            "\u{212b}",
        ];
        let raws = proptest::collection::vec(proptest::sample::select(PIECES), 0..9)
            .prop_map(|pieces| pieces.concat());
        TestRunner::new(ProptestConfig::with_cases(20_000))
            .run(&raws, |raw| {
                let body: String = raw.nfc().filter(|c| !is_neutralised_in_body(*c)).collect();
                let body = body.trim().replace("\r\n", "\n").replace('\r', "\n");
                let parsed = CommentBody::parse(&raw).ok();
                prop_assert_eq!(
                    parsed.as_ref().map(AsRef::as_ref),
                    (!body.is_empty()).then_some(body.as_str()),
                    "{:?}",
                    raw
                );
                let name: String = raw.trim().nfc().collect();
                if let Ok(parsed) = AuthorName::parse(&raw) {
                    prop_assert_eq!(parsed.as_ref(), name.as_str(), "{:?}", raw);
                }
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn a_valid_submission_parses_and_is_normalised() {
        let c = NewComment::try_from(valid()).expect("valid");
        assert_eq!(c.author.as_ref(), "Ada Lovelace");
        assert_eq!(c.body.as_ref(), "Hello\nworld");
        assert_eq!(c.thread.as_ref(), "https://news.example/2026/story");
        assert_eq!(c.thread.origin(), "https://news.example");
        assert!(c.website.is_none());
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let raw = RawComment {
            thread: "ftp://x".into(),
            parent: Some("abc".into()),
            author: "   ".into(),
            email: "nope".into(),
            website: "javascript:alert(1)".into(),
            body: "\n \t".into(),
        };
        let errors = NewComment::try_from(raw).expect_err("invalid");
        for field in ["thread", "parent", "author", "email", "website", "body"] {
            assert!(errors.get(field).is_some(), "{field} should be reported");
        }
    }

    #[test]
    fn a_name_of_245_bytes_is_accepted_and_246_rejected() {
        assert!(AuthorName::parse(&"é".repeat(122)).is_ok()); // 244 bytes
        assert!(AuthorName::parse(&"a".repeat(245)).is_ok());
        assert!(AuthorName::parse(&"a".repeat(246)).is_err());
        assert!(AuthorName::parse("two\nlines").is_err());
        assert!(AuthorName::parse("Ad\u{200b}min").is_err());
        assert!(AuthorName::parse("\u{202e}nimdA").is_err());
        assert!(AuthorName::parse("Zoë Ångström 李").is_ok());
    }

    #[test]
    fn emails_follow_the_html5_rule_plus_a_dotted_domain() {
        for ok in ["a@b.co", "first.last+tag@sub.example.org"] {
            assert!(AuthorEmail::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "plain", "a@b", "a@", "@b.com", "a b@c.com", "a@b.com."] {
            assert!(AuthorEmail::parse(bad).is_err(), "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(89));
        assert_eq!(long.len(), 101);
        assert!(AuthorEmail::parse(&long).is_err());
    }

    #[test]
    fn the_filter_sees_the_domain_after_the_last_at() {
        assert_eq!(email_domain("\"a@b\"@Mail.Example"), "mail.example");
        assert_eq!(email_domain(""), "");
        assert_eq!(
            website_host("https://Ada.Example/x").as_deref(),
            Some("ada.example")
        );
        assert_eq!(website_host("not a url"), None);
    }

    #[test]
    fn email_debug_never_shows_the_address() {
        let email = AuthorEmail::parse("secret@example.com").expect("valid");
        assert!(!format!("{email:?}").contains("secret"));
        assert_eq!(email.domain(), "example.com");
    }

    #[test]
    fn websites_must_be_http_or_https() {
        for (raw, expected) in [
            ("https://ada.example/about", "https://ada.example/about"),
            ("ada.example", "http://ada.example/"),
            ("ada.example:8080/x", "http://ada.example:8080/x"),
        ] {
            let url = AuthorUrl::parse(raw).expect("valid").expect("some");
            assert_eq!(url.as_ref(), expected);
        }
        for bad in [
            "javascript:alert(1)",
            "data:text/html,<b>",
            "ftp://x.example",
            "http://",
            "https://user:pw@x.example",
        ] {
            assert!(AuthorUrl::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(AuthorUrl::parse("  ").expect("blank is fine"), None);
    }

    #[test]
    fn a_body_at_the_byte_limit_is_accepted_and_one_more_rejected() {
        assert!(CommentBody::parse(&"x".repeat(BODY_MAX_BYTES)).is_ok());
        assert!(CommentBody::parse(&"x".repeat(BODY_MAX_BYTES + 1)).is_err());
        assert!(CommentBody::parse("bell\u{7}").is_err());
    }

    #[test]
    fn parents_zero_and_blank_mean_top_level() {
        assert_eq!(parse_parent(Some("0")), Ok(None));
        assert_eq!(parse_parent(Some(" ")), Ok(None));
        assert_eq!(parse_parent(Some("12")), Ok(Some(CommentId(12))));
        assert!(parse_parent(Some("-3")).is_err());
    }

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        assert_eq!(
            parse_origin("https://News.Example").as_deref(),
            Ok("https://news.example")
        );
        assert_eq!(
            parse_origin("http://127.0.0.1:8080/").as_deref(),
            Ok("http://127.0.0.1:8080")
        );
        assert!(parse_origin("https://news.example/blog").is_err());
        assert!(parse_origin("mailto:x@y.z").is_err());
    }
}

/// A moment in UTC, stored as unix milliseconds and shown as RFC 3339.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
        Self(i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX))
    }

    /// RFC 3339 with millisecond precision, e.g. `2026-11-28T06:00:00.123Z`.
    pub fn to_rfc3339(self) -> String {
        let nanos = i128::from(self.0) * 1_000_000;
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .and_then(|t| {
                t.format(time::macros::format_description!(
                    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
                ))
                .ok()
            })
            .unwrap_or_default()
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod timestamp_tests {
    use super::Timestamp;

    #[test]
    fn timestamps_render_as_rfc3339_utc() {
        assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Timestamp(1_795_852_800_123).to_rfc3339(),
            "2026-11-28T08:00:00.123Z"
        );
    }
}

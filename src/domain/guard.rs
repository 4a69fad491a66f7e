//! What a submission looked like besides its text: bot signals, links, and the moderators'
//! block and hold lists (WordPress's "Disallowed Comment Keys" and "Comment Moderation").

use std::fmt;
use std::net::IpAddr;

use super::comment::AuthorEmail;
use super::network::IpNetwork;

/// Something about a submission the moderator should know, kept with it as a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// The hidden field only a program fills in was filled in.
    Honeypot,
    /// The form sent no form token (a plain HTML form of a site's own, or a bot).
    NoFormToken,
    /// The token was not issued by this service for this article.
    ForgedFormToken,
    /// The token had already been used for another comment.
    ReplayedFormToken,
    /// The token is older than a reader keeps a page open.
    ExpiredFormToken,
    /// Sent this many seconds after the form was served: faster than a person types.
    TooFast { seconds: u64 },
    /// The body holds this many links.
    Links(usize),
    /// A block-list rule matched (what it matched, in words).
    Blocked(String),
    /// A hold-list rule matched.
    Held(String),
    /// One of this many near-identical comments that arrived within a day.
    Campaign { size: usize },
    /// The filter has too little evidence about this text (a language it never saw, say)
    /// to call it spam: it waits for a person instead.
    ThinEvidence,
}

impl Signal {
    /// Whether this is a sign of a program rather than a person (policy may file it as spam).
    pub fn is_bot(&self) -> bool {
        matches!(
            self,
            Signal::Honeypot
                | Signal::ForgedFormToken
                | Signal::ReplayedFormToken
                | Signal::TooFast { .. }
        )
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Signal::Honeypot => f.write_str("hidden honeypot field filled in"),
            Signal::NoFormToken => f.write_str("no form token"),
            Signal::ForgedFormToken => f.write_str("form token not issued for this article"),
            Signal::ReplayedFormToken => f.write_str("form token already used"),
            Signal::ExpiredFormToken => f.write_str("form token expired"),
            Signal::TooFast { seconds } => {
                write!(f, "sent {seconds} s after the form was served")
            }
            Signal::Links(n) => write!(f, "{n} links"),
            Signal::Blocked(what) => write!(f, "block list: {what}"),
            Signal::Held(what) => write!(f, "hold list: {what}"),
            Signal::Campaign { size } => write!(f, "one of {size} near-identical comments"),
            Signal::ThinEvidence => f.write_str("the filter has too little evidence"),
        }
    }
}

/// Two or more links keep a comment in the queue whatever else is said about it.
pub const MANY_LINKS: usize = 2;

/// The hosts of the links in a text: `http(s)://host…` and `www.host…`, lower-cased, in order.
/// Only the host matters here (the link-host rules and the link count), so paths are skipped.
pub fn link_hosts(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut hosts = Vec::new();
    let mut rest = lower.as_str();
    while let Some(at) = ["http://", "https://", "www."]
        .iter()
        .filter_map(|p| rest.find(p).map(|i| (i, *p)))
        .min()
    {
        let (index, prefix) = at;
        let start = if prefix == "www." {
            index
        } else {
            index + prefix.len()
        };
        let host: String = rest[start..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
            .collect();
        let host = host.trim_matches(|c| c == '.' || c == '-').to_owned();
        let consumed = start + host.len().max(1);
        if host.contains('.') {
            hosts.push(host);
        }
        rest = rest.get(consumed..).unwrap_or("");
    }
    hosts
}

/// Which list a rule is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleList {
    /// A match files the comment as spam.
    Block,
    /// A match keeps the comment in the queue for a person, whatever the filter says.
    Hold,
}

impl RuleList {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleList::Block => "block",
            RuleList::Hold => "hold",
        }
    }

    /// Parses `block` or `hold`.
    ///
    /// # Errors
    /// Any other word.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "block" => Ok(RuleList::Block),
            "hold" => Ok(RuleList::Hold),
            _ => Err("the list is block or hold".into()),
        }
    }
}

/// What a rule matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleKind {
    /// A word or phrase anywhere in the name, email, website, body or user agent,
    /// case-insensitively (WordPress's meaning).
    Word,
    /// One email address, matched by its keyed hash (the address itself is not kept).
    Email,
    /// An email domain and its subdomains.
    Domain,
    /// A link host (in the body or the website field) and its subdomains.
    Host,
    /// An address range of the sender.
    Network,
}

impl RuleKind {
    pub const ALL: [RuleKind; 5] = [
        RuleKind::Word,
        RuleKind::Email,
        RuleKind::Domain,
        RuleKind::Host,
        RuleKind::Network,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Word => "word",
            RuleKind::Email => "email",
            RuleKind::Domain => "domain",
            RuleKind::Host => "host",
            RuleKind::Network => "network",
        }
    }

    /// Parses a kind's name.
    ///
    /// # Errors
    /// An unknown name.
    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| "the kind is word, email, domain, host or network".into())
    }
}

/// A host name as a rule holds it: lower-case labels of letters, digits and hyphens.
fn parse_host(raw: &str) -> Result<String, String> {
    let host = raw.trim().trim_start_matches("www.").to_ascii_lowercase();
    let valid = !host.is_empty()
        && host.len() <= 253
        && host.contains('.')
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if valid {
        Ok(host)
    } else {
        Err("enter a host name such as example.com".into())
    }
}

/// A rule about to be added: `pattern` is what is compared, `shown` what moderators see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRule {
    pub list: RuleList,
    pub kind: RuleKind,
    pub pattern: String,
    pub shown: String,
}

impl NewRule {
    /// Parses a rule as a moderator types it. `email_key` turns an address into the keyed
    /// hash stored in its place.
    ///
    /// # Errors
    /// A message saying what a value of that kind looks like.
    pub fn parse(
        list: RuleList,
        kind: RuleKind,
        raw: &str,
        email_key: impl Fn(&AuthorEmail) -> String,
    ) -> Result<Self, String> {
        let raw = raw.trim();
        let (pattern, shown) = match kind {
            RuleKind::Word => {
                let word = raw.to_lowercase();
                if word.is_empty()
                    || word.chars().count() > 100
                    || word.chars().any(char::is_control)
                {
                    return Err("enter a word or phrase of 1 to 100 characters".into());
                }
                (word.clone(), word)
            }
            RuleKind::Email => {
                let email = AuthorEmail::parse(raw)?;
                (email_key(&email), mask_email(email.as_ref()))
            }
            RuleKind::Domain | RuleKind::Host => {
                let host = parse_host(raw)?;
                (host.clone(), host)
            }
            RuleKind::Network => {
                let net: IpNetwork = raw.parse()?;
                (net.to_string(), net.to_string())
            }
        };
        Ok(Self {
            list,
            kind,
            pattern,
            shown,
        })
    }
}

/// `ada@example.com` → `a…@example.com`: enough for a moderator to recognise the rule.
fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).flat_map(char::to_lowercase).collect();
            format!("{first}…@{}", domain.to_lowercase())
        }
        None => "…".into(),
    }
}

/// A stored rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: i64,
    pub list: RuleList,
    pub kind: RuleKind,
    pub pattern: String,
    pub shown: String,
}

/// What the rules are compared against, prepared once per submission.
#[derive(Debug, Clone, Default)]
pub struct RuleSubject<'a> {
    /// Name, email, website, body and user agent (WordPress compares words against all).
    pub texts: Vec<&'a str>,
    /// The keyed hash of the email address.
    pub email_key: String,
    pub email_domain: String,
    /// Link hosts of the body, and the website's host.
    pub hosts: Vec<String>,
    pub ip: Option<IpAddr>,
}

/// Whether `host` is `domain` or one of its subdomains.
pub fn within(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

impl Rule {
    /// Whether this rule matches the subject.
    pub fn matches(&self, subject: &RuleSubject<'_>) -> bool {
        match self.kind {
            RuleKind::Word => subject
                .texts
                .iter()
                .any(|t| t.to_lowercase().contains(&self.pattern)),
            RuleKind::Email => subject.email_key == self.pattern,
            RuleKind::Domain => within(&subject.email_domain, &self.pattern),
            RuleKind::Host => subject.hosts.iter().any(|h| within(h, &self.pattern)),
            RuleKind::Network => match (subject.ip, self.pattern.parse::<IpNetwork>()) {
                (Some(ip), Ok(net)) => net.contains(ip),
                _ => false,
            },
        }
    }

    /// The signal a match gives.
    pub fn signal(&self) -> Signal {
        let what = format!("{} {}", self.kind.as_str(), self.shown);
        match self.list {
            RuleList::Block => Signal::Blocked(what),
            RuleList::Hold => Signal::Held(what),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_hosts_are_found_with_and_without_a_scheme() {
        let hosts = link_hosts(
            "See HTTPS://Shop.Example.com/x and www.deals.example, http://a.b.c?q, not http:// or mail.",
        );
        assert_eq!(hosts, ["shop.example.com", "www.deals.example", "a.b.c"]);
        assert!(link_hosts("plain words").is_empty());
        assert_eq!(link_hosts("http://x.example http://x.example").len(), 2);
    }

    fn rule(list: RuleList, kind: RuleKind, raw: &str) -> Rule {
        let new = NewRule::parse(list, kind, raw, |e| {
            format!("k:{}", e.as_ref().to_lowercase())
        })
        .expect("valid rule");
        Rule {
            id: 1,
            list: new.list,
            kind: new.kind,
            pattern: new.pattern,
            shown: new.shown,
        }
    }

    #[test]
    fn rules_match_with_wordpress_meaning() {
        let subject = RuleSubject {
            texts: vec!["Cheap PILLS here", "Ann"],
            email_key: "k:ann@mail.example".into(),
            email_domain: "mx.mail.example".into(),
            hosts: vec!["go.spam.example".into()],
            ip: Some("203.0.113.9".parse().unwrap()),
        };
        assert!(rule(RuleList::Block, RuleKind::Word, "pills").matches(&subject));
        assert!(!rule(RuleList::Block, RuleKind::Word, "casino").matches(&subject));
        assert!(rule(RuleList::Hold, RuleKind::Email, "Ann@Mail.example").matches(&subject));
        assert!(rule(RuleList::Hold, RuleKind::Domain, "mail.example").matches(&subject));
        assert!(!rule(RuleList::Hold, RuleKind::Domain, "ail.example").matches(&subject));
        assert!(rule(RuleList::Block, RuleKind::Host, "spam.example").matches(&subject));
        assert!(rule(RuleList::Block, RuleKind::Network, "203.0.113.0/24").matches(&subject));
        assert!(!rule(RuleList::Block, RuleKind::Network, "198.51.100.0/24").matches(&subject));
        let email = rule(RuleList::Hold, RuleKind::Email, "ann@mail.example");
        assert_eq!(email.shown, "a…@mail.example");
        assert_eq!(
            email.signal().to_string(),
            "hold list: email a…@mail.example"
        );
    }

    #[test]
    fn bad_rule_values_are_refused() {
        let key = |_: &AuthorEmail| String::new();
        assert!(NewRule::parse(RuleList::Block, RuleKind::Word, "  ", key).is_err());
        assert!(NewRule::parse(RuleList::Block, RuleKind::Email, "nobody", key).is_err());
        assert!(NewRule::parse(RuleList::Block, RuleKind::Host, "not a host", key).is_err());
        assert!(NewRule::parse(RuleList::Block, RuleKind::Network, "10.0.0.0/99", key).is_err());
    }
}

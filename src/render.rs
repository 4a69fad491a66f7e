//! Plain comment text to safe HTML, and flat comment lists to reply trees.
//!
//! Comments are stored as the reader typed them; HTML is made here on output, escaping every
//! byte of user text, so no stored comment can ever carry markup.

use serde::Serialize;

use crate::domain::PublicComment;
use crate::domain::{CommentId, Timestamp};

/// Escapes text for use in HTML element content and double- or single-quoted attributes.
pub fn escape_html(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// Renders a comment body: blank lines separate paragraphs, single newlines become `<br>`,
/// and `http(s)://` URLs become links marked `nofollow ugc noopener`, so a comment cannot pass
/// search-engine credit to spam sites.
pub fn body_html(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 16);
    let paragraphs = body.split("\n\n").map(str::trim).filter(|p| !p.is_empty());
    for paragraph in paragraphs {
        out.push_str("<p>");
        for (i, line) in paragraph.lines().enumerate() {
            if i > 0 {
                out.push_str("<br>\n");
            }
            linkify_line(line, &mut out);
        }
        out.push_str("</p>\n");
    }
    out
}

fn linkify_line(line: &str, out: &mut String) {
    let mut rest = line;
    while let Some(start) = find_url_start(rest) {
        escape_html(&rest[..start], out);
        let candidate = &rest[start..];
        let end = url_end(candidate);
        let url = &candidate[..end];
        out.push_str("<a href=\"");
        escape_html(url, out);
        out.push_str("\" rel=\"nofollow ugc noopener\">");
        escape_html(url, out);
        out.push_str("</a>");
        rest = &candidate[end..];
    }
    escape_html(rest, out);
}

/// The byte offset of the next `http://` or `https://` that starts a word.
fn find_url_start(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(pos) = text[from..].find("http").map(|p| p + from) {
        let tail = &text[pos..];
        let at_word_start = text[..pos]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let scheme_len = if tail.starts_with("https://") {
            8
        } else if tail.starts_with("http://") {
            7
        } else {
            0
        };
        let has_host = tail[scheme_len.min(tail.len())..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric());
        if scheme_len > 0 && at_word_start && has_host {
            return Some(pos);
        }
        from = pos + 4;
    }
    None
}

/// Where a URL starting at the beginning of `text` ends: at whitespace or a character that
/// cannot appear unescaped, minus trailing sentence punctuation ("see http://x.example.").
fn url_end(text: &str) -> usize {
    let mut end = text
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '`'))
        .map_or(text.len(), |(i, _)| i);
    loop {
        let url = &text[..end];
        let Some(last) = url.chars().next_back() else {
            break;
        };
        let unbalanced_paren = last == ')' && url.matches('(').count() < url.matches(')').count();
        if matches!(last, '.' | ',' | ';' | ':' | '!' | '?') || unbalanced_paren {
            end -= last.len_utf8();
        } else {
            break;
        }
    }
    end
}

/// One approved comment with its approved replies, for the public listing.
#[derive(Debug, Clone, Serialize)]
pub struct CommentNode {
    pub id: CommentId,
    pub parent: Option<CommentId>,
    pub author: String,
    pub website: Option<String>,
    pub body: String,
    pub body_html: String,
    pub created_at: Timestamp,
    pub replies: Vec<CommentNode>,
}

/// Nests comments under their parents, keeping the input order (oldest first) at each level.
///
/// A reply whose parent is not in `comments` (it was later rejected or marked spam) is shown
/// at the top level rather than hidden: it was approved on its own merits.
pub fn thread_tree(comments: Vec<PublicComment>) -> Vec<CommentNode> {
    use std::collections::HashMap;

    let present: std::collections::HashSet<CommentId> = comments.iter().map(|c| c.id).collect();
    let mut children: HashMap<Option<CommentId>, Vec<PublicComment>> = HashMap::new();
    for comment in comments {
        let key = comment.parent.filter(|p| present.contains(p));
        children.entry(key).or_default().push(comment);
    }

    fn build(
        key: Option<CommentId>,
        children: &mut HashMap<Option<CommentId>, Vec<PublicComment>>,
    ) -> Vec<CommentNode> {
        let level = children.remove(&key).unwrap_or_default();
        level
            .into_iter()
            .map(|c| CommentNode {
                replies: build(Some(c.id), children),
                body_html: body_html(&c.body),
                id: c.id,
                parent: c.parent,
                author: c.author,
                website: c.website,
                body: c.body,
                created_at: c.created_at,
            })
            .collect()
    }
    build(None, &mut children)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_comments_is_escaped() {
        assert_eq!(
            body_html("<script>alert('x')</script> & \"q\""),
            "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;</p>\n"
        );
    }

    #[test]
    fn paragraphs_and_line_breaks_are_kept() {
        assert_eq!(
            body_html("one\ntwo\n\n\nthree"),
            "<p>one<br>\ntwo</p>\n<p>three</p>\n"
        );
    }

    #[test]
    fn urls_become_nofollow_links_without_trailing_punctuation() {
        assert_eq!(
            body_html("See https://a.example/x?y=1&z=2."),
            "<p>See <a href=\"https://a.example/x?y=1&amp;z=2\" rel=\"nofollow ugc noopener\">\
             https://a.example/x?y=1&amp;z=2</a>.</p>\n"
        );
        assert_eq!(
            body_html("(http://w.example/a_(b))"),
            "<p>(<a href=\"http://w.example/a_(b)\" rel=\"nofollow ugc noopener\">\
             http://w.example/a_(b)</a>)</p>\n"
        );
    }

    #[test]
    fn only_http_urls_at_word_starts_are_linked() {
        for text in [
            "javascript:alert(1)",
            "xhttp://a.example",
            "http:// nothing",
            "https://",
        ] {
            assert!(!body_html(text).contains("<a "), "{text}");
        }
        assert!(!body_html("http://a.example/\"onmouseover=\"x").contains("\"onmouseover"));
    }

    fn comment(id: i64, parent: Option<i64>) -> PublicComment {
        PublicComment {
            id: CommentId(id),
            parent: parent.map(CommentId),
            author: format!("a{id}"),
            website: None,
            body: "b".into(),
            created_at: Timestamp(id),
        }
    }

    #[test]
    fn replies_nest_under_their_parents_in_order() {
        let tree = thread_tree(vec![
            comment(1, None),
            comment(2, Some(1)),
            comment(3, None),
            comment(4, Some(2)),
            comment(5, Some(1)),
            comment(6, Some(99)),
        ]);
        let ids: Vec<i64> = tree.iter().map(|n| n.id.0).collect();
        assert_eq!(ids, [1, 3, 6]);
        let replies: Vec<i64> = tree[0].replies.iter().map(|n| n.id.0).collect();
        assert_eq!(replies, [2, 5]);
        assert_eq!(tree[0].replies[0].replies[0].id.0, 4);
    }
}

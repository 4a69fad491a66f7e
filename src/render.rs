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

/// Replies nest at most this deep; deeper replies are shown at this level, after their
/// ancestor there (WordPress's "threaded comments N levels deep", whose maximum is 10).
/// Every structure built from a thread (the tree, its JSON, its HTML, dropping it) then has
/// bounded depth: a chain of 20,000 replies once overflowed a worker's stack and aborted the
/// process.
pub const MAX_REPLY_DEPTH: usize = 10;

/// Nests comments under their parents, keeping the input order (oldest first) at each level.
///
/// A reply whose parent is not in `comments` (it was later rejected or marked spam) is shown
/// at the top level rather than hidden: it was approved on its own merits. So is a comment
/// caught in a parent cycle (only a damaged import can make one). A reply deeper than
/// [`MAX_REPLY_DEPTH`] is listed under its ancestor at the deepest level; its `parent` still
/// names the comment it answers. No step recurses on reply depth.
pub fn thread_tree(comments: Vec<PublicComment>) -> Vec<CommentNode> {
    use std::collections::HashMap;

    let index: HashMap<CommentId, usize> = comments
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let parent: Vec<Option<usize>> = comments
        .iter()
        .map(|c| c.parent.and_then(|p| index.get(&p).copied()))
        .collect();
    let depth = depths(&parent);
    // Where each comment is shown: its parent, or for a deep reply the same place as its
    // parent. Resolved shallowest first, so a parent is always resolved before its replies.
    let mut order: Vec<usize> = (0..comments.len()).collect();
    order.sort_by_key(|&i| depth[i]);
    let mut shown_under: Vec<Option<usize>> = vec![None; comments.len()];
    for &i in &order {
        // Depth d is shown at level d + 1; from depth MAX_REPLY_DEPTH on, a reply is shown
        // beside its parent, that is under its parent's own place, so no level passes the cap.
        shown_under[i] = match parent[i] {
            Some(p) if depth[i] > 0 && depth[i] < MAX_REPLY_DEPTH => Some(p),
            Some(p) if depth[i] > 0 => shown_under[p],
            _ => None,
        };
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); comments.len()];
    let mut roots = Vec::new();
    for (i, under) in shown_under.iter().enumerate() {
        match under {
            Some(p) => children[*p].push(i),
            None => roots.push(i),
        }
    }
    let mut slots: Vec<Option<PublicComment>> = comments.into_iter().map(Some).collect();
    // Bounded by MAX_REPLY_DEPTH: recursion here is safe.
    fn build(
        ids: &[usize],
        children: &[Vec<usize>],
        slots: &mut [Option<PublicComment>],
    ) -> Vec<CommentNode> {
        ids.iter()
            .filter_map(|&i| {
                let c = slots[i].take()?;
                Some(CommentNode {
                    replies: build(&children[i], children, slots),
                    body_html: body_html(&c.body),
                    id: c.id,
                    parent: c.parent,
                    author: c.author,
                    website: c.website,
                    body: c.body,
                    created_at: c.created_at,
                })
            })
            .collect()
    }
    build(&roots, &children, &mut slots)
}

/// The reply depth of each comment (0 for top level), walking up parent links with an
/// explicit stack; linear in the number of comments. A comment where a parent cycle closes
/// is treated as top level.
fn depths(parent: &[Option<usize>]) -> Vec<usize> {
    const UNKNOWN: usize = usize::MAX;
    let mut depth = vec![UNKNOWN; parent.len()];
    let mut on_path = vec![false; parent.len()];
    let mut path: Vec<usize> = Vec::new();
    for start in 0..parent.len() {
        while depth[start] == UNKNOWN {
            // Climb until a comment whose depth is known, a top-level one, or a cycle.
            let mut at = start;
            let mut cycle = false;
            let known = loop {
                if depth[at] != UNKNOWN {
                    break Some(depth[at]);
                }
                if on_path[at] {
                    cycle = true;
                    break None;
                }
                on_path[at] = true;
                path.push(at);
                match parent[at] {
                    Some(p) => at = p,
                    None => break None,
                }
            };
            if cycle {
                // Break the cycle where it closed, then climb again.
                path.drain(..).for_each(|p| on_path[p] = false);
                depth[at] = 0;
                continue;
            }
            // Down from the top of the path: the known comment's depth + 1, or 0 for a
            // top-level comment (then the last one on the path).
            let mut d = known.map_or(0, |k| k + 1);
            while let Some(p) = path.pop() {
                on_path[p] = false;
                depth[p] = d;
                d += 1;
            }
        }
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(id: i64, parent: Option<i64>) -> PublicComment {
        PublicComment {
            id: CommentId(id),
            parent: parent.map(CommentId),
            author: "a".into(),
            website: None,
            body: "b".into(),
            created_at: Timestamp(0),
        }
    }

    fn max_depth(nodes: &[CommentNode]) -> usize {
        let mut deepest = 0;
        let mut stack: Vec<(&CommentNode, usize)> = nodes.iter().map(|n| (n, 1)).collect();
        while let Some((n, d)) = stack.pop() {
            deepest = deepest.max(d);
            stack.extend(n.replies.iter().map(|r| (r, d + 1)));
        }
        deepest
    }

    fn count(nodes: &[CommentNode]) -> usize {
        let mut total = 0;
        let mut stack: Vec<&CommentNode> = nodes.iter().collect();
        while let Some(n) = stack.pop() {
            total += 1;
            stack.extend(n.replies.iter());
        }
        total
    }

    #[test]
    fn a_very_deep_chain_is_folded_at_the_deepest_level() {
        let chain: Vec<PublicComment> = (1..=20_000)
            .map(|i| public(i, (i > 1).then_some(i - 1)))
            .collect();
        let tree = thread_tree(chain);
        assert_eq!(count(&tree), 20_000);
        assert_eq!(max_depth(&tree), MAX_REPLY_DEPTH);
        // The folded replies keep the comment they answer.
        let mut deepest = &tree[0];
        while let Some(next) = deepest.replies.first() {
            deepest = next;
        }
        assert_eq!(deepest.id, CommentId(MAX_REPLY_DEPTH as i64));
        assert_eq!(deepest.replies.len(), 0);
        let json = serde_json::to_string(&tree).expect("serialises");
        assert!(json.contains("\"parent\":19999"));
    }

    #[test]
    fn parent_cycles_and_missing_parents_come_out_at_the_top() {
        // 1 → 2 → 3 → 1 is a cycle; 4 answers a comment that is not public.
        let tree = thread_tree(vec![
            public(1, Some(3)),
            public(2, Some(1)),
            public(3, Some(2)),
            public(4, Some(99)),
        ]);
        assert_eq!(count(&tree), 4);
        let roots: Vec<i64> = tree.iter().map(|n| n.id.0).collect();
        assert!(roots.contains(&4));
        assert_eq!(roots.len(), 2);
    }

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

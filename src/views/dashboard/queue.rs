//! The queue page: tabs with counts, search and filters, rows, bulk actions, undo, pages.

use maud::{Markup, PreEscaped, html};

use crate::app::accounts::Session;
use crate::app::moderation::QueueQuery;
use crate::domain::{CommentStatus, Counts, ModComment, QueueOrder};
use crate::render::body_html;

use super::{
    campaign_line, commenter_line, csrf, excerpt, layout, reason_select, row_actions, score,
    website,
};

/// What the queue page shows.
pub struct QueuePage<'a> {
    pub session: &'a Session,
    pub query: &'a QueueQuery,
    pub status: CommentStatus,
    pub order: QueueOrder,
    pub rows: &'a [ModComment],
    /// Each row's author's record on its site, in row order.
    pub records: &'a [Option<crate::domain::CommenterRecord>],
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
    pub counts: &'a Counts,
    pub threshold: f64,
    /// The removal reasons any site keeps, for the bulk form.
    pub reasons: &'a [String],
    /// The oldest waiting comment, the busiest articles, and recent decisions.
    pub health: &'a crate::app::moderation::QueueHealth,
}

/// "3 h 5 min" from milliseconds.
fn age(ms: i64) -> String {
    let minutes = (ms / 60_000).max(0);
    match (minutes / 1440, minutes % 1440 / 60, minutes % 60) {
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// How the queue is doing, and what other moderators decided lately (kept current by the
/// dashboard's script from `/dashboard/events`).
fn health(v: &QueuePage<'_>) -> Markup {
    let h = v.health;
    html! {
        section.health aria-label="Queue health" {
            p {
                "Oldest waiting: "
                @match h.oldest_pending {
                    Some(at) => {
                        strong { (age(crate::domain::now_millis() - at.0)) }
                        " (" (super::super::readable_time(at)) ")"
                    }
                    None => { "nothing waits" }
                }
            }
            @if !h.busiest.is_empty() {
                p {
                    "Most waiting: "
                    @for (i, (url, n)) in h.busiest.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href={ "/dashboard?article=" (url_param(url)) } { bdi { (url) } } " (" (n) ")"
                    }
                }
            }
        }
        aside #recent data-me=(v.session.moderator.name.to_string()) aria-labelledby="recent-title" {
            h2 #recent-title { "Decided in the last 10 minutes" }
            ul #recent-list aria-live="polite" {
                @for d in &h.recent {
                    li { bdi { (d.moderator) } " · " (d.action) " · " a href={ "/dashboard/comments/" (d.comment) } { "#" (d.comment) } " · " (super::super::readable_time(d.at)) }
                }
            }
        }
    }
}

fn order_label(order: QueueOrder) -> &'static str {
    match order {
        QueueOrder::HamFirst => "Most likely fine first",
        QueueOrder::Uncertain => "Most uncertain first",
        QueueOrder::SpamFirst => "Most likely spam first",
        QueueOrder::Newest => "Newest first",
        QueueOrder::Oldest => "Oldest first",
    }
}

fn done_message(done: &str) -> Option<String> {
    let mut parts = done.split(':');
    let (what, n, skipped) = (parts.next()?, parts.next()?, parts.next().unwrap_or("0"));
    let verb = match what {
        "approve" => "Approved",
        "spam" => "Marked as spam",
        "reject" => "Rejected",
        "ham" => "Marked as not spam",
        "undo" => "Undid the last action on",
        _ => return None,
    };
    let skipped = if skipped == "0" {
        String::new()
    } else {
        format!(" ({skipped} skipped: decided meanwhile, or not for their status or site)")
    };
    Some(format!("{verb} {n} comment(s){skipped}."))
}

/// `text` percent-encoded for a query string.
fn url_param(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The current queue URL with one parameter changed (page, tab, order).
fn queue_url(q: &QueueQuery, change: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let current = [
        ("tab", q.tab.clone()),
        ("order", q.order.clone()),
        ("q", q.q.clone()),
        ("article", q.article.clone()),
        ("from", q.from.clone()),
        ("to", q.to.clone()),
        ("page", q.page.map(|p| p.to_string())),
    ];
    for (k, v) in current {
        if let Some((_, new)) = change.iter().find(|(ck, _)| *ck == k) {
            if !new.is_empty() {
                pairs.push((k.to_owned(), (*new).to_owned()));
            }
        } else if let Some(v) = v.filter(|v| !v.is_empty()) {
            pairs.push((k.to_owned(), v));
        }
    }
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    if query.is_empty() {
        "/dashboard".to_owned()
    } else {
        format!("/dashboard?{query}")
    }
}

/// The queue: tabs with counts, search and filters, rows with scores, reasons and actions,
/// bulk actions, undo, and pages.
pub fn queue_page(v: &QueuePage<'_>) -> Markup {
    let back = queue_url(v.query, &[]);
    let pages = v.total.div_ceil(u64::from(v.per_page)).max(1);
    let ids: Vec<i64> = v.rows.iter().map(|r| r.id.0).collect();
    layout(
        "Queue",
        Some(v.session),
        html! {
            nav.tabs {
                @for status in CommentStatus::ALL {
                    a.tab.current[status == v.status] href=(queue_url(v.query, &[("tab", status.as_str()), ("page", ""), ("order", "")])) {
                        (status.as_str()) " " span.count { (v.counts.get(&status).copied().unwrap_or(0)) }
                    }
                }
                a.tab href="/dashboard/reported" { "reported" }
            }
            (health(v))
            @if let Some(message) = v.query.done.as_deref().and_then(done_message) {
                p.notice role="status" { (message) }
            }
            @if v.session.undo.is_some() {
                form #undo.inline method="post" action="/dashboard/undo" {
                    (csrf(v.session))
                    input type="hidden" name="back" value=(back);
                    button type="submit" title="Undo (u)" { "Undo last action" }
                }
            }
            form.search method="get" action="/dashboard" {
                input type="hidden" name="tab" value=(v.status.as_str());
                input #search name="q" type="search" placeholder="Search text, author, email, website" value=(v.query.q.clone().unwrap_or_default());
                input name="article" placeholder="Article URL contains" value=(v.query.article.clone().unwrap_or_default());
                label { "From " input name="from" type="date" value=(v.query.from.clone().unwrap_or_default()); }
                label { "To " input name="to" type="date" value=(v.query.to.clone().unwrap_or_default()); }
                select name="order" aria-label="Order" {
                    @for order in QueueOrder::ALL {
                        option value=(order.as_str()) selected[order == v.order] { (order_label(order)) }
                    }
                }
                button type="submit" { "Search" }
            }
            p.summary { (v.total) " comment(s) · spam threshold P ≥ " (format!("{:.3}", v.threshold)) " · keys: j/k move, a approve, s spam, r reject, h not spam, x select, u undo, / search" }
            form #bulk method="post" action="/dashboard/act" {
                (csrf(v.session))
                input type="hidden" name="back" value=(back);
                input type="hidden" name="expected" value=(v.status.as_str());
                (reason_select("bulk-reason", v.reasons))
                " "
                label { input #select-all type="checkbox"; " Select all on this page" }
                " With selected: "
                button type="submit" name="action" value="approve" { "Approve" }
                button type="submit" name="action" value="spam" { "Spam" }
                button type="submit" name="action" value="reject" { "Reject" }
                button type="submit" name="action" value="ham" { "Not spam" }
            }
            @if v.rows.is_empty() {
                p.empty { "Nothing here." }
            } @else {
                table.queue {
                    thead { tr { th { "" } th { "Comment" } th { "Spam score and reasons" } th { "Decide" } } }
                    tbody {
                        @for (i, c) in v.rows.iter().enumerate() {
                            tr.row #{ "row-" (c.id) } data-id=(c.id) {
                                td { input.select type="checkbox" name="ids" value=(c.id) form="bulk" aria-label={ "Select comment " (c.id) }; }
                                td.comment {
                                    div.meta {
                                        strong.author { bdi { (c.author) } }
                                        " " span.email { bdi { (c.email) } }
                                        " " (website(c.website.as_deref()))
                                    }
                                    div.meta {
                                        "on " a.article href=(c.thread) rel="noopener noreferrer" target="_blank" { bdi { (c.thread) } }
                                        " (" a href={ "/dashboard/article?url=" (url_param(&c.thread)) } { "article settings" } ")"
                                        @if let Some(p) = c.parent { " · in reply to " a href={ "/dashboard/comments/" (p) } { "#" (p) } }
                                        " · " (super::super::readable_time(c.created_at))
                                        " · " a href={ "/dashboard/comments/" (c.id) } { "details" }
                                    }
                                    details.body {
                                        summary { bdi { (excerpt(&c.body, 160)) } }
                                        div.full dir="auto" { (PreEscaped(body_html(&c.body))) }
                                    }
                                    (commenter_line(v.records.get(i).and_then(Option::as_ref)))
                                    (campaign_line(v.session, c, &back))
                                }
                                td.verdict { (score(c)) }
                                td { (row_actions(v.session, c.id.0, c.status, &back)) }
                            }
                        }
                    }
                }
                form.page-all method="post" action="/dashboard/act" {
                    (csrf(v.session))
                    input type="hidden" name="back" value=(back);
                    input type="hidden" name="expected" value=(v.status.as_str());
                    @for id in &ids { input type="hidden" name="ids" value=(id); }
                    "All " (ids.len()) " on this page: "
                    button type="submit" name="action" value="approve" { "Approve all" }
                    button type="submit" name="action" value="spam" { "Spam all" }
                    button type="submit" name="action" value="reject" { "Reject all" }
                }
            }
            nav.pages {
                @if v.page > 1 { a rel="prev" href=(queue_url(v.query, &[("page", &(v.page - 1).to_string())])) { "← Previous" } }
                " Page " (v.page) " of " (pages) " "
                @if u64::from(v.page) < pages { a rel="next" href=(queue_url(v.query, &[("page", &(v.page + 1).to_string())])) { "Next →" } }
            }
        },
    )
}

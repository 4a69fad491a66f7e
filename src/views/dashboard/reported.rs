//! The Reported tab: comments readers reported, most reported first, each with its reports
//! and the ways to settle them (dismiss, or decide).

use maud::{Markup, PreEscaped, html};

use crate::app::accounts::Session;
use crate::app::reports::Reported;
use crate::domain::CommentStatus;
use crate::render::body_html;

use super::{csrf, layout, row_actions, status_badge};

/// What the Reported tab shows.
pub struct ReportedPage<'a> {
    pub session: &'a Session,
    pub rows: &'a [Reported],
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
    /// What the last action did, as the redirect said (`dismiss:1:0`).
    pub done: Option<&'a str>,
}

fn reason_label(reason: &str) -> &str {
    match reason {
        "off_topic" => "off topic",
        "illegal" => "illegal content",
        other => other,
    }
}

/// The tab: status tabs to go back, the most reported comments with their reports, and
/// for each "Dismiss reports" beside the usual decisions.
pub fn reported_page(v: &ReportedPage<'_>) -> Markup {
    let back = format!("/dashboard/reported?page={}", v.page);
    let pages = v.total.div_ceil(u64::from(v.per_page)).max(1);
    layout(
        "Reported",
        Some(v.session),
        html! {
            nav.tabs {
                @for status in CommentStatus::ALL {
                    a.tab href={ "/dashboard?tab=" (status.as_str()) } { (status.as_str()) }
                }
                a.tab.current href="/dashboard/reported" aria-current="page" {
                    "reported " span.count { (v.total) }
                }
            }
            @if let Some(done) = v.done.and_then(done_message) {
                p.notice role="status" { (done) }
            }
            p.summary { (v.total) " comment(s) with reports no moderator has judged yet, most reported first." }
            @if v.rows.is_empty() {
                p.empty { "Nothing here." }
            } @else {
                table.queue {
                    thead { tr { th { "Reports" } th { "Comment" } th { "Decide" } } }
                    tbody {
                        @for r in v.rows {
                            @let c = &r.comment;
                            tr.row #{ "row-" (c.id) } data-id=(c.id) {
                                td.reports {
                                    strong.count { (r.open) } " open"
                                    ul.reports {
                                        @for report in &r.reports {
                                            li {
                                                span.reason { (reason_label(&report.reason)) }
                                                " · " (super::super::readable_time(report.at))
                                                @if let Some(e) = &report.explanation { div.explanation dir="auto" { bdi { (e) } } }
                                                @if let Some(email) = &report.email { div.meta { "from " bdi { (email) } } }
                                            }
                                        }
                                    }
                                }
                                td.comment {
                                    div.meta {
                                        strong.author { bdi { (c.author) } }
                                        " " span.email { bdi { (c.email) } }
                                        " " (status_badge(c.status))
                                    }
                                    div.meta {
                                        "on " a.article href=(c.thread) rel="noopener noreferrer" target="_blank" { bdi { (c.thread) } }
                                        " · " a href={ "/dashboard/comments/" (c.id) } { "details" }
                                    }
                                    div.full dir="auto" { (PreEscaped(body_html(&c.body))) }
                                }
                                td {
                                    form.inline method="post" action="/dashboard/reported/dismiss" {
                                        (csrf(v.session))
                                        input type="hidden" name="id" value=(c.id);
                                        input type="hidden" name="back" value=(back);
                                        button.dismiss type="submit" { "Dismiss reports" }
                                    }
                                    (row_actions(v.session, c.id.0, c.status, &back))
                                }
                            }
                        }
                    }
                }
            }
            nav.pages {
                @if v.page > 1 { a rel="prev" href={ "/dashboard/reported?page=" (v.page - 1) } { "← Previous" } }
                " Page " (v.page) " of " (pages) " "
                @if u64::from(v.page) < pages { a rel="next" href={ "/dashboard/reported?page=" (v.page + 1) } { "Next →" } }
            }
        },
    )
}

fn done_message(done: &str) -> Option<&'static str> {
    match done {
        "dismissed" => Some("Reports dismissed: the comment stays published."),
        "stale" => Some("Nothing to dismiss: a moderator already settled those reports."),
        _ => None,
    }
}

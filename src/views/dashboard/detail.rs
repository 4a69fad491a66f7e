//! One comment's page: the comment, its parent, its thread, the author's others, its log.

use maud::{Markup, PreEscaped, html};

use crate::app::accounts::Session;
use crate::domain::{CommentContext, ModComment};
use crate::render::body_html;

use super::{csrf, excerpt, layout, reason_select, row_actions, score, status_badge, website};

fn comment_list(items: &[ModComment], current: i64) -> Markup {
    html! {
        ul.context {
            @for c in items {
                li.this[c.id.0 == current] {
                    a href={ "/dashboard/comments/" (c.id) } { "#" (c.id) } " "
                    (status_badge(c.status)) " "
                    strong { bdi { (c.author) } } ": "
                    bdi { (excerpt(&c.body, 120)) }
                }
            }
        }
    }
}

/// The detail page.
pub fn detail_page(session: &Session, d: &CommentContext, reasons: &[String]) -> Markup {
    let c = &d.comment;
    let back = format!("/dashboard/comments/{}", c.id);
    layout(
        &format!("Comment {}", c.id),
        Some(session),
        html! {
            h1 { "Comment #" (c.id) " " (status_badge(c.status)) }
            section.card {
                div.meta {
                    strong.author { bdi { (c.author) } } " " span.email { bdi { (c.email) } } " " (website(c.website.as_deref()))
                }
                div.meta {
                    "on " a.article href=(c.thread) rel="noopener noreferrer" target="_blank" { bdi { (c.thread) } }
                    " · " (super::super::readable_time(c.created_at))
                    " · IP " bdi { (c.client_ip.clone().unwrap_or_default()) }
                }
                div.full dir="auto" { (PreEscaped(body_html(&c.body))) }
                div.verdict { (score(c)) @if let Some(v) = &c.model_version { span.model { "model " (v) } } }
                (row_actions(session, c.id.0, c.status, &back))
                form.removal method="post" action="/dashboard/act" {
                    (csrf(session))
                    input type="hidden" name="ids" value=(c.id);
                    input type="hidden" name="expected" value=(c.status.as_str());
                    input type="hidden" name="back" value=(back);
                    (reason_select("removal-reason", reasons))
                    " "
                    button type="submit" name="action" value="reject" { "Reject with this reason" }
                    " "
                    button type="submit" name="action" value="spam" { "Spam with this reason" }
                }
            }
            @if let Some(p) = &d.parent {
                h2 { "In reply to" }
                section.card.parent {
                    strong { bdi { (p.author) } } " " (status_badge(p.status))
                    div.full dir="auto" { (PreEscaped(body_html(&p.body))) }
                }
            }
            h2 { "The thread (" (d.thread.len()) ")" }
            (comment_list(&d.thread, c.id.0))
            h2 { "Earlier comments by this author (" (d.by_author.len()) ")" }
            @if d.by_author.is_empty() { p.empty { "None." } } @else { (comment_list(&d.by_author, c.id.0)) }
            h2 { "Moderation history" }
            @if d.log.is_empty() { p.empty { "No decisions yet." } } @else {
                table.log {
                    thead { tr { th { "When" } th { "Who" } th { "Action" } th { "From" } th { "To" } th { "Reason" } } }
                    tbody {
                        @for e in &d.log {
                            tr {
                                td { (super::super::readable_time(e.at)) }
                                td { @match &e.moderator { Some(m) => bdi { (m) }, None => em { "the service" } } }
                                td { (e.action) } td { (e.from.as_str()) } td { (e.to.as_str()) }
                                td { bdi { (e.reason.clone().unwrap_or_default()) } }
                            }
                        }
                    }
                }
            }
        },
    )
}

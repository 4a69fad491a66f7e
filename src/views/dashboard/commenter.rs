//! A commenter's page: their record on the site, their comments, and what a moderator may
//! do about them.

use maud::{Markup, html};

use crate::app::accounts::Session;
use crate::domain::{CommenterRecord, ModComment};

use super::{commenter_line, csrf, excerpt, layout, status_badge};

/// What the commenter page shows.
pub struct CommenterPage<'a> {
    pub session: &'a Session,
    pub record: &'a CommenterRecord,
    pub comments: &'a [ModComment],
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
    pub done: Option<&'a str>,
}

fn done_message(done: &str) -> Option<String> {
    let (what, n) = done.split_once(':').unwrap_or((done, "0"));
    Some(match what {
        "trust" => "Trusted: their comments are published at once on this site.".to_owned(),
        "untrust" => "No longer trusted.".to_owned(),
        "hold" => "Their comments will always wait for a moderator.".to_owned(),
        "unhold" => "No longer always held.".to_owned(),
        "ban" => "Banned: their comments go to spam.".to_owned(),
        "unban" => "No longer banned.".to_owned(),
        "spam_pending" => format!("Marked {n} pending comment(s) as spam."),
        "invalid" => "A ban needs a reason.".to_owned(),
        _ => return None,
    })
}

/// One action button, as its own small form.
fn action(session: &Session, id: i64, name: &str, label: &str) -> Markup {
    html! {
        form.inline method="post" action={ "/dashboard/commenters/" (id) } {
            (csrf(session))
            input type="hidden" name="action" value=(name);
            button type="submit" { (label) }
        }
    }
}

/// The page: who, their record, the actions, their comments newest first.
pub fn commenter_page(v: &CommenterPage<'_>) -> Markup {
    let r = v.record;
    let id = r.id.0;
    let who = v
        .comments
        .first()
        .map(|c| c.author.clone())
        .unwrap_or_default();
    let pages = v.total.div_ceil(u64::from(v.per_page)).max(1);
    layout(
        "Commenter",
        Some(v.session),
        html! {
            @if let Some(message) = v.done.and_then(done_message) {
                p.notice role="status" { (message) }
            }
            h2 { bdi { (who) } }
            (commenter_line(Some(r)))
            div.actions {
                @if r.trusted { (action(v.session, id, "untrust", "Stop trusting")) }
                @else { (action(v.session, id, "trust", "Trust: publish at once")) }
                @if r.held { (action(v.session, id, "unhold", "Stop holding")) }
                @else { (action(v.session, id, "hold", "Always hold")) }
                @if r.banned { (action(v.session, id, "unban", "Lift the ban")) }
                @if r.pending > 0 { (action(v.session, id, "spam_pending", &format!("Spam all {} pending", r.pending))) }
            }
            @if !r.banned {
                form.inline method="post" action={ "/dashboard/commenters/" (id) } {
                    (csrf(v.session))
                    input type="hidden" name="action" value="ban";
                    label for="ban-reason" { "Reason for a ban " }
                    input #ban-reason name="reason" required maxlength="200";
                    " "
                    button.spam type="submit" { "Ban" }
                }
            }
            h3 { (v.total) " comment(s) on this site" }
            table.queue {
                thead { tr { th { "Status" } th { "Comment" } th { "When" } } }
                tbody {
                    @for c in v.comments {
                        tr {
                            td { (status_badge(c.status)) }
                            td {
                                a href={ "/dashboard/comments/" (c.id) } { bdi { (excerpt(&c.body, 120)) } }
                                div.meta { "on " bdi { (c.thread) } }
                            }
                            td { (super::super::readable_time(c.created_at)) }
                        }
                    }
                }
            }
            nav.pages {
                @if v.page > 1 { a rel="prev" href={ "/dashboard/commenters/" (id) "?page=" (v.page - 1) } { "← Previous" } }
                " Page " (v.page) " of " (pages) " "
                @if u64::from(v.page) < pages { a rel="next" href={ "/dashboard/commenters/" (id) "?page=" (v.page + 1) } { "Next →" } }
            }
        },
    )
}

//! Dashboard pages. All user text goes through maud's escaping and sits inside `<bdi>`, so
//! bidi overrides in a comment cannot flip the text around it; comment bodies use
//! `render::body_html`, which escapes every byte. No inline script or style: the page's
//! Content-Security-Policy forbids both.
//!
//! One page a file; what several pages share (the layout, the CSRF field, a comment's
//! score, reasons, badges and actions) is here.

mod commenter;
mod detail;
mod login;
mod model;
mod moderators;
mod notifications;
mod password;
mod queue;
mod reported;
mod rules;
mod sites;
mod tokens;

pub use commenter::{CommenterPage, commenter_page};
pub use detail::detail_page;
pub use login::login_page;
pub use model::{ModelView, model_page};
pub use moderators::moderators_page;
pub use notifications::notifications_page;
pub use password::password_page;
pub use queue::{QueuePage, queue_page};
pub use reported::{ReportedPage, reported_page};
pub use rules::rules_page;
pub use sites::{article_page, sites_page};
pub use tokens::tokens_page;

use maud::{DOCTYPE, Markup, html};

use crate::app::accounts::Session;
use crate::classifier::Reason;
use crate::domain::{CommentStatus, ModComment};

pub(super) fn layout(title: &str, session: Option<&Session>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Replyguard" }
                link rel="stylesheet" href="/static/dashboard.css";
                script src="/static/dashboard.js" defer {}
            }
            body {
                header.top {
                    a.brand href="/dashboard" { "Replyguard" }
                    @if let Some(s) = session {
                        nav {
                            a href="/dashboard" { "Queue" }
                            a href="/dashboard/model" { "Filter" }
                            a href="/dashboard/rules" { "Lists" }
                            a href="/dashboard/sites" { "Sites" }
                            a href="/dashboard/tokens" { "API tokens" }
                            a href="/dashboard/notifications" { "Notifications" }
                            @if s.moderator.is_admin { a href="/dashboard/moderators" { "Moderators" } }
                            a href="/dashboard/password" { "Password" }
                            form.inline method="post" action="/dashboard/logout" {
                                input type="hidden" name="csrf" value=(s.csrf);
                                button.link type="submit" { "Sign out " bdi { (s.moderator.name) } }
                            }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

pub(super) fn csrf(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf); }
}

/// An error page.
pub fn error_page(message: &str) -> Markup {
    layout(
        "Error",
        None,
        html! {
            h1 { "Something is not right" }
            p.error { (message) }
            p { a href="/dashboard" { "Back to the dashboard" } }
        },
    )
}

/// A website link, only for http(s) URLs (imports and old rows included).
pub(super) fn website(url: Option<&str>) -> Markup {
    html! {
        @if let Some(u) = url.filter(|u| u.starts_with("http://") || u.starts_with("https://")) {
            a.site href=(u) rel="nofollow ugc noopener noreferrer" target="_blank" { bdi { (u) } }
        }
    }
}

pub(super) fn excerpt(text: &str, chars: usize) -> String {
    let mut out: String = text.chars().take(chars).collect();
    if text.chars().count() > chars {
        out.push('…');
    }
    out
}

pub(super) fn reasons(comment: &ModComment) -> Vec<Reason> {
    comment
        .spam_reasons
        .as_ref()
        .and_then(|raw| serde_json::from_str(raw.get()).ok())
        .unwrap_or_default()
}

pub(super) fn score(comment: &ModComment) -> Markup {
    html! {
        @match comment.spam_score {
            Some(p) => {
                span.score title="P(spam)" { (format!("{p:.3}")) }
                meter min="0" max="1" low="0.5" high="0.9" optimum="0" value=(format!("{p:.4}")) { (format!("{:.0}%", p * 100.0)) }
            }
            None => { span.score { "not scored" } }
        }
        @if !comment.signals.is_empty() {
            ul.signals {
                @for signal in &comment.signals { li.signal { "⚑ " bdi { (signal) } } }
            }
        }
        ul.reasons {
            @for r in reasons(comment) {
                li.(r.towards.as_str()) title=(format!("{:+.3}", r.weight)) {
                    (if r.towards == crate::domain::Label::Spam { "▲ " } else { "▼ " }) bdi { (r.signal) }
                }
            }
        }
    }
}

/// "Campaign #12: 40 near-identical comments since …", with decide-all buttons.
pub(super) fn campaign_line(session: &Session, c: &ModComment, back: &str) -> Markup {
    html! {
        @if let Some(campaign) = c.campaign.as_ref().filter(|k| k.size > 1) {
            form.campaign method="post" action="/dashboard/campaign" {
                (csrf(session))
                input type="hidden" name="back" value=(back);
                input type="hidden" name="campaign" value=(campaign.id);
                "Campaign #" (campaign.id) ": " (campaign.size) " near-identical comments since "
                (super::readable_time(campaign.first_seen)) ". "
                button type="submit" name="action" value="spam" { "Spam all " (campaign.size) }
                " "
                button type="submit" name="action" value="approve" { "Approve all " (campaign.size) }
            }
        }
    }
}

pub(super) fn status_badge(status: CommentStatus) -> Markup {
    html! { span.badge.(status.as_str()) { (status.as_str()) } }
}

/// The action buttons for one comment, as small forms (work without script).
/// A select of removal reasons, for reject and spam.
pub(super) fn reason_select(id: &str, reasons: &[String]) -> Markup {
    html! {
        label for=(id) { "Reason for reject or spam " }
        select id=(id) name="reason" {
            option value="" { "(none)" }
            @for r in reasons { option value=(r) { (r) } }
        }
    }
}

pub(super) fn row_actions(session: &Session, id: i64, status: CommentStatus, back: &str) -> Markup {
    let actions: &[(&str, &str, &str)] = &[
        ("approve", "Approve", "a"),
        ("spam", "Spam", "s"),
        ("reject", "Reject", "r"),
        ("ham", "Not spam", "h"),
    ];
    html! {
        div.actions {
            @for (action, label, key) in actions {
                @let applies = match *action {
                    "approve" => status != CommentStatus::Approved,
                    "spam" => status != CommentStatus::Spam,
                    "reject" => status != CommentStatus::Rejected,
                    _ => status == CommentStatus::Spam,
                };
                @if applies {
                    form.inline method="post" action="/dashboard/act" {
                        (csrf(session))
                        input type="hidden" name="action" value=(action);
                        input type="hidden" name="ids" value=(id);
                        input type="hidden" name="expected" value=(status.as_str());
                        input type="hidden" name="back" value=(back);
                        button.(action) type="submit" data-action=(action) title={ (label) " (" (key) ")" } { (label) }
                    }
                }
            }
        }
    }
}

/// A commenter's record in one line: "3 approved · 1 pending · first seen … · trusted",
/// linking to their page.
pub(super) fn commenter_line(record: Option<&crate::domain::CommenterRecord>) -> Markup {
    html! {
        @if let Some(r) = record {
            div.meta.record {
                a href={ "/dashboard/commenters/" (r.id) } { "Commenter" } ": "
                (r.approved) " approved · " (r.pending) " pending · " (r.spam) " spam · "
                (r.rejected) " rejected · first seen " (super::readable_time(r.first_seen))
                @if r.trusted { " · " strong.trusted { "trusted" } }
                @if r.held { " · " strong.held { "always held" } }
                @if r.banned { " · " strong.banned { "banned" } }
            }
        }
    }
}

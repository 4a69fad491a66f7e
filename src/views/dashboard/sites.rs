//! The Sites page (each site's moderation settings) and an article's own settings.

use maud::{Markup, html};

use crate::app::accounts::Session;
use crate::domain::{ArticlePolicy, ModerationMode, SiteSettings};

use super::{csrf, layout};

const MODES: [(ModerationMode, &str); 3] = [
    (
        ModerationMode::Premoderate,
        "Pre-moderate: every comment waits",
    ),
    (
        ModerationMode::FirstTime,
        "First-time: trusted commenters are published at once",
    ),
    (
        ModerationMode::Postmoderate,
        "Post-moderate: published at once unless held",
    ),
];

fn done_message(done: &str) -> Option<&'static str> {
    match done {
        "saved" => Some("Settings saved."),
        "invalid" => {
            Some("Not saved: check the numbers and the reasons (1 to 20, comma-separated).")
        }
        "closed" => Some("The article is closed: it takes no more comments."),
        "opened" => Some("The article is open again."),
        _ => None,
    }
}

/// Every site with a form for its settings (administrators change them).
pub fn sites_page(session: &Session, sites: &[SiteSettings], done: Option<&str>) -> Markup {
    let admin = session.moderator.is_admin;
    layout(
        "Sites",
        Some(session),
        html! {
            @if let Some(message) = done.and_then(done_message) {
                p.notice role="status" { (message) }
            }
            @if sites.is_empty() {
                p.empty { "No site is registered yet: " code { "replyguard site add ORIGIN" } "." }
            }
            @for (i, s) in sites.iter().enumerate() {
                section.site {
                    h2 { bdi { (s.name) } " " small { bdi { (s.origin) } } }
                    form method="post" action="/dashboard/sites" {
                        (csrf(session))
                        input type="hidden" name="origin" value=(s.origin);
                        fieldset disabled[!admin] {
                            legend { "Moderation" }
                            @for (mode, label) in MODES {
                                @let id = format!("mode-{i}-{}", mode.as_str());
                                div {
                                    input type="radio" id=(id) name="moderation" value=(mode.as_str()) checked[s.mode == mode];
                                    label for=(id) { (label) }
                                }
                            }
                            div {
                                label for={ "trust-" (i) } { "Approved comments that make a commenter trusted" }
                                input id={ "trust-" (i) } type="number" name="trust_after" min="1" max="1000" value=(s.trust_after);
                            }
                            div {
                                label for={ "close-" (i) } { "Close articles this many days after their first comment (0: never)" }
                                input id={ "close-" (i) } type="number" name="close_after_days" min="0" max="3650" value=(s.close_after_days.unwrap_or(0));
                            }
                            div {
                                label for={ "hide-" (i) } { "Reports that take a published comment back to the queue (0: never)" }
                                input id={ "hide-" (i) } type="number" name="auto_hide_reports" min="0" max="1000" value=(s.auto_hide_reports.unwrap_or(0));
                            }
                            div {
                                label for={ "reasons-" (i) } { "Removal reasons, comma-separated" }
                                input id={ "reasons-" (i) } name="removal_reasons" size="80" value=(s.removal_reasons.as_slice().join(", "));
                            }
                            @if admin { button type="submit" { "Save " bdi { (s.origin) } } }
                        }
                    }
                    @if !admin { p.summary { "Only administrators change a site's settings." } }
                }
            }
        },
    )
}

/// One article: the mode in force and whether it takes comments, with the buttons to
/// change them.
pub fn article_page(
    session: &Session,
    url: &str,
    policy: &ArticlePolicy,
    now: i64,
    done: Option<&str>,
) -> Markup {
    let open = policy.open(now);
    layout(
        "Article",
        Some(session),
        html! {
            @if let Some(message) = done.and_then(done_message) {
                p.notice role="status" { (message) }
            }
            h2 { a href=(url) rel="noopener noreferrer" target="_blank" { bdi { (url) } } }
            p {
                "Comments: " strong { @if open { "open" } @else { "closed" } }
                @match policy.closed_by_hand {
                    Some(true) => " (closed by hand)",
                    Some(false) => " (opened by hand)",
                    None => @if let Some(days) = policy.close_after_days { " (the site closes articles " (days) " days after their first comment)" },
                }
            }
            p { a href={ "/dashboard?article=" (url) } { "This article's queue" } }
            form.inline method="post" action="/dashboard/article" {
                (csrf(session))
                input type="hidden" name="url" value=(url);
                @if open {
                    button type="submit" name="op" value="close" { "Close comments" }
                } @else {
                    button type="submit" name="op" value="open" { "Open comments" }
                }
            }
            form method="post" action="/dashboard/article" {
                (csrf(session))
                input type="hidden" name="url" value=(url);
                input type="hidden" name="op" value="mode";
                fieldset {
                    legend { "Moderation on this article" }
                    div {
                        input type="radio" id="mode-site" name="moderation" value="site" checked[policy.article_mode.is_none()];
                        label for="mode-site" { "As the site (" (policy.site_mode.as_str()) ")" }
                    }
                    @for (mode, label) in MODES {
                        @let id = format!("mode-{}", mode.as_str());
                        div {
                            input type="radio" id=(id) name="moderation" value=(mode.as_str()) checked[policy.article_mode == Some(mode)];
                            label for=(id) { (label) }
                        }
                    }
                    button type="submit" { "Save" }
                }
            }
        },
    )
}

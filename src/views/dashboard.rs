//! Dashboard pages. All user text goes through maud's escaping and sits inside `<bdi>`, so
//! bidi overrides in a comment cannot flip the text around it; comment bodies use
//! `render::body_html`, which escapes every byte. No inline script or style: the page's
//! Content-Security-Policy forbids both.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::app::accounts::Session;
use crate::app::model_store::StoredModel;
use crate::app::moderation::QueueQuery;
use crate::classifier::ModelInfo;
use crate::classifier::Reason;
use crate::domain::{
    Agreement, CommentContext, CommentStatus, Counts, ModComment, ModeratorRow, QueueOrder,
};
use crate::render::body_html;

fn layout(title: &str, session: Option<&Session>, body: Markup) -> Markup {
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

fn csrf(session: &Session) -> Markup {
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

/// The sign-in page.
pub fn login_page(csrf_token: &str, error: Option<&str>, name: &str) -> Markup {
    layout(
        "Sign in",
        None,
        html! {
            form.login method="post" action="/dashboard/login" {
                h1 { "Sign in to moderate" }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                input type="hidden" name="csrf" value=(csrf_token);
                label for="name" { "Name" }
                input #name name="name" value=(name) autocomplete="username" required autofocus;
                label for="password" { "Password" }
                input #password name="password" type="password" autocomplete="current-password" required;
                button type="submit" { "Sign in" }
            }
        },
    )
}

/// A website link, only for http(s) URLs (imports and old rows included).
fn website(url: Option<&str>) -> Markup {
    html! {
        @if let Some(u) = url.filter(|u| u.starts_with("http://") || u.starts_with("https://")) {
            a.site href=(u) rel="nofollow ugc noopener noreferrer" target="_blank" { bdi { (u) } }
        }
    }
}

fn excerpt(text: &str, chars: usize) -> String {
    let mut out: String = text.chars().take(chars).collect();
    if text.chars().count() > chars {
        out.push('…');
    }
    out
}

fn reasons(comment: &ModComment) -> Vec<Reason> {
    comment
        .spam_reasons
        .as_ref()
        .and_then(|raw| serde_json::from_str(raw.get()).ok())
        .unwrap_or_default()
}

fn score(comment: &ModComment) -> Markup {
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
fn campaign_line(session: &Session, c: &ModComment, back: &str) -> Markup {
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

fn status_badge(status: CommentStatus) -> Markup {
    html! { span.badge.(status.as_str()) { (status.as_str()) } }
}

/// The action buttons for one comment, as small forms (work without script).
fn row_actions(session: &Session, id: i64, status: CommentStatus, back: &str) -> Markup {
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
                        input type="hidden" name="back" value=(back);
                        button.(action) type="submit" data-action=(action) title={ (label) " (" (key) ")" } { (label) }
                    }
                }
            }
        }
    }
}

/// What the queue page shows.
pub struct QueuePage<'a> {
    pub session: &'a Session,
    pub query: &'a QueueQuery,
    pub status: CommentStatus,
    pub order: QueueOrder,
    pub rows: &'a [ModComment],
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
    pub counts: &'a Counts,
    pub threshold: f64,
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
        format!(" ({skipped} already had that status)")
    };
    Some(format!("{verb} {n} comment(s){skipped}."))
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
            }
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
                select name="order" {
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
                        @for c in v.rows {
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
                                        @if let Some(p) = c.parent { " · in reply to " a href={ "/dashboard/comments/" (p) } { "#" (p) } }
                                        " · " (super::readable_time(c.created_at))
                                        " · " a href={ "/dashboard/comments/" (c.id) } { "details" }
                                    }
                                    details.body {
                                        summary { bdi { (excerpt(&c.body, 160)) } }
                                        div.full dir="auto" { (PreEscaped(body_html(&c.body))) }
                                    }
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
pub fn detail_page(session: &Session, d: &CommentContext) -> Markup {
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
                    " · " (super::readable_time(c.created_at))
                    " · IP " bdi { (c.client_ip.clone().unwrap_or_default()) }
                }
                div.full dir="auto" { (PreEscaped(body_html(&c.body))) }
                div.verdict { (score(c)) @if let Some(v) = &c.model_version { span.model { "model " (v) } } }
                (row_actions(session, c.id.0, c.status, &back))
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
                    thead { tr { th { "When" } th { "Who" } th { "Action" } th { "From" } th { "To" } } }
                    tbody {
                        @for e in &d.log {
                            tr {
                                td { (super::readable_time(e.at)) }
                                td { @match &e.moderator { Some(m) => bdi { (m) }, None => em { "spam filter" } } }
                                td { (e.action) } td { (e.from.as_str()) } td { (e.to.as_str()) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// What the filter page shows.
pub struct ModelView<'a> {
    pub info: &'a ModelInfo,
    pub threshold: f64,
    pub agreement: Agreement,
    pub stored: &'a [StoredModel],
    pub done: Option<&'a str>,
}

/// The filter page.
pub fn model_page(session: &Session, v: &ModelView<'_>) -> Markup {
    let a = v.agreement;
    layout(
        "Filter",
        Some(session),
        html! {
            h1 { "The spam filter" }
            @match v.done {
                Some("retrained") => p.notice role="status" { "A new model was trained, passed the guard and is now in use." },
                Some("refused") => p.notice.warn role="status" { "A new model was trained but the guard kept the current one: see its verdict below." },
                Some("activated") => p.notice role="status" { "The chosen model is now in use; the queue was re-scored." },
                _ => {}
            }
            section.card {
                h2 { "In use: " code { (v.info.version) } }
                p { "Trained " (v.info.created_at) " on " (v.info.training.texts) " texts (" (v.info.training.spam) " spam, " (v.info.training.ham) " ham) from " (v.info.training.files.join(", ")) "." }
                p { "Comments with P(spam) ≥ " (format!("{:.3}", v.threshold)) " go to the spam folder." }
                @if let Some(c) = &v.info.calibration {
                    p { "On " (c.held_out) " held-out texts: accuracy " (format!("{:.3}", c.metrics.accuracy)) ", spam precision " (format!("{:.3}", c.metrics.precision)) ", recall " (format!("{:.3}", c.metrics.recall)) ", false-positive rate " (format!("{:.2}%", c.metrics.false_positive_rate * 100.0)) "." }
                }
            }
            section.card {
                h2 { "Agreement with moderators" }
                p { "Decided comments, comparing the filter's score when the decision was made with the decision." }
                table.confusion {
                    thead { tr { th {} th { "Moderator: spam" } th { "Moderator: not spam" } } }
                    tbody {
                        tr { th { "Filter: spam" } td.good { (a.spam_caught) " spam caught" } td.bad { (a.ham_flagged) " ham flagged" } }
                        tr { th { "Filter: not spam" } td.bad { (a.spam_missed) " spam missed" } td.good { (a.ham_passed) " ham passed" } }
                    }
                }
            }
            section.card {
                h2 { "Retrain" }
                p { "Train a new model from the base model plus every moderator decision. It goes live only if it does at least as well as the model in use on recent decisions it has not seen." }
                form.inline method="post" action="/dashboard/model/retrain" {
                    (csrf(session))
                    label { input type="checkbox" name="force" value="1"; " Activate even if the guard objects" }
                    " " button type="submit" { "Retrain now" }
                }
            }
            h2 { "Stored models" }
            @if v.stored.is_empty() { p.empty { "None yet: the base model is in use." } } @else {
                table.models {
                    thead { tr { th { "Version" } th { "Trained" } th { "Labels" } th { "Guard" } th {} } }
                    tbody {
                        @for m in v.stored.iter().rev() {
                            tr {
                                td { code { (m.version) } @if m.base { " " span.badge { "base" } } @if m.active { " " span.badge.approved { "in use" } } }
                                td { (m.created_at) }
                                td { @if let Some(r) = &m.retraining { (r.labels) " (" (r.spam) " spam)" } }
                                td { @if let Some(r) = &m.retraining { (if r.passed_guard { "passed: " } else { "refused: " }) (r.verdict) } }
                                td {
                                    @if !m.active {
                                        form.inline method="post" action="/dashboard/model/activate" {
                                            (csrf(session))
                                            input type="hidden" name="version" value=(m.version);
                                            button type="submit" { "Use this model" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// Moderator management (admins).
pub fn moderators_page(
    session: &Session,
    rows: &[ModeratorRow],
    done: Option<&str>,
    error: Option<&str>,
) -> Markup {
    layout(
        "Moderators",
        Some(session),
        html! {
            h1 { "Moderators" }
            @if let Some(d) = done { p.notice role="status" { (match d { "added" => "Account saved.", "disabled" => "Account disabled; its sessions ended.", "enabled" => "Account enabled.", "reset" => "Password reset; the account's sessions ended.", _ => "Role changed." }) } }
            @if let Some(e) = error { p.error role="alert" { (match e { "self" => "You cannot disable yourself or remove your own admin role.", _ => "Check the name (letters, digits, . _ -) and the password (at least 10 characters)." }) } }
            table.moderators {
                thead { tr { th { "Name" } th { "Role" } th { "Status" } th { "Since" } th {} } }
                tbody {
                    @for m in rows {
                        tr {
                            td { bdi { (m.name) } }
                            td { (if m.is_admin { "admin" } else { "moderator" }) }
                            td { (if m.is_disabled { "disabled" } else { "active" }) }
                            td { (super::readable_time(m.created_at)) }
                            td {
                                form.inline method="post" action="/dashboard/moderators" {
                                    (csrf(session)) input type="hidden" name="id" value=(m.id);
                                    @if m.is_disabled { button type="submit" name="op" value="enable" { "Enable" } }
                                    @else { button type="submit" name="op" value="disable" { "Disable" } }
                                    @if m.is_admin { button type="submit" name="op" value="unadmin" { "Make moderator" } }
                                    @else { button type="submit" name="op" value="admin" { "Make admin" } }
                                }
                                form.inline method="post" action="/dashboard/moderators" {
                                    (csrf(session)) input type="hidden" name="id" value=(m.id); input type="hidden" name="op" value="reset";
                                    input type="password" name="password" placeholder="New password" autocomplete="new-password" aria-label={ "New password for " (m.name) };
                                    button type="submit" { "Reset password" }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Add a moderator" }
            form.stack method="post" action="/dashboard/moderators" {
                (csrf(session)) input type="hidden" name="op" value="add";
                label for="new-name" { "Name" } input #new-name name="name" required;
                label for="new-password" { "Password (at least 10 characters)" } input #new-password name="password" type="password" autocomplete="new-password" required;
                label { input type="checkbox" name="admin" value="1"; " Administrator" }
                button type="submit" { "Add" }
            }
        },
    )
}

/// The block and hold lists, with a form to add a rule and a button to remove each.
pub fn rules_page(
    session: &Session,
    rules: &[crate::domain::Rule],
    done: Option<&str>,
    error: Option<&str>,
) -> Markup {
    use crate::domain::{RuleKind, RuleList};
    layout(
        "Block and hold lists",
        Some(session),
        html! {
            h1 { "Block and hold lists" }
            p {
                "A comment matching the " strong { "block list" } " is filed as spam; one matching the "
                strong { "hold list" } " stays in the queue for a person, whatever the filter says. "
                "Words match anywhere in the name, email, website, comment or browser, ignoring case; "
                "domains and hosts match their subdomains too; emails are kept only as a keyed hash."
            }
            @if let Some(d) = done { p.notice role="status" { (if d == "deleted" { "Rule removed." } else { "Rule added." }) } }
            @if let Some(e) = error { p.error role="alert" { (match e { "exists" => "That rule is already on the list.", "missing" => "That rule no longer exists.", _ => "Check the value: a word or phrase, an email address, a domain such as example.com, or an address range such as 192.0.2.0/24." }) } }
            @for list in [RuleList::Block, RuleList::Hold] {
                h2 { (if list == RuleList::Block { "Block list" } else { "Hold list" }) }
                @let on_list: Vec<_> = rules.iter().filter(|r| r.list == list).collect();
                @if on_list.is_empty() { p.empty { "No rules." } }
                @else {
                    table.rules data-list=(list.as_str()) {
                        thead { tr { th { "Kind" } th { "Matches" } th {} } }
                        tbody {
                            @for rule in on_list {
                                tr {
                                    td { (rule.kind.as_str()) }
                                    td { bdi { (rule.shown) } }
                                    td {
                                        form.inline method="post" action="/dashboard/rules" {
                                            (csrf(session)) input type="hidden" name="op" value="delete";
                                            input type="hidden" name="id" value=(rule.id);
                                            button type="submit" { "Remove" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Add a rule" }
            form.stack method="post" action="/dashboard/rules" {
                (csrf(session)) input type="hidden" name="op" value="add";
                label for="rule-list" { "List" }
                select #rule-list name="list" {
                    option value="block" { "Block (file as spam)" }
                    option value="hold" { "Hold (keep for a person)" }
                }
                label for="rule-kind" { "Kind" }
                select #rule-kind name="kind" {
                    @for kind in RuleKind::ALL { option value=(kind.as_str()) { (kind.as_str()) } }
                }
                label for="rule-value" { "Value" }
                input #rule-value name="value" required maxlength="253";
                button type="submit" { "Add" }
            }
        },
    )
}

/// API tokens: the list, a new token's secret (shown once), create and revoke.
pub fn tokens_page(
    session: &Session,
    tokens: &[crate::domain::ApiTokenRow],
    new_secret: Option<&str>,
    done: Option<&str>,
    error: Option<&str>,
) -> Markup {
    layout(
        "API tokens",
        Some(session),
        html! {
            h1 { "API tokens" }
            p {
                "A token lets a script use the moderation API as you: send it as "
                code { "Authorization: Bearer …" } ". Only a hash is kept; revoke a token the moment it may have leaked."
            }
            @if let Some(secret) = new_secret {
                div.notice role="status" {
                    p { "Your new token. Copy it now: it is not shown again." }
                    p { code #new-token { (secret) } }
                }
            }
            @if done.is_some() { p.notice role="status" { "Token revoked." } }
            @if let Some(e) = error { p.error role="alert" { (if e == "missing" { "That token no longer exists." } else { "A token name is 1 to 64 printable characters." }) } }
            @if tokens.is_empty() { p.empty { "No tokens." } }
            @else {
                table.tokens {
                    thead { tr { th { "Name" } th { "Owner" } th { "Created" } th { "Last used" } th {} } }
                    tbody {
                        @for t in tokens {
                            tr {
                                td { bdi { (t.name) } }
                                td { bdi { (t.moderator) } }
                                td { (super::readable_time(t.created_at)) }
                                td { @match t.last_used_at { Some(at) => (super::readable_time(at)), None => "never" } }
                                td {
                                    form.inline method="post" action="/dashboard/tokens" {
                                        (csrf(session)) input type="hidden" name="op" value="revoke";
                                        input type="hidden" name="id" value=(t.id);
                                        button type="submit" { "Revoke" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Create a token" }
            form.stack method="post" action="/dashboard/tokens" {
                (csrf(session)) input type="hidden" name="op" value="create";
                label for="token-name" { "Name (what uses it)" }
                input #token-name name="name" required maxlength="64";
                button type="submit" { "Create" }
            }
        },
    )
}

/// How this moderator hears about new comments.
pub fn notifications_page(
    session: &Session,
    email: &str,
    choice: crate::domain::NotifyChoice,
    saved: bool,
    invalid: bool,
) -> Markup {
    use crate::domain::NotifyChoice;
    let options = [
        (NotifyChoice::Off, "No email"),
        (NotifyChoice::Each, "An email for each new comment"),
        (NotifyChoice::Digest, "An hourly digest of new comments"),
    ];
    layout(
        "Notifications",
        Some(session),
        html! {
            h1 { "Notifications" }
            @if saved { p.notice role="status" { "Saved." } }
            @if invalid { p.error role="alert" { "Enter a valid email address to receive email." } }
            form.stack method="post" action="/dashboard/notifications" {
                (csrf(session))
                label for="notify-email" { "Your email address" }
                input #notify-email name="email" type="email" value=(email) autocomplete="email";
                fieldset {
                    legend { "Tell me about new comments" }
                    @for (value, label) in options {
                        label {
                            input type="radio" name="notify" value=(value.as_str()) checked[choice == value];
                            " " (label)
                        }
                    }
                }
                button type="submit" { "Save" }
            }
        },
    )
}

/// Changing one's own password.
pub fn password_page(session: &Session, done: Option<&str>, error: Option<&str>) -> Markup {
    layout(
        "Password",
        Some(session),
        html! {
            h1 { "Change your password" }
            @if done.is_some() { p.notice role="status" { "Password changed. Your other sessions have ended." } }
            @if let Some(e) = error { p.error role="alert" { (match e { "mismatch" => "The new passwords do not match.", "current" => "Your current password is not right.", _ => "The new password must be at least 10 characters." }) } }
            form.stack method="post" action="/dashboard/password" {
                (csrf(session))
                label for="current" { "Current password" } input #current name="current" type="password" autocomplete="current-password" required;
                label for="new" { "New password" } input #new name="new" type="password" autocomplete="new-password" required;
                label for="confirm" { "New password again" } input #confirm name="confirm" type="password" autocomplete="new-password" required;
                button type="submit" { "Change password" }
            }
        },
    )
}

//! Server-rendered HTML (maud: every interpolation is escaped unless marked otherwise).
//!
//! Used only by `routes`. The one `PreEscaped` below wraps `render::body_html`, whose output
//! escapes all user text.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::render::CommentNode;

pub mod dashboard;

/// The "Leave a Reply" form with whatever the reader typed and what is wrong with it.
/// Field names are WordPress's, so a site's existing form posts here unchanged.
#[derive(Debug, Default)]
pub struct ReplyForm<'a> {
    pub thread: &'a str,
    pub parent: &'a str,
    pub author: &'a str,
    pub email: &'a str,
    pub url: &'a str,
    pub comment: &'a str,
    pub redirect_to: &'a str,
    /// The signed form token sent back with the form.
    pub token: &'a str,
    /// `(field, message)` with WordPress field names.
    pub errors: Vec<(&'static str, String)>,
    /// The reader's language (`i18n`); empty is English.
    pub lang: &'static str,
    /// Offer "Notify me of replies by email" (email can be sent).
    pub notify: bool,
    /// The reader ticked it.
    pub notify_checked: bool,
}

impl ReplyForm<'_> {
    /// Message `id` in the reader's language.
    fn t(&self, id: &str) -> String {
        crate::i18n::text(self.lang, id, &[])
    }

    fn errors_for(&self, field: &str) -> impl Iterator<Item = &str> {
        self.errors
            .iter()
            .filter(move |(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    fn invalid(&self, field: &str) -> bool {
        self.errors_for(field).next().is_some()
    }
}

/// A time as people read it: "3 minutes ago" within the last day, else "November 29, 2026
/// at 7:38 pm UTC" (the server cannot know the reader's zone; `embed.js` uses theirs), in
/// a `<time>` whose `datetime` and title hold the exact instant. In English, for the
/// dashboard.
pub fn readable_time(at: crate::domain::Timestamp) -> Markup {
    readable_time_in("en", at)
}

/// [`readable_time`] in the reader's language ("hace 3 minutos", "29 de noviembre de 2026,
/// 19:38 UTC").
pub fn readable_time_in(lang: &str, at: crate::domain::Timestamp) -> Markup {
    readable_time_at(lang, at, crate::domain::Timestamp::now())
}

fn readable_text(
    lang: &str,
    at: crate::domain::Timestamp,
    now: crate::domain::Timestamp,
) -> String {
    use crate::i18n::{count_text, text};
    let seconds = (now.0 - at.0) / 1000;
    match seconds {
        ..60 => text(lang, "time-just-now", &[]),
        60..3600 => count_text(lang, "time-minutes-ago", seconds / 60, &[]),
        3600..86_400 => count_text(lang, "time-hours-ago", seconds / 3600, &[]),
        _ => {
            let Ok(t) =
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at.0) * 1_000_000)
            else {
                return at.to_rfc3339();
            };
            let (hour12, pm) = match t.hour() {
                0 => (12, false),
                h @ 1..12 => (h, false),
                12 => (12, true),
                h => (h - 12, true),
            };
            let months = text(lang, "time-months", &[]);
            let month = months
                .split(',')
                .nth(usize::from(u8::from(t.month())) - 1)
                .map_or_else(|| t.month().to_string(), |m| m.trim().to_owned());
            text(
                lang,
                "time-date",
                &[
                    ("month", &month),
                    ("day", &t.day().to_string()),
                    ("year", &t.year().to_string()),
                    ("hour12", &hour12.to_string()),
                    ("hour24", &t.hour().to_string()),
                    ("minute", &format!("{:02}", t.minute())),
                    ("ampm", if pm { "pm" } else { "am" }),
                ],
            )
        }
    }
}

fn readable_time_at(
    lang: &str,
    at: crate::domain::Timestamp,
    now: crate::domain::Timestamp,
) -> Markup {
    let iso = at.to_rfc3339();
    html! { time datetime=(iso) title=(iso) { (readable_text(lang, at, now)) } }
}

fn layout(lang: &str, title: &str, body: Markup) -> Markup {
    let lang = if lang.is_empty() { "en" } else { lang };
    html! {
        (DOCTYPE)
        html lang=(lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href="/static/replyguard.css";
                // The comment section's own look, as the widget brings it to any site.
                link rel="stylesheet" href="/embed.css";
            }
            body { main { (body) } }
        }
    }
}

fn field(
    form: &ReplyForm<'_>,
    name: &'static str,
    label: &str,
    required: bool,
    input: Markup,
) -> Markup {
    html! {
        p.field.invalid[form.invalid(name)] {
            label for=(name) { (label) @if required { " " span.required aria-hidden="true" { "*" } } }
            (input)
            @for message in form.errors_for(name) {
                span.error id={ (name) "-error" } { (message) }
            }
        }
    }
}

/// The reply form itself, shared by the error page and the demo article.
pub fn reply_form(form: &ReplyForm<'_>) -> Markup {
    let described = |name: &str| form.invalid(name).then(|| format!("{name}-error"));
    html! {
        form #commentform method="post" action="/comments" novalidate {
            p.notes {
                (form.t("notes-before-mark")) " "
                span.required { "*" }
            }
            @if form.invalid("thread") || form.invalid("comment_parent") {
                ul.form-errors {
                    @for message in form.errors_for("thread").chain(form.errors_for("comment_parent")) {
                        li { (message) }
                    }
                }
            }
            (field(form, "comment", &form.t("field-comment"), true, html! {
                textarea #comment name="comment" rows="8" maxlength="65525" required
                    aria-invalid=[form.invalid("comment").then_some("true")]
                    aria-describedby=[described("comment")] { (form.comment) }
            }))
            (field(form, "author", &form.t("field-name"), true, html! {
                input #author name="author" type="text" value=(form.author) maxlength="245"
                    autocomplete="name" required
                    aria-invalid=[form.invalid("author").then_some("true")]
                    aria-describedby=[described("author")];
            }))
            (field(form, "email", &form.t("field-email"), true, html! {
                input #email name="email" type="email" value=(form.email) maxlength="100"
                    autocomplete="email" required
                    aria-invalid=[form.invalid("email").then_some("true")]
                    aria-describedby=[described("email")];
            }))
            (field(form, "url", &form.t("field-website"), false, html! {
                input #url name="url" type="url" value=(form.url) maxlength="200"
                    autocomplete="url"
                    aria-invalid=[form.invalid("url").then_some("true")]
                    aria-describedby=[described("url")];
            }))
            @if form.notify {
                p.comment-form-notify {
                    input #notify_replies name="notify_replies" type="checkbox" value="1"
                        checked[form.notify_checked];
                    " "
                    label for="notify_replies" { (form.t("notify-replies")) }
                }
            }
            // The honeypot: off-screen, out of the tab order and hidden from screen readers,
            // so only a program filling every field fills it.
            p.rg-hp aria-hidden="true" {
                label for="rg_hp" { "Leave this field empty" }
                input #rg_hp name="rg_hp" type="text" value="" tabindex="-1" autocomplete="off";
            }
            @if !form.token.is_empty() {
                input type="hidden" name="rg_token" value=(form.token);
            }
            input type="hidden" name="thread" value=(form.thread);
            input type="hidden" name="comment_parent" #comment_parent value=(form.parent);
            @if !form.redirect_to.is_empty() {
                input type="hidden" name="redirect_to" value=(form.redirect_to);
            }
            p.form-submit { button type="submit" { (form.t("post-comment")) } }
        }
    }
}

/// The page a browser gets when its form post was refused: the problems, then the form
/// filled with what was typed, so nothing is lost.
pub fn reply_error_page(form: &ReplyForm<'_>, problem: &str) -> Markup {
    layout(
        form.lang,
        &form.t("not-posted"),
        html! {
            h1 { (form.t("not-posted")) }
            p.lead { (problem) }
            @if !form.errors.is_empty() {
                ul.form-errors {
                    @for (field, message) in &form.errors { li data-field=(field) { (message) } }
                }
            }
            // The submitted thread is untrusted: link back only to a valid http(s) article.
            @if let Ok(thread) = crate::domain::ThreadUrl::parse(form.thread) {
                p { a href=(thread.as_ref()) { (form.t("back-to-article")) } }
            }
            section #replyguard {
                h2 #respond { (form.t("leave-reply")) }
                (reply_form(form))
            }
        },
    )
}

/// A page a link from an email leads to: what it does or did, and when it asks for a
/// deliberate press (a mail scanner opening links must not act for the reader), the button.
pub fn notice_page(lang: &str, title: &str, lead: &str, button: Option<(&str, &str)>) -> Markup {
    layout(
        lang,
        title,
        html! {
            h1 { (title) }
            p.lead role="status" { (lead) }
            @if let Some((action, label)) = button {
                form method="post" action=(action) {
                    p.form-submit { button type="submit" { (label) } }
                }
            }
        },
    )
}

/// Recurses once per level of replies: bounded by `render::MAX_REPLY_DEPTH`.
fn comment_list(nodes: &[CommentNode], reply_base: &str, form: &ReplyForm<'_>) -> Markup {
    html! {
        ol.comment-list {
            @for node in nodes {
                li.comment #{ "comment-" (node.id) } {
                    article {
                        header {
                            @if let Some(site) = &node.website {
                                // `bdi`: a name written right to left (or carrying old
                                // direction marks) cannot reorder the text around it.
                                a.author href=(site) rel="nofollow ugc noopener" { bdi { (node.author) } }
                            } @else {
                                span.author { bdi { (node.author) } }
                            }
                            " "
                            (readable_time_in(form.lang, node.created_at))
                        }
                        div.comment-body { (PreEscaped(&node.body_html)) }
                        a.reply href={ (reply_base) "?replytocom=" (node.id) "#respond" } { (form.t("reply")) }
                    }
                    @if !node.replies.is_empty() { (comment_list(&node.replies, reply_base, form)) }
                }
            }
        }
    }
}

/// The built-in demo article served in development, so the first README command shows the
/// whole loop (post, moderate, see it published) with no site of one's own.
pub fn demo_article(
    thread_url: &str,
    comments: &[CommentNode],
    count: usize,
    pending_notice: bool,
    form: &ReplyForm<'_>,
) -> Markup {
    layout(
        form.lang,
        &form.t("demo-title"),
        html! {
            article.post {
                h1 { (form.t("demo-title")) }
                p { (form.t("demo-intro")) }
                p { (form.t("demo-widget")) }
            }
            // The widget (`/embed.js`) replaces this section's contents when scripts run;
            // without them, the server-rendered list and the plain form work as they are.
            section #replyguard data-thread=(thread_url) {
                h2 {
                    @if count == 1 { (form.t("comments-one")) }
                    @else { (crate::i18n::text(form.lang, "comments-other", &[("count", &count.to_string())])) }
                }
                @if pending_notice {
                    p.notice role="status" { (form.t("awaiting")) }
                }
                (comment_list(comments, thread_url, form))
                h2 #respond { (form.t("leave-reply")) }
                (reply_form(form))
            }
            script src="/embed.js" defer {}
        },
    )
}

/// A small stylesheet for the pages above; served as a file so pages need no inline style.
pub const STYLESHEET: &str = "\
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1d2327;background:#f6f7f7}\
main{max-width:44rem;margin:2rem auto;padding:0 1rem}\
.field{display:flex;flex-direction:column;margin:0 0 1rem}\
.field label{font-weight:600}\
input,textarea{font:inherit;padding:.4rem;border:1px solid #8c8f94;border-radius:4px}\
.invalid input,.invalid textarea{border-color:#d63638}\
.error,.form-errors{color:#b32d2e}\
.required{color:#b32d2e}\
.notice{background:#fcf9e8;border-left:4px solid #dba617;padding:.5rem 1rem}\
button{font:inherit;padding:.5rem 1.2rem;background:#2271b1;color:#fff;border:0;border-radius:4px}\
.comment-list{list-style:none;padding-left:0}.comment-list .comment-list{padding-left:2rem}\
.comment article{background:#fff;padding:.75rem 1rem;margin:.5rem 0;border-radius:4px}\
.author{font-weight:600}time{color:#646970;font-size:.85em}\
.rg-hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}\
@media (prefers-color-scheme:dark){body{color:#f0f0f1;background:#101517}a{color:#72aee6}\
.comment article{background:#1d2327}time{color:#c3c4c7}.notice{background:#1d2327}\
.error,.form-errors,.required{color:#f86368}}\
";

#[cfg(test)]
mod tests {
    use super::readable_text;
    use crate::domain::Timestamp;

    #[test]
    fn times_read_as_people_say_them() {
        // 2026-11-29T19:38:00Z
        let at = Timestamp(1_795_981_080_000);
        let later = |s: i64| Timestamp(at.0 + s * 1000);
        assert_eq!(readable_text("en", at, later(5)), "just now");
        assert_eq!(readable_text("en", at, later(60)), "1 minute ago");
        assert_eq!(readable_text("en", at, later(180)), "3 minutes ago");
        assert_eq!(readable_text("en", at, later(7200)), "2 hours ago");
        assert_eq!(
            readable_text("en", at, later(2 * 86_400)),
            "November 29, 2026 at 7:38 pm UTC"
        );
        let midnight = Timestamp(1_795_910_400_000);
        assert_eq!(
            readable_text("en", midnight, later(9 * 86_400)),
            "November 29, 2026 at 12:00 am UTC"
        );
    }

    #[test]
    fn times_read_in_the_readers_language() {
        let at = Timestamp(1_795_981_080_000);
        let later = |s: i64| Timestamp(at.0 + s * 1000);
        let old = later(2 * 86_400);
        for (lang, one_minute, minutes, date) in [
            (
                "es",
                "hace 1 minuto",
                "hace 3 minutos",
                "29 de noviembre de 2026, 19:38 UTC",
            ),
            (
                "fr",
                "il y a 1 minute",
                "il y a 3 minutes",
                "29 novembre 2026 à 19:38 UTC",
            ),
            (
                "de",
                "vor 1 Minute",
                "vor 3 Minuten",
                "29. November 2026 um 19:38 UTC",
            ),
            (
                "pt",
                "há 1 minuto",
                "há 3 minutos",
                "29 de novembro de 2026, 19:38 UTC",
            ),
        ] {
            assert_eq!(readable_text(lang, at, later(60)), one_minute);
            assert_eq!(readable_text(lang, at, later(180)), minutes);
            assert_eq!(readable_text(lang, at, old), date);
        }
    }
}

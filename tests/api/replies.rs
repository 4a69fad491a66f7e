//! Readers told of replies (issue #28): the opt-in box, the double opt-in by a signed link,
//! one email per published reply with RFC 8058's one-click unsubscribe, nothing without
//! SMTP, and erasure ending it all; against the SMTP server the tests run.

use std::sync::mpsc;
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use crate::helpers::{ARTICLE, TestApp, spawn_app, spawn_app_with};
use crate::notify::{aiosmtpd_or_own_server, decoded, smtp_server};

const FROM: &str = "Replyguard <comments@news.example>";

/// One email as the SMTP server received it: envelope recipients, unfolded headers, and
/// the text with its transfer encoding undone.
struct Mail {
    to: Vec<String>,
    headers: String,
    text: String,
}

impl Mail {
    fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }

    /// The first link in the text that starts with `prefix`.
    fn link(&self, prefix: &str) -> String {
        self.text
            .split_whitespace()
            .find(|w| w.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} link in {}", self.text))
            .to_owned()
    }
}

fn next_mail(mail: &mpsc::Receiver<(Vec<String>, String)>, what: &str) -> Mail {
    let (to, data) = mail
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("no email: {what}"));
    let (head, body) = data.split_once("\r\n\r\n").expect("headers and body");
    let headers = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    let base64 = headers
        .to_ascii_lowercase()
        .contains("content-transfer-encoding: base64");
    let text = if base64 {
        let packed: String = body.split_whitespace().collect();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(packed)
                .expect("base64 body"),
        )
        .expect("utf-8 body")
    } else {
        decoded(body)
    };
    Mail { to, headers, text }
}

fn no_mail(mail: &mpsc::Receiver<(Vec<String>, String)>, why: &str) {
    if let Ok((to, data)) = mail.recv_timeout(Duration::from_secs(3)) {
        panic!("{why}, yet an email went to {to:?}:\n{data}");
    }
}

fn app_with_smtp(smtp: &str) -> TestApp {
    spawn_app_with(&[
        ("REPLYGUARD_SMTP_URL", smtp),
        ("REPLYGUARD_SMTP_FROM", FROM),
    ])
}

/// Posts a JSON comment on [`ARTICLE`] that asks to hear of replies, in `lang`; its id.
fn post_opting_in(app: &TestApp, author: &str, email: &str, body: &str, lang: &str) -> i64 {
    post_opting_in_on(app, ARTICLE, author, email, body, lang)
}

fn post_opting_in_on(
    app: &TestApp,
    thread: &str,
    author: &str,
    email: &str,
    body: &str,
    lang: &str,
) -> i64 {
    let response = app
        .client
        .post(app.url("/api/v1/comments"))
        .header("accept-language", lang)
        .json(&json!({
            "thread": thread, "author": author, "email": email, "body": body,
            "notify_replies": true,
        }))
        .send()
        .expect("POST /api/v1/comments");
    assert_eq!(response.status().as_u16(), 202);
    response.json::<Value>().expect("json")["id"]
        .as_i64()
        .unwrap()
}

/// The token of a link from an email, on this test's server.
fn token_of(link: &str) -> String {
    link.split("token=").nth(1).expect("token").to_owned()
}

fn page(app: &TestApp, method: &str, path: &str, token: &str) -> (u16, String) {
    let url = app.url(&format!("/notifications/{path}?token={token}"));
    let request = match method {
        "GET" => app.client.get(&url),
        _ => app
            .client
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click"),
    };
    let response = request.send().expect("notification page");
    let status = response.status().as_u16();
    (status, response.text().expect("page"))
}

#[test]
fn a_reply_is_emailed_only_after_confirmation_and_never_after_unsubscribing() {
    // A mail server that is not ours (aiosmtpd, in CI).
    let (smtp, mail, _aiosmtpd) = aiosmtpd_or_own_server();
    let app = app_with_smtp(&smtp);
    assert_eq!(app.public_comments(ARTICLE)["reply_notifications"], true);

    // Ana asks, in Spanish: the confirmation comes to her, in Spanish, with a signed link.
    let ana = post_opting_in(
        &app,
        "Ana",
        "ana.private@mail.example",
        "¿Alguien sabe cuándo abre la biblioteca nueva?",
        "es-ES,es;q=0.9",
    );
    let confirmation = next_mail(&mail, "the confirmation");
    assert_eq!(confirmation.to, ["ana.private@mail.example"]);
    assert!(
        confirmation.text.contains("48 horas") && confirmation.text.contains(ARTICLE),
        "{}",
        confirmation.text
    );
    assert!(confirmation.header("List-Unsubscribe").is_none());
    let confirm_link = confirmation.link(&app.url("/notifications/confirm?token="));

    // Until she confirms, a published reply sends nothing.
    app.approve(ana);
    let ben = app.submit(
        "Ben",
        "ben@mail.example",
        "Abre el lunes, según el ayuntamiento.",
        Some(ana),
    );
    app.approve(ben);
    no_mail(&mail, "Ana has not confirmed");

    // The link shows a button (a mail scanner opening it confirms nothing); a forged or
    // altered link is refused; the button confirms.
    let token = token_of(&confirm_link);
    let (status, html) = page(&app, "GET", "confirm", &token);
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<form method=\"post\""), "{html}");
    // The MAC's last digit changed (to one it is not).
    let last = if token.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &token[..token.len() - 1]);
    assert_eq!(page(&app, "GET", "confirm", &forged).0, 400);
    assert_eq!(page(&app, "POST", "confirm", &forged).0, 400);
    let (status, html) = page(&app, "POST", "confirm", &token);
    assert_eq!(status, 200, "{html}");

    // Now a published reply reaches her once: excerpt, link, one-click unsubscribe, and no
    // other commenter's address.
    let cara = app.submit(
        "Cara",
        "cara.private@mail.example",
        "La biblioteca abre a las nueve.",
        Some(ana),
    );
    no_mail(&mail, "Cara's reply is not published yet");
    app.approve(cara);
    let notice = next_mail(&mail, "the reply notification");
    assert_eq!(notice.to, ["ana.private@mail.example"]);
    assert!(
        notice.text.contains("Cara respondió a tu comentario")
            && notice.text.contains("La biblioteca abre a las nueve.")
            && notice
                .text
                .contains(&format!("{ARTICLE}#rg-comment-{cara}")),
        "{}",
        notice.text
    );
    assert!(!notice.text.contains("cara.private"), "{}", notice.text);
    assert!(
        !notice.headers.contains("cara.private"),
        "{}",
        notice.headers
    );
    let unsubscribe = notice.header("List-Unsubscribe").expect("List-Unsubscribe");
    assert_eq!(
        notice.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let unsubscribe = unsubscribe.trim_matches(['<', '>']).to_owned();
    assert!(
        unsubscribe.starts_with(&app.url("/notifications/unsubscribe?token=")),
        "{unsubscribe}"
    );
    assert!(notice.text.contains(&unsubscribe), "{}", notice.text);

    // Taken back and published again: still one email. Her own reply: none.
    assert_eq!(app.act(cara, "reject").status().as_u16(), 200);
    app.approve(cara);
    let own = app.submit(
        "Ana",
        "Ana.Private@mail.example",
        "Gracias a las dos.",
        Some(ana),
    );
    app.approve(own);
    no_mail(&mail, "a reply is told once, and never one's own");

    // One click (RFC 8058's POST, as a mail client sends it) ends it; a second is harmless.
    let token = token_of(&unsubscribe);
    assert_eq!(page(&app, "GET", "unsubscribe", &token).0, 200);
    let (status, html) = page(&app, "POST", "unsubscribe", &token);
    assert_eq!(status, 200, "{html}");
    assert_eq!(page(&app, "POST", "unsubscribe", &token).0, 200);
    let dan = app.submit("Dan", "dan@mail.example", "Y cierra a las ocho.", Some(ana));
    app.approve(dan);
    no_mail(&mail, "Ana unsubscribed");
    // The old confirmation link cannot bring it back.
    assert_eq!(
        page(&app, "POST", "confirm", &token_of(&confirm_link)).0,
        410
    );
}

#[test]
fn the_box_is_offered_only_with_smtp_and_erasure_ends_the_subscription() {
    // Without SMTP: no box, and asking changes nothing.
    let quiet = spawn_app();
    assert_eq!(quiet.public_comments(ARTICLE)["reply_notifications"], false);
    let demo = quiet
        .client
        .get(quiet.url("/"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(!demo.contains("notify_replies"), "no box without SMTP");
    post_opting_in(
        &quiet,
        "Eve",
        "eve@mail.example",
        "No mail server here.",
        "en",
    );
    let (ok, out, err) = quiet.cli(&["privacy", "export", "eve@mail.example"]);
    assert!(ok, "{err}");
    let export: Value = serde_json::from_str(&out).expect("export JSON");
    assert_eq!(
        export["reply_subscriptions"],
        json!([]),
        "nothing recorded: {export}"
    );
    let wrong = quiet.post_comment_json(&json!({
        "thread": ARTICLE, "author": "Eve", "email": "eve@mail.example",
        "body": "Typed wrong.", "notify_replies": "yes",
    }));
    assert_eq!(wrong.status().as_u16(), 422);
    let errors = wrong.json::<Value>().unwrap();
    assert!(errors["fields"]["notify_replies"].is_array(), "{errors}");

    // With SMTP, the plain form offers the box and its tick opts in.
    let (smtp, mail) = smtp_server();
    let app = app_with_smtp(&smtp);
    let demo = app.client.get(app.url("/")).send().unwrap().text().unwrap();
    assert!(
        demo.contains("name=\"notify_replies\"") && demo.contains("Notify me of replies by email"),
        "{demo}"
    );
    let field = |name: &str| {
        demo.split(&format!("name=\"{name}\" value=\""))
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_default()
            .to_owned()
    };
    let (thread, token) = (field("thread"), field("rg_token"));
    let response = app.post_comment_form(&[
        ("thread", thread.as_str()),
        ("author", "Fay"),
        ("email", "fay@mail.example"),
        ("comment", "When does the new library open?"),
        ("rg_token", token.as_str()),
        ("notify_replies", "1"),
    ]);
    assert!(response.status().is_success() || response.status().is_redirection());
    let confirmation = next_mail(&mail, "the form's confirmation");
    assert_eq!(confirmation.to, ["fay@mail.example"]);
    assert!(
        confirmation
            .header("Subject")
            .is_some_and(|s| s.starts_with("Please confirm")),
        "{}",
        confirmation.headers
    );
    let link = confirmation.link(&app.url("/notifications/confirm?token="));
    assert_eq!(page(&app, "POST", "confirm", &token_of(&link)).0, 200);

    // Another opt-in on the same site sends no second confirmation; a reply to it is told.
    let fay = post_opting_in_on(
        &app,
        &thread,
        "Fay",
        "fay@mail.example",
        "And on Sundays?",
        "en",
    );
    no_mail(&mail, "Fay confirmed already");
    app.approve(fay);
    let reply = |body: &str| {
        let response = app.post_comment_json(&json!({
            "thread": thread, "parent": fay, "author": "Gus",
            "email": "gus@mail.example", "body": body,
        }));
        assert_eq!(response.status().as_u16(), 202);
        let id = response.json::<Value>().unwrap()["id"].as_i64().unwrap();
        app.approve(id);
    };
    reply("On Sundays it opens at ten.");
    let notice = next_mail(&mail, "the reply to the second comment");
    assert_eq!(notice.to, ["fay@mail.example"]);
    assert!(
        notice
            .header("Subject")
            .is_some_and(|s| s.starts_with("Gus replied to your comment")),
        "{}",
        notice.headers
    );

    // Her export lists the subscription: the site, confirmed, two comments watched.
    let (ok, out, err) = app.cli(&["privacy", "export", "fay@mail.example"]);
    assert!(ok, "{err}");
    let export: Value = serde_json::from_str(&out).expect("export JSON");
    let subscriptions = export["reply_subscriptions"].as_array().expect("listed");
    assert_eq!(subscriptions.len(), 1, "{export}");
    assert_eq!(subscriptions[0]["site"], app.url("").trim_end_matches('/'));
    assert!(subscriptions[0]["confirmed_at"].is_string(), "{export}");
    assert_eq!(subscriptions[0]["watched_comments"], 2);

    // Erased, she is told nothing more.
    let (ok, _, err) = app.cli(&["privacy", "erase", "fay@mail.example"]);
    assert!(ok, "{err}");
    let (_, out, _) = app.cli(&["privacy", "export", "fay@mail.example"]);
    let export: Value = serde_json::from_str(&out).expect("export JSON");
    assert_eq!(export["reply_subscriptions"], json!([]), "{export}");
    reply("And closes at two.");
    no_mail(&mail, "Fay was erased");
    // Her subscription went with her: opting in again starts over with a confirmation.
    post_opting_in_on(
        &app,
        &thread,
        "Fay",
        "fay@mail.example",
        "Back again.",
        "en",
    );
    assert_eq!(
        next_mail(&mail, "a new confirmation after erasure").to,
        ["fay@mail.example"]
    );
}

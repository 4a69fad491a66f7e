//! Bot signals, form tokens and the block and hold lists (issue #9), through the real form,
//! JSON API and dashboard.

use reqwest::blocking::Response;
use serde_json::{Value, json};

use crate::helpers::{
    ARTICLE, MODERATOR, PASSWORD, TestApp, csrf_in, dashboard_session, spawn_app_with,
};

/// The demo article's form token (the demo article is `ARTICLE`'s origin's page).
fn demo_form(app: &TestApp) -> (String, String) {
    let html = app
        .client
        .get(app.url("/"))
        .send()
        .expect("demo page")
        .text()
        .expect("html");
    let field = |name: &str| {
        html.split(&format!("name=\"{name}\" value=\""))
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(html.contains("name=\"rg_hp\""), "the form has a honeypot");
    (field("thread"), field("rg_token"))
}

fn detail(app: &TestApp, id: i64) -> Value {
    app.moderation_get(&format!("/comments/{id}"))
        .json::<Value>()
        .expect("json")
}

/// Posts the form and returns the new comment's id (the newest in the moderation API).
fn post_form(app: &TestApp, fields: &[(&str, &str)]) -> i64 {
    let response = app.post_comment_form(fields);
    assert_eq!(response.status().as_u16(), 303, "form refused");
    newest_id(app)
}

fn newest_id(app: &TestApp) -> i64 {
    let mut ids = Vec::new();
    for status in ["pending", "spam"] {
        let page: Value = app
            .moderation_get(&format!("/comments?status={status}"))
            .json()
            .expect("json");
        ids.extend(
            page["comments"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["id"].as_i64()),
        );
    }
    ids.into_iter().max().expect("a comment")
}

fn signals(comment: &Value) -> Vec<String> {
    comment["signals"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

const LIMITS_ON_NO_DELAY: &[(&str, &str)] = &[
    ("REPLYGUARD_LIMITS", "on"),
    ("REPLYGUARD_FORM_MIN_SECS", "0"),
    ("REPLYGUARD_FLOOD_SECS", "0"),
    ("REPLYGUARD_RATE_BURST", "100"),
    ("REPLYGUARD_RATE_PER_HOUR", "1000"),
];

#[test]
fn form_tokens_are_single_use_and_bound_to_their_article_and_the_honeypot_is_a_reason() {
    let app = spawn_app_with(LIMITS_ON_NO_DELAY);
    let (thread, token) = demo_form(&app);
    assert!(!token.is_empty(), "the demo form carries a token");
    let form = |author: &str, body: &str, token: &str, honeypot: &str| {
        post_form(
            &app,
            &[
                ("thread", thread.as_str()),
                ("author", author),
                ("email", "reader@mail.example"),
                ("comment", body),
                ("rg_token", token),
                ("rg_hp", honeypot),
            ],
        )
    };
    let honest = form("Ann", "A fair point about the budget.", &token, "");
    let c = detail(&app, honest);
    assert_eq!(c["status"], "pending");
    assert!(signals(&c).is_empty(), "{c}");

    let replay = form("Ann", "The same token, again.", &token, "");
    let c = detail(&app, replay);
    assert_eq!(c["status"], "spam", "{c}");
    assert_eq!(signals(&c), ["form token already used"]);

    let (_, fresh) = demo_form(&app);
    let potted = form("Bot", "I fill in every field.", &fresh, "http://x.example");
    let c = detail(&app, potted);
    assert_eq!(c["status"], "spam");
    assert_eq!(signals(&c), ["hidden honeypot field filled in"]);

    let mut forged = fresh.clone();
    forged.replace_range(0..1, if fresh.starts_with('1') { "2" } else { "1" });
    let c = detail(&app, form("Bot", "A token of my own making.", &forged, ""));
    assert_eq!(c["status"], "spam");
    assert_eq!(signals(&c), ["form token not issued for this article"]);

    // A site's own static form carries no token: noted, and left to a person.
    let c = detail(&app, form("Cy", "No token at all here.", "", ""));
    assert_eq!(c["status"], "pending");
    assert_eq!(signals(&c), ["no form token"]);

    // A token issued for another article is forged as far as this one is concerned.
    let other: Value = app
        .client
        .get(app.url("/api/v1/form-token"))
        .query(&[("thread", format!("{thread}other/"))])
        .send()
        .expect("token")
        .json()
        .expect("json");
    assert_eq!(other["token_field"], "rg_token");
    assert_eq!(other["honeypot_field"], "rg_hp");
    let c = detail(
        &app,
        form(
            "Dee",
            "Borrowed token.",
            other["token"].as_str().unwrap(),
            "",
        ),
    );
    assert_eq!(signals(&c), ["form token not issued for this article"]);

    // The JSON API takes the same token and honeypot as members.
    let (_, json_token) = demo_form(&app);
    let response = app.post_comment_json(&json!({
        "thread": thread, "author": "Eve", "email": "eve@mail.example",
        "body": "Posted by the widget.", "form_token": json_token, "honeypot": "",
    }));
    assert_eq!(response.status().as_u16(), 202);
    let id = response.json::<Value>().expect("json")["id"]
        .as_i64()
        .unwrap();
    assert!(signals(&detail(&app, id)).is_empty());
}

/// Posts the demo form the moment its page is served; the new comment's status.
fn status_of_an_instant_post(env: &[(&str, &str)]) -> (Value, TestApp) {
    let app = spawn_app_with(env);
    let (thread, token) = demo_form(&app);
    let id = post_form(
        &app,
        &[
            ("thread", thread.as_str()),
            ("author", "Quick"),
            ("email", "quick@mail.example"),
            ("comment", "Posted the instant the page loaded."),
            ("rg_token", token.as_str()),
        ],
    );
    (detail(&app, id), app)
}

#[test]
fn a_form_sent_faster_than_a_person_types_is_spam_with_the_reason() {
    let limits = [
        ("REPLYGUARD_LIMITS", "on"),
        ("REPLYGUARD_FORM_MIN_SECS", "30"),
    ];
    let (c, _app) = status_of_an_instant_post(&limits);
    assert_eq!(c["status"], "spam");
    // The post is instant, but a slow machine may cross a second boundary:
    // any count well under the 30 s floor is the finding.
    let signal = signals(&c)[0].clone();
    let secs: u64 = signal
        .strip_prefix("sent ")
        .and_then(|rest| rest.strip_suffix(" s after the form was served"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected signal: {c}"));
    assert!(secs < 30, "{c}");
    // With the policy at hold, the same finding only keeps it for a person.
    let (c, _app) =
        status_of_an_instant_post(&[limits[0], limits[1], ("REPLYGUARD_BOT_POLICY", "hold")]);
    assert_eq!(c["status"], "pending");
}

fn dash_post(app: &TestApp, cookie: &str, fields: &[(&str, &str)]) -> Response {
    app.client
        .post(app.url("/dashboard/rules"))
        .header("cookie", format!("rg_session={cookie}"))
        .form(fields)
        .send()
        .expect("POST /dashboard/rules")
}

#[test]
fn block_and_hold_lists_are_managed_in_the_dashboard_and_applied_to_the_next_comment() {
    let app = spawn_app_with(&[]);
    let cookie = dashboard_session(&app, MODERATOR, PASSWORD);
    let page = |cookie: &str| {
        app.client
            .get(app.url("/dashboard/rules"))
            .header("cookie", format!("rg_session={cookie}"))
            .send()
            .expect("rules page")
            .text()
            .expect("html")
    };
    let csrf = csrf_in(&page(&cookie));
    for (list, kind, value) in [
        ("block", "word", "Casino Bonus"),
        ("block", "email", "Pest@Mail.example"),
        ("block", "host", "spam-shop.example"),
        ("hold", "domain", "newsroom.example"),
        ("hold", "network", "127.0.0.0/8"),
    ] {
        let r = dash_post(
            &app,
            &cookie,
            &[
                ("csrf", &csrf),
                ("op", "add"),
                ("list", list),
                ("kind", kind),
                ("value", value),
            ],
        );
        assert_eq!(r.status().as_u16(), 303);
        assert!(
            r.headers()["location"]
                .to_str()
                .unwrap()
                .ends_with("done=added"),
            "{list} {kind} {value}"
        );
    }
    let bad = dash_post(
        &app,
        &cookie,
        &[
            ("csrf", &csrf),
            ("op", "add"),
            ("list", "block"),
            ("kind", "network"),
            ("value", "10.0.0.0/99"),
        ],
    );
    assert!(
        bad.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("error=invalid")
    );
    let without_csrf = dash_post(
        &app,
        &cookie,
        &[
            ("op", "add"),
            ("list", "block"),
            ("kind", "word"),
            ("value", "x"),
        ],
    );
    assert_eq!(without_csrf.status().as_u16(), 403);

    let html = page(&cookie);
    assert!(
        html.contains("casino bonus") && html.contains("p…@mail.example"),
        "{html}"
    );
    assert!(
        !html.contains("pest@mail.example"),
        "the address itself is not kept"
    );

    let submit = |author: &str, email: &str, body: &str| {
        let r = app.post_comment_json(&json!({
            "thread": ARTICLE, "author": author, "email": email, "body": body,
        }));
        assert_eq!(r.status().as_u16(), 202);
        detail(&app, r.json::<Value>().unwrap()["id"].as_i64().unwrap())
    };
    let c = submit("Al", "al@mail.example", "Get your CASINO bonus today");
    assert_eq!(c["status"], "spam");
    assert!(
        signals(&c).contains(&"block list: word casino bonus".to_owned()),
        "{c}"
    );
    let c = submit("Pest", "pest@MAIL.example", "Hello again");
    assert_eq!(c["status"], "spam");
    assert!(
        signals(&c).contains(&"block list: email p…@mail.example".to_owned()),
        "{c}"
    );
    let c = submit(
        "Bo",
        "bo@mail.example",
        "See https://deals.spam-shop.example/x and www.other.example",
    );
    assert_eq!(c["status"], "spam");
    let s = signals(&c);
    assert!(
        s.contains(&"2 links".to_owned())
            && s.contains(&"block list: host spam-shop.example".to_owned()),
        "{c}"
    );
    // The test client talks from 127.0.0.1: on the hold list, it stays pending with the reason.
    let c = submit("Cy", "cy@desk.newsroom.example", "An ordinary remark.");
    assert_eq!(c["status"], "pending");
    let s = signals(&c);
    assert!(
        s.contains(&"hold list: domain newsroom.example".to_owned()),
        "{c}"
    );
    assert!(
        s.contains(&"hold list: network 127.0.0.0/8".to_owned()),
        "{c}"
    );

    // Removing a rule takes effect at once.
    let id = html
        .split("name=\"op\" value=\"delete\"")
        .nth(1)
        .and_then(|s| s.split("name=\"id\" value=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .expect("a rule id")
        .to_owned();
    let r = dash_post(
        &app,
        &cookie,
        &[("csrf", &csrf), ("op", "delete"), ("id", &id)],
    );
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("done=deleted")
    );
    assert_eq!(page(&cookie).matches("value=\"delete\"").count(), 4);
}

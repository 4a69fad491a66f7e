//! Moderators side by side on the dashboard (issue #26): each site's settings on the Sites
//! page, an article closed and opened by its button, a site's own removal reasons, queue
//! health, and decisions streamed to the other open dashboards as they happen.

use std::io::{BufRead, BufReader};
use std::time::Duration;

use serde_json::{Value, json};

use crate::hardening::url_encode;
use crate::helpers::{
    ARTICLE, MODERATOR, PASSWORD, SITE, TestApp, csrf_in, dashboard_session, spawn_app,
};

use crate::helpers::dashboard_page as page;

fn post_form(app: &TestApp, cookie: &str, path: &str, fields: &[(&str, &str)]) -> String {
    let response = app
        .client
        .post(app.url(path))
        .header("cookie", format!("rg_session={cookie}"))
        .form(fields)
        .send()
        .expect("post");
    assert_eq!(response.status().as_u16(), 303, "{path}");
    response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

fn submit(app: &TestApp, author: &str, body: &str) -> reqwest::blocking::Response {
    app.post_comment_json(&json!({
        "thread": ARTICLE, "author": author,
        "email": format!("{}@mail.example", author.to_lowercase()), "body": body,
    }))
}

#[test]
fn the_sites_page_and_the_article_view_set_the_policy_a_submission_meets() {
    let app = spawn_app();
    crate::helpers::add_chief(&app, true);
    // A moderator sees the settings; only an administrator changes them.
    let editor = dashboard_session(&app, MODERATOR, PASSWORD);
    let sites = page(&app, &editor, "/dashboard/sites");
    assert!(
        sites.contains(SITE) && sites.contains("Only administrators"),
        "{sites}"
    );
    let refused = app
        .client
        .post(app.url("/dashboard/sites"))
        .header("cookie", format!("rg_session={editor}"))
        .form(&[
            ("csrf", csrf_in(&sites).as_str()),
            ("origin", SITE),
            ("moderation", "postmoderate"),
        ])
        .send()
        .expect("post");
    assert_eq!(refused.status().as_u16(), 403);
    let cookie = dashboard_session(&app, "chief", "another long password");
    let sites = page(&app, &cookie, "/dashboard/sites");
    assert!(
        sites.contains(SITE) && sites.contains("Pre-moderate"),
        "{sites}"
    );
    let csrf = csrf_in(&sites);
    // The Sites form: postmoderate, two reports hide a comment, these removal reasons.
    let save_site = |removal_reasons: &str| {
        post_form(
            &app,
            &cookie,
            "/dashboard/sites",
            &[
                ("csrf", &csrf),
                ("origin", SITE),
                ("moderation", "postmoderate"),
                ("trust_after", "1"),
                ("close_after_days", "0"),
                ("auto_hide_reports", "2"),
                ("removal_reasons", removal_reasons),
            ],
        )
    };
    let saved = save_site("spam, rude, off topic");
    assert!(saved.ends_with("done=saved"), "{saved}");
    let answer: Value = submit(
        &app,
        "Nia",
        "Thanks for the story, I think the library should stay open on weekends.",
    )
    .json()
    .expect("json");
    assert_eq!(answer["status"], "approved", "{answer}");
    let id = answer["id"].as_i64().expect("id");
    let invalid = save_site("");
    assert!(invalid.ends_with("done=invalid"), "{invalid}");

    // The site's own removal reasons: one it keeps is logged, one it does not is refused.
    let decide = |reason: &str| {
        app.decide_as(
            MODERATOR,
            PASSWORD,
            id,
            &json!({"action": "reject", "reason": reason}),
        )
    };
    let refused = decide("abuse");
    assert_eq!(refused.status().as_u16(), 422);
    let body: Value = refused.json().expect("json");
    assert!(
        body["fields"]["reason"][0]
            .as_str()
            .is_some_and(|m| m.contains("rude")),
        "the answer lists the site's reasons: {body}"
    );
    assert_eq!(decide("rude").status().as_u16(), 200);
    let history = page(&app, &cookie, &format!("/dashboard/comments/{id}"));
    assert!(
        history.contains("<td><bdi>rude</bdi></td>"),
        "the reason is in the comment's history: {history}"
    );
    assert!(history.contains("Reject with this reason"));
    let (ok, csv, err) = app.cli(&["export", "decisions", "--since", "2020-01-01"]);
    assert!(ok, "{err}");
    assert!(csv.contains("rude"), "{csv}");

    // The article view closes and opens the article.
    let article = page(
        &app,
        &cookie,
        &format!("/dashboard/article?url={}", url_encode(ARTICLE)),
    );
    assert!(article.contains("Close comments"), "{article}");
    let closed = post_form(
        &app,
        &cookie,
        "/dashboard/article",
        &[
            ("csrf", &csrf_in(&article)),
            ("url", ARTICLE),
            ("op", "close"),
        ],
    );
    assert!(closed.contains("done=closed"), "{closed}");
    let refused = submit(&app, "Oto", "Too late?");
    assert_eq!(refused.status().as_u16(), 403);
    let article = page(&app, &cookie, &closed);
    assert!(article.contains("Open comments") && article.contains("closed by hand"));
    post_form(
        &app,
        &cookie,
        "/dashboard/article",
        &[
            ("csrf", &csrf_in(&article)),
            ("url", ARTICLE),
            ("op", "mode"),
            ("moderation", "premoderate"),
        ],
    );
    post_form(
        &app,
        &cookie,
        "/dashboard/article",
        &[
            ("csrf", &csrf_in(&article)),
            ("url", ARTICLE),
            ("op", "open"),
        ],
    );
    let answer: Value = submit(&app, "Oto", "Open again, and pre-moderated here.")
        .json()
        .expect("json");
    assert_eq!(
        answer["status"], "pending",
        "the article's own mode: {answer}"
    );
}

#[test]
fn a_decision_reaches_the_other_dashboards_and_the_queue_shows_its_health() {
    let app = spawn_app();
    crate::helpers::add_chief(&app, false);
    let first = submit(&app, "Pia", "Waiting the longest.")
        .json::<Value>()
        .expect("json")["id"]
        .as_i64()
        .expect("id");
    let second = submit(&app, "Quin", "Waiting too.")
        .json::<Value>()
        .expect("json")["id"]
        .as_i64()
        .expect("id");
    let cookie = dashboard_session(&app, MODERATOR, PASSWORD);
    let queue = page(&app, &cookie, "/dashboard");
    assert!(
        queue.contains("Oldest waiting") && queue.contains("Most waiting"),
        "{queue}"
    );
    assert!(
        queue.contains(&format!("{ARTICLE}</bdi></a> (2)")),
        "{queue}"
    );

    // The editor's dashboard listens; the chief decides through the API.
    let listener = app
        .client
        .get(app.url("/dashboard/events"))
        .header("cookie", format!("rg_session={cookie}"))
        .timeout(Duration::from_secs(20))
        .send()
        .expect("events");
    assert_eq!(listener.status().as_u16(), 200);
    assert!(
        listener.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let decided = app.decide_as(
        "chief",
        "another long password",
        first,
        &json!({"action": "approve", "expected_status": "pending"}),
    );
    assert_eq!(decided.status().as_u16(), 200);
    let mut lines = BufReader::new(listener).lines();
    let data = loop {
        let line = lines
            .next()
            .expect("the stream stays open")
            .expect("a line");
        if let Some(data) = line.strip_prefix("data: ") {
            break data.to_owned();
        }
    };
    let event: Value = serde_json::from_str(&data).expect("json event");
    assert_eq!(
        event,
        json!({"id": first, "status": "approved", "moderator": "chief"})
    );

    // The queue says who decided what lately, and a decision from a stale page is skipped.
    let queue = page(&app, &cookie, "/dashboard");
    assert!(queue.contains("Decided in the last 10 minutes") && queue.contains("chief"));
    let stale = post_form(
        &app,
        &cookie,
        "/dashboard/act",
        &[
            ("csrf", &csrf_in(&queue)),
            ("action", "reject"),
            ("ids", &first.to_string()),
            ("ids", &second.to_string()),
            ("expected", "pending"),
            ("back", "/dashboard"),
        ],
    );
    assert!(
        stale.contains("reject%3A1%3A1"),
        "one rejected, one skipped: {stale}"
    );
    assert_eq!(
        app.status_of(first),
        "approved",
        "the chief's decision stands"
    );
    assert_eq!(app.status_of(second), "rejected");
}

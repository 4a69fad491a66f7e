//! The Akismet-compatible API (issue #10), driven by two real Akismet clients from npm
//! (`@cedx/akismet` and `akismet-api`) and by raw HTTP for the key placements they do not
//! cover.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::helpers::{SITE, TestApp, add_rule, spawn_app, spawn_app_with};

const BLOG: &str = "https://news.example/";

fn site_key(app: &TestApp, rotate: bool) -> String {
    let mut args = vec!["site", "key", SITE];
    if rotate {
        args.push("--rotate");
    }
    let (ok, out, err) = app.cli(&args);
    assert!(ok, "{err}");
    out.trim().to_owned()
}

fn post(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::blocking::Response {
    app.client
        .post(app.url(path))
        .form(fields)
        .send()
        .expect("akismet call")
}

/// The npm clients' folder, installed (`npm ci` in `.ci/run`), or `None` with a note.
fn npm_clients() -> Option<&'static Path> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/akismet"));
    let installed = dir.join("node_modules/@cedx/akismet").is_dir()
        && dir.join("node_modules/akismet-api").is_dir();
    if installed && Command::new("node").arg("--version").output().is_ok() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("REPLYGUARD_REQUIRE_NPM").is_none(),
        "the npm Akismet clients are required: run `npm ci --prefix tests/akismet`"
    );
    eprintln!(
        "skipped: node or the npm Akismet clients are missing (npm ci --prefix tests/akismet)"
    );
    None
}

#[test]
fn real_akismet_clients_verify_check_and_send_feedback() {
    let Some(dir) = npm_clients() else {
        return;
    };
    let app = spawn_app();
    let key = site_key(&app, false);
    assert_eq!(
        key,
        site_key(&app, false),
        "the key is stable until rotated"
    );
    let output = Command::new("node")
        .arg("clients.mjs")
        .current_dir(dir)
        .env("BASE", &app.address)
        .env("KEY", &key)
        .env("BLOG", BLOG)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let r: Value = serde_json::from_str(stdout.trim()).expect("json from the clients");

    assert_eq!(r["cedx_verify_valid"], true, "{r}");
    assert_eq!(r["cedx_verify_invalid"], false, "{r}");
    assert_eq!(r["cedx_check_ham"], "ham", "{r}");
    assert_eq!(
        r["cedx_check_guaranteed_spam"], "pervasiveSpam",
        "discard on blatant spam: {r}"
    );
    // Spam and discard from the filter itself, not from a test value or a honeypot.
    assert_eq!(
        r["cedx_check_filter_spam"], "pervasiveSpam",
        "the filter's own verdict, past the discard threshold: {r}"
    );
    assert_eq!(r["api_check_filter_spam"], true, "{r}");
    assert_eq!(r["cedx_check_administrator"], "ham", "{r}");
    assert_eq!(r["cedx_submit_spam"], "ok", "{r}");
    assert_eq!(r["cedx_submit_ham"], "ok", "{r}");
    assert_eq!(r["api_verify_valid"], true, "{r}");
    assert_eq!(r["api_verify_invalid"], false, "{r}");
    assert_eq!(r["api_check_ham"], false, "{r}");
    assert_eq!(r["api_check_test_spam"], true, "{r}");
    assert_eq!(r["api_check_honeypot"], true, "{r}");
    assert_eq!(
        r["api_check_invalid_key"]["error"], "Invalid API key",
        "{r}"
    );
    assert_eq!(r["api_check_is_test"], false, "{r}");
    assert_eq!(r["api_submit_spam"], "ok", "{r}");
    assert_eq!(r["api_submit_ham"], "ok", "{r}");

    // Feedback became training labels from the source `akismet`; checks stored nothing
    // (the site keeps its own queue unless it asks).
    let (ok, labels, _) = app.cli(&["export", "labels"]);
    assert!(ok);
    let labels: Vec<Value> = labels
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let akismet: Vec<(&str, &str)> = labels
        .iter()
        .filter(|l| l["source"] == "akismet")
        .map(|l| (l["label"].as_str().unwrap(), l["body"].as_str().unwrap()))
        .collect();
    assert_eq!(akismet.len(), 4, "{labels:?}");
    assert!(
        akismet.contains(&("spam", "Replica watches at low prices")),
        "{akismet:?}"
    );
    assert!(
        akismet.contains(&("ham", "The photos of the river were lovely")),
        "{akismet:?}"
    );
    assert_eq!(
        app.pending_total(),
        0,
        "comment-checks are not filed by default"
    );
}

#[test]
fn keys_work_from_every_place_clients_put_them_and_rotate() {
    let app = spawn_app();
    let key = site_key(&app, false);
    let check = [
        ("blog", BLOG),
        ("user_ip", "198.51.100.7"),
        ("comment_author", "Ann"),
        ("comment_author_email", "ann@mail.example"),
        ("comment_content", "A calm remark about the weather."),
        ("permalink", "https://news.example/story/"),
    ];
    // Query string.
    let r = app
        .client
        .post(app.url(&format!("/1.1/comment-check?api_key={key}")))
        .form(&check)
        .send()
        .unwrap();
    assert_eq!(r.text().unwrap(), "false");
    // JSON body with `key`.
    let mut json: serde_json::Map<String, Value> = check
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
        .collect();
    json.insert("key".into(), Value::from(key.clone()));
    let r = app
        .client
        .post(app.url("/1.1/comment-check"))
        .json(&json)
        .send()
        .unwrap();
    assert_eq!(r.text().unwrap(), "false");
    // HTTP Basic user name.
    let r = app
        .client
        .post(app.url("/1.1/comment-check"))
        .basic_auth(&key, Some(""))
        .form(&check)
        .send()
        .unwrap();
    assert_eq!(r.text().unwrap(), "false");
    // Missing user_ip: Akismet's message, in the body and the debug header.
    let r = post(
        &app,
        "/1.1/comment-check",
        &[("api_key", &key), ("blog", BLOG)],
    );
    assert!(r.headers().contains_key("x-akismet-debug-help"));
    assert_eq!(r.text().unwrap(), "Missing required field: user_ip.");
    // A blog of another site is not this key's.
    let r = post(
        &app,
        "/1.1/verify-key",
        &[("key", &key), ("blog", "https://elsewhere.example/")],
    );
    assert_eq!(r.text().unwrap(), "invalid");
    // Usage.
    let usage: Value = app
        .client
        .get(app.url(&format!("/1.2/usage-limit?api_key={key}")))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(usage["usage"], 3, "{usage}");
    assert_eq!(usage["limit"], "none");
    let sites: Value = app
        .client
        .get(app.url(&format!("/1.2/key-sites?api_key={key}")))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(sites["total"], 1, "{sites}");

    // Filing checks in the queue, when the site asks for it.
    let (ok, _, err) = app.cli(&["site", "store-checked", SITE, "on"]);
    assert!(ok, "{err}");
    let mut fields = check.to_vec();
    fields.push(("api_key", &key));
    assert_eq!(
        post(&app, "/1.1/comment-check", &fields).text().unwrap(),
        "false"
    );
    assert_eq!(app.pending_total(), 1);
    fields.push(("is_test", "1"));
    assert_eq!(
        post(&app, "/1.1/comment-check", &fields).text().unwrap(),
        "false"
    );
    assert_eq!(app.pending_total(), 1, "a test call stores nothing");

    // Rotation: the old key stops working at once.
    let new_key = site_key(&app, true);
    assert_ne!(new_key, key);
    let old = post(&app, "/1.1/verify-key", &[("key", &key), ("blog", BLOG)]);
    assert_eq!(
        old.headers()["x-akismet-debug-help"],
        "We were unable to verify your API key."
    );
    assert_eq!(old.text().unwrap(), "invalid");
    let new = post(
        &app,
        "/1.1/verify-key",
        &[("key", &new_key), ("blog", BLOG)],
    );
    assert!(!new.headers().contains_key("x-akismet-debug-help"));
    assert_eq!(new.text().unwrap(), "valid");
}

/// One path for every comment (issue #24): comment-check goes through the same submission
/// use case as the JSON API, so a block-listed word is spam there too, filed with the
/// block list's reason, and a filed check reaches the webhook like any other comment.
#[test]
fn comment_check_takes_the_submission_path_block_lists_and_webhook_included() {
    let (hook_url, hooks) = crate::notify::webhook_receiver(0);
    let app = spawn_app_with(&[("REPLYGUARD_NOTIFY_WEBHOOK", hook_url.as_str())]);
    add_rule(&app, "block", "word", "Casino Bonus");
    let key = site_key(&app, false);
    let (ok, _, err) = app.cli(&["site", "store-checked", SITE, "on"]);
    assert!(ok, "{err}");

    let check = |author: &str, content: &str| {
        post(
            &app,
            "/1.1/comment-check",
            &[
                ("api_key", key.as_str()),
                ("blog", BLOG),
                ("permalink", "https://news.example/2026/tram-plan"),
                ("user_ip", "203.0.113.9"),
                ("comment_author", author),
                ("comment_author_email", "reader@mail.example"),
                ("comment_content", content),
            ],
        )
        .text()
        .expect("answer")
    };
    // The block list speaks through comment-check as it does through /api/v1/comments.
    assert_eq!(check("Al", "Get your CASINO bonus today"), "true");
    let spam: Value = app
        .moderation_get("/comments?status=spam")
        .json()
        .expect("json");
    let filed = &spam["comments"][0];
    let id = filed["id"].as_i64().expect("filed as spam");
    let detail: Value = app
        .moderation_get(&format!("/comments/{id}"))
        .json()
        .expect("json");
    assert_eq!(detail["status"], "spam", "{detail}");
    assert!(
        detail["signals"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s == "block list: word casino bonus")),
        "{detail}"
    );
    // A civil comment is answered false, filed pending, and sent to the webhook.
    assert_eq!(check("Bea", "A calm remark about the tram plan."), "false");
    let mut seen = Vec::new();
    while let Ok(hook) = hooks.recv_timeout(std::time::Duration::from_secs(20)) {
        let event: Value = serde_json::from_slice(&hook.body).expect("json event");
        let done = event["author"] == "Bea";
        seen.push(event);
        if done {
            break;
        }
    }
    assert!(
        seen.iter()
            .any(|e| e["author"] == "Bea" && e["event"] == "comment.pending"),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|e| e["author"] == "Al"),
        "a check filed as spam is announced like any other comment: {seen:?}"
    );
}

//! A filter per site (issue #27): one site's labels shape only its own layer, so a flood of
//! an app's feedback through one site's Akismet key changes nothing for another site,
//! feedback that contradicts the filter is held back rather than learnt, and one key's
//! feedback is capped per hour.

use serde_json::Value;

use crate::helpers::{SITE, TestApp, spawn_app};

const OTHER: &str = "https://other.example";

fn key(app: &TestApp, origin: &str) -> String {
    let (ok, out, err) = app.cli(&["site", "key", origin]);
    assert!(ok, "{err}");
    out.trim().to_owned()
}

fn spam(i: usize) -> String {
    let offers = [
        "cheap watches",
        "free followers",
        "crypto signals",
        "diet pills",
        "casino bonus",
    ];
    format!(
        "BUY {} NOW!!! best price online, click http://deals{}.example/offer?id={i} win $$$ free money",
        offers[i % offers.len()],
        i % 7
    )
}

fn akismet(app: &TestApp, call: &str, key: &str, origin: &str, author: &str, text: &str) -> String {
    app.client
        .post(app.url(&format!("/1.1/{call}")))
        .form(&[
            ("api_key", key),
            ("blog", &format!("{origin}/")),
            ("permalink", &format!("{origin}/2026/offers")),
            ("user_ip", "203.0.113.40"),
            ("comment_author", author),
            ("comment_author_email", "buyer@mail.example"),
            ("comment_content", text),
        ])
        .send()
        .expect("akismet call")
        .text()
        .expect("answer")
}

fn caught(app: &TestApp, key: &str, origin: &str) -> usize {
    (0..150)
        .filter(|&i| akismet(app, "comment-check", key, origin, "Sam", &spam(i)) == "true")
        .count()
}

#[test]
fn a_flood_of_contradicting_feedback_through_one_key_moves_no_other_site() {
    let app = spawn_app();
    let (ok, _, err) = app.cli(&["site", "add", OTHER, "--name", "Other"]);
    assert!(ok, "{err}");
    let (a, b) = (key(&app, SITE), key(&app, OTHER));
    let (before_a, before_b) = (caught(&app, &a, SITE), caught(&app, &b, OTHER));
    assert!(
        before_a > 100,
        "the base catches the spam: {before_a} of 150"
    );

    // An attacker holding site A's key calls its spam ham, 520 times: past 500 in an hour
    // the calls are answered but nothing more is kept.
    let hour = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            / 3600
    };
    let started = hour();
    for i in 0..520 {
        let text = format!("{} ({i})", spam(i));
        assert_eq!(
            akismet(&app, "submit-ham", &a, SITE, "Sam", &text),
            "Thanks for making the web a better place."
        );
    }
    let (ok, labels, err) = app.cli(&["export", "labels"]);
    assert!(ok, "{err}");
    let kept = labels.lines().filter(|l| l.contains("\"akismet\"")).count();
    if hour() == started {
        assert_eq!(kept, 500, "one key's feedback is capped per hour");
    }
    let response = app.retrain(false);
    assert_eq!(response.status().as_u16(), 200);
    let outcome: Value = response.json().expect("json");

    let (after_a, after_b) = (caught(&app, &a, SITE), caught(&app, &b, OTHER));
    assert_eq!(after_b, before_b, "site B's scores did not move: {outcome}");
    assert!(
        after_a * 10 >= before_a * 9,
        "site A still catches its spam: {after_a} of {before_a}: {outcome}"
    );
    let checks = outcome["report"]["sites"]
        .as_array()
        .expect("per-site checks");
    let site_a = checks
        .iter()
        .find(|c| c["site"] == SITE)
        .expect("site A's layer was considered");
    assert!(
        site_a["held_back"].as_u64().unwrap_or(0) >= 375,
        "the contradicting feedback is held for a moderator: {site_a}"
    );
    assert!(
        checks.iter().all(|c| c["site"] != OTHER),
        "site B has no labels, so no layer: {outcome}"
    );

    // The model list names site A's layer; site B is scored by the base.
    let (ok, listed, err) = app.cli(&["model", "list", "--site", OTHER]);
    assert!(ok, "{err}");
    assert!(listed.contains("no layer: scored by the base"), "{listed}");
}

//! A commenter's personal data (issue #9): addresses kept as a network and a keyed hash,
//! cleared after the retention period; `privacy export` and `privacy erase`.

use serde_json::{Value, json};

use crate::helpers::{ARTICLE, spawn_app_with};

fn database_bytes(app: &crate::helpers::TestApp) -> Vec<u8> {
    crate::helpers::database_bytes(app.data_dir.path())
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn addresses_are_stored_as_a_network_and_a_keyed_hash_and_purged_after_retention() {
    let app = spawn_app_with(&[
        ("REPLYGUARD_TRUSTED_PROXIES", "127.0.0.1"),
        ("REPLYGUARD_RETENTION_DAYS", "0"),
    ]);
    let response = app
        .client
        .post(app.url("/api/v1/comments"))
        .header("x-forwarded-for", "203.0.113.77")
        .header("user-agent", "PrivacyTestBrowser/1.0")
        .json(&json!({
            "thread": ARTICLE, "author": "Ann", "email": "ann@mail.example",
            "body": "Where is my address kept?",
        }))
        .send()
        .expect("post");
    assert_eq!(response.status().as_u16(), 202);
    let id = response.json::<Value>().expect("json")["id"]
        .as_i64()
        .unwrap();
    let detail: Value = app
        .moderation_get(&format!("/comments/{id}"))
        .json()
        .expect("json");
    assert_eq!(detail["client_ip"], "203.0.113.0/24", "{detail}");
    assert!(
        !contains(&database_bytes(&app), "203.0.113.77"),
        "the whole address is stored nowhere"
    );

    let (ok, out, err) = app.cli(&["privacy", "purge", "--retention-days", "0"]);
    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).expect("json");
    assert!(report["expired"].as_u64().unwrap() >= 1, "{out}");
    let detail: Value = app
        .moderation_get(&format!("/comments/{id}"))
        .json()
        .expect("json");
    assert_eq!(detail["client_ip"], Value::Null, "{detail}");
    assert_eq!(detail["user_agent"], Value::Null, "{detail}");
    assert_eq!(detail["referrer"], Value::Null, "{detail}");
}

/// The service's own hourly step purges, not only the CLI: a comment sent with a referrer
/// loses its address, user agent and referrer once the retention (0 days here) passes,
/// with no command run.
#[test]
fn the_hourly_purge_runs_in_the_service_itself() {
    let mut app = spawn_app_with(&[
        ("REPLYGUARD_TRUSTED_PROXIES", "127.0.0.1"),
        ("REPLYGUARD_RETENTION_DAYS", "0"),
    ]);
    let response = app
        .client
        .post(app.url("/api/v1/comments"))
        .header("x-forwarded-for", "203.0.113.78")
        .header("user-agent", "PurgeTestBrowser/1.0")
        .header("referer", "https://news.example/2026/from-here?utm=1")
        .json(&json!({
            "thread": ARTICLE, "author": "Ann", "email": "ann@mail.example",
            "body": "Kept only as long as needed.",
        }))
        .send()
        .expect("post");
    assert_eq!(response.status().as_u16(), 202);
    let id = response.json::<Value>().expect("json")["id"]
        .as_i64()
        .unwrap();
    let detail = |app: &crate::helpers::TestApp| -> Value {
        app.moderation_get(&format!("/comments/{id}"))
            .json()
            .expect("json")
    };
    assert!(detail(&app)["referrer"].is_string(), "{}", detail(&app));
    // The hourly task runs its first step as the service starts, then every hour: a
    // restart makes that step come now, with no command run.
    app.crash_and_restart();
    let purged = (0..60).any(|_| {
        let d = detail(&app);
        if d["referrer"].is_null() && d["user_agent"].is_null() && d["client_ip"].is_null() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
        false
    });
    assert!(purged, "{}", detail(&app));
}

#[test]
fn a_person_is_exported_whole_and_erased_everywhere_with_a_log_entry() {
    let app = spawn_app_with(&[]);
    let email = "Private.Person@mail.example";
    let first = app.submit("Pat Private", email, "My first words on this.", None);
    let second = app.submit(
        "Pat Private",
        "private.person@MAIL.example",
        "And more words.",
        None,
    );
    let other = app.submit("Someone Else", "else@mail.example", "Not Pat.", None);
    app.approve(first);
    let r = app.act(second, "spam");
    assert_eq!(r.status().as_u16(), 200);

    let (ok, out, err) = app.cli(&["privacy", "export", email]);
    assert!(ok, "{err}");
    let export: Value = serde_json::from_str(&out).expect("json");
    let comments = export["comments"].as_array().expect("comments");
    assert_eq!(comments.len(), 2, "{out}");
    assert_eq!(comments[0]["body"], "My first words on this.");
    assert!(comments[0]["log"].as_array().is_some_and(|l| !l.is_empty()));

    let (ok, out, err) = app.cli(&["privacy", "erase", email]);
    assert!(ok, "{err}");
    assert!(out.contains("\"erased_comments\":2"), "{out}");

    let listing = app.public_comments(ARTICLE).to_string();
    assert!(
        !listing.contains("Pat Private") && !listing.contains("My first words"),
        "{listing}"
    );
    assert!(
        listing.contains("[deleted]"),
        "the reply structure stays: {listing}"
    );
    let detail: Value = app
        .moderation_get(&format!("/comments/{second}"))
        .json()
        .expect("json");
    assert_eq!(detail["email"], "");
    let actions: Vec<&str> = detail["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions.last(), Some(&"erase"), "{detail}");
    let (ok, labels, _) = app.cli(&["export", "labels"]);
    assert!(ok);
    assert!(
        !labels.contains("words") && !labels.contains("Pat"),
        "{labels}"
    );
    // Nothing erased is left in the database's files: both bodies, the name, the email in
    // either spelling.
    let bytes = database_bytes(&app);
    for erased in [
        "My first words on this.",
        "And more words.",
        "Pat Private",
        "private.person@mail.example",
        "Private.Person@mail.example",
        "private.person@MAIL.example",
    ] {
        assert!(
            !contains(&bytes, erased),
            "{erased:?} is still in the database"
        );
    }
    // Someone else is untouched, and a second export finds nothing left.
    let untouched: Value = app
        .moderation_get(&format!("/comments/{other}"))
        .json()
        .expect("json");
    assert_eq!(untouched["author"], "Someone Else");
    let (_, out, _) = app.cli(&["privacy", "export", email]);
    let export: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(export["comments"].as_array().map(Vec::len), Some(0));
}

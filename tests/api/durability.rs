use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::{ARTICLE, spawn_app};

#[test]
fn every_acknowledged_comment_survives_a_crash() {
    // Arrange: four clients post concurrently.
    let mut app = spawn_app();
    let acknowledged: BTreeSet<i64> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|w| {
                let app = &app;
                s.spawn(move || {
                    (0..15)
                        .map(|i| {
                            app.submit(
                                &format!("w{w}"),
                                "w@example.com",
                                &format!("post {w}-{i}"),
                                None,
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    assert_eq!(acknowledged.len(), 60);

    // Act: SIGKILL, no graceful shutdown, then start again on the same data directory.
    app.crash_and_restart();

    // Assert
    let page: Value = app
        .moderation_get("/comments?status=pending&per_page=200")
        .json()
        .expect("json");
    let stored: BTreeSet<i64> = page["comments"]
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect();
    assert!(
        acknowledged.is_subset(&stored),
        "lost: {:?}",
        acknowledged.difference(&stored).collect::<Vec<_>>()
    );
}

#[test]
fn a_commenters_email_appears_in_no_public_response_and_no_log_line() {
    let mut app = spawn_app();
    let email = "unique.reader.7f3a@private-mail.example";
    let root = app.submit("Reader", email, "A public comment", None);
    app.approve(root);
    let form = app.post_comment_form(&[
        ("author", "Reader"),
        ("email", email),
        ("comment", "A reply from the form"),
        ("comment_parent", &root.to_string()),
        ("thread", ARTICLE),
    ]);
    assert_eq!(form.status().as_u16(), 303);
    let reply: i64 = form.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit_once("#comment-")
        .unwrap()
        .1
        .parse()
        .unwrap();
    app.approve(reply);
    // A rejected submission by someone else, and a refused moderation call.
    let refused = app
        .post_comment_json(&json!({"thread": ARTICLE, "author": "", "email": "bad", "body": "x"}));
    assert_eq!(refused.status().as_u16(), 422);
    let refused_body = refused.text().expect("text");
    let unauthenticated = app
        .client
        .get(app.url(&format!("/api/v1/moderation/comments/{root}")))
        .send()
        .expect("send")
        .text()
        .expect("text");

    let listing = app.public_comments(ARTICLE).to_string();
    let demo = app
        .client
        .get(app.url("/"))
        .send()
        .expect("demo")
        .text()
        .expect("text");

    assert!(
        listing.contains("A reply from the form"),
        "the listing is the real one"
    );
    for (what, text) in [
        ("listing", &listing),
        ("demo page", &demo),
        ("422 body", &refused_body),
        ("401 body", &unauthenticated),
    ] {
        assert!(!text.contains(email), "{what} leaks the email");
        assert!(
            !text.contains("private-mail"),
            "{what} leaks the email domain"
        );
    }
    let logs = app.stop_and_collect_logs();
    assert!(
        logs.iter().any(|l| l.contains("comment stored")),
        "the log was captured"
    );
    for line in &logs {
        assert!(
            !line.contains(email) && !line.contains("private-mail"),
            "log line leaks the email: {line}"
        );
        assert!(
            !line.contains("A public comment"),
            "log line leaks comment text: {line}"
        );
    }
}

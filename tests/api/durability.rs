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
    let accepted = app.post_comment_json(&json!({
        "thread": ARTICLE, "author": "Reader", "email": email, "body": "A public comment",
    }));
    assert_eq!(accepted.status().as_u16(), 202);
    let accepted_body = accepted.text().expect("202 body");
    let root = serde_json::from_str::<Value>(&accepted_body).expect("json")["id"]
        .as_i64()
        .expect("id");
    app.approve(root);
    let form = app.post_comment_form(&[
        ("author", "Reader"),
        ("email", email),
        ("comment", "A reply from the form"),
        ("comment_parent", &root.to_string()),
        ("thread", ARTICLE),
    ]);
    assert_eq!(form.status().as_u16(), 303);
    let location = form.headers()["location"].to_str().unwrap().to_owned();
    let form_body = form.text().expect("303 body");
    let reply: i64 = location
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
    // Every public response about the article that holds the comment: the answers to its
    // submissions, the redirect, the listing (whole, and revalidated by its ETag).
    let etag = app
        .client
        .get(app.url(&format!(
            "/api/v1/comments?thread={}",
            url::form_urlencoded::byte_serialize(ARTICLE.as_bytes()).collect::<String>()
        )))
        .send()
        .expect("listing")
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    let revalidated = app
        .client
        .get(app.url(&format!(
            "/api/v1/comments?thread={}",
            url::form_urlencoded::byte_serialize(ARTICLE.as_bytes()).collect::<String>()
        )))
        .header("if-none-match", etag)
        .send()
        .expect("listing")
        .text()
        .expect("text");
    for (what, text) in [
        ("202 body", &accepted_body),
        ("303 Location", &location),
        ("303 body", &form_body),
        ("listing", &listing),
        ("revalidated listing", &revalidated),
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

/// Sync before answer, proved from the system calls: SIGKILL alone keeps the page cache, so
/// a crash test passes without any fsync. Under `strace`, each comment's `202` is written
/// only after an `fdatasync` (or `fsync`) that completed since the previous `202`.
#[test]
fn every_acknowledgement_follows_an_fdatasync() {
    use std::io::BufRead as _;
    if crate::helpers::on_postgres() {
        // The server's own fsync is PostgreSQL's: its commit returns after it.
        return;
    }
    let strace = std::process::Command::new("strace").arg("-V").output();
    if strace.is_err() {
        assert!(
            std::env::var_os("REPLYGUARD_REQUIRE_STRACE").is_none(),
            "REPLYGUARD_REQUIRE_STRACE is set but strace is missing"
        );
        eprintln!("skipped: install strace to check sync-before-answer");
        return;
    }
    let data = tempfile::tempdir().expect("data dir");
    let (ok, _, err) = crate::helpers::cli(
        data.path(),
        &["site", "add", crate::helpers::SITE, "--name", "News"],
        "",
    );
    assert!(ok, "{err}");
    let trace = data.path().join("trace.txt");
    let mut server = std::process::Command::new("strace")
        .args(["-f", "-s", "48", "-o"])
        .arg(&trace)
        .args([
            "-e",
            "trace=fdatasync,fsync,write,writev,sendto,sendmsg",
            "--",
            crate::helpers::binary(),
            "serve",
            "--bind",
            "127.0.0.1:0",
        ])
        .env("REPLYGUARD_DATA_DIR", data.path())
        .env("REPLYGUARD_MODEL", crate::helpers::fixture_model())
        .env("REPLYGUARD_LIMITS", "off")
        .env("REPLYGUARD_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("strace serve");
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let base = line
        .trim()
        .strip_prefix("replyguard listening on ")
        .expect("address")
        .to_owned();
    let client = reqwest::blocking::Client::new();
    for i in 0..20 {
        let status = client
            .post(format!("{base}/api/v1/comments"))
            .json(
                &json!({"thread": ARTICLE, "author": "Ann", "email": "ann@mail.example",
                          "body": format!("Synced before answered, number {i}.")}),
            )
            .send()
            .expect("post")
            .status()
            .as_u16();
        assert_eq!(status, 202);
    }
    let _ = server.kill();
    let _ = server.wait();
    let trace = std::fs::read_to_string(&trace).expect("trace");
    let mut synced = false;
    let mut answers = 0;
    for line in trace.lines() {
        let completed_sync = (line.contains("fdatasync(") || line.contains("fsync("))
            && !line.contains("<unfinished")
            && line.trim_end().ends_with("= 0")
            || (line.contains("fdatasync resumed>") || line.contains("fsync resumed>"))
                && line.trim_end().ends_with("= 0");
        if completed_sync {
            synced = true;
        } else if line.contains("HTTP/1.1 202") {
            assert!(
                synced,
                "a 202 was written with no sync since the last: {line}"
            );
            synced = false;
            answers += 1;
        }
    }
    assert_eq!(answers, 20, "every answer was seen in the trace");
}

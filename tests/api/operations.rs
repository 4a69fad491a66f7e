//! Running the service (issue #9): an orderly stop on SIGTERM, readiness, metrics for the
//! local network only, online backups, and crashes under load that lose nothing
//! acknowledged and never duplicate a retried submission.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use reqwest::blocking::Client;
use serde_json::Value;

use crate::helpers::{ARTICLE, TestApp, post_with_key as post, spawn_app, spawn_app_with};

/// Every comment id in `status`, through the moderation API, page by page.
fn all_ids(app: &TestApp, status: &str) -> BTreeMap<i64, String> {
    let mut ids = BTreeMap::new();
    for page in 1.. {
        let listing: Value = app
            .moderation_get(&format!(
                "/comments?status={status}&per_page=200&page={page}"
            ))
            .json()
            .expect("json");
        let comments = listing["comments"].as_array().expect("array");
        if comments.is_empty() {
            break;
        }
        for c in comments {
            ids.insert(
                c["id"].as_i64().expect("id"),
                c["body"].as_str().unwrap_or_default().to_owned(),
            );
        }
    }
    ids
}

#[test]
fn kill_nine_under_load_loses_no_acknowledged_comment_and_retries_never_duplicate() {
    let mut app = spawn_app();
    let client = Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let mut acknowledged: BTreeMap<String, i64> = BTreeMap::new();
    let mut unanswered: Vec<String> = Vec::new();
    for round in 0..3 {
        let base = app.address.clone();
        let results: Vec<(String, Option<i64>)> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4)
                .map(|w| {
                    let (client, base) = (&client, base.as_str());
                    s.spawn(move || {
                        let mut done = Vec::new();
                        for i in 0..400 {
                            let key = format!("r{round}-w{w}-{i}");
                            let id = post(client, base, &key);
                            let stop = id.is_none();
                            done.push((key, id));
                            if stop {
                                break;
                            }
                        }
                        done
                    })
                })
                .collect();
            // Kill while the workers are mid-flight.
            std::thread::sleep(Duration::from_millis(400 + 150 * round));
            app.kill_without_restart();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("worker"))
                .collect()
        });
        for (key, id) in results {
            match id {
                Some(id) => {
                    acknowledged.insert(key, id);
                }
                None => unanswered.push(key),
            }
        }
        app.start_again();
    }
    assert!(
        acknowledged.len() > 20,
        "the load ran: {}",
        acknowledged.len()
    );

    // A client whose request went unanswered retries with the same key.
    for key in &unanswered {
        let id = post(&client, &app.address, key).expect("the retry is answered");
        acknowledged.insert(key.clone(), id);
    }
    // Retrying an acknowledged one returns the same comment.
    let (key, id) = acknowledged.iter().next().expect("one");
    assert_eq!(post(&client, &app.address, key), Some(*id));

    let stored = all_ids(&app, "pending");
    let lost: Vec<_> = acknowledged
        .values()
        .filter(|id| !stored.contains_key(id))
        .collect();
    assert!(lost.is_empty(), "lost acknowledged comments: {lost:?}");
    let mut bodies = BTreeSet::new();
    for body in stored.values() {
        assert!(bodies.insert(body.clone()), "stored twice: {body}");
    }
    assert_eq!(stored.len(), acknowledged.len(), "one comment per key");
}

#[test]
fn sigterm_finishes_requests_in_flight_and_exits_zero() {
    use std::io::{Read as _, Write as _};
    let mut app = spawn_app_with(&[("REPLYGUARD_DRAIN_SECS", "3")]);
    // One request surely in flight when the signal comes: its headers and half its body
    // are sent before, the rest after. It must be answered 202, not dropped.
    let address = app.address.trim_start_matches("http://").to_owned();
    let body = serde_json::json!({
        "thread": ARTICLE, "author": "Slow", "email": "slow@mail.example",
        "body": "Sent across the stop signal, and answered all the same.",
    })
    .to_string();
    let (head, tail) = body.split_at(body.len() / 2);
    let mut in_flight = std::net::TcpStream::connect(&address).expect("connect");
    write!(
        in_flight,
        "POST /api/v1/comments HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{head}",
        body.len()
    )
    .expect("first half");
    std::thread::sleep(Duration::from_millis(200));
    let server_pid = app.pid();
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &server_pid.to_string()])
        .status()
        .expect("kill");
    assert!(signalled.success());
    // Draining: still serving, and telling load balancers to go elsewhere.
    let draining = (0..20).find_map(|_| {
        let r = Client::new().get(app.url("/readyz")).send().ok()?;
        if r.status().as_u16() == 503 {
            return r.json::<Value>().ok();
        }
        std::thread::sleep(Duration::from_millis(50));
        None
    });
    assert_eq!(
        draining.expect("/readyz answered 503 while draining")["status"],
        "draining"
    );
    in_flight.write_all(tail.as_bytes()).expect("second half");
    let mut answer = String::new();
    in_flight
        .read_to_string(&mut answer)
        .expect("the in-flight request's answer");
    assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
    let slow_id = answer
        .split("\"id\":")
        .nth(1)
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|s| s.parse::<i64>().ok())
        .expect("the stored id");
    let status = app.wait_for_exit();
    assert!(status.success(), "exit status {status:?}");
    app.start_again();
    assert!(
        all_ids(&app, "pending").contains_key(&slow_id),
        "the in-flight comment was stored"
    );
    drop(app);

    let mut app = spawn_app();
    let ready = app.client.get(app.url("/readyz")).send().expect("readyz");
    assert_eq!(ready.status().as_u16(), 200);
    assert_eq!(ready.json::<Value>().expect("json")["status"], "ready");
    let client = Client::new();
    let base = app.address.clone();
    let (acknowledged, status) = std::thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|w| {
                let (client, base) = (&client, base.as_str());
                s.spawn(move || {
                    (0..2000)
                        .map_while(|i| post(client, base, &format!("t-{w}-{i}")))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(500));
        let status = app.terminate();
        let acknowledged: Vec<i64> = workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect();
        (acknowledged, status)
    });
    assert!(status.success(), "exit status {status:?}");
    if !crate::helpers::on_postgres() {
        let wal = app.data_dir.path().join("replyguard.sqlite3-wal");
        let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        assert_eq!(
            wal_len, 0,
            "the log was folded into the database on the way out"
        );
    }
    assert!(
        app.logs().iter().any(|l| l.contains("stopped cleanly")),
        "a clean stop is logged"
    );
    app.start_again();
    let stored = all_ids(&app, "pending");
    assert!(!acknowledged.is_empty());
    assert!(acknowledged.iter().all(|id| stored.contains_key(id)));
}

#[test]
fn metrics_answer_loopback_and_the_allowed_ranges_only() {
    let app = spawn_app_with(&[
        ("REPLYGUARD_TRUSTED_PROXIES", "127.0.0.1"),
        ("REPLYGUARD_METRICS_ALLOW", "198.51.100.0/24"),
    ]);
    app.submit("Ann", "ann@mail.example", "A fine article.", None);
    let from = |forwarded: Option<&str>| {
        let mut request = app.client.get(app.url("/metrics"));
        if let Some(ip) = forwarded {
            request = request.header("x-forwarded-for", ip);
        }
        request.send().expect("metrics")
    };
    let local = from(None);
    assert_eq!(local.status().as_u16(), 200);
    assert!(
        local.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = local.text().expect("text");
    assert!(
        text.contains("replyguard_submissions_total{outcome=\"pending\"} 1\n"),
        "{text}"
    );
    assert!(text.contains("replyguard_queue_pending 1\n"), "{text}");
    // The one pending comment's age, in seconds: present, and not absurd.
    let oldest: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("replyguard_queue_oldest_pending_seconds "))
        .and_then(|v| v.trim().parse().ok())
        .expect("the oldest pending comment's age");
    assert!((0.0..3600.0).contains(&oldest), "{oldest}");
    assert!(
        text.contains("replyguard_writer_batch_size_count "),
        "{text}"
    );
    assert!(
        text.contains("replyguard_commit_seconds_bucket{le=\"+Inf\"}"),
        "{text}"
    );
    assert!(
        text.contains("replyguard_scoring_seconds_count 1\n"),
        "{text}"
    );
    assert_eq!(from(Some("203.0.113.7")).status().as_u16(), 404);
    assert_eq!(from(Some("198.51.100.20")).status().as_u16(), 200);
}

#[test]
fn an_online_backup_restores_to_a_working_service() {
    let app = spawn_app();
    if crate::helpers::on_postgres() {
        // The server's own tools back PostgreSQL up; the command says so and writes nothing.
        let target = app.data_dir.path().join("backups").join("tonight");
        let (ok, _, err) = app.cli(&["backup", target.to_str().unwrap()]);
        assert!(!ok && err.contains("pg_dump"), "{err}");
        assert!(!target.exists());
        return;
    }
    let before: Vec<i64> = (0..20)
        .map(|i| {
            app.submit(
                "Ann",
                "ann@mail.example",
                &format!("before the backup {i}"),
                None,
            )
        })
        .collect();
    app.approve(before[0]);
    let target = app.data_dir.path().join("backups").join("tonight");
    // Submissions keep arriving while the backup runs.
    let (report, during) = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            (0..50)
                .map(|i| app.submit("Bob", "bob@mail.example", &format!("during {i}"), None))
                .count()
        });
        let (ok, out, err) = app.cli(&["backup", target.to_str().unwrap()]);
        assert!(ok, "{err}");
        (out, writer.join().expect("writer"))
    });
    assert_eq!(during, 50);
    let report: Value = serde_json::from_str(&report).expect("json report");
    assert_eq!(report["secret_key"], true);
    let (ok, _, err) = app.cli(&["backup", target.to_str().unwrap()]);
    assert!(!ok && err.contains("not empty"), "{err}");

    // Restore: a new data directory holding the backup's files.
    let (mut restored, address) = app.start_on(&target);
    let listing = app.public_comments_at(&address, ARTICLE);
    assert_eq!(listing["count"], 1, "the approved comment is there");
    let pending: Value = app
        .client
        .get(format!(
            "{address}/api/v1/moderation/comments?status=pending&per_page=200"
        ))
        .basic_auth(crate::helpers::MODERATOR, Some(crate::helpers::PASSWORD))
        .send()
        .expect("pending")
        .json()
        .expect("json");
    let total = pending["total"].as_u64().expect("total");
    assert!((19..=69).contains(&total), "{total}");
    // Every comment acknowledged before the backup began is in it, each one by its id.
    for id in &before {
        let found = app
            .client
            .get(format!("{address}/api/v1/moderation/comments/{id}"))
            .basic_auth(crate::helpers::MODERATOR, Some(crate::helpers::PASSWORD))
            .send()
            .expect("detail");
        assert_eq!(
            found.status().as_u16(),
            200,
            "comment {id} is in the backup"
        );
    }
    restored.kill().ok();
    restored.wait().ok();
}

//! Several instances on one PostgreSQL database (issue #12): what one instance does, the
//! others see; one retraining run at a time; a crash of one loses nothing it acknowledged;
//! a SQLite site moves over whole. These need the suite to run on PostgreSQL
//! (`REPLYGUARD_TEST_POSTGRES`, as `.ci/run` sets it); `REPLYGUARD_REQUIRE_POSTGRES` makes
//! their absence a failure.

use std::collections::BTreeSet;
use std::process::Child;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};

use crate::helpers::{
    ARTICLE, MODERATOR, PASSWORD, TestApp, dashboard_session, run_on, spawn_app_on_sqlite,
    spawn_app_with,
};

/// The secret every instance of a site shares (form tokens, hashed addresses).
const SHARED_SECRET: &str = "a shared secret of at least thirty-two characters";

/// The advisory lock key a retraining run holds (`store/postgres/models.rs`).
const RETRAIN_LOCK: i64 = 0x0072_6774_7261_696e;

fn postgres_available() -> bool {
    crate::helpers::postgres_or_skip()
}

/// Instance A (the app) and instance B on A's database.
struct Pair {
    a: TestApp,
    b: Child,
    b_url: String,
    _b_dir: tempfile::TempDir,
}

impl Drop for Pair {
    fn drop(&mut self) {
        self.b.kill().ok();
        self.b.wait().ok();
    }
}

fn pair(extra: &[(&str, &str)]) -> Pair {
    let mut env = vec![
        ("REPLYGUARD_SECRET", SHARED_SECRET),
        // Longer than `wait_until` waits: another instance swaps models on the notification.
        ("REPLYGUARD_MODEL_POLL_SECS", "30"),
    ];
    env.extend_from_slice(extra);
    let a = spawn_app_with(&env);
    let (b, b_url, b_dir) = a.another_instance();
    Pair {
        a,
        b,
        b_url,
        _b_dir: b_dir,
    }
}

fn get_json(client: &Client, url: &str) -> Value {
    client
        .get(url)
        .basic_auth(MODERATOR, Some(PASSWORD))
        .send()
        .expect("GET")
        .json()
        .expect("json")
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !ok() {
        assert!(Instant::now() < deadline, "never: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_comment_posted_on_one_instance_is_approved_on_another_and_public_on_both() {
    if !postgres_available() {
        return;
    }
    let p = pair(&[]);
    let id =
        p.a.submit("Ann", "ann@mail.example", "Posted through A.", None);
    let approved =
        p.a.client
            .post(format!("{}/api/v1/moderation/comments/{id}", p.b_url))
            .basic_auth(MODERATOR, Some(PASSWORD))
            .json(&json!({"action": "approve"}))
            .send()
            .expect("approve on B");
    assert_eq!(approved.status().as_u16(), 200);
    let on_a = p.a.public_comments(ARTICLE);
    assert_eq!(on_a["count"], 1, "{on_a}");
    assert_eq!(on_a["comments"][0]["id"], id);

    // A moderator signed in through A is signed in through B, and signing out on B ends
    // the session on A.
    let session = dashboard_session(&p.a, MODERATOR, PASSWORD);
    let page = |base: &str| {
        p.a.client
            .get(format!("{base}/dashboard"))
            .header("cookie", format!("rg_session={session}"))
            .send()
            .expect("dashboard")
    };
    assert_eq!(page(&p.a.address).status().as_u16(), 200);
    let on_b = page(&p.b_url);
    assert_eq!(on_b.status().as_u16(), 200, "the session is shared");
    let csrf = crate::helpers::csrf_in(&on_b.text().expect("html"));
    let out =
        p.a.client
            .post(format!("{}/dashboard/logout", p.b_url))
            .header("cookie", format!("rg_session={session}"))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .expect("sign out on B");
    assert_eq!(out.status().as_u16(), 303);
    assert_eq!(
        page(&p.a.address).status().as_u16(),
        303,
        "signed out on A too"
    );
}

#[test]
fn a_model_retrained_on_one_instance_scores_on_the_other_and_runs_are_one_at_a_time() {
    if !postgres_available() {
        return;
    }
    let p = pair(&[]);
    let spam: Vec<i64> = (0..6)
        .map(|i| {
            p.a.submit(
                "Promo",
                "promo@mail.example",
                &format!("Claim the crypto bonus {i} at my profile"),
                None,
            )
        })
        .collect();
    let ham: Vec<i64> = (0..6)
        .map(|i| {
            p.a.submit(
                "Neighbour",
                "n@mail.example",
                &format!("The council's budget vote {i} deserves a follow-up"),
                None,
            )
        })
        .collect();
    for id in &spam {
        assert_eq!(p.a.act(*id, "spam").status().as_u16(), 200);
    }
    for id in &ham {
        assert_eq!(p.a.act(*id, "approve").status().as_u16(), 200);
    }

    // While another instance holds the retraining lock, a run is refused as busy.
    let url = p.a.database_url().expect("database");
    let (hold, release) = std::sync::mpsc::channel::<()>();
    let (held, is_held) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        run_on(&url, |client| async move {
            client
                .execute("SELECT pg_advisory_lock($1)", &[&RETRAIN_LOCK])
                .await
                .expect("lock");
            held.send(()).expect("signal");
            release.recv().ok();
        });
    });
    is_held.recv().expect("the lock is held");
    let busy = p.a.retrain(true);
    assert_eq!(
        busy.status().as_u16(),
        409,
        "{}",
        busy.text().unwrap_or_default()
    );
    hold.send(()).expect("release");
    holder.join().expect("holder");

    let before = get_json(&p.a.client, &format!("{}/api/v1/moderation/model", p.b_url));
    let retrained = p.a.retrain(true);
    assert_eq!(retrained.status().as_u16(), 200);
    let version = retrained.json::<Value>().expect("json")["version"]
        .as_str()
        .expect("version")
        .to_owned();
    assert_ne!(before["active"]["version"], version.as_str());
    wait_until("B runs the new model", || {
        get_json(&p.a.client, &format!("{}/api/v1/moderation/model", p.b_url))["active"]["version"]
            == version.as_str()
    });
    let scored =
        p.a.client
            .post(format!("{}/api/v1/comments", p.b_url))
            .json(&json!({
                "thread": ARTICLE, "author": "Later", "email": "later@mail.example",
                "body": "Another crypto bonus at my profile",
            }))
            .send()
            .expect("post on B");
    assert_eq!(scored.status().as_u16(), 202);
    let id = scored.json::<Value>().expect("json")["id"]
        .as_i64()
        .expect("id");
    let detail = get_json(
        &p.a.client,
        &format!("{}/api/v1/moderation/comments/{id}", p.a.address),
    );
    // `<model>+<the site's layer>`: the retrained model, by its layer for this site.
    assert_eq!(
        detail["model_version"]
            .as_str()
            .and_then(|v| v.split('+').next()),
        Some(version.as_str()),
        "{detail}"
    );

    // Both list the same models, the new one active.
    let (ok, out, err) = p.a.cli(&["model", "list", "--json"]);
    assert!(ok, "{err}");
    let models: Value = serde_json::from_str(&out).expect("json");
    let active: Vec<&Value> = models
        .as_array()
        .expect("array")
        .iter()
        .filter(|m| m["active"] == true)
        .collect();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0]["version"], version.as_str());
}

#[test]
fn killing_one_instance_under_load_loses_nothing_either_acknowledged() {
    if !postgres_available() {
        return;
    }
    let mut p = pair(&[]);
    let client = Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let post = |base: &str, key: &str| crate::helpers::post_with_key(&client, base, key);
    let (a_url, b_url) = (p.a.address.clone(), p.b_url.clone());
    let acknowledged: Vec<i64> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|w| {
                let base = if w % 2 == 0 {
                    a_url.as_str()
                } else {
                    b_url.as_str()
                };
                let post = &post;
                s.spawn(move || {
                    (0..300)
                        .map_while(|i| post(base, &format!("w{w}-{i}")))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(700));
        p.a.kill_without_restart();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    assert!(
        acknowledged.len() > 20,
        "the load ran: {}",
        acknowledged.len()
    );
    let mut stored = BTreeSet::new();
    for page in 1.. {
        let listing = get_json(
            &client,
            &format!("{b_url}/api/v1/moderation/comments?status=pending&per_page=200&page={page}"),
        );
        let comments = listing["comments"].as_array().expect("array");
        if comments.is_empty() {
            break;
        }
        stored.extend(comments.iter().map(|c| c["id"].as_i64().expect("id")));
    }
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|id| !stored.contains(id))
        .collect();
    assert!(lost.is_empty(), "lost acknowledged comments: {lost:?}");
}

#[test]
fn copy_data_moves_every_comment_label_and_log_entry_and_refuses_a_full_target() {
    if !postgres_available() {
        return;
    }
    // A site on SQLite with comments, replies, decisions, labels and a retrained model.
    let old = spawn_app_on_sqlite(&[]);
    let ids: Vec<i64> = (0..30)
        .map(|i| {
            old.submit(
                "Reader",
                &format!("r{i}@mail.example"),
                &format!("Comment number {i} on the council vote"),
                None,
            )
        })
        .collect();
    for id in &ids[..10] {
        assert_eq!(old.act(*id, "approve").status().as_u16(), 200);
    }
    for id in &ids[10..15] {
        assert_eq!(old.act(*id, "spam").status().as_u16(), 200);
    }
    let reply = old.submit("Replier", "re@mail.example", "A reply.", Some(ids[0]));
    assert_eq!(old.act(reply, "approve").status().as_u16(), 200);
    let retrained = old.retrain(true);
    assert_eq!(retrained.status().as_u16(), 200);
    let version = retrained.json::<Value>().expect("json")["version"]
        .as_str()
        .expect("version")
        .to_owned();
    let listing_before = old.public_comments(ARTICLE);
    let detail_before = get_json(
        &old.client,
        &old.url(&format!("/api/v1/moderation/comments/{}", ids[12])),
    );
    let (ok, labels_before, _) = old.cli(&["export", "labels"]);
    assert!(ok);

    // Into an empty PostgreSQL database, then a service on it.
    let server = crate::helpers::postgres_server().expect("server");
    let name = format!("rg_copy_{}", std::process::id());
    crate::helpers::create_database(&server, &name);
    let url = format!("{server}/{name}");
    let (ok, out, err) = old.cli(&["copy-data", "--to", &url]);
    assert!(ok, "{out}{err}");
    let report: Value = serde_json::from_str(&out).expect("json report");
    for table in report["tables"].as_array().expect("tables") {
        assert_eq!(table["source"], table["target"], "{table}");
    }
    assert_eq!(report["active_model"], version.as_str());
    let (ok, _, err) = old.cli(&["copy-data", "--to", &url]);
    assert!(!ok && err.contains("already holds data"), "{err}");

    let new_dir = tempfile::tempdir().expect("dir");
    let (ok, labels_after, err) = crate::helpers::cli_with_env(
        new_dir.path(),
        &["export", "labels"],
        &[("REPLYGUARD_DATABASE_URL", url.as_str())],
    );
    assert!(ok, "{err}");
    assert_eq!(labels_after, labels_before, "every label, as it was");
    let (mut moved, address) = {
        let mut env: Vec<(String, String)> = vec![("REPLYGUARD_DATABASE_URL".into(), url.clone())];
        env.push(("REPLYGUARD_LIMITS".into(), "off".into()));
        old.start_on_env(new_dir.path(), &env)
    };
    let listing_after = old.public_comments_at(&address, ARTICLE);
    assert_eq!(listing_after["comments"], listing_before["comments"]);
    let detail_after = get_json(
        &old.client,
        &format!("{address}/api/v1/moderation/comments/{}", ids[12]),
    );
    assert_eq!(
        detail_after["log"], detail_before["log"],
        "the moderation log"
    );
    assert_eq!(detail_after["email"], detail_before["email"]);
    let model = get_json(&old.client, &format!("{address}/api/v1/moderation/model"));
    assert_eq!(model["active"]["version"], version.as_str());
    // New comments continue after the copied ids.
    let next = old
        .client
        .post(format!("{address}/api/v1/comments"))
        .json(&json!({
            "thread": ARTICLE, "author": "New", "email": "new@mail.example",
            "body": "The first comment after the move.",
        }))
        .send()
        .expect("post");
    assert_eq!(next.status().as_u16(), 202);
    assert!(next.json::<Value>().expect("json")["id"].as_i64() > Some(reply));
    moved.kill().ok();
    moved.wait().ok();
}

use std::collections::BTreeSet;

use replyguard::classifier::Classifier;
use replyguard::classifier::model::ModelBundle;
use replyguard::classifier::tokenize::Document;
use serde_json::{Value, json};

use crate::helpers::{ARTICLE, TestApp, fixture_model, spawn_app};

fn submit_json(app: &TestApp, author: &str, email: &str, body: &str) -> i64 {
    let response = app.post_comment_json(&json!({
        "thread": ARTICLE, "author": author, "email": email, "body": body,
    }));
    assert_eq!(response.status().as_u16(), 202);
    response.json::<Value>().expect("json")["id"]
        .as_i64()
        .expect("id")
}

fn detail(app: &TestApp, id: i64) -> Value {
    app.moderation_get(&format!("/comments/{id}"))
        .json()
        .expect("json")
}

/// What a stored model learnt: the base's counts and each site layer's counts (not their
/// names or times).
fn stored_nb(app: &TestApp, version: &str) -> String {
    let file: Value = serde_json::from_slice(&app.model_bytes(version)).expect("json");
    let layers: Vec<String> = file["payload"]["site_layers"]
        .as_array()
        .map(|layers| {
            layers
                .iter()
                .map(|l| {
                    format!(
                        "{}|{}|{}|{}",
                        l["site"], l["spam_docs"], l["ham_docs"], l["columns"]
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    format!("{}|{layers:?}", file["payload"]["nb"])
}

fn retrained(app: &TestApp, force: bool) -> Value {
    let response = app.retrain(force);
    let status = response.status().as_u16();
    let body: Value = response.json().expect("json");
    assert_eq!(status, 200, "retrain refused: {body}");
    body
}

/// Ordinary comments for a local news site, and spam, built from shared vocabularies so the
/// filter has something to generalise from.
fn ham_text(i: usize) -> String {
    let topics = [
        "council budget",
        "library hours",
        "bus route",
        "school board",
        "river cleanup",
        "farmers market",
    ];
    let views = [
        "I think the plan is fair",
        "my neighbours disagree",
        "thanks for covering this",
        "the meeting ran late",
    ];
    format!(
        "The {} story: {} and we should talk about it at the next meeting ({i}).",
        topics[i % 6],
        views[i % 4]
    )
}

fn spam_text(i: usize) -> String {
    let offers = [
        "cheap watches",
        "free followers",
        "crypto signals",
        "diet pills",
    ];
    format!(
        "Buy {} today, best price online, visit http://deals{}.example now!!! ({i})",
        offers[i % 4],
        i % 3
    )
}

/// A site's spam labels go into its own layer (issue #27): after retraining, a near
/// duplicate of what its moderator marked is spam, scored by the site's layer, whose
/// version the comment names.
#[test]
fn spam_labels_flip_a_near_duplicate_after_retraining() {
    let app = spawn_app();
    let text = |i: usize| {
        format!(
            "Fresh sourdough from crumbly-bakes.example, order with discount code BREAD{i} today"
        )
    };
    let first = submit_json(&app, "Baker", "baker@crumbly.example", &text(0));
    let before = detail(&app, first);
    assert_eq!(
        before["status"], "pending",
        "the base model lets it through: {before}"
    );
    assert_eq!(app.act(first, "spam").status().as_u16(), 200);
    for i in 1..4 {
        let id = submit_json(
            &app,
            "Baker",
            &format!("baker{i}@crumbly.example"),
            &text(i),
        );
        if app.status_of(id) == "spam" {
            app.approve(id);
        }
        assert_eq!(app.act(id, "spam").status().as_u16(), 200);
    }
    let outcome = retrained(&app, false);

    assert_eq!(outcome["activated"], true, "{outcome}");
    assert_eq!(app.active_model(), outcome["version"]);
    let again = submit_json(
        &app,
        "Baker",
        "baker@crumbly.example",
        "Fresh sourdough from crumbly-bakes.example, order with discount code BREAD now",
    );
    let after = detail(&app, again);
    assert_eq!(after["status"], "spam", "{after}");
    let version = after["model_version"].as_str().expect("version");
    let (model, layer) = version
        .split_once("+site-")
        .expect("scored by the site's layer");
    assert_eq!(model, outcome["version"], "{after}");
    assert!(!layer.is_empty());
    assert!(
        after["spam_score"].as_f64().unwrap() > 0.5 && before["spam_score"].as_f64().unwrap() < 0.5
    );
}

#[test]
fn a_reversed_decision_is_unlearned_exactly() {
    let app = spawn_app();
    for i in 0..6 {
        let h = submit_json(&app, "Reader", "r@example.com", &ham_text(i));
        app.approve(h);
        let s = submit_json(&app, "Seller", "s@example.com", &spam_text(i));
        if app.status_of(s) != "spam" {
            assert_eq!(app.act(s, "spam").status().as_u16(), 200);
        } else {
            // The filter's own verdict is not a label: a moderator must confirm it.
            assert_eq!(app.act(s, "approve").status().as_u16(), 200);
            assert_eq!(app.act(s, "spam").status().as_u16(), 200);
        }
    }
    let without = retrained(&app, true)["version"]
        .as_str()
        .unwrap()
        .to_owned();
    let reversed = submit_json(
        &app,
        "Reader",
        "r2@example.com",
        "The library hours change worries me, thanks for the story.",
    );
    assert_eq!(app.act(reversed, "spam").status().as_u16(), 200);
    let with_spam_label = retrained(&app, true)["version"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(
        stored_nb(&app, &without),
        stored_nb(&app, &with_spam_label),
        "the label was learned"
    );

    // The moderator takes it back: rejecting gives no label, so the spam label is gone.
    assert_eq!(app.act(reversed, "reject").status().as_u16(), 200);
    let unlearned = retrained(&app, true)["version"]
        .as_str()
        .unwrap()
        .to_owned();

    assert_eq!(
        stored_nb(&app, &unlearned),
        stored_nb(&app, &without),
        "bit for bit the model without that label"
    );
}

#[test]
fn a_poisoned_batch_of_labels_is_kept_but_not_activated() {
    let app = spawn_app();
    for i in 0..20 {
        let h = submit_json(&app, "Reader", &format!("r{i}@example.com"), &ham_text(i));
        app.approve(h);
        let s = submit_json(&app, "Seller", "s@example.com", &spam_text(i));
        if app.status_of(s) == "spam" {
            app.approve(s);
        }
        assert_eq!(app.act(s, "spam").status().as_u16(), 200);
    }
    let good = retrained(&app, false);
    assert_eq!(good["activated"], true, "{good}");

    // A rogue account marks a batch of ordinary readers' comments as spam.
    for i in 20..60 {
        let h = submit_json(&app, "Reader", &format!("p{i}@example.com"), &ham_text(i));
        assert_eq!(app.act(h, "spam").status().as_u16(), 200);
    }
    let poisoned = retrained(&app, false);

    assert_eq!(poisoned["activated"], false, "{poisoned}");
    assert_eq!(poisoned["report"]["passed_guard"], false);
    assert!(
        poisoned["report"]["verdict"]
            .as_str()
            .unwrap()
            .contains("held-out"),
        "{poisoned}"
    );
    assert_eq!(
        app.active_model(),
        good["version"],
        "the model in use stays"
    );
    let status: Value = app.moderation_get("/model").json().expect("json");
    let kept = status["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["version"] == poisoned["version"])
        .expect("the candidate is kept");
    assert_eq!(kept["active"], false);
    assert_eq!(kept["retraining"]["passed_guard"], false);
}

#[test]
fn a_swap_under_concurrent_submissions_loses_nothing_and_mixes_no_models() {
    let app = spawn_app();
    for i in 0..4 {
        let h = submit_json(&app, "Reader", "r@example.com", &ham_text(i));
        app.approve(h);
    }
    let first = retrained(&app, true)["version"]
        .as_str()
        .unwrap()
        .to_owned();

    // Writers post without pause from before the first swap until after the last, so
    // submissions and swaps overlap (checked below: the comments carry several models).
    let done = std::sync::atomic::AtomicBool::new(false);
    let (ids, versions) = std::thread::scope(|s| {
        let writers: Vec<_> = (0..3)
            .map(|w| {
                let (app, done) = (&app, &done);
                s.spawn(move || {
                    (0..)
                        .take_while(|_| !done.load(std::sync::atomic::Ordering::Acquire))
                        .map(|i| {
                            let body = if i % 2 == 0 {
                                ham_text(i + w)
                            } else {
                                spam_text(i + w)
                            };
                            submit_json(
                                app,
                                &format!("Writer {w}"),
                                &format!("w{w}@mail{w}.example"),
                                &body,
                            )
                        })
                        .collect::<Vec<i64>>()
                })
            })
            .collect();
        let mut versions = vec![first.clone()];
        for round in 0..2 {
            let h = submit_json(&app, "Reader", "r@example.com", &ham_text(10 + round));
            app.approve(h);
            versions.push(
                retrained(&app, true)["version"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
            let back = app
                .client
                .post(app.url("/api/v1/moderation/model/activate"))
                .basic_auth(crate::helpers::MODERATOR, Some(crate::helpers::PASSWORD))
                .json(&json!({ "version": first }))
                .send()
                .expect("activate");
            assert_eq!(back.status().as_u16(), 200);
        }
        done.store(true, std::sync::atomic::Ordering::Release);
        let ids: Vec<i64> = writers
            .into_iter()
            .flat_map(|w| w.join().expect("writer"))
            .collect();
        (ids, versions)
    });
    assert!(ids.len() >= 3, "submissions were acknowledged throughout");

    // Each comment's stored score is exactly what the model it names gives for it.
    let mut models: std::collections::HashMap<String, Classifier> =
        std::collections::HashMap::new();
    let base = ModelBundle::load(fixture_model()).expect("base");
    models.insert(
        base.version.clone(),
        Classifier::from_bundle(&base).expect("base classifier"),
    );
    for v in &versions {
        let bundle = ModelBundle::from_file_bytes(v, &app.model_bytes(v)).expect("stored");
        models.insert(
            v.clone(),
            Classifier::from_bundle(&bundle).expect("classifier"),
        );
    }
    let mut seen = BTreeSet::new();
    for id in ids {
        let d = detail(&app, id);
        let scored_by = d["model_version"].as_str().expect("version");
        // `<model>+<site layer>`: the model's scorer for this comment's site.
        let version = scored_by.split('+').next().unwrap_or(scored_by);
        let classifier = models
            .get(version)
            .unwrap_or_else(|| panic!("unknown model {version}"))
            .for_site("https://news.example");
        assert_eq!(classifier.scored_version(), scored_by);
        let email_domain = d["email"]
            .as_str()
            .unwrap()
            .rsplit_once('@')
            .unwrap()
            .1
            .to_owned();
        let doc = Document {
            body: d["body"].as_str().unwrap(),
            author: d["author"].as_str(),
            website_host: None,
            email_domain: Some(&email_domain),
        };
        let expected = classifier.log_odds(&doc);
        let stored = d["spam_log_odds"].as_f64().expect("log-odds");
        assert!(
            (expected - stored).abs() < 1e-9,
            "comment {id} was scored {stored} but {version} gives {expected}"
        );
        seen.insert(version.to_owned());
    }
    assert!(
        seen.len() >= 2,
        "the submissions overlapped the swaps: scored by {seen:?}"
    );
}

#[test]
fn the_cli_lists_activates_and_exports_labels() {
    let app = spawn_app();
    let h = submit_json(
        &app,
        "Reader",
        "private.reader@mailhost.example",
        &ham_text(1),
    );
    app.approve(h);
    let s = submit_json(&app, "Seller", "s@example.com", &spam_text(1));
    let _ = app.act(s, "approve");
    assert_eq!(app.act(s, "spam").status().as_u16(), 200);

    let (ok, out, err) = app.cli(&["model", "retrain", "--force"]);
    assert!(ok, "{err}");
    assert!(out.contains("learned 2 labels (1 spam, 1 ham)"), "{out}");
    let (ok, list, _) = app.cli(&["model", "list", "--json"]);
    assert!(ok);
    let models: Value = serde_json::from_str(&list).expect("json");
    assert_eq!(
        models[0]["base"], true,
        "the base model is listed first: {models}"
    );
    assert_eq!(models[0]["active"], false);
    let base_version = models[0]["version"].as_str().unwrap().to_owned();
    let version = models[1]["version"].as_str().unwrap().to_owned();
    assert_eq!(models[1]["active"], true);

    // Back to the shipped model, by name, through the CLI and the API.
    let (ok, out, err) = app.cli(&["model", "activate", "base"]);
    assert!(ok && out.contains("re-scored"), "{out}{err}");
    let (_, list, _) = app.cli(&["model", "list", "--json"]);
    let models: Value = serde_json::from_str(&list).expect("json");
    assert_eq!(models[0]["active"], true, "{models}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while app.active_model() != base_version {
        assert!(
            std::time::Instant::now() < deadline,
            "the service follows ACTIVE"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let activated = app
        .client
        .post(app.url("/api/v1/moderation/model/activate"))
        .basic_auth(crate::helpers::MODERATOR, Some(crate::helpers::PASSWORD))
        .json(&serde_json::json!({"version": version}))
        .send()
        .unwrap();
    assert_eq!(activated.status().as_u16(), 200);
    let back = app
        .client
        .post(app.url("/api/v1/moderation/model/activate"))
        .basic_auth(crate::helpers::MODERATOR, Some(crate::helpers::PASSWORD))
        .json(&serde_json::json!({"version": base_version}))
        .send()
        .unwrap();
    assert_eq!(back.status().as_u16(), 200);
    // On PostgreSQL the instance also follows the database's notifications of each
    // activation, which may arrive after the second one: it settles on the last.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while app.active_model() != base_version {
        assert!(
            std::time::Instant::now() < deadline,
            "the last activation wins"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }

    let (ok, out, err) = app.cli(&["model", "activate", &version]);
    assert!(ok && out.contains("re-scored"), "{out}{err}");
    app.truncate_model(&version);
    let (ok, _, err) = app.cli(&["model", "activate", &version]);
    assert!(!ok && err.contains("truncated"), "{err}");
    let (ok, _, err) = app.cli(&["model", "activate", "../../etc/passwd"]);
    assert!(!ok && err.contains("not a model version"), "{err}");

    let (ok, export, _) = app.cli(&["export", "labels"]);
    assert!(ok);
    let lines: Vec<Value> = export
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 2);
    let ham = lines
        .iter()
        .find(|l| l["comment_id"] == h)
        .expect("ham label");
    assert_eq!(ham["label"], "ham");
    assert_eq!(ham["source"], "moderator");
    assert_eq!(ham["email_domain"], "mailhost.example");
    assert!(
        !export.contains("private.reader"),
        "the address itself is never exported"
    );
}

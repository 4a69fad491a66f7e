use serde_json::{Value, json};

use crate::helpers::{MODERATOR, cli, spawn_app};

#[test]
fn moderation_calls_without_valid_credentials_get_401() {
    let app = spawn_app();
    let id = app.submit("Ada", "ada@example.com", "Hi", None);
    let list = app.url("/api/v1/moderation/comments");
    let one = app.url(&format!("/api/v1/moderation/comments/{id}"));

    let cases = [
        (app.client.get(&list), "no credentials on the listing"),
        (app.client.get(&one), "no credentials on one comment"),
        (
            app.client.post(&one).json(&json!({"action": "approve"})),
            "no credentials on an action",
        ),
        (
            app.client
                .get(&list)
                .basic_auth(MODERATOR, Some("wrong password")),
            "a wrong password",
        ),
        (
            app.client
                .get(&list)
                .basic_auth("nobody", Some("whatever-password")),
            "an unknown moderator",
        ),
        (
            app.client.get(&list).header("authorization", "Bearer abc"),
            "another scheme",
        ),
    ];
    for (request, why) in cases {
        let response = request.send().expect("send");
        assert_eq!(response.status().as_u16(), 401, "{why}");
        assert!(response.headers().contains_key("www-authenticate"), "{why}");
        assert_eq!(
            response.json::<Value>().expect("json")["error"],
            "unauthorized",
            "{why}"
        );
    }
    assert_eq!(app.status_of(id), "pending", "nothing was changed");
}

#[test]
fn every_action_is_recorded_in_the_moderation_log() {
    let app = spawn_app();
    let id = app.submit("Ada", "ada@example.com", "Hi", None);

    for (action, expected) in [
        ("approve", "approved"),
        ("spam", "spam"),
        ("ham", "approved"),
        ("reject", "rejected"),
    ] {
        let response = app.act(id, action);
        assert_eq!(response.status().as_u16(), 200, "{action}");
        assert_eq!(
            response.json::<Value>().expect("json")["status"],
            expected,
            "{action}"
        );
    }

    let detail: Value = app
        .moderation_get(&format!("/comments/{id}"))
        .json()
        .expect("json");
    let log = detail["log"].as_array().expect("log");
    let steps: Vec<(String, String, String)> = log
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().into(),
                e["from"].as_str().unwrap().into(),
                e["to"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected = [
        ("approve", "pending", "approved"),
        ("spam", "approved", "spam"),
        ("ham", "spam", "approved"),
        ("reject", "approved", "rejected"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, f, t)| (a.to_string(), f.to_string(), t.to_string()))
        .collect();
    assert_eq!(steps, expected);
    for entry in log {
        assert_eq!(entry["moderator"], MODERATOR);
        assert!(entry["at"].as_str().expect("time").ends_with('Z'));
    }
}

#[test]
fn actions_that_do_not_apply_are_refused_and_not_logged() {
    let app = spawn_app();
    let id = app.submit("Ada", "ada@example.com", "Hi", None);

    assert_eq!(
        app.act(id, "ham").status().as_u16(),
        409,
        "ham on a pending comment"
    );
    app.approve(id);
    assert_eq!(
        app.act(id, "approve").status().as_u16(),
        409,
        "approving twice"
    );
    assert_eq!(
        app.act(id, "delete").status().as_u16(),
        422,
        "an unknown action"
    );
    assert_eq!(
        app.act(999_999, "approve").status().as_u16(),
        404,
        "a missing comment"
    );

    let detail: Value = app
        .moderation_get(&format!("/comments/{id}"))
        .json()
        .expect("json");
    assert_eq!(detail["log"].as_array().expect("log").len(), 1);
}

#[test]
fn the_moderation_listing_filters_by_status_newest_first_and_pages() {
    let app = spawn_app();
    let ids: Vec<i64> = (0..5)
        .map(|i| app.submit("A", &format!("a{i}@example.com"), &format!("c{i}"), None))
        .collect();
    app.approve(ids[1]);

    let page: Value = app
        .moderation_get("/comments?status=pending&per_page=2")
        .json()
        .expect("json");
    assert_eq!(page["total"], 4);
    let listed: Vec<i64> = page["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [ids[4], ids[3]]);
    assert_eq!(
        page["comments"][0]["email"], "a4@example.com",
        "moderators see emails"
    );

    let page2: Value = app
        .moderation_get("/comments?status=pending&per_page=2&page=2")
        .json()
        .expect("json");
    let listed: Vec<i64> = page2["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [ids[2], ids[0]]);

    let approved: Value = app
        .moderation_get("/comments?status=approved")
        .json()
        .expect("json");
    assert_eq!(approved["total"], 1);
    assert_eq!(approved["comments"][0]["id"], ids[1]);

    let bad = app.moderation_get("/comments?status=deleted&per_page=0");
    assert_eq!(bad.status().as_u16(), 422);
    let error: Value = bad.json().expect("json");
    assert!(error["fields"]["status"].is_array() && error["fields"]["per_page"].is_array());
}

#[test]
fn the_cli_refuses_bad_sites_and_short_passwords() {
    let dir = tempfile::tempdir().expect("tmp");
    let (ok, _, err) = cli(
        dir.path(),
        &["site", "add", "https://news.example/blog"],
        "",
    );
    assert!(!ok && err.contains("ORIGIN"), "{err}");
    let (ok, _, err) = cli(dir.path(), &["moderator", "add", "sam"], "short\n");
    assert!(!ok && err.contains("at least"), "{err}");
    let (ok, out, _) = cli(dir.path(), &["migrate"], "");
    assert!(ok && out.contains("version"), "{out}");
}

use reqwest::blocking::Response;
use serde_json::Value;

use crate::helpers::{
    MODERATOR, PASSWORD, TestApp, cookie_value, csrf_in, dashboard_login, spawn_app,
};

/// A browser-like client for the dashboard: keeps the session cookie and the CSRF token.
struct Dash<'a> {
    app: &'a TestApp,
    cookie: String,
}

impl<'a> Dash<'a> {
    fn login_as(app: &'a TestApp, name: &str, password: &str) -> Self {
        let response = dashboard_login(app, name, password);
        assert_eq!(response.status().as_u16(), 303, "sign-in failed");
        let cookie = cookie_value(&response, "rg_session").expect("session cookie");
        Self { app, cookie }
    }

    fn login(app: &'a TestApp) -> Self {
        Self::login_as(app, MODERATOR, PASSWORD)
    }

    fn get(&self, path: &str) -> Response {
        self.app
            .client
            .get(self.app.url(path))
            .header("cookie", format!("rg_session={}", self.cookie))
            .send()
            .expect("GET")
    }

    fn html(&self, path: &str) -> String {
        let response = self.get(path);
        assert_eq!(response.status().as_u16(), 200, "GET {path}");
        response.text().expect("html")
    }

    fn csrf(&self) -> String {
        csrf_in(&self.html("/dashboard"))
    }

    fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.app
            .client
            .post(self.app.url(path))
            .header("cookie", format!("rg_session={}", self.cookie))
            .form(fields)
            .send()
            .expect("POST")
    }
}

fn seed(app: &TestApp, n: usize, word: &str) -> Vec<i64> {
    (0..n)
        .map(|i| {
            app.submit(
                &format!("Reader {i}"),
                &format!("r{i}@example.com"),
                &format!("A thought on the {word} story, number {i}."),
                None,
            )
        })
        .collect()
}

fn rows(html: &str) -> usize {
    html.matches("<tr class=\"row").count()
}

#[test]
fn anonymous_requests_are_sent_to_sign_in_or_refused() {
    let app = spawn_app();
    let get = app.client.get(app.url("/dashboard")).send().expect("GET");
    assert_eq!(get.status().as_u16(), 303);
    assert_eq!(get.headers()["location"], "/dashboard/login");
    for path in [
        "/dashboard/comments/1",
        "/dashboard/model",
        "/dashboard/moderators",
    ] {
        assert_eq!(
            app.client
                .get(app.url(path))
                .send()
                .unwrap()
                .status()
                .as_u16(),
            303,
            "{path}"
        );
    }
    for path in [
        "/dashboard/act",
        "/dashboard/undo",
        "/dashboard/model/retrain",
        "/dashboard/moderators",
        "/dashboard/logout",
    ] {
        let post = app
            .client
            .post(app.url(path))
            .form(&[("action", "approve"), ("ids", "1")])
            .send()
            .expect("POST");
        assert_eq!(post.status().as_u16(), 403, "{path}");
    }
    let forged = app
        .client
        .get(app.url("/dashboard"))
        .header("cookie", "rg_session=0000")
        .send()
        .unwrap();
    assert_eq!(
        forged.status().as_u16(),
        303,
        "an unknown token is no session"
    );
}

#[test]
fn sign_in_failures_do_not_tell_whether_the_account_exists_and_are_throttled() {
    let app = spawn_app();
    let wrong = dashboard_login(&app, MODERATOR, "wrong password!!");
    let unknown = dashboard_login(&app, "nobody", "wrong password!!");
    assert_eq!(
        (wrong.status().as_u16(), unknown.status().as_u16()),
        (401, 401)
    );
    let (wrong, unknown) = (wrong.text().unwrap(), unknown.text().unwrap());
    assert!(
        wrong.contains("Wrong name or password.") && unknown.contains("Wrong name or password.")
    );

    for _ in 0..4 {
        dashboard_login(&app, MODERATOR, "wrong password!!");
    }
    let throttled = dashboard_login(&app, MODERATOR, PASSWORD);
    assert_eq!(
        throttled.status().as_u16(),
        429,
        "the right password waits too after 5 failures"
    );
    assert!(cookie_value(&throttled, "rg_session").is_none());
}

#[test]
fn every_dashboard_page_sends_the_security_headers() {
    let app = spawn_app();
    let dash = Dash::login(&app);
    let id = seed(&app, 1, "library")[0];
    for path in [
        "/dashboard".to_owned(),
        format!("/dashboard/comments/{id}"),
        "/dashboard/model".into(),
        "/dashboard/password".into(),
        "/dashboard/login".into(),
    ] {
        let response = dash.get(&path);
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline")
                && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
    }
}

#[test]
fn decisions_need_the_csrf_token_and_a_same_origin_request() {
    let app = spawn_app();
    let dash = Dash::login(&app);
    let id = seed(&app, 1, "library")[0].to_string();
    let csrf = dash.csrf();

    let missing = dash.post("/dashboard/act", &[("action", "approve"), ("ids", &id)]);
    let wrong = dash.post(
        "/dashboard/act",
        &[("action", "approve"), ("ids", &id), ("csrf", "0123")],
    );
    let cross_site = app
        .client
        .post(app.url("/dashboard/act"))
        .header("cookie", format!("rg_session={}", dash.cookie))
        .header("origin", "https://evil.example")
        .form(&[
            ("action", "approve"),
            ("ids", id.as_str()),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .unwrap();
    for (response, why) in [
        (missing, "no token"),
        (wrong, "a wrong token"),
        (cross_site, "another Origin"),
    ] {
        assert_eq!(response.status().as_u16(), 403, "{why}");
    }
    assert_eq!(app.status_of(id.parse().unwrap()), "pending");

    let ok = dash.post(
        "/dashboard/act",
        &[
            ("action", "approve"),
            ("ids", &id),
            ("csrf", &csrf),
            ("back", "/dashboard?tab=pending"),
        ],
    );
    assert_eq!(ok.status().as_u16(), 303);
    assert!(
        ok.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/dashboard?tab=pending&done=approve")
    );
    assert_eq!(app.status_of(id.parse().unwrap()), "approved");
    let detail: Value = app
        .moderation_get(&format!("/comments/{id}"))
        .json()
        .unwrap();
    assert_eq!(
        detail["log"][0]["moderator"], MODERATOR,
        "the same use case as the API, in the log"
    );
}

#[test]
fn bulk_decisions_and_undo_go_through_the_moderation_log() {
    let app = spawn_app();
    let dash = Dash::login(&app);
    let ids = seed(&app, 3, "bus route");
    let csrf = dash.csrf();
    let (a, b) = (ids[0].to_string(), ids[1].to_string());

    let bulk = dash.post(
        "/dashboard/act",
        &[
            ("action", "spam"),
            ("ids", &a),
            ("ids", &b),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(bulk.status().as_u16(), 303);
    assert_eq!(
        (
            app.status_of(ids[0]),
            app.status_of(ids[1]),
            app.status_of(ids[2])
        ),
        ("spam".into(), "spam".into(), "pending".into())
    );
    let html = dash.html("/dashboard?done=spam:2:0");
    assert!(html.contains("Marked as spam 2 comment(s)") && html.contains("Undo last action"));

    let undo = dash.post("/dashboard/undo", &[("csrf", &csrf)]);
    assert_eq!(undo.status().as_u16(), 303);
    assert_eq!(
        (app.status_of(ids[0]), app.status_of(ids[1])),
        ("pending".into(), "pending".into())
    );
    let detail: Value = app
        .moderation_get(&format!("/comments/{}", ids[0]))
        .json()
        .unwrap();
    let actions: Vec<&str> = detail["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["spam", "requeue"]);
    let (ok, export, _) = app.cli(&["export", "labels"]);
    assert!(
        ok && export.trim().is_empty(),
        "undone decisions leave no label: {export}"
    );
}

#[test]
fn the_queue_searches_filters_and_pages() {
    let app = spawn_app();
    let dash = Dash::login(&app);
    seed(&app, 30, "library");
    let marked = app.submit(
        "Zelda Quill",
        "zelda@quill.example",
        "The river cleanup needs volunteers.",
        None,
    );

    let first = dash.html("/dashboard");
    assert_eq!(rows(&first), 25);
    assert!(first.contains("Page 1 of 2"));
    assert!(
        first.contains("pending <span class=\"count\">31</span>"),
        "live counts on the tabs"
    );
    assert_eq!(rows(&dash.html("/dashboard?page=2")), 6);

    for query in [
        "q=cleanup",
        "q=Zelda",
        "q=quill.example",
        "q=cleanup&article=city-council",
        "q=cleanup&from=2020-01-01",
    ] {
        let html = dash.html(&format!("/dashboard?{query}"));
        assert_eq!(rows(&html), 1, "{query}");
        assert!(html.contains(&format!("data-id=\"{marked}\"")), "{query}");
    }
    assert_eq!(
        rows(&dash.html("/dashboard?q=cleanup&article=no-such-article")),
        0
    );
    assert_eq!(
        rows(&dash.html("/dashboard?q=%25")),
        0,
        "% matches literally"
    );
    assert_eq!(rows(&dash.html("/dashboard?q=cleanup&to=2000-01-01")), 0);
    let uncertain = dash.html("/dashboard?order=uncertain");
    assert_eq!(rows(&uncertain), 25);
    assert!(uncertain.contains("<option value=\"uncertain\" selected>"));
}

#[test]
fn only_administrators_manage_moderators_and_disabling_ends_sessions() {
    let app = spawn_app();
    let (ok, _, err) = crate::helpers::cli(
        app.data_dir.path(),
        &["moderator", "add", "chief", "--admin"],
        "chief password 123\n",
    );
    assert!(ok, "{err}");
    let editor = Dash::login(&app);
    assert_eq!(editor.get("/dashboard/moderators").status().as_u16(), 403);
    let csrf = editor.csrf();
    let refused = editor.post(
        "/dashboard/moderators",
        &[
            ("op", "add"),
            ("name", "x"),
            ("password", "long enough pw"),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(refused.status().as_u16(), 403);

    let chief = Dash::login_as(&app, "chief", "chief password 123");
    let chief_csrf = chief.csrf();
    let added = chief.post(
        "/dashboard/moderators",
        &[
            ("op", "add"),
            ("name", "newbie"),
            ("password", "newbie password 1"),
            ("csrf", &chief_csrf),
        ],
    );
    assert_eq!(
        added.headers()["location"],
        "/dashboard/moderators?done=added"
    );
    Dash::login_as(&app, "newbie", "newbie password 1");

    let html = chief.html("/dashboard/moderators");
    let editor_row = html
        .split(&format!("<bdi>{MODERATOR}</bdi>"))
        .nth(1)
        .expect("the editor's row");
    let editor_id = editor_row
        .split("name=\"id\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("id")
        .to_owned();
    let disabled = chief.post(
        "/dashboard/moderators",
        &[("op", "disable"), ("id", &editor_id), ("csrf", &chief_csrf)],
    );
    assert_eq!(
        disabled.headers()["location"],
        "/dashboard/moderators?done=disabled"
    );
    assert_eq!(
        editor.get("/dashboard").status().as_u16(),
        303,
        "a disabled account's session ended"
    );
    assert_eq!(
        dashboard_login(&app, MODERATOR, PASSWORD).status().as_u16(),
        401,
        "and it cannot sign in"
    );
}

#[test]
fn changing_ones_password_ends_the_other_sessions_and_sign_out_ends_this_one() {
    let app = spawn_app();
    let laptop = Dash::login(&app);
    let phone = Dash::login(&app);
    let csrf = laptop.csrf();

    let changed = laptop.post(
        "/dashboard/password",
        &[
            ("current", PASSWORD),
            ("new", "a brand new passphrase"),
            ("confirm", "a brand new passphrase"),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(
        changed.headers()["location"],
        "/dashboard/password?done=changed"
    );
    assert_eq!(
        phone.get("/dashboard").status().as_u16(),
        303,
        "the other session ended"
    );
    assert_eq!(
        laptop.get("/dashboard").status().as_u16(),
        200,
        "this one goes on"
    );
    Dash::login_as(&app, MODERATOR, "a brand new passphrase");

    let out = laptop.post("/dashboard/logout", &[("csrf", &csrf)]);
    assert_eq!(out.status().as_u16(), 303);
    assert_eq!(
        laptop.get("/dashboard").status().as_u16(),
        303,
        "signed out"
    );
}

#[test]
fn the_detail_and_filter_pages_show_context_and_agreement() {
    let app = spawn_app();
    let dash = Dash::login(&app);
    let root = app.submit(
        "Ada",
        "ada@example.com",
        "Root comment about the budget.",
        None,
    );
    app.approve(root);
    let reply = app.submit(
        "Ada",
        "ada@example.com",
        "A reply <b>with markup</b>.",
        Some(root),
    );

    let detail = dash.html(&format!("/dashboard/comments/{reply}"));
    assert!(detail.contains("In reply to") && detail.contains("Root comment about the budget."));
    assert!(detail.contains("Earlier comments by this author (1)"));
    assert!(detail.contains("A reply &lt;b&gt;with markup&lt;/b&gt;."));
    assert!(detail.contains("Moderation history"));
    assert_eq!(
        dash.get("/dashboard/comments/999999").status().as_u16(),
        404
    );

    let model = dash.html("/dashboard/model");
    assert!(model.contains("Agreement with moderators"));
    // The approved root is the one decided comment: a ham the filter scored as ham.
    assert!(
        model.contains("1 ham passed") && model.contains("0 ham flagged"),
        "{model}"
    );
    assert!(model.contains("Retrain now"));
}

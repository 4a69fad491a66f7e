//! Per-moderator API tokens (issue #9): created and revoked in the CLI and the dashboard,
//! accepted as `Authorization: Bearer`, refused once revoked or the account is disabled.

use crate::helpers::{MODERATOR, TestApp, csrf_in, dashboard_session, spawn_app};

pub(crate) fn with_bearer(app: &TestApp, token: &str) -> u16 {
    app.client
        .get(app.url("/api/v1/moderation/comments?status=pending"))
        .bearer_auth(token)
        .send()
        .expect("GET with bearer")
        .status()
        .as_u16()
}

#[test]
fn a_cli_token_opens_the_api_until_it_is_revoked() {
    let app = spawn_app();
    let (ok, out, err) = app.cli(&["token", "create", MODERATOR, "--name", "nightly export"]);
    assert!(ok, "{err}");
    let token = out.trim().to_owned();
    assert!(token.starts_with("rgt_") && token.len() > 60, "{token}");
    assert_eq!(with_bearer(&app, &token), 200);
    assert_eq!(with_bearer(&app, "rgt_0000"), 401);
    assert_eq!(with_bearer(&app, &format!("{token}x")), 401);
    let unauthorized = app
        .client
        .get(app.url("/api/v1/moderation/comments"))
        .send()
        .expect("anonymous");
    let challenges: Vec<_> = unauthorized
        .headers()
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(
        challenges.iter().any(|c| c.starts_with("Bearer")),
        "{challenges:?}"
    );

    let (ok, out, _) = app.cli(&["token", "list"]);
    assert!(
        ok && out.contains("nightly export") && !out.contains(&token),
        "{out}"
    );
    assert!(
        !crate::helpers::database_bytes(app.data_dir.path())
            .windows(token.len())
            .any(|w| w == token.as_bytes()),
        "only the hash is stored"
    );
    let id = out
        .split("\"id\":")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .expect("id");
    let (ok, _, err) = app.cli(&["token", "revoke", id]);
    assert!(ok, "{err}");
    assert_eq!(with_bearer(&app, &token), 401);
    let (ok, _, err) = app.cli(&["token", "revoke", id]);
    assert!(!ok && err.contains("no token"), "{err}");
}

#[test]
fn dashboard_tokens_are_shown_once_and_die_with_the_account() {
    let app = spawn_app();
    crate::helpers::add_chief(&app, true);
    let session = dashboard_session(&app, "chief", "another long password");
    let get = |path: &str| {
        app.client
            .get(app.url(path))
            .header("cookie", format!("rg_session={session}"))
            .send()
            .expect("GET")
            .text()
            .expect("html")
    };
    let post = |fields: &[(&str, &str)]| {
        app.client
            .post(app.url("/dashboard/tokens"))
            .header("cookie", format!("rg_session={session}"))
            .form(fields)
            .send()
            .expect("POST")
    };
    let csrf = csrf_in(&get("/dashboard/tokens"));
    let created = post(&[("csrf", &csrf), ("op", "create"), ("name", "CMS plugin")]);
    assert_eq!(created.status().as_u16(), 200);
    let html = created.text().expect("html");
    let token = html
        .split("id=\"new-token\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("the new token")
        .to_owned();
    assert_eq!(with_bearer(&app, &token), 200);
    let listing = get("/dashboard/tokens");
    assert!(listing.contains("CMS plugin") && !listing.contains(&token));

    // Disabling an account ends what its tokens can do.
    let (ok, intern_token, _) = app.cli(&["token", "create", MODERATOR, "--name", "script"]);
    assert!(ok);
    let intern_token = intern_token.trim();
    assert_eq!(with_bearer(&app, intern_token), 200);
    let moderators = get("/dashboard/moderators");
    let intern_id = moderators
        .split(&format!("<bdi>{MODERATOR}</bdi>"))
        .nth(1)
        .and_then(|s| s.split("name=\"id\" value=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .expect("intern's id")
        .to_owned();
    let disabled = app
        .client
        .post(app.url("/dashboard/moderators"))
        .header("cookie", format!("rg_session={session}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("op", "disable"),
            ("id", intern_id.as_str()),
        ])
        .send()
        .expect("disable");
    assert_eq!(disabled.status().as_u16(), 303);
    assert_eq!(with_bearer(&app, intern_token), 401);

    let id = listing
        .split("name=\"op\" value=\"revoke\"")
        .nth(1)
        .and_then(|s| s.split("name=\"id\" value=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .expect("token id")
        .to_owned();
    let revoked = post(&[("csrf", &csrf), ("op", "revoke"), ("id", &id)]);
    assert_eq!(revoked.status().as_u16(), 303);
    assert_eq!(with_bearer(&app, &token), 401);
}

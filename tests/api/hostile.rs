//! Hardening, third round (issue #25): each row of the issue's table reproduced as an
//! attacker or a confused client would, against the real binary.

use serde_json::{Value, json};

use crate::hardening::url_encode;
use crate::tokens::with_bearer;

use crate::helpers::{
    ARTICLE, MODERATOR, PASSWORD, SITE, TestApp, cli, csrf_in, dashboard_session, spawn_app,
    spawn_app_on_sqlite, spawn_app_with,
};

fn post_from(app: &TestApp, forwarded_for: &str, author: &str, email: &str, body: &str) -> u16 {
    app.client
        .post(app.url("/api/v1/comments"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"thread": ARTICLE, "author": author, "email": email, "body": body}))
        .send()
        .expect("post")
        .status()
        .as_u16()
}

fn new_token(app: &TestApp, name: &str) -> String {
    let (ok, out, err) = app.cli(&["token", "create", name, "--name", "script"]);
    assert!(ok, "{err}");
    out.trim().to_owned()
}

/// Row 2: an IPv4 client seen as `::ffff:a.b.c.d` (a dual-stack listener, a proxy that
/// forwards mapped addresses) is judged as the IPv4 address it is.
#[test]
fn ipv4_mapped_addresses_are_judged_as_ipv4() {
    // The proxy itself is listed by its mapped form; the peer arrives as plain 127.0.0.1.
    let app = spawn_app_with(&[
        ("REPLYGUARD_TRUSTED_PROXIES", "::ffff:127.0.0.1"),
        ("REPLYGUARD_LIMITS", "on"),
    ]);
    let first = "::ffff:203.0.113.10";
    assert_eq!(
        post_from(&app, first, "Ana", "ana@mail.example", "First view."),
        202
    );
    // Another IPv4 person behind a mapped address has a flood bucket of their own…
    assert_eq!(
        post_from(
            &app,
            "::ffff:198.51.100.20",
            "Ben",
            "ben@mail.example",
            "Second view."
        ),
        202
    );
    // …and the same person, mapped or not, shares one: the flood interval holds.
    assert_eq!(
        post_from(
            &app,
            "198.51.100.20",
            "Ben",
            "ben2@mail.example",
            "Third view."
        ),
        429
    );
    let pending: Value = app
        .moderation_get("/comments?status=pending")
        .json()
        .expect("json");
    let mut networks: Vec<String> = pending["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .map(|id| {
            let detail: Value = app
                .moderation_get(&format!("/comments/{id}"))
                .json()
                .expect("json");
            detail["client_ip"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    networks.sort_unstable();
    assert_eq!(networks, ["198.51.100.0/24", "203.0.113.0/24"]);
}

/// Row 3: sign-in guesses from one IPv6 subscriber are counted by its /64, whatever
/// address of it each guess comes from.
#[test]
fn sign_in_guesses_are_counted_per_ipv6_64() {
    let app = spawn_app_with(&[("REPLYGUARD_TRUSTED_PROXIES", "127.0.0.1")]);
    let statuses: Vec<u16> = (1..=40)
        .map(|n| {
            app.client
                .get(app.url("/api/v1/moderation/comments"))
                .header("x-forwarded-for", format!("2001:db8:1:2::{n:x}"))
                .basic_auth(format!("guess{}", n % 7), Some("not the password"))
                .send()
                .expect("guess")
                .status()
                .as_u16()
        })
        .collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(checked <= 20, "{checked} guesses checked: {statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    // Another subscriber's /64 is not affected.
    let other = app
        .client
        .get(app.url("/api/v1/moderation/comments"))
        .header("x-forwarded-for", "2001:db8:1:3::1")
        .basic_auth(MODERATOR, Some(PASSWORD))
        .send()
        .expect("owner");
    assert_eq!(other.status().as_u16(), 200);
}

/// Row 4: a reset by the CLI or an administrator revokes the account's API tokens, and
/// disabling revokes them for good; the moderator's own change revokes unless kept.
#[test]
fn password_resets_and_disabling_revoke_api_tokens() {
    let app = spawn_app();
    // The CLI's reset.
    let token = new_token(&app, MODERATOR);
    assert_eq!(with_bearer(&app, &token), 200);
    let (ok, _, err) = cli(
        app.data_dir.path(),
        &["moderator", "add", MODERATOR],
        "a brand new password\n",
    );
    assert!(ok, "{err}");
    assert_eq!(with_bearer(&app, &token), 401, "the CLI's reset revokes");

    // An administrator's reset, then disabling and enabling.
    crate::helpers::add_chief(&app, true);
    let chief = dashboard_session(&app, "chief", "another long password");
    let page = |path: &str| {
        app.client
            .get(app.url(path))
            .header("cookie", format!("rg_session={chief}"))
            .send()
            .expect("GET")
            .text()
            .expect("html")
    };
    let moderators = page("/dashboard/moderators");
    let csrf = csrf_in(&moderators);
    let id = moderators
        .split(&format!("<bdi>{MODERATOR}</bdi>"))
        .nth(1)
        .and_then(|s| s.split("name=\"id\" value=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .expect("the moderator's id")
        .to_owned();
    let manage = |fields: &[(&str, &str)]| {
        let mut form = vec![("csrf", csrf.as_str()), ("id", id.as_str())];
        form.extend_from_slice(fields);
        app.client
            .post(app.url("/dashboard/moderators"))
            .header("cookie", format!("rg_session={chief}"))
            .form(&form)
            .send()
            .expect("manage")
            .status()
            .as_u16()
    };
    let token = new_token(&app, MODERATOR);
    assert_eq!(
        manage(&[("op", "reset"), ("password", "reset by the chief")]),
        303
    );
    assert_eq!(with_bearer(&app, &token), 401, "an admin's reset revokes");
    let token = new_token(&app, MODERATOR);
    assert_eq!(manage(&[("op", "disable")]), 303);
    assert_eq!(manage(&[("op", "enable")]), 303);
    assert_eq!(
        with_bearer(&app, &token),
        401,
        "re-enabling brings no token back"
    );

    // The moderator's own change: revoked unless they ask to keep them.
    let own = |keep: bool, current: &str, new: &str| {
        let session = dashboard_session(&app, MODERATOR, current);
        let form = app
            .client
            .get(app.url("/dashboard/password"))
            .header("cookie", format!("rg_session={session}"))
            .send()
            .expect("form")
            .text()
            .expect("html");
        assert!(form.contains("name=\"keep_tokens\""), "the page asks");
        let csrf = csrf_in(&form);
        let mut fields = vec![
            ("csrf", csrf.as_str()),
            ("current", current),
            ("new", new),
            ("confirm", new),
        ];
        if keep {
            fields.push(("keep_tokens", "1"));
        }
        let status = app
            .client
            .post(app.url("/dashboard/password"))
            .header("cookie", format!("rg_session={session}"))
            .form(&fields)
            .send()
            .expect("change")
            .status()
            .as_u16();
        assert_eq!(status, 303);
    };
    let token = new_token(&app, MODERATOR);
    own(true, "reset by the chief", "my own new password");
    assert_eq!(with_bearer(&app, &token), 200, "kept when asked");
    own(false, "my own new password", "and another new one");
    assert_eq!(with_bearer(&app, &token), 401, "revoked by default");
}

/// Row 5: a webhook that accepts and never answers holds a fixed number of deliveries,
/// not a thread and a socket per event; what does not fit is dropped, logged and counted.
#[test]
fn a_hanging_webhook_holds_a_fixed_number_of_deliveries() {
    let sink = std::net::TcpListener::bind("127.0.0.1:0").expect("sink");
    let url = format!("http://{}/hook", sink.local_addr().expect("addr"));
    let accepted = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let held = std::sync::Arc::clone(&accepted);
    std::thread::spawn(move || {
        for stream in sink.incoming().flatten() {
            // Accepted, never read, never answered.
            held.lock().expect("lock").push(stream);
        }
    });
    let app = spawn_app_with(&[("REPLYGUARD_NOTIFY_WEBHOOK", url.as_str())]);
    let threads_before = proc_status(&app, "Threads");
    for i in 0..1_100 {
        let status = app
            .post_comment_json(&json!({
                "thread": ARTICLE, "author": format!("Reader {i}"),
                "email": format!("r{i}@mail.example"), "body": format!("Comment number {i}."),
            }))
            .status()
            .as_u16();
        assert_eq!(status, 202, "submissions are unaffected");
    }
    std::thread::sleep(std::time::Duration::from_secs(1));
    let sockets = accepted.lock().expect("lock").len();
    assert!(sockets <= 8, "{sockets} connections held open to the sink");
    let threads = proc_status(&app, "Threads");
    assert!(
        threads <= threads_before + 8,
        "threads {threads_before} -> {threads}"
    );
    let metrics = app.metrics();
    let dropped: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("replyguard_notifications_dropped_total "))
        .and_then(|v| v.trim().parse().ok())
        .expect("the drop counter");
    assert!(dropped >= 1, "{dropped} dropped");
    assert!(
        app.logs()
            .iter()
            .any(|l| l.contains("notification queue full")),
        "drops are logged"
    );
}

fn proc_status(app: &TestApp, field: &str) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", app.pid())).expect("server status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("field")
}

/// Row 7: `REPLYGUARD_FORM_TOKEN=required` applies to the JSON API's `form_token` too.
#[test]
fn a_required_form_token_applies_to_json() {
    // Bot checks run with the limits (the suite turns both off by default).
    let app = spawn_app_with(&[
        ("REPLYGUARD_FORM_TOKEN", "required"),
        ("REPLYGUARD_LIMITS", "on"),
        ("REPLYGUARD_TRUSTED_PROXIES", "127.0.0.1"),
    ]);
    let post = |from: &str, body: &Value| {
        app.client
            .post(app.url("/api/v1/comments"))
            .header("x-forwarded-for", from)
            .json(body)
            .send()
            .expect("post")
    };
    let response = post(
        "203.0.113.1",
        &json!({
            "thread": ARTICLE, "author": "Bot", "email": "bot@mail.example",
            "body": "Posted straight to the API without a token.",
        }),
    );
    assert_eq!(response.status().as_u16(), 202);
    let id = response.json::<Value>().expect("json")["id"]
        .as_i64()
        .expect("id");
    let detail: Value = app
        .moderation_get(&format!("/comments/{id}"))
        .json()
        .expect("json");
    assert_eq!(detail["status"], "spam", "{detail}");
    assert!(
        detail.to_string().contains("no form token"),
        "the reason is given: {detail}"
    );
    // With a token it is an ordinary comment.
    let token: Value = app
        .client
        .get(app.url(&format!(
            "/api/v1/form-token?thread={}",
            url_encode(ARTICLE)
        )))
        .send()
        .expect("token")
        .json()
        .expect("json");
    std::thread::sleep(std::time::Duration::from_secs(
        token["min_seconds"].as_u64().unwrap_or(3),
    ));
    let response = post(
        "198.51.100.2",
        &json!({
            "thread": ARTICLE, "author": "Person", "email": "person@mail.example",
            "body": "Posted from the widget, with its token.",
            "form_token": token["token"],
        }),
    );
    let id = response.json::<Value>().expect("json")["id"]
        .as_i64()
        .expect("id");
    assert_eq!(app.status_of(id), "pending");
}

/// Row 9: an app's `submit-spam` does not overwrite a moderator's label.
#[test]
fn a_moderators_label_outranks_an_apps_feedback() {
    let app = spawn_app();
    let (ok, key, err) = app.cli(&["site", "key", SITE]);
    assert!(ok, "{err}");
    let key = key.trim().to_owned();
    let (ok, _, err) = app.cli(&["site", "store-checked", SITE, "on"]);
    assert!(ok, "{err}");
    let fields = [
        ("api_key", key.as_str()),
        ("blog", "https://news.example/"),
        ("permalink", ARTICLE),
        ("user_ip", "203.0.113.9"),
        ("comment_author", "Dana"),
        ("comment_author_email", "dana@mail.example"),
        (
            "comment_content",
            "The council vote was closer than reported.",
        ),
    ];
    let call = |path: &str| {
        app.client
            .post(app.url(path))
            .form(&fields)
            .send()
            .expect("akismet")
            .text()
            .expect("text")
    };
    assert_eq!(call("/1.1/comment-check"), "false");
    let pending: Value = app
        .moderation_get("/comments?status=pending")
        .json()
        .expect("json");
    let id = pending["comments"][0]["id"].as_i64().expect("filed");
    app.approve(id);
    assert_eq!(
        call("/1.1/submit-spam"),
        "Thanks for making the web a better place."
    );
    let (ok, labels, err) = app.cli(&["export", "labels"]);
    assert!(ok, "{err}");
    let label: Value = labels
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json"))
        .find(|l| l["comment_id"] == id)
        .expect("a label");
    assert_eq!(label["label"], "ham", "{label}");
    assert_eq!(label["source"], "moderator", "{label}");
    assert_eq!(app.status_of(id), "approved");
}

/// Row 10: a campaign decision decides every member, however many.
#[test]
fn a_campaign_decision_decides_every_member() {
    let app = spawn_app();
    let base = "Earn money fast from home with our proven system, visit the site now";
    let ids: Vec<i64> = (0..230)
        .map(|i| {
            app.submit(
                &format!("Promo {i}"),
                &format!("p{i}@mail.example"),
                &format!("{base} offer {i}"),
                None,
            )
        })
        .collect();
    let detail: Value = app
        .moderation_get(&format!("/comments/{}", ids[229]))
        .json()
        .expect("json");
    let campaign = detail["campaign"]["id"].as_i64().expect("grouped");
    let decided: Value = app
        .client
        .post(app.url(&format!("/api/v1/moderation/campaigns/{campaign}")))
        .basic_auth(MODERATOR, Some(PASSWORD))
        .json(&json!({"action": "approve"}))
        .send()
        .expect("decide")
        .json()
        .expect("json");
    let members = detail["campaign"]["size"].as_u64().expect("size");
    assert!(members > 200, "{detail}");
    assert_eq!(decided["changed"].as_u64(), Some(members), "{decided}");
    let left = ids
        .iter()
        .filter(|id| app.status_of(**id) != "approved")
        .count() as u64;
    assert_eq!(left, 230 - members, "{decided}");
}

/// Row 11: duplicates are judged per sender on the folded text, not per name.
#[test]
fn duplicates_are_per_sender_on_folded_text() {
    let app = spawn_app_with(&[
        ("REPLYGUARD_TRUSTED_PROXIES", "127.0.0.1"),
        ("REPLYGUARD_LIMITS", "on"),
    ]);
    assert_eq!(
        post_from(
            &app,
            "203.0.113.1",
            "John",
            "john.a@mail.example",
            "Great article!"
        ),
        202
    );
    assert_eq!(
        post_from(
            &app,
            "198.51.100.2",
            "John",
            "john.b@mail.example",
            "Great article!"
        ),
        202,
        "another John is another person"
    );
    for variant in [
        "Great  article!",
        "Great\u{a0}article!",
        "Great\narticle!",
        "Great\tarticle!",
        "GREAT ARTICLE!",
        "Ｇreat article!",
    ] {
        assert_eq!(
            post_from(&app, "203.0.113.1", "John", "john.a@mail.example", variant),
            409,
            "{variant:?} is a repeat"
        );
    }
}

/// Row 13: the database, its WAL, the key and backups are private to the service's user.
#[test]
fn every_file_the_service_writes_is_private() {
    use std::os::unix::fs::PermissionsExt as _;
    // The files are SQLite's: on PostgreSQL the database server keeps its own.
    let app = spawn_app_on_sqlite(&[]);
    app.submit("Eve", "eve@mail.example", "Who can read this file?", None);
    let backup = app.data_dir.path().join("backup-dir");
    let (ok, _, err) = app.cli(&["backup", backup.to_str().expect("utf-8")]);
    assert!(ok, "{err}");
    let mut checked = 0;
    let mut stack = vec![app.data_dir.path().to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o077, 0, "{} is {mode:o}", path.display());
            checked += 1;
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    assert!(checked >= 4, "{checked} files checked");
}

/// Row 14: the retrain endpoint takes `application/json` only, as activate does.
#[test]
fn the_retrain_endpoint_refuses_a_body_that_is_not_json_typed() {
    let app = spawn_app();
    let response = app
        .client
        .post(app.url("/api/v1/moderation/model/retrain"))
        .basic_auth(MODERATOR, Some(PASSWORD))
        .header("content-type", "text/plain")
        .body(r#"{"force":true}"#)
        .send()
        .expect("retrain");
    assert_eq!(response.status().as_u16(), 415);
    let status: Value = app.moderation_get("/model").json().expect("json");
    let retrained = status["models"]
        .as_array()
        .expect("models")
        .iter()
        .filter(|m| m["base"] == false)
        .count();
    assert_eq!(retrained, 0, "nothing was trained: {status}");
}

/// Row 1: 2,000 clients each stalling after 250 KB of a 262 KB body hold bounded memory, are
/// cut off, and other readers are served meanwhile; a chunked body without its last chunk
/// is answered `408` at the deadline.
#[test]
fn half_sent_bodies_cost_bounded_memory_and_time() {
    use std::io::{ErrorKind, Read as _, Write as _};
    let app = spawn_app_with(&[("REPLYGUARD_BODY_TIMEOUT_SECS", "3")]);
    let address = app.address.trim_start_matches("http://").to_owned();
    let head = format!(
        "POST /api/v1/comments HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: 262000\r\n\r\n"
    );
    let junk = vec![b' '; 250_000];
    let mut attackers: Vec<(std::net::TcpStream, usize)> = (0..2_000)
        .filter_map(|_| {
            let mut s = std::net::TcpStream::connect(&address).ok()?;
            s.write_all(head.as_bytes()).ok()?;
            s.set_nonblocking(true).ok()?;
            Some((s, 0))
        })
        .collect();
    assert!(attackers.len() >= 1_900, "{} connected", attackers.len());
    // Push the bodies in rounds, as far as each socket takes them, without ever finishing.
    for _ in 0..20 {
        for (socket, sent) in &mut attackers {
            while *sent < junk.len() {
                match socket.write(&junk[*sent..]) {
                    Ok(n) => *sent += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => {
                        *sent = junk.len();
                    }
                }
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // A reader meanwhile is served.
    let reader = app.post_comment_json(&json!({
        "thread": ARTICLE, "author": "Reader", "email": "reader@mail.example",
        "body": "Posted while two thousand bodies hang.",
    }));
    assert_eq!(reader.status().as_u16(), 202);
    let peak_kb = app.peak_memory_kb();
    eprintln!("peak resident memory with 2,000 half-sent bodies: {peak_kb} kB");
    assert!(peak_kb < 128 * 1024, "peak resident memory {peak_kb} kB");
    drop(attackers);

    // A chunked body that never sends its last chunk is cut off at the deadline.
    let mut socket = std::net::TcpStream::connect(&address).expect("connect");
    socket
        .write_all(
            format!(
                "POST /api/v1/comments HTTP/1.1\r\nHost: {address}\r\n\
                 Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\
                 10\r\n{{\"thread\": \"http\r\n"
            )
            .as_bytes(),
        )
        .expect("send");
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    let mut answer = String::new();
    socket
        .read_to_string(&mut answer)
        .expect("the answer, then the connection closed (not drained forever)");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(answer.contains("body_timeout"), "{answer:?}");
    assert_eq!(
        app.pending_total(),
        1,
        "only the reader's comment is stored"
    );
}

/// A PostgreSQL server of one test's own, which it may stop, freeze and start again
/// (`.ci/postgres.sh`'s throwaway cluster).
struct PrivatePostgres {
    url: String,
    dir: String,
    bin: String,
    port: String,
}

impl PrivatePostgres {
    fn start() -> Self {
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(". .ci/postgres.sh && start_postgres && echo \"$PGURL|$PGDIR|$PGBIN|$PGPORT\"")
            .output()
            .expect("start a private PostgreSQL");
        let line = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let parts: Vec<&str> = line.split('|').collect();
        assert_eq!(
            parts.len(),
            4,
            "{line} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self {
            url: format!("{}/postgres", parts[0]),
            dir: parts[1].to_owned(),
            bin: parts[2].to_owned(),
            port: parts[3].to_owned(),
        }
    }

    fn pg_ctl(&self, args: &str) {
        let script = format!(
            ". .ci/postgres.sh && _as_pg {bin}/pg_ctl -D {dir}/db -l {dir}/log -w {args}",
            bin = self.bin,
            dir = self.dir
        );
        let status = std::process::Command::new("bash")
            .arg("-c")
            .arg(script)
            .status()
            .expect("pg_ctl");
        assert!(status.success(), "pg_ctl {args}");
    }

    fn stop(&self) {
        self.pg_ctl("-m fast stop");
    }

    fn start_again(&self) {
        self.pg_ctl(&format!(
            "-o '-p {port} -k {dir} -c listen_addresses=127.0.0.1' start",
            port = self.port,
            dir = self.dir
        ));
    }

    /// Sends `signal` to the server and every process it started.
    fn signal(&self, signal: &str) {
        let pid = std::fs::read_to_string(format!("{}/db/postmaster.pid", self.dir))
            .expect("postmaster.pid");
        let pid = pid.lines().next().expect("pid").trim().to_owned();
        let status = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!("kill -{signal} {pid} $(pgrep -P {pid})"))
            .status()
            .expect("kill");
        assert!(status.success(), "kill -{signal}");
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.signal_quietly();
        let _ = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!(
                ". .ci/postgres.sh && PGDIR={} PGBIN={} stop_postgres",
                self.dir, self.bin
            ))
            .status();
    }
}

impl PrivatePostgres {
    fn signal_quietly(&self) {
        if let Ok(pid) = std::fs::read_to_string(format!("{}/db/postmaster.pid", self.dir))
            && let Some(pid) = pid.lines().next()
        {
            let _ = std::process::Command::new("bash")
                .arg("-c")
                .arg(format!("kill -CONT {pid} $(pgrep -P {pid}) 2>/dev/null"))
                .status();
        }
    }
}

/// Row 6: a PostgreSQL server that is stopped, or frozen, makes requests answer 503 with
/// `Retry-After` within the database timeout, never 500 and never a hang; the service
/// recovers when the server is back.
#[test]
fn a_stopped_or_frozen_postgres_answers_503_and_nothing_hangs() {
    if !crate::helpers::postgres_or_skip() {
        return;
    }
    let pg = PrivatePostgres::start();
    let scratch = tempfile::tempdir().expect("scratch");
    let on_private = [("REPLYGUARD_DATABASE_URL", pg.url.as_str())];
    let (ok, _, err) = crate::helpers::cli_with_env(
        scratch.path(),
        &["site", "add", SITE, "--name", "News"],
        &on_private,
    );
    assert!(ok, "{err}");
    let app = spawn_app_with(&[
        ("REPLYGUARD_DATABASE_URL", pg.url.as_str()),
        ("REPLYGUARD_DB_TIMEOUT_SECS", "2"),
    ]);
    // A client that gives up long after the database timeout: a hang shows as an error.
    let client = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .expect("client");
    let mut n = 0;
    let mut submit = || {
        n += 1;
        client
            .post(app.url("/api/v1/comments"))
            .json(&json!({
                "thread": ARTICLE, "author": "Ann", "email": format!("ann{n}@mail.example"),
                "body": format!("Comment {n} while the database comes and goes."),
            }))
            .send()
            .expect("an answer, not a hang")
    };
    assert_eq!(submit().status().as_u16(), 202);
    let check = |response: reqwest::blocking::Response, what: &str| {
        assert_eq!(response.status().as_u16(), 503, "{what}");
        assert!(
            response.headers().contains_key("retry-after"),
            "{what}: Retry-After"
        );
    };
    let health = || {
        client
            .get(app.url("/healthz"))
            .send()
            .expect("an answer, not a hang")
    };

    for outage in ["frozen", "stopped"] {
        match outage {
            "frozen" => pg.signal("STOP"),
            _ => pg.stop(),
        }
        check(submit(), &format!("{outage}: a submission"));
        check(health(), &format!("{outage}: /healthz"));
        match outage {
            "frozen" => pg.signal("CONT"),
            _ => pg.start_again(),
        }
        // Back: the pool and the writer lanes reconnect on their own.
        let recovered = (0..20).any(|_| {
            if submit().status().as_u16() == 202 {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
            false
        });
        assert!(recovered, "{outage}: the service recovers");
        assert_eq!(health().status().as_u16(), 200, "{outage}");
    }
    assert!(
        !app.logs().iter().any(|l| l.contains("status=500")),
        "no 500 on the way"
    );
}

/// Row 8: Akismet fields are read in `blog_charset` when it is given, and otherwise must
/// be UTF-8: invalid bytes are refused with 400, never stored as U+FFFD.
#[test]
fn akismet_fields_are_read_in_their_charset_or_refused() {
    let app = spawn_app();
    let (ok, key, err) = app.cli(&["site", "key", SITE]);
    assert!(ok, "{err}");
    let key = key.trim().to_owned();
    let (ok, _, err) = app.cli(&["site", "store-checked", SITE, "on"]);
    assert!(ok, "{err}");
    let check = |extra: &str| {
        app.client
            .post(app.url("/1.1/comment-check"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "api_key={key}&blog=https%3A%2F%2Fnews.example%2F&permalink=https%3A%2F%2Fnews.example%2F2026%2Ftram\
                 &user_ip=203.0.113.9&comment_author=Caf%E9Owner&comment_author_email=cafe%40mail.example\
                 &comment_content=The+tram+plan+needs+a+second+look{extra}"
            ))
            .send()
            .expect("comment-check")
    };
    let refused = check("");
    assert_eq!(refused.status().as_u16(), 400);
    assert!(
        refused.text().expect("text").contains("UTF-8"),
        "the answer says why"
    );
    assert_eq!(app.pending_total(), 0, "nothing was stored");
    let read = check("&blog_charset=ISO-8859-1");
    assert_eq!(read.status().as_u16(), 200);
    let pending: Value = app
        .moderation_get("/comments?status=pending")
        .json()
        .expect("json");
    assert_eq!(pending["comments"][0]["author"], "CaféOwner", "{pending}");
}

/// Row 12: a backup killed at any moment leaves either no backup directory or a complete
/// one, and a data directory whose database has no schema is refused, not served empty.
#[test]
fn an_interrupted_backup_never_looks_like_a_backup() {
    let app = spawn_app_on_sqlite(&[]);
    for i in 0..300 {
        app.submit(
            "Ann",
            "ann@mail.example",
            &format!("comment {i} to back up"),
            None,
        );
    }
    let backups = tempfile::tempdir().expect("backups");
    for (round, delay_ms) in [0u64, 5, 15, 30, 60, 120, 250].into_iter().enumerate() {
        let target = backups.path().join(format!("tonight-{round}"));
        let mut backup = std::process::Command::new(crate::helpers::binary())
            .args(["backup", target.to_str().expect("utf-8")])
            .env("REPLYGUARD_DATA_DIR", app.data_dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("backup");
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = backup.kill();
        let _ = backup.wait();
        if !target.exists() {
            continue;
        }
        // There: then it is whole, and the CLI on it finds every comment.
        let export = std::process::Command::new(crate::helpers::binary())
            .args(["privacy", "export", "ann@mail.example"])
            .env("REPLYGUARD_DATA_DIR", &target)
            .env_remove("REPLYGUARD_DATABASE_URL")
            .output()
            .expect("export");
        assert!(
            export.status.success(),
            "round {round}: {}",
            String::from_utf8_lossy(&export.stderr)
        );
        let person: Value = serde_json::from_slice(&export.stdout).expect("json");
        assert_eq!(
            person["comments"].as_array().map(Vec::len),
            Some(300),
            "round {round}"
        );
    }

    // What an interrupted backup used to leave: a database file without a schema.
    let broken = tempfile::tempdir().expect("broken");
    std::fs::write(broken.path().join("replyguard.sqlite3"), b"").expect("empty file");
    let mut serve = std::process::Command::new(crate::helpers::binary())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("REPLYGUARD_DATA_DIR", broken.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("serve");
    let status = (0..100).find_map(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        serve.try_wait().expect("wait")
    });
    let Some(status) = status else {
        let _ = serve.kill();
        panic!("the service started on a database without a schema");
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut serve.stderr.take().expect("stderr"), &mut err)
        .expect("stderr");
    assert!(!status.success(), "{err}");
    assert!(err.contains("holds no Replyguard database"), "{err}");
}

fn form_token(client: &reqwest::blocking::Client, base: &str) -> String {
    let token: Value = client
        .get(format!(
            "{base}/api/v1/form-token?thread={}",
            url_encode(ARTICLE)
        ))
        .send()
        .expect("token")
        .json()
        .expect("json");
    token["token"].as_str().expect("token").to_owned()
}

fn post_at(
    client: &reqwest::blocking::Client,
    base: &str,
    from: &str,
    body: &Value,
) -> reqwest::blocking::Response {
    client
        .post(format!("{base}/api/v1/comments"))
        .header("x-forwarded-for", from)
        .json(body)
        .send()
        .expect("post")
}

/// Item 2: with several instances on one PostgreSQL, the flood interval, the rate, the
/// duplicate window, used form tokens and Akismet usage counts hold across them.
#[test]
fn limits_hold_across_instances_sharing_a_database() {
    if !crate::helpers::postgres_or_skip() {
        return;
    }
    let app = spawn_app_with(&[
        ("REPLYGUARD_LIMITS", "on"),
        ("REPLYGUARD_TRUSTED_PROXIES", "127.0.0.1"),
        ("REPLYGUARD_FORM_MIN_SECS", "0"),
        (
            "REPLYGUARD_SECRET",
            "a shared secret of at least thirty-two characters",
        ),
    ]);
    let (mut other, second, _dir) = app.another_instance();
    let first = app.address.clone();
    let client = &app.client;
    let comment = |n: u32, email: &str| {
        json!({"thread": ARTICLE, "author": "Ann", "email": email,
               "body": format!("A considered view on the vote, number {n}.")})
    };
    // Flood interval: the same address on the other instance is told to wait.
    assert_eq!(
        post_at(client, &first, "203.0.113.5", &comment(1, "a@mail.example"))
            .status()
            .as_u16(),
        202
    );
    let flooded = post_at(
        client,
        &second,
        "203.0.113.5",
        &comment(2, "b@mail.example"),
    );
    assert_eq!(flooded.status().as_u16(), 429);
    // The duplicate window: the same email saying the same thing from elsewhere.
    assert_eq!(
        post_at(
            client,
            &second,
            "198.51.100.7",
            &comment(1, "a@mail.example")
        )
        .status()
        .as_u16(),
        409
    );
    // A form token used on one instance is a replay on the other.
    let token = form_token(client, &first);
    let mut with_token = comment(3, "c@mail.example");
    with_token["form_token"] = json!(token);
    let used = post_at(client, &first, "192.0.2.10", &with_token);
    assert_eq!(used.status().as_u16(), 202);
    let mut again = comment(4, "d@mail.example");
    again["form_token"] = json!(token);
    let replayed = post_at(client, &second, "192.0.2.11", &again);
    assert_eq!(replayed.status().as_u16(), 202);
    let id = replayed.json::<Value>().expect("json")["id"]
        .as_i64()
        .expect("id");
    let detail: Value = app
        .moderation_get(&format!("/comments/{id}"))
        .json()
        .expect("json");
    assert!(
        detail.to_string().contains("form token already used"),
        "{detail}"
    );
    // Akismet usage counts are the site's, whichever instance answered.
    let (ok, key, err) = crate::helpers::cli_with_env(
        app.data_dir.path(),
        &["site", "key", SITE],
        &[(
            "REPLYGUARD_SECRET",
            "a shared secret of at least thirty-two characters",
        )],
    );
    assert!(ok, "{err}");
    let key = key.trim().to_owned();
    for base in [&first, &second] {
        let answer = client
            .post(format!("{base}/1.1/comment-check"))
            .form(&[
                ("api_key", key.as_str()),
                ("blog", "https://news.example/"),
                ("user_ip", "203.0.113.9"),
                ("comment_content", "Counting calls"),
            ])
            .send()
            .expect("check");
        assert_eq!(answer.status().as_u16(), 200);
    }
    let usage: Value = client
        .post(format!("{second}/1.2/usage-limit"))
        .form(&[("api_key", key.as_str())])
        .send()
        .expect("usage")
        .json()
        .expect("json");
    assert_eq!(usage["usage"], 2, "{usage}");
    let _ = other.kill();
    let _ = other.wait();
}

/// Item 4: a used form token stays used across a restart (it was kept in memory only, and
/// half of them dropped past 200,000).
#[test]
fn a_used_form_token_stays_used_across_a_restart() {
    let mut app = spawn_app_with(&[
        ("REPLYGUARD_LIMITS", "on"),
        ("REPLYGUARD_TRUSTED_PROXIES", "127.0.0.1"),
        ("REPLYGUARD_FORM_MIN_SECS", "0"),
    ]);
    let base = app.address.clone();
    let token = form_token(&app.client, &base);
    let body = |n: u32| {
        json!({"thread": ARTICLE, "author": "Bo", "email": format!("bo{n}@mail.example"),
               "body": format!("Thoughts on the vote, take {n}."), "form_token": token})
    };
    let first = post_at(&app.client, &base, "192.0.2.20", &body(1));
    assert_eq!(first.status().as_u16(), 202);
    let id = first.json::<Value>().expect("json")["id"]
        .as_i64()
        .expect("id");
    assert_eq!(app.status_of(id), "pending");
    app.crash_and_restart();
    let base = app.address.clone();
    let again = post_at(&app.client, &base, "192.0.2.21", &body(2));
    assert_eq!(again.status().as_u16(), 202);
    let id = again.json::<Value>().expect("json")["id"]
        .as_i64()
        .expect("id");
    assert_eq!(
        app.status_of(id),
        "spam",
        "a replayed token is a bot signal"
    );
}

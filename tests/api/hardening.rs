//! Hostile traffic (issue #9): what an attacker can send must cost bounded stack, memory and
//! password checks, and must not lock a moderator out.

use std::fmt::Write as _;

use serde_json::Value;

use crate::helpers::{MODERATOR, PASSWORD, TestApp, spawn_app, spawn_app_with};

/// A WordPress export of one article whose approved comments each answer the one before.
fn reply_chain_export(depth: usize) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>
<item><link>https://chain.example/a-long-argument/</link>
"#,
    );
    for i in 1..=depth {
        let _ = writeln!(
            xml,
            "<wp:comment><wp:comment_id>{i}</wp:comment_id>\
             <wp:comment_author>Reader {r}</wp:comment_author>\
             <wp:comment_author_email>r{r}@mail.example</wp:comment_author_email>\
             <wp:comment_date_gmt>2026-01-01 00:00:00</wp:comment_date_gmt>\
             <wp:comment_content>No, you are wrong ({i}).</wp:comment_content>\
             <wp:comment_approved>1</wp:comment_approved>\
             <wp:comment_parent>{p}</wp:comment_parent></wp:comment>",
            r = i % 2,
            p = i - 1
        );
    }
    xml.push_str("</item></channel></rss>\n");
    xml
}

/// Runs `f(0)` … `f(n - 1)` on `n` threads at once and collects the results in order.
fn concurrently<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = (0..n).map(|i| s.spawn(move || f(i))).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    })
}

fn nesting(node: &Value) -> usize {
    // Iterative, like the server: the test must not be the one that overflows.
    let mut deepest = 0;
    let mut stack: Vec<(&Value, usize)> = vec![(node, 1)];
    while let Some((n, d)) = stack.pop() {
        deepest = deepest.max(d);
        for r in n["replies"].as_array().into_iter().flatten() {
            stack.push((r, d + 1));
        }
    }
    deepest
}

#[test]
fn a_reply_chain_twenty_thousand_deep_is_served_and_the_process_lives() {
    let app = spawn_app();
    let file = app.data_dir.path().join("chain.xml");
    std::fs::write(&file, reply_chain_export(20_000)).expect("write export");
    let (ok, out, err) = app.cli(&["import", "wordpress", file.to_str().unwrap()]);
    assert!(ok, "{out}{err}");

    let listing = app.public_comments("https://chain.example/a-long-argument/");
    assert_eq!(listing["count"], 20_000);
    let roots = listing["comments"].as_array().expect("array");
    assert_eq!(roots.len(), 1);
    assert_eq!(nesting(&roots[0]), 10, "replies fold at the tenth level");
    let health = app.client.get(app.url("/healthz")).send().expect("alive");
    assert_eq!(health.status().as_u16(), 200);
}

fn login_form(app: &TestApp, forwarded_for: &str) -> (String, String) {
    let form = app
        .client
        .get(app.url("/dashboard/login"))
        .header("x-forwarded-for", forwarded_for)
        .send()
        .expect("login form");
    let cookie = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.strip_prefix("rg_login=")
                .map(|r| r.split(';').next().unwrap_or("").to_owned())
        })
        .expect("login cookie");
    let html = form.text().expect("html");
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("csrf")
        .to_owned();
    (cookie, csrf)
}

fn sign_in_from(app: &TestApp, forwarded_for: &str, password: &str) -> u16 {
    let (cookie, csrf) = login_form(app, forwarded_for);
    app.client
        .post(app.url("/dashboard/login"))
        .header("cookie", format!("rg_login={cookie}"))
        .header("x-forwarded-for", forwarded_for)
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", MODERATOR),
            ("password", password),
        ])
        .send()
        .expect("sign in")
        .status()
        .as_u16()
}

#[test]
fn forty_concurrent_wrong_sign_ins_check_the_password_at_most_five_times() {
    let app = spawn_app();
    // Forms first, so that the 40 posts really arrive together.
    let forms: Vec<(String, String)> = (0..40).map(|_| login_form(&app, "")).collect();
    let statuses = concurrently(forms.len(), |i| {
        let (cookie, csrf) = &forms[i];
        app.client
            .post(app.url("/dashboard/login"))
            .header("cookie", format!("rg_login={cookie}"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("name", MODERATOR),
                ("password", "wrong password!!"),
            ])
            .send()
            .expect("sign in")
            .status()
            .as_u16()
    });
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert!(checked <= 5, "{checked} passwords checked: {statuses:?}");
    assert_eq!(checked + throttled, 40, "{statuses:?}");
}

#[test]
fn a_strangers_guesses_do_not_lock_the_owner_out() {
    let app = spawn_app_with(&[("REPLYGUARD_TRUSTED_PROXIES", "127.0.0.1")]);
    for _ in 0..5 {
        assert_eq!(sign_in_from(&app, "203.0.113.9", "wrong password!!"), 401);
    }
    assert_eq!(sign_in_from(&app, "203.0.113.9", PASSWORD), 429);
    // The owner, from their own address, is not affected.
    assert_eq!(sign_in_from(&app, "198.51.100.7", PASSWORD), 303);
}

#[test]
fn the_moderation_api_throttles_guesses_and_bounds_password_checks() {
    let app = spawn_app();
    let wrong = |password: &str| {
        app.client
            .get(app.url("/api/v1/moderation/comments"))
            .basic_auth(MODERATOR, Some(password))
            .send()
            .expect("api")
    };
    // The right password works, and keeps working without a new check.
    for _ in 0..3 {
        assert_eq!(wrong(PASSWORD).status().as_u16(), 200);
    }
    // 100 concurrent junk credentials over 25 names: at most 20 reach a password check from
    // this address (5 per name), the rest are refused before it; memory stays bounded.
    let statuses = concurrently(100, |i| {
        app.client
            .get(app.url("/api/v1/moderation/comments"))
            .basic_auth(format!("junk{}", i % 25), Some("junk password"))
            .send()
            .expect("api")
            .status()
            .as_u16()
    });
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert!(
        statuses.iter().filter(|s| **s == 401).count() <= 20,
        "{statuses:?}"
    );
    let throttled = wrong("junk password");
    assert_eq!(throttled.status().as_u16(), 429);
    assert!(throttled.headers().get("retry-after").is_some());
    let peak_kb = app.peak_memory_kb();
    eprintln!("peak resident memory under 100 junk logins: {peak_kb} kB");
    assert!(peak_kb < 256 * 1024, "peak resident memory {peak_kb} kB");
    // A client that proved its password before is still let in.
    assert_eq!(wrong(PASSWORD).status().as_u16(), 200);
}

/// One exported comment, for exports built by hand.
fn wp_comment(id: u32, parent: u32, author: &str, content: &str) -> String {
    format!(
        "<wp:comment><wp:comment_id>{id}</wp:comment_id>\
         <wp:comment_author><![CDATA[{author}]]></wp:comment_author>\
         <wp:comment_author_email>c{id}@mail.example</wp:comment_author_email>\
         <wp:comment_date_gmt>2026-01-01 00:00:0{id}</wp:comment_date_gmt>\
         <wp:comment_content><![CDATA[{content}]]></wp:comment_content>\
         <wp:comment_approved>1</wp:comment_approved>\
         <wp:comment_parent>{parent}</wp:comment_parent></wp:comment>\n"
    )
}

#[test]
fn imports_apply_the_api_field_rules_and_break_parent_cycles() {
    let app = spawn_app();
    let comments = [
        wp_comment(1, 2, "Ann", "I answer Bob, who answers me."),
        wp_comment(2, 1, "Bob", "And I answer Ann."),
        wp_comment(3, 3, "Cy", "I reply to myself."),
        wp_comment(4, 0, "Ad\u{200b}min", "An impersonator."),
        wp_comment(5, 0, "Bell\u{7}", "A control character in a name."),
        wp_comment(
            6,
            0,
            "Zoe\u{301}",
            "Cafe\u{301} with a hidden\u{202e} override.",
        ),
    ]
    .concat();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n\
         <rss version=\"2.0\" xmlns:wp=\"http://wordpress.org/export/1.2/\"><channel>\n\
         <item><link>https://cycle.example/story/</link>\n{comments}</item></channel></rss>\n"
    );
    let file = app.data_dir.path().join("cycle.xml");
    std::fs::write(&file, xml).expect("write export");
    let (ok, out, err) = app.cli(&["import", "wordpress", file.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    let report: Value = serde_json::from_str(&out).expect("json report");
    assert_eq!(
        report["skipped_invalid"], 2,
        "the two bad names are refused: {out}"
    );

    let listing = app.public_comments("https://cycle.example/story/");
    assert_eq!(listing["count"], 4, "{listing}");
    let roots = listing["comments"].as_array().expect("array");
    let names: Vec<&str> = roots.iter().filter_map(|c| c["author"].as_str()).collect();
    // Ann came first and named a parent that came later: that link would close the cycle,
    // so she stays top-level and Bob answers her. Cy's self-reply is top-level.
    assert_eq!(names, ["Ann", "Cy", "Zo\u{e9}"], "{listing}");
    assert_eq!(roots[0]["replies"][0]["author"], "Bob");
    assert_eq!(roots[2]["body"], "Caf\u{e9} with a hidden override.");
}

#[test]
fn a_truncated_or_foreign_import_file_fails_with_a_clear_error() {
    let app = spawn_app();
    let whole = reply_chain_export(3);
    let cut = &whole[..whole.find("<wp:comment>").expect("a comment") + "<wp:comment>".len()];
    let truncated = app.data_dir.path().join("cut.xml");
    std::fs::write(&truncated, cut).expect("write");
    let (ok, _, err) = app.cli(&["import", "wordpress", truncated.to_str().unwrap()]);
    assert!(!ok && err.contains("truncated"), "{err}");

    let foreign = app.data_dir.path().join("notes.txt");
    std::fs::write(&foreign, "just some notes, not XML at all\n").expect("write");
    let (ok, _, err) = app.cli(&["import", "wordpress", foreign.to_str().unwrap()]);
    assert!(!ok && err.contains("not a WordPress export"), "{err}");
}

#[test]
fn a_retrain_request_whose_body_is_not_json_starts_nothing() {
    let app = spawn_app();
    let response = app
        .client
        .post(app.url("/api/v1/moderation/model/retrain"))
        .basic_auth(MODERATOR, Some(PASSWORD))
        .header("content-type", "application/json")
        .body("force=true")
        .send()
        .expect("retrain");
    assert_eq!(response.status().as_u16(), 400);
    let status: Value = app.moderation_get("/model").json().expect("json");
    let retrained = status["models"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["base"] == false)
        .count();
    assert_eq!(retrained, 0, "no model was trained: {status}");
}

#[test]
fn forwarded_headers_count_only_from_a_trusted_proxy() {
    // No trusted proxy: a forged X-Forwarded-Proto must not make the cookie `Secure` (the
    // browser would then never send it back over plain http), and a forged
    // X-Forwarded-Host must not make a foreign Origin look like our own.
    let app = spawn_app();
    let form = app
        .client
        .get(app.url("/dashboard/login"))
        .header("x-forwarded-proto", "https")
        .send()
        .expect("login form");
    let set_cookie: Vec<String> = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    assert!(
        set_cookie
            .iter()
            .all(|c| !c.to_lowercase().contains("secure")),
        "{set_cookie:?}"
    );
    let (cookie, csrf) = login_form(&app, "");
    let forged = app
        .client
        .post(app.url("/dashboard/login"))
        .header("cookie", format!("rg_login={cookie}"))
        .header("origin", "https://evil.example")
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "https")
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", MODERATOR),
            ("password", PASSWORD),
        ])
        .send()
        .expect("sign in");
    assert_eq!(forged.status().as_u16(), 403);
}

#[test]
fn a_form_that_is_not_utf8_is_refused_and_nothing_is_stored() {
    let app = spawn_app();
    let body = format!(
        "thread={}&author=Ada&email=ada%40example.com&comment=caf%E9+au+lait",
        url_encode(crate::helpers::ARTICLE)
    );
    let response = app
        .client
        .post(app.url("/comments"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .expect("post");
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(app.pending_total(), 0);
}

#[test]
fn an_invisible_character_in_a_name_is_refused_on_its_field() {
    let app = spawn_app();
    let response = app.post_comment_json(&serde_json::json!({
        "thread": crate::helpers::ARTICLE,
        "author": "Ad\u{200b}min",
        "email": "a@example.com",
        "body": "Official notice."
    }));
    assert_eq!(response.status().as_u16(), 422);
    let body: Value = response.json().expect("json");
    assert!(body["fields"]["author"].is_array(), "{body}");
}

pub(crate) fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn a_burst_from_one_address_meets_429_with_retry_after_and_nothing_is_stored() {
    let app = spawn_app_with(&[("REPLYGUARD_LIMITS", "on")]);
    let post = |i: usize| {
        app.post_comment_json(&serde_json::json!({
            "thread": crate::helpers::ARTICLE,
            "author": format!("Reader {i}"),
            "email": format!("reader{i}@example.com"),
            "body": format!("Comment number {i} on the vote."),
        }))
    };
    assert_eq!(post(0).status().as_u16(), 202);
    // Same address, another email, a second later: WordPress-style flood control.
    let refused = post(1);
    assert_eq!(refused.status().as_u16(), 429);
    let retry: u64 = refused
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=15).contains(&retry), "{retry}");
    let body: Value = refused.json().expect("json");
    assert_eq!(body["error"], "rate_limited");
    assert_eq!(app.pending_total(), 1, "the refused comment was not stored");
}

#[test]
fn a_retry_with_the_same_idempotency_key_returns_the_first_comment() {
    let app = spawn_app_with(&[("REPLYGUARD_LIMITS", "on")]);
    let comment = serde_json::json!({
        "thread": crate::helpers::ARTICLE,
        "author": "Ada",
        "email": "ada@example.com",
        "body": "Posted once, sent twice.",
    });
    let post = |key: &str| {
        app.client
            .post(app.url("/api/v1/comments"))
            .header("idempotency-key", key)
            .json(&comment)
            .send()
            .expect("post")
    };
    let first = post("retry-7f3a");
    assert_eq!(first.status().as_u16(), 202);
    let first: Value = first.json().expect("json");
    // The retry comes at once: it is answered with the stored comment, not held to the
    // flood limit and not stored again.
    let again = post("retry-7f3a");
    assert_eq!(again.status().as_u16(), 202);
    let again: Value = again.json().expect("json");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["created_at"], first["created_at"]);
    assert_eq!(app.pending_total(), 1);

    let bad = post("has a space");
    assert_eq!(bad.status().as_u16(), 400);
    let body: Value = bad.json().expect("json");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("Idempotency-Key")),
        "{body}"
    );
}

#[test]
fn the_same_comment_posted_again_gets_409_and_is_stored_once() {
    let app = spawn_app_with(&[("REPLYGUARD_LIMITS", "on")]);
    let comment = serde_json::json!({
        "thread": crate::helpers::ARTICLE,
        "author": "Ada",
        "email": "ada@example.com",
        "body": "Said it once.",
    });
    assert_eq!(app.post_comment_json(&comment).status().as_u16(), 202);
    let again = app.post_comment_json(&comment);
    assert_eq!(again.status().as_u16(), 409);
    let body: Value = again.json().expect("json");
    assert_eq!(body["error"], "duplicate_comment");
    assert_eq!(app.pending_total(), 1);
}

//! Moderation policy (issue #26): who is published at once, and closed articles.

use serde_json::{Value, json};

use crate::helpers::{ARTICLE, MODERATOR, PASSWORD, SITE, csrf_in, dashboard_session, spawn_app};

fn post(app: &crate::helpers::TestApp, author: &str, email: &str, body: &str) -> Value {
    let response = app.post_comment_json(&json!({
        "thread": ARTICLE, "author": author, "email": email, "body": body,
    }));
    assert_eq!(response.status().as_u16(), 202, "{author}: {body}");
    response.json().expect("json")
}

/// A service that takes readers' addresses from `X-Forwarded-For` (so a test can be many
/// readers) and hides a published comment at its third report.
fn reporting_app() -> crate::helpers::TestApp {
    let app = crate::helpers::spawn_app_with(&[("REPLYGUARD_TRUSTED_PROXIES", "127.0.0.1")]);
    let (ok, _, err) = app.cli(&["site", "set", SITE, "--auto-hide-reports", "3"]);
    assert!(ok, "{err}");
    app
}

/// A reader at address `from` reports comment `id`.
fn report(
    app: &crate::helpers::TestApp,
    id: i64,
    from: &str,
    body: &Value,
) -> reqwest::blocking::Response {
    app.client
        .post(app.url(&format!("/api/v1/comments/{id}/report")))
        .header("x-forwarded-for", from)
        .json(body)
        .send()
        .expect("report")
}

fn listed(app: &crate::helpers::TestApp, id: i64) -> bool {
    app.public_comments(ARTICLE)
        .to_string()
        .contains(&format!("\"id\":{id}"))
}

#[test]
fn first_time_mode_publishes_a_trusted_commenter_at_once_and_no_one_else() {
    let app = spawn_app();
    let (ok, _, err) = app.cli(&["site", "set", SITE, "--moderation", "first-time"]);
    assert!(ok, "{err}");
    // A first-time commenter waits.
    let first = post(
        &app,
        "Maria",
        "maria@mail.example",
        "Thanks for covering the tram vote.",
    );
    assert_eq!(first["status"], "pending");
    let first_id = first["id"].as_i64().expect("id");
    assert!(!listed(&app, first_id));
    app.approve(first_id);
    // Trusted now: her next comment is published at once, and answered so.
    let second = post(
        &app,
        "Maria",
        "Maria@Mail.example",
        "The second stop should stay too.",
    );
    assert_eq!(second["status"], "approved", "{second}");
    let second_id = second["id"].as_i64().expect("id");
    assert!(listed(&app, second_id), "in the public listing at once");
    let detail: Value = app
        .moderation_get(&format!("/comments/{second_id}"))
        .json()
        .expect("json");
    let log = detail["log"].as_array().expect("log");
    assert_eq!(
        log.last().expect("entry")["reason"],
        "trusted commenter: 1 approved",
        "{detail}"
    );
    assert_eq!(
        log.last().expect("entry")["moderator"],
        Value::Null,
        "{detail}"
    );
    // A spammy comment from the same commenter still waits.
    let spammy = post(
        &app,
        "Maria",
        "maria@mail.example",
        "FREE prize! Call now 0800 123 4567 to claim your cash, win cash now http://bit.ly/money",
    );
    assert_eq!(spammy["status"], "pending", "{spammy}");
    assert!(!listed(&app, spammy["id"].as_i64().expect("id")));
    // Someone else with her name but not her email is not trusted.
    let other = post(
        &app,
        "Maria",
        "another.maria@mail.example",
        "Agreed on the stops.",
    );
    assert_eq!(other["status"], "pending");
    // A moderator can undo the policy's decision like any other.
    assert_eq!(app.act(second_id, "reject").status().as_u16(), 200);
    assert!(!listed(&app, second_id));
    // And a rejected comment ends the trust until a new approval.
    let after = post(
        &app,
        "Maria",
        "maria@mail.example",
        "One more thought on the stops.",
    );
    assert_eq!(after["status"], "pending", "{after}");
}

#[test]
fn postmoderate_publishes_at_once_and_premoderate_an_article_overrides_it() {
    let app = spawn_app();
    let (ok, _, err) = app.cli(&["site", "set", SITE, "--moderation", "postmoderate"]);
    assert!(ok, "{err}");
    let published = post(
        &app,
        "Ben",
        "ben@mail.example",
        "A fair summary of the meeting.",
    );
    assert_eq!(published["status"], "approved");
    assert!(listed(&app, published["id"].as_i64().expect("id")));
    let metrics = app.metrics();
    assert!(
        metrics.contains("replyguard_submissions_total{outcome=\"approved\"} 1\n"),
        "published submissions are counted as such: {metrics}"
    );
    let (ok, _, err) = app.cli(&["thread", "set", ARTICLE, "--moderation", "premoderate"]);
    assert!(ok, "{err}");
    let held = post(
        &app,
        "Cleo",
        "cleo@mail.example",
        "Will the minutes be published?",
    );
    assert_eq!(held["status"], "pending", "the article's own mode wins");
}

#[test]
fn a_closed_article_refuses_comments_and_says_so() {
    let app = spawn_app();
    let before: Value = app.public_comments(ARTICLE);
    assert_eq!(before["open"], true, "{before}");
    let (ok, out, err) = app.cli(&["thread", "close", ARTICLE]);
    assert!(ok, "{err}");
    assert!(out.contains("closed"), "{out}");
    let refused = app.post_comment_json(&json!({
        "thread": ARTICLE, "author": "Dee", "email": "dee@mail.example",
        "body": "Too late for this one?",
    }));
    assert_eq!(refused.status().as_u16(), 403);
    let body: Value = refused.json().expect("json");
    assert_eq!(body["error"], "comments_closed", "{body}");
    assert_eq!(app.public_comments(ARTICLE)["open"], false);
    // The form keeps the text and says why.
    let form = app.post_comment_form(&[
        ("author", "Dee"),
        ("email", "dee@mail.example"),
        ("comment", "My words, kept for me"),
        ("thread", ARTICLE),
    ]);
    assert_eq!(form.status().as_u16(), 403);
    let page = form.text().expect("html");
    assert!(page.contains("Comments are closed"), "{page}");
    assert!(page.contains("My words, kept for me"), "the text is kept");
    assert_eq!(app.pending_total(), 0, "nothing was stored");
    let (ok, _, err) = app.cli(&["thread", "open", ARTICLE]);
    assert!(ok, "{err}");
    assert_eq!(app.public_comments(ARTICLE)["open"], true);
    post(&app, "Dee", "dee@mail.example", "Open again, thank you.");
}

#[test]
fn two_moderators_deciding_at_once_get_one_200_and_one_409_naming_the_other() {
    let app = spawn_app();
    crate::helpers::add_chief(&app, false);
    for round in 0..5 {
        let id = post(
            &app,
            "Eve",
            &format!("eve{round}@mail.example"),
            &format!("A point about the budget, round {round}."),
        )["id"]
            .as_i64()
            .expect("id");
        let decide = |name: &str, password: &str, action: &str| {
            app.decide_as(
                name,
                password,
                id,
                &json!({"action": action, "expected_status": "pending"}),
            )
        };
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| {
                decide(
                    crate::helpers::MODERATOR,
                    crate::helpers::PASSWORD,
                    "approve",
                )
            });
            let b = s.spawn(|| decide("chief", "another long password", "reject"));
            (a.join().expect("a"), b.join().expect("b"))
        });
        let mut answers = [
            (a.status().as_u16(), a.text().expect("a"), "chief"),
            (
                b.status().as_u16(),
                b.text().expect("b"),
                crate::helpers::MODERATOR,
            ),
        ];
        answers.sort_by_key(|(status, _, _)| *status);
        assert_eq!(answers[0].0, 200, "{answers:?}");
        assert_eq!(answers[1].0, 409, "{answers:?}");
        let conflict: Value = serde_json::from_str(&answers[1].1).expect("json");
        assert_eq!(conflict["error"], "already_decided", "{conflict}");
        // The winner is named: whoever got the 200.
        let winner = if answers[0].1.contains("\"moderator\":\"chief\"") {
            "chief"
        } else {
            crate::helpers::MODERATOR
        };
        assert!(
            conflict["message"]
                .as_str()
                .unwrap_or_default()
                .starts_with(winner),
            "{conflict} should name {winner}"
        );
    }
}

#[test]
fn export_decisions_lists_a_removal_with_its_reason() {
    let app = spawn_app();
    let id = post(&app, "Finn", "finn@mail.example", "You are all idiots.")["id"]
        .as_i64()
        .expect("id");
    let reject = |reason: &str| {
        app.decide_as(
            MODERATOR,
            PASSWORD,
            id,
            &json!({"action": "reject", "reason": reason}),
        )
    };
    let wrong = reject("rudeness");
    assert_eq!(wrong.status().as_u16(), 422, "an unknown reason is refused");
    let removed = reject("abuse");
    assert_eq!(removed.status().as_u16(), 200);
    let spam = post(
        &app,
        "Bot",
        "bot@spam.example",
        "FREE prize! Call now 0800 123 4567 to claim your cash, win cash now http://bit.ly/money",
    )["id"]
        .as_i64()
        .expect("id");
    let (ok, csv, err) = app.cli(&["export", "decisions", "--since", "2020-01-01"]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0], "comment_id,article,action,reason,who,when",
        "{csv}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(&format!(
            "{id},{ARTICLE},reject,abuse,{},",
            crate::helpers::MODERATOR
        ))),
        "{csv}"
    );
    assert_eq!(app.status_of(spam), "spam", "the filter filed it as spam");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("{spam},{ARTICLE},spam,filter,service,"))),
        "{csv}"
    );
    let (ok, none, _) = app.cli(&[
        "export",
        "decisions",
        "--since",
        "2020-01-01",
        "--until",
        "2020-01-02",
    ]);
    assert!(ok);
    assert_eq!(none.lines().count(), 1, "only the header: {none}");
}

#[test]
fn three_reports_take_a_published_comment_back_and_a_reader_counts_once() {
    let app = reporting_app();
    let id = post(
        &app,
        "Gil",
        "gil@mail.example",
        "A sharp remark about the mayor.",
    )["id"]
        .as_i64()
        .expect("id");
    let report = |from: &str, body: Value| report(&app, id, from, &body);
    // Only a published comment can be reported.
    assert_eq!(
        report("203.0.113.1", json!({"reason": "abuse"}))
            .status()
            .as_u16(),
        404
    );
    app.approve(id);
    assert!(listed(&app, id));
    // Field errors say which field and why.
    let invalid = report("203.0.113.1", json!({"reason": "illegal"}));
    assert_eq!(invalid.status().as_u16(), 422);
    let body: Value = invalid.json().expect("json");
    assert!(body["fields"]["explanation"].is_array(), "{body}");
    for (from, reason) in [
        ("203.0.113.1", "abuse"),
        ("198.51.100.2", "off_topic"),
        ("203.0.113.1", "spam"),
    ] {
        let r = report(
            from,
            json!({"reason": reason, "email": "reader@mail.example"}),
        );
        assert_eq!(r.status().as_u16(), 202);
    }
    assert!(
        listed(&app, id),
        "two readers reported it; the first one's second report is not counted"
    );
    assert_eq!(
        report(
            "192.0.2.3",
            json!({"reason": "abuse", "explanation": "Insults."})
        )
        .status()
        .as_u16(),
        202
    );
    assert!(!listed(&app, id), "the third reader's report hid it");
    let detail: Value = app
        .moderation_get(&format!("/comments/{id}"))
        .json()
        .expect("json");
    assert_eq!(detail["status"], "pending", "{detail}");
    assert_eq!(
        detail["reports"].as_array().map(Vec::len),
        Some(3),
        "{detail}"
    );
    let last = detail["log"]
        .as_array()
        .and_then(|l| l.last())
        .expect("log");
    assert_eq!(last["action"], "hide", "{detail}");
    assert_eq!(last["reason"], "3 reader reports", "{detail}");
    // Reporters' addresses are stored nowhere; their emails only for moderators.
    assert!(
        !app.public_comments(ARTICLE)
            .to_string()
            .contains("reader@mail.example")
    );
    // A moderator publishes it again: the reports before count no more.
    std::thread::sleep(std::time::Duration::from_millis(5));
    app.approve(id);
    assert!(listed(&app, id));
    let r = report(
        "192.0.2.9",
        json!({"reason": "abuse", "explanation": "Still rude."}),
    );
    assert_eq!(r.status().as_u16(), 202);
    assert!(
        listed(&app, id),
        "one report after the moderator's approval hides nothing"
    );
}

/// Issue #26's Reported tab: the widget's reader token counts a reader once whatever their
/// address; the reports that hide a comment put it in the tab with their reasons; a
/// moderator dismisses them there (logged, the comment published again), a second
/// dismissal has nothing to settle, and reports after it count anew. The first decision's
/// wait is in `/metrics`.
#[test]
fn reported_comments_are_listed_most_reported_first_and_dismissed_as_a_decision() {
    let app = reporting_app();
    let id = post(
        &app,
        "Hal",
        "hal@mail.example",
        "Councillors never read the plan.",
    )["id"]
        .as_i64()
        .expect("id");
    let quiet = post(&app, "Ivy", "ivy@mail.example", "The plan has maps.")["id"]
        .as_i64()
        .expect("id");
    app.approve(id);
    app.approve(quiet);
    let report = |comment: i64, from: &str, body: Value| {
        report(&app, comment, from, &body).status().as_u16()
    };
    let first = "0123456789abcdef0123456789abcdef";
    assert_eq!(
        report(
            id,
            "203.0.113.1",
            json!({"reason": "abuse", "reader": first})
        ),
        202
    );
    // The same browser from another address (a phone changing networks) counts once.
    assert_eq!(
        report(
            id,
            "198.51.100.7",
            json!({"reason": "spam", "reader": first})
        ),
        202
    );
    assert_eq!(
        report(
            id,
            "192.0.2.3",
            json!({"reason": "off_topic", "reader": "second-reader-token-0001"})
        ),
        202
    );
    assert!(listed(&app, id), "two readers so far");
    assert_eq!(
        report(id, "192.0.2.4", json!({"reason": "bad", "reader": "x"})),
        422
    );
    assert_eq!(
        report(
            id,
            "192.0.2.4",
            json!({"reason": "illegal", "explanation": "Defames a named official.", "reader": "third-reader-token-0001"})
        ),
        202
    );
    assert!(!listed(&app, id), "the third reader's report hid it");
    assert_eq!(report(quiet, "192.0.2.5", json!({"reason": "other"})), 202);

    let cookie = dashboard_session(&app, MODERATOR, PASSWORD);
    let tab = || crate::helpers::dashboard_page(&app, &cookie, "/dashboard/reported");
    let html = tab();
    let (hal, ivy) = (
        html.find("Councillors never read the plan.")
            .expect("the hidden comment is listed"),
        html.find("The plan has maps.")
            .expect("the other reported comment is listed"),
    );
    assert!(hal < ivy, "most reported first: {html}");
    assert!(
        html.contains("Defames a named official."),
        "reports show their explanation"
    );
    assert!(html.contains("illegal content") && html.contains("off topic"));
    assert!(
        html.contains(">3<"),
        "three open reports counted, not four: {html}"
    );

    let dismissed = app
        .client
        .post(app.url("/dashboard/reported/dismiss"))
        .header("cookie", format!("rg_session={cookie}"))
        .form(&[
            ("csrf", csrf_in(&html).as_str()),
            ("id", id.to_string().as_str()),
            ("back", "/dashboard/reported"),
        ])
        .send()
        .expect("dismiss");
    assert_eq!(dismissed.status().as_u16(), 303);
    assert!(
        dismissed.headers()["location"]
            .to_str()
            .unwrap()
            .contains("done=dismissed")
    );
    assert!(listed(&app, id), "dismissed: published again");
    assert!(!tab().contains("Councillors never read the plan."));
    let detail: Value = app
        .moderation_get(&format!("/comments/{id}"))
        .json()
        .expect("json");
    let last = detail["log"]
        .as_array()
        .and_then(|l| l.last())
        .expect("log");
    assert_eq!(last["action"], "dismiss_reports", "{detail}");
    assert_eq!(last["moderator"], MODERATOR, "{detail}");
    let again = app
        .client
        .post(app.url(&format!("/api/v1/moderation/comments/{id}/dismiss-reports")))
        .basic_auth(MODERATOR, Some(PASSWORD))
        .send()
        .expect("dismiss again");
    assert_eq!(again.status().as_u16(), 409, "nothing left to dismiss");

    // Reports after the dismissal count anew, from one; a reader still reports a comment
    // only once.
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert_eq!(
        report(id, "192.0.2.8", json!({"reason": "abuse", "reader": first})),
        202
    );
    assert!(!tab().contains("Councillors never read the plan."));
    assert_eq!(
        report(
            id,
            "192.0.2.9",
            json!({"reason": "abuse", "reader": "fourth-reader-token-001"})
        ),
        202
    );
    assert!(listed(&app, id));
    assert!(tab().contains("Councillors never read the plan."));

    let metrics = app.metrics();
    let count = metrics
        .lines()
        .find_map(|l| l.strip_prefix("replyguard_time_to_first_decision_seconds_count "))
        .and_then(|n| n.trim().parse::<u64>().ok())
        .expect("the histogram is exported");
    assert!(count >= 2, "two first decisions observed: {metrics}");
}

/// Issue #26's commenter at a glance: the moderation JSON carries the author's record on
/// the site, `?commenter=` lists their comments, and a moderator trusts (published at once
/// whatever the mode), always holds, bans with a reason, and spams all their pending.
#[test]
fn a_commenter_is_trusted_held_banned_and_spammed_from_their_record() {
    let app = spawn_app();
    let first = post(
        &app,
        "Kim",
        "Kim@Mail.example",
        "First thoughts on the tram.",
    )["id"]
        .as_i64()
        .expect("id");
    let second = post(
        &app,
        "Kim",
        "kim@mail.example",
        "Second thoughts on the tram.",
    )["id"]
        .as_i64()
        .expect("id");
    post(&app, "Lee", "lee@mail.example", "Someone else entirely.");
    app.approve(first);
    let detail: Value = app
        .moderation_get(&format!("/comments/{second}"))
        .json()
        .expect("json");
    let record = &detail["commenter"];
    assert_eq!(
        record["id"], first,
        "named by their first comment: {detail}"
    );
    assert_eq!(
        (record["approved"].as_u64(), record["pending"].as_u64()),
        (Some(1), Some(1)),
        "{detail}"
    );
    assert_eq!(
        (&record["trusted"], &record["held"], &record["banned"]),
        (&json!(false), &json!(false), &json!(false))
    );
    assert!(record["first_seen"].is_string());
    let theirs: Value = app
        .moderation_get(&format!("/comments?commenter={first}"))
        .json()
        .expect("json");
    assert_eq!(
        theirs["total"], 2,
        "email in any case, nobody else's: {theirs}"
    );
    assert_eq!(theirs["commenter"]["id"], first);

    let act = |action: &str, reason: Option<&str>| {
        app.client
            .post(app.url(&format!("/api/v1/moderation/commenters/{second}")))
            .basic_auth(MODERATOR, Some(PASSWORD))
            .json(&json!({"action": action, "reason": reason}))
            .send()
            .expect("commenter action")
    };
    // Trusted: published at once, though the site pre-moderates everyone.
    let trusted: Value = act("trust", None).json().expect("json");
    assert_eq!(trusted["commenter"]["trusted"], true, "{trusted}");
    let answer = post(&app, "Kim", "kim@mail.example", "Third thoughts, on buses.");
    assert_eq!(answer["status"], "approved", "{answer}");
    assert!(listed(&app, answer["id"].as_i64().unwrap()));
    // Always held outranks trust.
    assert_eq!(act("hold", None).status().as_u16(), 200);
    let held = post(
        &app,
        "Kim",
        "kim@mail.example",
        "Fourth thoughts, on bikes.",
    );
    assert_eq!(held["status"], "pending", "{held}");
    assert_eq!(act("unhold", None).status().as_u16(), 200);
    assert_eq!(act("untrust", None).status().as_u16(), 200);
    let waiting = post(
        &app,
        "Kim",
        "kim@mail.example",
        "Fifth thoughts, on ferries.",
    );
    assert_eq!(waiting["status"], "pending", "no longer trusted");

    // A ban needs a reason, and files their next comment as spam.
    let refused = act("ban", None);
    assert_eq!(refused.status().as_u16(), 422);
    let body: Value = refused.json().expect("json");
    assert!(body["fields"]["reason"].is_array(), "{body}");
    let banned: Value = act("ban", Some("repeated abuse")).json().expect("json");
    assert_eq!(banned["commenter"]["banned"], true, "{banned}");
    let spam = post(&app, "Kim", "kim@mail.example", "Sixth thoughts, banned.")["id"]
        .as_i64()
        .expect("id");
    assert_eq!(app.status_of(spam), "spam");
    let rules = app.moderation_get(&format!("/comments/{spam}"));
    assert!(
        rules.text().unwrap().contains("block list"),
        "the ban spoke"
    );
    assert_eq!(
        act("unban", None).json::<Value>().expect("json")["commenter"]["banned"],
        false
    );

    // Spam all their pending: the second, fourth and fifth.
    let swept: Value = act("spam_pending", None).json().expect("json");
    assert_eq!(swept["changed"], 3, "{swept}");
    assert_eq!(swept["commenter"]["pending"], 0, "{swept}");
    assert_eq!(app.status_of(second), "spam");

    // The dashboard shows the record in the queue and on the commenter's page.
    let cookie = dashboard_session(&app, MODERATOR, PASSWORD);
    let page = |path: &str| crate::helpers::dashboard_page(&app, &cookie, path);
    let queue = page("/dashboard");
    assert!(
        queue.contains("/dashboard/commenters/") && queue.contains("first seen"),
        "{queue}"
    );
    let theirs = page(&format!("/dashboard/commenters/{first}"));
    assert!(
        theirs.contains("Kim") && theirs.contains("Always hold"),
        "{theirs}"
    );
    assert!(theirs.contains("Sixth thoughts, banned."));
    let trust = app
        .client
        .post(app.url(&format!("/dashboard/commenters/{first}")))
        .header("cookie", format!("rg_session={cookie}"))
        .form(&[("csrf", csrf_in(&theirs).as_str()), ("action", "trust")])
        .send()
        .expect("trust");
    assert_eq!(trust.status().as_u16(), 303);
    assert!(page(&format!("/dashboard/commenters/{first}")).contains("Stop trusting"));
}

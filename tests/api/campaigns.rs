//! Campaigns (issue #11): waves of near-identical comments are grouped as they arrive,
//! shown to moderators with their size, decided all at once through the API or the
//! dashboard (each comment logged and labelled), and a large wave is itself a spam signal.

use serde_json::{Value, json};

use crate::helpers::{
    MODERATOR, PASSWORD, TestApp, csrf_in, dashboard_session, spawn_app, spawn_app_with,
};

fn wave_text(n: usize) -> String {
    format!(
        "Wow amazing video number {n}!! Check out my channel and my new songs, gift cards every day"
    )
}

fn detail(app: &TestApp, id: i64) -> Value {
    app.moderation_get(&format!("/comments/{id}"))
        .json()
        .expect("json")
}

fn post_wave(app: &TestApp, n: usize) -> Vec<i64> {
    (0..n)
        .map(|i| {
            app.submit(
                &format!("Fan {i}"),
                &format!("fan{i}@mail.example"),
                &wave_text(i),
                None,
            )
        })
        .collect()
}

#[test]
fn a_wave_is_one_campaign_in_the_api_and_is_decided_at_once() {
    let app = spawn_app();
    let wave = post_wave(&app, 5);
    let other = app.submit(
        "Ann",
        "ann@mail.example",
        "The bus timetable changed again this week.",
        None,
    );
    for id in &wave {
        let c = detail(&app, *id);
        assert_eq!(c["campaign"]["id"], wave[0], "{c}");
        assert_eq!(c["campaign"]["size"], 5, "{c}");
        assert!(c["campaign"]["first_seen"].is_string());
    }
    let last = detail(&app, wave[4]);
    assert!(
        last["signals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "one of 5 near-identical comments"),
        "{last}"
    );
    assert_eq!(detail(&app, other)["campaign"], Value::Null);

    let decided: Value = app
        .client
        .post(app.url(&format!("/api/v1/moderation/campaigns/{}", wave[0])))
        .basic_auth(MODERATOR, Some(PASSWORD))
        .json(&json!({"action": "spam"}))
        .send()
        .expect("decide")
        .json()
        .expect("json");
    assert_eq!(decided["changed"], 5, "{decided}");
    for id in &wave {
        let c = detail(&app, *id);
        assert_eq!(c["status"], "spam");
        let log = c["log"].as_array().unwrap();
        assert_eq!(
            log.last().unwrap()["moderator"],
            MODERATOR,
            "logged per comment"
        );
    }
    assert_eq!(detail(&app, other)["status"], "pending");
    let (_, labels, _) = app.cli(&["export", "labels"]);
    assert_eq!(
        labels.lines().filter(|l| l.contains("\"spam\"")).count(),
        5,
        "one label per comment"
    );
}

#[test]
fn the_dashboard_shows_the_campaign_and_decides_all_of_it_undoably() {
    let app = spawn_app();
    let wave = post_wave(&app, 4);
    let session = dashboard_session(&app, MODERATOR, PASSWORD);
    let html = app
        .client
        .get(app.url("/dashboard"))
        .header("cookie", format!("rg_session={session}"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        html.contains(&format!("Campaign #{}: 4 near-identical comments", wave[0])),
        "{html}"
    );
    let decided = app
        .client
        .post(app.url("/dashboard/campaign"))
        .header("cookie", format!("rg_session={session}"))
        .form(&[
            ("csrf", csrf_in(&html).as_str()),
            ("campaign", &wave[0].to_string()),
            ("action", "reject"),
            ("back", "/dashboard"),
        ])
        .send()
        .unwrap();
    assert_eq!(decided.status().as_u16(), 303);
    assert_eq!(app.pending_total(), 0);
    let undone = app
        .client
        .post(app.url("/dashboard/undo"))
        .header("cookie", format!("rg_session={session}"))
        .form(&[("csrf", csrf_in(&html).as_str()), ("back", "/dashboard")])
        .send()
        .unwrap();
    assert_eq!(undone.status().as_u16(), 303);
    assert_eq!(
        app.pending_total(),
        4,
        "one undo puts the whole campaign back"
    );
}

#[test]
fn a_large_wave_of_clean_words_is_spam_by_its_size() {
    let app = spawn_app_with(&[
        ("REPLYGUARD_LIMITS", "on"),
        ("REPLYGUARD_FLOOD_SECS", "0"),
        ("REPLYGUARD_RATE_BURST", "100"),
        ("REPLYGUARD_RATE_PER_HOUR", "1000"),
    ]);
    let clean = |n: usize| {
        format!("Thank you for this thoughtful article about the new library, reader {n} agrees")
    };
    let ids: Vec<i64> = (0..20)
        .map(|i| {
            app.submit(
                &format!("Reader {i}"),
                &format!("r{i}@mail.example"),
                &clean(i),
                None,
            )
        })
        .collect();
    assert_eq!(detail(&app, ids[0])["status"], "pending");
    assert_eq!(
        detail(&app, ids[18])["status"],
        "pending",
        "19 similar comments are a lot, not yet a wave"
    );
    let twentieth = detail(&app, ids[19]);
    assert_eq!(twentieth["status"], "spam", "{twentieth}");
    assert_eq!(twentieth["campaign"]["size"], 20);
    // Twenty short thank-yous under a popular story are grouped, but nobody is punished.
    let short: Vec<i64> = (0..20)
        .map(|i| {
            app.submit(
                &format!("Fan {i}"),
                &format!("f{i}@mail.example"),
                &format!("Thank you for this article {i}"),
                None,
            )
        })
        .collect();
    let last = detail(&app, short[19]);
    assert_eq!(last["campaign"]["size"], 20, "{last}");
    assert_eq!(last["status"], "pending", "{last}");
}

#[test]
fn grouping_can_be_switched_off() {
    let app = spawn_app_with(&[("REPLYGUARD_CAMPAIGNS", "off")]);
    let wave = post_wave(&app, 3);
    assert_eq!(detail(&app, wave[2])["campaign"], Value::Null);
}

//! Big threads (issue #28 item 4): the public listing in pages of top-level comments, each
//! with all its replies, by a cursor, oldest or newest first.

use serde_json::{Value, json};

use crate::helpers::{ARTICLE, SITE, TestApp, spawn_app};

/// A civil sentence of its own for each `i`: words drawn by a fixed generator, so no two
/// comments look alike to the campaign detector.
pub fn distinct_text(i: usize) -> String {
    const WORDS: &[&str] = &[
        "library",
        "council",
        "budget",
        "river",
        "school",
        "market",
        "bridge",
        "tram",
        "park",
        "mayor",
        "housing",
        "teachers",
        "museum",
        "harbour",
        "stadium",
        "clinic",
        "garden",
        "bakery",
        "festival",
        "station",
        "winter",
        "summer",
        "rain",
        "traffic",
        "cyclists",
        "parents",
        "students",
        "neighbours",
        "volunteers",
        "nurses",
        "drivers",
        "farmers",
        "quiet",
        "busy",
        "early",
        "late",
        "fair",
        "costly",
        "useful",
        "careful",
        "honest",
        "clear",
        "thanks",
        "agree",
        "doubt",
        "hope",
        "worry",
        "wonder",
        "remember",
        "expect",
    ];
    let mut state = (i as u64)
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    let mut words = Vec::new();
    for _ in 0..9 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        words.push(WORDS[(state >> 33) as usize % WORDS.len()]);
    }
    format!(
        "I {} the {} and the {}.",
        words.join(" "),
        WORDS[i % WORDS.len()],
        WORDS[(i / 7) % WORDS.len()]
    )
}

/// `n` published top-level comments on the article `thread` of site `origin`, every tenth
/// with a reply; their ids.
pub fn published_thread(app: &TestApp, origin: &str, thread: &str, n: usize) -> Vec<i64> {
    let (ok, _, err) = app.cli(&["site", "set", origin, "--moderation", "postmoderate"]);
    assert!(ok, "{err}");
    (0..n)
        .map(|i| {
            let r = app.post_comment_json(&json!({
                "thread": thread, "author": format!("Reader {i}"),
                "email": format!("reader{i}@mail.example"),
                "body": distinct_text(i),
            }));
            let body: Value = r.json().expect("json");
            assert_eq!(body["status"], "approved", "{body}");
            let id = body["id"].as_i64().expect("id");
            if i % 10 == 0 {
                let reply = app.post_comment_json(&json!({
                    "thread": thread, "parent": id.to_string(), "author": "Replier",
                    "email": format!("replier{i}@mail.example"),
                    "body": distinct_text(i + 1000),
                }));
                assert_eq!(reply.status().as_u16(), 202);
            }
            id
        })
        .collect()
}

fn page(app: &TestApp, query: &str) -> reqwest::blocking::Response {
    app.client
        .get(app.url(&format!(
            "/api/v1/comments?thread={}&{query}",
            crate::hardening::url_encode(ARTICLE)
        )))
        .send()
        .expect("listing")
}

#[test]
fn a_big_thread_lists_in_pages_by_cursor_with_replies_in_either_order() {
    let app = spawn_app();
    let ids = published_thread(&app, SITE, ARTICLE, 120);

    let first: Value = page(&app, "limit=50").json().expect("json");
    assert_eq!(
        first["count"], 132,
        "every comment counted: {}",
        first["count"]
    );
    let roots = first["comments"].as_array().expect("comments");
    assert_eq!(roots.len(), 50);
    assert_eq!(roots[0]["id"], ids[0]);
    assert_eq!(roots[0]["replies"].as_array().map(Vec::len), Some(1));
    let next = first["next"].as_str().expect("a next page").to_owned();

    let second: Value = page(&app, &format!("limit=50&after={next}"))
        .json()
        .expect("json");
    assert_eq!(second["comments"][0]["id"], ids[50]);
    let next = second["next"].as_str().expect("a third page").to_owned();
    let third: Value = page(&app, &format!("limit=50&after={next}"))
        .json()
        .expect("json");
    assert_eq!(third["comments"].as_array().map(Vec::len), Some(20));
    assert_eq!(third["next"], Value::Null, "the last page says so");

    let newest: Value = page(&app, "limit=10&order=newest").json().expect("json");
    assert_eq!(newest["comments"][0]["id"], ids[119]);
    let next = newest["next"].as_str().expect("next").to_owned();
    let older: Value = page(&app, &format!("limit=10&order=newest&after={next}"))
        .json()
        .expect("json");
    assert_eq!(older["comments"][0]["id"], ids[109]);

    let all: Value = page(&app, "").json().expect("json");
    assert_eq!(all["comments"].as_array().map(Vec::len), Some(120));
    assert_eq!(all["next"], Value::Null);

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=500", "limit"),
        ("order=best", "order"),
        ("after=x", "after"),
    ] {
        let refused = page(&app, query);
        assert_eq!(refused.status().as_u16(), 422, "{query}");
        let body: Value = refused.json().expect("json");
        assert!(body["fields"][field].is_array(), "{query}: {body}");
    }
}

use serde_json::{Value, json};

use crate::helpers::{ARTICLE, spawn_app};

#[test]
fn a_valid_json_submission_is_stored_as_pending() {
    // Arrange
    let app = spawn_app();

    // Act
    let response = app.post_comment_json(&json!({
        "thread": ARTICLE, "parent": null, "author": "Ada Lovelace",
        "email": "ada@example.com", "website": "https://ada.example", "body": "Great reporting.",
    }));

    // Assert
    assert_eq!(response.status().as_u16(), 202);
    let body: Value = response.json().expect("json");
    assert_eq!(body["status"], "pending");
    assert_eq!(body["thread"], ARTICLE);
    let id = body["id"].as_i64().expect("id");
    let stored: Value = app
        .moderation_get(&format!("/comments/{id}"))
        .json()
        .expect("json");
    assert_eq!(stored["status"], "pending");
    assert_eq!(stored["author"], "Ada Lovelace");
    assert_eq!(stored["email"], "ada@example.com");
    assert_eq!(stored["website"], "https://ada.example/");
    assert_eq!(stored["body"], "Great reporting.");
    assert_eq!(
        stored["client_ip"], "127.0.0.0/24",
        "only the network is kept"
    );
}

#[test]
fn a_valid_form_submission_is_stored_as_pending_and_redirects_to_the_article() {
    let app = spawn_app();

    let response = app.post_comment_form(&[
        ("author", "Grace"),
        ("email", "grace@example.com"),
        ("url", ""),
        ("comment", "Thanks for this."),
        ("comment_parent", "0"),
        ("thread", ARTICLE),
    ]);

    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(location.starts_with(&format!("{ARTICLE}?")), "{location}");
    assert!(location.contains("replyguard_status=pending"), "{location}");
    let id: i64 = location
        .rsplit_once("#comment-")
        .expect("fragment")
        .1
        .parse()
        .expect("id");
    assert_eq!(app.status_of(id), "pending");
}

#[test]
fn redirect_to_is_followed_only_on_the_articles_origin() {
    let app = spawn_app();
    let cases = [
        (
            "https://news.example/thanks",
            "https://news.example/thanks?",
        ),
        ("https://evil.example/phish", ARTICLE),
        ("//evil.example/x", ARTICLE),
    ];
    for (redirect_to, expected_prefix) in cases {
        let response = app.post_comment_form(&[
            ("author", "G"),
            ("email", "g@example.com"),
            ("comment", "hi"),
            ("thread", ARTICLE),
            ("redirect_to", redirect_to),
        ]);
        let location = response.headers()["location"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(
            location.starts_with(expected_prefix),
            "{redirect_to} -> {location}"
        );
    }
}

#[test]
fn each_invalid_field_gets_its_own_message() {
    let app = spawn_app();
    let valid = json!({
        "thread": ARTICLE, "author": "Ada", "email": "ada@example.com",
        "website": "", "body": "Hello", "parent": null,
    });
    let cases: Vec<(&str, Value, &str)> = vec![
        ("author", json!(""), "a missing name"),
        ("author", json!("   "), "a blank name"),
        ("author", json!("x".repeat(246)), "a name over 245 bytes"),
        ("author", json!(42), "a name that is not a string"),
        ("email", json!(""), "a missing email"),
        ("email", json!("not-an-email"), "an email without @"),
        (
            "email",
            json!("a@localhost"),
            "an email without a dotted domain",
        ),
        (
            "email",
            json!(format!("{}@example.com", "a".repeat(89))),
            "an email over 100 bytes",
        ),
        (
            "website",
            json!("javascript:alert(1)"),
            "a javascript: website",
        ),
        (
            "website",
            json!("ftp://files.example"),
            "a non-http website",
        ),
        (
            "website",
            json!(format!("https://a.example/{}", "p".repeat(190))),
            "a website over 200 bytes",
        ),
        ("body", json!(""), "an empty body"),
        ("body", json!(" \n\t "), "a body of whitespace"),
        (
            "body",
            json!("x".repeat(65_526)),
            "a body over 65,525 bytes",
        ),
        ("thread", json!(""), "a missing thread"),
        ("thread", json!("not a url"), "a thread that is not a URL"),
        (
            "thread",
            json!("https://unregistered.example/a"),
            "a thread outside every registered site",
        ),
        ("parent", json!(999_999), "a parent that does not exist"),
        ("parent", json!("abc"), "a parent that is not an id"),
    ];
    for (field, value, why) in cases {
        let mut body = valid.clone();
        body[field] = value;

        let response = app.post_comment_json(&body);

        assert_eq!(
            response.status().as_u16(),
            422,
            "{why} should be refused with 422"
        );
        let error: Value = response.json().expect("json");
        assert_eq!(error["error"], "validation_failed", "{why}");
        let messages = error["fields"][field]
            .as_array()
            .unwrap_or_else(|| panic!("{why}: no message for {field}: {error}"));
        assert!(!messages.is_empty(), "{why}");
        let fields = error["fields"].as_object().expect("fields");
        assert_eq!(fields.len(), 1, "{why} should only blame {field}: {error}");
    }
}

#[test]
fn malformed_requests_get_400_415_and_413() {
    let app = spawn_app();
    let url = app.url("/api/v1/comments");

    let malformed = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"author\":")
        .send()
        .expect("send");
    assert_eq!(malformed.status().as_u16(), 400);
    assert_eq!(
        malformed.json::<Value>().expect("json")["error"],
        "bad_request"
    );

    let wrong_type = app
        .client
        .post(&url)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .expect("send");
    assert_eq!(wrong_type.status().as_u16(), 415);

    let huge = json!({ "thread": ARTICLE, "author": "A", "email": "a@example.com", "body": "x".repeat(400_000) });
    let too_large = app.client.post(&url).json(&huge).send().expect("send");
    assert_eq!(too_large.status().as_u16(), 413);
    assert_eq!(
        too_large.json::<Value>().expect("json")["error"],
        "payload_too_large"
    );
}

#[test]
fn a_refused_form_comes_back_filled_in_with_each_problem_named() {
    let app = spawn_app();
    let typed = "My <b>long</b> thoughts & more, which must not be lost.";

    let response = app.post_comment_form(&[
        ("author", "Margaret \"Peggy\""),
        ("email", "not-an-email"),
        ("url", "javascript:alert(1)"),
        ("comment", typed),
        ("comment_parent", "0"),
        ("thread", ARTICLE),
    ]);

    assert_eq!(response.status().as_u16(), 422);
    let html = response.text().expect("html");
    assert!(
        html.contains("Please enter a valid email address"),
        "{html}"
    );
    assert!(
        html.contains("Please enter a website address starting with http"),
        "{html}"
    );
    assert!(html.contains(r#"data-field="email""#) && html.contains(r#"data-field="url""#));
    // Everything typed is back in the form, escaped.
    assert!(
        html.contains("My &lt;b&gt;long&lt;/b&gt; thoughts &amp; more, which must not be lost.")
    );
    assert!(
        html.contains(r#"value="Margaret &quot;Peggy&quot;""#),
        "{html}"
    );
    assert!(html.contains(r#"value="not-an-email""#));
    assert!(html.contains(&format!(r#"name="thread" value="{ARTICLE}""#)));
    assert!(!html.contains("<b>long</b>"));
}

#[test]
fn a_pending_comment_is_not_public_until_approved() {
    let app = spawn_app();
    let id = app.submit("Ada", "ada@example.com", "First!", None);

    assert_eq!(app.public_comments(ARTICLE)["count"], 0);

    app.approve(id);
    let listing = app.public_comments(ARTICLE);
    assert_eq!(listing["count"], 1);
    let comment = &listing["comments"][0];
    assert_eq!(comment["id"], id);
    assert_eq!(comment["author"], "Ada");
    assert_eq!(comment["body"], "First!");
    assert_eq!(comment["body_html"], "<p>First!</p>\n");
    // The same article written differently is the same thread.
    assert_eq!(
        app.public_comments(&format!("{ARTICLE}#comments"))["count"],
        1
    );
}

#[test]
fn the_listing_follows_every_decision_however_often_it_is_read() {
    let app = spawn_app();
    let first = app.submit("Ada", "ada@example.com", "First", None);
    let second = app.submit("Bob", "bob@example.com", "Second", None);
    let count = || {
        app.public_comments(ARTICLE)["count"]
            .as_u64()
            .expect("count")
    };

    // Read, decide, read: a listing rendered before a decision is never served after it.
    assert_eq!(count(), 0);
    app.approve(first);
    assert_eq!(count(), 1);
    assert_eq!(count(), 1);
    app.approve(second);
    assert_eq!(count(), 2);
    assert_eq!(app.act(first, "spam").status().as_u16(), 200);
    let listing = app.public_comments(ARTICLE);
    assert_eq!(listing["count"], 1);
    assert_eq!(listing["comments"][0]["id"], second);
    assert_eq!(app.act(first, "ham").status().as_u16(), 200);
    assert_eq!(count(), 2);
}

#[test]
fn replies_nest_under_their_parent() {
    let app = spawn_app();
    let root = app.submit("Ada", "ada@example.com", "Root", None);
    app.approve(root);
    let reply = app.submit("Bob", "bob@example.com", "Reply", Some(root));
    assert_eq!(
        app.post_comment_json(&json!({
            "thread": ARTICLE, "parent": reply, "author": "D", "email": "d@example.com", "body": "x"
        }))
        .status()
        .as_u16(),
        422,
        "replying to a pending comment is refused"
    );
    app.approve(reply);
    let nested = app.submit("Cy", "cy@example.com", "Reply to reply", Some(reply));
    app.approve(nested);
    let second = app.submit("Di", "di@example.com", "Second root", None);
    app.approve(second);

    let listing = app.public_comments(ARTICLE);

    assert_eq!(listing["count"], 4);
    let roots = listing["comments"].as_array().expect("array");
    assert_eq!(roots.len(), 2);
    assert_eq!(roots[0]["id"], root);
    assert_eq!(roots[1]["id"], second);
    assert_eq!(roots[0]["replies"][0]["id"], reply);
    assert_eq!(roots[0]["replies"][0]["parent"], root);
    assert_eq!(roots[0]["replies"][0]["replies"][0]["id"], nested);
}

#[test]
fn a_reply_must_belong_to_its_parents_article() {
    let app = spawn_app();
    let root = app.submit("Ada", "ada@example.com", "Root", None);
    app.approve(root);

    let response = app.post_comment_json(&json!({
        "thread": "https://news.example/another-story", "parent": root,
        "author": "B", "email": "b@example.com", "body": "misplaced",
    }));

    assert_eq!(response.status().as_u16(), 422);
    let error: Value = response.json().expect("json");
    assert!(
        error["fields"]["parent"][0]
            .as_str()
            .expect("msg")
            .contains("another article")
    );
}

#[test]
fn comment_text_is_escaped_and_links_are_nofollow() {
    let app = spawn_app();
    let id = app.submit(
        "<img src=x onerror=alert(1)>",
        "x@example.com",
        "<script>alert(1)</script> see https://a.example/x",
        None,
    );
    app.approve(id);

    let comment = &app.public_comments(ARTICLE)["comments"][0];

    let html = comment["body_html"].as_str().expect("html");
    assert!(html.starts_with("<p>&lt;script&gt;alert(1)&lt;/script&gt; see <a href=\"https://a.example/x\" rel=\"nofollow ugc noopener\">"), "{html}");
    assert_eq!(
        comment["author"], "<img src=x onerror=alert(1)>",
        "JSON keeps plain text; HTML is escaped on output"
    );
}

#[test]
fn the_development_demo_article_shows_approved_comments() {
    let app = spawn_app();
    let demo_thread = app.url("/");
    let response = app.post_comment_json(&json!({
        "thread": demo_thread, "author": "Visitor", "email": "v@example.com", "body": "Trying <it> out",
    }));
    assert_eq!(
        response.status().as_u16(),
        202,
        "the service's own origin is registered in development"
    );
    let id = response.json::<Value>().expect("json")["id"]
        .as_i64()
        .expect("id");
    app.approve(id);

    let page = app
        .client
        .get(app.url("/?replyguard_status=pending"))
        .send()
        .expect("GET /");

    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().expect("html");
    assert!(html.contains("Trying &lt;it&gt; out"));
    assert!(html.contains("Your comment is awaiting moderation."));
    assert!(html.contains(r#"action="/comments""#));
}

#[test]
fn healthz_answers_ok() {
    let app = spawn_app();
    let response = app
        .client
        .get(app.url("/healthz"))
        .send()
        .expect("GET /healthz");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.json::<Value>().expect("json")["status"], "ok");
}

#[test]
fn a_refused_form_never_links_back_to_an_unsafe_article_address() {
    let app = spawn_app();

    let response = app.post_comment_form(&[
        ("author", "A"),
        ("email", "a@example.com"),
        ("comment", "hi"),
        ("thread", "javascript:alert(document.cookie)"),
    ]);

    assert_eq!(response.status().as_u16(), 422);
    let html = response.text().expect("html");
    assert!(!html.contains("href=\"javascript:"), "{html}");
    assert!(html.contains("The article address must be an http:// or https:// URL."));
}

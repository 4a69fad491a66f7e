//! The OpenAPI document (issue #10) against the routes the service really has.

use serde_json::Value;

use crate::helpers::spawn_app;

/// Every JSON API route, as `startup.rs` wires it.
const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/comments"),
    ("get", "/api/v1/comments"),
    ("get", "/api/v1/form-token"),
    ("get", "/api/v1/moderation/comments"),
    ("get", "/api/v1/moderation/comments/{id}"),
    ("post", "/api/v1/moderation/comments/{id}"),
    ("post", "/api/v1/moderation/campaigns/{id}"),
    ("get", "/api/v1/moderation/model"),
    ("post", "/api/v1/moderation/model/retrain"),
    ("post", "/api/v1/moderation/model/activate"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/healthz"),
    ("get", "/readyz"),
];

#[test]
fn the_openapi_document_lists_exactly_the_routes_that_answer() {
    let app = spawn_app();
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .expect("openapi")
        .json()
        .expect("json");
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    documented.sort();
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(documented, expected);

    // Each documented route exists: it answers with something other than the catch-all 404
    // and 405 that an unknown path or method gets.
    for (method, path) in &documented {
        let url = app.url(&path.replace("{id}", "1"));
        let request = match method.as_str() {
            "get" => app.client.get(&url),
            "post" => app
                .client
                .post(&url)
                .header("content-type", "application/json")
                .body("{}"),
            other => panic!("undocumented method {other}"),
        };
        let response = request.send().expect("request");
        let status = response.status().as_u16();
        let body = response.text().unwrap_or_default();
        assert_ne!(status, 405, "{method} {path}");
        assert!(
            !(status == 404 && body.contains("no such resource")),
            "{method} {path} is not routed"
        );
    }
    let unknown = app
        .client
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    assert!(
        unknown.text().unwrap().contains("no such resource"),
        "the catch-all the check relies on"
    );
    // Moderation calls declare both ways in.
    let security = &doc["paths"]["/api/v1/moderation/comments"]["get"]["security"];
    assert_eq!(
        security,
        &serde_json::json!([{"bearer": []}, {"basic": []}])
    );
    assert!(doc["components"]["schemas"]["CommentRequest"]["properties"]["email"].is_object());
}

//! The OpenAPI document (issue #10) against the routes the service really has.

use serde_json::Value;

use crate::helpers::spawn_app;

/// Every JSON API route, read from the route table in `src/startup.rs` itself: each
/// `.route(PATH, web::METHOD())` inside the `/api/v1` scope, and the health checks. A
/// route added there and not documented fails this test; no list is typed in here.
fn routes() -> Vec<(String, String)> {
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/startup.rs"),
    )
    .expect("src/startup.rs");
    let route =
        regex::Regex::new(r#"\.route\(\s*"([^"]+)",\s*web::(get|post|put|patch|delete)\(\)"#)
            .expect("regex");
    let start = source
        .find(r#"web::scope("/api/v1")"#)
        .expect("the API scope");
    // The scope's routes end where the next top-level route or service begins.
    let end = start
        + source[start..]
            .find("\n            .route(")
            .or_else(|| source[start..].find("\n            .service("))
            .expect("the scope's end");
    let mut routes: Vec<(String, String)> = route
        .captures_iter(&source[start..end])
        .map(|c| (c[2].to_owned(), format!("/api/v1{}", &c[1])))
        .collect();
    routes.extend(
        route
            .captures_iter(&source)
            .filter(|c| matches!(&c[1], "/healthz" | "/readyz"))
            .map(|c| (c[2].to_owned(), c[1].to_owned())),
    );
    assert!(routes.len() >= 10, "the route table was read: {routes:?}");
    routes
}

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
    let mut expected = routes();
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

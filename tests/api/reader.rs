//! The reader's side (issue #28): the default look served beside the widget, and the
//! embed's size budget.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::spawn_app;

/// Bytes of `body` gzipped at the best level, by the system's `gzip` (what a server's
/// compression gives, near enough).
fn gzipped(body: &[u8]) -> usize {
    let mut gzip = Command::new("gzip")
        .arg("-9c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip");
    gzip.stdin
        .take()
        .expect("stdin")
        .write_all(body)
        .expect("write");
    gzip.wait_with_output().expect("gzip output").stdout.len()
}

#[test]
fn the_widget_and_its_stylesheet_stay_within_ten_kilobytes_gzipped() {
    let app = spawn_app();
    let get = |path: &str| {
        let response = app.client.get(app.url(path)).send().expect(path);
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let kind = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        (kind, response.bytes().expect("body").to_vec())
    };
    let (script_kind, script) = get("/embed.js");
    let (style_kind, style) = get("/embed.css");
    assert!(script_kind.starts_with("text/javascript"));
    assert!(style_kind.starts_with("text/css"));
    let total = gzipped(&script) + gzipped(&style);
    assert!(
        total <= 10 * 1024,
        "embed.js and embed.css are {total} bytes gzipped"
    );
    let css = String::from_utf8(style).expect("utf-8");
    for needed in [
        "--rg-accent",
        "--rg-font",
        "prefers-color-scheme: dark",
        ":focus-visible",
    ] {
        assert!(css.contains(needed), "{needed}");
    }
}

//! Notifications (issue #10): a signed webhook for each new comment, and email to
//! moderators (each comment, or a digest) through an SMTP server the test runs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{MODERATOR, PASSWORD, TestApp, csrf_in, dashboard_session, spawn_app_with};

/// One HTTP request as a webhook receiver saw it.
pub(crate) struct Received {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A webhook receiver: answers 500 to the first `fail_first` requests (to see the retry),
/// then 200, and passes each request on.
pub(crate) fn webhook_receiver(fail_first: usize) -> (String, mpsc::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/replyguard", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut headers = Vec::new();
            let mut length = 0;
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                let h = h.trim_end().to_owned();
                if h.is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_owned());
                    if k == "content-length" {
                        length = v.parse().unwrap();
                    }
                    headers.push((k, v));
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let status = if n < fail_first {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            let mut stream = reader.into_inner();
            let _ = stream.write_all(
                format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .as_bytes(),
            );
            if n >= fail_first {
                let _ = tx.send(Received { headers, body });
            }
        }
    });
    (url, rx)
}

/// A minimal SMTP server (RFC 5321's happy path, no TLS): passes each message's envelope
/// recipients and data on.
pub(crate) fn smtp_server() -> (String, mpsc::Receiver<(Vec<String>, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                let mut say = |s: &str| writer.write_all(format!("{s}\r\n").as_bytes());
                say("220 test.smtp ESMTP").unwrap();
                let mut to = Vec::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let command = line.trim_end().to_ascii_uppercase();
                    if command.starts_with("EHLO") || command.starts_with("HELO") {
                        say("250-test.smtp\r\n250 8BITMIME").unwrap();
                    } else if command.starts_with("MAIL FROM") {
                        say("250 OK").unwrap();
                    } else if command.starts_with("RCPT TO") {
                        to.push(
                            line.trim_end()[8..]
                                .trim()
                                .trim_matches(['<', '>'])
                                .to_owned(),
                        );
                        say("250 OK").unwrap();
                    } else if command == "DATA" {
                        say("354 go ahead").unwrap();
                        let mut data = String::new();
                        loop {
                            let mut l = String::new();
                            reader.read_line(&mut l).unwrap();
                            if l == ".\r\n" {
                                break;
                            }
                            data.push_str(&l);
                        }
                        say("250 OK queued").unwrap();
                        let _ = tx.send((std::mem::take(&mut to), data));
                    } else if command == "QUIT" {
                        say("221 bye").unwrap();
                        return;
                    } else {
                        say("250 OK").unwrap();
                    }
                }
            });
        }
    });
    (url, rx)
}

/// Each message an SMTP server received: its envelope recipients and its data.
pub(crate) type Inbox = mpsc::Receiver<(Vec<String>, String)>;

/// aiosmtpd (PyPI, `tests/smtp/sink.py`) running, stopped when this is dropped.
pub(crate) struct Aiosmtpd(std::process::Child);

impl Drop for Aiosmtpd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An SMTP server that is not ours: aiosmtpd from PyPI, installed by `.ci/run` in
/// `tests/smtp/.venv`, passing each message on like [`smtp_server`]. Without it, this
/// test's own server, with a note (an error when `REPLYGUARD_REQUIRE_AIOSMTPD` is set).
pub(crate) fn aiosmtpd_or_own_server() -> (String, Inbox, Option<Aiosmtpd>) {
    use std::process::{Command, Stdio};
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp"));
    let python = dir.join(".venv/bin/python");
    if !python.is_file() {
        assert!(
            std::env::var_os("REPLYGUARD_REQUIRE_AIOSMTPD").is_none(),
            "aiosmtpd is required: python3 -m venv tests/smtp/.venv && \
             tests/smtp/.venv/bin/pip install -r tests/smtp/requirements.txt"
        );
        eprintln!(
            "note: aiosmtpd is not installed (tests/smtp/.venv); using the test's own SMTP server"
        );
        let (url, rx) = smtp_server();
        return (url, rx, None);
    }
    // A free port, handed to the sink (aiosmtpd's controller wants a fixed one).
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut child = Command::new(&python)
        .arg(dir.join("sink.py"))
        .arg(port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start aiosmtpd");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().and_then(Result::ok);
    assert_eq!(first.as_deref(), Some("ready"), "aiosmtpd did not start");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let Ok(message) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            let to = message["to"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect();
            let data = message["data"].as_str().unwrap_or_default().to_owned();
            if tx.send((to, data)).is_err() {
                return;
            }
        }
    });
    (
        format!("smtp://127.0.0.1:{port}"),
        rx,
        Some(Aiosmtpd(child)),
    )
}

/// The message's text with quoted-printable undone (soft line breaks and `=XX` escapes).
pub(crate) fn decoded(data: &str) -> String {
    let joined = data.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hmac_hex(key: &str, body: &[u8]) -> String {
    // HMAC-SHA256 by its definition (RFC 2104), so the test does not trust the code it checks.
    use sha2::{Digest, Sha256};
    let mut k = [0u8; 64];
    k[..key.len()].copy_from_slice(key.as_bytes());
    let inner: Vec<u8> = k
        .iter()
        .map(|b| b ^ 0x36)
        .chain(body.iter().copied())
        .collect();
    let inner = Sha256::digest(&inner);
    let outer: Vec<u8> = k
        .iter()
        .map(|b| b ^ 0x5c)
        .chain(inner.iter().copied())
        .collect();
    Sha256::digest(&outer)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn each_new_comment_reaches_the_webhook_signed_and_without_the_email() {
    let (url, received) = webhook_receiver(1);
    let app = spawn_app_with(&[
        ("REPLYGUARD_NOTIFY_WEBHOOK", url.as_str()),
        ("REPLYGUARD_NOTIFY_WEBHOOK_SECRET", "shared hook secret"),
    ]);
    let id = app.submit(
        "Hana",
        "hana.private@mail.example",
        "A thoughtful remark on the tram plan.",
        None,
    );
    // The first delivery got a 500; the retry a second later succeeds.
    let hook = received
        .recv_timeout(Duration::from_secs(20))
        .expect("the webhook was called");
    let body = String::from_utf8(hook.body.clone()).unwrap();
    let event: Value = serde_json::from_str(&body).expect("json event");
    assert_eq!(event["event"], "comment.pending");
    assert_eq!(event["id"], id);
    assert_eq!(event["author"], "Hana");
    assert_eq!(event["excerpt"], "A thoughtful remark on the tram plan.");
    assert!(
        event["dashboard"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/dashboard/comments/{id}"))
    );
    assert!(!body.contains("hana.private"), "never the email: {body}");
    let signature = hook
        .headers
        .iter()
        .find(|(k, _)| k == "x-replyguard-signature")
        .map(|(_, v)| v.clone())
        .expect("signed");
    assert_eq!(
        signature,
        format!("sha256={}", hmac_hex("shared hook secret", &hook.body))
    );
}

fn sign_in(app: &TestApp) -> (String, String) {
    let session = dashboard_session(app, MODERATOR, PASSWORD);
    let page = app
        .client
        .get(app.url("/dashboard/notifications"))
        .header("cookie", format!("rg_session={session}"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    (session, csrf_in(&page))
}

fn choose(app: &TestApp, session: &str, csrf: &str, email: &str, notify: &str) -> String {
    let r = app
        .client
        .post(app.url("/dashboard/notifications"))
        .header("cookie", format!("rg_session={session}"))
        .form(&[("csrf", csrf), ("email", email), ("notify", notify)])
        .send()
        .unwrap();
    r.headers()["location"].to_str().unwrap().to_owned()
}

#[test]
fn moderators_get_an_email_per_comment_or_a_digest_as_they_choose() {
    let (smtp, mail) = smtp_server();
    let app = spawn_app_with(&[
        ("REPLYGUARD_SMTP_URL", smtp.as_str()),
        ("REPLYGUARD_SMTP_FROM", "Replyguard <comments@news.example>"),
    ]);
    let (session, csrf) = sign_in(&app);
    assert!(choose(&app, &session, &csrf, "", "each").ends_with("error=invalid"));
    assert!(
        choose(&app, &session, &csrf, "editor@newsroom.example", "each").ends_with("done=saved")
    );

    app.submit(
        "Ivo",
        "ivo.private@mail.example",
        "Please fix the potholes on Elm Street.",
        None,
    );
    let (to, data) = mail
        .recv_timeout(Duration::from_secs(20))
        .expect("an email per comment");
    let data = decoded(&data);
    assert_eq!(to, ["editor@newsroom.example"]);
    assert!(
        data.contains("Subject: New comment by Ivo awaiting moderation"),
        "{data}"
    );
    assert!(data.contains("Please fix the potholes"), "{data}");
    assert!(data.contains("/dashboard/comments/"), "{data}");
    assert!(!data.contains("ivo.private"), "{data}");

    // A digest instead: nothing per comment, one email listing them when the digest runs.
    assert!(
        choose(&app, &session, &csrf, "editor@newsroom.example", "digest").ends_with("done=saved")
    );
    app.submit("Jo", "jo@mail.example", "First for the digest.", None);
    app.submit("Kai", "kai@mail.example", "Second for the digest.", None);
    assert!(
        mail.recv_timeout(Duration::from_secs(2)).is_err(),
        "no per-comment email now"
    );
    let env = [
        ("REPLYGUARD_SMTP_URL", smtp.as_str()),
        ("REPLYGUARD_SMTP_FROM", "Replyguard <comments@news.example>"),
    ];
    let (ok, out, err) =
        crate::helpers::cli_with_env(app.data_dir.path(), &["notify", "digest"], &env);
    assert!(ok, "{err}");
    assert!(out.contains("1 digest(s) sent"), "{out}");
    let (to, data) = mail
        .recv_timeout(Duration::from_secs(5))
        .expect("the digest");
    let data = decoded(&data);
    assert_eq!(to, ["editor@newsroom.example"]);
    assert!(
        data.contains("3 new comment(s)") || data.contains("3 comment(s)"),
        "{data}"
    );
    assert!(
        data.contains("First for the digest.") && data.contains("Second for the digest."),
        "{data}"
    );
    // The next digest only has what came after this one.
    let (_, out, _) =
        crate::helpers::cli_with_env(app.data_dir.path(), &["notify", "digest"], &env);
    assert!(out.contains("0 digest(s) sent"), "{out}");
}

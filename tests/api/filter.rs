use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::helpers::{ARTICLE, binary, cli, fixture_model, spawn_app};

fn model_version(path: &std::path::Path) -> String {
    let file: Value = serde_json::from_slice(&std::fs::read(path).expect("model")).expect("json");
    file["payload"]["version"]
        .as_str()
        .expect("version")
        .to_owned()
}

#[test]
fn spam_is_filed_as_spam_with_its_reasons_and_the_model_version() {
    let app = spawn_app();

    let response = app.post_comment_json(&json!({
        "thread": ARTICLE, "author": "Free Views", "email": "promo@example.com",
        "body": "Check out my channel and subscribe!!! http://bit.ly/free-views win cash now",
    }));

    assert_eq!(response.status().as_u16(), 202);
    let body: Value = response.json().expect("json");
    assert_eq!(
        body["status"], "pending",
        "the submitter is not told what the filter thinks"
    );
    let id = body["id"].as_i64().expect("id");
    let detail: Value = app
        .moderation_get(&format!("/comments/{id}"))
        .json()
        .expect("json");
    assert_eq!(detail["status"], "spam");
    assert!(
        detail["spam_score"].as_f64().expect("score") > 0.5,
        "{detail}"
    );
    assert!(detail["spam_log_odds"].as_f64().expect("log-odds") > 0.0);
    assert_eq!(detail["model_version"], model_version(fixture_model()));
    let reasons = detail["spam_reasons"].as_array().expect("reasons");
    assert!(
        reasons
            .iter()
            .any(|r| r["towards"] == "spam" && r["signal"] == "links to bit.ly"),
        "{reasons:?}"
    );
    assert_eq!(
        detail["log"][0]["moderator"],
        Value::Null,
        "the filter acted"
    );
    assert_eq!(detail["log"][0]["action"], "spam");
    let pending: Value = app
        .moderation_get("/comments?status=pending")
        .json()
        .expect("json");
    assert_eq!(pending["total"], 0, "spam stays out of the pending queue");
}

#[test]
fn an_ordinary_comment_stays_pending_with_a_low_score_and_reasons() {
    let app = spawn_app();

    let id = app.submit(
        "Maria",
        "maria@example.com",
        "Thanks for the reporting on the council vote, the bus route matters.",
        None,
    );

    let detail: Value = app
        .moderation_get(&format!("/comments/{id}"))
        .json()
        .expect("json");
    assert_eq!(detail["status"], "pending");
    assert!(
        detail["spam_score"].as_f64().expect("score") < 0.5,
        "{detail}"
    );
    let reasons = detail["spam_reasons"].as_array().expect("reasons");
    assert!(reasons.iter().any(|r| r["towards"] == "ham"), "{reasons:?}");
}

#[test]
fn not_spam_returns_a_filtered_comment_to_the_queue() {
    let app = spawn_app();
    let response = app.post_comment_json(&json!({
        "thread": ARTICLE, "author": "X", "email": "x@example.com",
        "body": "FREE prize! subscribe to my channel http://bit.ly/free-views call now",
    }));
    let id = response.json::<Value>().expect("json")["id"]
        .as_i64()
        .expect("id");
    assert_eq!(app.status_of(id), "spam");

    assert_eq!(app.act(id, "ham").status().as_u16(), 200);

    assert_eq!(app.status_of(id), "pending");
}

#[test]
fn each_comment_keeps_the_version_of_the_model_that_scored_it() {
    let mut app = spawn_app();
    let first = app.submit(
        "A",
        "a@example.com",
        "A thoughtful note on the library hours.",
        None,
    );
    let dir = tempfile::tempdir().expect("tmp");
    let corpus = dir.path().join("more.tsv");
    std::fs::write(
        &corpus,
        format!(
            "{}ham\tlibrary hours matter to students\n",
            crate::helpers::FIXTURE_CORPUS
        ),
    )
    .expect("write");
    let second_model = dir.path().join("second.json");
    let (ok, _, err) = cli(
        dir.path(),
        &[
            "model",
            "train",
            "--width-bits",
            "10",
            "--out",
            second_model.to_str().unwrap(),
            corpus.to_str().unwrap(),
        ],
        "",
    );
    assert!(ok, "{err}");

    app.restart_with_model(&second_model);
    let second = app.submit(
        "B",
        "b@example.com",
        "Another note on the library hours.",
        None,
    );

    let version = |id: i64| -> Value {
        app.moderation_get(&format!("/comments/{id}"))
            .json::<Value>()
            .expect("json")["model_version"]
            .clone()
    };
    assert_eq!(version(first), model_version(fixture_model()));
    assert_eq!(version(second), model_version(&second_model));
    assert_ne!(version(first), version(second));
}

#[test]
fn model_score_answers_each_stdin_line_as_it_arrives() {
    let mut child = Command::new(binary())
        .args([
            "model",
            "score",
            "--model",
            fixture_model().to_str().unwrap(),
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("score");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut ask = |line: &str| {
        writeln!(stdin, "{line}").expect("write");
        stdin.flush().expect("flush");
        let mut answer = String::new();
        // Blocks until the scorer answers: a scorer that buffered its output would hang here.
        stdout.read_line(&mut answer).expect("read");
        let fields: Vec<String> = answer.trim_end().split('\t').map(str::to_owned).collect();
        assert_eq!(
            fields.len(),
            3,
            "P(spam)<TAB>label<TAB>log-odds, got {answer:?}"
        );
        let p: f64 = fields[0].parse().expect("probability");
        let z: f64 = fields[2].parse().expect("log-odds");
        assert!((0.0..=1.0).contains(&p));
        assert_eq!(p > 0.5, z > 0.0);
        fields[1].clone()
    };

    assert_eq!(
        ask("?\tFREE prize call now to claim your cash http://bit.ly/x"),
        "spam"
    );
    assert_eq!(
        ask("The council vote coverage was careful and fair."),
        "ham"
    );
    drop(stdin);
    assert!(child.wait().expect("exit").success());
}

#[test]
fn model_evaluate_reports_every_metric_for_each_test_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let test = dir.path().join("test.tsv");
    std::fs::write(&test, "spam\tsubscribe to my channel http://bit.ly/abc\nham\tthe council meeting was long\nspam\twin a FREE prize now\nham\tlovely photo of the river\n").expect("write");

    let (ok, out, err) = cli(
        dir.path(),
        &[
            "model",
            "evaluate",
            "--model",
            fixture_model().to_str().unwrap(),
            "--test",
            test.to_str().unwrap(),
            "--json",
        ],
        "",
    );

    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).expect("json report");
    let result = &report["results"][0];
    assert_eq!(result["test"], "test.tsv");
    assert_eq!(result["n"], 4);
    for metric in [
        "accuracy",
        "precision",
        "recall",
        "f1",
        "roc_auc",
        "false_positive_rate",
        "recall_at_1pct_fpr",
    ] {
        let value = result[metric]
            .as_f64()
            .unwrap_or_else(|| panic!("{metric} missing: {result}"));
        assert!((0.0..=1.0).contains(&value), "{metric} = {value}");
    }
    assert_eq!(
        result["roc_auc"], 1.0,
        "the fixture model separates these easily"
    );
}

#[test]
fn a_truncated_or_altered_model_file_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tmp");
    let bytes = std::fs::read(fixture_model()).expect("model");
    let truncated = dir.path().join("truncated.json");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    let altered = dir.path().join("altered.json");
    let text = String::from_utf8(bytes.clone()).expect("utf-8").replacen(
        "\"alpha\":0.2",
        "\"alpha\":0.3",
        1,
    );
    assert_ne!(
        text.as_bytes(),
        &bytes[..],
        "the fixture has the field to alter"
    );
    std::fs::write(&altered, text).expect("write");
    let future = dir.path().join("future.json");
    std::fs::write(
        &future,
        String::from_utf8(bytes).unwrap().replacen(
            "\"format_version\":1",
            "\"format_version\":99",
            1,
        ),
    )
    .expect("write");

    for (path, expected) in [
        (&truncated, "truncated"),
        (&altered, "checksum"),
        (&future, "format version 99"),
    ] {
        let (ok, _, err) = cli(
            dir.path(),
            &[
                "model",
                "score",
                "--model",
                path.to_str().unwrap(),
                path.to_str().unwrap(),
            ],
            "",
        );
        assert!(!ok && err.contains(expected), "{expected}: {err}");
        let served = Command::new(binary())
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("REPLYGUARD_DATA_DIR", dir.path())
            .env("REPLYGUARD_MODEL", path)
            .output()
            .expect("serve");
        let stderr = String::from_utf8_lossy(&served.stderr);
        assert!(
            !served.status.success()
                && stderr.contains("REPLYGUARD_MODEL")
                && stderr.contains(expected),
            "{stderr}"
        );
    }
}

#[test]
fn the_shipped_model_loads_and_tells_spam_from_ham() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = dir.path().join("in.tsv");
    std::fs::write(&input, "?\tCheck out my channel and subscribe!!! http://bit.ly/x\n?\tThe council vote coverage was careful and fair, thank you.\n").expect("write");

    let (ok, out, err) = cli(dir.path(), &["model", "score", input.to_str().unwrap()], "");

    assert!(ok, "{err}");
    let lines: Vec<Vec<&str>> = out.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!((lines[0][1], lines[1][1]), ("spam", "ham"), "{out}");
    let p = |i: usize| lines[i][0].parse::<f64>().expect("probability");
    // The news comment is not merely under the threshold (about 0.91) but well clear of it:
    // neither corpus holds news comments, so it scores moderately (models/README.md, Limits).
    assert!(p(0) > 0.99 && p(1) < 0.75, "{out}");
}

#[test]
fn model_train_adapts_to_unlabelled_texts_of_the_target_site() {
    let dir = tempfile::tempdir().expect("tmp");
    let corpus = dir.path().join("corpus.tsv");
    std::fs::write(&corpus, crate::helpers::FIXTURE_CORPUS).expect("write corpus");
    // The site's own texts: spam the labelled corpus never saw ("crypto", "airdrop"), next to
    // its usual words. A TSV line's label is ignored, like a line without one.
    let site = dir.path().join("site.txt");
    std::fs::write(
        &site,
        "subscribe to my channel for the crypto airdrop\n\
         check out my channel, crypto airdrop bonus http://bit.ly/x\n\
         ham\tfree crypto airdrop, subscribe now\n",
    )
    .expect("write site texts");
    let train = |out: &str, extra: &[&str]| -> Value {
        let path = dir.path().join(out);
        let mut args = vec![
            "model",
            "train",
            "--width-bits",
            "10",
            "--out",
            path.to_str().unwrap(),
            corpus.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let (ok, stdout, err) = cli(dir.path(), &args, "");
        assert!(ok, "{stdout}{err}");
        let (ok, scored, err) = cli(
            dir.path(),
            &["model", "score", "--model", path.to_str().unwrap()],
            "claim your crypto airdrop\n",
        );
        assert!(ok, "{err}");
        let file: Value =
            serde_json::from_slice(&std::fs::read(&path).expect("model")).expect("json");
        json!({"training": file["payload"]["training"], "scored": scored})
    };
    let plain = train("plain.json", &[]);
    let adapted = train(
        "adapted.json",
        &[
            "--unlabelled",
            site.to_str().unwrap(),
            "--unlabelled-weight",
            "1",
        ],
    );
    assert_eq!(adapted["training"]["unlabelled"], 3, "{adapted}");
    assert!(plain["training"].get("unlabelled").is_none(), "{plain}");
    // `model score` prints P(spam), the label and the log-odds, tab-separated.
    let p = |v: &Value| -> f64 {
        let line = v["scored"].as_str().expect("output");
        line.split('\t')
            .next()
            .and_then(|x| x.trim().parse().ok())
            .unwrap_or_else(|| panic!("not a score line: {line}"))
    };
    assert!(
        p(&adapted) > p(&plain),
        "the site's spam words now count as spam: {} vs {}",
        p(&adapted),
        p(&plain)
    );
    let (ok, _, err) = cli(
        dir.path(),
        &[
            "model",
            "train",
            "--out",
            dir.path().join("x.json").to_str().unwrap(),
            corpus.to_str().unwrap(),
            "--unlabelled",
            site.to_str().unwrap(),
            "--unlabelled-weight",
            "0",
        ],
        "",
    );
    assert!(!ok && err.contains("--unlabelled-weight"), "{err}");
}

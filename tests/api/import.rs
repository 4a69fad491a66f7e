use serde_json::Value;

use crate::helpers::{add_rule, spawn_app};

/// A WXR 1.2 export as WordPress writes it (Tools → Export): two posts, comments in every
/// status, a reply whose parent comes later in the file, a pingback and entity-escaped text.
const WXR: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
	<title>Valley Gazette</title>
	<link>https://gazette.example</link>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>https://gazette.example</wp:base_site_url>
	<item>
		<title>Council approves budget</title>
		<link>https://gazette.example/2026/03/council-budget/</link>
		<wp:post_id>10</wp:post_id>
		<wp:post_type><![CDATA[post]]></wp:post_type>
		<wp:comment>
			<wp:comment_id>7</wp:comment_id>
			<wp:comment_author><![CDATA[Replying Reader]]></wp:comment_author>
			<wp:comment_author_email><![CDATA[reply@reader.example]]></wp:comment_author_email>
			<wp:comment_author_url></wp:comment_author_url>
			<wp:comment_author_IP><![CDATA[198.51.100.7]]></wp:comment_author_IP>
			<wp:comment_date><![CDATA[2026-03-02 11:00:00]]></wp:comment_date>
			<wp:comment_date_gmt><![CDATA[2026-03-02 10:00:00]]></wp:comment_date_gmt>
			<wp:comment_content><![CDATA[I agree with you, Ada.]]></wp:comment_content>
			<wp:comment_approved><![CDATA[1]]></wp:comment_approved>
			<wp:comment_type><![CDATA[comment]]></wp:comment_type>
			<wp:comment_parent>5</wp:comment_parent>
			<wp:comment_user_id>0</wp:comment_user_id>
		</wp:comment>
		<wp:comment>
			<wp:comment_id>5</wp:comment_id>
			<wp:comment_author><![CDATA[Ada]]></wp:comment_author>
			<wp:comment_author_email><![CDATA[ada@reader.example]]></wp:comment_author_email>
			<wp:comment_author_url>https://ada.example</wp:comment_author_url>
			<wp:comment_author_IP><![CDATA[203.0.113.5]]></wp:comment_author_IP>
			<wp:comment_date><![CDATA[2026-03-01 09:30:00]]></wp:comment_date>
			<wp:comment_date_gmt><![CDATA[2026-03-01 08:30:00]]></wp:comment_date_gmt>
			<wp:comment_content>Finally a budget that funds the library &amp; the buses &lt;3</wp:comment_content>
			<wp:comment_approved><![CDATA[1]]></wp:comment_approved>
			<wp:comment_type><![CDATA[comment]]></wp:comment_type>
			<wp:comment_parent>0</wp:comment_parent>
			<wp:comment_user_id>0</wp:comment_user_id>
			<wp:commentmeta>
				<wp:meta_key><![CDATA[akismet_result]]></wp:meta_key>
				<wp:meta_value><![CDATA[false]]></wp:meta_value>
			</wp:commentmeta>
		</wp:comment>
		<wp:comment>
			<wp:comment_id>6</wp:comment_id>
			<wp:comment_author><![CDATA[Cheap Meds]]></wp:comment_author>
			<wp:comment_author_email><![CDATA[sales@pills.example]]></wp:comment_author_email>
			<wp:comment_author_url>http://pills.example</wp:comment_author_url>
			<wp:comment_author_IP><![CDATA[192.0.2.66]]></wp:comment_author_IP>
			<wp:comment_date><![CDATA[2026-03-01 10:00:00]]></wp:comment_date>
			<wp:comment_date_gmt><![CDATA[2026-03-01 09:00:00]]></wp:comment_date_gmt>
			<wp:comment_content><![CDATA[Buy cheap pills online http://pills.example]]></wp:comment_content>
			<wp:comment_approved><![CDATA[spam]]></wp:comment_approved>
			<wp:comment_type><![CDATA[comment]]></wp:comment_type>
			<wp:comment_parent>0</wp:comment_parent>
			<wp:comment_user_id>0</wp:comment_user_id>
		</wp:comment>
		<wp:comment>
			<wp:comment_id>8</wp:comment_id>
			<wp:comment_author><![CDATA[Other Blog]]></wp:comment_author>
			<wp:comment_author_email></wp:comment_author_email>
			<wp:comment_author_url>https://other.example/post</wp:comment_author_url>
			<wp:comment_author_IP><![CDATA[192.0.2.1]]></wp:comment_author_IP>
			<wp:comment_date><![CDATA[2026-03-03 10:00:00]]></wp:comment_date>
			<wp:comment_date_gmt><![CDATA[2026-03-03 09:00:00]]></wp:comment_date_gmt>
			<wp:comment_content><![CDATA[[&#8230;] linked here [&#8230;]]]></wp:comment_content>
			<wp:comment_approved><![CDATA[1]]></wp:comment_approved>
			<wp:comment_type><![CDATA[pingback]]></wp:comment_type>
			<wp:comment_parent>0</wp:comment_parent>
			<wp:comment_user_id>0</wp:comment_user_id>
		</wp:comment>
	</item>
	<item>
		<title>River cleanup</title>
		<link>https://gazette.example/2026/04/river/</link>
		<wp:post_id>11</wp:post_id>
		<wp:comment>
			<wp:comment_id>9</wp:comment_id>
			<wp:comment_author><![CDATA[Waiting Reader]]></wp:comment_author>
			<wp:comment_author_email><![CDATA[wait@reader.example]]></wp:comment_author_email>
			<wp:comment_author_url></wp:comment_author_url>
			<wp:comment_author_IP><![CDATA[198.51.100.9]]></wp:comment_author_IP>
			<wp:comment_date><![CDATA[2026-04-01 10:00:00]]></wp:comment_date>
			<wp:comment_date_gmt><![CDATA[2026-04-01 09:00:00]]></wp:comment_date_gmt>
			<wp:comment_content><![CDATA[When is the next cleanup day?]]></wp:comment_content>
			<wp:comment_approved><![CDATA[0]]></wp:comment_approved>
			<wp:comment_type><![CDATA[]]></wp:comment_type>
			<wp:comment_parent>0</wp:comment_parent>
			<wp:comment_user_id>0</wp:comment_user_id>
		</wp:comment>
		<wp:comment>
			<wp:comment_id>10</wp:comment_id>
			<wp:comment_author><![CDATA[Troll]]></wp:comment_author>
			<wp:comment_author_email><![CDATA[troll@reader.example]]></wp:comment_author_email>
			<wp:comment_author_url></wp:comment_author_url>
			<wp:comment_author_IP><![CDATA[198.51.100.10]]></wp:comment_author_IP>
			<wp:comment_date><![CDATA[2026-04-01 11:00:00]]></wp:comment_date>
			<wp:comment_date_gmt><![CDATA[2026-04-01 10:00:00]]></wp:comment_date_gmt>
			<wp:comment_content><![CDATA[Rude remark]]></wp:comment_content>
			<wp:comment_approved><![CDATA[trash]]></wp:comment_approved>
			<wp:comment_type><![CDATA[comment]]></wp:comment_type>
			<wp:comment_parent>0</wp:comment_parent>
			<wp:comment_user_id>0</wp:comment_user_id>
		</wp:comment>
	</item>
</channel>
</rss>
"#;

#[test]
fn a_wordpress_export_imports_comments_replies_statuses_and_labels_once() {
    let app = spawn_app();
    let file = app.data_dir.path().join("export.xml");
    std::fs::write(&file, WXR).expect("write");

    let (ok, out, err) = app.cli(&["import", "wordpress", file.to_str().unwrap()]);

    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).expect("report");
    assert_eq!(report["articles"], 2);
    assert_eq!(report["imported"], 5, "{report}");
    assert_eq!(report["skipped_pingbacks"], 1);
    assert_eq!(
        (
            report["ham_labels"].as_u64(),
            report["spam_labels"].as_u64()
        ),
        (Some(2), Some(1))
    );

    let listing = app.public_comments("https://gazette.example/2026/03/council-budget/");
    assert_eq!(listing["count"], 2);
    let ada = &listing["comments"][0];
    assert_eq!(ada["author"], "Ada");
    assert_eq!(
        ada["body"],
        "Finally a budget that funds the library & the buses <3"
    );
    assert_eq!(ada["created_at"], "2026-03-01T08:30:00.000Z");
    assert_eq!(
        ada["replies"][0]["author"], "Replying Reader",
        "the reply found its parent: {listing}"
    );
    let count = |status: &str| {
        app.moderation_get(&format!("/comments?status={status}"))
            .json::<Value>()
            .expect("json")["total"]
            .clone()
    };
    assert_eq!(
        (
            count("approved"),
            count("spam"),
            count("pending"),
            count("rejected")
        ),
        (2.into(), 1.into(), 1.into(), 1.into())
    );
    let pending: Value = app
        .moderation_get("/comments?status=pending")
        .json()
        .expect("json");
    assert!(
        pending["comments"][0]["spam_score"].is_number(),
        "imported comments are scored"
    );

    let (ok, export, _) = app.cli(&["export", "labels"]);
    assert!(ok);
    let labels: Vec<Value> = export
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(labels.len(), 3);
    assert!(labels.iter().all(|l| l["source"] == "import"));

    let (ok, again, err) = app.cli(&["import", "wordpress", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    let again: Value = serde_json::from_str(&again).expect("report");
    assert_eq!(again["imported"], 0);
    assert_eq!(again["already_present"], 5);
    assert_eq!(count("approved"), Value::from(2), "nothing added twice");
}

#[test]
fn xml_bombs_and_external_entities_are_refused() {
    let app = spawn_app();
    let dir = app.data_dir.path();
    let mut laughs =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
    for i in 1..10 {
        laughs.push_str(&format!(
            " <!ENTITY lol{i} \"{}\">\n",
            format!(
                "&lol{};",
                if i == 1 {
                    String::new()
                } else {
                    (i - 1).to_string()
                }
            )
            .repeat(10)
        ));
    }
    laughs.push_str("]>\n<rss><channel><item><link>https://gazette.example/x</link><wp:comment><wp:comment_content>&lol9;</wp:comment_content></wp:comment></item></channel></rss>\n");
    let external = "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n<rss><channel><item><link>https://gazette.example/x</link><wp:comment><wp:comment_content>&xxe;</wp:comment_content></wp:comment></item></channel></rss>\n";
    let undeclared = "<rss><channel><item><link>https://gazette.example/x</link><wp:comment><wp:comment_content>&lol9;</wp:comment_content></wp:comment></item></channel></rss>\n";
    let huge = format!(
        "<rss><channel><item><link>https://gazette.example/x</link><wp:comment><wp:comment_content>{}</wp:comment_content></wp:comment></item></channel></rss>\n",
        "x".repeat(6 << 20)
    );

    for (name, content, expected) in [
        ("laughs.xml", laughs.as_str(), "declares entities"),
        ("xxe.xml", external, "declares entities"),
        ("undeclared.xml", undeclared, "undefined entity"),
        ("huge.xml", huge.as_str(), "larger than"),
    ] {
        let file = dir.join(name);
        std::fs::write(&file, content).expect("write");
        let (ok, _, err) = app.cli(&["import", "wordpress", file.to_str().unwrap()]);
        assert!(!ok && err.contains(expected), "{name}: {err}");
    }
    let total: Value = app
        .moderation_get("/comments?status=pending")
        .json()
        .expect("json");
    assert_eq!(total["total"], 0, "nothing was imported");
}

/// Imported comments take the submission path (issue #24): a comment the export left
/// pending is judged like a reader's, so a block-listed word files it as spam with the
/// list's reason in its history; the export's own verdicts are kept, and nothing is
/// announced or rate-limited.
#[test]
fn imported_pending_comments_are_judged_by_the_lists_like_a_readers() {
    let app = spawn_app();
    add_rule(&app, "block", "word", "Casino Bonus");
    let comment = |id: u32, approved: &str, body: &str| {
        format!(
            r#"<wp:comment><wp:comment_id>{id}</wp:comment_id>
            <wp:comment_author>Reader {id}</wp:comment_author>
            <wp:comment_author_email>r{id}@reader.example</wp:comment_author_email>
            <wp:comment_author_IP>198.51.100.{id}</wp:comment_author_IP>
            <wp:comment_date_gmt>2026-05-01 10:00:0{id}</wp:comment_date_gmt>
            <wp:comment_content>{body}</wp:comment_content>
            <wp:comment_approved>{approved}</wp:comment_approved>
            <wp:comment_parent>0</wp:comment_parent></wp:comment>"#
        )
    };
    let wxr = format!(
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>
<item><link>https://gazette.example/2026/05/casino-vote/</link>
{}{}{}
</item></channel></rss>"#,
        comment(1, "0", "Get your CASINO bonus today"),
        comment(2, "1", "The casino bonus scheme was debated at length."),
        comment(3, "0", "Which ward votes first on the casino plan?"),
    );
    let file = app.data_dir.path().join("export.xml");
    std::fs::write(&file, wxr).expect("write");

    let (ok, out, err) = app.cli(&["import", "wordpress", file.to_str().unwrap()]);

    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).expect("report");
    assert_eq!(report["imported"], 3, "{report}");
    let spam: Value = app
        .moderation_get("/comments?status=spam")
        .json()
        .expect("json");
    assert_eq!(spam["total"], 1, "{spam}");
    let id = spam["comments"][0]["id"].as_i64().expect("an id");
    let detail: Value = app
        .moderation_get(&format!("/comments/{id}"))
        .json()
        .expect("json");
    assert_eq!(detail["author"], "Reader 1", "{detail}");
    assert!(
        detail["signals"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s == "block list: word casino bonus")),
        "{detail}"
    );
    assert!(
        detail["log"].as_array().is_some_and(|h| h
            .iter()
            .any(|e| e["to"] == "spam" && e["reason"] == "block list: word casino bonus")),
        "the filing is in the log with the list's reason: {detail}"
    );
    let listing = app.public_comments("https://gazette.example/2026/05/casino-vote/");
    assert_eq!(
        listing["comments"][0]["author"], "Reader 2",
        "the export's approval is kept: {listing}"
    );
    let pending: Value = app
        .moderation_get("/comments?status=pending")
        .json()
        .expect("json");
    assert_eq!(pending["total"], 1, "{pending}");
}

//! Property tests (proptest) for what hostile input reaches first: the domain parsers, the
//! tokenizer, and the public listing's tree and serializer.

use proptest::prelude::*;
use replyguard::classifier::Classifier;
use replyguard::classifier::tokenize::{
    Document, FeatureSettings, for_each_hashed, normalise, vectorize,
};
use replyguard::domain::comment::{AUTHOR_MAX_BYTES, BODY_MAX_BYTES};
use replyguard::domain::{
    AuthorEmail, AuthorName, CommentBody, CommentId, NewComment, PublicComment, RawComment,
    ThreadUrl, Timestamp,
};
use replyguard::render::{MAX_REPLY_DEPTH, thread_tree};
use unicode_normalization::UnicodeNormalization;

/// Any text, weighted towards what attackers send: controls, bidi and invisible characters,
/// markup, and long runs.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,300}",
        proptest::collection::vec(
            prop_oneof![
                Just('\u{202e}'),
                Just('\u{200b}'),
                Just('\u{0000}'),
                Just('\n'),
                Just('<'),
                Just('&'),
                Just('é'),
                Just('😀'),
                any::<char>(),
            ],
            0..400
        )
        .prop_map(|cs| cs.into_iter().collect()),
    ]
}

/// Text where normalising depends on neighbours: ASCII letters with combining marks after
/// them, compatibility characters, Hangul jamo that compose, and spaces of every kind.
fn text_to_normalise() -> impl Strategy<Value = String> {
    const TRICKY: &[&str] = &[
        "\u{301}",
        "\u{308}",
        "\u{338}",
        "\u{345}",
        "\u{a0}",
        "\u{2026}",
        "\u{ff26}",
        "\u{212a}",
        "\u{1100}\u{1161}",
        "\u{11a8}",
        "\u{feff}",
        "\u{3a3}",
    ];
    proptest::collection::vec(
        prop_oneof![
            "[a-zA-Z<=> .]",
            proptest::sample::select(TRICKY).prop_map(String::from),
            any::<char>().prop_map(String::from),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn normalising_gives_nfkc_lower_case_of_the_whole_text(
        text in prop_oneof![text_to_normalise(), hostile_text()],
    ) {
        let mut fast = String::new();
        normalise(&text, &mut fast);
        let whole: String = text.nfkc().flat_map(char::to_lowercase).collect();
        prop_assert_eq!(fast, whole);
    }

    #[test]
    fn accepted_names_are_trimmed_bounded_single_line_and_visible(raw in hostile_text()) {
        if let Ok(name) = AuthorName::parse(&raw) {
            let s = name.as_ref();
            prop_assert!(!s.is_empty() && s.len() <= AUTHOR_MAX_BYTES);
            prop_assert_eq!(s, s.trim());
            prop_assert!(!s.chars().any(|c| c.is_control()));
            let hidden = s.chars().any(|c| {
                matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            });
            prop_assert!(!hidden, "invisible or bidi character in {:?}", s);
        }
    }

    #[test]
    fn accepted_bodies_are_bounded_and_free_of_stray_controls(raw in hostile_text()) {
        if let Ok(body) = CommentBody::parse(&raw) {
            let s = body.as_ref();
            prop_assert!(!s.trim().is_empty() && s.len() <= BODY_MAX_BYTES);
            prop_assert!(!s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t')));
        }
    }

    #[test]
    fn parsers_never_panic_and_a_whole_comment_parses_consistently(
        thread in hostile_text(), author in hostile_text(), email in hostile_text(),
        website in hostile_text(), body in hostile_text(), parent in hostile_text(),
    ) {
        let _ = ThreadUrl::parse(&thread);
        let _ = AuthorEmail::parse(&email);
        let raw = RawComment { thread, parent: Some(parent), author, email, website, body };
        if let Ok(comment) = NewComment::try_from(raw.clone()) {
            prop_assert!(AuthorName::parse(&raw.author).is_ok());
            prop_assert!(CommentBody::parse(&raw.body).is_ok());
            prop_assert!(comment.thread.url().scheme().starts_with("http"));
        }
    }

    #[test]
    fn the_tokenizer_takes_any_text_and_yields_sorted_columns_in_range(
        body in hostile_text(), author in hostile_text(),
    ) {
        let settings = FeatureSettings::default();
        let doc = Document { body: &body, author: Some(&author), website_host: None, email_domain: Some("example.com") };
        let mut count = 0usize;
        for_each_hashed(&doc, &settings, &mut |_, _| count += 1);
        let vector = vectorize(&doc, &settings);
        prop_assert!(vector.windows(2).all(|w| w[0].0 < w[1].0));
        prop_assert!(vector.iter().all(|(c, v)| *c < (1usize << settings.width_bits) && v.is_finite()));
        prop_assert!(vector.len() <= count);
    }

    #[test]
    fn scoring_agrees_with_the_features_it_is_built_from(
        body in hostile_text(), author in hostile_text(), fold in any::<bool>(), bigrams in any::<bool>(),
    ) {
        let classifier = Classifier::shipped().expect("shipped model");
        let settings = FeatureSettings { fold, word_bigrams: bigrams, ..*classifier.settings() };
        let doc = Document { body: &body, author: Some(&author), website_host: Some("Shop.Example.co.uk"), email_domain: Some("example.com") };
        // The hashes made on the way are the features' own.
        let mut mismatched = Vec::new();
        for_each_hashed(&doc, &settings, &mut |f, h| if h != f.hash() { mismatched.push(format!("{f:?}")) });
        prop_assert!(mismatched.is_empty(), "{mismatched:?}");
        // The tallied score is the vector's dot product with the weights.
        let shipped = *classifier.settings();
        let by_vector = classifier.feature_vector(&doc).iter().map(|(c, v)| v * classifier.weight(*c)).sum::<f64>();
        let tallied = classifier.log_odds(&doc) - classifier.bias();
        prop_assert!((by_vector - tallied).abs() < 1e-9, "{by_vector} vs {tallied} under {shipped:?}");
    }

    #[test]
    fn any_parent_links_make_a_bounded_tree_holding_every_comment(
        parents in proptest::collection::vec(proptest::option::of(0i64..60), 0..60),
        author in hostile_text(),
    ) {
        let comments: Vec<PublicComment> = parents
            .iter()
            .enumerate()
            .map(|(i, p)| PublicComment {
                id: CommentId(i as i64),
                parent: p.map(CommentId),
                author: author.clone(),
                website: None,
                body: format!("<b>{author}</b> & {i}"),
                created_at: Timestamp(0),
            })
            .collect();
        let n = comments.len();
        let tree = thread_tree(comments);
        let mut seen = 0;
        let mut deepest = 0;
        let mut stack: Vec<(&replyguard::render::CommentNode, usize)> = tree.iter().map(|c| (c, 1)).collect();
        while let Some((node, depth)) = stack.pop() {
            seen += 1;
            deepest = deepest.max(depth);
            // Markup in a comment never reaches the HTML unescaped.
            prop_assert!(!node.body_html.contains("<b>"));
            stack.extend(node.replies.iter().map(|r| (r, depth + 1)));
        }
        prop_assert_eq!(seen, n);
        prop_assert!(deepest <= MAX_REPLY_DEPTH);
        // The public serializer writes exactly these fields, whatever the text holds.
        let json = serde_json::to_value(&tree).expect("serialises");
        let mut nodes: Vec<&serde_json::Value> = json.as_array().expect("array").iter().collect();
        while let Some(node) = nodes.pop() {
            let mut keys: Vec<&str> = node.as_object().expect("object").keys().map(String::as_str).collect();
            keys.sort_unstable();
            prop_assert_eq!(keys, ["author", "body", "body_html", "created_at", "id", "parent", "replies", "website"]);
            nodes.extend(node["replies"].as_array().expect("replies"));
        }
    }
}

/// The forms of an address a leak would take: itself, lower-cased, and the hex MD5 (what
/// Gravatar uses), SHA-1 and SHA-256 of each.
fn email_forms(email: &str) -> Vec<String> {
    use md5::Digest as _;
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let mut forms = Vec::new();
    for variant in [email.to_owned(), email.trim().to_lowercase()] {
        forms.push(hex(&md5::Md5::digest(variant.as_bytes())));
        forms.push(hex(&sha1::Sha1::digest(variant.as_bytes())));
        forms.push(hex(&sha2::Sha256::digest(variant.as_bytes())));
        forms.push(variant);
    }
    forms
}

/// Through the real service: whatever the address, once its comment is approved, the public
/// listing and the article page show neither it nor any hash of it. One server for every
/// case (started per case, the servers would dominate), run by proptest's runner.
#[test]
fn no_email_or_hash_of_it_reaches_public_output() {
    let app = crate::helpers::spawn_app();
    let strategy = ("[A-Za-z0-9._%+-]{1,24}", "[a-z0-9-]{1,12}", "[ -~]{1,80}");
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(24));
    runner
        .run(&strategy, |(local, domain, body)| {
            let email = format!("{local}@{domain}.example");
            if replyguard::domain::AuthorEmail::parse(&email).is_err()
                || CommentBody::parse(&body).is_err()
            {
                return Ok(());
            }
            let id = app.submit("Prop Tester", &email, &body, None);
            app.approve(id);
            let listing = app.public_comments(crate::helpers::ARTICLE).to_string();
            let page = app
                .client
                .get(app.url("/"))
                .send()
                .expect("demo page")
                .text()
                .expect("html");
            for form in email_forms(&email) {
                // A body is the commenter's own text; only what the service adds is checked.
                if body.contains(&form) {
                    continue;
                }
                prop_assert!(!listing.contains(&form), "{} in the listing", form);
                prop_assert!(!page.contains(&form), "{} in the page", form);
            }
            Ok(())
        })
        .expect("no address or hash of one in public output");
}

//! The use cases called directly, without HTTP: each test opens an `App` on a temporary data
//! directory, as the server and the CLI do, and drives one behaviour through it.

use std::time::Duration;

use replyguard::app::accounts::{AccountError, SignInError};
use replyguard::app::filter::Schedule;
use replyguard::app::moderation::ActError;
use replyguard::app::submission::SubmitError;
use replyguard::app::{App, Components, block_on};
use replyguard::domain::{
    CommentId, CommentStatus, ModAction, NewComment, RawComment, SubmissionMeta, now_millis,
};
use tempfile::TempDir;

use crate::helpers::{ARTICLE, MODERATOR, PASSWORD, SITE, binary, fixture_model};

fn open_app() -> (App, TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    // On PostgreSQL when the suite runs there (`REPLYGUARD_TEST_POSTGRES`).
    let app = open_on(&dir, crate::helpers::database_url_for(dir.path()));
    block_on(async {
        app.sites().add_site(SITE.into(), "News".into()).await?;
        app.accounts()
            .add_moderator(MODERATOR, PASSWORD.into(), Some(true))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(())
    })
    .expect("site and moderator");
    (app, dir)
}

/// An `App` on `dir`, and on the PostgreSQL database at `database_url` if given.
fn open_on(dir: &TempDir, database_url: Option<String>) -> App {
    App::open(&components(dir, database_url)).expect("open")
}

/// What the tests open an `App` from: limits off, the fixture model.
fn components(dir: &TempDir, database_url: Option<String>) -> Components {
    Components {
        data_dir: dir.path().to_owned(),
        base_model: Some(fixture_model().to_owned()),
        spam_threshold: None,
        trainer: Some(binary().into()),
        limits: replyguard::app::limits::SubmissionLimits {
            enabled: false,
            ..Default::default()
        },
        bots: replyguard::app::guard::BotPolicy::default(),
        secret: None,
        database_url,
        retention: replyguard::app::privacy::DEFAULT_RETENTION,
        db_timeout: std::time::Duration::from_secs(5),
        akismet_discard: 0.995,
        notify: Default::default(),
        campaigns: true,
    }
}

fn comment(thread: &str, body: &str, parent: Option<i64>) -> NewComment {
    NewComment::try_from(RawComment {
        thread: thread.into(),
        parent: parent.map(|p| p.to_string()),
        author: "Reader".into(),
        email: "reader@example.com".into(),
        website: String::new(),
        body: body.into(),
    })
    .expect("valid comment")
}

fn meta() -> SubmissionMeta {
    SubmissionMeta {
        created_at: now_millis(),
        ..SubmissionMeta::default()
    }
}

#[test]
fn a_submission_is_scored_filed_and_refused_where_the_store_says_no() {
    let (app, _dir) = open_app();
    block_on(async {
        let ham = app
            .submissions()
            .submit(
                comment(
                    ARTICLE,
                    "Thanks for the careful reporting on the vote.",
                    None,
                ),
                meta(),
            )
            .await?;
        assert_eq!(ham.status, CommentStatus::Pending);
        let spam = app
            .submissions()
            .submit(
                comment(
                    ARTICLE,
                    "FREE prize! Call now to claim your cash http://bit.ly/x",
                    None,
                ),
                meta(),
            )
            .await?;
        assert_eq!(spam.status, CommentStatus::Spam);

        let elsewhere = app
            .submissions()
            .submit(
                comment("https://unknown.example/a", "Hello there.", None),
                meta(),
            )
            .await;
        assert!(
            matches!(&elsewhere, Err(SubmitError::Validation(e)) if e.get("thread").is_some()),
            "{elsewhere:?}"
        );
        // A reply to a comment that is not public yet is refused on `parent`.
        let reply = app
            .submissions()
            .submit(comment(ARTICLE, "Replying.", Some(ham.id.0)), meta())
            .await;
        assert!(
            matches!(&reply, Err(SubmitError::Validation(e)) if e.get("parent").is_some()),
            "{reply:?}"
        );
        Ok(())
    })
    .expect("use cases");
}

#[test]
fn decisions_many_at_once_are_undone_exactly() {
    let (app, _dir) = open_app();
    block_on(async {
        let signed_in = app
            .accounts()
            .sign_in(MODERATOR, PASSWORD.into(), None)
            .await?;
        let session = app
            .accounts()
            .session(&signed_in.token)
            .await?
            .expect("live session");
        let mut ids = Vec::new();
        for i in 0..3 {
            let c = app
                .submissions()
                .submit(
                    comment(ARTICLE, &format!("Comment number {i} on the vote."), None),
                    meta(),
                )
                .await?;
            ids.push(c.id);
        }
        ids.push(CommentId(999_999));
        let outcome = app
            .moderation()
            .act_many(&session, ModAction::Approve, &ids, None, None)
            .await?;
        assert_eq!((outcome.changed, outcome.skipped), (3, 1));
        let listed = app
            .submissions()
            .approved_comments(&replyguard::domain::ThreadUrl::parse(ARTICLE).expect("url"))
            .await?;
        assert_eq!(listed.comments.len(), 3);
        let approved_version = listed.version;

        // Approving twice is refused, and changes nothing.
        let again = app
            .moderation()
            .act(&session.moderator, ids[0], ModAction::Approve, None)
            .await;
        assert!(matches!(again, Err(ActError::InvalidTransition(_))));

        // The session now remembers the bulk decision; undo puts all three back.
        let session = app
            .accounts()
            .session(&signed_in.token)
            .await?
            .expect("live session");
        assert_eq!(app.moderation().undo(&session).await?, 3);
        let listed = app
            .submissions()
            .approved_comments(&replyguard::domain::ThreadUrl::parse(ARTICLE).expect("url"))
            .await?;
        assert!(listed.comments.is_empty());
        // Each change to what the public sees moved the thread's version on, so a listing
        // rendered from an older version is never reused.
        assert!(listed.version > approved_version);
        let thread = replyguard::domain::ThreadUrl::parse(ARTICLE).expect("url");
        assert_eq!(
            app.submissions().approved_version(&thread).await?,
            Some(listed.version)
        );
        Ok(())
    })
    .expect("use cases");
}

#[test]
fn sign_in_is_throttled_and_a_password_reset_ends_sessions() {
    let (app, _dir) = open_app();
    block_on(async {
        let first = app
            .accounts()
            .sign_in(MODERATOR, PASSWORD.into(), None)
            .await?;
        for _ in 0..5 {
            let wrong = app
                .accounts()
                .sign_in(MODERATOR, "wrong".into(), None)
                .await;
            assert!(matches!(wrong, Err(SignInError::InvalidCredentials)));
        }
        let throttled = app
            .accounts()
            .sign_in(MODERATOR, PASSWORD.into(), None)
            .await;
        assert!(matches!(throttled, Err(SignInError::Throttled)));

        // The CLI's `moderator add` on an existing name replaces the password: whoever knew
        // the old one is signed out.
        assert!(app.accounts().session(&first.token).await?.is_some());
        let created = app
            .accounts()
            .add_moderator(MODERATOR, "a new long passphrase".into(), None)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        assert!(!created);
        assert!(app.accounts().session(&first.token).await?.is_none());

        let bad = app
            .accounts()
            .add_moderator("no spaces allowed", "x".repeat(20), None)
            .await;
        assert!(matches!(bad, Err(AccountError::Invalid(_))));
        Ok(())
    })
    .expect("use cases");
}

#[test]
fn one_step_of_the_schedule_retrains_once_enough_labels_arrived() {
    let (app, _dir) = open_app();
    let schedule = Schedule {
        after_labels: 3,
        every: None,
        poll: Duration::from_secs(1),
    };
    let base = app.filter().in_use().info().version.clone();
    block_on(async {
        let moderator = app
            .accounts()
            .authenticate(MODERATOR.into(), PASSWORD.into())
            .await?;
        let since = now_millis() - 1;
        for i in 0..3 {
            let c = app
                .submissions()
                .submit(
                    comment(
                        ARTICLE,
                        &format!("The library hours story, part {i}: fair plan."),
                        None,
                    ),
                    meta(),
                )
                .await?;
            app.moderation()
                .act(&moderator, c.id, ModAction::Approve, None)
                .await?;
            let step = app.filter().step(schedule, since).await;
            if i < 2 {
                assert_eq!(step, None, "retrained after only {} labels", i + 1);
            } else {
                assert!(step.is_some(), "no retraining after 3 labels");
            }
        }
        Ok(())
    })
    .expect("use cases");
    let now = app.filter().in_use().info().version.clone();
    assert_ne!(now, base, "the retrained model was not swapped in");
}

#[test]
fn one_step_on_each_of_two_instances_sharing_a_database_retrains_once() {
    if !crate::helpers::postgres_or_skip() {
        return;
    }
    let (a, dir_a) = open_app();
    let url = crate::helpers::database_url_for(dir_a.path()).expect("a database");
    let dir_b = tempfile::tempdir().expect("tmp");
    let b = open_on(&dir_b, Some(url));
    let schedule = Schedule {
        after_labels: 3,
        every: None,
        poll: Duration::from_secs(1),
    };
    block_on(async {
        let moderator = a
            .accounts()
            .authenticate(MODERATOR.into(), PASSWORD.into())
            .await?;
        let since = now_millis() - 1;
        for i in 0..3 {
            let c = a
                .submissions()
                .submit(
                    comment(ARTICLE, &format!("The ferry timetable, part {i}."), None),
                    meta(),
                )
                .await?;
            a.moderation()
                .act(&moderator, c.id, ModAction::Approve, None)
                .await?;
        }
        // Each instance's schedule has counted from the same moment; A's step runs first.
        assert!(
            a.filter().step(schedule, since).await.is_some(),
            "A retrains"
        );
        assert_eq!(
            b.filter().step(schedule, since).await,
            None,
            "B counts the labels since A's run, and there are none"
        );
        Ok(())
    })
    .expect("use cases");
    assert_eq!(
        b.filter().in_use().info().version,
        a.filter().in_use().info().version,
        "B's step followed A's new model"
    );
}

#[test]
fn a_reply_subscription_left_unconfirmed_past_its_link_is_purged() {
    let dir = tempfile::tempdir().expect("tmp");
    // Email configured (to a port nothing listens on: no email is awaited here).
    let app = App::open(&Components {
        notify: replyguard::app::notify::NotifySettings {
            smtp_url: Some("smtp://127.0.0.1:9".into()),
            smtp_from: Some("comments@news.example".into()),
            ..Default::default()
        },
        ..components(&dir, crate::helpers::database_url_for(dir.path()))
    })
    .expect("open");
    block_on(async {
        app.sites().add_site(SITE.into(), "News".into()).await?;
        let asked = |days_ago: i64| SubmissionMeta {
            created_at: now_millis() - days_ago * 86_400_000,
            notify_replies: true,
            ..SubmissionMeta::default()
        };
        let subscriptions = || async {
            Ok::<_, anyhow::Error>(
                app.privacy()
                    .export_personal_data("reader@example.com")
                    .await?
                    .reply_subscriptions,
            )
        };
        // Asked three days ago and never confirmed: the link died after 48 hours.
        app.submissions()
            .submit(comment(ARTICLE, "Tell me, please.", None), asked(3))
            .await?;
        assert_eq!(subscriptions().await?.len(), 1);
        app.privacy().purge_personal_data().await?;
        assert!(subscriptions().await?.is_empty());
        // Asked just now: kept.
        app.submissions()
            .submit(comment(ARTICLE, "Tell me again.", None), asked(0))
            .await?;
        app.privacy().purge_personal_data().await?;
        assert_eq!(subscriptions().await?.len(), 1);
        Ok(())
    })
    .expect("use cases");
}

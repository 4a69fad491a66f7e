//! Embedded, numbered, append-only SQL migrations tracked by SQLite's `user_version`.
//!
//! Rules (after cargo's `util/sqlite.rs`): never edit or remove an entry once released, only
//! append; each runs in one transaction together with the version bump.

use rusqlite::{Connection, TransactionBehavior};

use super::DbError;

/// Every migration, in order. The position (1-based) is the schema version it produces.
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_init",
        include_str!("../../../migrations/sqlite/0001_init.sql"),
    ),
    (
        "0002_spam_scores",
        include_str!("../../../migrations/sqlite/0002_spam_scores.sql"),
    ),
    (
        "0003_labels",
        include_str!("../../../migrations/sqlite/0003_labels.sql"),
    ),
    (
        "0004_dashboard",
        include_str!("../../../migrations/sqlite/0004_dashboard.sql"),
    ),
    (
        "0005_public_version",
        include_str!("../../../migrations/sqlite/0005_public_version.sql"),
    ),
    (
        "0006_idempotency",
        include_str!("../../../migrations/sqlite/0006_idempotency.sql"),
    ),
    (
        "0007_guard",
        include_str!("../../../migrations/sqlite/0007_guard.sql"),
    ),
    (
        "0008_api_tokens",
        include_str!("../../../migrations/sqlite/0008_api_tokens.sql"),
    ),
    (
        "0009_privacy",
        include_str!("../../../migrations/sqlite/0009_privacy.sql"),
    ),
    (
        "0010_akismet",
        include_str!("../../../migrations/sqlite/0010_akismet.sql"),
    ),
    (
        "0011_notifications",
        include_str!("../../../migrations/sqlite/0011_notifications.sql"),
    ),
    (
        "0012_purge_indexes",
        include_str!("../../../migrations/sqlite/0012_purge_indexes.sql"),
    ),
    (
        "0013_campaigns",
        include_str!("../../../migrations/sqlite/0013_campaigns.sql"),
    ),
    (
        "0014_one_status_index",
        include_str!("../../../migrations/sqlite/0014_one_status_index.sql"),
    ),
    (
        "0015_checks_without_lists",
        include_str!("../../../migrations/sqlite/0015_checks_without_lists.sql"),
    ),
    (
        "0016_claims_and_usage",
        include_str!("../../../migrations/sqlite/0016_claims_and_usage.sql"),
    ),
    (
        "0017_moderation_policy",
        include_str!("../../../migrations/sqlite/0017_moderation_policy.sql"),
    ),
    (
        "0018_reports",
        include_str!("../../../migrations/sqlite/0018_reports.sql"),
    ),
    (
        "0019_comments_by_email",
        include_str!("../../../migrations/sqlite/0019_comments_by_email.sql"),
    ),
    (
        "0020_report_readers",
        include_str!("../../../migrations/sqlite/0020_report_readers.sql"),
    ),
    (
        "0021_trusted_commenters",
        include_str!("../../../migrations/sqlite/0021_trusted_commenters.sql"),
    ),
    (
        "0022_removal_reasons",
        include_str!("../../../migrations/sqlite/0022_removal_reasons.sql"),
    ),
    (
        "0023_promoted_sites",
        include_str!("../../../migrations/sqlite/0023_promoted_sites.sql"),
    ),
    (
        "0024_reply_notifications",
        include_str!("../../../migrations/sqlite/0024_reply_notifications.sql"),
    ),
];

/// The database's schema version: how many migrations it has (0: none, a new file).
///
/// # Errors
/// The SQL error, if any.
pub fn version(conn: &Connection) -> Result<i64, DbError> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Applies every migration newer than the database's `user_version`; returns how many ran.
///
/// # Errors
/// [`DbError::SchemaTooNew`] when the file was written by a newer Replyguard, or the SQL error
/// of the failing migration (which is then rolled back whole).
pub fn migrate(conn: &mut Connection) -> Result<usize, DbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
    let current: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let current_usize = usize::try_from(current).unwrap_or(usize::MAX);
    if current_usize > MIGRATIONS.len() {
        return Err(DbError::SchemaTooNew {
            found: current,
            known: MIGRATIONS.len(),
        });
    }
    let pending = &MIGRATIONS[current_usize..];
    for (_name, sql) in pending {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", MIGRATIONS.len() as i64)?;
    tx.commit()?;
    Ok(pending.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_applies_each_migration_once() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        assert_eq!(migrate(&mut conn).expect("first"), MIGRATIONS.len());
        assert_eq!(migrate(&mut conn).expect("second"), 0);
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(version as usize, MIGRATIONS.len());
    }

    #[test]
    fn every_file_in_the_migrations_folder_is_embedded_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join("sqlite");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        files.sort();
        let embedded: Vec<String> = MIGRATIONS
            .iter()
            .map(|(name, _)| format!("{name}.sql"))
            .collect();
        assert_eq!(embedded, files);
    }

    #[test]
    fn a_database_from_a_newer_binary_is_refused() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        conn.pragma_update(None, "user_version", 999).expect("set");
        assert!(matches!(
            migrate(&mut conn),
            Err(DbError::SchemaTooNew { found: 999, .. })
        ));
    }

    #[test]
    fn the_moderation_log_refuses_updates_and_deletes() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        migrate(&mut conn).expect("migrate");
        conn.execute_batch(
            "INSERT INTO sites (id, origin, name, created_at) VALUES (1, 'https://a.example', 'a', 0);
             INSERT INTO threads (id, site_id, url, created_at) VALUES (1, 1, 'https://a.example/x', 0);
             INSERT INTO comments (id, thread_id, author, email, body, status, created_at)
                 VALUES (1, 1, 'a', 'a@b.c', 'hi', 'pending', 0);
             INSERT INTO mod_log (comment_id, action, from_status, to_status, created_at)
                 VALUES (1, 'spam', 'pending', 'spam', 0);",
        )
        .expect("seed");
        assert!(conn.execute("UPDATE mod_log SET action = 'x'", []).is_err());
        assert!(conn.execute("DELETE FROM mod_log", []).is_err());
    }

    /// 0015 rewrites the status checks in place: a version-14 database keeps its rows, and
    /// on a fresh connection the checks refuse and accept what the lists did, without the
    /// temporary b-tree per insert that the lists cost.
    #[test]
    fn the_status_checks_keep_their_meaning_without_a_list() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("db.sqlite3");
        let mut conn = Connection::open(&path).expect("open");
        for (_, sql) in &MIGRATIONS[..14] {
            conn.execute_batch(sql).expect("old migration");
        }
        conn.pragma_update(None, "user_version", 14)
            .expect("version");
        conn.execute_batch(
            "INSERT INTO sites (id, origin, name, created_at) VALUES (1, 'https://a.example', 'a', 0);
             INSERT INTO threads (id, site_id, url, created_at) VALUES (1, 1, 'https://a.example/x', 0);
             INSERT INTO comments (id, thread_id, author, email, body, status, status_before_spam, created_at)
                 VALUES (1, 1, 'a', 'a@b.c', 'hi', 'spam', 'approved', 0);",
        )
        .expect("seed");
        assert_eq!(migrate(&mut conn).expect("migrate"), MIGRATIONS.len() - 14);
        drop(conn);

        let conn = Connection::open(&path).expect("reopen");
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity");
        assert_eq!(check, "ok");
        let kept: (String, String) = conn
            .query_row(
                "SELECT status, status_before_spam FROM comments WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("row");
        assert_eq!(kept, ("spam".to_owned(), "approved".to_owned()));
        let insert = |id: i64, status: &str, before: Option<&str>| {
            conn.execute(
                "INSERT INTO comments (id, thread_id, author, email, body, status, status_before_spam, created_at)
                 VALUES (?1, 1, 'a', 'a@b.c', 'hi', ?2, ?3, 0)",
                rusqlite::params![id, status, before],
            )
        };
        for (id, status) in [
            (2, "pending"),
            (3, "approved"),
            (4, "rejected"),
            (5, "spam"),
        ] {
            insert(id, status, None).expect("a known status");
        }
        insert(6, "spam", Some("rejected")).expect("a known earlier status");
        assert!(insert(7, "Pending", None).is_err(), "statuses are exact");
        assert!(insert(8, "deleted", None).is_err());
        assert!(
            insert(9, "spam", Some("spam")).is_err(),
            "spam is no earlier status"
        );
        let plan: Vec<String> = conn
            .prepare("EXPLAIN INSERT INTO comments (thread_id, author, email, body, status, created_at) VALUES (1, 'a', 'a@b.c', 'hi', ?1, 0)")
            .expect("explain")
            .query_map(["pending"], |r| r.get::<_, String>(1))
            .expect("plan")
            .collect::<Result<_, _>>()
            .expect("opcodes");
        assert!(!plan.iter().any(|op| op == "OpenEphemeral"), "{plan:?}");
    }
}

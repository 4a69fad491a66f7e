//! Moving a site from SQLite to PostgreSQL: every table that holds the site's data, copied
//! row for row (ids kept) in one PostgreSQL transaction, with the counts checked before it
//! commits.

use std::path::Path;
use std::pin::pin;
use std::str::FromStr;

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use tokio_postgres::NoTls;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

use super::StoreError;

/// The tables copied, parents before children, with the columns both schemas share.
/// Sessions and sign-in failures stay behind: moderators sign in again on the new database.
const TABLES: &[(&str, &str)] = &[
    (
        "sites",
        "id, origin, name, created_at, api_key_hash, key_generation, store_checked, \
         moderation, trust_after, close_after_days, auto_hide_reports, removal_reasons, \
         promoted",
    ),
    (
        "threads",
        "id, site_id, url, created_at, public_version, moderation, closed",
    ),
    (
        "moderators",
        "id, name, password_hash, is_admin, is_disabled, created_at, email, notify, \
         digest_sent_at",
    ),
    (
        "comments",
        "id, thread_id, parent_id, author, email, website, body, status, status_before_spam, \
         created_at, client_ip, client_ip_hash, user_agent, referrer, spam_score, \
         spam_log_odds, spam_reasons, model_version, import_key, idempotency_key, signals, \
         campaign_id",
    ),
    (
        "mod_log",
        "id, comment_id, moderator_id, action, from_status, to_status, created_at, reason",
    ),
    (
        "labels",
        "comment_id, label, source, moderator_id, model_version, spam_score, labelled_at",
    ),
    (
        "guard_rules",
        "id, list, kind, pattern, shown, created_by, created_at",
    ),
    (
        "api_tokens",
        "id, moderator_id, name, token_hash, created_at, last_used_at",
    ),
    (
        "reports",
        "id, comment_id, reason, explanation, email, reporter, reader, created_at",
    ),
    (
        "trusted_commenters",
        "site_id, email_key, trusted_by, trusted_at",
    ),
    (
        "reply_subscriptions",
        "id, site_id, email_key, lang, created_at, confirmation_sent_at, confirmed_at",
    ),
    ("reply_watches", "comment_id, subscription_id"),
];

/// Tables that must be empty in the target (the ones a running service writes to).
const MUST_BE_EMPTY: &[&str] = &["sites", "comments", "moderators", "labels", "models"];

/// How many rows each table held in the source and holds now in the target.
#[derive(Debug, Clone, Serialize)]
pub struct CopiedTable {
    pub table: &'static str,
    pub source: u64,
    pub target: u64,
}

/// Why a copy did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("the target database already holds data ({0} has rows): copy into an empty one")]
    TargetNotEmpty(&'static str),
    #[error(
        "{table}: {in_sqlite} rows in SQLite but {target} in PostgreSQL; nothing was committed"
    )]
    CountMismatch {
        table: &'static str,
        in_sqlite: u64,
        target: u64,
    },
    #[error("{table}.{column}: a value of an unexpected kind ({found})")]
    Unexpected {
        table: &'static str,
        column: String,
        found: &'static str,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for CopyError {
    fn from(e: rusqlite::Error) -> Self {
        CopyError::Store(e.into())
    }
}

impl From<tokio_postgres::Error> for CopyError {
    fn from(e: tokio_postgres::Error) -> Self {
        CopyError::Store(e.into())
    }
}

/// Copies the SQLite database at `source` into the PostgreSQL database at `url`, which
/// must be migrated (open it as a store first) and empty. The source is read in one read
/// transaction, so a service still running on it cannot tear the copy.
///
/// # Errors
/// [`CopyError`]: a target with data, a count that does not match (nothing is committed),
/// or a database failure.
pub async fn sqlite_to_postgres(source: &Path, url: &str) -> Result<Vec<CopiedTable>, CopyError> {
    let sqlite = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    sqlite.busy_timeout(std::time::Duration::from_secs(5))?;
    let config = tokio_postgres::Config::from_str(url).map_err(StoreError::from)?;
    let (mut client, connection) = config.connect(NoTls).await?;
    let task = tokio::spawn(connection);
    let result = async {
        for table in MUST_BE_EMPTY {
            let any: bool = client
                .query_one(&format!("SELECT EXISTS (SELECT 1 FROM {table})"), &[])
                .await?
                .get(0);
            if any {
                return Err(CopyError::TargetNotEmpty(table));
            }
        }
        sqlite.execute_batch("BEGIN")?;
        let tx = client.transaction().await?;
        let mut report = Vec::new();
        for (table, columns) in TABLES {
            let source = copy_table(&sqlite, &tx, table, columns).await?;
            let target: i64 = tx
                .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])
                .await?
                .get(0);
            let target = u64::try_from(target).unwrap_or(0);
            if target != source {
                return Err(CopyError::CountMismatch {
                    table,
                    in_sqlite: source,
                    target,
                });
            }
            // Identity columns continue after the copied ids.
            if columns.starts_with("id,") {
                tx.execute(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                                       COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                    ),
                    &[],
                )
                .await?;
            }
            report.push(CopiedTable {
                table,
                source,
                target,
            });
        }
        tx.commit().await?;
        sqlite.execute_batch("COMMIT")?;
        Ok(report)
    }
    .await;
    drop(client);
    let _ = task.await;
    result
}

/// Streams one table with `COPY … FROM STDIN (FORMAT binary)`; how many rows it sent.
async fn copy_table(
    sqlite: &Connection,
    tx: &tokio_postgres::Transaction<'_>,
    table: &'static str,
    columns: &str,
) -> Result<u64, CopyError> {
    let probe = tx
        .prepare(&format!("SELECT {columns} FROM {table} LIMIT 0"))
        .await?;
    let types: Vec<Type> = probe.columns().iter().map(|c| c.type_().clone()).collect();
    let names: Vec<String> = probe
        .columns()
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    let sink = tx
        .copy_in(&format!(
            "COPY {table} ({columns}) FROM STDIN (FORMAT binary)"
        ))
        .await?;
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &types));
    let mut statement = sqlite.prepare(&format!("SELECT {columns} FROM {table}"))?;
    let mut rows = statement.query([])?;
    let mut sent = 0u64;
    while let Some(row) = rows.next()? {
        let mut values: Vec<Box<dyn ToSql + Sync + Send>> = Vec::with_capacity(types.len());
        for (i, ty) in types.iter().enumerate() {
            let value: Value = row.get(i)?;
            values.push(convert(value, ty).map_err(|found| CopyError::Unexpected {
                table,
                column: names[i].clone(),
                found,
            })?);
        }
        let refs: Vec<&(dyn ToSql + Sync)> = values
            .iter()
            .map(|v| v.as_ref() as &(dyn ToSql + Sync))
            .collect();
        writer.as_mut().write(&refs).await?;
        sent += 1;
    }
    writer.finish().await?;
    Ok(sent)
}

/// A SQLite value as the PostgreSQL column type wants it (SQLite keeps booleans as 0/1).
fn convert(value: Value, ty: &Type) -> Result<Box<dyn ToSql + Sync + Send>, &'static str> {
    Ok(match (value, ty) {
        (Value::Null, t) if *t == Type::INT8 => Box::new(None::<i64>),
        (Value::Null, t) if *t == Type::INT4 => Box::new(None::<i32>),
        (Value::Null, t) if *t == Type::FLOAT8 => Box::new(None::<f64>),
        (Value::Null, t) if *t == Type::BOOL => Box::new(None::<bool>),
        (Value::Null, t) if *t == Type::BYTEA => Box::new(None::<Vec<u8>>),
        (Value::Null, _) => Box::new(None::<String>),
        (Value::Integer(n), t) if *t == Type::INT8 => Box::new(n),
        (Value::Integer(n), t) if *t == Type::INT4 => {
            Box::new(i32::try_from(n).map_err(|_| "an integer out of range")?)
        }
        (Value::Integer(n), t) if *t == Type::BOOL => Box::new(n != 0),
        (Value::Integer(n), t) if *t == Type::FLOAT8 => Box::new(n as f64),
        (Value::Real(x), t) if *t == Type::FLOAT8 => Box::new(x),
        (Value::Text(s), t) if *t == Type::TEXT => Box::new(s),
        (Value::Blob(b), t) if *t == Type::BYTEA => Box::new(b),
        (Value::Integer(_), _) => return Err("an integer"),
        (Value::Real(_), _) => return Err("a real number"),
        (Value::Text(_), _) => return Err("text"),
        (Value::Blob(_), _) => return Err("a blob"),
    })
}

//! SQL for the block and hold lists.

use rusqlite::{Connection, params};

use super::DbError;
use crate::domain::{ModeratorId, NewRule, Rule, RuleKind, RuleList};

/// Adds a rule; `false` when the same rule is already on the list.
///
/// # Errors
/// The SQL error, if any.
pub fn add_rule(
    conn: &Connection,
    rule: &NewRule,
    by: ModeratorId,
    at: i64,
) -> Result<bool, DbError> {
    let added = conn
        .prepare_cached(
            "INSERT INTO guard_rules (list, kind, pattern, shown, created_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (list, kind, pattern) DO NOTHING",
        )?
        .execute(params![
            rule.list.as_str(),
            rule.kind.as_str(),
            rule.pattern,
            rule.shown,
            by.0,
            at
        ])?;
    Ok(added == 1)
}

/// Removes a rule; `false` when there was none with that id.
///
/// # Errors
/// The SQL error, if any.
pub fn delete_rule(conn: &Connection, id: i64) -> Result<bool, DbError> {
    Ok(conn
        .prepare_cached("DELETE FROM guard_rules WHERE id = ?1")?
        .execute([id])?
        == 1)
}

/// Every rule, block list first.
///
/// # Errors
/// The SQL error, if any.
pub fn list_rules(conn: &Connection) -> Result<Vec<Rule>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, list, kind, pattern, shown FROM guard_rules ORDER BY list, kind, shown",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, String>(4)?,
        ))
    })?;
    let mut rules = Vec::new();
    for row in rows {
        let (id, list, kind, pattern, shown) = row?;
        // The CHECK constraints keep these parseable; a row that is not is skipped.
        if let (Ok(list), Ok(kind)) = (RuleList::parse(&list), RuleKind::parse(&kind)) {
            rules.push(Rule {
                id,
                list,
                kind,
                pattern,
                shown,
            });
        }
    }
    Ok(rules)
}

/// Claims `kind`/`key` until `until` unless an unexpired claim holds it; whether it did.
///
/// # Errors
/// The SQL error, if any.
pub fn claim(
    conn: &Connection,
    kind: &str,
    key: &str,
    now: i64,
    until: i64,
) -> Result<bool, DbError> {
    let mut statement = conn.prepare_cached(
        "INSERT INTO claims (kind, key, until) VALUES (?1, ?2, ?4)
         ON CONFLICT (kind, key) DO UPDATE SET until = excluded.until
         WHERE claims.until <= ?3
         RETURNING 1",
    )?;
    Ok(statement
        .query(params![kind, key, now, until])?
        .next()?
        .is_some())
}

/// Gives a claim up.
///
/// # Errors
/// The SQL error, if any.
pub fn unclaim(conn: &Connection, kind: &str, key: &str) -> Result<(), DbError> {
    conn.prepare_cached("DELETE FROM claims WHERE kind = ?1 AND key = ?2")?
        .execute(params![kind, key])?;
    Ok(())
}

/// Forgets claims expired by `now`; how many.
///
/// # Errors
/// The SQL error, if any.
pub fn forget_expired_claims(conn: &Connection, now: i64) -> Result<u64, DbError> {
    Ok(conn
        .prepare_cached("DELETE FROM claims WHERE until <= ?1")?
        .execute(params![now])? as u64)
}

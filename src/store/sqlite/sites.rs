//! Registered sites: the origins whose articles may carry comments.

use rusqlite::{Connection, OptionalExtension, params};

use super::DbError;
use crate::domain::{Site, SiteId, now_millis};

/// Registers `origin` (already normalised by `domain::comment::parse_origin`) or renames it
/// if present; returns its id. Idempotent, so `serve` can call it at every start.
///
/// # Errors
/// The SQL error, if any.
pub fn upsert_site(conn: &Connection, origin: &str, name: &str) -> Result<SiteId, DbError> {
    let id = conn
        .prepare_cached(
            "INSERT INTO sites (origin, name, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (origin) DO UPDATE SET name = excluded.name
         RETURNING id",
        )?
        .query_row(params![origin, name, now_millis()], |row| row.get(0))?;
    Ok(SiteId(id))
}

/// The site registered for `origin`, if any.
///
/// # Errors
/// The SQL error, if any.
pub fn find_site_by_origin(conn: &Connection, origin: &str) -> Result<Option<SiteId>, DbError> {
    Ok(conn
        .prepare_cached("SELECT id FROM sites WHERE origin = ?1")?
        .query_row([origin], |row| row.get(0))
        .optional()?
        .map(SiteId))
}

/// Every registered site, oldest first.
///
/// # Errors
/// The SQL error, if any.
pub fn list_sites(conn: &Connection) -> Result<Vec<Site>, DbError> {
    let mut stmt = conn.prepare("SELECT id, origin, name FROM sites ORDER BY id")?;
    let rows = stmt.query_map([], |row| {
        Ok(Site {
            id: row.get(0)?,
            origin: row.get(1)?,
            name: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

//! The writer's operations: each runs inside the writer's transaction, under its own
//! savepoint, and touches only the database (no scoring, hashing or rendering here).

use rusqlite::Connection;

use super::{DbError, comments, dashboard, labels, moderators, sites};
use crate::domain::{
    AccountChange, Acted, CommentId, CommentStatus, Decision, DecisionRefusal, Feedback, Filing,
    ImportChunk, ImportedChunk, Label, LabelSource, ModAction, ModeratorId, ModeratorName,
    NewComment, NewSession, StoredVerdict, SubmissionMeta, SubmitRefusal, Submitted,
};

/// Files a scored submission: checks the site and the parent, creates the thread on first
/// use, stores the comment and, when the filter filed it as spam, its log entry.
pub fn submit(
    conn: &Connection,
    comment: &NewComment,
    meta: &SubmissionMeta,
    filing: &Filing,
) -> Result<Result<Submitted, SubmitRefusal>, DbError> {
    // A retry of a submission that was stored: the same answer, nothing new.
    if let Some(key) = &meta.idempotency_key
        && let Some((id, status, created_at)) = comments::find_by_idempotency_key(conn, key)?
    {
        return Ok(Ok(Submitted {
            id,
            status,
            created_at,
        }));
    }
    let Some(site) = sites::find_site_by_origin(conn, &comment.thread.origin())? else {
        return Ok(Err(SubmitRefusal::UnknownSite));
    };
    let thread = comments::upsert_thread(conn, site, comment.thread.as_ref(), meta.created_at)?;
    if let Some(parent) = comment.parent {
        match comments::find_thread_and_status(conn, parent)? {
            Some((t, CommentStatus::Approved)) if t == thread => {}
            Some((_, CommentStatus::Approved)) => {
                return Ok(Err(SubmitRefusal::ParentInOtherThread));
            }
            _ => return Ok(Err(SubmitRefusal::ParentNotPublic)),
        }
    }
    let status = filing.status;
    let id = comments::insert_comment(
        conn,
        thread,
        comment,
        meta,
        status,
        filing.verdict.as_ref(),
        &filing.signals,
    )?;
    if let Some(seed) = meta.campaign {
        comments::start_campaign(conn, seed)?;
    }
    if status == CommentStatus::Spam {
        comments::append_log(
            conn,
            &comments::ModEvent {
                comment: id,
                moderator: None,
                action: ModAction::Spam,
                from: CommentStatus::Pending,
                to: CommentStatus::Spam,
                at: meta.created_at,
            },
        )?;
    }
    Ok(Ok(Submitted {
        id,
        status,
        created_at: meta.created_at,
    }))
}

/// Applies a decision: the status change, its log entry and the label (replacing any
/// earlier one) together.
pub fn decide(conn: &Connection, d: &Decision) -> Result<Result<Acted, DecisionRefusal>, DbError> {
    let Some((from, before_spam)) = comments::find_status(conn, d.comment)? else {
        return Ok(Err(DecisionRefusal::NotFound));
    };
    let transition = match from.apply(d.action, before_spam) {
        Ok(t) => t,
        Err(e) => return Ok(Err(DecisionRefusal::InvalidTransition(e))),
    };
    comments::set_status(
        conn,
        d.comment,
        transition.to,
        transition.status_before_spam,
    )?;
    if from == CommentStatus::Approved || transition.to == CommentStatus::Approved {
        comments::bump_thread_of(conn, d.comment)?;
    }
    match d.label {
        Some(label) => labels::set_label(
            conn,
            d.comment,
            label,
            LabelSource::Moderator,
            Some(d.moderator),
            d.at,
        )?,
        None => labels::clear_label(conn, d.comment)?,
    }
    comments::append_log(
        conn,
        &comments::ModEvent {
            comment: d.comment,
            moderator: Some(d.moderator),
            action: d.action,
            from,
            to: transition.to,
            at: d.at,
        },
    )?;
    Ok(Ok(Acted {
        id: d.comment,
        from,
        to: transition.to,
    }))
}

pub fn set_verdicts(
    conn: &Connection,
    verdicts: &[(CommentId, StoredVerdict)],
) -> Result<(), DbError> {
    for (id, verdict) in verdicts {
        comments::set_verdict(conn, *id, verdict)?;
    }
    Ok(())
}

/// Stores one chunk of imported comments. Importing is an operator's act: the export's site
/// is registered if it is not yet.
pub fn import_chunk(conn: &Connection, chunk: &ImportChunk) -> Result<ImportedChunk, DbError> {
    let mut done = ImportedChunk::default();
    if chunk.comments.is_empty() {
        return Ok(done);
    }
    let site = match sites::find_site_by_origin(conn, &chunk.origin)? {
        Some(site) => site,
        None => sites::upsert_site(conn, &chunk.origin, &chunk.origin)?,
    };
    let thread =
        comments::upsert_thread(conn, site, &chunk.thread_url, crate::domain::now_millis())?;
    for imported in &chunk.comments {
        if comments::find_by_import_key(conn, &imported.import_key)?.is_some() {
            done.already_present += 1;
            continue;
        }
        let parent = match &imported.parent_key {
            Some(k) => comments::find_by_import_key(conn, k)?,
            None => None,
        };
        let id = comments::insert_imported(conn, thread, imported, parent)?;
        if let (Some(key), None) = (&imported.parent_key, parent) {
            done.orphans.push((id, key.clone()));
        }
        if let Some(label) = imported.label {
            labels::set_label(
                conn,
                id,
                label,
                LabelSource::Import,
                None,
                imported.created_at,
            )?;
            match label {
                Label::Ham => done.ham_labels += 1,
                Label::Spam => done.spam_labels += 1,
            }
        }
        done.imported += 1;
        if imported.status == CommentStatus::Approved {
            comments::bump_thread_of(conn, id)?;
        }
    }
    Ok(done)
}

pub fn link_orphans(conn: &Connection, orphans: &[(CommentId, String)]) -> Result<(), DbError> {
    for (id, parent_key) in orphans {
        if let Some(parent) = comments::find_by_import_key(conn, parent_key)? {
            if comments::is_ancestor_or_self(conn, *id, parent)? {
                continue;
            }
            comments::set_parent(conn, *id, parent)?;
            comments::bump_thread_of(conn, *id)?;
        }
    }
    Ok(())
}

/// Creates a moderator or replaces its password; a replaced password ends every session of
/// the account, so whoever knew the old one is signed out.
pub fn upsert_moderator(
    conn: &Connection,
    name: &ModeratorName,
    password_hash: &str,
    admin: Option<bool>,
) -> Result<(ModeratorId, bool), DbError> {
    let (id, created) = moderators::upsert_moderator(conn, name, password_hash)?;
    if !created {
        dashboard::delete_sessions_of(conn, id, None)?;
    }
    if let Some(admin) = admin {
        dashboard::set_admin(conn, id, admin)?;
    }
    Ok((id, created))
}

pub fn change_account(
    conn: &Connection,
    id: ModeratorId,
    change: &AccountChange,
) -> Result<(), DbError> {
    match change {
        AccountChange::Disabled(disabled) => dashboard::set_disabled(conn, id, *disabled),
        AccountChange::Admin(admin) => dashboard::set_admin(conn, id, *admin),
        AccountChange::Password { hash, keep } => {
            dashboard::set_password_hash(conn, id, hash)?;
            dashboard::delete_sessions_of(conn, id, keep.as_deref())
        }
    }
}

pub fn start_session(conn: &Connection, s: &NewSession) -> Result<(), DbError> {
    dashboard::insert_session(conn, &s.token_hash, s.moderator, &s.csrf_token, s.at)
}

/// Admits an attempt when every key is under its limit, recording it under each key; the
/// check and the record are one step in the writer, so concurrent attempts are counted one
/// after another.
pub fn admit_attempt(
    conn: &Connection,
    keys: &[(String, u32)],
    at: i64,
    since: i64,
) -> Result<bool, DbError> {
    for (key, limit) in keys {
        if dashboard::count_login_failures(conn, key, since)? >= *limit {
            return Ok(false);
        }
    }
    let keys: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
    dashboard::record_login_failure(conn, &keys, at, since)?;
    Ok(true)
}

pub fn forgive_attempt(conn: &Connection, clear: &str, one: &str) -> Result<(), DbError> {
    dashboard::clear_login_failures(conn, clear)?;
    dashboard::forget_latest_failure(conn, one)
}

/// Files an app's feedback (Akismet's submit-spam and submit-ham): labels the earlier copy
/// of the comment (same idempotency key) if there is one, else stores the comment as given
/// and labels it. The label's source is `akismet`.
pub fn feedback(
    conn: &Connection,
    f: &Feedback,
) -> Result<Result<CommentId, SubmitRefusal>, DbError> {
    let existing = match &f.meta.idempotency_key {
        Some(key) => comments::find_by_idempotency_key(conn, key)?.map(|(id, ..)| id),
        None => None,
    };
    let id = match existing {
        Some(id) => id,
        None => match submit(conn, &f.comment, &f.meta, &f.filing)? {
            Ok(submitted) => submitted.id,
            Err(refusal) => return Ok(Err(refusal)),
        },
    };
    super::labels::set_label(
        conn,
        id,
        f.label,
        crate::domain::LabelSource::Akismet,
        None,
        f.meta.created_at,
    )?;
    Ok(Ok(id))
}

//! The approved listing of an article (`GET /api/v1/comments`), rendered once per version of
//! its approved set and kept in a bounded cache.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::domain::{FieldErrors, ThreadUrl};
use crate::render::{self, CommentNode};
use crate::routes::{ApiError, AppState};

#[derive(Deserialize)]
pub struct ThreadQuery {
    thread: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ThreadJson {
    thread: String,
    /// Whether the article takes comments (`false`: closed; the widget shows no form).
    open: bool,
    count: usize,
    /// Approved comments, oldest first, each with `id`, `parent`, `author`, `website`,
    /// `body`, `body_html`, `created_at` and nested `replies`.
    #[schema(value_type = Vec<Object>)]
    comments: Vec<CommentNode>,
}

/// The approved comments of one article as a tree.
///
/// # Errors
/// A database failure.
pub async fn approved_tree(
    state: &AppState,
    thread: &ThreadUrl,
) -> Result<(Vec<CommentNode>, usize), ApiError> {
    let flat = state
        .app
        .submissions()
        .approved_comments(thread)
        .await?
        .comments;
    let count = flat.len();
    Ok((render::thread_tree(flat), count))
}

/// Rendered public listings by article URL, each with the version of the approved set it
/// was rendered from, so a listing is read and rendered again only after it changed.
///
/// Why: rendering 200 approved comments (tree, escaped HTML, JSON) on every request costs
/// far more than a version check, which is one indexed read (the listing's rate is in
/// BENCHMARKS.md). The version lives in the database, so every instance sharing it sees a
/// change.
#[derive(Default)]
pub struct ListingCache {
    entries: std::sync::Mutex<ListingEntries>,
}

#[derive(Default)]
struct ListingEntries {
    by_url: std::collections::HashMap<String, (i64, web::Bytes)>,
    bytes: usize,
}

/// The cache holds at most this many bytes of rendered listings (then starts over)…
const LISTING_CACHE_BYTES: usize = 8 << 20;
/// …and never one listing larger than this.
const LISTING_MAX_CACHED: usize = 1 << 20;

impl ListingCache {
    fn get(&self, url: &str, version: i64) -> Option<web::Bytes> {
        let entries = self.lock();
        match entries.by_url.get(url) {
            Some((v, body)) if *v == version => Some(body.clone()),
            _ => None,
        }
    }

    fn put(&self, url: &str, version: i64, body: web::Bytes) {
        if body.len() > LISTING_MAX_CACHED {
            return;
        }
        let mut entries = self.lock();
        if entries.bytes + body.len() > LISTING_CACHE_BYTES {
            entries.by_url.clear();
            entries.bytes = 0;
        }
        entries.bytes += body.len();
        if let Some((_, old)) = entries.by_url.insert(url.to_owned(), (version, body)) {
            entries.bytes -= old.len();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ListingEntries> {
        // Only plain data behind the lock: a panic elsewhere leaves it usable.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `GET /api/v1/comments?thread=URL`: approved comments, oldest first, replies nested.
#[utoipa::path(get, path = "/api/v1/comments", tag = "comments",
    params(("thread" = String, Query, description = "The article's URL")),
    responses(
        (status = 200, description = "The article's approved comments", body = ThreadJson),
        (status = 422, description = "The thread is missing or invalid", body = crate::routes::openapi::ErrorResponse),
    ))]
pub async fn list_comments(
    query: web::Query<ThreadQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let thread = ThreadUrl::parse(query.thread.as_deref().unwrap_or_default()).map_err(|m| {
        let mut errors = FieldErrors::default();
        errors.add("thread", m);
        ApiError::Validation(errors)
    })?;
    let url = thread.as_ref();
    let open = state.app.submissions().article_open(&thread).await?;
    // Closing by the days changes no version: whether it is open is part of the key.
    let key = if open {
        url.to_owned()
    } else {
        format!("{url} closed")
    };
    let cached = match state.app.submissions().approved_version(&thread).await? {
        Some(version) => state.listings.get(&key, version),
        None => None,
    };
    let body = match cached {
        Some(body) => body,
        None => {
            let public = state.app.submissions().approved_comments(&thread).await?;
            let count = public.comments.len();
            let json = serde_json::to_vec(&ThreadJson {
                thread: url.to_owned(),
                open,
                count,
                comments: render::thread_tree(public.comments),
            })
            .map_err(|e| ApiError::Unexpected(e.into()))?;
            let body = web::Bytes::from(json);
            state.listings.put(&key, public.version, body.clone());
            body
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .content_type("application/json")
        .body(body))
}

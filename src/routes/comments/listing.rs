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
    /// Top-level comments per page (1 to 200), each with all its replies; every comment
    /// when absent.
    limit: Option<String>,
    /// The previous page's `next`.
    after: Option<String>,
    /// `oldest` (the default) or `newest` first, by top-level comment.
    order: Option<String>,
}

/// Most top-level comments one page may hold.
pub const MAX_PAGE: usize = 200;

/// One page of a listing, as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Page {
    limit: Option<usize>,
    after: Option<i64>,
    newest: bool,
}

impl Page {
    fn parse(q: &ThreadQuery) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let limit = match q.limit.as_deref() {
            None | Some("") => None,
            Some(s) => match s.parse::<usize>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => Some(n),
                _ => {
                    errors.add("limit", format!("a whole number from 1 to {MAX_PAGE}"));
                    None
                }
            },
        };
        let after = match q.after.as_deref() {
            None | Some("") => None,
            Some(s) => match s.parse::<i64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    errors.add("after", "the previous page's \"next\"");
                    None
                }
            },
        };
        let newest = match q.order.as_deref() {
            None | Some("") | Some("oldest") => false,
            Some("newest") => true,
            Some(_) => {
                errors.add("order", "oldest or newest");
                false
            }
        };
        if errors.is_empty() {
            Ok(Self {
                limit,
                after,
                newest,
            })
        } else {
            Err(errors)
        }
    }

    /// The page's top-level comments (with their replies) out of every one, and the cursor
    /// of the next page, if there is one.
    fn cut(self, mut roots: Vec<CommentNode>) -> (Vec<CommentNode>, Option<String>) {
        if self.newest {
            roots.reverse();
        }
        let start = match self.after {
            None => 0,
            // The cursor's comment, or (gone since: hidden, removed) where it would be.
            Some(after) => match roots.iter().position(|c| c.id.0 == after) {
                Some(i) => i + 1,
                None => roots
                    .iter()
                    .position(|c| {
                        if self.newest {
                            c.id.0 < after
                        } else {
                            c.id.0 > after
                        }
                    })
                    .unwrap_or(roots.len()),
            },
        };
        let mut page: Vec<CommentNode> = roots.into_iter().skip(start).collect();
        let next = match self.limit {
            Some(limit) if page.len() > limit => {
                page.truncate(limit);
                page.last().map(|c| c.id.0.to_string())
            }
            _ => None,
        };
        (page, next)
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ThreadJson {
    thread: String,
    /// Whether the article takes comments (`false`: closed; the widget shows no form).
    open: bool,
    /// Whether commenters may ask to be emailed about replies (`notify_replies`): the
    /// service sends email.
    reply_notifications: bool,
    /// Approved comments on the article, all pages together.
    count: usize,
    /// Approved top-level comments of this page (all when no `limit` was given), oldest
    /// first unless `order=newest`, each with `id`, `parent`, `author`, `website`, `body`,
    /// `body_html`, `created_at` and nested `replies` (every reply, oldest first).
    #[schema(value_type = Vec<Object>)]
    comments: Vec<CommentNode>,
    /// The cursor of the next page (pass it as `after`); `null` on the last page.
    next: Option<String>,
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

/// `GET /api/v1/comments?thread=URL[&limit=N&after=CURSOR&order=oldest|newest]`: approved
/// comments, replies nested, a page of top-level comments at a time when `limit` is given.
#[utoipa::path(get, path = "/api/v1/comments", tag = "comments",
    params(
        ("thread" = String, Query, description = "The article's URL"),
        ("limit" = Option<u32>, Query, description = "Top-level comments per page, 1 to 200, each with all its replies (all when absent)"),
        ("after" = Option<String>, Query, description = "The previous page's `next`"),
        ("order" = Option<String>, Query, description = "oldest (default) or newest, by top-level comment"),
    ),
    responses(
        (status = 200, description = "The article's approved comments", body = ThreadJson),
        (status = 422, description = "The thread is missing or invalid", body = crate::routes::openapi::ErrorResponse),
    ))]
pub async fn list_comments(
    query: web::Query<ThreadQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let thread = ThreadUrl::parse(query.thread.as_deref().unwrap_or_default())
        .map_err(|m| ApiError::invalid("thread", m))?;
    let page = Page::parse(&query).map_err(ApiError::Validation)?;
    let url = thread.as_ref();
    let open = state.app.submissions().article_open(&thread).await?;
    // Closing by the days changes no version: whether it is open is part of the key, and
    // so is the page.
    let key = format!(
        "{url} {} {:?} {:?} {}",
        if open { "open" } else { "closed" },
        page.limit,
        page.after,
        page.newest
    );
    let cached = match state.app.submissions().approved_version(&thread).await? {
        Some(version) => state.listings.get(&key, version),
        None => None,
    };
    let body = match cached {
        Some(body) => body,
        None => {
            let public = state.app.submissions().approved_comments(&thread).await?;
            let count = public.comments.len();
            let (comments, next) = page.cut(render::thread_tree(public.comments));
            let json = serde_json::to_vec(&ThreadJson {
                thread: url.to_owned(),
                open,
                reply_notifications: state.app.replies().enabled(),
                count,
                comments,
                next,
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

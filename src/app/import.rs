//! `replyguard import wordpress`: comments, threads, replies and statuses from a WordPress
//! WXR export, streamed, so an export of any size imports in bounded memory.
//!
//! Safe against hostile XML: no entity is ever expanded beyond XML's five predefined ones
//! and character references, a document that declares entities is refused outright (the
//! "billion laughs" attack needs declared entities), nothing external is ever fetched, and
//! no single event may exceed [`MAX_EVENT_BYTES`].

use std::cell::Cell;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use anyhow::{Context, bail};
use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use serde::Serialize;

use super::secret::Secret;
use super::submission::{Door, Submissions, filed_as_spam};
use crate::domain::{
    AuthorEmail, AuthorName, AuthorUrl, CommentBody, CommentId, CommentStatus, ImportChunk,
    ImportedChunk, ImportedComment, Label, LabelSource, NewComment, SubmissionMeta, ThreadUrl,
    now_millis,
};
use crate::store::{Store, Tx, TxResult};

/// Comments stored per write: a submission waits behind one chunk, never a whole import.
const IMPORT_CHUNK: usize = 500;

/// Largest single XML event (a tag or a text run): a comment is at most 65,525 bytes, so
/// anything this large is not a WordPress comment but an attempt to exhaust memory.
pub const MAX_EVENT_BYTES: usize = 4 << 20;
/// Deepest element nesting accepted; WXR needs five levels.
const MAX_DEPTH: usize = 64;

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    pub articles: usize,
    pub comments_seen: usize,
    pub imported: usize,
    /// Already imported by an earlier run (same site and WordPress comment id).
    pub already_present: usize,
    /// Pingbacks and trackbacks, which are not readers' comments.
    pub skipped_pingbacks: usize,
    /// Comments with an empty body or an article URL that is not http(s).
    pub skipped_invalid: usize,
    pub ham_labels: usize,
    pub spam_labels: usize,
}

/// A `BufRead` that fails once more than `limit` bytes are consumed without the parser
/// resetting the shared counter: it bounds the memory any one XML event can take.
struct BoundedEvents<R> {
    inner: R,
    consumed: Rc<Cell<usize>>,
    limit: usize,
}

impl<R: BufRead> Read for BoundedEvents<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(buf.len());
            buf[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for BoundedEvents<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.consumed.get() > self.limit {
            return Err(std::io::Error::other(format!(
                "an XML element or text is larger than {} MiB",
                self.limit >> 20
            )));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.consumed.set(self.consumed.get() + amount);
        self.inner.consume(amount);
    }
}

/// One `<wp:comment>` as read.
#[derive(Debug, Default, Clone)]
struct WpComment {
    fields: HashMap<String, String>,
}

impl WpComment {
    fn get(&self, name: &str) -> &str {
        self.fields.get(name).map(|s| s.trim()).unwrap_or_default()
    }
}

/// WordPress's `comment_approved`: `1` approved, `0` pending, `spam`, `trash`
/// (`post-trashed` when its post was trashed).
fn wordpress_status(approved: &str) -> (CommentStatus, Option<Label>) {
    match approved {
        "1" => (CommentStatus::Approved, Some(Label::Ham)),
        "spam" => (CommentStatus::Spam, Some(Label::Spam)),
        "0" => (CommentStatus::Pending, None),
        _ => (CommentStatus::Rejected, None),
    }
}

/// `YYYY-MM-DD HH:MM:SS` in UTC to unix milliseconds.
fn wordpress_time(text: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let t = time::PrimitiveDateTime::parse(text, format)
        .ok()?
        .assume_utc();
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

fn truncate_bytes(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Imports a WXR file. Every comment goes through the submission path like a reader's
/// ([`Door::Import`]): lists, signals and the filter judge it, and a comment the export left
/// pending is filed as they say; the export's other statuses are kept, and its approved
/// and spam comments become training labels (source `import`). Running it again adds
/// nothing. The file is parsed as a stream on the calling thread (the CLI's), and stored
/// in chunks.
///
/// # Errors
/// Unreadable or hostile XML (nothing of that article onwards is imported), or a database
/// failure.
pub(super) async fn import_wordpress(
    store: &Store,
    submissions: &Submissions,
    secret: &Secret,
    path: &Path,
) -> anyhow::Result<ImportReport> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let consumed = Rc::new(Cell::new(0));
    let input = BoundedEvents {
        inner: BufReader::with_capacity(64 << 10, file),
        consumed: Rc::clone(&consumed),
        limit: MAX_EVENT_BYTES,
    };
    let mut reader = Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut item_link: Option<String> = None;
    let mut item_comments: Vec<WpComment> = Vec::new();
    let mut current: Option<WpComment> = None;
    let mut report = ImportReport::default();
    let mut orphans: Vec<(CommentId, String)> = Vec::new();
    let mut seen_rss = false;

    loop {
        consumed.set(0);
        buf.clear();
        let position = reader.buffer_position();
        let event = reader
            .read_event_into(&mut buf)
            .with_context(|| format!("{}: unreadable XML near byte {position}", path.display()))?;
        match event {
            Event::DocType(doctype) => {
                let declaration = String::from_utf8_lossy(&doctype);
                if declaration.contains("<!ENTITY")
                    || declaration.contains("SYSTEM")
                    || declaration.contains("PUBLIC")
                {
                    bail!(
                        "{}: the document declares entities or external resources; a WordPress export never does, and they are refused",
                        path.display()
                    );
                }
            }
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    bail!(
                        "{}: elements nested deeper than {MAX_DEPTH} levels",
                        path.display()
                    );
                }
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                seen_rss |= stack.is_empty() && name == "rss";
                if name == "comment" && stack.last().is_some_and(|p| p == "item") {
                    current = Some(WpComment::default());
                }
                if name == "item" {
                    item_link = None;
                    item_comments.clear();
                }
                stack.push(name);
                text.clear();
            }
            Event::Text(t) => {
                text.push_str(&t.xml10_content().context("text is not valid UTF-8")?);
                if text.len() > MAX_EVENT_BYTES {
                    bail!(
                        "{}: a text is larger than {} MiB",
                        path.display(),
                        MAX_EVENT_BYTES >> 20
                    );
                }
            }
            Event::CData(c) => {
                text.push_str(&c.xml10_content().context("CDATA is not valid UTF-8")?);
                if text.len() > MAX_EVENT_BYTES {
                    bail!(
                        "{}: a text is larger than {} MiB",
                        path.display(),
                        MAX_EVENT_BYTES >> 20
                    );
                }
            }
            Event::GeneralRef(reference) => {
                let name = reference.decode().context("reference is not valid UTF-8")?;
                if let Some(c) = reference.resolve_char_ref().ok().flatten() {
                    text.push(c);
                } else if let Some(s) = resolve_predefined_entity(&name) {
                    text.push_str(s);
                } else {
                    bail!(
                        "{}: undefined entity &{name}; (entities are never expanded)",
                        path.display()
                    );
                }
            }
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                let parent = stack.last().map(String::as_str);
                match (name.as_str(), parent) {
                    ("link", Some("item")) => item_link = Some(text.trim().to_owned()),
                    ("comment", Some("item")) => {
                        if let Some(c) = current.take() {
                            item_comments.push(c);
                        }
                    }
                    (field, Some("comment")) => {
                        if let Some(c) = current.as_mut() {
                            c.fields.insert(field.to_owned(), std::mem::take(&mut text));
                        }
                    }
                    ("item", _) => {
                        report.articles += 1;
                        let link = item_link.take().unwrap_or_default();
                        let batch = std::mem::take(&mut item_comments);
                        import_item(
                            store,
                            submissions,
                            secret,
                            &link,
                            batch,
                            &mut report,
                            &mut orphans,
                        )
                        .await?;
                    }
                    _ => {}
                }
                text.clear();
            }
            Event::Eof => {
                // A file cut short ends with elements still open; a file that is not a
                // WordPress export never opened `rss`.
                if let Some(open) = stack.last() {
                    bail!(
                        "{}: the file ends inside <{open}>: it is truncated (nothing after the last complete article was imported)",
                        path.display()
                    );
                }
                if !seen_rss {
                    bail!(
                        "{}: this is not a WordPress export (no <rss> element)",
                        path.display()
                    );
                }
                break;
            }
            _ => {}
        }
    }
    // Replies that came before their parents in the file.
    for chunk in orphans.chunks(IMPORT_CHUNK) {
        let chunk = chunk.to_vec();
        store.write(move |tx| link_orphans(tx, &chunk)).await?;
    }
    Ok(report)
}

/// Scores and stores one article's comments, in chunks.
async fn import_item(
    store: &Store,
    submissions: &Submissions,
    secret: &Secret,
    link: &str,
    batch: Vec<WpComment>,
    report: &mut ImportReport,
    orphans: &mut Vec<(CommentId, String)>,
) -> anyhow::Result<()> {
    report.comments_seen += batch.len();
    if batch.is_empty() {
        return Ok(());
    }
    let Ok(thread_url) = ThreadUrl::parse(link) else {
        report.skipped_invalid += batch.len();
        return Ok(());
    };
    let origin = thread_url.origin();
    let mut ready = Vec::new();
    for wp in &batch {
        if matches!(wp.get("comment_type"), "pingback" | "trackback") {
            report.skipped_pingbacks += 1;
            continue;
        }
        match imported_comment(submissions, secret, &thread_url, wp).await? {
            Some(c) => ready.push(c),
            None => report.skipped_invalid += 1,
        }
    }
    for comments in ready.chunks(IMPORT_CHUNK) {
        let chunk = ImportChunk {
            origin: origin.clone(),
            thread_url: thread_url.as_ref().to_owned(),
            comments: comments.to_vec(),
        };
        let done = store.write(move |tx| import_chunk(tx, &chunk)).await?;
        report.imported += done.imported;
        report.already_present += done.already_present;
        report.ham_labels += done.ham_labels;
        report.spam_labels += done.spam_labels;
        orphans.extend(done.orphans);
    }
    Ok(())
}

/// One exported comment, validated and judged by the submission path; `None` when its body
/// is unusable.
async fn imported_comment(
    submissions: &Submissions,
    secret: &Secret,
    thread: &ThreadUrl,
    wp: &WpComment,
) -> anyhow::Result<Option<ImportedComment>> {
    let origin = thread.origin();
    let Ok(body) = CommentBody::parse(truncate_bytes(
        wp.get("comment_content"),
        crate::domain::comment::BODY_MAX_BYTES,
    )) else {
        return Ok(None);
    };
    // The same rules as the API: a name with control, invisible or direction-changing
    // characters is refused, not stored as it came. WordPress allows anonymous comments
    // where the API does not, so a blank name becomes "Anonymous" instead.
    let author = truncate_bytes(
        wp.get("comment_author"),
        crate::domain::comment::AUTHOR_MAX_BYTES,
    );
    let author = if author.trim().is_empty() {
        "Anonymous"
    } else {
        author
    };
    let Ok(author) = AuthorName::parse(author) else {
        return Ok(None);
    };
    let email = AuthorEmail::parse(wp.get("comment_author_email")).ok();
    let website = AuthorUrl::parse(wp.get("comment_author_url"))
        .ok()
        .flatten();
    let (status, label) = wordpress_status(wp.get("comment_approved"));
    // A comment naming itself as parent is top-level; longer cycles are broken when the
    // replies that came before their parents are linked (`Store::link_orphans`).
    let parent_key = match wp.get("comment_parent").trim() {
        "" | "0" => None,
        p if p == wp.get("comment_id").trim() => None,
        p => Some(format!("wordpress:{origin}:{p}")),
    };
    let created_at = wordpress_time(wp.get("comment_date_gmt"))
        .or_else(|| wordpress_time(wp.get("comment_date")))
        .unwrap_or_else(now_millis);
    let (client_ip, client_ip_hash) =
        super::privacy::stored_address(secret, wp.get("comment_author_IP")).unzip();
    // WordPress keeps comments without an address; the path judges them under a stand-in
    // that no list names, and they are stored without one.
    let judged_as = NewComment {
        thread: thread.clone(),
        parent: None,
        author: author.clone(),
        email: email.clone().unwrap_or_else(|| {
            AuthorEmail::parse("anonymous@example.invalid").expect("a valid address")
        }),
        website: website.clone(),
        body: body.clone(),
    };
    let meta = SubmissionMeta {
        created_at,
        client_ip: Some(wp.get("comment_author_IP").to_owned()).filter(|ip| !ip.is_empty()),
        ..SubmissionMeta::default()
    };
    let judged = submissions
        .take(judged_as, meta, Door::Import { kept: status })
        .await
        .map_err(|e| anyhow::anyhow!("judging an imported comment failed: {e}"))?;
    Ok(Some(ImportedComment {
        import_key: format!("wordpress:{origin}:{}", wp.get("comment_id")),
        parent_key,
        author: author.as_ref().to_owned(),
        email: email.map(|e| e.as_ref().to_owned()).unwrap_or_default(),
        website: website.map(|w| w.as_ref().to_owned()),
        body: body.as_ref().to_owned(),
        status: judged.status,
        created_at,
        client_ip,
        client_ip_hash,
        label,
        verdict: judged.filing.verdict,
        signals: judged.filing.signals,
    }))
}

/// Stores one chunk of an article's imported comments as one unit of work. Importing is an
/// operator's act: the export's site is registered if it is not yet. A comment already
/// imported under its key is counted, not stored twice; a reply whose parent comes later
/// in the file is stored top-level and reported as an orphan; labels come with the status
/// the export gave; the thread's public version rises once if the chunk published anything.
pub(crate) fn import_chunk(tx: &mut dyn Tx, chunk: &ImportChunk) -> TxResult<ImportedChunk> {
    let mut done = ImportedChunk::default();
    if chunk.comments.is_empty() {
        return Ok(done);
    }
    let site = match tx.site_id(&chunk.origin)? {
        Some(site) => site,
        None => tx.upsert_site(&chunk.origin, &chunk.origin)?,
    };
    let thread = match tx.thread_id(&chunk.thread_url)? {
        Some(thread) => thread,
        None => tx.insert_thread(site, &chunk.thread_url, now_millis())?,
    };
    // Every key the chunk names, looked up at once; comments stored below join the map, so
    // a reply finds a parent earlier in the same chunk without asking the database.
    let keys: Vec<&str> = chunk
        .comments
        .iter()
        .flat_map(|c| std::iter::once(c.import_key.as_str()).chain(c.parent_key.as_deref()))
        .collect();
    let mut known = tx.by_import_keys(&keys)?;
    let mut published = false;
    for imported in &chunk.comments {
        if known.contains_key(&imported.import_key) {
            done.already_present += 1;
            continue;
        }
        let parent = imported
            .parent_key
            .as_ref()
            .and_then(|key| known.get(key).copied());
        let id = tx.insert_imported(thread, imported, parent)?;
        known.insert(imported.import_key.clone(), id);
        if imported.status == CommentStatus::Spam && imported.label.is_none() {
            // Left pending by the export and filed as spam by the path: the filter's
            // decision, logged as on any arrival, and undone like one.
            tx.append_log(&filed_as_spam(id, imported.created_at, &imported.signals))?;
        }
        if let (Some(key), None) = (&imported.parent_key, parent) {
            done.orphans.push((id, key.clone()));
        }
        if let Some(label) = imported.label {
            tx.set_label(id, label, LabelSource::Import, None, imported.created_at)?;
            match label {
                Label::Ham => done.ham_labels += 1,
                Label::Spam => done.spam_labels += 1,
            }
        }
        done.imported += 1;
        published |= imported.status == CommentStatus::Approved;
    }
    if published {
        tx.bump_thread(thread)?;
    }
    Ok(done)
}

/// Links imported replies to parents that came later in the file. A link that would close
/// a cycle (the parent is the reply itself or one of its descendants) is left out: that
/// reply stays top-level.
pub(crate) fn link_orphans(tx: &mut dyn Tx, orphans: &[(CommentId, String)]) -> TxResult<()> {
    for (id, parent_key) in orphans {
        let Some(parent) = tx.by_import_key(parent_key)? else {
            continue;
        };
        if tx.is_ancestor_or_self(*id, parent)? {
            continue;
        }
        tx.set_parent(*id, parent)?;
        tx.bump_thread_of(*id)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordpress_statuses_map_to_ours_and_to_labels() {
        assert_eq!(
            wordpress_status("1"),
            (CommentStatus::Approved, Some(Label::Ham))
        );
        assert_eq!(
            wordpress_status("spam"),
            (CommentStatus::Spam, Some(Label::Spam))
        );
        assert_eq!(wordpress_status("0"), (CommentStatus::Pending, None));
        assert_eq!(wordpress_status("trash"), (CommentStatus::Rejected, None));
        assert_eq!(
            wordpress_status("post-trashed"),
            (CommentStatus::Rejected, None)
        );
    }

    #[test]
    fn wordpress_times_are_read_as_utc() {
        assert_eq!(wordpress_time("1970-01-01 00:00:01"), Some(1000));
        assert_eq!(wordpress_time("0000-00-00 00:00:00"), None);
    }

    #[test]
    fn the_event_bound_refuses_an_oversized_event() {
        let data = [b'x'; 100];
        let consumed = Rc::new(Cell::new(0));
        let mut bounded = BoundedEvents {
            inner: &data[..],
            consumed: Rc::clone(&consumed),
            limit: 10,
        };
        let mut out = Vec::new();
        assert!(bounded.read_to_end(&mut out).is_err());
    }
}

//! [`Tx`] on SQLite: each primitive is one statement of this folder's SQL, run by the writer
//! inside the savepoint of the unit of work it belongs to.

use std::collections::HashMap;

use rusqlite::Connection;

use super::{
    commenters, comments, dashboard, guard, labels, moderators, privacy, replies, sites, tokens,
};
use crate::domain::{
    AkismetUsage, ArticlePolicy, CommentId, CommentStatus, Filing, ImportedComment, Label,
    LabelSource, LimitBucket, LogEvent, ModerationMode, ModeratorId, ModeratorName, NewComment,
    NewReport, ReplyContext, ReplySubscription, SiteId, SitePolicyChange, SubmissionMeta,
    Submitted, ThreadId,
};
use crate::store::{StoreError, Tx, TxResult};

/// The writer's connection, inside its open transaction.
pub(super) struct SqliteTx<'c>(pub(super) &'c Connection);

impl Tx for SqliteTx<'_> {
    fn site_id(&mut self, origin: &str) -> TxResult<Option<SiteId>> {
        sites::find_site_by_origin(self.0, origin)
    }

    fn upsert_site(&mut self, origin: &str, name: &str) -> TxResult<SiteId> {
        sites::upsert_site(self.0, origin, name)
    }

    fn thread_id(&mut self, url: &str) -> TxResult<Option<ThreadId>> {
        comments::thread_id(self.0, url)
    }

    fn site_and_thread(
        &mut self,
        origin: &str,
        url: &str,
    ) -> TxResult<Option<(SiteId, Option<ThreadId>)>> {
        // Two cached statements in process: no round trip to save.
        let Some(site) = sites::find_site_by_origin(self.0, origin)? else {
            return Ok(None);
        };
        Ok(Some((site, comments::thread_id(self.0, url)?)))
    }

    fn insert_thread(&mut self, site: SiteId, url: &str, at: i64) -> TxResult<ThreadId> {
        comments::insert_thread(self.0, site, url, at)
    }

    fn bump_thread(&mut self, thread: ThreadId) -> TxResult<()> {
        comments::bump_thread(self.0, thread)
    }

    fn bump_thread_of(&mut self, id: CommentId) -> TxResult<()> {
        comments::bump_thread_of(self.0, id)
    }

    fn by_idempotency_key(&mut self, key: &str) -> TxResult<Option<Submitted>> {
        comments::find_by_idempotency_key(self.0, key)
    }

    fn thread_and_status(&mut self, id: CommentId) -> TxResult<Option<(ThreadId, CommentStatus)>> {
        comments::find_thread_and_status(self.0, id)
    }

    fn insert_comment(
        &mut self,
        thread: ThreadId,
        comment: &NewComment,
        meta: &SubmissionMeta,
        filing: &Filing,
        before_spam: Option<CommentStatus>,
    ) -> TxResult<CommentId> {
        comments::insert_comment(self.0, thread, comment, meta, filing, before_spam)
    }

    fn start_campaign(&mut self, seed: CommentId) -> TxResult<()> {
        comments::start_campaign(self.0, seed)
    }

    fn status_of(
        &mut self,
        id: CommentId,
    ) -> TxResult<Option<(CommentStatus, Option<CommentStatus>)>> {
        // One writer: nobody else can change the row before this unit of work commits.
        comments::find_status(self.0, id)
    }

    fn set_status(
        &mut self,
        id: CommentId,
        to: CommentStatus,
        before_spam: Option<CommentStatus>,
    ) -> TxResult<()> {
        comments::set_status(self.0, id, to, before_spam)
    }

    fn append_log(&mut self, event: &LogEvent) -> TxResult<()> {
        comments::append_log(self.0, event)
    }

    fn set_label(
        &mut self,
        id: CommentId,
        label: Label,
        source: LabelSource,
        moderator: Option<ModeratorId>,
        at: i64,
    ) -> TxResult<()> {
        labels::set_label(self.0, id, label, source, moderator, at)
    }

    fn clear_label(&mut self, id: CommentId) -> TxResult<()> {
        labels::clear_label(self.0, id)
    }

    fn last_decider(&mut self, id: CommentId) -> TxResult<Option<Option<String>>> {
        Ok(comments::list_log(self.0, id)?
            .pop()
            .map(|entry| entry.moderator))
    }

    fn labelled_by_moderator(&mut self, id: CommentId) -> TxResult<bool> {
        labels::labelled_by_moderator(self.0, id)
    }

    fn by_import_key(&mut self, key: &str) -> TxResult<Option<CommentId>> {
        comments::find_by_import_key(self.0, key)
    }

    fn by_import_keys(&mut self, keys: &[&str]) -> TxResult<HashMap<String, CommentId>> {
        // In process, one cached statement per key costs no more than one statement.
        let mut found = HashMap::new();
        for &key in keys {
            if let Some(id) = comments::find_by_import_key(self.0, key)? {
                found.insert(key.to_owned(), id);
            }
        }
        Ok(found)
    }

    fn insert_imported(
        &mut self,
        thread: ThreadId,
        comment: &ImportedComment,
        parent: Option<CommentId>,
    ) -> TxResult<CommentId> {
        comments::insert_imported(self.0, thread, comment, parent)
    }

    fn is_ancestor_or_self(&mut self, candidate: CommentId, of: CommentId) -> TxResult<bool> {
        comments::is_ancestor_or_self(self.0, candidate, of)
    }

    fn set_parent(&mut self, id: CommentId, parent: CommentId) -> TxResult<()> {
        comments::set_parent(self.0, id, parent)
    }

    fn comments_of(&mut self, email: &str) -> TxResult<Vec<CommentId>> {
        privacy::comments_of(self.0, email)
    }

    fn anonymise(&mut self, id: CommentId) -> TxResult<CommentStatus> {
        privacy::anonymise(self.0, id)
    }

    fn upsert_moderator(
        &mut self,
        name: &ModeratorName,
        password_hash: &str,
    ) -> TxResult<(ModeratorId, bool)> {
        moderators::upsert_moderator(self.0, name, password_hash)
    }

    fn set_admin(&mut self, id: ModeratorId, admin: bool) -> TxResult<()> {
        dashboard::set_admin(self.0, id, admin)
    }

    fn set_disabled(&mut self, id: ModeratorId, disabled: bool) -> TxResult<()> {
        dashboard::set_disabled(self.0, id, disabled)
    }

    fn set_password_hash(&mut self, id: ModeratorId, hash: &str) -> TxResult<()> {
        dashboard::set_password_hash(self.0, id, hash)
    }

    fn end_sessions_of(&mut self, moderator: ModeratorId, keep: Option<&str>) -> TxResult<()> {
        dashboard::delete_sessions_of(self.0, moderator, keep)
    }

    fn revoke_tokens_of(&mut self, moderator: ModeratorId) -> TxResult<u64> {
        tokens::delete_tokens_of(self.0, moderator)
    }

    fn lock_keys(&mut self, _keys: &[&str]) -> TxResult<()> {
        // One writer runs every unit of work one after another: already serialised.
        Ok(())
    }

    fn count_attempts(&mut self, key: &str, since: i64) -> TxResult<u32> {
        dashboard::count_login_failures(self.0, key, since)
    }

    fn record_attempts(&mut self, keys: &[&str], at: i64, forget_before: i64) -> TxResult<()> {
        dashboard::record_login_failure(self.0, keys, at, forget_before)
    }

    fn insert_report(&mut self, report: &NewReport) -> TxResult<bool> {
        sites::insert_report(self.0, report)
    }

    fn report_count(&mut self, id: CommentId, since: i64) -> TxResult<u32> {
        sites::report_count(self.0, id, since)
    }

    fn removal_reasons_of(&mut self, id: CommentId) -> TxResult<Option<String>> {
        sites::removal_reasons_of(self.0, id)
    }

    fn is_trusted(&mut self, site: SiteId, email_key: &str) -> TxResult<bool> {
        commenters::is_trusted(self.0, site, email_key)
    }

    fn set_trusted(
        &mut self,
        id: CommentId,
        email_key: &str,
        trusted: Option<(ModeratorId, i64)>,
    ) -> TxResult<bool> {
        commenters::set_trusted(self.0, id, email_key, trusted)
    }

    fn forget_trust(&mut self, email_key: &str) -> TxResult<()> {
        commenters::forget_trust(self.0, email_key)
    }

    fn undecided_since(&mut self, id: CommentId) -> TxResult<Option<i64>> {
        sites::undecided_since(self.0, id)
    }

    fn reports_judged_at(&mut self, id: CommentId) -> TxResult<Option<i64>> {
        sites::reports_judged_at(self.0, id)
    }

    fn auto_hide_reports_of(&mut self, id: CommentId) -> TxResult<Option<u32>> {
        sites::auto_hide_reports_of(self.0, id)
    }

    fn reply_subscription(
        &mut self,
        site: SiteId,
        email_key: &str,
    ) -> TxResult<Option<ReplySubscription>> {
        replies::subscription(self.0, site, email_key)
    }

    fn insert_reply_subscription(
        &mut self,
        site: SiteId,
        email_key: &str,
        lang: &str,
        at: i64,
    ) -> TxResult<i64> {
        replies::insert_subscription(self.0, site, email_key, lang, at)
    }

    fn set_confirmation_sent(&mut self, id: i64, lang: &str, at: i64) -> TxResult<()> {
        replies::set_confirmation_sent(self.0, id, lang, at)
    }

    fn confirm_reply_subscription(&mut self, id: i64, at: i64) -> TxResult<bool> {
        replies::confirm(self.0, id, at)
    }

    fn delete_reply_subscription(&mut self, id: i64) -> TxResult<bool> {
        replies::delete(self.0, id)
    }

    fn forget_reply_subscriptions(&mut self, email_key: &str) -> TxResult<()> {
        replies::forget(self.0, email_key)
    }

    fn forget_unconfirmed_reply_subscriptions(&mut self, sent_before: i64) -> TxResult<u64> {
        replies::forget_unconfirmed(self.0, sent_before)
    }

    fn watch_replies(&mut self, id: CommentId, subscription: i64) -> TxResult<()> {
        replies::watch(self.0, id, subscription)
    }

    fn reply_context(&mut self, id: CommentId) -> TxResult<Option<ReplyContext>> {
        replies::context(self.0, id)
    }

    fn article_policy(
        &mut self,
        site: SiteId,
        thread: Option<ThreadId>,
    ) -> TxResult<ArticlePolicy> {
        sites::article_policy(self.0, site, thread)
    }

    fn approved_since_refusal(&mut self, site: SiteId, email: &str, author: &str) -> TxResult<u32> {
        sites::approved_since_refusal(self.0, site, email, author)
    }

    fn set_site_policy(&mut self, origin: &str, change: &SitePolicyChange) -> TxResult<bool> {
        sites::set_site_policy(self.0, origin, change)
    }

    fn set_thread_policy(
        &mut self,
        thread: ThreadId,
        mode: Option<Option<ModerationMode>>,
        closed: Option<Option<bool>>,
    ) -> TxResult<()> {
        sites::set_thread_policy(self.0, thread, mode, closed)
    }

    fn claim(&mut self, kind: &str, key: &str, now: i64, until: i64) -> TxResult<bool> {
        guard::claim(self.0, kind, key, now, until)
    }

    fn unclaim(&mut self, kind: &str, key: &str) -> TxResult<()> {
        guard::unclaim(self.0, kind, key)
    }

    fn bucket(&mut self, _key: &str) -> TxResult<Option<LimitBucket>> {
        Err(StoreError::NotHere(
            "limit buckets (one SQLite instance keeps them in memory)",
        ))
    }

    fn set_bucket(&mut self, _key: &str, _bucket: &LimitBucket) -> TxResult<()> {
        Err(StoreError::NotHere(
            "limit buckets (one SQLite instance keeps them in memory)",
        ))
    }

    fn forget_expired(&mut self, now: i64, _idle_before: i64) -> TxResult<u64> {
        guard::forget_expired_claims(self.0, now)
    }

    fn add_usage(&mut self, site: SiteId, month: &str, delta: &AkismetUsage) -> TxResult<()> {
        sites::add_akismet_usage(self.0, site, month, delta)
    }
}

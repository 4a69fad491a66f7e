//! Readers' reports on published comments and what moderators do with them: one report per
//! reader per comment (keyed hashes of their address and of the widget's token), limited
//! like submissions; a site's `auto_hide_reports`-th report takes a published comment back
//! to the queue, logged; moderators see the most reported first and dismiss or decide.

use crate::domain::{
    Acted, CommentId, CommentStatus, FieldErrors, LogAction, LogEvent, ModComment, ModeratorId,
    NewReport, REPORT_REASONS, ReportRecord, now_millis,
};
use crate::store::{Tx, TxResult};

use super::accounts::Moderator;
use super::moderation::{ActError, Moderation};
use super::submission::Submissions;

/// Longest explanation a report may carry, in characters.
const EXPLANATION_MAX: usize = 2000;

/// Why a report was not taken.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}")]
    Validation(FieldErrors),
    #[error("comment {0} does not exist or is not published")]
    NotPublished(CommentId),
    #[error("too many requests from this address; try again in {} seconds", .0.retry_after.as_secs().max(1))]
    Limited(super::limits::Limited),
    #[error("failed to store the report")]
    Unexpected(#[from] anyhow::Error),
}

/// What a report is refused for inside its unit of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReportRefusal {
    NotPublished,
}

impl Submissions {
    /// A reader's report on comment `id`. A second report by the same reader on the same
    /// comment is taken (the answer is the same) but not counted again.
    ///
    /// # Errors
    /// [`ReportError::Validation`] naming the field, `NotPublished`, `Limited`, or
    /// `Unexpected`.
    pub async fn report(
        &self,
        id: CommentId,
        reason: &str,
        explanation: Option<&str>,
        email: Option<&str>,
        reader: Option<&str>,
        client_ip: Option<std::net::IpAddr>,
    ) -> Result<(), ReportError> {
        let mut errors = FieldErrors::default();
        let reason = reason.trim();
        if !REPORT_REASONS.contains(&reason) {
            errors.add(
                "reason",
                format!("choose one of: {}", REPORT_REASONS.join(", ")),
            );
        }
        let explanation = explanation.map(str::trim).filter(|e| !e.is_empty());
        match explanation {
            Some(e) if e.chars().count() > EXPLANATION_MAX => errors.add(
                "explanation",
                format!("at most {EXPLANATION_MAX} characters"),
            ),
            None if reason == "illegal" => errors.add(
                "explanation",
                "say what is illegal about it, and under which law if you know",
            ),
            _ => {}
        }
        let email = match email.map(str::trim).filter(|e| !e.is_empty()) {
            Some(e) => match crate::domain::AuthorEmail::parse(e) {
                Ok(e) => Some(e.as_ref().to_owned()),
                Err(message) => {
                    errors.add("email", message);
                    None
                }
            },
            None => None,
        };
        let reader = reader.filter(|r| !r.is_empty());
        if reader.is_some_and(|r| {
            !(16..=128).contains(&r.len())
                || !r
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }) {
            errors.add(
                "reader",
                "16 to 128 letters, digits, '-' or '_' (a random token the browser keeps)",
            );
        }
        if !errors.is_empty() {
            return Err(ReportError::Validation(errors));
        }
        let address = client_ip.map(super::limits::address_key);
        self.admit_report(address.as_deref()).await?;
        let secret = self.guard.secret();
        let reporter = super::secret::hex(&secret.mac(
            "report",
            &[address.as_deref().unwrap_or("unknown").as_bytes()],
        ));
        let report = NewReport {
            comment: id,
            reason: reason.to_owned(),
            explanation: explanation.map(str::to_owned),
            email,
            reporter,
            reader: reader
                .map(|r| super::secret::hex(&secret.mac("report-reader", &[r.as_bytes()]))),
            at: now_millis(),
        };
        self.store
            .write(move |tx| report_rule(tx, &report))
            .await
            .map_err(|e| anyhow::Error::new(e).context("database failure while reporting"))?
            .map_err(|ReportRefusal::NotPublished| ReportError::NotPublished(id))?;
        Ok(())
    }

    /// The submission limits, on the reader's address.
    async fn admit_report(&self, address: Option<&str>) -> Result<(), ReportError> {
        let (Some(address), true) = (address, self.limits.enabled) else {
            return Ok(());
        };
        if !self.store.is_shared() {
            let keys = [address.to_owned()];
            return self
                .limiter
                .admit(&self.limits, &keys, std::time::Instant::now())
                .map_err(ReportError::Limited);
        }
        let key = super::limits::shared_key(self.guard.secret(), address);
        let (limits, now) = (self.limits, now_millis());
        let admitted = self
            .store
            .write_alone(move |tx| {
                super::limits::admit_shared(tx, &limits, std::slice::from_ref(&key), &[], now)
            })
            .await
            .map_err(|e| anyhow::Error::new(e).context("database failure while admitting"))?;
        match admitted {
            Ok(()) => Ok(()),
            Err(super::limits::Refused::Limited(limited)) => Err(ReportError::Limited(limited)),
            Err(super::limits::Refused::Duplicate) => Ok(()),
        }
    }
}

/// A report as one unit of work: only a published comment is reported; a reader's second
/// report changes nothing; the report that reaches the site's `auto_hide_reports` (counting
/// those since a moderator last approved it) takes the comment back to the queue, logged
/// with how many reports did, and the article's public version moves on. Whether this
/// report was counted.
pub(crate) fn report_rule(tx: &mut dyn Tx, r: &NewReport) -> TxResult<Result<bool, ReportRefusal>> {
    match tx.thread_and_status(r.comment)? {
        Some((_, CommentStatus::Approved)) => {}
        _ => return Ok(Err(ReportRefusal::NotPublished)),
    }
    if !tx.insert_report(r)? {
        return Ok(Ok(false));
    }
    // A moderator who published it again has judged the reports before: count anew.
    let since = tx.reports_judged_at(r.comment)?.unwrap_or(i64::MIN);
    let count = tx.report_count(r.comment, since)?;
    if let Some(limit) = tx.auto_hide_reports_of(r.comment)?
        && count >= limit
    {
        tx.set_status(r.comment, CommentStatus::Pending, None)?;
        tx.append_log(&LogEvent {
            comment: r.comment,
            moderator: None,
            action: LogAction::HiddenByReports,
            from: CommentStatus::Approved,
            to: CommentStatus::Pending,
            at: r.at,
            reason: Some(format!("{count} reader reports")),
        })?;
        tx.bump_thread_of(r.comment)?;
    }
    Ok(Ok(true))
}

/// A comment with reports no moderator has judged yet.
#[derive(Debug, Clone)]
pub struct Reported {
    pub comment: ModComment,
    /// Reports since a moderator last approved it or dismissed its reports.
    pub open: u32,
    /// Every report on it, oldest first.
    pub reports: Vec<ReportRecord>,
}

impl Moderation {
    /// One page of the Reported tab: comments with reports no moderator has judged yet,
    /// the most reported first, each with its reports; and how many there are.
    ///
    /// # Errors
    /// A database failure.
    pub async fn reported(&self, per_page: u32, page: u32) -> anyhow::Result<(Vec<Reported>, u64)> {
        let offset = u64::from(page.max(1) - 1) * u64::from(per_page);
        let (ids, total) = self.store.reported(per_page, offset).await?;
        let mut rows = Vec::with_capacity(ids.len());
        // One page is at most a few dozen comments: two reads each keep the SQL simple.
        for (id, open) in ids {
            let Some((comment, _)) = self.store.find_for_moderation(id).await? else {
                continue;
            };
            let reports = self.store.reports_of(id).await?;
            rows.push(Reported {
                comment,
                open,
                reports,
            });
        }
        Ok((rows, total))
    }

    /// A moderator judges comment `id`'s open reports unfounded: the comment stays
    /// published (or, taken back to the queue by the reports, is published again), the
    /// dismissal is logged, and reports from now on count anew.
    ///
    /// # Errors
    /// [`ActError::NotFound`], [`ActError::NoOpenReports`], or `Unexpected`.
    pub async fn dismiss_reports(
        &self,
        moderator: &Moderator,
        id: CommentId,
    ) -> Result<Acted, ActError> {
        let (by, at) = (moderator.id, now_millis());
        let dismissed = self
            .store
            .write(move |tx| dismiss_rule(tx, id, by, at))
            .await
            .map_err(|e| anyhow::Error::new(e).context("database failure while dismissing"))?;
        match dismissed {
            Ok(acted) => {
                self.announce(moderator, &acted).await;
                Ok(acted)
            }
            Err(DismissRefusal::NotFound) => Err(ActError::NotFound(id)),
            Err(DismissRefusal::NoOpenReports) => Err(ActError::NoOpenReports(id)),
        }
    }
}

/// Why reports could not be dismissed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DismissRefusal {
    NotFound,
    /// No report since a moderator last judged the comment, or it was removed since.
    NoOpenReports,
}

/// A dismissal as one unit of work: only a published comment, or one its reports took back
/// to the queue, with reports since a moderator last judged it; it is published (the
/// article's version moves when that changes the listing) and the dismissal logged.
pub(crate) fn dismiss_rule(
    tx: &mut dyn Tx,
    id: CommentId,
    moderator: ModeratorId,
    at: i64,
) -> TxResult<Result<Acted, DismissRefusal>> {
    let Some((from, _)) = tx.status_of(id)? else {
        return Ok(Err(DismissRefusal::NotFound));
    };
    if !matches!(from, CommentStatus::Approved | CommentStatus::Pending) {
        return Ok(Err(DismissRefusal::NoOpenReports));
    }
    let since = tx.reports_judged_at(id)?.unwrap_or(i64::MIN);
    if tx.report_count(id, since)? == 0 {
        return Ok(Err(DismissRefusal::NoOpenReports));
    }
    let waited_ms = tx.undecided_since(id)?.map(|since| (at - since).max(0));
    if from != CommentStatus::Approved {
        tx.set_status(id, CommentStatus::Approved, None)?;
        tx.bump_thread_of(id)?;
    }
    tx.append_log(&LogEvent {
        comment: id,
        moderator: Some(moderator),
        action: LogAction::DismissedReports,
        from,
        to: CommentStatus::Approved,
        at,
        reason: None,
    })?;
    Ok(Ok(Acted {
        id,
        from,
        to: CommentStatus::Approved,
        waited_ms,
    }))
}

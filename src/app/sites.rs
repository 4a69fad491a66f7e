//! The sites a service comments for: registering them, their Akismet keys and settings,
//! and the block and hold lists moderators keep.

use std::sync::Arc;

use super::accounts::{Moderator, token_hash};
use super::akismet::KEY_LEN;
use super::guard::{Guard, RuleError};
use super::secret::hex;
use crate::domain::{
    ModerationMode, NewRule, Rule, RuleKind, RuleList, Site, SitePolicyChange, ThreadUrl,
    now_millis,
};
use crate::store::Store;

/// Sites, their keys and settings, and the block and hold lists.
#[derive(Clone)]
pub struct Sites {
    store: Store,
    guard: Arc<Guard>,
}

impl Sites {
    pub(super) fn new(store: Store, guard: Arc<Guard>) -> Self {
        Self { store, guard }
    }

    /// Registers a site (an origin whose articles may carry comments), or renames it.
    ///
    /// # Errors
    /// A database failure.
    pub async fn add_site(&self, origin: String, name: String) -> anyhow::Result<()> {
        self.store.upsert_site(origin, name).await?;
        Ok(())
    }

    /// Whether `origin` (as a browser sends it in `Origin`) is a registered site.
    ///
    /// # Errors
    /// A database failure.
    pub async fn is_site_origin(&self, origin: &str) -> anyhow::Result<bool> {
        let Ok(origin) = crate::domain::comment::parse_origin(origin) else {
            return Ok(false);
        };
        Ok(self.store.site_by_origin(origin).await?.is_some())
    }

    /// Every registered site.
    ///
    /// # Errors
    /// A database failure.
    pub async fn list(&self) -> anyhow::Result<Vec<Site>> {
        Ok(self.store.list_sites().await?)
    }
    /// The API key of the site at `origin`: the current one, or a new one (the old stops
    /// working) when `rotate` or when the site has none yet.
    ///
    /// # Errors
    /// No such site, or a database failure.
    pub async fn site_api_key(&self, origin: &str, rotate: bool) -> anyhow::Result<String> {
        let (site, generation) = self
            .store
            .key_state(origin.to_owned())
            .await?
            .ok_or_else(|| anyhow::anyhow!("no site {origin} is registered"))?;
        let generation = if rotate || generation == 0 {
            generation + 1
        } else {
            generation
        };
        let mac = self.guard.secret().mac(
            "akismet-key",
            &[origin.as_bytes(), &generation.to_le_bytes()],
        );
        let key = hex(&mac)[..KEY_LEN].to_owned();
        self.store
            .set_site_key(site, generation, token_hash(&key))
            .await?;
        Ok(key)
    }

    /// What the article's site and the article say about moderation; `None` when no
    /// registered site has it.
    ///
    /// # Errors
    /// A database failure.
    pub async fn article(
        &self,
        thread: &ThreadUrl,
    ) -> anyhow::Result<Option<crate::domain::ArticlePolicy>> {
        Ok(self
            .store
            .article_policy(thread.origin(), thread.as_ref().to_owned())
            .await?)
    }

    /// Every site with its moderation settings, by origin.
    ///
    /// # Errors
    /// A database failure.
    pub async fn settings(&self) -> anyhow::Result<Vec<crate::domain::SiteSettings>> {
        Ok(self.store.site_settings().await?)
    }

    /// The removal reasons any site keeps, each once, defaults first: what a decision
    /// across sites may offer (each comment's own site still has the last word).
    ///
    /// # Errors
    /// A database failure.
    pub async fn removal_reasons(&self) -> anyhow::Result<Vec<String>> {
        let mut all: Vec<String> = crate::domain::RemovalReasons::defaults()
            .as_slice()
            .to_vec();
        for site in self.settings().await? {
            for reason in site.removal_reasons.as_slice() {
                if !all.contains(reason) {
                    all.push(reason.clone());
                }
            }
        }
        Ok(all)
    }

    /// Changes a site's moderation settings (mode, trust, closing days, reports).
    ///
    /// # Errors
    /// No such site, or a database failure.
    pub async fn set_policy(&self, origin: &str, change: SitePolicyChange) -> anyhow::Result<()> {
        let origin_owned = origin.to_owned();
        let found = self
            .store
            .write(move |tx| tx.set_site_policy(&origin_owned, &change))
            .await?;
        if !found {
            anyhow::bail!("no site {origin} is registered");
        }
        Ok(())
    }

    /// Sets an article's own mode and closes or opens it by hand (`None` leaves either as
    /// it is); the article is recorded if it has no comment yet.
    ///
    /// # Errors
    /// The article's site is not registered, or a database failure.
    pub async fn set_article(
        &self,
        thread: &ThreadUrl,
        mode: Option<Option<ModerationMode>>,
        closed: Option<Option<bool>>,
    ) -> anyhow::Result<()> {
        let (origin, url, at) = (thread.origin(), thread.as_ref().to_owned(), now_millis());
        let found = self
            .store
            .write(move |tx| {
                let Some((site, thread)) = tx.site_and_thread(&origin, &url)? else {
                    return Ok(false);
                };
                let thread = match thread {
                    Some(thread) => thread,
                    None => tx.insert_thread(site, &url, at)?,
                };
                tx.set_thread_policy(thread, mode, closed)?;
                tx.bump_thread(thread)?;
                Ok(true)
            })
            .await?;
        if !found {
            anyhow::bail!("no site is registered for {}", thread.as_ref());
        }
        Ok(())
    }

    /// Whether comment-checks for `origin` also file the comment in the moderation queue.
    ///
    /// # Errors
    /// No such site, or a database failure.
    pub async fn set_store_checked(&self, origin: &str, on: bool) -> anyhow::Result<()> {
        if !self.store.set_store_checked(origin.to_owned(), on).await? {
            anyhow::bail!("no site {origin} is registered");
        }
        Ok(())
    }

    /// The block and hold lists.
    ///
    /// # Errors
    /// A database failure.
    pub async fn rules(&self) -> anyhow::Result<Vec<Rule>> {
        Ok(self.store.rules().await?)
    }

    /// Adds a rule typed by a moderator; it applies to the next submission.
    ///
    /// # Errors
    /// [`RuleError::Invalid`] with what a value of that kind looks like, `Exists`, or a
    /// database failure.
    pub async fn add_rule(
        &self,
        by: &Moderator,
        list: &str,
        kind: &str,
        value: &str,
    ) -> Result<(), RuleError> {
        let list = RuleList::parse(list).map_err(RuleError::Invalid)?;
        let kind = RuleKind::parse(kind).map_err(RuleError::Invalid)?;
        let secret = self.guard.secret();
        let rule = NewRule::parse(list, kind, value, |e| secret.email_key(e.as_ref()))
            .map_err(RuleError::Invalid)?;
        let added = self
            .store
            .add_rule(rule, by.id, now_millis())
            .await
            .map_err(anyhow::Error::new)?;
        self.guard.rules_changed();
        if added {
            Ok(())
        } else {
            Err(RuleError::Exists)
        }
    }

    /// Removes a rule.
    ///
    /// # Errors
    /// [`RuleError::NotFound`] or a database failure.
    pub async fn delete_rule(&self, id: i64) -> Result<(), RuleError> {
        let deleted = self
            .store
            .delete_rule(id)
            .await
            .map_err(anyhow::Error::new)?;
        self.guard.rules_changed();
        if deleted {
            Ok(())
        } else {
            Err(RuleError::NotFound)
        }
    }
}

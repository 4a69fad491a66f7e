//! The use cases: every business rule of the service, written once for both backends, and
//! every read a page or API needs.
//!
//! One file per area: [`submission`] (the one path for every comment: the API, the form
//! and Akismet's comment-check; the public listing), [`moderation`] (decisions, undo, the
//! queue), [`accounts`] (sign-in, sessions, moderator accounts), [`tokens`], [`limits`] and
//! [`guard`] (floods, bot signals, block and hold lists), [`campaigns`], [`filter`] and
//! [`model_store`] (the spam filter's lifecycle), [`akismet`], [`import`] (WordPress
//! exports), [`privacy`], [`notify`], [`operations`] (backup, copy, health); [`settings`] is
//! what they are built from. A use case takes domain values, does what is slow (scoring,
//! argon2) first, then runs its rule as one unit of work over [`crate::store::Tx`]: read
//! what it needs, decide (the transition, the label, the refusal), write. Routes and the
//! CLI never reach past [`App`] to the store.

pub mod accounts;
pub mod akismet;
pub mod campaigns;
pub mod filter;
pub mod guard;
pub mod import;
pub mod limits;
pub mod model_store;
pub mod moderation;
pub mod notify;
pub mod operations;
pub mod privacy;
pub mod secret;
pub mod settings;
pub mod submission;
pub mod tokens;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use crate::classifier::{Classifier, ModelHandle};
use crate::store::Store;
use filter::{ModelService, ModelSources, Schedule, SpamFilter, load_base};
use model_store::ModelStore;

/// The file name of the SQLite database inside the data directory.
pub const DATABASE_FILE: &str = "replyguard.sqlite3";

/// Where the service keeps its data and which base model it starts from: all the CLI and the
/// server need to build an [`App`].
#[derive(Debug, Clone)]
pub struct Components {
    pub data_dir: PathBuf,
    /// `REPLYGUARD_MODEL`; the shipped model when `None`.
    pub base_model: Option<PathBuf>,
    /// `REPLYGUARD_SPAM_THRESHOLD`; the model's own when `None`.
    pub spam_threshold: Option<f64>,
    /// The program run as the training child; `None`: this program.
    pub trainer: Option<PathBuf>,
    /// Submission limits.
    pub limits: limits::SubmissionLimits,
    /// What bot signals do.
    pub bots: guard::BotPolicy,
    /// `REPLYGUARD_SECRET`; `None`: the data directory's key file.
    pub secret: Option<String>,
    /// `REPLYGUARD_DATABASE_URL`; `None`: the SQLite file in the data directory.
    pub database_url: Option<String>,
    /// How long addresses, user agents and referrers are kept.
    pub retention: std::time::Duration,
    /// P(spam) at or above which Akismet's comment-check adds `X-akismet-pro-tip: discard`.
    pub akismet_discard: f64,
    /// Where notifications of new comments go.
    pub notify: notify::NotifySettings,
    /// Group near-identical comments into campaigns (`REPLYGUARD_CAMPAIGNS`).
    pub campaigns: bool,
}

impl Components {
    /// The SQLite database's path.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join(DATABASE_FILE)
    }
}

/// The use cases' shared context: the store, the spam filter in use and its lifecycle.
#[derive(Clone)]
pub struct App {
    store: Store,
    /// The spam filter in use, and the policy applied to its scores.
    pub filter: SpamFilter,
    /// Retraining, activation and the model store.
    pub models: Arc<ModelService>,
    /// Bounds on password checks and the HTTP Basic shortcut.
    gate: Arc<accounts::PasswordGate>,
    /// Submission limits and their state.
    limits: limits::SubmissionLimits,
    limiter: Arc<limits::Limiter>,
    recent: Arc<limits::RecentComments>,
    /// Form tokens, bot signals, block and hold lists.
    guard: Arc<guard::Guard>,
    /// The data directory (backups copy its models and key).
    data_dir: PathBuf,
    /// Whether the secret comes from `REPLYGUARD_SECRET` rather than the data directory.
    secret_configured: bool,
    /// How long addresses, user agents and referrers are kept.
    retention: std::time::Duration,
    /// Akismet's "discard" threshold, and the per-site usage counts.
    akismet_discard: f64,
    akismet_usage: Arc<akismet::UsageCounts>,
    /// Events for the notification task.
    notifier: Arc<notify::Notifier>,
    /// Recent comments' signatures, for grouping campaigns, and whether to group.
    campaigns: Arc<campaigns::CampaignIndex>,
    campaigns_on: bool,
}

impl App {
    /// Opens the data directory, its database (migrating it) and the model chain: the base
    /// model, then the active retrained model if there is one. The one place this is built,
    /// for the server and for every CLI command.
    ///
    /// # Errors
    /// The data directory, database or a model cannot be used.
    pub fn open(components: &Components) -> anyhow::Result<Self> {
        Self::open_with(components, true)
    }

    /// Like [`App::open`], for commands that never score (sites, moderators, export): a
    /// damaged active model is reported by the commands that use it, not by these, which
    /// fall back to the base model.
    ///
    /// # Errors
    /// The data directory, database or base model cannot be used.
    pub fn open_for_admin(components: &Components) -> anyhow::Result<Self> {
        Self::open_with(components, false)
    }

    fn open_with(components: &Components, strict: bool) -> anyhow::Result<Self> {
        let data_dir = &components.data_dir;
        std::fs::create_dir_all(data_dir).with_context(|| {
            format!("failed to create the data directory {}", data_dir.display())
        })?;
        if components.database_url.is_some() && components.secret.is_none() {
            tracing::warn!(
                "REPLYGUARD_SECRET is unset: this instance keys form tokens, Akismet keys and \
                 hashes with its own data directory's secret.key; instances sharing the \
                 database must share one REPLYGUARD_SECRET"
            );
        }
        let path = components.database_path();
        let store = Store::open(components.database_url.as_deref(), &path).with_context(|| {
            match &components.database_url {
                Some(_) => {
                    "failed to open the PostgreSQL database (REPLYGUARD_DATABASE_URL)".into()
                }
                None => format!("failed to open the database {}", path.display()),
            }
        })?;
        let base = load_base(components.base_model.as_deref())
            .context("failed to load the spam filter model (REPLYGUARD_MODEL)")?;
        let model_store = ModelStore::for_store(data_dir, &store);
        let active = match run_aside(model_store.load_active_or(&base)) {
            Ok(active) => active,
            Err(_) if !strict => base.clone(),
            Err(e) => return Err(e.context("failed to load the active model")),
        };
        let handle = ModelHandle::new(Classifier::from_bundle(&active)?);
        drop(active);
        let filter = SpamFilter {
            models: handle.clone(),
            threshold: components.spam_threshold,
        };
        let models = Arc::new(ModelService::new(
            ModelSources {
                data_dir: data_dir.clone(),
                base_path: components.base_model.clone(),
                database_url: components.database_url.clone(),
                trainer: components.trainer.clone(),
                base,
            },
            model_store,
            store.clone(),
            handle,
        ));
        Ok(Self {
            store,
            filter,
            models,
            gate: Arc::new(accounts::PasswordGate::new()?),
            limits: components.limits,
            limiter: Arc::new(limits::Limiter::default()),
            recent: Arc::new(limits::RecentComments::default()),
            guard: Arc::new(guard::Guard::new(
                secret::Secret::load(components.secret.as_deref(), data_dir)?,
                components.bots,
            )),
            data_dir: data_dir.clone(),
            secret_configured: components.secret.is_some(),
            retention: components.retention,
            akismet_discard: components.akismet_discard,
            akismet_usage: Arc::default(),
            notifier: Arc::new(notify::Notifier::new(components.notify.clone())),
            campaigns: Arc::default(),
            campaigns_on: components.campaigns,
        })
    }

    /// Starts the background task that follows the active model and retrains on `schedule`.
    pub fn spawn_schedule(&self, schedule: Schedule) {
        Arc::clone(&self.models).spawn_schedule(schedule);
    }

    /// The database's schema version (after the migrations `open` applied).
    ///
    /// # Errors
    /// A database failure.
    pub async fn schema_version(&self) -> anyhow::Result<i64> {
        Ok(self.store.schema_version().await?)
    }

    /// The database answers a trivial read.
    ///
    /// # Errors
    /// A database failure.
    pub async fn health(&self) -> anyhow::Result<()> {
        Ok(self.store.ping().await?)
    }
}

/// Runs `future` on a runtime of its own on another thread: for the synchronous start-up
/// code, which may itself run inside a runtime (the server's) where blocking is not allowed.
fn run_aside<T: Send>(
    future: impl std::future::Future<Output = anyhow::Result<T>> + Send,
) -> anyhow::Result<T> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| block_on(future))
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("start-up task panicked")))
    })
}

/// Runs `future` to completion on a small runtime of its own: for CLI commands, which call
/// the same async use cases as the server.
///
/// # Errors
/// The runtime cannot be built, or whatever `future` returns.
pub fn block_on<T>(
    future: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("failed to start the runtime")?
        .block_on(future)
}

//! The use cases: every business rule of the service, written once for both backends, and
//! every read a page or API needs.
//!
//! [`App`] is the running application, built once from [`Components`] for the server and
//! every CLI command; it hands out one service per area, each holding only what it needs:
//! [`Submissions`] (the one path for every comment: the API, the form, Akismet's
//! comment-check and imports; readers' reports; the public listing), [`Moderation`]
//! (decisions, undo, the queue, reports, commenters, live decisions),
//! [`Accounts`] (sign-in, sessions, moderator accounts, API tokens), [`Sites`] (sites, their
//! keys and settings, block and hold lists), [`Filter`] (the model in use, retraining,
//! activation), [`Akismet`], [`Privacy`], [`Notifications`], [`replies::Replies`] (readers
//! told of replies) and [`Operations`] (health, backups, WordPress imports). The files below them hold the parts: [`limits`] and
//! [`guard`] (floods, bot signals, lists), [`campaigns`], [`model_archive`] (where models
//! are kept), [`import`], [`reports`], [`commenters`], [`live`] (decisions streamed to open
//! dashboards), [`secret`]; [`settings`] is what they are built from. A use case
//! takes domain values, does what is slow (scoring, argon2) first, then runs its rule as one
//! unit of work over [`crate::store::Tx`]: read what it needs, decide (the transition, the
//! label, the refusal), write. Routes and the CLI never reach past a service to the store.

pub mod accounts;
pub mod akismet;
pub mod campaigns;
pub mod commenters;
pub mod filter;
pub mod guard;
pub mod import;
pub mod limits;
pub mod live;
pub mod model_archive;
pub mod moderation;
pub mod notify;
pub mod operations;
pub mod privacy;
pub mod replies;
pub mod reports;
pub mod secret;
pub mod settings;
pub mod sites;
pub mod submission;
pub mod tokens;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use crate::classifier::{Classifier, LiveModel};
use crate::store::Store;
use accounts::Accounts;
use akismet::Akismet;
use filter::{Filter, ModelSources, Scoring, load_base};
use model_archive::ModelArchive;
use moderation::Moderation;
use notify::Notifications;
use operations::Operations;
use privacy::Privacy;
use sites::Sites;
use submission::Submissions;

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
    /// Bounds each PostgreSQL statement and wait (`REPLYGUARD_DB_TIMEOUT_SECS`).
    pub db_timeout: std::time::Duration,
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

/// The running application: one service per area, each holding only what it needs.
/// Routes and the CLI reach a use case through its service (`app.moderation().act(…)`),
/// never past it to the store.
#[derive(Clone)]
pub struct App {
    submissions: Submissions,
    moderation: Moderation,
    accounts: Accounts,
    sites: Sites,
    filter: Arc<Filter>,
    akismet: Akismet,
    privacy: Privacy,
    notifications: Notifications,
    operations: Operations,
    replies: replies::Replies,
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
        crate::durable::make_private(data_dir).with_context(|| {
            format!(
                "failed to make the data directory {} private",
                data_dir.display()
            )
        })?;
        if components.database_url.is_some() && components.secret.is_none() {
            tracing::warn!(
                "REPLYGUARD_SECRET is unset: this instance keys form tokens, Akismet keys and \
                 hashes with its own data directory's secret.key; instances sharing the \
                 database must share one REPLYGUARD_SECRET"
            );
        }
        let path = components.database_path();
        let store = Store::open(
            components.database_url.as_deref(),
            &path,
            components.db_timeout,
        )
        .with_context(|| match &components.database_url {
            Some(_) => "failed to open the PostgreSQL database (REPLYGUARD_DATABASE_URL)".into(),
            None => format!("failed to open the database {}", path.display()),
        })?;
        let base = load_base(components.base_model.as_deref())
            .context("failed to load the spam filter model (REPLYGUARD_MODEL)")?;
        let archive = ModelArchive::for_store(data_dir, &store);
        let active = match run_aside(archive.load_active_or(&base)) {
            Ok(active) => active,
            Err(_) if !strict => base.clone(),
            Err(e) => return Err(e.context("failed to load the active model")),
        };
        let live = LiveModel::new(Classifier::from_bundle(&active)?);
        drop(active);
        let scoring = Scoring {
            live,
            threshold: components.spam_threshold,
        };
        let filter = Arc::new(Filter::new(
            ModelSources {
                data_dir: data_dir.clone(),
                base_path: components.base_model.clone(),
                database_url: components.database_url.clone(),
                trainer: components.trainer.clone(),
                base,
            },
            archive,
            store.clone(),
            scoring.clone(),
        ));
        let guard = Arc::new(guard::Guard::new(
            secret::Secret::load(components.secret.as_deref(), data_dir)?,
            components.bots,
        ));
        let notifier = Arc::new(notify::Notifier::new(components.notify.clone()));
        let replies = replies::Replies {
            store: store.clone(),
            notifier: Arc::clone(&notifier),
            guard: Arc::clone(&guard),
        };
        let submissions = Submissions {
            store: store.clone(),
            scoring: scoring.clone(),
            guard: Arc::clone(&guard),
            limits: components.limits,
            limiter: Arc::default(),
            recent: Arc::default(),
            notifier: Arc::clone(&notifier),
            campaigns: components.campaigns.then(Arc::default),
            replies: replies.clone(),
        };
        Ok(Self {
            akismet: Akismet {
                store: store.clone(),
                submissions: submissions.clone(),
                guard: Arc::clone(&guard),
                discard: components.akismet_discard,
                feedback_kept: Arc::default(),
            },
            submissions: submissions.clone(),
            moderation: Moderation::new(
                store.clone(),
                scoring,
                Arc::clone(&guard),
                replies.clone(),
            ),
            accounts: Accounts {
                store: store.clone(),
                gate: Arc::new(accounts::PasswordGate::new()?),
                guard: Arc::clone(&guard),
            },
            sites: Sites::new(store.clone(), Arc::clone(&guard)),
            privacy: Privacy::new(store.clone(), Arc::clone(&guard), components.retention),
            notifications: Notifications::new(store.clone(), notifier),
            operations: Operations {
                store,
                filter: Arc::clone(&filter),
                guard,
                submissions,
                data_dir: data_dir.clone(),
                secret_configured: components.secret.is_some(),
            },
            filter,
            replies,
        })
    }

    /// Posting comments (every door) and the public listing.
    pub fn submissions(&self) -> &Submissions {
        &self.submissions
    }

    /// Moderators' decisions, the queue and what it shows.
    pub fn moderation(&self) -> &Moderation {
        &self.moderation
    }

    /// Moderators' accounts, sign-in, sessions and API tokens.
    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    /// Registered sites, their keys and settings, the block and hold lists.
    pub fn sites(&self) -> &Sites {
        &self.sites
    }

    /// The spam filter: the model in use, the stored models, retraining and activation.
    pub fn filter(&self) -> &Arc<Filter> {
        &self.filter
    }

    /// Akismet's protocol.
    pub fn akismet(&self) -> &Akismet {
        &self.akismet
    }

    /// Commenters' personal data: purge, export, erasure.
    pub fn privacy(&self) -> &Privacy {
        &self.privacy
    }

    /// Telling moderators about new comments.
    pub fn notifications(&self) -> &Notifications {
        &self.notifications
    }

    /// Telling readers about replies: confirming and ending their subscriptions.
    pub fn replies(&self) -> &replies::Replies {
        &self.replies
    }

    /// Health, readiness, metrics, backups, imports and the orderly stop.
    pub fn operations(&self) -> &Operations {
        &self.operations
    }
}

/// Whether `e` (or what caused it) is the database being out of reach: a request that met
/// it may be tried again later (HTTP 503 with `Retry-After`), unlike a failure of ours.
pub fn database_unavailable(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<crate::store::StoreError>(),
            Some(crate::store::StoreError::Unavailable(_))
        )
    })
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

//! Running the service: readiness, metrics, backups and an orderly stop.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Serialize;

use std::sync::Arc;

use super::DATABASE_FILE;
use super::filter::Filter;
use super::guard::Guard;
use super::import::{ImportReport, import_wordpress};
use crate::domain::CommentStatus;
use crate::store::Store;

/// What `replyguard backup` wrote.
#[derive(Debug, Serialize)]
pub struct BackupReport {
    pub directory: PathBuf,
    pub database: PathBuf,
    /// Retrained model files (and the `ACTIVE` pointer) copied.
    pub model_files: usize,
    /// Whether the data directory's `secret.key` was copied (not when `REPLYGUARD_SECRET`
    /// is used: that secret lives wherever the operator keeps it).
    pub secret_key: bool,
}

/// Copies the regular files of `from` into `to` (created), syncing each; how many.
fn copy_files(from: &Path, to: &Path) -> anyhow::Result<usize> {
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(0);
    };
    std::fs::create_dir_all(to)?;
    let mut copied = 0;
    for entry in entries {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            let target = to.join(entry.file_name());
            std::fs::copy(entry.path(), &target)?;
            std::fs::File::open(&target)?.sync_all()?;
            copied += 1;
        }
    }
    Ok(copied)
}

/// Running the service: health, readiness, metrics, backups, imports and an orderly stop.
#[derive(Clone)]
pub struct Operations {
    pub(super) store: Store,
    pub(super) filter: Arc<Filter>,
    /// The secret that keys imported comments' addresses.
    pub(super) guard: Arc<Guard>,
    /// The submission path every imported comment is judged by.
    pub(super) submissions: super::submission::Submissions,
    /// The data directory (backups copy its models and key).
    pub(super) data_dir: PathBuf,
    /// Whether the secret comes from `REPLYGUARD_SECRET` rather than the data directory.
    pub(super) secret_configured: bool,
}

impl Operations {
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

    /// Imports a WXR file with the model in use (`import::import_wordpress` says how).
    ///
    /// # Errors
    /// As `import::import_wordpress`.
    pub async fn import_wordpress(&self, path: &Path) -> anyhow::Result<ImportReport> {
        import_wordpress(&self.store, &self.submissions, self.guard.secret(), path).await
    }

    /// Ready for traffic: the database takes writes and a model is loaded.
    ///
    /// # Errors
    /// What is not ready.
    pub async fn ready(&self) -> anyhow::Result<()> {
        self.store
            .writable()
            .await
            .context("the database does not take writes")?;
        let _loaded = self.filter.in_use();
        Ok(())
    }

    /// The Prometheus text of every metric, with the queue depth read now.
    ///
    /// # Errors
    /// A database failure.
    pub async fn metrics_text(&self) -> anyhow::Result<String> {
        let counts = self.store.count_by_status().await?;
        let pending = counts.get(&CommentStatus::Pending).copied().unwrap_or(0);
        let oldest = self.store.oldest_pending().await?.map_or(0.0, |at| {
            (crate::domain::now_millis() - at).max(0) as f64 / 1000.0
        });
        Ok(crate::metrics::global().render(&[
            (
                "replyguard_queue_pending",
                "Comments waiting for a moderator.",
                pending as f64,
            ),
            (
                "replyguard_queue_oldest_pending_seconds",
                "Age of the oldest comment waiting for a moderator (0: none waits).",
                oldest,
            ),
        ]))
    }

    /// An online, consistent backup of the data directory into `directory` (which must not
    /// exist or be empty): the database as one file, the retrained models with the `ACTIVE`
    /// pointer, and the secret key. Restoring is copying these back into an empty data
    /// directory (README, "Backup and restore").
    ///
    /// # Errors
    /// The directory is not empty, or a copy fails.
    pub async fn backup(&self, directory: &Path) -> anyhow::Result<BackupReport> {
        if !self.store.is_embedded() {
            bail!(
                "the database is PostgreSQL (REPLYGUARD_DATABASE_URL), which holds the comments \
                 and the models: back it up with pg_dump or the server's own backups, and keep \
                 REPLYGUARD_SECRET with it"
            );
        }
        if directory
            .read_dir()
            .is_ok_and(|mut entries| entries.next().is_some())
        {
            bail!(
                "{} is not empty; back up into a new directory",
                directory.display()
            );
        }
        // Written under a temporary name beside it and renamed when complete: a backup
        // interrupted half-way is never a directory that looks like a backup (it restored
        // as an empty database before).
        let parent = directory
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = directory
            .file_name()
            .with_context(|| format!("{} names no directory", directory.display()))?;
        let partial = parent.join(format!(
            ".{}.partial-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&partial);
        std::fs::create_dir_all(&partial)
            .with_context(|| format!("failed to create {}", partial.display()))?;
        self.store
            .backup_to(partial.join(DATABASE_FILE))
            .await
            .context("failed to copy the database")?;
        let model_files = copy_files(&self.data_dir.join("models"), &partial.join("models"))
            .context("failed to copy the models")?;
        let secret = self.data_dir.join(super::secret::SECRET_FILE);
        let secret_key = !self.secret_configured && secret.is_file();
        if secret_key {
            let target = partial.join(super::secret::SECRET_FILE);
            std::fs::copy(&secret, &target).context("failed to copy the secret key")?;
            std::fs::File::open(&target)?.sync_all()?;
        }
        crate::durable::sync_dir(&partial).context("failed to sync the backup directory")?;
        // rename(2) replaces an empty directory; the check above allowed only that.
        std::fs::rename(&partial, directory)
            .with_context(|| format!("failed to move the backup into {}", directory.display()))?;
        crate::durable::sync_dir(parent).context("failed to sync the backup's parent")?;
        Ok(BackupReport {
            directory: directory.to_owned(),
            database: directory.join(DATABASE_FILE),
            model_files,
            secret_key,
        })
    }

    /// Finishes every write and closes the database: the last call before the process
    /// exits.
    ///
    /// # Errors
    /// A database failure.
    pub async fn close(&self) -> anyhow::Result<()> {
        Ok(self.store.close().await?)
    }
}

/// What `replyguard copy-data` moved.
#[derive(Debug, Serialize)]
pub struct CopyReport {
    /// Rows per table, in the source and in the target (equal, or nothing was committed).
    pub tables: Vec<crate::store::copy::CopiedTable>,
    /// Retrained models copied into the database's model archive.
    pub models: usize,
    /// The model the service runs (the base model: `None`).
    pub active_model: Option<String>,
}

/// Copies the data directory's SQLite database and models into the empty PostgreSQL
/// database at `to` (migrating it first): sites, threads, comments, moderators, labels, the
/// moderation log, block and hold lists, API tokens and the stored models with the active
/// one. Sessions are not copied: moderators sign in again.
///
/// # Errors
/// No SQLite database in the data directory, a target that holds data, counts that do not
/// match (nothing committed), or a database failure.
pub async fn copy_data(components: &super::Components, to: &str) -> anyhow::Result<CopyReport> {
    let path = components.database_path();
    if !path.is_file() {
        bail!("there is no SQLite database at {}", path.display());
    }
    // Opening migrates the source, so every column the copy reads exists.
    let source = crate::store::Store::open(None, &path, components.db_timeout)
        .with_context(|| format!("failed to open {}", path.display()))?;
    let target = crate::store::Store::open(Some(to), &path, components.db_timeout)
        .context("failed to open the PostgreSQL database (--to)")?;
    let tables = crate::store::copy::sqlite_to_postgres(&path, to).await?;
    let base = super::filter::load_base(components.base_model.as_deref())?;
    let from = super::model_archive::ModelArchive::for_store(&components.data_dir, &source);
    let into = super::model_archive::ModelArchive::for_store(&components.data_dir, &target);
    let mut models = 0;
    for stored in from.list(&base).await? {
        if !stored.base {
            into.save(&from.load(&stored.version).await?).await?;
            models += 1;
        }
    }
    let active_model = match from.active_version().await? {
        Some(v) if !super::model_archive::ModelArchive::is_base(&v, &base) => {
            into.activate(&v, &base).await?;
            Some(v)
        }
        _ => None,
    };
    source.close().await?;
    target.close().await?;
    Ok(CopyReport {
        tables,
        models,
        active_model,
    })
}

//! Where models are kept and which one runs: files in the data directory (SQLite), or rows
//! in the database instances share (PostgreSQL).

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use serde::Serialize;

use crate::classifier::Classifier;
use crate::classifier::model::{Lineage, ModelBundle, Provenance, RetrainReport};
use crate::store::Store;
use crate::store::{ModelRows, RetrainLock};

/// The name `model activate` and `ACTIVE` use for the base model.
pub const BASE: &str = "base";

/// Where models are kept: files in `<data dir>/models/` with `ACTIVE` naming the version
/// the service runs (SQLite), or rows in the database that every instance shares
/// (PostgreSQL).
#[derive(Clone)]
pub struct ModelArchive {
    place: Place,
}

#[derive(Clone)]
enum Place {
    Files(PathBuf),
    Shared(ModelRows),
}

/// A stored model as `model list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct StoredModel {
    pub version: String,
    /// The model the service starts from (shipped, or `REPLYGUARD_MODEL`).
    pub base: bool,
    pub created_at: String,
    pub active: bool,
    pub lineage: Option<Lineage>,
    pub retraining: Option<RetrainReport>,
    /// Its per-site layers: which sites it scores with their own labels.
    pub site_layers: Vec<crate::classifier::model::LayerHead>,
}

impl ModelArchive {
    /// The model archive that goes with `store`: its rows when the database is shared, else
    /// the files of the data directory `data_dir` (created on first save).
    pub fn for_store(data_dir: &Path, store: &Store) -> Self {
        let place = match store.model_rows() {
            Some(rows) => Place::Shared(rows),
            None => Place::Files(data_dir.join("models")),
        };
        Self { place }
    }

    /// Checks that `version` is a version name (it becomes a file name: no paths allowed).
    ///
    /// # Errors
    /// When it is not.
    pub fn check_version(version: &str) -> anyhow::Result<()> {
        let ok = !version.is_empty()
            && version.len() <= 64
            && version
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !ok {
            bail!("{version:?} is not a model version");
        }
        Ok(())
    }

    fn path_of(dir: &Path, version: &str) -> anyhow::Result<PathBuf> {
        Self::check_version(version)?;
        Ok(dir.join(format!("{version}.json")))
    }

    /// Stores `bundle` under its version (a file written atomically, or a row).
    ///
    /// # Errors
    /// An I/O or database error.
    pub async fn save(&self, bundle: &ModelBundle) -> anyhow::Result<()> {
        Self::check_version(&bundle.version)?;
        match &self.place {
            Place::Files(dir) => {
                std::fs::create_dir_all(dir)?;
                bundle.save(&Self::path_of(dir, &bundle.version)?)?;
            }
            Place::Shared(rows) => {
                let provenance = serde_json::to_string(&Provenance {
                    version: bundle.version.clone(),
                    created_at: bundle.created_at.clone(),
                    lineage: bundle.lineage.clone(),
                    retraining: bundle.retraining.clone(),
                    site_layers: layer_heads(bundle),
                })?;
                rows.save(&bundle.version, &provenance, &bundle.to_file_bytes()?)
                    .await?;
            }
        }
        Ok(())
    }

    /// Whether `version` is stored.
    ///
    /// # Errors
    /// An I/O or database error.
    pub async fn exists(&self, version: &str) -> anyhow::Result<bool> {
        if Self::check_version(version).is_err() {
            return Ok(false);
        }
        match &self.place {
            Place::Files(dir) => Ok(Self::path_of(dir, version)?.exists()),
            Place::Shared(rows) => Ok(rows.exists(version).await?),
        }
    }

    /// Loads a stored version, checking it as any model file is checked.
    ///
    /// # Errors
    /// A missing, truncated or altered model.
    pub async fn load(&self, version: &str) -> anyhow::Result<ModelBundle> {
        match &self.place {
            Place::Files(dir) => Ok(ModelBundle::load(&Self::path_of(dir, version)?)?),
            Place::Shared(rows) => {
                Self::check_version(version)?;
                let bytes = rows
                    .load(version)
                    .await?
                    .ok_or_else(|| anyhow!("model {version} is not stored"))?;
                Ok(ModelBundle::from_file_bytes(
                    &format!("model {version}"),
                    &bytes,
                )?)
            }
        }
    }

    /// Whether `version` names the base model: `base`, or the base bundle's own version.
    pub fn is_base(version: &str, base: &ModelBundle) -> bool {
        version == BASE || version == base.version
    }

    /// The version the service should run, if one was activated (`base` when the base was).
    ///
    /// # Errors
    /// An unreadable `ACTIVE` file, or a database error.
    pub async fn active_version(&self) -> anyhow::Result<Option<String>> {
        match &self.place {
            Place::Files(dir) => match std::fs::read_to_string(dir.join("ACTIVE")) {
                Ok(text) => Ok(Some(text.trim().to_owned()).filter(|v| !v.is_empty())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e).context("cannot read the ACTIVE model pointer"),
            },
            Place::Shared(rows) => Ok(rows.active().await?.0),
        }
    }

    /// Makes `version` the one the service runs, after checking that it loads. Running
    /// services pick it up on their next poll.
    ///
    /// # Errors
    /// An unknown or damaged version, or an I/O or database error.
    pub async fn activate(&self, version: &str, base: &ModelBundle) -> anyhow::Result<ModelBundle> {
        let bundle = if Self::is_base(version, base) {
            base.clone()
        } else {
            let bundle = self
                .load(version)
                .await
                .with_context(|| format!("cannot activate model {version}"))?;
            Classifier::from_bundle(&bundle)?;
            bundle
        };
        let is_base = Self::is_base(version, base);
        match &self.place {
            Place::Files(dir) => {
                std::fs::create_dir_all(dir)?;
                let name = if is_base { BASE } else { version };
                crate::durable::write_atomically(
                    &dir.join("ACTIVE"),
                    format!("{name}\n").as_bytes(),
                )?;
            }
            Place::Shared(rows) => {
                rows.activate((!is_base).then_some(version)).await?;
            }
        }
        Ok(bundle)
    }

    /// The base model, then every stored model, oldest first.
    ///
    /// # Errors
    /// An unreadable folder or model, or a database error.
    pub async fn list(&self, base: &ModelBundle) -> anyhow::Result<Vec<StoredModel>> {
        let active = self.active_version().await?;
        let base_active = active.as_deref().is_none_or(|v| Self::is_base(v, base));
        let base_entry = StoredModel {
            version: base.version.clone(),
            base: true,
            active: base_active,
            created_at: base.created_at.clone(),
            lineage: None,
            retraining: None,
            site_layers: Vec::new(),
        };
        let provenances: Vec<Provenance> = match &self.place {
            Place::Files(dir) => {
                let mut names: Vec<String> = match std::fs::read_dir(dir) {
                    Ok(entries) => entries
                        .filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .filter_map(|n| n.strip_suffix(".json").map(str::to_owned))
                        .collect(),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                    Err(e) => return Err(e.into()),
                };
                names.sort();
                names
                    .iter()
                    .map(|version| Ok(Provenance::load(&Self::path_of(dir, version)?)?))
                    .collect::<anyhow::Result<_>>()?
            }
            Place::Shared(rows) => rows
                .list()
                .await?
                .iter()
                .map(|row| Ok(serde_json::from_str(&row.provenance)?))
                .collect::<anyhow::Result<_>>()?,
        };
        let stored = provenances.into_iter().map(|file| StoredModel {
            active: active.as_deref() == Some(file.version.as_str()),
            base: false,
            version: file.version,
            created_at: file.created_at,
            lineage: file.lineage,
            retraining: file.retraining,
            site_layers: file.site_layers,
        });
        Ok(std::iter::once(base_entry).chain(stored).collect())
    }

    /// The model the service should run: the active stored one, else `base`.
    ///
    /// # Errors
    /// A damaged active model: refused rather than silently replaced by the base.
    pub async fn load_active_or(&self, base: &ModelBundle) -> anyhow::Result<ModelBundle> {
        match self.active_version().await? {
            Some(version) if !Self::is_base(&version, base) => self.load(&version).await,
            _ => Ok(base.clone()),
        }
    }

    /// When the last retraining run started on any instance sharing the models (`None` for
    /// files: the process keeps its own schedule).
    ///
    /// # Errors
    /// A database error.
    pub async fn last_retrain_at(&self) -> anyhow::Result<Option<i64>> {
        match &self.place {
            Place::Files(_) => Ok(None),
            Place::Shared(rows) => Ok(rows.last_retrain_at().await?),
        }
    }

    /// Activations made by any instance, as they happen; `None` for files, which the
    /// schedule polls.
    pub fn activations(&self) -> Option<tokio::sync::mpsc::Receiver<()>> {
        match &self.place {
            Place::Files(_) => None,
            Place::Shared(rows) => Some(rows.activations()),
        }
    }

    /// The right to run a retraining now: `None` while another instance sharing the
    /// database runs one. Files need nothing beyond the process's own mutex.
    ///
    /// # Errors
    /// A database error.
    pub async fn retrain_lock(&self) -> anyhow::Result<Option<RunLock>> {
        match &self.place {
            Place::Files(_) => Ok(Some(RunLock { _held: None })),
            Place::Shared(rows) => Ok(rows
                .try_retrain_lock()
                .await?
                .map(|l| RunLock { _held: Some(l) })),
        }
    }
}

/// Held while this process retrains; for a shared database, the database's lock with it.
pub struct RunLock {
    _held: Option<RetrainLock>,
}

/// The identities of a model's site layers, without their counts.
fn layer_heads(bundle: &ModelBundle) -> Vec<crate::classifier::model::LayerHead> {
    bundle
        .site_layers
        .iter()
        .map(|l| crate::classifier::model::LayerHead {
            site: l.site.clone(),
            version: l.version.clone(),
            created_at: l.created_at.clone(),
            labels: l.labels,
        })
        .collect()
}

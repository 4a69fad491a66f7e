//! The model file: one versioned JSON document holding the feature settings, the fitted
//! linfa `MultinomialNb` (its own serde form), metadata, and a SHA-256 of all of it.
//!
//! ```text
//! {"format":"replyguard-model","format_version":1,"sha256":"<hex of payload bytes>","payload":{...}}
//! ```
//! The checksum covers the payload's exact bytes, so a truncated or edited file is refused.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use linfa_bayes::MultinomialNb;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use super::metrics::Metrics;
use super::tokenize::FeatureSettings;

/// The only file format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
const FORMAT_NAME: &str = "replyguard-model";

/// linfa class labels: 0 = ham, 1 = spam. (`linfa::Label` is implemented for `usize`, and
/// integer keys survive JSON maps.)
pub const HAM: usize = 0;
pub const SPAM: usize = 1;

/// What a model was trained on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// File names (not paths) of the training data.
    pub files: Vec<String>,
    pub texts: usize,
    pub spam: usize,
    pub ham: usize,
    /// Unlabelled texts the model was adapted to (`model train --unlabelled`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unlabelled: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// How the model did on a held-out slice of its training data when it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Texts held out to choose the threshold (then trained on too).
    pub held_out: usize,
    /// The false-positive budget the threshold was chosen for.
    pub target_false_positive_rate: f64,
    pub metrics: Metrics,
}

/// Everything a model file holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelBundle {
    /// Unique per trained model; stored on every comment it scores.
    pub version: String,
    /// RFC 3339 time of training.
    pub created_at: String,
    pub features: FeatureSettings,
    /// Laplace/Lidstone smoothing used for the fit.
    pub alpha: f64,
    /// Default operating threshold, as log-odds: at or above it a comment is filed as spam.
    pub threshold_log_odds: f64,
    pub training: TrainingSummary,
    pub calibration: Option<Calibration>,
    /// The fitted model, in linfa-bayes' own serde form.
    pub nb: MultinomialNb<f64, usize>,
    /// For a retrained model: the model it was built from (the base) and the one in use
    /// when it was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<Lineage>,
    /// For a retrained model: the labels it learned and the acceptance check's verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retraining: Option<RetrainReport>,
    /// A site's layer over this base (`model train --site-labels`): scoring with the file
    /// then scores as the service would for that site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_layer: Option<super::site::SiteLayer>,
    /// The service's per-site layers (a retrained model): each site's comments are scored by
    /// the base with that site's layer, and only by it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub site_layers: Vec<super::site::SiteLayer>,
    /// The features the training texts held: only these carry weight when scoring (`None`
    /// in a model made before it existed, which scores every feature as it did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<super::seen::SeenSet>,
}

/// Where a retrained model comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lineage {
    /// The base model whose counts it starts from.
    pub base: String,
    /// The model in use when it was trained (what the acceptance check compared it with).
    pub parent: String,
}

/// What a retraining run learned and what the acceptance check found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrainReport {
    pub labels: usize,
    pub spam: usize,
    pub ham: usize,
    /// Weight of one label relative to one base training text.
    pub label_weight: f64,
    /// Labels held out of the candidate the acceptance check evaluated.
    pub held_out: usize,
    /// The candidate's and the model in use's results on the held-out labels (at each
    /// model's own threshold); `None` when the slice was empty.
    pub candidate: Option<Metrics>,
    pub current: Option<Metrics>,
    /// Whether the acceptance check let it go live, and why (or why not).
    #[serde(rename = "passed_guard")]
    pub accepted: bool,
    pub verdict: String,
    /// Each site's layer and its own check, when the model holds site layers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<SiteCheck>,
}

/// One site's layer in a retraining run: what it learnt and its acceptance check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteCheck {
    pub site: String,
    pub labels: usize,
    /// Feedback labels from apps held back because they contradict the model in use.
    pub held_back: usize,
    pub accepted: bool,
    pub verdict: String,
}

/// Why a model file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("cannot read the model file {path}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0} is not a Replyguard model file (or it is truncated): {1}")]
    NotAModel(String, String),
    #[error("{path} is model format version {found}; this build reads version {FORMAT_VERSION}")]
    UnsupportedVersion { path: String, found: u32 },
    #[error("{0} is corrupt: its checksum does not match its content")]
    ChecksumMismatch(String),
    #[error("{0} holds an unusable model: {1}")]
    Invalid(String, String),
}

#[derive(Deserialize)]
struct Envelope<'a> {
    format: String,
    format_version: u32,
    sha256: String,
    #[serde(borrow)]
    payload: &'a RawValue,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A new model version: the training time (compact UTC) plus 8 hex digits of a hash of
/// `salt`, e.g. `20261128T063828-d53e351b`. Only letters, digits and `-`: safe as a file name.
pub fn new_version(created_at: &str, salt: &str) -> String {
    let digest = Sha256::digest(format!("{created_at}|{salt}").as_bytes());
    format!(
        "{}-{:02x}{:02x}{:02x}{:02x}",
        created_at
            .replace([':', '-'], "")
            .split('.')
            .next()
            .unwrap_or_default(),
        digest[0],
        digest[1],
        digest[2],
        digest[3]
    )
}

/// The payload of a complete, current, intact model file.
fn checked_payload<'a>(name: &str, bytes: &'a [u8]) -> Result<&'a str, ModelError> {
    let not_a_model =
        |e: &dyn std::fmt::Display| ModelError::NotAModel(name.to_owned(), e.to_string());
    let envelope: Envelope<'a> = serde_json::from_slice(bytes).map_err(|e| not_a_model(&e))?;
    if envelope.format != FORMAT_NAME {
        return Err(not_a_model(&format!("format is {:?}", envelope.format)));
    }
    if envelope.format_version != FORMAT_VERSION {
        return Err(ModelError::UnsupportedVersion {
            path: name.to_owned(),
            found: envelope.format_version,
        });
    }
    if sha256_hex(envelope.payload.get().as_bytes()) != envelope.sha256 {
        return Err(ModelError::ChecksumMismatch(name.to_owned()));
    }
    Ok(envelope.payload.get())
}

/// Who a model is, without its fitted arrays: what a listing of models needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Provenance {
    pub version: String,
    pub created_at: String,
    #[serde(default)]
    pub lineage: Option<Lineage>,
    #[serde(default)]
    pub retraining: Option<RetrainReport>,
    /// The per-site layers it holds, without their counts.
    #[serde(default)]
    pub site_layers: Vec<LayerHead>,
}

/// A site layer's identity, as a listing of models shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LayerHead {
    pub site: String,
    pub version: String,
    pub created_at: String,
    pub labels: super::site::LayerLabels,
}

impl Provenance {
    /// Reads a model file's provenance, checking the file as [`ModelBundle::load`] does but
    /// without building the fitted model.
    ///
    /// # Errors
    /// [`ModelError`].
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
            path: name.clone(),
            source,
        })?;
        serde_json::from_str(checked_payload(&name, &bytes)?)
            .map_err(|e| ModelError::Invalid(name, e.to_string()))
    }
}

impl ModelBundle {
    /// Serialises the bundle into the file format.
    ///
    /// # Errors
    /// A serialisation failure (non-finite numbers cannot be written as JSON).
    pub fn to_file_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        let payload = serde_json::to_string(self)?;
        let mut out = Vec::with_capacity(payload.len() + 160);
        write!(
            out,
            "{{\"format\":\"{FORMAT_NAME}\",\"format_version\":{FORMAT_VERSION},\"sha256\":\"{}\",\"payload\":",
            sha256_hex(payload.as_bytes())
        )
        .map_err(serde_json::Error::io)?;
        out.extend_from_slice(payload.as_bytes());
        out.extend_from_slice(b"}\n");
        Ok(out)
    }

    /// Parses and checks file content; `name` is used in error messages.
    ///
    /// # Errors
    /// [`ModelError`] for anything but a complete, current, intact model file.
    pub fn from_file_bytes(name: &str, bytes: &[u8]) -> Result<Self, ModelError> {
        let bundle: ModelBundle = serde_json::from_str(checked_payload(name, bytes)?)
            .map_err(|e| ModelError::Invalid(name.to_owned(), e.to_string()))?;
        bundle
            .features
            .check()
            .map_err(|e| ModelError::Invalid(name.to_owned(), e))?;
        Ok(bundle)
    }

    /// Reads and checks a model file.
    ///
    /// # Errors
    /// [`ModelError`].
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_file_bytes(&path.display().to_string(), &bytes)
    }

    /// Writes the model atomically: a temporary file in the same directory, flushed to disk,
    /// then renamed over `path`, so a reader sees the old file or the new one, never half.
    ///
    /// # Errors
    /// An I/O or serialisation error.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        crate::durable::write_atomically(path, &self.to_file_bytes()?)?;
        Ok(())
    }
}

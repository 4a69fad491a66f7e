//! Replyguard: a self-hosted comment moderation and spam-filter service.
//!
//! # Layout
//! Each layer uses only those below it:
//! `main → cli → startup → {routes, views} → app → {classifier, retrain, store} → domain`.
//!
//! - [`domain`]: pure types that can only hold valid data (a comment's fields, statuses and
//!   their state machine, moderator actions, spam scores, log entries, what the store keeps
//!   and returns). No I/O.
//! - [`classifier`]: the spam filter: tokenizer, HTML reading, linfa training, model files,
//!   sparse scoring with reasons, the features a model saw, site layers over the base,
//!   campaign signatures, metrics, the fairness checks and corpus loading. Pure CPU, no I/O
//!   but model files.
//! - [`retrain`]: the next model, a layer per site from its own labels over a base changed
//!   only by promoted sites, and each layer's acceptance check; the model archive itself
//!   is `app::model_archive`.
//! - [`store`]: the storage seam. Reads in domain types, and units of work ([`store::Tx`]):
//!   primitive reads and writes that a use case's rule runs inside one transaction. Two
//!   backends hold every line of SQL: `sqlite` (one writer thread with group commit,
//!   read-only readers) and `postgres` (a pool, writer lanes that batch units of work,
//!   advisory locks, LISTEN/NOTIFY), each opened by [`store::Store::open`].
//! - [`app`]: the use cases and every business rule, written once for both backends, as
//!   one service per area handed out by [`app::App`]: submissions (one path for the API,
//!   the form, Akismet's comment-check and imports; readers' reports), moderation (with
//!   reports, commenters and live decisions), accounts (sessions, tokens), sites (keys,
//!   block and hold lists, moderation policy), the filter (model in use, retraining, the
//!   model archive), Akismet, privacy, notifications (moderators'), replies (readers told
//!   of replies by email), operations (backups, imports);
//!   `app::settings` is what they are built from.
//! - [`routes`]: HTTP adapters (parse, call one use case, render) and the one place errors
//!   become HTTP responses.
//! - [`views`] and [`render`]: HTML, escaped by construction.
//! - [`startup`]: the one composition root (settings → the running application, for `serve`
//!   and every CLI command); [`config`] (settings from arguments and environment) and
//!   [`telemetry`] are leaves for it.
//! - [`metrics`]: process-wide counters and histograms (a leaf any layer may record to).
//! - [`password`], [`durable`]: argon2 hashing; durable file replacement.
//! - [`cli`], [`cli_model`]: the `replyguard` command line.

pub mod app;
pub mod classifier;
pub mod cli;
pub mod cli_model;
pub mod config;
pub mod domain;
pub mod durable;
pub mod i18n;
pub mod metrics;
pub mod password;
pub mod render;
pub mod retrain;
pub mod routes;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod views;

//! Replyguard: a self-hosted comment moderation and spam-filter service.
//!
//! # Layout
//! Each layer uses only those below it:
//! `main → cli → startup → {routes, views} → app → {classifier, store} → domain`.
//!
//! - [`domain`]: pure types that can only hold valid data (a comment's fields, statuses,
//!   moderator actions, spam scores, what the store keeps and returns). No I/O.
//! - [`classifier`]: the spam filter: tokenizer, linfa training, model files, sparse
//!   scoring with reasons, metrics and corpus loading. Pure CPU, no I/O but model files.
//! - [`retrain`]: the model store, candidates from base model plus labels, the guard.
//! - [`store`]: the storage seam, in domain types; its `sqlite` backend (one writer with
//!   group commit, read-only readers) holds every line of SQL.
//! - [`app`]: the use cases, one file per area: submission, moderation, accounts and
//!   sessions, the filter's lifecycle, import.
//! - [`routes`]: HTTP adapters (parse, call one use case, render) and the one place errors
//!   become HTTP responses.
//! - [`views`] and [`render`]: HTML, escaped by construction.
//! - [`startup`]: the composition root; [`config`], [`telemetry`]: leaves for it.
//! - [`metrics`]: process-wide counters and histograms (a leaf any layer may record to).
//! - [`cli`], [`cli_model`]: the `replyguard` command line.

pub mod app;
pub mod classifier;
pub mod cli;
pub mod cli_model;
pub mod config;
pub mod domain;
pub mod durable;
pub mod metrics;
pub mod password;
pub mod render;
pub mod retrain;
pub mod routes;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod views;

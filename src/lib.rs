//! Replyguard: a self-hosted comment moderation and spam-filter service.
//!
//! # Layout
//! Each layer uses only those below it:
//! `main → cli → startup → routes → moderation → {classifier, db, password} → domain`.
//!
//! - [`domain`]: pure types that can only hold valid data (a comment's fields, statuses,
//!   moderator actions, spam scores). No I/O.
//! - [`classifier`]: the spam filter: tokenizer, linfa training, model files, sparse
//!   scoring with reasons, metrics and corpus loading. Pure CPU, no I/O but model files.
//! - [`retrain`]: the model store, candidates from base model plus labels, the guard.
//! - [`model_service`]: the running service's side of retraining: the retraining process,
//!   live swaps, the schedule.
//! - [`import`]: WordPress WXR exports, streamed and safe against hostile XML.
//! - [`db`]: the only module with SQL; migrations, connections and queries.
//! - [`moderation`]: the use cases (submit, act, authenticate), one transaction each.
//! - [`routes`]: HTTP adapters and the one place errors become HTTP responses.
//! - [`views`] and [`render`]: HTML, escaped by construction.
//! - [`startup`]: the composition root; [`config`], [`telemetry`]: leaves for it.
//! - [`cli`], [`cli_model`]: the `replyguard` command line.

pub mod classifier;
pub mod cli;
pub mod cli_model;
pub mod config;
pub mod db;
pub mod domain;
pub mod durable;
pub mod import;
pub mod model_service;
pub mod moderation;
pub mod password;
pub mod render;
pub mod retrain;
pub mod routes;
pub mod startup;
pub mod telemetry;
pub mod views;

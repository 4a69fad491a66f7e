//! Black-box tests: each starts the real `replyguard` binary on a free port with its own
//! temporary data directory (and, with `REPLYGUARD_TEST_POSTGRES`, its own PostgreSQL
//! database) and talks to it over HTTP, the CLI, a headless browser and real npm Akismet
//! clients. `.ci/run` runs the suite twice: on SQLite, then on PostgreSQL. One test binary,
//! so one link step.

mod helpers;

// Submitting comments, validation, and the public listing.
mod akismet;
mod campaigns;
mod comments;
// The moderation API: authentication, actions, the log.
mod moderation;
// The spam filter: scoring on submission, the model CLI, model files.
mod filter;
// The public corpora (../shared/data): agreement with linfa, the accuracy gate.
mod corpora;
// The dashboard in a real headless Chromium: keyboard, bulk, stored XSS.
mod browser;
// The moderator dashboard over HTTP: auth, CSRF, roles, decisions, search, pages.
mod dashboard;
// Importing WordPress exports.
mod import;
// The reader's language: messages, pages and catalogues.
mod languages;
// Big threads: the listing in pages.
mod instances;
mod listing_pages;
// The retraining loop: labels, acceptance check, swap, archive, export.
mod retrain;
// A filter per site: layers, poisoning.
mod site_filter;
// Durability across restarts and privacy of emails.
mod durability;
// The use cases called directly: submission, decisions and undo, sign-in, the schedule.
mod usecases;
// Hostile traffic: deep reply chains, sign-in throttles, bounded password checks.
mod guard;
mod hardening;
// Hardening, third round (issue #25): each reproduced row of its table.
mod hostile;
// Moderation policy (issue #26): modes, trusted commenters, closed articles.
mod notify;
mod openapi;
mod operations;
mod policy;
// Moderators side by side: Sites page, article view, removal reasons, live decisions.
mod newsroom;
mod privacy;
// Readers told of replies by email (issue #28).
mod replies;
// The reader's side: the default look and the embed's size.
mod reader;
mod tokens;
// Property tests: parsers, tokenizer, the public tree and its serializer.
mod properties;

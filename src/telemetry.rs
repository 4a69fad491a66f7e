//! Logging setup: one `tracing` subscriber writing pretty or JSON lines to stderr.
//!
//! What is logged is decided at each call site: ids, lengths, statuses and scores, never
//! comment text, emails or IP addresses.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. Call once, from `main`.
pub fn init(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(filter)
        .unwrap_or_else(|_| EnvFilter::new("info"))
        // The PostgreSQL driver logs every statement's parameters at debug level: a
        // commenter's email and text would reach the log. Never below info, whatever the
        // filter says.
        .add_directive(
            crate::store::QUIET_DRIVER_LOGS
                .parse()
                .expect("a valid directive"),
        );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    match format {
        LogFormat::Pretty => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

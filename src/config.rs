//! Settings: raw command-line/environment values (clap) checked into a [`Settings`].
//!
//! Every setting is a `--flag` and a `REPLYGUARD_*` variable; the README's configuration
//! table lists the same names and defaults.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use url::Url;

/// Whether this is a developer's machine or a real deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    /// Registers the service's own origin as a site and serves a demo article at `/`.
    Development,
    /// Nothing is registered implicitly; `/` is not served.
    Production,
}

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Options of `replyguard serve` as given (flags or environment), before checking.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_BIND",
        default_value = "127.0.0.1:8080"
    )]
    pub bind: String,
    /// `development` or `production`.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_ENVIRONMENT",
        value_enum,
        default_value = "development"
    )]
    pub environment: Environment,
    /// The service's public origin (used for the development site); defaults to `http://BIND`.
    #[arg(long, global = true, env = "REPLYGUARD_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Comma-separated proxy IPs whose `X-Forwarded-For` is believed.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<String>,
    /// `off` stops serving the demo article (`/demo`, and `/` in development); production
    /// never serves it.
    #[arg(long, global = true, env = "REPLYGUARD_DEMO", default_value = "on")]
    pub demo: String,
    /// Comma-separated address ranges (besides loopback) allowed to read `/metrics`.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_METRICS_ALLOW",
        value_delimiter = ','
    )]
    pub metrics_allow: Vec<String>,
    /// Seconds a stopping service waits for requests in flight before it exits anyway.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_SHUTDOWN_SECS",
        default_value_t = 30
    )]
    pub shutdown_secs: u64,
    /// Seconds a stopping service keeps serving, `/readyz` answering 503, before it stops
    /// accepting connections: time for a load balancer to stop sending it traffic.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_DRAIN_SECS",
        default_value_t = 1
    )]
    pub drain_secs: u64,
    /// Seconds a request's body may take to arrive, whole, once its headers have.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_BODY_TIMEOUT_SECS",
        default_value_t = 10
    )]
    pub body_timeout_secs: u64,
    /// Seconds any one PostgreSQL statement, or wait for a connection, may take before the
    /// request is answered 503.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_DB_TIMEOUT_SECS",
        default_value_t = 5
    )]
    pub db_timeout_secs: u64,
    /// `pretty` or `json`.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_LOG_FORMAT",
        value_enum,
        default_value = "pretty"
    )]
    pub log_format: LogFormat,
    /// Spam filter model file; the model shipped in `models/default.json` when unset.
    #[arg(long, global = true, env = "REPLYGUARD_MODEL")]
    pub model: Option<PathBuf>,
    /// P(spam) at or above which a submission is filed as spam instead of pending; the
    /// model's own calibrated threshold when unset.
    #[arg(long, global = true, env = "REPLYGUARD_SPAM_THRESHOLD")]
    pub spam_threshold: Option<f64>,
    /// `off` turns every submission limit off (load tests, trusted server-side callers).
    #[arg(long, global = true, env = "REPLYGUARD_LIMITS", default_value = "on")]
    pub limits: String,
    /// A second comment from the same address or email sooner than this (seconds) gets 429.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_FLOOD_SECS",
        default_value_t = 15
    )]
    pub flood_secs: u64,
    /// Comments per hour per address (IPv6 by /64) and per email…
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_RATE_PER_HOUR",
        default_value_t = 30
    )]
    pub rate_per_hour: u32,
    /// …in bursts of at most this many.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_RATE_BURST",
        default_value_t = 5
    )]
    pub rate_burst: u32,
    /// `spam` files a comment with a bot signal (honeypot filled, forged or replayed form
    /// token, sent faster than `REPLYGUARD_FORM_MIN_SECS`) as spam; `hold` only notes it.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_BOT_POLICY",
        default_value = "spam"
    )]
    pub bot_policy: String,
    /// A form sent sooner than this (seconds) after it was served is too fast for a person.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_FORM_MIN_SECS",
        default_value_t = 3
    )]
    pub form_min_secs: u64,
    /// `required`: a form post without a form token counts as a bot; `optional` (default):
    /// it is only noted, since a site's own static form cannot carry one.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_FORM_TOKEN",
        default_value = "optional"
    )]
    pub form_token: String,
    /// The secret that signs form tokens and keys address and email hashes (at least 32
    /// characters; instances sharing a database share it). Unset: `secret.key` in the data
    /// directory, created on first use.
    #[arg(long, global = true, env = "REPLYGUARD_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// `postgres://user:password@host:port/database`: keep everything in PostgreSQL, which
    /// several instances can share (README, "Running more than one instance"). Unset: the
    /// SQLite file in the data directory.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// `off` stops grouping near-identical comments into campaigns (a site where identical
    /// short replies are normal, say).
    #[arg(long, global = true, env = "REPLYGUARD_CAMPAIGNS", default_value = "on", value_parser = ["on", "off"])]
    pub campaigns: String,
    /// P(spam) at or above which Akismet's comment-check adds `X-akismet-pro-tip: discard`.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_AKISMET_DISCARD",
        default_value_t = 0.995
    )]
    pub akismet_discard: f64,
    /// A URL to POST a JSON event to for each new comment.
    #[arg(long, global = true, env = "REPLYGUARD_NOTIFY_WEBHOOK")]
    pub notify_webhook: Option<String>,
    /// The key of the webhook's `X-Replyguard-Signature` (HMAC-SHA256 of the body).
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_NOTIFY_WEBHOOK_SECRET",
        hide_env_values = true
    )]
    pub notify_webhook_secret: Option<String>,
    /// The SMTP server for moderators' email, e.g. `smtps://user:pass@mail.example:465`.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_SMTP_URL",
        hide_env_values = true
    )]
    pub smtp_url: Option<String>,
    /// The sender of moderators' email, e.g. `Replyguard <comments@news.example>`.
    #[arg(long, global = true, env = "REPLYGUARD_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// Days a commenter's network, address hash, user agent and referrer are kept.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_RETENTION_DAYS",
        default_value_t = 30
    )]
    pub retention_days: u32,
    /// Retrain once this many new moderator labels have arrived; 0 turns it off.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_RETRAIN_AFTER_LABELS",
        default_value_t = 50
    )]
    pub retrain_after_labels: u64,
    /// Retrain this often (hours) when there are new labels; 0 turns it off.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_RETRAIN_EVERY_HOURS",
        default_value_t = 24.0
    )]
    pub retrain_every_hours: f64,
    /// How often (seconds) the service checks the schedule and the active model.
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_MODEL_POLL_SECS",
        default_value_t = 10
    )]
    pub model_poll_secs: u64,
    /// Log filter, in `tracing_subscriber::EnvFilter` syntax.
    #[arg(long, global = true, env = "REPLYGUARD_LOG", default_value = "info")]
    pub log: String,
}

/// Checked settings for the HTTP service. Built by [`Settings::from_args`]; tests build it
/// directly. `Application::build` never reads the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: String,
    pub data_dir: PathBuf,
    pub environment: Environment,
    /// `None`: derive `http://<bound address>` once the listener is bound.
    pub public_url: Option<Url>,
    pub trusted_proxies: Vec<IpAddr>,
    /// Whether the demo article is served (development only).
    pub demo: bool,
    /// Who may read `/metrics` besides loopback.
    pub metrics_allow: Vec<crate::domain::IpNetwork>,
    /// How long a stop waits for requests in flight.
    pub shutdown_timeout: std::time::Duration,
    /// How long a stopping service keeps accepting, `/readyz` saying "draining".
    pub drain: std::time::Duration,
    /// How long a request's body may take to arrive once its headers have.
    pub body_timeout: std::time::Duration,
    /// How long a PostgreSQL statement or connection wait may take.
    pub db_timeout: std::time::Duration,
    /// `None`: the shipped model.
    pub model: Option<PathBuf>,
    /// `None`: the model's own threshold. Else a probability in (0, 1).
    pub spam_threshold: Option<f64>,
    /// When the service retrains on its own.
    pub schedule: crate::app::settings::Schedule,
    /// Submission limits.
    pub limits: crate::app::settings::SubmissionLimits,
    /// What bot signals do.
    pub bots: crate::app::settings::BotPolicy,
    /// `REPLYGUARD_SECRET`, if set.
    pub secret: Option<String>,
    /// `REPLYGUARD_DATABASE_URL`: PostgreSQL instead of the data directory's SQLite file.
    pub database_url: Option<String>,
    /// How long personal data besides the comment is kept.
    pub retention: std::time::Duration,
    /// Akismet's discard threshold.
    pub akismet_discard: f64,
    /// Whether campaigns are grouped.
    pub campaigns: bool,
    /// Where notifications go (the public URL is filled in once the address is bound).
    pub notify: crate::app::settings::NotifySettings,
}

impl Settings {
    /// Checks raw arguments.
    ///
    /// # Errors
    /// A message naming the variable that holds a bad value.
    pub fn from_args(args: &ServeArgs, data_dir: PathBuf) -> Result<Self, String> {
        let public_url = args
            .public_url
            .as_deref()
            .map(|raw| {
                let origin = crate::domain::comment::parse_origin(raw)
                    .map_err(|e| format!("REPLYGUARD_PUBLIC_URL: {e}"))?;
                Url::parse(&origin).map_err(|e| format!("REPLYGUARD_PUBLIC_URL: {e}"))
            })
            .transpose()?;
        let trusted_proxies = args
            .trusted_proxies
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                s.trim()
                    .parse::<IpAddr>()
                    .map(|ip| ip.to_canonical())
                    .map_err(|_| format!("REPLYGUARD_TRUSTED_PROXIES: {s:?} is not an IP address"))
            })
            .collect::<Result<_, _>>()?;
        if args.spam_threshold.is_some_and(|p| !(p > 0.0 && p < 1.0)) {
            return Err(
                "REPLYGUARD_SPAM_THRESHOLD must be a probability strictly between 0 and 1".into(),
            );
        }
        if !(args.akismet_discard > 0.0 && args.akismet_discard <= 1.0) {
            return Err("REPLYGUARD_AKISMET_DISCARD must be a probability in (0, 1]".into());
        }
        if !(args.retrain_every_hours.is_finite() && args.retrain_every_hours >= 0.0) {
            return Err(
                "REPLYGUARD_RETRAIN_EVERY_HOURS must be a number of hours, 0 for never".into(),
            );
        }
        if args.model_poll_secs == 0 {
            return Err("REPLYGUARD_MODEL_POLL_SECS must be at least 1".into());
        }
        let schedule = crate::app::settings::Schedule {
            after_labels: args.retrain_after_labels,
            every: (args.retrain_every_hours > 0.0)
                .then(|| std::time::Duration::from_secs_f64(args.retrain_every_hours * 3600.0)),
            poll: std::time::Duration::from_secs(args.model_poll_secs),
        };
        let limits = crate::app::settings::SubmissionLimits {
            enabled: match args.limits.trim().to_ascii_lowercase().as_str() {
                "on" | "" => true,
                "off" => false,
                _ => return Err("REPLYGUARD_LIMITS must be on or off".into()),
            },
            flood: std::time::Duration::from_secs(args.flood_secs),
            per_hour: args.rate_per_hour,
            burst: args.rate_burst.max(1),
        };
        let bots = bot_policy(args, limits.enabled)?;
        let metrics_allow = args
            .metrics_allow
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                s.parse::<crate::domain::IpNetwork>()
                    .map_err(|e| format!("REPLYGUARD_METRICS_ALLOW: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            limits,
            bots,
            secret: args.secret.clone(),
            database_url: database_url(args.database_url.as_deref())?,
            retention: std::time::Duration::from_secs(u64::from(args.retention_days) * 86_400),
            akismet_discard: args.akismet_discard,
            campaigns: args.campaigns == "on",
            notify: notify_settings(args)?,
            demo: match args.demo.trim() {
                "on" | "" => args.environment == Environment::Development,
                "off" => false,
                _ => return Err("REPLYGUARD_DEMO must be on or off".into()),
            },
            metrics_allow,
            shutdown_timeout: std::time::Duration::from_secs(args.shutdown_secs),
            drain: std::time::Duration::from_secs(args.drain_secs),
            body_timeout: std::time::Duration::from_secs(args.body_timeout_secs.max(1)),
            db_timeout: std::time::Duration::from_secs(args.db_timeout_secs.max(1)),
            schedule,
            bind: args.bind.clone(),
            data_dir,
            environment: args.environment,
            public_url,
            trusted_proxies,
            model: args.model.clone(),
            spam_threshold: args.spam_threshold,
        })
    }
}

/// A PostgreSQL URL, checked for its scheme; empty means unset.
///
/// # Errors
/// A message naming the variable.
pub fn database_url(raw: Option<&str>) -> Result<Option<String>, String> {
    match raw.map(str::trim).filter(|u| !u.is_empty()) {
        None => Ok(None),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(Some(url.to_owned()))
        }
        Some(_) => {
            Err("REPLYGUARD_DATABASE_URL must be a postgres:// URL (unset it to use SQLite)".into())
        }
    }
}

/// Where notifications go, checked.
///
/// # Errors
/// A message naming the variable that holds a bad value.
pub fn notify_settings(args: &ServeArgs) -> Result<crate::app::settings::NotifySettings, String> {
    let webhook = args
        .notify_webhook
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|raw| {
            Url::parse(raw.trim())
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| "REPLYGUARD_NOTIFY_WEBHOOK must be an http(s) URL".to_owned())
        })
        .transpose()?;
    let smtp_url = args.smtp_url.clone().filter(|s| !s.trim().is_empty());
    let smtp_from = args.smtp_from.clone().filter(|s| !s.trim().is_empty());
    if smtp_url.is_some() && smtp_from.is_none() {
        return Err("REPLYGUARD_SMTP_FROM is needed with REPLYGUARD_SMTP_URL".into());
    }
    Ok(crate::app::settings::NotifySettings {
        webhook,
        webhook_secret: args.notify_webhook_secret.clone().filter(|s| !s.is_empty()),
        smtp_url,
        smtp_from,
        public_url: args
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", args.bind)),
    })
}

/// The bot checks as configured; off with the limits (`REPLYGUARD_LIMITS=off`).
///
/// # Errors
/// A message naming the variable that holds a bad value.
fn bot_policy(args: &ServeArgs, enabled: bool) -> Result<crate::app::settings::BotPolicy, String> {
    Ok(crate::app::settings::BotPolicy {
        enabled,
        bots_to_spam: match args.bot_policy.trim() {
            "spam" => true,
            "hold" => false,
            _ => return Err("REPLYGUARD_BOT_POLICY must be spam or hold".into()),
        },
        min_seconds: args.form_min_secs,
        require_token: match args.form_token.trim() {
            "optional" => false,
            "required" => true,
            _ => return Err("REPLYGUARD_FORM_TOKEN must be optional or required".into()),
        },
    })
}

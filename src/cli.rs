//! The `replyguard` command line: `serve` (the default), `migrate`, `site`, `moderator`.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use clap::{Parser, Subcommand};

use crate::app::{App, Components, block_on};
use crate::config::{ServeArgs, Settings};
use crate::domain::comment::parse_origin;
use crate::startup::Application;
use crate::telemetry;

/// Self-hosted comment moderation and spam filtering.
#[derive(Debug, Parser)]
#[command(name = "replyguard", version, about)]
pub struct Cli {
    /// Directory holding `replyguard.sqlite3` (created if missing).
    #[arg(
        long,
        global = true,
        env = "REPLYGUARD_DATA_DIR",
        default_value = "./data"
    )]
    pub data_dir: PathBuf,
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage the sites whose articles accept comments.
    #[command(subcommand)]
    Site(SiteCommand),
    /// One article's moderation: its own mode, and closing or opening it.
    #[command(subcommand)]
    Thread(ThreadCommand),
    /// Manage moderator accounts.
    #[command(subcommand)]
    Moderator(ModeratorCommand),
    /// Copy the data directory (database, models, key) into a new directory while the
    /// service runs: a consistent snapshot (README, "Backup and restore").
    Backup { directory: PathBuf },
    /// Copy this data directory's SQLite database and models into an empty PostgreSQL
    /// database (README, "Running more than one instance"). Sessions are not copied.
    CopyData {
        /// `postgres://user:password@host:port/database`, migrated and checked empty first.
        #[arg(long)]
        to: String,
    },
    /// Email to moderators.
    #[command(subcommand)]
    Notify(NotifyCommand),
    /// A commenter's personal data: export, erase, and the retention purge.
    #[command(subcommand)]
    Privacy(PrivacyCommand),
    /// Moderation API tokens (`Authorization: Bearer`).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Train, score and evaluate spam filter models; retrain from moderator labels.
    #[command(subcommand)]
    Model(crate::cli_model::ModelCommand),
    /// Export data for audit or reproduction.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Import comments from another system.
    #[command(subcommand)]
    Import(ImportCommand),
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A WordPress WXR export (Tools → Export): articles, comments, replies and statuses.
    /// Approved comments become ham labels, spam ones spam labels. Running it again adds
    /// nothing.
    Wordpress { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Every current training label as JSON Lines: comment id, label, source, text, author,
    /// website, email domain (never the address), model version and score at decision time.
    Labels,
    /// Every moderation decision from --since (a date, `YYYY-MM-DD`, UTC) until --until
    /// (exclusive; default now), as CSV: comment id, article, action, reason, who (a
    /// moderator, or `service` for the filter, a list or the policy), when. For the
    /// transparency reports the EU's Digital Services Act asks of hosting services.
    Decisions {
        #[arg(long)]
        since: String,
        #[arg(long)]
        until: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Register a site by its origin, e.g. `https://news.example`.
    Add {
        origin: String,
        /// A human-readable name (defaults to the origin).
        #[arg(long)]
        name: Option<String>,
    },
    /// List registered sites.
    List,
    /// Print the site's Akismet-compatible API key; `--rotate` replaces it (the old one
    /// stops working at once).
    Key {
        origin: String,
        #[arg(long)]
        rotate: bool,
    },
    /// Whether Akismet comment-checks for this site are also filed in the moderation queue
    /// (`on`), or only answered (`off`, the default: the app keeps its own queue).
    StoreChecked {
        origin: String,
        #[arg(value_parser = ["on", "off"])]
        setting: String,
    },
    /// The site's moderation: who is published at once, and when articles close.
    Set {
        origin: String,
        /// `premoderate` (everything waits), `first-time` (trusted commenters are published
        /// at once) or `postmoderate` (everything is, but what the filter or lists hold).
        #[arg(long)]
        moderation: Option<String>,
        /// Approved comments that make a commenter trusted (`first-time`; default 1).
        #[arg(long)]
        trust_after: Option<u32>,
        /// An article closes this many days after its first comment (0: never).
        #[arg(long)]
        close_after_days: Option<u32>,
        /// Reports that take a published comment back to the queue (0: never).
        #[arg(long)]
        auto_hide_reports: Option<u32>,
        /// The reasons a removal may give, comma-separated (`default`: spam, abuse, off
        /// topic, illegal content, personal data, other).
        #[arg(long)]
        removal_reasons: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ThreadCommand {
    /// Set an article's own moderation mode (`site`: the site's again).
    Set {
        url: String,
        #[arg(long)]
        moderation: String,
    },
    /// Close an article: it takes no more comments.
    Close { url: String },
    /// Open an article again, even past the site's days.
    Open { url: String },
}

#[derive(Debug, Subcommand)]
pub enum ModeratorCommand {
    /// Create a moderator (or reset its password); the password is read from stdin.
    Add {
        name: String,
        /// Make the account an administrator (manages other moderators in the dashboard).
        #[arg(long)]
        admin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Send the moderators who chose a digest what arrived since their last one, now (the
    /// service does this every hour).
    Digest,
}

#[derive(Debug, Subcommand)]
pub enum PrivacyCommand {
    /// Print everything stored about the person who used EMAIL, as JSON.
    Export { email: String },
    /// Erase the person who used EMAIL: their comments lose name, address, website, text,
    /// network and browser; their training labels go; each erasure is logged.
    Erase { email: String },
    /// Clear networks, address hashes, user agents and referrers older than
    /// REPLYGUARD_RETENTION_DAYS now (the service does this every hour).
    Purge,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token for a moderator and print it (shown only this once).
    Create {
        /// The moderator the token acts as.
        moderator: String,
        /// What the token is for.
        #[arg(long)]
        name: String,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by its id.
    Revoke { id: i64 },
}

/// Parses the command line, runs the command, and maps failure to exit code 1.
pub fn main() -> ExitCode {
    crate::durable::private_files();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if std::env::var_os("REPLYGUARD_TRAIN_ERRORS_TO_STDOUT").is_some() => {
            // A training child: its stderr is discarded, its parent relays stdout.
            println!("error: {e:#}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The use cases over the data directory, for commands that never score.
fn open_app(cli: &Cli) -> anyhow::Result<App> {
    App::open_for_admin(&components(cli)?)
}

/// The same settings `serve` uses (limits, bot policy, notifications, database), checked
/// the same way: one composition root for the server and every command.
fn components(cli: &Cli) -> anyhow::Result<Components> {
    let settings = Settings::from_args(&cli.serve, cli.data_dir.clone()).map_err(|e| anyhow!(e))?;
    Ok(crate::startup::components(&settings))
}

fn run(mut cli: Cli) -> anyhow::Result<()> {
    match cli.command.take().unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.serve, cli.data_dir.clone()),
        Command::CopyData { to } => {
            let report = block_on(crate::app::operations::copy_data(&components(&cli)?, &to))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Command::Migrate => {
            // Opening migrates; say what the schema is now.
            let app = open_app(&cli)?;
            let version = block_on(app.operations().schema_version())?;
            println!("database schema is at version {version}");
            Ok(())
        }
        Command::Site(SiteCommand::Add { origin, name }) => {
            let origin = parse_origin(&origin).map_err(|e| anyhow!("ORIGIN: {e}"))?;
            let name = name.unwrap_or_else(|| origin.clone());
            let app = open_app(&cli)?;
            block_on(app.sites().add_site(origin.clone(), name))?;
            let key = block_on(app.sites().site_api_key(&origin, false))?;
            eprintln!("site {origin} registered; its Akismet-compatible API key:");
            println!("{key}");
            Ok(())
        }
        Command::Site(SiteCommand::Key { origin, rotate }) => {
            let origin = parse_origin(&origin).map_err(|e| anyhow!("ORIGIN: {e}"))?;
            let app = open_app(&cli)?;
            println!("{}", block_on(app.sites().site_api_key(&origin, rotate))?);
            Ok(())
        }
        Command::Site(SiteCommand::StoreChecked { origin, setting }) => {
            let origin = parse_origin(&origin).map_err(|e| anyhow!("ORIGIN: {e}"))?;
            let app = open_app(&cli)?;
            block_on(app.sites().set_store_checked(&origin, setting == "on"))?;
            println!("Akismet comment-checks for {origin} are filed in the queue: {setting}");
            Ok(())
        }
        Command::Site(SiteCommand::Set {
            origin,
            moderation,
            trust_after,
            close_after_days,
            auto_hide_reports,
            removal_reasons,
        }) => {
            let origin = parse_origin(&origin).map_err(|e| anyhow!("ORIGIN: {e}"))?;
            let change = crate::domain::SitePolicyChange {
                mode: moderation
                    .as_deref()
                    .map(crate::domain::ModerationMode::parse)
                    .transpose()
                    .map_err(|e| anyhow!("--moderation: {e}"))?,
                trust_after: trust_after.map(|n| n.max(1)),
                close_after_days: close_after_days.map(|d| (d > 0).then_some(d)),
                auto_hide_reports: auto_hide_reports.map(|n| (n > 0).then_some(n)),
                promoted: None,
                removal_reasons: match removal_reasons.as_deref().map(str::trim) {
                    None => None,
                    Some("default") => Some(None),
                    Some(list) => Some(Some(
                        crate::domain::RemovalReasons::parse(list)
                            .map_err(|e| anyhow!("--removal-reasons: {e}"))?,
                    )),
                },
            };
            let app = open_app(&cli)?;
            block_on(app.sites().set_policy(&origin, change))?;
            println!("moderation settings of {origin} saved");
            Ok(())
        }
        Command::Thread(command) => {
            let app = open_app(&cli)?;
            let (url, mode, closed, done) = match command {
                ThreadCommand::Set { url, moderation } => {
                    let mode = match moderation.trim() {
                        "site" => None,
                        other => Some(
                            crate::domain::ModerationMode::parse(other)
                                .map_err(|e| anyhow!("--moderation: {e}"))?,
                        ),
                    };
                    (url, Some(mode), None, "moderation set")
                }
                ThreadCommand::Close { url } => (url, None, Some(Some(true)), "closed"),
                ThreadCommand::Open { url } => (url, None, Some(Some(false)), "open"),
            };
            let thread = crate::domain::ThreadUrl::parse(&url).map_err(|e| anyhow!("URL: {e}"))?;
            block_on(app.sites().set_article(&thread, mode, closed))?;
            println!("{}: {done}", thread.as_ref());
            Ok(())
        }
        Command::Site(SiteCommand::List) => {
            let app = open_app(&cli)?;
            for site in block_on(app.sites().list())? {
                println!("{}\t{}", site.origin, site.name);
            }
            Ok(())
        }
        Command::Notify(NotifyCommand::Digest) => {
            crate::config::notify_settings(&cli.serve).map_err(|e| anyhow!(e))?;
            let app = open_app(&cli)?;
            let sent = block_on(app.notifications().send_digests(std::time::Duration::ZERO))?;
            println!("{sent} digest(s) sent");
            Ok(())
        }
        Command::Privacy(command) => {
            let app = open_app(&cli)?;
            match command {
                PrivacyCommand::Export { email } => {
                    let data = block_on(app.privacy().export_personal_data(&email))?;
                    println!("{}", serde_json::to_string_pretty(&data)?);
                }
                PrivacyCommand::Erase { email } => {
                    let erased = block_on(app.privacy().erase_personal_data(&email))?;
                    println!("{}", serde_json::json!({ "erased_comments": erased }));
                }
                PrivacyCommand::Purge => {
                    let report = block_on(app.privacy().purge_personal_data())?;
                    println!("{}", serde_json::to_string(&report)?);
                }
            }
            Ok(())
        }
        Command::Backup { directory } => {
            let app = open_app(&cli)?;
            let report = block_on(app.operations().backup(&directory))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Command::Token(command) => {
            let app = open_app(&cli)?;
            match command {
                TokenCommand::Create { moderator, name } => {
                    let (id, secret) = block_on(async {
                        app.accounts()
                            .create_api_token_for(&moderator, &name)
                            .await
                            .map_err(|e| anyhow!("{e}"))
                    })?;
                    eprintln!("token {id} created for {moderator}; it is not shown again");
                    println!("{secret}");
                }
                TokenCommand::List => {
                    for t in block_on(app.accounts().api_tokens(None))? {
                        println!("{}", serde_json::to_string(&t)?);
                    }
                }
                TokenCommand::Revoke { id } => {
                    if !block_on(app.accounts().revoke_api_token(None, id))? {
                        return Err(anyhow!("no token {id}"));
                    }
                    println!("token {id} revoked");
                }
            }
            Ok(())
        }
        Command::Model(command) => crate::cli_model::run(command, &components(&cli)?),
        Command::Import(ImportCommand::Wordpress { file }) => {
            let app = App::open(&components(&cli)?)?;
            let report = block_on(app.operations().import_wordpress(&file))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Command::Export(ExportCommand::Decisions { since, until }) => {
            let day = |s: &str| -> anyhow::Result<i64> {
                let date = time::Date::parse(
                    s.trim(),
                    time::macros::format_description!("[year]-[month]-[day]"),
                )
                .map_err(|_| anyhow!("{s:?} is not a date (YYYY-MM-DD)"))?;
                Ok(date.midnight().assume_utc().unix_timestamp() * 1000)
            };
            let since = day(&since).map_err(|e| anyhow!("--since: {e}"))?;
            let until = match until {
                Some(u) => day(&u).map_err(|e| anyhow!("--until: {e}"))?,
                None => crate::domain::now_millis() + 1,
            };
            let app = open_app(&cli)?;
            let decisions = block_on(app.moderation().decisions(since, until))?;
            let mut out = csv::Writer::from_writer(std::io::stdout().lock());
            out.write_record(["comment_id", "article", "action", "reason", "who", "when"])?;
            for d in decisions {
                out.write_record([
                    d.comment_id.to_string(),
                    d.article,
                    d.action,
                    d.reason.unwrap_or_default(),
                    d.moderator.unwrap_or_else(|| "service".to_owned()),
                    d.at.to_rfc3339(),
                ])?;
            }
            out.flush()?;
            Ok(())
        }
        Command::Export(ExportCommand::Labels) => {
            let app = open_app(&cli)?;
            let labels = block_on(app.filter().labels())?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            for label in labels {
                serde_json::to_writer(&mut out, &label)?;
                out.write_all(b"\n")?;
            }
            out.flush()?;
            Ok(())
        }
        Command::Moderator(ModeratorCommand::Add { name, admin }) => {
            crate::domain::ModeratorName::parse(&name).map_err(|e| anyhow!("NAME: {e}"))?;
            eprint!("Password for {name} (read from stdin): ");
            std::io::stderr().flush().ok();
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("failed to read the password from stdin")?;
            let password = line.trim_end_matches(['\n', '\r']).to_owned();
            let app = open_app(&cli)?;
            // `--admin` grants the role; without it an existing account keeps its role.
            let created = block_on(async {
                app.accounts()
                    .add_moderator(&name, password, admin.then_some(true))
                    .await
                    .map_err(|e| anyhow!("{e}"))
            })?;
            eprintln!();
            let verb = if created { "created" } else { "updated" };
            println!("moderator {name} {verb}");
            Ok(())
        }
    }
}

fn serve(args: &ServeArgs, data_dir: PathBuf) -> anyhow::Result<()> {
    telemetry::init(&args.log, args.log_format);
    let settings = Settings::from_args(args, data_dir).map_err(|e| anyhow!(e))?;
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings).await?;
        let addr = app.local_addr();
        // Printed on stdout, unconditionally: scripts and tests wait for this line.
        println!("replyguard listening on http://{addr}");
        std::io::stdout().flush().ok();
        tracing::info!(%addr, "listening");
        app.run_until_stopped().await
    })
}

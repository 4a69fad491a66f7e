//! The `replyguard` command line: `serve` (the default), `migrate`, `site`, `moderator`.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use clap::{Parser, Subcommand};

use crate::config::{ServeArgs, Settings};
use crate::db::{Db, DbError, moderators, sites};
use crate::domain::ModeratorName;
use crate::domain::comment::parse_origin;
use crate::startup::Application;
use crate::{password, telemetry};

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
    /// Manage moderator accounts.
    #[command(subcommand)]
    Moderator(ModeratorCommand),
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

/// Parses the command line, runs the command, and maps failure to exit code 1.
pub fn main() -> ExitCode {
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

fn open_db(data_dir: &std::path::Path) -> anyhow::Result<Db> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("failed to create {}", data_dir.display()))?;
    let path = data_dir.join("replyguard.sqlite3");
    Db::open(&path).with_context(|| format!("failed to open {}", path.display()))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.serve, cli.data_dir),
        Command::Migrate => {
            // Opening migrates; say what the schema is now.
            let db = open_db(&cli.data_dir)?;
            let version: i64 = db.run_blocking(|conn| {
                conn.query_row("PRAGMA user_version", [], |r| r.get(0))
                    .map_err(DbError::from)
            })?;
            println!("database schema is at version {version}");
            Ok(())
        }
        Command::Site(SiteCommand::Add { origin, name }) => {
            let origin = parse_origin(&origin).map_err(|e| anyhow!("ORIGIN: {e}"))?;
            let name = name.unwrap_or_else(|| origin.clone());
            let db = open_db(&cli.data_dir)?;
            db.run_blocking(|conn| sites::upsert_site(conn, &origin, &name))?;
            println!("site {origin} registered");
            Ok(())
        }
        Command::Site(SiteCommand::List) => {
            let db = open_db(&cli.data_dir)?;
            for site in db.run_blocking(|conn| sites::list_sites(conn))? {
                println!("{}\t{}", site.origin, site.name);
            }
            Ok(())
        }
        Command::Model(command) => crate::cli_model::run(
            command,
            &crate::cli_model::StoreContext {
                data_dir: &cli.data_dir,
                base_model: cli.serve.model.as_deref(),
            },
        ),
        Command::Import(ImportCommand::Wordpress { file }) => {
            let db = open_db(&cli.data_dir)?;
            let base = crate::model_service::load_base(cli.serve.model.as_deref())?;
            let active = crate::retrain::ModelStore::new(&cli.data_dir).load_active_or(&base)?;
            let classifier = crate::classifier::Classifier::from_bundle(&active)?;
            let report = crate::import::import_wordpress(&db, &classifier, &file)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Command::Export(ExportCommand::Labels) => {
            let db = open_db(&cli.data_dir)?;
            let labels = db.run_blocking(|conn| crate::db::labels::list_labels(conn))?;
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
            let name = ModeratorName::parse(&name).map_err(|e| anyhow!("NAME: {e}"))?;
            eprint!("Password for {} (read from stdin): ", name.as_ref());
            std::io::stderr().flush().ok();
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("failed to read the password from stdin")?;
            let password = line.trim_end_matches(['\n', '\r']);
            let hash = password::hash_password(password).map_err(|e| anyhow!(e))?;
            let db = open_db(&cli.data_dir)?;
            let (id, created) =
                db.run_blocking(|conn| moderators::upsert_moderator(conn, &name, &hash))?;
            if admin {
                db.run_blocking(|conn| crate::db::dashboard::set_admin(conn, id, true))?;
            }
            eprintln!();
            let verb = if created { "created" } else { "updated" };
            println!("moderator {} {verb}", name.as_ref());
            Ok(())
        }
    }
}

fn serve(args: &ServeArgs, data_dir: PathBuf) -> anyhow::Result<()> {
    telemetry::init(&args.log, args.log_format);
    let settings = Settings::from_args(args, data_dir).map_err(|e| anyhow!(e))?;
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings)?;
        let addr = app.local_addr();
        // Printed on stdout, unconditionally: scripts and tests wait for this line.
        println!("replyguard listening on http://{addr}");
        std::io::stdout().flush().ok();
        tracing::info!(%addr, "listening");
        app.run_until_stopped().await.context("server failed")
    })
}

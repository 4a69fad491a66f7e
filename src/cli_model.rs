//! `replyguard model …`: train, score, evaluate and split, over corpus files.

use std::ffi::OsString;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use clap::{Args, Subcommand};

use crate::app::filter::run_training_child;
use crate::app::{App, Components, block_on};
use crate::classifier::Classifier;
use crate::classifier::corpus::LabelledText;
use crate::classifier::pipeline::{self, Evaluation, TrainOptions};
use crate::classifier::tokenize::{Document, FeatureSettings};
use crate::classifier::train::TrainParams;
use crate::domain::SpamScore;
use crate::retrain::RetrainOptions;

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Train a model from labelled files (TSV `spam|ham<TAB>text`, YouTube Spam Collection
    /// CSV, or the SMS Spam Collection) and write it to --out.
    Train(TrainArgs),
    /// Score texts: one `P(spam)<TAB>spam|ham<TAB>log-odds` line per input line.
    Score {
        /// Model file; the shipped default model when omitted.
        #[arg(long)]
        model: Option<PathBuf>,
        /// TSV file to score (label column ignored, may be `?`), or `-` for stdin.
        #[arg(default_value = "-")]
        input: String,
    },
    /// Accuracy, precision, recall, F1, ROC AUC, false-positive rate and recall at 1 % FPR.
    Evaluate {
        /// Model file to evaluate (default: the shipped model, unless --train is given).
        #[arg(long, conflicts_with = "train")]
        model: Option<PathBuf>,
        /// Train a model on these files first (default settings) and evaluate it.
        #[arg(long, num_args = 1..)]
        train: Vec<PathBuf>,
        /// Labelled test files; each is reported, then all together.
        #[arg(long, num_args = 1.., required = true)]
        test: Vec<PathBuf>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Operating threshold as P(spam) (default: the model's own).
        #[arg(long)]
        threshold: Option<f64>,
    },
    /// Train a candidate from the base model plus every moderator label, check it against
    /// the model in use on held-out recent labels, and activate it if it is not worse.
    Retrain {
        /// Activate even if the acceptance check finds the candidate worse.
        #[arg(long)]
        force: bool,
        /// Weight of one label relative to one base training text.
        #[arg(long, default_value_t = RetrainOptions::default().label_weight)]
        label_weight: f64,
        /// Print the outcome as JSON.
        #[arg(long)]
        json: bool,
        #[arg(long, hide = true)]
        in_process: bool,
    },
    /// Whether a model holds names or languages against a person: the same civil comments
    /// under 30 names from many cultures, and civil comments in languages the corpora lack,
    /// against English ones.
    Fairness {
        /// Model file; the shipped default model when omitted.
        #[arg(long)]
        model: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// List the models in the data directory's store (`*` marks the active one).
    List {
        #[arg(long)]
        json: bool,
        /// Only what concerns this site: each model's layer for it (version and labels).
        #[arg(long, value_name = "ORIGIN")]
        site: Option<String>,
    },
    /// Put a site's moderator labels into the shared base model at the next retraining
    /// (`--off` takes them out again). Without it, a site's labels shape only its own layer.
    Promote {
        #[arg(long, value_name = "ORIGIN")]
        site: String,
        #[arg(long)]
        off: bool,
    },
    /// Make a stored model the active one (also to roll back; `base` is the model the
    /// service starts from), and re-score the queue.
    Activate { version: String },
    /// Write split A (per collection, 30 % of each class to test, by SHA-256 of
    /// `spambench-v1|<file>:<row>`) as `<collection>-train.tsv` and `<collection>-test.tsv`.
    Split {
        #[arg(long)]
        out_dir: PathBuf,
        #[arg(long, default_value_t = 0.3)]
        test_share: f64,
        /// Instead of split A, cut each file by date: `<file>-before-YEAR.tsv` and
        /// `<file>-from-YEAR.tsv` (files with dates only: the YouTube collection's CSVs).
        #[arg(long, value_name = "YEAR")]
        from_year: Option<u16>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Where to write the model file (atomically).
    #[arg(long)]
    out: PathBuf,
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Smoothing (≥ 1e-6).
    #[arg(long, default_value_t = TrainParams::default().alpha)]
    alpha: f64,
    /// 2^bits hashed feature columns (8–24).
    #[arg(long, default_value_t = FeatureSettings::default().width_bits)]
    width_bits: u8,
    /// Leave out word bigrams.
    #[arg(long)]
    no_bigrams: bool,
    /// Character n-grams inside words as `MIN-MAX`, or `none`.
    #[arg(long, default_value = "none")]
    char_ngrams: String,
    /// Fold obfuscation before features are made: entities, spread-out links, look-alike
    /// letters, leetspeak; and a link to any shortener as one signal (`on` or `off`; off by
    /// default: neutral on the public corpora, see `models/README.md`).
    #[arg(long, default_value = "off", value_parser = ["on", "off"])]
    fold: String,
    /// Read texts as HTML before features are made: entities decoded (`&#39;`, `&amp;`), tags
    /// dropped and a link's tag kept as its URL (`on` or `off`; on by default).
    #[arg(long, default_value = "on", value_parser = ["on", "off"])]
    html: String,
    /// How counts become feature values.
    #[arg(long, value_enum, default_value = "log-l2")]
    counts: crate::classifier::tokenize::CountTransform,
    /// Largest share of held-out ham the default threshold may flag.
    #[arg(long, default_value_t = TrainOptions::default().target_false_positive_rate)]
    target_fpr: f64,
    /// Extra weight for files whose name starts with NAME (case-insensitive), as NAME=FACTOR;
    /// repeat for several. Default: youtube=2 (comments count double; `none` for no extra weight).
    #[arg(long = "source-weight", value_name = "NAME=FACTOR")]
    source_weights: Vec<String>,
    /// Texts of the site the model will serve, without labels (a line without a tab is all
    /// text; TSV labels and a YouTube CSV's CLASS are ignored): the model is adapted to them
    /// by expectation-maximisation before its threshold is chosen.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    unlabelled: Vec<PathBuf>,
    /// Weight of one unlabelled text against one labelled text (with `--unlabelled`).
    #[arg(long, default_value_t = crate::classifier::pipeline::DEFAULT_UNLABELLED_WEIGHT)]
    unlabelled_weight: f64,
    /// A site's labelled comments (TSV `spam|ham<TAB>text`, or a YouTube CSV): the base is
    /// trained from FILE... and this site's layer over it from these, exactly as the service
    /// does for a site with those labels; the model file holds both and scores with both.
    #[arg(long, value_name = "SITEFILE")]
    site_labels: Option<PathBuf>,
    /// Strength of the base in a site's layer, in comments (with `--site-labels`).
    #[arg(long, default_value_t = crate::classifier::site::PRIOR_DOCS)]
    site_prior: f64,
    /// Memory of one dense batch handed to linfa, in MiB.
    #[arg(long, default_value_t = TrainParams::default().batch_bytes >> 20)]
    batch_mib: usize,
    /// Fit in this process (stderr will carry linfa-bayes' debug dump).
    #[arg(long, hide = true)]
    in_process: bool,
}

impl TrainArgs {
    fn options(&self) -> anyhow::Result<TrainOptions> {
        let char_ngrams = match self.char_ngrams.as_str() {
            "none" => None,
            range => {
                let (lo, hi) = range
                    .split_once('-')
                    .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
                    .ok_or_else(|| anyhow!("--char-ngrams must be MIN-MAX or none"))?;
                Some((lo, hi))
            }
        };
        let features = FeatureSettings {
            width_bits: self.width_bits,
            word_bigrams: !self.no_bigrams,
            char_ngrams,
            counts: self.counts,
            fold: self.fold == "on",
            html: self.html == "on",
            name_signals: true,
        };
        features
            .check()
            .map_err(|e| anyhow!("--width-bits/--char-ngrams: {e}"))?;
        if !(self.unlabelled_weight.is_finite() && self.unlabelled_weight > 0.0) {
            bail!("--unlabelled-weight must be a positive number");
        }
        if !(0.0..1.0).contains(&self.target_fpr) {
            bail!("--target-fpr must be in [0, 1)");
        }
        let source_weights = if self.source_weights.is_empty() {
            TrainOptions::default().source_weights
        } else {
            self.source_weights
                .iter()
                .filter(|s| s.as_str() != "none")
                .map(|s| {
                    s.split_once('=')
                        .and_then(|(name, w)| Some((name.to_owned(), w.parse::<f64>().ok()?)))
                        .filter(|(name, w)| !name.is_empty() && w.is_finite() && *w > 0.0)
                        .ok_or_else(|| {
                            anyhow!(
                                "--source-weight must be NAME=FACTOR with FACTOR > 0, not {s:?}"
                            )
                        })
                })
                .collect::<anyhow::Result<_>>()?
        };
        Ok(TrainOptions {
            source_weights,
            features,
            params: TrainParams {
                alpha: self.alpha,
                batch_bytes: self.batch_mib << 20,
            },
            target_false_positive_rate: self.target_fpr,
            unlabelled_weight: self.unlabelled_weight,
            ..TrainOptions::default()
        })
    }
}

/// Loads `path`, or the shipped default model.
///
/// # Errors
/// A model that cannot be read or is refused.
pub fn load_classifier(path: Option<&Path>) -> anyhow::Result<Classifier> {
    Ok(match path {
        Some(path) => Classifier::load(path)?,
        None => Classifier::shipped()?,
    })
}

/// Runs a `model …` command.
///
/// # Errors
/// Any failure, with context.
pub fn run(command: ModelCommand, components: &Components) -> anyhow::Result<()> {
    match command {
        ModelCommand::Retrain {
            force,
            label_weight,
            json,
            in_process: true,
        } => {
            let app = App::open(components)?;
            let options = RetrainOptions {
                force,
                label_weight,
            };
            let (outcome, rescored) = block_on(app.filter().retrain_in_process(&options))?;
            if json {
                println!("{}", serde_json::to_string(&outcome)?);
            } else {
                let r = &outcome.report;
                println!(
                    "model {} learned {} labels ({} spam, {} ham); acceptance check: {}",
                    outcome.version, r.labels, r.spam, r.ham, r.verdict
                );
                if outcome.activated {
                    println!(
                        "activated{}; re-scored {rescored} pending comments",
                        if r.accepted { "" } else { " (--force)" }
                    );
                } else {
                    println!(
                        "kept but NOT activated: the model in use stays (use --force to override)"
                    );
                }
            }
            Ok(())
        }
        ModelCommand::Retrain { .. } => {
            let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
            args.push("--in-process".into());
            fit_in_child(args)
        }
        ModelCommand::Promote { site, off } => {
            let origin = crate::domain::ThreadUrl::parse(&site)
                .map(|u| u.origin())
                .map_err(|e| anyhow!("--site: {e}"))?;
            let app = App::open(components)?;
            let change = crate::domain::SitePolicyChange {
                promoted: Some(!off),
                ..Default::default()
            };
            block_on(app.sites().set_policy(&origin, change))?;
            if off {
                println!("{origin}'s labels shape only its own layer from the next retraining");
            } else {
                println!(
                    "{origin}'s moderator labels go into the shared base model from the next retraining (every site's scores)"
                );
            }
            Ok(())
        }
        ModelCommand::List { json, site } => {
            let app = App::open_for_admin(components)?;
            let mut models = block_on(app.filter().list())?;
            if let Some(site) = &site {
                let origin = crate::domain::ThreadUrl::parse(site)
                    .map(|u| u.origin())
                    .map_err(|e| anyhow!("--site: {e}"))?;
                for m in &mut models {
                    m.site_layers.retain(|l| l.site == origin);
                }
                if !json {
                    for m in &models {
                        let layer = m.site_layers.first().map_or_else(
                            || "no layer: scored by the base".to_owned(),
                            |l| {
                                format!(
                                    "layer {} ({} labels: {} spam, {} ham)",
                                    l.version,
                                    l.labels.spam + l.labels.ham,
                                    l.labels.spam,
                                    l.labels.ham
                                )
                            },
                        );
                        println!(
                            "{} {}\t{}\t{origin}: {layer}",
                            if m.active { '*' } else { ' ' },
                            m.version,
                            m.created_at
                        );
                    }
                    return Ok(());
                }
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&models)?);
            }
            for m in models.iter().filter(|_| !json) {
                let verdict = m.retraining.as_ref().map_or(String::new(), |r| {
                    format!(
                        "{} labels; {}",
                        r.labels,
                        if r.accepted {
                            "passed the acceptance check"
                        } else {
                            "refused by the acceptance check"
                        }
                    )
                });
                let verdict = if m.base {
                    "the base model (`model activate base` returns to it)".to_owned()
                } else {
                    verdict
                };
                println!(
                    "{} {}\t{}\t{}",
                    if m.active { '*' } else { ' ' },
                    m.version,
                    m.created_at,
                    verdict
                );
            }
            Ok(())
        }
        ModelCommand::Activate { version } => {
            // Opened for admin: the model being replaced may be the damaged one.
            let app = App::open_for_admin(components)?;
            let rescored = block_on(async { Ok(app.filter().activate(&version).await?) })?;
            println!("model {version} is active; re-scored {rescored} pending comments");
            Ok(())
        }
        ModelCommand::Train(args) if args.in_process => {
            let options = args.options()?;
            let texts = pipeline::load_labelled(&args.files)?;
            let unlabelled = pipeline::load_unlabelled(&args.unlabelled)?;
            let started = std::time::Instant::now();
            let mut bundle = pipeline::train_bundle(&texts, &args.files, &unlabelled, &options)?;
            if let Some(file) = &args.site_labels {
                if !(args.site_prior.is_finite() && args.site_prior > 0.0) {
                    bail!("--site-prior must be a positive number");
                }
                bundle.site_layer = Some(pipeline::site_layer_from_file(
                    &bundle,
                    file,
                    args.site_prior,
                )?);
            }
            bundle
                .save(&args.out)
                .with_context(|| format!("failed to write {}", args.out.display()))?;
            println!(
                "trained model {} on {} texts ({} spam, {} ham) in {:.2}s; threshold P(spam) >= {:.4}; wrote {}",
                bundle.version,
                bundle.training.texts,
                bundle.training.spam,
                bundle.training.ham,
                started.elapsed().as_secs_f64(),
                SpamScore::from_log_odds(bundle.threshold_log_odds)
                    .map_or(1.0, SpamScore::probability),
                args.out.display()
            );
            if let Some(layer) = &bundle.site_layer {
                println!(
                    "site layer {} learnt {} labels ({} spam, {} ham) over it",
                    layer.version,
                    layer.label_count(),
                    layer.labels.spam,
                    layer.labels.ham
                );
            }
            Ok(())
        }
        ModelCommand::Train(_) => {
            let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
            args.push("--in-process".into());
            fit_in_child(args)
        }
        ModelCommand::Score { model, input } => score(model.as_deref(), &input),
        ModelCommand::Fairness { model, json } => {
            let classifier = load_classifier(model.as_deref())?;
            let found = crate::classifier::fairness::check(&classifier);
            if json {
                println!("{}", serde_json::to_string_pretty(&found)?);
                return Ok(());
            }
            println!(
                "names: the same text under {} names, largest spread of P(spam) {:.3} (per text: {})",
                crate::classifier::fairness::NAMES.len(),
                found.max_name_spread,
                found
                    .name_spread
                    .iter()
                    .map(|s| format!("{s:.3}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            println!(
                "languages: English mean P(spam) {:.3}; other languages' mean {:.3}, highest {:.3} (threshold {:.3})",
                found.english_mean,
                found.other_languages_mean,
                found.other_languages_max,
                found.threshold
            );
            for (lang, p, evidence) in &found.other_languages {
                println!("  {lang}\tP(spam) {p:.3}\tevidence {evidence:.2}");
            }
            Ok(())
        }
        ModelCommand::Evaluate {
            model,
            train,
            test,
            json,
            threshold,
        } => {
            let classifier = if train.is_empty() {
                load_classifier(model.as_deref())?
            } else {
                let out = std::env::temp_dir()
                    .join(format!("replyguard-eval-{}.json", std::process::id()));
                let mut args: Vec<OsString> = vec![
                    "model".into(),
                    "train".into(),
                    "--in-process".into(),
                    "--out".into(),
                    out.clone().into(),
                ];
                args.extend(train.iter().map(|p| p.clone().into_os_string()));
                fit_in_child(args)?;
                let loaded = load_classifier(Some(&out));
                let _ = std::fs::remove_file(&out);
                loaded?
            };
            let threshold_log_odds = match threshold {
                Some(p) if p > 0.0 && p < 1.0 => crate::domain::verdict::logit(p),
                Some(_) => bail!("--threshold must be a probability strictly between 0 and 1"),
                None => classifier.threshold_log_odds(),
            };
            let results = pipeline::evaluate(&classifier, &test, threshold_log_odds)?;
            print_evaluation(&classifier, &results, json)
        }
        ModelCommand::Split {
            out_dir,
            test_share,
            from_year,
            files,
        } => {
            let written = match from_year {
                Some(year) => pipeline::write_by_year(&files, &out_dir, year)?,
                None => pipeline::write_split_a(&files, &out_dir, test_share)?,
            };
            for path in written {
                println!("{}", path.display());
            }
            Ok(())
        }
    }
}

/// Runs a training command in a child process of this binary with stderr discarded (linfa-bayes
/// 0.8.1 dumps megabytes there on every fit) and relays what it prints.
/// Runs the same command again in a training child (`--in-process`) and relays its output.
fn fit_in_child(args: Vec<OsString>) -> anyhow::Result<()> {
    let ok = run_training_child(None, &args, &[], |line| {
        match line.strip_prefix("error: ") {
            Some(message) => eprintln!("error: {message}"),
            None => println!("{line}"),
        }
    })?;
    if !ok {
        bail!("training failed");
    }
    Ok(())
}

fn score(model: Option<&Path>, input: &str) -> anyhow::Result<()> {
    let classifier = load_classifier(model)?;
    let threshold = classifier.threshold_log_odds();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let answer = |line: &str, out: &mut dyn Write| -> std::io::Result<()> {
        let text = line.split_once('\t').map_or(line, |(_, text)| text);
        let z = classifier.log_odds(&Document::text(text));
        let p = SpamScore::from_log_odds(z).map_or(f64::NAN, SpamScore::probability);
        let label = if z >= threshold { "spam" } else { "ham" };
        writeln!(out, "{p:.6}\t{label}\t{z:.6}")
    };
    if input == "-" {
        // Answer each line as it arrives, flushed, so a caller can use us as a co-process.
        for line in std::io::stdin().lock().lines() {
            let line = line?;
            answer(line.strip_suffix('\r').unwrap_or(&line), &mut out)?;
            out.flush()?;
        }
    } else {
        let file = crate::classifier::corpus::load_file(Path::new(input), false)?;
        for LabelledText { text, .. } in &file.texts {
            answer(text, &mut out)?;
        }
        out.flush()?;
    }
    Ok(())
}

fn print_evaluation(
    classifier: &Classifier,
    results: &[Evaluation],
    json: bool,
) -> anyhow::Result<()> {
    if json {
        let report = serde_json::json!({ "model": classifier.info(), "results": results });
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let info = classifier.info();
    println!(
        "model {} (threshold P(spam) >= {:.4})",
        info.version,
        results.first().map_or(info.threshold, |r| r.threshold)
    );
    println!(
        "{:<28} {:>6} {:>5} {:>8} {:>9} {:>7} {:>7} {:>8} {:>7} {:>12}",
        "test",
        "n",
        "spam",
        "accuracy",
        "precision",
        "recall",
        "F1",
        "ROC AUC",
        "FPR",
        "recall@1%FPR"
    );
    for r in results {
        let m = &r.metrics;
        println!(
            "{:<28} {:>6} {:>5} {:>8.4} {:>9.4} {:>7.4} {:>7.4} {:>8.4} {:>7.4} {:>12.4}",
            r.test,
            m.n,
            m.spam,
            m.accuracy,
            m.precision,
            m.recall,
            m.f1,
            m.roc_auc.unwrap_or(f64::NAN),
            m.false_positive_rate,
            m.recall_at_1pct_fpr
        );
    }
    Ok(())
}

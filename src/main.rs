//! `kasip`: arguments → configuration → the bot or a CLI subcommand. Nothing else lives here.

use anyhow::Context;
use clap::{Parser, Subcommand};
use kasip::{cli, config::Config, Catalog, Lang, Matcher};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Kasip — is an occupation on Kazakhstan's list of in-demand professions for permanent residence?
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Load the list from this directory (professions.toml, lexicon.toml, not_listed.toml)
    /// instead of the copy built into the binary.
    #[arg(long, env = "KASIP_DATA", global = true)]
    data: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the Telegram bot (the default). Needs TELOXIDE_TOKEN.
    Bot,
    /// Match occupations: from the arguments, or from standard input one a line.
    Match {
        /// One JSON object a line: query, verdict, code, candidates.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// CSV: query, verdict, code, name, field (input may be a .txt or .csv file's lines).
        #[arg(long)]
        csv: bool,
        /// Show how each query was scored (for maintainers growing the aliases).
        #[arg(long, hide = true)]
        explain: bool,
        /// Language of names and text.
        #[arg(long, default_value = "ru")]
        lang: Lang,
        /// Read queries from this file (.txt: one a line; .csv: the first column) instead of stdin.
        #[arg(long, short)]
        file: Option<PathBuf>,
        query: Vec<String>,
    },
    /// Print the list, grouped by education field.
    List {
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = "ru")]
        lang: Lang,
        /// Only this education field (healthcare, natural_sciences, engineering, digital,
        /// pedagogy, creative).
        #[arg(long)]
        field: Option<String>,
    },
    /// What people asked: verdict shares, the most frequent unsure and not-listed queries, the
    /// most asked professions. Reads the bot's database (KASIP_DB).
    Report {
        /// Only the last DAYS days.
        #[arg(long, default_value_t = 30)]
        since: u32,
        #[arg(long, default_value_t = 20)]
        top: usize,
        #[arg(long, env = "KASIP_DB", default_value = "kasip.db")]
        db: PathBuf,
    },
}

fn main() -> ExitCode {
    use std::io::IsTerminal;
    // Colours only on a terminal (a log file or journald gets plain text), and never with NO_COLOR.
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .init();
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kasip: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let catalog = Arc::new(match &args.data {
        Some(dir) => Catalog::from_dir(dir).with_context(|| format!("loading the list from {}", dir.display()))?,
        None => Catalog::embedded().context("loading the built-in list")?,
    });
    match args.command.unwrap_or(Command::Bot) {
        Command::Bot => {
            let config = match Config::from_env(|k| std::env::var(k).ok()) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("kasip: {e}");
                    return Ok(ExitCode::from(2));
                }
            };
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(kasip::bot::run(config, catalog))?;
        }
        Command::Match { json, csv, explain, lang, file, query } => {
            let matcher = Matcher::new(catalog.clone());
            if explain {
                print!("{}", matcher.explain(&query.join(" ")));
                return Ok(ExitCode::SUCCESS);
            }
            let mut out = std::io::stdout().lock();
            if csv || file.is_some() {
                let queries = cli::read_queries(file.as_deref(), &query)?;
                if csv {
                    use std::io::Write;
                    let answers: Vec<(String, kasip::Verdict)> = queries
                        .into_iter()
                        .map(|q| {
                            let v = matcher.match_query(&q);
                            (q, v)
                        })
                        .collect();
                    out.write_all(&kasip::bot::results_csv(&catalog, &answers, lang))?;
                    return Ok(ExitCode::SUCCESS);
                }
                let fmt = cli::formatter(&catalog, json, lang);
                for q in &queries {
                    use std::io::Write;
                    writeln!(out, "{}", fmt(q, &matcher.match_query(q)))?;
                }
                return Ok(ExitCode::SUCCESS);
            }
            let fmt = cli::formatter(&catalog, json, lang);
            cli::run_match(&matcher, &query, &*fmt, &mut std::io::stdin().lock(), &mut out)?;
        }
        Command::List { json, lang, field } => {
            let text = cli::list(&catalog, json, lang, field.as_deref())?;
            print!("{text}");
        }
        Command::Report { since, top, db } => {
            let store = kasip::store::Store::open(&db).with_context(|| format!("opening {}", db.display()))?;
            print!("{}", cli::report(&store, since, top)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

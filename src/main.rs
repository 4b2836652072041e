//! `kasip`: arguments → configuration → the bot, the web server or a CLI subcommand. Nothing
//! else lives here.

use anyhow::Context;
use clap::{CommandFactory, Parser, Subcommand};
use kasip::config::{Config, HttpConfig};
use kasip::{cli, formats, Catalog, Lang, Matcher};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Kasip — is an occupation on Kazakhstan's list of in-demand professions for permanent residence?
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Load the list from this directory (professions.toml, lexicon.toml, not_listed.toml)
    /// instead of the copy built into the binary.
    #[arg(long, env = "KASIP_DATA", global = true, value_name = "DIR")]
    data: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the Telegram bot (the default). Needs TELOXIDE_TOKEN; with KASIP_HTTP_LISTEN set it
    /// serves the web API and page in the same process.
    Bot,
    /// Serve the web API and the search page (also a Telegram Mini App) without the bot.
    Serve {
        /// Address to listen on (settings: README, "Web").
        #[arg(long, env = "KASIP_HTTP_LISTEN", default_value = "127.0.0.1:8080", value_name = "ADDR")]
        listen: SocketAddr,
    },
    /// Match occupations. The arguments together form ONE query (`kasip match врач педиатр` asks
    /// about "врач педиатр"); without arguments, standard input is read, one query a line, and
    /// each is answered in order; `--file` reads a list (.txt: one a line; .csv/.xlsx: the
    /// occupation column, other columns carried into --csv/--out).
    Match {
        /// One JSON object a line: query, verdict, code, candidates.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// CSV in the consultant contract (README): the input's columns, then verdict,
        /// verdict_text, code, name, field, candidates; formula-like cells neutralised.
        #[arg(long)]
        csv: bool,
        /// Write the answer file here instead (.csv or .xlsx, by its extension).
        #[arg(long, value_name = "FILE", conflicts_with_all = ["json", "csv"])]
        out: Option<PathBuf>,
        /// Show how each query was scored (for maintainers growing the aliases).
        #[arg(long, hide = true)]
        explain: bool,
        /// Language of names and text.
        #[arg(long, default_value = "ru")]
        lang: Lang,
        /// Read the queries from this file instead of standard input: .txt one a line; .csv or
        /// .xlsx with a header row detected and the occupation column found by its name.
        #[arg(long, short, value_name = "FILE")]
        file: Option<PathBuf>,
        /// The occupation (words or an NKZ code); several arguments are joined into one query.
        #[arg(value_name = "QUERY")]
        query: Vec<String>,
    },
    /// Print the list, grouped by education field.
    List {
        /// JSON: the fields, each with its professions (code, name, name_ru, fields).
        #[arg(long)]
        json: bool,
        /// Language of names.
        #[arg(long, default_value = "ru")]
        lang: Lang,
        /// Only this education field (healthcare, natural_sciences, engineering, digital,
        /// pedagogy, creative).
        #[arg(long, value_name = "ID")]
        field: Option<String>,
    },
    /// What differs between two lists: codes added, removed, renamed (the official Russian name
    /// changed) or moved to another education field. Each list is a data directory (as for
    /// --data / KASIP_DATA) or `builtin`, in the wording in force today. Exit code 0: no such
    /// difference; 1: the lists differ; 2: a list could not be loaded.
    Diff {
        /// One JSON object: old, new, differs, added, removed, renamed, moved.
        #[arg(long)]
        json: bool,
        /// Compare the wordings in force on this day (YYYY-MM-DD) instead of today.
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
        /// The old list: a data directory, or `builtin`.
        #[arg(value_name = "OLD")]
        old: String,
        /// The new list: a data directory, or `builtin`.
        #[arg(value_name = "NEW")]
        new: String,
    },
    /// Before restarting the bot with a new list (--data / KASIP_DATA, else the built-in one): each
    /// change since the list the bot last served and how many subscribers it would notify. Reads
    /// the bot's database; sends nothing. The bot itself sends the notices when it starts.
    Notify {
        /// Only show what would be sent (required: the bot sends notices at its start).
        #[arg(long)]
        dry_run: bool,
        /// The bot's SQLite database.
        #[arg(long, env = "KASIP_DB", default_value = "kasip.db", value_name = "FILE")]
        db: PathBuf,
    },
    /// What people asked: verdict shares, the most frequent unsure and not-listed queries, the
    /// most asked professions. Reads the bot's database; never creates one.
    Report {
        /// Only the last DAYS days.
        #[arg(long, default_value_t = 30, value_name = "DAYS")]
        since: u32,
        /// How many rows each top list shows.
        #[arg(long, default_value_t = 20, value_name = "N")]
        top: usize,
        /// The bot's SQLite database.
        #[arg(long, env = "KASIP_DB", default_value = "kasip.db", value_name = "FILE")]
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
        // (A reader that went away — `kasip match < list | head` — ends the output, no error.)
        Err(e) if e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kasip: {}", cli::one_sentence(e.chain().map(|c| c.to_string())));
            ExitCode::from(1)
        }
    }
}

/// Writes a command's output; a reader that went away (`kasip list | head`) is no error.
fn print_out(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("kasip: cannot write the output: {e}");
        }
    }
}

/// A configuration error: said once, exit code 2.
fn config_error(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("kasip: {e}");
    ExitCode::from(2)
}

/// Stops on Ctrl-C or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(t) => t,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

fn web_deps(catalog: Arc<Catalog>, db: &std::path::Path) -> anyhow::Result<kasip::web::Deps> {
    let store = kasip::store::service::Storage::open(db).with_context(|| format!("opening the database {}", db.display()))?;
    let token = kasip::config::token_from_env(&|k: &str| std::env::var(k).ok()).unwrap_or(None);
    Ok(kasip::web::Deps { catalog, store: Some(Arc::new(store)), token, metrics: kasip::metrics::global() })
}

/// Commits what the web server queued (the query log) before the process ends.
async fn close_store(store: Option<Arc<kasip::store::service::Storage>>) {
    if let Some(s) = store {
        s.close(std::time::Duration::from_secs(3)).await;
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let catalog = Arc::new(match &args.data {
        Some(dir) => Catalog::from_dir(dir).with_context(|| format!("loading the list from {}", dir.display()))?,
        None => Catalog::embedded().context("loading the built-in list")?,
    });
    let env = |k: &str| std::env::var(k).ok();
    match args.command.unwrap_or(Command::Bot) {
        Command::Bot => {
            let config = match Config::from_env(env) {
                Ok(c) => c,
                Err(e) => return Ok(config_error(e)),
            };
            // KASIP_HTTP_LISTEN set: the web server runs in this process too.
            let http = match env("KASIP_HTTP_LISTEN").filter(|s| !s.trim().is_empty()).map(|_| HttpConfig::from_env(env)).transpose() {
                Ok(h) => h,
                Err(e) => return Ok(config_error(e)),
            };
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(async {
                let (stop_web, web_stopped) = tokio::sync::oneshot::channel::<()>();
                let mut web_store = None;
                let web = match http {
                    Some(h) => {
                        let deps = web_deps(catalog.clone(), &config.db)?;
                        web_store = deps.store.clone();
                        let listener =
                            tokio::net::TcpListener::bind(h.listen).await.with_context(|| format!("listening on {} (KASIP_HTTP_LISTEN)", h.listen))?;
                        Some(tokio::spawn(kasip::web::serve_on(listener, h, deps, async {
                            let _ = web_stopped.await;
                        })))
                    }
                    None => None,
                };
                let result = kasip::bot::run(config, catalog).await;
                let _ = stop_web.send(());
                if let Some(w) = web {
                    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), w).await;
                }
                close_store(web_store).await;
                result
            })?;
        }
        Command::Serve { listen } => {
            let mut http = match HttpConfig::from_env(env) {
                Ok(h) => h,
                Err(e) => return Ok(config_error(e)),
            };
            http.listen = listen;
            let db = PathBuf::from(env("KASIP_DB").filter(|s| !s.trim().is_empty()).unwrap_or_else(|| "kasip.db".into()));
            let deps = web_deps(catalog, &db)?;
            let store = deps.store.clone();
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(async {
                let served = kasip::web::serve(http, deps, stop_signal()).await;
                close_store(store).await;
                served
            })?;
            tracing::info!("stopped");
        }
        Command::Match { json, csv, out, explain, lang, file, query } => {
            let matcher = Matcher::new(catalog.clone());
            if explain {
                print_out(&matcher.explain(&query.join(" ")));
                return Ok(ExitCode::SUCCESS);
            }
            let mut stdout = std::io::stdout().lock();
            if csv || out.is_some() || file.is_some() {
                let table = cli::read_table(file.as_deref(), &query)?;
                let verdicts: Vec<kasip::Verdict> = table.queries().map(|q| matcher.match_query(q)).collect();
                if let Some(path) = out {
                    let kind = formats::Kind::detect(&path.to_string_lossy(), None).unwrap_or(formats::Kind::Csv).answer();
                    let bytes = formats::write(&table, &verdicts, &catalog, lang, kind)?;
                    let bytes = if kind == formats::Kind::Csv { formats::with_bom(bytes) } else { bytes };
                    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
                } else if csv {
                    stdout.write_all(&formats::write(&table, &verdicts, &catalog, lang, formats::Kind::Csv)?)?;
                } else {
                    let fmt = cli::formatter(&catalog, json, lang);
                    for (q, v) in table.queries().zip(&verdicts) {
                        writeln!(stdout, "{}", fmt(q, v))?;
                    }
                }
                return Ok(ExitCode::SUCCESS);
            }
            let fmt = cli::formatter(&catalog, json, lang);
            cli::run_match(&matcher, &query, &*fmt, &mut std::io::stdin().lock(), &mut stdout)?;
        }
        Command::List { json, lang, field } => {
            if let Some(f) = field.as_deref().filter(|f| catalog.field(f).is_none()) {
                let ids: Vec<&str> = catalog.fields.iter().map(|f| f.id.as_str()).collect();
                // An argument error like clap's own: usage on standard error, exit code 2.
                Args::command().error(clap::error::ErrorKind::InvalidValue, format!("unknown field `{f}` for --field; one of: {}", ids.join(", "))).exit();
            }
            print_out(&cli::list(&catalog, json, lang, field.as_deref())?);
        }
        Command::Diff { json, on, old, new } => {
            let day = on.unwrap_or_else(kasip::catalog::today);
            if kasip::catalog::parse_day(&day).is_none() {
                Args::command().error(clap::error::ErrorKind::InvalidValue, format!("--on `{day}` is not a date like 2025-01-31")).exit();
            }
            let load = |name: &str| cli::load_list(name, &day).map_err(|e| format!("cannot load the list {name}: {e}"));
            let (o, n) = match (load(&old), load(&new)) {
                (Ok(o), Ok(n)) => (o, n),
                (Err(e), _) | (_, Err(e)) => {
                    eprintln!("kasip: {e}");
                    return Ok(ExitCode::from(2));
                }
            };
            let (text, differs) = cli::diff(&old, &o, &new, &n, json);
            print_out(&text);
            return Ok(ExitCode::from(u8::from(differs)));
        }
        Command::Notify { dry_run, db } => {
            if !dry_run {
                eprintln!("kasip: the bot sends notices itself when it starts with a new list; `kasip notify --dry-run` shows what it would send");
                return Ok(ExitCode::from(2));
            }
            if !db.is_file() {
                anyhow::bail!("there is no database at {} (point --db or KASIP_DB at the bot's database)", db.display());
            }
            let name = args.data.as_ref().map_or_else(|| cli::BUILTIN.to_string(), |d| d.display().to_string());
            print_out(&cli::notify_dry_run(&db, &name, catalog)?);
        }
        Command::Report { since, top, db } => {
            if !db.is_file() {
                anyhow::bail!("there is no database at {} (point --db or KASIP_DB at the bot's database)", db.display());
            }
            let store = kasip::store::Store::open(&db)?;
            print_out(&cli::report(&store, since, top)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

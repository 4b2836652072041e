use anyhow::Context;
use clap::{Parser, Subcommand};
use kasip::{cli, Catalog, Lang, Matcher};
use std::path::PathBuf;
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
    /// Match occupations: from the arguments, or from standard input one a line.
    Match {
        /// One JSON object a line: query, verdict, code, candidates.
        #[arg(long)]
        json: bool,
        /// Show how each query was scored (for maintainers growing the aliases).
        #[arg(long, hide = true)]
        explain: bool,
        /// Language of names and text.
        #[arg(long, default_value = "ru")]
        lang: Lang,
        query: Vec<String>,
    },
    /// Print the list, grouped by education field.
    List {
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = "ru")]
        lang: Lang,
        /// Only this education field (id, e.g. healthcare, digital).
        #[arg(long)]
        field: Option<String>,
    },
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let catalog = Arc::new(match &args.data {
        Some(dir) => Catalog::from_dir(dir).with_context(|| format!("loading the list from {}", dir.display()))?,
        None => Catalog::embedded().context("loading the built-in list")?,
    });
    match args.command {
        Some(Command::Match { json, explain, lang, query }) => {
            let matcher = Matcher::new(catalog.clone());
            if explain {
                print!("{}", matcher.explain(&query.join(" ")));
                return Ok(());
            }
            let fmt = |q: &str, v: &kasip::Verdict| if json { cli::verdict_json(&catalog, q, v, lang) } else { format!("{q}\t{}\t{}", v.kind.as_str(), v.code.as_ref().map(|c| c.as_str()).unwrap_or("-")) };
            let stdin = std::io::stdin();
            cli::run_match(&matcher, &query, &fmt, &mut stdin.lock(), &mut std::io::stdout().lock())?;
        }
        Some(Command::List { .. }) | None => {}
    }
    Ok(())
}

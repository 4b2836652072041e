//! The command-line front door: `kasip match` and `kasip list` (and `kasip report`), speaking the
//! same library as the bot.

use crate::catalog::Catalog;
use crate::formats::{self, Table};
use crate::lang::Lang;
use crate::matcher::{Matcher, Verdict};
use serde::Serialize;
use std::io::{BufRead, Write};

/// A candidate in the matcher's JSON contract.
#[derive(Serialize)]
pub struct JsonCandidate<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub score: f32,
}

/// The matcher's JSON contract (README: `kasip match --json`), shared by the CLI and the web API
/// (which adds fields of its own beside these).
#[derive(Serialize)]
pub struct JsonVerdict<'a> {
    pub query: &'a str,
    pub verdict: &'static str,
    pub code: Option<&'a str>,
    pub candidates: Vec<JsonCandidate<'a>>,
}

impl<'a> JsonVerdict<'a> {
    pub fn new(catalog: &'a Catalog, query: &'a str, v: &'a Verdict, lang: Lang) -> JsonVerdict<'a> {
        let candidates = v
            .candidates
            .iter()
            .map(|c| JsonCandidate { code: c.code.as_str(), name: catalog.profession(&c.code).map_or("", |p| p.name.get(lang)), score: c.score })
            .collect();
        JsonVerdict { query, verdict: v.kind.as_str(), code: v.code.as_ref().map(|c| c.as_str()), candidates }
    }
}

/// One JSON line of the matcher contract (see README: `kasip match --json`).
pub fn verdict_json(catalog: &Catalog, query: &str, v: &Verdict, lang: Lang) -> String {
    serde_json::to_string(&JsonVerdict::new(catalog, query, v, lang)).unwrap_or_else(|_| "{}".into())
}

/// Answers queries from the arguments, or from standard input one a line (in order, one answer a
/// line, also for empty lines, so the output lines up with the input).
pub fn run_match(
    matcher: &Matcher,
    queries: &[String],
    out_fmt: &dyn Fn(&str, &Verdict) -> String,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if !queries.is_empty() {
        let q = queries.join(" ");
        let v = matcher.match_query(&q);
        writeln!(out, "{}", out_fmt(&q, &v))?;
        return Ok(());
    }
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        // Invalid UTF-8 is answered, not fatal: lossy decoding keeps one answer per line.
        let line = String::from_utf8_lossy(&buf);
        let q = line.trim_end_matches(['\n', '\r']);
        let v = matcher.match_query(q);
        writeln!(out, "{}", out_fmt(q, &v))?;
    }
    out.flush()
}

/// Turns a query and its verdict into one line (or block) of output.
pub type Formatter<'a> = Box<dyn Fn(&str, &Verdict) -> String + 'a>;

/// How `kasip match` prints one answer: the JSON contract, or the bot's reply as text. Nothing is
/// cut on the command line: a profession's button is printed with its whole name and code.
pub fn formatter(catalog: &Catalog, json: bool, lang: Lang) -> Formatter<'_> {
    if json {
        Box::new(move |q, v| verdict_json(catalog, q, v, lang))
    } else {
        Box::new(move |q, v| {
            let r = crate::reply::verdict(v, q, catalog, lang);
            let mut s = format!("> {}\n{}", crate::reply::quote(q), r.text);
            for b in r.buttons.iter().flatten() {
                let label = match crate::reply::Callback::decode(&b.data, catalog) {
                    Some(crate::reply::Callback::Profession(code) | crate::reply::Callback::Answer(code)) => {
                        catalog.profession(&code).map_or_else(|| b.text.clone(), |p| format!("{} · {}", p.code, p.name.get(lang)))
                    }
                    _ => b.text.clone(),
                };
                s.push_str(&format!("\n  [{label}]"));
            }
            s.push('\n');
            s
        })
    }
}

/// The list to answer: a file (.xlsx, .csv: header detected, other columns kept; anything else:
/// one a line), the arguments (one query), or standard input (one a line).
pub fn read_table(file: Option<&std::path::Path>, args: &[String]) -> anyhow::Result<Table> {
    match file {
        None if !args.is_empty() => Ok(Table::from_queries([args.join(" ")])),
        None => {
            let mut s = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut s)?;
            Ok(Table::from_queries(String::from_utf8_lossy(&s).lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from)))
        }
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {}", path.display(), io_reason(&e)))?;
            let kind = formats::Kind::detect(&path.to_string_lossy(), None).unwrap_or(formats::Kind::Text);
            formats::read(&bytes, kind, usize::MAX).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
        }
    }
}

/// An I/O error's reason without the "(os error 2)" tail.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// An error and its causes as one sentence: each cause is added only where it says something the
/// message does not already say (libraries often repeat their source in their own message).
pub fn one_sentence(chain: impl IntoIterator<Item = String>) -> String {
    let key = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
    let mut clauses: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for msg in chain {
        for clause in msg.split(": ") {
            let k = key(clause);
            if k.is_empty() || seen.iter().any(|s| s.contains(&k)) {
                continue;
            }
            seen.push(k);
            clauses.push(clause.trim().to_string());
        }
    }
    clauses.join(": ")
}

impl clap::ValueEnum for Lang {
    fn value_variants<'a>() -> &'a [Self] {
        &Lang::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        use clap::builder::PossibleValue;
        Some(match self {
            Lang::Ru => PossibleValue::new("ru").help("Russian (русский)"),
            Lang::Kk => PossibleValue::new("kk").alias("kz").help("Kazakh (қазақша)"),
            Lang::En => PossibleValue::new("en").help("English"),
        })
    }
}

#[derive(Serialize)]
struct JsonProfession<'a> {
    code: &'a str,
    name: &'a str,
    name_ru: &'a str,
    fields: &'a [String],
}

#[derive(Serialize)]
struct JsonField<'a> {
    id: &'a str,
    name: String,
    professions: Vec<JsonProfession<'a>>,
}

/// `kasip list`: the list grouped by education field, as text or JSON.
pub fn list(catalog: &Catalog, json: bool, lang: Lang, only: Option<&str>) -> anyhow::Result<String> {
    if let Some(f) = only {
        if catalog.field(f).is_none() {
            let ids: Vec<&str> = catalog.fields.iter().map(|f| f.id.as_str()).collect();
            anyhow::bail!("unknown field `{f}`; one of: {}", ids.join(", "));
        }
    }
    let groups: Vec<JsonField> = catalog
        .by_field()
        .into_values()
        .filter(|(f, _)| only.is_none_or(|o| o == f.id))
        .map(|(f, members)| JsonField {
            id: &f.id,
            name: crate::reply::field_name(f, lang),
            professions: members
                .into_iter()
                .map(|p| JsonProfession { code: p.code.as_str(), name: p.name.get(lang), name_ru: &p.name.ru, fields: &p.fields })
                .collect(),
        })
        .collect();
    if json {
        return Ok(serde_json::to_string_pretty(&groups)? + "\n");
    }
    let mut out = String::new();
    for g in groups {
        out.push_str(&format!("{}\n", g.name));
        for p in g.professions {
            out.push_str(&format!("  {:<10}  {}\n", p.code, p.name));
        }
        out.push('\n');
    }
    Ok(out)
}

/// `kasip report`: what was asked and not understood — the loop that grows the aliases.
pub fn report(store: &crate::store::Store, since_days: u32, top: usize) -> anyhow::Result<String> {
    let r = store.report(crate::store::now() - since_days as i64 * 86400, top)?;
    let pct = |n: i64| if r.total > 0 { 100.0 * n as f64 / r.total as f64 } else { 0.0 };
    let mut s = format!(
        "queries in the last {since_days} days: {}\n  listed {} ({:.0}%), unsure {} ({:.0}%), not listed {} ({:.0}%)\n",
        r.total,
        r.listed,
        pct(r.listed),
        r.unsure,
        pct(r.unsure),
        r.not_listed,
        pct(r.not_listed)
    );
    for (title, rows) in [
        ("most frequent unsure queries", &r.top_unsure),
        ("most frequent not-listed queries", &r.top_not_listed),
        ("most asked professions", &r.top_codes),
        ("queries per day", &r.per_day),
    ] {
        s.push_str(&format!("\n{title}:\n"));
        if rows.is_empty() {
            s.push_str("  (none)\n");
        }
        for c in rows.iter() {
            s.push_str(&format!("  {:>6}  {}\n", c.count, c.key));
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sentence_says_each_thing_once() {
        let chain = [
            "cannot open the database /x.db: unable to open database file: /x.db".to_string(),
            "unable to open database file: /x.db".to_string(),
            "Error code 14: unable to open database file".to_string(),
        ];
        assert_eq!(one_sentence(chain), "cannot open the database /x.db: unable to open database file: Error code 14");
        let net =
            ["asking Telegram who the bot is".to_string(), "error sending request".to_string(), "error sending request: client error (Connect)".to_string()];
        assert_eq!(one_sentence(net), "asking Telegram who the bot is: error sending request: client error (Connect)");
    }
}

// ----- when the list changes ----------------------------------------------------------------------

/// `kasip diff`'s and `kasip notify`'s name for the list compiled into the binary.
pub const BUILTIN: &str = "builtin";

/// A list named on the command line: `builtin` or a data directory, in the wording in force on `day`.
pub fn load_list(name: &str, day: &str) -> Result<crate::catalog::Catalog, crate::catalog::CatalogError> {
    use crate::catalog::{Catalog, Sources};
    if name == BUILTIN {
        Catalog::from_sources(&Sources::embedded(), day)
    } else {
        Catalog::from_sources(&Sources::from_dir(std::path::Path::new(name))?, day)
    }
}

fn describe(c: &Catalog) -> String {
    let o = &c.order;
    let since = o.wording_in_force.as_deref().map_or(String::new(), |d| format!(", in force since {d}"));
    format!(
        "order No. {} of {} in the wording of No. {} of {}{since}; {} professions",
        o.number,
        o.date,
        o.amendment_number,
        o.amendment_date,
        c.professions.len()
    )
}

#[derive(Serialize)]
struct JsonList<'a> {
    source: &'a str,
    version: String,
    in_force: Option<&'a str>,
    hash: &'a str,
    professions: usize,
    /// Amendments recorded but not yet in force on the day compared.
    upcoming: Vec<String>,
}

impl<'a> JsonList<'a> {
    fn of(source: &'a str, c: &'a Catalog) -> JsonList<'a> {
        JsonList {
            source,
            version: c.version(),
            in_force: c.order.wording_in_force.as_deref(),
            hash: &c.hash,
            professions: c.professions.len(),
            upcoming: c.upcoming.iter().map(|a| format!("No. {} of {}, in force from {}", a.number, a.date, a.in_force)).collect(),
        }
    }
}

#[derive(Serialize)]
struct JsonDiff<'a> {
    old: JsonList<'a>,
    new: JsonList<'a>,
    /// A code added, removed, renamed or moved (the exit code is 1 then).
    differs: bool,
    /// Something else that can change answers differs (Kazakh/English names, aliases, the
    /// lexicon, the not-listed vocabulary).
    other_content_differs: bool,
    #[serde(flatten)]
    diff: &'a crate::amend::Diff,
}

/// `kasip diff OLD NEW`: codes added, removed, renamed (official Russian name), moved to another
/// field — as text, or as one JSON object. Returns the output and whether the lists differ.
pub fn diff(old_name: &str, old: &Catalog, new_name: &str, new: &Catalog, json: bool) -> (String, bool) {
    use crate::amend::{Diff, Snapshot};
    let d = Diff::between(&Snapshot::of(old), &Snapshot::of(new));
    let differs = !d.is_empty();
    let other = old.hash != new.hash && !differs;
    if json {
        let out = JsonDiff { old: JsonList::of(old_name, old), new: JsonList::of(new_name, new), differs, other_content_differs: other, diff: &d };
        return (serde_json::to_string_pretty(&out).unwrap_or_else(|_| "{}".into()) + "\n", differs);
    }
    let mut s = format!("old: {old_name} — {}\nnew: {new_name} — {}\n", describe(old), describe(new));
    for a in &new.upcoming {
        s.push_str(&format!("     (recorded in {new_name} but not yet in force: No. {} of {}, from {})\n", a.number, a.date, a.in_force));
    }
    let fields = |f: &[String]| f.join(" / ");
    let mut section = |title: &str, lines: Vec<String>| {
        if !lines.is_empty() {
            s.push_str(&format!("\n{title} ({}):\n", lines.len()));
            for l in lines {
                s.push_str(&format!("  {l}\n"));
            }
        }
    };
    section("added", d.added.iter().map(|e| format!("+ {:<10}  {}  [{}]", e.code, e.name.ru, fields(&e.fields))).collect());
    section("removed", d.removed.iter().map(|e| format!("- {:<10}  {}", e.code, e.name.ru)).collect());
    section("renamed", d.renamed.iter().map(|r| format!("~ {:<10}  {} → {}", r.code, r.from.ru, r.to.ru)).collect());
    section(
        "moved to another field",
        d.moved.iter().map(|m| format!("> {:<10}  {}  [{}] → [{}]", m.code, m.name.ru, fields(&m.from), fields(&m.to))).collect(),
    );
    if differs {
        let n = d.added.len() + d.removed.len() + d.renamed.len() + d.moved.len();
        s.push_str(&format!("\n{n} change{}.\n", if n == 1 { "" } else { "s" }));
    } else {
        s.push_str("\nno code added, removed, renamed or moved.\n");
        if other {
            s.push_str(
                "other content differs (Kazakh or English names, aliases, the lexicon or the not-listed vocabulary): answers to some queries may change.\n",
            );
        }
    }
    (s, differs)
}

/// `kasip notify --dry-run`: for the operator, before a restart with a new list — each change and
/// how many subscribers (chats) it notifies. Reads the bot's database; writes and sends nothing.
pub fn notify_dry_run(db: &std::path::Path, new_name: &str, new: std::sync::Arc<Catalog>) -> anyhow::Result<String> {
    use crate::amend::{self, Diff, Snapshot};
    let (state, subs, queued) = crate::store::subs::read_for_dry_run(db)?;
    let chats: std::collections::BTreeSet<i64> = subs.iter().map(|s| s.chat).collect();
    let mut out = format!("database: {} — {} subscriptions in {} chats\n", db.display(), subs.len(), chats.len());
    let old = match state.as_ref().and_then(|s| s.snapshot.clone()) {
        Some(snap) => {
            out.push_str(&format!("last served: {} (hash {}…)\n", snap.version, &snap.hash[..snap.hash.len().min(12)]));
            snap
        }
        None => {
            let b = Catalog::embedded()?;
            out.push_str("last served: none recorded (the bot records the list at its first start); compared with the built-in list\n");
            Snapshot::of(&b)
        }
    };
    out.push_str(&format!("new list: {new_name} — {} (hash {}…)\n", describe(&new), &new.hash[..12]));
    if old.hash == new.hash {
        out.push_str("\nthe same list as last served: a restart sends no notice.\n");
    } else {
        let matcher = Matcher::new(new.clone());
        let plan = amend::plan(&subs, &old, &new, &matcher);
        let diff = Diff::between(&old, &Snapshot::of(&new));
        let (rows, other) = amend::affected(&diff, &plan);
        let name = |code: &str| {
            crate::Code::parse_canonical(code)
                .and_then(|c| new.profession(&c))
                .map(|p| p.name.ru.clone())
                .or_else(|| old.get(code).map(|e| e.name.ru.clone()))
                .unwrap_or_default()
        };
        let plural = |n: usize| format!("{n} subscriber{}", if n == 1 { "" } else { "s" });
        out.push_str(if rows.is_empty() { "\nno code added, removed, renamed or moved.\n" } else { "\nchanges, and the subscribers each one notifies:\n" });
        for (kind, code, n) in &rows {
            let what = match kind {
                amend::ChangeKind::Renamed => {
                    diff.renamed.iter().find(|r| &r.code == code).map_or_else(String::new, |r| format!("{} → {}", r.from.ru, r.to.ru))
                }
                _ => name(code),
            };
            out.push_str(&format!("  {:<8} {:<10}  {what} — {}\n", kind.as_str(), code, plural(*n)));
        }
        if other > 0 || rows.is_empty() {
            out.push_str(&format!("other answers changed (queries read differently: aliases, vocabulary): {}\n", plural(other)));
        }
        out.push_str(&format!("\nnotices: {} chat(s) would get one message each; {} subscription(s) re-evaluated.\n", plan.notices.len(), plan.subscriptions));
    }
    if queued > 0 {
        out.push_str(&format!("{queued} notice(s) from an earlier change are still queued; the bot sends them at its next start.\n"));
    }
    out.push_str("nothing was sent (--dry-run); the bot sends the notices at its next start with this list.\n");
    Ok(out)
}

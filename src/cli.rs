//! The command-line front door: `kasip match` and `kasip list` (and `kasip report`), speaking the
//! same library as the bot.

use crate::catalog::Catalog;
use crate::lang::Lang;
use crate::matcher::{Matcher, Verdict};
use serde::Serialize;
use std::io::{BufRead, Write};

#[derive(Serialize)]
struct JsonCandidate<'a> {
    code: &'a str,
    name: &'a str,
    score: f32,
}

#[derive(Serialize)]
struct JsonVerdict<'a> {
    query: &'a str,
    verdict: &'static str,
    code: Option<&'a str>,
    candidates: Vec<JsonCandidate<'a>>,
}

/// One JSON line of the matcher contract (see README: `kasip match --json`).
pub fn verdict_json(catalog: &Catalog, query: &str, v: &Verdict, lang: Lang) -> String {
    let candidates = v
        .candidates
        .iter()
        .map(|c| JsonCandidate { code: c.code.as_str(), name: catalog.profession(&c.code).map_or("", |p| p.name.get(lang)), score: c.score })
        .collect();
    let j = JsonVerdict { query, verdict: v.kind.as_str(), code: v.code.as_ref().map(|c| c.as_str()), candidates };
    serde_json::to_string(&j).unwrap_or_else(|_| "{}".into())
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

/// How `kasip match` prints one answer: the JSON contract, or the bot's reply as text.
pub fn formatter(catalog: &Catalog, json: bool, lang: Lang) -> Formatter<'_> {
    if json {
        Box::new(move |q, v| verdict_json(catalog, q, v, lang))
    } else {
        Box::new(move |q, v| {
            let r = crate::reply::verdict(v, q, catalog, lang);
            let mut s = format!("> {}\n{}", crate::reply::quote(q), r.text);
            for row in &r.buttons {
                for b in row {
                    s.push_str(&format!("\n  [{}]", b.text));
                }
            }
            s.push('\n');
            s
        })
    }
}

/// Queries from a file (.csv: first column; otherwise one a line) or the arguments, one per line.
pub fn read_queries(file: Option<&std::path::Path>, args: &[String]) -> anyhow::Result<Vec<String>> {
    match file {
        None if !args.is_empty() => Ok(vec![args.join(" ")]),
        None => {
            let mut s = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut s)?;
            Ok(String::from_utf8_lossy(&s).lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect())
        }
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
            let is_csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            crate::bot::document_queries(&bytes, is_csv).ok_or_else(|| anyhow::anyhow!("{} is not UTF-8 text or CSV", path.display()))
        }
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
    name: &'a str,
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
            name: f.name.get(lang),
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

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
pub fn run_match(matcher: &Matcher, queries: &[String], out_fmt: &dyn Fn(&str, &Verdict) -> String, input: &mut dyn BufRead, out: &mut dyn Write) -> std::io::Result<()> {
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

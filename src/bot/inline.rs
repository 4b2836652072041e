//! Inline mode: `@bot нейрохирург` in any chat offers the best candidates as results.

use super::send::with_retry;
use super::App;
use crate::catalog::{Catalog, Profession};
use crate::lang::Lang;
use crate::matcher::{Verdict, VerdictKind};
use crate::reply;
use crate::store::service::Storage;
use crate::store::LogRow;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use teloxide::prelude::*;
use teloxide::types::{InlineQueryResult, InlineQueryResultArticle, InputMessageContent, InputMessageContentText};

/// Inline results offered at most.
const INLINE_RESULTS: usize = 10;

fn article(id: String, title: String, description: String, text: String) -> InlineQueryResult {
    InlineQueryResult::Article(InlineQueryResultArticle::new(id, title, InputMessageContent::Text(InputMessageContentText::new(text))).description(description))
}

/// Inline mode: the best candidates as results; choosing one posts the full answer.
pub fn inline_results(catalog: &Catalog, query: &str, verdict: Option<&Verdict>, lang: Lang) -> Vec<InlineQueryResult> {
    // Title: the profession in the user's language; description: code and verdict.
    let profession_article = |p: &Profession, kind: VerdictKind| {
        article(
            p.code.to_string(),
            p.name.get(lang).to_string(),
            format!("{} · {}", p.code, reply::verdict_word(kind, lang)),
            reply::profession(p, catalog, lang).text,
        )
    };
    let Some(v) = verdict else {
        // Nothing typed yet: one profession of each education field as a start.
        let mut seen = Vec::new();
        return catalog
            .by_field()
            .into_values()
            .filter_map(|(_, members)| members.into_iter().find(|p| !seen.contains(&p.code)).inspect(|p| seen.push(p.code.clone())))
            .map(|p| profession_article(p, VerdictKind::Listed))
            .take(INLINE_RESULTS)
            .collect();
    };
    let mut results = Vec::new();
    if v.kind == VerdictKind::NotListed {
        // Inline results carry no buttons: the near professions are listed in the text.
        let r = reply::verdict(v, query, catalog, lang);
        results.push(article(
            "not-listed".into(),
            reply::quote(query),
            reply::verdict_word(VerdictKind::NotListed, lang),
            reply::without_buttons(&r, catalog, lang),
        ));
    }
    for c in v.candidates.iter().take(INLINE_RESULTS - results.len()) {
        if let Some(p) = catalog.profession(&c.code) {
            // Every candidate is on the list; for an unsure query the description says it is one
            // possibility to check, for a not-listed one it is a near profession that is listed.
            let kind = if v.kind == VerdictKind::Unsure { VerdictKind::Unsure } else { VerdictKind::Listed };
            results.push(profession_article(p, kind));
        }
    }
    results
}

pub(super) async fn handle_inline(bot: &Bot, q: &InlineQuery, app: &App) -> ResponseResult<()> {
    let lang = app.lang_for(Some(&q.from), &q.query).await;
    let query: String = q.query.chars().take(crate::matcher::normalize::MAX_QUERY_CHARS).collect();
    let verdict = (!query.trim().is_empty()).then(|| app.matcher.match_query(&query));
    if let Some(v) = &verdict {
        // Not per keystroke: the query is logged once the user stops typing or picks a result.
        app.inline_log.typed(q.from.id.0, app.log_row(lang, v, &query), Instant::now());
    }
    let results = inline_results(&app.catalog, &query, verdict.as_ref(), lang);
    with_retry("answerInlineQuery", || {
        // Personal: the results are in this user's language (and cached for this user only).
        let req = bot.answer_inline_query(q.id.clone(), results.clone()).cache_time(60).is_personal(true);
        async move { req.await }
    })
    .await?;
    Ok(())
}

/// Inline queries arrive per keystroke (`н`, `не`, `ней`…). Each user's latest is held here and
/// logged once: when a result is chosen (`chosen_inline_result`, if inline feedback is on) or when
/// no newer query came for [`SETTLE`].
#[derive(Default)]
pub(super) struct InlineLog {
    latest: Mutex<HashMap<u64, (Instant, LogRow)>>,
}

/// How long a user must stop typing before their inline query counts as final.
pub(super) const SETTLE: Duration = Duration::from_secs(3);

impl InlineLog {
    pub fn typed(&self, user: u64, row: LogRow, now: Instant) {
        let mut m = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() > 100_000 {
            m.clear();
        }
        m.insert(user, (now, row));
    }

    /// A result was chosen: the query that produced it is final.
    pub fn chosen(&self, user: u64, query: &str, storage: &Storage) {
        let row = self.latest.lock().unwrap_or_else(|e| e.into_inner()).remove(&user);
        if let Some((_, row)) = row {
            if row.query == query.chars().take(crate::matcher::normalize::MAX_QUERY_CHARS).collect::<String>() {
                storage.log(row);
            }
        }
    }

    /// Logs the queries nobody typed after for [`SETTLE`] (all of them with `now` = `None`, at
    /// shutdown). Returns how many.
    pub fn settle(&self, now: Option<Instant>, storage: &Storage) -> usize {
        let done: Vec<LogRow> = {
            let mut m = self.latest.lock().unwrap_or_else(|e| e.into_inner());
            let keys: Vec<u64> = m.iter().filter(|(_, (t, _))| now.is_none_or(|n| n.duration_since(*t) >= SETTLE)).map(|(k, _)| *k).collect();
            keys.into_iter().filter_map(|k| m.remove(&k)).map(|(_, r)| r).collect()
        };
        let n = done.len();
        for r in done {
            storage.log(r);
        }
        n
    }

    #[cfg(test)]
    fn held(&self) -> Vec<String> {
        self.latest.lock().unwrap().values().map(|(_, r)| r.query.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    fn row(q: &str) -> LogRow {
        LogRow { at: 0, lang: Lang::Ru, verdict: "listed", code: None, query: q.into() }
    }

    #[test]
    fn keystrokes_are_held_and_only_the_last_query_settles() {
        let log = InlineLog::default();
        let t = Instant::now();
        for (i, q) in ["н", "не", "ней", "нейрохирург"].iter().enumerate() {
            log.typed(7, row(q), t + Duration::from_millis(200 * i as u64));
        }
        assert_eq!(log.held(), ["нейрохирург"]);
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(&dir.path().join("k.db")).unwrap();
        assert_eq!(log.settle(Some(t + Duration::from_secs(1)), &storage), 0, "still typing");
        assert_eq!(log.settle(Some(t + Duration::from_secs(5)), &storage), 1);
        assert!(log.held().is_empty());
        log.typed(8, row("врач"), t);
        log.chosen(8, "врач", &storage);
        assert!(log.held().is_empty());
    }
}

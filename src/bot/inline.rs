//! Inline mode: `@bot нейрохирург` in any chat offers the best candidates as results.

use super::send::with_retry;
use super::App;
use crate::catalog::{Catalog, Profession};
use crate::lang::Lang;
use crate::matcher::{Verdict, VerdictKind};
use crate::reply;
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
        let r = reply::verdict(v, query, catalog, lang);
        results.push(article("not-listed".into(), reply::quote(query), reply::verdict_word(VerdictKind::NotListed, lang), r.text));
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
    let lang = app.lang_for(Some(&q.from), &q.query);
    let query: String = q.query.chars().take(crate::matcher::normalize::MAX_QUERY_CHARS).collect();
    let verdict = (!query.trim().is_empty()).then(|| app.matcher.match_query(&query));
    if let Some(v) = &verdict {
        app.log(lang, v, &query);
    }
    let results = inline_results(&app.catalog, &query, verdict.as_ref(), lang);
    with_retry("answerInlineQuery", || {
        let req = bot.answer_inline_query(q.id.clone(), results.clone()).cache_time(60);
        async move { req.await }
    })
    .await?;
    Ok(())
}

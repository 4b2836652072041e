//! Documents: a .txt or .csv list of occupations in, a .csv of answers back.

use super::send::with_retry;
use super::App;
use crate::catalog::{Catalog, Profession};
use crate::i18n::t;
use crate::lang::Lang;
use crate::matcher::{Verdict, VerdictKind};
use crate::reply::Reply;
use std::future::IntoFuture;
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{Document, InputFile};
use tracing::warn;

/// Reads the queries of a .txt or .csv document (one a line; for CSV, the first column).
pub fn document_queries(bytes: &[u8], is_csv: bool) -> Option<Vec<String>> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).ok()?;
    if is_csv {
        let mut rd = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        let mut out = Vec::new();
        for rec in rd.records() {
            let rec = rec.ok()?;
            if let Some(first) = rec.get(0).map(str::trim).filter(|s| !s.is_empty()) {
                out.push(first.to_string());
            }
        }
        Some(out)
    } else {
        Some(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect())
    }
}

/// The answers as CSV: query, verdict, code, name, field.
pub fn results_csv(catalog: &Catalog, answers: &[(String, Verdict)], lang: Lang) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["query", "verdict", "code", "name", "field"]);
    for (q, v) in answers {
        let best: Option<&Profession> =
            v.code.as_ref().or(v.candidates.first().map(|c| &c.code)).and_then(|c| catalog.profession(c)).filter(|_| v.kind != VerdictKind::NotListed);
        let code = best.map_or(String::new(), |p| p.code.to_string());
        let name = best.map_or(String::new(), |p| p.name.get(lang).to_string());
        let field = best.map_or(String::new(), |p| catalog.field_names(p, lang));
        let _ = w.write_record([q.as_str(), v.kind.as_str(), &code, &name, &field]);
    }
    w.into_inner().unwrap_or_default()
}

pub(super) async fn handle_document(bot: &Bot, msg: &Message, app: &App, doc: &Document, lang: Lang) -> ResponseResult<()> {
    let name = doc.file_name.clone().unwrap_or_default().to_lowercase();
    let is_csv = name.ends_with(".csv") || doc.mime_type.as_ref().is_some_and(|m| m.subtype() == "csv");
    let is_text = is_csv || name.ends_with(".txt") || doc.mime_type.as_ref().is_some_and(|m| m.type_() == "text");
    let plain = |id: &str, args: &[(&str, crate::i18n::Arg)]| Reply { text: t(lang, id, args), buttons: vec![] };
    if !is_text {
        return app.send(bot, msg, &plain("file-bad", &[])).await;
    }
    let max_kb = app.config.file_max_kb;
    if doc.file.size > max_kb.saturating_mul(1024) {
        return app.send(bot, msg, &plain("file-too-big", &[("max", (max_kb as usize).into())])).await;
    }
    let file = with_retry("getFile", || bot.get_file(doc.file.id.clone()).into_future()).await?;
    let mut bytes = Vec::new();
    if let Err(e) = bot.download_file(&file.path, &mut bytes).await {
        warn!(error = %e, "document download failed");
        return app.send(bot, msg, &plain("error", &[])).await;
    }
    let Some(mut queries) = document_queries(&bytes, is_csv) else {
        return app.send(bot, msg, &plain("file-bad", &[])).await;
    };
    // A file is a consultant's list; it is bounded like everything else (10× a message).
    queries.truncate(app.config.batch_max * 10);
    let answers: Vec<(String, Verdict)> = queries
        .into_iter()
        .map(|q| {
            let v = app.matcher.match_query(&q);
            (q, v)
        })
        .collect();
    for (q, v) in &answers {
        app.log(lang, v, q);
    }
    let csv = results_csv(&app.catalog, &answers, lang);
    let caption = t(lang, "file-done", &[("count", answers.len().into())]);
    with_retry("sendDocument", || {
        let mut req = bot.send_document(msg.chat.id, InputFile::memory(csv.clone()).file_name("kasip.csv")).caption(caption.clone());
        if let Some(t) = super::send::topic(msg) {
            req = req.message_thread_id(t);
        }
        async move { req.await }
    })
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_parse_txt_and_csv() {
        assert_eq!(document_queries(b"\xEF\xBB\xBFa\n\nb\r\n", false).unwrap(), ["a", "b"]);
        assert_eq!(document_queries(b"\"x, y\",1\nz\n", true).unwrap(), ["x, y", "z"]);
        assert!(document_queries(&[0xff, 0xfe, 0x00], false).is_none());
    }
}

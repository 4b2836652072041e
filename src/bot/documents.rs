//! Documents: a .txt, .csv or .xlsx list of occupations in, the answer file back (formats.rs: the
//! CSV/XLSX contract shared with the CLI and the web API).

use super::send::with_retry;
use super::App;
use crate::formats;
use crate::i18n::t;
use crate::lang::Lang;
use crate::matcher::Verdict;
use crate::reply::Reply;
use std::future::IntoFuture;
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{Document, InputFile};
use tracing::warn;

pub(super) async fn handle_document(bot: &Bot, msg: &Message, app: &App, doc: &Document, lang: Lang) -> ResponseResult<()> {
    let name = doc.file_name.clone().unwrap_or_default();
    let plain = |id: &str, args: &[(&str, crate::i18n::Arg)]| Reply { text: t(lang, id, args), buttons: vec![] };
    let Some(kind) = formats::Kind::detect(&name, doc.mime_type.as_ref().map(|m| m.essence_str())) else {
        return app.send(bot, msg, &plain("file-bad", &[])).await;
    };
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
    let Ok(mut table) = formats::read(&bytes, kind, usize::MAX) else {
        return app.send(bot, msg, &plain("file-bad", &[])).await;
    };
    // A file is a consultant's list; it is bounded like everything else (10× a message).
    table.rows.truncate(app.config.batch_max * 10);
    let verdicts: Vec<Verdict> = table.queries().map(|q| app.matcher.match_query(q)).collect();
    for (q, v) in table.queries().zip(&verdicts) {
        app.log(lang, v, q);
    }
    let answer = match formats::write(&table, &verdicts, &app.catalog, lang, kind) {
        Ok(b) if kind.answer() == formats::Kind::Csv => formats::with_bom(b),
        Ok(b) => b,
        Err(e) => {
            warn!(error = %e, "answer file not written");
            return app.send(bot, msg, &plain("error", &[])).await;
        }
    };
    let file_name = format!("kasip.{}", kind.answer().extension());
    let caption = t(lang, "file-done", &[("count", verdicts.len().into())]);
    with_retry("sendDocument", || {
        let mut req = bot.send_document(msg.chat.id, InputFile::memory(answer.clone()).file_name(file_name.clone())).caption(caption.clone());
        if let Some(t) = super::send::topic(msg) {
            req = req.message_thread_id(t);
        }
        async move { req.await }
    })
    .await?;
    Ok(())
}

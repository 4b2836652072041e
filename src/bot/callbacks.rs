//! Button presses: a candidate turns the question into the answer; a language choice is saved;
//! the list pages.

use super::send::{keyboard, with_retry, MESSAGE_CHARS};
use super::App;
use crate::i18n::t;
use crate::reply::{self, Callback, Reply};
use teloxide::prelude::*;
use teloxide::types::MaybeInaccessibleMessage;
use teloxide::{ApiError, RequestError};

pub(super) async fn handle_callback(bot: &Bot, q: &CallbackQuery, app: &App) -> ResponseResult<()> {
    let mut lang = app.lang_for(Some(&q.from), "").await;
    let cb = q.data.as_deref().and_then(|d| Callback::decode(d, &app.catalog));
    let reply = match &cb {
        None => None,
        Some(Callback::Profession(code)) => app.catalog.profession(code).map(|p| reply::profession(p, &app.catalog, lang)),
        Some(Callback::Lang(l)) => {
            lang = *l;
            app.storage.set_lang(q.from.id.0 as i64, *l);
            Some(Reply { text: t(lang, "lang-set", &[]), buttons: vec![] })
        }
        Some(Callback::ListFields) => Some(reply::list_fields(&app.catalog, lang)),
        Some(Callback::ListField { field, page }) => Some(reply::list_field(&app.catalog, lang, *field, *page)),
    };
    let notice = reply.is_none().then(|| t(lang, "stale", &[]));
    with_retry("answerCallbackQuery", || {
        let mut req = bot.answer_callback_query(q.id.clone());
        if let Some(n) = &notice {
            req = req.text(n.clone());
        }
        async move { req.await }
    })
    .await?;
    let (Some(reply), Some(MaybeInaccessibleMessage::Regular(m))) = (reply, q.message.as_ref()) else {
        return Ok(());
    };
    let kb = keyboard(&reply);
    let text: String = reply.text.chars().take(MESSAGE_CHARS).collect();
    let edited = with_retry("editMessageText", || {
        let mut req = bot.edit_message_text(m.chat.id, m.id, text.clone());
        if let Some(kb) = &kb {
            req = req.reply_markup(kb.clone());
        }
        async move { req.await }
    })
    .await;
    match edited {
        // Pressing the same button twice: Telegram refuses an edit that changes nothing.
        Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
        other => other.map(|_| ()),
    }
}

//! Button presses. An answer is never overwritten: a profession offered under it (near
//! professions under ❌, other fitting codes under ✅) comes in a new message. A question is
//! answered in place (an unsure question's candidate, "no, something else"), and so is browsing:
//! the list pages, a profession picked there (with a button back), a language choice.

use super::send::{keyboard, send_text, with_retry, MESSAGE_CHARS};
use super::App;
use crate::i18n::t;
use crate::reply::{self, Callback, Reply};
use teloxide::prelude::*;
use teloxide::types::MaybeInaccessibleMessage;
use teloxide::{ApiError, RequestError};

/// Where a press is answered.
enum Show {
    /// The message with the button becomes this.
    InPlace(Reply),
    /// A new message below it; the one with the button stays.
    New(Reply),
}

pub(super) async fn handle_callback(bot: &Bot, q: &CallbackQuery, app: &App) -> ResponseResult<()> {
    let mut lang = app.lang_for(Some(&q.from), "").await;
    let cb = q.data.as_deref().and_then(|d| Callback::decode(d, &app.catalog));
    let catalog = &app.catalog;
    if let Some(press @ (Callback::Subscribe(_) | Callback::SubscribeQuery(_) | Callback::SubscribeToken(_) | Callback::Unsubscribe(_))) = &cb {
        return super::subscriptions::handle_press(bot, q, app, press, lang).await;
    }
    // A profession shown as an answer carries the 🔔 button that follows it.
    let answered = |p: &crate::catalog::Profession| {
        let mut r = reply::profession(p, catalog, lang);
        r.buttons.push(vec![reply::bell(Callback::Subscribe(p.code.clone()), lang)]);
        r
    };
    let show = match &cb {
        None => None,
        Some(Callback::Profession(code)) => catalog.profession(code).map(|p| Show::New(answered(p))),
        Some(Callback::Answer(code)) => catalog.profession(code).map(|p| Show::InPlace(answered(p))),
        Some(Callback::ListProfession { code, field, page }) => {
            catalog.profession(code).map(|p| Show::InPlace(reply::list_profession(p, catalog, lang, *field, *page)))
        }
        Some(Callback::Rephrase) => Some(Show::InPlace(reply::rephrase(lang))),
        Some(Callback::Lang(l)) => {
            lang = *l;
            app.storage.set_lang(q.from.id.0 as i64, *l);
            Some(Show::InPlace(Reply { text: t(lang, "lang-set", &[]), buttons: vec![] }))
        }
        Some(Callback::ListFields) => Some(Show::InPlace(reply::list_fields(catalog, lang))),
        Some(Callback::ListField { field, page }) => Some(Show::InPlace(reply::list_field(catalog, lang, *field, *page))),
        Some(Callback::Subscribe(_) | Callback::SubscribeQuery(_) | Callback::SubscribeToken(_) | Callback::Unsubscribe(_)) => None,
    };
    let notice = show.is_none().then(|| t(lang, "stale", &[]));
    with_retry("answerCallbackQuery", || {
        let mut req = bot.answer_callback_query(q.id.clone());
        if let Some(n) = &notice {
            req = req.text(n.clone());
        }
        async move { req.await }
    })
    .await?;
    match (show, q.message.as_ref()) {
        (Some(Show::New(reply)), Some(MaybeInaccessibleMessage::Regular(m))) => app.send(bot, m, &reply).await,
        (Some(Show::New(reply)), Some(MaybeInaccessibleMessage::Inaccessible(m))) => {
            let text: String = reply.text.chars().take(MESSAGE_CHARS).collect();
            send_text(bot, m.chat.id, None, None, text, keyboard(&reply)).await.map(|_| ())
        }
        (Some(Show::InPlace(reply)), Some(MaybeInaccessibleMessage::Regular(m))) => edit(bot, m, &reply).await,
        _ => Ok(()),
    }
}

async fn edit(bot: &Bot, m: &Message, reply: &Reply) -> ResponseResult<()> {
    let kb = keyboard(reply);
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

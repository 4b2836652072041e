//! 🔔 "Tell me if this changes": the button under an answer, what a press stores, `/subscriptions`
//! with a button to remove each. Nothing is stored without a press: a query too long to ride in the
//! button waits in memory only ([`HeldQueries`]), and is stored when the button is pressed.

use super::send::with_retry;
use super::App;
use crate::amend::{Answer, Target};
use crate::i18n::t;
use crate::lang::Lang;
use crate::matcher::{Reason, Verdict, VerdictKind};
use crate::reply::{self, Callback, Reply};
use crate::store::subs::{NewSubscription, Subscribed};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::types::MaybeInaccessibleMessage;
use teloxide::{ApiError, RequestError};
use tracing::warn;

/// Subscriptions one chat may keep (a consultant following fifty clients' answers fits).
pub const MAX_PER_CHAT: usize = 200;
/// Longer queries held in memory for their 🔔 button (the oldest forgotten first).
const HELD_QUERIES: usize = 10_000;
/// Longest query text a subscription keeps.
const QUERY_CHARS: usize = 200;

/// Queries too long for a button's data, by number, in memory only.
#[derive(Default)]
pub struct HeldQueries {
    inner: Mutex<(u32, HashMap<u32, String>, VecDeque<u32>)>,
}

impl HeldQueries {
    fn hold(&self, q: String) -> u32 {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (next, map, order) = &mut *g;
        *next = next.wrapping_add(1);
        let n = *next;
        map.insert(n, q);
        order.push_back(n);
        while order.len() > HELD_QUERIES {
            if let Some(old) = order.pop_front() {
                map.remove(&old);
            }
        }
        n
    }

    fn get(&self, n: u32) -> Option<String> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).1.get(&n).cloned()
    }
}

/// A query's text as a subscription keeps it: one line, bounded.
fn query_text(q: &str) -> String {
    let one: String = q.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    one.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(QUERY_CHARS).collect()
}

impl App {
    /// The 🔔 button for a verdict: a listed answer follows its code, a not-listed one the query's
    /// text (a word Kasip does not know yet included: an amendment may add it). A question
    /// (unsure), a request for a specialist, a wish to become one and a past job get none.
    pub(super) fn bell_for(&self, v: &Verdict, query: &str, lang: Lang) -> Option<reply::Button> {
        let cb = match v.kind {
            VerdictKind::Listed => Callback::Subscribe(v.code.clone()?),
            VerdictKind::NotListed if !matches!(v.reason, Reason::Request | Reason::Aspiration | Reason::Former) => {
                let q = query_text(query);
                if q.is_empty() {
                    return None;
                }
                if q.len() <= reply::QUERY_IN_BUTTON_BYTES {
                    Callback::SubscribeQuery(q)
                } else {
                    Callback::SubscribeToken(self.held_queries.hold(q))
                }
            }
            _ => return None,
        };
        Some(reply::bell(cb, lang))
    }

    /// A reply with the 🔔 button for `v` as its last row (private chats and groups alike).
    pub(super) fn with_bell(&self, mut r: Reply, v: &Verdict, query: &str, lang: Lang) -> Reply {
        if let Some(b) = self.bell_for(v, query, lang) {
            r.buttons.push(vec![b]);
        }
        r
    }
}

/// The chat a button press came from.
fn chat_of(q: &CallbackQuery) -> i64 {
    q.message.as_ref().map_or(q.from.id.0 as i64, |m| m.chat().id.0)
}

async fn answer(bot: &Bot, q: &CallbackQuery, text: String, alert: bool) -> ResponseResult<()> {
    with_retry("answerCallbackQuery", || {
        let req = bot.answer_callback_query(q.id.clone()).text(text.clone()).show_alert(alert);
        async move { req.await }
    })
    .await
    .map(|_| ())
}

/// A press of 🔔 or ✖ (the caller has decoded it).
pub(super) async fn handle_press(bot: &Bot, q: &CallbackQuery, app: &App, cb: &Callback, lang: Lang) -> ResponseResult<()> {
    let chat = chat_of(q);
    let target = match cb {
        Callback::Subscribe(code) => Target::Code(code.clone()),
        Callback::SubscribeQuery(text) => Target::Query(text.clone()),
        Callback::SubscribeToken(n) => match app.held_queries.get(*n) {
            Some(text) => Target::Query(text),
            // Held in memory by an earlier run: the text is gone.
            None => return answer(bot, q, t(lang, "stale", &[]), false).await,
        },
        Callback::Unsubscribe(id) => return unsubscribe(bot, q, app, chat, *id, lang).await,
        _ => return Ok(()),
    };
    let (answer_now, _) = Answer::of(&target, &app.catalog, &app.matcher);
    let sub = NewSubscription { chat, target: target.clone(), lang, answer: answer_now };
    let outcome = match tokio::time::timeout(Duration::from_secs(3), app.storage.subscribe(sub, MAX_PER_CHAT)).await {
        Ok(Ok(Ok(o))) => o,
        Ok(Ok(Err(e))) => {
            warn!(error = %e, "could not store a subscription");
            return answer(bot, q, t(lang, "error", &[]), false).await;
        }
        // Queued behind a busy database: it is stored as soon as the database is free.
        _ => Subscribed::New,
    };
    answer(bot, q, reply::subscribed(&target, outcome, MAX_PER_CHAT, lang), true).await
}

async fn unsubscribe(bot: &Bot, q: &CallbackQuery, app: &App, chat: i64, id: i64, lang: Lang) -> ResponseResult<()> {
    // A busy database removes it as soon as it is free (the request is queued).
    if let Ok(Ok(Err(e))) = tokio::time::timeout(Duration::from_secs(3), app.storage.unsubscribe(chat, id)).await {
        warn!(error = %e, "could not remove a subscription");
        return answer(bot, q, t(lang, "error", &[]), false).await;
    }
    answer(bot, q, t(lang, "unsubscribed", &[]), false).await?;
    // The list under the press is shown again without it.
    if let Some(MaybeInaccessibleMessage::Regular(m)) = q.message.as_ref() {
        let r = list(app, chat, lang).await;
        let kb = super::send::keyboard(&r);
        let edited = with_retry("editMessageText", || {
            let mut req = bot.edit_message_text(m.chat.id, m.id, r.text.clone());
            if let Some(kb) = &kb {
                req = req.reply_markup(kb.clone());
            }
            async move { req.await }
        })
        .await;
        match edited {
            Err(RequestError::Api(ApiError::MessageNotModified)) | Ok(_) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// `/subscriptions`: what this chat follows.
pub(super) async fn list(app: &App, chat: i64, lang: Lang) -> Reply {
    match app.storage.subscriptions_of(chat).await {
        Ok(subs) => reply::subscriptions(&subs, &app.catalog, lang),
        Err(e) => {
            warn!(error = %e, "could not read subscriptions");
            Reply { text: t(lang, "error", &[]), buttons: vec![] }
        }
    }
}

//! Sending replies: every Bot API call goes through [`with_retry`] (429 waits `retry_after`, 5xx and
//! network errors back off and retry); long texts are split at line ends into messages Telegram
//! accepts.

use super::App;
use crate::reply::Reply;
use std::future::Future;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::types::{ChatId, InlineKeyboardButton, InlineKeyboardMarkup, MessageId, ReplyParameters, ThreadId};
use teloxide::{ApiError, RequestError};
use tracing::warn;

/// Attempts for one Bot API call before giving up on it.
pub const MAX_ATTEMPTS: u32 = 6;
/// First back-off after a transient failure; doubles each time.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// Telegram refuses messages longer than this (in characters).
pub(super) const MESSAGE_CHARS: usize = 4000;

/// Whether a failed call may succeed if repeated: network trouble and server-side errors.
pub(super) fn transient(e: &RequestError) -> bool {
    match e {
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => true,
        RequestError::Api(ApiError::Unknown(d)) => {
            let d = d.to_ascii_lowercase();
            ["internal server error", "bad gateway", "service unavailable", "gateway timeout", "timeout"].iter().any(|s| d.contains(s))
        }
        _ => false,
    }
}

/// Runs a Bot API call, retrying what can be retried: a 429 waits the `retry_after` Telegram
/// gives, transient errors back off exponentially, up to [`MAX_ATTEMPTS`].
pub async fn with_retry<T, F, Fut>(what: &str, mut call: F) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 1;
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(RequestError::RetryAfter(s)) if attempt < MAX_ATTEMPTS => {
                warn!(what, attempt, wait_s = s.seconds(), "rate limited by the Bot API; waiting retry_after");
                tokio::time::sleep(s.duration()).await;
            }
            Err(e) if transient(&e) && attempt < MAX_ATTEMPTS => {
                warn!(what, attempt, error = %e, "Bot API call failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
            Err(e) => return Err(e),
        }
        attempt += 1;
    }
}

/// A button whose data is this prefix and a URL opens the Mini App (KASIP_WEBAPP_URL).
pub(super) const WEBAPP_BUTTON: &str = "webapp:";

pub(super) fn keyboard(r: &Reply) -> Option<InlineKeyboardMarkup> {
    let button = |b: &crate::reply::Button| match b.data.strip_prefix(WEBAPP_BUTTON).and_then(|u| url::Url::parse(u).ok()) {
        Some(url) => InlineKeyboardButton::web_app(b.text.clone(), teloxide::types::WebAppInfo { url }),
        None => InlineKeyboardButton::callback(b.text.clone(), b.data.clone()),
    };
    (!r.buttons.is_empty()).then(|| InlineKeyboardMarkup::new(r.buttons.iter().map(|row| row.iter().map(button).collect::<Vec<_>>())))
}

/// Splits a long text at line ends into messages Telegram accepts.
pub(super) fn chunks(text: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for line in text.lines() {
        let line: String = line.chars().take(MESSAGE_CHARS).collect();
        let cur = out.last_mut().expect("never empty");
        if cur.chars().count() + line.chars().count() + 1 > MESSAGE_CHARS && !cur.is_empty() {
            out.push(String::new());
        }
        let cur = out.last_mut().expect("never empty");
        if !cur.is_empty() {
            cur.push('\n');
        }
        cur.push_str(&line);
    }
    out
}

impl App {
    pub(super) async fn send(&self, bot: &Bot, msg: &Message, r: &Reply) -> Result<(), RequestError> {
        let chat = msg.chat.id;
        // In groups the answer is threaded under the question; in a forum topic it goes to the topic.
        let reply_to = (!msg.chat.is_private()).then_some(msg.id);
        let thread = topic(msg);
        let parts = chunks(&r.text);
        let last = parts.len() - 1;
        for (i, part) in parts.into_iter().enumerate() {
            let kb = if i == last { keyboard(r) } else { None };
            send_text(bot, chat, reply_to, thread, part, kb).await?;
        }
        Ok(())
    }
}

/// The forum topic a message was posted in (replies must name it, or they land in General).
pub(super) fn topic(msg: &Message) -> Option<ThreadId> {
    msg.thread_id.filter(|_| msg.is_topic_message)
}

pub(super) async fn send_text(
    bot: &Bot,
    chat: ChatId,
    reply_to: Option<MessageId>,
    thread: Option<ThreadId>,
    text: String,
    kb: Option<InlineKeyboardMarkup>,
) -> Result<Message, RequestError> {
    with_retry("sendMessage", || {
        let mut req = bot.send_message(chat, text.clone());
        if let Some(t) = thread {
            req = req.message_thread_id(t);
        }
        if let Some(kb) = &kb {
            req = req.reply_markup(kb.clone());
        }
        if let Some(id) = reply_to {
            req = req.reply_parameters(ReplyParameters::new(id).allow_sending_without_reply());
        }
        async move { req.await }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;

    #[test]
    fn long_texts_are_split_at_lines() {
        let text = (0..500).map(|i| format!("line {i} {}", "x".repeat(20))).collect::<Vec<_>>().join("\n");
        let parts = chunks(&text);
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|p| p.chars().count() <= MESSAGE_CHARS));
        assert_eq!(parts.join("\n"), text);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_waits_out_429_and_transient_errors() {
        let calls = std::sync::atomic::AtomicU32::new(0);
        let r: Result<u32, RequestError> = with_retry("test", || {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                match n {
                    0 => Err(RequestError::RetryAfter(teloxide::types::Seconds::from_seconds(3))),
                    1 => Err(RequestError::Api(ApiError::Unknown("Internal Server Error".into()))),
                    _ => Ok(n),
                }
            }
        })
        .await;
        assert_eq!(r.unwrap(), 2);
        let permanent: Result<(), RequestError> = with_retry("test", || async { Err(RequestError::Api(ApiError::BotBlocked)) }).await;
        assert!(permanent.is_err());
    }
}

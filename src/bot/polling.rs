//! Long polling, by hand rather than through teloxide's listener, because the order matters: fetch
//! a batch, write it to the inbox, and only then confirm it with the next getUpdates offset. While
//! the database is locked, updates are answered from memory and polled again with the old offset
//! (Telegram keeps them) until they are written.
//!
//! After an empty answer everything fetched is confirmed, so the next request goes without an
//! offset: update ids that start again lower (Telegram does this after a week without updates) are
//! then still received.

use super::dispatch::Pipeline;
use super::inbox::Incoming;
use crate::config::Token;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, watch};
use tracing::{info, warn};

/// Long-poll wait asked of Telegram.
const POLL_SECS: u64 = 25;
/// Updates queued for answering beyond which fetching pauses (they wait at Telegram instead).
const MAX_ACTIVE: usize = 20_000;
/// Update kinds the bot asks for; others are never sent to it.
pub const ALLOWED_UPDATES: [&str; 5] = ["message", "edited_message", "callback_query", "inline_query", "chosen_inline_result"];

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error("another process is fetching updates for this bot token (409 from getUpdates: {0}); only one instance may run per token — stop the other one")]
    Conflict(String),
    #[error("rate limited; retry after {0} s")]
    RetryAfter(u64),
    #[error("{0}")]
    Other(String),
}

async fn get_updates(client: &reqwest::Client, url: &url::Url, offset: Option<i64>, timeout: u64) -> Result<Vec<Value>, PollError> {
    let mut body = json!({"timeout": timeout, "limit": 100, "allowed_updates": ALLOWED_UPDATES});
    if let Some(o) = offset {
        body["offset"] = json!(o);
    }
    // Errors never carry the URL: it holds the token.
    let resp = client
        .post(url.clone())
        .json(&body)
        .timeout(Duration::from_secs(timeout + 15))
        .send()
        .await
        .map_err(|e| PollError::Other(format!("getUpdates request failed: {}", e.without_url())))?;
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(|e| PollError::Other(format!("getUpdates answer cut short: {}", e.without_url())))?;
    let v: Value =
        serde_json::from_slice(&bytes).map_err(|_| PollError::Other(format!("getUpdates answered HTTP {status} without JSON ({} bytes)", bytes.len())))?;
    if v["ok"].as_bool() == Some(true) {
        return match result_list(v) {
            Some(list) => Ok(list),
            None => Err(PollError::Other("getUpdates answered ok without a list".into())),
        };
    }
    let desc: String = v["description"].as_str().unwrap_or("").chars().take(200).collect();
    match v["error_code"].as_i64() {
        Some(409) => Err(PollError::Conflict(desc)),
        Some(429) => Err(PollError::RetryAfter(v["parameters"]["retry_after"].as_u64().unwrap_or(5))),
        code => Err(PollError::Other(format!("getUpdates failed: {} {desc}", code.unwrap_or(status.as_u16() as i64)))),
    }
}

/// The `result` list of a successful answer.
fn result_list(mut v: Value) -> Option<Vec<Value>> {
    match v.get_mut("result").map(Value::take) {
        Some(Value::Array(a)) => Some(a),
        _ => None,
    }
}

/// Fetches until `stop` is set. Returns an error only for a 409 (another instance).
pub(super) async fn run(p: Arc<Pipeline>, client: reqwest::Client, api: url::Url, token: &Token, mut stop: watch::Receiver<bool>) -> Result<(), PollError> {
    let url = api.join(&format!("/bot{}/getUpdates", token.expose())).map_err(|_| PollError::Other("the Bot API URL is not usable".into()))?;
    let mut offset: Option<i64> = None;
    // Batches fetched but not yet written: (highest id, written).
    let mut unwritten: VecDeque<(i64, oneshot::Receiver<()>)> = VecDeque::new();
    let mut backoff = Duration::from_secs(1);
    info!("long polling");
    loop {
        while let Some((max, rx)) = unwritten.front_mut() {
            match rx.try_recv() {
                Ok(()) | Err(oneshot::error::TryRecvError::Closed) => {
                    offset = Some(*max + 1);
                    unwritten.pop_front();
                }
                Err(oneshot::error::TryRecvError::Empty) => break,
            }
        }
        if *stop.borrow() {
            return Ok(());
        }
        if p.active() > MAX_ACTIVE {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        // While a batch waits for the database, poll without waiting: new updates are still
        // answered, the unwritten ones come back and are recognised.
        let wait = if unwritten.is_empty() { POLL_SECS } else { 0 };
        let got = tokio::select! {
            r = get_updates(&client, &url, offset, wait) => r,
            _ = stop.changed() => return Ok(()),
        };
        match got {
            Ok(list) => {
                backoff = Duration::from_secs(1);
                if list.is_empty() {
                    if unwritten.is_empty() {
                        offset = None;
                    }
                    if wait == 0 {
                        pause(&mut unwritten, &mut stop).await;
                    }
                    continue;
                }
                let max = list.iter().filter_map(|u| u["update_id"].as_i64()).max();
                let batch: Vec<Incoming> = list.iter().filter_map(Incoming::from_value).collect();
                let accepted = p.accept(batch).await;
                if let Some(max) = max {
                    unwritten.push_back((max, accepted.persisted));
                }
                if accepted.fresh == 0 {
                    pause(&mut unwritten, &mut stop).await;
                }
            }
            Err(PollError::Conflict(d)) => return Err(PollError::Conflict(d)),
            Err(PollError::RetryAfter(s)) => {
                warn!(wait_s = s, "getUpdates rate limited; waiting");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(s)) => {}
                    _ = stop.changed() => {}
                }
            }
            Err(e) => {
                warn!(error = %e, retry_s = backoff.as_secs(), "fetching updates failed; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        }
    }
}

/// Nothing new came: wait a little (or until the oldest batch is written) before polling again.
async fn pause(unwritten: &mut VecDeque<(i64, oneshot::Receiver<()>)>, stop: &mut watch::Receiver<bool>) {
    let sleep = tokio::time::sleep(Duration::from_millis(200));
    match unwritten.front_mut() {
        Some((_, rx)) => {
            tokio::select! {
                _ = sleep => {}
                _ = rx => {}
                _ = stop.changed() => {}
            }
        }
        None => {
            tokio::select! {
                _ = sleep => {}
                _ = stop.changed() => {}
            }
        }
    }
}

//! Notices after an amendment. At start, a list whose hash differs from the one the bot last served
//! (kept in the database) has every subscription re-evaluated ([`crate::amend::plan`]); the notices
//! (one per chat whose answers changed, in its language), the subscriptions' new answers and the new
//! list's hash are written in one transaction. Then the outbox is sent, paced: at most
//! `KASIP_NOTICE_RATE` messages a second overall (Telegram's bulk limit is about 30) and one a
//! second per chat, in a task of its own, so replies to other users never wait behind it.
//!
//! Each notice leaves the outbox when Telegram accepted it; a restart or a `kill -9` in the middle
//! sends the rest and nothing twice (but a notice in flight at the instant of the crash). A chat
//! that blocked the bot (403) loses its subscriptions; a 429 pauses the whole broadcast for its
//! `retry_after`; network trouble and 5xx are tried again in later rounds, then left queued for the
//! next start.

use super::send::{chunks, transient, MAX_ATTEMPTS};
use super::App;
use crate::amend::{self, Snapshot};
use crate::reply;
use crate::store::subs::ListChange;
use crate::store::StoreError;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::types::ChatId;
use teloxide::{ApiError, RequestError};
use tokio::sync::{watch, Semaphore};
use tokio::time::Instant;
use tracing::{debug, info, warn};

/// Notices being sent at once (the pace, not this, bounds the rate).
const IN_FLIGHT: u32 = 16;
/// Outbox rows read at a time.
const PAGE: usize = 500;
/// Rounds over notices that failed for a transient reason before they are left for the next start.
const ROUNDS: u32 = 8;
/// One message a second per chat, as Telegram asks.
const PER_CHAT: Duration = Duration::from_secs(1);

/// Whether the chat is gone for the bot: blocked, deactivated, kicked, deleted.
fn gone(e: &RequestError) -> bool {
    match e {
        RequestError::Api(
            ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::ChatNotFound
            | ApiError::GroupDeactivated
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::BotKickedFromChannel
            | ApiError::CantInitiateConversation,
        ) => true,
        RequestError::Api(ApiError::Unknown(d)) => d.to_ascii_lowercase().starts_with("forbidden"),
        _ => false,
    }
}

/// Compares the list with the one last served and, when it differs, queues the notices. Returns
/// the notices queued (`None`: the list is the one last served).
pub(super) async fn prepare(app: &Arc<App>) -> Result<Option<usize>, StoreError> {
    let now = Snapshot::of(&app.catalog);
    let state = app.storage.list_state().await?;
    let Some(state) = state else {
        // The first start with subscriptions: nothing to compare with yet.
        app.storage.list_change(ListChange { snapshot: now, notices: vec![], updates: vec![] }).await.map_err(|_| StoreError::Stopped)??;
        info!(version = %app.catalog.version(), "recorded the list served");
        return Ok(Some(0));
    };
    if state.hash == app.catalog.hash {
        return Ok(None);
    }
    // A snapshot that cannot be read (damaged) still lets the answers be compared.
    let old = state.snapshot.unwrap_or_else(|| Snapshot { professions: vec![], ..now.clone() });
    let subs = app.storage.all_subscriptions().await?;
    let n_subs = subs.len();
    let worker = app.clone();
    let (plan, old) = tokio::task::spawn_blocking(move || {
        let plan = amend::plan(&subs, &old, &worker.catalog, &worker.matcher);
        (plan, old)
    })
    .await
    .map_err(|_| StoreError::Stopped)?;
    let notices: Vec<(i64, String)> = plan.notices.iter().map(|n| (n.chat, reply::notice(n, &old, &app.catalog).text)).collect();
    let diff = amend::Diff::between(&old, &now);
    let queued = app.storage.list_change(ListChange { snapshot: now, notices, updates: plan.updates }).await.map_err(|_| StoreError::Stopped)??;
    info!(
        from = %state.version,
        to = %app.catalog.version(),
        added = diff.added.len(),
        removed = diff.removed.len(),
        renamed = diff.renamed.len(),
        moved = diff.moved.len(),
        subscriptions = n_subs,
        notices = queued,
        "the list differs from the one last served; subscriptions re-evaluated, notices queued"
    );
    Ok(Some(queued))
}

/// A pause all senders respect (a 429's `retry_after`), as milliseconds since `origin`.
struct Pause {
    origin: Instant,
    until_ms: AtomicU64,
}

impl Pause {
    fn until(&self) -> Instant {
        self.origin + Duration::from_millis(self.until_ms.load(Ordering::SeqCst))
    }

    fn extend(&self, d: Duration) {
        let t = (Instant::now() + d).saturating_duration_since(self.origin).as_millis() as u64;
        self.until_ms.fetch_max(t, Ordering::SeqCst);
    }
}

/// Sends one notice (split if long): 429 pauses everyone, transient errors back off a little.
async fn send(bot: &Bot, chat: i64, text: &str, pause: &Pause) -> Result<(), RequestError> {
    for part in chunks(text) {
        let mut backoff = Duration::from_millis(200);
        let mut attempt = 1;
        loop {
            tokio::time::sleep_until(pause.until()).await;
            match bot.send_message(ChatId(chat), part.clone()).await {
                Ok(_) => break,
                Err(RequestError::RetryAfter(s)) if attempt < MAX_ATTEMPTS => {
                    warn!(wait_s = s.seconds(), "rate limited by the Bot API during the broadcast; pausing it");
                    pause.extend(s.duration());
                }
                Err(e) if transient(&e) && attempt < MAX_ATTEMPTS => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
                Err(e) => return Err(e),
            }
            attempt += 1;
        }
    }
    Ok(())
}

/// Counts of one broadcast run, for the log (and the tests reading it).
#[derive(Default)]
struct Tally {
    sent: AtomicUsize,
    blocked: AtomicUsize,
    failed: AtomicUsize,
}

/// Prepares (see [`prepare`]) and sends the outbox until it is empty, the rounds are spent, or
/// `stop` is set; at a stop, notices in flight finish (at most `grace`), the rest stay queued.
pub(super) async fn run(app: Arc<App>, bot: Bot, mut stop: watch::Receiver<bool>, grace: Duration) {
    match prepare(&app).await {
        Ok(_) => {}
        Err(e) => warn!(error = %e, "could not compare the list with the one last served; notices (if any) wait for the next start"),
    }
    let rate = app.config.notice_rate.max(1);
    let gap = Duration::from_secs_f64(1.0 / f64::from(rate));
    let inflight = Arc::new(Semaphore::new(IN_FLIGHT as usize));
    let pause = Arc::new(Pause { origin: Instant::now(), until_ms: AtomicU64::new(0) });
    let tally = Arc::new(Tally::default());
    // When each chat may get its next message.
    let mut chat_next: HashMap<i64, Instant> = HashMap::new();
    let started = Instant::now();
    let mut next_at = Instant::now();
    let mut after = 0;
    let mut round = 0;
    let mut delay = Duration::from_secs(2);
    let mut stopped = false;
    let mut any = false;
    'outer: loop {
        if *stop.borrow() {
            stopped = true;
            break;
        }
        let batch = match app.storage.pending_notices(after, PAGE).await {
            Ok(b) => b,
            Err(e) => {
                warn!(error = %e, "could not read the notice outbox; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if batch.is_empty() {
            // Wait for the notices in flight to know whether any must be tried again.
            drop(inflight.acquire_many(IN_FLIGHT).await);
            if tally.failed.swap(0, Ordering::SeqCst) == 0 {
                break;
            }
            round += 1;
            if round >= ROUNDS {
                warn!("some notices could not be sent; they stay queued for the next start");
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = stop.wait_for(|s| *s) => { stopped = true; break 'outer; }
            }
            delay = (delay * 2).min(Duration::from_secs(120));
            after = 0;
            continue;
        }
        if !any {
            any = true;
            info!(rate, "sending queued notices");
        }
        for n in batch {
            after = n.id;
            let now = Instant::now();
            let slot = next_at.max(now).max(pause.until());
            next_at = slot + gap;
            if chat_next.len() > 100_000 {
                chat_next.retain(|_, t| *t > now);
            }
            let chat_slot = chat_next.get(&n.chat).copied().unwrap_or(slot).max(slot);
            chat_next.insert(n.chat, chat_slot + PER_CHAT);
            tokio::select! {
                _ = tokio::time::sleep_until(slot) => {}
                _ = stop.wait_for(|s| *s) => { stopped = true; break 'outer; }
            }
            let permit = tokio::select! {
                p = inflight.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break 'outer },
                _ = stop.wait_for(|s| *s) => { stopped = true; break 'outer; }
            };
            let (bot, app, pause, tally) = (bot.clone(), app.clone(), pause.clone(), tally.clone());
            tokio::spawn(async move {
                tokio::time::sleep_until(chat_slot).await;
                match send(&bot, n.chat, &n.text, &pause).await {
                    Ok(()) => {
                        app.storage.notice_sent(n.id);
                        tally.sent.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) if gone(&e) => {
                        debug!(error = %e, "a subscriber's chat is gone (blocked the bot); unsubscribed");
                        app.storage.forget_chat(n.chat);
                        tally.blocked.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) if transient(&e) || matches!(e, RequestError::RetryAfter(_)) => {
                        warn!(error = %e, "a notice could not be sent; trying again later");
                        tally.failed.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => {
                        warn!(error = %e, "a notice was refused; dropped");
                        app.storage.notice_sent(n.id);
                    }
                }
                drop(permit);
            });
        }
    }
    if stopped {
        // Notices in flight finish (or are abandoned after the grace period: they stay queued).
        let _ = tokio::time::timeout(grace, inflight.acquire_many(IN_FLIGHT)).await;
    }
    if any {
        let (sent, blocked) = (tally.sent.load(Ordering::Relaxed), tally.blocked.load(Ordering::Relaxed));
        info!(sent, blocked, secs = started.elapsed().as_secs_f64(), stopped, "notices sent");
    }
}

//! From an inbox row to a reply: parse, decide cheaply whether and whom to answer, apply the flood
//! limit (a flooder's updates are refused here, before any matching or database work), then a queue
//! per chat — answers in one chat keep their order, and no chat waits behind another.
//!
//! A reply that fails for a transient reason (5xx, network) after [`super::send::with_retry`] is
//! tried again later; one that fails for good (the user blocked the bot) is logged and done. At
//! shutdown, whatever has not finished by the deadline is abandoned and stays pending in the inbox.

use super::inbox::Incoming;
use super::limits::{Admission, Refusal};
use super::{schema, send, App};
use crate::store::UpdateKey;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use teloxide::prelude::*;
use teloxide::types::UpdateKind;
use tokio::sync::{watch, Notify, Semaphore};
use tracing::{debug, warn};

/// Rounds of [`send::with_retry`] for one update before it is given up (about 20 minutes).
const JOB_ROUNDS: u32 = 10;
/// Replies being sent at once.
const CONCURRENCY: usize = 128;

pub(super) struct Job {
    pub key: UpdateKey,
    pub update: Update,
    /// Refused by the flood limit: only the notice saying why and when to retry is sent.
    pub notice: Option<Refusal>,
}

#[derive(Default)]
struct Seen {
    persisted: bool,
    finished: bool,
}

pub(super) struct Pipeline {
    pub app: Arc<App>,
    pub bot: Bot,
    /// Updates dispatched by this process and not yet both answered and written.
    seen: Mutex<HashMap<UpdateKey, Seen>>,
    chats: Mutex<HashMap<i64, VecDeque<Job>>>,
    /// Jobs queued or running.
    active: AtomicUsize,
    idle: Notify,
    sending: Semaphore,
    abort: watch::Sender<bool>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Pipeline {
    pub fn new(app: Arc<App>, bot: Bot) -> Arc<Pipeline> {
        Arc::new(Pipeline {
            app,
            bot,
            seen: Mutex::default(),
            chats: Mutex::default(),
            active: AtomicUsize::new(0),
            idle: Notify::new(),
            sending: Semaphore::new(CONCURRENCY),
            abort: watch::channel(false).0,
        })
    }

    pub fn is_seen(&self, key: UpdateKey) -> bool {
        lock(&self.seen).contains_key(&key)
    }

    /// Whether an update is in the inbox as far as this process knows (not dispatched unwritten).
    pub fn is_persisted(&self, key: UpdateKey) -> bool {
        lock(&self.seen).get(&key).is_none_or(|s| s.persisted)
    }

    pub fn active(&self) -> usize {
        self.active.load(Ordering::SeqCst)
    }

    pub fn mark_persisted(&self, keys: &[UpdateKey]) {
        let mut seen = lock(&self.seen);
        for k in keys {
            if let Some(s) = seen.get_mut(k) {
                s.persisted = true;
                if s.finished {
                    seen.remove(k);
                }
            }
        }
    }

    /// Records an update as answered (or given up, or not to be answered).
    fn finish(&self, key: UpdateKey) {
        self.app.storage.done(key);
        let mut seen = lock(&self.seen);
        if let Some(s) = seen.get_mut(&key) {
            s.finished = true;
            if s.persisted {
                seen.remove(&key);
            }
        }
    }

    /// Parses an update, decides what it needs and queues it on its chat.
    pub fn dispatch(self: &Arc<Self>, inc: Incoming, persisted: bool) {
        let key = inc.key;
        lock(&self.seen).insert(key, Seen { persisted, finished: false });
        if let Some((actor, inline)) = inc.sender {
            let limiter = if inline { &self.app.inline_limiter } else { &self.app.limiter };
            if limiter.blocked(actor, Instant::now()) {
                debug!(update_id = key.update_id, "over the flood limit; not answered");
                return self.finish(key);
            }
        }
        let update: Update = match serde_json::from_str(&inc.body) {
            Ok(u) => u,
            Err(e) => {
                debug!(update_id = key.update_id, error = %e, "an update the bot cannot read; skipped");
                return self.finish(key);
            }
        };
        if let UpdateKind::Error(_) = update.kind {
            debug!(update_id = key.update_id, "an update of a kind the bot does not handle; skipped");
            return self.finish(key);
        }
        let Some(plan) = self.app.plan(&update) else {
            return self.finish(key);
        };
        let limiter = if plan.inline { &self.app.inline_limiter } else { &self.app.limiter };
        let notice = match limiter.admit(plan.actor, plan.cost, Instant::now()) {
            Admission::Allowed => None,
            Admission::Warn(r) if !plan.inline => Some(r),
            Admission::Warn(_) | Admission::Drop => {
                debug!(update_id = key.update_id, "over the flood limit; not answered");
                return self.finish(key);
            }
        };
        self.enqueue(plan.queue, Job { key, update, notice });
    }

    fn enqueue(self: &Arc<Self>, chat: i64, job: Job) {
        self.active.fetch_add(1, Ordering::SeqCst);
        let mut chats = lock(&self.chats);
        if let Some(q) = chats.get_mut(&chat) {
            q.push_back(job);
            return;
        }
        chats.insert(chat, VecDeque::new());
        drop(chats);
        let me = self.clone();
        tokio::spawn(async move { me.run_chat(chat, job).await });
    }

    fn job_ended(&self) {
        if self.active.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }

    async fn run_chat(self: Arc<Self>, chat: i64, first: Job) {
        let mut abort = self.abort.subscribe();
        let mut job = first;
        loop {
            let aborted = *abort.borrow();
            if !aborted {
                tokio::select! {
                    _ = self.run_job(&job) => {}
                    _ = abort.wait_for(|a| *a) => {}
                }
            }
            self.job_ended();
            let next = {
                let mut chats = lock(&self.chats);
                match chats.get_mut(&chat).and_then(VecDeque::pop_front) {
                    Some(j) => j,
                    None => {
                        chats.remove(&chat);
                        return;
                    }
                }
            };
            job = next;
        }
    }

    async fn run_job(&self, job: &Job) {
        let mut delay = Duration::from_secs(2);
        for round in 1..=JOB_ROUNDS {
            let result = {
                let _permit = self.sending.acquire().await;
                schema::handle(&self.app, &self.bot, &job.update, job.notice).await
            };
            match result {
                Ok(()) => break,
                Err(e) if send::transient(&e) && round < JOB_ROUNDS => {
                    warn!(update_id = job.key.update_id, round, error = %e, "the reply could not be sent; trying again later");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(120));
                }
                Err(e) => {
                    warn!(update_id = job.key.update_id, error = %e, "a reply could not be sent");
                    break;
                }
            }
        }
        self.finish(job.key);
    }

    /// Waits until every queued job has finished, at most until `deadline`; then abandons the
    /// rest (they stay pending in the inbox). Returns the number abandoned.
    pub async fn drain(&self, deadline: Instant) -> usize {
        loop {
            let idle = self.idle.notified();
            if self.active() == 0 {
                return 0;
            }
            if tokio::time::timeout_at(deadline.into(), idle).await.is_err() {
                break;
            }
        }
        let left = self.active();
        let _ = self.abort.send(true);
        // The chat tasks notice the abort at their next await point.
        let _ = tokio::time::timeout(Duration::from_millis(500), async {
            while self.active() > 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        left
    }
}

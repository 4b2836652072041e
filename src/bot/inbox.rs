//! The durable inbox: every update is written to SQLite before Telegram is told it arrived (the
//! next getUpdates offset, or the webhook's 200), processed from there, and recorded as done once
//! its reply was accepted. A restart answers what is still pending first. An update is known by
//! its id and a fingerprint of its body, so a delivery repeated by Telegram is answered once, and
//! ids that start again lower (Telegram picks a new random start after a week without updates)
//! are new updates, not old ones.
//!
//! When the database is locked or slow, the update is answered from memory anyway and Telegram is
//! not told until it is written: a crash in that window makes Telegram deliver it again.

use super::dispatch::Pipeline;
use crate::store::UpdateKey;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tracing::{debug, warn};

/// How long intake waits for the inbox write before answering from memory.
const FAST_WRITE: Duration = Duration::from_millis(250);

/// An update as received: its key and its JSON body.
pub(super) struct Incoming {
    pub key: UpdateKey,
    pub body: String,
    /// Who sent it (and whether it is an inline query or button press), read from the JSON tree
    /// already at hand, so a blocked flooder's update is refused without being parsed.
    pub sender: Option<(u64, bool)>,
}

/// Stable 64-bit fingerprint of an update's body (FxHash of the JSON text; the same on every run).
fn fingerprint(body: &str) -> i64 {
    let mut h = rustc_hash::FxHasher::default();
    body.hash(&mut h);
    h.finish() as i64
}

impl Incoming {
    /// From one element of getUpdates' result or a webhook body; `None` without an `update_id`.
    pub fn from_value(v: &serde_json::Value) -> Option<Incoming> {
        let update_id = v.get("update_id")?.as_i64()?;
        let body = v.to_string();
        Some(Incoming { key: UpdateKey { update_id, fp: fingerprint(&body) }, body, sender: sender(v) })
    }
}

/// The flood-limit actor of an update, as [`super::schema`] reckons it: a message's `sender_chat`
/// (an anonymous admin) or `from`, else its chat; the user of a button press or inline query.
fn sender(v: &serde_json::Value) -> Option<(u64, bool)> {
    for kind in ["message", "edited_message"] {
        if let Some(m) = v.get(kind) {
            let id = m["sender_chat"]["id"].as_i64().or_else(|| m["from"]["id"].as_i64()).or_else(|| m["chat"]["id"].as_i64())?;
            return Some((id as u64, false));
        }
    }
    for kind in ["callback_query", "inline_query", "chosen_inline_result"] {
        if let Some(q) = v.get(kind) {
            return Some((q["from"]["id"].as_i64()? as u64, true));
        }
    }
    None
}

/// What intake did with a batch.
pub(super) struct Accepted {
    /// Updates not seen before in this process (dispatched, or found answered in the inbox).
    pub fresh: usize,
    /// Resolves once the batch is in the inbox (or could not be written: see the log).
    pub persisted: oneshot::Receiver<()>,
}

impl Pipeline {
    /// Writes a batch to the inbox and dispatches what is new. Waits for the write at most
    /// [`FAST_WRITE`]; after that the updates are answered from memory while the write goes on.
    pub(super) async fn accept(self: &Arc<Self>, batch: Vec<Incoming>) -> Accepted {
        let (tx, persisted) = oneshot::channel();
        let fresh: Vec<Incoming> = batch.into_iter().filter(|i| !self.is_seen(i.key)).collect();
        let n = fresh.len();
        if fresh.is_empty() {
            let _ = tx.send(());
            return Accepted { fresh: 0, persisted };
        }
        let mut rx = self.app.storage.insert(fresh.iter().map(|i| (i.key, i.body.clone())).collect());
        match tokio::time::timeout(FAST_WRITE, &mut rx).await {
            Ok(Ok(Ok(new))) => {
                for (inc, is_new) in fresh.into_iter().zip(new) {
                    if is_new {
                        self.dispatch(inc, true);
                    } else {
                        debug!(update_id = inc.key.update_id, "delivered again; already in the inbox");
                    }
                }
                let _ = tx.send(());
            }
            Ok(Ok(Err(e))) => {
                warn!(error = %e, "could not write updates to the inbox; answering them without it");
                for inc in fresh {
                    self.dispatch(inc, true);
                }
                let _ = tx.send(());
            }
            Ok(Err(_)) => {
                for inc in fresh {
                    self.dispatch(inc, true);
                }
                let _ = tx.send(());
            }
            Err(_) => {
                debug!(updates = n, "the inbox write is slow (database busy); answering from memory");
                let keys: Vec<UpdateKey> = fresh.iter().map(|i| i.key).collect();
                for inc in fresh {
                    self.dispatch(inc, false);
                }
                let me = self.clone();
                tokio::spawn(async move {
                    if let Ok(Err(e)) = rx.await {
                        warn!(error = %e, "could not write updates to the inbox");
                    }
                    me.mark_persisted(&keys);
                    let _ = tx.send(());
                });
            }
        }
        Accepted { fresh: n, persisted }
    }

    /// Updates left pending by the previous run, answered before anything new.
    pub(super) fn resume(self: &Arc<Self>) -> usize {
        match self.app.storage.pending(100_000) {
            Ok(rows) => {
                let n = rows.len();
                for r in rows {
                    self.dispatch(Incoming { key: r.key, body: r.body, sender: None }, true);
                }
                n
            }
            Err(e) => {
                warn!(error = %e, "could not read pending updates from the inbox");
                0
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_body_has_the_same_key_and_another_body_another() {
        let a = Incoming::from_value(&serde_json::json!({"update_id": 5, "message": {"text": "a"}})).unwrap();
        let b = Incoming::from_value(&serde_json::json!({"update_id": 5, "message": {"text": "a"}})).unwrap();
        let c = Incoming::from_value(&serde_json::json!({"update_id": 5, "message": {"text": "b"}})).unwrap();
        assert_eq!(a.key, b.key);
        assert_ne!(a.key, c.key);
        assert!(Incoming::from_value(&serde_json::json!({"message": {}})).is_none());
        assert!(Incoming::from_value(&serde_json::json!({"update_id": "x"})).is_none());
    }
}

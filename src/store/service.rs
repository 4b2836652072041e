//! The bot's database, off the hot path: one writer thread owns the only writing connection and is
//! fed by a channel (it commits whatever has queued up in one transaction, so a burst costs one
//! commit), readers use their own read-only connections on tokio's blocking pool. When another
//! process holds the database locked, the writer waits and its queue grows; replies do not wait
//! for it: a language lookup that takes longer than [`READ_TIMEOUT`] falls back to the default,
//! and a language just chosen is answered from memory until the writer has stored it.

use super::subs::{self, ListChange, ListState, NewSubscription, QueuedNotice, Subscribed};
use super::{connect, expire_step, forget_user, inbox_done, inbox_insert, inbox_pending, log_query, report_recent, set_user_lang, user_lang};
use super::{now, LogRow, Pending, Report, Store, StoreError, UpdateKey, INBOX_KEEP_DONE_SECS};
use crate::amend::Subscription;
use crate::lang::Lang;
use rusqlite::{Connection, ErrorCode};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tracing::{debug, warn};

/// A language lookup slower than this (the database is busy) is given up: the reply goes out in
/// the language Telegram reports.
pub const READ_TIMEOUT: Duration = Duration::from_millis(300);
/// Query log rows beyond this many queued writes are dropped (the database has been locked for a
/// long time); inbox and language writes are never dropped.
const MAX_QUEUED_LOGS: usize = 200_000;
/// Operations committed in one transaction at most.
const MAX_BATCH: usize = 2048;
/// Idle reader connections kept.
const READERS: usize = 4;

type Ack<T> = oneshot::Sender<Result<T, StoreError>>;

enum Op {
    Insert {
        items: Vec<(UpdateKey, String)>,
        ack: Ack<Vec<bool>>,
    },
    Done(UpdateKey),
    Log(LogRow),
    SetLang {
        user: i64,
        lang: Lang,
    },
    Forget {
        user: i64,
        ack: Ack<usize>,
    },
    Expire {
        cutoff: i64,
        inbox_cutoff: i64,
    },
    Flush(oneshot::Sender<()>),
    Subscribe {
        sub: NewSubscription,
        max: usize,
        ack: Ack<Subscribed>,
    },
    Unsubscribe {
        chat: i64,
        id: i64,
        ack: Ack<bool>,
    },
    ListChange {
        change: Box<ListChange>,
        ack: Ack<usize>,
    },
    NoticeSent(i64),
    /// The chat blocked the bot (or is gone): its subscriptions and queued notices go.
    ForgetChat(i64),
}

type Overlay = Mutex<HashMap<i64, Option<Lang>>>;

pub struct Storage {
    tx: Mutex<Option<mpsc::Sender<Op>>>,
    queued: Arc<AtomicUsize>,
    overlay: Arc<Overlay>,
    readers: Arc<Readers>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Set at close: connections are no longer kept, so the writer's is the last one open.
    closed: AtomicBool,
}

impl Readers {
    fn with<R>(&self, f: impl FnOnce(&Connection) -> Result<R, StoreError>) -> Result<R, StoreError> {
        let conn = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match conn {
            Some(c) => c,
            None => {
                let c = connect(&self.path, true)?;
                c.busy_timeout(Duration::from_secs(2))?;
                c
            }
        };
        let r = f(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < READERS && !self.closed.load(Ordering::SeqCst) {
            idle.push(conn);
        }
        r
    }

    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

fn busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

impl Storage {
    /// Opens the database (migrations run here, synchronously) and starts the writer thread.
    pub fn open(path: &Path) -> Result<Storage, StoreError> {
        let conn = Store::open(path)?.into_connection();
        // The writer waits in short steps so it can keep collecting work while locked out.
        conn.busy_timeout(Duration::from_millis(100))?;
        let (tx, rx) = mpsc::channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let overlay: Arc<Overlay> = Arc::default();
        let writer = {
            let (queued, overlay) = (queued.clone(), overlay.clone());
            std::thread::Builder::new()
                .name("kasip-db-writer".into())
                .spawn(move || writer(conn, rx, &queued, &overlay))
                .map_err(|e| StoreError::Lock { lock: "writer thread".into(), source: e })?
        };
        Ok(Storage {
            tx: Mutex::new(Some(tx)),
            queued,
            overlay,
            readers: Arc::new(Readers { path: path.to_path_buf(), idle: Mutex::new(Vec::new()), closed: AtomicBool::new(false) }),
            writer: Mutex::new(Some(writer)),
        })
    }

    fn send(&self, op: Op) -> bool {
        self.send_or_return(op).is_ok()
    }

    /// Writes updates to the inbox in one transaction; the answer says which were new.
    pub fn insert(&self, items: Vec<(UpdateKey, String)>) -> oneshot::Receiver<Result<Vec<bool>, StoreError>> {
        let (ack, rx) = oneshot::channel();
        if let Err(Op::Insert { ack, .. }) = self.send_or_return(Op::Insert { items, ack }) {
            let _ = ack.send(Err(StoreError::Stopped));
        }
        rx
    }

    fn send_or_return(&self, op: Op) -> Result<(), Op> {
        let tx = self.tx.lock().unwrap_or_else(|e| e.into_inner());
        match tx.as_ref() {
            Some(tx) => {
                self.queued.fetch_add(1, Ordering::Relaxed);
                tx.send(op).map_err(|e| {
                    self.queued.fetch_sub(1, Ordering::Relaxed);
                    e.0
                })
            }
            None => Err(op),
        }
    }

    /// Records an update as answered (its body is dropped).
    pub fn done(&self, key: UpdateKey) {
        self.send(Op::Done(key));
    }

    /// Queues a query log row; dropped (with a warning) when the writer is far behind.
    pub fn log(&self, row: LogRow) {
        if self.queued.load(Ordering::Relaxed) > MAX_QUEUED_LOGS {
            warn!("could not log the query: the database writer is far behind");
            return;
        }
        self.send(Op::Log(row));
    }

    pub fn set_lang(&self, user: i64, lang: Lang) {
        self.overlay.lock().unwrap_or_else(|e| e.into_inner()).insert(user, Some(lang));
        self.send(Op::SetLang { user, lang });
    }

    /// `/forget`; the answer comes once the rows are deleted.
    pub fn forget(&self, user: i64) -> oneshot::Receiver<Result<usize, StoreError>> {
        self.overlay.lock().unwrap_or_else(|e| e.into_inner()).insert(user, None);
        let (ack, rx) = oneshot::channel();
        if let Err(Op::Forget { ack, .. }) = self.send_or_return(Op::Forget { user, ack }) {
            let _ = ack.send(Err(StoreError::Stopped));
        }
        rx
    }

    /// A 🔔 press; the answer comes once it is stored.
    pub fn subscribe(&self, sub: NewSubscription, max: usize) -> oneshot::Receiver<Result<Subscribed, StoreError>> {
        let (ack, rx) = oneshot::channel();
        if let Err(Op::Subscribe { ack, .. }) = self.send_or_return(Op::Subscribe { sub, max, ack }) {
            let _ = ack.send(Err(StoreError::Stopped));
        }
        rx
    }

    /// Removes one subscription of a chat; `false` when the chat has none with that id.
    pub fn unsubscribe(&self, chat: i64, id: i64) -> oneshot::Receiver<Result<bool, StoreError>> {
        let (ack, rx) = oneshot::channel();
        if let Err(Op::Unsubscribe { ack, .. }) = self.send_or_return(Op::Unsubscribe { chat, id, ack }) {
            let _ = ack.send(Err(StoreError::Stopped));
        }
        rx
    }

    /// Records a new list with its notices and the subscriptions' new answers, in one transaction.
    pub fn list_change(&self, change: ListChange) -> oneshot::Receiver<Result<usize, StoreError>> {
        let (ack, rx) = oneshot::channel();
        if let Err(Op::ListChange { ack, .. }) = self.send_or_return(Op::ListChange { change: Box::new(change), ack }) {
            let _ = ack.send(Err(StoreError::Stopped));
        }
        rx
    }

    /// A notice Telegram accepted: it leaves the outbox.
    pub fn notice_sent(&self, id: i64) {
        self.send(Op::NoticeSent(id));
    }

    /// A chat that blocked the bot: its subscriptions and queued notices go.
    pub fn forget_chat(&self, chat: i64) {
        self.send(Op::ForgetChat(chat));
    }

    pub async fn subscriptions_of(&self, chat: i64) -> Result<Vec<Subscription>, StoreError> {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || readers.with(|c| subs::of_chat(c, chat))).await.unwrap_or(Err(StoreError::Stopped))
    }

    pub async fn all_subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || readers.with(subs::all)).await.unwrap_or(Err(StoreError::Stopped))
    }

    pub async fn list_state(&self) -> Result<Option<ListState>, StoreError> {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || readers.with(subs::list_state)).await.unwrap_or(Err(StoreError::Stopped))
    }

    pub async fn pending_notices(&self, after: i64, limit: usize) -> Result<Vec<QueuedNotice>, StoreError> {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || readers.with(|c| subs::pending_notices(c, after, limit))).await.unwrap_or(Err(StoreError::Stopped))
    }

    /// Starts deleting rows older than `retention`, a small batch per transaction.
    pub fn expire(&self, retention: Duration) {
        let now = now();
        self.send(Op::Expire { cutoff: now - retention.as_secs() as i64, inbox_cutoff: now - INBOX_KEEP_DONE_SECS });
    }

    /// The user's saved language; `None` when none is saved or the database did not answer within
    /// [`READ_TIMEOUT`].
    pub async fn user_lang(&self, user: i64) -> Option<Lang> {
        if let Some(l) = self.overlay.lock().unwrap_or_else(|e| e.into_inner()).get(&user) {
            return *l;
        }
        let readers = self.readers.clone();
        let read = tokio::task::spawn_blocking(move || readers.with(|c| user_lang(c, user)));
        match tokio::time::timeout(READ_TIMEOUT, read).await {
            Ok(Ok(Ok(l))) => l,
            Ok(Ok(Err(e))) => {
                warn!(error = %e, "could not read the language choice");
                None
            }
            Ok(Err(_)) => None,
            Err(_) => {
                debug!("language lookup timed out; the database is busy");
                None
            }
        }
    }

    /// /stats: a bounded query on a reader connection.
    pub async fn report_recent(&self, since: i64, top: usize) -> Result<Report, StoreError> {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || readers.with(|c| report_recent(c, since, top))).await.unwrap_or(Err(StoreError::Stopped))
    }

    /// Updates received but not answered, oldest first (at start).
    pub fn pending(&self, limit: usize) -> Result<Vec<Pending>, StoreError> {
        self.readers.with(|c| inbox_pending(c, limit))
    }

    /// Operations waiting for the writer.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Waits until everything queued so far is committed, at most `timeout`.
    pub async fn flush(&self, timeout: Duration) -> bool {
        let (ack, rx) = oneshot::channel();
        if !self.send(Op::Flush(ack)) {
            return false;
        }
        matches!(tokio::time::timeout(timeout, rx).await, Ok(Ok(())))
    }

    /// Stops the writer after what is queued, waiting at most `timeout`; closes the readers so the
    /// last connection checkpoints the write-ahead log into the file. Returns whether the writer
    /// finished in time.
    pub async fn close(&self, timeout: Duration) -> bool {
        // Readers first: the writer's connection must be the last open one, as only the last
        // (and a writing one) checkpoints the write-ahead log and removes it.
        self.readers.close();
        self.tx.lock().unwrap_or_else(|e| e.into_inner()).take();
        let deadline = Instant::now() + timeout;
        let handle = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some(handle) = handle else { return true };
        while !handle.is_finished() {
            if Instant::now() >= deadline {
                warn!(queued = self.queued(), "the database writer did not finish in time; what it had queued is not stored");
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let _ = handle.join();
        true
    }
}

enum Acked {
    Insert(Ack<Vec<bool>>, Result<Vec<bool>, StoreError>),
    Forget(Ack<usize>, Result<usize, StoreError>),
    Subscribed(Ack<Subscribed>, Result<Subscribed, StoreError>),
    Bool(Ack<bool>, Result<bool, StoreError>),
    Flush(oneshot::Sender<()>),
    Lang(i64, Option<Lang>),
}

fn writer(conn: Connection, rx: mpsc::Receiver<Op>, queued: &AtomicUsize, overlay: &Overlay) {
    let mut expiring: Option<(i64, i64)> = None;
    let mut open = true;
    let mut batch: Vec<Op> = Vec::new();
    let mut log_failures = 0u64;
    while open || !batch.is_empty() || expiring.is_some() {
        if batch.is_empty() && open {
            if expiring.is_some() {
                match rx.try_recv() {
                    Ok(op) => batch.push(op),
                    Err(mpsc::TryRecvError::Empty) => {}
                    Err(mpsc::TryRecvError::Disconnected) => open = false,
                }
            } else {
                match rx.recv() {
                    Ok(op) => batch.push(op),
                    Err(_) => open = false,
                }
            }
        }
        while open && batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => open = false,
            }
        }
        if !open && batch.is_empty() {
            // Shutting down: an unfinished retention run waits for the next start.
            break;
        }
        // Take the write lock; while another process holds it, wait in short steps.
        let locked_since = Instant::now();
        let mut next_warning = Duration::from_secs(5);
        loop {
            match conn.execute_batch("BEGIN IMMEDIATE") {
                Ok(()) => break,
                Err(e) if busy(&e) => {
                    if locked_since.elapsed() >= next_warning {
                        warn!(
                            waited_s = locked_since.elapsed().as_secs(),
                            queued = queued.load(Ordering::Relaxed),
                            "the database is locked by another process; writes wait"
                        );
                        next_warning *= 2;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => {
                    warn!(error = %e, "cannot start a database transaction; retrying");
                    std::thread::sleep(Duration::from_millis(500));
                }
            }
        }
        let n = batch.len();
        let mut acked = Vec::new();
        let at = now();
        for op in batch.drain(..) {
            match op {
                Op::Insert { items, ack } => acked.push(Acked::Insert(ack, inbox_insert(&conn, &items, at))),
                Op::Done(key) => {
                    if let Err(e) = inbox_done(&conn, key, at) {
                        warn!(error = %e, "could not record an update as answered");
                    }
                }
                Op::Log(r) => {
                    if let Err(e) = log_query(&conn, r.at, r.lang.code(), r.verdict, r.code.as_deref(), &r.query) {
                        log_failures += 1;
                        if log_failures.is_power_of_two() {
                            warn!(error = %e, failures = log_failures, "could not log the query");
                        }
                    }
                }
                Op::SetLang { user, lang } => match set_user_lang(&conn, user, lang, at) {
                    Ok(()) => acked.push(Acked::Lang(user, Some(lang))),
                    Err(e) => warn!(error = %e, "could not save the language choice"),
                },
                Op::Forget { user, ack } => {
                    let r = forget_user(&conn, user);
                    if r.is_ok() {
                        acked.push(Acked::Lang(user, None));
                    }
                    acked.push(Acked::Forget(ack, r));
                }
                Op::Expire { cutoff, inbox_cutoff } => expiring = Some((cutoff, inbox_cutoff)),
                Op::Flush(ack) => acked.push(Acked::Flush(ack)),
                Op::Subscribe { sub, max, ack } => acked.push(Acked::Subscribed(ack, subs::subscribe(&conn, &sub, max, at))),
                Op::Unsubscribe { chat, id, ack } => acked.push(Acked::Bool(ack, subs::unsubscribe(&conn, chat, id))),
                Op::ListChange { change, ack } => acked.push(Acked::Forget(ack, subs::apply_list_change(&conn, &change, at))),
                Op::NoticeSent(id) => {
                    if let Err(e) = subs::notice_sent(&conn, id) {
                        warn!(error = %e, "could not record a notice as sent");
                    }
                }
                Op::ForgetChat(chat) => {
                    if let Err(e) = subs::forget_chat(&conn, chat) {
                        warn!(error = %e, "could not remove a blocked chat's subscriptions");
                    }
                }
            }
        }
        if let Some((cutoff, inbox_cutoff)) = expiring {
            match expire_step(&conn, cutoff, inbox_cutoff) {
                Ok(0) => expiring = None,
                Ok(rows) => debug!(rows, "expired old rows"),
                Err(e) => {
                    warn!(error = %e, "retention cleanup failed");
                    expiring = None;
                }
            }
        }
        let committed = conn.execute_batch("COMMIT");
        if let Err(e) = &committed {
            warn!(error = %e, "a database commit failed; its writes are lost");
            let _ = conn.execute_batch("ROLLBACK");
        }
        queued.fetch_sub(n, Ordering::Relaxed);
        for a in acked {
            match a {
                Acked::Insert(ack, r) => {
                    let _ = ack.send(if committed.is_ok() { r } else { Err(StoreError::Stopped) });
                }
                Acked::Forget(ack, r) => {
                    let _ = ack.send(if committed.is_ok() { r } else { Err(StoreError::Stopped) });
                }
                Acked::Subscribed(ack, r) => {
                    let _ = ack.send(if committed.is_ok() { r } else { Err(StoreError::Stopped) });
                }
                Acked::Bool(ack, r) => {
                    let _ = ack.send(if committed.is_ok() { r } else { Err(StoreError::Stopped) });
                }
                Acked::Flush(ack) => {
                    let _ = ack.send(());
                }
                Acked::Lang(user, value) => {
                    let mut o = overlay.lock().unwrap_or_else(|e| e.into_inner());
                    if committed.is_ok() && o.get(&user) == Some(&value) {
                        o.remove(&user);
                    }
                }
            }
        }
    }
    // Closing the connection (the last one) checkpoints the write-ahead log into the file.
    if let Err((_, e)) = conn.close() {
        warn!(error = %e, "closing the database");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_reads_and_a_locked_database_does_not_block_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let s = Storage::open(&path).unwrap();
        let k = UpdateKey { update_id: 1, fp: 7 };
        assert_eq!(s.insert(vec![(k, "{}".into())]).await.unwrap().unwrap(), [true]);
        s.set_lang(5, Lang::Kk);
        assert_eq!(s.user_lang(5).await, Some(Lang::Kk), "from memory before the write lands");
        assert!(s.flush(Duration::from_secs(5)).await);
        assert_eq!(s.user_lang(5).await, Some(Lang::Kk), "from the file after it");
        // Another process takes the write lock: writes queue, reads and replies go on.
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN EXCLUSIVE").unwrap();
        s.done(k);
        s.set_lang(6, Lang::En);
        let started = Instant::now();
        assert_eq!(s.user_lang(5).await, Some(Lang::Kk));
        assert_eq!(s.user_lang(6).await, Some(Lang::En));
        assert!(started.elapsed() < Duration::from_millis(500), "reads do not wait for the lock");
        assert!(!s.flush(Duration::from_millis(300)).await, "the writer waits for the lock");
        other.execute_batch("COMMIT").unwrap();
        drop(other);
        assert!(s.flush(Duration::from_secs(5)).await);
        assert!(s.pending(10).unwrap().is_empty());
        assert_eq!(s.forget(5).await.unwrap().unwrap(), 1);
        assert_eq!(s.user_lang(5).await, None);
        assert!(s.close(Duration::from_secs(5)).await);
        assert!(!dir.path().join("k.db-wal").exists() || std::fs::metadata(dir.path().join("k.db-wal")).unwrap().len() == 0);
    }
}

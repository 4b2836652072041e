//! The webhook server (hyper, by hand, for the limits teloxide's does not set): the secret header is
//! checked, a body is at most [`MAX_BODY`] and must arrive within [`BODY_TIMEOUT`], headers within
//! [`HEADER_TIMEOUT`] (which also closes keep-alive connections idle that long), a request is
//! answered within [`REQUEST_TIMEOUT`], and connections are limited (below the open-files limit);
//! when the limit is reached, the connection idle the longest is closed to make room.
//!
//! 200 is answered once the update is in the inbox; if the database is too slow, 503, and Telegram
//! delivers the update again (it is recognised and not answered twice).

use super::dispatch::Pipeline;
use super::inbox::Incoming;
use crate::config::Webhook;
use axum::body::{Body, Bytes};
use hyper::body::Incoming as HyperBody;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch, Notify};
use tracing::{debug, info, warn};

pub const MAX_BODY: usize = 1 << 20;
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a request waits for the inbox write before answering 503.
const PERSIST_WAIT: Duration = Duration::from_secs(8);
/// Connections at most (fewer when the open-files limit is low).
const MAX_CONNECTIONS: usize = 256;
/// A connection is closed after this long, idle or not (Telegram opens a new one).
const MAX_CONNECTION_AGE: Duration = Duration::from_secs(600);

struct Conn {
    since: Instant,
    busy: Arc<AtomicBool>,
    close: Option<oneshot::Sender<()>>,
}

#[derive(Default)]
struct Conns {
    next: u64,
    open: HashMap<u64, Conn>,
}

struct State {
    pipeline: Arc<Pipeline>,
    path: String,
    secret: String,
}

/// The soft open-files limit (from /proc; 1024 when unknown).
fn open_files_limit() -> usize {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Max open files")).and_then(|l| l.split_whitespace().nth(3)).and_then(|n| n.parse().ok()))
        .unwrap_or(1024)
}

pub fn connection_limit() -> usize {
    MAX_CONNECTIONS.min(open_files_limit().saturating_sub(64).max(16))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Closes the connection idle the longest; `false` if every connection is busy.
fn evict_idle(conns: &Mutex<Conns>) -> bool {
    let mut c = lock(conns);
    let victim = c.open.iter().filter(|(_, x)| !x.busy.load(Ordering::SeqCst) && x.close.is_some()).min_by_key(|(_, x)| x.since).map(|(id, _)| *id);
    match victim.and_then(|id| c.open.get_mut(&id)).and_then(|x| x.close.take()) {
        Some(tx) => {
            let _ = tx.send(());
            true
        }
        None => false,
    }
}

/// Serves until `stop` is set.
pub(super) async fn serve(w: &Webhook, tcp: TcpListener, pipeline: Arc<Pipeline>, mut stop: watch::Receiver<bool>) {
    let state = Arc::new(State { pipeline, path: w.url.path().to_string(), secret: w.secret.clone() });
    let conns: Arc<Mutex<Conns>> = Arc::default();
    let ended = Arc::new(Notify::new());
    let limit = connection_limit();
    info!(listen = %w.listen, connections = limit, "webhook");
    loop {
        while lock(&conns).open.len() >= limit {
            if !evict_idle(&conns) {
                debug!("every webhook connection is busy; waiting");
            }
            tokio::select! {
                _ = ended.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(20)) => {}
                _ = stop.changed() => return,
            }
        }
        let accepted = tokio::select! {
            a = tcp.accept() => a,
            _ = stop.changed() => return,
        };
        let stream = match accepted {
            Ok((s, _)) => s,
            Err(e) => {
                // Out of file descriptors, most likely: make room and try again.
                debug!(error = %e, "accepting a webhook connection failed");
                evict_idle(&conns);
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let busy = Arc::new(AtomicBool::new(false));
        let (close_tx, close_rx) = oneshot::channel();
        let id = {
            let mut c = lock(&conns);
            c.next += 1;
            let id = c.next;
            c.open.insert(id, Conn { since: Instant::now(), busy: busy.clone(), close: Some(close_tx) });
            id
        };
        let (state, conns, ended) = (state.clone(), conns.clone(), ended.clone());
        tokio::spawn(async move {
            let svc = {
                let busy = busy.clone();
                hyper::service::service_fn(move |req| {
                    let (state, busy) = (state.clone(), busy.clone());
                    async move {
                        busy.store(true, Ordering::SeqCst);
                        let r = match tokio::time::timeout(REQUEST_TIMEOUT, handle(req, &state)).await {
                            Ok(r) => r,
                            Err(_) => status(StatusCode::SERVICE_UNAVAILABLE),
                        };
                        busy.store(false, Ordering::SeqCst);
                        Ok::<_, Infallible>(r)
                    }
                })
            };
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), svc);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = close_rx => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(1), conn.as_mut()).await;
                }
                _ = tokio::time::sleep(MAX_CONNECTION_AGE) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(5), conn.as_mut()).await;
                }
            }
            lock(&conns).open.remove(&id);
            ended.notify_waiters();
        });
    }
}

fn status(code: StatusCode) -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = code;
    r
}

fn same_secret(a: &[u8], b: &[u8]) -> bool {
    // Constant time for equal lengths.
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn handle(req: Request<HyperBody>, st: &State) -> Response<Body> {
    if req.method() != hyper::Method::POST || req.uri().path() != st.path {
        return status(StatusCode::NOT_FOUND);
    }
    let secret = req.headers().get("x-telegram-bot-api-secret-token").map(|v| v.as_bytes()).unwrap_or_default();
    if !same_secret(secret, st.secret.as_bytes()) {
        return status(StatusCode::UNAUTHORIZED);
    }
    let declared = req.headers().get(hyper::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        warn!(bytes = declared, "webhook body too large; refused");
        return status(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let body: Bytes = match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(Body::new(req.into_body()), MAX_BODY)).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => {
            warn!("webhook body unreadable or too large; refused");
            return status(StatusCode::BAD_REQUEST);
        }
        Err(_) => return status(StatusCode::REQUEST_TIMEOUT),
    };
    let Some(inc) = serde_json::from_slice::<serde_json::Value>(&body).ok().as_ref().and_then(Incoming::from_value) else {
        // Never the body itself: it may be large, and it may hold people's names.
        warn!(bytes = body.len(), "webhook body is not an update; refused");
        return status(StatusCode::BAD_REQUEST);
    };
    let key = inc.key;
    let accepted = st.pipeline.accept(vec![inc]).await;
    let written = tokio::time::timeout(PERSIST_WAIT, async {
        let _ = accepted.persisted.await;
        while !st.pipeline.is_persisted(key) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    match written {
        Ok(()) => status(StatusCode::OK),
        Err(_) => {
            debug!(update_id = key.update_id, "inbox write slow; asking Telegram to deliver again");
            status(StatusCode::SERVICE_UNAVAILABLE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"s3cret", b"s3cret"));
        assert!(!same_secret(b"s3cre", b"s3cret"));
        assert!(!same_secret(b"s3creT", b"s3cret"));
        assert!(!same_secret(b"", b"s3cret"));
    }

    #[test]
    fn the_connection_limit_stays_below_the_open_files_limit() {
        let limit = connection_limit();
        assert!((16..=MAX_CONNECTIONS).contains(&limit));
        assert!(limit + 64 <= open_files_limit().max(80));
    }

    #[test]
    fn the_idle_connection_open_longest_is_closed_first() {
        let conns = Mutex::new(Conns::default());
        let mut rxs = Vec::new();
        for (id, busy) in [(1, true), (2, false), (3, false)] {
            let (tx, rx) = oneshot::channel();
            let since = Instant::now() + Duration::from_millis(id);
            lock(&conns).open.insert(id, Conn { since, busy: Arc::new(AtomicBool::new(busy)), close: Some(tx) });
            rxs.push(rx);
        }
        assert!(evict_idle(&conns));
        assert!(rxs[1].try_recv().is_ok(), "the oldest idle one");
        assert!(rxs[0].try_recv().is_err() && rxs[2].try_recv().is_err());
        assert!(evict_idle(&conns));
        assert!(!evict_idle(&conns), "only a busy one is left");
    }
}

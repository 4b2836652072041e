//! A local stand-in for the Telegram Bot API, and a way to run the real `kasip` binary against it.
//!
//! It serves getUpdates from a queue the test fills (with Telegram's offset semantics: an update is
//! forgotten once getUpdates is called with a higher offset), records every call, and can inject
//! faults: every n-th sendMessage failing with 500, and bursts of 429 with retry_after.
//! Method names are matched case-insensitively, as the real Bot API does.

#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

pub const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9";
pub const BOT_ID: i64 = 4242;
pub const BOT_USERNAME: &str = "kasip_test_bot";

#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub body: Value,
    /// Whether the stand-in answered it successfully.
    pub ok: bool,
    pub at: Instant,
}

#[derive(Default)]
struct Inner {
    queue: Vec<Value>,
    all_updates: Vec<Value>,
    replay_all_once: bool,
    calls: Vec<Call>,
    next_message_id: i64,
    files: HashMap<String, Vec<u8>>,
    send_count: usize,
    fail_every: Option<usize>,
    too_many_left: usize,
    tokens_seen: Vec<String>,
    /// While set, reply calls wait, then fail unrecorded (a call in flight when the bot dies).
    hold: bool,
    /// The next getUpdates answers 409, as Telegram does when another instance polls.
    conflict_next: bool,
    /// Chats whose user blocked the bot: sendMessage to them answers 403.
    blocked: std::collections::HashSet<i64>,
}

#[derive(Clone)]
pub struct StandIn {
    inner: Arc<Mutex<Inner>>,
    notify: Arc<Notify>,
    pub addr: SocketAddr,
}

fn ok(result: Value) -> Response {
    axum::Json(json!({"ok": true, "result": result})).into_response()
}

impl StandIn {
    pub async fn start() -> StandIn {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let s = StandIn { inner: Arc::new(Mutex::new(Inner { next_message_id: 1000, ..Default::default() })), notify: Arc::new(Notify::new()), addr };
        let app = Router::new().route("/{*path}", any(handle)).with_state(s.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        s
    }

    pub fn api_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn push(&self, update: Value) {
        let mut i = self.inner.lock().unwrap();
        i.queue.push(update.clone());
        i.all_updates.push(update);
        drop(i);
        self.notify.notify_waiters();
    }

    /// The next getUpdates ignores the offset and serves every update ever pushed, as Telegram
    /// does when a bot died before confirming them.
    pub fn replay_all_once(&self) {
        self.inner.lock().unwrap().replay_all_once = true;
    }

    pub fn add_file(&self, path: &str, bytes: &[u8]) {
        self.inner.lock().unwrap().files.insert(path.to_string(), bytes.to_vec());
    }

    pub fn fail_every(&self, n: usize) {
        self.inner.lock().unwrap().fail_every = Some(n);
    }

    /// Every sendMessage fails with 500 while on (a Bot API outage).
    pub fn outage(&self, on: bool) {
        self.inner.lock().unwrap().fail_every = if on { Some(1) } else { None };
    }

    pub fn hold(&self, on: bool) {
        self.inner.lock().unwrap().hold = on;
    }

    /// The user of `chat` blocks the bot: messages to it are refused with 403 from now on.
    pub fn block(&self, chat: i64) {
        self.inner.lock().unwrap().blocked.insert(chat);
    }

    pub fn conflict_next(&self) {
        self.inner.lock().unwrap().conflict_next = true;
    }

    /// Updates pushed but not yet confirmed by a getUpdates offset.
    pub fn unconfirmed(&self) -> usize {
        self.inner.lock().unwrap().queue.len()
    }

    /// Number of getUpdates calls so far.
    pub fn polls(&self) -> usize {
        self.calls().iter().filter(|c| c.method == "getupdates").count()
    }

    pub fn too_many_requests(&self, n: usize) {
        self.inner.lock().unwrap().too_many_left = n;
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().calls.clone()
    }

    pub fn ok_calls(&self, method: &str) -> Vec<Value> {
        self.calls().into_iter().filter(|c| c.ok && c.method == method.to_lowercase()).map(|c| c.body).collect()
    }

    pub fn tokens_seen(&self) -> Vec<String> {
        self.inner.lock().unwrap().tokens_seen.clone()
    }

    /// Waits until `pred` holds over the successful calls of `method`, or panics after `secs`.
    pub async fn wait_for(&self, method: &str, secs: u64, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let calls = self.ok_calls(method);
            if pred(&calls) {
                return calls;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {method}; calls so far: {:#?}", self.calls().iter().map(|c| (&c.method, c.ok)).collect::<Vec<_>>());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for the `n`-th successful sendMessage to `chat` and returns it.
    pub async fn reply_number(&self, chat: i64, n: usize) -> Value {
        let calls = self.wait_for("sendMessage", 15, |c| c.iter().filter(|b| b["chat_id"] == chat).count() >= n).await;
        calls.into_iter().filter(|b| b["chat_id"] == chat).nth(n - 1).unwrap()
    }
}

async fn handle(State(s): State<StandIn>, Path(path): Path<String>, body: Bytes) -> Response {
    let (token, method) = match path.strip_prefix("file/bot") {
        Some(rest) => {
            let (token, file) = rest.split_once('/').unwrap_or((rest, ""));
            s.inner.lock().unwrap().tokens_seen.push(token.to_string());
            let bytes = s.inner.lock().unwrap().files.get(file).cloned();
            return match bytes {
                Some(b) => b.into_response(),
                None => StatusCode::NOT_FOUND.into_response(),
            };
        }
        None => {
            let rest = path.strip_prefix("bot").unwrap_or(&path);
            let (t, m) = rest.split_once('/').unwrap_or((rest, ""));
            (t.to_string(), m.to_lowercase())
        }
    };
    let parsed: Value = serde_json::from_slice(&body).unwrap_or_else(|_| json!({"_raw": String::from_utf8_lossy(&body)}));
    let record = |ok: bool| {
        let mut i = s.inner.lock().unwrap();
        i.tokens_seen.push(token.clone());
        i.calls.push(Call { method: method.clone(), body: parsed.clone(), ok, at: Instant::now() });
    };
    if token != TOKEN {
        record(false);
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"ok": false, "error_code": 401, "description": "Unauthorized"}))).into_response();
    }
    match method.as_str() {
        "getme" => {
            record(true);
            ok(
                json!({"id": BOT_ID, "is_bot": true, "first_name": "Kasip", "username": BOT_USERNAME, "can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": true, "can_connect_to_business": false, "has_main_web_app": false}),
            )
        }
        "getupdates" => {
            if std::mem::take(&mut s.inner.lock().unwrap().conflict_next) {
                record(false);
                return (
                    StatusCode::CONFLICT,
                    axum::Json(json!({"ok": false, "error_code": 409, "description": "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"})),
                )
                    .into_response();
            }
            let offset = parsed["offset"].as_i64().unwrap_or(0);
            let limit = parsed["limit"].as_u64().unwrap_or(100).clamp(1, 100) as usize;
            let timeout = parsed["timeout"].as_u64().unwrap_or(0).min(1);
            let deadline = Instant::now() + Duration::from_secs(timeout);
            loop {
                let notified = s.notify.notified();
                {
                    let mut i = s.inner.lock().unwrap();
                    if i.replay_all_once {
                        i.replay_all_once = false;
                        let all = i.all_updates.clone();
                        drop(i);
                        record(true);
                        return ok(Value::Array(all));
                    }
                    i.queue.retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
                    if !i.queue.is_empty() || Instant::now() >= deadline {
                        let out = Value::Array(i.queue.iter().take(limit).cloned().collect());
                        drop(i);
                        record(true);
                        return ok(out);
                    }
                }
                let _ = tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), notified).await;
            }
        }
        "sendmessage" | "editmessagetext" | "senddocument" => {
            if s.inner.lock().unwrap().hold {
                while s.inner.lock().unwrap().hold {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                return (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({"ok": false, "error_code": 500, "description": "Internal Server Error"})))
                    .into_response();
            }
            if method == "sendmessage" {
                let mut i = s.inner.lock().unwrap();
                if parsed["chat_id"].as_i64().is_some_and(|c| i.blocked.contains(&c)) {
                    drop(i);
                    record(false);
                    return (
                        StatusCode::FORBIDDEN,
                        axum::Json(json!({"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})),
                    )
                        .into_response();
                }
                i.send_count += 1;
                if i.too_many_left > 0 {
                    i.too_many_left -= 1;
                    drop(i);
                    record(false);
                    return (
                        StatusCode::TOO_MANY_REQUESTS,
                        axum::Json(
                            json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1", "parameters": {"retry_after": 1}}),
                        ),
                    )
                        .into_response();
                }
                if i.fail_every.is_some_and(|n| i.send_count % n == 0) {
                    drop(i);
                    record(false);
                    return (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({"ok": false, "error_code": 500, "description": "Internal Server Error"})))
                        .into_response();
                }
            }
            record(true);
            let mut i = s.inner.lock().unwrap();
            i.next_message_id += 1;
            let chat_id = parsed["chat_id"].as_i64().unwrap_or(1);
            let id = parsed["message_id"].as_i64().unwrap_or(i.next_message_id);
            let text = parsed["text"].as_str().unwrap_or("").to_string();
            ok(
                json!({"message_id": id, "date": 1_700_000_000, "chat": {"id": chat_id, "type": "private", "first_name": "U"}, "from": {"id": BOT_ID, "is_bot": true, "first_name": "Kasip", "username": BOT_USERNAME}, "text": text}),
            )
        }
        "getfile" => {
            record(true);
            let id = parsed["file_id"].as_str().unwrap_or("").to_string();
            ok(json!({"file_id": id, "file_unique_id": "u", "file_size": 100, "file_path": format!("docs/{id}")}))
        }
        "answercallbackquery" | "answerinlinequery" | "setmycommands" | "deletewebhook" | "setwebhook" => {
            record(true);
            ok(json!(true))
        }
        _ => {
            record(false);
            (StatusCode::NOT_FOUND, axum::Json(json!({"ok": false, "error_code": 404, "description": "Not Found: method not found"}))).into_response()
        }
    }
}

// ----- updates -----------------------------------------------------------------------------------

pub fn user(id: i64, lang: &str) -> Value {
    json!({"id": id, "is_bot": false, "first_name": "User", "language_code": lang})
}

pub fn private_text(update_id: i64, user_id: i64, lang: &str, text: &str) -> Value {
    json!({"update_id": update_id, "message": {"message_id": update_id, "date": 1_700_000_000, "chat": {"id": user_id, "type": "private", "first_name": "User"}, "from": user(user_id, lang), "text": text}})
}

pub fn group_text(update_id: i64, chat_id: i64, user_id: i64, text: &str, reply_to_bot: bool) -> Value {
    let mut m = json!({"message_id": update_id, "date": 1_700_000_000, "chat": {"id": chat_id, "type": "supergroup", "title": "Consultants"}, "from": user(user_id, "ru"), "text": text});
    if reply_to_bot {
        m["reply_to_message"] = json!({"message_id": 7, "date": 1_700_000_000, "chat": {"id": chat_id, "type": "supergroup", "title": "Consultants"}, "from": {"id": BOT_ID, "is_bot": true, "first_name": "Kasip", "username": BOT_USERNAME}, "text": "❓"});
    }
    json!({"update_id": update_id, "message": m})
}

pub fn callback(update_id: i64, user_id: i64, lang: &str, data: &str, message_id: i64) -> Value {
    json!({"update_id": update_id, "callback_query": {"id": format!("cb{update_id}"), "from": user(user_id, lang), "chat_instance": "ci", "data": data,
        "message": {"message_id": message_id, "date": 1_700_000_000, "chat": {"id": user_id, "type": "private", "first_name": "User"}, "from": {"id": BOT_ID, "is_bot": true, "first_name": "Kasip", "username": BOT_USERNAME}, "text": "?"}}})
}

pub fn inline(update_id: i64, user_id: i64, lang: &str, query: &str) -> Value {
    json!({"update_id": update_id, "inline_query": {"id": format!("iq{update_id}"), "from": user(user_id, lang), "query": query, "offset": ""}})
}

pub fn document(update_id: i64, user_id: i64, file_id: &str, name: &str, mime: &str) -> Value {
    json!({"update_id": update_id, "message": {"message_id": update_id, "date": 1_700_000_000, "chat": {"id": user_id, "type": "private", "first_name": "User"}, "from": user(user_id, "ru"),
        "document": {"file_id": file_id, "file_unique_id": format!("u{file_id}"), "file_name": name, "mime_type": mime, "file_size": 100}}})
}

pub fn photo(update_id: i64, user_id: i64, lang: &str) -> Value {
    json!({"update_id": update_id, "message": {"message_id": update_id, "date": 1_700_000_000, "chat": {"id": user_id, "type": "private", "first_name": "User"}, "from": user(user_id, lang),
        "photo": [{"file_id": "P", "file_unique_id": "PU", "width": 1, "height": 1, "file_size": 10}]}})
}

// ----- the real binary ---------------------------------------------------------------------------

/// A stand-in, and `kasip` started against it with its database in a fresh directory
/// (`dir/kasip.db`; the directory lives as long as the returned guard).
pub async fn setup(extra_env: &[(&str, &str)]) -> (StandIn, Kasip, tempfile::TempDir) {
    let s = StandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    let k = Kasip::start(&s, &dir.path().join("kasip.db"), extra_env);
    (s, k, dir)
}

pub struct Kasip {
    child: Child,
    pub log: std::path::PathBuf,
}

impl Kasip {
    /// Starts `kasip` (the bot) against the stand-in, with its database at `db`.
    pub fn start(stand_in: &StandIn, db: &std::path::Path, extra_env: &[(&str, &str)]) -> Kasip {
        Self::start_binary(env!("CARGO_BIN_EXE_kasip").as_ref(), stand_in, db, extra_env)
    }

    pub fn start_binary(binary: &std::path::Path, stand_in: &StandIn, db: &std::path::Path, extra_env: &[(&str, &str)]) -> Kasip {
        Self::start_limited(binary, stand_in, db, extra_env, None)
    }

    /// Starts `kasip` with at most `nofile` open files (like `prlimit --nofile`).
    pub fn start_limited(binary: &std::path::Path, stand_in: &StandIn, db: &std::path::Path, extra_env: &[(&str, &str)], nofile: Option<u64>) -> Kasip {
        let log = db.with_extension("log");
        let log_file = std::fs::OpenOptions::new().create(true).append(true).open(&log).unwrap();
        let mut cmd = Command::new(binary);
        cmd.env_clear()
            .env("TELOXIDE_TOKEN", TOKEN)
            .env("TELOXIDE_API_URL", stand_in.api_url())
            .env("KASIP_DB", db)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log_file);
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        if let Some(n) = nofile {
            use std::os::unix::process::CommandExt;
            // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
            unsafe {
                cmd.pre_exec(move || {
                    let lim = libc::rlimit { rlim_cur: n as libc::rlim_t, rlim_max: n as libc::rlim_t };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        Kasip { child: cmd.spawn().unwrap(), log }
    }

    /// SIGTERM, then waits for a graceful exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        // SAFETY: sending a signal to our own child process; no memory is involved.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("kasip did not stop on SIGTERM; log:\n{}", std::fs::read_to_string(&self.log).unwrap_or_default());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM and waits at most `secs`; `None` if still running then (it is then killed).
    pub fn stop_within(mut self, secs: f64) -> (Option<std::process::ExitStatus>, Duration) {
        let t = Instant::now();
        // SAFETY: sending a signal to our own child process; no memory is involved.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (Some(status), t.elapsed());
            }
            if t.elapsed().as_secs_f64() > secs {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return (None, t.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: the process dies at once, whatever it was doing.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for the process to exit by itself, at most `secs`.
    pub fn wait_exit(&mut self, secs: u64) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if let Some(s) = self.child.try_wait().unwrap() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Kasip {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Button callback data of a sendMessage/editMessageText body, row by row.
pub fn button_data(body: &Value) -> Vec<String> {
    body["reply_markup"]["inline_keyboard"].as_array().map_or(Vec::new(), |rows| {
        rows.iter().flat_map(|r| r.as_array().unwrap().iter().map(|b| b["callback_data"].as_str().unwrap_or("").to_string())).collect()
    })
}

pub fn text(body: &Value) -> String {
    body["text"].as_str().unwrap_or("").to_string()
}

/// Load scripts: a number from the environment, or the default.
pub fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Load scripts: a process's peak resident memory (VmHWM) in kB.
pub fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

/// Load scripts: the `p` quantile of sorted durations.
pub fn pct(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

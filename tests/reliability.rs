//! Faults, restarts, secrets and bad start-up conditions, through the real binary and the local
//! Bot API stand-in.

mod support;

use serde_json::Value;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_query_is_answered_once_through_5xx_and_429() {
    let s = StandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    s.fail_every(3);
    s.too_many_requests(4);
    let k = Kasip::start(&s, &dir.path().join("k.db"), &[]);
    let queries = ["нейрохирург", "онколог", "педиатр", "бактериолог", "звукооператор", "видеомонтажер", "иллюстратор", "графический дизайнер"];
    for (i, q) in queries.iter().enumerate() {
        s.push(private_text(i as i64 + 1, 1000 + i as i64, "ru", q));
    }
    s.wait_for("sendMessage", 30, |c| c.len() >= queries.len()).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let sent = s.ok_calls("sendMessage");
    assert_eq!(sent.len(), queries.len(), "each query answered exactly once");
    for i in 0..queries.len() {
        let chat = 1000 + i as i64;
        let n = sent.iter().filter(|b| b["chat_id"] == chat).count();
        assert_eq!(n, 1, "chat {chat}");
        assert!(text(sent.iter().find(|b| b["chat_id"] == chat).unwrap()).contains("✅"));
    }
    let failed = s.calls().iter().filter(|c| c.method == "sendmessage" && !c.ok).count();
    assert!(failed >= 5, "faults were injected ({failed})");
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_neither_repeats_nor_drops_answers() {
    let (s, k, dir) = setup(&[]).await;
    let db = dir.path().join("kasip.db");
    s.push(private_text(1, 100, "ru", "нейрохирург"));
    s.reply_number(100, 1).await;
    assert!(k.stop().success());
    // While the bot is down an update arrives; and Telegram re-sends the old one as if it had
    // never been confirmed.
    s.push(private_text(2, 200, "ru", "онколог"));
    s.replay_all_once();
    let k = Kasip::start(&s, &db, &[]);
    s.reply_number(200, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let sent: Vec<Value> = s.ok_calls("sendMessage");
    assert_eq!(sent.iter().filter(|b| b["chat_id"] == 100).count(), 1, "update 1 not answered twice");
    assert_eq!(sent.iter().filter(|b| b["chat_id"] == 200).count(), 1, "update 2 answered");
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_never_reaches_the_logs() {
    let s = StandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    // Every call fails once in a while, so errors are logged too.
    s.fail_every(2);
    let k = Kasip::start(&s, &dir.path().join("k.db"), &[("RUST_LOG", "trace")]);
    s.push(private_text(1, 100, "ru", "нейрохирург"));
    s.push(private_text(2, 101, "ru", "врач"));
    s.reply_number(101, 1).await;
    s.reply_number(100, 1).await;
    let log = k.log_text();
    assert!(k.stop().success());
    let log = log + &std::fs::read_to_string(dir.path().join("k.log")).unwrap_or_default();
    assert!(log.len() > 1000, "trace logging produced output");
    let secret = TOKEN.split(':').nth(1).unwrap();
    assert!(!log.contains(secret), "the token's secret part appears in the logs");
    assert!(!log.contains(TOKEN));
    assert!(s.tokens_seen().iter().all(|t| t == TOKEN));
}

fn run_bot_expecting_failure(env: &[(&str, &str)]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kasip")).env_clear().envs(env.iter().copied()).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn missing_or_bad_token_is_a_clear_error() {
    let (code, err) = run_bot_expecting_failure(&[]);
    assert_eq!(code, 2);
    assert!(err.contains("TELOXIDE_TOKEN") && err.contains("kasip match"), "{err}");
    let (code, err) = run_bot_expecting_failure(&[("TELOXIDE_TOKEN", "hunter2-not-a-token")]);
    assert_eq!(code, 2);
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn unusable_database_is_a_clear_start_up_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.db");
    std::fs::write(&bad, vec![b'x'; 4096]).unwrap();
    let (code, err) = run_bot_expecting_failure(&[("TELOXIDE_TOKEN", TOKEN), ("KASIP_DB", bad.to_str().unwrap()), ("TELOXIDE_API_URL", "http://127.0.0.1:9/")]);
    assert_eq!(code, 1);
    assert!(err.contains("bad.db"), "{err}");
    let (code, err) =
        run_bot_expecting_failure(&[("TELOXIDE_TOKEN", TOKEN), ("KASIP_DB", "/nonexistent/dir/k.db"), ("TELOXIDE_API_URL", "http://127.0.0.1:9/")]);
    assert_eq!(code, 1);
    assert!(err.contains("/nonexistent/dir/k.db"), "{err}");
}

#[test]
fn webhook_without_secret_is_refused_at_start() {
    let (code, err) = run_bot_expecting_failure(&[("TELOXIDE_TOKEN", TOKEN), ("KASIP_WEBHOOK_URL", "https://example.org/hook")]);
    assert_eq!(code, 2);
    assert!(err.contains("KASIP_WEBHOOK_SECRET"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_refuses_requests_without_the_secret() {
    let s = StandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let listen = format!("127.0.0.1:{port}");
    let k = Kasip::start(
        &s,
        &dir.path().join("k.db"),
        &[("KASIP_WEBHOOK_URL", "https://kasip.example.org/hook"), ("KASIP_WEBHOOK_SECRET", "s3cret-Token_1"), ("KASIP_WEBHOOK_LISTEN", &listen)],
    );
    let set = s.wait_for("setWebhook", 15, |c| !c.is_empty()).await;
    assert!(set[0].to_string().contains("s3cret-Token_1"), "the secret is registered with Telegram: {}", set[0]);
    let client = reqwest::Client::new();
    let url = format!("http://{listen}/hook");
    let update = private_text(1, 100, "ru", "нейрохирург");
    // The listener may need a moment after setWebhook.
    let mut status = None;
    for _ in 0..50 {
        if let Ok(r) = client.post(&url).json(&update).send().await {
            status = Some(r.status());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status.map(|s| s.as_u16()), Some(401), "no secret header: refused");
    let wrong = client.post(&url).header("X-Telegram-Bot-Api-Secret-Token", "guess").json(&update).send().await.unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(s.ok_calls("sendMessage").is_empty(), "a refused update is not answered");
    let ok = client.post(&url).header("X-Telegram-Bot-Api-Secret-Token", "s3cret-Token_1").json(&update).send().await.unwrap();
    assert!(ok.status().is_success());
    assert!(text(&s.reply_number(100, 1).await).contains("2217-4-001"));
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_log_write_never_stops_a_reply() {
    let (s, k, dir) = setup(&[]).await;
    let db = dir.path().join("kasip.db");
    s.push(private_text(1, 100, "ru", "нейрохирург"));
    s.reply_number(100, 1).await;
    // Break the query log under the running bot.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    conn.execute_batch("DROP TABLE query_log;").unwrap();
    drop(conn);
    s.push(private_text(2, 100, "ru", "онколог"));
    assert!(text(&s.reply_number(100, 2).await).contains("2211-7-004"));
    assert!(k.log_text().contains("could not log the query"), "{}", k.log_text());
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_edited_and_hostile_messages_are_answered() {
    let (s, k, _dir) = setup(&[]).await;
    // 4096 characters: a job title followed by a paste.
    let long = format!("нейрохирург {}", "ж".repeat(4084));
    s.push(private_text(1, 100, "ru", &long));
    s.reply_number(100, 1).await;
    // An edited message is answered again, for the corrected text.
    let mut edited = private_text(2, 100, "ru", "онколог");
    let m = edited["message"].take();
    edited = serde_json::json!({"update_id": 2, "edited_message": m});
    edited["edited_message"]["edit_date"] = serde_json::json!(1_700_000_100);
    s.push(edited);
    assert!(text(&s.reply_number(100, 2).await).contains("2211-7-004"));
    // Zero-width joiners, bidi overrides, combining marks, NUL and a flood of emoji.
    let hostile = format!("\u{202e}нейро\u{200b}хирург\u{0}{}", "😀".repeat(3000));
    s.push(private_text(3, 100, "ru", &hostile));
    let r = s.reply_number(100, 3).await;
    assert!(!text(&r).is_empty());
    s.push(private_text(4, 100, "ru", "е\u{0301}\u{0301}\u{0301}"));
    assert!(!text(&s.reply_number(100, 4).await).is_empty());
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_lines_count_towards_the_flood_limit() {
    // 5 messages a minute, batches of 3: 6 lines a minute (two full batches).
    let (s, k, _dir) = setup(&[("KASIP_RATE_LIMIT", "5"), ("KASIP_BATCH_MAX", "3")]).await;
    s.push(private_text(1, 100, "ru", "врач\nинженер\nдизайнер\nхирург"));
    assert!(text(&s.reply_number(100, 1).await).contains("3"));
    s.push(private_text(2, 100, "ru", "онколог\nпедиатр"));
    assert!(text(&s.reply_number(100, 2).await).contains("2"));
    s.push(private_text(3, 100, "ru", "онколог\nпедиатр"));
    assert!(text(&s.reply_number(100, 3).await).contains("Слишком много строк"));
    s.push(private_text(4, 100, "ru", "онколог"));
    assert!(text(&s.reply_number(100, 4).await).contains("2211-7-004"), "a message that fits is still answered");
    assert!(k.stop().success());
}

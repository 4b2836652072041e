//! The durable update pipeline, through the real binary and the Bot API stand-in: crashes, stops
//! during outages, a second instance, a locked database, webhook re-delivery, forum topics and
//! anonymous admins, /forget, update ids going backwards, floods.

mod support;

use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use support::*;

/// Replies per token `qx<n>` (the not-listed answer quotes the query).
fn answered(s: &StandIn) -> HashMap<usize, usize> {
    let mut m = HashMap::new();
    for b in s.ok_calls("sendMessage") {
        let t = text(&b);
        if let Some(i) = t.find("qx") {
            let n: String = t[i + 2..].chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = n.parse() {
                *m.entry(n).or_default() += 1;
            }
        }
    }
    m
}

async fn wait_answered(s: &StandIn, n: usize, secs: u64) -> HashMap<usize, usize> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let a = answered(s);
        if (0..n).all(|i| a.contains_key(&i)) || Instant::now() > deadline {
            // A moment more so late duplicates would show.
            tokio::time::sleep(Duration::from_millis(300)).await;
            return answered(s);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn token_text(i: usize) -> String {
    format!("парикмахер qx{i}")
}

fn db_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().unwrap().to_string_lossy().starts_with("kasip.db") {
            all.extend(std::fs::read(&p).unwrap());
        }
    }
    all
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|w| *w == needle).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_with_a_backlog_then_restart_answers_every_update_once() {
    let (s, k, dir) = setup(&[("KASIP_RATE_LIMIT", "100000")]).await;
    s.wait_for("setMyCommands", 15, |c| c.len() >= 4).await;
    const N: usize = 1500;
    for i in 0..N {
        s.push(private_text(i as i64 + 1, 5000 + (i % 50) as i64, "ru", &token_text(i)));
    }
    // Kill while replies are going out: calls in flight at the kill never reach "Telegram".
    s.wait_for("sendMessage", 30, |c| c.len() >= 150).await;
    s.hold(true);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = answered(&s).len();
    let fetched = N - s.unconfirmed();
    k.kill9();
    s.hold(false);
    assert!(before < N, "the kill came while a backlog was left ({before} answered)");
    let k = Kasip::start(&s, &dir.path().join("kasip.db"), &[("KASIP_RATE_LIMIT", "100000")]);
    let a = wait_answered(&s, N, 60).await;
    let missing: Vec<usize> = (0..N).filter(|i| !a.contains_key(i)).collect();
    let twice: Vec<usize> = (0..N).filter(|i| a.get(i).is_some_and(|n| *n > 1)).collect();
    assert!(
        missing.is_empty(),
        "killed with {before} answered, {fetched} fetched: never answered {} e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    assert!(twice.is_empty(), "answered twice: {twice:?}");
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_an_outage_exits_by_the_deadline_and_loses_nothing() {
    let env = [("KASIP_SHUTDOWN_SECS", "3")];
    let (s, k, dir) = setup(&env).await;
    for i in 0..20 {
        s.push(private_text(i as i64 + 1, 6000 + (i % 10) as i64, "ru", &token_text(i)));
    }
    wait_answered(&s, 20, 20).await;
    s.outage(true);
    for i in 20..60 {
        s.push(private_text(i as i64 + 1, 6000 + (i % 10) as i64, "ru", &token_text(i)));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while s.unconfirmed() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, took) = k.stop_within(8.0);
    let status = status.unwrap_or_else(|| panic!("still running {took:?} after SIGTERM"));
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(5), "exit took {took:?} with a 3 s deadline");
    s.outage(false);
    let k = Kasip::start(&s, &dir.path().join("kasip.db"), &env);
    let a = wait_answered(&s, 60, 30).await;
    let missing: Vec<usize> = (0..60).filter(|i| !a.contains_key(i)).collect();
    assert!(missing.is_empty(), "lost: {missing:?}");
    assert!(a.values().all(|n| *n == 1), "answered twice: {a:?}");
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_instance_on_the_same_database_refuses_to_start() {
    let (s, k, dir) = setup(&[]).await;
    s.wait_for("getUpdates", 15, |c| !c.is_empty()).await;
    let db = dir.path().join("kasip.db");
    let mut second = Kasip::start(&s, &db, &[]);
    let status = second.wait_exit(10).expect("the second instance exits");
    assert_eq!(status.code(), Some(1));
    assert!(second.log_text().contains("another kasip is already running"), "{}", second.log_text());
    s.push(private_text(1, 100, "ru", "нейрохирург"));
    assert!(text(&s.reply_number(100, 1).await).contains("2217-4-001"), "the first one still answers");
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_409_from_get_updates_stops_the_bot_with_a_clear_error() {
    let (s, mut k, _dir) = setup(&[]).await;
    s.wait_for("getUpdates", 15, |c| !c.is_empty()).await;
    s.conflict_next();
    s.push(private_text(1, 100, "ru", "нейрохирург"));
    let status = k.wait_exit(15).expect("exits on 409");
    assert_eq!(status.code(), Some(1));
    let log = k.log_text();
    assert!(log.contains("409") && log.contains("only one instance"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outside_lock_on_the_database_does_not_hold_replies() {
    let (s, k, dir) = setup(&[]).await;
    s.push(private_text(1, 100, "ru", "нейрохирург"));
    s.reply_number(100, 1).await;
    let db = dir.path().join("kasip.db");
    let lock = rusqlite::Connection::open(&db).unwrap();
    lock.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let locked_at = Instant::now();
    let mut sent = Vec::new();
    for i in 0..20 {
        let chat = 7000 + i;
        sent.push((chat, Instant::now()));
        s.push(private_text(10 + i, chat, "ru", "нейрохирург"));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let mut lat = Vec::new();
    for (chat, at) in &sent {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let got = s.calls().into_iter().find(|c| c.ok && c.method == "sendmessage" && c.body["chat_id"] == *chat);
            if let Some(c) = got {
                lat.push(c.at.duration_since(*at));
                break;
            }
            assert!(Instant::now() < deadline, "chat {chat} never answered");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    let held = locked_at.elapsed();
    let wait = Duration::from_secs(10).saturating_sub(held);
    tokio::time::sleep(wait).await;
    lock.execute_batch("COMMIT").unwrap();
    drop(lock);
    lat.sort();
    let median = lat[lat.len() / 2];
    assert!(median < Duration::from_secs(1), "median reply {median:?} while the database was locked ({lat:?})");
    // Once the lock is gone everything reaches the inbox and is recorded as answered.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let c = rusqlite::Connection::open(&db).unwrap();
        let (rows, pending): (i64, i64) =
            c.query_row("SELECT count(*), count(*) FILTER (WHERE done_at IS NULL) FROM inbox", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        if rows >= 21 && pending == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "inbox after the lock: {rows} rows, {pending} pending");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(k.stop().success());
}

async fn post(client: &reqwest::Client, url: &str, secret: &str, body: &Value) -> Option<u16> {
    client.post(url).header("X-Telegram-Bot-Api-Secret-Token", secret).json(body).send().await.ok().map(|r| r.status().as_u16())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_redelivery_is_answered_once_and_idle_connections_do_not_lock_it_out() {
    let s = StandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let listen = format!("127.0.0.1:{port}");
    let secret = "s3cret-Token_1";
    let k = Kasip::start_limited(
        env!("CARGO_BIN_EXE_kasip").as_ref(),
        &s,
        &dir.path().join("kasip.db"),
        &[("KASIP_WEBHOOK_URL", "https://kasip.example.org/hook"), ("KASIP_WEBHOOK_SECRET", secret), ("KASIP_WEBHOOK_LISTEN", &listen)],
        Some(128),
    );
    s.wait_for("setWebhook", 15, |c| !c.is_empty()).await;
    let url = format!("http://{listen}/hook");
    let client = reqwest::Client::new();
    let update = private_text(1, 100, "ru", "нейрохирург");
    let mut first = None;
    for _ in 0..50 {
        first = post(&client, &url, secret, &update).await;
        if first.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(first, Some(200));
    // Telegram delivers it again (a slow answer, a lost 200).
    assert_eq!(post(&client, &url, secret, &update).await, Some(200));
    s.reply_number(100, 1).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(s.ok_calls("sendMessage").iter().filter(|b| b["chat_id"] == 100).count(), 1, "answered once");
    // More idle connections than the bot may have open files.
    let mut idle = Vec::new();
    for _ in 0..150 {
        match tokio::time::timeout(Duration::from_secs(1), tokio::net::TcpStream::connect(&listen)).await {
            Ok(Ok(c)) => idle.push(c),
            _ => break,
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let t = Instant::now();
    let fresh = reqwest::Client::new();
    let st = tokio::time::timeout(Duration::from_secs(8), post(&fresh, &url, secret, &private_text(2, 200, "ru", "онколог"))).await;
    assert_eq!(st.ok().flatten(), Some(200), "a valid update is taken with {} idle connections open", idle.len());
    s.reply_number(200, 1).await;
    assert!(t.elapsed() < Duration::from_secs(3), "answered in {:?}", t.elapsed());
    // A malformed body is refused without being logged.
    let bad = client.post(&url).header("X-Telegram-Bot-Api-Secret-Token", secret).body("{\"name\": \"Private Person\"").send().await.unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    drop(idle);
    assert!(k.stop().success());
    assert!(!k_log(&dir).contains("Private Person"));
}

fn k_log(dir: &tempfile::TempDir) -> String {
    std::fs::read_to_string(dir.path().join("kasip.log")).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forum_topics_anonymous_admins_and_our_own_inline_results() {
    let (s, k, _dir) = setup(&[]).await;
    let forum = json!({"id": -1001000000077i64, "type": "supergroup", "title": "Forum", "is_forum": true});
    let group = json!({"id": -1001000000088i64, "type": "supergroup", "title": "Clients"});
    let mention = format!("@{BOT_USERNAME} нейрохирург");
    s.push(json!({"update_id": 1, "message": {"message_id": 501, "message_thread_id": 77, "is_topic_message": true, "date": 1_700_000_000, "chat": forum, "from": user(810001, "ru"), "text": mention}}));
    s.push(json!({"update_id": 2, "message": {"message_id": 601, "date": 1_700_000_000, "chat": group, "sender_chat": group,
        "from": {"id": 1087968824i64, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot"}, "text": format!("{mention}")}}));
    s.push(json!({"update_id": 3, "message": {"message_id": 602, "date": 1_700_000_000, "chat": group, "sender_chat": group,
        "from": {"id": 1087968824i64, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot"}, "text": "/help"}}));
    // Our own inline answer posted in a group where the bot is: not a question.
    s.push(json!({"update_id": 4, "message": {"message_id": 603, "date": 1_700_000_000, "chat": group, "from": user(810002, "ru"),
        "via_bot": {"id": BOT_ID, "is_bot": true, "first_name": "Kasip", "username": BOT_USERNAME}, "text": format!("✅ @{BOT_USERNAME}\nВрач-нейрохирург\nКод НКЗ: 2217-4-001\nx")}}));
    // A document in the forum topic.
    s.add_file("docs/F1", "нейрохирург\nонколог\n".as_bytes());
    s.push(json!({"update_id": 5, "message": {"message_id": 502, "message_thread_id": 77, "is_topic_message": true, "date": 1_700_000_000, "chat": forum, "from": user(810001, "ru"),
        "caption": format!("@{BOT_USERNAME}"), "document": {"file_id": "F1", "file_unique_id": "uF1", "file_name": "list.txt", "mime_type": "text/plain", "file_size": 40}}}));
    let forum_reply = s.reply_number(-1001000000077, 1).await;
    assert_eq!(forum_reply["message_thread_id"], 77, "{forum_reply}");
    s.reply_number(-1001000000088, 2).await;
    let docs = s.wait_for("sendDocument", 15, |c| !c.is_empty()).await;
    let raw = docs[0]["_raw"].as_str().unwrap_or("");
    assert!(raw.contains("name=\"message_thread_id\"\r\n\r\n77"), "the CSV goes to the topic: {}", &raw[..raw.len().min(400)]);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let group_replies = s.ok_calls("sendMessage").into_iter().filter(|b| b["chat_id"] == -1001000000088i64).count();
    assert_eq!(group_replies, 2, "the anonymous admin's mention and /help, not our own inline result");
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_leaves_no_trace_in_the_database_files() {
    let uid: i64 = 424242424242;
    let (s, k, dir) = setup(&[]).await;
    s.push(private_text(1, uid, "en", "/lang"));
    s.reply_number(uid, 1).await;
    s.push(callback(2, uid, "en", "l:kk", 1001));
    s.wait_for("editMessageText", 15, |c| !c.is_empty()).await;
    s.push(private_text(3, uid, "en", "нейрохирург, тел. +7 701 234 56 78"));
    s.reply_number(uid, 2).await;
    s.push(private_text(4, uid, "en", "/forget"));
    s.reply_number(uid, 3).await;
    assert!(k.stop().success());
    let bytes = db_bytes(dir.path());
    let forms: [(&str, Vec<u8>); 4] = [
        ("text", uid.to_string().into_bytes()),
        ("int64", uid.to_be_bytes().to_vec()),
        ("int48", uid.to_be_bytes()[2..].to_vec()),
        ("phone", b"234 56 78".to_vec()),
    ];
    for (name, form) in &forms {
        assert_eq!(count(&bytes, form), 0, "the user's {name} is still in the database files");
    }
    let c = rusqlite::Connection::open(dir.path().join("kasip.db")).unwrap();
    let logged: String = c.query_row("SELECT query FROM query_log ORDER BY id DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    assert_eq!(logged, "нейрохирург, тел. #");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_ids_going_backwards_are_answered() {
    let (s, k, dir) = setup(&[]).await;
    for i in 0..3 {
        s.push(private_text(500_000 + i, 100 + i, "ru", "нейрохирург"));
    }
    s.reply_number(102, 1).await;
    // Telegram starts again from a lower id after a week without updates: by then the bot has
    // confirmed everything and polls without an offset.
    s.wait_for("getUpdates", 10, |c| c.iter().rposition(|b| b.get("offset").is_some()).is_some_and(|i| i + 1 < c.len())).await;
    for i in 0..3 {
        s.push(private_text(10 + i, 200 + i, "ru", "онколог"));
    }
    s.reply_number(202, 1).await;
    assert!(k.stop().success());
    // A new Bot API server (a new stand-in) numbering from 1 again, same database.
    let s2 = StandIn::start().await;
    let k = Kasip::start(&s2, &dir.path().join("kasip.db"), &[]);
    for i in 0..3 {
        s2.push(private_text(10 + i, 300 + i, "ru", "педиатр"));
    }
    for i in 0..3 {
        s2.reply_number(300 + i, 1).await;
    }
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooder_is_refused_cheaply_and_others_are_not_slowed() {
    let (s, k, dir) = setup(&[("KASIP_RATE_LIMIT", "20")]).await;
    s.wait_for("getUpdates", 15, |c| !c.is_empty()).await;
    for i in 0..1000 {
        s.push(private_text(i + 1, 900, "ru", "нейрохирург"));
    }
    for i in 0..300 {
        s.push(inline(2000 + i, 901, "ru", &"нейрохирург"[..2 * (1 + (i as usize % 11))]));
    }
    // The others write while the flood is being taken in.
    s.wait_for("getUpdates", 15, |c| c.len() >= 3).await;
    let mut sent = Vec::new();
    for u in 0..20 {
        sent.push((1000 + u, Instant::now()));
        s.push(private_text(5000 + u, 1000 + u, "ru", "онколог"));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut lat = Vec::new();
    for (chat, at) in &sent {
        let r = s.reply_number(*chat, 1).await;
        assert!(text(&r).contains("2211-7-004"));
        let c = s.calls().into_iter().find(|c| c.ok && c.method == "sendmessage" && c.body["chat_id"] == *chat).unwrap();
        lat.push(c.at.duration_since(*at));
    }
    lat.sort();
    assert!(lat[lat.len() / 2] < Duration::from_millis(300), "others' median reply {:?}", lat[lat.len() / 2]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let flooder = s.ok_calls("sendMessage").into_iter().filter(|b| b["chat_id"] == 900).count();
    assert_eq!(flooder, 21, "20 answers and one notice");
    let inline_answers = s.ok_calls("answerInlineQuery").len();
    assert!(inline_answers <= 80, "inline flood limited too: {inline_answers}");
    // Inline keystrokes are logged once the user stops typing, not each.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(k.stop().success());
    let c = rusqlite::Connection::open(dir.path().join("kasip.db")).unwrap();
    let rows: i64 = c.query_row("SELECT count(*) FROM query_log", [], |r| r.get(0)).unwrap();
    assert!(rows <= 20 + 20 + 2, "query log rows: {rows}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_on_a_big_log_answers_fast_and_holds_nobody() {
    let admin = 777;
    let env = [("KASIP_ADMINS", "777")];
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kasip.db");
    // A log of 100,000 rows from the last days, written by another tool (the triggers count them).
    kasip::store::Store::open(&db).unwrap();
    {
        let mut c = rusqlite::Connection::open(&db).unwrap();
        let now = kasip::store::now();
        let tx = c.transaction().unwrap();
        {
            let mut st = tx.prepare("INSERT INTO query_log (at, lang, verdict, code, query) VALUES (?1, 'ru', ?2, NULL, ?3)").unwrap();
            for i in 0..100_000i64 {
                let verdict = ["listed", "unsure", "not_listed"][(i % 3) as usize];
                st.execute(rusqlite::params![now - (i % (5 * 86400)), verdict, format!("бариста {}", i % 5000)]).unwrap();
            }
        }
        tx.commit().unwrap();
    }
    let s = StandIn::start().await;
    let k = Kasip::start(&s, &db, &env);
    s.wait_for("getUpdates", 15, |c| !c.is_empty()).await;
    let t0 = Instant::now();
    s.push(private_text(1, admin, "ru", "/stats"));
    let mut sent = Vec::new();
    for u in 0..20 {
        sent.push((8000 + u, Instant::now()));
        s.push(private_text(10 + u, 8000 + u, "ru", "нейрохирург"));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stats = text(&s.reply_number(admin, 1).await);
    let stats_took = t0.elapsed();
    assert!(stats.replace([' ', '\u{a0}', '\u{202f}'], "").contains(":10000"), "the total counts the 100,000 rows: {stats}");
    assert!(stats_took < Duration::from_secs(2), "/stats took {stats_took:?}");
    let mut lat = Vec::new();
    for (chat, at) in &sent {
        s.reply_number(*chat, 1).await;
        let c = s.calls().into_iter().find(|c| c.ok && c.method == "sendmessage" && c.body["chat_id"] == *chat).unwrap();
        lat.push(c.at.duration_since(*at));
    }
    lat.sort();
    assert!(lat[lat.len() / 2] < Duration::from_millis(500), "others' median {:?}", lat[lat.len() / 2]);
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_malformed_updates_are_skipped_quietly() {
    let (s, k, dir) = setup(&[]).await;
    s.push(
        json!({"update_id": 1, "message_reaction": {"chat": {"id": 5, "type": "private", "first_name": "Secret Name"}, "message_id": 3, "date": 1_700_000_000,
        "user": {"id": 5, "is_bot": false, "first_name": "Secret Name"}, "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}]}}),
    );
    s.push(json!({"update_id": 2, "message": {"message_id": "not a number", "from": {"first_name": "Secret Name"}}}));
    s.push(private_text(3, 100, "ru", "нейрохирург"));
    assert!(text(&s.reply_number(100, 1).await).contains("2217-4-001"));
    assert!(k.stop().success());
    let log = std::fs::read_to_string(dir.path().join("kasip.log")).unwrap();
    assert!(!log.contains("Secret Name"), "an update body reached the log: {log}");
    assert!(!log.contains("ERROR"), "{log}");
    assert!(!log.contains('\u{1b}'), "colour codes in a log file: {log}");
    let c = rusqlite::Connection::open(dir.path().join("kasip.db")).unwrap();
    let pending: i64 = c.query_row("SELECT count(*) FROM inbox WHERE done_at IS NULL OR body IS NOT NULL", [], |r| r.get(0)).unwrap();
    assert_eq!(pending, 0, "skipped updates are done and keep no body");
}

//! Issue #14 end to end: subscriptions through the 🔔 button, a restart with an amended list
//! (the made-up amendment in tests/fixtures/amendment), exactly one notice to each subscriber whose
//! answer changed, in their language; nothing twice across restarts and a `kill -9` in the middle of
//! a broadcast; a user who blocked the bot is unsubscribed; `kasip diff` and `kasip notify
//! --dry-run` on the fixture.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::*;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/amendment")
}

fn sent_to(s: &StandIn, chat: i64) -> Vec<Value> {
    s.ok_calls("sendMessage").into_iter().filter(|b| b["chat_id"] == chat).collect()
}

/// Waits (at most `secs`) until `pred` holds.
async fn until(secs: u64, pred: impl Fn() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if pred() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    pred()
}

fn sql(db: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(db).unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c
}

fn count(db: &Path, q: &str) -> i64 {
    sql(db).query_row(q, [], |r| r.get(0)).unwrap()
}

/// (user, language, query, presses 🔔)
const USERS: &[(i64, &str, &str, bool)] = &[
    (101, "ru", "видеомонтажер", true),               // 3521-3-003: removed
    (102, "kk", "графикалық дизайнер", true),         // 2166-1: renamed
    (103, "en", "zorbonaut", true),                   // not listed → 9999-9-901 added
    (104, "ru", "нейрохирург", true),                 // unchanged
    (105, "ru", "видеомонтажер", false),              // no press: nothing kept, nothing sent
    (106, "en", "it infrastructure architect", true), // 2521-2-001: moved to engineering
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn those_whose_answer_changed_get_one_notice_each_in_their_language() {
    let s = StandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kasip.db");
    let k = Kasip::start(&s, &db, &[]);
    let mut id = 0;
    let mut next = || {
        id += 1;
        id
    };
    for &(uid, lang, q, _) in USERS {
        s.push(private_text(next(), uid, lang, q));
    }
    for &(uid, lang, q, press) in USERS {
        let r = s.reply_number(uid, 1).await;
        let bell = r["reply_markup"]["inline_keyboard"].as_array().and_then(|rows| rows.last()).map(|row| row[0].clone()).unwrap_or_default();
        assert!(bell["text"].as_str().unwrap_or("").contains('🔔'), "{q}: no 🔔 under {}", text(&r));
        if press {
            let data = bell["callback_data"].as_str().unwrap().to_string();
            s.push(callback(next(), uid, lang, &data, r["_message_id"].as_i64().unwrap_or(1)));
        }
    }
    let toasts = s.wait_for("answerCallbackQuery", 15, |c| c.len() >= 5).await;
    assert!(toasts.iter().any(|t| t["text"].as_str().unwrap_or("").contains("9999") || t["text"].as_str().unwrap_or("").contains("«zorbonaut»")), "{toasts:?}");
    let ru = toasts.iter().find(|t| t["text"].as_str().unwrap_or("").contains("3521-3-003")).expect("the toast names the code kept");
    assert!(ru["text"].as_str().unwrap().contains("Храню только этот чат") && ru["show_alert"] == true, "{ru}");
    assert_eq!(count(&db, "SELECT count(*) FROM subscriptions"), 5, "a subscription per press, none without");
    // /subscriptions lists them with a button to remove each; a press removes it in place.
    s.push(private_text(next(), 104, "ru", "/subscriptions"));
    let r = s.reply_number(104, 2).await;
    assert!(text(&r).contains("2217-4-001") && text(&r).contains("Врач-нейрохирург"), "{}", text(&r));
    let remove = button_data(&r);
    assert!(remove.len() == 1 && remove[0].starts_with("u:"), "{remove:?}");
    k.stop();

    // The amended list: only 101, 102, 103 and 106 are told, once, in their language.
    let before: Vec<usize> = USERS.iter().map(|u| sent_to(&s, u.0).len()).collect();
    let fx = fixture();
    let k = Kasip::start(&s, &db, &[("KASIP_DATA", fx.to_str().unwrap())]);
    let affected = [101, 102, 103, 106];
    let got = until(20, || affected.iter().all(|&u| sent_to(&s, u).len() > before[USERS.iter().position(|x| x.0 == u).unwrap()])).await;
    assert!(got, "notices missing; log:\n{}", k.log_text());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let new_of = |u: i64| {
        let i = USERS.iter().position(|x| x.0 == u).unwrap();
        sent_to(&s, u)[before[i]..].to_vec()
    };
    for u in affected {
        assert_eq!(new_of(u).len(), 1, "user {u}: {:?}", new_of(u));
    }
    for u in [104, 105] {
        assert!(new_of(u).is_empty(), "user {u} got {:?}", new_of(u));
    }
    let t = |u: i64| text(&new_of(u)[0]);
    assert!(t(101).contains("3521-3-003") && t(101).contains("больше нет в перечне") && t(101).contains("№ ТЕСТ-1"), "{}", t(101));
    assert!(t(102).contains("2166-1") && t(102).contains("ресми атауы енді «Дизайнер визуальных коммуникаций»"), "{}", t(102));
    assert!(t(102).contains("Визуалды коммуникациялар дизайнері") && t(102).contains("01.01.2025 бастап күшінде"), "{}", t(102));
    assert!(t(103).contains("«zorbonaut» is now on the list") && t(103).contains("9999-9-901") && t(103).contains("in force since 01.01.2025"), "{}", t(103));
    assert!(t(106).contains("2521-2-001") && t(106).contains("Engineering") && t(106).contains("was Digital"), "{}", t(106));
    // The new answers are recorded; the list served is the fixture's.
    assert_eq!(count(&db, "SELECT count(*) FROM subscriptions WHERE chat_id = 101 AND answer_kind = 'not_listed'"), 1);
    assert_eq!(count(&db, "SELECT count(*) FROM subscriptions WHERE chat_id = 103 AND answer_code = '9999-9-901'"), 1);
    assert_eq!(count(&db, "SELECT count(*) FROM notices"), 0);
    // /about says since when; /forget removes a user's subscriptions.
    s.push(private_text(next(), 103, "en", "/about"));
    let about = s.reply_number(103, 3).await;
    assert!(text(&about).contains("in force since 01.01.2025") && text(&about).contains("/subscriptions"), "{}", text(&about));
    s.push(private_text(next(), 101, "ru", "/forget"));
    s.reply_number(101, before[0] + 2).await;
    assert!(until(5, || count(&db, "SELECT count(*) FROM subscriptions WHERE chat_id = 101") == 0).await);
    k.stop();

    // The same list again: nothing is sent, and the bot answers.
    let mark = s.ok_calls("sendMessage").len();
    let k = Kasip::start(&s, &db, &[("KASIP_DATA", fx.to_str().unwrap())]);
    s.push(private_text(next(), 107, "ru", "нейрохирург"));
    s.reply_number(107, 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let again: Vec<Value> = s.ok_calls("sendMessage")[mark..].iter().filter(|b| b["chat_id"] != 107).cloned().collect();
    assert!(again.is_empty(), "sent again: {again:?}");
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_killed_midway_resumes_without_repeats_and_blocked_users_are_unsubscribed() {
    const N: i64 = 60;
    let s = StandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kasip.db");
    // The built-in list is served and recorded first.
    let k = Kasip::start(&s, &db, &[]);
    assert!(
        until(15, || db.exists()
            && count(&db, "SELECT count(*) FROM sqlite_master WHERE name = 'list_state'") == 1
            && count(&db, "SELECT count(*) FROM list_state") == 1)
        .await
    );
    assert!(k.stop().success());
    {
        let c = sql(&db);
        for chat in 1000..1000 + N {
            c.execute(
                "INSERT INTO subscriptions (chat_id, code, lang, answer_kind, answer_code, created_at) VALUES (?1, '3521-3-003', 'ru', 'listed', '3521-3-003', 0)",
                [chat],
            )
            .unwrap();
        }
    }
    s.block(1000);
    let fx = fixture();
    let env = [("KASIP_DATA", fx.to_str().unwrap()), ("KASIP_NOTICE_RATE", "10")];
    let k = Kasip::start(&s, &db, &env);
    let delivered = || (1000..1000 + N).filter(|&c| !sent_to(&s, c).is_empty()).count();
    assert!(until(20, || delivered() >= 15).await, "log:\n{}", k.log_text());
    // Replies to others keep flowing during the broadcast.
    let asked = Instant::now();
    s.push(private_text(1, 5000, "ru", "нейрохирург"));
    s.reply_number(5000, 1).await;
    let latency = asked.elapsed();
    assert!(latency < Duration::from_secs(1), "a reply took {latency:?} during the broadcast");
    // The pace: at most 10 a second.
    let times: Vec<Instant> = s
        .calls()
        .into_iter()
        .filter(|c| c.ok && c.method == "sendmessage" && c.body["chat_id"].as_i64().is_some_and(|x| x > 1000 && x < 1000 + N))
        .map(|c| c.at)
        .collect();
    let span = times.last().unwrap().duration_since(times[0]).as_secs_f64();
    assert!((times.len() - 1) as f64 / span <= 11.0, "{} notices in {span:.2} s", times.len());
    // kill -9 mid-broadcast; what was in flight never reached Telegram.
    s.hold(true);
    tokio::time::sleep(Duration::from_millis(500)).await;
    k.kill9();
    s.hold(false);
    let at_kill = delivered();
    assert!(at_kill < N as usize - 1, "the broadcast was over before the kill ({at_kill})");
    let k = Kasip::start(&s, &db, &env);
    assert!(until(30, || delivered() == N as usize - 1).await, "{} of {} after the restart; log:\n{}", delivered(), N - 1, k.log_text());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for chat in 1001..1000 + N {
        assert_eq!(sent_to(&s, chat).len(), 1, "chat {chat}");
    }
    assert!(sent_to(&s, 1000).is_empty());
    assert_eq!(count(&db, "SELECT count(*) FROM subscriptions WHERE chat_id = 1000"), 0, "a user who blocked the bot is unsubscribed");
    assert_eq!(count(&db, "SELECT count(*) FROM notices"), 0);
    assert!(k.stop().success());
}

fn kasip(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kasip"));
    cmd.args(args).env_remove("KASIP_DATA").env_remove("KASIP_DB");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn kasip_diff_on_the_fixture() {
    let fx = fixture();
    let fx = fx.to_str().unwrap();
    let (code, out, err) = kasip(&["diff", "builtin", fx], &[]);
    assert_eq!(code, 1, "{err}");
    for want in [
        "+ 9999-9-901",
        "- 3521-3-003",
        "~ 2166-1      Графический дизайнер → Дизайнер визуальных коммуникаций",
        "> 2521-2-001",
        "[digital] → [engineering]",
        "ТЕСТ-1",
    ] {
        assert!(out.contains(want), "{want:?} not in\n{out}");
    }
    assert!(!out.contains("2217-4-001"), "an unchanged code is not reported:\n{out}");
    let (code, out, _) = kasip(&["diff", "--json", "builtin", fx], &[]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["added"][0]["code"], "9999-9-901");
    assert_eq!(v["removed"][0]["code"], "3521-3-003");
    assert_eq!((v["renamed"][0]["code"].as_str(), v["renamed"][0]["to"]["ru"].as_str()), (Some("2166-1"), Some("Дизайнер визуальных коммуникаций")));
    assert_eq!(v["moved"][0]["to"][0], "engineering");
    assert_eq!((v["new"]["version"].as_str(), v["new"]["in_force"].as_str()), (Some("No. ТЕСТ-1 of 2024-12-01"), Some("2025-01-01")));
    // Before the made-up amendment's day the lists are the same; the same list is no difference.
    assert_eq!(kasip(&["diff", "--on", "2024-12-31", "builtin", fx], &[]).0, 0);
    assert_eq!(kasip(&["diff", "builtin", "builtin"], &[]).0, 0);
    // From 2999 the second made-up amendment applies too.
    let (_, out, _) = kasip(&["diff", "--on", "2999-01-01", "builtin", fx], &[]);
    assert!(out.contains("+ 9999-9-902"), "{out}");
    // A list that cannot be loaded: exit 2 with the reason.
    let (code, _, err) = kasip(&["diff", "builtin", "/nonexistent/kasip-data"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/kasip-data"), "{err}");
    let (code, _, err) = kasip(&["diff", "--on", "2025-02-30", "builtin", fx], &[]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn kasip_notify_dry_run_counts_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kasip.db");
    drop(kasip::store::Store::open(&db).unwrap());
    {
        let c = sql(&db);
        for (chat, code, query, kind, acode) in [
            (1, Some("3521-3-003"), None, "listed", Some("3521-3-003")),
            (2, Some("3521-3-003"), None, "listed", Some("3521-3-003")),
            (3, None, Some("zorbonaut"), "not_listed", None),
            (4, Some("2217-4-001"), None, "listed", Some("2217-4-001")),
        ] {
            c.execute(
                "INSERT INTO subscriptions (chat_id, code, query, lang, answer_kind, answer_code, created_at) VALUES (?1, ?2, ?3, 'ru', ?4, ?5, 0)",
                rusqlite::params![chat, code, query, kind, acode],
            )
            .unwrap();
        }
    }
    let fx = fixture();
    let (code, out, err) = kasip(&["notify", "--dry-run", "--data", fx.to_str().unwrap()], &[("KASIP_DB", db.to_str().unwrap())]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("4 subscriptions in 4 chats"), "{out}");
    assert!(out.contains("removed  3521-3-003  Видеомонтажер — 2 subscribers"), "{out}");
    assert!(out.contains("added    9999-9-901  Зорбонавт — 1 subscriber"), "{out}");
    assert!(out.contains("renamed  2166-1") && out.contains("— 0 subscribers"), "{out}");
    assert!(out.contains("3 chat(s) would get one message each"), "{out}");
    assert!(!out.contains("2217-4-001"), "{out}");
    assert_eq!(count(&db, "SELECT count(*) FROM notices"), 0, "nothing queued");
    assert_eq!(count(&db, "SELECT count(*) FROM subscriptions WHERE answer_kind = 'listed'"), 3, "nothing rewritten");
    // Without --dry-run it explains that the bot sends the notices, and does nothing.
    let (code, _, err) = kasip(&["notify", "--data", fx.to_str().unwrap()], &[("KASIP_DB", db.to_str().unwrap())]);
    assert_eq!(code, 2);
    assert!(err.contains("--dry-run"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bell_stands_under_answers_only_and_a_subscription_is_removed_in_place() {
    let (s, k, dir) = setup(&[]).await;
    let db = dir.path().join("kasip.db");
    // A question has no 🔔; the answer chosen under it has one, in place.
    s.push(private_text(1, 100, "ru", "архитектор"));
    let q = s.reply_number(100, 1).await;
    assert!(button_data(&q).iter().all(|d| !d.starts_with("s:")), "{:?}", button_data(&q));
    s.push(callback(2, 100, "ru", "a:2523-0-006", 555));
    let e = s.wait_for("editMessageText", 15, |c| !c.is_empty()).await;
    assert_eq!(button_data(&e[0]).last().map(String::as_str), Some("s:c:2523-0-006"));
    // A profession offered under ❌ opens below with its own 🔔.
    s.push(private_text(3, 100, "en", "nurse"));
    let r = s.reply_number(100, 2).await;
    assert!(button_data(&r).last().unwrap().starts_with("s:q:nurse"), "{:?}", button_data(&r));
    s.push(callback(4, 100, "en", "p:2217-4-001", 556));
    let shown = s.reply_number(100, 3).await;
    assert_eq!(button_data(&shown), ["s:c:2217-4-001"]);
    // A batch gets none.
    s.push(private_text(5, 100, "ru", "нейрохирург\nхирург"));
    assert!(button_data(&s.reply_number(100, 4).await).is_empty());
    // Subscribe twice (the second press says so), then remove it from /subscriptions.
    s.push(callback(6, 100, "ru", "s:c:2217-4-001", 557));
    s.push(callback(7, 100, "ru", "s:c:2217-4-001", 557));
    let toasts = s.wait_for("answerCallbackQuery", 15, |c| c.len() >= 4).await;
    assert!(toasts[3]["text"].as_str().unwrap().contains("уже следите"), "{}", toasts[3]);
    s.push(private_text(8, 100, "ru", "/subscriptions"));
    let list = s.reply_number(100, 5).await;
    let rm = button_data(&list);
    assert!(text(&list).contains("1. 2217-4-001 Врач-нейрохирург — в перечне") && rm.len() == 1, "{}", text(&list));
    s.push(callback(9, 100, "ru", &rm[0], 558));
    let e = s.wait_for("editMessageText", 15, |c| c.len() >= 2).await;
    assert!(text(&e[1]).contains("не следите"), "{}", text(&e[1]));
    assert_eq!(count(&db, "SELECT count(*) FROM subscriptions"), 0);
    // A query too long for the button's data waits in memory for the press, and is stored whole.
    let long = "я работаю оператором гидроакустической станции на рыболовецком траулере";
    s.push(private_text(12, 300, "ru", long));
    let r = s.reply_number(300, 1).await;
    let bell = button_data(&r).last().cloned().unwrap();
    assert!(bell.starts_with("s:t:") && !bell.contains("траулер"), "{bell}");
    s.push(callback(13, 300, "ru", &bell, 700));
    assert!(until(10, || count(&db, "SELECT count(*) FROM subscriptions WHERE chat_id = 300") == 1).await);
    let kept: String = sql(&db).query_row("SELECT query FROM subscriptions WHERE chat_id = 300", [], |r| r.get(0)).unwrap();
    assert_eq!(kept, long);
    // Another chat cannot remove someone else's (a forged button).
    s.push(callback(14, 200, "ru", "s:q:хирург", 600));
    assert!(until(5, || count(&db, "SELECT count(*) FROM subscriptions WHERE chat_id = 200") == 1).await);
    let id: i64 = sql(&db).query_row("SELECT id FROM subscriptions WHERE chat_id = 200", [], |r| r.get(0)).unwrap();
    s.push(callback(15, 100, "ru", &format!("u:{id}"), 559));
    s.wait_for("answerCallbackQuery", 15, |c| c.iter().any(|a| a["callback_query_id"] == "cb15")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(count(&db, "SELECT count(*) FROM subscriptions WHERE chat_id = 200"), 1);
    assert!(k.stop().success());
}

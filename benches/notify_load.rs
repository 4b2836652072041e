//! Load script for issue #14 (not a timed test): N subscribers of a code the made-up amendment in
//! tests/fixtures/amendment removes, the release binary restarted with that list; measures how
//! long the re-evaluation takes, the notices' pace (overall and the busiest second), that each
//! subscriber got exactly one, and the reply latency of other users asking during the broadcast.
//!
//!     cargo build --release && cargo bench --bench notify_load
//!     LOAD_SUBSCRIBERS=10000 LOAD_NOTICE_RATE=25 LOAD_OTHERS_RATE=5 cargo bench --bench notify_load

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};
use support::*;

const FIRST_CHAT: i64 = 10_000_000;
const OTHERS: i64 = 90_000_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let n = env_num("LOAD_SUBSCRIBERS", 10_000) as i64;
    let rate = env_num("LOAD_NOTICE_RATE", 25);
    let others_rate = env_num("LOAD_OTHERS_RATE", 5).max(1);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let binary = root.join("target/release/kasip");
    if !binary.exists() {
        eprintln!("build the release binary first: cargo build --release");
        std::process::exit(2);
    }
    let fixture = root.join("tests/fixtures/amendment");
    let s = StandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notify.db");
    // The built-in list served and recorded, then N subscriptions to a code the amendment removes.
    let k = Kasip::start_binary(&binary, &s, &db, &[("RUST_LOG", "warn")]);
    let recorded = Instant::now() + Duration::from_secs(30);
    while Instant::now() < recorded {
        let ok = rusqlite::Connection::open(&db).ok().and_then(|c| c.query_row("SELECT count(*) FROM list_state", [], |r| r.get::<_, i64>(0)).ok()) == Some(1);
        if ok {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(k.stop().success());
    {
        let mut c = rusqlite::Connection::open(&db).unwrap();
        let tx = c.transaction().unwrap();
        for chat in FIRST_CHAT..FIRST_CHAT + n {
            tx.execute(
                "INSERT INTO subscriptions (chat_id, code, lang, answer_kind, answer_code, created_at) VALUES (?1, '3521-3-003', ?2, 'listed', '3521-3-003', 0)",
                rusqlite::params![chat, ["ru", "kk", "en"][(chat % 3) as usize]],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }

    let rate_s = rate.to_string();
    let start = Instant::now();
    let k = Kasip::start_binary(
        &binary,
        &s,
        &db,
        &[("RUST_LOG", "info"), ("KASIP_DATA", fixture.to_str().unwrap()), ("KASIP_NOTICE_RATE", &rate_s), ("KASIP_RATE_LIMIT", "100000")],
    );
    let is_notice = |c: &Call| c.ok && c.method == "sendmessage" && c.body["chat_id"].as_i64().is_some_and(|x| (FIRST_CHAT..FIRST_CHAT + n).contains(&x));
    // Other users ask while the broadcast runs.
    let mut offered: HashMap<i64, Instant> = HashMap::new();
    let mut id = 0i64;
    let gap = Duration::from_secs_f64(1.0 / others_rate as f64);
    let mut next = Instant::now();
    let deadline = start + Duration::from_secs((n as u64 / rate.max(1) as u64) * 3 + 120);
    let mut first_notice: Option<Instant> = None;
    loop {
        let calls = s.calls();
        let notices = calls.iter().filter(|c| is_notice(c)).count() as i64;
        if first_notice.is_none() {
            first_notice = calls.iter().find(|c| is_notice(c)).map(|c| c.at);
        }
        if notices >= n || Instant::now() > deadline {
            break;
        }
        if first_notice.is_some() && Instant::now() >= next {
            id += 1;
            offered.insert(OTHERS + id, Instant::now());
            s.push(private_text(id, OTHERS + id, "ru", ["нейрохирург", "программист", "хирург", "врач"][(id % 4) as usize]));
            next += gap;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss = peak_rss_kb(k.pid());
    let log = k.log_text();
    assert!(k.stop().success());

    let calls = s.calls();
    let mut times: Vec<Instant> = calls.iter().filter(|c| is_notice(c)).map(|c| c.at).collect();
    times.sort();
    let mut per_chat: HashMap<i64, usize> = HashMap::new();
    for c in calls.iter().filter(|c| is_notice(c)) {
        *per_chat.entry(c.body["chat_id"].as_i64().unwrap()).or_default() += 1;
    }
    let dups = per_chat.values().filter(|&&v| v > 1).count();
    let missing = n as usize - per_chat.len();
    let (mut busiest, mut j) = (0, 0);
    for i in 0..times.len() {
        while times[i].duration_since(times[j]) >= Duration::from_secs(1) {
            j += 1;
        }
        busiest = busiest.max(i - j + 1);
    }
    let mut lat: Vec<Duration> = calls
        .iter()
        .filter(|c| c.ok && c.method == "sendmessage")
        .filter_map(|c| c.body["chat_id"].as_i64().and_then(|x| offered.get(&x)).map(|t| c.at.duration_since(*t)))
        .collect();
    lat.sort();
    let answered = lat.len();
    let span = times.last().zip(times.first()).map_or(0.0, |(l, f)| l.duration_since(*f).as_secs_f64());
    println!("subscribers: {n}, notice rate setting: {rate}/s");
    println!(
        "start → first notice: {:.2} s (re-evaluating {n} subscriptions and queueing the notices in one transaction)",
        first_notice.map_or(f64::NAN, |f| f.duration_since(start).as_secs_f64())
    );
    println!(
        "notices: {} in {span:.1} s = {:.1}/s overall, busiest second {busiest}; duplicates {dups}, missing {missing}",
        times.len(),
        (times.len().saturating_sub(1)) as f64 / span.max(1e-9)
    );
    if answered > 0 {
        println!(
            "other users during the broadcast: {answered}/{} answered, reply latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            offered.len(),
            pct(&lat, 0.5).as_secs_f64() * 1e3,
            pct(&lat, 0.99).as_secs_f64() * 1e3,
            lat.last().unwrap().as_secs_f64() * 1e3
        );
    }
    println!("peak RSS: {} MB", rss.map_or("?".into(), |kb| format!("{:.0}", kb as f64 / 1024.0)));
    if let Some(l) = log.lines().find(|l| l.contains("notices queued")) {
        println!("log: {}", l.trim());
    }
}

//! Load script (not a timed test): drives the release binary through the local Bot API stand-in
//! with N users × M messages offered at a fixed rate, then prints replies per second, p50/p99
//! reply latency (update offered → sendMessage received), the bot's peak resident memory, and
//! whether any reply is missing.
//!
//!     cargo build --release && cargo bench --bench load
//!     LOAD_USERS=200 LOAD_MESSAGES=20 LOAD_RATE=1500 cargo bench --bench load

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};
use support::*;

/// The same realistic queries as the bot's load script (benches/load_queries.txt), the first 15.
fn queries() -> Vec<&'static str> {
    include_str!("load_queries.txt").lines().filter(|l| !l.trim().is_empty()).take(15).collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    // `cargo bench` passes --bench; nothing else to parse.
    let users = env_num("LOAD_USERS", 100);
    let per_user = env_num("LOAD_MESSAGES", 20);
    let rate = env_num("LOAD_RATE", 1000);
    let binary = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/kasip");
    if !binary.exists() {
        eprintln!("build the release binary first: cargo build --release");
        std::process::exit(2);
    }
    let s = StandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    let kasip = Kasip::start_binary(&binary, &s, &dir.path().join("load.db"), &[("RUST_LOG", "warn"), ("KASIP_RATE_LIMIT", "100000")]);
    s.wait_for("setMyCommands", 30, |c| c.len() >= 4).await;

    let total = users * per_user;
    let mut offered: HashMap<i64, Vec<Instant>> = HashMap::new();
    let tick = Duration::from_millis(10);
    let per_tick = (rate * tick.as_millis() as usize / 1000).max(1);
    let start = Instant::now();
    let mut next = start;
    let mut id = 0i64;
    let queries = queries();
    for m in 0..per_user {
        for u in 0..users {
            id += 1;
            let chat = 10_000 + u as i64;
            let q = queries[(u + m) % queries.len()];
            offered.entry(chat).or_default().push(Instant::now());
            s.push(private_text(
                id,
                chat,
                if u % 3 == 0 {
                    "kk"
                } else if u % 3 == 1 {
                    "ru"
                } else {
                    "en"
                },
                q,
            ));
            if (id as usize).is_multiple_of(per_tick) {
                next += tick;
                tokio::time::sleep_until(next.into()).await;
            }
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while s.ok_calls("sendMessage").len() < total && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let calls: Vec<_> = s.calls().into_iter().filter(|c| c.ok && c.method == "sendmessage").collect();
    let mut seen: HashMap<i64, usize> = HashMap::new();
    let mut latencies = Vec::new();
    let mut last = start;
    for c in &calls {
        let chat = c.body["chat_id"].as_i64().unwrap();
        let k = seen.entry(chat).or_default();
        if let Some(t0) = offered.get(&chat).and_then(|v| v.get(*k)) {
            latencies.push(c.at.duration_since(*t0));
        }
        *k += 1;
        last = last.max(c.at);
    }
    let rss = peak_rss_kb(kasip.pid());
    let status = kasip.stop();
    latencies.sort();
    let elapsed = last.duration_since(start).as_secs_f64();
    println!("load: {users} users x {per_user} messages = {total} offered at {rate}/s");
    println!("replies: {} ({} missing, {} extra)", calls.len(), total.saturating_sub(calls.len()), calls.len().saturating_sub(total));
    println!("throughput: {:.0} replies/s over {elapsed:.2} s", calls.len() as f64 / elapsed);
    if !latencies.is_empty() {
        println!(
            "latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            pct(&latencies, 0.5).as_secs_f64() * 1e3,
            pct(&latencies, 0.99).as_secs_f64() * 1e3,
            latencies.last().unwrap().as_secs_f64() * 1e3
        );
    }
    match rss {
        Some(kb) => println!("peak resident memory: {:.1} MB", kb as f64 / 1024.0),
        None => println!("peak resident memory: unknown (no /proc)"),
    }
    println!("bot exited: {status}");
    if calls.len() != total {
        std::process::exit(1);
    }
}

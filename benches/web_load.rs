//! Load script for the web API (not a timed test): starts the release binary's `kasip serve`
//! with the rate limit off, drives `GET /api/v1/match` with realistic queries over N keep-alive
//! connections for S seconds, and prints requests per second, p50/p99/max latency, errors and the
//! server's peak resident memory. The client is a minimal HTTP/1.1 writer/reader on one thread,
//! so most of the machine is left to the server.
//!
//!     cargo build --release && cargo bench --bench web_load
//!     LOAD_CONNECTIONS=64 LOAD_SECS=10 cargo bench --bench web_load
//!     LOAD_CACHE=0 cargo bench --bench web_load     # every request through the matcher
//!     LOAD_PARTIAL=1 cargo bench --bench web_load   # as-you-type requests, not logged

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What people type: official names, inflections, sentences, typos, transliteration, the wrong
/// keyboard layout, codes, Kazakh, English, near misses.
/// The same realistic queries as the bot's load script (benches/load_queries.txt), the first 20.
fn queries() -> Vec<&'static str> {
    include_str!("load_queries.txt").lines().filter(|l| !l.trim().is_empty()).take(20).collect()
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// One keep-alive connection: request, read the whole response, again, until `until`.
async fn client(port: u16, offset: usize, until: Instant, measure_from: Instant) -> (Vec<u32>, u64) {
    // LOAD_PARTIAL=1: as the page's as-you-type requests (not written to the query log).
    let extra = if std::env::var("LOAD_PARTIAL").is_ok_and(|v| v == "1") { "&partial=1" } else { "" };
    let mut lat_us = Vec::new();
    let mut errors = 0;
    let reqs: Vec<Vec<u8>> = queries()
        .iter()
        .map(|q| format!("GET /api/v1/match?q={}&lang=ru{extra} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n", encode(q)).into_bytes())
        .collect();
    let mut conn = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    conn.set_nodelay(true).ok();
    let mut buf = vec![0u8; 64 * 1024];
    let mut i = offset;
    while Instant::now() < until {
        let t0 = Instant::now();
        if conn.write_all(&reqs[i % reqs.len()]).await.is_err() {
            errors += 1;
            conn = TcpStream::connect(("127.0.0.1", port)).await.expect("reconnect");
            continue;
        }
        i += 1;
        // Read the head, then Content-Length bytes of body.
        let mut have = 0;
        let ok = loop {
            match conn.read(&mut buf[have..]).await {
                Ok(0) | Err(_) => break false,
                Ok(n) => have += n,
            }
            let Some(end) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") else { continue };
            let head = std::str::from_utf8(&buf[..end]).unwrap_or("");
            let status_ok = head.starts_with("HTTP/1.1 200");
            let len: usize =
                head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0))).unwrap_or(0);
            while have < end + 4 + len {
                match conn.read(&mut buf[have..]).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => have += n,
                }
            }
            break status_ok;
        };
        if !ok {
            errors += 1;
        }
        if t0 >= measure_from {
            lat_us.push(t0.elapsed().as_micros() as u32);
        }
    }
    (lat_us, errors)
}

fn pct(sorted: &[u32], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize] as f64 / 1000.0
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let connections = env_num("LOAD_CONNECTIONS", 64) as usize;
    let secs = env_num("LOAD_SECS", 10);
    let binary = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/kasip");
    if !binary.exists() {
        eprintln!("build the release binary first: cargo build --release");
        std::process::exit(2);
    }
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new(&binary)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("KASIP_DB", dir.path().join("load.db"))
        .env("KASIP_HTTP_RATE_LIMIT", "0")
        // LOAD_CACHE=0: every request goes through the matcher (the verdict cache off).
        .env("KASIP_HTTP_CACHE", std::env::var("LOAD_CACHE").unwrap_or_else(|_| "4096".into()))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start kasip serve");
    let up = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(Instant::now() < up, "kasip serve did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let start = Instant::now();
    let measure_from = start + Duration::from_secs(1);
    let until = measure_from + Duration::from_secs(secs);
    let tasks: Vec<_> = (0..connections).map(|c| tokio::spawn(client(port, c * 7, until, measure_from))).collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    let rss = peak_rss_kb(server.id());
    let _ = Command::new("kill").arg("-INT").arg(server.id().to_string()).status();
    let _ = server.wait();
    // What reached the query log (the server commits what is queued when it stops).
    let logged = kasip::store::Store::open(&dir.path().join("load.db")).and_then(|s| s.report(0, 1)).map(|r| r.total).unwrap_or(-1);
    all.sort_unstable();
    println!(
        "web load: GET /api/v1/match, {} queries in rotation, {connections} keep-alive connections, {secs} s (after 1 s warm-up), verdict cache {}, query log {}",
        queries().len(),
        if std::env::var("LOAD_CACHE").is_ok_and(|v| v == "0") { "off" } else { "on" },
        if std::env::var("LOAD_PARTIAL").is_ok_and(|v| v == "1") { "off (partial=1)" } else { "on" }
    );
    println!("requests: {} ({errors} errors)", all.len());
    println!("throughput: {:.0} requests/s", all.len() as f64 / secs as f64);
    if !all.is_empty() {
        println!("latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms", pct(&all, 0.5), pct(&all, 0.99), *all.last().unwrap() as f64 / 1000.0);
    }
    println!("query log rows written: {logged}");
    match rss {
        Some(kb) => println!("server peak resident memory: {:.1} MB", kb as f64 / 1024.0),
        None => println!("server peak resident memory: unknown (no /proc)"),
    }
    if errors > 0 {
        std::process::exit(1);
    }
}

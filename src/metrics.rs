//! Counters for `GET /metrics` in Prometheus' text format, written by hand (a handful of
//! counters and one histogram need no crate): HTTP requests by route and status, request latency
//! by route, verdicts by kind and where they were asked (web or bot), and requests refused by the
//! rate limit. One [`Metrics`] per process ([`global`]), so a bot and a web server in the same
//! process report together.

use crate::matcher::VerdictKind;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
pub const BUCKETS: [f64; 12] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0];

/// Where a verdict was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Web,
    Bot,
}

#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    /// Sum in microseconds.
    sum_us: AtomicU64,
}

#[derive(Default)]
pub struct Metrics {
    /// (route, method, status) → count.
    requests: Mutex<BTreeMap<(&'static str, &'static str, u16), u64>>,
    latency: Mutex<BTreeMap<&'static str, Arc<Histogram>>>,
    /// [source][kind]
    verdicts: [[AtomicU64; 3]; 2],
    rate_limited: AtomicU64,
}

fn kind_index(k: VerdictKind) -> usize {
    match k {
        VerdictKind::Listed => 0,
        VerdictKind::Unsure => 1,
        VerdictKind::NotListed => 2,
    }
}

const KINDS: [VerdictKind; 3] = [VerdictKind::Listed, VerdictKind::Unsure, VerdictKind::NotListed];

/// The process's metrics.
pub fn global() -> &'static Metrics {
    static M: OnceLock<Metrics> = OnceLock::new();
    M.get_or_init(Metrics::default)
}

impl Metrics {
    /// A fresh set (tests); the program uses [`global`].
    pub fn new() -> Metrics {
        Metrics::default()
    }

    pub fn request(&self, route: &'static str, method: &'static str, status: u16, took: Duration) {
        *self.requests.lock().unwrap_or_else(|e| e.into_inner()).entry((route, method, status)).or_default() += 1;
        let h = {
            let mut l = self.latency.lock().unwrap_or_else(|e| e.into_inner());
            l.entry(route).or_default().clone()
        };
        let s = took.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| s <= *b) {
            h.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        h.count.fetch_add(1, Ordering::Relaxed);
        h.sum_us.fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }

    pub fn verdict(&self, source: Source, kind: VerdictKind) {
        self.verdicts[source as usize][kind_index(kind)].fetch_add(1, Ordering::Relaxed);
    }

    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// Prometheus text exposition format 0.0.4.
    pub fn render(&self) -> String {
        let mut o = String::new();
        o.push_str("# HELP kasip_http_requests_total HTTP requests answered, by route, method and status.\n");
        o.push_str("# TYPE kasip_http_requests_total counter\n");
        for ((route, method, status), n) in self.requests.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = writeln!(o, "kasip_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {n}");
        }
        o.push_str("# HELP kasip_http_request_duration_seconds Time to answer an HTTP request, by route.\n");
        o.push_str("# TYPE kasip_http_request_duration_seconds histogram\n");
        for (route, h) in self.latency.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let mut cumulative = 0;
            for (b, n) in BUCKETS.iter().zip(&h.buckets) {
                cumulative += n.load(Ordering::Relaxed);
                let _ = writeln!(o, "kasip_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {cumulative}");
            }
            let count = h.count.load(Ordering::Relaxed);
            let _ = writeln!(o, "kasip_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}");
            let _ = writeln!(o, "kasip_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", h.sum_us.load(Ordering::Relaxed) as f64 / 1e6);
            let _ = writeln!(o, "kasip_http_request_duration_seconds_count{{route=\"{route}\"}} {count}");
        }
        o.push_str("# HELP kasip_verdicts_total Verdicts given, by kind and where they were asked.\n");
        o.push_str("# TYPE kasip_verdicts_total counter\n");
        for (si, source) in ["web", "bot"].iter().enumerate() {
            for k in KINDS {
                let _ = writeln!(
                    o,
                    "kasip_verdicts_total{{source=\"{source}\",verdict=\"{}\"}} {}",
                    k.as_str(),
                    self.verdicts[si][kind_index(k)].load(Ordering::Relaxed)
                );
            }
        }
        o.push_str("# HELP kasip_http_rate_limited_total Requests refused with 429 by the per-IP limit.\n");
        o.push_str("# TYPE kasip_http_rate_limited_total counter\n");
        let _ = writeln!(o, "kasip_http_rate_limited_total {}", self.rate_limited.load(Ordering::Relaxed));
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let m = Metrics::new();
        m.request("/api/v1/match", "GET", 200, Duration::from_micros(300));
        m.request("/api/v1/match", "GET", 200, Duration::from_millis(3));
        m.request("/api/v1/match", "GET", 400, Duration::from_secs(2));
        m.verdict(Source::Web, VerdictKind::Listed);
        m.verdict(Source::Bot, VerdictKind::NotListed);
        let t = m.render();
        assert!(t.contains("kasip_http_requests_total{route=\"/api/v1/match\",method=\"GET\",status=\"200\"} 2"), "{t}");
        assert!(t.contains("kasip_http_request_duration_seconds_bucket{route=\"/api/v1/match\",le=\"0.0005\"} 1"), "{t}");
        assert!(t.contains("kasip_http_request_duration_seconds_bucket{route=\"/api/v1/match\",le=\"0.005\"} 2"), "{t}");
        assert!(t.contains("kasip_http_request_duration_seconds_bucket{route=\"/api/v1/match\",le=\"+Inf\"} 3"), "{t}");
        assert!(t.contains("kasip_verdicts_total{source=\"web\",verdict=\"listed\"} 1"), "{t}");
        assert!(t.contains("kasip_verdicts_total{source=\"bot\",verdict=\"not_listed\"} 1"), "{t}");
        // Every sample line is `name{labels} value`.
        for l in t.lines().filter(|l| !l.starts_with('#')) {
            let v = l.rsplit(' ').next().unwrap();
            assert!(v.parse::<f64>().is_ok(), "{l}");
        }
    }
}

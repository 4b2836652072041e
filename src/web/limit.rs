//! The per-client rate limit: a token bucket per IP address that holds a minute's allowance and
//! refills evenly, so a client may burst up to the limit and then goes at limit/60 a second.
//! Refused requests learn when the next one will be accepted (`Retry-After`).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const SHARDS: usize = 16;
/// A shard with more clients than this drops the ones whose bucket is full again.
const PRUNE_AT: usize = 4096;

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct RateLimiter {
    per_minute: u32,
    shards: Vec<Mutex<HashMap<IpAddr, Bucket>>>,
}

impl RateLimiter {
    /// `per_minute` = 0: no limit.
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter { per_minute, shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect() }
    }

    fn shard(&self, ip: &IpAddr) -> &Mutex<HashMap<IpAddr, Bucket>> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        ip.hash(&mut h);
        &self.shards[h.finish() as usize % SHARDS]
    }

    /// `Ok` to serve the request, or `Err(wait)` until one more would be accepted.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let cap = self.per_minute as f64;
        let rate = cap / 60.0;
        let mut m = self.shard(&ip).lock().unwrap_or_else(|e| e.into_inner());
        if m.len() > PRUNE_AT {
            m.retain(|_, b| b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate < cap);
        }
        let b = m.entry(ip).or_insert(Bucket { tokens: cap, at: now });
        b.tokens = (b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate).min(cap);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_to_the_limit_then_refills_evenly() {
        let l = RateLimiter::new(60);
        let t = Instant::now();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..60 {
            assert!(l.check(a, t).is_ok());
        }
        let wait = l.check(a, t).unwrap_err();
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1), "{wait:?}");
        assert!(l.check("10.0.0.2".parse().unwrap(), t).is_ok(), "another client is not affected");
        assert!(l.check(a, t + Duration::from_millis(1010)).is_ok(), "one a second comes back");
        assert!(l.check(a, t + Duration::from_millis(1020)).is_err());
    }

    #[test]
    fn zero_means_no_limit() {
        let l = RateLimiter::new(0);
        let a: IpAddr = "::1".parse().unwrap();
        assert!((0..10_000).all(|_| l.check(a, Instant::now()).is_ok()));
    }
}

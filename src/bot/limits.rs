//! Per-user flood limit: a fixed one-minute window per user. One user sending a flood is told once
//! per window and then ignored until the window ends, so others keep getting answers.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    Allowed,
    /// Over the limit: tell the user (first time in this window).
    Warn,
    /// Over the limit and already told.
    Drop,
}

pub struct RateLimiter {
    per_window: u32,
    users: Mutex<HashMap<u64, (Instant, u32, bool)>>,
}

impl RateLimiter {
    pub fn new(per_window: u32) -> Self {
        RateLimiter { per_window, users: Mutex::new(HashMap::new()) }
    }

    /// Counts `cost` messages (a batch counts its lines) for `user` at `now`.
    pub fn admit(&self, user: u64, cost: u32, now: Instant) -> Admission {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        if users.len() > 100_000 {
            users.retain(|_, (start, _, _)| now.duration_since(*start) < WINDOW);
        }
        let e = users.entry(user).or_insert((now, 0, false));
        if now.duration_since(e.0) >= WINDOW {
            *e = (now, 0, false);
        }
        e.1 = e.1.saturating_add(cost.max(1));
        if e.1 <= self.per_window {
            Admission::Allowed
        } else if !e.2 {
            e.2 = true;
            Admission::Warn
        } else {
            Admission::Drop
        }
    }

    /// Whether `user` is over the limit and already told, so anything more from them in this
    /// window is dropped: checked before an update is even parsed.
    pub fn blocked(&self, user: u64, now: Instant) -> bool {
        let users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        users.get(&user).is_some_and(|(start, n, warned)| *warned && *n > self.per_window && now.duration_since(*start) < WINDOW)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_once_then_drops_then_resets() {
        let l = RateLimiter::new(3);
        let t = Instant::now();
        assert_eq!(l.admit(1, 1, t), Admission::Allowed);
        assert_eq!(l.admit(1, 2, t), Admission::Allowed);
        assert_eq!(l.admit(1, 1, t), Admission::Warn);
        assert!(!l.blocked(2, t));
        assert_eq!(l.admit(1, 1, t), Admission::Drop);
        assert!(l.blocked(1, t) && !l.blocked(1, t + WINDOW));
        assert_eq!(l.admit(2, 1, t), Admission::Allowed, "other users are not affected");
        assert_eq!(l.admit(1, 1, t + WINDOW), Admission::Allowed);
    }

    #[test]
    fn batch_lines_count() {
        let l = RateLimiter::new(30);
        assert_eq!(l.admit(1, 31, Instant::now()), Admission::Warn);
    }
}

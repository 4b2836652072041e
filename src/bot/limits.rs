//! Per-user flood limit: a fixed one-minute window per user, counting messages and, separately,
//! the lines they carry. One message within `KASIP_BATCH_MAX` lines is always answered when it is
//! the first in the window (a consultant's list is not a flood); what a limit refuses is told why
//! and when to retry. A user sending a flood of messages is told once per window and then ignored
//! until the window ends, so others keep getting answers.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const WINDOW: Duration = Duration::from_secs(60);

/// Why a message was refused, and when the user may try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// `Some((lines asked, lines left this window))` when the lines were too many; `None` when the
    /// messages were.
    pub lines: Option<(u32, u32)>,
    /// Until the window ends, in whole seconds (at least 1).
    pub retry_secs: u64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    Allowed,
    /// Refused: tell the user. Too many lines is told every time (each is one message, and the
    /// message count bounds them); too many messages, the first time in this window.
    Warn(Refusal),
    /// Over the message limit and already told.
    Drop,
}

struct Window {
    start: Instant,
    messages: u32,
    lines: u32,
    warned: bool,
}

pub struct RateLimiter {
    messages: u32,
    lines: u32,
    users: Mutex<HashMap<u64, Window>>,
}

impl RateLimiter {
    /// At most `messages` messages and `lines` lines a minute per user.
    pub fn new(messages: u32, lines: u32) -> Self {
        RateLimiter { messages, lines: lines.max(messages), users: Mutex::new(HashMap::new()) }
    }

    /// Counts one message of `lines` lines (a batch; 1 for anything else) for `user` at `now`.
    /// The first message of a window is admitted whatever its lines (the caller bounds them by
    /// `KASIP_BATCH_MAX`); later ones must fit in what is left of the window's lines.
    pub fn admit(&self, user: u64, lines: u32, now: Instant) -> Admission {
        let lines = lines.max(1);
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        if users.len() > 100_000 {
            users.retain(|_, w| now.duration_since(w.start) < WINDOW);
        }
        let w = users.entry(user).or_insert(Window { start: now, messages: 0, lines: 0, warned: false });
        if now.duration_since(w.start) >= WINDOW {
            *w = Window { start: now, messages: 0, lines: 0, warned: false };
        }
        let retry_secs = (w.start + WINDOW).saturating_duration_since(now).as_secs_f64().ceil().max(1.0) as u64;
        w.messages = w.messages.saturating_add(1);
        if w.messages > self.messages {
            if w.warned {
                return Admission::Drop;
            }
            w.warned = true;
            return Admission::Warn(Refusal { lines: None, retry_secs });
        }
        if w.lines > 0 && w.lines.saturating_add(lines) > self.lines {
            return Admission::Warn(Refusal { lines: Some((lines, self.lines.saturating_sub(w.lines))), retry_secs });
        }
        w.lines = w.lines.saturating_add(lines);
        Admission::Allowed
    }

    /// Whether `user` is over the message limit and already told, so anything more from them in
    /// this window is dropped: checked before an update is even parsed.
    pub fn blocked(&self, user: u64, now: Instant) -> bool {
        let users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        users.get(&user).is_some_and(|w| w.warned && w.messages > self.messages && now.duration_since(w.start) < WINDOW)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_once_then_drops_then_resets() {
        let l = RateLimiter::new(3, 3);
        let t = Instant::now();
        assert_eq!(l.admit(1, 1, t), Admission::Allowed);
        assert_eq!(l.admit(1, 1, t), Admission::Allowed);
        assert_eq!(l.admit(1, 1, t), Admission::Allowed);
        assert_eq!(l.admit(1, 1, t + Duration::from_secs(20)), Admission::Warn(Refusal { lines: None, retry_secs: 40 }));
        assert!(!l.blocked(2, t));
        assert_eq!(l.admit(1, 1, t), Admission::Drop);
        assert!(l.blocked(1, t) && !l.blocked(1, t + WINDOW));
        assert_eq!(l.admit(2, 1, t), Admission::Allowed, "other users are not affected");
        assert_eq!(l.admit(1, 1, t + WINDOW), Admission::Allowed);
    }

    #[test]
    fn one_batch_over_the_message_limit_is_admitted() {
        // 30 messages a minute, 100 lines: a fresh user's 45-line message is one message.
        let l = RateLimiter::new(30, 100);
        let t = Instant::now();
        assert_eq!(l.admit(1, 45, t), Admission::Allowed);
        // 10 lines, then 25: both answered.
        assert_eq!(l.admit(2, 10, t), Admission::Allowed);
        assert_eq!(l.admit(2, 25, t), Admission::Allowed);
        // Even a first message over the line budget is answered (the caller bounds it).
        let small = RateLimiter::new(2, 2);
        assert_eq!(small.admit(3, 5, t), Admission::Allowed);
    }

    #[test]
    fn lines_over_the_budget_are_refused_with_what_is_left_and_when() {
        let l = RateLimiter::new(30, 100);
        let t = Instant::now();
        assert_eq!(l.admit(1, 50, t), Admission::Allowed);
        assert_eq!(l.admit(1, 45, t), Admission::Allowed);
        let later = t + Duration::from_millis(15_500);
        assert_eq!(l.admit(1, 10, later), Admission::Warn(Refusal { lines: Some((10, 5)), retry_secs: 45 }));
        // Told every time, and not blocked: a message that fits is still answered.
        assert!(!l.blocked(1, later));
        assert_eq!(l.admit(1, 10, later), Admission::Warn(Refusal { lines: Some((10, 5)), retry_secs: 45 }));
        assert_eq!(l.admit(1, 5, later), Admission::Allowed);
        assert_eq!(l.admit(1, 50, t + WINDOW), Admission::Allowed);
    }
}

//! Subscriptions, the list last served and the outbox of notices, as SQL on one connection. The
//! writer thread ([`super::service`]) runs the writes; readers and `kasip notify --dry-run` the reads.
//!
//! Durability of a broadcast: the notices for a new list and the list's hash are written in one
//! transaction ([`apply_list_change`]), so a start either finds the list unchanged or its notices
//! queued; each notice row is deleted when Telegram accepted it ([`notice_sent`]). A restart (or
//! `kill -9`) in the middle of a broadcast sends what is still queued, and nothing twice except a
//! notice in flight at the very moment of the crash.

use super::StoreError;
use crate::amend::{Answer, Snapshot, Subscription, Target};
use crate::catalog::Code;
use crate::lang::Lang;
use rusqlite::{params, Connection, OptionalExtension};

/// What a 🔔 press stores.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub chat: i64,
    pub target: Target,
    pub lang: Lang,
    pub answer: Answer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscribed {
    New,
    /// The same chat already follows the same code or text (its language is updated).
    Already,
    /// The chat has the most subscriptions kept.
    TooMany,
}

/// The list the bot last served.
#[derive(Debug, Clone)]
pub struct ListState {
    pub hash: String,
    pub version: String,
    pub snapshot: Option<Snapshot>,
    pub served_since: i64,
}

/// A notice waiting in the outbox.
#[derive(Debug, Clone)]
pub struct QueuedNotice {
    pub id: i64,
    pub chat: i64,
    pub text: String,
}

/// Everything a new list changes, written in one transaction.
#[derive(Debug, Clone)]
pub struct ListChange {
    pub snapshot: Snapshot,
    /// (chat, text) of each notice.
    pub notices: Vec<(i64, String)>,
    /// (subscription id, the answer now).
    pub updates: Vec<(i64, Answer)>,
}

fn answer_columns(a: &Answer) -> (&'static str, Option<&str>) {
    (a.kind.as_str(), a.code.as_ref().map(|c| c.as_str()))
}

pub(crate) fn subscribe(c: &Connection, s: &NewSubscription, max: usize, at: i64) -> Result<Subscribed, StoreError> {
    let (code, query) = match &s.target {
        Target::Code(code) => (Some(code.as_str()), None),
        Target::Query(q) => (None, Some(q.as_str())),
    };
    let updated = c
        .prepare_cached("UPDATE subscriptions SET lang = ?4 WHERE chat_id = ?1 AND ifnull(code, '') = ifnull(?2, '') AND ifnull(query, '') = ifnull(?3, '')")?
        .execute(params![s.chat, code, query, s.lang.code()])?;
    if updated > 0 {
        return Ok(Subscribed::Already);
    }
    let n: i64 = c.prepare_cached("SELECT count(*) FROM subscriptions WHERE chat_id = ?1")?.query_row([s.chat], |r| r.get(0))?;
    if n as usize >= max {
        return Ok(Subscribed::TooMany);
    }
    let (kind, acode) = answer_columns(&s.answer);
    c.prepare_cached("INSERT INTO subscriptions (chat_id, code, query, lang, answer_kind, answer_code, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?
        .execute(params![s.chat, code, query, s.lang.code(), kind, acode, at])?;
    Ok(Subscribed::New)
}

fn row(r: &rusqlite::Row) -> rusqlite::Result<Option<Subscription>> {
    let code: Option<String> = r.get(2)?;
    let query: Option<String> = r.get(3)?;
    let lang: String = r.get(4)?;
    let kind: String = r.get(5)?;
    let acode: Option<String> = r.get(6)?;
    let target = match (code.as_deref().and_then(Code::parse_canonical), query) {
        (Some(c), _) => Target::Code(c),
        (None, Some(q)) => Target::Query(q),
        (None, None) => return Ok(None),
    };
    Ok(Some(Subscription {
        id: r.get(0)?,
        chat: r.get(1)?,
        target,
        lang: lang.parse().unwrap_or(Lang::Ru),
        answer: Answer::from_columns(&kind, acode.as_deref()),
    }))
}

const COLUMNS: &str = "id, chat_id, code, query, lang, answer_kind, answer_code";

pub(crate) fn of_chat(c: &Connection, chat: i64) -> Result<Vec<Subscription>, StoreError> {
    let mut st = c.prepare_cached(&format!("SELECT {COLUMNS} FROM subscriptions WHERE chat_id = ?1 ORDER BY id"))?;
    let rows = st.query_map([chat], row)?;
    Ok(rows.filter_map(|r| r.transpose()).collect::<Result<Vec<_>, _>>()?)
}

/// Every subscription, in the order they were made.
pub fn all(c: &Connection) -> Result<Vec<Subscription>, StoreError> {
    let mut st = c.prepare(&format!("SELECT {COLUMNS} FROM subscriptions ORDER BY id"))?;
    let rows = st.query_map([], row)?;
    Ok(rows.filter_map(|r| r.transpose()).collect::<Result<Vec<_>, _>>()?)
}

/// Removes one subscription of a chat; `false` when the chat has no such subscription.
pub(crate) fn unsubscribe(c: &Connection, chat: i64, id: i64) -> Result<bool, StoreError> {
    Ok(c.prepare_cached("DELETE FROM subscriptions WHERE chat_id = ?1 AND id = ?2")?.execute(params![chat, id])? > 0)
}

/// Every subscription of a chat and its queued notices (/forget; a chat that blocked the bot).
pub(crate) fn forget_chat(c: &Connection, chat: i64) -> Result<usize, StoreError> {
    let n = c.prepare_cached("DELETE FROM subscriptions WHERE chat_id = ?1")?.execute([chat])?;
    c.prepare_cached("DELETE FROM notices WHERE chat_id = ?1")?.execute([chat])?;
    Ok(n)
}

pub fn list_state(c: &Connection) -> Result<Option<ListState>, StoreError> {
    let r = c
        .query_row("SELECT hash, version, snapshot, served_since FROM list_state WHERE id = 1", [], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
        })
        .optional()?;
    Ok(r.map(|(hash, version, snapshot, served_since)| ListState { hash, version, snapshot: serde_json::from_str(&snapshot).ok(), served_since }))
}

/// The new list, its notices and the subscriptions' new answers, all or nothing (a savepoint:
/// the writer may run this inside a larger transaction).
pub(crate) fn apply_list_change(c: &Connection, ch: &ListChange, at: i64) -> Result<usize, StoreError> {
    c.execute_batch("SAVEPOINT list_change")?;
    let r = (|| -> Result<usize, StoreError> {
        let snapshot = serde_json::to_string(&ch.snapshot).unwrap_or_default();
        c.execute(
            "INSERT INTO list_state (id, hash, version, snapshot, served_since) VALUES (1, ?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET hash = excluded.hash, version = excluded.version, snapshot = excluded.snapshot, served_since = excluded.served_since",
            params![ch.snapshot.hash, ch.snapshot.version, snapshot, at],
        )?;
        let mut upd = c.prepare_cached("UPDATE subscriptions SET answer_kind = ?2, answer_code = ?3 WHERE id = ?1")?;
        for (id, a) in &ch.updates {
            let (kind, code) = answer_columns(a);
            upd.execute(params![id, kind, code])?;
        }
        // A chat that unsubscribed meanwhile is not written to.
        let mut ins = c.prepare_cached(
            "INSERT INTO notices (chat_id, text, list_hash, created_at) SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM subscriptions WHERE chat_id = ?1)",
        )?;
        let mut n = 0;
        for (chat, text) in &ch.notices {
            n += ins.execute(params![chat, text, ch.snapshot.hash, at])?;
        }
        Ok(n)
    })();
    match r {
        Ok(n) => {
            c.execute_batch("RELEASE list_change")?;
            Ok(n)
        }
        Err(e) => {
            let _ = c.execute_batch("ROLLBACK TO list_change; RELEASE list_change");
            Err(e)
        }
    }
}

/// Queued notices with an id above `after`, oldest first.
pub(crate) fn pending_notices(c: &Connection, after: i64, limit: usize) -> Result<Vec<QueuedNotice>, StoreError> {
    let mut st = c.prepare_cached("SELECT id, chat_id, text FROM notices WHERE id > ?1 ORDER BY id LIMIT ?2")?;
    let rows = st.query_map(params![after, limit as i64], |r| Ok(QueuedNotice { id: r.get(0)?, chat: r.get(1)?, text: r.get(2)? }))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub(crate) fn notice_sent(c: &Connection, id: i64) -> Result<(), StoreError> {
    c.prepare_cached("DELETE FROM notices WHERE id = ?1")?.execute([id])?;
    Ok(())
}

/// Queued notices (for the operator and the tests).
pub fn queued_notices(c: &Connection) -> Result<i64, StoreError> {
    Ok(c.query_row("SELECT count(*) FROM notices", [], |r| r.get(0))?)
}

/// Reads what `kasip notify --dry-run` needs from the bot's database without writing to it (the
/// bot may be running): the list last served and every subscription. A database from before
/// subscriptions existed has neither.
pub fn read_for_dry_run(path: &std::path::Path) -> Result<(Option<ListState>, Vec<Subscription>, i64), StoreError> {
    let c = super::connect(path, true)?;
    c.busy_timeout(std::time::Duration::from_secs(5))?;
    let has: i64 = c
        .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('subscriptions', 'list_state', 'notices')", [], |r| r.get(0))
        .map_err(|source| StoreError::Corrupt { path: path.display().to_string(), source })?;
    if has < 3 {
        return Ok((None, Vec::new(), 0));
    }
    Ok((list_state(&c)?, all(&c)?, queued_notices(&c)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn code(s: &str) -> Code {
        Code::parse_canonical(s).unwrap()
    }

    fn snapshot(hash: &str) -> Snapshot {
        Snapshot { hash: hash.into(), version: "No. 1 of 2024-01-01".into(), in_force: None, professions: vec![] }
    }

    #[test]
    fn subscribe_list_remove_and_forget() {
        let s = Store::in_memory().unwrap();
        let c = s.conn();
        let sub = |chat, target| NewSubscription { chat, target, lang: Lang::Kk, answer: Answer::listed(code("2166-1")) };
        assert_eq!(subscribe(&c, &sub(7, Target::Code(code("2166-1"))), 2, 1).unwrap(), Subscribed::New);
        assert_eq!(subscribe(&c, &sub(7, Target::Code(code("2166-1"))), 2, 1).unwrap(), Subscribed::Already);
        assert_eq!(subscribe(&c, &sub(7, Target::Query("zorbonaut".into())), 2, 1).unwrap(), Subscribed::New);
        assert_eq!(subscribe(&c, &sub(7, Target::Query("другое".into())), 2, 1).unwrap(), Subscribed::TooMany);
        assert_eq!(subscribe(&c, &sub(8, Target::Code(code("2166-1"))), 2, 1).unwrap(), Subscribed::New);
        let mine = of_chat(&c, 7).unwrap();
        assert_eq!(mine.len(), 2);
        assert_eq!(mine[1].target, Target::Query("zorbonaut".into()));
        assert_eq!(mine[0].lang, Lang::Kk);
        assert!(!unsubscribe(&c, 8, mine[0].id).unwrap(), "another chat's subscription is not removed");
        assert!(unsubscribe(&c, 7, mine[0].id).unwrap());
        assert_eq!(of_chat(&c, 7).unwrap().len(), 1);
        drop(c);
        s.forget_user(7).unwrap();
        assert!(of_chat(&s.conn(), 7).unwrap().is_empty());
        assert_eq!(all(&s.conn()).unwrap().len(), 1);
    }

    #[test]
    fn a_list_change_is_written_whole_and_notices_leave_when_sent() {
        let s = Store::in_memory().unwrap();
        let c = s.conn();
        assert!(list_state(&c).unwrap().is_none());
        subscribe(
            &c,
            &NewSubscription { chat: 1, target: Target::Code(code("3521-3-003")), lang: Lang::Ru, answer: Answer::listed(code("3521-3-003")) },
            10,
            1,
        )
        .unwrap();
        let id = all(&c).unwrap()[0].id;
        let ch =
            ListChange { snapshot: snapshot("h2"), notices: vec![(1, "was listed".into()), (99, "nobody".into())], updates: vec![(id, Answer::not_listed())] };
        assert_eq!(apply_list_change(&c, &ch, 5).unwrap(), 1, "a chat without subscriptions gets no notice");
        let st = list_state(&c).unwrap().unwrap();
        assert_eq!((st.hash.as_str(), st.snapshot.unwrap().version.as_str()), ("h2", "No. 1 of 2024-01-01"));
        assert_eq!(all(&c).unwrap()[0].answer, Answer::not_listed());
        let q = pending_notices(&c, 0, 10).unwrap();
        assert_eq!((q.len(), q[0].chat, q[0].text.as_str()), (1, 1, "was listed"));
        assert!(pending_notices(&c, q[0].id, 10).unwrap().is_empty());
        notice_sent(&c, q[0].id).unwrap();
        assert_eq!(queued_notices(&c).unwrap(), 0);
        // A failing change leaves nothing behind.
        c.execute_batch("DROP TABLE notices").unwrap();
        let ch = ListChange { snapshot: snapshot("h3"), notices: vec![(1, "x".into())], updates: vec![(id, Answer::listed(code("3521-3-003")))] };
        assert!(apply_list_change(&c, &ch, 6).is_err());
        assert_eq!(list_state(&c).unwrap().unwrap().hash, "h2");
        assert_eq!(all(&c).unwrap()[0].answer, Answer::not_listed());
    }
}

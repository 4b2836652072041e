//! State in an embedded SQLite file (rusqlite, bundled): the inbox of updates (durable between
//! fetching and answering), users' language choice, the query log (no names or user ids, scrubbed
//! of numbers and addresses) with a per-day aggregate kept by triggers. Schema versioned by
//! migrations (`PRAGMA user_version`), WAL mode, `secure_delete` on.
//!
//! [`Store`] is one synchronous connection (the CLI, tests, and the writer thread use it);
//! [`service::Storage`] is what the bot uses: a writer thread fed by a channel and readers on their
//! own connections, so a locked or slow database never holds a reply. Every method returns errors
//! instead of panicking.

pub mod service;
pub mod subs;

use crate::lang::Lang;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open { path: String, source: rusqlite::Error },
    #[error("the database {path} is not a Kasip database or is damaged: {source}")]
    Corrupt { path: String, source: rusqlite::Error },
    #[error("the database {path} has schema version {found}, newer than this build knows ({known})")]
    TooNew { path: String, found: i64, known: i64 },
    #[error("another kasip is already running on the database {path} (the lock file {lock} is held); stop it first, or give this one its own KASIP_DB")]
    InUse { path: String, lock: String },
    #[error("cannot create the lock file {lock}: {source}")]
    Lock { lock: String, source: std::io::Error },
    #[error("the database writer has stopped")]
    Stopped,
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// Each migration moves the schema one version up; they run in one transaction each and are
/// skipped when `user_version` says they already ran, so running them twice is harmless.
const MIGRATIONS: &[&str] = &[
    // 1: users' language choice and the query log.
    "CREATE TABLE IF NOT EXISTS user_lang (
        user_id INTEGER PRIMARY KEY,
        lang TEXT NOT NULL CHECK (lang IN ('ru', 'kk', 'en')),
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS query_log (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        lang TEXT NOT NULL,
        verdict TEXT NOT NULL,
        code TEXT,
        query TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS query_log_at ON query_log(at);",
    // 2: the last update answered (superseded by the inbox in 3).
    "CREATE TABLE IF NOT EXISTS bot_state (
        key TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    );",
    // 3: the inbox; the per-day aggregate of the query log, kept by triggers (also for rows other
    // tools insert), so /stats never scans the log; an index for the bounded top-queries scan.
    "CREATE TABLE IF NOT EXISTS inbox (
        seq INTEGER PRIMARY KEY,
        update_id INTEGER NOT NULL,
        fp INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        done_at INTEGER,
        body TEXT,
        UNIQUE (update_id, fp)
    );
    CREATE INDEX IF NOT EXISTS inbox_pending ON inbox(seq) WHERE done_at IS NULL;
    CREATE INDEX IF NOT EXISTS inbox_done_at ON inbox(done_at) WHERE done_at IS NOT NULL;
    CREATE TABLE IF NOT EXISTS query_daily (
        day INTEGER NOT NULL,
        verdict TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (day, verdict)
    ) WITHOUT ROWID;
    INSERT OR REPLACE INTO query_daily (day, verdict, n) SELECT at / 86400, verdict, count(*) FROM query_log GROUP BY 1, 2;
    CREATE TRIGGER IF NOT EXISTS query_log_count AFTER INSERT ON query_log BEGIN
        INSERT INTO query_daily (day, verdict, n) VALUES (NEW.at / 86400, NEW.verdict, 1)
            ON CONFLICT (day, verdict) DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER IF NOT EXISTS query_log_uncount AFTER DELETE ON query_log BEGIN
        UPDATE query_daily SET n = n - 1 WHERE day = OLD.at / 86400 AND verdict = OLD.verdict;
    END;
    CREATE INDEX IF NOT EXISTS query_log_verdict_at ON query_log(verdict, at);
    DELETE FROM bot_state WHERE key = 'last_update_id';",
    // 4: subscriptions (only after a 🔔 press: the chat, a code or a query's text, the language,
    // and the answer last given), the list last served (its hash, version and a snapshot to diff
    // against), and the outbox of notices (a row per chat to notify, deleted once Telegram took it).
    "CREATE TABLE IF NOT EXISTS subscriptions (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        code TEXT,
        query TEXT,
        lang TEXT NOT NULL CHECK (lang IN ('ru', 'kk', 'en')),
        answer_kind TEXT NOT NULL,
        answer_code TEXT,
        created_at INTEGER NOT NULL,
        CHECK ((code IS NULL) <> (query IS NULL))
    );
    CREATE UNIQUE INDEX IF NOT EXISTS subscriptions_target ON subscriptions(chat_id, ifnull(code, ''), ifnull(query, ''));
    CREATE TABLE IF NOT EXISTS list_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        hash TEXT NOT NULL,
        version TEXT NOT NULL,
        snapshot TEXT NOT NULL,
        served_since INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS notices (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        text TEXT NOT NULL,
        list_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS notices_chat ON notices(chat_id);",
];

/// Longest query text kept in the log (after scrubbing).
pub const LOG_QUERY_CHARS: usize = 80;
/// The newest rows /stats reads for its top unmatched queries (an index range, never the log).
pub const STATS_SCAN_ROWS: i64 = 20_000;
/// Rows one retention step deletes (each step is its own short transaction).
pub const EXPIRE_BATCH: i64 = 500;

pub struct Store {
    conn: Mutex<Connection>,
}

/// One row of a report: a query (or code) and how often it was asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Count {
    pub key: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    pub total: i64,
    pub listed: i64,
    pub unsure: i64,
    pub not_listed: i64,
    pub top_unsure: Vec<Count>,
    pub top_not_listed: Vec<Count>,
    pub top_codes: Vec<Count>,
    pub per_day: Vec<Count>,
}

/// An update as it sits in the inbox: Telegram's id, a fingerprint of its body (ids are reused
/// after Telegram restarts its counter, so the pair identifies an update), and the JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UpdateKey {
    pub update_id: i64,
    pub fp: i64,
}

#[derive(Debug, Clone)]
pub struct Pending {
    pub key: UpdateKey,
    pub body: String,
}

/// One query log row.
#[derive(Debug, Clone)]
pub struct LogRow {
    pub at: i64,
    pub lang: Lang,
    pub verdict: &'static str,
    pub code: Option<String>,
    pub query: String,
}

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// What of a query is kept in the log: the occupation, not who asked. E-mail addresses, @handles
/// and links are dropped; a run of digits (with the separators phone numbers use) of five digits or
/// more becomes `#`, except an NKZ code (`2512-1-007`); words with five digits or more (passport
/// numbers such as N12345678) become `#`; after "my name is"/"меня зовут" the next two words go;
/// lower-cased, controls removed, at most [`LOG_QUERY_CHARS`] characters.
pub fn scrub(query: &str) -> String {
    let text: String = query.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().to_lowercase();
    let mut words: Vec<String> = Vec::new();
    let mut skip_names = 0;
    let raw: Vec<&str> = text.split_whitespace().collect();
    for (i, w) in raw.iter().enumerate() {
        if skip_names > 0 {
            skip_names -= 1;
            continue;
        }
        let bare = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '@' && c != '+');
        if bare.contains('@') || bare.starts_with("http") || bare.starts_with("www.") || bare.starts_with("t.me/") {
            continue;
        }
        let digits = bare.chars().filter(char::is_ascii_digit).count();
        let letters = bare.chars().filter(|c| c.is_alphabetic()).count();
        if digits >= 5 && letters > 0 {
            words.push("#".into());
            continue;
        }
        words.push((*w).to_string());
        let prev = if i > 0 { raw[i - 1] } else { "" };
        if matches!((prev, bare), ("меня", "зовут") | ("name", "is") | ("менің", "атым")) {
            skip_names = 2;
        }
    }
    let joined = words.join(" ");
    let out = scrub_numbers(&joined);
    let out: String = out.split_whitespace().collect::<Vec<_>>().join(" ");
    out.chars().take(LOG_QUERY_CHARS).collect::<String>().trim().to_string()
}

/// Replaces digit runs of five digits or more (spaces, dashes, dots, brackets and plus signs
/// between digits count as part of the run) by `#`, keeping NKZ codes.
fn scrub_numbers(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit() || (chars[i] == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit));
        if !starts {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // Extend over digits and separators, ending on a digit.
        let mut j = i;
        let mut end = i;
        while j < chars.len() && (chars[j].is_ascii_digit() || matches!(chars[j], ' ' | '-' | '.' | '(' | ')' | '+')) {
            if chars[j].is_ascii_digit() {
                end = j + 1;
            }
            j += 1;
        }
        let run: String = chars[i..end].iter().collect();
        let digits = run.chars().filter(char::is_ascii_digit).count();
        if digits >= 5 && !is_nkz_code(&run) {
            out.push('#');
        } else {
            out.push_str(&run);
        }
        i = end.max(i + 1);
    }
    out
}

fn is_nkz_code(run: &str) -> bool {
    let parts: Vec<&str> = run.split(['-', '.', ' ']).filter(|p| !p.is_empty()).collect();
    let shape: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) && matches!(shape.as_slice(), [4] | [4, 1] | [4, 1, 3] | [8])
}

/// Opens a connection with the settings every connection of the bot's uses.
fn connect(path: &Path, read_only: bool) -> Result<Connection, StoreError> {
    let p = path.display().to_string();
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open { path: p, source })
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = connect(path, false)?;
        Self::init(conn, &path.display().to_string())
    }

    /// A private in-memory database (tests, `kasip match` needs none).
    pub fn in_memory() -> Result<Store, StoreError> {
        Self::init(Connection::open_in_memory()?, ":memory:")
    }

    fn init(conn: Connection, path: &str) -> Result<Store, StoreError> {
        conn.busy_timeout(Duration::from_secs(5))?;
        // A file that is not SQLite fails here, on the first read.
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|source| StoreError::Corrupt { path: path.into(), source })?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(|source| StoreError::Corrupt { path: path.into(), source })?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Deleted rows (a /forget, a done update's body) are overwritten, not left in free pages.
        conn.pragma_update(None, "secure_delete", "ON")?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew { path: path.into(), found: version, known });
        }
        let mut conn = conn;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql).map_err(|source| StoreError::Corrupt { path: path.into(), source })?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(Store { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent: keep going.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The connection itself, for the writer thread (which owns this store).
    pub(crate) fn into_connection(self) -> Connection {
        self.conn.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn().pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    pub fn user_lang(&self, user_id: i64) -> Result<Option<Lang>, StoreError> {
        user_lang(&self.conn(), user_id)
    }

    pub fn set_user_lang(&self, user_id: i64, lang: Lang) -> Result<(), StoreError> {
        set_user_lang(&self.conn(), user_id, lang, now())
    }

    /// `/forget`: everything kept about this user.
    pub fn forget_user(&self, user_id: i64) -> Result<usize, StoreError> {
        forget_user(&self.conn(), user_id)
    }

    /// Logs a query: time, language, verdict, code and the scrubbed text, nothing about who asked.
    pub fn log_query(&self, at: i64, lang: Lang, verdict: &str, code: Option<&str>, query: &str) -> Result<(), StoreError> {
        log_query(&self.conn(), at, lang.code(), verdict, code, query)
    }

    /// Deletes log rows, language choices and answered inbox rows older than `retention`, in small
    /// batches until none is left. Returns the rows deleted.
    pub fn expire(&self, retention: Duration, now: i64) -> Result<usize, StoreError> {
        let cutoff = now - retention.as_secs() as i64;
        let c = self.conn();
        let mut total = 0;
        loop {
            let n = expire_step(&c, cutoff, now - INBOX_KEEP_DONE_SECS)?;
            total += n;
            if n == 0 {
                return Ok(total);
            }
        }
    }

    pub fn inbox_insert(&self, items: &[(UpdateKey, String)]) -> Result<Vec<bool>, StoreError> {
        let mut c = self.conn();
        let tx = c.transaction()?;
        let r = inbox_insert(&tx, items, now())?;
        tx.commit()?;
        Ok(r)
    }

    pub fn inbox_done(&self, key: UpdateKey) -> Result<(), StoreError> {
        inbox_done(&self.conn(), key, now())
    }

    pub fn inbox_pending(&self, limit: usize) -> Result<Vec<Pending>, StoreError> {
        inbox_pending(&self.conn(), limit)
    }

    /// What people asked since `since` (unix seconds): verdict shares, the most frequent unsure
    /// and not-listed queries (what to grow the aliases with), the most asked professions. Reads
    /// the whole range (the CLI's report); the bot uses [`report_recent`].
    pub fn report(&self, since: i64, top: usize) -> Result<Report, StoreError> {
        let c = self.conn();
        let mut r = totals(&c, since, top)?;
        let counts = |sql: &str| -> Result<Vec<Count>, StoreError> {
            let mut st = c.prepare(sql)?;
            let rows = st.query_map(params![since, top as i64], |row| Ok(Count { key: row.get(0)?, count: row.get(1)? }))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        };
        r.top_unsure = counts("SELECT query, count(*) n FROM query_log WHERE at >= ?1 AND verdict = 'unsure' GROUP BY query ORDER BY n DESC, 1 LIMIT ?2")?;
        r.top_not_listed =
            counts("SELECT query, count(*) n FROM query_log WHERE at >= ?1 AND verdict = 'not_listed' GROUP BY query ORDER BY n DESC, 1 LIMIT ?2")?;
        r.top_codes = counts("SELECT code, count(*) n FROM query_log WHERE at >= ?1 AND code IS NOT NULL GROUP BY code ORDER BY n DESC, 1 LIMIT ?2")?;
        Ok(r)
    }

    /// The bot's /stats: totals and days from the aggregate, the top unmatched queries among the
    /// newest [`STATS_SCAN_ROWS`] rows of each verdict (an index range), so the cost does not
    /// grow with the log.
    pub fn report_recent(&self, since: i64, top: usize) -> Result<Report, StoreError> {
        report_recent(&self.conn(), since, top)
    }
}

/// Answered updates are kept (without their body) this long, to recognise Telegram delivering
/// one again; well under the week after which Telegram may reuse ids.
pub const INBOX_KEEP_DONE_SECS: i64 = 2 * 86400;

pub(crate) fn user_lang(c: &Connection, user_id: i64) -> Result<Option<Lang>, StoreError> {
    let s: Option<String> = c.prepare_cached("SELECT lang FROM user_lang WHERE user_id = ?1")?.query_row([user_id], |r| r.get(0)).optional()?;
    Ok(s.and_then(|s| s.parse().ok()))
}

pub(crate) fn set_user_lang(c: &Connection, user_id: i64, lang: Lang, at: i64) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO user_lang (user_id, lang, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(user_id) DO UPDATE SET lang = excluded.lang, updated_at = excluded.updated_at",
    )?
    .execute(params![user_id, lang.code(), at])?;
    Ok(())
}

pub(crate) fn forget_user(c: &Connection, user_id: i64) -> Result<usize, StoreError> {
    // The language choice is the only row that carries a user id; answered inbox rows keep no
    // body, and any left with one (answered, body not yet cleared) are cleared here.
    let n = c.execute("DELETE FROM user_lang WHERE user_id = ?1", [user_id])?;
    // Subscriptions of the user's own chat (a private chat's id is the user's) and their notices.
    let n = n + subs::forget_chat(c, user_id)?;
    c.execute("UPDATE inbox SET body = NULL WHERE done_at IS NOT NULL AND body IS NOT NULL", [])?;
    Ok(n)
}

pub(crate) fn log_query(c: &Connection, at: i64, lang: &str, verdict: &str, code: Option<&str>, query: &str) -> Result<(), StoreError> {
    let q = scrub(query);
    c.prepare_cached("INSERT INTO query_log (at, lang, verdict, code, query) VALUES (?1, ?2, ?3, ?4, ?5)")?.execute(params![at, lang, verdict, code, q])?;
    Ok(())
}

/// One retention step: at most [`EXPIRE_BATCH`] rows of each kind. Returns the rows deleted.
pub(crate) fn expire_step(c: &Connection, cutoff: i64, inbox_cutoff: i64) -> Result<usize, StoreError> {
    let a = c.execute("DELETE FROM query_log WHERE id IN (SELECT id FROM query_log WHERE at < ?1 ORDER BY at LIMIT ?2)", params![cutoff, EXPIRE_BATCH])?;
    let b =
        c.execute("DELETE FROM user_lang WHERE user_id IN (SELECT user_id FROM user_lang WHERE updated_at < ?1 LIMIT ?2)", params![cutoff, EXPIRE_BATCH])?;
    let d = c.execute(
        "DELETE FROM inbox WHERE seq IN (SELECT seq FROM inbox WHERE done_at IS NOT NULL AND done_at < ?1 LIMIT ?2)",
        params![inbox_cutoff, EXPIRE_BATCH],
    )?;
    if a > 0 {
        c.execute("DELETE FROM query_daily WHERE n <= 0", [])?;
    }
    Ok(a + b + d)
}

/// Inserts updates not seen before; `true` for each one that is new.
pub(crate) fn inbox_insert(c: &Connection, items: &[(UpdateKey, String)], at: i64) -> Result<Vec<bool>, StoreError> {
    let mut st = c.prepare_cached("INSERT OR IGNORE INTO inbox (update_id, fp, received_at, body) VALUES (?1, ?2, ?3, ?4)")?;
    let mut out = Vec::with_capacity(items.len());
    for (k, body) in items {
        out.push(st.execute(params![k.update_id, k.fp, at, body])? == 1);
    }
    Ok(out)
}

/// Records an update as answered; its body (names, texts) is dropped at once.
pub(crate) fn inbox_done(c: &Connection, key: UpdateKey, at: i64) -> Result<(), StoreError> {
    c.prepare_cached("UPDATE inbox SET done_at = ?1, body = NULL WHERE update_id = ?2 AND fp = ?3 AND done_at IS NULL")?.execute(params![
        at,
        key.update_id,
        key.fp
    ])?;
    Ok(())
}

pub(crate) fn inbox_pending(c: &Connection, limit: usize) -> Result<Vec<Pending>, StoreError> {
    let mut st = c.prepare("SELECT update_id, fp, body FROM inbox WHERE done_at IS NULL ORDER BY seq LIMIT ?1")?;
    let rows = st.query_map([limit as i64], |r| {
        Ok(Pending { key: UpdateKey { update_id: r.get(0)?, fp: r.get(1)? }, body: r.get::<_, Option<String>>(2)?.unwrap_or_default() })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

fn totals(c: &Connection, since: i64, top: usize) -> Result<Report, StoreError> {
    let mut r = Report::default();
    let day = since.div_euclid(86400);
    let mut st = c.prepare_cached("SELECT verdict, sum(n) FROM query_daily WHERE day >= ?1 GROUP BY verdict")?;
    let rows = st.query_map([day], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)))?;
    for row in rows {
        let (v, n) = row?;
        r.total += n;
        match v.as_str() {
            "listed" => r.listed = n,
            "unsure" => r.unsure = n,
            _ => r.not_listed += n,
        }
    }
    let mut st = c.prepare_cached("SELECT date(day * 86400, 'unixepoch'), sum(n) FROM query_daily WHERE day >= ?1 GROUP BY day ORDER BY day DESC LIMIT ?2")?;
    let rows = st.query_map(params![day, top as i64], |row| Ok(Count { key: row.get(0)?, count: row.get(1)? }))?;
    r.per_day = rows.collect::<Result<Vec<_>, _>>()?;
    Ok(r)
}

pub(crate) fn report_recent(c: &Connection, since: i64, top: usize) -> Result<Report, StoreError> {
    let mut r = totals(c, since, top)?;
    let top_of = |verdict: &str| -> Result<Vec<Count>, StoreError> {
        let mut st = c.prepare_cached(
            "SELECT query, count(*) n FROM (SELECT query FROM query_log WHERE verdict = ?1 AND at >= ?2 ORDER BY at DESC LIMIT ?3)
             GROUP BY query ORDER BY n DESC, 1 LIMIT ?4",
        )?;
        let rows = st.query_map(params![verdict, since, STATS_SCAN_ROWS, top as i64], |row| Ok(Count { key: row.get(0)?, count: row.get(1)? }))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    };
    r.top_not_listed = top_of("not_listed")?;
    r.top_unsure = top_of("unsure")?;
    Ok(r)
}

/// Holds the database for this process: an exclusive lock on `<db>.lock` beside it, released by
/// the kernel when the process ends however it ends (so a crash leaves no stale lock).
pub struct InstanceLock {
    _file: std::fs::File,
}

impl InstanceLock {
    pub fn acquire(db: &Path) -> Result<InstanceLock, StoreError> {
        let mut name = db.as_os_str().to_owned();
        name.push(".lock");
        let lock = std::path::PathBuf::from(name);
        let shown = lock.display().to_string();
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .map_err(|source| StoreError::Lock { lock: shown.clone(), source })?;
        match file.try_lock() {
            Ok(()) => Ok(InstanceLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::InUse { path: db.display().to_string(), lock: shown }),
            Err(std::fs::TryLockError::Error(source)) => Err(StoreError::Lock { lock: shown, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_from_empty_and_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as i64);
        drop(s);
        let s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as i64);
        let mode: String = s.conn().pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let secure: i64 = s.conn().pragma_query_value(None, "secure_delete", |r| r.get(0)).unwrap();
        assert_eq!(secure, 1);
    }

    #[test]
    fn version_2_databases_keep_their_log_and_gain_the_aggregate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(MIGRATIONS[0]).unwrap();
            c.execute_batch(MIGRATIONS[1]).unwrap();
            c.execute("INSERT INTO query_log (at, lang, verdict, code, query) VALUES (100000, 'ru', 'listed', '2217-4-001', 'нейрохирург')", []).unwrap();
            c.execute("INSERT INTO bot_state (key, value) VALUES ('last_update_id', 99)", []).unwrap();
            c.pragma_update(None, "user_version", 2).unwrap();
        }
        let s = Store::open(&path).unwrap();
        assert_eq!(s.report_recent(0, 10).unwrap().total, 1);
        assert_eq!(s.report(0, 10).unwrap().listed, 1);
    }

    #[test]
    fn language_persists_across_reopen_and_forget_removes_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        Store::open(&path).unwrap().set_user_lang(42, Lang::Kk).unwrap();
        let s = Store::open(&path).unwrap();
        assert_eq!(s.user_lang(42).unwrap(), Some(Lang::Kk));
        assert_eq!(s.forget_user(42).unwrap(), 1);
        assert_eq!(s.user_lang(42).unwrap(), None);
        let n: i64 = s.conn().query_row("SELECT count(*) FROM user_lang", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn corrupt_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.db");
        std::fs::write(&path, b"this is not a database at all, just text that is long enough.......................................").unwrap();
        let e = Store::open(&path).err().expect("must fail");
        assert!(e.to_string().contains("bad.db"), "{e}");
    }

    #[test]
    fn unopenable_path_is_a_clear_error() {
        let e = Store::open(Path::new("/nonexistent-dir/kasip.db")).err().expect("must fail");
        assert!(matches!(e, StoreError::Open { .. }), "{e}");
    }

    #[test]
    fn report_counts_and_retention_expires() {
        let s = Store::in_memory().unwrap();
        let t = 1_700_000_000;
        s.log_query(t, Lang::Ru, "not_listed", None, "Хирург").unwrap();
        s.log_query(t, Lang::Ru, "not_listed", None, "хирург").unwrap();
        s.log_query(t, Lang::En, "listed", Some("2217-4-001"), "neurosurgeon").unwrap();
        s.log_query(t - 200 * 86400, Lang::En, "unsure", None, "old").unwrap();
        let r = s.report(t - 86400, 10).unwrap();
        assert_eq!((r.total, r.listed, r.not_listed, r.unsure), (3, 1, 2, 0));
        assert_eq!(r.top_not_listed[0], Count { key: "хирург".into(), count: 2 });
        assert_eq!(r.top_codes[0].key, "2217-4-001");
        let recent = s.report_recent(t - 86400, 10).unwrap();
        assert_eq!((recent.total, recent.listed, recent.not_listed), (3, 1, 2));
        assert_eq!(recent.top_not_listed[0], Count { key: "хирург".into(), count: 2 });
        assert_eq!(s.expire(Duration::from_secs(90 * 86400), t).unwrap(), 1);
        assert_eq!(s.report(0, 10).unwrap().total, 3);
        assert_eq!(s.report_recent(0, 10).unwrap().total, 3, "the aggregate follows deletions");
    }

    #[test]
    fn retention_deletes_many_rows_in_batches() {
        let s = Store::in_memory().unwrap();
        let t = 1_700_000_000;
        for i in 0..(EXPIRE_BATCH * 3 + 7) {
            s.log_query(t - 200 * 86400 - i, Lang::Ru, "listed", None, "врач").unwrap();
        }
        s.log_query(t, Lang::Ru, "listed", None, "врач").unwrap();
        assert_eq!(s.expire(Duration::from_secs(90 * 86400), t).unwrap() as i64, EXPIRE_BATCH * 3 + 7);
        assert_eq!(s.report_recent(0, 10).unwrap().total, 1);
    }

    #[test]
    fn inbox_deduplicates_and_tells_a_reused_id_apart() {
        let s = Store::in_memory().unwrap();
        let a = UpdateKey { update_id: 5, fp: 1 };
        let reused = UpdateKey { update_id: 5, fp: 2 };
        assert_eq!(s.inbox_insert(&[(a, "{\"a\":1}".into())]).unwrap(), [true]);
        assert_eq!(s.inbox_insert(&[(a, "{\"a\":1}".into()), (reused, "{\"b\":1}".into())]).unwrap(), [false, true]);
        assert_eq!(s.inbox_pending(10).unwrap().len(), 2);
        s.inbox_done(a).unwrap();
        let p = s.inbox_pending(10).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].key, reused);
        let body: Option<String> = s.conn().query_row("SELECT body FROM inbox WHERE fp = 1", [], |r| r.get(0)).unwrap();
        assert_eq!(body, None, "an answered update keeps no body");
        assert_eq!(s.inbox_insert(&[(a, "{\"a\":1}".into())]).unwrap(), [false], "a done update delivered again is known");
    }

    #[test]
    fn scrub_keeps_the_occupation_and_drops_identifiers() {
        assert_eq!(scrub("Нейрохирург"), "нейрохирург");
        assert_eq!(scrub("программист, звоните +7 701 234 56 78"), "программист, звоните #");
        assert_eq!(scrub("врач паспорт N12345678"), "врач паспорт #");
        assert_eq!(scrub("developer ivan.petrov@mail.ru @ivan"), "developer");
        assert_eq!(scrub("2512-1-007"), "2512-1-007");
        assert_eq!(scrub("меня зовут Иван Петров, я программист"), "меня зовут я программист");
        assert_eq!(scrub("1с программист, 3d дизайнер, 10 лет"), "1с программист, 3d дизайнер, 10 лет");
        assert_eq!(scrub("ИИН 900101300123 инженер"), "иин # инженер");
        assert!(scrub(&"инженер ".repeat(100)).chars().count() <= LOG_QUERY_CHARS);
        assert_eq!(scrub("врач\u{0}"), "врач");
    }

    #[test]
    fn a_second_instance_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("k.db");
        let first = InstanceLock::acquire(&db).unwrap();
        let e = InstanceLock::acquire(&db).err().expect("second lock refused");
        assert!(matches!(e, StoreError::InUse { .. }) && e.to_string().contains("k.db"), "{e}");
        drop(first);
        InstanceLock::acquire(&db).unwrap();
    }
}

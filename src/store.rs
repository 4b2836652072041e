//! State in an embedded SQLite file (rusqlite, bundled): users' language choice, the query log
//! (no names or user ids), and the last update the bot answered. Schema versioned by migrations
//! (`PRAGMA user_version`), WAL mode, a busy timeout. Every method returns errors instead of
//! panicking; the bot treats a failed log write as a warning, never a reason not to reply.

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
    // 2: the last update answered, so a restart neither repeats nor loses answers.
    "CREATE TABLE IF NOT EXISTS bot_state (
        key TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    );",
];

/// Longest query text kept in the log.
const LOG_QUERY_CHARS: usize = 200;

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

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let p = path.display().to_string();
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|source| StoreError::Open { path: p.clone(), source })?;
        Self::init(conn, &p)
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

    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn().pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    pub fn user_lang(&self, user_id: i64) -> Result<Option<Lang>, StoreError> {
        let s: Option<String> = self.conn().query_row("SELECT lang FROM user_lang WHERE user_id = ?1", [user_id], |r| r.get(0)).optional()?;
        Ok(s.and_then(|s| s.parse().ok()))
    }

    pub fn set_user_lang(&self, user_id: i64, lang: Lang) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO user_lang (user_id, lang, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(user_id) DO UPDATE SET lang = excluded.lang, updated_at = excluded.updated_at",
            params![user_id, lang.code(), now()],
        )?;
        Ok(())
    }

    /// `/forget`: everything kept about this user (only the language choice carries a user id).
    pub fn forget_user(&self, user_id: i64) -> Result<usize, StoreError> {
        Ok(self.conn().execute("DELETE FROM user_lang WHERE user_id = ?1", [user_id])?)
    }

    /// Logs a query: time, language, verdict, code and text, nothing about who asked.
    pub fn log_query(&self, at: i64, lang: Lang, verdict: &str, code: Option<&str>, query: &str) -> Result<(), StoreError> {
        // Lower-cased here: SQLite's lower() only knows ASCII, and the report groups by text.
        let q: String = query.chars().filter(|c| !c.is_control()).take(LOG_QUERY_CHARS).collect::<String>().to_lowercase();
        self.conn()
            .execute("INSERT INTO query_log (at, lang, verdict, code, query) VALUES (?1, ?2, ?3, ?4, ?5)", params![at, lang.code(), verdict, code, q.trim()])?;
        Ok(())
    }

    /// Deletes log rows and language choices older than `retention`.
    pub fn expire(&self, retention: Duration, now: i64) -> Result<usize, StoreError> {
        let cutoff = now - retention.as_secs() as i64;
        let c = self.conn();
        let a = c.execute("DELETE FROM query_log WHERE at < ?1", [cutoff])?;
        let b = c.execute("DELETE FROM user_lang WHERE updated_at < ?1", [cutoff])?;
        Ok(a + b)
    }

    pub fn last_update_id(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.conn().query_row("SELECT value FROM bot_state WHERE key = 'last_update_id'", [], |r| r.get(0)).optional()?)
    }

    pub fn set_last_update_id(&self, id: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO bot_state (key, value) VALUES ('last_update_id', ?1)
             ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
            [id],
        )?;
        Ok(())
    }

    /// What people asked since `since` (unix seconds): verdict shares, the most frequent unsure
    /// and not-listed queries (what to grow the aliases with), the most asked professions.
    pub fn report(&self, since: i64, top: usize) -> Result<Report, StoreError> {
        let c = self.conn();
        let mut r = Report::default();
        {
            let mut st = c.prepare("SELECT verdict, count(*) FROM query_log WHERE at >= ?1 GROUP BY verdict")?;
            let rows = st.query_map([since], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)))?;
            for row in rows {
                let (v, n) = row?;
                r.total += n;
                match v.as_str() {
                    "listed" => r.listed = n,
                    "unsure" => r.unsure = n,
                    _ => r.not_listed += n,
                }
            }
        }
        let counts = |sql: &str| -> Result<Vec<Count>, StoreError> {
            let mut st = c.prepare(sql)?;
            let rows = st.query_map(params![since, top as i64], |row| Ok(Count { key: row.get(0)?, count: row.get(1)? }))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        };
        r.top_unsure = counts("SELECT query, count(*) n FROM query_log WHERE at >= ?1 AND verdict = 'unsure' GROUP BY query ORDER BY n DESC, 1 LIMIT ?2")?;
        r.top_not_listed =
            counts("SELECT query, count(*) n FROM query_log WHERE at >= ?1 AND verdict = 'not_listed' GROUP BY query ORDER BY n DESC, 1 LIMIT ?2")?;
        r.top_codes = counts("SELECT code, count(*) n FROM query_log WHERE at >= ?1 AND code IS NOT NULL GROUP BY code ORDER BY n DESC, 1 LIMIT ?2")?;
        r.per_day = counts("SELECT date(at, 'unixepoch'), count(*) FROM query_log WHERE at >= ?1 GROUP BY 1 ORDER BY 1 DESC LIMIT ?2")?;
        Ok(r)
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
        assert_eq!(s.expire(Duration::from_secs(90 * 86400), t).unwrap(), 1);
        assert_eq!(s.report(0, 10).unwrap().total, 3);
    }

    #[test]
    fn last_update_id_only_moves_forward() {
        let s = Store::in_memory().unwrap();
        assert_eq!(s.last_update_id().unwrap(), None);
        s.set_last_update_id(10).unwrap();
        s.set_last_update_id(7).unwrap();
        assert_eq!(s.last_update_id().unwrap(), Some(10));
    }
}

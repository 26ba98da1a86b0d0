//! Opening the database: the one-instance lock, pragmas and migrations.
//!
//! A counter database is written by exactly one Dangol process at a time
//! (two instances on one counter are a known source of duplicate orders in
//! other POS systems). The lock is an OS file lock on `<db>.lock`, released
//! by the OS if the process dies, so a crash never leaves a stale lock.
//!
//! Readers do not take it: `open_shared` opens an existing, current
//! database beside the writer (the counter window, a long import), reading
//! through SQLite's WAL snapshots. A shared store refuses writes
//! (`read_only`) except the few records reading itself must leave, which
//! SQLite serialises with the writer (waiting up to `SHARED_BUSY_MS` for a
//! long import): an export's audit entry, the prompts a preview showed, and
//! the owner-PIN check's failure counter (the back-off must count every
//! wrong PIN, wherever it was typed).

use crate::clock::Clock;
use crate::error::{Result, StoreError};
use crate::owner::Owner;
use crate::{audit, clock, settings};
use chrono::{DateTime, Utc};
use dangol_domain::ids::IdSource;
use dangol_domain::time::ShopZone;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// Append-only migrations: (version, SQL). Never edit a released one.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_initial.sql")),
    (2, include_str!("../migrations/0002_goodwill.sql")),
    (3, include_str!("../migrations/0003_lots_audit.sql")),
    (4, include_str!("../migrations/0004_checkout_reads.sql")),
    (5, include_str!("../migrations/0005_sync.sql")),
    (6, include_str!("../migrations/0006_escrow.sql")),
    (7, include_str!("../migrations/0007_profile_registers.sql")),
    (8, include_str!("../migrations/0008_base.sql")),
    (9, include_str!("../migrations/0009_unmerge.sql")),
    (10, include_str!("../migrations/0010_field_writes.sql")),
    (11, include_str!("../migrations/0011_rhythm.sql")),
    (12, include_str!("../migrations/0012_sales_by_at.sql")),
    (13, include_str!("../migrations/0013_near_misses.sql")),
    (14, include_str!("../migrations/0014_squared_points.sql")),
    (15, include_str!("../migrations/0015_points_replay.sql")),
    (16, include_str!("../migrations/0016_ledger_guard.sql")),
    (17, include_str!("../migrations/0017_placed_points.sql")),
    (18, include_str!("../migrations/0018_shifts_and_voids.sql")),
    (19, include_str!("../migrations/0019_code_claims.sql")),
    (20, include_str!("../migrations/0020_api_requests.sql")),
    (21, include_str!("../migrations/0021_point_holds.sql")),
];

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// An open counter database.
pub struct Store {
    pub(crate) conn: Connection,
    path: Option<PathBuf>,
    _lock: Option<File>,
    /// Opened with `open_shared`: no instance lock, so no writes.
    shared: bool,
    pub(crate) device: Uuid,
    pub(crate) zone: ShopZone,
    pub(crate) clock: Clock,
    /// The owner's permission to date writes in the past, if given.
    pub(crate) backdating: Option<Owner>,
    /// The parsed discount rules, until they change.
    pub(crate) rules: crate::rules::RuleCache,
    /// The last customer's points lots, until the ledger grows.
    pub(crate) points: crate::ledger::PointsCache,
    /// The points hold the work in hand may spend (`Store::using_hold`):
    /// every other open hold is set aside from what may be redeemed.
    pub(crate) hold_in_hand: Option<Uuid>,
}

/// What a write needs to know about "now", taken before its transaction.
#[derive(Debug, Clone)]
pub(crate) struct WriteCtx {
    pub now: DateTime<Utc>,
    pub device: Uuid,
    pub backdating: bool,
}

impl WriteCtx {
    /// Checks that a write may be dated `at` (see `clock::check_write_time`)
    /// and audits it when the owner dated it in the past.
    pub fn check(
        &self,
        conn: &Connection,
        ids: &mut dyn IdSource,
        at: DateTime<Utc>,
        not_before: Option<clock::NotBefore>,
        what: &str,
    ) -> Result<()> {
        clock::check_write_time(at, self.now, not_before, self.backdating)?;
        if at < self.now - clock::WRITE_SKEW {
            audit::record(
                conn,
                ids,
                self.device,
                self.now,
                audit::Entry::owner("write.backdated", what).after(serde_json::json!({"dated": at, "clock": self.now})),
            )?;
        }
        Ok(())
    }
}

/// Deletes a database file and the files kept beside it (SQLite's `-wal`
/// and `-shm`, the instance `.lock`), ignoring any that do not exist: for a
/// file this process made and must not leave half-made, or a scratch copy.
pub fn remove_files(path: &Path) {
    for suffix in ["", "-wal", "-shm", ".lock"] {
        let mut f = path.as_os_str().to_os_string();
        f.push(suffix);
        let _ = std::fs::remove_file(f);
    }
}

/// How long a shared store's few records wait for the writer (a long
/// import holds its transaction for its whole write phase).
const SHARED_BUSY_MS: i64 = 60_000;

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 256;

impl Store {
    /// Opens (creating if needed) the database at `path`, taking the
    /// one-instance lock and applying pending migrations.
    pub fn open(path: &Path) -> Result<Store> {
        let lock = take_lock(path)?;

        let conn = Connection::open(path).map_err(|e| classify(path, e))?;
        Store::unopened(conn, Some(path.to_path_buf()), Some(lock)).initialised(path)
    }

    /// Reads the store's settings (migrating a writer's file first); an
    /// SQLite error on the way is classified (not a database, corrupt, …).
    fn initialised(mut self, path: &Path) -> Result<Store> {
        self.init().map_err(|e| match e {
            StoreError::Sqlite(inner) => classify(path, inner),
            other => other,
        })?;
        Ok(self)
    }

    /// Opens an existing database for reading beside its writer, without
    /// the instance lock and without migrating it (a database that needs
    /// upgrading is refused: `older_schema`). Writes are refused
    /// (`read_only`); see the module's note for the exceptions.
    pub fn open_shared(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(StoreError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such database"),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| classify(path, e))?;
        let mut store = Store::unopened(conn, Some(path.to_path_buf()), None);
        store.shared = true;
        store.initialised(path)
    }

    /// True when opened with `open_shared`.
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// The store around a connection, before `init` reads its settings.
    fn unopened(conn: Connection, path: Option<PathBuf>, lock: Option<File>) -> Store {
        Store {
            conn,
            path,
            _lock: lock,
            shared: false,
            device: Uuid::nil(),
            zone: ShopZone::default(),
            clock: Clock::System,
            backdating: None,
            hold_in_hand: None,
            rules: Default::default(),
            points: Default::default(),
        }
    }

    /// A private in-memory database (tests, benchmarks of the floor).
    pub fn open_in_memory() -> Result<Store> {
        let mut store = Store::unopened(Connection::open_in_memory()?, None, None);
        store.init()?;
        Ok(store)
    }

    fn init(&mut self) -> Result<()> {
        // Reading the header first turns "not a database" into a clear error
        // before anything is written.
        self.conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
        if !self.shared {
            self.conn.pragma_update(None, "journal_mode", "WAL")?;
        }
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        self.conn.pragma_update(None, "busy_timeout", if self.shared { SHARED_BUSY_MS } else { 5_000 })?;
        self.conn.pragma_update(None, "cache_size", -65_536)?;
        self.conn.pragma_update(None, "temp_store", "MEMORY")?;
        // A preview and a checkout run some sixty distinct statements; with
        // rusqlite's default of 16 they evict each other and are parsed and
        // planned again on every call.
        self.conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // One plan per statement, whatever its bound values. Without this
        // guarantee SQLite re-parses and re-plans a statement every time a
        // new value is bound to a parameter that might change its plan: a
        // `LIMIT ?` (SQLite 3.54 plans with the limit's value), or any
        // compared value once ANALYZE has stored STAT4 samples. That was a
        // third of the time of a lookup, a preview or a checkout. Every
        // query here is an index range whose best plan does not depend on
        // the value.
        self.conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        if self.shared {
            let found = self.schema_version().unwrap_or(0);
            if found > SCHEMA_VERSION {
                return Err(StoreError::NewerSchema { found, known: SCHEMA_VERSION });
            }
            if found < SCHEMA_VERSION {
                return Err(StoreError::OlderSchema { found, known: SCHEMA_VERSION });
            }
        } else {
            migrate(&mut self.conn)?;
        }
        if settings::get(&self.conn, settings::BULK_LOADING)?.is_some() {
            return Err(StoreError::NotADatabase {
                path: self.path.clone().unwrap_or_default(),
                detail: crate::error::say(
                    "데모를 만들다 중단된 불완전한 파일입니다. 지우고 데모를 다시 만드세요",
                    "a demo generation into this file was interrupted, so it is incomplete; delete it and generate the demo again",
                ),
            });
        }
        self.device = settings::device_id(&self.conn)?;
        self.zone = settings::zone(&self.conn)?;
        if !self.shared {
            crate::rhythm::build_if_needed(&mut self.conn, self.zone)?;
        }
        Ok(())
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn zone(&self) -> ShopZone {
        self.zone
    }

    /// Sets where "now" comes from (the system clock by default).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// The store's "now".
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// What a write needs to know; refused in a shared (reading) store.
    pub(crate) fn write_ctx(&self) -> Result<WriteCtx> {
        if self.shared {
            return Err(StoreError::ReadOnly);
        }
        Ok(self.audit_ctx())
    }

    /// The same for the records a shared store may still leave (an export's
    /// audit entry): append-only rows, serialised with the writer by SQLite.
    pub(crate) fn audit_ctx(&self) -> WriteCtx {
        WriteCtx { now: self.now(), device: self.device, backdating: self.backdating.is_some() }
    }

    pub fn device(&self) -> Uuid {
        self.device
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT coalesce(max(version), 0) FROM schema_migrations", [], |r| r.get(0))?)
    }

    /// Caps SQLite's page cache (KiB). The window keeps it small: lookups are
    /// index reads that the operating system's file cache serves well.
    pub fn limit_cache_kib(&self, kib: i64) -> Result<()> {
        self.conn.pragma_update(None, "cache_size", -kib.max(1_024))?;
        Ok(())
    }

    /// Reloads settings cached on open (after the owner changes them); a
    /// new time zone moves every visit to its local day.
    pub fn reload_settings(&mut self) -> Result<()> {
        self.zone = settings::zone(&self.conn)?;
        if !self.shared {
            crate::rhythm::build_if_needed(&mut self.conn, self.zone)?;
        }
        Ok(())
    }
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".lock");
    path.with_file_name(name)
}

fn take_lock(path: &Path) -> Result<File> {
    let lp = lock_path(path);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        return Err(StoreError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "folder does not exist"),
        });
    }
    let mut file = File::options()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&lp)
        .map_err(|source| StoreError::Io { path: lp.clone(), source })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(StoreError::Locked { path: path.to_path_buf() });
        }
        Err(std::fs::TryLockError::Error(source)) => {
            return Err(StoreError::Io { path: lp, source });
        }
    }
    let _ = file.set_len(0);
    let _ = writeln!(file, "{}", std::process::id());
    Ok(file)
}

fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => StoreError::NotADatabase {
            path: path.to_path_buf(),
            detail: crate::error::say("파일이 손상되었거나 데이터베이스가 아닙니다", e.to_string()),
        },
        Some(ErrorCode::CannotOpen) => {
            StoreError::Io { path: path.to_path_buf(), source: std::io::Error::other(e.to_string()) }
        }
        _ => StoreError::Sqlite(e),
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    )?;
    let current: i64 = conn.query_row("SELECT coalesce(max(version), 0) FROM schema_migrations", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { found: current, known: SCHEMA_VERSION });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?1, CAST(strftime('%s','now') AS INTEGER) * 1000)", [version])?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dangol-db-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("counter.db")
    }

    /// A version-1 database built by hand, as an older Dangol left it.
    fn version_one(path: &Path) -> Connection {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
            .unwrap();
        conn.execute_batch(MIGRATIONS[0].1).unwrap();
        conn.execute("INSERT INTO schema_migrations VALUES (1, 0)", []).unwrap();
        conn
    }

    /// Every connection has the query planner stability guarantee on (so a
    /// statement is not re-planned for each new bound value; the benchmark
    /// shows the cost), and a bound LIMIT still limits under it.
    #[test]
    fn plans_do_not_depend_on_bound_values() {
        let store = Store::open_in_memory().unwrap();
        assert!(store.conn.db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG).unwrap(), "QPSG is on");
        let mut stmt = store.conn.prepare_cached("SELECT rid FROM customers ORDER BY rid LIMIT ?1").unwrap();
        for limit in [1, 5, 0, 9] {
            assert!(stmt.query_map([limit], |r| r.get::<_, i64>(0)).unwrap().count() <= limit as usize);
        }
    }

    #[test]
    fn migrates_an_empty_database_and_reopens_without_changes() {
        let path = temp("migrate");
        {
            let store = Store::open(&path).unwrap();
            assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        }
        let store = Store::open(&path).unwrap();
        let applied: i64 = store.conn.query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0)).unwrap();
        assert_eq!(applied, MIGRATIONS.len() as i64, "reopening applies nothing twice");
        let journal: String = store.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(journal, "wal");
        let sync: i64 = store.conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        assert_eq!(sync, 2, "synchronous=FULL");
        let fk: i64 = store.conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 1);
    }

    #[test]
    fn migrates_an_older_database_forward_keeping_its_data() {
        let path = temp("older");
        version_one(&path).execute("INSERT INTO settings VALUES ('shop_name', '옛날 빵집')", []).unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(settings::shop_name(&store.conn).unwrap(), "옛날 빵집", "data survives the migration");
        let goodwill: i64 = store.conn.query_row("SELECT count(*) FROM goodwill", [], |r| r.get(0)).unwrap();
        assert_eq!(goodwill, 0, "the new table exists");
    }

    #[test]
    fn a_second_instance_gets_a_clear_error() {
        let path = temp("lock");
        let _first = Store::open(&path).unwrap();
        let err = Store::open(&path).err().expect("second open must fail");
        assert_eq!(err.kind(), "database_locked");
        assert!(err.to_string().contains("already open in another Dangol instance"), "{err}");
    }

    #[test]
    fn a_shared_reader_opens_beside_the_writer_and_cannot_write() {
        let path = temp("shared");
        let mut writer = Store::open(&path).unwrap();
        writer.set_clock(Clock::Fixed(chrono::Utc::now()));
        let mut reader = Store::open_shared(&path).expect("a reader opens while the writer holds the lock");
        assert!(reader.is_shared() && !writer.is_shared());
        let input = dangol_domain::customer::CustomerInput {
            name: "김영자".into(),
            phone: "010-2222-3333".into(),
            ..Default::default()
        };
        let mut ids = dangol_domain::ids::SeededIds::new(1);
        let err = reader.add_customer(input.clone(), &crate::Viewer::Cashier, reader.now(), &mut ids).unwrap_err();
        assert_eq!(err.kind(), "read_only");
        writer.add_customer(input, &crate::Viewer::Cashier, writer.now(), &mut ids).unwrap();
        assert_eq!(reader.customer_count().unwrap(), 1, "the reader sees the writer's commits");
        assert_eq!(reader.settle_search().unwrap_err().kind(), "read_only");
        writer.set_first_owner_pin("2580", &mut ids).unwrap();
        // A long write (an import's transaction) does not stop a lookup,
        // nor the owner's right PIN, which writes nothing.
        writer.conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        reader.authenticate_owner("2580", &mut ids).expect("the owner signs in beside a write");
        writer.conn.execute("UPDATE customers SET notes = 'importing'", []).unwrap();
        let hits = reader.lookup("김영자", 5, &crate::Viewer::Cashier).expect("a lookup during a write");
        assert_eq!(hits.hits.len(), 1);
        writer.conn.execute_batch("COMMIT").unwrap();
        assert_eq!(reader.set_first_owner_pin("2580", &mut ids).unwrap_err().kind(), "read_only");
        assert!(Store::open(&path).is_err(), "a second writer is still refused");
    }

    #[test]
    fn a_shared_reader_does_not_migrate_an_older_file() {
        let path = temp("shared-older");
        version_one(&path);
        let err = Store::open_shared(&path).err().expect("refused");
        assert_eq!(err.kind(), "older_schema");
        let version: i64 = Connection::open(&path)
            .unwrap()
            .query_row("SELECT max(version) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 1, "left as it was");
    }

    #[test]
    fn a_corrupt_file_is_refused_and_left_untouched() {
        let path = temp("corrupt");
        let junk = b"this is not a database, it is a shopping list: bread, milk".repeat(100);
        std::fs::write(&path, &junk).unwrap();
        let err = Store::open(&path).err().expect("must refuse");
        assert_eq!(err.kind(), "not_a_database", "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), junk, "the file is not modified");
    }

    #[test]
    fn an_interrupted_demo_load_is_refused_on_open() {
        let path = temp("interrupted");
        {
            let store = Store::open(&path).unwrap();
            settings::set(&store.conn, settings::BULK_LOADING, "1").unwrap();
        }
        let err = Store::open(&path).err().expect("must refuse");
        assert!(err.to_string().contains("interrupted"), "{err}");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let path = temp("newer");
        {
            let store = Store::open(&path).unwrap();
            store.conn.execute("INSERT INTO schema_migrations VALUES (999, 0)", []).unwrap();
        }
        let err = Store::open(&path).err().expect("must refuse");
        assert_eq!(err.kind(), "newer_schema");
    }
}

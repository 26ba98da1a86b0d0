//! The hub's log on SQLite: one shop, on the back-office PC or a counter.
//!
//! One writer at a time (an IMMEDIATE transaction) assigns positions, so
//! positions follow commits by construction. Events are insert-only
//! (triggers).

use crate::event::{
    Device, EventLog, HubError, HubEvent, ORDERED_KINDS, PushAck, PushedEvent, Result, Seed, check_seed, plan,
    push_fast_then_checked,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use uuid::Uuid;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS devices (
    device    BLOB PRIMARY KEY CHECK (length(device) = 16),
    acked_seq INTEGER NOT NULL CHECK (acked_seq >= 0)
);
CREATE TABLE IF NOT EXISTS events (
    pos            INTEGER PRIMARY KEY AUTOINCREMENT,
    device         BLOB NOT NULL,
    seq            INTEGER NOT NULL CHECK (seq >= 1),
    event_id       BLOB NOT NULL UNIQUE CHECK (length(event_id) = 16),
    at             INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    payload        TEXT NOT NULL,
    hash           BLOB NOT NULL CHECK (length(hash) = 32),
    UNIQUE (device, seq)
);
CREATE TRIGGER IF NOT EXISTS events_insert_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'hub events are insert-only'); END;
CREATE TRIGGER IF NOT EXISTS events_insert_only_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'hub events are insert-only'); END;
CREATE TABLE IF NOT EXISTS seed (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    device BLOB NOT NULL CHECK (length(device) = 16),
    seq    INTEGER NOT NULL,
    pos    INTEGER NOT NULL,
    at     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS enrolled (
    device     BLOB PRIMARY KEY CHECK (length(device) = 16),
    name       TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    joined_at  INTEGER NOT NULL,
    revoked_at INTEGER
);
";

/// The hub's log on SQLite.
pub struct SqliteLog {
    conn: Connection,
}

fn uuid(bytes: Vec<u8>) -> Uuid {
    Uuid::from_slice(&bytes).unwrap_or_default()
}

impl SqliteLog {
    /// Opens (creating if needed) a hub database file.
    pub fn open(path: &Path) -> Result<SqliteLog> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        SqliteLog::init(conn)
    }

    /// A private in-memory log (tests).
    pub fn open_in_memory() -> Result<SqliteLog> {
        SqliteLog::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<SqliteLog> {
        // No foreign keys: checking events.device against devices cost a
        // lookup per pushed row, and every push writes its device's row
        // before its events in the same transaction (`push_once`), and
        // nothing deletes one. (Hubs made before keep the clause, unchecked.)
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        conn.pragma_update(None, "busy_timeout", 5_000)?;
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteLog { conn })
    }

    fn device_row(r: &rusqlite::Row) -> rusqlite::Result<Device> {
        Ok(Device {
            device: uuid(r.get(0)?),
            name: r.get(1)?,
            joined_at_ms: r.get(2)?,
            revoked_at_ms: r.get(3)?,
            acked_seq: r.get(4)?,
        })
    }
}

const DEVICE_COLUMNS: &str = "SELECT e.device, e.name, e.joined_at, e.revoked_at, coalesce(d.acked_seq, 0)
     FROM enrolled e LEFT JOIN devices d ON d.device = e.device";

impl SqliteLog {
    /// One push in one transaction. Only sequences up to the device's
    /// acknowledged one can be held (a gap is refused), so those are read
    /// as one range. With `check_ids` every event id is looked up first, so
    /// an id held under another (device, seq) is named in order; without,
    /// the ids are left to the `UNIQUE` index and `None` says it refused
    /// one (or the batch broke a rule): the caller then pushes again with
    /// `check_ids`, which gives the same answer the rules give.
    fn push_once(&mut self, device: Uuid, events: &[PushedEvent], check_ids: bool) -> Result<Option<PushAck>> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let acked: i64 = tx
            .prepare_cached("SELECT acked_seq FROM devices WHERE device = ?1")?
            .query_row([device.as_bytes()], |r| r.get(0))
            .optional()?
            .unwrap_or(0);
        let low = events.iter().map(|e| e.seq).min().unwrap_or(0);
        let high = events.iter().map(|e| e.seq).max().unwrap_or(0).min(acked);
        let mut held = BTreeMap::new();
        if low <= high {
            let mut stmt =
                tx.prepare_cached("SELECT seq, hash FROM events WHERE device = ?1 AND seq BETWEEN ?2 AND ?3")?;
            let mut rows = stmt.query(params![device.as_bytes(), low, high])?;
            while let Some(r) = rows.next()? {
                if let Ok(h) = <[u8; 32]>::try_from(r.get::<_, Vec<u8>>(1)?) {
                    held.insert(r.get::<_, i64>(0)?, h);
                }
            }
        }
        let mut taken = HashSet::new();
        if check_ids {
            for e in events {
                let owner: Option<(Vec<u8>, i64)> = tx
                    .prepare_cached("SELECT device, seq FROM events WHERE event_id = ?1")?
                    .query_row([e.event_id.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                if owner.is_some_and(|(d, s)| d != device.as_bytes() || s != e.seq) {
                    taken.insert(e.event_id);
                }
            }
        }
        let plan = match plan(acked, events, &held, &taken) {
            Ok(p) => p,
            Err(e) if check_ids => return Err(e),
            Err(_) => return Ok(None),
        };
        tx.prepare_cached("INSERT OR IGNORE INTO devices (device, acked_seq) VALUES (?1, 0)")?
            .execute([device.as_bytes()])?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO events (device, seq, event_id, at, kind, schema_version, payload, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for (e, hash) in &plan.new {
            let inserted = insert.execute(params![
                device.as_bytes(),
                e.seq,
                e.event_id.as_bytes(),
                e.at_ms,
                e.kind,
                e.schema_version,
                e.payload,
                &hash[..]
            ]);
            match inserted {
                Ok(_) => {}
                Err(rusqlite::Error::SqliteFailure(f, _))
                    if f.code == rusqlite::ErrorCode::ConstraintViolation && !check_ids =>
                {
                    return Ok(None);
                }
                Err(e) => return Err(e.into()),
            }
        }
        drop(insert);
        tx.prepare_cached("UPDATE devices SET acked_seq = ?2 WHERE device = ?1")?
            .execute(params![device.as_bytes(), plan.acked])?;
        tx.commit()?;
        Ok(Some(PushAck { acked_seq: plan.acked, inserted: plan.new.len(), duplicates: plan.duplicates }))
    }
}

impl EventLog for SqliteLog {
    fn push(&mut self, device: Uuid, events: &[PushedEvent]) -> Result<PushAck> {
        push_fast_then_checked(|check_ids| self.push_once(device, events, check_ids))
    }

    fn pull(&mut self, after: i64, limit: usize, except: Option<Uuid>) -> Result<Vec<HubEvent>> {
        let except = except.map(|d| d.as_bytes().to_vec()).unwrap_or_default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT pos, device, seq, event_id, at, kind, schema_version,
                    CASE WHEN device = ?2 AND kind NOT IN (?4, ?5, ?6) THEN '' ELSE payload END
             FROM events WHERE pos > ?1 ORDER BY pos LIMIT ?3",
        )?;
        let [claimed, returned, unmerged] = ORDERED_KINDS else { unreachable!("three ordered kinds") };
        let limit = limit.min(i64::MAX as usize) as i64;
        let rows = stmt.query_map(params![after, except, limit, claimed, returned, unmerged], |r| {
            Ok(HubEvent {
                pos: r.get(0)?,
                device: uuid(r.get(1)?),
                event: PushedEvent {
                    seq: r.get(2)?,
                    event_id: uuid(r.get(3)?),
                    at_ms: r.get(4)?,
                    kind: r.get(5)?,
                    schema_version: r.get(6)?,
                    payload: r.get(7)?,
                },
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn acked(&mut self, device: Uuid) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT acked_seq FROM devices WHERE device = ?1")?
            .query_row([device.as_bytes()], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }

    fn head(&mut self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT coalesce(max(pos), 0) FROM events", [], |r| r.get(0))?)
    }

    fn enrol(&mut self, device: Uuid, name: &str, token_hash: [u8; 32], at_ms: i64) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let held: Option<(Vec<u8>, Option<i64>)> = tx
            .query_row("SELECT token_hash, revoked_at FROM enrolled WHERE device = ?1", [device.as_bytes()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        match held {
            Some((_, Some(_))) => return Err(HubError::Revoked { device }),
            Some((h, None)) if h == token_hash => {}
            Some(_) => return Err(HubError::DeviceTaken { device }),
            None => {
                let used: bool =
                    tx.query_row("SELECT count(*) > 0 FROM enrolled WHERE token_hash = ?1", [&token_hash[..]], |r| {
                        r.get(0)
                    })?;
                if used {
                    return Err(HubError::DeviceTaken { device });
                }
                tx.execute(
                    "INSERT INTO enrolled (device, name, token_hash, joined_at) VALUES (?1, ?2, ?3, ?4)",
                    params![device.as_bytes(), name, &token_hash[..], at_ms],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn device_for(&mut self, token_hash: [u8; 32]) -> Result<Option<Device>> {
        Ok(self
            .conn
            .prepare_cached(&format!("{DEVICE_COLUMNS} WHERE e.token_hash = ?1"))?
            .query_row([&token_hash[..]], SqliteLog::device_row)
            .optional()?)
    }

    fn revoke(&mut self, device: Uuid, at_ms: i64) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE enrolled SET revoked_at = coalesce(revoked_at, ?2) WHERE device = ?1",
            params![device.as_bytes(), at_ms],
        )? > 0)
    }

    fn devices(&mut self) -> Result<Vec<Device>> {
        let mut stmt = self.conn.prepare(&format!("{DEVICE_COLUMNS} ORDER BY e.joined_at, e.device"))?;
        let rows = stmt.query_map([], SqliteLog::device_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn seed(&mut self) -> Result<Option<Seed>> {
        seed_of(&self.conn)
    }

    fn seed_position(&mut self, device: Uuid, seq: i64) -> Result<i64> {
        seed_position(&self.conn, device, seq)
    }

    fn record_seed(&mut self, device: Uuid, seq: i64, at_ms: i64) -> Result<Seed> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let pos = seed_position(&tx, device, seq)?;
        tx.execute(
            "INSERT INTO seed (id, device, seq, pos, at) VALUES (1, ?1, ?2, ?3, ?4)",
            params![device.as_bytes(), seq, pos, at_ms],
        )?;
        tx.commit()?;
        Ok(Seed { device, seq, pos })
    }
}

fn seed_of(conn: &Connection) -> Result<Option<Seed>> {
    Ok(conn
        .query_row("SELECT device, seq, pos FROM seed WHERE id = 1", [], |r| {
            Ok(Seed { device: uuid(r.get(0)?), seq: r.get(1)?, pos: r.get(2)? })
        })
        .optional()?)
}

/// The seed rules (`check_seed`) on what the log holds, and where
/// `device`'s events up to `seq` end.
fn seed_position(conn: &Connection, device: Uuid, seq: i64) -> Result<i64> {
    let others: i64 =
        conn.query_row("SELECT count(*) FROM enrolled WHERE device != ?1", [device.as_bytes()], |r| r.get(0))?;
    let acked: i64 = conn
        .query_row("SELECT acked_seq FROM devices WHERE device = ?1", [device.as_bytes()], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    check_seed(device, seq, seed_of(conn)?, others, acked)?;
    Ok(conn.query_row(
        "SELECT coalesce(max(pos), 0) FROM events WHERE device = ?1 AND seq <= ?2",
        params![device.as_bytes(), seq],
        |r| r.get(0),
    )?)
}

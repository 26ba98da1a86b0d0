//! The hub's event log: every counter's outbox events, held once.
//!
//! A counter pushes its events in its own dense order (`seq` 1, 2, 3, …).
//! The hub accepts a batch all or nothing:
//! - an event it already holds (same device and seq, same content) is a
//!   duplicate and changes nothing, so a retry after a lost answer is safe;
//! - the same device and seq with different content (a restored backup, a
//!   copied database file) is refused loudly (`HubError::Rewritten`), never
//!   merged;
//! - an event id already held under another (device, seq) is refused
//!   (`HubError::EventIdReused`);
//! - a batch that would leave a hole after the device's acknowledged
//!   sequence is refused (`HubError::Gap`) with that sequence, so the
//!   counter resends from there.
//!
//! The answer is `acked_seq`, the highest contiguous sequence the hub holds
//! for the device. Every accepted event gets a hub position (`pos`) in
//! commit order; `pull` serves events after a position, so a reader never
//! skips a row that commits later with a smaller number (one SQLite writer
//! at a time, in an IMMEDIATE transaction, assigns positions in commit
//! order).
//!
//! This crate is the log and its rules, on SQLite; the HTTP hub, a
//! PostgreSQL backend and the counters' side are built on it.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::Path;
use uuid::Uuid;

/// An event as a counter pushes it (its outbox row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedEvent {
    pub seq: i64,
    pub event_id: Uuid,
    /// Milliseconds since the epoch, as the counter dated it.
    pub at_ms: i64,
    pub kind: String,
    pub schema_version: i64,
    /// The event's JSON, as text.
    pub payload: String,
}

impl PushedEvent {
    /// What makes two pushes of one (device, seq) the same event.
    pub fn content_hash(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.event_id.as_bytes());
        h.update(self.at_ms.to_le_bytes());
        h.update((self.kind.len() as u64).to_le_bytes());
        h.update(self.kind.as_bytes());
        h.update(self.schema_version.to_le_bytes());
        h.update(self.payload.as_bytes());
        h.finalize().into()
    }
}

/// An event held by the hub, at its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubEvent {
    pub pos: i64,
    pub device: Uuid,
    pub event: PushedEvent,
}

/// What a push did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushAck {
    /// The highest contiguous sequence the hub now holds for the device.
    pub acked_seq: i64,
    pub inserted: usize,
    pub duplicates: usize,
}

#[derive(Debug)]
pub enum HubError {
    /// The batch would leave a hole: the hub holds the device's events up
    /// to `acked_seq`, and the batch's next new event is `got`.
    Gap {
        acked_seq: i64,
        got: i64,
    },
    /// The device's event `seq` is already held with different content.
    Rewritten {
        seq: i64,
    },
    /// An event id already held under another device or sequence.
    EventIdReused {
        event_id: Uuid,
        seq: i64,
    },
    /// A sequence number below 1.
    BadSeq {
        seq: i64,
    },
    Sqlite(rusqlite::Error),
}

impl fmt::Display for HubError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HubError::Gap { acked_seq, got } => {
                write!(
                    f,
                    "events after {acked_seq} are missing (the batch starts its new events at {got}); resend from {}",
                    acked_seq + 1
                )
            }
            HubError::Rewritten { seq } => write!(
                f,
                "event {seq} is already held with different content: this counter's history was rewritten (a restored backup or a copied database file)"
            ),
            HubError::EventIdReused { event_id, seq } => {
                write!(f, "event id {event_id} (seq {seq}) is already held for another event")
            }
            HubError::BadSeq { seq } => write!(f, "sequence numbers start at 1, got {seq}"),
            HubError::Sqlite(e) => write!(f, "hub database error: {e}"),
        }
    }
}

impl std::error::Error for HubError {}

impl From<rusqlite::Error> for HubError {
    fn from(e: rusqlite::Error) -> Self {
        HubError::Sqlite(e)
    }
}

pub type Result<T> = std::result::Result<T, HubError>;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS devices (
    device    BLOB PRIMARY KEY CHECK (length(device) = 16),
    acked_seq INTEGER NOT NULL CHECK (acked_seq >= 0)
);
CREATE TABLE IF NOT EXISTS events (
    pos            INTEGER PRIMARY KEY AUTOINCREMENT,
    device         BLOB NOT NULL REFERENCES devices (device),
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
";

/// The hub's log on SQLite (one writer at a time: positions follow commits).
pub struct SqliteLog {
    conn: Connection,
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
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "busy_timeout", 5_000)?;
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteLog { conn })
    }

    /// The highest contiguous sequence held for `device` (0: none).
    pub fn acked(&self, device: Uuid) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT acked_seq FROM devices WHERE device = ?1")?
            .query_row([device.as_bytes()], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }

    /// Accepts a batch of one device's events, all or nothing (see the
    /// module's rules). The events may come in any order and may repeat.
    pub fn push(&mut self, device: Uuid, events: &[PushedEvent]) -> Result<PushAck> {
        let mut batch: Vec<&PushedEvent> = events.iter().collect();
        batch.sort_by_key(|e| e.seq);
        if let Some(e) = batch.iter().find(|e| e.seq < 1) {
            return Err(HubError::BadSeq { seq: e.seq });
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut acked: i64 = tx
            .prepare_cached("SELECT acked_seq FROM devices WHERE device = ?1")?
            .query_row([device.as_bytes()], |r| r.get(0))
            .optional()?
            .unwrap_or(0);
        tx.prepare_cached("INSERT OR IGNORE INTO devices (device, acked_seq) VALUES (?1, 0)")?
            .execute([device.as_bytes()])?;
        let (mut inserted, mut duplicates) = (0, 0);
        for e in batch {
            let hash = e.content_hash();
            let held: Option<Vec<u8>> = tx
                .prepare_cached("SELECT hash FROM events WHERE device = ?1 AND seq = ?2")?
                .query_row(params![device.as_bytes(), e.seq], |r| r.get(0))
                .optional()?;
            match held {
                Some(h) if h == hash => duplicates += 1,
                Some(_) => return Err(HubError::Rewritten { seq: e.seq }),
                None if e.seq == acked + 1 => {
                    let taken: Option<(Vec<u8>, i64)> = tx
                        .prepare_cached("SELECT device, seq FROM events WHERE event_id = ?1")?
                        .query_row([e.event_id.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()?;
                    if taken.is_some() {
                        return Err(HubError::EventIdReused { event_id: e.event_id, seq: e.seq });
                    }
                    tx.prepare_cached(
                        "INSERT INTO events (device, seq, event_id, at, kind, schema_version, payload, hash)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    )?
                    .execute(params![
                        device.as_bytes(),
                        e.seq,
                        e.event_id.as_bytes(),
                        e.at_ms,
                        e.kind,
                        e.schema_version,
                        e.payload,
                        &hash[..]
                    ])?;
                    acked = e.seq;
                    inserted += 1;
                }
                None => return Err(HubError::Gap { acked_seq: acked, got: e.seq }),
            }
        }
        tx.prepare_cached("UPDATE devices SET acked_seq = ?2 WHERE device = ?1")?
            .execute(params![device.as_bytes(), acked])?;
        tx.commit()?;
        Ok(PushAck { acked_seq: acked, inserted, duplicates })
    }

    /// Events after hub position `after`, oldest first, at most `limit`,
    /// leaving out `except`'s own (a counter pulls the others').
    pub fn pull(&self, after: i64, limit: usize, except: Option<Uuid>) -> Result<Vec<HubEvent>> {
        let except = except.map(|d| d.as_bytes().to_vec()).unwrap_or_default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT pos, device, seq, event_id, at, kind, schema_version, payload FROM events
             WHERE pos > ?1 AND device != ?2 ORDER BY pos LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![after, except, limit as i64], |r| {
            let device: Vec<u8> = r.get(1)?;
            let id: Vec<u8> = r.get(3)?;
            Ok(HubEvent {
                pos: r.get(0)?,
                device: Uuid::from_slice(&device).unwrap_or_default(),
                event: PushedEvent {
                    seq: r.get(2)?,
                    event_id: Uuid::from_slice(&id).unwrap_or_default(),
                    at_ms: r.get(4)?,
                    kind: r.get(5)?,
                    schema_version: r.get(6)?,
                    payload: r.get(7)?,
                },
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

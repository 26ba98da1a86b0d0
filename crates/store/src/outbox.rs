//! The outbox: every write appends an event in the same transaction as the
//! write itself, so sync can later ship exactly what happened, once.
//!
//! Event ids are UUIDv7 (identity, not order); `seq` is a dense per-device
//! sequence (order and gap detection). Rows are never deleted.

use crate::error::Result;
use crate::time::{from_ms, ms};
use chrono::{DateTime, Utc};
use dangol_domain::ids::IdSource;
use rusqlite::{Connection, params};
use serde::Serialize;
use uuid::Uuid;

/// Version of the event payload format.
pub const EVENT_SCHEMA_VERSION: i64 = 1;

/// Appends one event. Call inside the transaction of the write it describes.
pub fn append(
    conn: &Connection,
    ids: &mut dyn IdSource,
    device: Uuid,
    at: DateTime<Utc>,
    kind: &str,
    payload: &impl Serialize,
) -> Result<i64> {
    append_as(conn, ids.next_id(at), device, at, kind, payload)
}

/// `append` under an event id chosen before (a write that records its own
/// event id in what it writes).
pub fn append_as(
    conn: &Connection,
    event_id: Uuid,
    device: Uuid,
    at: DateTime<Utc>,
    kind: &str,
    payload: &impl Serialize,
) -> Result<i64> {
    let seq: i64 = conn.prepare_cached("SELECT coalesce(max(seq), 0) + 1 FROM outbox")?.query_row([], |r| r.get(0))?;
    let body = serde_json::to_string(payload).expect("event payloads are plain data");
    conn.prepare_cached("INSERT INTO outbox (seq, event_id, device, at, kind, schema_version, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?
        .execute(params![seq, event_id.as_bytes(), device.as_bytes(), ms(at), kind, EVENT_SCHEMA_VERSION, body])?;
    Ok(seq)
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub seq: i64,
    pub event_id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub schema_version: i64,
    pub payload: serde_json::Value,
}

/// Events with `seq > after`, oldest first.
pub fn events_after(conn: &Connection, after: i64, limit: usize) -> Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, event_id, at, kind, schema_version, payload FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after, limit as i64], |r| {
        let id: Vec<u8> = r.get(1)?;
        let payload: String = r.get(5)?;
        Ok(Event {
            seq: r.get(0)?,
            event_id: Uuid::from_slice(&id).unwrap_or_default(),
            at: from_ms(r.get(2)?),
            kind: r.get(3)?,
            schema_version: r.get(4)?,
            payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Number of events and the highest sequence number.
pub fn stats(conn: &Connection) -> Result<(i64, i64)> {
    Ok(conn.query_row("SELECT count(*), coalesce(max(seq), 0) FROM outbox", [], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

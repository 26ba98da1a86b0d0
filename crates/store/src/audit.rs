//! The audit log: every owner action and every goodwill grant, with what
//! changed (before → after), when, and on which counter. Append-only (the
//! schema refuses updates and deletes) and each entry is also an outbox
//! event, so a hub sees the same history. Only the owner reads it.

use crate::error::Result;
use crate::owner::Owner;
use crate::time::{from_ms, ms};
use crate::{Store, outbox};
use chrono::{DateTime, Utc};
use dangol_domain::ids::IdSource;
use rusqlite::{Connection, params};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

/// One thing to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub actor: &'static str,
    pub action: &'static str,
    pub subject: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub note: Option<String>,
}

impl Entry {
    pub fn owner(action: &'static str, subject: impl Into<String>) -> Entry {
        Entry { actor: "owner", action, subject: subject.into(), before: None, after: None, note: None }
    }

    pub fn cashier(action: &'static str, subject: impl Into<String>) -> Entry {
        Entry { actor: "cashier", ..Entry::owner(action, subject) }
    }

    pub fn before(mut self, v: Value) -> Entry {
        self.before = Some(v);
        self
    }

    pub fn after(mut self, v: Value) -> Entry {
        self.after = Some(v);
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Entry {
        self.note = Some(note.into());
        self
    }
}

/// Appends an entry and its outbox event. Call inside the write's
/// transaction.
pub fn record(conn: &Connection, ids: &mut dyn IdSource, device: Uuid, at: DateTime<Utc>, e: Entry) -> Result<()> {
    let id = ids.next_id(at);
    let json = |v: &Option<Value>| v.as_ref().map(Value::to_string);
    conn.prepare_cached(
        "INSERT INTO audit_log (id, at, device, actor, action, subject, before, after, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        id.as_bytes(),
        ms(at),
        device.as_bytes(),
        e.actor,
        e.action,
        e.subject,
        json(&e.before),
        json(&e.after),
        e.note
    ])?;
    outbox::append(
        conn,
        ids,
        device,
        at,
        "audit.recorded",
        &serde_json::json!({
            "id": id, "actor": e.actor, "action": e.action, "subject": e.subject,
            "before": e.before, "after": e.after, "note": e.note,
        }),
    )?;
    Ok(())
}

/// An audit entry as the owner reads it (`dangol audit --json`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditView {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// The counter (device id) it happened on.
    pub device: Uuid,
    pub actor: String,
    pub action: String,
    pub subject: String,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub before: Option<Value>,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub after: Option<Value>,
    pub note: Option<String>,
}

impl Store {
    /// The newest audit entries first (owner only).
    pub fn audit_log(&self, _owner: &Owner, limit: usize) -> Result<Vec<AuditView>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, at, device, actor, action, subject, before, after, note FROM audit_log ORDER BY rid DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit.clamp(1, 10_000) as i64], |r| {
            let id: [u8; 16] = r.get(0)?;
            let device: [u8; 16] = r.get(2)?;
            let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
            Ok(AuditView {
                id: Uuid::from_bytes(id),
                at: from_ms(r.get(1)?),
                device: Uuid::from_bytes(device),
                actor: r.get(3)?,
                action: r.get(4)?,
                subject: r.get(5)?,
                before: parse(r.get(6)?),
                after: parse(r.get(7)?),
                note: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

//! Voice-of-customer entries: complaints, compliments and requests.

use crate::error::{Result, StoreError};
use crate::time::{from_ms, ms};
use chrono::{DateTime, Utc};
use dangol_domain::feedback::{Feedback, FeedbackKind, FeedbackStatus};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

const COLUMNS: &str = "f.id, c.id, f.at, f.kind, f.category, f.text, f.status, f.resolved_at, f.resolution";

fn from_row(r: &Row) -> rusqlite::Result<Feedback> {
    let id: Vec<u8> = r.get(0)?;
    let cid: Vec<u8> = r.get(1)?;
    let kind: String = r.get(3)?;
    let status: String = r.get(6)?;
    let resolved: Option<i64> = r.get(7)?;
    Ok(Feedback {
        id: Uuid::from_slice(&id).unwrap_or_default(),
        customer_id: Uuid::from_slice(&cid).unwrap_or_default(),
        at: from_ms(r.get(2)?),
        kind: FeedbackKind::parse(&kind).unwrap_or(FeedbackKind::Request),
        category: r.get(4)?,
        text: r.get(5)?,
        status: if status == "open" { FeedbackStatus::Open } else { FeedbackStatus::Resolved },
        resolved_at: resolved.map(from_ms),
        resolution: r.get(8)?,
    })
}

pub fn insert(conn: &Connection, customer_rid: i64, f: &Feedback) -> Result<()> {
    conn.prepare_cached("INSERT INTO feedback (id, customer, at, kind, category, text, status, resolved_at, resolution) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")?.execute(params![
        f.id.as_bytes(),
        customer_rid,
        ms(f.at),
        f.kind.as_str(),
        f.category,
        f.text,
        f.status.as_str(),
        f.resolved_at.map(ms),
        f.resolution
    ])?;
    Ok(())
}

pub fn get(conn: &Connection, id: Uuid) -> Result<Feedback> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM feedback f JOIN customers c ON c.rid = f.customer WHERE f.id = ?1"
    ))?
    .query_row([id.as_bytes()], from_row)
    .optional()?
    .ok_or_else(|| StoreError::not_found("feedback", id))
}

/// The key of a resolution's clock (`settings::earlier_than_held`).
pub fn clock_key(id: Uuid) -> String {
    format!("feedback:{id}")
}

pub fn resolve(conn: &Connection, id: Uuid, resolution: &str, at: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached("UPDATE feedback SET status = 'resolved', resolved_at = ?2, resolution = ?3 WHERE id = ?1")?
        .execute(params![id.as_bytes(), ms(at), resolution])?;
    Ok(())
}

/// A customer's open complaints and requests, oldest first.
pub fn open_for(conn: &Connection, customer_rid: i64) -> Result<Vec<Feedback>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM feedback f JOIN customers c ON c.rid = f.customer WHERE f.customer = ?1 AND f.status = 'open' ORDER BY f.at"))?;
    let rows = stmt.query_map([customer_rid], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// A customer's recent feedback of any status, newest first.
pub fn recent_for(conn: &Connection, customer_rid: i64, limit: usize) -> Result<Vec<Feedback>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM feedback f JOIN customers c ON c.rid = f.customer WHERE f.customer = ?1 ORDER BY f.at DESC LIMIT ?2"))?;
    let rows = stmt.query_map(params![customer_rid, limit as i64], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

//! Profile fields as registers ordered by a hybrid logical clock
//! (`dangol_domain::hlc`): each field of a customer's profile remembers the
//! timestamp and counter of its last write. An edit names only the fields
//! it changed, stamped with this counter's clock; another counter's edit
//! wins a field when its (timestamp, device) is later than the field's, and
//! otherwise the losing value is kept as an anomaly for the owner. The
//! result does not depend on the order edits arrive in, and an edit made
//! after seeing another is later than it, whatever the wall clocks say.

use crate::error::{Result, StoreError};
use crate::time::ms;
use chrono::{DateTime, Utc};
use dangol_domain::customer::Customer;
use dangol_domain::hlc::Hlc;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};
use uuid::Uuid;

/// The profile fields kept as registers, named as `Customer` serialises
/// them (the phone is the customer's identity: merges, not edits).
pub(crate) const FIELDS: &[&str] =
    &["name", "preferred_name", "birth_date", "tier", "tags", "notes", "marketing_consent", "consent_at", "card_code"];

fn clock(conn: &Connection) -> Result<Hlc> {
    Ok(conn
        .prepare_cached("SELECT wall, logical FROM hlc_state WHERE id = 1")?
        .query_row([], |r| Ok(Hlc { wall_ms: r.get(0)?, logical: r.get(1)? }))
        .optional()?
        .unwrap_or(Hlc::ZERO))
}

fn save_clock(conn: &Connection, h: Hlc) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO hlc_state (id, wall, logical) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET wall = excluded.wall, logical = excluded.logical",
    )?
    .execute(params![h.wall_ms, h.logical])?;
    Ok(())
}

/// This counter's clock passes a timestamp it received.
pub(crate) fn receive(conn: &Connection, remote: Hlc, now: DateTime<Utc>) -> Result<()> {
    save_clock(conn, clock(conn)?.receive(remote, ms(now)))
}

fn as_value(c: &Customer) -> Map<String, Value> {
    match serde_json::to_value(c).expect("plain data") {
        Value::Object(m) => m,
        _ => unreachable!("a customer serialises as an object"),
    }
}

fn register(conn: &Connection, customer: i64, field: &str) -> Result<(Hlc, Uuid)> {
    Ok(conn
        .prepare_cached("SELECT wall, logical, device FROM profile_registers WHERE customer = ?1 AND field = ?2")?
        .query_row(params![customer, field], |r| {
            let device: Vec<u8> = r.get(2)?;
            Ok((Hlc { wall_ms: r.get(0)?, logical: r.get(1)? }, Uuid::from_slice(&device).unwrap_or_default()))
        })
        .optional()?
        .unwrap_or((Hlc::ZERO, Uuid::nil())))
}

fn set_register(conn: &Connection, customer: i64, field: &str, h: Hlc, device: Uuid) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO profile_registers (customer, field, wall, logical, device) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (customer, field) DO UPDATE SET wall = excluded.wall, logical = excluded.logical, device = excluded.device",
    )?
    .execute(params![customer, field, h.wall_ms, h.logical, device.as_bytes()])?;
    Ok(())
}

/// `after` (a registration's profile, replacing `held`'s on the row `rid`
/// at a merge) keeps each field of `held` that an edit wrote: a
/// registration's own values are stamped at zero, so an edit, whenever it
/// arrives, is later than them. The result is what applying the same edit
/// to the surviving registration gives, so a merge ends the same whichever
/// registration a counter held first.
pub(crate) fn keep_edited(conn: &Connection, rid: i64, held: &Customer, after: &Customer) -> Result<Customer> {
    let (old, mut new) = (as_value(held), as_value(after));
    let mut edited = conn.prepare_cached("SELECT field FROM profile_registers WHERE customer = ?1")?;
    let fields = edited.query_map([rid], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    for f in fields.iter().filter(|f| FIELDS.contains(&f.as_str())) {
        new.insert(f.clone(), old.get(f).cloned().unwrap_or(Value::Null));
    }
    serde_json::from_value(Value::Object(new)).map_err(|e| {
        StoreError::bad_input(
            "customer merge",
            format!("병합한 고객 정보를 읽을 수 없습니다: {e}"),
            format!("the merged profile cannot be read: {e}"),
        )
    })
}

/// An edit made here: stamps the fields that changed with a new timestamp
/// and returns the `customer.updated` event (`None`: nothing changed).
pub(crate) fn edited_here(
    conn: &Connection,
    customer: i64,
    before: &Customer,
    after: &Customer,
    device: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Value>> {
    let (old, new) = (as_value(before), as_value(after));
    let fields: Map<String, Value> = FIELDS
        .iter()
        .filter(|f| old.get(**f) != new.get(**f))
        .map(|f| (f.to_string(), new.get(*f).cloned().unwrap_or(Value::Null)))
        .collect();
    if fields.is_empty() {
        return Ok(None);
    }
    let stamp = clock(conn)?.tick(ms(now));
    save_clock(conn, stamp)?;
    for f in fields.keys() {
        set_register(conn, customer, f, stamp, device)?;
    }
    Ok(Some(serde_json::json!({"id": after.id, "customer": after, "fields": fields, "hlc": stamp})))
}

/// A field another counter's edit wrote that lost to a later write here.
pub(crate) struct Lost {
    pub field: String,
    pub kept: Value,
    pub lost: Value,
    pub kept_at: Hlc,
}

/// Another counter's edit: each field it wrote is taken where its stamp
/// (then device) is later than the field's, and kept as lost otherwise.
/// Returns the profile after, and what lost.
pub(crate) fn edited_elsewhere(
    conn: &Connection,
    customer: i64,
    held: &Customer,
    fields: &Map<String, Value>,
    stamp: Hlc,
    device: Uuid,
    now: DateTime<Utc>,
) -> Result<(Customer, Vec<Lost>)> {
    receive(conn, stamp, now)?;
    let mut profile = as_value(held);
    let mut lost = Vec::new();
    for (field, value) in fields.iter().filter(|(f, _)| FIELDS.contains(&f.as_str())) {
        let (held_at, held_by) = register(conn, customer, field)?;
        if (stamp, device) > (held_at, held_by) {
            profile.insert(field.clone(), value.clone());
            set_register(conn, customer, field, stamp, device)?;
        } else if profile.get(field) != Some(value) {
            lost.push(Lost {
                field: field.clone(),
                kept: profile.get(field).cloned().unwrap_or(Value::Null),
                lost: value.clone(),
                kept_at: held_at,
            });
        }
    }
    let mut after: Customer = serde_json::from_value(Value::Object(profile)).map_err(|e| {
        StoreError::bad_input(
            "customer edit",
            format!("다른 계산대의 고객 정보를 읽을 수 없습니다: {e}"),
            format!("another counter's profile edit cannot be read: {e}"),
        )
    })?;
    after.updated_at = held.updated_at.max(DateTime::from_timestamp_millis(stamp.wall_ms).unwrap_or(held.updated_at));
    Ok((after, lost))
}

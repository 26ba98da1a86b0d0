//! Profile fields as registers ordered by a hybrid logical clock
//! (`dangol_domain::hlc`): each field of a customer's profile remembers the
//! timestamp and counter of its last write. An edit names only the fields
//! it changed, stamped with this counter's clock; another counter's edit
//! wins a field when its (timestamp, device) is later than the field's, and
//! otherwise the losing value is kept as an anomaly for the owner. The
//! result does not depend on the order edits arrive in, and an edit made
//! after seeing another is later than it, whatever the wall clocks say.
//!
//! Each write is also remembered under the registration it named
//! (`field_writes`, the latest per field), whether or not it won the field
//! on the customer row: while two registrations of one phone are one
//! customer, the owner's undo rebuilds each side from its own
//! registration's values and the writes that named it (`restart`,
//! `overlay`), so the result does not depend on whether a counter applied
//! an edit before or after the undo.

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

fn to_customer(m: Map<String, Value>, what: &'static str) -> Result<Customer> {
    serde_json::from_value(Value::Object(m)).map_err(|e| {
        StoreError::bad_input(
            what,
            format!("고객 정보를 읽을 수 없습니다: {e}"),
            format!("the customer's profile cannot be read: {e}"),
        )
    })
}

/// Remembers a write of `field` naming `registration`, where it is the
/// latest that registration had (by timestamp, then device).
fn remember(conn: &Connection, registration: Uuid, field: &str, value: &Value, at: Hlc, device: Uuid) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO field_writes (registration, field, value, wall, logical, device) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (registration, field) DO UPDATE SET value = excluded.value, wall = excluded.wall, logical = excluded.logical, device = excluded.device
         WHERE (excluded.wall, excluded.logical, excluded.device) > (field_writes.wall, field_writes.logical, field_writes.device)",
    )?
    .execute(params![registration.as_bytes(), field, value.to_string(), at.wall_ms, at.logical, device.as_bytes()])?;
    Ok(())
}

/// One field's latest write naming a registration.
pub(crate) struct Write {
    field: String,
    value: Value,
    at: Hlc,
    device: Uuid,
}

/// The latest write of each field naming each of `registrations`.
pub(crate) fn writes_of(conn: &Connection, registrations: &[Uuid]) -> Result<Vec<Write>> {
    let mut stmt =
        conn.prepare_cached("SELECT field, value, wall, logical, device FROM field_writes WHERE registration = ?1")?;
    let mut out = Vec::new();
    for r in registrations {
        let rows = stmt.query_map([r.as_bytes()], |row| {
            let (value, device): (String, Vec<u8>) = (row.get(1)?, row.get(4)?);
            Ok(Write {
                field: row.get(0)?,
                value: serde_json::from_str(&value).unwrap_or(Value::Null),
                at: Hlc { wall_ms: row.get(2)?, logical: row.get(3)? },
                device: Uuid::from_slice(&device).unwrap_or_default(),
            })
        })?;
        for w in rows {
            out.push(w?);
        }
    }
    Ok(out)
}

/// Takes `w` into `profile` (row `customer`) where it is later than the
/// field's register; otherwise returns what it lost to, if it differs.
fn take_later(conn: &Connection, customer: i64, profile: &mut Map<String, Value>, w: &Write) -> Result<Option<Lost>> {
    let (held_at, held_by) = register(conn, customer, &w.field)?;
    if (w.at, w.device) > (held_at, held_by) {
        profile.insert(w.field.clone(), w.value.clone());
        set_register(conn, customer, &w.field, w.at, w.device)?;
        Ok(None)
    } else if profile.get(&w.field) != Some(&w.value) {
        Ok(Some(Lost {
            field: w.field.clone(),
            kept: profile.get(&w.field).cloned().unwrap_or(Value::Null),
            lost: w.value.clone(),
            kept_at: held_at,
        }))
    } else {
        Ok(None)
    }
}

/// Whether an edit wrote `field` of row `customer` (its register holds a
/// stamp; a registration's own values hold none).
pub(crate) fn written(conn: &Connection, customer: i64, field: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM profile_registers WHERE customer = ?1 AND field = ?2)")?
        .query_row(params![customer, field], |r| r.get(0))?)
}

/// Applies `writes` to `profile` (on row `customer`), each where it is
/// later than the field's register: the order they come in does not
/// matter.
pub(crate) fn overlay(conn: &Connection, customer: i64, profile: &Customer, writes: &[Write]) -> Result<Customer> {
    let mut m = as_value(profile);
    for w in writes.iter().filter(|w| FIELDS.contains(&w.field.as_str())) {
        take_later(conn, customer, &mut m, w)?;
    }
    to_customer(m, "merge undo")
}

/// Row `customer` starts over from `base`'s profile fields, with no field
/// written (its registers forgotten); the rest of `row` stays.
pub(crate) fn restart(conn: &Connection, customer: i64, row: &Customer, base: &Customer) -> Result<Customer> {
    conn.prepare_cached("DELETE FROM profile_registers WHERE customer = ?1")?.execute([customer])?;
    let (mut m, b) = (as_value(row), as_value(base));
    for f in FIELDS {
        m.insert(f.to_string(), b.get(*f).cloned().unwrap_or(Value::Null));
    }
    to_customer(m, "merge undo")
}

/// Records the profile row `customer` started from at a merge: its
/// surviving registration's own values (`replace`: a new survivor took the
/// row; otherwise the first merge's record stays).
pub(crate) fn set_base(conn: &Connection, customer: i64, base: &Customer, replace: bool) -> Result<()> {
    let sql = match replace {
        true => {
            "INSERT INTO customer_bases (customer, row) VALUES (?1, ?2) ON CONFLICT (customer) DO UPDATE SET row = excluded.row"
        }
        false => "INSERT OR IGNORE INTO customer_bases (customer, row) VALUES (?1, ?2)",
    };
    conn.prepare_cached(sql)?.execute(params![customer, serde_json::to_string(base).expect("plain data")])?;
    Ok(())
}

/// The profile row `customer` started from (`None`: merged before
/// version 10, or never merged).
pub(crate) fn base(conn: &Connection, customer: i64) -> Result<Option<Customer>> {
    let row: Option<String> = conn
        .prepare_cached("SELECT row FROM customer_bases WHERE customer = ?1")?
        .query_row([customer], |r| r.get(0))
        .optional()?;
    Ok(row.and_then(|r| serde_json::from_str(&r).ok()))
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
    to_customer(new, "customer merge")
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
    for (f, v) in &fields {
        set_register(conn, customer, f, stamp, device)?;
        remember(conn, after.id, f, v, stamp, device)?;
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

/// Another counter's edit, naming the registration `named` (the row's
/// own, or one merged into it): each field it wrote is taken where its
/// stamp (then device) is later than the field's, and kept as lost
/// otherwise. `by` is the edit's timestamp and counter. Returns the
/// profile after, and what lost.
pub(crate) fn edited_elsewhere(
    conn: &Connection,
    customer: i64,
    named: Uuid,
    held: &Customer,
    fields: &Map<String, Value>,
    (stamp, device): (Hlc, Uuid),
    now: DateTime<Utc>,
) -> Result<(Customer, Vec<Lost>)> {
    receive(conn, stamp, now)?;
    let mut profile = as_value(held);
    let mut lost = Vec::new();
    for (field, value) in fields.iter().filter(|(f, _)| FIELDS.contains(&f.as_str())) {
        remember(conn, named, field, value, stamp, device)?;
        let w = Write { field: field.clone(), value: value.clone(), at: stamp, device };
        lost.extend(take_later(conn, customer, &mut profile, &w)?);
    }
    let mut after = to_customer(profile, "customer edit")?;
    after.updated_at = held.updated_at.max(DateTime::from_timestamp_millis(stamp.wall_ms).unwrap_or(held.updated_at));
    Ok((after, lost))
}

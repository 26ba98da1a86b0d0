//! The products table.

use crate::error::Result;
use crate::time::ms;
use chrono::{DateTime, Utc};
use dangol_domain::catalog::Product;
use rusqlite::{Connection, OptionalExtension, Row, params};

fn from_row(r: &Row) -> rusqlite::Result<Product> {
    Ok(Product { sku: r.get(0)?, barcode: r.get(1)?, name: r.get(2)?, category: r.get(3)?, price: r.get(4)? })
}

/// Inserts or updates a product by SKU, every field. Returns true when it
/// was new.
pub fn upsert(conn: &Connection, p: &Product, at: DateTime<Utc>) -> Result<bool> {
    write(conn, p, at, true, true)
}

/// Writes a product: its name, category and price (`fields`), its barcode
/// claim (`barcode`), or both; a new product gets both. Returns true when
/// it was new. Who holds a barcode two products claim is worked out again
/// (`settle_barcode`), so the caller holds the write's clocks first.
fn write(conn: &Connection, p: &Product, at: DateTime<Utc>, fields: bool, barcode: bool) -> Result<bool> {
    let before: Option<Option<String>> = conn
        .prepare_cached("SELECT barcode_claim FROM products WHERE sku = ?1")?
        .query_row([&p.sku], |r| r.get(0))
        .optional()?;
    match before {
        None => {
            conn.prepare_cached(
                "INSERT INTO products (sku, barcode_claim, name, category, price, active, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)",
            )?
            .execute(params![p.sku, p.barcode, p.name, p.category, p.price, ms(at)])?;
        }
        Some(_) => {
            if fields {
                conn.prepare_cached(
                    "UPDATE products SET name = ?2, category = ?3, price = ?4, active = 1, updated_at = ?5 WHERE sku = ?1",
                )?
                .execute(params![p.sku, p.name, p.category, p.price, ms(at)])?;
            }
            if barcode {
                conn.prepare_cached("UPDATE products SET barcode_claim = ?2 WHERE sku = ?1")?
                    .execute(params![p.sku, p.barcode])?;
            }
        }
    }
    let codes: std::collections::BTreeSet<&String> =
        [before.as_ref().and_then(|b| b.as_ref()), p.barcode.as_ref()].into_iter().flatten().collect();
    for code in codes {
        settle_barcode(conn, code)?;
    }
    Ok(before.is_none())
}

/// The clock a product's barcode claim was written at, by SQL over the
/// product row `p` (for `settle_barcode` and `barcode_clock`): the write
/// that last changed its barcode (`barcode:SKU`), else the product's
/// latest write (`product:SKU`), else, written before clocks were kept,
/// its moment.
const BARCODE_CLOCK: &str = "coalesce(kb.clock, kp.clock, p.updated_at) AS clock,
    CASE WHEN kb.key IS NOT NULL THEN kb.device WHEN kp.key IS NOT NULL THEN kp.device ELSE x'' END AS device
    FROM products p
    LEFT JOIN setting_clock kb ON kb.key = 'barcode:' || p.sku
    LEFT JOIN setting_clock kp ON kp.key = 'product:' || p.sku";

/// Gives `code` to the product claiming it whose barcode was written later
/// (its clock, then counter, then its SKU): the same at every counter once
/// the same writes are in, whatever order they came in, and a barcode its
/// holder moves on from goes back to the other claim.
pub(crate) fn settle_barcode(conn: &Connection, code: &str) -> Result<Option<String>> {
    let holder: Option<String> = conn
        .prepare_cached(&format!(
            "SELECT p.sku, {BARCODE_CLOCK} WHERE p.barcode_claim = ?1 ORDER BY clock DESC, device DESC, p.sku DESC LIMIT 1"
        ))?
        .query_row([code], |r| r.get(0))
        .optional()?;
    conn.prepare_cached("UPDATE products SET barcode = NULL WHERE barcode = ?1 AND sku IS NOT ?2")?
        .execute(params![code, holder])?;
    if let Some(sku) = &holder {
        conn.prepare_cached("UPDATE products SET barcode = ?1 WHERE sku = ?2 AND barcode IS NOT ?1")?
            .execute(params![code, sku])?;
    }
    Ok(holder)
}

/// The (clock, device) of product `sku`'s barcode claim (`None`: no such
/// product).
pub(crate) fn barcode_clock(conn: &Connection, sku: &str) -> Result<Option<(i64, Vec<u8>)>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {BARCODE_CLOCK} WHERE p.sku = ?1"))?
        .query_row([sku], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Records that product `sku`'s barcode was last written at `clock` by
/// `device` (empty: a write from before clocks were kept).
fn hold_barcode_clock(conn: &Connection, sku: &str, (clock, device): (i64, Vec<u8>)) -> Result<()> {
    crate::settings::hold_as(conn, &format!("barcode:{sku}"), clock, &device)
}

/// The key of a product's write clock (`settings::claim_clock`).
pub fn clock_key(sku: &str) -> String {
    format!("product:{sku}")
}

/// A product's write as its event carries it: the product, and the clock
/// its barcode claim was written at (absent in events written before it
/// was carried: the write's own).
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Written {
    #[serde(flatten)]
    pub product: Product,
    #[serde(default)]
    pub barcode_at: Option<i64>,
    #[serde(default)]
    pub barcode_by: Option<String>,
}

/// A product written here by the owner: the product's clock moves
/// (`settings::claim_clock`), and its barcode's only where the barcode
/// changed, so a price change never takes a barcode back from a product
/// given it since. Returns whether it was new, the write's clock (the
/// event's moment) and the event to record.
pub(crate) fn write_here(
    conn: &Connection,
    p: &Product,
    at: DateTime<Utc>,
    device: uuid::Uuid,
) -> Result<(bool, i64, Written)> {
    let claimed = stored(conn, &p.sku)?.map(|s| s.barcode);
    // Read before the product's clock moves: it may stand for the barcode's.
    let held = barcode_clock(conn, &p.sku)?;
    let clock = crate::settings::claim_clock(conn, &clock_key(&p.sku), ms(at), device)?;
    let barcode_at = match held {
        Some(held) if claimed.as_ref() == Some(&p.barcode) => held,
        _ => (clock, device.as_bytes().to_vec()),
    };
    hold_barcode_clock(conn, &p.sku, barcode_at.clone())?;
    let new = upsert(conn, p, at)?;
    let barcode_by = uuid::Uuid::from_slice(&barcode_at.1).ok().map(|d| d.to_string());
    Ok((new, clock, Written { product: p.clone(), barcode_at: Some(barcode_at.0), barcode_by }))
}

/// Another counter's write of a product: its name, category and price
/// stand where the write is later, by (clock, device), than the one held;
/// its barcode claim where the barcode's clock is later than the one held
/// (`barcode_clock`). Each ends the same everywhere, whatever order the
/// writes arrive in. A barcode another product claims is held by the one
/// whose barcode was written later (`settle_barcode`); the owner is told.
/// Without this, two counters giving one barcode to two products offline
/// stopped every counter's sync at the unique index.
pub(crate) fn upsert_from(tx: &Connection, a: &mut crate::apply::Applying, w: Written) -> Result<()> {
    let (clock, device) = (a.event.at_ms, a.event.device);
    let p = w.product;
    let barcode_at = match w.barcode_at {
        Some(at) => (
            at,
            w.barcode_by.and_then(|d| uuid::Uuid::parse_str(&d).ok()).map_or(Vec::new(), |d| d.as_bytes().to_vec()),
        ),
        None => (clock, device.as_bytes().to_vec()),
    };
    // Read before the product's clock moves: it may stand for the barcode's,
    // which is kept as its own from here on.
    let held = barcode_clock(tx, &p.sku)?;
    let barcode = held.as_ref().is_none_or(|held| barcode_at > *held);
    hold_barcode_clock(tx, &p.sku, if barcode { barcode_at } else { held.unwrap_or_default() })?;
    let fields = crate::settings::later_than_held(tx, &clock_key(&p.sku), clock, device, written_at(tx, &p.sku)?)?;
    if !fields {
        a.anomaly("product_superseded", &p.sku, serde_json::json!({"sku": p.sku, "lost_at": clock, "lost_by": device}));
    }
    if !fields && !barcode {
        return Ok(());
    }
    write(tx, &p, a.at, fields, barcode)?;
    if let Some(code) = p.barcode.as_ref().filter(|_| barcode) {
        let claims: Vec<String> = tx
            .prepare_cached("SELECT sku FROM products WHERE barcode_claim = ?1 AND sku != ?2 ORDER BY sku")?
            .query_map(params![code, p.sku], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if !claims.is_empty() {
            let keeps: Option<String> = tx
                .prepare_cached("SELECT sku FROM products WHERE barcode = ?1")?
                .query_row([code], |r| r.get(0))
                .optional()?;
            a.anomaly(
                "barcode_taken",
                code,
                serde_json::json!({"barcode": code, "kept_by": keeps, "claimed_by": p.sku, "also_claimed_by": claims}),
            );
        }
    }
    Ok(())
}

/// A product's write from before clocks were kept, at its moment.
fn written_at(tx: &Connection, sku: &str) -> Result<Option<(i64, Vec<u8>)>> {
    Ok(tx
        .prepare_cached("SELECT updated_at FROM products WHERE sku = ?1")?
        .query_row([sku], |r| r.get::<_, i64>(0))
        .optional()?
        .map(|at| (at, Vec::new())))
}

/// A product as its writes have it (its barcode the one it claims, held
/// or not), if it is in the catalog.
pub(crate) fn stored(conn: &Connection, sku: &str) -> Result<Option<Product>> {
    Ok(conn
        .prepare_cached("SELECT sku, barcode_claim, name, category, price FROM products WHERE sku = ?1 AND active = 1")?
        .query_row([sku], from_row)
        .optional()?)
}

/// A product by SKU or barcode.
pub fn find(conn: &Connection, sku_or_barcode: &str) -> Result<Option<Product>> {
    Ok(conn
        .prepare_cached(
            "SELECT sku, barcode, name, category, price FROM products WHERE (sku = ?1 OR barcode = ?1) AND active = 1",
        )?
        .query_row([sku_or_barcode], from_row)
        .optional()?)
}

pub fn all(conn: &Connection) -> Result<Vec<Product>> {
    let mut stmt =
        conn.prepare_cached("SELECT sku, barcode, name, category, price FROM products WHERE active = 1 ORDER BY rid")?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

//! The products table.

use crate::error::Result;
use crate::time::ms;
use chrono::{DateTime, Utc};
use dangol_domain::catalog::Product;
use rusqlite::{Connection, OptionalExtension, Row, params};

fn from_row(r: &Row) -> rusqlite::Result<Product> {
    Ok(Product { sku: r.get(0)?, barcode: r.get(1)?, name: r.get(2)?, category: r.get(3)?, price: r.get(4)? })
}

/// Inserts or updates a product by SKU. Returns true when it was new.
pub fn upsert(conn: &Connection, p: &Product, at: DateTime<Utc>) -> Result<bool> {
    let existed = find(conn, &p.sku)?.is_some();
    conn.prepare_cached(
        "INSERT INTO products (sku, barcode, name, category, price, active, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)
         ON CONFLICT (sku) DO UPDATE SET barcode = excluded.barcode, name = excluded.name, category = excluded.category, price = excluded.price, active = 1, updated_at = excluded.updated_at",
    )?
    .execute(params![p.sku, p.barcode, p.name, p.category, p.price, ms(at)])?;
    Ok(!existed)
}

/// The key of a product's write clock (`settings::claim_clock`).
pub fn clock_key(sku: &str) -> String {
    format!("product:{sku}")
}

/// Another counter's write of a product: the later write by (clock,
/// device) stands everywhere, whatever order they arrive in. A barcode
/// another product holds goes to the product whose latest write is later
/// (the other keeps none); either way the owner is told. Without this, two
/// counters giving one barcode to two products offline stopped every
/// counter's sync at the unique index.
pub(crate) fn upsert_from(tx: &Connection, a: &mut crate::apply::Applying, mut p: Product) -> Result<()> {
    let (clock, device) = (a.event.at_ms, a.event.device);
    if !crate::settings::later_than_held(tx, &clock_key(&p.sku), clock, device, written_at(tx, &p.sku)?)? {
        a.anomaly("product_superseded", &p.sku, serde_json::json!({"sku": p.sku, "lost_at": clock, "lost_by": device}));
        return Ok(());
    }
    if let Some(code) = p.barcode.clone() {
        let holder: Option<String> = tx
            .prepare_cached("SELECT sku FROM products WHERE barcode = ?1 AND sku != ?2")?
            .query_row(params![code, p.sku], |r| r.get(0))
            .optional()?;
        if let Some(holder) = holder {
            let held = crate::settings::held_clock(tx, &clock_key(&holder))?.or(written_at(tx, &holder)?);
            let later = held.is_none_or(|h| (clock, device.as_bytes().to_vec()) > h);
            let (keeps, loses) = if later { (&p.sku, &holder) } else { (&holder, &p.sku) };
            a.anomaly("barcode_taken", &code, serde_json::json!({"barcode": code, "kept_by": keeps, "lost_by": loses}));
            if later {
                tx.prepare_cached("UPDATE products SET barcode = NULL WHERE sku = ?1")?.execute([&holder])?;
            } else {
                p.barcode = None;
            }
        }
    }
    upsert(tx, &p, a.at)?;
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

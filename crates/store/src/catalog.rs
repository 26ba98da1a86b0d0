//! The products table.

use crate::error::Result;
use crate::time::ms;
use chrono::{DateTime, Utc};
use dangol_domain::catalog::Product;
use rusqlite::{Connection, OptionalExtension, Row, params};

fn from_row(r: &Row) -> rusqlite::Result<Product> {
    Ok(Product { sku: r.get(0)?, barcode: r.get(1)?, name: r.get(2)?, category: r.get(3)?, price: r.get(4)? })
}

/// Inserts or updates a product by SKU. Returns true when it was new. Its
/// barcode is its claim; who holds a barcode two products claim is
/// worked out again (`settle_barcode`), so the caller holds the write's
/// clock first.
pub fn upsert(conn: &Connection, p: &Product, at: DateTime<Utc>) -> Result<bool> {
    let before: Option<Option<String>> = conn
        .prepare_cached("SELECT barcode_claim FROM products WHERE sku = ?1")?
        .query_row([&p.sku], |r| r.get(0))
        .optional()?;
    conn.prepare_cached(
        "INSERT INTO products (sku, barcode_claim, name, category, price, active, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)
         ON CONFLICT (sku) DO UPDATE SET barcode_claim = excluded.barcode_claim, name = excluded.name, category = excluded.category, price = excluded.price, active = 1, updated_at = excluded.updated_at",
    )?
    .execute(params![p.sku, p.barcode, p.name, p.category, p.price, ms(at)])?;
    for code in [before.clone().flatten(), p.barcode.clone()].iter().flatten() {
        settle_barcode(conn, code)?;
    }
    Ok(before.is_none())
}

/// Gives `code` to the product claiming it whose latest write is later
/// (its clock, then counter, a write from before clocks were kept at its
/// moment; then its SKU): the same at every counter once the same writes
/// are in, whatever order they came in.
pub(crate) fn settle_barcode(conn: &Connection, code: &str) -> Result<Option<String>> {
    let holder: Option<String> = conn
        .prepare_cached(
            "SELECT p.sku FROM products p LEFT JOIN setting_clock k ON k.key = 'product:' || p.sku
             WHERE p.barcode_claim = ?1
             ORDER BY coalesce(k.clock, p.updated_at) DESC, coalesce(k.device, x'') DESC, p.sku DESC
             LIMIT 1",
        )?
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

/// The key of a product's write clock (`settings::claim_clock`).
pub fn clock_key(sku: &str) -> String {
    format!("product:{sku}")
}

/// Another counter's write of a product: the later write by (clock,
/// device) stands everywhere, whatever order they arrive in. A barcode
/// another product claims is held by the product whose latest write is
/// later (`settle_barcode`); the owner is told. Without this, two counters
/// giving one barcode to two products offline stopped every counter's sync
/// at the unique index.
pub(crate) fn upsert_from(tx: &Connection, a: &mut crate::apply::Applying, p: Product) -> Result<()> {
    let (clock, device) = (a.event.at_ms, a.event.device);
    if !crate::settings::later_than_held(tx, &clock_key(&p.sku), clock, device, written_at(tx, &p.sku)?)? {
        a.anomaly("product_superseded", &p.sku, serde_json::json!({"sku": p.sku, "lost_at": clock, "lost_by": device}));
        return Ok(());
    }
    upsert(tx, &p, a.at)?;
    if let Some(code) = &p.barcode {
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

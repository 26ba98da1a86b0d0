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

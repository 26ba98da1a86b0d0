//! Reading and writing the points and stamps ledgers. What the entries mean
//! (lots, expiry, spending order, refunds) is decided by
//! `dangol_domain::points`; this module only stores and loads them.

use crate::error::Result;
use crate::time::{from_ms, ms};
use chrono::{DateTime, Utc};
use dangol_domain::loyalty::LedgerKind;
use dangol_domain::points::{NewPoints, PointsBook, PointsEntry};
use rusqlite::{Connection, params};
use uuid::Uuid;

/// A customer's points entries, as stored.
pub fn points_entries(conn: &Connection, customer_rid: i64) -> Result<Vec<PointsEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.rid, p.at, p.kind, p.points, p.expires_at, p.lot, q.entry IS NOT NULL
         FROM points_ledger p LEFT JOIN squared_points q ON q.entry = p.rid
         WHERE p.customer = ?1 ORDER BY p.at, p.rid",
    )?;
    let rows = stmt.query_map([customer_rid], |r| {
        let kind: String = r.get(2)?;
        Ok(PointsEntry {
            id: r.get(0)?,
            at: from_ms(r.get(1)?),
            kind: LedgerKind::parse(&kind).unwrap_or(LedgerKind::Adjust),
            amount: r.get(3)?,
            expires_at: r.get::<_, Option<i64>>(4)?.map(from_ms),
            lot: r.get(5)?,
            elsewhere: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// A customer's points lots.
pub fn points_book(conn: &Connection, customer_rid: i64) -> Result<PointsBook> {
    Ok(PointsBook::replay(&points_entries(conn, customer_rid)?))
}

/// The last customer's points lots, read once for a visit's previews and
/// its checkout. The ledger is append-only (a trigger refuses edits) and
/// its row ids only grow, so while its highest row id is unchanged no entry
/// was added and the lots read before are still the lots. The cache is
/// filled only outside transactions, from committed rows, so a rolled-back
/// write that reuses a row id can never be mistaken for one it has seen.
#[derive(Default)]
pub struct PointsCache(std::cell::RefCell<Option<(i64, i64, PointsBook)>>);

impl PointsCache {
    /// Drops the cached book: rows moved between customers (an undone
    /// merge) leave the ledger's highest id where it was.
    pub fn forget(&self) {
        self.0.borrow_mut().take();
    }

    pub fn book(&self, conn: &Connection, customer_rid: i64) -> Result<PointsBook> {
        let high: i64 =
            conn.prepare_cached("SELECT coalesce(max(rid), 0) FROM points_ledger")?.query_row([], |r| r.get(0))?;
        if let Some((rid, h, book)) = self.0.borrow().as_ref()
            && *rid == customer_rid
            && *h == high
        {
            return Ok(book.clone());
        }
        let book = points_book(conn, customer_rid)?;
        if conn.is_autocommit() {
            *self.0.borrow_mut() = Some((customer_rid, high, book.clone()));
        }
        Ok(book)
    }
}

/// Writes points entries (zero amounts skipped), folds them into `book`, and
/// returns their ids. `by` is the counter whose event this is (`None`: this
/// counter); escrow counts each counter's allowance from it.
pub fn write_points(
    conn: &Connection,
    book: &mut PointsBook,
    customer_rid: i64,
    by: Option<Uuid>,
    sale: Option<i64>,
    note: Option<&str>,
    entries: &[NewPoints],
) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO points_ledger (customer, at, kind, points, expires_at, sale, note, lot, device) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    let mut written = Vec::with_capacity(entries.len());
    for e in entries.iter().filter(|e| e.amount != 0) {
        stmt.execute(params![
            customer_rid,
            ms(e.at),
            e.kind.as_str(),
            e.amount,
            e.expires_at.map(ms),
            sale,
            note,
            e.lot,
            by.map(|d| *d.as_bytes())
        ])?;
        let id = conn.last_insert_rowid();
        book.apply(&e.stored(id));
        written.push(id);
    }
    Ok(written)
}

/// Expires what is due at `at`: one `expire` entry per lot. Returns the
/// points expired.
pub fn sweep(conn: &Connection, book: &mut PointsBook, customer_rid: i64, at: DateTime<Utc>) -> Result<i64> {
    let due = book.sweep(at);
    write_points(conn, book, customer_rid, None, None, Some("expired lot"), &due)?;
    Ok(-due.iter().map(|e| e.amount).sum::<i64>())
}

/// A customer's stamp balance.
pub fn stamps(conn: &Connection, customer_rid: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT coalesce(sum(stamps), 0) FROM stamp_ledger WHERE customer = ?1")?
        .query_row([customer_rid], |r| r.get(0))?)
}

/// Writes one stamps entry (a zero amount is skipped).
pub fn write_stamps(
    conn: &Connection,
    customer_rid: i64,
    sale: Option<i64>,
    at: DateTime<Utc>,
    kind: LedgerKind,
    stamps: i64,
) -> Result<()> {
    if stamps != 0 {
        conn.prepare_cached("INSERT INTO stamp_ledger (customer, at, kind, stamps, sale) VALUES (?1, ?2, ?3, ?4, ?5)")?
            .execute(params![customer_rid, ms(at), kind.as_str(), stamps, sale])?;
    }
    Ok(())
}

//! Reading and writing the points and stamps ledgers. What the entries mean
//! (lots, expiry, spending order, refunds) is decided by
//! `dangol_domain::points`; this module only stores and loads them.

use crate::error::Result;
use crate::time::{from_ms, ms};
use chrono::{DateTime, Utc};
use dangol_domain::loyalty::LedgerKind;
use dangol_domain::points::{NewPoints, PointsBook, PointsEntry};
use rusqlite::{Connection, named_params, params};
use uuid::Uuid;

/// The note on the entries a merge undo writes to square a lot: each draws
/// from the lot it names first (`PointsEntry::targeted`).
pub(crate) const SQUARING_NOTE: &str = "고객 병합 취소: 다른 등록의 포인트 정리";

/// The entries' columns as `entry` reads them, for the customers
/// `WHERE` picks (`:squaring` is `SQUARING_NOTE`, `:own` this counter's
/// device id, which its own rows leave out).
/// Only the rare rows that may need them look up the sale a refund reverses
/// or the note, so the index `points_by_customer` covers the rest.
const ENTRIES: &str = "SELECT p.rid, p.at, p.kind, p.points, p.expires_at, p.lot, q.entry IS NOT NULL, p.sale,
        CASE WHEN p.kind = 'reverse' THEN (SELECT s.reverses FROM sales s WHERE s.rid = p.sale) END,
        CASE WHEN p.kind = 'adjust' AND p.points < 0 AND p.lot IS NOT NULL
             THEN coalesce((SELECT n.note = :squaring FROM points_ledger n WHERE n.rid = p.rid), 0) ELSE 0 END,
        p.customer, coalesce(p.device, :own)
    FROM points_ledger p LEFT JOIN squared_points q ON q.entry = p.rid";

/// One entry with what the replay needs to know of it: the sale it is
/// part of, the sale that sale reverses (a refund), whether a merge undo
/// squared it or wrote it to square a lot.
fn entry(r: &rusqlite::Row) -> rusqlite::Result<PointsEntry> {
    let kind: String = r.get(2)?;
    Ok(PointsEntry {
        id: r.get(0)?,
        at: from_ms(r.get(1)?),
        kind: LedgerKind::parse(&kind).unwrap_or(LedgerKind::Adjust),
        amount: r.get(3)?,
        expires_at: r.get::<_, Option<i64>>(4)?.map(from_ms),
        lot: r.get(5)?,
        elsewhere: r.get(6)?,
        sale: r.get(7)?,
        reverses: r.get(8)?,
        targeted: r.get(9)?,
        origin: r.get::<_, Option<[u8; 16]>>(11)?.map(Uuid::from_bytes),
    })
}

/// This counter's device id as its own rows stand for it (`None` before it
/// has one). Read only: a reader must not write.
fn own(conn: &Connection) -> Result<Option<[u8; 16]>> {
    Ok(crate::settings::get(conn, crate::settings::DEVICE_ID)?
        .and_then(|v| Uuid::parse_str(&v).ok())
        .map(|u| *u.as_bytes()))
}

/// A customer's points entries, as stored. `expire` entries older versions
/// wrote at sweeps are left out: expiry is derived.
pub fn points_entries(conn: &Connection, customer_rid: i64) -> Result<Vec<PointsEntry>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{ENTRIES} WHERE p.customer = :customer AND p.kind != 'expire' ORDER BY p.at, p.rid"
    ))?;
    let rows = stmt
        .query_map(named_params! {":customer": customer_rid, ":squaring": SQUARING_NOTE, ":own": own(conn)?}, entry)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Every customer's points book, as the replay derives it, in one pass
/// over the ledger, handed to `each` with the customer's id, by the
/// customer's row id.
pub fn each_points_book(conn: &Connection, mut each: impl FnMut(Uuid, PointsBook)) -> Result<()> {
    let mut stmt = conn.prepare(&format!(
        "SELECT e.*, c.id FROM ({ENTRIES} WHERE p.kind != 'expire') e JOIN customers c ON c.rid = e.customer
         ORDER BY e.customer, e.at, e.rid"
    ))?;
    let mut rows = stmt.query(named_params! {":squaring": SQUARING_NOTE, ":own": own(conn)?})?;
    let mut held: Option<(i64, Uuid, Vec<PointsEntry>)> = None;
    while let Some(r) = rows.next()? {
        let customer: i64 = r.get(10)?;
        if held.as_ref().is_some_and(|(c, _, _)| *c != customer)
            && let Some((_, id, entries)) = held.take()
        {
            each(id, PointsBook::replay(&entries));
        }
        let id = Uuid::from_bytes(r.get(12)?);
        held.get_or_insert_with(|| (customer, id, Vec::new())).2.push(entry(r)?);
    }
    if let Some((_, id, entries)) = held {
        each(id, PointsBook::replay(&entries));
    }
    Ok(())
}

/// Entries that remove points in the `parts` another counter wrote them
/// in (each negative), naming no lot: every counter then holds the same
/// entries, whatever lots it held when it applied them (which entries an
/// undone merge squares depends on how a spend was split).
pub(crate) fn as_written(at: DateTime<Utc>, kind: LedgerKind, parts: &[i64]) -> Vec<NewPoints> {
    parts.iter().map(|&amount| NewPoints { at, kind, amount, expires_at: None, lot: None }).collect()
}

/// Another counter's spend of `amount`, as its writer split it (`parts`,
/// when its event carries them) or, in events from before they were
/// carried, from the lots here that expire first.
pub(crate) fn spent_elsewhere(
    book: &PointsBook,
    parts: &[i64],
    amount: i64,
    at: DateTime<Utc>,
    kind: LedgerKind,
) -> Vec<NewPoints> {
    if parts_of(parts, amount) { as_written(at, kind, parts) } else { book.spend_as_recorded(amount, at, kind) }
}

/// Whether `parts` (as an event carries them) split exactly `total`
/// points taken, each part taking some.
pub(crate) fn parts_of(parts: &[i64], total: i64) -> bool {
    !parts.is_empty()
        && parts.iter().all(|p| *p < 0)
        && parts.iter().try_fold(0i64, |s, p| s.checked_sub(*p)) == Some(total)
}

/// This counter's own points entries of events the hub's order has not
/// passed back yet (none on a counter that has not joined a hub: there
/// everything is in its place as written).
pub(crate) const UNPLACED: &str = "SELECT entry FROM own_points
    WHERE seq > (SELECT placed_seq FROM sync_state WHERE id = 1 AND joined_at IS NOT NULL)";

/// Records `rows`, points entries this counter wrote for an event of its
/// own, as that event's (`seq`): they are placed in the hub's order where
/// it is (`placed_points_book`).
pub(crate) fn claim_own(conn: &Connection, rows: &[i64], seq: i64) -> Result<()> {
    let mut stmt = conn.prepare_cached("INSERT INTO own_points (entry, seq) VALUES (?1, ?2)")?;
    for row in rows {
        stmt.execute([*row, seq])?;
    }
    Ok(())
}

/// A customer's points lots from the entries the hub's order has placed so
/// far: this counter's own entries of events the hub has not yet passed
/// back are left out (every other counter's entries are here only once
/// placed). What an undone merge squares is worked out from these, so
/// every counter works out the same whenever its own events reach the hub.
pub(crate) fn placed_points_book(conn: &Connection, customer_rid: i64) -> Result<PointsBook> {
    let unplaced: std::collections::HashSet<i64> = conn
        .prepare_cached(&format!("SELECT p.rid FROM points_ledger p WHERE p.customer = ?1 AND p.rid IN ({UNPLACED})"))?
        .query_map([customer_rid], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut entries = points_entries(conn, customer_rid)?;
    entries.retain(|e| !unplaced.contains(&e.id));
    Ok(PointsBook::replay(&entries))
}

/// A customer's points lots.
pub fn points_book(conn: &Connection, customer_rid: i64) -> Result<PointsBook> {
    Ok(PointsBook::replay(&points_entries(conn, customer_rid)?))
}

/// The last customer's points lots, read once for a visit's previews and
/// its checkout. The ledger is append-only (a trigger refuses edits) and
/// its row ids only grow (but for a voided refund's rows, after which the
/// cache is dropped: `refund::void_own`), so while its highest row id is
/// unchanged no entry was added and the lots read before are still the
/// lots. The cache is
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
    // Folded as they will be read back (`points_entries`).
    let origin = match by {
        Some(d) => Some(d),
        None => own(conn)?.map(Uuid::from_bytes),
    };
    let reverses: Option<i64> = match sale {
        Some(s) => conn.prepare_cached("SELECT reverses FROM sales WHERE rid = ?1")?.query_row([s], |r| r.get(0))?,
        None => None,
    };
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
        let targeted = e.kind == LedgerKind::Adjust && e.amount < 0 && e.lot.is_some() && note == Some(SQUARING_NOTE);
        book.apply(&PointsEntry { sale, reverses, targeted, origin, ..e.stored(id) });
        written.push(id);
    }
    Ok(written)
}

/// A customer's points balance: the entries' sum less what expired, as
/// the replay derives it (the same at every counter holding the same
/// entries).
pub fn points_balance(conn: &Connection, customer_rid: i64) -> Result<i64> {
    Ok(points_book(conn, customer_rid)?.balance())
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

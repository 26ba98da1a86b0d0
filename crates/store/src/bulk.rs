//! Bulk loading for the demo generator: one big transaction with prepared
//! statements and durability relaxed while it runs (a failed load leaves an
//! empty database, which is simply generated again). Normal counter writes
//! never use this path.

use crate::checkout::insert_sale;
use crate::error::Result;
use crate::time::ms;
use crate::{Store, outbox, settings};
use crate::{customers, ledger};
use chrono::{DateTime, Utc};
use dangol_domain::catalog::Product;
use dangol_domain::customer::Customer;
use dangol_domain::feedback::Feedback;
use dangol_domain::ids::IdSource;
use dangol_domain::loyalty::{Coupon, LedgerKind};
use dangol_domain::points::{PointsBook, open_lot};
use dangol_domain::rules::DiscountRule;
use dangol_domain::sale::SaleDraft;
use rusqlite::{Transaction, params};

/// An open bulk load. Call `finish` to commit.
pub struct BulkLoad<'a> {
    tx: Transaction<'a>,
    device: uuid::Uuid,
}

impl Store {
    /// Starts a bulk load (used by `dangol demo`).
    pub fn bulk(&mut self) -> Result<BulkLoad<'_>> {
        // Mark the file first (durably, in WAL mode): if the load is
        // interrupted, opening the file says so instead of serving half a shop.
        settings::set(&self.conn, settings::BULK_LOADING, "1")?;
        // One huge transaction in WAL mode re-appends every re-modified page
        // to the WAL; without a journal each page is written in place.
        self.conn.pragma_update(None, "journal_mode", "OFF")?;
        self.conn.pragma_update(None, "synchronous", "OFF")?;
        self.conn.pragma_update(None, "cache_size", -2_097_152)?;
        self.conn.execute_batch("CREATE TEMP TABLE bulk_grams (gram TEXT NOT NULL, pos INTEGER NOT NULL, score INTEGER NOT NULL, customer INTEGER NOT NULL)")?;
        let device = self.device;
        let tx = self.conn.transaction()?;
        Ok(BulkLoad { tx, device })
    }
}

impl BulkLoad<'_> {
    pub fn setting(&mut self, key: &str, value: &str) -> Result<()> {
        settings::set(&self.tx, key, value)
    }

    pub fn product(&mut self, p: &Product, at: DateTime<Utc>) -> Result<()> {
        crate::catalog::upsert(&self.tx, p, at)?;
        Ok(())
    }

    pub fn rule(&mut self, r: &DiscountRule, at: DateTime<Utc>) -> Result<()> {
        crate::rules::upsert(&self.tx, r, at)
    }

    /// Inserts a customer with visit counters already known.
    /// Inserts a customer with visit counters already known. Its search
    /// grams are staged and sorted into the index once, in `finish`.
    pub fn customer(&mut self, c: &Customer, visits: i64, last_visit: Option<DateTime<Utc>>) -> Result<i64> {
        let score = customers::initial_score(c, visits, last_visit);
        let rid = customers::insert_row(&self.tx, c, visits, last_visit)?;
        let mut stmt = self
            .tx
            .prepare_cached("INSERT INTO temp.bulk_grams (gram, pos, score, customer) VALUES (?1, ?2, ?3, ?4)")?;
        for (gram, is_prefix) in dangol_domain::hangul::grams(&c.name) {
            stmt.execute(params![gram, if is_prefix { 0 } else { 1 }, score, rid])?;
        }
        Ok(rid)
    }

    /// Inserts a historical sale with its lines, discounts and ledger
    /// entries, through the same ledger functions as a checkout: lots due
    /// by then expire, a redemption draws on the lots that expire first, and
    /// the points earned open a lot. `book` is the customer's points so far.
    pub fn sale(&mut self, d: &SaleDraft, customer_rid: i64, book: &mut PointsBook) -> Result<i64> {
        let rid = insert_sale(&self.tx, d, Some(customer_rid), self.device, None, None)?;
        let mut disc = self.tx.prepare_cached(
            "INSERT INTO sale_discounts (sale, rule_id, name, saving, customer) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for x in &d.discounts {
            disc.execute(params![rid, x.rule_id, x.name, x.saving, customer_rid])?;
        }
        book.expire_through(d.at);
        if d.points_redeemed > 0 {
            let spend =
                book.spend(d.points_redeemed, d.at, LedgerKind::Redeem).map_err(|e| crate::StoreError::BadInput {
                    what: "demo sale",
                    reason: crate::error::say(
                        format!("쓸 수 있는 포인트 {}점으로 {}점을 쓰려 했습니다", e.available, e.wanted),
                        format!("redeems {} points with {} usable", e.wanted, e.available),
                    ),
                })?;
            ledger::write_points(&self.tx, book, customer_rid, None, Some(rid), None, &spend)?;
        }
        if d.points_earned > 0 {
            let lot = open_lot(d.at, LedgerKind::Earn, d.points_earned, d.points_expire_at);
            ledger::write_points(&self.tx, book, customer_rid, None, Some(rid), None, &[lot])?;
        }
        ledger::write_stamps(&self.tx, customer_rid, Some(rid), d.at, LedgerKind::Redeem, -d.stamps_redeemed)?;
        ledger::write_stamps(&self.tx, customer_rid, Some(rid), d.at, LedgerKind::Earn, d.stamps_earned)?;
        Ok(rid)
    }

    /// A stamp adjustment (positive or negative).
    pub fn stamp_adjust(&mut self, customer_rid: i64, at: DateTime<Utc>, stamps: i64) -> Result<()> {
        self.tx
            .prepare_cached("INSERT INTO stamp_ledger (customer, at, kind, stamps) VALUES (?1, ?2, 'adjust', ?3)")?
            .execute(params![customer_rid, ms(at), stamps])?;
        Ok(())
    }

    pub fn coupon(&mut self, customer_rid: i64, c: &Coupon, used_sale: Option<i64>) -> Result<()> {
        self.tx
            .prepare_cached("INSERT INTO coupons (id, code, customer, rule_id, issued_at, expires_at, used_sale, used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?
            .execute(params![c.id.as_bytes(), c.code, customer_rid, c.rule_id, ms(c.issued_at), ms(c.expires_at), used_sale, c.used_at.map(ms)])?;
        Ok(())
    }

    pub fn feedback(&mut self, customer_rid: i64, f: &Feedback) -> Result<()> {
        crate::feedback::insert(&self.tx, customer_rid, f)
    }

    /// Commits the load with one outbox event describing it, restores full
    /// durability and refreshes the query planner's statistics.
    pub fn finish(self, summary: &serde_json::Value, at: DateTime<Utc>, ids: &mut dyn IdSource) -> Result<()> {
        self.tx.execute_batch("INSERT OR IGNORE INTO search_grams (gram, pos, score, customer) SELECT gram, pos, score, customer FROM temp.bulk_grams ORDER BY gram, pos, score, customer; DROP TABLE temp.bulk_grams;")?;
        outbox::append(&self.tx, ids, self.device, at, "demo.generated", summary)?;
        let tx = self.tx;
        tx.commit()?;
        Ok(())
    }
}

impl Store {
    /// Restores normal durability and cache after a bulk load and analyses
    /// the tables so the planner picks the right indexes.
    pub fn after_bulk(&mut self) -> Result<()> {
        self.rules.forget();
        let zone = crate::settings::zone(&self.conn)?;
        crate::rhythm::rebuild_all(&self.conn, zone)?;
        self.conn.execute_batch("ANALYZE")?;
        // A file goes back to WAL; an in-memory database cannot, and left
        // without a journal it could not roll anything back (a refused
        // write or a quarantined event would stay half-applied).
        let journal = if self.path().is_some() { "WAL" } else { "MEMORY" };
        self.conn.pragma_update(None, "journal_mode", journal)?;
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.pragma_update(None, "cache_size", -65_536)?;
        self.conn.execute("DELETE FROM settings WHERE key = ?1", [settings::BULK_LOADING])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;
    use chrono::{TimeZone, Utc};
    use dangol_domain::ids::SeededIds;

    /// A bulk load turns the journal off; afterwards a rolled-back write
    /// must leave nothing, in memory as in a file (an in-memory store was
    /// once left with no journal, so nothing could be rolled back).
    #[test]
    fn after_a_bulk_load_a_rolled_back_write_leaves_nothing() {
        let dir = std::env::temp_dir().join(format!("dangol-bulk-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("shop.db");
        let _ = std::fs::remove_file(&file);
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        for (label, mut store) in
            [("in memory", Store::open_in_memory().unwrap()), ("file", Store::open(&file).unwrap())]
        {
            let mut ids = SeededIds::new(7);
            store.bulk().unwrap().finish(&serde_json::json!({}), at, &mut ids).unwrap();
            store.after_bulk().unwrap();
            let mut tx = store.conn.transaction().unwrap();
            {
                let sp = tx.savepoint().unwrap();
                sp.execute("INSERT INTO settings (key, value) VALUES ('probe', '1')", []).unwrap();
                // Dropped: rolled back.
            }
            let kept: i64 =
                tx.query_row("SELECT count(*) FROM settings WHERE key = 'probe'", [], |r| r.get(0)).unwrap();
            assert_eq!(kept, 0, "{label}: the rolled-back write stayed");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

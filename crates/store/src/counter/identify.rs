//! Identifying a customer from whatever the cashier typed, and settling
//! the name search after sales (see `customers` for the stale list).

use super::views::*;
use crate::Store;
use crate::customers::{self};
use crate::error::Result;
use crate::lookup::{self, Found, MatchKind};
use crate::owner::Viewer;

impl Store {
    /// Finds customers for whatever the cashier typed.
    pub fn lookup(&self, query: &str, limit: usize, viewer: &Viewer) -> Result<LookupResult> {
        let found = lookup::lookup(&self.conn, query, limit)?;
        Ok(LookupResult {
            hits: found.hits.iter().map(|h| summary(&h.found, h.matched, viewer)).collect(),
            more: found.more,
            total: found.total,
            total_cap: lookup::COUNT_CAP,
        })
    }

    /// One customer as a search hit shows them, by id: what the window
    /// needs to name a register's cart's customer, in one read.
    pub fn customer_summary(&self, customer: uuid::Uuid, viewer: &Viewer) -> Result<CustomerSummary> {
        let row = customers::get(&self.conn, customer)?;
        Ok(summary(&Found::from(&row), MatchKind::Card, viewer))
    }

    /// Brings the name search's grams up to date with the customers'
    /// scores after checkouts (see `customers::settle`): lookups give the
    /// same results before and after, so the shells run this after the
    /// receipt is out, not inside the sale. Returns how many customers moved.
    ///
    /// Its commit is not flushed to disk on its own (`synchronous=NORMAL`):
    /// a power cut can lose it only whole (the moved grams with the emptied
    /// list), which leaves lookups exact; the next sale's flush carries it.
    pub fn settle_search(&mut self) -> Result<usize> {
        self.write_ctx()?;
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        let settled = (|| {
            let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let moved = customers::settle(&tx)?;
            tx.commit()?;
            Ok(moved)
        })();
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        settled
    }
}

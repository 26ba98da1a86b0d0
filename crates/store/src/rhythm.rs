//! Each customer's visit rhythm, kept on their row as sales are written
//! (`refresh`, from `customers::count_visit` and `refresh_visits`): the
//! first and last visit day (shop-local day numbers), the distinct visit
//! days, the median gap between them and the total of the standing sales.
//! The owner's review reads these columns, one row per customer, instead
//! of every sale (`review`).
//!
//! Built once for the whole file when it first opens with this version, or
//! when the shop's time zone differs from the one it was built in, and
//! after a bulk load (`build_if_needed`, `rebuild_all`).

use crate::error::Result;
use crate::settings;
use chrono::{DateTime, Utc};
use dangol_domain::review::rhythm::usual_gap;
use dangol_domain::time::ShopZone;
use rusqlite::{Connection, params};

/// The settings key holding the zone the summaries were built in.
const BUILT: &str = "rhythm_built";

/// The sales that stood at the moment bound to `?1` (not a reversal, not
/// reversed by then: a refund after it does not reach back); with
/// `i64::MAX`, the sales that stand.
const STANDING_AT: &str =
    "s.reverses IS NULL AND NOT EXISTS (SELECT 1 FROM sales r WHERE r.reverses = s.rid AND r.at <= ?1)";

/// A customer's rhythm from their standing sales' (moment, total).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Summary {
    pub days: Vec<i64>,
    pub spend: i64,
}

impl Summary {
    pub(crate) fn add(&mut self, day: i64, total: i64) {
        if self.days.last() != Some(&day) {
            self.days.push(day);
        }
        self.spend = self.spend.saturating_add(total);
    }

    fn write(&self, conn: &Connection, rid: i64) -> Result<()> {
        conn.prepare_cached(
            "UPDATE customers SET first_day = ?2, last_day = ?3, visit_days = ?4, usual_gap = ?5, spend = ?6 WHERE rid = ?1",
        )?
        .execute(params![
            rid,
            self.days.first(),
            self.days.last(),
            self.days.len() as i64,
            usual_gap(&self.days),
            self.spend
        ])?;
        Ok(())
    }
}

/// The customer's visit days and spend from their standing sales up to
/// `until` (all of them: `None`), days in order.
pub(crate) fn of_customer(
    conn: &Connection,
    rid: i64,
    zone: ShopZone,
    until: Option<DateTime<Utc>>,
) -> Result<Summary> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT s.at, s.total FROM sales s WHERE s.customer = ?2 AND s.at <= ?1 AND {STANDING_AT} ORDER BY s.at"
    ))?;
    let until = until.map_or(i64::MAX, crate::time::ms);
    let mut rows = stmt.query(params![until, rid])?;
    let mut out = Summary::default();
    while let Some(r) = rows.next()? {
        let at = crate::time::from_ms(r.get(0)?);
        out.add(zone.day(at), r.get(1)?);
    }
    Ok(out)
}

/// Recomputes one customer's summary from their standing sales.
pub(crate) fn refresh(conn: &Connection, rid: i64) -> Result<()> {
    let zone = settings::zone(conn)?;
    of_customer(conn, rid, zone, None)?.write(conn, rid)
}

/// Recomputes every customer's summary in one pass over the sales, in the
/// caller's transaction.
pub(crate) fn rebuild_all(conn: &Connection, zone: ShopZone) -> Result<()> {
    conn.execute(
        "UPDATE customers SET first_day = NULL, last_day = NULL, visit_days = 0, usual_gap = NULL, spend = 0",
        [],
    )?;
    each_customer(conn, zone, i64::MAX, |rid, s| s.write(conn, rid))?;
    settings::set(conn, BUILT, zone.name())?;
    Ok(())
}

/// Every customer's summary from the sales that stood at `until` (ms),
/// in one pass over the sales, given to `f` customer by customer (only
/// customers with such a sale).
pub(crate) fn each_customer(
    conn: &Connection,
    zone: ShopZone,
    until: i64,
    mut f: impl FnMut(i64, Summary) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare(&format!(
        "SELECT s.customer, s.at, s.total FROM sales s WHERE s.customer IS NOT NULL AND s.at <= ?1 AND {STANDING_AT} ORDER BY s.customer, s.at"
    ))?;
    let mut rows = stmt.query([until])?;
    let mut current: Option<(i64, Summary)> = None;
    while let Some(r) = rows.next()? {
        let rid: i64 = r.get(0)?;
        let day = zone.day(crate::time::from_ms(r.get(1)?));
        let total: i64 = r.get(2)?;
        if current.as_ref().is_none_or(|(c, _)| *c != rid)
            && let Some((c, s)) = current.replace((rid, Summary::default()))
        {
            f(c, s)?;
        }
        if let Some((_, s)) = current.as_mut() {
            s.add(day, total);
        }
    }
    if let Some((c, s)) = current {
        f(c, s)?;
    }
    Ok(())
}

/// Builds every summary if this file has none yet, or they were built in
/// another time zone.
pub(crate) fn build_if_needed(conn: &mut Connection, zone: ShopZone) -> Result<()> {
    if settings::get(conn, BUILT)?.as_deref() == Some(zone.name()) {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    rebuild_all(&tx, zone)?;
    tx.commit()?;
    Ok(())
}

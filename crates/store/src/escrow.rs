//! Points held in escrow (O'Neil 1986; Balegas et al. 2015, bounded
//! counters): once a counter syncs, it may redeem a customer's points only
//! within its own allowance, so two counters cut off from each other can
//! never spend the same points twice, and the balance never goes below
//! zero whatever the network does.
//!
//! A counter's allowance for a customer is
//! - every points entry its own events wrote (earned here, redeemed here,
//!   refunds and adjustments made here; all history from before sync counts
//!   as this counter's), expiry left out;
//! - plus what the shop's pool granted its claims;
//! - less what it returned to the pool.
//!
//! The pool is kept in the hub's order: a return adds to it where the hub
//! placed it, a claim is granted what the pool holds at its place (all of
//! it, at most what was asked). Every counter reads the same order, so every
//! counter computes the same grants, and the counter that claimed counts its
//! grant only once its claim comes back from the hub (`hub::ORDERED_KINDS`).
//! A counter knows every move of its own allowance except grants not yet
//! pulled, so what it believes it holds is never more than it holds
//! (outside an undone merge, which re-divides the one customer's points:
//! see below).
//!
//! Points follow the customer: after each round a counter returns what it
//! holds for customers whose last visit was at another counter, and claims
//! the pool for customers whose last visit was here (`Store::escrow_rebalance`).
//! With nothing held here the counter refuses a redemption and says where
//! the points are, or allows the owner's overdraft
//! (`LoyaltySettings::offline_overdraft_points`), recorded as an anomaly.
//!
//! A counter can end up holding less than nothing: the owner's overdraft,
//! a spend (unaware of an undone merge) of points the undo gave to the
//! other registration, a return of what an undo's cover took meanwhile.
//! Then the others hold more than the customer has and could spend it
//! between them. Wherever an event takes a customer's points, at its place
//! in the hub's order, a counter below zero is covered from the pool
//! (`cover_after`), worked out from what the order has placed so every
//! counter writes the same shifts (`escrow_shifts`); never from another
//! counter, whose allowance only shrinks by what it does itself. What the
//! pool cannot give, the counters holding the customer's points return at
//! their next round (`escrow_short`, `escrow_rebalance`), and the cover at
//! the return's place gives it. An undone merge, which re-divides what was
//! one customer's, covers each side from its pool and then from the
//! counters holding the most there (`square_allowances`).
//!
//! Known limit: allowances are counted in points, not in lots; expiry is
//! kept by the lots. A counter never redeems more than the customer's
//! usable points (the lots it sees), and never more than its allowance.

use crate::apply::{IncomingEvent, Outcome, resolve_customer};
use crate::error::{Result, StoreError};
use crate::time::ms;
use crate::{Store, customers, outbox};
use chrono::{DateTime, Utc};
use dangol_domain::ids::IdSource;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A claim on the pool.
pub const CLAIMED: &str = "points.claimed";
/// Points handed back to the pool.
pub const RETURNED: &str = "points.returned";

#[derive(Debug, Serialize, Deserialize)]
struct Move {
    customer: Uuid,
    points: i64,
}

/// Whether escrow is in force: this counter has joined a shop's hub (a
/// counter on its own holds all its customers' points).
pub(crate) fn in_force(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT joined_at IS NOT NULL FROM sync_state WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

/// What counter `device` holds of `customer`'s points, as known here. For
/// this counter (`own`) that is never more than it may spend or take back:
/// points a refund made here gives back count once the hub's order has
/// placed it. Another counter cut off from this one may have refunded the
/// same sale first, and then this one's is voided (`refund::void_own`);
/// spent before that, they would be spent twice, once at each counter.
pub(crate) fn held(conn: &Connection, customer: i64, device: Uuid, own: Uuid) -> Result<i64> {
    let ledger: i64 = if device == own {
        conn.prepare_cached(&format!(
            "SELECT coalesce(sum(points), 0) FROM points_ledger
             WHERE customer = ?1 AND kind != 'expire' AND (device IS NULL OR device = ?2)
             AND NOT (kind = 'reverse' AND points > 0 AND rid IN ({}))",
            crate::ledger::UNPLACED
        ))?
        .query_row(params![customer, device.as_bytes()], |r| r.get(0))?
    } else {
        conn.prepare_cached(
            "SELECT coalesce(sum(points), 0) FROM points_ledger WHERE customer = ?1 AND kind != 'expire' AND device = ?2",
        )?
        .query_row(params![customer, device.as_bytes()], |r| r.get(0))?
    };
    let moved: i64 = conn
        .prepare_cached(
            "SELECT coalesce(sum(points), 0) FROM (
                SELECT CASE kind WHEN 'claim' THEN coalesce(granted, 0) ELSE -asked END AS points
                FROM escrow_moves WHERE customer = ?1 AND device = ?2
                UNION ALL SELECT points FROM escrow_shifts WHERE customer = ?1 AND device = ?2)",
        )?
        .query_row(params![customer, device.as_bytes()], |r| r.get(0))?;
    ledger.checked_add(moved).ok_or_else(overflow)
}

/// The pool's points for `customer`, in the hub's order as applied here.
pub(crate) fn pool(conn: &Connection, customer: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT points FROM escrow_pool WHERE customer = ?1")?
        .query_row([customer], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// Checks a redemption of `wanted` points at this counter against its
/// allowance. Returns the points redeemed beyond the allowance under the
/// owner's overdraft (0 when none), or refuses.
pub(crate) fn check_redeem(
    conn: &Connection,
    customer: i64,
    own: Uuid,
    wanted: i64,
    balance: i64,
    overdraft: i64,
) -> Result<i64> {
    if wanted <= 0 || !in_force(conn)? {
        return Ok(0);
    }
    let held_here = held(conn, customer, own, own)?.max(0);
    if wanted <= held_here {
        return Ok(0);
    }
    let beyond = wanted - held_here;
    if beyond <= overdraft {
        return Ok(beyond);
    }
    Err(StoreError::PointsElsewhere { wanted, held_here, balance })
}

/// What this counter may redeem for a customer with `usable` points:
/// `None` while escrow is not in force (all of them), else no more than it
/// holds plus the owner's overdraft.
pub(crate) fn redeemable(conn: &Connection, customer: i64, usable: i64) -> Result<Option<i64>> {
    if !in_force(conn)? {
        return Ok(None);
    }
    let own = crate::settings::device_id(conn)?;
    let overdraft = crate::settings::loyalty(conn)?.offline_overdraft_points;
    Ok(Some(usable.min(held(conn, customer, own, own)?.max(0).saturating_add(overdraft)).max(0)))
}

/// What a refund here may take back of the points a sale earned: all of
/// them, or, once escrow is in force, no more than this counter holds.
pub(crate) fn take_back_cap(conn: &Connection, customer: i64, own: Uuid, earned: i64) -> Result<i64> {
    if !in_force(conn)? {
        return Ok(earned);
    }
    // Not what an unplaced refund gave back here: were that refund voided
    // (another counter's refund of the same sale placed first, and the
    // customer's points spent there), the take-back would leave the
    // customer owing what no counter holds. What is not taken is reported.
    Ok(earned.min(held(conn, customer, own, own)?.max(0)))
}

/// Applies a claim or a return at its place in the hub's order: this
/// counter's own (coming back from the hub) or another counter's. Returns
/// `None` for other kinds.
pub(crate) fn observe(tx: &Connection, e: &IncomingEvent) -> Result<Option<Outcome>> {
    let kind = match e.kind.as_str() {
        CLAIMED => "claim",
        RETURNED => "return",
        _ => return Ok(None),
    };
    let m: Move = match serde_json::from_str(&e.payload) {
        Ok(m) => m,
        Err(err) => return Ok(Some(Outcome::Quarantined(format!("the payload of {} cannot be read: {err}", e.kind)))),
    };
    if m.points <= 0 {
        return Ok(Some(Outcome::Quarantined(format!("{} of {} points", e.kind, m.points))));
    }
    let Some(customer) = resolve_customer(tx, m.customer)? else {
        return Ok(Some(Outcome::Quarantined(format!("customer {} is not known here", m.customer))));
    };
    let placed: Option<Option<i64>> = tx
        .prepare_cached("SELECT pos FROM escrow_moves WHERE event_id = ?1")?
        .query_row([e.event_id.as_bytes()], |r| r.get(0))
        .optional()?;
    if matches!(placed, Some(Some(_))) {
        return Ok(Some(Outcome::Applied));
    }
    let pool_now = pool(tx, customer)?;
    let (granted, pool_after) = match kind {
        "claim" => {
            let g = m.points.min(pool_now);
            (g, pool_now - g)
        }
        _ => (
            m.points,
            pool_now.checked_add(m.points).ok_or_else(|| {
                StoreError::bad_input("points", "풀의 포인트가 너무 큽니다", "the pool's points overflow")
            })?,
        ),
    };
    tx.prepare_cached(
        "INSERT INTO escrow_moves (event_id, customer, device, kind, asked, granted, pos, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (event_id) DO UPDATE SET customer = excluded.customer, granted = excluded.granted, pos = excluded.pos",
    )?
    .execute(params![
        e.event_id.as_bytes(),
        customer,
        e.device.as_bytes(),
        kind,
        m.points,
        granted,
        e.pos,
        e.at_ms
    ])?;
    tx.prepare_cached(
        "INSERT INTO escrow_pool (customer, points) VALUES (?1, ?2)
         ON CONFLICT (customer) DO UPDATE SET points = excluded.points",
    )?
    .execute(params![customer, pool_after])?;
    if kind == "return" {
        cover_after(tx, e.event_id, &[customer])?;
    }
    Ok(Some(Outcome::Applied))
}

/// What each counter holds of a customer's points as the hub's order has
/// placed them so far, the same at every counter applying an event at the
/// same place: every other counter's entries and moves applied here, and
/// this counter's own only once placed (its entries of events not yet
/// passed back, and its moves not yet back, are left out).
fn placed_allowances(tx: &Connection, customer: i64, own: Uuid) -> Result<BTreeMap<Uuid, i64>> {
    let rows: Vec<(Vec<u8>, i64)> = tx
        .prepare_cached(&format!(
            "SELECT coalesce(device, ?2), points FROM points_ledger
             WHERE customer = ?1 AND kind != 'expire' AND rid NOT IN ({})
             UNION ALL SELECT device, CASE kind WHEN 'claim' THEN coalesce(granted, 0) ELSE -asked END
             FROM escrow_moves WHERE customer = ?1 AND pos IS NOT NULL
             UNION ALL SELECT device, points FROM escrow_shifts WHERE customer = ?1",
            crate::ledger::UNPLACED
        ))?
        .query_map(params![customer, own.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out: BTreeMap<Uuid, i64> = BTreeMap::new();
    for (device, points) in rows {
        // A CHECK keeps every device 16 bytes.
        let held = out.entry(Uuid::from_slice(&device).unwrap_or_default()).or_default();
        *held = held.checked_add(points).ok_or_else(overflow)?;
    }
    Ok(out)
}

fn overflow() -> StoreError {
    StoreError::bad_input("points", "합계가 너무 큽니다", "the sum overflows")
}

/// Squares the allowances of the two customers an undone merge left
/// (`sides`), at the undo's place in the hub's order. The moves made while
/// they were one customer stay with the survivor while every entry goes
/// back to its side, so a counter can hold less than nothing on one side
/// (the points it returned were earned on the other) and others more than
/// the side has. Each side is covered from its pool and then from the
/// counters holding the most there (`cover`): the undo re-divides what was
/// one customer's, so what a counter held of it is no longer what it
/// believed anyway (its spends of the one customer, made unaware of the
/// undo, are that side's debt with or without the cover), and once it
/// learns of the undo it holds what the side has.
pub(crate) fn square_allowances(tx: &Connection, undo: Uuid, sides: [i64; 2]) -> Result<()> {
    let own = crate::settings::device_id(tx)?;
    let sides: &[i64] = if sides[0] == sides[1] { &sides[..1] } else { &sides };
    for &customer in sides {
        cover(tx, undo, customer, placed_allowances(tx, customer, own)?, Takers::PoolThenCounters)?;
    }
    Ok(())
}

/// After `event`, at its place in the hub's order, wrote points entries
/// (applied from another counter, or this counter's own passed back) or
/// returned points for `customers`: covers any counter below zero from the
/// pool. A counter goes below zero by the owner's overdraft, by spending
/// (unaware of an undone merge) the one customer's points the undo gave to
/// the other side, or by returning what an undo's cover took meanwhile.
/// Only the pool gives: a counter's allowance shrinks only by what it does
/// itself, so what it believes it holds is never more than it holds. What
/// the pool cannot cover leaves the customer `escrow_short`: the counters
/// holding its points return what is missing at their next round
/// (`escrow_rebalance`), and the cover at that return's place gives it.
pub(crate) fn cover_after(tx: &Connection, event: Uuid, customers: &[i64]) -> Result<()> {
    if customers.is_empty() {
        return Ok(());
    }
    let own = crate::settings::device_id(tx)?;
    for &customer in customers {
        cover(tx, event, customer, placed_allowances(tx, customer, own)?, Takers::Pool)?;
    }
    Ok(())
}

/// The highest points entry so far (taken before an event is applied).
pub(crate) fn ledger_mark(tx: &Connection) -> Result<i64> {
    Ok(tx.prepare_cached("SELECT coalesce(max(rid), 0) FROM points_ledger")?.query_row([], |r| r.get(0))?)
}

/// The customers whose allowances may need a cover after entries written
/// since `mark`: those the entries took points from (a counter may have
/// gone below zero), and those already short (a counter's own earnings
/// may have filled its hole).
pub(crate) fn to_cover_since(tx: &Connection, mark: i64) -> Result<Vec<i64>> {
    Ok(tx
        .prepare_cached(
            "SELECT DISTINCT customer FROM points_ledger WHERE rid > ?1
             AND (points < 0 OR customer IN (SELECT customer FROM escrow_short)) ORDER BY customer",
        )?
        .query_map([mark], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// The same for this counter's own event `seq`, passed back by the hub.
pub(crate) fn to_cover_by_own(tx: &Connection, seq: i64) -> Result<Vec<i64>> {
    Ok(tx
        .prepare_cached(
            "SELECT DISTINCT p.customer FROM own_points o JOIN points_ledger p ON p.rid = o.entry
             WHERE o.seq = ?1 AND (p.points < 0 OR p.customer IN (SELECT customer FROM escrow_short))
             ORDER BY p.customer",
        )?
        .query_map([seq], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Who gives to a counter below zero.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Takers {
    Pool,
    PoolThenCounters,
}

/// Brings every counter below zero in `held` (a customer's allowances as
/// placed) towards zero, from the pool and, at an undo, then from the
/// counters holding the most (ties by device id); the short counters are
/// filled in device order. Recorded as `event`'s shifts: the customer's
/// total (its balance before expiry) does not change, and every counter
/// applying `event` at its place writes the same shifts. Whether some
/// counter is still below zero is kept in `escrow_short`.
fn cover(tx: &Connection, event: Uuid, customer: i64, held: BTreeMap<Uuid, i64>, takers: Takers) -> Result<()> {
    let mut short: Vec<(Uuid, i64)> = held.iter().filter(|(_, h)| **h < 0).map(|(d, h)| (*d, -*h)).collect();
    let need = short.iter().try_fold(0i64, |s, (_, n)| s.checked_add(*n)).ok_or_else(overflow)?;
    let from_pool = need.min(pool(tx, customer)?);
    let mut found = from_pool;
    let mut shifts: BTreeMap<Uuid, i64> = BTreeMap::new();
    if takers == Takers::PoolThenCounters {
        let mut givers: Vec<(Uuid, i64)> = held.iter().filter(|(_, h)| **h > 0).map(|(d, h)| (*d, *h)).collect();
        givers.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        for (device, h) in givers {
            let take = (need - found).min(h);
            if take == 0 {
                break;
            }
            shifts.insert(device, -take);
            found += take;
        }
    }
    let still_short = found < need;
    short.sort();
    for (device, n) in short {
        let give = found.min(n);
        if give == 0 {
            break;
        }
        shifts.insert(device, give);
        found -= give;
    }
    let mut write =
        tx.prepare_cached("INSERT INTO escrow_shifts (event_id, customer, device, points) VALUES (?1, ?2, ?3, ?4)")?;
    for (device, points) in shifts {
        write.execute(params![event.as_bytes(), customer, device.as_bytes(), points])?;
    }
    if from_pool > 0 {
        tx.prepare_cached("UPDATE escrow_pool SET points = points - ?2 WHERE customer = ?1")?
            .execute(params![customer, from_pool])?;
    }
    let sql = match still_short {
        true => "INSERT OR IGNORE INTO escrow_short (customer) VALUES (?1)",
        false => "DELETE FROM escrow_short WHERE customer = ?1",
    };
    tx.prepare_cached(sql)?.execute([customer])?;
    Ok(())
}

/// What the other counters below zero for `customer` miss, as placed;
/// nothing while this counter is below zero itself (its own earnings fill
/// its own hole first).
fn missing_elsewhere(tx: &Connection, customer: i64, own: Uuid) -> Result<i64> {
    let held = placed_allowances(tx, customer, own)?;
    if held.get(&own).is_some_and(|h| *h < 0) {
        return Ok(0);
    }
    held.values().filter(|h| **h < 0).try_fold(0i64, |s, h| s.checked_sub(*h)).ok_or_else(overflow)
}

/// Writes one of this counter's moves: the event for the hub and the row
/// here, in the caller's transaction. A return leaves the allowance at
/// once; a claim counts once the hub's order has granted it.
fn write_move(store_tx: &Connection, w: &mut MoveWriter, customer: i64, kind: &str, points: i64) -> Result<()> {
    let id = customers::get_rid(store_tx, customer)?.customer.id;
    let event = if kind == "claim" { CLAIMED } else { RETURNED };
    let seq = outbox::append(store_tx, w.ids, w.device, w.at, event, &Move { customer: id, points })?;
    let event_id: Vec<u8> =
        store_tx.prepare_cached("SELECT event_id FROM outbox WHERE seq = ?1")?.query_row([seq], |r| r.get(0))?;
    store_tx
        .prepare_cached(
            "INSERT INTO escrow_moves (event_id, customer, device, kind, asked, granted, pos, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7)",
        )?
        .execute(params![
            event_id,
            customer,
            w.device.as_bytes(),
            kind,
            points,
            (kind == "return").then_some(points),
            ms(w.at)
        ])?;
    w.written += 1;
    Ok(())
}

struct MoveWriter<'a> {
    ids: &'a mut dyn IdSource,
    device: Uuid,
    at: DateTime<Utc>,
    written: usize,
}

/// Where a customer's points are, as this counter knows them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EscrowView {
    /// Escrow is in force (the counter syncs with a hub).
    pub in_force: bool,
    /// What this counter may redeem.
    pub held_here: i64,
    /// What the shop's pool holds, as of the last pull.
    pub pool: i64,
    /// This counter's claims the hub has not answered yet.
    pub claims_waiting: i64,
}

impl Store {
    /// Where a customer's points are held (see the module).
    pub fn escrow_view(&self, customer: Uuid) -> Result<EscrowView> {
        let row = customers::get(&self.conn, customer)?;
        let waiting: i64 = self
            .conn
            .prepare_cached(
                "SELECT coalesce(sum(asked), 0) FROM escrow_moves WHERE customer = ?1 AND device = ?2 AND kind = 'claim' AND pos IS NULL",
            )?
            .query_row(params![row.rid, self.device.as_bytes()], |r| r.get(0))?;
        Ok(EscrowView {
            in_force: in_force(&self.conn)?,
            held_here: held(&self.conn, row.rid, self.device, self.device)?,
            pool: pool(&self.conn, row.rid)?,
            claims_waiting: waiting,
        })
    }

    /// Claims `points` from the pool for `customer` (the next sync round
    /// carries the claim; the hub's order decides what is granted).
    pub fn escrow_claim(&mut self, customer: Uuid, points: i64, ids: &mut dyn IdSource) -> Result<()> {
        dangol_domain::rules::in_range("points", points, 1, crate::admin::MAX_POINTS_ADJUST)?;
        let ctx = self.write_ctx()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if !in_force(&tx)? {
            return Err(StoreError::bad_input(
                "points",
                "허브에 연결된 계산대만 포인트를 요청할 수 있습니다",
                "only a counter that syncs with a hub claims points",
            ));
        }
        let rid = customers::get(&tx, customer)?.rid;
        let mut w = MoveWriter { ids, device: ctx.device, at: ctx.now, written: 0 };
        write_move(&tx, &mut w, rid, "claim", points)?;
        tx.commit()?;
        Ok(())
    }

    /// Moves points to where the customers are (run after each pull):
    /// returns what this counter holds for customers whose last visit was
    /// at another counter, and claims the pool for customers whose last
    /// visit was here and who have no claim waiting. Returns the moves
    /// written (they go to the hub in the same round).
    pub fn escrow_rebalance(&mut self, ids: &mut dyn IdSource) -> Result<usize> {
        let ctx = self.write_ctx()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if !in_force(&tx)? {
            return Ok(0);
        }
        let own = ctx.device;
        let (sale_mark, pos_mark): (i64, i64) = tx
            .query_row("SELECT sale_rid, pos FROM escrow_mark WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((0, 0));
        // Customers touched since the last look (a visit anywhere, points
        // returned to the pool), each with whether their last visit (not a
        // refund) was here.
        let candidates: Vec<(i64, bool)> = {
            let mut stmt = tx.prepare_cached(
                "WITH touched AS (
                    SELECT customer FROM sales WHERE rid > ?2 AND customer IS NOT NULL
                    UNION SELECT customer FROM escrow_moves WHERE kind = 'return' AND pos > ?3
                 )
                 SELECT t.customer,
                        coalesce((SELECT s.device FROM sales s WHERE s.customer = t.customer AND s.reverses IS NULL
                                  ORDER BY s.at DESC, s.rid DESC LIMIT 1) = ?1, 0)
                 FROM touched t ORDER BY t.customer",
            )?;
            stmt.query_map(params![own.as_bytes(), sale_mark, pos_mark], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        let mut w = MoveWriter { ids, device: own, at: ctx.now, written: 0 };
        for (customer, last_here) in candidates {
            if last_here {
                let in_pool = pool(&tx, customer)?;
                let waiting: bool = tx
                    .prepare_cached(
                        "SELECT EXISTS (SELECT 1 FROM escrow_moves WHERE customer = ?1 AND device = ?2 AND kind = 'claim' AND pos IS NULL)",
                    )?
                    .query_row(params![customer, own.as_bytes()], |r| r.get(0))?;
                if in_pool > 0 && !waiting {
                    write_move(&tx, &mut w, customer, "claim", in_pool)?;
                }
            } else {
                let here = held(&tx, customer, own, own)?;
                if here > 0 {
                    write_move(&tx, &mut w, customer, "return", here)?;
                }
            }
        }
        // A counter below zero for a customer whose points this counter
        // holds: return what it misses (the cover at the return's place
        // gives it), unless a return of this counter's is on its way.
        let short: Vec<i64> = tx
            .prepare_cached("SELECT customer FROM escrow_short ORDER BY customer")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for customer in short {
            let returning: bool = tx
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM escrow_moves WHERE customer = ?1 AND device = ?2 AND kind = 'return' AND pos IS NULL)",
                )?
                .query_row(params![customer, own.as_bytes()], |r| r.get(0))?;
            if returning {
                continue;
            }
            let give = missing_elsewhere(&tx, customer, own)?.min(held(&tx, customer, own, own)?);
            if give > 0 {
                write_move(&tx, &mut w, customer, "return", give)?;
            }
        }
        tx.execute(
            "INSERT INTO escrow_mark (id, sale_rid, pos)
             VALUES (1, (SELECT coalesce(max(rid), 0) FROM sales), (SELECT coalesce(max(pos), 0) FROM escrow_moves))
             ON CONFLICT (id) DO UPDATE SET sale_rid = excluded.sale_rid, pos = excluded.pos",
            [],
        )?;
        let written = w.written;
        tx.commit()?;
        Ok(written)
    }
}

/// Records a redemption beyond the allowance under the owner's overdraft,
/// for the owner to see.
pub(crate) fn record_overdraft(
    tx: &Connection,
    at: DateTime<Utc>,
    customer: Uuid,
    sale: Uuid,
    beyond: i64,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_anomalies (at, kind, subject, detail, event_id) VALUES (?1, ?2, ?3, ?4, NULL)",
    )?
    .execute(params![
        ms(at),
        "points_overdraft",
        customer.to_string(),
        serde_json::json!({"sale": sale, "beyond_allowance": beyond}).to_string()
    ])?;
    Ok(())
}

impl Store {
    /// Every counter's allowance for a customer and the pool, as known
    /// here (for the owner's checks and tests): they add up to the balance
    /// before expiry, once the hub has placed this counter's refunds (what
    /// they give back is not this counter's to spend before).
    pub fn escrow_allowances(&self, customer: Uuid) -> Result<(Vec<(Uuid, i64)>, i64)> {
        let rid = customers::get(&self.conn, customer)?.rid;
        let mut devices: Vec<Uuid> = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT device FROM points_ledger WHERE customer = ?1 AND device IS NOT NULL
                 UNION SELECT device FROM escrow_moves WHERE customer = ?1
                 UNION SELECT device FROM escrow_shifts WHERE customer = ?1",
            )?
            .query_map([rid], |r| r.get::<_, Vec<u8>>(0))?
            .filter_map(|b| b.ok().and_then(|b| Uuid::from_slice(&b).ok()))
            .collect();
        if !devices.contains(&self.device) {
            devices.push(self.device);
        }
        devices.sort();
        let mut out = Vec::with_capacity(devices.len());
        for d in devices {
            out.push((d, held(&self.conn, rid, d, self.device)?));
        }
        Ok((out, pool(&self.conn, rid)?))
    }
}

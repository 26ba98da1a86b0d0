//! Refunds (owner only): a new sale row that negates the original, never an
//! edit. Redeemed points go back to the lots they were taken from; the
//! points the sale earned are taken back from its own lot, and what the
//! customer already spent of them from the lots that expire first, never
//! below zero (what cannot be recovered is reported, not invented). Stamps
//! likewise; coupons the sale used become usable again.

use crate::counter::RefundReceipt;
use crate::error::{Result, StoreError};
use crate::owner::Owner;
use crate::time::{from_ms, ms};
use crate::{Store, audit, customers, ledger, outbox};
use chrono::DateTime;
use chrono::Utc;
use dangol_domain::ids::IdSource;
use dangol_domain::loyalty::LedgerKind;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use uuid::Uuid;

impl Store {
    /// Reverses a sale.
    pub fn refund(
        &mut self,
        _owner: &Owner,
        sale_id: Uuid,
        reason: &str,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<RefundReceipt> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(StoreError::BadInput {
                what: "refund reason",
                reason: crate::error::say(
                    "환불 사유(1~200자)가 필요합니다",
                    "a refund needs a reason of 1-200 characters",
                ),
            });
        }
        let ctx = self.write_ctx()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        type Row = (i64, Option<i64>, i64, [i64; 7], Option<i64>);
        let original: Row = tx
            .query_row(
                "SELECT rid, customer, at, subtotal, discount_total, total, points_earned, points_redeemed, stamps_earned, stamps_redeemed, reverses FROM sales WHERE id = ?1",
                [sale_id.as_bytes()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, [r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?], r.get(10)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::not_found("sale", sale_id))?;
        let (orig_rid, customer_rid, sold_at, n, reverses) = original;
        let [_, _, total, p_earned, p_redeemed, _, _] = n;
        if reverses.is_some() {
            return Err(StoreError::BadInput {
                what: "refund",
                reason: crate::error::say(
                    format!("판매 {sale_id}은(는) 그 자체가 환불입니다"),
                    format!("sale {sale_id} is itself a reversal"),
                ),
            });
        }
        let already: bool =
            tx.query_row("SELECT EXISTS (SELECT 1 FROM sales WHERE reverses = ?1)", [orig_rid], |r| r.get(0))?;
        if already {
            return Err(StoreError::AlreadyReversed { sale: sale_id.to_string() });
        }
        ctx.check(
            &tx,
            ids,
            at,
            Some(crate::clock::NotBefore { at: from_ms(sold_at), ko: "환불할 판매", en: "the sale it refunds" }),
            "refund",
        )?;
        let reversal_id = ids.next_id(at);
        let reversed = Original { rid: orig_rid, customer: customer_rid, totals: n };
        let Reversal {
            points_balance,
            stamps_balance,
            unrecovered,
            stamps_unrecovered,
            taken,
            points_rows,
            taken_parts,
            ..
        } = write_reversal(&tx, &reversed, reversal_id, at, reason, ctx.device, None, None)?;
        audit::record(
            &tx,
            ids,
            ctx.device,
            at,
            audit::Entry::owner("sale.refunded", sale_id.to_string())
                .before(serde_json::json!({"total": total, "points_earned": p_earned, "points_redeemed": p_redeemed}))
                .after(serde_json::json!({"reversal_id": reversal_id, "points_balance": points_balance, "points_unrecovered": unrecovered}))
                .note(reason),
        )?;
        let seq = outbox::append(
            &tx,
            ids,
            ctx.device,
            at,
            "sale.reversed",
            &serde_json::json!({
                "reversal_id": reversal_id, "original_id": sale_id, "reason": reason, "total": -total,
                "points_unrecovered": unrecovered, "stamps_unrecovered": stamps_unrecovered,
                "points_taken": taken, "taken_parts": taken_parts,
            }),
        )?;
        ledger::claim_own(&tx, &points_rows, seq)?;
        tx.commit()?;
        Ok(RefundReceipt {
            reversal_id,
            original_id: sale_id,
            total: -total,
            points_balance,
            stamps_balance,
            points_unrecovered: unrecovered,
            stamps_unrecovered,
        })
    }
}

/// Removes this counter's own reversal of sale `original` (row id) when
/// another counter's reversal of it comes first in the hub's order: the
/// two counters refunded it while cut off from each other, and every
/// other counter keeps the first. Only a reversal whose event the hub has
/// not passed back yet is removed (one passed back came first), and only
/// while no other entry names one of its points lots (an undone merge
/// squares placed entries only, so none of its entries is squared). Its
/// audit entry stays: the owner did refund it. Returns the removed
/// reversal's id; the caller then writes the first one.
pub(crate) fn void_own(tx: &rusqlite::Connection, original: i64) -> Result<Option<Uuid>> {
    let own = crate::settings::device_id(tx)?;
    let row: Option<(i64, Vec<u8>)> = tx
        .prepare_cached("SELECT rid, id FROM sales WHERE reverses = ?1 AND device = ?2")?
        .query_row(params![original, own.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((rid, id)) = row else { return Ok(None) };
    // A CHECK keeps every id 16 bytes.
    let id = Uuid::from_slice(&id).unwrap_or_default();
    let unplaced: bool = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE kind = 'sale.reversed' AND json_extract(payload, '$.reversal_id') = ?1
             AND seq > (SELECT placed_seq FROM sync_state WHERE id = 1 AND joined_at IS NOT NULL))",
        )?
        .query_row([id.to_string()], |r| r.get(0))?;
    let drawn_elsewhere: bool = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM points_ledger o WHERE o.sale IS NOT ?1
             AND o.lot IN (SELECT rid FROM points_ledger WHERE sale = ?1))",
        )?
        .query_row([rid], |r| r.get(0))?;
    if !unplaced || drawn_elsewhere {
        return Ok(None);
    }
    let entries = "SELECT rid FROM points_ledger WHERE sale = ?1";
    let stamps = "SELECT rid FROM stamp_ledger WHERE sale = ?1";
    tx.prepare_cached("INSERT INTO voiding (sale) VALUES (?1)")?.execute([rid])?;
    for sql in [
        format!("DELETE FROM own_points WHERE entry IN ({entries})"),
        format!(
            "DELETE FROM registration_rows WHERE (tbl = 'points_ledger' AND row IN ({entries}))
             OR (tbl = 'stamp_ledger' AND row IN ({stamps})) OR (tbl = 'sales' AND row = ?1)"
        ),
        "DELETE FROM points_ledger WHERE sale = ?1".to_string(),
        "DELETE FROM stamp_ledger WHERE sale = ?1".to_string(),
        "DELETE FROM sale_lines WHERE sale = ?1".to_string(),
        "DELETE FROM sales WHERE rid = ?1".to_string(),
        "DELETE FROM voiding WHERE sale = ?1".to_string(),
    ] {
        tx.prepare_cached(&sql)?.execute([rid])?;
    }
    Ok(Some(id))
}

/// The sale a reversal negates: its row id, customer and totals
/// (subtotal, discount_total, total, points earned and redeemed, stamps
/// earned and redeemed).
pub(crate) struct Original {
    pub rid: i64,
    pub customer: Option<i64>,
    pub totals: [i64; 7],
}

/// What a refund could not take back at the counter that made it: carried
/// in its event so other counters take back exactly the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unrecovered<'a> {
    pub points: i64,
    pub stamps: i64,
    /// The points its take-back removed there (absent in events written
    /// before it was carried: then what was earned less `points`). Points
    /// of the sale's lot that had expired there were not taken, and what
    /// had expired depends on what that counter knew, so only this says
    /// exactly what to take.
    pub taken: Option<i64>,
    /// The entries the take-back was written in there (each negative;
    /// empty in events from before they were carried).
    pub taken_parts: &'a [i64],
}

/// What a reversal left: balances, and what could not be taken back.
pub(crate) struct Reversal {
    pub points_balance: i64,
    pub stamps_balance: i64,
    pub unrecovered: i64,
    pub stamps_unrecovered: i64,
    /// Points the take-back removed (what other counters take).
    pub taken: i64,
    /// Points taken back beyond what the lots here held (another counter's
    /// refund applied exactly): the balance is below zero by this much.
    pub debt: i64,
    /// The points entries it wrote.
    pub points_rows: Vec<i64>,
    /// The entries the take-back was written in (each negative), for its
    /// event to carry.
    pub taken_parts: Vec<i64>,
}

/// Writes a sale's reversal (see the module's rules). A refund here and a
/// refund from another counter arriving by sync both write through here.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_reversal(
    tx: &rusqlite::Connection,
    original: &Original,
    reversal_id: Uuid,
    at: DateTime<Utc>,
    reason: &str,
    device: Uuid,
    recorded: Option<Unrecovered<'_>>,
    by: Option<Uuid>,
) -> Result<Reversal> {
    let (orig_rid, customer_rid) = (original.rid, original.customer);
    let [subtotal, discount_total, total, p_earned, p_redeemed, s_earned, s_redeemed] = original.totals;
    tx.execute(
        "INSERT INTO sales (id, customer, at, subtotal, discount_total, total, points_earned, points_redeemed, stamps_earned, stamps_redeemed, reverses, reason, device)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![reversal_id.as_bytes(), customer_rid, ms(at), -subtotal, -discount_total, -total, -p_earned, -p_redeemed, -s_earned, -s_redeemed, orig_rid, reason, device.as_bytes()],
    )?;
    let rev_rid = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO sale_lines (sale, line_no, sku, name, category, unit_price, qty, amount, discount)
         SELECT ?2, line_no, sku, name, category, unit_price, -qty, -amount, -discount FROM sale_lines WHERE sale = ?1",
        params![orig_rid, rev_rid],
    )?;
    let (mut points_balance, mut stamps_balance, mut unrecovered, mut stamps_unrecovered) = (0, 0, 0, 0);
    let (mut debt, mut taken_back) = (0, 0);
    let mut points_rows = Vec::new();
    let mut taken_parts = Vec::new();
    if let Some(crid) = customer_rid {
        let mut book = ledger::points_book(tx, crid)?;
        book.expire_through(at);
        // Redeemed points go back where the replay drew the sale's
        // redemption (`PointsBook`), one entry for each of its entries, so
        // every counter holding the same entries writes the same.
        let taken: Vec<(Option<i64>, i64)> = tx
            .prepare_cached("SELECT lot, -points FROM points_ledger WHERE sale = ?1 AND kind = 'redeem' ORDER BY rid")?
            .query_map([orig_rid], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let back = book.give_back(&taken, at);
        points_rows =
            ledger::write_points(tx, &mut book, crid, by, Some(rev_rid), Some("refund: redeemed points back"), &back)?;
        let earned_lot: Option<(i64, i64)> = tx
            .query_row(
                "SELECT rid, points FROM points_ledger WHERE sale = ?1 AND kind = 'earn' AND lot IS NULL AND points > 0",
                [orig_rid],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((lot, earned)) = earned_lot {
            // Another counter's refund takes back exactly what it took
            // there (the part no lot here covers becomes a debt), so every
            // counter's ledger sums alike.
            // A refund here takes back no more than this counter holds in
            // escrow; the rest is unrecovered, as when already spent.
            let target = match recorded {
                Some(r) => r.taken.unwrap_or(earned - r.points),
                None if by.is_none() => crate::escrow::take_back_cap(tx, crid, device, earned)?,
                None => earned,
            };
            // Worked out on the book as it stands here; an entry from
            // elsewhere is taken exactly (what the lots here did not
            // cover, as one entry naming no lot), and the replay, which
            // puts it at its moment, says what no lot covered: the debt.
            let mut take = match recorded {
                Some(r) if crate::ledger::parts_of(r.taken_parts, target) => dangol_domain::points::TakeBack {
                    entries: crate::ledger::as_written(at, LedgerKind::Reverse, r.taken_parts),
                    unrecovered: 0,
                },
                _ => book.take_back(lot, target, at),
            };
            let mut written = -take.entries.iter().map(|e| e.amount).sum::<i64>();
            if recorded.is_some() && written < target {
                take.entries.push(dangol_domain::points::NewPoints {
                    at,
                    kind: LedgerKind::Reverse,
                    amount: written - target,
                    expires_at: None,
                    lot: None,
                });
                written = target;
            }
            taken_back = written;
            taken_parts = take.entries.iter().map(|e| e.amount).collect();
            let owed = book.debt();
            unrecovered = recorded.map_or(take.unrecovered + (earned - target), |r| r.points);
            points_rows.extend(ledger::write_points(
                tx,
                &mut book,
                crid,
                by,
                Some(rev_rid),
                Some("refund: earned points back"),
                &take.entries,
            )?);
            debt = book.debt().saturating_sub(owed).max(0);
        }
        book.expire_through(at);
        points_balance = book.available(at);
        let stamps_now = ledger::stamps(tx, crid)? + s_redeemed;
        let stamps_back = match recorded {
            Some(r) => s_earned - r.stamps,
            None => s_earned.min(stamps_now.max(0)),
        };
        stamps_unrecovered = s_earned - stamps_back;
        ledger::write_stamps(tx, crid, Some(rev_rid), at, LedgerKind::Reverse, s_redeemed)?;
        ledger::write_stamps(tx, crid, Some(rev_rid), at, LedgerKind::Reverse, -stamps_back)?;
        stamps_balance = ledger::stamps(tx, crid)?;
        let coupons: Vec<i64> = tx
            .prepare_cached("SELECT coupon FROM sale_discounts WHERE sale = ?1 AND coupon IS NOT NULL")?
            .query_map([orig_rid], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for coupon in coupons {
            crate::checkout::settle_coupon(tx, coupon)?;
        }
        customers::refresh_visits(tx, crid)?;
    }
    Ok(Reversal {
        points_balance,
        stamps_balance,
        unrecovered,
        stamps_unrecovered,
        taken: taken_back,
        debt,
        points_rows,
        taken_parts,
    })
}

//! Completing a sale through the checkout gate, exactly once.
//!
//! Every checkout carries the id the counter made when the visit started,
//! and the sale is recorded under it: a second completion with that id (a
//! double press, a retry after a lost answer) returns the recorded sale and
//! never writes another. The sale, its lines and discounts, missed
//! discounts, points and stamps, coupons, the customer's visit counters, the
//! prompt log, the audit log for goodwill and the outbox event commit
//! together, durably, or not at all. A walk-in sale (no customer) is a sale
//! too: only rules about the cart and the moment apply, and nobody earns.

use crate::counter::Receipt;
use crate::error::{Result, StoreError, say};
use crate::owner::Owner;
use crate::prompts::{self, PromptAction};
use crate::standing::{load_standing, price, walk_in};
use crate::time::{from_ms, ms};
use crate::{Store, audit, customers, escrow, holds, ledger, outbox, settings};
use chrono::{DateTime, Utc};
use dangol_domain::catalog::Cart;
use dangol_domain::eligibility::Engine;
use dangol_domain::gate::{self, Decision, Missed};
use dangol_domain::i18n::Lang;
use dangol_domain::ids::IdSource;
use dangol_domain::loyalty::LedgerKind;
use dangol_domain::money::format_won;
use dangol_domain::points::open_lot;
use dangol_domain::sale::{self, AppliedDiscount, DraftCustomer, GOODWILL_ID, SaleDraft, SaleLine};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use uuid::Uuid;

/// A checkout request.
#[derive(Debug, Clone)]
pub struct CheckoutRequest {
    /// The visit's id, made by the counter when the visit started. The sale
    /// is recorded under it, so completing twice records one sale.
    pub visit: Uuid,
    /// `None` for a walk-in sale.
    pub customer: Option<Uuid>,
    pub cart: Cart,
    pub decision: Decision,
    pub at: DateTime<Utc>,
    pub lang: Lang,
    /// A goodwill discount the cashier grants, if any.
    pub goodwill: Option<GoodwillRequest>,
    /// The cashier confirmed an unusually large sale.
    pub confirm_large: bool,
}

/// A goodwill discount as asked for at the counter. Above the owner's limit
/// it needs the owner's PIN.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct GoodwillRequest {
    pub amount: i64,
    pub reason: String,
    #[serde(default)]
    pub owner_pin: Option<String>,
}

impl Store {
    /// A checkout whose goodwill, above the cashier's limit, is approved by
    /// the owner's PIN carried in the request (checked here first).
    pub fn checkout_with_pin(&mut self, req: &CheckoutRequest, ids: &mut dyn IdSource) -> Result<Receipt> {
        let pin = req.goodwill.as_ref().and_then(|g| g.owner_pin.as_deref()).map(str::trim).filter(|p| !p.is_empty());
        let owner = match pin {
            Some(pin) if find_sale(&self.conn, req.visit)?.is_none() => Some(self.authenticate_owner(pin, ids)?),
            _ => None,
        };
        self.checkout(req, owner.as_ref(), ids)
    }

    /// Completes a sale through the gate, or returns the sale already
    /// recorded under this visit's id.
    pub fn checkout(
        &mut self,
        req: &CheckoutRequest,
        owner: Option<&Owner>,
        ids: &mut dyn IdSource,
    ) -> Result<Receipt> {
        if let Some(recorded) = self.recorded_checkout(req)? {
            return Ok(recorded);
        }
        let ctx = self.write_ctx()?;
        let zone = self.zone;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = req.customer.map(|id| customers::get(&tx, id)).transpose()?;
        ctx.check(&tx, ids, req.at, row.as_ref().map(customers::CustomerRow::registered), "sale")?;
        let priced = price(&tx, &req.cart)?;
        if priced.lines.is_empty() {
            return Err(StoreError::Domain(dangol_domain::DomainError::InvalidCart {
                problem: dangol_domain::error::CartProblem::Empty,
            }));
        }
        let subtotal = priced.subtotal();
        let max_qty = priced.lines.iter().map(|l| l.qty).max().unwrap_or(0);
        let large = settings::large_sale(&tx)?;
        if (subtotal >= large || max_qty >= settings::LARGE_QTY) && !req.confirm_large {
            return Err(StoreError::LargeSale { subtotal, limit: large, max_qty });
        }
        let loaded = self.rules.get(&tx)?;
        let rules = &loaded.0[..];
        let loyalty = settings::loyalty(&tx)?;
        let mut standing = match &row {
            Some(r) => load_standing(&tx, &self.points, r, rules, req.at)?,
            None => walk_in(),
        };
        // Points other open holds set aside are not this sale's to spend;
        // the hold in hand, if any, is (and this sale captures it). Holds
        // are judged by the store's clock, as they were made: a register's
        // moment a little ahead neither ends a hold early nor frees another.
        match (&row, self.hold_in_hand) {
            (Some(r), hold) => {
                if let Some(h) = hold {
                    holds::capturable(&tx, h, r.rid, ctx.now)?;
                }
                holds::set_aside(&tx, &mut standing.facts, r.rid, ctx.now, hold)?;
            }
            (None, Some(_)) => {
                return Err(StoreError::BadInput {
                    what: "points hold",
                    reason: say("손님 없는 판매에는 포인트 보류를 쓸 수 없습니다", "a walk-in sale has no points hold"),
                });
            }
            (None, None) => {}
        }
        let engine = Engine::new(rules, &priced, &standing.facts, req.at, zone, req.lang);
        let eval = engine.evaluate();
        let cleared = gate::check(&engine, &eval, &req.decision)?;
        let limit = settings::goodwill_limit(&tx)?;
        let goodwill = match &req.goodwill {
            None => None,
            Some(g) => {
                let due = subtotal - cleared.applied.total_saving;
                if g.amount > due {
                    return Err(StoreError::BadInput {
                        what: "goodwill amount",
                        reason: crate::error::say(
                            format!("{}은(는) 결제할 금액 {}보다 많습니다", format_won(g.amount), format_won(due)),
                            format!("{} is more than the {} due", format_won(g.amount), format_won(due)),
                        ),
                    });
                }
                let approved = owner.is_some() && g.amount > limit;
                Some(sale::Goodwill::new(g.amount, &g.reason, limit, approved)?)
            }
        };
        let who = row.as_ref().map(|r| DraftCustomer { id: r.customer.id, tier: r.customer.tier });
        let checkout = sale::Checkout {
            customer: who.as_ref(),
            cart: &priced,
            eval: &eval,
            cleared: &cleared,
            rules,
            settings: &loyalty,
            goodwill: goodwill.as_ref(),
        };
        let mut draft = sale::draft(req.visit, &checkout, req.at);
        sort_for_receipt(&mut draft.discounts, &mut draft.missed);
        let rid = row.as_ref().map(|r| r.rid);
        let applied: Vec<&str> = cleared.applied_rules.iter().map(String::as_str).collect();
        let dismissed: Vec<(&str, &str)> =
            req.decision.dismiss.iter().map(|(id, reason)| (id.as_str(), reason.trim())).collect();
        let written = write_sale(
            &tx,
            &draft,
            rid.map(|r| (r, &mut standing.book)),
            ctx.device,
            &SaleEffects { applied_rules: &applied, dismissed: &dismissed, origin: Origin::Here, redeem_parts: &[] },
        )?;
        let expired = written.expired;
        if let Some(g) = &draft.goodwill {
            let entry = if g.approved_by_owner {
                audit::Entry::owner("goodwill.granted", req.visit.to_string())
            } else {
                audit::Entry::cashier("goodwill.granted", req.visit.to_string())
            };
            audit::record(
                &tx,
                ids,
                ctx.device,
                req.at,
                entry
                    .after(serde_json::json!({"amount": g.amount, "limit": limit, "approved_by_owner": g.approved_by_owner, "customer": req.customer}))
                    .note(g.reason.clone()),
            )?;
        }
        if rid.is_some() && expired > 0 {
            outbox::append(
                &tx,
                ids,
                ctx.device,
                req.at,
                "points.expired",
                &serde_json::json!({"customer": req.customer, "points": expired}),
            )?;
        }
        if let Some(h) = self.hold_in_hand {
            holds::capture(&tx, h, draft.id, ctx.now)?;
        }
        let payload = Completed { draft: &draft, redeem_parts: &written.redeem_parts, dismissed: &dismissed };
        let seq = outbox::append(&tx, ids, ctx.device, req.at, "sale.completed", &payload)?;
        ledger::claim_own(&tx, &written.points_rows, seq)?;
        let stamps_balance = standing.facts.stamps - draft.stamps_redeemed + draft.stamps_earned;
        tx.commit()?;
        Ok(Receipt {
            sale_id: draft.id,
            customer_id: req.customer,
            at: req.at,
            lines: draft.lines,
            subtotal: draft.subtotal,
            discount_total: draft.discount_total,
            total: draft.total,
            discounts: draft.discounts,
            missed: draft.missed,
            points_earned: draft.points_earned,
            points_redeemed: draft.points_redeemed,
            points_balance: if rid.is_some() { standing.book.available(req.at) } else { 0 },
            stamps_earned: draft.stamps_earned,
            stamps_redeemed: draft.stamps_redeemed,
            stamps_balance,
            replayed: false,
        })
    }

    /// The sale already recorded under this request's visit, if any: the
    /// same customer and cart give back its receipt; anything else is a
    /// conflict (the visit is over; the next customer needs a new one).
    fn recorded_checkout(&self, req: &CheckoutRequest) -> Result<Option<Receipt>> {
        let Some((rid, customer, reverses)) = find_sale(&self.conn, req.visit)? else {
            return Ok(None);
        };
        let conflict =
            |ko: &str, en: &str| StoreError::VisitConflict { visit: req.visit.to_string(), reason: say(ko, en) };
        if reverses {
            return Err(conflict("이 번호는 판매가 아니라 환불입니다", "this id is a refund, not a sale"));
        }
        let recorded_customer = match customer {
            Some(c) => Some(customers::get_rid(&self.conn, c)?.customer.id),
            None => None,
        };
        if recorded_customer != req.customer {
            return Err(conflict(
                "이 방문의 판매는 다른 고객으로 기록되었습니다. 다음 손님을 시작하세요",
                "its sale was recorded for another customer; start the next customer",
            ));
        }
        let priced = price(&self.conn, &req.cart)?;
        let receipt = stored_receipt(&self.conn, rid, self.now())?;
        let recorded = receipt.lines.iter().map(|l| (l.sku.as_str(), l.qty));
        if !recorded.eq(priced.lines.iter().map(|l| (l.sku.as_str(), l.qty))) {
            return Err(conflict(
                "이 방문의 판매는 다른 장바구니로 이미 끝났습니다. 다음 손님을 시작하세요",
                "its sale was already completed with a different cart; start the next customer",
            ));
        }
        Ok(Some(receipt))
    }
}

/// (rid, customer rid, is a reversal) of the sale with this id.
fn find_sale(conn: &Connection, id: Uuid) -> Result<Option<(i64, Option<i64>, bool)>> {
    Ok(conn
        .prepare_cached("SELECT rid, customer, reverses IS NOT NULL FROM sales WHERE id = ?1")?
        .query_row([id.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?)
}

/// Receipts list discounts by rule id (goodwill last) and missed discounts
/// by rule id, so a recorded sale reads back exactly as it was printed.
fn sort_for_receipt(discounts: &mut [AppliedDiscount], missed: &mut [Missed]) {
    discounts.sort_by(|a, b| (a.rule_id == GOODWILL_ID, &a.rule_id).cmp(&(b.rule_id == GOODWILL_ID, &b.rule_id)));
    missed.sort_by(|a, b| a.rule_id.cmp(&b.rule_id));
}

/// The receipt of a recorded sale, read back from the database (balances as
/// they are at `now`).
pub(crate) fn stored_receipt(conn: &Connection, rid: i64, now: DateTime<Utc>) -> Result<Receipt> {
    type Head = (Vec<u8>, Option<i64>, i64, [i64; 7]);
    let (id, customer, at, n): Head = conn.query_row(
        "SELECT id, customer, at, subtotal, discount_total, total, points_earned, points_redeemed, stamps_earned, stamps_redeemed FROM sales WHERE rid = ?1",
        [rid],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, [r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?])),
    )?;
    let [subtotal, discount_total, total, points_earned, points_redeemed, stamps_earned, stamps_redeemed] = n;
    let lines: Vec<SaleLine> = conn
        .prepare_cached(
            "SELECT sku, name, category, unit_price, qty, amount, discount FROM sale_lines WHERE sale = ?1 ORDER BY line_no",
        )?
        .query_map([rid], |r| {
            Ok(SaleLine {
                sku: r.get(0)?,
                name: r.get(1)?,
                category: r.get(2)?,
                unit_price: r.get(3)?,
                qty: r.get(4)?,
                amount: r.get(5)?,
                discount: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut discounts: Vec<AppliedDiscount> = conn
        .prepare_cached(
            "SELECT d.rule_id, d.name, d.saving, c.id FROM sale_discounts d LEFT JOIN coupons c ON c.rid = d.coupon WHERE d.sale = ?1",
        )?
        .query_map([rid], |r| {
            let coupon: Option<Vec<u8>> = r.get(3)?;
            Ok(AppliedDiscount {
                rule_id: r.get(0)?,
                name: r.get(1)?,
                saving: r.get(2)?,
                coupon_id: coupon.and_then(|c| Uuid::from_slice(&c).ok()),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut missed: Vec<Missed> = conn
        .prepare_cached("SELECT rule_id, name, saving, reason FROM missed_discounts WHERE sale = ?1")?
        .query_map([rid], |r| Ok(Missed { rule_id: r.get(0)?, name: r.get(1)?, saving: r.get(2)?, reason: r.get(3)? }))?
        .collect::<rusqlite::Result<_>>()?;
    sort_for_receipt(&mut discounts, &mut missed);
    let (customer_id, points_balance, stamps_balance) = match customer {
        Some(crid) => (
            Some(customers::get_rid(conn, crid)?.customer.id),
            ledger::points_book(conn, crid)?.available(now),
            ledger::stamps(conn, crid)?,
        ),
        None => (None, 0, 0),
    };
    Ok(Receipt {
        sale_id: Uuid::from_slice(&id).unwrap_or_default(),
        customer_id,
        at: from_ms(at),
        lines,
        subtotal,
        discount_total,
        total,
        discounts,
        missed,
        points_earned,
        points_redeemed,
        points_balance,
        stamps_earned,
        stamps_redeemed,
        stamps_balance,
        replayed: true,
    })
}

/// Inserts a sale row and its lines; returns the sale's row id.
pub(crate) fn insert_sale(
    conn: &Connection,
    d: &SaleDraft,
    customer_rid: Option<i64>,
    device: Uuid,
    reverses: Option<i64>,
    reason: Option<&str>,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO sales (id, customer, at, subtotal, discount_total, total, points_earned, points_redeemed, stamps_earned, stamps_redeemed, reverses, reason, device)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![d.id.as_bytes(), customer_rid, ms(d.at), d.subtotal, d.discount_total, d.total, d.points_earned, d.points_redeemed, d.stamps_earned, d.stamps_redeemed, reverses, reason, device.as_bytes()])?;
    let rid = conn.last_insert_rowid();
    let mut stmt = conn.prepare_cached("INSERT INTO sale_lines (sale, line_no, sku, name, category, unit_price, qty, amount, discount) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")?;
    for (i, l) in d.lines.iter().enumerate() {
        stmt.execute(params![rid, i as i64 + 1, l.sku, l.name, l.category, l.unit_price, l.qty, l.amount, l.discount])?;
    }
    Ok(rid)
}

/// Where a sale is being written. Here, at the counter that sells, a sale
/// that would redeem more points than the customer holds, or use a coupon
/// already used, is refused. A sale from another counter arriving by sync
/// already happened (offline, perhaps): it is recorded exactly as it was
/// (its points spent in full, the part no lot covers as a debt), so every
/// counter's ledger sums to the same balance whatever order sales arrive
/// in; a shortfall or a coupon used twice is reported for the owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Here,
    Elsewhere,
}

impl Origin {
    /// The counter a ledger entry is written for (`None`: this one).
    pub fn by(self, device: Uuid) -> Option<Uuid> {
        match self {
            Origin::Here => None,
            Origin::Elsewhere => Some(device),
        }
    }
}

/// The prompt-log side of a sale: the rules applied and the discounts
/// dismissed with their reasons.
pub(crate) struct SaleEffects<'a> {
    pub applied_rules: &'a [&'a str],
    pub dismissed: &'a [(&'a str, &'a str)],
    pub origin: Origin,
    /// From elsewhere: the entries the redemption was written in there
    /// (each negative; empty in events from before they were carried).
    pub redeem_parts: &'a [i64],
}

/// A sale as its event carries it: the draft, and the entries its
/// redemption was written in, so every counter writes the same
/// (`ledger::spent_elsewhere`).
#[derive(serde::Serialize)]
struct Completed<'a> {
    #[serde(flatten)]
    draft: &'a SaleDraft,
    #[serde(skip_serializing_if = "<[i64]>::is_empty")]
    redeem_parts: &'a [i64],
    /// Every discount the cashier dismissed, with the reason, as the
    /// prompt memory here records them (`missed` keeps only those the
    /// owner's report shows), so every counter records the same.
    #[serde(skip_serializing_if = "<[(&str, &str)]>::is_empty")]
    dismissed: &'a [(&'a str, &'a str)],
}

/// What writing a sale did beyond its rows.
pub(crate) struct WrittenSale {
    /// Points that expired at the sale's moment, before it.
    pub expired: i64,
    /// Points redeemed beyond what the lots held (only from elsewhere).
    pub short: i64,
    /// Coupons the sale used that another sale had already used.
    pub coupons_taken: Vec<Uuid>,
    /// The points entries it wrote.
    pub points_rows: Vec<i64>,
    /// The entries its redemption was written in (each negative), for its
    /// event to carry.
    pub redeem_parts: Vec<i64>,
}

/// Writes everything a completed sale is, from its draft: the sale and its
/// lines, points spent and earned, stamps, goodwill, discounts and the
/// coupons they used, missed discounts and near misses, the customer's visit counters and
/// the prompt log. Both a checkout at this counter and another counter's
/// sale arriving by sync write through here, so they cannot differ. A
/// single-use coupon already used by another sale goes to the earlier of
/// the two (by time, then sale id); the later is reported.
pub(crate) fn write_sale(
    tx: &Connection,
    draft: &SaleDraft,
    customer: Option<(i64, &mut dangol_domain::points::PointsBook)>,
    device: Uuid,
    effects: &SaleEffects,
) -> Result<WrittenSale> {
    let rid = customer.as_ref().map(|(r, _)| *r);
    let sale_rid = insert_sale(tx, draft, rid, device, None, None)?;
    let mut written = WrittenSale {
        expired: 0,
        short: 0,
        coupons_taken: Vec::new(),
        points_rows: Vec::new(),
        redeem_parts: Vec::new(),
    };
    if let Some((crid, book)) = customer {
        written.expired = book.expire_through(draft.at);
        if draft.points_redeemed > 0 {
            let spend = match effects.origin {
                Origin::Here => {
                    let spend = book.spend(draft.points_redeemed, draft.at, LedgerKind::Redeem).map_err(|e| {
                        StoreError::BadInput {
                            what: "points",
                            reason: crate::error::say(
                                format!("{}점을 쓰려 했지만 쓸 수 있는 포인트는 {}점입니다", e.wanted, e.available),
                                format!("{} points to redeem, {} usable", e.wanted, e.available),
                            ),
                        }
                    })?;
                    // Once the counter syncs, only what it holds in escrow.
                    if escrow::in_force(tx)? {
                        let overdraft = settings::loyalty(tx)?.offline_overdraft_points;
                        let usable = book.available(draft.at);
                        let beyond = escrow::check_redeem(tx, crid, device, draft.points_redeemed, usable, overdraft)?;
                        if beyond > 0
                            && let Some(who) = draft.customer_id
                        {
                            escrow::record_overdraft(tx, draft.at, who, draft.id, beyond)?;
                        }
                    }
                    spend
                }
                // Written as there; what no lot here covers (once the
                // replay has it in its place) is a debt.
                Origin::Elsewhere => ledger::spent_elsewhere(
                    book,
                    effects.redeem_parts,
                    draft.points_redeemed,
                    draft.at,
                    LedgerKind::Redeem,
                ),
            };
            written.redeem_parts = spend.iter().map(|e| e.amount).collect();
            let debt = book.debt();
            let rows = ledger::write_points(tx, book, crid, effects.origin.by(device), Some(sale_rid), None, &spend)?;
            written.points_rows.extend(rows);
            written.short = book.debt().saturating_sub(debt).max(0);
        }
        if draft.points_earned > 0 {
            let lot = open_lot(draft.at, LedgerKind::Earn, draft.points_earned, draft.points_expire_at);
            let rows = ledger::write_points(tx, book, crid, effects.origin.by(device), Some(sale_rid), None, &[lot])?;
            written.points_rows.extend(rows);
        }
        ledger::write_stamps(tx, crid, Some(sale_rid), draft.at, LedgerKind::Redeem, -draft.stamps_redeemed)?;
        ledger::write_stamps(tx, crid, Some(sale_rid), draft.at, LedgerKind::Earn, draft.stamps_earned)?;
    }
    if let Some(g) = &draft.goodwill {
        tx.execute(
            "INSERT INTO goodwill (sale, amount, reason, approved_by_owner, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![sale_rid, g.amount, g.reason, g.approved_by_owner as i64, ms(draft.at)],
        )?;
    }
    for d in &draft.discounts {
        let coupon_rid: Option<i64> = match d.coupon_id {
            None => None,
            Some(cid) => {
                let (crid, used): (i64, Option<i64>) = tx
                    .query_row("SELECT rid, used_sale FROM coupons WHERE id = ?1", [cid.as_bytes()], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()?
                    .ok_or_else(|| StoreError::not_found("coupon", cid))?;
                if used.is_some() {
                    if effects.origin == Origin::Here {
                        return Err(StoreError::bad_input(
                            "coupon",
                            "이 쿠폰은 이미 사용되었습니다",
                            "this coupon was already used",
                        ));
                    }
                    written.coupons_taken.push(cid);
                }
                Some(crid)
            }
        };
        tx.prepare_cached(
            "INSERT INTO sale_discounts (sale, rule_id, name, saving, coupon, customer) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![sale_rid, d.rule_id, d.name, d.saving, coupon_rid, rid])?;
        if let Some(coupon) = coupon_rid {
            settle_coupon(tx, coupon)?;
        }
    }
    for m in &draft.missed {
        tx.prepare_cached(
            "INSERT INTO missed_discounts (sale, rule_id, name, saving, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![sale_rid, m.rule_id, m.name, m.saving, m.reason])?;
    }
    for n in &draft.near_misses {
        let detail = serde_json::to_value(&n.reason).expect("plain data");
        let kind = detail.get("reason").and_then(|k| k.as_str()).unwrap_or("other").to_string();
        tx.prepare_cached(
            "INSERT OR IGNORE INTO near_misses (sale, rule_id, name, reason, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![sale_rid, n.rule_id, n.name, kind, detail.to_string()])?;
    }
    if let Some(crid) = rid {
        customers::count_visit(tx, crid, draft.at)?;
        for id in effects.applied_rules {
            prompts::record(tx, crid, draft.at, &format!("discount:{id}"), "discount", PromptAction::Accepted, None)?;
        }
        for (id, reason) in effects.dismissed {
            let key = format!("discount:{id}");
            prompts::record(tx, crid, draft.at, &key, "discount", PromptAction::Dismissed, Some(reason))?;
        }
    }
    Ok(written)
}

/// Gives a single-use coupon to the earliest sale (by time, then id) that
/// used it and stands (not refunded), or frees it when none does. The same
/// sales give the same holder, in whatever order they arrived.
pub(crate) fn settle_coupon(tx: &Connection, coupon: i64) -> Result<()> {
    tx.prepare_cached(
        "UPDATE coupons SET (used_sale, used_at) = (
             SELECT s.rid, s.at FROM sale_discounts d JOIN sales s ON s.rid = d.sale
             WHERE d.coupon = ?1 AND NOT EXISTS (SELECT 1 FROM sales r WHERE r.reverses = s.rid)
             ORDER BY s.at, s.id LIMIT 1)
         WHERE rid = ?1",
    )?
    .execute([coupon])?;
    Ok(())
}

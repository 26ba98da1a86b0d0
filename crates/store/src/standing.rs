//! What the engines need to know about a customer at a moment: the
//! standing (points lots, stamps, coupons, past uses of limited rules) that
//! checkout reads, and the wider context (recent visits, usual items and
//! interval, open complaints) that the counter shows and suggestions read.
//! A walk-in sale has a standing too: no customer, only the cart and the
//! moment.

use crate::counter::VisitView;
use crate::customers::CustomerRow;
use crate::error::Result;
use crate::time::from_ms;
use crate::{catalog, feedback, ledger};
use chrono::{DateTime, Utc};
use dangol_domain::catalog::{Cart, PricedCart};
use dangol_domain::eligibility::{CustomerFacts, RuleUse};
use dangol_domain::feedback::{Feedback, FeedbackKind};
use dangol_domain::loyalty::Coupon;
use dangol_domain::points::PointsBook;
use dangol_domain::rules::DiscountRule;
use dangol_domain::suggest::{HistorySummary, UsualItem};
use rusqlite::{Connection, params};
use uuid::Uuid;

/// What the eligibility engine and the gate need about one customer.
pub(crate) struct Standing {
    /// `facts.points` is what may be redeemed here: the usable points, or
    /// fewer once escrow is in force (`escrow::redeemable`).
    pub facts: CustomerFacts,
    pub book: PointsBook,
    /// The usable points, wherever they are held.
    pub usable: i64,
    /// Escrow in force: what this counter may redeem.
    pub held_here: Option<i64>,
}

/// Everything the engines and the counter need about one customer.
pub(crate) struct Context {
    pub row: CustomerRow,
    pub standing: Standing,
    pub history: HistorySummary,
    pub visit_times: Vec<DateTime<Utc>>,
    pub recent: Vec<VisitView>,
    pub open_complaints: Vec<Feedback>,
}

/// Prices a cart against the catalog.
pub(crate) fn price(conn: &Connection, cart: &Cart) -> Result<PricedCart> {
    let mut db_err = None;
    let priced = cart.price(|sku| match catalog::find(conn, sku) {
        Ok(p) => p,
        Err(e) => {
            db_err = Some(e);
            None
        }
    });
    if let Some(e) = db_err {
        return Err(e);
    }
    Ok(priced?)
}

/// A walk-in sale's standing: nobody to know anything about.
pub(crate) fn walk_in() -> Standing {
    Standing {
        facts: CustomerFacts { walk_in: true, ..Default::default() },
        book: PointsBook::default(),
        usable: 0,
        held_here: None,
    }
}

/// The customer's standing at a moment: points usable then (what is due to
/// expire already subtracted), stamps, coupons and past uses of limited
/// rules, and the points lots behind the balance.
pub(crate) fn load_standing(
    conn: &Connection,
    cache: &ledger::PointsCache,
    row: &CustomerRow,
    rules: &[DiscountRule],
    at: DateTime<Utc>,
) -> Result<Standing> {
    let rid = row.rid;
    let book = cache.book(conn, rid)?;
    let usable = book.available(at).max(0);
    let held_here = crate::escrow::redeemable(conn, rid, usable)?;
    let points = held_here.unwrap_or(usable);
    let stamps = ledger::stamps(conn, rid)?;
    let mut coupons = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT id, code, rule_id, issued_at, expires_at, used_at FROM coupons WHERE customer = ?1",
        )?;
        let rows = stmt.query_map([rid], |r| {
            let id: Vec<u8> = r.get(0)?;
            let used: Option<i64> = r.get(5)?;
            Ok(Coupon {
                id: Uuid::from_slice(&id).unwrap_or_default(),
                code: r.get(1)?,
                rule_id: r.get(2)?,
                issued_at: from_ms(r.get(3)?),
                expires_at: from_ms(r.get(4)?),
                used_at: used.map(from_ms),
            })
        })?;
        for c in rows {
            coupons.push(c?);
        }
    }
    let mut rule_uses = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT s.at FROM sale_discounts d JOIN sales s ON s.rid = d.sale
             WHERE d.customer = ?1 AND d.rule_id = ?2 AND s.reverses IS NULL AND NOT EXISTS (SELECT 1 FROM sales r WHERE r.reverses = s.rid)",
        )?;
        for rule in rules.iter().filter(|r| r.limit.is_some()) {
            for t in stmt.query_map(params![rid, rule.id], |r| r.get::<_, i64>(0))? {
                rule_uses.push(RuleUse { rule_id: rule.id.clone(), at: from_ms(t?) });
            }
        }
    }
    let facts = CustomerFacts {
        birth_date: row.customer.birth_date,
        tier: row.customer.tier,
        visits: row.visits.max(0) as u32,
        points,
        stamps,
        coupons,
        rule_uses,
        walk_in: false,
    };
    Ok(Standing { facts, book, usable, held_here })
}

/// The standing plus what the counter shows and the suggestions read.
pub(crate) fn load_context(
    conn: &Connection,
    cache: &ledger::PointsCache,
    row: CustomerRow,
    rules: &[DiscountRule],
    at: DateTime<Utc>,
) -> Result<Context> {
    let rid = row.rid;
    let standing = load_standing(conn, cache, &row, rules, at)?;
    let mut recent: Vec<(i64, VisitView)> = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT s.rid, s.id, s.at, s.total, (SELECT coalesce(sum(qty), 0) FROM sale_lines l WHERE l.sale = s.rid)
             FROM sales s WHERE s.customer = ?1 AND s.reverses IS NULL AND NOT EXISTS (SELECT 1 FROM sales r WHERE r.reverses = s.rid)
             ORDER BY s.at DESC LIMIT 20",
        )?;
        let rows = stmt.query_map([rid], |r| {
            let id: Vec<u8> = r.get(1)?;
            Ok((
                r.get::<_, i64>(0)?,
                VisitView {
                    sale_id: Uuid::from_slice(&id).unwrap_or_default(),
                    at: from_ms(r.get(2)?),
                    total: r.get(3)?,
                    items: r.get(4)?,
                },
            ))
        })?;
        for v in rows {
            recent.push(v?);
        }
    }
    let visit_times: Vec<DateTime<Utc>> = recent.iter().map(|(_, v)| v.at).collect();
    let mut usual_items = Vec::new();
    if !recent.is_empty() {
        let mut counts: Vec<(String, String, u32)> = Vec::new();
        let mut stmt = conn.prepare_cached("SELECT sku, name FROM sale_lines WHERE sale = ?1")?;
        for (sale_rid, _) in &recent {
            let mut seen: Vec<String> = Vec::new();
            for line in stmt.query_map([sale_rid], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
                let (sku, name) = line?;
                if seen.contains(&sku) {
                    continue;
                }
                match counts.iter_mut().find(|(s, _, _)| *s == sku) {
                    Some(c) => c.2 += 1,
                    None => counts.push((sku.clone(), name, 1)),
                }
                seen.push(sku);
            }
        }
        counts.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        usual_items = counts
            .into_iter()
            .take(5)
            .map(|(sku, name, n)| UsualItem { sku, name, share_pct: n * 100 / recent.len() as u32 })
            .collect();
    }
    // One definition of "usual" everywhere: the rhythm kept on the row (the
    // median gap between distinct shop-local visit days, `rhythm.rs`), as
    // the owner's review shows it, in whole days.
    let usual_interval_days = conn
        .prepare_cached("SELECT usual_gap FROM customers WHERE rid = ?1")?
        .query_row([rid], |r| r.get::<_, Option<f64>>(0))?
        .map(|gap| (gap.round() as i64).max(1));
    let open_complaints =
        feedback::open_for(conn, rid)?.into_iter().filter(|f| f.kind == FeedbackKind::Complaint).collect();
    let history = HistorySummary {
        visits: row.visits.max(0) as u32,
        last_visit: row.last_visit,
        usual_interval_days,
        usual_items,
    };
    Ok(Context {
        row,
        standing,
        history,
        visit_times,
        recent: recent.into_iter().map(|(_, v)| v).collect(),
        open_complaints,
    })
}

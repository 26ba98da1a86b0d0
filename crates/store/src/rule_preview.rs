//! What a discount rule would do, before the owner saves it: the rule in
//! plain words, how many customers meet its conditions about the customer
//! today, and the last 30 days' sales replayed through the eligibility
//! engine with the rule alone (how many it would have applied to, for how
//! many customers, and what it would have taken off).
//!
//! The replay is of the rule alone, as if it had run those days (its own
//! validity dates left out, so a promotion that starts next week shows what
//! it would have done): each sale gets the customer's facts as they were
//! then where the rule asks about them (visits before it; stamps and points
//! earned up to it, less what the replay's own earlier applications spent,
//! other redemptions in those days left out; coupons held then, one used by
//! the replay gone from then on; the rule's uses before those days and the
//! replay's own); birth date and tier are today's; points are what the
//! ledger's replay makes of the entries before the sale (what expired by
//! then is gone). Nothing is written.

use crate::Store;
use crate::error::Result;
use crate::owner::Owner;
use crate::time::{from_ms, ms};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use dangol_domain::catalog::{PricedCart, PricedLine};
use dangol_domain::customer::Tier;
use dangol_domain::eligibility::{CustomerFacts, Engine, RuleUse};
use dangol_domain::lang::{Lang, Localized};
use dangol_domain::loyalty::{Coupon, LedgerKind};
use dangol_domain::points::{PointsBook, PointsEntry};
use dangol_domain::rules::{Benefit, Condition, DiscountRule};
use dangol_domain::time::ShopZone;
use rusqlite::{Connection, params};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// The days of sales a preview replays.
pub const PREVIEW_DAYS: i64 = 30;

/// What a rule would do.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RulePreview {
    /// The rule as the store reads it (every default filled in), for a
    /// form to start from.
    pub rule: DiscountRule,
    /// The rule in one sentence.
    pub summary: Localized,
    /// Customers who meet its conditions about the customer today.
    pub customers: u64,
    /// Every customer.
    pub customers_total: u64,
    /// The replayed days (shop-local, inclusive).
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Completed sales in those days (refunded ones left out).
    pub sales: u64,
    /// The sales it would have applied to (on its own, saving something).
    pub sales_applied: u64,
    /// The identified customers of those sales.
    pub customers_applied: u64,
    /// What it would have taken off them together (won; points paid
    /// included for a points rule).
    pub saving: i64,
}

/// What the rule asks about the customer, so the replay reads only that.
struct Needs {
    /// Birth date or tier.
    profile: bool,
    visits: bool,
    stamps: bool,
    coupons: bool,
    points: bool,
    uses: bool,
}

impl Needs {
    fn of(rule: &DiscountRule) -> Needs {
        let has = |f: fn(&Condition) -> bool| rule.conditions.iter().any(f);
        Needs {
            profile: has(|c| {
                matches!(c, Condition::MinTier { .. } | Condition::MinAge { .. } | Condition::Birthday { .. })
            }),
            visits: has(|c| matches!(c, Condition::FirstVisit)),
            stamps: has(|c| matches!(c, Condition::Stamps { .. })),
            coupons: has(|c| matches!(c, Condition::Coupon)),
            points: matches!(rule.benefit, Benefit::RedeemPoints { .. }),
            uses: rule.limit.is_some(),
        }
    }

    /// Whether anything about the customer is read at all.
    fn any(&self) -> bool {
        self.profile || self.visits || self.stamps || self.coupons || self.points || self.uses
    }
}

impl Store {
    /// What `rule` would do (validated as saving would: an invalid rule is
    /// refused with the same error), as of `at`.
    pub fn rule_preview(&self, _owner: &Owner, rule: &DiscountRule, at: DateTime<Utc>) -> Result<RulePreview> {
        rule.validate()?;
        let mut rule = rule.clone();
        // An inactive rule is previewed as it would be switched on.
        let summary = dangol_domain::rule_text::summary(&rule);
        let as_read = rule.clone();
        rule.active = true;
        rule.valid_from = None;
        rule.valid_until = None;
        let zone = self.zone();
        let needs = Needs::of(&rule);
        let (customers, customers_total) = qualifying(&self.conn, &rule, &needs, zone, at)?;
        let to = zone.date(at);
        let from = to - Duration::days(PREVIEW_DAYS - 1);
        let replay = replay(&self.conn, &rule, &needs, zone, zone.start_of(from), at)?;
        Ok(RulePreview {
            rule: as_read,
            summary,
            customers,
            customers_total,
            from,
            to,
            sales: replay.sales,
            sales_applied: replay.applied,
            customers_applied: replay.customers,
            saving: replay.saving,
        })
    }
}

/// Customers meeting the rule's conditions about them today, and all.
fn qualifying(
    conn: &Connection,
    rule: &DiscountRule,
    needs: &Needs,
    zone: ShopZone,
    at: DateTime<Utc>,
) -> Result<(u64, u64)> {
    let about_customer =
        rule.conditions.iter().any(|c| !matches!(c, Condition::TimeWindow { .. } | Condition::MinSpend { .. }));
    if !about_customer {
        let all: i64 = conn.query_row("SELECT count(*) FROM customers", [], |r| r.get(0))?;
        return Ok((all as u64, all as u64));
    }
    let stamps: HashMap<i64, i64> = if needs.stamps {
        let mut stmt = conn.prepare("SELECT customer, sum(stamps) FROM stamp_ledger GROUP BY customer")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?
    } else {
        HashMap::new()
    };
    let mut coupons: HashMap<i64, Vec<Coupon>> = HashMap::new();
    if needs.coupons {
        let mut stmt = conn.prepare(
            "SELECT customer, id, code, rule_id, issued_at, expires_at, used_at FROM coupons WHERE rule_id = ?1",
        )?;
        let mut rows = stmt.query([&rule.id])?;
        while let Some(r) = rows.next()? {
            coupons.entry(r.get(0)?).or_default().push(coupon(r, 1)?);
        }
    }
    let cart = PricedCart { lines: Vec::new() };
    let rules = std::slice::from_ref(rule);
    let (mut meet, mut all) = (0u64, 0u64);
    let mut stmt = conn.prepare("SELECT rid, birth_date, tier, visits FROM customers")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        all += 1;
        let rid: i64 = r.get(0)?;
        let facts = CustomerFacts {
            birth_date: birth_date(r.get(1)?),
            tier: Tier::parse(&r.get::<_, String>(2)?).unwrap_or_default(),
            visits: r.get::<_, i64>(3)?.clamp(0, u32::MAX as i64) as u32,
            stamps: stamps.get(&rid).copied().unwrap_or(0),
            coupons: coupons.remove(&rid).unwrap_or_default(),
            ..CustomerFacts::default()
        };
        if Engine::new(rules, &cart, &facts, at, zone, Lang::Ko).meets_customer_conditions(rule) {
            meet += 1;
        }
    }
    Ok((meet, all))
}

fn birth_date(text: Option<String>) -> Option<NaiveDate> {
    text.and_then(|t| t.parse().ok())
}

/// A coupon read from columns `first..first + 6` (id, code, rule, issued,
/// expires, used).
fn coupon(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Coupon> {
    let id: Vec<u8> = r.get(first)?;
    let used: Option<i64> = r.get(first + 5)?;
    Ok(Coupon {
        id: Uuid::from_slice(&id).unwrap_or_default(),
        code: r.get(first + 1)?,
        rule_id: r.get(first + 2)?,
        issued_at: from_ms(r.get(first + 3)?),
        expires_at: from_ms(r.get(first + 4)?),
        used_at: used.map(from_ms),
    })
}

#[derive(Default)]
struct Replay {
    sales: u64,
    applied: u64,
    customers: u64,
    saving: i64,
}

/// One customer as the replay knows them (the default: a customer the rule
/// asks nothing about).
#[derive(Default)]
struct Known {
    birth_date: Option<NaiveDate>,
    tier: Tier,
    coupons: Vec<Coupon>,
    uses: Vec<RuleUse>,
    /// Completed visits before the sale being replayed (as far as the rule
    /// cares: 0 or more).
    visits: u32,
    /// The customer's points entries in replay order, less the replayed
    /// days' redemptions (the replay's own applications spend instead):
    /// read once, replayed up to each sale.
    points: Vec<PointsEntry>,
    /// Stamps and points the replay's own applications spent.
    stamps_spent: i64,
    points_spent: i64,
    applied: bool,
}

/// The sales from `since` to `until`, each with the rule alone, in the
/// order they were made, read with their lines in one pass.
fn replay(
    conn: &Connection,
    rule: &DiscountRule,
    needs: &Needs,
    zone: ShopZone,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Replay> {
    let mut out = Replay::default();
    let mut known: HashMap<i64, Known> = HashMap::new();
    let mut stmt = conn.prepare(
        "SELECT s.rid, s.customer, s.at, l.sku, l.name, l.category, l.unit_price, l.qty
         FROM sales s LEFT JOIN sale_lines l ON l.sale = s.rid
         WHERE s.at >= ?1 AND s.at <= ?2 AND s.reverses IS NULL
           AND NOT EXISTS (SELECT 1 FROM sales r WHERE r.reverses = s.rid)
         ORDER BY s.at, s.rid, l.line_no",
    )?;
    let mut rows = stmt.query(params![ms(since), ms(until)])?;
    // The sale being read: (rid, customer, at), and its lines so far.
    let mut current: Option<(i64, Option<i64>, i64)> = None;
    let mut lines: Vec<PricedLine> = Vec::new();
    let ctx = Ctx { conn, rule, needs, zone, since };
    loop {
        let row = rows.next()?;
        let key = match row {
            Some(r) => Some((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, i64>(2)?)),
            None => None,
        };
        if let Some((rid, customer, at)) = current
            && key.map(|k| k.0) != Some(rid)
        {
            let cart = PricedCart { lines: std::mem::take(&mut lines) };
            one_sale(&ctx, &mut known, &mut out, customer, from_ms(at), &cart)?;
        }
        let Some(r) = row else { break };
        current = key;
        if let Some(sku) = r.get::<_, Option<String>>(3)? {
            lines.push(PricedLine { sku, name: r.get(4)?, category: r.get(5)?, unit_price: r.get(6)?, qty: r.get(7)? });
        }
    }
    Ok(out)
}

/// What every replayed sale shares.
struct Ctx<'a> {
    conn: &'a Connection,
    rule: &'a DiscountRule,
    needs: &'a Needs,
    zone: ShopZone,
    since: DateTime<Utc>,
}

/// One replayed sale: the rule alone on its cart, the customer's facts as
/// they were then; counted, with its saving when the rule applies.
fn one_sale(
    ctx: &Ctx<'_>,
    known: &mut HashMap<i64, Known>,
    out: &mut Replay,
    customer: Option<i64>,
    at: DateTime<Utc>,
    cart: &PricedCart,
) -> Result<()> {
    let Ctx { conn, rule, needs, zone, since } = *ctx;
    out.sales += 1;
    let facts = match customer {
        None => CustomerFacts { walk_in: true, ..CustomerFacts::default() },
        Some(_) if !needs.any() => CustomerFacts::default(),
        Some(rid) => {
            let k = match known.entry(rid) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(know(conn, rule, needs, rid, since)?),
            };
            then(conn, needs, rid, k, since, at)?
        }
    };
    let engine = Engine::new(std::slice::from_ref(rule), cart, &facts, at, zone, Lang::Ko);
    let applies = engine.why_not(rule).is_none();
    let mut spent = (0, 0, None);
    if applies {
        let applied = engine.apply(&[rule]);
        out.applied += 1;
        out.saving = out.saving.saturating_add(applied.total_saving);
        // What applying it uses up, as checkout would: stamps, points, a coupon.
        let coupon = if needs.coupons { engine.evaluate().find(&rule.id).and_then(|e| e.coupon_id) } else { None };
        spent = (rule.stamps_needed(), applied.points_used, coupon);
    }
    if let Some(rid) = customer {
        let k = known.entry(rid).or_default();
        // Every completed sale is a visit for the next one.
        k.visits = k.visits.saturating_add(1);
        if applies {
            k.stamps_spent = k.stamps_spent.saturating_add(spent.0);
            k.points_spent = k.points_spent.saturating_add(spent.1);
            if let Some(used) = spent.2
                && let Some(c) = k.coupons.iter_mut().find(|c| c.id == used)
            {
                c.used_at = Some(at);
            }
            k.uses.push(RuleUse { rule_id: rule.id.clone(), at });
            if !k.applied {
                k.applied = true;
                out.customers += 1;
            }
        }
    }
    Ok(())
}

/// What does not change from sale to sale: the profile, the coupons for
/// this rule, its real uses before the replayed days.
fn know(conn: &Connection, rule: &DiscountRule, needs: &Needs, rid: i64, since: DateTime<Utc>) -> Result<Known> {
    let (birth, tier): (Option<String>, String) =
        conn.query_row("SELECT birth_date, tier FROM customers WHERE rid = ?1", [rid], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut coupons = Vec::new();
    if needs.coupons {
        let mut stmt = conn.prepare_cached(
            "SELECT id, code, rule_id, issued_at, expires_at, used_at FROM coupons WHERE customer = ?1 AND rule_id = ?2",
        )?;
        let mut rows = stmt.query(params![rid, rule.id])?;
        while let Some(r) = rows.next()? {
            // Used in the replayed days: the replay's to use.
            let mut c = coupon(r, 0)?;
            c.used_at = c.used_at.filter(|u| *u < since);
            coupons.push(c);
        }
    }
    let mut uses = Vec::new();
    if needs.uses {
        let mut stmt = conn.prepare_cached(
            "SELECT s.at FROM sale_discounts d JOIN sales s ON s.rid = d.sale
             WHERE d.customer = ?1 AND d.rule_id = ?2 AND s.at < ?3 AND s.reverses IS NULL
               AND NOT EXISTS (SELECT 1 FROM sales r WHERE r.reverses = s.rid)",
        )?;
        for t in stmt.query_map(params![rid, rule.id, ms(since)], |r| r.get::<_, i64>(0))? {
            uses.push(RuleUse { rule_id: rule.id.clone(), at: from_ms(t?) });
        }
    }
    // Whether they came before the replayed days (the rule asks whether a
    // sale is a first visit; the replay counts the rest).
    let visits: u32 = if needs.visits {
        conn.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM sales s WHERE s.customer = ?1 AND s.at < ?2 AND s.reverses IS NULL
             AND NOT EXISTS (SELECT 1 FROM sales r WHERE r.reverses = s.rid))",
        )?
        .query_row(params![rid, ms(since)], |r| r.get(0))?
    } else {
        0
    };
    let mut points = Vec::new();
    if needs.points {
        points = crate::ledger::points_entries(conn, rid)?;
        points.retain(|e| !(e.at >= since && e.kind == LedgerKind::Redeem));
    }
    Ok(Known {
        birth_date: birth_date(birth),
        tier: Tier::parse(&tier).unwrap_or_default(),
        coupons,
        uses,
        visits,
        points,
        ..Known::default()
    })
}

/// The customer's facts at the moment of a sale.
fn then(
    conn: &Connection,
    needs: &Needs,
    rid: i64,
    k: &Known,
    since: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<CustomerFacts> {
    // Everything up to the sale, but the replayed days' redemptions are
    // the replay's own (`k`), not what was really redeemed then.
    let stamps = if needs.stamps {
        let sum: i64 = conn
            .prepare_cached(
                "SELECT coalesce(sum(CASE WHEN at >= ?3 AND kind = 'redeem' THEN 0 ELSE stamps END), 0)
                 FROM stamp_ledger WHERE customer = ?1 AND at < ?2",
            )?
            .query_row(params![rid, ms(at), ms(since)], |r| r.get(0))?;
        sum.saturating_sub(k.stamps_spent)
    } else {
        0
    };
    let points = if needs.points {
        // As the replay derives them (what expired by then is gone); the
        // entries are in replay order, so those before the sale lead.
        let before = k.points.partition_point(|e| e.at < at);
        PointsBook::replay(&k.points[..before]).available(at).saturating_sub(k.points_spent)
    } else {
        0
    };
    // Used before the replayed days, or by the replay's own earlier sale
    // (`know` and `one_sale`).
    let coupons = k.coupons.clone();
    Ok(CustomerFacts {
        birth_date: k.birth_date,
        tier: k.tier,
        visits: k.visits,
        points,
        stamps,
        coupons,
        rule_uses: k.uses.clone(),
        walk_in: false,
    })
}

//! The counter's use cases, as the CLI and the desktop shell call them:
//! register a customer, look up, show a profile, preview a cart (eligible
//! discounts, best combination, near misses, suggestions), check out through
//! the gate, refund, log feedback and record what the cashier did with a
//! prompt. Every write runs in one transaction together with its outbox
//! event; a failed check leaves the database untouched.
//!
//! The view types here are the public JSON shapes (see docs/json.md).

use crate::customers::{self, CustomerRow};
use crate::error::{Result, StoreError};
use crate::lookup::{self, Found, MatchKind};
use crate::prompts::{self, PromptAction};
use crate::time::{from_ms, ms};
use crate::{Store, catalog, feedback, outbox, rules, settings};
use chrono::{DateTime, Duration, Utc};
use dangol_domain::catalog::{Cart, PricedCart, Product};
use dangol_domain::customer::{Customer, CustomerInput};
use dangol_domain::eligibility::{Combination, CustomerFacts, Engine, Evaluation, Reason, RuleUse};
use dangol_domain::feedback::{Feedback, FeedbackKind};
use dangol_domain::gate::{self, Decision, Missed};
use dangol_domain::i18n::{Lang, alternative_text, reason_text};
use dangol_domain::ids::IdSource;
use dangol_domain::loyalty::{Coupon, LedgerEntry, LedgerKind, LoyaltySettings, PointsLots};
use dangol_domain::phone::Phone;
use dangol_domain::rules::DiscountRule;
use dangol_domain::sale::{self, AppliedDiscount, DraftCustomer, SaleDraft, SaleLine};
use dangol_domain::suggest::{self, HistorySummary, Suggestion, SuggestionInput, UsualItem};
use dangol_domain::time::age_on;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use uuid::Uuid;

/// Who is looking: cashiers see masked phone numbers, owners the full ones.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Cashier,
    Owner,
}

/// A lookup result row (`lookup --json`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct CustomerSummary {
    pub id: Uuid,
    pub name: String,
    pub preferred_name: Option<String>,
    pub phone_masked: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub tier: String,
    pub visits: i64,
    pub last_visit: Option<DateTime<Utc>>,
    pub matched: MatchKind,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct FeedbackView {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub category: String,
    pub text: String,
    pub status: String,
    pub resolution: Option<String>,
}

impl From<&Feedback> for FeedbackView {
    fn from(f: &Feedback) -> Self {
        FeedbackView {
            id: f.id,
            at: f.at,
            kind: f.kind.as_str().into(),
            category: f.category.clone(),
            text: f.text.clone(),
            status: f.status.as_str().into(),
            resolution: f.resolution.clone(),
        }
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct CouponView {
    pub code: String,
    pub rule_id: String,
    pub expires_at: DateTime<Utc>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct VisitView {
    pub sale_id: Uuid,
    pub at: DateTime<Utc>,
    pub total: i64,
    pub items: i64,
}

/// A customer's profile (`customer --json`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub id: Uuid,
    pub name: String,
    pub preferred_name: Option<String>,
    pub phone_masked: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub tier: String,
    pub birth_date: Option<String>,
    pub age: Option<i32>,
    pub tags: Vec<String>,
    pub notes: String,
    pub marketing_consent: bool,
    pub card_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub visits: i64,
    pub last_visit: Option<DateTime<Utc>>,
    pub total_spent: i64,
    pub usual_interval_days: Option<i64>,
    pub usual_items: Vec<UsualItem>,
    pub recent_visits: Vec<VisitView>,
    pub points: i64,
    pub points_expiring: Option<PointsExpiring>,
    pub stamps: i64,
    pub coupons: Vec<CouponView>,
    pub open_complaints: Vec<FeedbackView>,
    pub recent_feedback: Vec<FeedbackView>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct PointsExpiring {
    pub points: i64,
    pub at: DateTime<Utc>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct EligibleView {
    pub rule_id: String,
    pub name: String,
    pub kind: String,
    pub saving: i64,
    pub optional: bool,
    pub exclusive: bool,
    pub reasons: Vec<String>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct NearMissView {
    pub rule_id: String,
    pub name: String,
    pub reason: String,
    pub reason_code: Reason,
    pub alternatives: Vec<String>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct SuggestionView {
    pub kind: String,
    pub key: String,
    pub text: String,
    pub reason: String,
    pub rule_id: Option<String>,
    pub saving: Option<i64>,
}

impl From<&Suggestion> for SuggestionView {
    fn from(s: &Suggestion) -> Self {
        SuggestionView {
            kind: s.kind.as_str().into(),
            key: s.key.clone(),
            text: s.text.clone(),
            reason: s.reason.clone(),
            rule_id: s.rule_id.clone(),
            saving: s.saving,
        }
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct CartLineView {
    pub sku: String,
    pub name: String,
    pub category: String,
    pub unit_price: i64,
    pub qty: i64,
    pub amount: i64,
}

/// A cart preview (`preview --json`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct PreviewView {
    pub customer: CustomerSummary,
    pub lines: Vec<CartLineView>,
    pub subtotal: i64,
    pub eligible: Vec<EligibleView>,
    pub best: Combination,
    /// Totals for the selected discounts (the best combination unless the
    /// request named others; rules that are not eligible are ignored).
    pub selected: Combination,
    pub near_misses: Vec<NearMissView>,
    pub suggestions: Vec<SuggestionView>,
}

/// What a counter window needs at start.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct AppInfo {
    pub shop: ShopInfo,
    /// The system locale's language (Korean unless the locale says otherwise).
    pub lang: Lang,
    pub version: String,
}

/// The shop's settings as the counter shows them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct ShopInfo {
    pub shop_name: String,
    pub time_zone: String,
    pub goodwill_limit: i64,
    pub loyalty: LoyaltySettings,
    pub db_path: String,
    pub customers: i64,
    pub schema_version: i64,
}

/// A completed sale (`checkout --json`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub sale_id: Uuid,
    pub customer_id: Uuid,
    pub at: DateTime<Utc>,
    pub lines: Vec<SaleLine>,
    pub subtotal: i64,
    pub discount_total: i64,
    pub total: i64,
    pub discounts: Vec<AppliedDiscount>,
    pub missed: Vec<Missed>,
    pub points_earned: i64,
    pub points_redeemed: i64,
    pub points_balance: i64,
    pub stamps_earned: i64,
    pub stamps_redeemed: i64,
    pub stamps_balance: i64,
}

/// A reversal (`refund --json`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct RefundReceipt {
    pub reversal_id: Uuid,
    pub original_id: Uuid,
    pub total: i64,
    pub points_balance: i64,
    pub stamps_balance: i64,
}

/// A preview request.
#[derive(Debug, Clone)]
pub struct PreviewRequest {
    pub customer: Uuid,
    pub cart: Cart,
    /// Rules the cashier already told the customer about (their prompts are
    /// not repeated).
    pub applied: Vec<String>,
    /// The discounts currently selected, if not the best combination: the
    /// preview's `selected` totals are computed for them.
    pub selected: Option<Vec<String>>,
    pub at: DateTime<Utc>,
    pub lang: Lang,
    pub role: Role,
    pub limit: usize,
}

/// A checkout request.
#[derive(Debug, Clone)]
pub struct CheckoutRequest {
    pub customer: Uuid,
    pub cart: Cart,
    pub decision: Decision,
    pub at: DateTime<Utc>,
    pub lang: Lang,
    /// A goodwill discount the cashier grants, if any.
    pub goodwill: Option<GoodwillRequest>,
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

/// What the eligibility engine and the gate need about one customer.
struct Standing {
    facts: CustomerFacts,
    lots: PointsLots,
    points_due: i64,
}

/// Everything the engines need about one customer at one moment.
struct Context {
    row: CustomerRow,
    facts: CustomerFacts,
    lots: PointsLots,
    history: HistorySummary,
    visit_times: Vec<DateTime<Utc>>,
    recent: Vec<VisitView>,
    open_complaints: Vec<Feedback>,
}

pub(crate) fn summary(f: &Found, matched: MatchKind, role: Role) -> CustomerSummary {
    CustomerSummary {
        id: f.id,
        name: f.name.clone(),
        preferred_name: f.preferred_name.clone(),
        phone_masked: dangol_domain::phone::mask_digits(&f.phone),
        phone: (role == Role::Owner)
            .then(|| Phone::parse(&f.phone).map(|p| p.formatted()).unwrap_or_else(|_| f.phone.clone())),
        tier: f.tier.clone(),
        visits: f.visits,
        last_visit: f.last_visit,
        matched,
    }
}

fn price(conn: &Connection, cart: &Cart) -> Result<PricedCart> {
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

/// The customer's standing at a moment: the facts the eligibility engine and
/// the gate read (points after expiry, stamps, coupons, rule uses), and the
/// points lots behind the balance. Checkout needs only this.
fn load_standing(conn: &Connection, row: &CustomerRow, rules: &[DiscountRule], at: DateTime<Utc>) -> Result<Standing> {
    let rid = row.rid;
    let mut ledger = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT at, kind, points, expires_at FROM points_ledger WHERE customer = ?1 ORDER BY at, rid",
        )?;
        let rows = stmt.query_map([rid], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, Option<i64>>(3)?))
        })?;
        for r in rows {
            let (t, kind, points, exp) = r?;
            ledger.push(LedgerEntry {
                at: from_ms(t),
                kind: LedgerKind::parse(&kind).unwrap_or(LedgerKind::Adjust),
                amount: points,
                expires_at: exp.map(from_ms),
            });
        }
    }
    let lots = PointsLots::replay(&ledger);
    let points_due = lots.due(at);
    let points = dangol_domain::loyalty::balance(&ledger) - points_due;
    let stamps: i64 = conn
        .prepare_cached("SELECT coalesce(sum(stamps), 0) FROM stamp_ledger WHERE customer = ?1")?
        .query_row([rid], |r| r.get(0))?;
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
             WHERE s.customer = ?1 AND d.rule_id = ?2 AND s.reverses IS NULL AND NOT EXISTS (SELECT 1 FROM sales r WHERE r.reverses = s.rid)",
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
    };
    Ok(Standing { facts, lots, points_due })
}

/// The standing plus what the counter shows and the suggestions read: recent
/// visits, usual items and interval, open complaints.
fn load_context(conn: &Connection, row: CustomerRow, rules: &[DiscountRule], at: DateTime<Utc>) -> Result<Context> {
    let rid = row.rid;
    let standing = load_standing(conn, &row, rules, at)?;
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
    let usual_interval_days = {
        let mut gaps: Vec<i64> = visit_times.windows(2).map(|w| (w[0] - w[1]).num_days()).collect();
        gaps.sort_unstable();
        (gaps.len() >= 2).then(|| gaps[gaps.len() / 2].max(1))
    };
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
        facts: standing.facts,
        lots: standing.lots,
        history,
        visit_times,
        recent: recent.into_iter().map(|(_, v)| v).collect(),
        open_complaints,
    })
}

fn stamp_goals(rules: &[DiscountRule], lang: Lang) -> Vec<(i64, String)> {
    rules
        .iter()
        .filter(|r| r.active && r.stamps_needed() > 0)
        .map(|r| (r.stamps_needed(), r.display_name(lang).to_string()))
        .collect()
}

fn eligible_view(e: &dangol_domain::eligibility::Eligible, lang: Lang) -> EligibleView {
    EligibleView {
        rule_id: e.rule_id.clone(),
        name: e.name.clone(),
        kind: e.kind.clone(),
        saving: e.saving,
        optional: e.optional,
        exclusive: e.exclusive,
        reasons: e.reasons.iter().map(|r| reason_text(r, lang)).collect(),
    }
}

fn event_customer(c: &Customer) -> serde_json::Value {
    serde_json::json!({
        "id": c.id, "name": c.name, "preferred_name": c.preferred_name, "phone": c.phone.digits(),
        "birth_date": c.birth_date, "tier": c.tier, "tags": c.tags, "notes": c.notes,
        "marketing_consent": c.marketing_consent, "consent_at": c.consent_at, "card_code": c.card_code,
        "created_at": c.created_at,
    })
}

impl Store {
    /// Registers a new customer from counter or import input.
    pub fn add_customer(
        &mut self,
        input: CustomerInput,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<CustomerSummary> {
        let customer = input.validate(ids.next_id(at), at)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let rid = customers::insert(&tx, &customer, 0, None)?;
        outbox::append(&tx, ids, self.device, at, "customer.created", &event_customer(&customer))?;
        let row = customers::get_rid(&tx, rid)?;
        tx.commit()?;
        Ok(summary(&Found::from(&row), MatchKind::Card, Role::Cashier))
    }

    /// Finds customers for whatever the cashier typed.
    pub fn lookup(&self, query: &str, limit: usize, role: Role) -> Result<Vec<CustomerSummary>> {
        Ok(lookup::lookup(&self.conn, query, limit)?.iter().map(|h| summary(&h.found, h.matched, role)).collect())
    }

    /// The customer's profile with history, balances and open complaints.
    pub fn profile(&self, id: Uuid, at: DateTime<Utc>, role: Role) -> Result<Profile> {
        let row = customers::get(&self.conn, id)?;
        let rules = rules::all(&self.conn)?;
        let loyalty = settings::loyalty(&self.conn)?;
        let ctx = load_context(&self.conn, row, &rules, at)?;
        let c = &ctx.row.customer;
        let total_spent: i64 = self
            .conn
            .prepare_cached("SELECT coalesce(sum(total), 0) FROM sales WHERE customer = ?1")?
            .query_row([ctx.row.rid], |r| r.get(0))?;
        let expiring = ctx
            .lots
            .expiring_soon(at, Duration::days(loyalty.points_warning_days))
            .map(|(points, at)| PointsExpiring { points, at });
        let recent_feedback = feedback::recent_for(&self.conn, ctx.row.rid, 10)?;
        Ok(Profile {
            id: c.id,
            name: c.name.clone(),
            preferred_name: c.preferred_name.clone(),
            phone_masked: c.phone.masked(),
            phone: (role == Role::Owner).then(|| c.phone.formatted()),
            tier: c.tier.as_str().into(),
            birth_date: c.birth_date.map(|d| d.to_string()),
            age: c.birth_date.map(|b| age_on(b, self.zone.date(at))),
            tags: c.tags.clone(),
            notes: c.notes.clone(),
            marketing_consent: c.marketing_consent,
            card_code: c.card_code.clone(),
            created_at: c.created_at,
            visits: ctx.row.visits,
            last_visit: ctx.row.last_visit,
            total_spent,
            usual_interval_days: ctx.history.usual_interval_days,
            usual_items: ctx.history.usual_items.clone(),
            recent_visits: ctx.recent.clone(),
            points: ctx.facts.points,
            points_expiring: expiring,
            stamps: ctx.facts.stamps,
            coupons: ctx
                .facts
                .coupons
                .iter()
                .filter(|c| c.is_usable(at))
                .map(|c| CouponView { code: c.code.clone(), rule_id: c.rule_id.clone(), expires_at: c.expires_at })
                .collect(),
            open_complaints: ctx.open_complaints.iter().map(FeedbackView::from).collect(),
            recent_feedback: recent_feedback.iter().map(FeedbackView::from).collect(),
        })
    }

    fn evaluate_parts(
        &self,
        conn: &Connection,
        customer: Uuid,
        cart: &Cart,
        at: DateTime<Utc>,
    ) -> Result<(Context, Vec<DiscountRule>, PricedCart, LoyaltySettings)> {
        let row = customers::get(conn, customer)?;
        let priced = price(conn, cart)?;
        let rules = rules::all(conn)?;
        let loyalty = settings::loyalty(conn)?;
        let ctx = load_context(conn, row, &rules, at)?;
        Ok((ctx, rules, priced, loyalty))
    }

    /// Eligible discounts, the best combination, near misses and ranked
    /// suggestions for a cart. Read-only; see `record_shown`.
    pub fn preview(&self, req: &PreviewRequest) -> Result<PreviewView> {
        let (ctx, rules, priced, loyalty) = self.evaluate_parts(&self.conn, req.customer, &req.cart, req.at)?;
        let engine = Engine::new(&rules, &priced, &ctx.facts, req.at, self.zone, req.lang);
        let eval = engine.evaluate();
        let memory = prompts::memory(&self.conn, ctx.row.rid, &ctx.visit_times, req.at, self.zone)?;
        let goals = stamp_goals(&rules, req.lang);
        let input = SuggestionInput {
            customer: &ctx.row.customer,
            facts: &ctx.facts,
            eval: &eval,
            applied: &req.applied,
            cart: &priced,
            history: &ctx.history,
            open_complaints: &ctx.open_complaints,
            points_expiring: ctx.lots.expiring_soon(req.at, Duration::days(loyalty.points_warning_days)),
            stamp_goals: &goals,
            memory: &memory,
            at: req.at,
            zone: self.zone,
            lang: req.lang,
        };
        let suggestions = suggest::suggest(&input, req.limit);
        let mut view = build_preview(&ctx.row, &priced, &eval, &suggestions, req.lang, req.role);
        if let Some(ids) = &req.selected {
            let chosen: Vec<&DiscountRule> =
                ids.iter().filter(|id| eval.find(id).is_some()).filter_map(|id| engine.rule(id)).collect();
            let applied = engine.apply(&chosen);
            view.selected = Combination {
                rule_ids: chosen.iter().map(|r| r.id.clone()).collect(),
                saving: applied.total_saving,
                subtotal: eval.subtotal,
                total: eval.subtotal - applied.total_saving,
            };
        }
        Ok(view)
    }

    /// Records the suggestions of a preview as shown (once per key per day).
    pub fn record_shown(
        &mut self,
        customer: Uuid,
        suggestions: &[SuggestionView],
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = customers::get(&tx, customer)?;
        let day_start = self.zone.start_of(self.zone.date(at));
        let mut keys = Vec::new();
        for s in suggestions {
            if !prompts::shown_since(&tx, row.rid, &s.key, day_start)? {
                prompts::record(&tx, row.rid, at, &s.key, &s.kind, PromptAction::Shown, None)?;
                keys.push(s.key.clone());
            }
        }
        if !keys.is_empty() {
            outbox::append(
                &tx,
                ids,
                self.device,
                at,
                "prompts.shown",
                &serde_json::json!({"customer": customer, "keys": keys}),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records that the cashier accepted or dismissed a prompt.
    pub fn record_prompt(
        &mut self,
        customer: Uuid,
        key: &str,
        action: PromptAction,
        reason: Option<&str>,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<()> {
        let key = key.trim();
        let kind = key.split(':').next().unwrap_or_default().to_string();
        let known = [
            "discount",
            "follow_up",
            "birthday",
            "comeback",
            "stamp_almost",
            "points_expiring",
            "points_available",
            "usual_item",
            "preferred_name",
            "consent",
        ];
        if !key.contains(':') || !known.contains(&kind.as_str()) || key.len() > 200 {
            return Err(StoreError::BadInput {
                what: "prompt key",
                reason: format!("{key:?} is not a suggestion key such as usual_item:SALT or consent:marketing"),
            });
        }
        if action == PromptAction::Dismissed && reason.is_none_or(|r| r.trim().is_empty() || r.chars().count() > 200) {
            return Err(StoreError::BadInput {
                what: "dismiss reason",
                reason: "dismissing a prompt needs a reason of 1-200 characters".into(),
            });
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = customers::get(&tx, customer)?;
        prompts::record(&tx, row.rid, at, key, &kind, action, reason.map(str::trim))?;
        outbox::append(
            &tx,
            ids,
            self.device,
            at,
            "prompt.recorded",
            &serde_json::json!({"customer": customer, "key": key, "action": action.as_str(), "reason": reason}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Completes a sale through the checkout gate: the sale, its lines and
    /// discounts, missed discounts, points and stamps, coupons, the
    /// customer's visit counters, the prompt log and the outbox event commit
    /// together, durably, or not at all.
    pub fn checkout(&mut self, req: &CheckoutRequest, ids: &mut dyn IdSource) -> Result<Receipt> {
        let device = self.device;
        let zone = self.zone;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = customers::get(&tx, req.customer)?;
        let priced = price(&tx, &req.cart)?;
        if priced.lines.is_empty() {
            return Err(StoreError::Domain(dangol_domain::DomainError::InvalidCart {
                reason: "the cart is empty".into(),
            }));
        }
        let rules = rules::all(&tx)?;
        let loyalty = settings::loyalty(&tx)?;
        let standing = load_standing(&tx, &row, &rules, req.at)?;
        let rid = row.rid;
        let engine = Engine::new(&rules, &priced, &standing.facts, req.at, zone, req.lang);
        let eval = engine.evaluate();
        let cleared = gate::check(&engine, &eval, &req.decision)?;
        let goodwill = match &req.goodwill {
            None => None,
            Some(g) => {
                let approved = match g.owner_pin.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
                    None => false,
                    Some(pin) if settings::verify_owner_pin(&tx, pin)? => true,
                    Some(_) => return Err(StoreError::OwnerPinInvalid),
                };
                let due = priced.subtotal() - cleared.applied.total_saving;
                if g.amount > due {
                    return Err(StoreError::BadInput {
                        what: "goodwill amount",
                        reason: format!(
                            "{} is more than the {} due",
                            dangol_domain::money::format_won(g.amount),
                            dangol_domain::money::format_won(due)
                        ),
                    });
                }
                Some(sale::Goodwill::new(g.amount, &g.reason, settings::goodwill_limit(&tx)?, approved)?)
            }
        };
        if standing.points_due > 0 {
            write_expiry(&tx, rid, req.at, standing.points_due)?;
            outbox::append(
                &tx,
                ids,
                device,
                req.at,
                "points.expired",
                &serde_json::json!({"customer": req.customer, "points": standing.points_due}),
            )?;
        }
        let who = DraftCustomer { id: req.customer, tier: row.customer.tier };
        let checkout = sale::Checkout {
            customer: Some(&who),
            cart: &priced,
            eval: &eval,
            cleared: &cleared,
            rules: &rules,
            settings: &loyalty,
            goodwill: goodwill.as_ref(),
        };
        let draft = sale::draft(ids.next_id(req.at), &checkout, req.at);
        let sale_rid = insert_sale(&tx, &draft, rid, device, None, None)?;
        if let Some(g) = &draft.goodwill {
            tx.execute(
                "INSERT INTO goodwill (sale, amount, reason, approved_by_owner, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![sale_rid, g.amount, g.reason, g.approved_by_owner as i64, ms(req.at)],
            )?;
        }
        for d in &draft.discounts {
            let coupon_rid: Option<i64> = match d.coupon_id {
                None => None,
                Some(cid) => {
                    let crid: i64 = tx.query_row(
                        "SELECT rid FROM coupons WHERE id = ?1 AND used_sale IS NULL",
                        [cid.as_bytes()],
                        |r| r.get(0),
                    )?;
                    tx.execute(
                        "UPDATE coupons SET used_sale = ?2, used_at = ?3 WHERE rid = ?1",
                        params![crid, sale_rid, ms(req.at)],
                    )?;
                    Some(crid)
                }
            };
            tx.prepare_cached(
                "INSERT INTO sale_discounts (sale, rule_id, name, saving, coupon) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![sale_rid, d.rule_id, d.name, d.saving, coupon_rid])?;
        }
        for m in &draft.missed {
            tx.prepare_cached(
                "INSERT INTO missed_discounts (sale, rule_id, name, saving, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![sale_rid, m.rule_id, m.name, m.saving, m.reason])?;
        }
        write_ledgers(
            &tx,
            rid,
            sale_rid,
            req.at,
            LedgerKind::Redeem,
            -draft.points_redeemed,
            -draft.stamps_redeemed,
            None,
        )?;
        write_ledgers(
            &tx,
            rid,
            sale_rid,
            req.at,
            LedgerKind::Earn,
            draft.points_earned,
            draft.stamps_earned,
            draft.points_expire_at,
        )?;
        customers::refresh_visits(&tx, rid)?;
        for id in &cleared.applied_rules {
            prompts::record(&tx, rid, req.at, &format!("discount:{id}"), "discount", PromptAction::Accepted, None)?;
        }
        for m in &draft.missed {
            prompts::record(
                &tx,
                rid,
                req.at,
                &format!("discount:{}", m.rule_id),
                "discount",
                PromptAction::Dismissed,
                Some(&m.reason),
            )?;
        }
        outbox::append(&tx, ids, device, req.at, "sale.completed", &draft)?;
        let points_balance = standing.facts.points - draft.points_redeemed + draft.points_earned;
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
            points_balance,
            stamps_earned: draft.stamps_earned,
            stamps_redeemed: draft.stamps_redeemed,
            stamps_balance,
        })
    }

    /// Reverses a sale: a new sale row with every amount negated, the points
    /// and stamps it earned taken back, those it spent given back, and its
    /// coupons usable again.
    pub fn refund(
        &mut self,
        sale_id: Uuid,
        reason: &str,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<RefundReceipt> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(StoreError::BadInput {
                what: "refund reason",
                reason: "a refund needs a reason of 1-200 characters".into(),
            });
        }
        let device = self.device;
        let expiry_days = settings::loyalty(&self.conn)?.points_expiry_days;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let original = tx
            .query_row(
                "SELECT rid, customer, subtotal, discount_total, total, points_earned, points_redeemed, stamps_earned, stamps_redeemed, reverses FROM sales WHERE id = ?1",
                [sale_id.as_bytes()],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?, [r.get::<_, i64>(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?], r.get::<_, Option<i64>>(9)?)))
            .optional()?
            .ok_or_else(|| StoreError::not_found("sale", sale_id))?;
        let (
            orig_rid,
            customer_rid,
            [subtotal, discount_total, total, p_earned, p_redeemed, s_earned, s_redeemed],
            reverses,
        ) = original;
        if reverses.is_some() {
            return Err(StoreError::BadInput {
                what: "refund",
                reason: format!("sale {sale_id} is itself a reversal"),
            });
        }
        let already: bool =
            tx.query_row("SELECT EXISTS (SELECT 1 FROM sales WHERE reverses = ?1)", [orig_rid], |r| r.get(0))?;
        if already {
            return Err(StoreError::AlreadyReversed { sale: sale_id.to_string() });
        }
        let reversal_id = ids.next_id(at);
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
        let (mut points_balance, mut stamps_balance) = (0, 0);
        if let Some(crid) = customer_rid {
            write_ledgers(&tx, crid, rev_rid, at, LedgerKind::Reverse, -p_earned, -s_earned, None)?;
            write_ledgers(
                &tx,
                crid,
                rev_rid,
                at,
                LedgerKind::Reverse,
                p_redeemed,
                s_redeemed,
                Some(at + Duration::days(expiry_days)),
            )?;
            tx.execute("UPDATE coupons SET used_sale = NULL, used_at = NULL WHERE used_sale = ?1", [orig_rid])?;
            customers::refresh_visits(&tx, crid)?;
            points_balance =
                tx.query_row("SELECT coalesce(sum(points), 0) FROM points_ledger WHERE customer = ?1", [crid], |r| {
                    r.get(0)
                })?;
            stamps_balance =
                tx.query_row("SELECT coalesce(sum(stamps), 0) FROM stamp_ledger WHERE customer = ?1", [crid], |r| {
                    r.get(0)
                })?;
        }
        outbox::append(
            &tx,
            ids,
            device,
            at,
            "sale.reversed",
            &serde_json::json!({"reversal_id": reversal_id, "original_id": sale_id, "reason": reason, "total": -total}),
        )?;
        tx.commit()?;
        Ok(RefundReceipt { reversal_id, original_id: sale_id, total: -total, points_balance, stamps_balance })
    }

    /// Logs a complaint, compliment or request for a customer.
    pub fn add_feedback(
        &mut self,
        customer: Uuid,
        kind: FeedbackKind,
        category: &str,
        text: &str,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<FeedbackView> {
        let f = Feedback::new(ids.next_id(at), customer, at, kind, category, text)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = customers::get(&tx, customer)?;
        feedback::insert(&tx, row.rid, &f)?;
        outbox::append(&tx, ids, self.device, at, "feedback.logged", &f)?;
        tx.commit()?;
        Ok(FeedbackView::from(&f))
    }

    /// Marks a complaint or request resolved.
    pub fn resolve_feedback(
        &mut self,
        id: Uuid,
        resolution: &str,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<FeedbackView> {
        let resolution = resolution.trim();
        if resolution.is_empty() || resolution.len() > dangol_domain::feedback::MAX_FEEDBACK_BYTES {
            return Err(StoreError::BadInput {
                what: "resolution",
                reason: "describe how it was resolved (1-2000 bytes)".into(),
            });
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let f = feedback::get(&tx, id)?;
        if f.status == dangol_domain::feedback::FeedbackStatus::Resolved {
            return Err(StoreError::BadInput { what: "feedback", reason: format!("{id} is already resolved") });
        }
        feedback::resolve(&tx, id, resolution, at)?;
        outbox::append(
            &tx,
            ids,
            self.device,
            at,
            "feedback.resolved",
            &serde_json::json!({"id": id, "resolution": resolution}),
        )?;
        let f = feedback::get(&tx, id)?;
        tx.commit()?;
        Ok(FeedbackView::from(&f))
    }

    /// Issues a single-use coupon for a rule to a customer.
    pub fn issue_coupon(
        &mut self,
        customer: Uuid,
        rule_id: &str,
        code: &str,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<CouponView> {
        let code = code.trim();
        if code.is_empty() || code.len() > 40 {
            return Err(StoreError::BadInput { what: "coupon code", reason: "must be 1-40 characters".into() });
        }
        if expires_at <= at {
            return Err(StoreError::BadInput { what: "coupon expiry", reason: "must be in the future".into() });
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = customers::get(&tx, customer)?;
        if !rules::all(&tx)?.iter().any(|r| r.id == rule_id && r.needs_coupon()) {
            return Err(StoreError::not_found("coupon rule", rule_id));
        }
        let exists: bool =
            tx.query_row("SELECT EXISTS (SELECT 1 FROM coupons WHERE code = ?1)", [code], |r| r.get(0))?;
        if exists {
            return Err(StoreError::Duplicate { what: "coupon code", key: code.into() });
        }
        let id = ids.next_id(at);
        tx.execute(
            "INSERT INTO coupons (id, code, customer, rule_id, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id.as_bytes(), code, row.rid, rule_id, ms(at), ms(expires_at)],
        )?;
        outbox::append(
            &tx,
            ids,
            self.device,
            at,
            "coupon.issued",
            &serde_json::json!({"id": id, "code": code, "customer": customer, "rule_id": rule_id, "expires_at": expires_at}),
        )?;
        tx.commit()?;
        Ok(CouponView { code: code.into(), rule_id: rule_id.into(), expires_at })
    }

    /// An owner's manual correction of a customer's points and/or stamps,
    /// written as `adjust` ledger entries with a note. Balances may not go
    /// below zero through an adjustment.
    pub fn adjust_balances(
        &mut self,
        customer: Uuid,
        points: i64,
        stamps: i64,
        note: &str,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<(i64, i64)> {
        let note = note.trim();
        if note.is_empty() || note.chars().count() > 200 {
            return Err(StoreError::BadInput {
                what: "adjustment note",
                reason: "say why, in 1-200 characters".into(),
            });
        }
        if points == 0 && stamps == 0 {
            return Err(StoreError::BadInput {
                what: "adjustment",
                reason: "give a non-zero --points or --stamps".into(),
            });
        }
        if points.abs() > 10_000_000 || stamps.abs() > 1_000 {
            return Err(StoreError::BadInput {
                what: "adjustment",
                reason: "at most ±10,000,000 points and ±1,000 stamps at once".into(),
            });
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let rid = customers::get(&tx, customer)?.rid;
        let sum = |table: &str, col: &str| -> Result<i64> {
            Ok(tx.query_row(
                &format!("SELECT coalesce(sum({col}), 0) FROM {table} WHERE customer = ?1"),
                [rid],
                |r| r.get(0),
            )?)
        };
        let (p0, s0) = (sum("points_ledger", "points")?, sum("stamp_ledger", "stamps")?);
        if p0 + points < 0 || s0 + stamps < 0 {
            return Err(StoreError::BadInput {
                what: "adjustment",
                reason: format!("the balance would go negative (now {p0} points, {s0} stamps)"),
            });
        }
        if points != 0 {
            tx.execute(
                "INSERT INTO points_ledger (customer, at, kind, points, note) VALUES (?1, ?2, 'adjust', ?3, ?4)",
                params![rid, ms(at), points, note],
            )?;
        }
        if stamps != 0 {
            tx.execute(
                "INSERT INTO stamp_ledger (customer, at, kind, stamps) VALUES (?1, ?2, 'adjust', ?3)",
                params![rid, ms(at), stamps],
            )?;
        }
        outbox::append(
            &tx,
            ids,
            self.device,
            at,
            "balances.adjusted",
            &serde_json::json!({"customer": customer, "points": points, "stamps": stamps, "note": note}),
        )?;
        tx.commit()?;
        Ok((p0 + points, s0 + stamps))
    }

    /// A product by SKU or barcode (what a scanner or the SKU field gives).
    pub fn find_product(&self, code: &str) -> Result<Option<Product>> {
        catalog::find(&self.conn, code.trim())
    }

    /// A preview whose suggestions are then recorded as shown: what the
    /// counter window does on every change of customer or cart.
    pub fn preview_and_record(&mut self, req: &PreviewRequest, ids: &mut dyn IdSource) -> Result<PreviewView> {
        let view = self.preview(req)?;
        self.record_shown(req.customer, &view.suggestions, req.at, ids)?;
        Ok(view)
    }

    /// Saves a rule after checking the owner's PIN; returns every rule.
    pub fn owner_upsert_rule(
        &mut self,
        pin: &str,
        rule: &DiscountRule,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<Vec<DiscountRule>> {
        self.check_owner_pin(pin)?;
        self.upsert_rule(rule, at, ids)?;
        self.rules()
    }

    /// Changes a setting after checking the owner's PIN; returns the shop.
    pub fn owner_update_setting(
        &mut self,
        pin: &str,
        key: &str,
        value: &str,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<ShopInfo> {
        self.check_owner_pin(pin)?;
        self.update_setting(key, value, at, ids)?;
        self.shop_info()
    }

    /// Checks the owner's PIN; every owner-only change goes through this.
    pub fn check_owner_pin(&self, pin: &str) -> Result<()> {
        if settings::verify_owner_pin(&self.conn, pin.trim())? { Ok(()) } else { Err(StoreError::OwnerPinInvalid) }
    }

    /// Changes the owner PIN (the old one is required).
    pub fn change_owner_pin(&mut self, old: &str, new: &str, at: DateTime<Utc>, ids: &mut dyn IdSource) -> Result<()> {
        self.check_owner_pin(old)?;
        settings::check_pin_shape(new.trim())?;
        let salt = ids.next_id(at).simple().to_string();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        settings::set_owner_pin(&tx, new.trim(), &salt)?;
        outbox::append(&tx, ids, self.device, at, "owner_pin.changed", &serde_json::json!({}))?;
        tx.commit()?;
        Ok(())
    }

    /// The shop as the counter shows it: name, zone, limits, database.
    pub fn shop_info(&self) -> Result<ShopInfo> {
        Ok(ShopInfo {
            shop_name: settings::shop_name(&self.conn)?,
            time_zone: self.zone.name().to_string(),
            goodwill_limit: settings::goodwill_limit(&self.conn)?,
            loyalty: settings::loyalty(&self.conn)?,
            db_path: self.path().map(|p| p.display().to_string()).unwrap_or_else(|| ":memory:".into()),
            customers: customers::count(&self.conn)?,
            schema_version: self.schema_version()?,
        })
    }

    /// Adds or replaces a discount rule.
    pub fn upsert_rule(&mut self, rule: &DiscountRule, at: DateTime<Utc>, ids: &mut dyn IdSource) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        rules::upsert(&tx, rule, at)?;
        outbox::append(&tx, ids, self.device, at, "rule.upserted", rule)?;
        tx.commit()?;
        Ok(())
    }

    pub fn rules(&self) -> Result<Vec<DiscountRule>> {
        rules::all(&self.conn)
    }

    pub fn products(&self) -> Result<Vec<Product>> {
        catalog::all(&self.conn)
    }

    /// Changes a shop setting (name, time zone, loyalty JSON).
    pub fn update_setting(&mut self, key: &str, value: &str, at: DateTime<Utc>, ids: &mut dyn IdSource) -> Result<()> {
        match key {
            settings::SHOP_NAME => {
                dangol_domain::customer::validate_name(value, "shop name")?;
            }
            settings::TIME_ZONE => {
                dangol_domain::time::ShopZone::parse(value)?;
            }
            settings::GOODWILL_LIMIT => {
                if !value.trim().parse::<i64>().is_ok_and(|v| (0..=1_000_000).contains(&v)) {
                    return Err(StoreError::BadInput {
                        what: "goodwill limit",
                        reason: format!("{value:?} must be a whole number of won from 0 to 1,000,000"),
                    });
                }
            }
            settings::LOYALTY => {
                serde_json::from_str::<LoyaltySettings>(value)
                    .map_err(|e| StoreError::BadInput { what: "loyalty settings", reason: e.to_string() })?;
            }
            _ => {
                return Err(StoreError::BadInput {
                    what: "setting",
                    reason: format!("{key:?} is not one of shop_name, time_zone, loyalty, goodwill_limit"),
                });
            }
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        settings::set(&tx, key, value)?;
        outbox::append(&tx, ids, self.device, at, "setting.changed", &serde_json::json!({"key": key, "value": value}))?;
        tx.commit()?;
        self.reload_settings()
    }
}

fn build_preview(
    row: &CustomerRow,
    priced: &PricedCart,
    eval: &Evaluation,
    suggestions: &[Suggestion],
    lang: Lang,
    role: Role,
) -> PreviewView {
    PreviewView {
        customer: summary(&Found::from(row), MatchKind::Card, role),
        lines: priced
            .lines
            .iter()
            .map(|l| CartLineView {
                sku: l.sku.clone(),
                name: l.name.clone(),
                category: l.category.clone(),
                unit_price: l.unit_price,
                qty: l.qty,
                amount: l.amount(),
            })
            .collect(),
        subtotal: eval.subtotal,
        eligible: eval.eligible.iter().map(|e| eligible_view(e, lang)).collect(),
        best: eval.best.clone(),
        selected: eval.best.clone(),
        near_misses: eval
            .near_misses
            .iter()
            .map(|n| NearMissView {
                rule_id: n.rule_id.clone(),
                name: n.name.clone(),
                reason: reason_text(&n.reason, lang),
                reason_code: n.reason.clone(),
                alternatives: n.alternatives.iter().map(|a| alternative_text(a, lang)).collect(),
            })
            .collect(),
        suggestions: suggestions.iter().map(SuggestionView::from).collect(),
    }
}

pub(crate) fn insert_sale(
    conn: &Connection,
    d: &SaleDraft,
    customer_rid: i64,
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

/// Writes a sale's points and stamps entries of one kind (zero amounts are
/// skipped; only positive points carry an expiry).
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_ledgers(
    conn: &Connection,
    customer_rid: i64,
    sale_rid: i64,
    at: DateTime<Utc>,
    kind: LedgerKind,
    points: i64,
    stamps: i64,
    expires: Option<DateTime<Utc>>,
) -> Result<()> {
    if points != 0 {
        conn.prepare_cached(
            "INSERT INTO points_ledger (customer, at, kind, points, expires_at, sale) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            customer_rid,
            ms(at),
            kind.as_str(),
            points,
            expires.filter(|_| points > 0).map(ms),
            sale_rid
        ])?;
    }
    if stamps != 0 {
        conn.prepare_cached("INSERT INTO stamp_ledger (customer, at, kind, stamps, sale) VALUES (?1, ?2, ?3, ?4, ?5)")?
            .execute(params![customer_rid, ms(at), kind.as_str(), stamps, sale_rid])?;
    }
    Ok(())
}

/// Writes an `expire` entry taking `points` (due, unspent lots) off a balance.
pub(crate) fn write_expiry(conn: &Connection, customer_rid: i64, at: DateTime<Utc>, points: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO points_ledger (customer, at, kind, points, note) VALUES (?1, ?2, 'expire', ?3, 'expired lots')",
    )?
    .execute(params![customer_rid, ms(at), -points])?;
    Ok(())
}

//! The counter's read side and small writes, as the CLI and the desktop
//! shell call them: register a customer, look up, show a profile, preview a
//! cart (eligible discounts, the best combination, what each discount adds
//! to the selection, near misses, suggestions), log feedback and record what
//! the cashier did with a prompt. Checkout, refunds and the owner's
//! administration have files of their own (`checkout`, `refund`, `admin`).
//! Every write runs in one transaction together with its outbox event; a
//! failed check leaves the database untouched.
//!
//! The view types here are the public JSON shapes (see docs/json.md).

use crate::customers::{self, CustomerRow};
use crate::error::{Result, StoreError, say};
use crate::lookup::{self, Found, MatchKind};
use crate::owner::Viewer;
use crate::prompts::{self, PromptAction};
use crate::standing::{Context, load_context, price, walk_in};
use crate::{Store, catalog, feedback, outbox, settings};
use chrono::{DateTime, Duration, Utc};
use dangol_domain::catalog::{Cart, PricedCart, Product};
use dangol_domain::customer::{Customer, CustomerInput, Tier};
use dangol_domain::eligibility::{Combination, Engine, Evaluation, Reason};
use dangol_domain::feedback::{Feedback, FeedbackKind};
use dangol_domain::gate::Missed;
use dangol_domain::i18n::{Lang, alternative_text, reason_text};
use dangol_domain::ids::IdSource;
use dangol_domain::lang::Localized;
use dangol_domain::loyalty::LoyaltySettings;
use dangol_domain::phone::Phone;
use dangol_domain::rules::DiscountRule;
use dangol_domain::sale::{AppliedDiscount, SaleLine};
use dangol_domain::suggest::{self, Suggestion, SuggestionInput, UsualItem};
use dangol_domain::time::age_on;
use rusqlite::TransactionBehavior;
use serde::Serialize;
use uuid::Uuid;

pub use crate::checkout::{CheckoutRequest, GoodwillRequest};

/// A lookup result row (`lookup --json`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct CustomerSummary {
    pub id: Uuid,
    pub name: String,
    pub preferred_name: Option<String>,
    pub phone_masked: String,
    /// The full number, for the owner only (absent for a cashier).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub phone: Option<String>,
    pub tier: String,
    pub visits: i64,
    pub last_visit: Option<DateTime<Utc>>,
    pub matched: MatchKind,
}

/// What a lookup found (`lookup --json`): the best matches, and whether
/// there are more than shown (then how many, counted up to a cap).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct LookupResult {
    pub hits: Vec<CustomerSummary>,
    /// More customers match than are shown.
    pub more: bool,
    /// How many match, when counted (last 4 digits), up to `total_cap`.
    pub total: Option<i64>,
    pub total_cap: i64,
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
    /// The full number, for the owner only (absent for a cashier).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
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
    /// What it saves on this cart on its own.
    pub saving: i64,
    pub optional: bool,
    pub exclusive: bool,
    pub reasons: Vec<String>,
    /// In the selected discounts.
    pub applied: bool,
    /// Its part of the selection's saving, when applied.
    pub applied_saving: i64,
    /// What applying it would add to the selection now (0: nothing).
    pub adds: i64,
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
    /// For a discount: already applied (the prompt is to tell the customer).
    pub applied: bool,
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
            applied: s.applied,
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
    /// `None` for a walk-in sale.
    pub customer: Option<CustomerSummary>,
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
    /// Sales at or above this subtotal need the cashier to confirm.
    pub large_sale: i64,
    pub loyalty: LoyaltySettings,
    pub db_path: String,
    pub customers: i64,
    pub schema_version: i64,
    /// A demo shop (its own database, labelled DEMO everywhere).
    pub demo: bool,
    /// The demo shop's owner PIN, shown with the DEMO label (never for a real shop).
    pub demo_pin: Option<String>,
    /// The shop has an owner PIN (set at setup).
    pub owner_pin_set: bool,
    /// Stored settings or rules set aside because they no longer validate.
    /// What the owner should know is wrong (rules set aside, settings not
    /// in use), in both languages.
    pub problems: Vec<Localized>,
}

/// A completed sale (`checkout --json`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Receipt {
    pub sale_id: Uuid,
    /// `None` for a walk-in sale.
    pub customer_id: Option<Uuid>,
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
    /// This visit's sale was already recorded; this is that sale, unchanged.
    pub replayed: bool,
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
    /// Points the sale earned that the customer had already spent and no
    /// other lot could cover (the balance never goes below zero).
    pub points_unrecovered: i64,
    pub stamps_unrecovered: i64,
}

/// A preview request.
#[derive(Debug, Clone)]
pub struct PreviewRequest {
    /// `None` for a walk-in sale.
    pub customer: Option<Uuid>,
    pub cart: Cart,
    /// Discounts the cashier already told the customer about, or skipped
    /// (their prompts are not repeated).
    pub told: Vec<String>,
    /// The discounts currently selected, if not the best combination: the
    /// preview's `selected` totals and each rule's `adds` are for them.
    pub selected: Option<Vec<String>>,
    pub at: DateTime<Utc>,
    pub lang: Lang,
    pub viewer: Viewer,
    pub limit: usize,
}

pub(crate) fn summary(f: &Found, matched: MatchKind, viewer: &Viewer) -> CustomerSummary {
    CustomerSummary {
        id: f.id,
        name: f.name.clone(),
        preferred_name: f.preferred_name.clone(),
        phone_masked: dangol_domain::phone::mask_digits(&f.phone),
        phone: viewer
            .sees_full_phones()
            .then(|| Phone::parse(&f.phone).map(|p| p.formatted()).unwrap_or_else(|_| f.phone.clone())),
        tier: f.tier.clone(),
        visits: f.visits,
        last_visit: f.last_visit,
        matched,
    }
}

fn stamp_goals(rules: &[DiscountRule], lang: Lang) -> Vec<(i64, String)> {
    rules
        .iter()
        .filter(|r| r.active && r.stamps_needed() > 0)
        .map(|r| (r.stamps_needed(), r.display_name(lang).to_string()))
        .collect()
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
    /// Registers a new customer at the counter. A tier other than basic is
    /// the owner's to give (`viewer` must be the owner).
    pub fn add_customer(
        &mut self,
        input: CustomerInput,
        viewer: &Viewer,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<CustomerSummary> {
        let customer = input.validate(ids.next_id(at), at)?;
        if customer.tier != Tier::Basic && viewer.owner().is_none() {
            return Err(StoreError::OwnerRequired {
                what: crate::error::say("고객 등급 정하기", "give a customer a tier"),
            });
        }
        let ctx = self.write_ctx()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ctx.check(&tx, ids, at, None, "customer registration")?;
        let rid = customers::insert(&tx, &customer, 0, None)?;
        outbox::append(&tx, ids, ctx.device, at, "customer.created", &event_customer(&customer))?;
        let row = customers::get_rid(&tx, rid)?;
        tx.commit()?;
        Ok(summary(&Found::from(&row), MatchKind::Card, viewer))
    }

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

    /// Brings the name search's grams up to date with the customers'
    /// scores after checkouts (see `customers::settle`): lookups give the
    /// same results before and after, so the shells run this after the
    /// receipt is out, not inside the sale. Returns how many customers moved.
    ///
    /// Its commit is not flushed to disk on its own (`synchronous=NORMAL`):
    /// a power cut can lose it only whole (the moved grams with the emptied
    /// list), which leaves lookups exact; the next sale's flush carries it.
    pub fn settle_search(&mut self) -> Result<usize> {
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

    /// The customer's profile with history, balances and open complaints.
    pub fn profile(&self, id: Uuid, at: DateTime<Utc>, viewer: &Viewer) -> Result<Profile> {
        let row = customers::get(&self.conn, id)?;
        let loaded = self.rules.get(&self.conn)?;
        let rules = &loaded.0;
        let loyalty = settings::loyalty(&self.conn)?;
        let ctx = load_context(&self.conn, &self.points, row, rules, at)?;
        let c = &ctx.row.customer;
        let total_spent: i64 = self
            .conn
            .prepare_cached("SELECT coalesce(sum(total), 0) FROM sales WHERE customer = ?1")?
            .query_row([ctx.row.rid], |r| r.get(0))?;
        let expiring = ctx
            .standing
            .book
            .expiring_soon(at, Duration::days(loyalty.points_warning_days))
            .map(|(points, at)| PointsExpiring { points, at });
        let recent_feedback = feedback::recent_for(&self.conn, ctx.row.rid, 10)?;
        let facts = &ctx.standing.facts;
        Ok(Profile {
            id: c.id,
            name: c.name.clone(),
            preferred_name: c.preferred_name.clone(),
            phone_masked: c.phone.masked(),
            phone: viewer.sees_full_phones().then(|| c.phone.formatted()),
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
            points: facts.points,
            points_expiring: expiring,
            stamps: facts.stamps,
            coupons: facts
                .coupons
                .iter()
                .filter(|c| c.is_usable(at))
                .map(|c| CouponView { code: c.code.clone(), rule_id: c.rule_id.clone(), expires_at: c.expires_at })
                .collect(),
            open_complaints: ctx.open_complaints.iter().map(FeedbackView::from).collect(),
            recent_feedback: recent_feedback.iter().map(FeedbackView::from).collect(),
        })
    }

    /// Eligible discounts, the best combination, the selection with what
    /// each discount adds to it, near misses and ranked suggestions for a
    /// cart, for a customer or a walk-in sale. Read-only; see
    /// `record_shown`.
    pub fn preview(&self, req: &PreviewRequest) -> Result<PreviewView> {
        let conn = &self.conn;
        let priced = price(conn, &req.cart)?;
        let loaded = self.rules.get(conn)?;
        let rules = &loaded.0;
        let ctx: Option<Context> = match req.customer {
            Some(id) => Some(load_context(conn, &self.points, customers::get(conn, id)?, rules, req.at)?),
            None => None,
        };
        let anonymous = walk_in();
        let standing = ctx.as_ref().map_or(&anonymous, |c| &c.standing);
        let engine = Engine::new(rules, &priced, &standing.facts, req.at, self.zone, req.lang);
        let eval = engine.evaluate_for(req.selected.as_deref());
        let suggestions = match &ctx {
            None => suggest::suggest(
                &SuggestionInput {
                    customer: None,
                    facts: &standing.facts,
                    eval: &eval,
                    told: &req.told,
                    cart: &priced,
                    history: &Default::default(),
                    open_complaints: &[],
                    points_expiring: None,
                    stamp_goals: &[],
                    memory: &[],
                    at: req.at,
                    zone: self.zone,
                    lang: req.lang,
                },
                req.limit,
            ),
            Some(ctx) => {
                let loyalty = settings::loyalty(conn)?;
                let memory = prompts::memory(conn, ctx.row.rid, &ctx.visit_times, req.at, self.zone)?;
                let goals = stamp_goals(rules, req.lang);
                suggest::suggest(
                    &SuggestionInput {
                        customer: Some(&ctx.row.customer),
                        facts: &standing.facts,
                        eval: &eval,
                        told: &req.told,
                        cart: &priced,
                        history: &ctx.history,
                        open_complaints: &ctx.open_complaints,
                        points_expiring: standing
                            .book
                            .expiring_soon(req.at, Duration::days(loyalty.points_warning_days)),
                        stamp_goals: &goals,
                        memory: &memory,
                        at: req.at,
                        zone: self.zone,
                        lang: req.lang,
                    },
                    req.limit,
                )
            }
        };
        Ok(build_preview(ctx.as_ref().map(|c| &c.row), &priced, &eval, &suggestions, req.lang, &req.viewer))
    }

    /// Records the suggestions of a preview as shown (once per key per day).
    pub fn record_shown(
        &mut self,
        customer: Uuid,
        suggestions: &[SuggestionView],
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<()> {
        let ctx = self.audit_ctx();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = customers::get(&tx, customer)?;
        let day_start = self.zone.start_of(self.zone.date(at));
        let mut keys = Vec::new();
        for s in suggestions {
            if !prompts::shown_since(&tx, row.rid, &s.key, day_start)? {
                keys.push(s.key.clone());
            }
        }
        if !keys.is_empty() {
            ctx.check(&tx, ids, at, Some(row.registered()), "prompts shown")?;
            for s in suggestions.iter().filter(|s| keys.contains(&s.key)) {
                prompts::record(&tx, row.rid, at, &s.key, &s.kind, PromptAction::Shown, None)?;
            }
            outbox::append(
                &tx,
                ids,
                ctx.device,
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
                reason: crate::error::say(
                    format!("{key:?}은(는) usual_item:SALT, consent:marketing 같은 제안 키가 아닙니다"),
                    format!("{key:?} is not a suggestion key such as usual_item:SALT or consent:marketing"),
                ),
            });
        }
        if action == PromptAction::Dismissed && reason.is_none_or(|r| r.trim().is_empty() || r.chars().count() > 200) {
            return Err(StoreError::BadInput {
                what: "dismiss reason",
                reason: crate::error::say(
                    "제안을 건너뛰려면 사유(1~200자)가 필요합니다",
                    "dismissing a prompt needs a reason of 1-200 characters",
                ),
            });
        }
        let ctx = self.write_ctx()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = customers::get(&tx, customer)?;
        ctx.check(&tx, ids, at, Some(row.registered()), "prompt")?;
        prompts::record(&tx, row.rid, at, key, &kind, action, reason.map(str::trim))?;
        outbox::append(
            &tx,
            ids,
            ctx.device,
            at,
            "prompt.recorded",
            &serde_json::json!({"customer": customer, "key": key, "action": action.as_str(), "reason": reason}),
        )?;
        tx.commit()?;
        Ok(())
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
        let ctx = self.write_ctx()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = customers::get(&tx, customer)?;
        ctx.check(&tx, ids, at, Some(row.registered()), "feedback")?;
        feedback::insert(&tx, row.rid, &f)?;
        outbox::append(&tx, ids, ctx.device, at, "feedback.logged", &f)?;
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
                reason: crate::error::say(
                    "어떻게 처리했는지 적어 주세요 (1~2000바이트)",
                    "describe how it was resolved (1-2000 bytes)",
                ),
            });
        }
        let ctx = self.write_ctx()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let f = feedback::get(&tx, id)?;
        if f.status == dangol_domain::feedback::FeedbackStatus::Resolved {
            return Err(StoreError::BadInput {
                what: "feedback",
                reason: crate::error::say(
                    format!("{id}은(는) 이미 처리되었습니다"),
                    format!("{id} is already resolved"),
                ),
            });
        }
        ctx.check(&tx, ids, at, Some((f.at, "the feedback was logged")), "feedback resolution")?;
        feedback::resolve(&tx, id, resolution, at)?;
        outbox::append(
            &tx,
            ids,
            ctx.device,
            at,
            "feedback.resolved",
            &serde_json::json!({"id": id, "resolution": resolution}),
        )?;
        let f = feedback::get(&tx, id)?;
        tx.commit()?;
        Ok(FeedbackView::from(&f))
    }

    /// A product by SKU or barcode (what a scanner or the SKU field gives).
    pub fn find_product(&self, code: &str) -> Result<Option<Product>> {
        catalog::find(&self.conn, code.trim())
    }

    /// A preview whose suggestions are then recorded as shown: what the
    /// counter window does on every change of customer or cart.
    pub fn preview_and_record(&mut self, req: &PreviewRequest, ids: &mut dyn IdSource) -> Result<PreviewView> {
        let view = self.preview(req)?;
        if let Some(customer) = req.customer {
            self.record_shown(customer, &view.suggestions, req.at, ids)?;
        }
        Ok(view)
    }

    /// The shop as the counter shows it: name, zone, limits, database.
    pub fn shop_info(&self) -> Result<ShopInfo> {
        let demo = settings::is_demo(&self.conn)?;
        let mut problems: Vec<Localized> = self
            .rules
            .get(&self.conn)?
            .1
            .iter()
            .map(|r| {
                say(
                    format!("할인 규칙 {}은(는) 쓰지 않고 있습니다: {}", r.id, r.reason.ko),
                    format!("rule {} is set aside: {}", r.id, r.reason.en),
                )
            })
            .collect();
        if let Some(p) = settings::loyalty_problem(&self.conn)? {
            problems.push(say(
                format!("저장된 적립 설정을 쓰지 않고 기본값을 씁니다: {}", p.message(Lang::Ko)),
                format!("the stored loyalty settings are not in use (defaults apply): {}", p.message(Lang::En)),
            ));
        }
        Ok(ShopInfo {
            shop_name: settings::shop_name(&self.conn)?,
            time_zone: self.zone.name().to_string(),
            goodwill_limit: settings::goodwill_limit(&self.conn)?,
            large_sale: settings::large_sale(&self.conn)?,
            loyalty: settings::loyalty(&self.conn)?,
            db_path: self.path().map(|p| p.display().to_string()).unwrap_or_else(|| ":memory:".into()),
            customers: customers::count(&self.conn)?,
            schema_version: self.schema_version()?,
            demo,
            demo_pin: match demo {
                true => settings::get(&self.conn, settings::DEMO_OWNER_PIN)?,
                false => None,
            },
            owner_pin_set: self.owner_pin_is_set()?,
            problems,
        })
    }

    pub fn products(&self) -> Result<Vec<Product>> {
        catalog::all(&self.conn)
    }
}

fn build_preview(
    row: Option<&CustomerRow>,
    priced: &PricedCart,
    eval: &Evaluation,
    suggestions: &[Suggestion],
    lang: Lang,
    viewer: &Viewer,
) -> PreviewView {
    PreviewView {
        customer: row.map(|r| summary(&Found::from(r), MatchKind::Card, viewer)),
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
        eligible: eval
            .eligible
            .iter()
            .map(|e| {
                let st = eval.standing(&e.rule_id);
                EligibleView {
                    rule_id: e.rule_id.clone(),
                    name: e.name.clone(),
                    kind: e.kind.clone(),
                    saving: e.saving,
                    optional: e.optional,
                    exclusive: e.exclusive,
                    reasons: e.reasons.iter().map(|r| reason_text(r, lang)).collect(),
                    applied: st.is_some_and(|s| s.applied),
                    applied_saving: st.map_or(0, |s| s.applied_saving),
                    adds: st.map_or(0, |s| s.adds),
                }
            })
            .collect(),
        best: eval.best.clone(),
        selected: eval.selected.clone(),
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

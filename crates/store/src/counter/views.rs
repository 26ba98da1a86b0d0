//! The counter's public JSON shapes (see docs/json.md): what a lookup, a
//! profile, a preview, a receipt and the shop's settings look like on the
//! wire, generated for TypeScript.

use crate::lookup::{Found, MatchKind};
use crate::owner::Viewer;
use chrono::{DateTime, Utc};
use dangol_domain::catalog::Cart;
use dangol_domain::eligibility::{Combination, Reason};
use dangol_domain::feedback::Feedback;
use dangol_domain::gate::Missed;
use dangol_domain::i18n::Lang;
use dangol_domain::lang::Localized;
use dangol_domain::loyalty::LoyaltySettings;
use dangol_domain::phone::Phone;
use dangol_domain::sale::{AppliedDiscount, SaleLine};
use dangol_domain::suggest::{Suggestion, UsualItem};
use serde::Serialize;
use uuid::Uuid;

/// A lookup result row (`lookup --json`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct CouponView {
    pub code: String,
    pub rule_id: String,
    pub expires_at: DateTime<Utc>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct VisitView {
    pub sale_id: Uuid,
    pub at: DateTime<Utc>,
    pub total: i64,
    pub items: i64,
}

/// A customer's profile (`customer --json`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Their usual gap between visits in whole days: the review's rhythm
    /// (the median gap between distinct visit days), `None` before a
    /// second visit day.
    pub usual_interval_days: Option<i64>,
    pub usual_items: Vec<UsualItem>,
    pub recent_visits: Vec<VisitView>,
    pub points: i64,
    /// Once the counter syncs: the points it may redeem here (the rest are
    /// held at other counters until they sync); `None` on its own.
    pub points_held_here: Option<i64>,
    pub points_expiring: Option<PointsExpiring>,
    pub stamps: i64,
    pub coupons: Vec<CouponView>,
    pub open_complaints: Vec<FeedbackView>,
    pub recent_feedback: Vec<FeedbackView>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct PointsExpiring {
    pub points: i64,
    pub at: DateTime<Utc>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct NearMissView {
    pub rule_id: String,
    pub name: String,
    pub reason: String,
    pub reason_code: Reason,
    pub alternatives: Vec<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// A register's cart as the counter window shows it: pushed whole by the
/// register through the local API (`dangol-api`), with who it is for. The
/// window prices it itself, with the cashier's choices.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct RegisterCart {
    /// The register's name.
    pub register: String,
    /// The register's revision of the cart.
    pub revision: u64,
    /// `None` for a walk-in sale.
    pub customer: Option<CustomerSummary>,
    pub lines: Vec<dangol_domain::catalog::CartLine>,
    /// The points hold the register made for this payment, if any.
    pub hold: Option<Uuid>,
    pub pushed_at: DateTime<Utc>,
}

/// The customer's screen on a tablet, as the owner's settings show it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct TabletScreenView {
    /// The address of this PC the owner allowed it at (`IP:PORT`), if any.
    pub address: Option<String>,
    /// The address the tablet opens, the screen key in its fragment (only
    /// while served).
    pub url: Option<String>,
    /// That address as a QR code (an SVG image), for the tablet's camera.
    pub qr_svg: Option<String>,
    /// This PC's addresses on the shop's networks, with the usual port:
    /// what the owner may pick from.
    pub suggestions: Vec<String>,
    /// Why it is allowed but not served (the address is not this PC's
    /// any more, the port is taken).
    pub problem: Option<crate::error::ErrorView>,
}

/// A discount on the customer's screen: its name and what it took off.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ScreenDiscount {
    pub name: String,
    pub saving: i64,
}

/// What the customer's own screen shows (a second window facing the
/// customer): how to address them, their points and stamps, the discounts
/// on this visit and what they save, and their marketing consent, which
/// they give or refuse there themselves. Never a phone number, never
/// anyone else's data.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerScreen {
    pub shop_name: String,
    /// The name they asked to be called by, else their name (the screen
    /// adds 님 in Korean); `None` while nobody is identified: the screen
    /// greets in general.
    pub address: Option<String>,
    /// Whether `address` is the name they asked for (shown as it is).
    pub preferred: bool,
    /// Which showing this is (`show_customer` counts them): the customer's
    /// answer to consent names it, so an answer given to one customer's
    /// screen is never recorded for the next.
    pub showing: u64,
    pub points: i64,
    pub stamps: i64,
    pub discounts: Vec<ScreenDiscount>,
    /// What this visit takes off.
    pub saving: i64,
    /// What they pay.
    pub total: i64,
    /// `None` while nobody is identified.
    pub marketing_consent: Option<bool>,
}

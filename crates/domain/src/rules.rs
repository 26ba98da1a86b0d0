//! Discount rules as data. The owner configures them; they are stored as JSON
//! and evaluated by the eligibility engine, never hard-coded.
//!
//! A rule is: conditions that must all hold (tier, age, birthday, first visit,
//! stamps, a coupon, a time window, a minimum spend), a validity period, a
//! per-customer usage limit, a benefit (percent or amount off, free items,
//! buy-X-get-Y, points redemption) over a scope (the whole cart, categories or
//! products), and whether it stacks with others or stands alone.

use crate::catalog::MAX_PRICE;
use crate::customer::Tier;
use crate::error::{DomainError, Expected, Problem, Result};
use crate::money::Won;
use crate::time::TimeWindow;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A discount rule.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscountRule {
    /// Stable id, e.g. `senior-65`.
    pub id: String,
    /// Korean display name.
    pub name: String,
    /// English display name, if different.
    #[serde(default)]
    pub name_en: Option<String>,
    pub benefit: Benefit,
    #[serde(default)]
    pub scope: Scope,
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// First local date the rule is valid (inclusive).
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    /// Last local date the rule is valid (inclusive).
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    #[serde(default)]
    pub limit: Option<UsageLimit>,
    #[serde(default)]
    pub stacking: Stacking,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// What the customer gets.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Benefit {
    /// A percentage off the scope, in basis points (1000 = 10%).
    PercentOff { percent_bp: i64 },
    /// A fixed amount off the scope.
    AmountOff { amount: Won },
    /// The most expensive `count` units in scope free (each up to `max_unit_price`).
    FreeItems {
        count: i64,
        #[serde(default)]
        max_unit_price: Option<Won>,
    },
    /// For every `buy + get` units in scope, `get` units are free: the
    /// cheapest ones in the cart.
    BuyXGetY { buy: i64, get: i64 },
    /// Pay with points: `won_per_point` won per point, at least `min_points`,
    /// covering at most `max_share_bp` of the scope. Optional for the
    /// customer: spending points is their choice, so it is offered, never
    /// forced by the checkout gate.
    RedeemPoints {
        #[serde(default = "one")]
        won_per_point: Won,
        #[serde(default)]
        min_points: i64,
        #[serde(default)]
        max_share_bp: Option<i64>,
    },
}

fn one() -> Won {
    1
}

impl Benefit {
    /// A stable name for the benefit kind, used on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            Benefit::PercentOff { .. } => "percent_off",
            Benefit::AmountOff { .. } => "amount_off",
            Benefit::FreeItems { .. } => "free_items",
            Benefit::BuyXGetY { .. } => "buy_x_get_y",
            Benefit::RedeemPoints { .. } => "redeem_points",
        }
    }

    /// Order of application: item-level first, then percentages, then fixed
    /// amounts, then points, so each applies to what is left.
    pub(crate) fn phase(&self) -> u8 {
        match self {
            Benefit::FreeItems { .. } | Benefit::BuyXGetY { .. } => 0,
            Benefit::PercentOff { .. } => 1,
            Benefit::AmountOff { .. } => 2,
            Benefit::RedeemPoints { .. } => 3,
        }
    }
}

/// Which cart lines a benefit applies to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Scope {
    #[default]
    Cart,
    Categories {
        categories: Vec<String>,
    },
    Products {
        skus: Vec<String>,
    },
}

impl Scope {
    pub fn covers(&self, sku: &str, category: &str) -> bool {
        match self {
            Scope::Cart => true,
            Scope::Categories { categories } => categories.iter().any(|c| c == category),
            Scope::Products { skus } => skus.iter().any(|s| s == sku),
        }
    }
}

/// When a birthday rule applies.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum BirthdayWindow {
    /// The whole birthday month.
    Month,
    /// The birthday ± `days`.
    Days { days: i64 },
}

/// A condition on the customer, the cart or the moment.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// The customer's tier is at least this one.
    MinTier {
        tier: Tier,
    },
    /// The customer is at least `years` old on the day of sale.
    MinAge {
        years: i64,
    },
    Birthday {
        window: BirthdayWindow,
    },
    /// The customer has no completed visit yet.
    FirstVisit,
    /// The customer has `count` stamps; applying the rule spends them.
    Stamps {
        count: i64,
    },
    /// The customer holds an unused, unexpired coupon for this rule; applying
    /// the rule uses it.
    Coupon,
    /// The sale happens inside a weekly time window (happy hour).
    TimeWindow {
        window: TimeWindow,
    },
    /// The cart subtotal (before discounts) is at least `amount`.
    MinSpend {
        amount: Won,
    },
}

/// How often one customer may use a rule.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageLimit {
    pub count: i64,
    pub per: LimitPeriod,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitPeriod {
    Lifetime,
    Year,
    Month,
    Day,
}

/// Whether a rule combines with others.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Stacking {
    #[default]
    Stackable,
    /// Applies alone: no other rule in the same sale.
    Exclusive,
}

/// Largest fixed amount off, in won.
pub const MAX_AMOUNT: Won = 10_000_000;
/// Largest unit count in a free-items or buy-X-get-Y benefit.
pub const MAX_UNITS: i64 = 100;
/// Largest won value of one point.
pub const MAX_WON_PER_POINT: Won = 1_000;
/// Largest points figure in a rule.
pub const MAX_POINTS: i64 = 100_000_000;
/// Largest stamp count a reward may need.
pub const MAX_STAMPS: i64 = 1_000;
/// Largest minimum spend, in won.
pub const MAX_MIN_SPEND: Won = 1_000_000_000;
/// Most uses a usage limit may allow.
pub const MAX_LIMIT_COUNT: i64 = 1_000;
/// Most conditions on one rule, and entries in one scope.
pub const MAX_CONDITIONS: usize = 20;
pub const MAX_SCOPE_ENTRIES: usize = 100;

/// The rule id a goodwill discount is recorded under (reserved: no rule may
/// take it).
pub const GOODWILL_ID: &str = "goodwill";

/// Checks that `value` lies in `min..=max`; the error names the field.
pub fn in_range(field: &str, value: i64, min: i64, max: i64) -> Result<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(DomainError::OutOfRange { field: field.to_string(), min, max, got: value.to_string() })
    }
}

fn list_len(field: &str, len: usize) -> Result<()> {
    let problem = match len {
        0 => Problem::Empty,
        n if n > MAX_SCOPE_ENTRIES => Problem::TooMany { max: MAX_SCOPE_ENTRIES as u64, got: n as u64 },
        _ => return Ok(()),
    };
    Err(DomainError::InvalidField { field: field.into(), problem })
}

impl DiscountRule {
    /// Parses and validates a rule from JSON.
    pub fn from_json(json: &str) -> Result<DiscountRule> {
        let rule: DiscountRule = serde_json::from_str(json).map_err(|e| DomainError::InvalidRule {
            rule_id: "?".into(),
            field: String::new(),
            problem: Problem::json(&e),
        })?;
        rule.validate()?;
        Ok(rule)
    }

    /// Checks every value is in its range (an owner can type anything): the
    /// error names the rule, the field and the range allowed. A rule that
    /// passes can be evaluated on any cart without overflow.
    pub fn validate(&self) -> Result<()> {
        let bad =
            |field: &str, problem| DomainError::InvalidRule { rule_id: self.id.clone(), field: field.into(), problem };
        // A field's own error, placed inside the rule at `path`.
        let within = |path: &'static str| {
            move |e: DomainError| match e {
                DomainError::OutOfRange { field, min, max, got } => bad(&field, Problem::OutOfRange { min, max, got }),
                DomainError::InvalidField { problem, .. } => bad(path, problem),
                other => other,
            }
        };
        let field = within("");
        if self.id.is_empty()
            || self.id.len() > 64
            || !self.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(bad("id", Problem::Format { expected: Expected::Code }));
        }
        if self.id == GOODWILL_ID {
            return Err(bad("id", Problem::Reserved));
        }
        crate::customer::validate_name(&self.name, "name").map_err(within("name"))?;
        if let Some(en) = &self.name_en {
            crate::customer::validate_name(en, "name").map_err(within("name_en"))?;
        }
        match &self.benefit {
            Benefit::PercentOff { percent_bp } => in_range("benefit.percent_bp", *percent_bp, 1, 10_000),
            Benefit::AmountOff { amount } => in_range("benefit.amount", *amount, 1, MAX_AMOUNT),
            Benefit::FreeItems { count, max_unit_price } => in_range("benefit.count", *count, 1, MAX_UNITS)
                .and_then(|_| max_unit_price.map_or(Ok(()), |m| in_range("benefit.max_unit_price", m, 1, MAX_PRICE))),
            Benefit::BuyXGetY { buy, get } => {
                in_range("benefit.buy", *buy, 1, MAX_UNITS).and_then(|_| in_range("benefit.get", *get, 1, MAX_UNITS))
            }
            Benefit::RedeemPoints { won_per_point, min_points, max_share_bp } => {
                in_range("benefit.won_per_point", *won_per_point, 1, MAX_WON_PER_POINT)
                    .and_then(|_| in_range("benefit.min_points", *min_points, 0, MAX_POINTS))
                    .and_then(|_| max_share_bp.map_or(Ok(()), |s| in_range("benefit.max_share_bp", s, 1, 10_000)))
            }
        }
        .map_err(field)?;
        match &self.scope {
            Scope::Cart => {}
            Scope::Categories { categories } => {
                list_len("scope.categories", categories.len()).map_err(within("scope.categories"))?;
                for c in categories {
                    crate::customer::validate_name(c, "category").map_err(within("scope.categories"))?;
                }
            }
            Scope::Products { skus } => {
                list_len("scope.skus", skus.len()).map_err(within("scope.skus"))?;
                for sku in skus {
                    if sku.is_empty() || sku.len() > 40 {
                        return Err(bad("scope.skus", Problem::Format { expected: Expected::Code }));
                    }
                }
            }
        }
        let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date");
        let latest = NaiveDate::from_ymd_opt(2099, 12, 31).expect("a date");
        for (name, date) in [("valid_from", self.valid_from), ("valid_until", self.valid_until)] {
            if let Some(d) = date
                && !(earliest..=latest).contains(&d)
            {
                return Err(bad(
                    name,
                    if d < earliest {
                        Problem::TooEarly { min: earliest.to_string() }
                    } else {
                        Problem::TooLate { max: latest.to_string() }
                    },
                ));
            }
        }
        if let (Some(from), Some(until)) = (self.valid_from, self.valid_until)
            && from > until
        {
            return Err(bad("valid_from", Problem::AfterOther { other: "valid_until".into() }));
        }
        if self.conditions.len() > MAX_CONDITIONS {
            return Err(bad(
                "conditions",
                Problem::TooMany { max: MAX_CONDITIONS as u64, got: self.conditions.len() as u64 },
            ));
        }
        for c in &self.conditions {
            match c {
                Condition::Stamps { count } => in_range("conditions.stamps.count", *count, 1, MAX_STAMPS),
                Condition::MinSpend { amount } => in_range("conditions.min_spend.amount", *amount, 1, MAX_MIN_SPEND),
                Condition::MinAge { years } => in_range("conditions.min_age.years", *years, 1, 150),
                Condition::Birthday { window: BirthdayWindow::Days { days } } => {
                    in_range("conditions.birthday.window.days", *days, 0, 31)
                }
                Condition::TimeWindow { window } => {
                    if window.start == window.end {
                        return Err(bad("conditions.time_window", Problem::SameStartAndEnd));
                    }
                    let mut days = window.days.clone();
                    days.sort_by_key(|d| d.num_days_from_monday());
                    days.dedup();
                    if days.len() != window.days.len() {
                        return Err(bad("conditions.time_window.days", Problem::Repeated { value: String::new() }));
                    }
                    Ok(())
                }
                Condition::MinTier { .. } | Condition::Birthday { .. } | Condition::FirstVisit | Condition::Coupon => {
                    Ok(())
                }
            }
            .map_err(field)?;
        }
        if let Some(limit) = &self.limit {
            in_range("limit.count", limit.count, 1, MAX_LIMIT_COUNT).map_err(field)?;
        }
        if self.is_optional() && self.is_exclusive() {
            return Err(bad("stacking", Problem::ExclusiveRedemption));
        }
        Ok(())
    }

    /// Optional rules are offered, not required by the gate.
    pub fn is_optional(&self) -> bool {
        matches!(self.benefit, Benefit::RedeemPoints { .. })
    }

    pub fn is_exclusive(&self) -> bool {
        self.stacking == Stacking::Exclusive
    }

    /// The stamps the rule's conditions ask for together (saturating: an
    /// absurd count in a stored rule asks for more than anyone has, it
    /// does not overflow).
    pub fn stamps_needed(&self) -> i64 {
        self.conditions
            .iter()
            .map(|c| if let Condition::Stamps { count } = c { *count } else { 0 })
            .fold(0i64, i64::saturating_add)
    }

    pub fn needs_coupon(&self) -> bool {
        self.conditions.contains(&Condition::Coupon)
    }

    pub fn display_name(&self, lang: crate::lang::Lang) -> &str {
        match lang {
            crate::lang::Lang::En => self.name_en.as_deref().unwrap_or(&self.name),
            crate::lang::Lang::Ko => &self.name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_senior_rule() {
        let r = DiscountRule::from_json(r#"{"id":"senior-65","name":"경로 우대 10%","benefit":{"type":"percent_off","percent_bp":1000},"conditions":[{"type":"min_age","years":65}]}"#).unwrap();
        assert_eq!(r.benefit.kind(), "percent_off");
        assert!(r.active);
        assert_eq!(r.stacking, Stacking::Stackable);
    }

    /// Found by the engine's property test: two stamp conditions whose
    /// counts add past i64 overflowed; they ask for more than anyone has.
    #[test]
    fn stamp_counts_add_without_overflow() {
        let r: DiscountRule = serde_json::from_str(&format!(
            r#"{{"id":"x","name":"X","benefit":{{"type":"amount_off","amount":500}},"conditions":[{{"type":"stamps","count":1}},{{"type":"stamps","count":{}}}]}}"#,
            i64::MAX
        ))
        .unwrap();
        assert_eq!(r.stamps_needed(), i64::MAX);
    }

    #[test]
    fn rejects_bad_rules_with_reasons() {
        for (json, fragment) in [
            (
                r#"{"id":"x","name":"X","benefit":{"type":"percent_off","percent_bp":20000}}"#,
                "benefit.percent_bp: must be between 1 and 10000 (got 20000)",
            ),
            (
                r#"{"id":"x","name":"X","benefit":{"type":"amount_off","amount":-5}}"#,
                "benefit.amount: must be between 1 and 10000000",
            ),
            (r#"{"id":"x y","name":"X","benefit":{"type":"amount_off","amount":5}}"#, "id: must be a code"),
            (r#"{"id":"x","name":"X","benefit":{"type":"teleport"}}"#, "is not valid JSON (line 1, column"),
            (
                r#"{"id":"x","name":"X","benefit":{"type":"amount_off","amount":5},"valid_from":"2026-02-01","valid_until":"2026-01-01"}"#,
                "after",
            ),
            (r#"{"id":"x","name":"X""#, "not valid JSON (line 1, column 20)"),
            (
                r#"{"id":"x","name":"X","benefit":{"type":"buy_x_get_y","buy":4294967295,"get":1}}"#,
                "benefit.buy: must be between 1 and 100",
            ),
            (r#"{"id":"x","name":"X","benefit":{"type":"free_items","count":0}}"#, "benefit.count"),
            (r#"{"id":"x","name":"X","benefit":{"type":"amount_off","amount":99999999999}}"#, "benefit.amount"),
            (
                r#"{"id":"x","name":"X","benefit":{"type":"percent_off","percent_bp":1000},"conditions":[{"type":"min_age","years":-3}]}"#,
                "min_age.years",
            ),
            (
                r#"{"id":"x","name":"X","benefit":{"type":"percent_off","percent_bp":1000},"conditions":[{"type":"birthday","window":{"type":"days","days":400}}]}"#,
                "window.days",
            ),
            (
                r#"{"id":"x","name":"X","benefit":{"type":"percent_off","percent_bp":1000},"limit":{"count":0,"per":"day"}}"#,
                "limit.count",
            ),
            (
                r#"{"id":"x","name":"X","benefit":{"type":"percent_off","percent_bp":1000},"valid_until":"9999-01-01"}"#,
                "valid_until",
            ),
            (r#"{"id":"x","name":"X","benefit":{"type":"redeem_points","won_per_point":0}}"#, "won_per_point"),
            (
                r#"{"id":"x","name":"X","benefit":{"type":"percent_off","percent_bp":1000},"scope":{"type":"categories","categories":[]}}"#,
                "scope.categories",
            ),
            (r#"{"id":"goodwill","name":"X","benefit":{"type":"amount_off","amount":5}}"#, "reserved"),
        ] {
            let err = DiscountRule::from_json(json).expect_err(json).to_string();
            assert!(err.contains(fragment), "{json}: {err:?} should mention {fragment:?}");
        }
    }
}

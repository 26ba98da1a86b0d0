//! Discount rules as data. The owner configures them; they are stored as JSON
//! and evaluated by the eligibility engine, never hard-coded.
//!
//! A rule is: conditions that must all hold (tier, age, birthday, first visit,
//! stamps, a coupon, a time window, a minimum spend), a validity period, a
//! per-customer usage limit, a benefit (percent or amount off, free items,
//! buy-X-get-Y, points redemption) over a scope (the whole cart, categories or
//! products), and whether it stacks with others or stands alone.

use crate::customer::Tier;
use crate::error::{DomainError, Result};
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
    PercentOff { percent_bp: u32 },
    /// A fixed amount off the scope.
    AmountOff { amount: Won },
    /// The most expensive `count` units in scope free (each up to `max_unit_price`).
    FreeItems {
        count: u32,
        #[serde(default)]
        max_unit_price: Option<Won>,
    },
    /// For every `buy + get` units in scope, `get` units are free: the
    /// cheapest ones in the cart.
    BuyXGetY { buy: u32, get: u32 },
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
        max_share_bp: Option<u32>,
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
    Days { days: u32 },
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
        years: u32,
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
    pub count: u32,
    pub per: LimitPeriod,
}

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

impl DiscountRule {
    /// Parses and validates a rule from JSON.
    pub fn from_json(json: &str) -> Result<DiscountRule> {
        let rule: DiscountRule = serde_json::from_str(json)
            .map_err(|e| DomainError::InvalidRule { rule_id: "?".into(), reason: e.to_string() })?;
        rule.validate()?;
        Ok(rule)
    }

    /// Checks the values make sense (an owner can type anything).
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: String| Err(DomainError::InvalidRule { rule_id: self.id.clone(), reason });
        if self.id.is_empty()
            || self.id.len() > 64
            || !self.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return bad("id must be 1-64 letters, digits, '-' or '_'".into());
        }
        crate::customer::validate_name(&self.name, "rule name")?;
        match &self.benefit {
            Benefit::PercentOff { percent_bp } if *percent_bp == 0 || *percent_bp > 10_000 => {
                return bad(format!("percent_bp {percent_bp} must be 1..=10000"));
            }
            Benefit::AmountOff { amount } if *amount <= 0 => {
                return bad(format!("amount {amount} must be positive"));
            }
            Benefit::FreeItems { count, max_unit_price } if *count == 0 || max_unit_price.is_some_and(|m| m <= 0) => {
                return bad("free items need a count of at least 1 and a positive cap".into());
            }
            Benefit::BuyXGetY { buy, get } if *buy == 0 || *get == 0 => {
                return bad("buy and get must both be at least 1".into());
            }
            Benefit::RedeemPoints { won_per_point, min_points, max_share_bp }
                if *won_per_point <= 0 || *min_points < 0 || max_share_bp.is_some_and(|s| s == 0 || s > 10_000) =>
            {
                return bad(
                    "points redemption needs a positive rate, a non-negative minimum and a share of 1..=10000".into()
                );
            }
            _ => {}
        }
        if let (Some(from), Some(until)) = (self.valid_from, self.valid_until)
            && from > until
        {
            return bad(format!("valid_from {from} is after valid_until {until}"));
        }
        for c in &self.conditions {
            match c {
                Condition::Stamps { count } if *count <= 0 => {
                    return bad("a stamp condition needs a positive count".into());
                }
                Condition::MinSpend { amount } if *amount <= 0 => {
                    return bad("a minimum spend must be positive".into());
                }
                Condition::MinAge { years } if *years > 150 => {
                    return bad("a minimum age must be realistic".into());
                }
                _ => {}
            }
        }
        if self.limit.as_ref().is_some_and(|l| l.count == 0) {
            return bad("a usage limit must allow at least one use".into());
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

    pub fn stamps_needed(&self) -> i64 {
        self.conditions.iter().map(|c| if let Condition::Stamps { count } = c { *count } else { 0 }).sum()
    }

    pub fn needs_coupon(&self) -> bool {
        self.conditions.contains(&Condition::Coupon)
    }

    pub fn display_name(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::En => self.name_en.as_deref().unwrap_or(&self.name),
            crate::i18n::Lang::Ko => &self.name,
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

    #[test]
    fn rejects_bad_rules_with_reasons() {
        for (json, fragment) in [
            (r#"{"id":"x","name":"X","benefit":{"type":"percent_off","percent_bp":20000}}"#, "percent_bp"),
            (r#"{"id":"x","name":"X","benefit":{"type":"amount_off","amount":-5}}"#, "positive"),
            (r#"{"id":"x y","name":"X","benefit":{"type":"amount_off","amount":5}}"#, "id must be"),
            (r#"{"id":"x","name":"X","benefit":{"type":"teleport"}}"#, "unknown variant"),
            (
                r#"{"id":"x","name":"X","benefit":{"type":"amount_off","amount":5},"valid_from":"2026-02-01","valid_until":"2026-01-01"}"#,
                "after",
            ),
            (r#"{"id":"x","name":"X""#, "EOF"),
        ] {
            let err = DiscountRule::from_json(json).expect_err(json).to_string();
            assert!(err.contains(fragment), "{json}: {err:?} should mention {fragment:?}");
        }
    }
}

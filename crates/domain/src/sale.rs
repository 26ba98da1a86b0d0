//! A sale (a visit) as recorded: what was sold, which discounts applied, the
//! totals, and the loyalty effects (points and stamps earned or spent,
//! coupons used). Sales are insert-only; a refund is a reversal sale that
//! negates every effect of the original.

use crate::catalog::PricedCart;
use crate::customer::Tier;
use crate::eligibility::{Evaluation, Reason};
use crate::gate::{Cleared, Missed};
use crate::loyalty::LoyaltySettings;
use crate::money::Won;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleLine {
    pub sku: String,
    pub name: String,
    pub category: String,
    pub unit_price: Won,
    pub qty: i64,
    pub amount: Won,
    pub discount: Won,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedDiscount {
    pub rule_id: String,
    pub name: String,
    pub saving: Won,
    pub coupon_id: Option<Uuid>,
}

/// Everything a completed checkout writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleDraft {
    pub id: Uuid,
    pub customer_id: Option<Uuid>,
    pub at: DateTime<Utc>,
    pub lines: Vec<SaleLine>,
    pub discounts: Vec<AppliedDiscount>,
    pub missed: Vec<Missed>,
    /// Discounts the sale almost got, as the engine saw them (absent from
    /// sales recorded before they were kept). Read leniently: an entry this
    /// build cannot read (a reason a newer Dangol knows) is left out, never
    /// the sale.
    #[serde(default, deserialize_with = "readable_near_misses")]
    pub near_misses: Vec<NearMissed>,
    pub subtotal: Won,
    pub discount_total: Won,
    pub total: Won,
    pub points_earned: i64,
    pub points_expire_at: Option<DateTime<Utc>>,
    pub points_redeemed: i64,
    pub stamps_earned: i64,
    pub stamps_redeemed: i64,
    /// A goodwill discount the cashier granted, if any.
    pub goodwill: Option<Goodwill>,
}

pub use crate::rules::GOODWILL_ID;

/// A goodwill discount granted at the counter (principle 7: authority to fix
/// things), with its reason and whether the owner approved it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goodwill {
    pub amount: Won,
    pub reason: String,
    pub approved_by_owner: bool,
}

impl Goodwill {
    /// Validates a grant against the owner's limit. Above the limit the
    /// owner must have approved it (PIN checked by the caller).
    pub fn new(amount: Won, reason: &str, limit: Won, approved_by_owner: bool) -> crate::Result<Goodwill> {
        use crate::error::DomainError;
        let composed = crate::hangul::nfc(reason.trim());
        let reason = composed.as_ref();
        if amount <= 0 {
            return Err(DomainError::field("goodwill_amount", crate::error::Problem::NotPositive));
        }
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(DomainError::field(
                "goodwill_reason",
                if reason.is_empty() {
                    crate::error::Problem::Empty
                } else {
                    crate::error::Problem::TooLong {
                        max: 200,
                        got: reason.chars().count() as u64,
                        unit: crate::error::Unit::Characters,
                    }
                },
            ));
        }
        if amount > limit && !approved_by_owner {
            return Err(DomainError::OwnerApprovalRequired { amount, limit });
        }
        Ok(Goodwill { amount, reason: reason.to_string(), approved_by_owner })
    }
}

/// A discount a sale almost got, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearMissed {
    pub rule_id: String,
    pub name: String,
    pub reason: Reason,
}

fn readable_near_misses<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<NearMissed>, D::Error> {
    let raw: Vec<serde_json::Value> = Deserialize::deserialize(d)?;
    Ok(raw.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect())
}

/// The customer-side inputs of a sale draft.
pub struct DraftCustomer {
    pub id: Uuid,
    pub tier: Tier,
}

/// What a sale draft is built from: the checkout as evaluated and cleared.
pub struct Checkout<'a> {
    pub customer: Option<&'a DraftCustomer>,
    pub cart: &'a PricedCart,
    pub eval: &'a Evaluation,
    pub cleared: &'a Cleared,
    pub rules: &'a [crate::rules::DiscountRule],
    pub settings: &'a LoyaltySettings,
    pub goodwill: Option<&'a Goodwill>,
}

/// Builds the sale a cleared checkout records. A goodwill discount applies
/// last, to what is left, and never makes the total negative.
pub fn draft(id: Uuid, checkout: &Checkout, at: DateTime<Utc>) -> SaleDraft {
    let Checkout { customer, cart, eval, cleared, rules, settings, goodwill } = *checkout;
    let mut lines: Vec<SaleLine> = cart
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| SaleLine {
            sku: l.sku.clone(),
            name: l.name.clone(),
            category: l.category.clone(),
            unit_price: l.unit_price,
            qty: l.qty,
            amount: l.amount(),
            discount: cleared.applied.line_discounts.get(i).copied().unwrap_or(0),
        })
        .collect();
    let subtotal = cart.subtotal();
    let mut discount_total = cleared.applied.total_saving.min(subtotal);
    let goodwill = goodwill
        .map(|g| Goodwill { amount: g.amount.min(subtotal - discount_total), ..g.clone() })
        .filter(|g| g.amount > 0);
    if let Some(g) = &goodwill {
        // Largest remaining lines first, so the allocation is deterministic.
        let mut order: Vec<usize> = (0..lines.len()).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(lines[i].amount - lines[i].discount), i));
        let mut left = g.amount;
        for i in order {
            let cut = left.min(lines[i].amount - lines[i].discount);
            lines[i].discount += cut;
            left -= cut;
        }
        discount_total += g.amount;
    }
    let total = subtotal - discount_total;
    let mut discounts: Vec<AppliedDiscount> = cleared
        .applied
        .savings
        .iter()
        .map(|(rule_id, saving)| AppliedDiscount {
            rule_id: rule_id.clone(),
            name: eval.find(rule_id).map(|e| e.name.clone()).unwrap_or_else(|| rule_id.clone()),
            saving: *saving,
            coupon_id: eval.find(rule_id).and_then(|e| e.coupon_id),
        })
        .collect();
    if let Some(g) = &goodwill {
        discounts.push(AppliedDiscount {
            rule_id: GOODWILL_ID.into(),
            name: g.reason.clone(),
            saving: g.amount,
            coupon_id: None,
        });
    }
    let stamps_redeemed = cleared
        .applied_rules
        .iter()
        .filter_map(|id| rules.iter().find(|r| r.id == *id))
        .map(|r| r.stamps_needed())
        .sum();
    let (points_earned, stamps_earned) = match customer {
        None => (0, 0),
        Some(c) => {
            let stamps = cart
                .lines
                .iter()
                .enumerate()
                .filter(|(_, l)| settings.stamp_categories.contains(&l.category))
                .map(|(i, l)| l.qty - cleared.applied.free_units.get(i).copied().unwrap_or(0))
                .sum::<i64>()
                .max(0);
            (settings.points_for(total, c.tier), stamps)
        }
    };
    SaleDraft {
        id,
        customer_id: customer.map(|c| c.id),
        at,
        lines,
        discounts,
        missed: cleared.missed.clone(),
        near_misses: eval
            .near_misses
            .iter()
            .map(|n| NearMissed { rule_id: n.rule_id.clone(), name: n.name.clone(), reason: n.reason.clone() })
            .collect(),
        subtotal,
        discount_total,
        total,
        points_earned,
        points_expire_at: if points_earned > 0 { settings.expiry_from(at) } else { None },
        points_redeemed: cleared.applied.points_used,
        stamps_earned,
        stamps_redeemed,
        goodwill,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sale_json(near: Option<serde_json::Value>) -> String {
        let mut v = serde_json::json!({
            "id": "0191e8ad-f400-7d7a-95b0-1ab78a89fd5c", "customer_id": null, "at": "2026-11-23T01:00:00Z",
            "lines": [], "discounts": [], "missed": [], "subtotal": 0, "discount_total": 0, "total": 0,
            "points_earned": 0, "points_expire_at": null, "points_redeemed": 0, "stamps_earned": 0,
            "stamps_redeemed": 0, "goodwill": null
        });
        if let Some(n) = near {
            v["near_misses"] = n;
        }
        v.to_string()
    }

    #[test]
    fn a_near_miss_this_build_cannot_read_never_costs_the_sale() {
        let old: SaleDraft = serde_json::from_str(&sale_json(None)).unwrap();
        assert!(old.near_misses.is_empty(), "a sale from before near misses were kept");
        let newer = serde_json::json!([
            {"rule_id": "a", "name": "A", "reason": {"reason": "spend_short", "min": 10000, "subtotal": 9600, "short": 400}},
            {"rule_id": "b", "name": "B", "reason": {"reason": "moon_phase", "phase": "full"}},
            "not even an object"
        ]);
        let read: SaleDraft = serde_json::from_str(&sale_json(Some(newer))).unwrap();
        assert_eq!(read.near_misses.len(), 1);
        assert_eq!(read.near_misses[0].rule_id, "a");
        assert!(
            serde_json::from_str::<SaleDraft>(&sale_json(Some(serde_json::json!(7)))).is_err(),
            "not a list at all"
        );
    }
}

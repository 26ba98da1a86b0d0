//! Loyalty: points, stamps and coupons.
//!
//! Points and stamps are ledgers: the balance is always the sum of the
//! entries, never a stored number that could drift or be doubled. Points
//! expire in lots, first earned first used: `PointsLots` replays a ledger to
//! tell what is left of each lot, what is due to expire and what expires soon.

use crate::money::{Won, percent_of};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a ledger entry exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerKind {
    Earn,
    Redeem,
    Expire,
    Adjust,
    Reverse,
}

impl LedgerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerKind::Earn => "earn",
            LedgerKind::Redeem => "redeem",
            LedgerKind::Expire => "expire",
            LedgerKind::Adjust => "adjust",
            LedgerKind::Reverse => "reverse",
        }
    }

    pub fn parse(s: &str) -> Option<LedgerKind> {
        [LedgerKind::Earn, LedgerKind::Redeem, LedgerKind::Expire, LedgerKind::Adjust, LedgerKind::Reverse]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One points (or stamps) ledger entry. `amount` is signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub at: DateTime<Utc>,
    pub kind: LedgerKind,
    pub amount: i64,
    /// For earned points: when this lot expires.
    pub expires_at: Option<DateTime<Utc>>,
}

/// The balance of a ledger: the sum of its entries.
pub fn balance(entries: &[LedgerEntry]) -> i64 {
    entries.iter().map(|e| e.amount).sum()
}

/// What is left of each earned lot after replaying spends FIFO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointsLots {
    /// (expires_at, remaining) for lots with points left, oldest first.
    pub lots: Vec<(Option<DateTime<Utc>>, i64)>,
}

impl PointsLots {
    /// Replays a ledger (in time order). Positive entries open lots; negative
    /// entries consume the oldest lots first.
    pub fn replay(entries: &[LedgerEntry]) -> PointsLots {
        let mut lots: Vec<(Option<DateTime<Utc>>, i64)> = Vec::new();
        let mut debt = 0i64;
        for e in entries {
            if e.amount > 0 {
                let mut amount = e.amount;
                let paid = amount.min(debt);
                debt -= paid;
                amount -= paid;
                if amount > 0 {
                    lots.push((e.expires_at, amount));
                }
            } else {
                let mut spend = -e.amount;
                for lot in lots.iter_mut() {
                    if spend == 0 {
                        break;
                    }
                    let take = lot.1.min(spend);
                    lot.1 -= take;
                    spend -= take;
                }
                debt += spend;
                lots.retain(|l| l.1 > 0);
            }
        }
        PointsLots { lots }
    }

    /// Points whose lot expired at or before `at` and are still unspent: the
    /// amount an `Expire` entry should remove now.
    pub fn due(&self, at: DateTime<Utc>) -> i64 {
        self.lots.iter().filter(|(exp, _)| exp.is_some_and(|e| e <= at)).map(|l| l.1).sum()
    }

    /// Points that will expire within `within` after `at` (not yet expired),
    /// and the earliest such expiry.
    pub fn expiring_soon(&self, at: DateTime<Utc>, within: Duration) -> Option<(i64, DateTime<Utc>)> {
        let horizon = at + within;
        let soon: Vec<_> =
            self.lots.iter().filter_map(|(exp, n)| exp.filter(|e| *e > at && *e <= horizon).map(|e| (e, *n))).collect();
        let first = soon.iter().map(|(e, _)| *e).min()?;
        Some((soon.iter().map(|(_, n)| n).sum(), first))
    }
}

/// Owner settings for points and stamps.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoyaltySettings {
    /// Points earned per won paid, in basis points (500 = 5%).
    pub points_rate_bp: u32,
    /// Extra rate per tier, in basis points added to the base rate.
    #[serde(default)]
    pub tier_bonus_bp: Vec<(crate::customer::Tier, u32)>,
    /// Days until earned points expire.
    pub points_expiry_days: i64,
    /// Categories whose items each earn one stamp.
    pub stamp_categories: Vec<String>,
    /// Days before expiry at which the counter warns about expiring points.
    pub points_warning_days: i64,
}

impl Default for LoyaltySettings {
    fn default() -> Self {
        LoyaltySettings {
            points_rate_bp: 500,
            tier_bonus_bp: vec![(crate::customer::Tier::Gold, 200), (crate::customer::Tier::Vip, 500)],
            points_expiry_days: 365,
            stamp_categories: vec!["음료".to_string()],
            points_warning_days: 30,
        }
    }
}

impl LoyaltySettings {
    /// Points earned on an amount paid by a customer of a tier.
    pub fn points_for(&self, paid: Won, tier: crate::customer::Tier) -> i64 {
        let bonus = self.tier_bonus_bp.iter().find(|(t, _)| *t == tier).map(|(_, b)| *b).unwrap_or(0);
        percent_of(paid.max(0), self.points_rate_bp + bonus)
    }
}

/// A single-use coupon held by a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coupon {
    pub id: Uuid,
    pub code: String,
    /// The discount rule the coupon unlocks.
    pub rule_id: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// When it was used, if it was (and not reversed).
    pub used_at: Option<DateTime<Utc>>,
}

impl Coupon {
    pub fn is_usable(&self, at: DateTime<Utc>) -> bool {
        self.used_at.is_none() && at < self.expires_at && at >= self.issued_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(day: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().with_timezone(&Utc) + Duration::days(day)
    }

    fn earn(day: i64, n: i64, expires: i64) -> LedgerEntry {
        LedgerEntry { at: t(day), kind: LedgerKind::Earn, amount: n, expires_at: Some(t(expires)) }
    }

    fn spend(day: i64, n: i64) -> LedgerEntry {
        LedgerEntry { at: t(day), kind: LedgerKind::Redeem, amount: -n, expires_at: None }
    }

    #[test]
    fn lots_are_consumed_oldest_first() {
        let ledger = vec![earn(0, 100, 30), earn(10, 50, 40), spend(20, 120)];
        let lots = PointsLots::replay(&ledger);
        assert_eq!(lots.lots, vec![(Some(t(40)), 30)]);
        assert_eq!(balance(&ledger), 30);
        assert_eq!(lots.due(t(35)), 0);
        assert_eq!(lots.due(t(40)), 30, "expiry is inclusive of the expiry instant");
        assert_eq!(lots.expiring_soon(t(20), Duration::days(30)), Some((30, t(40))));
        assert_eq!(lots.expiring_soon(t(0), Duration::days(5)), None);
    }

    #[test]
    fn a_reversal_before_earning_is_paid_by_the_next_lot() {
        let ledger = vec![spend(0, 10), earn(1, 25, 100)];
        assert_eq!(PointsLots::replay(&ledger).lots, vec![(Some(t(100)), 15)]);
    }

    #[test]
    fn points_rate_with_tier_bonus() {
        let s = LoyaltySettings::default();
        assert_eq!(s.points_for(10_000, crate::customer::Tier::Basic), 500);
        assert_eq!(s.points_for(10_000, crate::customer::Tier::Gold), 700);
        assert_eq!(s.points_for(-5, crate::customer::Tier::Basic), 0);
    }

    #[test]
    fn coupon_usability() {
        let c = Coupon {
            id: Uuid::nil(),
            code: "C1".into(),
            rule_id: "r".into(),
            issued_at: t(0),
            expires_at: t(10),
            used_at: None,
        };
        assert!(c.is_usable(t(5)));
        assert!(!c.is_usable(t(10)), "a coupon expiring at midnight is not usable at midnight");
        assert!(!Coupon { used_at: Some(t(3)), ..c.clone() }.is_usable(t(5)));
    }
}

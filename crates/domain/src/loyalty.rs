//! Loyalty: the kinds of ledger entries, the owner's points and stamps
//! settings, and coupons.
//!
//! Points and stamps are ledgers: the balance is always the sum of the
//! entries, never a stored number that could drift or be doubled. How points
//! lots are spent and expire is in `points`.

use crate::error::{DomainError, Problem, Result};
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
    /// Points a counter that syncs may redeem for a customer beyond what it
    /// holds in escrow (each such redemption is shown to the owner); 0:
    /// never, so a balance can never go below zero.
    #[serde(default)]
    pub offline_overdraft_points: i64,
}

impl Default for LoyaltySettings {
    fn default() -> Self {
        LoyaltySettings {
            points_rate_bp: 500,
            tier_bonus_bp: vec![(crate::customer::Tier::Gold, 200), (crate::customer::Tier::Vip, 500)],
            points_expiry_days: 365,
            stamp_categories: vec!["음료".to_string()],
            points_warning_days: 30,
            offline_overdraft_points: 0,
        }
    }
}

/// Highest points rate, base plus tier bonus, in basis points (100%).
pub const MAX_POINTS_RATE_BP: u32 = 10_000;
/// Longest points life, in days (10 years).
pub const MAX_POINTS_EXPIRY_DAYS: i64 = 3_650;
/// Most points a counter may redeem beyond its escrow allowance.
pub const MAX_OFFLINE_OVERDRAFT_POINTS: i64 = 100_000;
/// Most stamp categories.
pub const MAX_STAMP_CATEGORIES: usize = 50;

impl LoyaltySettings {
    /// Points earned on an amount paid by a customer of a tier.
    pub fn points_for(&self, paid: Won, tier: crate::customer::Tier) -> i64 {
        let bonus = self.tier_bonus_bp.iter().find(|(t, _)| *t == tier).map(|(_, b)| *b).unwrap_or(0);
        percent_of(paid.max(0), self.points_rate_bp.saturating_add(bonus).min(MAX_POINTS_RATE_BP))
    }

    /// When points earned at `at` expire (`None` if that moment is beyond
    /// what a calendar can hold).
    pub fn expiry_from(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        at.checked_add_signed(Duration::try_days(self.points_expiry_days)?)
    }

    /// Parses and validates settings as the owner gives them (JSON).
    pub fn from_json(json: &str) -> Result<LoyaltySettings> {
        let s: LoyaltySettings =
            serde_json::from_str(json).map_err(|e| DomainError::field("loyalty_settings", Problem::json(&e)))?;
        s.validate()?;
        Ok(s)
    }

    /// Checks every number is in its range; the error names the field and
    /// the range allowed.
    pub fn validate(&self) -> Result<()> {
        crate::rules::in_range("points_rate_bp", self.points_rate_bp as i64, 0, MAX_POINTS_RATE_BP as i64)?;
        let mut seen = Vec::new();
        for (tier, bonus) in &self.tier_bonus_bp {
            if seen.contains(tier) {
                return Err(DomainError::field("tier_bonus_bp", Problem::Repeated { value: tier.as_str().into() }));
            }
            seen.push(*tier);
            crate::rules::in_range("tier_bonus_bp", *bonus as i64, 0, MAX_POINTS_RATE_BP as i64)?;
            crate::rules::in_range(
                "points_rate_bp + tier_bonus_bp",
                self.points_rate_bp as i64 + *bonus as i64,
                0,
                MAX_POINTS_RATE_BP as i64,
            )?;
        }
        crate::rules::in_range("points_expiry_days", self.points_expiry_days, 1, MAX_POINTS_EXPIRY_DAYS)?;
        crate::rules::in_range("points_warning_days", self.points_warning_days, 0, self.points_expiry_days.min(365))?;
        crate::rules::in_range(
            "offline_overdraft_points",
            self.offline_overdraft_points,
            0,
            MAX_OFFLINE_OVERDRAFT_POINTS,
        )?;
        if self.stamp_categories.len() > MAX_STAMP_CATEGORIES {
            return Err(DomainError::field(
                "stamp_categories",
                Problem::TooMany { max: MAX_STAMP_CATEGORIES as u64, got: self.stamp_categories.len() as u64 },
            ));
        }
        for c in &self.stamp_categories {
            crate::customer::validate_name(c, "stamp_category")?;
        }
        Ok(())
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

    #[test]
    fn points_rate_with_tier_bonus() {
        let s = LoyaltySettings::default();
        assert_eq!(s.points_for(10_000, crate::customer::Tier::Basic), 500);
        assert_eq!(s.points_for(10_000, crate::customer::Tier::Gold), 700);
        assert_eq!(s.points_for(-5, crate::customer::Tier::Basic), 0);
    }

    #[test]
    fn absurd_settings_are_refused_naming_the_field_and_range() {
        for (json, fragment) in [
            (
                r#"{"points_rate_bp":20000,"points_expiry_days":365,"stamp_categories":[],"points_warning_days":30}"#,
                "points_rate_bp",
            ),
            (
                r#"{"points_rate_bp":500,"points_expiry_days":0,"stamp_categories":[],"points_warning_days":0}"#,
                "points_expiry_days",
            ),
            (
                r#"{"points_rate_bp":500,"points_expiry_days":9999999999999,"stamp_categories":[],"points_warning_days":30}"#,
                "points_expiry_days",
            ),
            (
                r#"{"points_rate_bp":500,"points_expiry_days":365,"stamp_categories":[],"points_warning_days":-1}"#,
                "points_warning_days",
            ),
            (
                r#"{"points_rate_bp":9000,"tier_bonus_bp":[["gold",2000]],"points_expiry_days":365,"stamp_categories":[],"points_warning_days":30}"#,
                "points_rate_bp + tier_bonus_bp",
            ),
            (
                r#"{"points_rate_bp":500,"points_expiry_days":365,"stamp_categories":[""],"points_warning_days":30}"#,
                "stamp category",
            ),
            (r#"{"points_rate_bp":-1}"#, "loyalty settings"),
        ] {
            let err = LoyaltySettings::from_json(json).expect_err(json).to_string();
            assert!(err.contains(fragment), "{json}: {err:?} should name {fragment:?}");
        }
        assert!(LoyaltySettings::from_json(&serde_json::to_string(&LoyaltySettings::default()).unwrap()).is_ok());
    }

    #[test]
    fn expiry_never_overflows() {
        let s = LoyaltySettings { points_expiry_days: 3650, ..Default::default() };
        assert_eq!(s.expiry_from(t(0)), Some(t(3650)));
        assert_eq!(s.expiry_from(DateTime::<Utc>::MAX_UTC), None);
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

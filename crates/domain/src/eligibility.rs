//! The eligibility engine: given a customer, a cart and a moment, every rule
//! the customer is eligible for with what it saves on this cart, the best
//! valid combination, and the rules that almost apply with the reason and the
//! nearest alternatives.
//!
//! Deterministic (rules are visited in id order, ties broken by id) and
//! explainable (every verdict carries structured reasons that `i18n` renders).
//! Savings never exceed what is left of a line, so totals never go negative.

use crate::catalog::PricedCart;
use crate::customer::Tier;
use crate::lang::Lang;
use crate::loyalty::Coupon;
use crate::money::{Won, percent_of};
use crate::rules::{Benefit, BirthdayWindow, Condition, DiscountRule, LimitPeriod, Scope};
use crate::time::{ShopZone, age_on, birthday_in, days_to_nearest_birthday, nearest_birthday};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use uuid::Uuid;

/// Near misses further away than this many days are not worth mentioning.
const NEAR_DAYS: i64 = 30;

/// What the engine needs to know about the customer, gathered by the store.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CustomerFacts {
    pub birth_date: Option<NaiveDate>,
    pub tier: Tier,
    /// Completed (not reversed) visits before this one.
    pub visits: u32,
    pub points: i64,
    pub stamps: i64,
    /// All the customer's coupons, used and expired included (for reasons).
    pub coupons: Vec<Coupon>,
    /// Past applications of rules in completed, not reversed sales.
    pub rule_uses: Vec<RuleUse>,
    /// No customer identified (a walk-in sale): only rules about the cart
    /// and the moment can apply.
    pub walk_in: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleUse {
    pub rule_id: String,
    pub at: DateTime<Utc>,
}

/// A structured reason: why a rule applies, or why it does not (yet).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    Always,
    AgeAtLeast {
        age: i32,
        min: i64,
        birth_year: i32,
    },
    AgeShort {
        age: i32,
        min: i64,
        days_until: i64,
    },
    NoBirthDate,
    BirthdayMonth {
        month: u32,
    },
    BirthdayWithin {
        days: i64,
    },
    BirthdayAhead {
        days: i64,
    },
    BirthdayPassed {
        days: i64,
    },
    TierIs {
        tier: Tier,
    },
    TierBelow {
        tier: Tier,
        needed: Tier,
    },
    FirstVisit,
    NotFirstVisit {
        visits: u32,
    },
    StampsReady {
        have: i64,
        need: i64,
    },
    StampsShort {
        have: i64,
        need: i64,
        short: i64,
    },
    CouponHeld {
        code: String,
        expires_on: NaiveDate,
    },
    CouponExpired {
        code: String,
        days_ago: i64,
    },
    CouponUsed {
        code: String,
    },
    NoCoupon,
    InTimeWindow {
        start: NaiveTime,
        end: NaiveTime,
    },
    OpensIn {
        minutes: i64,
        start: NaiveTime,
    },
    ClosedAgo {
        minutes: i64,
        end: NaiveTime,
    },
    OutsideTimeWindow {
        start: NaiveTime,
        end: NaiveTime,
    },
    SpendAtLeast {
        min: Won,
        subtotal: Won,
    },
    SpendShort {
        min: Won,
        subtotal: Won,
        short: Won,
    },
    NotYetValid {
        days: i64,
        from: NaiveDate,
    },
    ValidityEnded {
        days_ago: i64,
        until: NaiveDate,
    },
    LimitReached {
        count: i64,
        per: LimitPeriod,
    },
    /// A once-a-year birthday treat already used for this birthday.
    BirthdayTreatUsed {
        birthday: NaiveDate,
    },
    PointsAvailable {
        points: i64,
    },
    PointsShort {
        have: i64,
        min: i64,
    },
    NothingInScope {
        scope: Scope,
    },
    NeedMoreItems {
        have: i64,
        need: i64,
    },
    /// The rule is about the customer, and none is identified.
    WalkIn,
}

/// One way forward offered with a near miss.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Alternative {
    /// Another discount that would add this much to the selection.
    Rule { rule_id: String, name: String, saving: Won },
    /// Another discount the customer already gets (its part of the saving).
    Applied { rule_id: String, name: String, saving: Won },
    /// Spend this much more to qualify.
    AddSpend { amount: Won },
    /// Add an item in this scope.
    AddItem { scope: Scope, count: i64 },
    /// The window opens in this many minutes.
    Wait { minutes: i64 },
}

/// A rule the customer is eligible for now, with its saving on this cart alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligible {
    pub rule_id: String,
    pub name: String,
    pub kind: String,
    pub saving: Won,
    /// Offered but never required by the gate (points redemption).
    pub optional: bool,
    pub exclusive: bool,
    pub reasons: Vec<Reason>,
    /// The coupon the rule would use, if it needs one.
    pub coupon_id: Option<Uuid>,
}

/// A rule that almost applies, why not, and what could be done instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearMiss {
    pub rule_id: String,
    pub name: String,
    pub reason: Reason,
    pub alternatives: Vec<Alternative>,
}

/// A set of rules applied together and what it gives.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Combination {
    pub rule_ids: Vec<String>,
    /// Everything taken off, points paid included.
    pub saving: Won,
    pub subtotal: Won,
    /// What the customer pays.
    pub total: Won,
}

/// What one eligible rule means for the discounts selected now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub rule_id: String,
    pub applied: bool,
    /// Its part of the selection's saving, when applied.
    pub applied_saving: Won,
    /// What applying it would add to the selection's real discounts (0
    /// when applied, or when it adds nothing).
    pub adds: Won,
}

/// The engine's answer for one customer, cart, moment and selection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub subtotal: Won,
    /// Eligible rules, largest saving first.
    pub eligible: Vec<Eligible>,
    /// The best valid combination of the non-optional eligible rules.
    pub best: Combination,
    /// The selection asked about (the best combination when none was).
    pub selected: Combination,
    /// Per eligible rule: applied or not, and what it adds.
    pub standings: Vec<Standing>,
    /// Rules that almost apply; alternatives are what the selection lacks.
    pub near_misses: Vec<NearMiss>,
}

impl Evaluation {
    pub fn find(&self, rule_id: &str) -> Option<&Eligible> {
        self.eligible.iter().find(|e| e.rule_id == rule_id)
    }

    pub fn standing(&self, rule_id: &str) -> Option<&Standing> {
        self.standings.iter().find(|s| s.rule_id == rule_id)
    }
}

/// The result of applying a set of rules to the cart.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Applied {
    /// (rule id, saving) in application order.
    pub savings: Vec<(String, Won)>,
    /// Discount allocated to each cart line (same order as the cart).
    pub line_discounts: Vec<Won>,
    /// Units of each line made free by item-level rules.
    pub free_units: Vec<i64>,
    pub total_saving: Won,
    /// The part of `total_saving` paid with points (the customer's own
    /// money, not a discount).
    pub points_saving: Won,
    /// Points spent by a redemption rule.
    pub points_used: i64,
}

impl Applied {
    /// Real discounts: everything taken off except points paid.
    pub fn discount_saving(&self) -> Won {
        self.total_saving - self.points_saving
    }
}

/// What is left of the cart while rules apply: each line's amount still
/// payable and how many of its units are already free.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Left {
    rem: Vec<Won>,
    free: Vec<i64>,
}

enum Status {
    Eligible { reasons: Vec<Reason>, coupon: Option<Uuid> },
    NotEligible { failures: Vec<(Reason, bool)> },
}

/// Evaluates rules for one customer, cart and moment.
pub struct Engine<'a> {
    rules: Vec<&'a DiscountRule>,
    cart: &'a PricedCart,
    facts: &'a CustomerFacts,
    at: DateTime<Utc>,
    zone: ShopZone,
    local: NaiveDateTime,
    today: NaiveDate,
    lang: Lang,
}

impl<'a> Engine<'a> {
    pub fn new(
        rules: &'a [DiscountRule],
        cart: &'a PricedCart,
        facts: &'a CustomerFacts,
        at: DateTime<Utc>,
        zone: ShopZone,
        lang: Lang,
    ) -> Engine<'a> {
        let mut rules: Vec<&DiscountRule> = rules.iter().filter(|r| r.active).collect();
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        let local = zone.local(at);
        Engine { rules, cart, facts, at, zone, local, today: local.date(), lang }
    }

    pub fn rule(&self, id: &str) -> Option<&'a DiscountRule> {
        self.rules.iter().copied().find(|r| r.id == id)
    }

    /// The full evaluation for the best combination.
    pub fn evaluate(&self) -> Evaluation {
        self.evaluate_for(None)
    }

    /// The full evaluation: eligible rules, the best combination, and the
    /// selection asked about (`None`: the best combination) with what each
    /// eligible rule adds to it; near misses offer what the selection lacks.
    pub fn evaluate_for(&self, selected: Option<&[String]>) -> Evaluation {
        let mut eligible = Vec::new();
        let mut near: Vec<(&DiscountRule, Reason)> = Vec::new();
        for rule in &self.rules {
            match self.status(rule) {
                Status::Eligible { reasons, coupon } => {
                    let applied = self.apply(&[rule]);
                    if applied.total_saving > 0 {
                        eligible.push(Eligible {
                            rule_id: rule.id.clone(),
                            name: rule.display_name(self.lang).to_string(),
                            kind: rule.benefit.kind().to_string(),
                            saving: applied.total_saving,
                            optional: rule.is_optional(),
                            exclusive: rule.is_exclusive(),
                            reasons,
                            coupon_id: coupon,
                        });
                    } else if let Some(reason) = self.worth_mentioning(rule) {
                        near.push((rule, reason));
                    }
                }
                Status::NotEligible { failures } => {
                    if let [(reason, true)] = failures.as_slice() {
                        near.push((rule, reason.clone()));
                    }
                }
            }
        }
        eligible.sort_by(|a, b| b.saving.cmp(&a.saving).then_with(|| a.rule_id.cmp(&b.rule_id)));
        let candidates = self.candidates(&eligible);
        let (best_set, _) = self.best_of(&candidates, None);
        let best = self.combination(&best_set);
        let chosen: Vec<&DiscountRule> = match selected {
            None => best_set,
            Some(ids) => ids
                .iter()
                .filter(|id| eligible.iter().any(|e| e.rule_id == **id))
                .filter_map(|id| self.rule(id))
                .collect(),
        };
        let applied = self.apply(&chosen);
        let standings: Vec<Standing> = eligible
            .iter()
            .map(|e| {
                let on = chosen.iter().any(|r| r.id == e.rule_id);
                Standing {
                    rule_id: e.rule_id.clone(),
                    applied: on,
                    applied_saving: if on {
                        applied.savings.iter().find(|(id, _)| *id == e.rule_id).map_or(0, |(_, s)| *s)
                    } else {
                        0
                    },
                    adds: match (on, self.rule(&e.rule_id)) {
                        (false, Some(rule)) if !rule.is_optional() => self.marginal(&candidates, &chosen, rule),
                        (false, Some(_)) => e.saving,
                        _ => 0,
                    },
                }
            })
            .collect();
        let near_misses = near
            .into_iter()
            .map(|(rule, reason)| {
                let mut alternatives = action_for(rule, &reason).into_iter().collect::<Vec<_>>();
                // What would add to the selection first; when nothing can
                // be done about this one, also what the customer gets
                // instead. Points are the customer's money, never an
                // alternative to a discount.
                let fixable = !alternatives.is_empty();
                let mut offers: Vec<&Standing> = standings
                    .iter()
                    .filter(|s| s.rule_id != rule.id && eligible.iter().any(|e| e.rule_id == s.rule_id && !e.optional))
                    .filter(|s| (!s.applied && s.adds > 0) || (!fixable && s.applied && s.applied_saving > 0))
                    .collect();
                offers.sort_by(|a, b| {
                    a.applied
                        .cmp(&b.applied)
                        .then((b.adds + b.applied_saving).cmp(&(a.adds + a.applied_saving)))
                        .then_with(|| a.rule_id.cmp(&b.rule_id))
                });
                for s in offers {
                    if alternatives.len() >= 3 {
                        break;
                    }
                    let name =
                        eligible.iter().find(|e| e.rule_id == s.rule_id).map(|e| e.name.clone()).unwrap_or_default();
                    let rule_id = s.rule_id.clone();
                    alternatives.push(if s.applied {
                        Alternative::Applied { rule_id, name, saving: s.applied_saving }
                    } else {
                        Alternative::Rule { rule_id, name, saving: s.adds }
                    });
                }
                NearMiss {
                    rule_id: rule.id.clone(),
                    name: rule.display_name(self.lang).to_string(),
                    reason,
                    alternatives,
                }
            })
            .collect();
        let subtotal = self.cart.subtotal();
        let selected = Combination {
            rule_ids: ids(&chosen),
            saving: applied.total_saving,
            subtotal,
            total: subtotal - applied.total_saving,
        };
        Evaluation { subtotal, eligible, best, selected, standings, near_misses }
    }

    /// The eligible rules that count as discounts (points paid are the
    /// customer's own money), as rules.
    pub fn candidates(&self, eligible: &[Eligible]) -> Vec<&'a DiscountRule> {
        eligible.iter().filter(|e| !e.optional).filter_map(|e| self.rule(&e.rule_id)).collect()
    }

    fn combination(&self, set: &[&DiscountRule]) -> Combination {
        let saving = self.apply(set).total_saving;
        let subtotal = self.cart.subtotal();
        Combination { rule_ids: ids(set), saving, subtotal, total: subtotal - saving }
    }

    /// Why a rule is not eligible right now, if it is not; `None` if it is
    /// eligible and saves something on this cart.
    pub fn why_not(&self, rule: &DiscountRule) -> Option<Reason> {
        match self.status(rule) {
            Status::Eligible { .. } => (self.apply(&[rule]).total_saving == 0).then(|| self.zero_saving_reason(rule)),
            Status::NotEligible { failures } => failures.into_iter().next().map(|(r, _)| r),
        }
    }

    /// Whether the customer meets every condition of `rule` that is about
    /// them (tier, age, birthday, first visit, stamps, coupon), leaving out
    /// the cart, the moment, the validity dates and the usage limit: "who
    /// qualifies" in the owner's rule preview.
    pub fn meets_customer_conditions(&self, rule: &DiscountRule) -> bool {
        rule.conditions
            .iter()
            .filter(|c| !matches!(c, Condition::TimeWindow { .. } | Condition::MinSpend { .. }))
            .all(|c| self.check(rule, c).is_ok())
    }

    /// True when the rules may be applied together in one sale: at most one
    /// exclusive rule and then alone, no rule twice, one points redemption,
    /// and enough stamps for every stamp reward.
    pub fn is_valid_combination(&self, rules: &[&DiscountRule]) -> bool {
        let ids: BTreeSet<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        if ids.len() != rules.len() {
            return false;
        }
        if rules.iter().any(|r| r.is_exclusive()) && rules.len() > 1 {
            return false;
        }
        if rules.iter().filter(|r| r.is_optional()).count() > 1 {
            return false;
        }
        rules.iter().map(|r| r.stamps_needed()).fold(0i64, i64::saturating_add) <= self.stamps_to_spend()
    }

    /// The stamps a combination may spend. A stamp debt (below zero after two
    /// counters redeemed the same stamps offline) is none to spend, not a
    /// reason to refuse a sale that spends none.
    fn stamps_to_spend(&self) -> i64 {
        self.facts.stamps.max(0)
    }

    /// What applying `rule` would add to the real discounts of `applied`:
    /// on top of them when it combines with them, otherwise the best valid
    /// combination of `candidates` that contains it, against what `applied`
    /// saves. Never negative; 0 means it adds nothing.
    pub fn marginal(&self, candidates: &[&'a DiscountRule], applied: &[&DiscountRule], rule: &'a DiscountRule) -> Won {
        if applied.iter().any(|r| r.id == rule.id) {
            return 0;
        }
        let now = self.apply(applied).discount_saving();
        let mut with: Vec<&DiscountRule> = applied.to_vec();
        with.push(rule);
        let better = if self.is_valid_combination(&with) {
            self.apply(&with).discount_saving()
        } else {
            let mut pool: Vec<&'a DiscountRule> = candidates.to_vec();
            if !pool.iter().any(|r| r.id == rule.id) {
                pool.push(rule);
            }
            self.best_of(&pool, Some(&rule.id)).1
        };
        (better - now).max(0)
    }

    /// The best valid combination of the given rules (optional ones are
    /// ignored) that contains `must` if given, by real discount: the largest
    /// saving, then the fewest rules, then the first ids. Exact: a depth-first
    /// search over every combination in application order, cutting a branch
    /// only when even the most each remaining rule could save from that point
    /// (see `most`) cannot reach the best found so far.
    pub fn best_of(&self, candidates: &[&'a DiscountRule], must: Option<&str>) -> (Vec<&'a DiscountRule>, Won) {
        let mut pool: Vec<&'a DiscountRule> = candidates.iter().copied().filter(|r| !r.is_optional()).collect();
        pool.sort_by(|a, b| a.id.cmp(&b.id));
        pool.dedup_by(|a, b| a.id == b.id);
        let mut best = Best::default();
        for r in pool.iter().filter(|r| r.is_exclusive()) {
            if must.is_none_or(|m| m == r.id) && self.is_valid_combination(&[r]) {
                best.consider(&[r], self.apply(&[r]).discount_saving());
            }
        }
        if must.is_none_or(|m| pool.iter().any(|r| r.id == m && !r.is_exclusive())) {
            let mut order: Vec<&'a DiscountRule> = pool.iter().copied().filter(|r| !r.is_exclusive()).collect();
            order.sort_by(|a, b| a.benefit.phase().cmp(&b.benefit.phase()).then_with(|| a.id.cmp(&b.id)));
            let must_at = must.and_then(|m| order.iter().position(|r| r.id == m));
            let mut search = Search { engine: self, order: &order, must_at, best, chosen: Vec::new() };
            search.dfs(0, &self.fresh(), 0, 0);
            best = search.best;
        }
        (best.rules, best.saving)
    }

    fn status(&self, rule: &DiscountRule) -> Status {
        let mut reasons = Vec::new();
        let mut failures = Vec::new();
        let mut coupon = None;
        if let Some(from) = rule.valid_from
            && self.today < from
        {
            let days = (from - self.today).num_days();
            failures.push((Reason::NotYetValid { days, from }, days <= 7));
        }
        if let Some(until) = rule.valid_until
            && self.today > until
        {
            let days_ago = (self.today - until).num_days();
            failures.push((Reason::ValidityEnded { days_ago, until }, days_ago <= 7));
        }
        for condition in &rule.conditions {
            match self.check(rule, condition) {
                Ok((reason, c)) => {
                    reasons.push(reason);
                    coupon = coupon.or(c);
                }
                Err(miss) => failures.push(miss),
            }
        }
        if let Benefit::RedeemPoints { min_points, .. } = rule.benefit {
            let have = self.facts.points;
            if self.facts.walk_in {
                failures.push((Reason::WalkIn, false));
            } else if have <= 0 || have < min_points {
                failures.push((
                    Reason::PointsShort { have, min: min_points.max(1) },
                    have > 0 && have.saturating_mul(2) >= min_points,
                ));
            } else {
                reasons.push(Reason::PointsAvailable { points: have });
            }
        }
        if let Some(limit) = &rule.limit {
            let used = self
                .facts
                .rule_uses
                .iter()
                .filter(|u| u.rule_id == rule.id && self.same_period(rule, u.at, limit.per))
                .count() as i64;
            if used >= limit.count {
                let reason = match self.birthday_occurrence(rule) {
                    Some(birthday) if limit.per == LimitPeriod::Year && limit.count == 1 => {
                        Reason::BirthdayTreatUsed { birthday }
                    }
                    _ => Reason::LimitReached { count: limit.count, per: limit.per },
                };
                failures.push((reason, true));
            }
        }
        if failures.is_empty() {
            if reasons.is_empty() {
                reasons.push(Reason::Always);
            }
            Status::Eligible { reasons, coupon }
        } else {
            Status::NotEligible { failures }
        }
    }

    /// The birthday a birthday rule celebrates today: the one nearest to
    /// today (a 2 January birthday is celebrated on 28 December too).
    fn birthday_occurrence(&self, rule: &DiscountRule) -> Option<NaiveDate> {
        let birth = self.facts.birth_date?;
        rule.conditions
            .iter()
            .any(|c| matches!(c, Condition::Birthday { .. }))
            .then(|| nearest_birthday(birth, self.today))
    }

    /// True when a use at `at` counts against the limit today. A yearly
    /// limit on a birthday rule counts per birthday, not per calendar year.
    fn same_period(&self, rule: &DiscountRule, at: DateTime<Utc>, per: LimitPeriod) -> bool {
        let d = self.zone.date(at);
        match per {
            LimitPeriod::Lifetime => true,
            LimitPeriod::Year => match (self.birthday_occurrence(rule), self.facts.birth_date) {
                (Some(today), Some(birth)) => nearest_birthday(birth, d) == today,
                _ => d.year() == self.today.year(),
            },
            LimitPeriod::Month => (d.year(), d.month()) == (self.today.year(), self.today.month()),
            LimitPeriod::Day => d == self.today,
        }
    }

    fn check(&self, rule: &DiscountRule, condition: &Condition) -> Result<(Reason, Option<Uuid>), (Reason, bool)> {
        let f = self.facts;
        let about_customer = !matches!(condition, Condition::TimeWindow { .. } | Condition::MinSpend { .. });
        if f.walk_in && about_customer {
            return Err((Reason::WalkIn, false));
        }
        match condition {
            Condition::MinTier { tier } => {
                if f.tier >= *tier {
                    Ok((Reason::TierIs { tier: f.tier }, None))
                } else {
                    Err((Reason::TierBelow { tier: f.tier, needed: *tier }, (*tier as u8) - (f.tier as u8) == 1))
                }
            }
            Condition::MinAge { years } => {
                let Some(birth) = f.birth_date else {
                    return Err((Reason::NoBirthDate, false));
                };
                let age = age_on(birth, self.today);
                if age as i64 >= *years {
                    Ok((Reason::AgeAtLeast { age, min: *years, birth_year: birth.year() }, None))
                } else {
                    let turns = birthday_in(birth, birth.year().saturating_add((*years).clamp(0, 200) as i32));
                    let turns = if turns.month() == 2 && turns.day() == 28 && birth.day() == 29 {
                        turns.succ_opt().unwrap_or(turns)
                    } else {
                        turns
                    };
                    let days_until = (turns - self.today).num_days();
                    Err((Reason::AgeShort { age, min: *years, days_until }, days_until <= NEAR_DAYS))
                }
            }
            Condition::Birthday { window } => {
                let Some(birth) = f.birth_date else {
                    return Err((Reason::NoBirthDate, false));
                };
                let d = days_to_nearest_birthday(birth, self.today);
                let celebrated_month = birthday_in(birth, self.today.year()).month();
                let hit = match window {
                    BirthdayWindow::Month => celebrated_month == self.today.month(),
                    BirthdayWindow::Days { days } => d.abs() <= *days,
                };
                if hit {
                    Ok((
                        match window {
                            BirthdayWindow::Month => Reason::BirthdayMonth { month: celebrated_month },
                            BirthdayWindow::Days { .. } => Reason::BirthdayWithin { days: d },
                        },
                        None,
                    ))
                } else if d > 0 {
                    Err((Reason::BirthdayAhead { days: d }, d <= 14))
                } else {
                    Err((Reason::BirthdayPassed { days: -d }, -d <= 14))
                }
            }
            Condition::FirstVisit => {
                if f.visits == 0 {
                    Ok((Reason::FirstVisit, None))
                } else {
                    Err((Reason::NotFirstVisit { visits: f.visits }, false))
                }
            }
            Condition::Stamps { count } => {
                if f.stamps >= *count {
                    Ok((Reason::StampsReady { have: f.stamps, need: *count }, None))
                } else {
                    let short = count.saturating_sub(f.stamps);
                    Err((Reason::StampsShort { have: f.stamps, need: *count, short }, short <= 3))
                }
            }
            Condition::Coupon => {
                let mine: Vec<&Coupon> = f.coupons.iter().filter(|c| c.rule_id == rule.id).collect();
                if let Some(c) =
                    mine.iter().filter(|c| c.is_usable(self.at)).min_by_key(|c| (c.expires_at, c.code.clone()))
                {
                    let last_valid = self.zone.date(c.expires_at - chrono::Duration::seconds(1));
                    return Ok((Reason::CouponHeld { code: c.code.clone(), expires_on: last_valid }, Some(c.id)));
                }
                if let Some(c) =
                    mine.iter().filter(|c| c.used_at.is_none() && c.expires_at <= self.at).max_by_key(|c| c.expires_at)
                {
                    let days_ago = self.zone.days_between(c.expires_at, self.at).max(0);
                    return Err((Reason::CouponExpired { code: c.code.clone(), days_ago }, days_ago <= NEAR_DAYS));
                }
                if let Some(c) = mine.iter().find(|c| c.used_at.is_some()) {
                    return Err((Reason::CouponUsed { code: c.code.clone() }, false));
                }
                Err((Reason::NoCoupon, false))
            }
            Condition::TimeWindow { window } => {
                if window.contains(self.local) {
                    Ok((Reason::InTimeWindow { start: window.start, end: window.end }, None))
                } else if let Some(minutes) = window.minutes_until_open(self.local) {
                    Err((Reason::OpensIn { minutes, start: window.start }, minutes <= 60))
                } else if let Some(minutes) = window.minutes_since_close(self.local) {
                    Err((Reason::ClosedAgo { minutes, end: window.end }, minutes <= 60))
                } else {
                    Err((Reason::OutsideTimeWindow { start: window.start, end: window.end }, false))
                }
            }
            Condition::MinSpend { amount } => {
                let subtotal = self.cart.subtotal();
                if subtotal >= *amount {
                    Ok((Reason::SpendAtLeast { min: *amount, subtotal }, None))
                } else {
                    let short = amount - subtotal;
                    Err((
                        Reason::SpendShort { min: *amount, subtotal, short },
                        subtotal.saturating_mul(10) >= amount.saturating_mul(7),
                    ))
                }
            }
        }
    }

    /// A rule that applies but saves nothing on this cart is worth a word
    /// only when the customer has a reason of their own for it (a birthday,
    /// a coupon, stamps, a tier...) or the cart already holds some of what
    /// it needs (two of a 2+1); a shop-wide product promotion with none of
    /// its products in the cart is not news.
    fn worth_mentioning(&self, rule: &DiscountRule) -> Option<Reason> {
        let personal =
            rule.conditions.iter().any(|c| !matches!(c, Condition::TimeWindow { .. } | Condition::MinSpend { .. }));
        let reason = self.zero_saving_reason(rule);
        let started = matches!(reason, Reason::NeedMoreItems { have, .. } if have > 0);
        let points = matches!(rule.benefit, Benefit::RedeemPoints { .. }) && self.facts.points > 0;
        (personal || started || points).then_some(reason)
    }

    fn zero_saving_reason(&self, rule: &DiscountRule) -> Reason {
        match &rule.benefit {
            Benefit::BuyXGetY { buy, get } => {
                let have =
                    self.cart.lines.iter().filter(|l| rule.scope.covers(&l.sku, &l.category)).map(|l| l.qty).sum();
                Reason::NeedMoreItems { have, need: buy.saturating_add(*get) }
            }
            Benefit::RedeemPoints { min_points, .. } => {
                Reason::PointsShort { have: self.facts.points, min: *min_points }
            }
            _ => Reason::NothingInScope { scope: rule.scope.clone() },
        }
    }

    /// The cart before any rule.
    fn fresh(&self) -> Left {
        Left { rem: self.cart.lines.iter().map(|l| l.amount()).collect(), free: vec![0; self.cart.lines.len()] }
    }

    /// Applies rules in phase order (item-level, percent, amount, points) to
    /// what is left of each line, allocating each saving to lines.
    pub fn apply(&self, rules: &[&DiscountRule]) -> Applied {
        let mut order: Vec<&DiscountRule> = rules.to_vec();
        order.sort_by(|a, b| a.benefit.phase().cmp(&b.benefit.phase()).then_with(|| a.id.cmp(&b.id)));
        let mut left = self.fresh();
        let mut out = Applied { line_discounts: vec![0; self.cart.lines.len()], ..Default::default() };
        for rule in order {
            let (saving, points) = self.apply_one(&mut left, rule);
            out.total_saving += saving;
            if rule.is_optional() {
                out.points_saving += saving;
                out.points_used += points;
            }
            out.savings.push((rule.id.clone(), saving));
        }
        for (i, d) in out.line_discounts.iter_mut().enumerate() {
            *d = self.cart.lines[i].amount() - left.rem[i];
        }
        out.free_units = left.free;
        out
    }

    /// Applies one rule to what is left: returns its saving and the points it
    /// spends. Arithmetic saturates, so even a rule that skipped validation
    /// cannot overflow or divide by zero.
    fn apply_one(&self, left: &mut Left, rule: &DiscountRule) -> (Won, i64) {
        let in_scope = self.in_scope(rule);
        let mut cut = vec![0 as Won; left.rem.len()];
        let mut points = 0;
        match &rule.benefit {
            Benefit::FreeItems { count, max_unit_price } => {
                let cap = max_unit_price.unwrap_or(Won::MAX).max(0);
                // The most expensive units first.
                let mut lines = self.payable(&in_scope, left);
                lines.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let mut want = (*count).max(0);
                for (i, price, units) in lines {
                    if want == 0 {
                        break;
                    }
                    let k = units.min(want);
                    cut[i] = k.saturating_mul(price.min(cap)).min(left.rem[i]);
                    left.free[i] += k;
                    want -= k;
                }
            }
            Benefit::BuyXGetY { buy, get } => {
                // Every `buy + get` units earn `get` free units: the cheapest.
                let mut lines = self.payable(&in_scope, left);
                lines.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
                let mut want = free_count(lines.iter().map(|l| l.2).sum(), *buy, *get);
                for (i, price, units) in lines {
                    if want == 0 {
                        break;
                    }
                    let k = units.min(want);
                    cut[i] = k.saturating_mul(price).min(left.rem[i]);
                    left.free[i] += k;
                    want -= k;
                }
            }
            Benefit::PercentOff { percent_bp } => {
                let base = base(&in_scope, &left.rem);
                allocate(percent_of(base, (*percent_bp).clamp(0, 10_000) as u32), &in_scope, &left.rem, &mut cut);
            }
            Benefit::AmountOff { amount } => {
                let base = base(&in_scope, &left.rem);
                allocate((*amount).clamp(0, base), &in_scope, &left.rem, &mut cut);
            }
            Benefit::RedeemPoints { won_per_point, max_share_bp, .. } => {
                let base = base(&in_scope, &left.rem);
                let cap = max_share_bp.map_or(base, |s| percent_of(base, s.clamp(0, 10_000) as u32));
                if *won_per_point > 0 {
                    points = (cap.min(self.facts.points.max(0).saturating_mul(*won_per_point)) / won_per_point).max(0);
                    allocate(points * won_per_point, &in_scope, &left.rem, &mut cut);
                }
            }
        }
        let mut saving = 0;
        for (i, c) in cut.into_iter().enumerate() {
            left.rem[i] -= c;
            saving += c;
        }
        (saving, points)
    }

    /// The most `rule` could save from `left` on, whatever other rules apply
    /// before it: rules only ever lower what is left of a line and free more
    /// units, and none of these figures grows when they do.
    fn most(&self, left: &Left, rule: &DiscountRule) -> Won {
        let in_scope = self.in_scope(rule);
        match &rule.benefit {
            Benefit::PercentOff { percent_bp } => {
                percent_of(base(&in_scope, &left.rem), (*percent_bp).clamp(0, 10_000) as u32)
            }
            Benefit::AmountOff { amount } => (*amount).clamp(0, base(&in_scope, &left.rem)),
            Benefit::FreeItems { count, max_unit_price } => {
                let cap = max_unit_price.unwrap_or(Won::MAX).max(0);
                top_values(self.payable(&in_scope, left), (*count).max(0), cap, &left.rem)
            }
            Benefit::BuyXGetY { buy, get } => {
                // Later, fewer units may remain and the cheapest of them may
                // cost more; never more free units than now, and each worth
                // at most the dearest units payable now.
                let lines = self.payable(&in_scope, left);
                let free = free_count(lines.iter().map(|l| l.2).sum(), *buy, *get);
                top_values(lines, free, Won::MAX, &left.rem)
            }
            Benefit::RedeemPoints { .. } => base(&in_scope, &left.rem),
        }
    }

    fn in_scope(&self, rule: &DiscountRule) -> Vec<usize> {
        (0..self.cart.lines.len())
            .filter(|&i| rule.scope.covers(&self.cart.lines[i].sku, &self.cart.lines[i].category))
            .collect()
    }

    /// Lines with units still payable: (line, unit price, units).
    fn payable(&self, in_scope: &[usize], left: &Left) -> Vec<(usize, Won, i64)> {
        in_scope
            .iter()
            .filter_map(|&i| {
                let line = &self.cart.lines[i];
                let units = (line.qty - left.free[i]).max(0);
                (line.unit_price > 0 && left.rem[i] > 0 && units > 0).then_some((i, line.unit_price, units))
            })
            .collect()
    }
}

/// The best combination found so far.
#[derive(Default)]
struct Best<'a> {
    rules: Vec<&'a DiscountRule>,
    saving: Won,
    found: bool,
}

impl<'a> Best<'a> {
    /// Keeps `set` if it saves more, or as much with fewer rules, or as much
    /// with as many rules and earlier ids.
    fn consider(&mut self, set: &[&'a DiscountRule], saving: Won) {
        let mut set = set.to_vec();
        set.sort_by(|a, b| a.id.cmp(&b.id));
        let better = !self.found
            || saving > self.saving
            || (saving == self.saving
                && (set.len() < self.rules.len() || (set.len() == self.rules.len() && ids(&set) < ids(&self.rules))));
        if better {
            self.rules = set;
            self.saving = saving;
            self.found = true;
        }
    }
}

/// The exact search over stackable rules, in application order.
struct Search<'e, 'a> {
    engine: &'e Engine<'a>,
    order: &'e [&'a DiscountRule],
    must_at: Option<usize>,
    best: Best<'a>,
    chosen: Vec<&'a DiscountRule>,
}

impl<'a> Search<'_, 'a> {
    fn dfs(&mut self, i: usize, left: &Left, saved: Won, stamps: i64) {
        if i == self.order.len() {
            if !self.chosen.is_empty() {
                let chosen = self.chosen.clone();
                self.best.consider(&chosen, saved);
            }
            return;
        }
        if self.best.found {
            let most = self.order[i..].iter().fold(saved, |sum, r| sum.saturating_add(self.engine.most(left, r)));
            if most < self.best.saving {
                return;
            }
        }
        let rule = self.order[i];
        let need = stamps.saturating_add(rule.stamps_needed());
        if need <= self.engine.stamps_to_spend() {
            let mut next = left.clone();
            let (saving, _) = self.engine.apply_one(&mut next, rule);
            self.chosen.push(rule);
            self.dfs(i + 1, &next, saved + saving, need);
            self.chosen.pop();
        }
        if self.must_at != Some(i) {
            self.dfs(i + 1, left, saved, stamps);
        }
    }
}

/// Free units a buy-X-get-Y gives on `units` units.
fn free_count(units: i64, buy: i64, get: i64) -> i64 {
    let (buy, get) = (buy.max(0), get.max(0));
    match buy.checked_add(get) {
        Some(group) if group > 0 && get > 0 => (units / group).saturating_mul(get),
        _ => 0,
    }
}

/// The sum of the `count` dearest unit values (each at most `cap`, each
/// line at most what is left of it).
fn top_values(mut lines: Vec<(usize, Won, i64)>, count: i64, cap: Won, rem: &[Won]) -> Won {
    lines.sort_by_key(|l| std::cmp::Reverse(l.1.min(cap)));
    let mut want = count;
    let mut sum: Won = 0;
    for (i, price, units) in lines {
        if want == 0 {
            break;
        }
        let k = units.min(want);
        sum = sum.saturating_add(k.saturating_mul(price.min(cap)).min(rem[i]));
        want -= k;
    }
    sum
}

fn base(lines: &[usize], rem: &[Won]) -> Won {
    lines.iter().map(|&i| rem[i]).sum()
}

fn ids(rules: &[&DiscountRule]) -> Vec<String> {
    rules.iter().map(|r| r.id.clone()).collect()
}

/// Splits `total` over the lines in proportion to what is left of each,
/// largest remainders first, never more than a line has left.
fn allocate(total: Won, lines: &[usize], rem: &[Won], cut: &mut [Won]) {
    let base: Won = lines.iter().map(|&i| rem[i]).sum();
    if total <= 0 || base <= 0 {
        return;
    }
    let total = total.min(base);
    let mut given = 0;
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(lines.len());
    for &i in lines {
        let exact = total as i128 * rem[i] as i128;
        let share = (exact / base as i128) as Won;
        cut[i] += share;
        given += share;
        remainders.push((exact % base as i128, i));
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders.into_iter().take((total - given) as usize) {
        cut[i] += 1;
    }
}

fn action_for(rule: &DiscountRule, reason: &Reason) -> Option<Alternative> {
    match reason {
        Reason::SpendShort { short, .. } => Some(Alternative::AddSpend { amount: *short }),
        Reason::NothingInScope { scope } => Some(Alternative::AddItem { scope: scope.clone(), count: 1 }),
        Reason::NeedMoreItems { have, need } => {
            Some(Alternative::AddItem { scope: rule.scope.clone(), count: need.saturating_sub(*have).max(1) })
        }
        Reason::OpensIn { minutes, .. } => Some(Alternative::Wait { minutes: *minutes }),
        _ => None,
    }
}

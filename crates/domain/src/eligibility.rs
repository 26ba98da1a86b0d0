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
use crate::i18n::Lang;
use crate::loyalty::Coupon;
use crate::money::{Won, percent_of};
use crate::rules::{Benefit, BirthdayWindow, Condition, DiscountRule, LimitPeriod, Scope};
use crate::time::{ShopZone, age_on, birthday_in, days_to_nearest_birthday};
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleUse {
    pub rule_id: String,
    pub at: DateTime<Utc>,
}

/// A structured reason: why a rule applies, or why it does not (yet).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    Always,
    AgeAtLeast { age: i32, min: u32, birth_year: i32 },
    AgeShort { age: i32, min: u32, days_until: i64 },
    NoBirthDate,
    BirthdayMonth { month: u32 },
    BirthdayWithin { days: i64 },
    BirthdayAhead { days: i64 },
    BirthdayPassed { days: i64 },
    TierIs { tier: Tier },
    TierBelow { tier: Tier, needed: Tier },
    FirstVisit,
    NotFirstVisit { visits: u32 },
    StampsReady { have: i64, need: i64 },
    StampsShort { have: i64, need: i64, short: i64 },
    CouponHeld { code: String, expires_on: NaiveDate },
    CouponExpired { code: String, days_ago: i64 },
    CouponUsed { code: String },
    NoCoupon,
    InTimeWindow { start: NaiveTime, end: NaiveTime },
    OpensIn { minutes: i64, start: NaiveTime },
    ClosedAgo { minutes: i64, end: NaiveTime },
    OutsideTimeWindow { start: NaiveTime, end: NaiveTime },
    SpendAtLeast { min: Won, subtotal: Won },
    SpendShort { min: Won, subtotal: Won, short: Won },
    NotYetValid { days: i64, from: NaiveDate },
    ValidityEnded { days_ago: i64, until: NaiveDate },
    LimitReached { count: u32, per: LimitPeriod },
    PointsAvailable { points: i64 },
    PointsShort { have: i64, min: i64 },
    NothingInScope { scope: Scope },
    NeedMoreItems { have: i64, need: i64 },
}

/// One way forward offered with a near miss.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Alternative {
    /// Another discount that does apply now.
    Rule { rule_id: String, name: String, saving: Won },
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Combination {
    pub rule_ids: Vec<String>,
    pub saving: Won,
    pub subtotal: Won,
    pub total: Won,
}

/// The engine's answer for one customer, cart and moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub subtotal: Won,
    /// Eligible rules, largest saving first.
    pub eligible: Vec<Eligible>,
    /// The best valid combination of the non-optional eligible rules.
    pub best: Combination,
    pub near_misses: Vec<NearMiss>,
}

impl Evaluation {
    pub fn find(&self, rule_id: &str) -> Option<&Eligible> {
        self.eligible.iter().find(|e| e.rule_id == rule_id)
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
    /// Points spent by a redemption rule.
    pub points_used: i64,
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

    /// The full evaluation: eligible rules, best combination, near misses.
    pub fn evaluate(&self) -> Evaluation {
        let mut eligible = Vec::new();
        let mut near: Vec<(&DiscountRule, Reason)> = Vec::new();
        for rule in &self.rules {
            match self.status(rule) {
                Status::Eligible { reasons, coupon } => {
                    let saving = self.apply(&[rule]).total_saving;
                    if saving > 0 {
                        eligible.push(Eligible {
                            rule_id: rule.id.clone(),
                            name: rule.display_name(self.lang).to_string(),
                            kind: rule.benefit.kind().to_string(),
                            saving,
                            optional: rule.is_optional(),
                            exclusive: rule.is_exclusive(),
                            reasons,
                            coupon_id: coupon,
                        });
                    } else {
                        near.push((rule, self.zero_saving_reason(rule)));
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
        let best = self.best(&eligible);
        let near_misses = near
            .into_iter()
            .map(|(rule, reason)| {
                let mut alternatives = action_for(rule, &reason).into_iter().collect::<Vec<_>>();
                for e in eligible.iter().filter(|e| e.rule_id != rule.id) {
                    if alternatives.len() >= 3 {
                        break;
                    }
                    alternatives.push(Alternative::Rule {
                        rule_id: e.rule_id.clone(),
                        name: e.name.clone(),
                        saving: e.saving,
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
        Evaluation { subtotal: self.cart.subtotal(), eligible, best, near_misses }
    }

    /// Why a rule is not eligible right now, if it is not; `None` if it is
    /// eligible and saves something on this cart.
    pub fn why_not(&self, rule: &DiscountRule) -> Option<Reason> {
        match self.status(rule) {
            Status::Eligible { .. } => (self.apply(&[rule]).total_saving == 0).then(|| self.zero_saving_reason(rule)),
            Status::NotEligible { failures } => failures.into_iter().next().map(|(r, _)| r),
        }
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
        rules.iter().map(|r| r.stamps_needed()).sum::<i64>() <= self.facts.stamps
    }

    /// The best valid combination of the given (eligible, non-optional) rules
    /// that contains `must` if given.
    pub fn best_of(&self, candidates: &[&'a DiscountRule], must: Option<&str>) -> (Vec<&'a DiscountRule>, Won) {
        let mut options: Vec<Vec<&DiscountRule>> = Vec::new();
        for r in candidates.iter().filter(|r| r.is_exclusive()) {
            options.push(vec![*r]);
        }
        let stackable: Vec<&DiscountRule> = candidates.iter().copied().filter(|r| !r.is_exclusive()).collect();
        let (contested, free): (Vec<&DiscountRule>, Vec<&DiscountRule>) =
            stackable.iter().partition(|r| r.stamps_needed() > 0);
        // Stamp rewards compete for the same stamps: try each subset of them
        // (there are only ever a few) alongside every uncontested rule.
        let contested = &contested[..contested.len().min(10)];
        for mask in 0u32..(1 << contested.len()) {
            let mut set = free.clone();
            set.extend(contested.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, r)| *r));
            options.push(set);
        }
        let mut best: Option<(Vec<&DiscountRule>, Won)> = None;
        for mut set in options {
            if must.is_some_and(|m| !set.iter().any(|r| r.id == m))
                || !self.is_valid_combination(&set)
                || set.is_empty()
            {
                continue;
            }
            set.sort_by(|a, b| a.id.cmp(&b.id));
            let saving = self.apply(&set).total_saving;
            let better = match &best {
                None => true,
                Some((b, s)) => {
                    saving > *s
                        || (saving == *s && (set.len() < b.len() || (set.len() == b.len() && ids(&set) < ids(b))))
                }
            };
            if better {
                best = Some((set, saving));
            }
        }
        best.unwrap_or_default()
    }

    fn best(&self, eligible: &[Eligible]) -> Combination {
        let candidates: Vec<&DiscountRule> =
            eligible.iter().filter(|e| !e.optional).filter_map(|e| self.rule(&e.rule_id)).collect();
        let (set, saving) = self.best_of(&candidates, None);
        let subtotal = self.cart.subtotal();
        Combination { rule_ids: ids(&set), saving, subtotal, total: subtotal - saving }
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
            if have <= 0 || have < min_points {
                failures
                    .push((Reason::PointsShort { have, min: min_points.max(1) }, have > 0 && have * 2 >= min_points));
            } else {
                reasons.push(Reason::PointsAvailable { points: have });
            }
        }
        if let Some(limit) = &rule.limit {
            let used = self
                .facts
                .rule_uses
                .iter()
                .filter(|u| u.rule_id == rule.id && self.same_period(u.at, limit.per))
                .count() as u32;
            if used >= limit.count {
                failures.push((Reason::LimitReached { count: limit.count, per: limit.per }, true));
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

    fn same_period(&self, at: DateTime<Utc>, per: LimitPeriod) -> bool {
        let d = self.zone.date(at);
        match per {
            LimitPeriod::Lifetime => true,
            LimitPeriod::Year => d.year() == self.today.year(),
            LimitPeriod::Month => (d.year(), d.month()) == (self.today.year(), self.today.month()),
            LimitPeriod::Day => d == self.today,
        }
    }

    fn check(&self, rule: &DiscountRule, condition: &Condition) -> Result<(Reason, Option<Uuid>), (Reason, bool)> {
        let f = self.facts;
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
                if age >= *years as i32 {
                    Ok((Reason::AgeAtLeast { age, min: *years, birth_year: birth.year() }, None))
                } else {
                    let turns = birthday_in(birth, birth.year() + *years as i32);
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
                    BirthdayWindow::Days { days } => d.abs() <= *days as i64,
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
                    let short = count - f.stamps;
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
                    Err((Reason::SpendShort { min: *amount, subtotal, short }, subtotal * 10 >= amount * 7))
                }
            }
        }
    }

    fn zero_saving_reason(&self, rule: &DiscountRule) -> Reason {
        match &rule.benefit {
            Benefit::BuyXGetY { buy, get } => {
                let have =
                    self.cart.lines.iter().filter(|l| rule.scope.covers(&l.sku, &l.category)).map(|l| l.qty).sum();
                Reason::NeedMoreItems { have, need: (*buy + *get) as i64 }
            }
            Benefit::RedeemPoints { min_points, .. } => {
                Reason::PointsShort { have: self.facts.points, min: *min_points }
            }
            _ => Reason::NothingInScope { scope: rule.scope.clone() },
        }
    }

    /// Applies rules in phase order (item-level, percent, amount, points) to
    /// what is left of each line, allocating each saving to lines.
    pub fn apply(&self, rules: &[&DiscountRule]) -> Applied {
        let lines = &self.cart.lines;
        let mut rem: Vec<Won> = lines.iter().map(|l| l.amount()).collect();
        let mut free_units = vec![0i64; lines.len()];
        let mut order: Vec<&DiscountRule> = rules.to_vec();
        order.sort_by(|a, b| a.benefit.phase().cmp(&b.benefit.phase()).then_with(|| a.id.cmp(&b.id)));
        let mut out = Applied { line_discounts: vec![0; lines.len()], ..Default::default() };
        for rule in order {
            let in_scope: Vec<usize> =
                (0..lines.len()).filter(|&i| rule.scope.covers(&lines[i].sku, &lines[i].category)).collect();
            let mut cut = vec![0 as Won; lines.len()];
            match &rule.benefit {
                Benefit::FreeItems { count, max_unit_price } => {
                    let mut units = self.units(&in_scope, &free_units, &rem);
                    units.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                    for &(i, price) in units.iter().take(*count as usize) {
                        let value = max_unit_price.map_or(price, |m| price.min(m)).min(rem[i] - cut[i]);
                        cut[i] += value;
                        free_units[i] += 1;
                    }
                }
                Benefit::BuyXGetY { buy, get } => {
                    // Every `buy + get` units earn `get` free units: the cheapest ones.
                    let mut units = self.units(&in_scope, &free_units, &rem);
                    units.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
                    let free = units.len() / (*buy + *get) as usize * *get as usize;
                    for &(i, price) in units.iter().take(free) {
                        let value = price.min(rem[i] - cut[i]);
                        cut[i] += value;
                        free_units[i] += 1;
                    }
                }
                Benefit::PercentOff { percent_bp } => {
                    let base: Won = in_scope.iter().map(|&i| rem[i]).sum();
                    allocate(percent_of(base, *percent_bp), &in_scope, &rem, &mut cut);
                }
                Benefit::AmountOff { amount } => {
                    let base: Won = in_scope.iter().map(|&i| rem[i]).sum();
                    allocate((*amount).min(base), &in_scope, &rem, &mut cut);
                }
                Benefit::RedeemPoints { won_per_point, max_share_bp, .. } => {
                    let base: Won = in_scope.iter().map(|&i| rem[i]).sum();
                    let cap = max_share_bp.map_or(base, |s| percent_of(base, s));
                    let points = (cap.min(self.facts.points.saturating_mul(*won_per_point)) / won_per_point).max(0);
                    out.points_used += points;
                    allocate(points * won_per_point, &in_scope, &rem, &mut cut);
                }
            }
            let saving: Won = cut.iter().sum();
            for i in 0..lines.len() {
                rem[i] -= cut[i];
                out.line_discounts[i] += cut[i];
            }
            out.total_saving += saving;
            out.savings.push((rule.id.clone(), saving));
        }
        out.free_units = free_units;
        out
    }

    /// Individual units still payable in the given lines: (line, unit price).
    fn units(&self, in_scope: &[usize], free_units: &[i64], rem: &[Won]) -> Vec<(usize, Won)> {
        let mut units = Vec::new();
        for &i in in_scope {
            let line = &self.cart.lines[i];
            if line.unit_price == 0 || rem[i] == 0 {
                continue;
            }
            for _ in 0..(line.qty - free_units[i]).max(0) {
                units.push((i, line.unit_price));
            }
        }
        units
    }
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
            Some(Alternative::AddItem { scope: rule.scope.clone(), count: need - have })
        }
        Reason::OpensIn { minutes, .. } => Some(Alternative::Wait { minutes: *minutes }),
        _ => None,
    }
}

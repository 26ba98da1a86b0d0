//! The claims "best combination" and "the gate is fair", proved against
//! brute force: for generated products, carts, customers and rule sets
//! (every benefit type, scopes, free-item caps, buy-X-get-Y, stamps, points,
//! exclusivity), the engine's best combination is the one an exhaustive
//! search over every valid subset finds, what each rule "adds" to a
//! selection is what brute force says it adds, and the gate refuses exactly
//! when some unapplied discount would add something. A fuzz test then
//! throws arbitrary rules (inside and outside the allowed ranges) at the
//! engine: validation refuses them or evaluation returns, never a panic.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use dangol_domain::catalog::{Cart, CartLine, PricedCart, Product};
use dangol_domain::customer::Tier;
use dangol_domain::eligibility::{CustomerFacts, Engine, RuleUse};
use dangol_domain::gate::{self, Decision};
use dangol_domain::i18n::Lang;
use dangol_domain::rules::{
    Benefit, BirthdayWindow, Condition, DiscountRule, LimitPeriod, Scope, Stacking, UsageLimit,
};
use dangol_domain::time::{ShopZone, TimeWindow};
use dangol_domain::{DomainError, Won};
use proptest::prelude::*;

const CATEGORIES: [&str; 3] = ["음료", "베이커리", "디저트"];

fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T10:00:00+09:00").unwrap().with_timezone(&Utc)
}

fn products(prices: &[Won]) -> Vec<Product> {
    prices
        .iter()
        .enumerate()
        .map(|(i, p)| Product::new(&format!("P{i}"), &format!("상품{i}"), CATEGORIES[i % 3], *p, None).unwrap())
        .collect()
}

fn price_cart(catalog: &[Product], lines: &[(usize, i64)]) -> PricedCart {
    let mut cart = Cart::default();
    for &(i, qty) in lines {
        let sku = format!("P{}", i % catalog.len());
        match cart.lines.iter_mut().find(|l| l.sku == sku) {
            Some(l) => l.qty = (l.qty + qty).min(999),
            None => cart.lines.push(CartLine { sku, qty }),
        }
    }
    cart.price(|sku| catalog.iter().find(|p| p.sku == sku).cloned()).unwrap()
}

fn benefit() -> impl Strategy<Value = Benefit> {
    prop_oneof![
        3 => (1i64..=10_000).prop_map(|percent_bp| Benefit::PercentOff { percent_bp }),
        3 => (1i64..20_000).prop_map(|amount| Benefit::AmountOff { amount }),
        3 => (1i64..4, proptest::option::of(1i64..8_000))
            .prop_map(|(count, max_unit_price)| Benefit::FreeItems { count, max_unit_price }),
        3 => (1i64..4, 1i64..3).prop_map(|(buy, get)| Benefit::BuyXGetY { buy, get }),
        1 => (1i64..3, 0i64..2_000, proptest::option::of(1i64..=10_000))
            .prop_map(|(won_per_point, min_points, max_share_bp)| Benefit::RedeemPoints { won_per_point, min_points, max_share_bp }),
    ]
}

fn scope(n_products: usize) -> impl Strategy<Value = Scope> {
    prop_oneof![
        2 => Just(Scope::Cart),
        2 => proptest::sample::subsequence(CATEGORIES.to_vec(), 1..=2)
            .prop_map(|c| Scope::Categories { categories: c.into_iter().map(str::to_string).collect() }),
        1 => proptest::sample::subsequence((0..n_products).collect::<Vec<_>>(), 1..=3)
            .prop_map(|s| Scope::Products { skus: s.into_iter().map(|i| format!("P{i}")).collect() }),
    ]
}

fn rule(i: usize, n_products: usize) -> impl Strategy<Value = DiscountRule> {
    (benefit(), scope(n_products), proptest::bool::weighted(0.2), proptest::option::weighted(0.3, 1i64..12)).prop_map(
        move |(benefit, scope, exclusive, stamps)| DiscountRule {
            id: format!("r{i}"),
            name: format!("규칙{i}"),
            name_en: None,
            stacking: if exclusive && !matches!(benefit, Benefit::RedeemPoints { .. }) {
                Stacking::Exclusive
            } else {
                Stacking::Stackable
            },
            benefit,
            scope,
            conditions: stamps.map(|count| vec![Condition::Stamps { count }]).unwrap_or_default(),
            valid_from: None,
            valid_until: None,
            limit: None,
            active: true,
        },
    )
}

/// A generated shop moment: products, a cart, a customer and 1-7 rules.
#[derive(Debug, Clone)]
struct World {
    catalog: Vec<Product>,
    cart: PricedCart,
    facts: CustomerFacts,
    rules: Vec<DiscountRule>,
}

fn world() -> impl Strategy<Value = World> {
    let prices = proptest::collection::vec(prop_oneof![1 => Just(0i64), 9 => (1i64..200).prop_map(|x| x * 100)], 6);
    (prices, proptest::collection::vec((0usize..6, 1i64..6), 1..7), -5i64..25, 0i64..5_000, 1usize..=7).prop_flat_map(
        |(prices, lines, stamps, points, n)| {
            let catalog = products(&prices);
            let cart = price_cart(&catalog, &lines);
            let rules: Vec<_> = (0..n).map(|i| rule(i, 6)).collect();
            rules.prop_map(move |rules| World {
                catalog: catalog.clone(),
                cart: cart.clone(),
                facts: CustomerFacts { stamps, points, ..Default::default() },
                rules,
            })
        },
    )
}

/// Valid by the rules' own terms, written here independently of the engine:
/// an exclusive rule stands alone, one points redemption at most, and the
/// stamp rewards need no more stamps than the customer has (a stamp debt,
/// below zero after two counters redeemed offline, is none: it refuses no
/// sale that spends no stamps).
fn valid(set: &[&DiscountRule], stamps: i64) -> bool {
    let exclusive = set.iter().any(|r| r.stacking == Stacking::Exclusive);
    let points = set.iter().filter(|r| matches!(r.benefit, Benefit::RedeemPoints { .. })).count();
    let need: i64 = set
        .iter()
        .flat_map(|r| &r.conditions)
        .map(|c| if let Condition::Stamps { count } = c { *count } else { 0 })
        .sum();
    !(exclusive && set.len() > 1) && points <= 1 && need <= stamps.max(0)
}

fn subsets<'a>(pool: &[&'a DiscountRule]) -> Vec<Vec<&'a DiscountRule>> {
    (1u32..(1 << pool.len()))
        .map(|mask| pool.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, r)| *r).collect())
        .collect()
}

fn ids(set: &[&DiscountRule]) -> Vec<String> {
    let mut v: Vec<String> = set.iter().map(|r| r.id.clone()).collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// The best combination is the best by exhaustive search: the largest
    /// real saving, then the fewest rules, then the first ids.
    #[test]
    fn the_best_combination_is_what_brute_force_finds(w in world()) {
        let engine = Engine::new(&w.rules, &w.cart, &w.facts, at(), ShopZone::default(), Lang::Ko);
        let e = engine.evaluate();
        let pool: Vec<&DiscountRule> =
            e.eligible.iter().filter(|x| !x.optional).map(|x| engine.rule(&x.rule_id).unwrap()).collect();
        let mut best: (Won, usize, Vec<String>) = (0, 0, vec![]);
        for set in subsets(&pool).into_iter().filter(|s| valid(s, w.facts.stamps)) {
            let saving = engine.apply(&set).discount_saving();
            let key = (saving, set.len(), ids(&set));
            if best.2.is_empty() || key.0 > best.0 || (key.0 == best.0 && (key.1 < best.1 || (key.1 == best.1 && key.2 < best.2))) {
                best = key;
            }
        }
        prop_assert_eq!(&e.best.rule_ids, &best.2, "catalog {:?}", w.catalog);
        prop_assert_eq!(e.best.saving, best.0);
        prop_assert_eq!(e.best.total, e.subtotal - best.0);
        prop_assert!(e.best.total >= 0);
    }

    /// For any valid selection, what each eligible discount "adds" is what
    /// brute force says, and the gate refuses exactly the discounts that
    /// would add something, recording that (not their standalone saving)
    /// when they are dismissed.
    #[test]
    fn adds_and_the_gate_match_brute_force(w in world(), mask in any::<u32>()) {
        let engine = Engine::new(&w.rules, &w.cart, &w.facts, at(), ShopZone::default(), Lang::Ko);
        let e = engine.evaluate();
        let eligible: Vec<&DiscountRule> = e.eligible.iter().map(|x| engine.rule(&x.rule_id).unwrap()).collect();
        let selection: Vec<&DiscountRule> =
            eligible.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, r)| *r).collect();
        prop_assume!(valid(&selection, w.facts.stamps));
        let candidates: Vec<&DiscountRule> =
            eligible.iter().copied().filter(|r| !matches!(r.benefit, Benefit::RedeemPoints { .. })).collect();
        let now = engine.apply(&selection).discount_saving();
        let selected: Vec<String> = selection.iter().map(|r| r.id.clone()).collect();
        let with_selection = engine.evaluate_for(Some(&selected));
        let mut blocking: Vec<(String, Won)> = Vec::new();
        for r in candidates.iter().filter(|r| !selection.iter().any(|s| s.id == r.id)) {
            let mut with = selection.clone();
            with.push(r);
            let better = if valid(&with, w.facts.stamps) {
                engine.apply(&with).discount_saving()
            } else {
                subsets(&candidates)
                    .into_iter()
                    .filter(|t| t.iter().any(|x| x.id == r.id) && valid(t, w.facts.stamps))
                    .map(|t| engine.apply(&t).discount_saving())
                    .max()
                    .unwrap_or(0)
            };
            let adds = (better - now).max(0);
            let standing = with_selection.standing(&r.id).unwrap();
            prop_assert_eq!(standing.adds, adds, "{} added to {:?}", r.id, selected);
            if adds > 0 {
                blocking.push((r.id.clone(), adds));
            }
        }
        let decision = Decision { apply: selected.clone(), dismiss: vec![] };
        match gate::check(&engine, &e, &decision) {
            Ok(_) => prop_assert!(blocking.is_empty(), "the gate let through {:?} leaving {:?}", selected, blocking),
            Err(DomainError::GateRefused { unacknowledged }) => {
                let got: Vec<(String, Won)> = unacknowledged.iter().map(|u| (u.rule_id.clone(), u.saving)).collect();
                prop_assert_eq!(got, blocking.clone(), "exactly the discounts that add something block, with what they add");
            }
            Err(other) => prop_assert!(false, "unexpected refusal {other}"),
        }
        let dismissed: Vec<(String, String)> = blocking.iter().map(|(id, _)| (id.clone(), "손님이 원하지 않음".to_string())).collect();
        let cleared = gate::check(&engine, &e, &Decision { apply: selected, dismiss: dismissed }).unwrap();
        let missed: Vec<(String, Won)> = cleared.missed.iter().map(|m| (m.rule_id.clone(), m.saving)).collect();
        prop_assert_eq!(missed, blocking, "missed discounts record the marginal saving");
    }
}

/// The case the issue names: a capped free item and a buy-2-get-1 in the
/// same scope. Adding the capped free item to the 2+1 lowers the saving, so
/// "every stackable rule that applies" is not the best.
#[test]
fn adding_a_rule_can_lower_the_saving_and_the_best_leaves_it_out() {
    let catalog = products(&[5_000, 5_000, 5_000, 100, 100, 100]);
    let cart = price_cart(&catalog, &[(0, 3)]);
    let rules = vec![
        DiscountRule::from_json(r#"{"id":"cap","name":"무료 한 잔","benefit":{"type":"free_items","count":1,"max_unit_price":1000},"scope":{"type":"categories","categories":["음료"]}}"#).unwrap(),
        DiscountRule::from_json(r#"{"id":"two-one","name":"음료 2+1","benefit":{"type":"buy_x_get_y","buy":2,"get":1},"scope":{"type":"categories","categories":["음료"]}}"#).unwrap(),
    ];
    let facts = CustomerFacts::default();
    let engine = Engine::new(&rules, &cart, &facts, at(), ShopZone::default(), Lang::Ko);
    let both: Vec<&DiscountRule> = rules.iter().collect();
    assert_eq!(
        engine.apply(&both).total_saving,
        1_000,
        "the capped rule frees a 5,000 unit for 1,000 and breaks the 2+1"
    );
    let e = engine.evaluate();
    assert_eq!(e.best.rule_ids, vec!["two-one"]);
    assert_eq!(e.best.saving, 5_000);
    // The gate never asks for the capped rule on top: it would add nothing.
    gate::check(&engine, &e, &Decision { apply: vec!["two-one".into()], dismiss: vec![] })
        .expect("a rule that adds ₩0 never blocks a sale");
}

/// Points paid are the customer's own money: applying them never counts as
/// a discount applied, so the gate still asks for the discount.
#[test]
fn paying_with_points_does_not_excuse_a_missed_discount() {
    let catalog = products(&[10_000, 1, 1, 1, 1, 1]);
    let cart = price_cart(&catalog, &[(0, 1)]);
    let rules = vec![
        DiscountRule::from_json(r#"{"id":"senior","name":"경로 10%","benefit":{"type":"percent_off","percent_bp":1000},"stacking":"exclusive"}"#).unwrap(),
        DiscountRule::from_json(r#"{"id":"points","name":"포인트","benefit":{"type":"redeem_points"}}"#).unwrap(),
    ];
    let facts = CustomerFacts { points: 5_000, ..Default::default() };
    let engine = Engine::new(&rules, &cart, &facts, at(), ShopZone::default(), Lang::Ko);
    let e = engine.evaluate();
    let err = gate::check(&engine, &e, &Decision { apply: vec!["points".into()], dismiss: vec![] })
        .expect_err("₩5,000 of points is not a discount; the senior 10% is still owed");
    match err {
        DomainError::GateRefused { unacknowledged } => {
            assert_eq!(unacknowledged[0].rule_id, "senior");
            assert_eq!(unacknowledged[0].saving, 1_000);
        }
        other => panic!("{other:?}"),
    }
}

/// A birthday treat limited to once a year is once per birthday: a 2 January
/// birthday celebrated on 28 December cannot be celebrated again on 3 January.
#[test]
fn a_yearly_birthday_treat_is_once_per_birthday_across_new_year() {
    let catalog = products(&[5_000, 5_000, 5_000, 1, 1, 1]);
    let cart = price_cart(&catalog, &[(0, 1)]);
    let rules = vec![DiscountRule::from_json(r#"{"id":"bday","name":"생일 음료","benefit":{"type":"free_items","count":1},"scope":{"type":"categories","categories":["음료"]},"conditions":[{"type":"birthday","window":{"type":"days","days":7}}],"limit":{"count":1,"per":"year"}}"#).unwrap()];
    let seoul = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    let birth = NaiveDate::from_ymd_opt(1990, 1, 2);
    let used_in_december = CustomerFacts {
        birth_date: birth,
        rule_uses: vec![RuleUse { rule_id: "bday".into(), at: seoul("2025-12-28T12:00:00+09:00") }],
        ..Default::default()
    };
    let jan3 = seoul("2026-01-03T12:00:00+09:00");
    let e = Engine::new(&rules, &cart, &used_in_december, jan3, ShopZone::default(), Lang::Ko).evaluate();
    assert!(e.find("bday").is_none(), "the same birthday, already celebrated");
    let last_year = CustomerFacts {
        birth_date: birth,
        rule_uses: vec![RuleUse { rule_id: "bday".into(), at: seoul("2024-12-30T12:00:00+09:00") }],
        ..Default::default()
    };
    let e = Engine::new(&rules, &cart, &last_year, jan3, ShopZone::default(), Lang::Ko).evaluate();
    assert!(e.find("bday").is_some(), "last year's birthday does not count");
}

fn wild() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => -3i64..12,
        2 => any::<i64>(),
        1 => Just(i64::MAX),
        1 => Just(i64::MIN),
        1 => Just(u32::MAX as i64),
        1 => 1i64..100_000_000,
    ]
}

fn wild_benefit() -> impl Strategy<Value = Benefit> {
    prop_oneof![
        wild().prop_map(|percent_bp| Benefit::PercentOff { percent_bp }),
        wild().prop_map(|amount| Benefit::AmountOff { amount }),
        (wild(), proptest::option::of(wild()))
            .prop_map(|(count, max_unit_price)| Benefit::FreeItems { count, max_unit_price }),
        (wild(), wild()).prop_map(|(buy, get)| Benefit::BuyXGetY { buy, get }),
        (wild(), wild(), proptest::option::of(wild())).prop_map(|(won_per_point, min_points, max_share_bp)| {
            Benefit::RedeemPoints { won_per_point, min_points, max_share_bp }
        }),
    ]
}

fn wild_condition() -> impl Strategy<Value = Condition> {
    prop_oneof![
        (0usize..4).prop_map(|t| Condition::MinTier { tier: Tier::ALL[t] }),
        wild().prop_map(|years| Condition::MinAge { years }),
        prop_oneof![Just(BirthdayWindow::Month), wild().prop_map(|days| BirthdayWindow::Days { days })]
            .prop_map(|window| Condition::Birthday { window }),
        Just(Condition::FirstVisit),
        wild().prop_map(|count| Condition::Stamps { count }),
        Just(Condition::Coupon),
        (0u32..24, 0u32..24).prop_map(|(a, b)| Condition::TimeWindow {
            window: TimeWindow {
                days: vec![Weekday::Mon],
                start: NaiveTime::from_hms_opt(a, 0, 0).unwrap(),
                end: NaiveTime::from_hms_opt(b, 0, 0).unwrap(),
            }
        }),
        wild().prop_map(|amount| Condition::MinSpend { amount }),
    ]
}

fn wild_rule(i: usize) -> impl Strategy<Value = DiscountRule> {
    (
        wild_benefit(),
        scope(6),
        proptest::collection::vec(wild_condition(), 0..3),
        proptest::option::of((wild(), 0usize..4)),
        any::<bool>(),
        proptest::option::of(-40_000i32..40_000),
    )
        .prop_map(move |(benefit, scope, conditions, limit, exclusive, from)| DiscountRule {
            id: format!("w{i}"),
            name: format!("규칙{i}"),
            name_en: None,
            benefit,
            scope,
            conditions,
            valid_from: from
                .and_then(|d| NaiveDate::from_ymd_opt(2026, 1, 1)?.checked_add_signed(Duration::days(d as i64))),
            valid_until: None,
            limit: limit.map(|(count, p)| UsageLimit {
                count,
                per: [LimitPeriod::Lifetime, LimitPeriod::Year, LimitPeriod::Month, LimitPeriod::Day][p],
            }),
            stacking: if exclusive { Stacking::Exclusive } else { Stacking::Stackable },
            active: true,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Owners can type anything. Each rule either fails validation with an
    /// error naming the rule, or evaluates; and even rules that skipped
    /// validation (say, stored by an older version) never crash the engine,
    /// the gate or a sale's pricing.
    #[test]
    fn arbitrary_rules_are_refused_or_evaluated_never_a_panic(
        rules in proptest::collection::vec((0usize..4).prop_flat_map(wild_rule), 1..5),
        lines in proptest::collection::vec((0usize..6, 1i64..=999), 1..6),
        stamps in wild(), points in wild(), visits in 0u32..3, walk_in in any::<bool>(),
        birth in proptest::option::of(-40_000i64..40_000),
        minutes in 0i64..(60 * 24 * 365 * 70),
        uses in proptest::collection::vec(0i64..(60 * 24 * 800), 0..4),
    ) {
        let catalog = products(&[100_000_000, 4_500, 0, 3_200, 1, 99_999_999]);
        let cart = price_cart(&catalog, &lines);
        let mut rules = rules;
        for (i, r) in rules.iter_mut().enumerate() {
            r.id = format!("w{i}");
            if let Err(e) = r.validate() {
                prop_assert!(matches!(e, DomainError::InvalidRule { .. }), "{e:?}");
                prop_assert!(e.to_string().contains(&r.id), "the error names the rule: {e}");
            }
        }
        let when = DateTime::parse_from_rfc3339("2000-01-01T00:00:00Z").unwrap().with_timezone(&Utc) + Duration::minutes(minutes);
        let facts = CustomerFacts {
            birth_date: birth.and_then(|d| NaiveDate::from_ymd_opt(1960, 1, 1)?.checked_add_signed(Duration::days(d))),
            tier: Tier::Gold,
            visits,
            points: points.max(0),
            stamps,
            coupons: vec![],
            rule_uses: uses.iter().map(|m| RuleUse { rule_id: "w0".into(), at: when - Duration::minutes(*m) }).collect(),
            walk_in,
        };
        let engine = Engine::new(&rules, &cart, &facts, when, ShopZone::default(), Lang::En);
        let e = engine.evaluate();
        prop_assert!(e.best.total >= 0 && e.best.total <= e.subtotal);
        let all: Vec<String> = e.eligible.iter().map(|x| x.rule_id.clone()).collect();
        let _ = engine.evaluate_for(Some(&all));
        let _ = gate::check(&engine, &e, &Decision { apply: e.best.rule_ids.clone(), dismiss: vec![] });
        for r in &rules {
            let _ = engine.why_not(r);
        }
    }
}

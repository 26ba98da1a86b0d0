//! Table-driven tests of the eligibility engine, the checkout gate and the
//! suggestions, plus property tests. Every case says why it expects what it
//! expects.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use dangol_domain::DomainError;
use dangol_domain::catalog::{Cart, CartLine, PricedCart, Product};
use dangol_domain::customer::{Customer, Tier};
use dangol_domain::eligibility::{Alternative, CustomerFacts, Engine, Evaluation, Reason, RuleUse};
use dangol_domain::gate::{self, Decision};
use dangol_domain::i18n::Lang;
use dangol_domain::loyalty::Coupon;
use dangol_domain::phone::Phone;
use dangol_domain::rules::DiscountRule;
use dangol_domain::suggest::{HistorySummary, SuggestionInput, SuggestionKind, suggest};
use dangol_domain::time::ShopZone;
use proptest::prelude::*;
use uuid::Uuid;

fn catalog() -> Vec<Product> {
    vec![
        Product::new("AMR", "아메리카노", "음료", 4_500, None).unwrap(),
        Product::new("LATTE", "카페라떼", "음료", 5_000, None).unwrap(),
        Product::new("SALT", "소금빵", "베이커리", 3_200, None).unwrap(),
        Product::new("BREAD", "우유식빵", "베이커리", 4_800, None).unwrap(),
        Product::new("CAKE", "조각케이크", "디저트", 6_500, None).unwrap(),
    ]
}

fn cart(lines: &[(&str, i64)]) -> PricedCart {
    let cart = Cart { lines: lines.iter().map(|(sku, qty)| CartLine { sku: sku.to_string(), qty: *qty }).collect() };
    let cat = catalog();
    cart.price(|sku| cat.iter().find(|p| p.sku == sku).cloned()).unwrap()
}

/// Monday 23 November 2026, in Seoul at the given local time.
fn seoul(date: &str, hm: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{date}T{hm}:00+09:00")).unwrap().with_timezone(&Utc)
}

fn at() -> DateTime<Utc> {
    seoul("2026-11-23", "10:00")
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn rules() -> Vec<DiscountRule> {
    let json = [
        r#"{"id":"senior-65","name":"경로 우대 10%","name_en":"Senior 65+ 10%","benefit":{"type":"percent_off","percent_bp":1000},"conditions":[{"type":"min_age","years":65}]}"#,
        r#"{"id":"birthday-month","name":"생일 달 케이크 20%","name_en":"Birthday month: cakes 20% off","benefit":{"type":"percent_off","percent_bp":2000},"scope":{"type":"categories","categories":["디저트"]},"conditions":[{"type":"birthday","window":{"type":"month"}}],"limit":{"count":1,"per":"year"}}"#,
        r#"{"id":"gold-5","name":"골드 회원 5%","name_en":"Gold member 5%","benefit":{"type":"percent_off","percent_bp":500},"conditions":[{"type":"min_tier","tier":"gold"}]}"#,
        r#"{"id":"first-visit","name":"첫 방문 1,000원","name_en":"First visit ₩1,000 off","benefit":{"type":"amount_off","amount":1000},"conditions":[{"type":"first_visit"}]}"#,
        r#"{"id":"stamp-10","name":"스탬프 10개 음료 무료","name_en":"10 stamps: free drink","benefit":{"type":"free_items","count":1,"max_unit_price":5000},"scope":{"type":"categories","categories":["음료"]},"conditions":[{"type":"stamps","count":10}]}"#,
        r#"{"id":"points","name":"포인트 사용","name_en":"Pay with points","benefit":{"type":"redeem_points","won_per_point":1,"min_points":1000,"max_share_bp":5000}}"#,
        r#"{"id":"coupon-3000","name":"3,000원 쿠폰","name_en":"₩3,000 coupon","benefit":{"type":"amount_off","amount":3000},"conditions":[{"type":"coupon"}],"stacking":"exclusive"}"#,
        r#"{"id":"bakery-2-1","name":"베이커리 2+1","name_en":"Bakery buy 2 get 1","benefit":{"type":"buy_x_get_y","buy":2,"get":1},"scope":{"type":"categories","categories":["베이커리"]}}"#,
        r#"{"id":"happy-hour","name":"해피아워 음료 20%","name_en":"Happy hour: drinks 20%","benefit":{"type":"percent_off","percent_bp":2000},"scope":{"type":"categories","categories":["음료"]},"conditions":[{"type":"time_window","window":{"days":["Mon","Tue","Wed","Thu","Fri"],"start":"15:00:00","end":"17:00:00"}}]}"#,
        r#"{"id":"spend-30k","name":"3만원 이상 2,000원","name_en":"₩2,000 off over ₩30,000","benefit":{"type":"amount_off","amount":2000},"conditions":[{"type":"min_spend","amount":30000}]}"#,
        r#"{"id":"autumn","name":"가을 행사 500원","name_en":"Autumn ₩500","benefit":{"type":"amount_off","amount":500},"valid_from":"2026-09-01","valid_until":"2026-11-22"}"#,
    ];
    json.iter().map(|j| DiscountRule::from_json(j).unwrap_or_else(|e| panic!("{j}: {e}"))).collect()
}

fn facts() -> CustomerFacts {
    CustomerFacts { birth_date: Some(d("1990-06-15")), tier: Tier::Basic, visits: 12, ..Default::default() }
}

fn eval(facts: &CustomerFacts, cart: &PricedCart, at: DateTime<Utc>) -> Evaluation {
    let rules = rules();
    Engine::new(&rules, cart, facts, at, ShopZone::default(), Lang::En).evaluate()
}

fn coupon(code: &str, rule: &str, expires: DateTime<Utc>, used: bool) -> Coupon {
    Coupon {
        id: Uuid::from_u128(code.len() as u128 + expires.timestamp() as u128),
        code: code.into(),
        rule_id: rule.into(),
        issued_at: expires - Duration::days(60),
        expires_at: expires,
        used_at: used.then(|| expires - Duration::days(10)),
    }
}

/// What a case expects of one rule.
#[derive(Debug)]
enum Expect {
    Eligible(i64),
    Near(fn(&Reason) -> bool),
    Absent,
}

struct Case {
    why: &'static str,
    facts: CustomerFacts,
    cart: Vec<(&'static str, i64)>,
    at: DateTime<Utc>,
    rule: &'static str,
    expect: Expect,
}

fn check(cases: Vec<Case>) {
    for c in cases {
        let e = eval(&c.facts, &cart(&c.cart), c.at);
        match c.expect {
            Expect::Eligible(saving) => {
                let got = e.find(c.rule).unwrap_or_else(|| {
                    panic!("{}: {} should be eligible; near misses: {:?}", c.why, c.rule, e.near_misses)
                });
                assert_eq!(got.saving, saving, "{}: saving of {}", c.why, c.rule);
            }
            Expect::Near(pred) => {
                assert!(e.find(c.rule).is_none(), "{}: {} should not be eligible", c.why, c.rule);
                let nm =
                    e.near_misses.iter().find(|n| n.rule_id == c.rule).unwrap_or_else(|| {
                        panic!("{}: {} should be a near miss; got {:?}", c.why, c.rule, e.near_misses)
                    });
                assert!(pred(&nm.reason), "{}: unexpected reason {:?}", c.why, nm.reason);
            }
            Expect::Absent => {
                assert!(e.find(c.rule).is_none(), "{}: {} should not be eligible", c.why, c.rule);
                assert!(
                    !e.near_misses.iter().any(|n| n.rule_id == c.rule),
                    "{}: {} should not be a near miss",
                    c.why,
                    c.rule
                );
            }
        }
        assert!(e.best.total >= 0, "{}: total must never be negative", c.why);
    }
}

fn with(f: impl FnOnce(&mut CustomerFacts)) -> CustomerFacts {
    let mut x = facts();
    f(&mut x);
    x
}

#[test]
fn every_rule_type_with_its_boundaries() {
    use Expect::*;
    let bread = vec![("SALT", 2), ("BREAD", 1)]; // 11,200
    check(vec![
        Case {
            why: "72-year-old gets the senior discount",
            facts: with(|f| f.birth_date = Some(d("1954-03-01"))),
            cart: bread.clone(),
            at: at(),
            rule: "senior-65",
            expect: Eligible(1_120),
        },
        Case {
            why: "turns 65 today",
            facts: with(|f| f.birth_date = Some(d("1961-11-23"))),
            cart: bread.clone(),
            at: at(),
            rule: "senior-65",
            expect: Eligible(1_120),
        },
        Case {
            why: "turns 65 tomorrow",
            facts: with(|f| f.birth_date = Some(d("1961-11-24"))),
            cart: bread.clone(),
            at: at(),
            rule: "senior-65",
            expect: Near(|r| matches!(r, Reason::AgeShort { days_until: 1, .. })),
        },
        Case {
            why: "today follows Seoul, not UTC: 23:30 UTC on the 22nd is the 23rd",
            facts: with(|f| f.birth_date = Some(d("1961-11-23"))),
            cart: bread.clone(),
            at: seoul("2026-11-23", "00:30"),
            rule: "senior-65",
            expect: Eligible(1_120),
        },
        Case {
            why: "no birth date, no age rule and no nagging",
            facts: with(|f| f.birth_date = None),
            cart: bread.clone(),
            at: at(),
            rule: "senior-65",
            expect: Absent,
        },
        Case {
            why: "leapling turns 65 on 1 March of a common year",
            facts: with(|f| f.birth_date = Some(d("1960-02-29"))),
            cart: bread.clone(),
            at: seoul("2025-03-01", "10:00"),
            rule: "senior-65",
            expect: Eligible(1_120),
        },
        Case {
            why: "leapling is still 64 on 28 February",
            facts: with(|f| f.birth_date = Some(d("1960-02-29"))),
            cart: bread.clone(),
            at: seoul("2025-02-28", "10:00"),
            rule: "senior-65",
            expect: Near(|r| matches!(r, Reason::AgeShort { days_until: 1, .. })),
        },
        Case {
            why: "birthday month applies to cakes",
            facts: with(|f| f.birth_date = Some(d("1990-11-05"))),
            cart: vec![("CAKE", 1)],
            at: at(),
            rule: "birthday-month",
            expect: Eligible(1_300),
        },
        Case {
            why: "birthday in 9 days: near miss",
            facts: with(|f| f.birth_date = Some(d("1990-12-02"))),
            cart: vec![("CAKE", 1)],
            at: at(),
            rule: "birthday-month",
            expect: Near(|r| matches!(r, Reason::BirthdayAhead { days: 9 })),
        },
        Case {
            why: "birthday month but no cake in the cart",
            facts: with(|f| f.birth_date = Some(d("1990-11-05"))),
            cart: bread.clone(),
            at: at(),
            rule: "birthday-month",
            expect: Near(|r| matches!(r, Reason::NothingInScope { .. })),
        },
        Case {
            why: "29 February birthday celebrated in February of a common year",
            facts: with(|f| f.birth_date = Some(d("2000-02-29"))),
            cart: vec![("CAKE", 1)],
            at: seoul("2027-02-10", "10:00"),
            rule: "birthday-month",
            expect: Eligible(1_300),
        },
        Case {
            why: "birthday treat already used for this birthday",
            facts: with(|f| {
                f.birth_date = Some(d("1990-11-05"));
                f.rule_uses = vec![RuleUse { rule_id: "birthday-month".into(), at: seoul("2026-11-05", "12:00") }];
            }),
            cart: vec![("CAKE", 1)],
            at: at(),
            rule: "birthday-month",
            expect: Near(|r| matches!(r, Reason::BirthdayTreatUsed { birthday } if *birthday == d("2026-11-05"))),
        },
        Case {
            why: "last year's use does not count against this year",
            facts: with(|f| {
                f.birth_date = Some(d("1990-11-05"));
                f.rule_uses = vec![RuleUse { rule_id: "birthday-month".into(), at: seoul("2025-11-05", "12:00") }];
            }),
            cart: vec![("CAKE", 1)],
            at: at(),
            rule: "birthday-month",
            expect: Eligible(1_300),
        },
        Case {
            why: "gold tier discount",
            facts: with(|f| f.tier = Tier::Gold),
            cart: bread.clone(),
            at: at(),
            rule: "gold-5",
            expect: Eligible(560),
        },
        Case {
            why: "VIP is above gold",
            facts: with(|f| f.tier = Tier::Vip),
            cart: bread.clone(),
            at: at(),
            rule: "gold-5",
            expect: Eligible(560),
        },
        Case {
            why: "silver is one step short",
            facts: with(|f| f.tier = Tier::Silver),
            cart: bread.clone(),
            at: at(),
            rule: "gold-5",
            expect: Near(|r| matches!(r, Reason::TierBelow { needed: Tier::Gold, .. })),
        },
        Case {
            why: "first visit",
            facts: with(|f| f.visits = 0),
            cart: bread.clone(),
            at: at(),
            rule: "first-visit",
            expect: Eligible(1_000),
        },
        Case {
            why: "not a first visit: silent",
            facts: facts(),
            cart: bread.clone(),
            at: at(),
            rule: "first-visit",
            expect: Absent,
        },
        Case {
            why: "10 stamps: most expensive drink free, capped at 5,000",
            facts: with(|f| f.stamps = 10),
            cart: vec![("AMR", 1), ("LATTE", 1)],
            at: at(),
            rule: "stamp-10",
            expect: Eligible(5_000),
        },
        Case {
            why: "2 stamps short",
            facts: with(|f| f.stamps = 8),
            cart: vec![("AMR", 1)],
            at: at(),
            rule: "stamp-10",
            expect: Near(|r| matches!(r, Reason::StampsShort { short: 2, .. })),
        },
        Case {
            why: "stamps ready but no drink in the cart",
            facts: with(|f| f.stamps = 12),
            cart: bread.clone(),
            at: at(),
            rule: "stamp-10",
            expect: Near(|r| matches!(r, Reason::NothingInScope { .. })),
        },
        Case {
            why: "points cover at most half the cart",
            facts: with(|f| f.points = 50_000),
            cart: bread.clone(),
            at: at(),
            rule: "points",
            expect: Eligible(5_600),
        },
        Case {
            why: "points below the minimum but close",
            facts: with(|f| f.points = 600),
            cart: bread.clone(),
            at: at(),
            rule: "points",
            expect: Near(|r| matches!(r, Reason::PointsShort { have: 600, min: 1000 })),
        },
        Case {
            why: "a held coupon",
            facts: with(|f| f.coupons = vec![coupon("C-1", "coupon-3000", seoul("2026-12-01", "00:00"), false)]),
            cart: bread.clone(),
            at: at(),
            rule: "coupon-3000",
            expect: Eligible(3_000),
        },
        Case {
            why: "coupon expired 3 days ago",
            facts: with(|f| f.coupons = vec![coupon("C-1", "coupon-3000", seoul("2026-11-20", "00:00"), false)]),
            cart: bread.clone(),
            at: at(),
            rule: "coupon-3000",
            expect: Near(|r| matches!(r, Reason::CouponExpired { days_ago: 3, .. })),
        },
        Case {
            why: "coupon expiring at midnight is usable one second before",
            facts: with(|f| f.coupons = vec![coupon("C-1", "coupon-3000", seoul("2026-11-24", "00:00"), false)]),
            cart: bread.clone(),
            at: seoul("2026-11-23", "23:59") + Duration::seconds(59),
            rule: "coupon-3000",
            expect: Eligible(3_000),
        },
        Case {
            why: "coupon expiring at midnight is gone at midnight",
            facts: with(|f| f.coupons = vec![coupon("C-1", "coupon-3000", seoul("2026-11-24", "00:00"), false)]),
            cart: bread.clone(),
            at: seoul("2026-11-24", "00:00"),
            rule: "coupon-3000",
            expect: Near(|r| matches!(r, Reason::CouponExpired { days_ago: 0, .. })),
        },
        Case {
            why: "a used coupon is not offered",
            facts: with(|f| f.coupons = vec![coupon("C-1", "coupon-3000", seoul("2026-12-01", "00:00"), true)]),
            cart: bread.clone(),
            at: at(),
            rule: "coupon-3000",
            expect: Absent,
        },
        Case {
            why: "bakery 2+1: cheapest of three free",
            facts: facts(),
            cart: vec![("SALT", 2), ("BREAD", 1)],
            at: at(),
            rule: "bakery-2-1",
            expect: Eligible(3_200),
        },
        Case {
            why: "bakery 2+1 with six items frees the two cheapest",
            facts: facts(),
            cart: vec![("SALT", 3), ("BREAD", 3)],
            at: at(),
            rule: "bakery-2-1",
            expect: Eligible(6_400),
        },
        Case {
            why: "only two bakery items",
            facts: facts(),
            cart: vec![("SALT", 2)],
            at: at(),
            rule: "bakery-2-1",
            expect: Near(|r| matches!(r, Reason::NeedMoreItems { have: 2, need: 3 })),
        },
        Case {
            why: "happy hour at 15:30 on a Monday",
            facts: facts(),
            cart: vec![("AMR", 2)],
            at: seoul("2026-11-23", "15:30"),
            rule: "happy-hour",
            expect: Eligible(1_800),
        },
        Case {
            why: "happy hour starts in 20 minutes",
            facts: facts(),
            cart: vec![("AMR", 2)],
            at: seoul("2026-11-23", "14:40"),
            rule: "happy-hour",
            expect: Near(|r| matches!(r, Reason::OpensIn { minutes: 20, .. })),
        },
        Case {
            why: "happy hour ends at 17:00 sharp",
            facts: facts(),
            cart: vec![("AMR", 2)],
            at: seoul("2026-11-23", "17:00"),
            rule: "happy-hour",
            expect: Near(|r| matches!(r, Reason::ClosedAgo { minutes: 0, .. })),
        },
        Case {
            why: "no happy hour on Saturday",
            facts: facts(),
            cart: vec![("AMR", 2)],
            at: seoul("2026-11-28", "15:30"),
            rule: "happy-hour",
            expect: Absent,
        },
        Case {
            why: "minimum spend met exactly",
            facts: facts(),
            cart: vec![("BREAD", 5), ("SALT", 1), ("AMR", 1)],
            at: at(),
            rule: "spend-30k",
            expect: Eligible(2_000),
        },
        Case {
            why: "minimum spend 5,000 short",
            facts: facts(),
            cart: vec![("BREAD", 5), ("AMR", 1)],
            at: at(),
            rule: "spend-30k",
            expect: Near(|r| matches!(r, Reason::SpendShort { short: 1_500, .. })),
        },
        Case {
            why: "far from the minimum spend: silent",
            facts: facts(),
            cart: vec![("AMR", 1)],
            at: at(),
            rule: "spend-30k",
            expect: Absent,
        },
        Case {
            why: "validity ended yesterday",
            facts: facts(),
            cart: bread.clone(),
            at: at(),
            rule: "autumn",
            expect: Near(|r| matches!(r, Reason::ValidityEnded { days_ago: 1, .. })),
        },
        Case {
            why: "valid on its last day",
            facts: facts(),
            cart: bread.clone(),
            at: seoul("2026-11-22", "21:00"),
            rule: "autumn",
            expect: Eligible(500),
        },
    ]);
}

#[test]
fn stacking_applies_in_phases_on_what_is_left() {
    let f = with(|f| {
        f.birth_date = Some(d("1954-03-01"));
        f.tier = Tier::Gold;
    });
    let e = eval(&f, &cart(&[("SALT", 2), ("BREAD", 1)]), at());
    // 2+1 frees one salt bread (3,200) first; 5% then 10% compound on the 8,000 left.
    assert_eq!(e.best.rule_ids, vec!["bakery-2-1", "gold-5", "senior-65"]);
    assert_eq!(e.best.saving, 3_200 + 400 + 760, "percentages apply to what is left after free items");
    assert_eq!(e.best.total, 11_200 - 4_360);
}

#[test]
fn exclusive_rule_wins_only_when_it_saves_more() {
    let senior = with(|f| {
        f.birth_date = Some(d("1954-03-01"));
        f.coupons = vec![coupon("C-1", "coupon-3000", seoul("2026-12-01", "00:00"), false)];
    });
    let small = eval(&senior, &cart(&[("BREAD", 2)]), at());
    assert_eq!(small.best.rule_ids, vec!["coupon-3000"], "₩3,000 coupon beats 10% of ₩9,600");
    let big = eval(&senior, &cart(&[("CAKE", 6)]), at());
    assert_eq!(big.best.rule_ids, vec!["senior-65", "spend-30k"], "10% of ₩39,000 plus ₩2,000 beats the ₩3,000 coupon");
    assert_eq!(big.best.saving, 3_900 + 2_000);
}

#[test]
fn stamp_rewards_compete_for_the_same_stamps() {
    let mut rules = rules();
    rules.push(DiscountRule::from_json(r#"{"id":"stamp-10-cake","name":"스탬프 10개 케이크","benefit":{"type":"free_items","count":1},"scope":{"type":"categories","categories":["디저트"]},"conditions":[{"type":"stamps","count":10}]}"#).unwrap());
    let f = with(|f| f.stamps = 15);
    let c = cart(&[("LATTE", 1), ("CAKE", 1)]);
    let e = Engine::new(&rules, &c, &f, at(), ShopZone::default(), Lang::En).evaluate();
    assert!(e.find("stamp-10").is_some() && e.find("stamp-10-cake").is_some(), "both are eligible on their own");
    assert_eq!(e.best.rule_ids, vec!["stamp-10-cake"], "15 stamps pay for one reward: the cake (6,500) saves most");
}

#[test]
fn totals_never_go_negative() {
    let rules = vec![
        DiscountRule::from_json(r#"{"id":"huge","name":"큰 할인","benefit":{"type":"amount_off","amount":1000000}}"#)
            .unwrap(),
    ];
    let c = cart(&[("AMR", 1)]);
    let f = facts();
    let e = Engine::new(&rules, &c, &f, at(), ShopZone::default(), Lang::En).evaluate();
    assert_eq!(e.best.total, 0);
    assert_eq!(e.best.saving, 4_500);
}

#[test]
fn near_misses_offer_at_least_two_options_where_possible() {
    let f = with(|f| {
        f.birth_date = Some(d("1954-03-01"));
        f.tier = Tier::Gold;
        f.coupons = vec![coupon("C-9", "coupon-3000", seoul("2026-11-20", "00:00"), false)];
    });
    let e = eval(&f, &cart(&[("BREAD", 5), ("AMR", 1)]), at());
    let coupon = e.near_misses.iter().find(|n| n.rule_id == "coupon-3000").expect("expired coupon is a near miss");
    assert!(coupon.alternatives.len() >= 2, "an expired coupon comes with alternatives: {:?}", coupon.alternatives);
    assert!(
        coupon.alternatives.iter().all(|a| matches!(a, Alternative::Applied { .. })),
        "every other discount is already applied, and says so rather than offering it 'instead': {:?}",
        coupon.alternatives
    );
    let spend = e.near_misses.iter().find(|n| n.rule_id == "spend-30k").expect("spend is a near miss");
    assert_eq!(
        spend.alternatives,
        vec![Alternative::AddSpend { amount: 1_500 }],
        "the fix; everything else is applied"
    );
    // With only the senior discount selected, the gold 5% is the second option.
    let rules = rules();
    let c = cart(&[("BREAD", 5), ("AMR", 1)]);
    let engine = Engine::new(&rules, &c, &f, at(), ShopZone::default(), Lang::En);
    let e = engine.evaluate_for(Some(&["senior-65".to_string()]));
    let spend = e.near_misses.iter().find(|n| n.rule_id == "spend-30k").unwrap();
    assert_eq!(spend.alternatives[0], Alternative::AddSpend { amount: 1_500 }, "the fix comes first");
    let offered: Vec<&str> = spend.alternatives[1..]
        .iter()
        .filter_map(|a| match a {
            Alternative::Rule { rule_id, saving, .. } if *saving > 0 => Some(rule_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(offered, vec!["bakery-2-1", "gold-5"], "then what would add to the selection, most first");
}

fn senior_engine_parts() -> (Vec<DiscountRule>, PricedCart, CustomerFacts) {
    (rules(), cart(&[("SALT", 2), ("BREAD", 2)]), with(|f| f.birth_date = Some(d("1954-03-01"))))
}

#[test]
fn gate_refuses_an_unacknowledged_discount() {
    let (rules, c, f) = senior_engine_parts();
    let engine = Engine::new(&rules, &c, &f, at(), ShopZone::default(), Lang::En);
    let e = engine.evaluate();
    let err = gate::check(&engine, &e, &Decision::default()).expect_err("must refuse");
    match &err {
        DomainError::GateRefused { unacknowledged } => {
            let ids: Vec<&str> = unacknowledged.iter().map(|u| u.rule_id.as_str()).collect();
            assert!(ids.contains(&"senior-65") && ids.contains(&"bakery-2-1"), "{ids:?}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(err.to_string().contains("Senior 65+ 10%"), "the message names the discount: {err}");
}

#[test]
fn gate_accepts_applied_or_dismissed_with_reason_and_records_missed() {
    let (rules, c, f) = senior_engine_parts();
    let engine = Engine::new(&rules, &c, &f, at(), ShopZone::default(), Lang::En);
    let e = engine.evaluate();
    let ok =
        gate::check(&engine, &e, &Decision { apply: vec!["senior-65".into(), "bakery-2-1".into()], dismiss: vec![] })
            .unwrap();
    assert_eq!(ok.applied.total_saving, e.best.saving);
    assert!(ok.missed.is_empty());
    let dismissed = gate::check(
        &engine,
        &e,
        &Decision {
            apply: vec!["senior-65".into()],
            dismiss: vec![("bakery-2-1".into(), "customer declined the third bread".into())],
        },
    )
    .unwrap();
    assert_eq!(dismissed.missed.len(), 1);
    assert_eq!(dismissed.missed[0].rule_id, "bakery-2-1");
    assert!(dismissed.missed[0].saving > 0);
}

#[test]
fn gate_rejects_bad_decisions() {
    let (rules, c, f) = senior_engine_parts();
    let engine = Engine::new(&rules, &c, &f, at(), ShopZone::default(), Lang::En);
    let e = engine.evaluate();
    let cases: Vec<(Decision, &str)> = vec![
        (Decision { apply: vec!["gold-5".into()], dismiss: vec![] }, "needs gold tier"),
        (Decision { apply: vec!["nope".into()], dismiss: vec![] }, "does not exist or is not active"),
        (
            Decision { apply: vec!["senior-65".into()], dismiss: vec![("bakery-2-1".into(), "  ".into())] },
            "reason for dismissing a discount",
        ),
        (Decision { apply: vec!["senior-65".into(), "senior-65".into()], dismiss: vec![] }, "applied twice"),
    ];
    for (decision, fragment) in cases {
        let err = gate::check(&engine, &e, &decision).expect_err(fragment).to_string();
        assert!(err.contains(fragment), "{err:?} should mention {fragment:?}");
    }
}

#[test]
fn gate_blocks_a_smaller_exclusive_over_a_better_combination_but_allows_the_best() {
    let f = with(|f| {
        f.birth_date = Some(d("1954-03-01"));
        f.coupons = vec![coupon("C-1", "coupon-3000", seoul("2026-12-01", "00:00"), false)];
    });
    let rules = rules();
    let big = cart(&[("CAKE", 6)]);
    let engine = Engine::new(&rules, &big, &f, at(), ShopZone::default(), Lang::En);
    let e = engine.evaluate();
    let err = gate::check(&engine, &e, &Decision { apply: vec!["coupon-3000".into()], dismiss: vec![] })
        .expect_err("coupon alone leaves ₩2,900 on the table");
    assert!(matches!(err, DomainError::GateRefused { .. }), "{err:?}");
    gate::check(&engine, &e, &Decision { apply: vec!["senior-65".into(), "spend-30k".into()], dismiss: vec![] })
        .expect("the better combination passes; the coupon is kept for later");
    let err =
        gate::check(&engine, &e, &Decision { apply: vec!["coupon-3000".into(), "senior-65".into()], dismiss: vec![] })
            .expect_err("exclusive with another");
    assert!(err.to_string().contains("cannot be combined"));
}

#[test]
fn gate_never_forces_points_redemption() {
    let f = with(|f| f.points = 20_000);
    let rules = rules();
    let c = cart(&[("AMR", 1)]);
    let engine = Engine::new(&rules, &c, &f, at(), ShopZone::default(), Lang::En);
    let e = engine.evaluate();
    assert!(e.find("points").is_some_and(|p| p.optional));
    assert!(!e.best.rule_ids.contains(&"points".to_string()));
    gate::check(&engine, &e, &Decision::default()).expect("points are the customer's choice");
}

fn customer(name: &str, birth: &str, preferred: Option<&str>) -> Customer {
    Customer {
        id: Uuid::from_u128(7),
        name: name.into(),
        preferred_name: preferred.map(str::to_string),
        phone: Phone::parse("010-2024-1953").unwrap(),
        birth_date: Some(d(birth)),
        tier: Tier::Basic,
        tags: vec![],
        notes: String::new(),
        marketing_consent: false,
        consent_at: None,
        card_code: None,
        created_at: at() - Duration::days(900),
        updated_at: at() - Duration::days(900),
    }
}

/// The story Dangol exists for: an elderly couple buying bread pay full price
/// because nobody told them about the senior discount.
#[test]
fn seed_story_senior_discount_is_the_top_suggestion_and_gates_checkout() {
    for (name, birth) in [("김영자", "1954-03-01"), ("박정호", "1952-07-19")] {
        let c = customer(name, birth, Some("Mrs. Kim"));
        let f = CustomerFacts { birth_date: c.birth_date, visits: 40, ..Default::default() };
        let rules: Vec<DiscountRule> = rules().into_iter().filter(|r| r.id != "bakery-2-1").collect();
        let bread = cart(&[("BREAD", 1), ("SALT", 1)]);
        let engine = Engine::new(&rules, &bread, &f, at(), ShopZone::default(), Lang::En);
        let e = engine.evaluate();
        let history = HistorySummary { visits: 40, ..Default::default() };
        let input = SuggestionInput {
            customer: Some(&c),
            facts: &f,
            eval: &e,
            told: &[],
            cart: &bread,
            history: &history,
            open_complaints: &[],
            points_expiring: None,
            stamp_goals: &[],
            memory: &[],
            at: at(),
            zone: ShopZone::default(),
            lang: Lang::En,
        };
        let top = suggest(&input, 3);
        assert_eq!(top[0].kind, SuggestionKind::Discount, "{name}: the senior discount comes first: {top:?}");
        assert_eq!(top[0].rule_id.as_deref(), Some("senior-65"));
        assert!(top[0].reason.contains("65+"), "the reason says why: {}", top[0].reason);
        assert!(gate::check(&engine, &e, &Decision::default()).is_err(), "{name}: cannot pay full price silently");
    }
}

prop_compose! {
    fn any_cart()(lines in proptest::collection::vec((0usize..5, 1i64..6), 1..20)) -> PricedCart {
        let skus = ["AMR", "LATTE", "SALT", "BREAD", "CAKE"];
        let v: Vec<(&str, i64)> = lines.into_iter().map(|(i, q)| (skus[i], q)).collect();
        cart(&v)
    }
}

prop_compose! {
    fn any_facts()(age in 10i64..95, tier in 0usize..4, visits in 0u32..3, stamps in 0i64..25, points in 0i64..40_000, has_coupon in any::<bool>(), coupon_days in -5i64..20) -> CustomerFacts {
        CustomerFacts {
            birth_date: Some(at().date_naive() - Duration::days(age * 365 + 11)),
            tier: Tier::ALL[tier],
            visits,
            points,
            stamps,
            coupons: if has_coupon { vec![coupon("P-1", "coupon-3000", at() + Duration::days(coupon_days), false)] } else { vec![] },
            rule_uses: vec![],
            walk_in: false,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn best_is_never_worse_than_any_single_rule_and_totals_stay_non_negative(c in any_cart(), f in any_facts(), minutes in 0i64..(7 * 24 * 60)) {
        let when = at() + Duration::minutes(minutes);
        let rules = rules();
        let engine = Engine::new(&rules, &c, &f, when, ShopZone::default(), Lang::Ko);
        let e = engine.evaluate();
        prop_assert!(e.best.total >= 0);
        prop_assert_eq!(e.best.total + e.best.saving, e.subtotal);
        for el in e.eligible.iter().filter(|x| !x.optional) {
            prop_assert!(e.best.saving >= el.saving, "best {:?} saves {} < {} of {}", e.best.rule_ids, e.best.saving, el.saving, el.rule_id);
        }
        let all: Vec<&DiscountRule> = e.eligible.iter().filter_map(|x| engine.rule(&x.rule_id)).collect();
        let applied = engine.apply(&all);
        prop_assert!(applied.total_saving <= e.subtotal, "even every rule at once never exceeds the subtotal");
        for (i, line) in c.lines.iter().enumerate() {
            prop_assert!(applied.line_discounts[i] <= line.amount(), "a line's discount never exceeds its amount");
        }
        prop_assert_eq!(&engine.evaluate(), &e, "deterministic");
        let best_decision = Decision { apply: e.best.rule_ids.clone(), dismiss: vec![] };
        prop_assert!(gate::check(&engine, &e, &best_decision).is_ok(), "the best combination always passes the gate");
    }
}

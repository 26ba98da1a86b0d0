//! The owner's rule preview: what a rule would have done over the last 30
//! days, checked against a model of the rule written here from its
//! definition (age on the day of the sale, the subtotal, the category),
//! over generated customers and sales; and a preview writes nothing.

mod common;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use common::*;
use dangol_domain::ids::SeededIds;
use dangol_domain::rules::DiscountRule;
use dangol_store::Store;
use proptest::prelude::*;

const PRICES: [(&str, &str, i64); 5] = [
    ("AMR", "음료", 4_500),
    ("LATTE", "음료", 5_000),
    ("SALT", "베이커리", 3_200),
    ("BREAD", "베이커리", 4_800),
    ("CAKE", "디저트", 6_500),
];

fn age(birth: NaiveDate, on: NaiveDate) -> i64 {
    let before_birthday = (on.month(), on.day()) < (birth.month(), birth.day());
    (on.year() - birth.year()) as i64 - i64::from(before_birthday)
}

fn seoul_date(t: chrono::DateTime<Utc>) -> NaiveDate {
    (t + Duration::hours(9)).date_naive()
}

#[derive(Debug, Clone)]
struct Sale {
    who: usize,
    days_ago: i64,
    minutes: i64,
    lines: Vec<(usize, i64)>,
}

fn sale(customers: usize) -> impl Strategy<Value = Sale> {
    (0..customers, 0i64..45, 0i64..600, proptest::collection::vec((0usize..5, 1i64..4), 1..4))
        .prop_map(|(who, days_ago, minutes, lines)| Sale { who, days_ago, minutes, lines })
}

fn rule(min_age: i64, min_spend: Option<i64>, bakery_only: bool, bp: i64) -> DiscountRule {
    let mut conditions = vec![serde_json::json!({"type": "min_age", "years": min_age})];
    if let Some(m) = min_spend {
        conditions.push(serde_json::json!({"type": "min_spend", "amount": m}));
    }
    let scope = if bakery_only {
        serde_json::json!({"type": "categories", "categories": ["베이커리"]})
    } else {
        serde_json::json!({"type": "cart"})
    };
    serde_json::from_value(serde_json::json!({
        "id": "senior-new", "name": "새 경로 할인", "benefit": {"type": "percent_off", "percent_bp": bp},
        "scope": scope, "conditions": conditions, "active": false
    }))
    .unwrap()
}

/// A shop without rules (so no gate stands in the way of the history),
/// its customers born on the given dates and the given sales.
fn history(births: &[NaiveDate], sales: &[Sale]) -> (Store, SeededIds, Vec<(usize, uuid::Uuid)>) {
    let (mut store, mut ids) = shop(&[]);
    let who: Vec<uuid::Uuid> = births
        .iter()
        .enumerate()
        .map(|(i, b)| {
            add(
                &mut store,
                &mut ids,
                &format!("손님{i}"),
                &format!("010-5555-{:04}", 1000 + i),
                Some(&b.to_string()),
                None,
            )
        })
        .collect();
    let mut ordered = sales.to_vec();
    ordered.sort_by_key(|s| (-s.days_ago, s.minutes));
    let mut made = Vec::new();
    for s in &ordered {
        let when = at() - days(s.days_ago) - minutes(s.minutes);
        let lines: Vec<(&str, i64)> = s.lines.iter().map(|(p, q)| (PRICES[*p].0, *q)).collect();
        made.push((s.who, checkout(&mut store, &mut ids, who[s.who], &lines, &[], when).sale_id));
    }
    clock(&mut store, at());
    (store, ids, made)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_preview_counts_what_the_rule_would_have_done(
        births in proptest::collection::vec((1930i32..2010, 1u32..=12, 1u32..=28), 1..6),
        sales in proptest::collection::vec(sale(6), 0..25),
        min_age in 40i64..90,
        min_spend in proptest::option::of(1_000i64..20_000),
        bakery_only in any::<bool>(),
        bp in 1i64..=10_000,
    ) {
        let births: Vec<NaiveDate> =
            births.iter().map(|(y, m, d)| NaiveDate::from_ymd_opt(*y, *m, *d).unwrap()).collect();
        let sales: Vec<Sale> = sales.into_iter().map(|s| Sale { who: s.who % births.len(), ..s }).collect();
        let (mut store, mut ids, _) = history(&births, &sales);
        let r = rule(min_age, min_spend, bakery_only, bp);
        let owner = owner(&mut store, &mut ids);
        let before = counts(&store);
        let got = store.rule_preview(&owner, &r, at()).unwrap();
        prop_assert_eq!(counts(&store), before, "a preview writes nothing");

        // The model: the last 30 shop-local days, today included.
        let today = seoul_date(at());
        let first_day = today - Duration::days(29);
        let (mut applied, mut saving, mut who) = (0u64, 0i64, std::collections::BTreeSet::new());
        let mut in_window = 0u64;
        for s in &sales {
            let when = at() - days(s.days_ago) - minutes(s.minutes);
            let day = seoul_date(when);
            if day < first_day {
                continue;
            }
            in_window += 1;
            let subtotal: i64 = s.lines.iter().map(|(p, q)| PRICES[*p].2 * q).sum();
            let base: i64 = s.lines.iter().filter(|(p, _)| !bakery_only || PRICES[*p].1 == "베이커리").map(|(p, q)| PRICES[*p].2 * q).sum();
            let off = base * bp / 10_000;
            if age(births[s.who], day) >= min_age && min_spend.is_none_or(|m| subtotal >= m) && off > 0 {
                applied += 1;
                saving += off;
                who.insert(s.who);
            }
        }
        let qualify = births.iter().filter(|b| age(**b, today) >= min_age).count() as u64;
        prop_assert_eq!((got.from, got.to), (first_day, today));
        prop_assert_eq!(got.sales, in_window);
        prop_assert_eq!(got.sales_applied, applied);
        prop_assert_eq!(got.saving, saving);
        prop_assert_eq!(got.customers_applied, who.len() as u64);
        prop_assert_eq!((got.customers, got.customers_total), (qualify, births.len() as u64));
        prop_assert!(got.summary.ko.starts_with("(꺼짐)"), "an inactive rule says so: {}", got.summary.ko);
    }
}

#[test]
fn first_visits_limits_and_refunds_are_replayed_as_they_were() {
    let birth = NaiveDate::from_ymd_opt(1990, 5, 5).unwrap();
    let sales: Vec<Sale> = [20, 12, 5, 2]
        .iter()
        .map(|d| Sale { who: 0, days_ago: *d, minutes: 0, lines: vec![(2, 1)] })
        .chain([Sale { who: 1, days_ago: 3, minutes: 0, lines: vec![(2, 1)] }])
        .collect();
    let (mut store, mut ids, made) = history(&[birth, birth], &sales);
    let owner = owner(&mut store, &mut ids);
    let first: DiscountRule = serde_json::from_value(serde_json::json!({
        "id": "welcome", "name": "첫 방문", "benefit": {"type": "amount_off", "amount": 1000},
        "conditions": [{"type": "first_visit"}]
    }))
    .unwrap();
    let p = store.rule_preview(&owner, &first, at()).unwrap();
    assert_eq!(
        (p.sales, p.sales_applied, p.customers_applied, p.saving),
        (5, 2, 2, 2_000),
        "each customer's first sale"
    );
    assert_eq!(p.customers, 0, "nobody is on a first visit today");
    let monthly: DiscountRule = serde_json::from_value(serde_json::json!({
        "id": "monthly", "name": "월 1회", "benefit": {"type": "amount_off", "amount": 500},
        "limit": {"count": 1, "per": "month"}
    }))
    .unwrap();
    let p = store.rule_preview(&owner, &monthly, at()).unwrap();
    // Every sale is in November (3, 11, 18, 20 and 21 November): one use each.
    assert_eq!(p.sales_applied, 2, "once a month per customer, the replay's own uses counted");
    // A refunded sale is not replayed.
    let sale = made.iter().find(|(w, _)| *w == 1).unwrap().1;
    store.owner_refund(sale, "test", at(), &mut ids).unwrap();
    let owner = common::owner(&mut store, &mut ids);
    let p = store.rule_preview(&owner, &first, at()).unwrap();
    assert_eq!((p.sales, p.sales_applied), (4, 1));
}

#[test]
fn an_invalid_rule_is_refused_as_saving_would_refuse_it() {
    let (mut store, mut ids) = shop(&[]);
    let owner = owner(&mut store, &mut ids);
    let mut bad = rule(65, None, false, 1000);
    bad.benefit = dangol_domain::rules::Benefit::PercentOff { percent_bp: 20_000 };
    let previewed = store.rule_preview(&owner, &bad, at()).unwrap_err().to_string();
    let saved = store.upsert_rule(&owner, &bad, at(), &mut ids).unwrap_err().to_string();
    assert_eq!(previewed, saved);
    assert!(previewed.contains("benefit.percent_bp"), "{previewed}");
}

/// Applying a rule uses up what it needs, in the replay as at checkout: ten
/// stamps are spent once, a single-use coupon once; and a rule's own dates
/// do not hide what it would have done.
#[test]
fn the_replay_spends_stamps_and_coupons_once_and_leaves_the_dates_out() {
    let (mut store, mut ids) = shop(&[]);
    let who = add(&mut store, &mut ids, "김영자", "010-2222-3333", None, None);
    store.owner_adjust(who, 0, 12, None, "이전 가게에서 모은 스탬프", at() - days(40), &mut ids).unwrap();
    let coupon_rule: DiscountRule = serde_json::from_value(serde_json::json!({
        "id": "coupon-1000", "name": "쿠폰 1,000원", "benefit": {"type": "amount_off", "amount": 1000},
        "conditions": [{"type": "coupon"}], "active": false
    }))
    .unwrap();
    let owner = owner(&mut store, &mut ids);
    clock(&mut store, at() - days(40));
    store.upsert_rule(&owner, &coupon_rule, at() - days(40), &mut ids).unwrap();
    store.issue_coupon(&owner, who, "coupon-1000", "C-1", at() + days(90), at() - days(40), &mut ids).unwrap();
    // Three sales of bread (no stamps earned: stamps are for drinks).
    for d in [9, 6, 3] {
        checkout(&mut store, &mut ids, who, &[("BREAD", 1)], &[], at() - days(d));
    }
    clock(&mut store, at());
    let owner = common::owner(&mut store, &mut ids);
    let stamps: DiscountRule = serde_json::from_value(serde_json::json!({
        "id": "stamp-10", "name": "스탬프 10개", "benefit": {"type": "amount_off", "amount": 2000},
        "conditions": [{"type": "stamps", "count": 10}]
    }))
    .unwrap();
    let p = store.rule_preview(&owner, &stamps, at()).unwrap();
    assert_eq!((p.sales, p.sales_applied, p.saving), (3, 1, 2_000), "twelve stamps pay for one reward");
    let p = store.rule_preview(&owner, &coupon_rule, at()).unwrap();
    assert_eq!((p.sales_applied, p.saving), (1, 1_000), "a single-use coupon is used once");
    assert!(!p.rule.active && p.summary.ko.starts_with("(꺼짐)"), "the rule comes back as read");
    let mut later = stamps.clone();
    later.conditions.clear();
    later.valid_from = Some((at() + days(7)).date_naive());
    let p = store.rule_preview(&owner, &later, at()).unwrap();
    assert_eq!(p.sales_applied, 3, "a promotion that starts next week: what it would have done");
    assert_eq!(p.rule.valid_from, later.valid_from);
}

/// A points rule is replayed on the points the customer could use at each
/// sale: points that had expired by then are gone, though no sale wrote
/// their expiry.
#[test]
fn a_points_rule_sees_only_points_usable_at_each_sale() {
    let (mut store, mut ids) = shop(&[]);
    let who = add(&mut store, &mut ids, "정우진", "010-4321-1004", None, None);
    store.owner_adjust(who, 6_000, 0, Some(at() - days(5)), "이벤트", at() - days(40), &mut ids).unwrap();
    for d in [9, 3] {
        checkout(&mut store, &mut ids, who, &[("BREAD", 1)], &[], at() - days(d));
    }
    clock(&mut store, at());
    let owner = common::owner(&mut store, &mut ids);
    let points: DiscountRule = serde_json::from_value(serde_json::json!({
        "id": "points", "name": "포인트 사용",
        "benefit": {"type": "redeem_points", "won_per_point": 1, "min_points": 1000, "max_share_bp": 5000}
    }))
    .unwrap();
    let p = store.rule_preview(&owner, &points, at()).unwrap();
    // The first sale pays ₩2,400 of its ₩4,800 with points; by the second
    // the 3,600 left had expired, and 240 earned are below the minimum.
    assert_eq!((p.sales, p.sales_applied, p.saving), (2, 1, 2_400), "the gift had expired by the second sale");
}

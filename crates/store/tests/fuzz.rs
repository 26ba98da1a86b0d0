//! No input from anyone may crash the counter: arbitrary rule documents are
//! refused by `upsert_rule` or, once saved, evaluate at every preview and
//! checkout without a panic; a rule stored by an older version that no
//! longer validates (the reproduced `buy: 4294967295`) is set aside, never
//! evaluated, and the counter works on.

mod common;

use common::*;
use dangol_domain::gate::Decision;
use dangol_domain::rules::DiscountRule;
use proptest::prelude::*;

fn number() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        (-3i64..12).prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        Just(serde_json::json!(4294967295u64)),
        Just(serde_json::json!(18446744073709551615u64)),
        Just(serde_json::json!(1.5)),
        Just(serde_json::json!("7")),
        (1i64..100_000).prop_map(serde_json::Value::from),
    ]
}

fn benefit() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        number().prop_map(|n| serde_json::json!({"type": "percent_off", "percent_bp": n})),
        number().prop_map(|n| serde_json::json!({"type": "amount_off", "amount": n})),
        (number(), number()).prop_map(|(c, m)| serde_json::json!({"type": "free_items", "count": c, "max_unit_price": m})),
        (number(), number()).prop_map(|(b, g)| serde_json::json!({"type": "buy_x_get_y", "buy": b, "get": g})),
        (number(), number(), number())
            .prop_map(|(w, m, s)| serde_json::json!({"type": "redeem_points", "won_per_point": w, "min_points": m, "max_share_bp": s})),
    ]
}

fn condition() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        number().prop_map(|n| serde_json::json!({"type": "min_age", "years": n})),
        number().prop_map(|n| serde_json::json!({"type": "stamps", "count": n})),
        number().prop_map(|n| serde_json::json!({"type": "min_spend", "amount": n})),
        number().prop_map(|n| serde_json::json!({"type": "birthday", "window": {"type": "days", "days": n}})),
        Just(serde_json::json!({"type": "first_visit"})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    #[test]
    fn a_rule_is_refused_or_it_evaluates_without_a_panic(
        b in benefit(),
        conditions in proptest::collection::vec(condition(), 0..3),
        limit in proptest::option::of(number()),
        qty in 1i64..999,
    ) {
        let (mut store, mut ids) = shop(&["senior-65", "points"]);
        let who = add(&mut store, &mut ids, "김영자", "010-3954-1004", Some("1954-03-01"), None);
        store.owner_adjust(who, 5_000, 3, None, "테스트", at(), &mut ids).unwrap();
        let mut doc = serde_json::json!({"id": "fuzz", "name": "퍼즈 규칙", "benefit": b, "conditions": conditions});
        if let Some(n) = limit {
            doc["limit"] = serde_json::json!({"count": n, "per": "year"});
        }
        let saved = DiscountRule::from_json(&doc.to_string()).and_then(|r| r.validate().map(|_| r));
        let o = owner(&mut store, &mut ids);
        match saved {
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(!msg.is_empty());
            }
            Ok(rule) => {
                store.upsert_rule(&o, &rule, at(), &mut ids).expect("a valid rule saves");
            }
        }
        let lines = [("SALT", qty), ("AMR", 2)];
        let view = preview(&store, who, &lines, at());
        let decision = Decision { apply: view.best.rule_ids.clone(), dismiss: vec![] };
        let req = dangol_store::counter::CheckoutRequest { confirm_large: true, ..checkout_req(who, &lines, decision, at()) };
        try_checkout(&mut store, &mut ids, req).expect("the best combination checks out");
    }
}

#[test]
fn a_stored_rule_that_no_longer_validates_is_set_aside_and_the_counter_works_on() {
    let (mut store, mut ids) = shop(&["senior-65"]);
    let who = add(&mut store, &mut ids, "김영자", "010-3954-1004", Some("1954-03-01"), None);
    // What an older Dangol accepted and saved, and then panicked on at
    // every preview (a division by zero in buy-X-get-Y).
    store
        .connection()
        .execute(
            "INSERT INTO rules (id, body, updated_at) VALUES ('bad-2-1', ?1, 0)",
            [r#"{"id":"bad-2-1","name":"나쁜 규칙","benefit":{"type":"buy_x_get_y","buy":4294967295,"get":1}}"#],
        )
        .unwrap();
    let view = preview(&store, who, &[("SALT", 3)], at());
    assert_eq!(view.best.rule_ids, vec!["senior-65"], "the counter works on");
    let info = store.shop_info().unwrap();
    assert!(
        info.problems.iter().any(|p| p.en.contains("bad-2-1")
            && p.en.contains("benefit.buy: must be between 1 and 100")
            && p.ko.contains("1~100")),
        "the owner is told which rule is set aside and why: {:?}",
        info.problems
    );
    let list = store.rule_list().unwrap();
    assert_eq!(list.set_aside.len(), 1);
    checkout(&mut store, &mut ids, who, &[("SALT", 3)], &["senior-65"], at());
    // Re-saving it through the owner's screen is refused with the range.
    let o = owner(&mut store, &mut ids);
    let err = DiscountRule::from_json(&list.set_aside[0].body).unwrap_err();
    assert!(err.to_string().contains("between 1 and 100"), "{err}");
    let mut fixed = rule("bakery-2-1");
    fixed.id = "bad-2-1".into();
    store.upsert_rule(&o, &fixed, at(), &mut ids).expect("the owner fixes it");
    assert!(store.rule_list().unwrap().set_aside.is_empty());
}

#[test]
fn absurd_loyalty_settings_are_refused_with_the_field_and_range() {
    let (mut store, mut ids) = shop(&[]);
    let o = owner(&mut store, &mut ids);
    let before = counts(&store);
    for (json, field) in [
        (
            r#"{"points_rate_bp":500,"points_expiry_days":99999999999,"stamp_categories":[],"points_warning_days":30}"#,
            "points_expiry_days",
        ),
        (
            r#"{"points_rate_bp":4294967295,"points_expiry_days":365,"stamp_categories":[],"points_warning_days":30}"#,
            "points_rate_bp",
        ),
        (
            r#"{"points_rate_bp":500,"points_expiry_days":365,"stamp_categories":[],"points_warning_days":400}"#,
            "points_warning_days",
        ),
        (r#"not json"#, "loyalty settings"),
    ] {
        let err = store.update_setting(&o, "loyalty", json, at(), &mut ids).unwrap_err();
        assert!(err.to_string().contains(field), "{field}: {err}");
        assert_eq!(counts(&store), before, "{field}: nothing written");
    }
    for (key, value) in [("goodwill_limit", "99999999999"), ("large_sale", "5"), ("goodwill_limit", "1e3")] {
        assert!(store.update_setting(&o, key, value, at(), &mut ids).is_err(), "{key}={value}");
    }
}

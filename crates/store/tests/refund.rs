//! Refunds: a reversal sale that takes back every effect of the original
//! (points, stamps, coupon use, the visit), at most once per sale, plus a
//! property test over random carts and customers.

mod common;

use chrono::{DateTime, Utc};
use common::*;
use dangol_domain::customer::CustomerInput;
use dangol_domain::gate::Decision;
use dangol_domain::ids::SeededIds;
use dangol_store::counter::Profile;
use dangol_store::{Store, Viewer};
use proptest::prelude::*;
use uuid::Uuid;

/// What a sale may change about a customer, as the profile shows it.
#[derive(Debug, Clone, PartialEq)]
struct Balances {
    points: i64,
    stamps: i64,
    coupons: Vec<String>,
    visits: i64,
    last_visit: Option<DateTime<Utc>>,
    total_spent: i64,
}

fn balances(p: &Profile) -> Balances {
    let mut coupons: Vec<String> = p.coupons.iter().map(|c| c.code.clone()).collect();
    coupons.sort_unstable();
    Balances {
        points: p.points,
        stamps: p.stamps,
        coupons,
        visits: p.visits,
        last_visit: p.last_visit,
        total_spent: p.total_spent,
    }
}

fn balances_of(store: &Store, who: Uuid, when: DateTime<Utc>) -> Balances {
    balances(&store.profile(who, when, &Viewer::Cashier).unwrap())
}

#[test]
fn a_refund_gives_back_points_stamps_the_coupon_and_the_visit() {
    let (mut store, mut ids) = shop(&["coupon-3000", "stamp-10"]);
    let who = add(&mut store, &mut ids, "최지우", "010-7777-8888", None, None);
    let earlier = checkout(&mut store, &mut ids, who, &[("AMR", 3)], &[], at() - days(7));
    let o = owner(&mut store, &mut ids);
    clock(&mut store, at() - days(1));
    store.issue_coupon(&o, who, "coupon-3000", "WELCOME-3000", at() + days(30), at() - days(1), &mut ids).unwrap();
    let before = balances_of(&store, who, at());
    assert_eq!(
        before,
        Balances {
            points: 675,
            stamps: 3,
            coupons: vec!["WELCOME-3000".into()],
            visits: 1,
            last_visit: Some(at() - days(7)),
            total_spent: 13_500
        },
        "one earlier visit with three coffees, and a coupon"
    );

    let sale = checkout(&mut store, &mut ids, who, &[("AMR", 2), ("BREAD", 1)], &["coupon-3000"], at());
    assert_eq!((sale.total, sale.points_earned, sale.stamps_earned), (10_800, 540, 2));
    let during = balances_of(&store, who, at());
    assert_eq!(
        (during.points, during.stamps, during.coupons.len(), during.visits),
        (1_215, 5, 0, 2),
        "the sale changed everything"
    );

    let counts_before = counts(&store);
    let (_, seq) = store.outbox_stats().unwrap();
    let refund =
        store.owner_refund(sale.sale_id, "  손님 변심 ", at() + minutes(30), &mut ids).expect("a sale can be refunded");

    assert_eq!((refund.original_id, refund.total), (sale.sale_id, -10_800), "the reversal negates what was paid");
    assert_eq!((refund.points_balance, refund.stamps_balance), (675, 3), "the receipt shows the restored balances");
    assert_eq!(
        balances_of(&store, who, at() + minutes(30)),
        before,
        "points, stamps, coupon, visits and spending are as before the sale"
    );
    assert_eq!(
        growth(&counts_before, &counts(&store)),
        expect_growth(&[
            ("sales", 1),
            ("sale_lines", 2),
            ("points_ledger", 1),
            ("stamp_ledger", 1),
            ("audit_log", 1),
            ("outbox", 2),
            ("settings", 0)
        ])
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .collect(),
        "a reversal row with negated lines, one reversing entry per ledger and the audit entry; the original is untouched"
    );
    let rev = refund.reversal_id.as_bytes().to_vec();
    assert_eq!(
        scalar(&store, "SELECT sum(qty) FROM sale_lines WHERE sale = (SELECT rid FROM sales WHERE id = ?1)", &rev),
        -3,
        "lines are negated"
    );
    assert_eq!(
        scalar(&store, "SELECT total FROM sales WHERE id = ?1", sale.sale_id.as_bytes().to_vec()),
        10_800,
        "the original sale is insert-only"
    );
    let reason: String =
        store.connection().query_row("SELECT reason FROM sales WHERE id = ?1", [&rev], |r| r.get(0)).unwrap();
    assert_eq!(reason, "손님 변심", "the trimmed reason is kept on the reversal");
    let events = store.outbox_after(seq, 10).unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, vec!["audit.recorded", "sale.reversed"], "the owner's refund is audited");
    assert_eq!(events[1].payload["original_id"], serde_json::json!(sale.sale_id));

    let again = preview(&store, who, &[("BREAD", 2)], at() + minutes(31));
    assert!(
        again.eligible.iter().any(|e| e.rule_id == "coupon-3000"),
        "the coupon can be used again: {:?}",
        again.eligible
    );
    checkout(&mut store, &mut ids, who, &[("BREAD", 2)], &["coupon-3000"], at() + minutes(31));
    assert_eq!(earlier.points_earned, 675);
}

#[test]
fn a_refund_of_a_stamp_reward_gives_the_stamps_back() {
    let (mut store, mut ids) = shop(&["stamp-10"]);
    let who = add(&mut store, &mut ids, "박정호", "010-9876-5432", None, None);
    checkout(&mut store, &mut ids, who, &[("AMR", 11)], &[], at() - days(3));
    let before = balances_of(&store, who, at());
    let reward = checkout(&mut store, &mut ids, who, &[("LATTE", 1)], &["stamp-10"], at());
    assert_eq!(
        (reward.total, reward.stamps_redeemed, reward.stamps_balance),
        (0, 10, 1),
        "a free latte, paid with ten stamps"
    );
    let refund = store.owner_refund(reward.sale_id, "reward given by mistake", at() + minutes(1), &mut ids).unwrap();
    assert_eq!(refund.stamps_balance, 11, "the ten stamps come back");
    assert_eq!(balances_of(&store, who, at() + minutes(1)), before);
}

#[test]
fn a_sale_is_refunded_at_most_once_and_bad_refunds_change_nothing() {
    let (mut store, mut ids) = shop(&[]);
    let who = add(&mut store, &mut ids, "김민수", "010-1234-5678", None, None);
    let sale = checkout(&mut store, &mut ids, who, &[("SALT", 2)], &[], at());
    let refund = store.owner_refund(sale.sale_id, "wrong item", at() + minutes(1), &mut ids).unwrap();

    let long_reason = "이유".repeat(101);
    let cases: [(Uuid, &str, &str, &str, &str); 5] = [
        (sale.sale_id, "again", "already_reversed", "has already been reversed", "a second refund of the same sale"),
        (refund.reversal_id, "undo the undo", "bad_input", "is itself a reversal", "refunding a reversal"),
        (Uuid::from_u128(42), "no such sale", "not_found", "sale", "an unknown sale"),
        (sale.sale_id, "   ", "bad_input", "needs a reason", "a blank reason"),
        (sale.sale_id, &long_reason, "bad_input", "1-200 characters", "a reason of 202 characters"),
    ];
    for (sale_id, reason, kind, fragment, why) in cases {
        let before = counts(&store);
        let err = store
            .owner_refund(sale_id, reason, at() + minutes(2), &mut ids)
            .err()
            .unwrap_or_else(|| panic!("{why}: must fail"));
        assert_eq!(err.kind(), kind, "{why}: {err}");
        assert!(err.to_string().contains(fragment), "{why}: {err:?} should mention {fragment:?}");
        assert_eq!(counts(&store), before, "{why}: nothing is written");
    }
    let err = store.owner_refund(sale.sale_id, "again", at(), &mut ids).unwrap_err();
    assert!(err.to_string().contains(&sale.sale_id.to_string()), "the message names the sale: {err}");
    let p = store.profile(who, at() + minutes(2), &Viewer::Cashier).unwrap();
    assert_eq!((p.visits, p.points, p.total_spent), (0, 0, 0), "refunded exactly once");
}

/// A customer's state before the sale under test.
#[derive(Debug, Clone)]
struct Setup {
    age: i64,
    tier: usize,
    prior_drinks: i64,
    prior_bread: i64,
    coupon: bool,
}

fn any_setup() -> impl Strategy<Value = Setup> {
    (20i64..90, 0usize..4, 0i64..15, 0i64..4, any::<bool>()).prop_map(
        |(age, tier, prior_drinks, prior_bread, coupon)| Setup { age, tier, prior_drinks, prior_bread, coupon },
    )
}

fn any_lines() -> impl Strategy<Value = Vec<(&'static str, i64)>> {
    let skus = ["AMR", "LATTE", "SALT", "BREAD", "CAKE"];
    proptest::collection::vec((0usize..5, 1i64..4), 1..5)
        .prop_map(move |v| v.into_iter().map(|(i, q)| (skus[i], q)).collect())
}

/// Builds the customer's past through the public API: an earlier visit
/// (earning stamps and points with whatever discounts were best then) and
/// perhaps a coupon.
fn prepare(store: &mut Store, ids: &mut SeededIds, s: &Setup) -> Uuid {
    let birth = (at() - days(s.age * 365 + 40)).date_naive().to_string();
    let tier = ["basic", "silver", "gold", "vip"][s.tier];
    let o = owner(store, ids);
    clock(store, at() - days(400));
    let who = store
        .add_customer(
            CustomerInput {
                birth_date: Some(birth),
                tier: Some(tier.into()),
                marketing_consent: Some(false),
                ..input("한지민", "010-5555-0001")
            },
            &Viewer::Owner(o.clone()),
            at() - days(400),
            ids,
        )
        .unwrap();
    let mut prior = Vec::new();
    if s.prior_drinks > 0 {
        prior.push(("AMR", s.prior_drinks));
    }
    if s.prior_bread > 0 {
        prior.push(("SALT", s.prior_bread));
    }
    if !prior.is_empty() {
        checkout_best(store, ids, who.id, &prior, at() - days(3));
    }
    if s.coupon {
        clock(store, at() - days(2));
        store.issue_coupon(&o, who.id, "coupon-3000", "PROP-3000", at() + days(10), at() - days(2), ids).unwrap();
    }
    who.id
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// For any customer and cart: checking out with the best combination (and
    /// sometimes paying with points) and then refunding leaves points,
    /// stamps, coupons, visits and what the engine offers exactly as before.
    #[test]
    fn checkout_then_refund_restores_the_customer_exactly(s in any_setup(), lines in any_lines(), offset in 0i64..(7 * 24 * 60), use_points in any::<bool>()) {
        let (mut store, mut ids) = shop(&all_rule_ids());
        let who = prepare(&mut store, &mut ids, &s);
        let when = at() + minutes(offset);
        let before = balances_of(&store, who, when);
        let view = preview(&store, who, &lines, when);

        let mut decision = Decision { apply: view.best.rule_ids.clone(), dismiss: vec![] };
        let exclusive = view.eligible.iter().any(|e| e.exclusive && view.best.rule_ids.contains(&e.rule_id));
        if use_points && !exclusive && view.eligible.iter().any(|e| e.rule_id == "points") {
            decision.apply.push("points".into());
        }
        clock(&mut store, when);
        let receipt = try_checkout(&mut store, &mut ids, checkout_req(who, &lines, decision.clone(), when));
        let receipt = match receipt {
            Ok(r) => r,
            Err(e) => return Err(TestCaseError::fail(format!("the best combination {:?} must pass the gate: {e}", decision.apply))),
        };
        prop_assert_eq!(receipt.total, view.best.total - receipt.points_redeemed, "the receipt total is the preview's best total, less any points used (1 won each)");

        let refund = store.owner_refund(receipt.sale_id, "property test", when + minutes(1), &mut ids);
        prop_assert!(refund.is_ok(), "refund failed: {:?}", refund.err());
        let refund = refund.unwrap();
        let after = balances_of(&store, who, when);
        prop_assert_eq!(&after, &before, "checkout {:?} (redeemed {} points, {} stamps) then refund must restore the customer", decision.apply, receipt.points_redeemed, receipt.stamps_redeemed);
        prop_assert_eq!((refund.points_balance, refund.stamps_balance), (before.points, before.stamps), "the refund receipt reports the restored balances");

        let again = preview(&store, who, &lines, when);
        prop_assert_eq!(&again.best.rule_ids, &view.best.rule_ids, "the same discounts are offered again");
        prop_assert_eq!(again.best.total, view.best.total);
        let eligible = |v: &dangol_store::counter::PreviewView| v.eligible.iter().map(|e| (e.rule_id.clone(), e.saving)).collect::<Vec<_>>();
        prop_assert_eq!(eligible(&again), eligible(&view));
    }
}

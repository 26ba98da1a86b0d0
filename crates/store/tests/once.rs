//! A sale is recorded once: a second completion with the same visit id
//! returns the recorded sale and writes nothing; a different cart or
//! customer under that id is refused. Walk-in sales, and unusually large
//! sales that must be confirmed.

mod common;

use common::*;
use dangol_domain::gate::Decision;
use dangol_store::counter::Receipt;
use uuid::Uuid;

/// A receipt as JSON, all but its `replayed` flag.
fn without_replayed(r: &Receipt) -> serde_json::Map<String, serde_json::Value> {
    let mut v = serde_json::to_value(r).unwrap().as_object().unwrap().clone();
    v.remove("replayed");
    v
}

#[test]
fn completing_a_visit_twice_records_one_sale_and_returns_it_again() {
    let (mut store, mut ids) = shop(&["senior-65"]);
    let who = add(&mut store, &mut ids, "김영자", "010-3954-1004", Some("1954-03-01"), None);
    let req = checkout_req(who, &[("BREAD", 1), ("SALT", 2)], apply(&["senior-65"]), at());
    let first = try_checkout(&mut store, &mut ids, req.clone()).unwrap();
    assert!(!first.replayed);
    let after_first = counts(&store);
    for press in 2..=3 {
        let again = try_checkout(&mut store, &mut ids, req.clone()).unwrap();
        assert!(again.replayed, "press {press}: the recorded sale comes back");
        assert_eq!(
            without_replayed(&again),
            without_replayed(&first),
            "press {press}: the same receipt, read back from the database"
        );
        assert_eq!(
            counts(&store),
            after_first,
            "press {press}: nothing more is written (one sale, points earned once)"
        );
    }
    // A retry minutes later (the answer was lost) still gets the sale back.
    clock(&mut store, at() + minutes(30));
    assert!(store.checkout(&req, None, &mut ids).unwrap().replayed);
    assert_eq!(scalar(&store, "SELECT count(*) FROM sales WHERE customer = ?1", 1), 1);
}

#[test]
fn a_visit_id_cannot_be_reused_for_another_cart_or_customer() {
    let (mut store, mut ids) = shop(&[]);
    let a = add(&mut store, &mut ids, "김민수", "010-1234-5678", None, None);
    let b = add(&mut store, &mut ids, "이지은", "010-5678-1234", None, None);
    let req = checkout_req(a, &[("AMR", 1)], Decision::default(), at());
    try_checkout(&mut store, &mut ids, req.clone()).unwrap();
    let before = counts(&store);
    let mut other_cart = req.clone();
    other_cart.cart = cart(&[("AMR", 1), ("SALT", 1)]);
    let mut other_customer = req.clone();
    other_customer.customer = Some(b);
    let mut walk_in = req.clone();
    walk_in.customer = None;
    for (why, r) in [("another cart", other_cart), ("another customer", other_customer), ("a walk-in", walk_in)] {
        let err = try_checkout(&mut store, &mut ids, r).expect_err(why);
        assert_eq!(err.kind(), "visit_conflict", "{why}: {err}");
        assert!(err.to_string().contains("start the next customer"), "{why}: {err}");
        assert_eq!(counts(&store), before, "{why}: nothing written");
    }
}

#[test]
fn a_walk_in_sale_is_recorded_without_a_customer_and_earns_nothing() {
    let (mut store, mut ids) = shop(&["senior-65", "happy-hour", "spend-30k", "first-visit"]);
    let lines = [("AMR", 2), ("CAKE", 4)];
    let happy = seoul("2026-11-23", "15:30");
    clock(&mut store, happy);
    let view = store
        .preview(&dangol_store::counter::PreviewRequest { customer: None, ..preview_req(Uuid::nil(), &lines, happy) })
        .unwrap();
    assert!(view.customer.is_none());
    let mut offered: Vec<&str> = view.eligible.iter().map(|e| e.rule_id.as_str()).collect();
    offered.sort_unstable();
    assert_eq!(
        offered,
        vec!["happy-hour", "spend-30k"],
        "only rules about the cart and the moment: no age, no first visit"
    );
    assert!(view.suggestions.iter().all(|s| s.kind == "discount"), "{:?}", view.suggestions);
    let before = counts(&store);
    let mut req = checkout_req(Uuid::nil(), &lines, apply(&["happy-hour", "spend-30k"]), happy);
    req.customer = None;
    let r = try_checkout(&mut store, &mut ids, req).expect("a walk-in sale completes");
    assert_eq!((r.customer_id, r.points_earned, r.stamps_earned, r.points_balance), (None, 0, 0, 0));
    assert_eq!(r.total, view.best.total);
    assert_eq!(
        growth(&before, &counts(&store)),
        expect_growth(&[("sales", 1), ("sale_lines", 2), ("sale_discounts", 2), ("outbox", 1)]),
        "a sale with its lines and discounts, no ledger, no customer counters"
    );
}

#[test]
fn an_unusually_large_sale_must_be_confirmed() {
    let (mut store, mut ids) = shop(&[]);
    let who = add(&mut store, &mut ids, "김민수", "010-1234-5678", None, None);
    for (lines, why) in
        [(vec![("CAKE", 80)], "₩520,000 is over the ₩500,000 default"), (vec![("SALT", 100)], "100 of one item")]
    {
        let before = counts(&store);
        let req = checkout_req(who, &lines, Decision::default(), at());
        let err = try_checkout(&mut store, &mut ids, req.clone()).expect_err(why);
        assert_eq!(err.kind(), "large_sale_unconfirmed", "{why}: {err}");
        assert_eq!(counts(&store), before, "{why}: nothing written");
        let confirmed = dangol_store::counter::CheckoutRequest { confirm_large: true, ..req };
        try_checkout(&mut store, &mut ids, confirmed).unwrap_or_else(|e| panic!("{why}, confirmed: {e}"));
    }
    try_checkout(&mut store, &mut ids, checkout_req(who, &[("SALT", 99)], Decision::default(), at()))
        .expect("99 salt breads (₩316,800) is an ordinary big order");
}

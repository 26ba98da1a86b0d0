//! Goodwill discounts (principle 7: give the cashier authority to fix
//! things), the owner PIN that guards everything above the cashier's limit,
//! and the audit log that records every grant.

mod common;

use common::*;
use dangol_store::counter::GoodwillRequest;
use dangol_store::setting_keys;

fn goodwill(amount: i64, reason: &str, pin: Option<&str>) -> Option<GoodwillRequest> {
    Some(GoodwillRequest { amount, reason: reason.into(), owner_pin: pin.map(str::to_string) })
}

#[test]
fn goodwill_within_the_limit_is_granted_logged_and_lowers_the_total() {
    let (mut store, mut ids) = shop(&[]);
    let c = add(&mut store, &mut ids, "최지은", "010-8282-2580", Some("1996-09-09"), None);
    let mut req = checkout_req(c, &[("LATTE", 1), ("SALT", 1)], apply(&[]), at());
    req.goodwill = goodwill(1_000, "the latte came out cold last time", None);
    let r = store.checkout_with_pin(&req, &mut ids).expect("within the default ₩3,000 limit");
    assert_eq!(r.total, r.subtotal - 1_000);
    let line_discounts: i64 = r.lines.iter().map(|l| l.discount).sum();
    assert_eq!(line_discounts, 1_000, "allocated to the lines");
    assert!(r.discounts.iter().any(|d| d.rule_id == "goodwill" && d.saving == 1_000 && d.name.contains("cold")));
    assert_eq!(
        scalar(&store, "SELECT count(*) FROM goodwill WHERE approved_by_owner = ?1", 0),
        1,
        "logged, without owner approval"
    );
    assert_eq!(r.points_earned, r.total * 5 / 100, "points are earned on what was paid");
    let o = owner(&mut store, &mut ids);
    let log = store.audit_log(&o, 10).unwrap();
    let grant = log.iter().find(|e| e.action == "goodwill.granted").expect("the grant is in the audit log");
    assert_eq!((grant.actor.as_str(), grant.subject.clone()), ("cashier", req.visit.to_string()));
    assert_eq!(grant.after.as_ref().unwrap()["amount"], 1_000);
    assert_eq!(grant.note.as_deref(), Some("the latte came out cold last time"));
}

#[test]
fn above_the_limit_needs_the_owner_pin() {
    let (mut store, mut ids) = shop(&[]);
    let c = add(&mut store, &mut ids, "최지은", "010-8282-2580", None, None);
    owner(&mut store, &mut ids);
    let before = counts(&store);
    let cases: Vec<(Option<GoodwillRequest>, &str)> = vec![
        (goodwill(5_000, "birthday surprise", None), "owner_pin_required"),
        (goodwill(0, "nothing", None), "invalid_field"),
        (goodwill(500, "  ", None), "invalid_field"),
        (goodwill(50_000, "more than the bill", Some(PIN)), "bad_input"),
    ];
    for (g, kind) in cases {
        let mut req = checkout_req(c, &[("CAKE", 1)], apply(&[]), at());
        req.goodwill = g;
        let err = store.checkout_with_pin(&req, &mut ids).expect_err(kind);
        assert_eq!(err.kind(), kind, "{err}");
        assert_eq!(counts(&store), before, "{kind}: nothing written");
    }
    // A wrong PIN writes nothing but the record of the wrong attempt.
    let mut req = checkout_req(c, &[("CAKE", 1)], apply(&[]), at());
    req.goodwill = goodwill(5_000, "birthday surprise", Some("9999"));
    let err = store.checkout_with_pin(&req, &mut ids).expect_err("wrong PIN");
    assert_eq!(err.kind(), "owner_pin_invalid");
    assert_eq!(growth(&before, &counts(&store)), expect_growth(&[("audit_log", 1), ("outbox", 1), ("settings", 2)]));
    let mut req = checkout_req(c, &[("CAKE", 1)], apply(&[]), at());
    req.goodwill = goodwill(5_000, "birthday surprise", Some(PIN));
    let r = store.checkout_with_pin(&req, &mut ids).expect("the owner approved it");
    assert_eq!(r.total, 6_500 - 5_000);
    assert_eq!(scalar(&store, "SELECT count(*) FROM goodwill WHERE approved_by_owner = ?1", 1), 1);
    let o = owner(&mut store, &mut ids);
    let grant = store.audit_log(&o, 1).unwrap().remove(0);
    assert_eq!((grant.actor.as_str(), grant.action.as_str()), ("owner", "goodwill.granted"));
}

#[test]
fn the_goodwill_limit_is_an_owner_setting() {
    let (mut store, mut ids) = shop(&[]);
    let o = owner(&mut store, &mut ids);
    store.update_setting(&o, setting_keys::GOODWILL_LIMIT, "10000", at(), &mut ids).unwrap();
    assert_eq!(store.shop_info().unwrap().goodwill_limit, 10_000);
    let err = store.update_setting(&o, setting_keys::GOODWILL_LIMIT, "-5", at(), &mut ids).unwrap_err();
    assert_eq!(err.kind(), "out_of_range");
    assert!(err.to_string().contains("goodwill_limit must be between 0 and 1000000"), "{err}");
    let c = add(&mut store, &mut ids, "최지은", "010-8282-2580", None, None);
    let mut req = checkout_req(c, &[("CAKE", 1)], apply(&[]), at());
    req.goodwill = goodwill(5_000, "birthday surprise", None);
    store.checkout_with_pin(&req, &mut ids).expect("within the raised limit");
}

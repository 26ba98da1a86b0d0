//! Goodwill discounts (principle 7: give the cashier authority to fix
//! things) and the owner PIN that guards everything above the cashier's limit.

mod common;

use common::*;
use dangol_store::counter::GoodwillRequest;
use dangol_store::settings;

fn goodwill(amount: i64, reason: &str, pin: Option<&str>) -> Option<GoodwillRequest> {
    Some(GoodwillRequest { amount, reason: reason.into(), owner_pin: pin.map(str::to_string) })
}

#[test]
fn goodwill_within_the_limit_is_granted_logged_and_lowers_the_total() {
    let (mut store, mut ids) = shop(&[]);
    let c = add(&mut store, &mut ids, "최지은", "010-8282-2580", Some("1996-09-09"), None);
    let mut req = checkout_req(c, &[("LATTE", 1), ("SALT", 1)], apply(&[]), at());
    req.goodwill = goodwill(1_000, "the latte came out cold last time", None);
    let r = store.checkout(&req, &mut ids).expect("within the default ₩3,000 limit");
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
}

#[test]
fn above_the_limit_needs_the_owner_pin() {
    let (mut store, mut ids) = shop(&[]);
    let c = add(&mut store, &mut ids, "최지은", "010-8282-2580", None, None);
    let before = counts(&store);
    let cases: Vec<(Option<GoodwillRequest>, &str)> = vec![
        (goodwill(5_000, "birthday surprise", None), "owner_pin_required"),
        (goodwill(5_000, "birthday surprise", Some("9999")), "owner_pin_invalid"),
        (goodwill(0, "nothing", None), "invalid_field"),
        (goodwill(500, "  ", None), "invalid_field"),
        (goodwill(50_000, "more than the bill", Some("0000")), "bad_input"),
    ];
    for (g, kind) in cases {
        let mut req = checkout_req(c, &[("CAKE", 1)], apply(&[]), at());
        req.goodwill = g;
        let err = store.checkout(&req, &mut ids).expect_err(kind);
        assert_eq!(err.kind(), kind, "{err}");
        assert_eq!(counts(&store), before, "{kind}: nothing written");
    }
    let mut req = checkout_req(c, &[("CAKE", 1)], apply(&[]), at());
    req.goodwill = goodwill(5_000, "birthday surprise", Some(settings::DEFAULT_OWNER_PIN));
    let r = store.checkout(&req, &mut ids).expect("the owner approved it");
    assert_eq!(r.total, 6_500 - 5_000);
    assert_eq!(scalar(&store, "SELECT count(*) FROM goodwill WHERE approved_by_owner = ?1", 1), 1);
}

#[test]
fn the_owner_pin_is_stored_hashed_and_can_be_changed() {
    let (mut store, mut ids) = shop(&[]);
    store.check_owner_pin("0000").expect("the default PIN until changed");
    assert_eq!(store.change_owner_pin("1111", "2468", at(), &mut ids).unwrap_err().kind(), "owner_pin_invalid");
    assert_eq!(store.change_owner_pin("0000", "12", at(), &mut ids).unwrap_err().kind(), "bad_input", "4-8 digits");
    store.change_owner_pin("0000", "2468", at(), &mut ids).unwrap();
    assert!(store.check_owner_pin("0000").is_err());
    store.check_owner_pin("2468").unwrap();
    let stored = settings::get(store.connection(), settings::OWNER_PIN).unwrap().unwrap();
    assert!(!stored.contains("2468"), "only a salted hash is stored: {stored}");
}

#[test]
fn the_goodwill_limit_is_an_owner_setting() {
    let (mut store, mut ids) = shop(&[]);
    store.update_setting(settings::GOODWILL_LIMIT, "10000", at(), &mut ids).unwrap();
    assert_eq!(store.shop_info().unwrap().goodwill_limit, 10_000);
    assert_eq!(store.update_setting(settings::GOODWILL_LIMIT, "-5", at(), &mut ids).unwrap_err().kind(), "bad_input");
    let c = add(&mut store, &mut ids, "최지은", "010-8282-2580", None, None);
    let mut req = checkout_req(c, &[("CAKE", 1)], apply(&[]), at());
    req.goodwill = goodwill(5_000, "birthday surprise", None);
    store.checkout(&req, &mut ids).expect("within the raised limit");
}

//! The owner is a role the store enforces: the PIN (no default, Argon2id,
//! guessable PINs refused, wrong attempts recorded and backed off), the
//! audit log (every owner action, before → after, append-only, in the
//! outbox), a cashier's registration without a tier, and writes dated now
//! unless the owner backdates them (audited), never before the customer.

mod common;

use chrono::Duration;
use common::*;
use dangol_domain::ids::SeededIds;
use dangol_store::{Store, Viewer, setting_keys};

#[test]
fn a_new_shop_has_no_pin_until_the_owner_sets_one_and_no_guessable_one() {
    let mut store = Store::open_in_memory().unwrap();
    let mut ids = SeededIds::new(1);
    clock(&mut store, at());
    assert!(!store.owner_pin_is_set().unwrap());
    let err = store.authenticate_owner("0000", &mut ids).unwrap_err();
    assert_eq!(err.kind(), "owner_pin_not_set", "no default PIN: {err}");
    for weak in ["0000", "1234", "4321", "1111", "12", "abcd"] {
        assert_eq!(store.set_first_owner_pin(weak, &mut ids).unwrap_err().kind(), "bad_input", "{weak}");
    }
    store.set_first_owner_pin("2580", &mut ids).unwrap();
    assert_eq!(store.set_first_owner_pin("1357", &mut ids).unwrap_err().kind(), "bad_input", "only the first");
    let stored = store.setting(setting_keys::OWNER_PIN).unwrap().unwrap();
    assert!(stored.starts_with("$argon2id$") && !stored.contains("2580"), "an Argon2id hash only: {stored}");
    let o = store.authenticate_owner("2580", &mut ids).unwrap();
    store.change_owner_pin(&o, "1357", &mut ids).unwrap();
    assert_eq!(store.authenticate_owner("2580", &mut ids).unwrap_err().kind(), "owner_pin_invalid");
    store.authenticate_owner("1357", &mut ids).expect("the new PIN");
}

#[test]
fn wrong_pins_are_recorded_and_back_off_then_the_right_pin_resets_them() {
    let (mut store, mut ids) = shop(&[]);
    for n in 1..=3 {
        let err = store.authenticate_owner("9999", &mut ids).unwrap_err();
        assert_eq!(err.kind(), "owner_pin_invalid", "attempt {n}");
    }
    // After three, even the right PIN must wait.
    let err = store.authenticate_owner(PIN, &mut ids).unwrap_err();
    assert_eq!(err.kind(), "owner_pin_locked", "{err}");
    assert!(err.to_string().contains("try again in 30 s"), "{err}");
    clock(&mut store, at() + Duration::seconds(31));
    let err = store.authenticate_owner("9998", &mut ids).unwrap_err();
    assert!(err.to_string().contains("wait 60 s"), "the wait doubles: {err}");
    clock(&mut store, at() + Duration::seconds(92));
    let o = store.authenticate_owner(PIN, &mut ids).expect("after the wait, the right PIN");
    store.authenticate_owner(PIN, &mut ids).expect("and the count starts over");
    let failures: Vec<_> =
        store.audit_log(&o, 50).unwrap().into_iter().filter(|e| e.action == "owner.pin_failed").collect();
    assert_eq!(failures.len(), 4, "every wrong PIN is in the audit log");
    assert_eq!(failures[0].after.as_ref().unwrap()["failures_in_a_row"], 4);
}

#[test]
fn every_owner_action_is_audited_before_and_after_and_the_log_is_append_only() {
    let (mut store, mut ids) = shop(&["senior-65"]);
    let who = add(&mut store, &mut ids, "김영자", "010-3954-1004", Some("1954-03-01"), None);
    let o = owner(&mut store, &mut ids);
    let mut senior = rule("senior-65");
    senior.benefit = dangol_domain::rules::Benefit::PercentOff { percent_bp: 1500 };
    store.upsert_rule(&o, &senior, at(), &mut ids).unwrap();
    store.update_setting(&o, setting_keys::GOODWILL_LIMIT, "5000", at(), &mut ids).unwrap();
    store.adjust_balances(&o, who, 300, 2, None, "사과", at(), &mut ids).unwrap();
    let sale = checkout(&mut store, &mut ids, who, &[("SALT", 1)], &["senior-65"], at() + minutes(1));
    store.refund(&o, sale.sale_id, "잘못 계산", at() + minutes(2), &mut ids).unwrap();
    let log = store.audit_log(&o, 20).unwrap();
    let actions: Vec<&str> = log.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec!["owner.pin_set", "rule.saved", "setting.changed", "balances.adjusted", "sale.refunded"],
        "each owner action, in order"
    );
    let rule_entry = log.iter().find(|e| e.action == "rule.saved").unwrap();
    assert_eq!(rule_entry.before.as_ref().unwrap()["benefit"]["percent_bp"], 1000, "before");
    assert_eq!(rule_entry.after.as_ref().unwrap()["benefit"]["percent_bp"], 1500, "after");
    let setting = log.iter().find(|e| e.action == "setting.changed").unwrap();
    assert_eq!((setting.before.clone(), setting.after.clone()), (None, Some(serde_json::json!("5000"))));
    let adjusted = log.iter().find(|e| e.action == "balances.adjusted").unwrap();
    assert_eq!(adjusted.before.as_ref().unwrap()["points"], 0);
    assert_eq!(adjusted.after.as_ref().unwrap()["points"], 300);
    assert!(log.iter().all(|e| e.device == store.device()), "each entry says which counter");
    let events = scalar(&store, "SELECT count(*) FROM outbox WHERE kind = ?1", "audit.recorded");
    assert_eq!(events, log.len() as i64, "every entry is also an outbox event");
    for sql in ["UPDATE audit_log SET note = 'tampered'", "DELETE FROM audit_log"] {
        let err = store.connection().execute(sql, []).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    for sql in [
        "UPDATE sales SET total = 0",
        "DELETE FROM points_ledger",
        "UPDATE stamp_ledger SET stamps = 99",
        // Only the rows of a refund named in `voiding` may go (none here).
        "DELETE FROM sales",
        "DELETE FROM sale_lines",
        "DELETE FROM stamp_ledger",
    ] {
        assert!(store.connection().execute(sql, []).is_err(), "{sql}: history is insert-only");
    }
}

#[test]
fn a_cashier_cannot_give_a_tier_at_registration() {
    let (mut store, mut ids) = shop(&[]);
    let vip =
        dangol_domain::customer::CustomerInput { tier: Some("vip".into()), ..input("김민수", "010-1234-5678") };
    let before = counts(&store);
    let err = store.add_customer(vip.clone(), &Viewer::Cashier, at(), &mut ids).unwrap_err();
    assert_eq!(err.kind(), "owner_required", "{err}");
    assert_eq!(counts(&store), before);
    let basic = dangol_domain::customer::CustomerInput { tier: Some("basic".into()), ..vip.clone() };
    store.add_customer(basic, &Viewer::Cashier, at(), &mut ids).expect("basic is no tier at all");
    let o = store.owner_viewer(&mut ids);
    let mut vip = vip;
    vip.phone = "010-1234-9999".into();
    assert_eq!(store.add_customer(vip, &o, at(), &mut ids).unwrap().tier, "vip", "the owner may");
}

#[test]
fn a_write_is_dated_now_unless_the_owner_backdates_it_and_never_before_the_customer() {
    let (mut store, mut ids) = shop(&[]);
    let who = add(&mut store, &mut ids, "김민수", "010-1234-5678", None, None);
    checkout(&mut store, &mut ids, who, &[("SALT", 10)], &[], at());
    let points = store.profile(who, at(), &Viewer::Cashier).unwrap().points;
    assert_eq!(points, 1_600);
    let before = counts(&store);
    for (when, why) in [
        (at() + Duration::days(365 * 36), "2062: it would expire her whole balance for good"),
        (at() + Duration::minutes(6), "six minutes ahead"),
        (at() - Duration::days(3), "three days ago, without the owner"),
    ] {
        let err = store.checkout(&checkout_req(who, &[("SALT", 1)], apply(&[]), when), None, &mut ids).expect_err(why);
        assert_eq!(err.kind(), "write_time_refused", "{why}: {err}");
        let err = store.add_feedback(who, dangol_domain::feedback::FeedbackKind::Request, "메뉴", "x", when, &mut ids);
        assert_eq!(err.unwrap_err().kind(), "write_time_refused", "{why}: feedback too");
        assert_eq!(counts(&store), before, "{why}: nothing written");
    }
    assert_eq!(store.profile(who, at(), &Viewer::Cashier).unwrap().points, points, "her balance is untouched");
    // The owner may replay a sale from three days ago; it is audited.
    let o = owner(&mut store, &mut ids);
    store.permit_backdating(&o);
    store.checkout(&checkout_req(who, &[("SALT", 1)], apply(&[]), at() - Duration::days(3)), None, &mut ids).unwrap();
    let entry = store.audit_log(&o, 1).unwrap().remove(0);
    assert_eq!((entry.action.as_str(), entry.subject.as_str()), ("write.backdated", "sale"));
    // But not before the customer existed, and never into the future.
    for (when, why) in [(at() - Duration::days(200), "before she registered"), (at() + Duration::days(1), "tomorrow")] {
        let err = store.checkout(&checkout_req(who, &[("SALT", 1)], apply(&[]), when), None, &mut ids).expect_err(why);
        assert_eq!(err.kind(), "write_time_refused", "{why}: {err}");
    }
}

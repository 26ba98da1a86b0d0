//! Points are money, through the store: the reproduced bug (an owner's gift
//! taken by another lot's expiry), a database from schema 2 that already
//! holds such a wrong expiry, and a property test that drives the real store
//! (checkouts that earn and redeem, owner adjustments up and down with or
//! without expiry, refunds, time passing, the owner changing the expiry
//! setting) against a reference model written here: a list of lots.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use dangol_domain::gate::Decision;
use dangol_domain::ids::SeededIds;
use dangol_domain::loyalty::LoyaltySettings;
use dangol_store::{Store, Viewer};
use proptest::prelude::*;
use uuid::Uuid;

fn points_now(store: &Store, who: Uuid, when: DateTime<Utc>) -> i64 {
    store.profile(who, when, &Viewer::Cashier).unwrap().points
}

fn set_expiry_days(store: &mut Store, ids: &mut SeededIds, days: i64, when: DateTime<Utc>) {
    clock(store, when);
    let o = owner(store, ids);
    let settings = LoyaltySettings { points_expiry_days: days, points_warning_days: 0, ..Default::default() };
    store.update_setting(&o, "loyalty", &serde_json::to_string(&settings).unwrap(), when, ids).unwrap();
}

/// The bug as reported: a gift of 100 (no expiry), then 400 earned at a
/// checkout; a year later the 400 expire, and at the next visit the gift is
/// still there.
#[test]
fn an_owners_gift_is_never_taken_by_another_lots_expiry() {
    let (mut store, mut ids) = shop(&[]);
    let who = add(&mut store, &mut ids, "정우진", "010-4321-1004", None, None);
    store.owner_adjust(who, 100, 0, None, "사과의 뜻", at(), &mut ids).unwrap();
    // ₩8,000 at 5% earns 400, expiring in 365 days.
    let sale = checkout(&mut store, &mut ids, who, &[("BREAD", 1), ("SALT", 1)], &[], at() + minutes(1));
    assert_eq!(sale.points_earned, 400);
    assert_eq!(points_now(&store, who, at() + days(1)), 500);
    let year = at() + days(366);
    assert_eq!(points_now(&store, who, year), 100, "the 400 expired; the gift did not");
    let next = checkout(&mut store, &mut ids, who, &[("SALT", 1)], &[], year);
    assert_eq!(next.points_balance, 100 + 160, "the visit's expiry took the 400 only, and 160 were earned");
    let later = checkout(&mut store, &mut ids, who, &[("SALT", 1)], &[], year + days(7));
    assert_eq!(later.points_balance, 100 + 160 + 160, "and the next visit takes nothing more");
    let written: i64 = scalar(&store, "SELECT count(*) FROM points_ledger WHERE kind = ?1", "expire");
    assert_eq!(written, 0, "expiry is derived from the lots, never written");
}

/// A database written by schema 2 already holds the wrong expiry (taken FIFO
/// from the gift). Opening it with this version recomputes expiry per lot.
#[test]
fn a_schema_2_database_with_a_wrong_expiry_is_repaired_on_open() {
    let dir = temp_dir("schema2");
    let path = dir.join("old.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
            .unwrap();
        conn.execute_batch(include_str!("../migrations/0001_initial.sql")).unwrap();
        conn.execute_batch(include_str!("../migrations/0002_goodwill.sql")).unwrap();
        conn.execute_batch("INSERT INTO schema_migrations VALUES (1, 0), (2, 0)").unwrap();
        let t = |d: i64| (at() + days(d)).timestamp_millis();
        conn.execute(
            "INSERT INTO customers (rid, id, name, name_norm, phone, phone_last4, tier, created_at, updated_at) VALUES (1, ?1, '정우진', '정우진', '01043211004', '1004', 'basic', ?2, ?2)",
            rusqlite::params![Uuid::from_u128(77).as_bytes(), t(-10)],
        )
        .unwrap();
        // Gift 100 (no expiry), earned 400 (expiring at day 365), and the
        // old code's expiry at day 366 (400) and again at day 370 (100).
        conn.execute_batch(&format!(
            "INSERT INTO points_ledger (customer, at, kind, points, expires_at) VALUES
               (1, {}, 'adjust', 100, NULL), (1, {}, 'earn', 400, {}),
               (1, {}, 'expire', -400, NULL), (1, {}, 'expire', -100, NULL)",
            t(0),
            t(1),
            t(365),
            t(366),
            t(370)
        ))
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), dangol_store::db::SCHEMA_VERSION);
    assert_eq!(points_now(&store, Uuid::from_u128(77), at() + days(371)), 100, "the gift is back");
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}

// ---- The reference model: a list of lots, nothing else (shared with the
// domain's points test). ----

#[path = "../../domain/tests/support/lots.rs"]
mod lots;
use lots::{LotModel, RefSale};

#[derive(Debug, Clone)]
enum Op {
    /// A checkout of `qty` salt breads (₩3,200 each), paying with points when
    /// `pay_points` and the customer has at least 1,000.
    Sale {
        qty: i64,
        pay_points: bool,
    },
    Gift {
        points: i64,
        expires_in_days: Option<i64>,
    },
    Deduct {
        points: i64,
    },
    Refund {
        sale: usize,
    },
    Wait {
        hours: i64,
    },
    ExpiryDays {
        days: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1i64..8, any::<bool>()).prop_map(|(qty, pay_points)| Op::Sale { qty, pay_points }),
        2 => (1i64..3_000, proptest::option::of(1i64..400)).prop_map(|(points, expires_in_days)| Op::Gift { points, expires_in_days }),
        1 => (1i64..2_000).prop_map(|points| Op::Deduct { points }),
        2 => (0usize..12).prop_map(|sale| Op::Refund { sale }),
        3 => prop_oneof![1i64..48, 24i64 * 30..24 * 200, Just(24 * 366)].prop_map(|hours| Op::Wait { hours }),
        1 => (1i64..500).prop_map(|days| Op::ExpiryDays { days }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn the_stores_ledger_matches_a_list_of_lots(ops in proptest::collection::vec(op(), 1..25)) {
        let (mut store, mut ids) = shop(&["points"]);
        let who = add(&mut store, &mut ids, "한지민", "010-5555-0001", None, None);
        let mut now = at();
        let mut expiry_days = 365;
        let mut model = LotModel::default();
        // The sale id of each model sale.
        let mut sale_ids: Vec<Uuid> = Vec::new();
        for op in &ops {
            now += Duration::minutes(1);
            match op.clone() {
                Op::Wait { hours } => now += Duration::hours(hours),
                Op::ExpiryDays { days } => {
                    set_expiry_days(&mut store, &mut ids, days, now);
                    expiry_days = days;
                }
                Op::Sale { qty, pay_points } => {
                    let lines = [("SALT", qty)];
                    let view = preview(&store, who, &lines, now);
                    let use_points = pay_points && view.eligible.iter().any(|e| e.rule_id == "points");
                    let apply: Vec<&str> = if use_points { vec!["points"] } else { vec![] };
                    let r = checkout(&mut store, &mut ids, who, &lines, &apply, now);
                    let taken = if r.points_redeemed > 0 { model.take(r.points_redeemed, now, None) } else { vec![] };
                    prop_assert_eq!(taken.iter().map(|t| t.1).sum::<i64>(), r.points_redeemed, "the model had the points");
                    let earned = (r.points_earned > 0)
                        .then(|| (model.open(Some(now + Duration::days(expiry_days)), r.points_earned), r.points_earned));
                    model.sales.push(RefSale { taken, earned, refunded: false });
                    sale_ids.push(r.sale_id);
                }
                Op::Gift { points, expires_in_days } => {
                    let expires = expires_in_days.map(|d| now + Duration::days(d));
                    store.owner_adjust(who, points, 0, expires, "선물", now, &mut ids).unwrap();
                    model.open(expires, points);
                }
                Op::Deduct { points } => {
                    let result = store.owner_adjust(who, -points, 0, None, "정정", now, &mut ids);
                    prop_assert_eq!(result.is_ok(), points <= model.balance(now), "a deduction is allowed exactly when the points are there: {:?}", result);
                    if result.is_ok() {
                        model.take(points, now, None);
                    }
                }
                Op::Refund { sale } => {
                    if !model.refundable(sale) {
                        continue;
                    }
                    store.owner_refund(sale_ids[sale], "환불", now, &mut ids).unwrap();
                    model.refund(sale, now);
                }
            }
            let got = points_now(&store, who, now);
            prop_assert_eq!(got, model.balance(now), "after {:?}", op);
            prop_assert!(got >= 0, "never negative");
            let (sum, written): (i64, i64) = store.connection().query_row(
                "SELECT coalesce(sum(points), 0), count(*) FILTER (WHERE kind = 'expire') FROM points_ledger",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            ).unwrap();
            prop_assert_eq!(written, 0, "expiry is derived, never written");
            prop_assert!(sum >= got, "the entries' sum holds what is usable (the rest expired)");
        }
        // Much later, with no write in between, what is usable is still the
        // model's: expiry needs no visit to happen.
        let end = now + Duration::days(2_000);
        prop_assert_eq!(points_now(&store, who, end), model.balance(end));
    }
}

/// Points cannot be redeemed beyond what is usable at the moment of sale,
/// even when the customer held more before a lot expired.
#[test]
fn an_expired_lot_cannot_be_redeemed() {
    let (mut store, mut ids) = shop(&["points"]);
    let who = add(&mut store, &mut ids, "한지민", "010-5555-0001", None, None);
    store.owner_adjust(who, 3_000, 0, Some(at() + days(10)), "이벤트", at(), &mut ids).unwrap();
    let view = preview(&store, who, &[("CAKE", 1)], at() + days(11));
    assert!(view.eligible.iter().all(|e| e.rule_id != "points"), "the 3,000 expired on day 10");
    let mut req =
        checkout_req(who, &[("CAKE", 1)], Decision { apply: vec!["points".into()], dismiss: vec![] }, at() + days(11));
    req.lang = dangol_domain::i18n::Lang::En;
    let err = try_checkout(&mut store, &mut ids, req).unwrap_err();
    assert_eq!(err.kind(), "rule_not_eligible", "{err}");
}

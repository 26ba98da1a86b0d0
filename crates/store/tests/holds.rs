//! Points holds against a model written here: the register holds points,
//! captures a hold with the sale that spends it, releases one, or lets it
//! expire; the cashier's own sales go on meanwhile. Generated sequences,
//! checked at every step: a hold is granted exactly when that many points
//! are free (usable, less the open holds the model counts), a sale never
//! redeems points another open hold set aside, a hold is captured once and
//! only while open, and the store's state of every hold is the model's.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use dangol_store::holds::HoldState;
use dangol_store::{Store, Viewer};
use proptest::prelude::*;
use uuid::Uuid;

#[derive(Debug, Clone)]
enum Op {
    Gift { points: i64 },
    Hold { points: i64, minutes: i64 },
    Release { which: usize },
    Sale { qty: i64, hold: Option<usize>, pay_points: bool },
    Wait { minutes: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (500i64..4_000).prop_map(|points| Op::Gift { points }),
        3 => (1i64..3_000, 1i64..20).prop_map(|(points, minutes)| Op::Hold { points, minutes }),
        1 => (0usize..8).prop_map(|which| Op::Release { which }),
        3 => (1i64..8, proptest::option::of(0usize..8), any::<bool>())
            .prop_map(|(qty, hold, pay_points)| Op::Sale { qty, hold, pay_points }),
        1 => (1i64..30).prop_map(|minutes| Op::Wait { minutes }),
    ]
}

/// The model's hold: its points, expiry, and how it ended.
#[derive(Debug, Clone)]
struct Held {
    id: Uuid,
    points: i64,
    expires: DateTime<Utc>,
    ended: Option<HoldState>,
}

impl Held {
    fn state(&self, now: DateTime<Utc>) -> HoldState {
        match self.ended {
            Some(s) => s,
            None if self.expires <= now => HoldState::Expired,
            None => HoldState::Held,
        }
    }
}

fn open_points(holds: &[Held], now: DateTime<Utc>, except: Option<Uuid>) -> i64 {
    holds.iter().filter(|h| h.state(now) == HoldState::Held && Some(h.id) != except).map(|h| h.points).sum()
}

fn usable(store: &Store, who: Uuid, now: DateTime<Utc>) -> i64 {
    store.profile(who, now, &Viewer::Cashier).unwrap().points
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn holds_set_points_aside_until_captured_released_or_expired(ops in proptest::collection::vec(op(), 1..30)) {
        let (mut store, mut ids) = shop(&["points"]);
        let who = add(&mut store, &mut ids, "한지민", "010-5555-0001", None, None);
        let mut now = at();
        let mut holds: Vec<Held> = Vec::new();
        let mut n = 0u128;
        for op in &ops {
            now += Duration::minutes(1);
            clock(&mut store, now);
            match op.clone() {
                Op::Wait { minutes } => now += Duration::minutes(minutes),
                Op::Gift { points } => {
                    store.owner_adjust(who, points, 0, None, "선물", now, &mut ids).unwrap();
                }
                Op::Hold { points, minutes } => {
                    n += 1;
                    let id = Uuid::from_u128(n);
                    let free = usable(&store, who, now) - open_points(&holds, now, None);
                    let made = store.hold_points(id, who, points, minutes);
                    prop_assert_eq!(made.is_ok(), points <= free, "a hold of {} with {} free: {:?}", points, free, made);
                    if made.is_ok() {
                        holds.push(Held { id, points, expires: now + Duration::minutes(minutes), ended: None });
                    }
                }
                Op::Release { which } => {
                    let Some(h) = holds.get_mut(which) else { continue };
                    let released = store.release_hold(h.id);
                    let state = h.state(now);
                    prop_assert_eq!(released.is_ok(), state != HoldState::Captured, "{:?}", released);
                    if state == HoldState::Held {
                        h.ended = Some(HoldState::Released);
                    }
                }
                Op::Sale { qty, hold, pay_points } => {
                    let hold = hold.and_then(|i| holds.get(i)).map(|h| h.id);
                    let lines = [("SALT", qty)];
                    let others = open_points(&holds, now, hold);
                    let before = usable(&store, who, now);
                    let view = store.using_hold(hold, |s| s.preview(&preview_req(who, &lines, now)));
                    let spendable = hold.is_none_or(|h| {
                        holds.iter().any(|x| x.id == h && x.state(now) == HoldState::Held)
                    });
                    let view = view.unwrap();
                    let apply: Vec<&str> =
                        if pay_points && view.eligible.iter().any(|e| e.rule_id == "points") { vec!["points"] } else { vec![] };
                    let mut req = checkout_req(who, &lines, common::apply(&apply), now);
                    req.visit = Uuid::from_u128(1_000_000 + n + u128::from(qty as u64) * 7919 + holds.len() as u128);
                    n += 1;
                    let sold = store.using_hold(hold, |s| s.checkout(&req, None, &mut ids));
                    prop_assert_eq!(sold.is_ok(), spendable, "a sale with hold {:?}: {:?}", hold, sold.as_ref().err());
                    if let Ok(r) = sold {
                        prop_assert!(r.points_redeemed <= before - others,
                            "redeemed {} of {} usable with {} held by others", r.points_redeemed, before, others);
                        if let Some(h) = hold {
                            holds.iter_mut().filter(|x| x.id == h).for_each(|x| x.ended = Some(HoldState::Captured));
                        }
                    }
                }
            }
            clock(&mut store, now);
            for h in &holds {
                let seen = store.points_hold(h.id).unwrap();
                prop_assert_eq!(seen.state, h.state(now), "hold {}", h.id);
                prop_assert_eq!(seen.points, h.points);
            }
            prop_assert!(open_points(&holds, now, None) <= usable(&store, who, now), "never more held than usable");
        }
    }
}

#[test]
fn a_hold_is_refused_for_nothing_too_long_or_nobody() {
    let (mut store, mut ids) = shop(&["points"]);
    let who = add(&mut store, &mut ids, "한지민", "010-5555-0001", None, None);
    store.owner_adjust(who, 2_000, 0, None, "선물", at(), &mut ids).unwrap();
    for (points, minutes) in [(0, 10), (-5, 10), (100, 0), (100, 61), (2_001, 10)] {
        let e = store.hold_points(Uuid::from_u128(9), who, points, minutes).unwrap_err();
        assert_eq!(e.kind(), "bad_input", "{points} for {minutes} min");
    }
    let nobody = store.hold_points(Uuid::from_u128(9), Uuid::from_u128(404), 10, 10).unwrap_err();
    assert_eq!(nobody.kind(), "not_found");
    assert_eq!(scalar(&store, "SELECT count(*) FROM point_holds WHERE points > ?1", 0), 0, "nothing was held");
}

//! A counter whose allowance for a customer is below zero, and how it is
//! covered without letting two counters cut off from each other spend more
//! than the customer has.
//!
//! The owner undoes a merge. Three counters: A and B each register the
//! same phone offline (so sync merges the two), and all three sell to,
//! gift, take from and redeem for the customer in a generated order,
//! syncing when the order says (points follow the customer's visits
//! between the counters' allowances and the pool). The owner undoes the
//! merge at a generated counter; the counters keep working while the undo
//! travels; everyone syncs; more generated work on both registrations;
//! everyone syncs again.
//!
//! Checked, at every counter, after the undo and again at the end:
//! - for each registration, every counter's allowance and the pool are
//!   never below zero (nothing at all above zero where the registration
//!   owes points) and add up to its balance;
//! - every counter holds the same allowances for each registration.
//!
//! Then the test that needs no knowledge of escrow's bookkeeping: the
//! network is cut, and every counter spends, for each registration, all
//! the points it is allowed to. Once everyone syncs no balance is lower
//! than its debt before, and no counter reports points overdrawn.
//!
//! And the owner's overdraft: the counter that went below zero is covered
//! by what the counter holding the points returns, never by taking from it
//! behind its back.

mod common;

use common::*;
use dangol_hub::SqliteLog;
use dangol_store::{Store, Viewer};
use proptest::prelude::*;
use std::collections::BTreeMap;
use uuid::Uuid;

const SHARED: &str = "010-4444-5555";
const OWN: &str = "010-6666-7777";
const PHONES: [&str; 2] = [SHARED, OWN];

#[derive(Debug, Clone)]
enum Op {
    /// A sale at counter `c` to the customer found by `phone` (0: the
    /// shared phone, 1: the phone given back at the undo): a visit there,
    /// so the customer's points follow to `c` at the next syncs.
    Visit {
        c: usize,
        phone: usize,
        cakes: i64,
    },
    /// The owner at `c` gives (positive) or takes points (refused beyond
    /// what `c` holds).
    Adjust {
        c: usize,
        phone: usize,
        points: i64,
    },
    /// A sale paid partly with points, as many as `c` lets.
    Redeem {
        c: usize,
        phone: usize,
        cakes: i64,
    },
    Sync {
        c: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, 0..2usize, 1..4i64).prop_map(|(c, phone, cakes)| Op::Visit { c, phone, cakes }),
        3 => (0..3usize, 0..2usize, -3_000..6_000i64).prop_map(|(c, phone, points)| Op::Adjust { c, phone, points }),
        3 => (0..3usize, 0..2usize, 1..4i64).prop_map(|(c, phone, cakes)| Op::Redeem { c, phone, cakes }),
        4 => (0..3usize).prop_map(|c| Op::Sync { c }),
    ]
}

fn id_of(s: &Store, phone: &str) -> Option<Uuid> {
    s.lookup(phone, 5, &Viewer::Cashier).unwrap().hits.first().map(|h| h.id)
}

fn step(
    k: &mut Counter,
    hub: &mut SqliteLog,
    op: &Op,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), TestCaseError> {
    let phone = match op {
        Op::Sync { .. } => {
            sync_round(k, hub);
            return Ok(());
        }
        Op::Visit { phone, .. } | Op::Adjust { phone, .. } | Op::Redeem { phone, .. } => PHONES[*phone],
    };
    let Some(who) = id_of(&k.store, phone) else { return Ok(()) };
    match op {
        Op::Visit { cakes, .. } | Op::Redeem { cakes, .. } => {
            let lines = [("CAKE", *cakes)];
            let mut rules: Vec<String> =
                preview(&k.store, who, &lines, now).best.rule_ids.into_iter().filter(|r| r != "points").collect();
            if matches!(op, Op::Redeem { .. }) {
                rules.push("points".into());
            }
            let rules: Vec<&str> = rules.iter().map(String::as_str).collect();
            match k.store.checkout(&checkout_req(who, &lines, apply(&rules), now), None, &mut k.ids) {
                Ok(_) => {}
                // Too few points here to redeem: the gate says so.
                Err(e) if e.kind() == "rule_not_eligible" || e.kind() == "checkout_refused" => {}
                Err(e) => return Err(TestCaseError::fail(format!("{op:?}: {e}"))),
            }
        }
        Op::Adjust { points, .. } => {
            let owner = k.owner.clone();
            if *points != 0 {
                match k.store.adjust_balances(&owner, who, *points, 0, None, "정정", now, &mut k.ids) {
                    Ok(_) => {}
                    Err(e) if e.kind() == "points_elsewhere" || e.kind() == "bad_input" => {}
                    Err(e) => return Err(TestCaseError::fail(format!("{op:?}: {e}"))),
                }
            }
        }
        Op::Sync { .. } => unreachable!(),
    }
    Ok(())
}

/// Every counter syncs, round after round, until a whole round moves
/// nothing: every event is everywhere and no counter moves points.
fn sync_until_quiet(cs: &mut [Counter], hub: &mut SqliteLog) {
    let state = |cs: &[Counter]| -> Vec<(i64, i64)> {
        cs.iter()
            .map(|c| {
                let s = c.store.sync_status().unwrap();
                (s.pulled_pos, s.waiting)
            })
            .collect()
    };
    for _ in 0..12 {
        let before = state(cs);
        for k in cs.iter_mut() {
            sync_round(k, hub);
        }
        let after = state(cs);
        if before == after && after.iter().all(|(_, waiting)| *waiting == 0) {
            return;
        }
    }
    panic!("the counters never went quiet: {:?}", state(cs));
}

/// Each counter's allowance (none listed at zero) and the pool.
type Held = (BTreeMap<Uuid, i64>, i64);

/// Checks escrow's bookkeeping for both registrations at every counter,
/// and that every counter holds the same. A side that owes points (spent,
/// unaware of the undo, on its behalf while the undo travelled) has
/// nothing in the pool and no counter above zero.
fn allowances_sound(cs: &[Counter], whos: [Uuid; 2], when: &str) -> Result<(), TestCaseError> {
    for who in whos {
        let mut seen: Vec<Held> = Vec::new();
        for (i, c) in cs.iter().enumerate() {
            let (allowances, pool) = c.store.escrow_allowances(who).unwrap();
            let allowances: BTreeMap<Uuid, i64> = allowances.into_iter().filter(|(_, a)| *a != 0).collect();
            let balance = points_of(&c.store, who);
            let sound = if balance >= 0 {
                pool >= 0 && allowances.values().all(|a| *a >= 0)
            } else {
                pool == 0 && allowances.values().all(|a| *a <= 0)
            };
            prop_assert!(
                sound,
                "{}: counter {} holds for {} (balance {}): {:?}, pool {}",
                when,
                i,
                who,
                balance,
                allowances,
                pool
            );
            prop_assert_eq!(
                allowances.values().sum::<i64>() + pool,
                balance,
                "{}: counter {}: the allowances for {} and the pool add up to its balance",
                when,
                i,
                who
            );
            seen.push((allowances, pool));
        }
        prop_assert!(
            seen.windows(2).all(|w| w[0] == w[1]),
            "{}: every counter holds the same for {}: {:?}",
            when,
            who,
            seen
        );
    }
    Ok(())
}

/// The customer's points balance as the ledger's replay derives it (a
/// debt shows below zero).
fn points_of(s: &Store, who: Uuid) -> i64 {
    s.points_balances().unwrap().into_iter().find(|(id, _)| *id == who).map_or(0, |(_, b)| b)
}

/// A hub and `n` counters joined to it.
fn shop(n: u64, seed: u64) -> (SqliteLog, Vec<Counter>) {
    (SqliteLog::open_in_memory().unwrap(), (0..n).map(|i| counter(seed + i)).collect())
}

/// Moves every counter's clock a minute on, together; returns the moment.
fn ticker() -> impl FnMut(&mut [Counter]) -> chrono::DateTime<chrono::Utc> {
    let mut now = at();
    move |cs: &mut [Counter]| {
        now += minutes(1);
        for c in cs.iter_mut() {
            clock(&mut c.store, now);
        }
        now
    }
}

fn counter_of(op: &Op) -> usize {
    match op {
        Op::Visit { c, .. } | Op::Adjust { c, .. } | Op::Redeem { c, .. } | Op::Sync { c } => *c,
    }
}

/// The generated work: before the merge, while merged, while the undo
/// travels, and after it.
struct Work {
    before: Vec<Op>,
    merged: Vec<Op>,
    during: Vec<Op>,
    after: Vec<Op>,
}

fn run(work: &Work, undoer: usize) -> Result<(), TestCaseError> {
    let Work { before, merged: merged_ops, during, after } = work;
    let (mut hub, mut cs) = shop(3, 700);
    let mut tick = ticker();
    // A registers first (its registration survives the merge), B a minute
    // later, both offline.
    let mut registered = Vec::new();
    for i in 0..2 {
        let t = tick(&mut cs);
        let k = &mut cs[i];
        registered.push(k.store.add_customer(input("정다운", SHARED), &Viewer::Cashier, t, &mut k.ids).unwrap().id);
    }
    let (survivor, merged) = (registered[0], registered[1]);
    for ops in [before, merged_ops] {
        for op in ops {
            let t = tick(&mut cs);
            step(&mut cs[counter_of(op)], &mut hub, op, t)?;
        }
        sync_until_quiet(&mut cs, &mut hub);
    }
    // Every counter holds the one customer; the owner undoes the merge.
    let t = tick(&mut cs);
    let k = &mut cs[undoer];
    let owner = k.owner.clone();
    k.store.undo_merge(&owner, merged, OWN, t, &mut k.ids).map_err(|e| TestCaseError::fail(e.to_string()))?;
    // The counters keep working and syncing as they please while the undo
    // travels: some of what they write reaches the hub before it, some
    // after.
    for op in during {
        let t = tick(&mut cs);
        step(&mut cs[counter_of(op)], &mut hub, op, t)?;
    }
    sync_until_quiet(&mut cs, &mut hub);
    for c in &cs {
        prop_assert_eq!(id_of(&c.store, OWN), Some(merged), "the undo is everywhere");
    }
    allowances_sound(&cs, [survivor, merged], "after the undo")?;
    for op in after {
        let t = tick(&mut cs);
        step(&mut cs[counter_of(op)], &mut hub, op, t)?;
    }
    sync_until_quiet(&mut cs, &mut hub);
    allowances_sound(&cs, [survivor, merged], "after more work")?;
    // The network is cut: each counter spends all it may of each side. A
    // side may already owe points (spent, unaware of the undo, on its
    // behalf while the undo travelled: a debt the owner was told of); the
    // spending must not take it lower, nor overdraw anything.
    let owing = [survivor, merged].map(|who| points_of(&cs[0].store, who).min(0));
    let overdrawn = |c: &Counter| {
        c.store.sync_anomalies(&c.owner, 10_000).unwrap().into_iter().filter(|x| x.kind == "points_overdrawn").count()
    };
    let told: Vec<usize> = cs.iter().map(overdrawn).collect();
    let t = tick(&mut cs);
    for (i, k) in cs.iter_mut().enumerate() {
        for who in [survivor, merged] {
            let held = k.store.escrow_view(who).unwrap().held_here;
            let usable = k.store.profile(who, t, &Viewer::Cashier).unwrap().points;
            let spend = held.min(usable);
            if spend > 0 {
                let owner = k.owner.clone();
                k.store
                    .adjust_balances(&owner, who, -spend, 0, None, "정정", t, &mut k.ids)
                    .map_err(|e| TestCaseError::fail(format!("counter {i} spends the {spend} it holds: {e}")))?;
            }
        }
    }
    sync_until_quiet(&mut cs, &mut hub);
    for (i, c) in cs.iter().enumerate() {
        for (who, owed) in [survivor, merged].into_iter().zip(owing) {
            let balance = points_of(&c.store, who);
            prop_assert!(
                balance >= owed,
                "counter {}: {} is at {} after the partition (owed {})",
                i,
                who,
                balance,
                owed
            );
        }
        prop_assert_eq!(overdrawn(c), told[i], "counter {}: the spending overdrew nothing", i);
    }
    let digest = cs[0].store.state_digest().unwrap();
    for c in &cs[1..] {
        prop_assert_eq!(c.store.state_digest().unwrap(), digest.clone(), "every counter agrees");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]
    #[test]
    fn after_an_undo_no_counter_may_spend_points_that_are_not_there(
        before in proptest::collection::vec(op(), 0..12),
        merged in proptest::collection::vec(op(), 0..16),
        during in proptest::collection::vec(op(), 0..10),
        after in proptest::collection::vec(op(), 0..12),
        undoer in 0..3usize,
    ) {
        run(&Work { before, merged, during, after }, undoer)?;
    }
}

#[test]
fn a_counter_below_zero_is_covered_by_what_the_holder_returns_never_behind_its_back() {
    let (mut hub, mut cs) = shop(2, 760);
    let mut tick = ticker();
    let t = tick(&mut cs);
    let a = &mut cs[0];
    let owner = a.owner.clone();
    let who = a.store.add_customer(input("박단골", SHARED), &Viewer::Cashier, t, &mut a.ids).unwrap().id;
    a.store.adjust_balances(&owner, who, 5_000, 0, None, "단골 선물", t, &mut a.ids).unwrap();
    let loyalty = dangol_domain::loyalty::LoyaltySettings { offline_overdraft_points: 2_000, ..Default::default() };
    a.store.update_setting(&owner, "loyalty", &serde_json::to_string(&loyalty).unwrap(), t, &mut a.ids).unwrap();
    sync_until_quiet(&mut cs, &mut hub);
    let held = |c: &Counter| -> BTreeMap<Uuid, i64> {
        c.store.escrow_allowances(who).unwrap().0.into_iter().filter(|(_, h)| *h != 0).collect()
    };
    let (da, db) = (cs[0].store.device(), cs[1].store.device());
    assert_eq!(held(&cs[1]), BTreeMap::from([(da, 5_000)]), "A holds the gift");
    // B, holding nothing, redeems under the owner's overdraft.
    let t = tick(&mut cs);
    let b = &mut cs[1];
    let lines = [("CAKE", 2)];
    let mut rules: Vec<String> = preview(&b.store, who, &lines, t).best.rule_ids;
    rules.push("points".into());
    let rules: Vec<&str> = rules.iter().map(String::as_str).collect();
    let r = b.store.checkout(&checkout_req(who, &lines, apply(&rules), t), None, &mut b.ids).unwrap();
    let over = r.points_redeemed;
    assert!(over > 0 && over <= 2_000, "{over}");
    // The customer's next visit is at A, so A keeps the points.
    let t = tick(&mut cs);
    let a = &mut cs[0];
    let lines = [("AMR", 1)];
    let rules: Vec<String> =
        preview(&a.store, who, &lines, t).best.rule_ids.into_iter().filter(|r| r != "points").collect();
    let rules: Vec<&str> = rules.iter().map(String::as_str).collect();
    let visit = a.store.checkout(&checkout_req(who, &lines, apply(&rules), t), None, &mut a.ids).unwrap();
    let a_holds = 5_000 + visit.points_earned;
    // B's sale reaches the hub and comes back to B: B is below zero, and
    // the pool is empty; nothing is taken from A, which has not heard.
    sync_round(&mut cs[1], &mut hub);
    let earned_b = r.points_earned;
    assert!(earned_b < over, "B is below zero: earned {earned_b}, redeemed {over}");
    assert_eq!(held(&cs[1]), BTreeMap::from([(da, 5_000), (db, earned_b - over)]), "nothing taken from A");
    // A hears of it and, holding the points, returns what B misses; the
    // cover at the return's place gives it to B.
    sync_until_quiet(&mut cs, &mut hub);
    let balance = a_holds + earned_b - over;
    for c in &cs {
        assert_eq!(held(c), BTreeMap::from([(da, balance)]), "A holds what there is, B is back at zero");
        assert_eq!(c.store.escrow_view(who).unwrap().pool, 0);
        assert_eq!(points_of(&c.store, who), balance);
    }
    assert_eq!(cs[0].store.state_digest().unwrap(), cs[1].store.state_digest().unwrap());
}

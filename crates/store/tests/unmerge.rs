//! The owner undoes a merge that sync made, while counters keep selling,
//! refunding and syncing in a generated order. Three counters: A and B each
//! register the same phone offline (so sync merges the two), C follows the
//! hub at its own pace and keeps selling to whichever registration it knows,
//! also after the merge and after the undo. The owner undoes the merge at A,
//! giving the merged registration a phone of its own.
//!
//! Checked against the run's own bookkeeping (which registration each
//! cashier sold to, what each receipt and refund said), not against the
//! store's tables:
//! - after everyone syncs, every counter has the same state digest;
//! - each registration's notes and preferred name are what the last edit
//!   naming it wrote;
//! - each sale belongs to the registration its cashier sold to, its refund
//!   with it; each registration's visits are its own sales that stand;
//! - points: each side's balance is what its own receipts and refunds add
//!   up to, except that where one side would be below zero the other gives
//!   exactly what is missing (and then that side is at zero): so both are
//!   never below zero and together they are what the one customer had.

mod common;

use common::*;
use dangol_domain::customer::CustomerPatch;
use dangol_hub::SqliteLog;
use dangol_store::{Store, Viewer};
use proptest::prelude::*;
use std::collections::BTreeMap;
use uuid::Uuid;

const SHARED: &str = "010-4444-5555";
const OWN: &str = "010-6666-7777";
const SKUS: [&str; 5] = ["AMR", "LATTE", "SALT", "BREAD", "CAKE"];

#[derive(Debug, Clone)]
enum Op {
    /// A sale at counter `c` to the customer the cashier finds by `phone`
    /// (0: the shared phone, 1: the phone given back at the undo).
    Sale {
        c: usize,
        phone: usize,
        sku: usize,
        qty: i64,
    },
    /// The owner at `c` adds points to, or takes them from, the customer
    /// found by `phone` (refused beyond what the counter holds).
    Adjust {
        c: usize,
        phone: usize,
        points: i64,
    },
    /// The owner at `c` refunds the `nth` sale made there.
    Refund {
        c: usize,
        nth: usize,
    },
    Sync {
        c: usize,
    },
    /// The cashier at `c` edits the notes (or the preferred name) of the
    /// customer found by `phone`.
    Edit {
        c: usize,
        phone: usize,
        notes: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0..3usize, 0..2usize, 0..5usize, 1..4i64).prop_map(|(c, phone, sku, qty)| Op::Sale { c, phone, sku, qty }),
        1 => (0..3usize, 0..8usize).prop_map(|(c, nth)| Op::Refund { c, nth }),
        3 => (0..3usize, 0..2usize, -4_000..5_000i64).prop_map(|(c, phone, points)| Op::Adjust { c, phone, points }),
        4 => (0..3usize).prop_map(|c| Op::Sync { c }),
        2 => (0..3usize, 0..2usize, any::<bool>()).prop_map(|(c, phone, notes)| Op::Edit { c, phone, notes }),
    ]
}

/// What the run knows of one sale.
struct Sold {
    registration: Uuid,
    earned: i64,
    redeemed: i64,
    /// The refund: its id and the points it could not take back.
    refund: Option<(Uuid, i64)>,
}

impl Sold {
    /// What the sale and its refund did to the points, as the receipts say.
    fn points(&self, refund_counts: bool) -> i64 {
        let refund = match self.refund {
            Some((_, unrecovered)) if refund_counts => self.redeemed - self.earned + unrecovered,
            _ => 0,
        };
        self.earned - self.redeemed + refund
    }
}

/// A profile edit: the registration the cashier found, which field
/// (notes, or the preferred name) and the value written. Every counter's
/// clock reads the same minute, one minute later each step, so the edits'
/// order in the run is their clocks' order.
struct Edited {
    who: Uuid,
    notes: bool,
    value: String,
}

/// An owner's adjustment that was taken, and the event that carries it.
struct Adjusted {
    who: Uuid,
    points: i64,
    device: Uuid,
    seq: i64,
}

/// What moves to the registration given back so that neither side is
/// below zero: its shortfall from the other side, or (negative) the
/// other's shortfall from it, never more than the giver has.
fn expected_settlement(survivor: i64, given_back: i64) -> i64 {
    if given_back < 0 {
        survivor.max(0).min(-given_back)
    } else if survivor < 0 {
        -given_back.min(-survivor)
    } else {
        0
    }
}

/// Every counter syncs, twice round (so each has what the others sent).
fn sync_all(cs: &mut [Counter], hub: &mut SqliteLog) {
    for _ in 0..2 {
        for k in cs.iter_mut() {
            sync_round(k, hub);
        }
    }
}

/// Two counters, each registering the shared phone offline at `at()`,
/// then synced (so both hold one merged customer); the two ids, in the
/// counters' order.
fn registered_at_both(seed: u64) -> (SqliteLog, Vec<Counter>, Vec<Uuid>) {
    let mut hub = SqliteLog::open_in_memory().unwrap();
    let mut cs: Vec<Counter> = (0..2).map(|i| counter(seed + i)).collect();
    let now = at();
    let mut ids = Vec::new();
    for k in cs.iter_mut() {
        clock(&mut k.store, now);
        ids.push(k.store.add_customer(input("정다운", SHARED), &Viewer::Cashier, now, &mut k.ids).unwrap().id);
    }
    sync_all(&mut cs, &mut hub);
    (hub, cs, ids)
}

fn id_of(s: &Store, phone: &str) -> Option<Uuid> {
    s.lookup(phone, 5, &Viewer::Cashier).unwrap().hits.first().map(|h| h.id)
}

/// Runs the ops around the undo and checks everything; returns the
/// counters as they ended.
fn run(before: &[Op], after: &[Op], b_first: bool) -> Result<Vec<Counter>, TestCaseError> {
    let mut hub = SqliteLog::open_in_memory().unwrap();
    let mut cs: Vec<Counter> = (0..3).map(|i| counter(300 + i)).collect();
    let mut now = at();
    for c in cs.iter_mut() {
        clock(&mut c.store, now);
    }
    // A and B register the shared phone offline; C hears of one of them
    // before the other reaches the hub.
    let (first, second) = if b_first { (1, 0) } else { (0, 1) };
    let early = {
        let k = &mut cs[first];
        k.store.add_customer(input("정다운", SHARED), &Viewer::Cashier, now, &mut k.ids).unwrap().id
    };
    now += minutes(1);
    clock(&mut cs[second].store, now);
    let late = {
        let k = &mut cs[second];
        k.store.add_customer(input("정다운", SHARED), &Viewer::Cashier, now, &mut k.ids).unwrap().id
    };
    sync_round(&mut cs[second], &mut hub);
    sync_round(&mut cs[2], &mut hub);
    let mut sold: BTreeMap<Uuid, Sold> = BTreeMap::new();
    let mut made: Vec<Vec<Uuid>> = vec![Vec::new(); 3];
    let mut adjusted: Vec<Adjusted> = Vec::new();
    let mut edits: Vec<Edited> = Vec::new();
    type Made = Vec<Vec<Uuid>>;
    let step = |cs: &mut Vec<Counter>,
                hub: &mut SqliteLog,
                op: &Op,
                now: &mut chrono::DateTime<chrono::Utc>,
                sold: &mut BTreeMap<Uuid, Sold>,
                made: &mut Made,
                adjusted: &mut Vec<Adjusted>,
                edits: &mut Vec<Edited>| {
        *now += minutes(1);
        for c in cs.iter_mut() {
            clock(&mut c.store, *now);
        }
        match op {
            Op::Sale { c, phone, sku, qty } => {
                let k = &mut cs[*c];
                let Some(who) = id_of(&k.store, [SHARED, OWN][*phone]) else { return Ok(()) };
                let lines = [(SKUS[*sku], *qty)];
                let best = preview(&k.store, who, &lines, *now).best.rule_ids;
                if best.iter().any(|r| r == "coupon-3000") {
                    return Ok(());
                }
                let best: Vec<&str> = best.iter().map(String::as_str).collect();
                let r = k
                    .store
                    .checkout(&checkout_req(who, &lines, apply(&best), *now), None, &mut k.ids)
                    .map_err(|e| TestCaseError::fail(format!("{op:?}: {e}")))?;
                sold.insert(
                    r.sale_id,
                    Sold { registration: who, earned: r.points_earned, redeemed: r.points_redeemed, refund: None },
                );
                made[*c].push(r.sale_id);
            }
            Op::Adjust { c, phone, points } => {
                let k = &mut cs[*c];
                let Some(who) = id_of(&k.store, [SHARED, OWN][*phone]) else { return Ok(()) };
                let owner = k.owner.clone();
                if points != &0
                    && k.store.adjust_balances(&owner, who, *points, 0, None, "정정", *now, &mut k.ids).is_ok()
                {
                    let seq: i64 = k.store.reader().query_row("SELECT max(seq) FROM outbox", [], |r| r.get(0)).unwrap();
                    adjusted.push(Adjusted { who, points: *points, device: k.store.device(), seq });
                }
            }
            Op::Refund { c, nth } => {
                let Some(&sale) = made[*c].get(*nth) else { return Ok(()) };
                if sold[&sale].refund.is_some() {
                    return Ok(());
                }
                let k = &mut cs[*c];
                let r = k
                    .store
                    .owner_refund(sale, "손님 변심", *now, &mut k.ids)
                    .map_err(|e| TestCaseError::fail(format!("{op:?}: {e}")))?;
                sold.get_mut(&sale).unwrap().refund = Some((r.reversal_id, r.points_unrecovered));
            }
            Op::Sync { c } => sync_round(&mut cs[*c], hub),
            Op::Edit { c, phone, notes } => {
                let k = &mut cs[*c];
                let Some(who) = id_of(&k.store, [SHARED, OWN][*phone]) else { return Ok(()) };
                let value = format!("e{c}-{}", edits.len());
                let patch = match notes {
                    true => CustomerPatch { notes: Some(value.clone()), ..Default::default() },
                    false => CustomerPatch { preferred_name: Some(value.clone()), ..Default::default() },
                };
                k.store
                    .edit_customer(who, patch, &Viewer::Cashier, *now, &mut k.ids)
                    .map_err(|e| TestCaseError::fail(format!("{op:?}: {e}")))?;
                edits.push(Edited { who, notes: *notes, value });
            }
        }
        Ok::<(), TestCaseError>(())
    };
    for op in before {
        step(&mut cs, &mut hub, op, &mut now, &mut sold, &mut made, &mut adjusted, &mut edits)?;
    }
    // A merges: the earlier registration survives.
    sync_round(&mut cs[first], &mut hub);
    sync_round(&mut cs[0], &mut hub);
    let (survivor, merged) = (early, late);
    prop_assert_eq!(id_of(&cs[0].store, SHARED), Some(survivor));
    let one = points_of(&cs[0].store, survivor);
    // What A knows at the undo: the sales and refunds that reached it.
    let known = |s: &Store, id: &Uuid| !scalar_hex(s, "SELECT hex(id) FROM sales WHERE id = ?1", id).is_empty();
    let own_at_a = |who: Uuid, a: &Store| -> i64 {
        let here = |x: &Adjusted| {
            x.device == a.device()
                || a.reader()
                    .query_row(
                        "SELECT count(*) FROM inbox WHERE device = ?1 AND seq = ?2",
                        (x.device.as_bytes(), x.seq),
                        |r| r.get::<_, i64>(0),
                    )
                    .unwrap()
                    == 1
        };
        let sales: i64 = sold
            .iter()
            .filter(|(id, x)| x.registration == who && known(a, id))
            .map(|(_, x)| x.points(x.refund.is_some_and(|(r, _)| known(a, &r))))
            .sum();
        sales + adjusted.iter().filter(|x| x.who == who && here(x)).map(|x| x.points).sum::<i64>()
    };
    let settle = expected_settlement(own_at_a(survivor, &cs[0].store), own_at_a(merged, &cs[0].store));
    now += minutes(1);
    clock(&mut cs[0].store, now);
    let a = &mut cs[0];
    let owner = a.owner.clone();
    let undoable =
        |s: &Store| s.sync_anomalies(&owner, 1_000).unwrap().iter().filter_map(|x| x.undoable).collect::<Vec<_>>();
    prop_assert_eq!(undoable(&a.store), vec![merged], "the owner is offered the undo");
    let undone =
        a.store.undo_merge(&owner, merged, OWN, now, &mut a.ids).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(undone.pending, "a counter that syncs waits for the hub's order");
    prop_assert_eq!(undone.now, merged);
    prop_assert_eq!(undone.moved.points_settled, settle, "what the undo settles");
    prop_assert_eq!(id_of(&a.store, OWN), None, "requested, not done yet");
    prop_assert_eq!(points_of(&a.store, survivor), one, "nothing moved yet");
    prop_assert!(undoable(&a.store).is_empty(), "a requested undo is offered no more");
    let waiting = a.store.sync_anomalies(&owner, 1_000).unwrap();
    prop_assert!(waiting.iter().any(|x| x.kind == "customers_merged" && x.undo_pending), "{:?}", waiting);
    let twice = a.store.undo_merge(&owner, merged, "010-9999-0000", now, &mut a.ids);
    prop_assert!(matches!(&twice, Err(e) if e.kind() == "bad_input"), "{:?}", twice);
    // The next sync sends it and brings it back at its place in the hub's
    // order (nothing else reached the hub since A's last pull).
    sync_round(&mut cs[0], &mut hub);
    let a = &mut cs[0];
    prop_assert_eq!(id_of(&a.store, OWN), Some(merged), "done once back from the hub");
    prop_assert_eq!(
        points_of(&a.store, survivor) + points_of(&a.store, merged),
        one,
        "the undo moves points, makes none"
    );
    prop_assert!(points_of(&a.store, survivor) >= 0 && points_of(&a.store, merged) >= 0);
    prop_assert!(undoable(&a.store).is_empty(), "an undone merge is offered no more");
    let again = a.store.undo_merge(&owner, merged, "010-9999-0000", now, &mut a.ids);
    prop_assert!(matches!(again, Err(dangol_store::StoreError::NotFound { .. })), "{:?}", again);
    for op in after {
        step(&mut cs, &mut hub, op, &mut now, &mut sold, &mut made, &mut adjusted, &mut edits)?;
    }
    sync_all(&mut cs, &mut hub);
    let digest = cs[0].store.state_digest().unwrap();
    for c in &cs[1..] {
        prop_assert_eq!(c.store.state_digest().unwrap(), digest.clone(), "every counter agrees");
    }
    let s = &cs[0].store;
    // Each sale with the registration it was made for; refunds with it.
    for (id, x) in &sold {
        let owner_of =
            scalar_hex(s, "SELECT hex(c.id) FROM sales s JOIN customers c ON c.rid = s.customer WHERE s.id = ?1", id);
        prop_assert_eq!(owner_of, x.registration.simple().to_string().to_uppercase(), "sale {}", id);
        if x.refund.is_some() {
            let reversal = scalar_hex(
                s,
                "SELECT hex(c.id) FROM sales r JOIN sales s ON s.rid = r.reverses JOIN customers c ON c.rid = r.customer WHERE s.id = ?1",
                id,
            );
            prop_assert_eq!(reversal, x.registration.simple().to_string().to_uppercase());
        }
    }
    for who in [survivor, merged] {
        let standing = sold.values().filter(|x| x.registration == who && x.refund.is_none()).count() as i64;
        let card = s.profile(who, now, &Viewer::Cashier).unwrap();
        prop_assert_eq!(card.id, who);
        prop_assert_eq!(card.visits, standing, "visits of {}", who);
    }
    // Each registration's profile is what the last edit naming it wrote
    // (an edit made while the two were one customer, naming the survivor,
    // stays with the survivor), whichever order the counters applied the
    // edits and the undo in.
    for who in [survivor, merged] {
        for notes in [true, false] {
            let want = edits.iter().rev().find(|e| e.who == who && e.notes == notes).map(|e| e.value.clone());
            let sql = match notes {
                true => "SELECT notes FROM customers WHERE id = ?1",
                false => "SELECT coalesce(preferred_name, '') FROM customers WHERE id = ?1",
            };
            let got: String = s.reader().query_row(sql, [who.as_bytes()], |r| r.get(0)).unwrap();
            prop_assert_eq!(
                got,
                want.unwrap_or_default(),
                "{} of {}",
                if notes { "notes" } else { "preferred name" },
                who
            );
        }
    }
    // Points, from the receipts alone: each side its own, and the
    // settlement the owner's counter made. A side below zero (a counter
    // redeemed the one customer's points offline while the owner undid the
    // merge) is a debt every counter reports.
    let own = |who: Uuid| -> i64 {
        sold.values().filter(|x| x.registration == who).map(|x| x.points(true)).sum::<i64>()
            + adjusted.iter().filter(|x| x.who == who).map(|x| x.points).sum::<i64>()
    };
    let want = [(survivor, own(survivor) - settle), (merged, own(merged) + settle)];
    for (who, points) in want {
        prop_assert_eq!(points_of(s, who), points, "points of {}", who);
        if points < 0 {
            for c in &cs {
                let seen = c.store.sync_anomalies(&c.owner, 1_000).unwrap();
                prop_assert!(
                    seen.iter().any(|x| x.kind == "points_overdrawn" && x.subject == who.to_string()),
                    "the debt of {} is reported: {:?}",
                    who,
                    seen
                );
            }
        }
    }
    Ok(cs)
}

/// The customer's points balance as the ledger's replay derives it (a
/// debt shows below zero, where the card shows zero usable points).
fn points_of(s: &Store, who: Uuid) -> i64 {
    s.points_balances().unwrap().into_iter().find(|(id, _)| *id == who).map_or(0, |(_, b)| b)
}

fn scalar_hex(s: &Store, sql: &str, id: &Uuid) -> String {
    s.reader().query_row(sql, [id.as_bytes()], |r| r.get::<_, String>(0)).unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]
    #[test]
    fn an_undone_merge_gives_each_registration_its_own_history_everywhere(
        before in proptest::collection::vec(op(), 0..40),
        after in proptest::collection::vec(op(), 0..25),
        b_first in any::<bool>(),
    ) {
        run(&before, &after, b_first).map(drop)?;
    }
}

/// The one customer spent, at C, points the merged registration had
/// earned there: the undo moves the points back and settles the survivor's
/// shortfall from them, so neither side is below zero.
#[test]
fn points_the_survivor_spent_from_the_other_registration_are_settled() {
    let ops = [
        Op::Adjust { c: 2, phone: 0, points: 3_000 },
        Op::Sync { c: 0 },
        Op::Sync { c: 2 },
        Op::Adjust { c: 2, phone: 0, points: -2_000 },
        Op::Sync { c: 2 },
    ];
    run(&ops, &[], false).map(drop).unwrap();
}

/// Two counters redeemed the same stamps offline, so the merged customer
/// owes stamps after the sync; the next checkout at either counter must
/// still go through (it once failed as an invalid combination).
#[test]
fn a_stamp_debt_does_not_refuse_the_next_sale() {
    let s = |c, qty| Op::Sale { c, phone: 0, sku: 0, qty };
    let cs = run(
        &[s(0, 3), s(0, 3), s(0, 2)],
        &[
            s(0, 2),
            Op::Sync { c: 1 },
            s(0, 1),
            s(1, 2),
            s(1, 1),
            Op::Sync { c: 1 },
            Op::Sync { c: 0 },
            s(0, 1),
            s(1, 1),
        ],
        false,
    )
    .unwrap();
    // The case is the one it names: the stamps were redeemed twice.
    let seen = cs[0].store.sync_anomalies(&cs[0].owner, 1_000).unwrap();
    assert!(seen.iter().any(|x| x.kind == "stamps_overdrawn"), "{seen:?}");
}

/// An undo the owner cannot do is refused with its reason and changes
/// nothing: a phone another customer has, a malformed phone, a
/// registration that was never merged (or already given back).
#[test]
fn a_refused_undo_changes_nothing() {
    let (_hub, mut cs, ids) = registered_at_both(700);
    let now = at();
    let other = {
        let k = &mut cs[0];
        k.store.add_customer(input("남궁민", "010-1212-3434"), &Viewer::Cashier, now, &mut k.ids).unwrap().id
    };
    let merged = *ids.iter().max_by_key(|id| (id_of(&cs[0].store, SHARED) != Some(**id), **id)).unwrap();
    assert_ne!(Some(merged), id_of(&cs[0].store, SHARED), "the later registration is merged");
    let a = &mut cs[0];
    let owner = a.owner.clone();
    let before = a.store.state_digest().unwrap();
    let outbox = |s: &Store| s.reader().query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0)).unwrap();
    let sent = outbox(&a.store);
    let taken = a.store.undo_merge(&owner, merged, "010-1212-3434", now, &mut a.ids).unwrap_err();
    assert!(
        matches!(&taken, dangol_store::StoreError::Duplicate { customer: Some(c), .. } if *c == other),
        "{taken:?}"
    );
    let bad = a.store.undo_merge(&owner, merged, "010-12", now, &mut a.ids).unwrap_err();
    assert_eq!(bad.kind(), "invalid_phone", "{bad:?}");
    let never = a.store.undo_merge(&owner, other, "010-5656-7878", now, &mut a.ids).unwrap_err();
    assert!(matches!(never, dangol_store::StoreError::NotFound { what: "merged registration", .. }), "{never:?}");
    assert_eq!(a.store.state_digest().unwrap(), before);
    assert_eq!(outbox(&a.store), sent, "nothing recorded to send");

    // A merge made before rows were tagged (an older file, migrated) is
    // not offered, and its undo is refused with the reason.
    a.store.connection().execute("INSERT INTO untracked_merges (merged) VALUES (?1)", [merged.as_bytes()]).unwrap();
    let offered = a.store.sync_anomalies(&owner, 1_000).unwrap();
    assert!(offered.iter().all(|x| x.undoable.is_none()), "{offered:?}");
    let old = a.store.undo_merge(&owner, merged, "010-5656-7878", now, &mut a.ids).unwrap_err();
    assert_eq!(old.kind(), "bad_input", "{old:?}");
    assert_eq!(a.store.state_digest().unwrap(), before);
}

/// A counter that knows of the merge still writes for the merged id (a
/// customer screen left open, an id typed from a receipt): the points
/// correction and the complaint belong to the customer they were written
/// for now, the survivor, at every counter, so an undo afterwards leaves
/// every counter with the same state.
#[test]
fn writes_naming_a_merged_id_belong_to_the_survivor_everywhere() {
    let (mut hub, mut cs, ids) = registered_at_both(800);
    let now = at();
    let survivor = id_of(&cs[0].store, SHARED).unwrap();
    let merged = *ids.iter().find(|id| **id != survivor).unwrap();
    let b = &mut cs[1];
    let owner = b.owner.clone();
    b.store.adjust_balances(&owner, merged, 500, 1, None, "정정", now, &mut b.ids).unwrap();
    b.store
        .add_feedback(merged, dangol_domain::feedback::FeedbackKind::Complaint, "맛", "짰어요", now, &mut b.ids)
        .unwrap();
    sync_all(&mut cs, &mut hub);
    let a = &mut cs[0];
    let owner = a.owner.clone();
    a.store.undo_merge(&owner, merged, OWN, now, &mut a.ids).unwrap();
    sync_all(&mut cs, &mut hub);
    assert_eq!(cs[0].store.state_digest().unwrap(), cs[1].store.state_digest().unwrap());
    assert_eq!(points_of(&cs[1].store, survivor), 500, "the correction stayed with the survivor");
}

/// Two owners undo the same merge at two counters, both offline, giving
/// different phones. Each undo waits for the hub's order; the first there
/// (A's, sent first) is the one every counter keeps, and each tells its
/// owner that the merge was undone twice: the counters agree.
#[test]
fn the_same_merge_undone_at_two_counters_ends_the_same_everywhere() {
    let (mut hub, mut cs, ids) = registered_at_both(900);
    let now = at();
    let survivor = id_of(&cs[0].store, SHARED).unwrap();
    let merged = *ids.iter().find(|id| **id != survivor).unwrap();
    for (k, phone) in cs.iter_mut().zip([OWN, "010-8888-9999"]) {
        let owner = k.owner.clone();
        assert!(k.store.undo_merge(&owner, merged, phone, now, &mut k.ids).unwrap().pending);
    }
    sync_all(&mut cs, &mut hub);
    assert_eq!(cs[0].store.state_digest().unwrap(), cs[1].store.state_digest().unwrap());
    for k in &cs {
        assert_eq!(id_of(&k.store, OWN), Some(merged), "the first undo in the hub's order is kept");
        assert_eq!(id_of(&k.store, "010-8888-9999"), None);
        assert_eq!(id_of(&k.store, SHARED), Some(survivor));
        let seen = k.store.sync_anomalies(&k.owner, 1_000).unwrap();
        assert!(seen.iter().any(|x| x.kind == "merge_undone_twice" && x.subject == merged.to_string()), "{seen:?}");
        assert!(seen.iter().all(|x| x.undoable.is_none() && !x.undo_pending), "{seen:?}");
    }
}

/// The later registration brought a loyalty card; the merge gave it to the
/// survivor, who had none. The undo gives it back, at every counter, also
/// for a merge made by version 9, which recorded no profile to rebuild the
/// survivor from.
#[test]
fn the_merged_registrations_card_goes_back_with_it() {
    for before_v10 in [false, true] {
        let mut hub = SqliteLog::open_in_memory().unwrap();
        let mut cs: Vec<Counter> = (0..2).map(|i| counter(1000 + i)).collect();
        let now = at();
        for k in cs.iter_mut() {
            clock(&mut k.store, now + minutes(1));
        }
        let early = {
            let k = &mut cs[0];
            k.store.add_customer(input("정다운", SHARED), &Viewer::Cashier, now, &mut k.ids).unwrap().id
        };
        let late = {
            let k = &mut cs[1];
            let with_card = dangol_domain::customer::CustomerInput {
                card_code: Some("CARD-70707".into()),
                ..input("정다운", SHARED)
            };
            k.store.add_customer(with_card, &Viewer::Cashier, now + minutes(1), &mut k.ids).unwrap().id
        };
        sync_all(&mut cs, &mut hub);
        assert_eq!(id_of(&cs[0].store, SHARED), Some(early));
        assert_eq!(cs[0].store.state_digest().unwrap(), cs[1].store.state_digest().unwrap(), "one customer, the same");
        assert_eq!(id_of(&cs[0].store, "CARD-70707"), Some(early), "the merge gave the survivor the card");
        if before_v10 {
            for k in cs.iter_mut() {
                k.store.connection().execute("DELETE FROM customer_bases", []).unwrap();
            }
        }
        let a = &mut cs[0];
        let owner = a.owner.clone();
        a.store.undo_merge(&owner, late, OWN, now + minutes(1), &mut a.ids).unwrap();
        sync_all(&mut cs, &mut hub);
        for k in &cs {
            assert_eq!(id_of(&k.store, "CARD-70707"), Some(late), "the card went back with its registration");
            let claims =
                k.store.reader().query_column("SELECT count(*) FROM customers WHERE card_claim IS NOT NULL").unwrap();
            assert_eq!(claims, vec!["1".to_string()], "the survivor claims it no more (before v10: {before_v10})");
        }
        assert_eq!(cs[0].store.state_digest().unwrap(), cs[1].store.state_digest().unwrap());
    }
}

/// What the owner does to points in the expiry property test. Before the
/// merge, counter `c` adds points to the registration it made (0: the
/// survivor, registered first at A; 1: the one given back, at B); after
/// it, A adds and takes points (its writes are the survivor's).
#[derive(Debug, Clone)]
enum PointsOp {
    /// Points added, expiring `minutes` later.
    Earn { c: usize, points: i64, minutes: i64 },
    /// Points taken at A (refused beyond what is usable or what A holds).
    Spend { points: i64 },
    /// The clock moves on.
    Wait { hours: i64 },
}

fn points_op(spends: bool) -> impl Strategy<Value = PointsOp> {
    let spend = if spends { 3 } else { 0 };
    prop_oneof![
        3 => (0..2usize, 1..2_000i64, 30..6_000i64).prop_map(|(c, points, minutes)| PointsOp::Earn { c, points, minutes }),
        spend => (1..2_500i64).prop_map(|points| PointsOp::Spend { points }),
        2 => (1..48i64).prop_map(|hours| PointsOp::Wait { hours }),
    ]
}

type Moment = chrono::DateTime<chrono::Utc>;

/// The reference for points with expiry, written apart from the store: a
/// list of lots, spending from the one that expires first (then the
/// first added), and each side's net: added in its name, less taken in
/// its name, less what expired unused of the lots added in its name.
#[derive(Default)]
struct LotModel {
    /// (side, expires, unspent), in the order A wrote them.
    lots: Vec<(usize, Moment, i64)>,
    net: [i64; 2],
    /// What A may take: what it added less what it took (expiry aside).
    held_a: i64,
}

impl LotModel {
    fn expire(&mut self, now: Moment) {
        for (side, expires, left) in self.lots.iter_mut() {
            if *expires <= now && *left > 0 {
                self.net[*side] -= *left;
                *left = 0;
            }
        }
    }

    fn earn(&mut self, side: usize, points: i64, expires: Moment, by_a: bool) {
        self.lots.push((side, expires, points));
        self.net[side] += points;
        if by_a {
            self.held_a += points;
        }
    }

    /// A takes points in the survivor's name: whether it may; if so, done.
    fn spend(&mut self, points: i64, now: Moment) -> bool {
        self.expire(now);
        if points > self.lots.iter().map(|l| l.2).sum::<i64>() || points > self.held_a {
            return false;
        }
        let mut order: Vec<usize> = (0..self.lots.len()).filter(|&i| self.lots[i].2 > 0).collect();
        order.sort_by_key(|&i| (self.lots[i].1, i));
        let mut left = points;
        for i in order {
            let take = left.min(self.lots[i].2);
            self.lots[i].2 -= take;
            left -= take;
        }
        self.net[0] -= points;
        self.held_a -= points;
        true
    }
}

/// A customer's points as the store keeps them.
fn book_of(s: &Store, who: Uuid) -> dangol_domain::points::PointsBook {
    s.points_book(who).unwrap()
}

/// At every counter, each customer's book agrees with itself at `when`:
/// what is available is what its lots hold (no hidden debt), and no lot is
/// below zero.
fn books_whole(cs: &[Counter], whos: [Uuid; 2], when: Moment) {
    for k in cs {
        for who in whos {
            let book = book_of(&k.store, who);
            assert_eq!(book.available(when), book.usable_total(when), "{who}: {:?}", book.lots());
            assert!(book.lots().iter().all(|l| l.remaining >= 0), "{who}: {:?}", book.lots());
        }
    }
}

/// Two counters, not yet synced, each registering the shared phone a
/// minute apart (A first, so A's registration survives the merge): the
/// hub, the counters, the two ids in the counters' order, and the clock
/// after them.
fn registered_offline(seed: u64) -> (SqliteLog, Vec<Counter>, Vec<Uuid>, Moment) {
    let hub = SqliteLog::open_in_memory().unwrap();
    let mut cs: Vec<Counter> = (0..2).map(|i| counter(seed + i)).collect();
    let mut now = at();
    let mut sides = Vec::new();
    for k in cs.iter_mut() {
        clock(&mut k.store, now);
        sides.push(k.store.add_customer(input("정다운", SHARED), &Viewer::Cashier, now, &mut k.ids).unwrap().id);
        now += minutes(1);
    }
    (hub, cs, sides, now)
}

/// Each registration earns points that expire, offline at its own
/// counter; sync merges them; A takes points (drawn from the lots that
/// expire first, whoever earned them) and time passes; the owner undoes
/// the merge. The settlement counts only what is usable at the undo:
/// points that expired unused (swept or not) are not moved, so neither
/// side owes points it never had, neither receives points that had
/// expired, and together they hold what the one customer could use.
/// Checked against `LotModel` at both counters.
fn settles_only_usable_points(before: &[PointsOp], after: &[PointsOp]) -> Result<(), TestCaseError> {
    let (mut hub, mut cs, sides, mut now) = registered_offline(1100);
    // A's book holds its own lots first, then B's as the merge brings them.
    let mut earned: [Vec<(Moment, i64)>; 2] = [Vec::new(), Vec::new()];
    let mut model = LotModel::default();
    let mut serial = 0;
    for (phase, ops) in [before, after].into_iter().enumerate() {
        if phase == 1 {
            for (c, lots) in earned.iter().enumerate() {
                for &(expires, points) in lots {
                    model.earn(c, points, expires, c == 0);
                }
            }
            sync_all(&mut cs, &mut hub);
            prop_assert_eq!(id_of(&cs[0].store, SHARED), Some(sides[0]), "A's registration came first");
        }
        for op in ops {
            now += minutes(1);
            if let PointsOp::Wait { hours } = op {
                now += chrono::Duration::hours(*hours);
                continue;
            }
            for k in cs.iter_mut() {
                clock(&mut k.store, now);
            }
            match *op {
                PointsOp::Earn { c, points, minutes: m } => {
                    // After the merge, only A writes (for the survivor).
                    let c = if phase == 0 { c } else { 0 };
                    // No two lots expire at the same instant: counters
                    // break such ties by their own row ids.
                    serial += 1;
                    let expires = now + minutes(m) + chrono::Duration::seconds(serial);
                    let k = &mut cs[c];
                    let owner = k.owner.clone();
                    k.store
                        .adjust_balances(&owner, sides[c], points, 0, Some(expires), "적립", now, &mut k.ids)
                        .map_err(|e| TestCaseError::fail(format!("{op:?}: {e}")))?;
                    if phase == 0 {
                        earned[c].push((expires, points));
                    } else {
                        model.earn(0, points, expires, true);
                    }
                }
                PointsOp::Spend { points } => {
                    let a = &mut cs[0];
                    let owner = a.owner.clone();
                    let done = a.store.adjust_balances(&owner, sides[0], -points, 0, None, "사용", now, &mut a.ids);
                    prop_assert_eq!(done.is_ok(), model.spend(points, now), "{:?}: {:?}", op, done);
                }
                PointsOp::Wait { .. } => unreachable!(),
            }
        }
    }
    now += minutes(1);
    for k in cs.iter_mut() {
        clock(&mut k.store, now);
    }
    let a = &mut cs[0];
    let owner = a.owner.clone();
    a.store.undo_merge(&owner, sides[1], OWN, now, &mut a.ids).unwrap();
    sync_all(&mut cs, &mut hub);
    model.expire(now);
    let moved = expected_settlement(model.net[0], model.net[1]);
    let want = [model.net[0] - moved, model.net[1] + moved];
    prop_assert!(want[0] >= 0 && want[1] >= 0, "the model: {:?}", want);
    for k in &cs {
        for (side, who) in sides.iter().enumerate() {
            let book = book_of(&k.store, *who);
            prop_assert_eq!(book.available(now), want[side], "side {}: what is left after expiry", side);
            prop_assert_eq!(book.usable_total(now), want[side], "side {}: usable, with no debt", side);
        }
        let seen = k.store.sync_anomalies(&k.owner, 1_000).unwrap();
        prop_assert!(seen.iter().all(|x| x.kind != "points_overdrawn"), "{:?}", seen);
    }
    prop_assert_eq!(cs[0].store.state_digest().unwrap(), cs[1].store.state_digest().unwrap());
    // Once every lot has expired, each side's book still agrees with
    // itself (no lot below zero, no hidden debt) and with the other
    // counter's.
    let end = now + days(5);
    for (side, who) in sides.iter().enumerate() {
        let at_each: Vec<(i64, i64)> = cs
            .iter()
            .map(|k| {
                let book = book_of(&k.store, *who);
                (book.available(end), book.usable_total(end))
            })
            .collect();
        for (available, usable) in &at_each {
            prop_assert_eq!(available, usable, "side {}: after expiry", side);
            prop_assert!(*available >= 0, "side {}: {} after expiry", side, available);
        }
        prop_assert_eq!(at_each[0], at_each[1], "side {}: A and B after expiry", side);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn an_undo_settles_only_points_usable_at_its_moment(
        before in proptest::collection::vec(points_op(false), 0..12),
        after in proptest::collection::vec(points_op(true), 0..20),
    ) {
        settles_only_usable_points(&before, &after)?;
    }
}

/// The merged registration's sale, made at B before the merge, redeemed
/// points and was refunded there; at A, where the survivor's lot expires
/// first, the sale drew that lot and the refund gave the points back to
/// it, and then the survivor spent the lot to nothing. The
/// undo squares the sale's entries net (nothing taken), so the lot stays
/// at zero: each side can use exactly its balance, at both counters.
#[test]
fn a_refund_before_the_undo_squares_with_its_sale() {
    let (mut hub, mut cs, sides, mut now) = registered_offline(1300);
    for k in cs.iter_mut() {
        clock(&mut k.store, now);
    }
    let (x, y) = (sides[0], sides[1]);
    let a = &mut cs[0];
    let owner = a.owner.clone();
    a.store.adjust_balances(&owner, x, 5_000, 0, Some(now + days(10)), "적립", now, &mut a.ids).unwrap();
    let b = &mut cs[1];
    let owner = b.owner.clone();
    b.store.adjust_balances(&owner, y, 5_000, 0, Some(now + days(30)), "적립", now, &mut b.ids).unwrap();
    let lines = [("CAKE", 1)];
    // Points only: the other discounts the cart qualifies for are dismissed.
    let eligible = preview(&b.store, y, &lines, now).eligible;
    let decision = dangol_domain::gate::Decision {
        apply: vec!["points".into()],
        dismiss: eligible
            .iter()
            .filter(|d| d.rule_id != "points")
            .map(|d| (d.rule_id.clone(), "손님 요청".into()))
            .collect(),
    };
    let sale = b.store.checkout(&checkout_req(y, &lines, decision, now), None, &mut b.ids).unwrap();
    assert!(sale.points_redeemed > 0, "{sale:?}");
    b.store.owner_refund(sale.sale_id, "손님 변심", now, &mut b.ids).unwrap();
    sync_all(&mut cs, &mut hub);
    assert_eq!(id_of(&cs[0].store, SHARED), Some(x));
    now += minutes(1);
    for k in cs.iter_mut() {
        clock(&mut k.store, now);
    }
    // B, where the last visit was, holds the points now.
    let b = &mut cs[1];
    let owner = b.owner.clone();
    b.store.adjust_balances(&owner, x, -5_000, 0, None, "사용", now, &mut b.ids).unwrap();
    sync_all(&mut cs, &mut hub);
    let a = &mut cs[0];
    let owner = a.owner.clone();
    a.store.undo_merge(&owner, y, OWN, now, &mut a.ids).unwrap();
    sync_all(&mut cs, &mut hub);
    for k in &cs {
        for (who, want) in [(x, 0), (y, 5_000)] {
            let book = book_of(&k.store, who);
            assert_eq!((book.available(now), book.usable_total(now)), (want, want), "{who}");
            assert!(book.lots().iter().all(|l| l.remaining >= 0), "{:?}", book.lots());
        }
    }
    assert_eq!(cs[0].store.state_digest().unwrap(), cs[1].store.state_digest().unwrap());
}

/// The owner at `k` adds (expiring at `expires`) or takes points, at `when`.
fn adjust_on(k: &mut Counter, who: Uuid, points: i64, expires: Option<Moment>, when: Moment) {
    clock(&mut k.store, when);
    let owner = k.owner.clone();
    k.store.adjust_balances(&owner, who, points, 0, expires, "조정", when, &mut k.ids).unwrap();
}

/// The squaring runs both ways with one date, after every entry either
/// side holds. Here A spends in the survivor's name on day 1 from the
/// merged registration's lot (it expires first); the owner asks for the
/// undo on day 20, offline; B, which never heard of the merge, redeems in
/// the merged registration's name on day 30 and reaches the hub first, so
/// at A that redemption draws the survivor's lot and the undo applies
/// after it. Squared on day 20 one way and day 30 the other, the
/// survivor's payment named a lot opened ten days later, and replaying its
/// book left a lot below zero (usable 100 with a balance of 0).
#[test]
fn an_undo_applied_after_later_entries_squares_after_them() {
    let (mut hub, mut cs, sides, now) = registered_offline(1400);
    let (x, y) = (sides[0], sides[1]);
    let day = |d: i64| now + days(d);
    let adjust = |k: &mut Counter, who: Uuid, points: i64, expires: Option<i64>, when| {
        adjust_on(k, who, points, expires.map(day), when)
    };
    adjust(&mut cs[0], x, 100, Some(100), day(0));
    adjust(&mut cs[1], y, 100, Some(50), day(0));
    sync_round(&mut cs[1], &mut hub);
    sync_round(&mut cs[0], &mut hub);
    adjust(&mut cs[0], x, -100, None, day(1));
    let a = &mut cs[0];
    clock(&mut a.store, day(20));
    let owner = a.owner.clone();
    assert!(a.store.undo_merge(&owner, y, OWN, day(20), &mut a.ids).unwrap().pending);
    adjust(&mut cs[1], y, -100, None, day(30));
    sync_round(&mut cs[1], &mut hub);
    clock(&mut cs[0].store, day(31));
    sync_all(&mut cs, &mut hub);
    books_whole(&cs, [x, y], day(31));
    assert_eq!(cs[0].store.state_digest().unwrap(), cs[1].store.state_digest().unwrap());
}

/// An undo is worked out from the entries placed before it in the hub's
/// order. A spends in the survivor's name on day 1 from the merged
/// registration's lot (it expires first); the owner undoes the merge on
/// day 20; B, before it hears of the undo, adds 50 points to the survivor
/// on day 25, expiring on day 30, and only then syncs: its entry reaches
/// the hub after the undo. Had B worked the squaring out with its own
/// entry (dating it after day 25), the survivor's payment would have taken
/// those 50 there and the 100 expiring on day 100 at A: the counters held
/// the same balances but different lots.
#[test]
fn an_undo_leaves_out_what_the_applying_counter_wrote_after_its_place() {
    let (mut hub, mut cs, sides, now) = registered_offline(1450);
    let (x, y) = (sides[0], sides[1]);
    let day = |d: i64| now + days(d);
    adjust_on(&mut cs[0], x, 100, Some(day(100)), day(0));
    adjust_on(&mut cs[1], y, 100, Some(day(50)), day(0));
    sync_round(&mut cs[1], &mut hub);
    sync_round(&mut cs[0], &mut hub);
    adjust_on(&mut cs[0], x, -100, None, day(1));
    sync_round(&mut cs[0], &mut hub);
    sync_round(&mut cs[1], &mut hub);
    let a = &mut cs[0];
    clock(&mut a.store, day(20));
    let owner = a.owner.clone();
    assert!(a.store.undo_merge(&owner, y, OWN, day(20), &mut a.ids).unwrap().pending);
    sync_round(&mut cs[0], &mut hub);
    adjust_on(&mut cs[1], x, 50, Some(day(30)), day(25));
    sync_round(&mut cs[1], &mut hub);
    clock(&mut cs[0].store, day(26));
    sync_all(&mut cs, &mut hub);
    books_whole(&cs, [x, y], day(26));
    for who in [x, y] {
        let lots = |k: &Counter| {
            let book = book_of(&k.store, who);
            book.lots().iter().map(|l| (l.opened_at, l.expires_at, l.remaining, l.expired)).collect::<Vec<_>>()
        };
        assert_eq!(lots(&cs[0]), lots(&cs[1]), "{who}: the same lots at A and B");
    }
    assert_eq!(cs[0].store.state_digest().unwrap(), cs[1].store.state_digest().unwrap());
}

/// A squared redemption is never drawn again. A spends in the survivor's
/// name on day 1 from the merged registration's lot (it expires first);
/// the owner undoes the merge on day 20 and A applies it at once, while B
/// had already added points to the survivor on day 0, expiring on day 15,
/// that A learns of only afterwards. Had the redemption been redrawn on
/// replay, it would have taken B's points at A (so they never expire
/// there) but not at B: the counters parted by 100 points.
#[test]
fn a_lot_learned_after_the_undo_does_not_redraw_a_squared_redemption() {
    let (mut hub, mut cs, sides, now) = registered_offline(1500);
    let (x, y) = (sides[0], sides[1]);
    let day = |d: i64| now + days(d);
    let adjust = |k: &mut Counter, who: Uuid, points: i64, expires: Option<i64>, when| {
        adjust_on(k, who, points, expires.map(day), when)
    };
    adjust(&mut cs[0], x, 100, None, day(0));
    adjust(&mut cs[1], y, 100, Some(10), day(0));
    sync_all(&mut cs, &mut hub);
    adjust(&mut cs[1], x, 100, Some(15), day(0));
    adjust(&mut cs[0], x, -100, None, day(1));
    let a = &mut cs[0];
    clock(&mut a.store, day(20));
    let owner = a.owner.clone();
    a.store.undo_merge(&owner, y, OWN, day(20), &mut a.ids).unwrap();
    sync_round(&mut cs[0], &mut hub);
    clock(&mut cs[1].store, day(21));
    clock(&mut cs[0].store, day(21));
    sync_all(&mut cs, &mut hub);
    books_whole(&cs, [x, y], day(21));
    for k in &cs {
        assert_eq!(book_of(&k.store, x).available(day(21)), 0, "B's points expired on day 15 at both");
        assert_eq!(book_of(&k.store, y).available(day(21)), 100, "repaid what the survivor took");
    }
    // Expiry is derived, so A agrees although it learned of B's lot after
    // its last write.
    assert_eq!(cs[0].store.state_digest().unwrap(), cs[1].store.state_digest().unwrap());
}

/// Which entries the undo squares is read from the one customer's replay,
/// not from the lot an entry named when written. B takes 100 in the
/// survivor's name on day 10, knowing only the merged registration's lot
/// (expiring on day 50), so its entry names that lot; A had added 100 in
/// the survivor's name on day 5 (expiring on day 40) offline, and once
/// each counter holds both, the replay draws the 100 from A's lot (it
/// expires first). The owner undoes the merge on day 60: nothing crossed, so
/// nothing is squared, and both sides are at 0 (each lot spent or
/// expired). Squared by the named lot, the survivor owed 100 and the
/// other side was repaid 100 it never lost.
#[test]
fn an_undo_squares_what_the_replay_drew_not_what_an_entry_named() {
    let (mut hub, mut cs, sides, now) = registered_offline(1600);
    let (x, y) = (sides[0], sides[1]);
    let day = |d: i64| now + days(d);
    adjust_on(&mut cs[1], y, 100, Some(day(50)), day(0));
    sync_all(&mut cs, &mut hub);
    adjust_on(&mut cs[0], x, 100, Some(day(40)), day(5));
    adjust_on(&mut cs[1], x, -100, None, day(10));
    for i in [1, 0, 1] {
        sync_round(&mut cs[i], &mut hub);
    }
    let a = &mut cs[0];
    clock(&mut a.store, day(60));
    let owner = a.owner.clone();
    a.store.undo_merge(&owner, y, OWN, day(60), &mut a.ids).unwrap();
    for k in cs.iter_mut() {
        clock(&mut k.store, day(61));
    }
    sync_all(&mut cs, &mut hub);
    for k in &cs {
        for who in [x, y] {
            let book = book_of(&k.store, who);
            assert_eq!((book.available(day(61)), book.usable_total(day(61))), (0, 0), "{who}: {:?}", book.lots());
        }
        let seen = k.store.sync_anomalies(&k.owner, 1_000).unwrap();
        assert!(seen.iter().all(|x| x.kind != "points_overdrawn"), "{seen:?}");
    }
    assert_eq!(cs[0].store.state_digest().unwrap(), cs[1].store.state_digest().unwrap());
}

/// A merge made by version 9 (no profile recorded to rebuild the survivor
/// from): the survivor kept its own card, the merged registration's card
/// waited with it. Offline, one owner gives the survivor that card by an
/// import while another undoes the merge, placed first: the edit, later
/// than any registration's own card, holds it at every counter, whichever
/// came first where. (Found by a fresh-eyes review.)
#[test]
fn an_edit_giving_the_survivor_the_card_an_old_undo_gives_back_holds_it_everywhere() {
    let mut hub = SqliteLog::open_in_memory().unwrap();
    let mut cs: Vec<Counter> = (0..2).map(|i| counter(1100 + i)).collect();
    let now = at();
    for k in cs.iter_mut() {
        clock(&mut k.store, now + minutes(1));
    }
    let with_card = |code: &str| dangol_domain::customer::CustomerInput {
        card_code: Some(code.into()),
        ..input("정다운", SHARED)
    };
    let early = {
        let k = &mut cs[0];
        k.store.add_customer(with_card("CARD-11111"), &Viewer::Cashier, now, &mut k.ids).unwrap().id
    };
    let late = {
        let k = &mut cs[1];
        k.store.add_customer(with_card("CARD-22222"), &Viewer::Cashier, now + minutes(1), &mut k.ids).unwrap().id
    };
    sync_all(&mut cs, &mut hub);
    assert_eq!(id_of(&cs[0].store, "CARD-11111"), Some(early), "the survivor kept its own card");
    for k in cs.iter_mut() {
        k.store.connection().execute("DELETE FROM customer_bases", []).unwrap();
    }
    let later = now + minutes(2);
    let b = &mut cs[1];
    let owner = b.owner.clone();
    b.store.undo_merge(&owner, late, OWN, later, &mut b.ids).unwrap();
    let a = &mut cs[0];
    a.store
        .owner_import_customers(
            format!("name,phone,card_code\n정다운,{SHARED},CARD-22222\n").as_bytes(),
            later,
            &mut a.ids,
        )
        .unwrap();
    // The undo reaches the hub first.
    let (first, second) = cs.split_at_mut(1);
    for _ in 0..2 {
        sync_round(&mut second[0], &mut hub);
        sync_round(&mut first[0], &mut hub);
    }
    for k in &cs {
        assert_eq!(id_of(&k.store, "CARD-22222"), Some(early), "the edit holds the card");
    }
    assert_eq!(cs[0].store.state_digest().unwrap(), cs[1].store.state_digest().unwrap());
}

//! Profile edits at three counters whose clocks disagree by up to ten
//! minutes, synced in a generated order: each field is a register ordered
//! by a hybrid logical clock. Checked against the run's own record of who
//! saw what (an independent causality model, not the clock):
//! - every counter ends with the same profile;
//! - a field's final value is never one that a later edit had seen and
//!   replaced (an edit made after seeing another wins, even from a counter
//!   whose clock is behind: plain last-writer-by-wall-clock fails this);
//! - every edit that lost to a concurrent one is kept, with its value, as
//!   an anomaly at the counter whose edit won.

mod common;

use common::*;
use dangol_domain::customer::CustomerPatch;
use dangol_domain::ids::SeededIds;
use dangol_hub::{EventLog, PushedEvent, SqliteLog};
use dangol_store::sync::IncomingEvent;
use dangol_store::{Owner, Store, Viewer};
use proptest::prelude::*;
use std::collections::BTreeSet;
use uuid::Uuid;

struct Counter {
    store: Store,
    ids: SeededIds,
    owner: Owner,
    skew: chrono::Duration,
    /// The edits this counter has made or received.
    seen: BTreeSet<usize>,
    /// Its own edits not yet at the hub.
    unsent: BTreeSet<usize>,
}

fn sync(c: &mut Counter, hub: &mut SqliteLog, at_hub: &mut BTreeSet<usize>) {
    let device = c.store.device();
    let out: Vec<PushedEvent> = c.store.sync_outgoing(10_000).unwrap().into_iter().map(to_hub).collect();
    if !out.is_empty() {
        let ack = hub.push(device, &out).unwrap();
        c.store.sync_acked(ack.acked_seq).unwrap();
    }
    at_hub.append(&mut c.unsent);
    let after = c.store.sync_status().unwrap().pulled_pos;
    let page: Vec<IncomingEvent> = hub.pull(after, 10_000, Some(device)).unwrap().into_iter().map(from_hub).collect();
    c.store.sync_apply(&page).unwrap();
    c.seen.extend(at_hub.iter().copied());
}

/// Three joined counters of one shop, their clocks `skews` minutes off.
fn counters(seed: u64, skews: [i64; 3]) -> Vec<Counter> {
    (0..3)
        .map(|i| {
            let (mut store, mut ids) = shop_seeded(&all_rule_ids(), seed + i as u64);
            let owner = owner(&mut store, &mut ids);
            store.sync_identity("http://hub.test", || format!("token-{i:034}")).unwrap();
            store.sync_joined(0).unwrap();
            Counter { store, ids, owner, skew: minutes(skews[i]), seen: BTreeSet::new(), unsent: BTreeSet::new() }
        })
        .collect()
}

const FIELDS: [&str; 3] = ["preferred_name", "notes", "tags"];

#[derive(Debug, Clone)]
enum Op {
    Edit { c: usize, field: usize },
    Sync { c: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..3usize, 0..FIELDS.len()).prop_map(|(c, field)| Op::Edit { c, field }),
        2 => (0..3usize).prop_map(|c| Op::Sync { c }),
    ]
}

/// An edit: which counter, which field, the value (unique per edit) and
/// the edits of that field it had seen.
struct Edit {
    c: usize,
    field: usize,
    value: serde_json::Value,
    saw: BTreeSet<usize>,
}

fn patch(field: usize, value: &str) -> CustomerPatch {
    match FIELDS[field] {
        "preferred_name" => CustomerPatch { preferred_name: Some(value.into()), ..Default::default() },
        "notes" => CustomerPatch { notes: Some(value.into()), ..Default::default() },
        _ => CustomerPatch { tags: Some(vec![value.into()]), ..Default::default() },
    }
}

fn field_value(store: &Store, who: Uuid, field: usize) -> serde_json::Value {
    let p = store.profile(who, store.now(), &Viewer::Cashier).unwrap();
    match FIELDS[field] {
        "preferred_name" => serde_json::json!(p.preferred_name),
        "notes" => serde_json::json!(p.notes),
        _ => serde_json::json!(p.tags),
    }
}

fn run(skews: [i64; 3], ops: &[Op]) -> Result<(), TestCaseError> {
    let mut hub = SqliteLog::open_in_memory().unwrap();
    let mut at_hub = BTreeSet::new();
    let mut cs = counters(300, skews);
    let mut t = at();
    let set_clocks = |cs: &mut Vec<Counter>, t| {
        for c in cs.iter_mut() {
            clock(&mut c.store, t + c.skew);
        }
    };
    set_clocks(&mut cs, t);
    let now0 = t + cs[0].skew;
    let who = {
        let k = &mut cs[0];
        k.store.add_customer(input("한결", "010-4444-0001"), &Viewer::Cashier, now0, &mut k.ids).unwrap().id
    };
    for c in cs.iter_mut() {
        sync(c, &mut hub, &mut at_hub);
    }
    // Every counter's clock, however skewed, is past the registration.
    t += minutes(30);
    let mut edits: Vec<Edit> = Vec::new();
    for op in ops {
        t += minutes(1);
        set_clocks(&mut cs, t);
        match op {
            Op::Edit { c, field } => {
                let n = edits.len();
                let value = format!("w{n}");
                let k = &mut cs[*c];
                let now = t + k.skew;
                k.store.edit_customer(who, patch(*field, &value), &Viewer::Cashier, now, &mut k.ids).unwrap();
                let saw: BTreeSet<usize> = k.seen.iter().copied().filter(|e| edits[*e].field == *field).collect();
                let stored = field_value(&k.store, who, *field);
                edits.push(Edit { c: *c, field: *field, value: stored, saw });
                k.seen.insert(n);
                k.unsent.insert(n);
            }
            Op::Sync { c } => sync(&mut cs[*c], &mut hub, &mut at_hub),
        }
    }
    for _ in 0..2 {
        for c in cs.iter_mut() {
            sync(c, &mut hub, &mut at_hub);
        }
    }
    let digests: BTreeSet<String> = cs.iter().map(|c| c.store.state_digest().unwrap()).collect();
    prop_assert_eq!(digests.len(), 1, "every counter ends with the same profile");
    for (field, name) in FIELDS.iter().enumerate() {
        let of_field: Vec<usize> = (0..edits.len()).filter(|e| edits[*e].field == field).collect();
        if of_field.is_empty() {
            continue;
        }
        let last = field_value(&cs[0].store, who, field);
        let winner = *of_field.iter().find(|e| edits[**e].value == last).expect("the final value is an edit's");
        // Never a value a later edit had seen and replaced.
        for e in &of_field {
            prop_assert!(
                !edits[*e].saw.contains(&winner),
                "{} ended as edit {} although edit {} saw and replaced it",
                name,
                winner,
                e
            );
        }
        // Every concurrent loser is kept at the winner's counter.
        let w = &cs[edits[winner].c];
        let kept: Vec<serde_json::Value> = w
            .store
            .sync_anomalies(&w.owner, 10_000)
            .unwrap()
            .into_iter()
            .filter(|x| x.kind == "profile_field_superseded" && x.detail["field"] == *name)
            .map(|x| x.detail["lost"].clone())
            .collect();
        for e in of_field.iter().filter(|e| **e != winner && !edits[winner].saw.contains(e)) {
            prop_assert!(
                kept.contains(&edits[*e].value),
                "edit {} ({}) lost to {} and is not kept: {:?}",
                e,
                edits[*e].value,
                winner,
                kept
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_later_edit_wins_each_field_whatever_the_clocks_and_the_loser_is_kept(
        skews in [-10..=10i64, -10..=10i64, -10..=10i64],
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        run(skews, &ops)?;
    }
}

#[test]
fn an_edit_names_only_what_changed_and_a_tier_is_the_owners() {
    let (mut s, mut ids) = shop_seeded(&all_rule_ids(), 7);
    let who = s.add_customer(input("한결", "010-4444-0002"), &Viewer::Cashier, at(), &mut ids).unwrap().id;
    let before = s.outbox_stats().unwrap().1;
    s.edit_customer(
        who,
        CustomerPatch { notes: Some("우유 빼고".into()), ..Default::default() },
        &Viewer::Cashier,
        at(),
        &mut ids,
    )
    .unwrap();
    let events = s.outbox_after(before, 10).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].payload["fields"], serde_json::json!({"notes": "우유 빼고"}));
    s.edit_customer(
        who,
        CustomerPatch { notes: Some("우유 빼고".into()), ..Default::default() },
        &Viewer::Cashier,
        at(),
        &mut ids,
    )
    .unwrap();
    assert_eq!(s.outbox_stats().unwrap().1, before + 1, "nothing changed, nothing written");
    let err = s
        .edit_customer(
            who,
            CustomerPatch { tier: Some("gold".into()), ..Default::default() },
            &Viewer::Cashier,
            at(),
            &mut ids,
        )
        .unwrap_err();
    assert_eq!(err.kind(), "owner_required");
    let err = s
        .edit_customer(
            who,
            CustomerPatch { name: Some(" ".into()), ..Default::default() },
            &Viewer::Cashier,
            at(),
            &mut ids,
        )
        .unwrap_err();
    assert_eq!(err.kind(), "invalid_field", "{err}");
}

/// Two registrations of one phone, one of them edited before sync merges
/// them: every counter must end with the same profile, whichever
/// registration it held first. P registers M and edits its notes; Q, offline,
/// registered S a minute earlier (so S survives); X only follows the hub.
#[test]
fn an_edit_of_a_registration_merged_later_ends_the_same_at_every_counter() {
    let mut hub = SqliteLog::open_in_memory().unwrap();
    let mut at_hub = BTreeSet::new();
    let mut cs = counters(900, [0, 0, 0]);
    let t = at();
    for c in cs.iter_mut() {
        clock(&mut c.store, t + minutes(5));
    }
    let q = &mut cs[1];
    q.store.add_customer(input("한결", "010-4444-0002"), &Viewer::Cashier, t, &mut q.ids).unwrap();
    let p = &mut cs[0];
    let m =
        p.store.add_customer(input("한결", "010-4444-0002"), &Viewer::Cashier, t + minutes(1), &mut p.ids).unwrap().id;
    p.store.edit_customer(m, patch(1, "M's note"), &Viewer::Cashier, t + minutes(2), &mut p.ids).unwrap();
    // P reaches the hub first, then Q; X follows.
    for c in [0, 1, 2, 0, 1, 2] {
        sync(&mut cs[c], &mut hub, &mut at_hub);
    }
    let notes: Vec<String> =
        cs.iter().map(|c| c.store.profile(m, c.store.now(), &Viewer::Cashier).unwrap().notes).collect();
    let digests: BTreeSet<String> = cs.iter().map(|c| c.store.state_digest().unwrap()).collect();
    assert_eq!(digests.len(), 1, "every counter ends with the same profile; notes: {notes:?}");
}

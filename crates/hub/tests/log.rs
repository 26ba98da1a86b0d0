//! The hub's log against a separately written model, with generated pushes
//! as an unreliable network delivers them: retries, duplicates, batches out
//! of order, gaps, rewritten histories and reused event ids. Checked after
//! every push: the answer (acked or the error) is the model's; and at the
//! end: every accepted event is held exactly once, none is missing inside
//! a device's acknowledged range, positions grow in the order events were
//! accepted, and paging through `pull` gives the same sequence.

use dangol_hub::cluster::TempCluster;
use dangol_hub::{EventLog, HubError, HubEvent, PgLog, PushedEvent, SqliteLog};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::collections::BTreeMap;
use uuid::Uuid;

const DEVICES: u128 = 3;
const EVENTS: i64 = 12;

/// The true event `seq` of `device` (what a healthy counter always sends).
fn event(device: u128, seq: i64) -> PushedEvent {
    PushedEvent {
        seq,
        event_id: Uuid::from_u128(device << 64 | seq as u128),
        at_ms: 1_700_000_000_000 + seq * 1_000,
        kind: "customer.created".into(),
        schema_version: 1,
        payload: format!("{{\"device\":{device},\"seq\":{seq}}}"),
    }
}

fn device(d: u128) -> Uuid {
    Uuid::from_u128(0xD0 + d)
}

#[derive(Debug, Clone)]
enum Op {
    /// Push the device's events `from..=to`, in this order of the batch.
    Push { device: u128, from: i64, to: i64, reverse: bool, repeat_first: bool },
    /// Push a rewritten event `seq` (same seq, other content).
    Rewrite { device: u128, seq: i64 },
    /// Push the next event under an event id another event already has.
    StealId { device: u128, from_device: u128 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..DEVICES, 1..=EVENTS, 0..4i64, any::<bool>(), any::<bool>()).prop_map(|(device, from, len, reverse, repeat_first)| Op::Push {
            device,
            from,
            to: (from + len).min(EVENTS),
            reverse,
            repeat_first
        }),
        1 => (0..DEVICES, 1..=EVENTS).prop_map(|(device, seq)| Op::Rewrite { device, seq }),
        1 => (0..DEVICES, 0..DEVICES).prop_map(|(device, from_device)| Op::StealId { device, from_device }),
    ]
}

/// What the model says a push answers.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    Acked(i64),
    Gap(i64),
    Rewritten,
    EventIdReused,
}

fn answer(r: Result<dangol_hub::PushAck, HubError>) -> Answer {
    match r {
        Ok(a) => Answer::Acked(a.acked_seq),
        Err(HubError::Gap { acked_seq, .. }) => Answer::Gap(acked_seq),
        Err(HubError::Rewritten { .. }) => Answer::Rewritten,
        Err(HubError::EventIdReused { .. }) => Answer::EventIdReused,
        Err(e) => panic!("unexpected {e}"),
    }
}

/// Runs `ops` against `log` and checks it against the model.
fn check_against_model(log: &mut dyn EventLog, ops: &[Op]) -> Result<(), TestCaseError> {
    // The model: per device, the acknowledged sequence; and the order in
    // which events were accepted.
    let mut acked: BTreeMap<u128, i64> = BTreeMap::new();
    let mut accepted: Vec<(u128, i64)> = Vec::new();
    // Events held in their rewritten form (accepted as the next event).
    let mut rewritten: std::collections::BTreeSet<(u128, i64)> = Default::default();
    for op in ops {
        let (d, batch, want) = match op {
            Op::Push { device: d, from, to, reverse, repeat_first } => {
                let mut batch: Vec<PushedEvent> = (*from..=*to).map(|s| event(*d, s)).collect();
                if *reverse {
                    batch.reverse();
                }
                if *repeat_first {
                    batch.push(batch[0].clone());
                }
                let a = acked.get(d).copied().unwrap_or(0);
                let want = if *from > a + 1 {
                    Answer::Gap(a)
                } else if (*from..=(*to).min(a)).any(|s| rewritten.contains(&(*d, s))) {
                    Answer::Rewritten
                } else {
                    Answer::Acked(a.max(*to))
                };
                (*d, batch, want)
            }
            Op::Rewrite { device: d, seq } => {
                let mut e = event(*d, *seq);
                e.payload.push(' ');
                let a = acked.get(d).copied().unwrap_or(0);
                let want = if *seq <= a && rewritten.contains(&(*d, *seq)) {
                    Answer::Acked(a)
                } else if *seq <= a {
                    Answer::Rewritten
                } else if *seq == a + 1 {
                    rewritten.insert((*d, *seq));
                    Answer::Acked(a + 1)
                } else {
                    Answer::Gap(a)
                };
                (*d, vec![e], want)
            }
            Op::StealId { device: d, from_device } => {
                let a = acked.get(d).copied().unwrap_or(0);
                if a + 1 > EVENTS {
                    continue;
                }
                let mut e = event(*d, a + 1);
                let victim = acked.get(from_device).copied().unwrap_or(0);
                if victim == 0 {
                    continue;
                }
                e.event_id = event(*from_device, 1).event_id;
                (*d, vec![e], Answer::EventIdReused)
            }
        };
        let got = answer(log.push(device(d), &batch));
        prop_assert_eq!(&got, &want, "{:?}", op);
        if let Answer::Acked(n) = want {
            let a = acked.entry(d).or_insert(0);
            for s in *a + 1..=n {
                accepted.push((d, s));
            }
            *a = n;
        }
        prop_assert_eq!(log.acked(device(d)).unwrap(), acked.get(&d).copied().unwrap_or(0));
    }
    // Everything accepted is held once, in the order accepted.
    let all = log.pull(0, 10_000, None).unwrap();
    let held: Vec<(u128, i64)> = all.iter().map(|e| (e.device.as_u128() - 0xD0, e.event.seq)).collect();
    prop_assert_eq!(&held, &accepted);
    prop_assert!(all.windows(2).all(|w| w[0].pos < w[1].pos));
    // Paging with a cursor gives the same sequence; a device's own are left out.
    let mut paged = Vec::new();
    let mut cursor = 0;
    loop {
        let page = log.pull(cursor, 5, None).unwrap();
        if page.is_empty() {
            break;
        }
        cursor = page.last().unwrap().pos;
        paged.extend(page);
    }
    prop_assert_eq!(&paged, &all);
    // A counter's own events come back in their places, as markers.
    let pulled = log.pull(0, 10_000, Some(device(0))).unwrap();
    let places = |v: &[HubEvent]| v.iter().map(|e| (e.pos, e.device, e.event.seq)).collect::<Vec<_>>();
    prop_assert_eq!(places(&pulled), places(&all));
    for (got, held) in pulled.iter().zip(&all) {
        let own = held.device == device(0) && !dangol_hub::ORDERED_KINDS.contains(&held.event.kind.as_str());
        prop_assert_eq!(&got.event.payload, if own { "" } else { held.event.payload.as_str() });
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_sqlite_log_matches_the_model_under_any_delivery(ops in proptest::collection::vec(op(), 1..40)) {
        check_against_model(&mut SqliteLog::open_in_memory().unwrap(), &ops)?;
    }
}

#[test]
fn the_postgres_log_matches_the_model_under_any_delivery() {
    let cluster = TempCluster::start().expect("a throw-away PostgreSQL cluster");
    let url = cluster.url();
    let case = std::sync::atomic::AtomicU32::new(0);
    let mut runner = TestRunner::new(Config { cases: 64, failure_persistence: None, ..Config::default() });
    runner
        .run(&proptest::collection::vec(op(), 1..40), |ops| {
            let n = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let mut log = PgLog::connect(&url, &format!("case{n}")).unwrap();
            check_against_model(&mut log, &ops)
        })
        .unwrap();
}

#[test]
fn a_retry_after_a_lost_answer_changes_nothing_and_a_file_survives_reopening() {
    let dir = std::env::temp_dir().join(format!("dangol-hub-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("hub.db");
    let batch: Vec<PushedEvent> = (1..=3).map(|s| event(1, s)).collect();
    {
        let mut log = SqliteLog::open(&path).unwrap();
        let first = log.push(device(1), &batch).unwrap();
        assert_eq!((first.acked_seq, first.inserted, first.duplicates), (3, 3, 0));
        let again = log.push(device(1), &batch).unwrap();
        assert_eq!((again.acked_seq, again.inserted, again.duplicates), (3, 0, 3), "the retry is a duplicate");
    }
    let mut log = SqliteLog::open(&path).unwrap();
    assert_eq!(log.acked(device(1)).unwrap(), 3);
    assert_eq!(log.pull(0, 100, None).unwrap().len(), 3);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_rewritten_history_is_refused_loudly_and_nothing_of_its_batch_is_kept() {
    let mut log = SqliteLog::open_in_memory().unwrap();
    log.push(device(1), &[event(1, 1), event(1, 2)]).unwrap();
    let mut copied = event(1, 2);
    copied.payload = "{\"from\":\"a restored backup\"}".into();
    let err = log.push(device(1), &[event(1, 3), copied]).unwrap_err();
    assert!(matches!(err, HubError::Rewritten { seq: 2 }), "{err}");
    assert!(err.to_string().contains("rewritten"), "{err}");
    assert_eq!(log.acked(device(1)).unwrap(), 2, "event 3 of the refused batch is not kept");
    let gap = log.push(device(1), &[event(1, 5)]).unwrap_err();
    assert!(matches!(gap, HubError::Gap { acked_seq: 2, got: 5 }), "{gap}");
}

/// Enrolment: a retried join is the same join; another credential for the
/// same device, a reused credential and a revoked device are refused.
fn check_enrolment(log: &mut dyn EventLog) {
    let (a, b) = (device(1), device(2));
    let (ta, tb) = ([1u8; 32], [2u8; 32]);
    log.enrol(a, "계산대 1", ta, 1_000).unwrap();
    log.enrol(a, "계산대 1", ta, 2_000).expect("a retried join");
    assert!(matches!(log.enrol(a, "copy", [3u8; 32], 3_000), Err(HubError::DeviceTaken { .. })));
    assert!(matches!(log.enrol(b, "reuse", ta, 3_000), Err(HubError::DeviceTaken { .. })));
    log.enrol(b, "계산대 2", tb, 4_000).unwrap();
    log.push(a, &[event(1, 1), event(1, 2)]).unwrap();
    let found = log.device_for(ta).unwrap().unwrap();
    assert_eq!((found.device, found.name.as_str(), found.acked_seq, found.revoked_at_ms), (a, "계산대 1", 2, None));
    assert!(log.device_for([9u8; 32]).unwrap().is_none());
    assert!(log.revoke(a, 5_000).unwrap());
    assert!(!log.revoke(device(7), 5_000).unwrap(), "not enrolled");
    assert_eq!(log.device_for(ta).unwrap().unwrap().revoked_at_ms, Some(5_000));
    assert!(matches!(log.enrol(a, "계산대 1", ta, 6_000), Err(HubError::Revoked { .. })));
    let all = log.devices().unwrap();
    assert_eq!(all.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["계산대 1", "계산대 2"]);
}

/// A counter pulls the others' events whole, and its own as markers of
/// their place, whole only of the kinds whose effect depends on the hub's
/// order (escrow claims and returns, the owner's undo of a merge), in that
/// order.
fn check_ordered_kinds_come_back(log: &mut dyn EventLog) {
    let (a, b) = (device(1), device(2));
    let mut claim = event(1, 2);
    claim.kind = dangol_hub::ORDERED_KINDS[0].into();
    let mut give_back = event(2, 2);
    give_back.kind = dangol_hub::ORDERED_KINDS[1].into();
    let mut undo = event(1, 4);
    undo.kind = "customer.unmerged".into();
    assert!(dangol_hub::ORDERED_KINDS.contains(&undo.kind.as_str()));
    log.push(a, &[event(1, 1), claim]).unwrap();
    log.push(b, &[event(2, 1), give_back]).unwrap();
    log.push(a, &[event(1, 3), undo]).unwrap();
    let seen = |log: &mut dyn EventLog, d| -> Vec<(Uuid, i64, bool)> {
        log.pull(0, 100, Some(d)).unwrap().iter().map(|e| (e.device, e.event.seq, e.event.payload.is_empty())).collect()
    };
    let whole = |d, seq| (d, seq, false);
    let marker = |d, seq| (d, seq, true);
    assert_eq!(seen(log, a), [marker(a, 1), whole(a, 2), whole(b, 1), whole(b, 2), marker(a, 3), whole(a, 4)]);
    assert_eq!(seen(log, b), [whole(a, 1), whole(a, 2), marker(b, 1), whole(b, 2), whole(a, 3), whole(a, 4)]);
}

#[test]
fn enrolment_on_sqlite() {
    check_enrolment(&mut SqliteLog::open_in_memory().unwrap());
    check_ordered_kinds_come_back(&mut SqliteLog::open_in_memory().unwrap());
}

#[test]
fn enrolment_on_postgres_and_a_newer_counter_is_told_to_wait() {
    let cluster = TempCluster::start().unwrap();
    check_enrolment(&mut PgLog::connect(&cluster.url(), "enrol").unwrap());
    check_ordered_kinds_come_back(&mut PgLog::connect(&cluster.url(), "ordered").unwrap());
    let mut log = PgLog::connect(&cluster.url(), "newer").unwrap();
    let mut e = event(1, 1);
    e.schema_version = dangol_hub::HUB_SCHEMA_VERSION + 1;
    assert!(matches!(log.push(device(1), &[e]), Err(HubError::CounterNewer { .. })));
    assert_eq!(log.head().unwrap(), 0, "nothing kept");
    assert!(PgLog::connect(&cluster.url(), "Robert'); DROP").is_err(), "a shop name is checked");
}

/// A hub made before the device column stopped being a foreign key (one
/// check per pushed row) loses the key when it starts, and keeps working.
#[test]
fn a_postgres_hub_made_with_the_device_key_loses_it_and_keeps_its_events() {
    let cluster = TempCluster::start().unwrap();
    let mut log = PgLog::connect(&cluster.url(), "old").unwrap();
    log.push(device(1), &[event(1, 1)]).unwrap();
    drop(log);
    let mut sql = postgres::Client::connect(&cluster.url(), postgres::NoTls).unwrap();
    sql.batch_execute(
        "ALTER TABLE shop_old.events ADD CONSTRAINT events_device_fkey FOREIGN KEY (device) REFERENCES shop_old.devices (device)",
    )
    .unwrap();
    let keys = |sql: &mut postgres::Client| -> i64 {
        sql.query_one(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'shop_old.events'::regclass AND contype = 'f'",
            &[],
        )
        .unwrap()
        .get(0)
    };
    assert_eq!(keys(&mut sql), 1);
    let mut log = PgLog::connect(&cluster.url(), "old").unwrap();
    assert_eq!(keys(&mut sql), 0, "the key is gone");
    assert_eq!(log.push(device(1), &[event(1, 1), event(1, 2)]).unwrap().acked_seq, 2);
    assert_eq!(log.pull(0, 10, None).unwrap().len(), 2);
}

/// The PostgreSQL ordering trap: writers commit out of the order their
/// positions were taken, and a reader paging by position while they do
/// must still see every event. Eight writers push concurrently while a
/// reader pages with a cursor; the reader's sequence must be complete and
/// in position order.
#[test]
fn a_reader_paging_during_concurrent_pushes_misses_nothing_on_postgres() {
    let cluster = TempCluster::start().unwrap();
    let url = cluster.url();
    PgLog::connect(&url, "race").unwrap();
    let writers: Vec<_> = (0..8u128)
        .map(|d| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut log = PgLog::connect(&url, "race").unwrap();
                for from in (1..=200).step_by(5) {
                    let batch: Vec<_> = (from..from + 5).map(|s| event(d, s)).collect();
                    log.push(device(d), &batch).unwrap();
                }
            })
        })
        .collect();
    let mut reader = PgLog::connect(&url, "race").unwrap();
    let mut seen = Vec::new();
    let mut cursor = 0;
    loop {
        let done = writers.iter().all(|w| w.is_finished());
        let page = reader.pull(cursor, 37, None).unwrap();
        if let Some(last) = page.last() {
            cursor = last.pos;
        }
        let empty = page.is_empty();
        seen.extend(page);
        if done && empty {
            break;
        }
    }
    for w in writers {
        w.join().unwrap();
    }
    assert_eq!(seen.len(), 8 * 200, "every event was seen by the paging reader");
    assert!(seen.windows(2).all(|w| w[0].pos < w[1].pos));
    for d in 0..8u128 {
        let seqs: Vec<i64> = seen.iter().filter(|e| e.device == device(d)).map(|e| e.event.seq).collect();
        assert_eq!(seqs, (1..=200).collect::<Vec<_>>(), "device {d} in its own order");
    }
}

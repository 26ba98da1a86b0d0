//! "Points are money": the lot ledger against a reference model written
//! separately here, a plain list of lots. Random sequences of earning,
//! redeeming, owner adjustments (up, with or without expiry, and down),
//! refunds, time passing and the owner changing the expiry setting; after
//! every step the balance equals the model's, each lot holds what the model
//! says, nothing has expired before its time, nothing unexpired was removed,
//! and the balance is never negative.

use chrono::{DateTime, Duration, Utc};
use dangol_domain::loyalty::LedgerKind;
use dangol_domain::points::{NewPoints, PointsBook, PointsEntry, open_lot};
use proptest::prelude::*;

#[path = "support/lots.rs"]
mod lots;
use lots::{LotModel, RefSale};

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-01T09:00:00+09:00").unwrap().with_timezone(&Utc)
}

#[derive(Debug, Clone)]
enum Op {
    /// A sale that redeems `redeem` (if the customer has it) and earns `earn`.
    Sale {
        redeem: i64,
        earn: i64,
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
    SetExpiryDays {
        days: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0i64..1_500, 0i64..800).prop_map(|(redeem, earn)| Op::Sale { redeem, earn }),
        2 => (1i64..700, proptest::option::of(1i64..500)).prop_map(|(points, expires_in_days)| Op::Gift { points, expires_in_days }),
        1 => (1i64..900).prop_map(|points| Op::Deduct { points }),
        2 => (0usize..20).prop_map(|sale| Op::Refund { sale }),
        3 => prop_oneof![0i64..48, 24i64 * 30..24 * 200, Just(24 * 365)].prop_map(|hours| Op::Wait { hours }),
        1 => (1i64..800).prop_map(|days| Op::SetExpiryDays { days }),
    ]
}

// ---- The system under test: the ledger the store would write. ----

#[derive(Debug, Default)]
struct Ledger {
    entries: Vec<PointsEntry>,
    /// Each write (one event's entries), in the order written.
    events: Vec<Vec<PointsEntry>>,
    /// Entry id of each model lot's opening entry.
    lot_ids: Vec<i64>,
    /// Per sale: the redeem entries written, and the lot its earn opened.
    sales: Vec<(Vec<NewPoints>, Option<i64>)>,
}

impl Ledger {
    fn book(&self) -> PointsBook {
        PointsBook::replay(&self.entries)
    }

    fn write(&mut self, new: &[NewPoints]) -> Vec<i64> {
        self.write_for(None, None, new)
    }

    /// Writes one event's entries; `sale` and `reverses` as the store
    /// reads them back (the sale an entry is part of, the sale a refund
    /// reverses: here, numbered from 1).
    fn write_for(&mut self, sale: Option<i64>, reverses: Option<i64>, new: &[NewPoints]) -> Vec<i64> {
        let mut event = Vec::new();
        // Counters take turns, five events each: every counter's events
        // come after the last one's, so writing order is replay order.
        let origin = Some(uuid::Uuid::from_u128(self.events.len() as u128 / 5 + 1));
        let ids = new
            .iter()
            .map(|n| {
                let id = self.entries.len() as i64 + 1;
                let e = PointsEntry { sale, reverses, origin, ..n.stored(id) };
                self.entries.push(e.clone());
                event.push(e);
                id
            })
            .collect();
        if !event.is_empty() {
            self.events.push(event);
        }
        ids
    }
}

/// Runs `ops` against the model and the ledger, checking after every step;
/// each op happens `step` after the one before it (besides `Wait`).
fn run(ops: &[Op], step: Duration) -> Result<(Ledger, DateTime<Utc>), TestCaseError> {
    let mut now = start();
    let mut expiry_days = 365i64;
    let mut model = LotModel::default();
    let mut ledger = Ledger::default();
    for op in ops {
        now += step;
        match op.clone() {
            Op::Wait { hours } => now += Duration::hours(hours),
            Op::SetExpiryDays { days } => expiry_days = days,
            Op::Sale { redeem, earn } => {
                let sale = ledger.sales.len() as i64 + 1;
                let redeem = redeem.min(model.balance(now));
                let taken = if redeem > 0 { model.take(redeem, now, None) } else { vec![] };
                let spent = if redeem > 0 {
                    ledger.book().spend(redeem, now, LedgerKind::Redeem).expect("the model says the points are there")
                } else {
                    vec![]
                };
                let expires = now + Duration::days(expiry_days);
                let mut written = spent.clone();
                let (lot, earned) = if earn > 0 {
                    let l = model.open(Some(expires), earn);
                    written.push(open_lot(now, LedgerKind::Earn, earn, Some(expires)));
                    (true, Some((l, earn)))
                } else {
                    (false, None)
                };
                let ids = ledger.write_for(Some(sale), None, &written);
                let lot = lot.then(|| *ids.last().unwrap());
                if let Some(id) = lot {
                    ledger.lot_ids.push(id);
                }
                model.sales.push(RefSale { taken, earned, refunded: false });
                ledger.sales.push((spent, lot));
            }
            Op::Gift { points, expires_in_days } => {
                let expires = expires_in_days.map(|d| now + Duration::days(d));
                model.open(expires, points);
                let id = ledger.write(&[open_lot(now, LedgerKind::Adjust, points, expires)])[0];
                ledger.lot_ids.push(id);
            }
            Op::Deduct { points } => {
                let can = points <= model.balance(now);
                let spent = ledger.book().spend(points, now, LedgerKind::Adjust);
                prop_assert_eq!(spent.is_ok(), can, "a deduction is allowed exactly when the points are there");
                if let Ok(spent) = spent {
                    model.take(points, now, None);
                    ledger.write(&spent);
                }
            }
            Op::Refund { sale } => {
                if !model.refundable(sale) {
                    continue;
                }
                // Model: give back to the same lots, then take back what it earned.
                let s = model.refund(sale, now);
                // Ledger: the same through the book, as one refund.
                let (spent, lot) = ledger.sales[sale].clone();
                let taken: Vec<(Option<i64>, i64)> = spent.iter().map(|e| (e.lot, -e.amount)).collect();
                let mut book = ledger.book();
                book.expire_through(now);
                let mut written = book.give_back(&taken, now);
                for e in &written {
                    book.apply(&e.stored(i64::MAX));
                }
                if let (Some(lot), Some((_, earned))) = (lot, s.earned) {
                    written.extend(book.take_back(lot, earned, now).entries);
                }
                ledger.sales.push((vec![], None));
                model.sales.push(RefSale { taken: vec![], earned: None, refunded: true });
                let refund = ledger.sales.len() as i64;
                ledger.write_for(Some(refund), Some(sale as i64 + 1), &written);
            }
        }
        let book = ledger.book();
        prop_assert_eq!(book.available(now), model.balance(now), "after {:?}", op);
        prop_assert!(book.available(now) >= 0, "never negative");
        prop_assert_eq!(book.debt(), 0, "every spend was covered");
        for (i, lot) in model.lots.iter().enumerate() {
            let got = book.lot(ledger.lot_ids[i]).unwrap();
            if model.alive(i, now) {
                prop_assert_eq!(got.remaining, lot.left, "an unexpired lot holds what the model says (lot {})", i);
            } else {
                prop_assert!(got.remaining == 0 || got.expired_at(now), "an expired lot is empty or due");
            }
            prop_assert!(
                got.expired == 0 || got.expires_at.is_some_and(|x| ledger.entries.iter().any(|e| e.at >= x)),
                "nothing expires before its time: {:?}",
                got
            );
        }
    }
    Ok((ledger, now))
}

/// What every counter must agree on: the balance, the debt, and each lot
/// (named by the moment and amount that opened it, as ids are local).
/// A lot as every counter names it: (opened at, opened, remaining, expired,
/// spent).
type SharedLot = (DateTime<Utc>, i64, i64, i64, i64);

fn derived(book: &PointsBook, now: DateTime<Utc>) -> (i64, i64, i64, Vec<SharedLot>) {
    let mut lots: Vec<_> =
        book.lots().iter().map(|l| (l.opened_at, l.opened, l.remaining, l.expired, l.spent)).collect();
    lots.sort();
    (book.balance(), book.available(now), book.debt(), lots)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_ledger_matches_a_list_of_lots(ops in proptest::collection::vec(op(), 1..60)) {
        run(&ops, Duration::zero())?;
    }

    /// Another counter receives the same events in another order (each
    /// event's entries together, under its own ids; each writing counter's
    /// events in that counter's order, as the hub passes them on), folding
    /// each into its book as it arrives and letting time pass between
    /// arrivals: it ends with the same lots as the ledger written in order,
    /// which is the model's. Many events share a moment (`step` 0 or a
    /// minute), so row ids, which differ, must never order them. This is
    /// what lets counters that sync converge.
    #[test]
    fn the_order_entries_arrive_in_does_not_change_the_lots(
        ops in proptest::collection::vec(op(), 1..50),
        same_moment in any::<bool>(),
        order in proptest::collection::vec(any::<proptest::sample::Index>(), 50),
        pauses in proptest::collection::vec(0i64..24 * 400, 50),
    ) {
        let step = if same_moment { Duration::zero() } else { Duration::minutes(1) };
        let (ledger, now) = run(&ops, step)?;
        let mut waiting: Vec<std::collections::VecDeque<Vec<PointsEntry>>> = Vec::new();
        for event in ledger.events.clone() {
            match waiting.last_mut() {
                Some(q) if q[0][0].origin == event[0].origin => q.push_back(event),
                _ => waiting.push([event].into()),
            }
        }
        let mut there = PointsBook::default();
        let mut ids = 1_000i64;
        let mut k = 0;
        while !waiting.is_empty() {
            let from = order[k % order.len()].index(waiting.len());
            let event = waiting[from].pop_front().unwrap();
            if waiting[from].is_empty() {
                waiting.remove(from);
            }
            // The receiving counter's clock runs on; expiry follows it.
            let seen = event[0].at + Duration::hours(pauses[k % pauses.len()]);
            for e in event {
                ids += 1;
                there.apply(&PointsEntry { id: ids, ..e });
            }
            there.expire_through(seen.min(now));
            k += 1;
        }
        let mut here = ledger.book();
        here.expire_through(now);
        there.expire_through(now);
        prop_assert_eq!(derived(&there, now), derived(&here, now));
    }
}

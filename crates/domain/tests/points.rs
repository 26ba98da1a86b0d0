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
        new.iter()
            .map(|n| {
                let id = self.entries.len() as i64 + 1;
                self.entries.push(n.stored(id));
                id
            })
            .collect()
    }

    /// Every write starts by expiring what is due, as the store does.
    fn sweep(&mut self, now: DateTime<Utc>) {
        let due = self.book().sweep(now);
        self.write(&due);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_ledger_matches_a_list_of_lots(ops in proptest::collection::vec(op(), 1..60)) {
        let mut now = start();
        let mut expiry_days = 365i64;
        let mut model = LotModel::default();
        let mut ledger = Ledger::default();
        for op in &ops {
            match op.clone() {
                Op::Wait { hours } => now += Duration::hours(hours),
                Op::SetExpiryDays { days } => expiry_days = days,
                Op::Sale { redeem, earn } => {
                    ledger.sweep(now);
                    let redeem = redeem.min(model.balance(now));
                    let taken = if redeem > 0 { model.take(redeem, now, None) } else { vec![] };
                    let spent = if redeem > 0 {
                        ledger.book().spend(redeem, now, LedgerKind::Redeem).expect("the model says the points are there")
                    } else {
                        vec![]
                    };
                    ledger.write(&spent);
                    let expires = now + Duration::days(expiry_days);
                    let (lot, earned) = if earn > 0 {
                        let l = model.open(Some(expires), earn);
                        let id = ledger.write(&[open_lot(now, LedgerKind::Earn, earn, Some(expires))])[0];
                        ledger.lot_ids.push(id);
                        (Some(id), Some((l, earn)))
                    } else {
                        (None, None)
                    };
                    model.sales.push(RefSale { taken, earned, refunded: false });
                    ledger.sales.push((spent, lot));
                }
                Op::Gift { points, expires_in_days } => {
                    ledger.sweep(now);
                    let expires = expires_in_days.map(|d| now + Duration::days(d));
                    model.open(expires, points);
                    let id = ledger.write(&[open_lot(now, LedgerKind::Adjust, points, expires)])[0];
                    ledger.lot_ids.push(id);
                }
                Op::Deduct { points } => {
                    ledger.sweep(now);
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
                    ledger.sweep(now);
                    // Model: give back to the same lots, then take back what it earned.
                    let s = model.refund(sale, now);
                    // Ledger: the same through the book.
                    let (spent, lot) = ledger.sales[sale].clone();
                    let taken: Vec<(i64, i64)> = spent.iter().map(|e| (e.lot.unwrap(), -e.amount)).collect();
                    let back = ledger.book().give_back(&taken, now);
                    ledger.write(&back);
                    if let (Some(lot), Some((_, earned))) = (lot, s.earned) {
                        let tb = ledger.book().take_back(lot, earned, now);
                        ledger.write(&tb.entries);
                    }
                }
            }
            ledger.sweep(now);
            let book = ledger.book();
            prop_assert_eq!(book.balance(), model.balance(now), "after {:?}", op);
            prop_assert_eq!(book.available(now), book.balance(), "a sweep leaves nothing due");
            prop_assert!(book.balance() >= 0, "never negative");
            for (i, lot) in model.lots.iter().enumerate() {
                let got = book.lot(ledger.lot_ids[i]).unwrap();
                if model.alive(i, now) {
                    prop_assert_eq!(got.remaining, lot.left, "an unexpired lot holds what the model says (lot {})", i);
                } else {
                    prop_assert_eq!(got.remaining, 0, "an expired lot is empty");
                }
            }
            for e in ledger.entries.iter().filter(|e| e.kind == LedgerKind::Expire) {
                let lot = book.lot(e.lot.unwrap()).unwrap();
                prop_assert!(lot.expires_at.is_some_and(|x| x <= e.at), "nothing expires before its time: {:?}", e);
            }
        }
    }
}

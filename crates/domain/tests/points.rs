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

// ---- The reference model: a list of lots, nothing else. ----

#[derive(Debug, Clone)]
struct RefLot {
    expires: Option<DateTime<Utc>>,
    left: i64,
    /// Points of this lot used (spent or taken back), net of give-backs.
    used: i64,
}

#[derive(Debug, Clone)]
struct RefSale {
    redeemed: Vec<(usize, i64)>,
    earned_lot: Option<usize>,
    earned: i64,
    refunded: bool,
}

#[derive(Debug, Default)]
struct Model {
    lots: Vec<RefLot>,
    sales: Vec<RefSale>,
}

impl Model {
    fn alive(&self, i: usize, now: DateTime<Utc>) -> bool {
        self.lots[i].expires.is_none_or(|e| e > now)
    }

    fn available(&self, now: DateTime<Utc>) -> i64 {
        (0..self.lots.len()).filter(|&i| self.alive(i, now)).map(|i| self.lots[i].left).sum()
    }

    /// Takes up to `n` from the alive lots, soonest expiry first (lots that
    /// never expire last), skipping `except`.
    fn take(&mut self, n: i64, now: DateTime<Utc>, except: Option<usize>) -> Vec<(usize, i64)> {
        let mut order: Vec<usize> = (0..self.lots.len())
            .filter(|&i| self.alive(i, now) && Some(i) != except && self.lots[i].left > 0)
            .collect();
        order.sort_by_key(|&i| (self.lots[i].expires.is_none(), self.lots[i].expires, i));
        let mut left = n;
        let mut out = vec![];
        for i in order {
            let t = left.min(self.lots[i].left);
            if t > 0 {
                self.lots[i].left -= t;
                self.lots[i].used += t;
                out.push((i, t));
                left -= t;
            }
        }
        out
    }
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
        let mut model = Model::default();
        let mut ledger = Ledger::default();
        for op in &ops {
            match op.clone() {
                Op::Wait { hours } => now += Duration::hours(hours),
                Op::SetExpiryDays { days } => expiry_days = days,
                Op::Sale { redeem, earn } => {
                    ledger.sweep(now);
                    let redeem = redeem.min(model.available(now));
                    let taken = if redeem > 0 { model.take(redeem, now, None) } else { vec![] };
                    let spent = if redeem > 0 {
                        ledger.book().spend(redeem, now, LedgerKind::Redeem).expect("the model says the points are there")
                    } else {
                        vec![]
                    };
                    ledger.write(&spent);
                    let expires = now + Duration::days(expiry_days);
                    let (lot, earned_lot) = if earn > 0 {
                        model.lots.push(RefLot { expires: Some(expires), left: earn, used: 0 });
                        let id = ledger.write(&[open_lot(now, LedgerKind::Earn, earn, Some(expires))])[0];
                        ledger.lot_ids.push(id);
                        (Some(id), Some(model.lots.len() - 1))
                    } else {
                        (None, None)
                    };
                    model.sales.push(RefSale { redeemed: taken, earned_lot, earned: earn, refunded: false });
                    ledger.sales.push((spent, lot));
                }
                Op::Gift { points, expires_in_days } => {
                    ledger.sweep(now);
                    let expires = expires_in_days.map(|d| now + Duration::days(d));
                    model.lots.push(RefLot { expires, left: points, used: 0 });
                    let id = ledger.write(&[open_lot(now, LedgerKind::Adjust, points, expires)])[0];
                    ledger.lot_ids.push(id);
                }
                Op::Deduct { points } => {
                    ledger.sweep(now);
                    let can = points <= model.available(now);
                    let spent = ledger.book().spend(points, now, LedgerKind::Adjust);
                    prop_assert_eq!(spent.is_ok(), can, "a deduction is allowed exactly when the points are there");
                    if let Ok(spent) = spent {
                        model.take(points, now, None);
                        ledger.write(&spent);
                    }
                }
                Op::Refund { sale } => {
                    if sale >= model.sales.len() || model.sales[sale].refunded {
                        continue;
                    }
                    ledger.sweep(now);
                    // Model: give back to the same lots, then take back what it earned.
                    let s = model.sales[sale].clone();
                    for &(i, n) in &s.redeemed {
                        model.lots[i].left += n;
                        model.lots[i].used -= n;
                    }
                    if let Some(l) = s.earned_lot {
                        let own = if model.alive(l, now) { model.lots[l].left.min(s.earned) } else { 0 };
                        model.lots[l].left -= own;
                        model.lots[l].used += own;
                        let rest = (s.earned - own).min(model.lots[l].used - own).max(0);
                        model.take(rest, now, Some(l));
                    }
                    model.sales[sale].refunded = true;
                    // Ledger: the same through the book.
                    let (spent, lot) = ledger.sales[sale].clone();
                    let taken: Vec<(i64, i64)> = spent.iter().map(|e| (e.lot.unwrap(), -e.amount)).collect();
                    let back = ledger.book().give_back(&taken, now);
                    ledger.write(&back);
                    if let Some(lot) = lot {
                        let tb = ledger.book().take_back(lot, s.earned, now);
                        ledger.write(&tb.entries);
                    }
                }
            }
            ledger.sweep(now);
            let book = ledger.book();
            prop_assert_eq!(book.balance(), model.available(now), "after {:?}", op);
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

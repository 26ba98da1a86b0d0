//! Points as a ledger of lots.
//!
//! Every positive entry that names no lot opens a *lot* (an earn, an owner's
//! gift, a legacy give-back) with its own expiry, or none. What happens to
//! the lots is derived from the entries alone, in one order, so every
//! counter holding the same entries holds the same lots, whatever order
//! they arrived in and whatever lots each knew when it wrote its links:
//!
//! - a lot expires at its own time, and only its own unspent remainder
//!   expires: expiry is *derived* while replaying (before each entry, every
//!   lot due by its moment expires), never written; `expire` entries that
//!   older versions wrote are ignored;
//! - spending (a redemption, a negative adjustment) draws from the lots
//!   usable at its moment that expire first; the lot an entry names is
//!   only the writer's view then, not followed;
//! - a refund gives redeemed points back to the lots the replay drew the
//!   sale's redemption from, and takes back the points the sale earned:
//!   what is left of that sale's own lot first, then from the lots that
//!   expire first (points of that lot that expired are not taken twice,
//!   as the refund's amount already says);
//! - what no lot covers is a debt; the balance is the sum of the entries
//!   less what expired, and what the customer can use at a moment is that
//!   sum less what is due to expire by then.
//!
//! Entries are replayed by moment, then by the counter that wrote them,
//! then in that counter's order (`PointsEntry::order`); an entry that falls
//! before what the book has replayed makes it replay again from the start.

use crate::loyalty::LedgerKind;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One points ledger entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointsEntry {
    /// The entry's id (the store's row id): increasing in write order.
    pub id: i64,
    pub at: DateTime<Utc>,
    pub kind: LedgerKind,
    /// Signed: positive adds points, negative removes them.
    pub amount: i64,
    /// For an entry that opens a lot: when the lot expires (`None`: never).
    pub expires_at: Option<DateTime<Utc>>,
    /// The lot this entry draws from or gives back to; `None` opens a lot
    /// (positive) or is a legacy unlinked spend (negative).
    pub lot: Option<i64>,
    /// The entry drew on (or gave back to) a lot another customer's ledger
    /// keeps, and was squared there when the merge that joined the two was
    /// undone: it counts in the sum only, touching no lot here, however
    /// the book is replayed (`dangol_store::unmerge`).
    #[serde(default)]
    pub elsewhere: bool,
    /// The sale this entry is part of (its row id), if any.
    #[serde(default)]
    pub sale: Option<i64>,
    /// For an entry of a refund: the row id of the sale it reverses.
    #[serde(default)]
    pub reverses: Option<i64>,
    /// Draws from the lot it names first (a merge undo squaring a lot).
    #[serde(default)]
    pub targeted: bool,
    /// The counter whose event wrote it: entries of one moment are
    /// replayed by counter, then in the order that counter wrote them
    /// (which every counter keeps: the hub passes each counter's events on
    /// in its order), so row ids, local to each database, never decide.
    #[serde(default)]
    pub origin: Option<uuid::Uuid>,
}

impl PointsEntry {
    /// Where the entry falls in the replay: by moment, then by the counter
    /// that wrote it, then in that counter's order.
    pub fn order(&self) -> (DateTime<Utc>, Option<uuid::Uuid>, i64) {
        (self.at, self.origin, self.id)
    }
}

/// An entry to write: an id is assigned when it is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPoints {
    pub at: DateTime<Utc>,
    pub kind: LedgerKind,
    pub amount: i64,
    pub expires_at: Option<DateTime<Utc>>,
    pub lot: Option<i64>,
}

impl NewPoints {
    /// The entry as stored under `id`.
    pub fn stored(&self, id: i64) -> PointsEntry {
        PointsEntry {
            id,
            at: self.at,
            kind: self.kind,
            amount: self.amount,
            expires_at: self.expires_at,
            lot: self.lot,
            elsewhere: false,
            sale: None,
            reverses: None,
            targeted: false,
            origin: None,
        }
    }
}

/// One lot and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    /// The id of the entry that opened it.
    pub id: i64,
    pub kind: LedgerKind,
    pub opened_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub opened: i64,
    pub remaining: i64,
    /// Points of this lot removed by expiry.
    pub expired: i64,
    /// Points of this lot spent (redeemed, adjusted down, taken back) net of
    /// what was given back to it.
    pub spent: i64,
    /// The counter whose entry opened it (`PointsEntry::origin`).
    pub origin: Option<uuid::Uuid>,
}

impl Lot {
    /// True when the lot has expired at `at` (its expiry instant included).
    pub fn expired_at(&self, at: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|e| e <= at)
    }
}

/// Not enough points to spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotEnoughPoints {
    pub wanted: i64,
    pub available: i64,
}

/// The points taken back by a refund, and what could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TakeBack {
    pub entries: Vec<NewPoints>,
    /// Points the customer already spent from the refunded sale's lot that
    /// no other lot could cover (the balance never goes below zero).
    pub unrecovered: i64,
}

/// A customer's points: the lots behind the balance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PointsBook {
    lots: Vec<Lot>,
    /// Lot id → index in `lots`.
    index: HashMap<i64, usize>,
    /// The entries' sum less what has expired.
    sum: i64,
    /// Spends that no lot could cover.
    debt: i64,
    /// The same, by the entry that owes it, oldest first: the next lots pay
    /// them in that order.
    debts: std::collections::VecDeque<(i64, i64)>,
    /// The entries replayed, in replay order.
    entries: Vec<PointsEntry>,
    /// The moment expiry has been derived through.
    through: Option<DateTime<Utc>>,
    /// Per sale: (lot index, points) its redemption drew, less what its
    /// refund gave back.
    drawn: HashMap<i64, Vec<(usize, i64)>>,
    /// Per sale: the lot its earn opened.
    earned: HashMap<i64, i64>,
    /// Indices of the lots that may still hold points (the rest are spent
    /// or expired): what expiry and spending look at.
    live: Vec<usize>,
    /// (entry id, lot id, points) for every entry that drew on a lot or
    /// gave back to one, signed as the entry.
    draws: Vec<(i64, i64, i64)>,
}

impl PointsBook {
    /// Replays a ledger. Entries may come in any order; they are applied in
    /// `PointsEntry::order`.
    pub fn replay(entries: &[PointsEntry]) -> PointsBook {
        let mut sorted: Vec<&PointsEntry> = entries.iter().collect();
        sorted.sort_by_key(|e| e.order());
        let mut book = PointsBook::default();
        for e in sorted {
            book.fold(e);
        }
        book
    }

    /// Folds one stored entry into the book. An entry dated before what
    /// the book has replayed (another counter's, arriving late) replays
    /// the whole ledger again, so the lots are what they would be had it
    /// come in time.
    pub fn apply(&mut self, e: &PointsEntry) {
        let late = self.entries.last().is_some_and(|l| e.order() < l.order()) || self.through.is_some_and(|t| e.at < t);
        if late {
            let mut all = std::mem::take(&mut self.entries);
            all.push(e.clone());
            *self = PointsBook::replay(&all);
        } else {
            self.fold(e);
        }
    }

    /// Expires every lot due by `at` (derived: nothing is written). Returns
    /// the points that expired now.
    pub fn expire_through(&mut self, at: DateTime<Utc>) -> i64 {
        let mut gone = 0i64;
        let lots = &mut self.lots;
        self.live.retain(|&i| {
            let lot = &mut lots[i];
            if lot.remaining > 0 && lot.expired_at(at) {
                lot.expired = lot.expired.saturating_add(lot.remaining);
                gone = gone.saturating_add(lot.remaining);
                lot.remaining = 0;
            }
            lot.remaining > 0
        });
        self.sum = self.sum.saturating_sub(gone);
        self.through = Some(self.through.map_or(at, |t| t.max(at)));
        gone
    }

    /// (entry id, lot id, points) for every entry that drew on a lot or gave
    /// back to one, as replayed, signed as the entry.
    pub fn draws(&self) -> &[(i64, i64, i64)] {
        &self.draws
    }

    fn fold(&mut self, e: &PointsEntry) {
        // Written by older versions at a sweep: expiry is derived now.
        if e.kind == LedgerKind::Expire {
            return;
        }
        self.expire_through(e.at);
        self.entries.push(e.clone());
        self.sum = self.sum.saturating_add(e.amount);
        if e.elsewhere || e.amount == 0 {
            return;
        }
        if e.amount > 0 {
            self.add(e);
        } else {
            let first = match (e.kind, e.reverses) {
                (LedgerKind::Reverse, Some(sale)) => self.earned.get(&sale).copied(),
                _ if e.targeted => e.lot,
                _ => None,
            };
            let taken = self.draw(e.id, e.amount.saturating_neg(), e.at, first, e.targeted);
            self.draws.extend(taken.iter().map(|&(i, n)| (e.id, self.lots[i].id, -n)));
            if e.kind == LedgerKind::Redeem
                && let Some(sale) = e.sale
            {
                self.drawn.entry(sale).or_default().extend(taken);
            }
        }
        // Points given back to a lot that has expired expire with it.
        self.expire_through(e.at);
    }

    /// Puts points back into lot `i` (it may hold points again).
    fn refill(&mut self, i: usize, points: i64, entry: i64) {
        let lot = &mut self.lots[i];
        lot.remaining = lot.remaining.saturating_add(points);
        lot.spent = lot.spent.saturating_sub(points);
        if !self.live.contains(&i) {
            self.live.push(i);
        }
        self.draws.push((entry, self.lots[i].id, points));
    }

    /// A positive entry: points a refund gives back go where the refunded
    /// sale's redemption was drawn (then pay what it left as a debt, then,
    /// if any are left, become a lot that does not expire, whatever lot
    /// the writer named); points given back to a named lot by a ledger
    /// older than sales being linked go there; anything else opens a lot,
    /// which first pays what is owed.
    fn add(&mut self, e: &PointsEntry) {
        let mut left = e.amount;
        let mut expires_at = e.expires_at;
        if e.kind == LedgerKind::Reverse
            && let Some(sale) = e.reverses
        {
            let drawn = self.drawn.remove(&sale).unwrap_or_default();
            let mut kept = Vec::with_capacity(drawn.len());
            for (i, n) in drawn {
                let back = left.min(n);
                if back > 0 {
                    self.refill(i, back, e.id);
                }
                left -= back;
                if n > back {
                    kept.push((i, n - back));
                }
            }
            self.drawn.insert(sale, kept);
            expires_at = None;
        } else if let Some(i) = e.lot.and_then(|id| self.index.get(&id).copied()) {
            self.refill(i, left, e.id);
            return;
        }
        // What is owed is paid first: by a give-back, or by the new lot
        // (the debtor's draw on it).
        let paid = if e.kind == LedgerKind::Reverse {
            let paid = self.pay_debt(left, None);
            if paid == left {
                return;
            }
            paid
        } else {
            self.pay_debt(left, Some(e.id))
        };
        left -= paid;
        self.index.insert(e.id, self.lots.len());
        self.live.push(self.lots.len());
        self.lots.push(Lot {
            id: e.id,
            kind: e.kind,
            opened_at: e.at,
            expires_at,
            opened: e.amount,
            remaining: left,
            expired: 0,
            spent: paid,
            origin: e.origin,
        });
        if e.kind == LedgerKind::Earn
            && let Some(sale) = e.sale
        {
            self.earned.insert(sale, e.id);
        }
    }

    /// Draws `amount` at `at`: from lot `first` while it lasts (if usable;
    /// if it has expired and `reclaim`, from what expired of it), then from
    /// the lots that expire first; the rest is a debt. Returns (lot index,
    /// points) drawn.
    fn draw(
        &mut self,
        entry: i64,
        amount: i64,
        at: DateTime<Utc>,
        first: Option<i64>,
        reclaim: bool,
    ) -> Vec<(usize, i64)> {
        let mut left = amount;
        let mut taken = Vec::new();
        if let Some(i) = first.and_then(|id| self.index.get(&id).copied()) {
            let lot = &mut self.lots[i];
            if !lot.expired_at(at) {
                taken.push((i, left.min(lot.remaining.max(0))));
            } else if reclaim {
                // What the squared entries took, they took before the lot
                // expired: that much of it never expired.
                let back = left.min(lot.expired.max(0));
                lot.expired -= back;
                lot.remaining += back;
                self.sum = self.sum.saturating_add(back);
                taken.push((i, back));
            }
        }
        // The named lot is drawn before the others are chosen.
        for &(i, take) in &taken {
            self.lots[i].remaining -= take;
            self.lots[i].spent += take;
            left -= take;
        }
        for (i, take) in self.allocation(left, at) {
            self.lots[i].remaining -= take;
            self.lots[i].spent += take;
            left -= take;
            taken.push((i, take));
        }
        if left > 0 {
            self.debt = self.debt.saturating_add(left);
            self.debts.push_back((entry, left));
        }
        taken.retain(|t| t.1 > 0);
        taken
    }

    /// Pays up to `points` of what is owed, oldest debt first; paid from
    /// lot `lot` (recorded as that debtor's draw on it) or by a give-back
    /// (`None`). Returns what was paid.
    fn pay_debt(&mut self, points: i64, lot: Option<i64>) -> i64 {
        let mut paid = 0;
        while paid < points
            && let Some((entry, owed)) = self.debts.front_mut()
        {
            let n = (*owed).min(points - paid);
            *owed -= n;
            paid += n;
            if let Some(lot) = lot {
                self.draws.push((*entry, lot, -n));
            }
            if *owed == 0 {
                self.debts.pop_front();
            }
        }
        self.debt -= paid;
        paid
    }

    /// Spends no lot could cover.
    pub fn debt(&self) -> i64 {
        self.debt
    }

    /// The sum of the ledger.
    pub fn balance(&self) -> i64 {
        self.sum
    }

    pub fn lots(&self) -> &[Lot] {
        &self.lots
    }

    pub fn lot(&self, id: i64) -> Option<&Lot> {
        self.index.get(&id).map(|&i| &self.lots[i])
    }

    /// Points in lots that have expired by `at` and are still unspent: what
    /// expires when the book reaches `at`.
    pub fn due(&self, at: DateTime<Utc>) -> i64 {
        self.lots.iter().filter(|l| l.remaining > 0 && l.expired_at(at)).map(|l| l.remaining).sum()
    }

    /// What the customer can use at `at`: the balance less what is due and
    /// what lots opened after `at` hold (a counter whose clock is behind
    /// another's).
    pub fn available(&self, at: DateTime<Utc>) -> i64 {
        let later: i64 = self.lots.iter().filter(|l| l.opened_at > at && !l.expired_at(at)).map(|l| l.remaining).sum();
        self.sum - self.due(at) - later
    }

    /// Points that expire after `at` and within `within`, and the first such
    /// expiry.
    pub fn expiring_soon(&self, at: DateTime<Utc>, within: Duration) -> Option<(i64, DateTime<Utc>)> {
        let horizon = at.checked_add_signed(within).unwrap_or(DateTime::<Utc>::MAX_UTC);
        let soon: Vec<(DateTime<Utc>, i64)> = self
            .lots
            .iter()
            .filter(|l| l.remaining > 0)
            .filter_map(|l| l.expires_at.filter(|e| *e > at && *e <= horizon).map(|e| (e, l.remaining)))
            .collect();
        let first = soon.iter().map(|(e, _)| *e).min()?;
        Some((soon.iter().map(|(_, n)| n).sum(), first))
    }

    /// Lots usable at `at`, in the order spending draws on them: the one
    /// that expires first, lots without expiry last, lots opened earlier
    /// first.
    fn usable(&self, at: DateTime<Utc>) -> Vec<usize> {
        let mut order: Vec<usize> = self
            .live
            .iter()
            .copied()
            .filter(|&i| {
                let l = &self.lots[i];
                l.remaining > 0 && !l.expired_at(at) && l.opened_at <= at
            })
            .collect();
        // Ids are local (another counter numbers the same lot otherwise):
        // among lots expiring together, the one opened first, in replay
        // order.
        order.sort_by_key(|&i| {
            let l = &self.lots[i];
            (l.expires_at.is_none(), l.expires_at, l.opened_at, l.origin, l.id)
        });
        order
    }

    /// How `amount` would be drawn from the usable lots at `at`: (lot index,
    /// points). Draws less when the lots hold less.
    fn allocation(&self, amount: i64, at: DateTime<Utc>) -> Vec<(usize, i64)> {
        let mut left = amount.max(0);
        let mut out = Vec::new();
        for i in self.usable(at) {
            if left == 0 {
                break;
            }
            let take = left.min(self.lots[i].remaining);
            out.push((i, take));
            left -= take;
        }
        out
    }

    /// Points usable at `at` (the lots that have not expired).
    pub fn usable_total(&self, at: DateTime<Utc>) -> i64 {
        self.usable(at).iter().map(|&i| self.lots[i].remaining).sum::<i64>() - self.debt
    }

    /// Entries that spend `amount` (a redemption or a negative adjustment)
    /// from the lots that expire first. Refused when the usable lots hold
    /// less: the balance never goes below zero.
    pub fn spend(&self, amount: i64, at: DateTime<Utc>, kind: LedgerKind) -> Result<Vec<NewPoints>, NotEnoughPoints> {
        let available = self.usable_total(at).max(0);
        if amount <= 0 || amount > available {
            return Err(NotEnoughPoints { wanted: amount, available });
        }
        Ok(self
            .allocation(amount, at)
            .into_iter()
            .map(|(i, take)| NewPoints { at, kind, amount: -take, expires_at: None, lot: Some(self.lots[i].id) })
            .collect())
    }

    /// Entries that spend exactly `amount`, as another counter already did
    /// while offline: from the lots that expire first as far as they go,
    /// the rest as one unlinked spend. What no lot covers is the replay's
    /// to say, once the entries are in their place (`debt`).
    pub fn spend_as_recorded(&self, amount: i64, at: DateTime<Utc>, kind: LedgerKind) -> Vec<NewPoints> {
        let mut entries: Vec<NewPoints> = self
            .allocation(amount, at)
            .into_iter()
            .map(|(i, take)| NewPoints { at, kind, amount: -take, expires_at: None, lot: Some(self.lots[i].id) })
            .collect();
        let covered: i64 = -entries.iter().map(|e| e.amount).sum::<i64>();
        let short = amount.max(0) - covered;
        if short > 0 {
            entries.push(NewPoints { at, kind, amount: -short, expires_at: None, lot: None });
        }
        entries
    }

    /// Gives points back (a refund of a redemption), one entry for each
    /// entry that took them: `taken` lists (the lot it named, points
    /// taken). The replay puts them back where it drew the sale's
    /// redemption, whatever lot was named.
    pub fn give_back(&self, taken: &[(Option<i64>, i64)], at: DateTime<Utc>) -> Vec<NewPoints> {
        taken
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|&(lot, n)| NewPoints { at, kind: LedgerKind::Reverse, amount: n, expires_at: None, lot })
            .collect()
    }

    /// Takes back the `earned` points of a refunded sale whose earn opened
    /// lot `lot`: what is left of that lot first, then as much of what the
    /// customer already spent from it as the other usable lots hold. Points
    /// of the lot that expired unused are not taken again. Call after
    /// `expire_through(at)`.
    pub fn take_back(&self, lot: i64, earned: i64, at: DateTime<Utc>) -> TakeBack {
        let mut out = TakeBack::default();
        let Some(own) = self.lot(lot) else {
            return out;
        };
        let from_own = if own.expired_at(at) { 0 } else { own.remaining.clamp(0, earned.max(0)) };
        if from_own > 0 {
            out.entries.push(NewPoints {
                at,
                kind: LedgerKind::Reverse,
                amount: -from_own,
                expires_at: None,
                lot: Some(lot),
            });
        }
        let rest = (earned - from_own).min(own.spent).max(0);
        let mut other = self.clone();
        if let Some(&i) = other.index.get(&lot) {
            other.lots[i].remaining = 0;
        }
        let mut taken = 0;
        for (i, take) in other.allocation(rest, at) {
            out.entries.push(NewPoints {
                at,
                kind: LedgerKind::Reverse,
                amount: -take,
                expires_at: None,
                lot: Some(other.lots[i].id),
            });
            taken += take;
        }
        out.unrecovered = rest - taken;
        out
    }
}

/// Entries that open a lot: points earned or granted, expiring at
/// `expires_at` (or never).
pub fn open_lot(at: DateTime<Utc>, kind: LedgerKind, amount: i64, expires_at: Option<DateTime<Utc>>) -> NewPoints {
    NewPoints { at, kind, amount, expires_at, lot: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(day: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().with_timezone(&Utc) + Duration::days(day)
    }

    /// Writes entries into a ledger with fresh ids, as the store does.
    struct Ledger {
        entries: Vec<PointsEntry>,
    }

    impl Ledger {
        fn write(&mut self, new: Vec<NewPoints>) -> Vec<i64> {
            self.write_for(None, None, new)
        }
        /// Writes the entries of sale `sale` (or of a refund reversing
        /// `reverses`).
        fn write_for(&mut self, sale: Option<i64>, reverses: Option<i64>, new: Vec<NewPoints>) -> Vec<i64> {
            new.into_iter()
                .map(|n| {
                    let id = self.entries.len() as i64 + 1;
                    self.entries.push(PointsEntry { sale, reverses, ..n.stored(id) });
                    id
                })
                .collect()
        }
        fn book(&self) -> PointsBook {
            PointsBook::replay(&self.entries)
        }
    }

    #[test]
    fn an_entry_squared_elsewhere_counts_in_the_sum_only() {
        // Entry 3 drew 700 from lot 99, which another customer keeps.
        let mut l = Ledger { entries: Vec::new() };
        l.write(vec![open_lot(t(0), LedgerKind::Earn, 500, Some(t(60)))]);
        l.write(vec![open_lot(t(0), LedgerKind::Earn, 100, Some(t(30)))]);
        let spend = NewPoints { at: t(1), kind: LedgerKind::Redeem, amount: -700, expires_at: None, lot: Some(99) };
        l.entries.push(PointsEntry { elsewhere: true, ..spend.stored(3) });
        let book = l.book();
        assert_eq!(book.balance(), -100);
        assert_eq!(
            book.lots().iter().map(|x| x.remaining).collect::<Vec<_>>(),
            vec![500, 100],
            "no lot here is touched"
        );
        assert_eq!(book.usable_total(t(1)), 600, "the sum owes 700 the lots still hold: the undo pays it");
        // Not squared (an undo from before), the same entry is drawn here.
        l.entries[2].elsewhere = false;
        let book = l.book();
        assert_eq!((book.balance(), book.usable_total(t(1))), (-100, -100));
    }

    #[test]
    fn a_squaring_entry_takes_from_its_lot_what_was_spent_before_it_expired() {
        // Lot 1 (100, expiring on day 10) was drawn by an entry that a
        // merge undo has since moved to the other customer; on day 20 the
        // undo squares it: the lot gives up 100, repaid as a lot that
        // never expires. The lot never expired: it had been spent.
        let mut l = Ledger { entries: vec![] };
        let lot = l.write(vec![open_lot(t(0), LedgerKind::Earn, 100, Some(t(10)))])[0];
        let give_up = NewPoints { at: t(20), kind: LedgerKind::Adjust, amount: -100, expires_at: None, lot: Some(lot) };
        l.entries.push(PointsEntry { targeted: true, ..give_up.stored(2) });
        l.write(vec![open_lot(t(20), LedgerKind::Adjust, 100, None)]);
        let book = l.book();
        let drawn = book.lot(lot).unwrap();
        assert_eq!((drawn.remaining, drawn.spent, drawn.expired), (0, 100, 0));
        assert_eq!((book.balance(), book.debt(), book.available(t(30))), (100, 0, 100));
        // An ordinary spend on day 20 finds the lot expired: a debt, which
        // the next lot pays.
        l.entries[1].targeted = false;
        let book = l.book();
        assert_eq!(book.lot(lot).unwrap().expired, 100);
        assert_eq!((book.balance(), book.debt(), book.available(t(30))), (0, 0, 0));
    }

    #[test]
    fn a_debt_is_paid_by_the_next_lot_so_its_points_do_not_expire_twice() {
        // 40 spent that no lot held; then 100 earned: 60 usable, spent; the
        // lot is then empty, and its expiry takes nothing.
        let mut l = Ledger { entries: vec![] };
        let spend = NewPoints { at: t(0), kind: LedgerKind::Adjust, amount: -40, expires_at: None, lot: None };
        l.write(vec![spend]);
        l.write(vec![open_lot(t(1), LedgerKind::Earn, 100, Some(t(10)))]);
        assert_eq!((l.book().debt(), l.book().usable_total(t(2))), (0, 60));
        l.write(l.book().spend(60, t(2), LedgerKind::Redeem).unwrap());
        let mut book = l.book();
        assert_eq!(book.expire_through(t(20)), 0);
        assert_eq!(book.balance(), 0);
        // The debtor's draw on the lot that paid it is on record (a merge
        // undo squares what each entry drew).
        assert!(book.draws().contains(&(1, 2, -40)), "{:?}", book.draws());
    }

    #[test]
    fn a_refund_gives_back_where_the_replay_drew_whatever_lot_its_writer_named() {
        // Sale 1 redeemed 100 (drawn from lot x, expiring on day 5); one
        // counter wrote the give-back naming x, another (which saw x
        // expired when it applied the sale) as a lot of its own. Both are
        // the same refund: the 100 go back to x, and expire with it.
        for named in [true, false] {
            let mut l = Ledger { entries: vec![] };
            let x = l.write(vec![open_lot(t(0), LedgerKind::Earn, 100, Some(t(5)))])[0];
            let spend = NewPoints { at: t(1), kind: LedgerKind::Redeem, amount: -100, expires_at: None, lot: None };
            l.write_for(Some(1), None, vec![spend]);
            let back = if named {
                NewPoints { at: t(9), kind: LedgerKind::Reverse, amount: 100, expires_at: None, lot: Some(x) }
            } else {
                open_lot(t(9), LedgerKind::Reverse, 100, Some(t(374)))
            };
            l.write_for(Some(2), Some(1), vec![back]);
            let book = l.book();
            assert_eq!((book.balance(), book.lot(x).unwrap().expired), (0, 100), "named: {named}");
        }
    }

    #[test]
    fn a_lot_opened_later_is_not_usable_before_it() {
        let mut l = Ledger { entries: vec![] };
        l.write(vec![open_lot(t(5), LedgerKind::Earn, 100, None)]);
        assert_eq!((l.book().usable_total(t(4)), l.book().available(t(4))), (0, 0));
        assert!(l.book().spend(10, t(4), LedgerKind::Redeem).is_err());
        assert_eq!(l.book().usable_total(t(5)), 100);
    }

    #[test]
    fn an_owner_gift_without_expiry_is_never_taken_by_the_expiry_of_another_lot() {
        // The reproduced bug: a gift of 100 (no expiry), then 400 earned;
        // a year later the 400 expire, and on the next visit nothing more.
        let mut l = Ledger { entries: vec![] };
        l.write(vec![open_lot(t(0), LedgerKind::Adjust, 100, None)]);
        l.write(vec![open_lot(t(1), LedgerKind::Earn, 400, Some(t(366)))]);
        let mut book = l.book();
        assert_eq!(book.due(t(400)), 400, "only the earned lot is due");
        assert_eq!(book.expire_through(t(400)), 400);
        assert_eq!(book.balance(), 100);
        assert_eq!(book.expire_through(t(800)), 0, "the gift never expires");
        assert_eq!(book.available(t(800)), 100);
    }

    #[test]
    fn spending_draws_on_the_lot_that_expires_first() {
        let mut l = Ledger { entries: vec![] };
        let gift = l.write(vec![open_lot(t(0), LedgerKind::Adjust, 100, None)])[0];
        let late = l.write(vec![open_lot(t(1), LedgerKind::Earn, 50, Some(t(300)))])[0];
        let soon = l.write(vec![open_lot(t(2), LedgerKind::Adjust, 30, Some(t(100)))])[0];
        let spend = l.book().spend(60, t(10), LedgerKind::Redeem).unwrap();
        let lots: Vec<(Option<i64>, i64)> = spend.iter().map(|e| (e.lot, e.amount)).collect();
        assert_eq!(lots, vec![(Some(soon), -30), (Some(late), -30)], "soonest expiry first; the gift last");
        l.write(spend);
        assert_eq!(l.book().lot(gift).unwrap().remaining, 100);
        assert_eq!(
            l.book().spend(121, t(10), LedgerKind::Redeem),
            Err(NotEnoughPoints { wanted: 121, available: 120 })
        );
    }

    #[test]
    fn a_refund_gives_back_to_the_lots_it_took_from_and_takes_back_what_it_earned() {
        let mut l = Ledger { entries: vec![] };
        let a = l.write(vec![open_lot(t(0), LedgerKind::Earn, 500, Some(t(365)))])[0];
        // A sale redeems 200 and earns 40.
        let spent = l.book().spend(200, t(10), LedgerKind::Redeem).unwrap();
        l.write_for(Some(1), None, spent.clone());
        let earned = l.write_for(Some(1), None, vec![open_lot(t(10), LedgerKind::Earn, 40, Some(t(375)))])[0];
        assert_eq!(l.book().balance(), 340);
        // Refunded: 200 back to lot a, 40 taken from the sale's own lot.
        let taken: Vec<(Option<i64>, i64)> = spent.iter().map(|e| (e.lot, -e.amount)).collect();
        let back = l.book().give_back(&taken, t(20));
        l.write_for(Some(2), Some(1), back);
        let tb = l.book().take_back(earned, 40, t(20));
        assert_eq!(tb.unrecovered, 0);
        l.write_for(Some(2), Some(1), tb.entries);
        let book = l.book();
        assert_eq!(book.balance(), 500);
        assert_eq!(book.lot(a).unwrap().remaining, 500, "the redeemed points are back in their own lot");
        assert_eq!(book.lot(earned).unwrap().remaining, 0);
    }

    #[test]
    fn taking_back_points_already_spent_never_goes_below_zero() {
        let mut l = Ledger { entries: vec![] };
        let earned = l.write_for(Some(1), None, vec![open_lot(t(0), LedgerKind::Earn, 300, Some(t(365)))])[0];
        l.write(l.book().spend(250, t(1), LedgerKind::Redeem).unwrap());
        l.write(vec![open_lot(t(2), LedgerKind::Adjust, 100, None)]);
        let tb = l.book().take_back(earned, 300, t(3));
        // 50 left in its own lot, then 100 of the 250 spent from the gift.
        assert_eq!(tb.entries.iter().map(|e| e.amount).sum::<i64>(), -150);
        assert_eq!(tb.unrecovered, 150);
        l.write_for(Some(2), Some(1), tb.entries);
        assert_eq!(l.book().balance(), 0);
    }

    #[test]
    fn points_that_expired_unused_are_not_taken_back_twice() {
        let mut l = Ledger { entries: vec![] };
        let earned = l.write(vec![open_lot(t(0), LedgerKind::Earn, 300, Some(t(10)))])[0];
        l.write(vec![open_lot(t(1), LedgerKind::Adjust, 100, None)]);
        let mut book = l.book();
        book.expire_through(t(20));
        let tb = book.take_back(earned, 300, t(20));
        assert!(tb.entries.is_empty(), "the sale's points expired; the gift is not taken: {:?}", tb.entries);
        assert_eq!(tb.unrecovered, 0);
    }

    #[test]
    fn legacy_unlinked_spends_are_allocated_at_their_own_moment() {
        let entries = vec![
            open_lot(t(0), LedgerKind::Earn, 100, Some(t(5))).stored(1),
            open_lot(t(1), LedgerKind::Adjust, 50, None).stored(2),
            NewPoints { at: t(6), kind: LedgerKind::Redeem, amount: -30, expires_at: None, lot: None }.stored(3),
        ];
        let book = PointsBook::replay(&entries);
        let expired = book.lot(1).unwrap();
        assert_eq!((expired.spent, expired.expired), (0, 100), "an expired lot is not spent from");
        assert_eq!(book.lot(2).unwrap().remaining, 20);
        assert_eq!(book.available(t(6)), 20);
    }

    #[test]
    fn expiring_soon_and_due() {
        let mut l = Ledger { entries: vec![] };
        l.write(vec![open_lot(t(0), LedgerKind::Earn, 100, Some(t(30)))]);
        l.write(vec![open_lot(t(0), LedgerKind::Earn, 50, Some(t(40)))]);
        let book = l.book();
        assert_eq!(book.due(t(29)), 0);
        assert_eq!(book.due(t(30)), 100, "expiry is inclusive of the expiry instant");
        assert_eq!(book.expiring_soon(t(20), Duration::days(30)), Some((150, t(30))));
        assert_eq!(book.expiring_soon(t(0), Duration::days(5)), None);
        assert_eq!(book.expiring_soon(DateTime::<Utc>::MAX_UTC, Duration::days(5)), None, "no overflow");
    }
}

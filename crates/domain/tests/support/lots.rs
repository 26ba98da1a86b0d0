//! The reference model both points property tests check against (the pure
//! lot ledger in `crates/domain/tests/points.rs`, the store's in
//! `crates/store/tests/points.rs`): a plain list of lots, written
//! separately from `dangol_domain::points`, nothing else.

#![allow(dead_code)]

use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct RefLot {
    pub expires: Option<DateTime<Utc>>,
    pub left: i64,
    /// Points of this lot used (spent or taken back), net of give-backs.
    pub used: i64,
}

#[derive(Debug, Clone)]
pub struct RefSale {
    /// (lot, points) the sale redeemed.
    pub taken: Vec<(usize, i64)>,
    /// (lot, points) the sale earned, if any.
    pub earned: Option<(usize, i64)>,
    pub refunded: bool,
}

#[derive(Debug, Default)]
pub struct LotModel {
    pub lots: Vec<RefLot>,
    pub sales: Vec<RefSale>,
}

impl LotModel {
    pub fn alive(&self, i: usize, now: DateTime<Utc>) -> bool {
        self.lots[i].expires.is_none_or(|e| e > now)
    }

    /// What the customer can use now: the alive lots' remainders.
    pub fn balance(&self, now: DateTime<Utc>) -> i64 {
        (0..self.lots.len()).filter(|&i| self.alive(i, now)).map(|i| self.lots[i].left).sum()
    }

    /// A new lot; returns its index.
    pub fn open(&mut self, expires: Option<DateTime<Utc>>, points: i64) -> usize {
        self.lots.push(RefLot { expires, left: points, used: 0 });
        self.lots.len() - 1
    }

    /// Takes up to `n` from the alive lots, soonest expiry first (lots that
    /// never expire last), skipping `except`.
    pub fn take(&mut self, n: i64, now: DateTime<Utc>, except: Option<usize>) -> Vec<(usize, i64)> {
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

    /// True if `sale` exists and is not refunded yet.
    pub fn refundable(&self, sale: usize) -> bool {
        self.sales.get(sale).is_some_and(|s| !s.refunded)
    }

    /// Refunds a refundable sale: gives back to the lots it redeemed from,
    /// then takes back what it earned (from its own lot first, then from the
    /// others); returns the sale as it was.
    pub fn refund(&mut self, sale: usize, now: DateTime<Utc>) -> RefSale {
        let s = self.sales[sale].clone();
        for &(i, n) in &s.taken {
            self.lots[i].left += n;
            self.lots[i].used -= n;
        }
        if let Some((l, earned)) = s.earned {
            let own = if self.alive(l, now) { self.lots[l].left.min(earned) } else { 0 };
            self.lots[l].left -= own;
            self.lots[l].used += own;
            let rest = (earned - own).min(self.lots[l].used - own).max(0);
            self.take(rest, now, Some(l));
        }
        self.sales[sale].refunded = true;
        s
    }
}

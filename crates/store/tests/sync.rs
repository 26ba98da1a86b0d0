//! Counters that sync through a hub, in one process: generated work at
//! three counters (registrations with phones that collide across counters,
//! sales with points and coupons, refunds, feedback and resolutions,
//! coupons, adjustments), synced in a generated order with lost
//! acknowledgements and pages pulled twice. Checked against what a
//! separate bookkeeping of the run says:
//! - after everyone syncs, every counter has the same state digest;
//! - every sale made anywhere is at every counter exactly once;
//! - points are held in escrow: checked after every step against a god's
//!   view (a separate store that gets every counter's events at once, as
//!   if no network could fail), no customer's points ever go below zero,
//!   so redeemed never exceeds earned, however the counters were cut off;
//!   after healing, every counter's allowances and the pool add up to the
//!   balance, and none is below zero;
//! - stamps below zero (no escrow for stamps) are always reported;
//! - each phone is one customer everywhere, whichever counter registered it
//!   first;
//! - a coupon used at two counters offline is used by the earlier sale at
//!   every counter, and the other is reported.

mod common;

use common::*;
use dangol_domain::customer::{CustomerInput, CustomerPatch};
use dangol_domain::feedback::FeedbackKind;
use dangol_hub::{EventLog, PushedEvent, SqliteLog};
use dangol_store::sync::IncomingEvent;
use dangol_store::{Store, Viewer};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// How an unreliable network treats one sync.
#[derive(Debug, Clone, Copy)]
struct Weather {
    /// The hub took the push but its answer was lost.
    lose_ack: bool,
    /// The page was pulled but the counter stopped before applying it; it
    /// is pulled again (and the first page is applied twice).
    repull: bool,
}

/// One round as `dangol-sync` runs it: push, pull, move points in escrow
/// to where the customers are, and push and pull again if any moved.
fn sync(c: &mut Counter, hub: &mut SqliteLog, w: Weather) {
    push(c, hub, w.lose_ack);
    pull(c, hub, w.repull);
    if c.store.escrow_rebalance(&mut c.ids).unwrap() > 0 {
        push(c, hub, false);
        pull(c, hub, false);
    }
}

fn push(c: &mut Counter, hub: &mut SqliteLog, lose_ack: bool) {
    let device = c.store.device();
    let out: Vec<PushedEvent> = c.store.sync_outgoing(10_000).unwrap().into_iter().map(to_hub).collect();
    if !out.is_empty() {
        let ack = hub.push(device, &out).expect("a healthy counter's push is accepted");
        if !lose_ack {
            c.store.sync_acked(ack.acked_seq).unwrap();
        }
    }
}

fn pull(c: &mut Counter, hub: &mut SqliteLog, repull: bool) {
    let device = c.store.device();
    let after = c.store.sync_status().unwrap().pulled_pos;
    let page: Vec<IncomingEvent> = hub.pull(after, 10_000, Some(device)).unwrap().into_iter().map(from_hub).collect();
    c.store.sync_apply(&page).unwrap();
    // Every counter's catalog came by a bulk load, which is not carried as
    // events; every other kind applies.
    let held = c
        .store
        .reader()
        .query_column("SELECT kind || ': ' || note FROM inbox WHERE state = 'quarantined' AND kind != 'demo.generated'")
        .unwrap();
    assert!(held.is_empty(), "every event kind applies: {held:?}");
    if repull {
        let again = c.store.sync_apply(&page).unwrap();
        assert_eq!((again.applied, again.already), (0, page.len()), "a page applied twice applies once");
    }
}

/// A god's view of the shop: every counter's events the moment they are
/// written, applied to a separate store, so its ledgers are the shop's
/// true balances whatever the real network did.
struct God {
    hub: SqliteLog,
    store: Store,
    sent: Vec<i64>,
}

impl God {
    fn new(counters: usize) -> God {
        let (mut store, _) = shop_seeded(&all_rule_ids(), 999);
        store.sync_identity("http://god.test", || "g".repeat(40)).unwrap();
        God { hub: SqliteLog::open_in_memory().unwrap(), store, sent: vec![0; counters] }
    }

    fn see(&mut self, cs: &[Counter]) {
        for (i, c) in cs.iter().enumerate() {
            let events: Vec<PushedEvent> = c
                .store
                .outbox_after(self.sent[i], 100_000)
                .unwrap()
                .into_iter()
                .map(|e| PushedEvent {
                    seq: e.seq,
                    event_id: e.event_id,
                    at_ms: e.at.timestamp_millis(),
                    kind: e.kind,
                    schema_version: e.schema_version,
                    payload: e.payload.to_string(),
                })
                .collect();
            if let Some(last) = events.last() {
                self.sent[i] = last.seq;
                self.hub.push(c.store.device(), &events).unwrap();
            }
        }
        let after = self.store.sync_status().unwrap().pulled_pos;
        let page: Vec<IncomingEvent> =
            self.hub.pull(after, 100_000, Some(self.store.device())).unwrap().into_iter().map(from_hub).collect();
        self.store.sync_apply(&page).unwrap();
    }
}

/// Customers whose points balance (as the ledger's replay derives it) is
/// below zero in `s`.
fn below_zero(s: &Store) -> Vec<String> {
    s.points_balances().unwrap().into_iter().filter(|(_, b)| *b < 0).map(|(id, b)| format!("{id}: {b}")).collect()
}

const PHONES: [&str; 4] = ["010-1111-0001", "010-1111-0002", "010-1111-0003", "010-1111-0004"];

#[derive(Debug, Clone)]
enum Op {
    /// A registration, maybe with a loyalty card (a few codes, so two
    /// counters offline give one to two customers).
    Register {
        c: usize,
        phone: usize,
        card: Option<usize>,
    },
    /// The owner's import writes a product (a few SKUs and barcodes, so
    /// two counters offline give one barcode to two products, and move
    /// on from it).
    Product {
        c: usize,
        sku: usize,
        barcode: Option<usize>,
        price: i64,
    },
    /// The owner's import gives the customer with `phone` a card.
    Card {
        c: usize,
        phone: usize,
        card: usize,
    },
    Sale {
        c: usize,
        who: usize,
        lines: Vec<(usize, i64)>,
    },
    Feedback {
        c: usize,
        who: usize,
    },
    Resolve {
        c: usize,
    },
    IssueCoupon {
        c: usize,
        who: usize,
    },
    UseCoupon {
        c: usize,
        who: usize,
    },
    Refund {
        c: usize,
    },
    /// The owner at `c` refunds one of the latest sales it knows standing,
    /// wherever it was made (so two counters cut off from each other may
    /// refund the same one).
    RefundAny {
        c: usize,
        nth: usize,
    },
    Adjust {
        c: usize,
        who: usize,
        points: i64,
    },
    /// A sale paid partly with points (as many as the counter lets).
    Redeem {
        c: usize,
        who: usize,
        cakes: i64,
    },
    /// The owner gives a customer points at one counter (so there is
    /// plenty to redeem at several counters at once).
    Gift {
        c: usize,
        who: usize,
    },
    /// The owner changes a shared setting at one counter.
    Setting {
        c: usize,
        limit: i64,
    },
    Sync {
        c: usize,
        lose_ack: bool,
        repull: bool,
    },
    /// A cashier edits a customer's notes or preferred name (a register),
    /// also on a registration sync will merge into another.
    Edit {
        c: usize,
        who: usize,
        notes: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let c = 0..3usize;
    prop_oneof![
        3 => (c.clone(), 0..PHONES.len(), proptest::option::of(0..CARDS.len()))
            .prop_map(|(c, phone, card)| Op::Register { c, phone, card }),
        1 => (c.clone(), 0..PHONES.len(), 0..CARDS.len()).prop_map(|(c, phone, card)| Op::Card { c, phone, card }),
        1 => (c.clone(), 0..3usize, proptest::option::of(0..3usize), 1..5i64)
            .prop_map(|(c, sku, barcode, price)| Op::Product { c, sku, barcode, price: price * 1000 }),
        5 => (c.clone(), 0..8usize, proptest::collection::vec((0..5usize, 1..4i64), 1..4))
            .prop_map(|(c, who, lines)| Op::Sale { c, who, lines }),
        1 => (c.clone(), 0..8usize).prop_map(|(c, who)| Op::Feedback { c, who }),
        1 => c.clone().prop_map(|c| Op::Resolve { c }),
        2 => (c.clone(), 0..8usize).prop_map(|(c, who)| Op::IssueCoupon { c, who }),
        4 => (c.clone(), 0..8usize).prop_map(|(c, who)| Op::UseCoupon { c, who }),
        1 => c.clone().prop_map(|c| Op::Refund { c }),
        3 => (c.clone(), 0..3usize).prop_map(|(c, nth)| Op::RefundAny { c, nth }),
        2 => (c.clone(), 0..8usize, -3000..3000i64).prop_map(|(c, who, points)| Op::Adjust { c, who, points }),
        2 => (c.clone(), 0..8usize).prop_map(|(c, who)| Op::Gift { c, who }),
        4 => (c.clone(), 0..8usize, 1..4i64).prop_map(|(c, who, cakes)| Op::Redeem { c, who, cakes }),
        1 => (c.clone(), 1..50i64).prop_map(|(c, limit)| Op::Setting { c, limit: limit * 1000 }),
        2 => (c.clone(), 0..8usize, any::<bool>()).prop_map(|(c, who, notes)| Op::Edit { c, who, notes }),
        4 => (c, any::<bool>(), any::<bool>()).prop_map(|(c, lose_ack, repull)| Op::Sync { c, lose_ack, repull }),
    ]
}

const CARDS: [&str; 3] = ["CARD-1", "CARD-2", "CARD-3"];

const SKUS: [&str; 5] = ["AMR", "LATTE", "SALT", "BREAD", "CAKE"];

/// The customers a counter knows, in a stable order.
fn customers(s: &Store) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = PHONES
        .iter()
        .filter_map(|p| s.lookup(p, 1, &Viewer::Cashier).ok())
        .filter_map(|r| r.hits.first().map(|h| h.id))
        .collect();
    ids.sort();
    ids
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut hub = SqliteLog::open_in_memory().unwrap();
    let mut cs: Vec<Counter> = (0..3).map(|i| counter(100 + i)).collect();
    let mut god = God::new(cs.len());
    let mut now = at();
    // The run's own bookkeeping.
    let mut sales_made: BTreeSet<Uuid> = BTreeSet::new();
    let mut coupon_uses: BTreeMap<String, Vec<(chrono::DateTime<chrono::Utc>, Uuid)>> = BTreeMap::new();
    let mut last_sale: Vec<Option<Uuid>> = vec![None; 3];
    // Each refund taken: its reversal's id and the sale it refunds.
    let mut refunds: Vec<(Uuid, Uuid)> = Vec::new();
    let mut open_feedback: Vec<Vec<Uuid>> = vec![Vec::new(); 3];
    // The customers (as registered or found) each card code was given to.
    let mut cards_given: BTreeMap<String, BTreeSet<Uuid>> = BTreeMap::new();
    let mut coupon_n = 0;
    for op in ops {
        now += minutes(1);
        for c in cs.iter_mut() {
            clock(&mut c.store, now);
        }
        match op {
            Op::Register { c, phone, card } => {
                let k = &mut cs[*c];
                let card_code = card.map(|i| CARDS[i].to_string());
                if let Ok(r) = k.store.add_customer(
                    CustomerInput { card_code: card_code.clone(), ..input(&format!("손님{phone}"), PHONES[*phone]) },
                    &Viewer::Cashier,
                    now,
                    &mut k.ids,
                ) && let Some(code) = card_code
                {
                    cards_given.entry(code).or_default().insert(r.id);
                }
            }
            Op::Product { c, sku, barcode, price } => {
                let k = &mut cs[*c];
                // A blank barcode keeps the one the product claims here.
                let code = barcode.map(|b| format!("880999900{b:04}")).unwrap_or_default();
                let csv = format!("sku,name,category,price,barcode\nNEW{sku},새 상품,베이커리,{price},{code}\n");
                let _ = k.store.owner_import_products(csv.as_bytes(), now, &mut k.ids);
            }
            Op::Card { c, phone, card } => {
                let k = &mut cs[*c];
                let csv = format!("name,phone,card_code\n손님{phone},{},{}\n", PHONES[*phone], CARDS[*card]);
                if k.store.owner_import_customers(csv.as_bytes(), now, &mut k.ids).is_ok() {
                    let id = k.store.lookup(PHONES[*phone], 1, &Viewer::Cashier).unwrap().hits[0].id;
                    cards_given.entry(CARDS[*card].to_string()).or_default().insert(id);
                }
            }
            Op::Sale { c, who, lines } => {
                let k = &mut cs[*c];
                let known = customers(&k.store);
                if known.is_empty() {
                    continue;
                }
                let customer = known[who % known.len()];
                let lines: Vec<(&str, i64)> = lines.iter().map(|(s, q)| (SKUS[*s], *q)).collect();
                let best = preview(&k.store, customer, &lines, now).best.rule_ids;
                // Coupons are used by UseCoupon only, so their use is known.
                if best.iter().any(|r| r == "coupon-3000") {
                    continue;
                }
                let best: Vec<&str> = best.iter().map(String::as_str).collect();
                let r = k
                    .store
                    .checkout(&checkout_req(customer, &lines, apply(&best), now), None, &mut k.ids)
                    .map_err(|e| TestCaseError::fail(format!("{op:?}: {e}")))?;
                sales_made.insert(r.sale_id);
                last_sale[*c] = Some(r.sale_id);
            }
            Op::Edit { c, who, notes } => {
                let k = &mut cs[*c];
                let known = customers(&k.store);
                if let Some(customer) = known.get(who % known.len().max(1)) {
                    let value = format!("e{c}-{}", now.timestamp() % 100_000);
                    let patch = match notes {
                        true => CustomerPatch { notes: Some(value), ..Default::default() },
                        false => CustomerPatch { preferred_name: Some(value), ..Default::default() },
                    };
                    k.store.edit_customer(*customer, patch, &Viewer::Cashier, now, &mut k.ids).unwrap();
                }
            }
            Op::Feedback { c, who } => {
                let k = &mut cs[*c];
                let known = customers(&k.store);
                if let Some(customer) = known.get(who % known.len().max(1)) {
                    let f = k
                        .store
                        .add_feedback(*customer, FeedbackKind::Complaint, "맛", "너무 짰어요", now, &mut k.ids)
                        .unwrap();
                    open_feedback[*c].push(f.id);
                }
            }
            Op::Resolve { c } => {
                let k = &mut cs[*c];
                if let Some(id) = open_feedback[*c].pop() {
                    k.store.resolve_feedback(id, "사과하고 다시 구웠습니다", now, &mut k.ids).unwrap();
                }
            }
            Op::IssueCoupon { c, who } => {
                let k = &mut cs[*c];
                let known = customers(&k.store);
                if let Some(customer) = known.get(who % known.len().max(1)) {
                    coupon_n += 1;
                    k.store
                        .issue_coupon(
                            &k.owner,
                            *customer,
                            "coupon-3000",
                            &format!("C{c}-{coupon_n}"),
                            now + days(30),
                            now,
                            &mut k.ids,
                        )
                        .unwrap();
                }
            }
            Op::UseCoupon { c, who } => {
                let k = &mut cs[*c];
                let known = customers(&k.store);
                if known.is_empty() {
                    continue;
                }
                let customer = known[who % known.len()];
                let lines = [("CAKE", 1)];
                let p = preview(&k.store, customer, &lines, now);
                if !p.best.rule_ids.iter().any(|r| r == "coupon-3000") {
                    continue;
                }
                let best: Vec<&str> = p.best.rule_ids.iter().map(String::as_str).collect();
                let r = k
                    .store
                    .checkout(&checkout_req(customer, &lines, apply(&best), now), None, &mut k.ids)
                    .map_err(|e| TestCaseError::fail(format!("{op:?}: {e}")))?;
                sales_made.insert(r.sale_id);
                let code = r.discounts.iter().find_map(|d| d.coupon_id).expect("the coupon was used");
                coupon_uses.entry(code.to_string()).or_default().push((now, r.sale_id));
            }
            Op::Refund { c } => {
                let k = &mut cs[*c];
                if let Some(sale) = last_sale[*c].take() {
                    let owner = k.owner.clone();
                    if let Ok(r) = k.store.refund(&owner, sale, "손님 변심", now, &mut k.ids) {
                        refunds.push((r.reversal_id, sale));
                    }
                }
            }
            Op::RefundAny { c, nth } => {
                let k = &mut cs[*c];
                let known: Vec<Uuid> = k
                    .store
                    .reader()
                    .query_column(
                        "SELECT lower(hex(s.id)) FROM sales s WHERE s.reverses IS NULL
                         AND NOT EXISTS (SELECT 1 FROM sales r WHERE r.reverses = s.rid) ORDER BY s.at DESC, s.id",
                    )
                    .unwrap()
                    .iter()
                    .map(|h| Uuid::parse_str(h).unwrap())
                    .collect();
                if let Some(&sale) = known.get(nth % known.len().max(1)) {
                    let owner = k.owner.clone();
                    if let Ok(r) = k.store.refund(&owner, sale, "손님 변심", now, &mut k.ids) {
                        refunds.push((r.reversal_id, sale));
                    }
                }
            }
            Op::Adjust { c, who, points } => {
                let k = &mut cs[*c];
                let known = customers(&k.store);
                if *points != 0
                    && let Some(customer) = known.get(who % known.len().max(1))
                {
                    let owner = k.owner.clone();
                    let _ = k.store.adjust_balances(&owner, *customer, *points, 0, None, "보정", now, &mut k.ids);
                }
            }
            Op::Redeem { c, who, cakes } => {
                let k = &mut cs[*c];
                let known = customers(&k.store);
                if known.is_empty() {
                    continue;
                }
                let customer = known[who % known.len()];
                let lines = [("CAKE", *cakes)];
                let p = preview(&k.store, customer, &lines, now);
                if p.best.rule_ids.iter().any(|r| r == "coupon-3000") {
                    continue;
                }
                let mut rules: Vec<&str> = p.best.rule_ids.iter().map(String::as_str).collect();
                rules.push("points");
                match k.store.checkout(&checkout_req(customer, &lines, apply(&rules), now), None, &mut k.ids) {
                    Ok(r) => {
                        sales_made.insert(r.sale_id);
                        last_sale[*c] = Some(r.sale_id);
                    }
                    // Too few points here to redeem: the gate says so.
                    Err(e) if e.kind() == "rule_not_eligible" || e.kind() == "checkout_refused" => {}
                    Err(e) => return Err(TestCaseError::fail(format!("{op:?}: {e}"))),
                }
            }
            Op::Gift { c, who } => {
                let k = &mut cs[*c];
                let known = customers(&k.store);
                if let Some(customer) = known.get(who % known.len().max(1)) {
                    let owner = k.owner.clone();
                    k.store.adjust_balances(&owner, *customer, 5_000, 0, None, "단골 선물", now, &mut k.ids).unwrap();
                }
            }
            Op::Setting { c, limit } => {
                let k = &mut cs[*c];
                let owner = k.owner.clone();
                k.store.update_setting(&owner, "goodwill_limit", &limit.to_string(), now, &mut k.ids).unwrap();
            }
            Op::Sync { c, lose_ack, repull } => {
                sync(&mut cs[*c], &mut hub, Weather { lose_ack: *lose_ack, repull: *repull })
            }
        }
        // Escrow: the shop's true balances never go below zero, and no
        // counter ever sees one that does.
        god.see(&cs);
        let truth = below_zero(&god.store);
        prop_assert!(truth.is_empty(), "after {:?} the shop's points went below zero: {:?}", op, truth);
        for (i, c) in cs.iter().enumerate() {
            let seen = below_zero(&c.store);
            prop_assert!(seen.is_empty(), "after {:?} counter {} sees points below zero: {:?}", op, i, seen);
        }
    }
    // Heal: everyone syncs until nothing moves (twice round is enough:
    // the first round gets every event to the hub, the second to everyone).
    for _ in 0..2 {
        for c in cs.iter_mut() {
            sync(c, &mut hub, Weather { lose_ack: false, repull: false });
        }
    }
    let digests: Vec<String> = cs.iter().map(|c| c.store.state_digest().unwrap()).collect();
    // The refunds in the hub's order.
    let placed_reversals: Vec<(Uuid, i64)> = hub
        .pull(0, 1_000_000, None)
        .unwrap()
        .into_iter()
        .filter(|e| e.event.kind == "sale.reversed")
        .map(|e| {
            let p: serde_json::Value = serde_json::from_str(&e.event.payload).unwrap();
            (Uuid::parse_str(p["reversal_id"].as_str().unwrap()).unwrap(), e.pos)
        })
        .collect();
    prop_assert!(digests.windows(2).all(|w| w[0] == w[1]), "every counter converges: {digests:?}");
    for c in &cs {
        let status = c.store.sync_status().unwrap();
        prop_assert_eq!(status.waiting, 0);
        let held = c.store.reader().query_column("SELECT lower(hex(id)) FROM sales").unwrap();
        let held: BTreeSet<String> = held.into_iter().collect();
        // Every sale, and of each refunded sale's refunds the first in the
        // hub's order (two counters cut off from each other may both have
        // refunded it; the other is reported).
        let mut made: BTreeSet<String> = sales_made.iter().map(|s| s.simple().to_string()).collect();
        let mut first: BTreeMap<Uuid, Uuid> = BTreeMap::new();
        for (reversal, _) in &placed_reversals {
            let original = refunds.iter().find(|(r, _)| r == reversal).map(|(_, o)| *o).unwrap();
            first.entry(original).or_insert(*reversal);
        }
        made.extend(first.values().map(|r| r.simple().to_string()));
        prop_assert_eq!(&held, &made, "every sale, exactly once");
        // Stamps have no escrow: two counters can each redeem them offline;
        // the second redemption to arrive is recorded as it happened (a
        // debt), and the owner is told. A balance below zero nobody was
        // told about is a failure.
        let negative = c
            .store
            .reader()
            .query_column(
                "SELECT hex(k.id) FROM customers k WHERE
                   (SELECT coalesce(sum(stamps), 0) FROM stamp_ledger WHERE customer = k.rid) < 0",
            )
            .unwrap();
        // Points are in escrow: nothing was ever overdrawn, and every
        // counter's allowance and the pool add up to the balance.
        let overdrawn: Vec<_> = c
            .store
            .sync_anomalies(&c.owner, 10_000)
            .unwrap()
            .into_iter()
            .filter(|x| x.kind == "points_overdrawn" || x.kind == "points_overdraft")
            .collect();
        prop_assert!(overdrawn.is_empty(), "points overdrawn: {:?}", overdrawn);
        // (None below zero is checked once no counter moves any: a counter
        // left below zero, by a refund of its own voided after it spent
        // what the refund gave back, is made whole by the holders' returns,
        // which take a round more to reach everyone.)
        for customer in customers(&c.store) {
            let (allowances, pool) = c.store.escrow_allowances(customer).unwrap();
            let held: i64 = allowances.iter().map(|(_, a)| a).sum::<i64>() + pool;
            let balance = c.store.profile(customer, now, &Viewer::Cashier).unwrap().points;
            prop_assert_eq!(held, balance, "allowances and the pool add up to the balance");
        }
        let told: BTreeSet<Uuid> = c
            .store
            .sync_anomalies(&c.owner, 10_000)
            .unwrap()
            .iter()
            .filter(|x| x.kind.ends_with("_overdrawn"))
            .filter_map(|x| Uuid::parse_str(&x.subject).ok())
            .collect();
        let untold: Vec<&String> = negative.iter().filter(|h| !told.contains(&Uuid::parse_str(h).unwrap())).collect();
        prop_assert!(untold.is_empty(), "a balance below zero is always reported: {:?}", untold);
        // A card some profile claims is held by exactly one customer, one
        // it was given to (or a registration merged into them).
        for (code, given) in &cards_given {
            let holders = c.store.lookup(code, 5, &Viewer::Cashier).unwrap().hits;
            let claims = c
                .store
                .reader()
                .query_column(&format!("SELECT count(*) FROM customers WHERE card_claim = '{code}'"))
                .unwrap();
            let claimed = claims[0] != "0";
            prop_assert_eq!(holders.len(), usize::from(claimed), "{} has one holder while claimed", code);
            if !claimed {
                continue;
            }
            let to: BTreeSet<Uuid> =
                given.iter().filter_map(|id| c.store.profile(*id, now, &Viewer::Cashier).ok().map(|p| p.id)).collect();
            prop_assert!(to.contains(&holders[0].id), "{} is held by one it was given to: {:?}", code, holders);
        }
        // A barcode some product's latest write claims is held by exactly
        // one of them.
        let unheld = c
            .store
            .reader()
            .query_column(
                "SELECT DISTINCT barcode_claim FROM products p WHERE barcode_claim IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM products h WHERE h.barcode = p.barcode_claim)",
            )
            .unwrap();
        prop_assert!(unheld.is_empty(), "claimed barcodes no product holds: {:?}", unheld);
        let phones = c.store.reader().query_column("SELECT phone FROM customers").unwrap();
        let distinct: BTreeSet<&String> = phones.iter().collect();
        prop_assert_eq!(distinct.len(), phones.len(), "each phone is one customer");
        for (coupon, uses) in &coupon_uses {
            let earliest = uses.iter().min().unwrap().1;
            let used_by = c
                .store
                .reader()
                .query_column(&format!(
                    "SELECT lower(hex(s.id)) FROM coupons k JOIN sales s ON s.rid = k.used_sale WHERE lower(hex(k.id)) = '{}'",
                    Uuid::parse_str(coupon).unwrap().simple()
                ))
                .unwrap();
            let refunded = c
                .store
                .reader()
                .query_column(&format!(
                    "SELECT 1 FROM sales s JOIN sales o ON o.rid = s.reverses WHERE lower(hex(o.id)) = '{}'",
                    earliest.simple()
                ))
                .unwrap();
            if refunded.is_empty() {
                prop_assert_eq!(used_by, vec![earliest.simple().to_string()], "the earliest use keeps the coupon");
            }
        }
    }
    // Escrow is left out of the digest (points move between allowances
    // after every round): once no counter moves any, every counter holds
    // the same allowances and pool for every customer.
    for _ in 0..10 {
        let moved: usize = cs
            .iter_mut()
            .map(|c| {
                sync(c, &mut hub, Weather { lose_ack: false, repull: false });
                c.store.sync_status().unwrap().pulled_pos as usize
            })
            .collect::<Vec<_>>()
            .windows(2)
            .filter(|w| w[0] != w[1])
            .count();
        if moved == 0 && cs.iter().all(|c| c.store.sync_status().unwrap().waiting == 0) {
            break;
        }
    }
    for customer in customers(&cs[0].store) {
        for c in &cs {
            let (allowances, pool) = c.store.escrow_allowances(customer).unwrap();
            prop_assert!(pool >= 0 && allowances.iter().all(|(_, a)| *a >= 0), "{:?} {}", allowances, pool);
        }
        let held = |c: &Counter| {
            let (a, pool) = c.store.escrow_allowances(customer).unwrap();
            (a.into_iter().filter(|(_, h)| *h != 0).collect::<Vec<_>>(), pool)
        };
        let first = held(&cs[0]);
        for c in &cs[1..] {
            prop_assert_eq!(held(c), first.clone(), "every counter holds the same allowances for {}", customer);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn counters_converge_and_nothing_is_lost_or_doubled(ops in proptest::collection::vec(op(), 1..60)) {
        run(&ops)?;
    }
}

/// B sells and refunds; A, offline, registers the same phone, sells and
/// redeems (from its own sale's lot). At A the refund arrives after the
/// redemption and was worked out on the book as it stood then, where the
/// redemption had drawn the refunded sale's lot: it reported the points it
/// could not take there as overdrawn, although at the refund's moment they
/// were all in that lot. The replay, which puts the refund at its moment,
/// decides what no lot covered. (Found by the property test above, shrunk.)
#[test]
fn a_refund_applied_after_a_later_redemption_is_not_overdrawn() {
    let ops = [
        Op::Register { c: 1, phone: 0, card: None },
        Op::Sale { c: 1, who: 0, lines: vec![(0, 1)] },
        Op::Refund { c: 1 },
        Op::Register { c: 0, phone: 0, card: None },
        Op::Sale { c: 0, who: 0, lines: vec![(0, 1), (4, 3)] },
        Op::Redeem { c: 0, who: 0, cakes: 1 },
    ];
    run(&ops).unwrap();
}

#[test]
fn the_same_phone_at_two_counters_becomes_one_customer_with_both_histories() {
    let mut hub = SqliteLog::open_in_memory().unwrap();
    let (mut a, mut b) = (counter(1), counter(2));
    let w = Weather { lose_ack: false, repull: false };
    let t = at();
    clock(&mut a.store, t);
    clock(&mut b.store, t + minutes(5));
    let first = a.store.add_customer(input("김영희", "010-2222-3333"), &Viewer::Cashier, t, &mut a.ids).unwrap().id;
    let second = b
        .store
        .add_customer(input("김영희", "010-2222-3333"), &Viewer::Cashier, t + minutes(5), &mut b.ids)
        .unwrap()
        .id;
    clock(&mut a.store, t + minutes(10));
    clock(&mut b.store, t + minutes(10));
    checkout_best(&mut a.store, &mut a.ids, first, &[("SALT", 1)], t + minutes(10));
    checkout_best(&mut b.store, &mut b.ids, second, &[("AMR", 1)], t + minutes(10));
    // B syncs first: its registration reaches the hub first, and still the
    // earlier registration (A's) survives everywhere.
    for _ in 0..2 {
        sync(&mut b, &mut hub, w);
        sync(&mut a, &mut hub, w);
    }
    for c in [&a, &b] {
        let p = c.store.profile(second, t + minutes(11), &Viewer::Cashier).expect("the merged id still finds them");
        assert_eq!(p.id, first, "the earlier registration survives");
        assert_eq!(p.visits, 2, "both counters' visits are one history");
        let found = c.store.lookup("3333", 5, &Viewer::Cashier).unwrap();
        assert_eq!(found.hits.len(), 1, "one customer for one phone");
    }
    assert_eq!(a.store.state_digest().unwrap(), b.store.state_digest().unwrap());
    let anomalies = b.store.sync_anomalies(&b.owner, 10).unwrap();
    assert!(anomalies.iter().any(|x| x.kind == "customers_merged"), "the owner sees the merge: {anomalies:?}");
}

#[test]
fn an_unknown_event_or_a_newer_schema_is_kept_in_quarantine_and_the_rest_applies() {
    let mut c = counter(3);
    let other = Uuid::from_u128(0xABC);
    let event = |pos: i64, kind: &str, version: i64| IncomingEvent {
        pos,
        device: other,
        seq: pos,
        event_id: Uuid::from_u128(0xE000 + pos as u128),
        at_ms: at().timestamp_millis(),
        kind: kind.into(),
        schema_version: version,
        payload: r#"{"sku":"NEW","name":"새 빵","category":"베이커리","price":3000,"barcode":null}"#.into(),
    };
    let report = c
        .store
        .sync_apply(&[
            event(1, "loyalty.teleported", 1),
            event(2, "product.upserted", 2),
            event(3, "product.upserted", 1),
        ])
        .unwrap();
    assert_eq!((report.applied, report.quarantined), (1, 2));
    let status = c.store.sync_status().unwrap();
    assert_eq!((status.pulled_pos, status.quarantined), (3, 2), "kept, reported, cursor past them");
    let kept =
        c.store.reader().query_column("SELECT note FROM inbox WHERE state = 'quarantined' ORDER BY pos").unwrap();
    assert!(kept[0].contains("loyalty.teleported") && kept[1].contains("newer"), "{kept:?}");
}

#[test]
fn cursors_only_move_forward_and_a_hub_claiming_more_than_this_file_is_refused() {
    let mut c = counter(4);
    add(&mut c.store, &mut c.ids, "박철수", "010-3333-4444", None, None);
    let own = c.store.sync_outgoing(100).unwrap().len() as i64;
    c.store.sync_acked(own).unwrap();
    c.store.sync_acked(1).unwrap();
    assert_eq!(c.store.sync_status().unwrap().pushed_seq, own, "an older acknowledgement does not move it back");
    let err = c.store.sync_acked(own + 5).unwrap_err();
    assert_eq!(err.kind(), "sync_diverged", "{err}");
}

#[test]
fn a_coupon_used_at_two_counters_offline_goes_to_the_earlier_sale_whichever_syncs_first() {
    for later_syncs_first in [false, true] {
        let mut hub = SqliteLog::open_in_memory().unwrap();
        let (mut a, mut b) = (counter(5), counter(6));
        let w = Weather { lose_ack: false, repull: false };
        let t = at();
        let who = add(&mut a.store, &mut a.ids, "이순자", "010-4444-5555", None, None);
        let owner = a.owner.clone();
        a.store.issue_coupon(&owner, who, "coupon-3000", "GIFT-1", t + days(30), t, &mut a.ids).unwrap();
        sync(&mut a, &mut hub, w);
        sync(&mut b, &mut hub, w);
        // Offline, both counters take the same coupon.
        let first = checkout_best(&mut a.store, &mut a.ids, who, &[("CAKE", 1)], t + minutes(1));
        let second = checkout_best(&mut b.store, &mut b.ids, who, &[("CAKE", 1)], t + minutes(2));
        assert!(first.discounts.iter().chain(&second.discounts).all(|d| d.rule_id == "coupon-3000"));
        if later_syncs_first {
            sync(&mut b, &mut hub, w);
            sync(&mut a, &mut hub, w);
        } else {
            sync(&mut a, &mut hub, w);
            sync(&mut b, &mut hub, w);
        }
        sync(&mut a, &mut hub, w);
        sync(&mut b, &mut hub, w);
        for c in [&a, &b] {
            let used = c
                .store
                .reader()
                .query_column("SELECT lower(hex(s.id)) FROM coupons k JOIN sales s ON s.rid = k.used_sale")
                .unwrap();
            assert_eq!(used, vec![first.sale_id.simple().to_string()], "the earlier sale keeps the coupon");
            let sales = c.store.reader().query_column("SELECT count(*) FROM sales").unwrap();
            assert_eq!(sales, vec!["2"], "both sales happened and both are kept");
        }
        let seen = [&a, &b].map(|c| c.store.sync_anomalies(&c.owner, 10).unwrap());
        assert!(
            seen.iter().flatten().any(|x| x.kind == "coupon_used_twice"),
            "the owner sees the coupon used twice: {seen:?}"
        );
        assert_eq!(a.store.state_digest().unwrap(), b.store.state_digest().unwrap());
    }
}

#[test]
fn points_follow_the_customer_and_a_counter_redeems_only_what_it_holds() {
    let mut hub = SqliteLog::open_in_memory().unwrap();
    let (mut a, mut b) = (counter(11), counter(12));
    let w = Weather { lose_ack: false, repull: false };
    let mut t = at();
    let mut step = |a: &mut Counter, b: &mut Counter| {
        t += minutes(1);
        clock(&mut a.store, t);
        clock(&mut b.store, t);
        t
    };
    let now = step(&mut a, &mut b);
    let who = a.store.add_customer(input("박단골", "010-7777-1234"), &Viewer::Cashier, now, &mut a.ids).unwrap().id;
    let owner = a.owner.clone();
    a.store.adjust_balances(&owner, who, 5_000, 0, None, "단골 선물", now, &mut a.ids).unwrap();
    sync(&mut a, &mut hub, w);
    sync(&mut b, &mut hub, w);
    // B sees the balance but holds none of it: it offers no redemption and
    // refuses one, saying where the points are.
    let now = step(&mut a, &mut b);
    let card = b.store.profile(who, now, &Viewer::Cashier).unwrap();
    assert_eq!((card.points, card.points_held_here), (5_000, Some(0)));
    let owner_b = b.owner.clone();
    let err = b.store.adjust_balances(&owner_b, who, -100, 0, None, "정정", now, &mut b.ids).unwrap_err();
    assert_eq!(err.kind(), "points_elsewhere", "{err}");
    assert!(
        err.message(dangol_domain::i18n::Lang::Ko).contains("다른 계산대"),
        "{}",
        err.message(dangol_domain::i18n::Lang::Ko)
    );
    // The customer shops at B: A returns the points at its next round, B
    // claims them at its next; then B redeems and A may not.
    checkout_best(&mut b.store, &mut b.ids, who, &[("AMR", 1)], now);
    sync(&mut b, &mut hub, w);
    sync(&mut a, &mut hub, w);
    assert_eq!(a.store.escrow_view(who).unwrap().held_here, 0, "A returned what it held");
    sync(&mut b, &mut hub, w);
    let now = step(&mut a, &mut b);
    let held_b = b.store.escrow_view(who).unwrap().held_here;
    assert!(held_b >= 5_000, "B claimed the pool: {held_b}");
    b.store.adjust_balances(&owner_b, who, -3_000, 0, None, "정정", now, &mut b.ids).unwrap();
    let err = a.store.adjust_balances(&owner, who, -100, 0, None, "정정", now, &mut a.ids).unwrap_err();
    assert_eq!(err.kind(), "points_elsewhere");
    // The owner's overdraft lets A redeem a little beyond what it holds,
    // and the owner sees it.
    let mut loyalty = dangol_domain::loyalty::LoyaltySettings { offline_overdraft_points: 2_000, ..Default::default() };
    loyalty.points_warning_days = 30;
    a.store.update_setting(&owner, "loyalty", &serde_json::to_string(&loyalty).unwrap(), now, &mut a.ids).unwrap();
    let p = preview_req(who, &[("CAKE", 2)], now);
    let p = a.store.preview(&p).unwrap();
    let mut rules: Vec<&str> = p.best.rule_ids.iter().map(String::as_str).collect();
    rules.push("points");
    let r = a.store.checkout(&checkout_req(who, &[("CAKE", 2)], apply(&rules), now), None, &mut a.ids).unwrap();
    assert!(r.points_redeemed > 0 && r.points_redeemed <= 2_000, "{}", r.points_redeemed);
    let seen = a.store.sync_anomalies(&a.owner, 10).unwrap();
    assert!(seen.iter().any(|x| x.kind == "points_overdraft"), "{seen:?}");
    for _ in 0..2 {
        sync(&mut a, &mut hub, w);
        sync(&mut b, &mut hub, w);
    }
    assert_eq!(a.store.state_digest().unwrap(), b.store.state_digest().unwrap());
}

#[test]
fn a_sale_refunded_at_two_counters_offline_ends_the_same_everywhere() {
    let mut hub = SqliteLog::open_in_memory().unwrap();
    let (mut a, mut b) = (counter(21), counter(22));
    let w = Weather { lose_ack: false, repull: false };
    let now = at();
    clock(&mut a.store, now);
    clock(&mut b.store, now);
    let who = a.store.add_customer(input("박단골", "010-7777-4321"), &Viewer::Cashier, now, &mut a.ids).unwrap().id;
    let sale = checkout_best(&mut a.store, &mut a.ids, who, &[("CAKE", 2)], now).sale_id;
    sync(&mut a, &mut hub, w);
    sync(&mut b, &mut hub, w);
    // Cut off from each other, both owners refund the same sale.
    let later = now + minutes(5);
    clock(&mut a.store, later);
    clock(&mut b.store, later);
    let (oa, ob) = (a.owner.clone(), b.owner.clone());
    a.store.refund(&oa, sale, "손님 변심", later, &mut a.ids).unwrap();
    let first = b.store.refund(&ob, sale, "손님 변심", later + minutes(1), &mut b.ids).unwrap().reversal_id;
    // B's refund reaches the hub first: it stands, at B and at A.
    for _ in 0..2 {
        sync(&mut b, &mut hub, w);
        sync(&mut a, &mut hub, w);
    }
    assert_eq!(a.store.state_digest().unwrap(), b.store.state_digest().unwrap(), "both counters agree");
    for c in [&a, &b] {
        let held =
            c.store.reader().query_column("SELECT lower(hex(id)) FROM sales WHERE reverses IS NOT NULL").unwrap();
        assert_eq!(held, vec![first.simple().to_string()], "the refund first in the hub's order stands");
    }
    let seen = [&a, &b].map(|c| c.store.sync_anomalies(&c.owner, 10).unwrap());
    assert!(seen.iter().all(|s| s.iter().any(|x| x.kind == "refunded_twice")), "{seen:?}");
}

/// Two counters, cut off from each other, write the same thing offline;
/// then each syncs, in the given order, until both hold everything.
fn offline_pair(seed: u64) -> (SqliteLog, Counter, Counter) {
    let mut hub = SqliteLog::open_in_memory().unwrap();
    let (mut a, mut b) = (counter(seed), counter(seed + 1));
    let w = Weather { lose_ack: false, repull: false };
    sync(&mut a, &mut hub, w);
    sync(&mut b, &mut hub, w);
    (hub, a, b)
}

fn heal(hub: &mut SqliteLog, first: &mut Counter, second: &mut Counter) {
    let w = Weather { lose_ack: false, repull: false };
    for _ in 0..2 {
        sync(first, hub, w);
        sync(second, hub, w);
    }
}

#[test]
fn a_rule_saved_at_two_counters_offline_is_the_later_save_everywhere() {
    for a_first in [true, false] {
        let (mut hub, mut a, mut b) = offline_pair(31);
        let now = at();
        clock(&mut a.store, now);
        clock(&mut b.store, now);
        let (oa, ob) = (a.owner.clone(), b.owner.clone());
        let mut ra = rule("senior-65");
        ra.name = "경로 우대 A".into();
        let mut rb = rule("senior-65");
        rb.name = "경로 우대 B".into();
        a.store.upsert_rule(&oa, &ra, now, &mut a.ids).unwrap();
        b.store.upsert_rule(&ob, &rb, now + minutes(1), &mut b.ids).unwrap();
        if a_first {
            heal(&mut hub, &mut a, &mut b);
        } else {
            heal(&mut hub, &mut b, &mut a);
        }
        for c in [&a, &b] {
            let name = c.store.rules().unwrap().into_iter().find(|r| r.id == "senior-65").unwrap().name;
            assert_eq!(name, "경로 우대 B", "the later save stands (A synced first: {a_first})");
        }
        assert_eq!(a.store.state_digest().unwrap(), b.store.state_digest().unwrap());
    }
}

#[test]
fn one_barcode_given_to_two_products_offline_syncs_and_ends_the_same_everywhere() {
    for a_first in [true, false] {
        let (mut hub, mut a, mut b) = offline_pair(41);
        let now = at();
        clock(&mut a.store, now);
        clock(&mut b.store, now);
        let csv = |sku: &str, price: i64| {
            format!("sku,name,category,price,barcode\n{sku},새 상품,베이커리,{price},8809999000011\n")
        };
        a.store.owner_import_products(csv("NEWA", 3000).as_bytes(), now, &mut a.ids).unwrap();
        b.store.owner_import_products(csv("NEWB", 3500).as_bytes(), now + minutes(1), &mut b.ids).unwrap();
        // And the same product's price, changed at both.
        a.store
            .owner_import_products("sku,name,category,price\nSALT,소금빵,베이커리,3300\n".as_bytes(), now, &mut a.ids)
            .unwrap();
        b.store
            .owner_import_products(
                "sku,name,category,price\nSALT,소금빵,베이커리,3400\n".as_bytes(),
                now + minutes(1),
                &mut b.ids,
            )
            .unwrap();
        if a_first {
            heal(&mut hub, &mut a, &mut b);
        } else {
            heal(&mut hub, &mut b, &mut a);
        }
        for c in [&a, &b] {
            let held: Vec<String> =
                c.store.reader().query_column("SELECT sku FROM products WHERE barcode = '8809999000011'").unwrap();
            assert_eq!(held, vec!["NEWB".to_string()], "the later write holds the barcode (A synced first: {a_first})");
            let price: Vec<String> =
                c.store.reader().query_column("SELECT price FROM products WHERE sku = 'SALT'").unwrap();
            assert_eq!(price, vec!["3400".to_string()], "the later price stands");
            let told = c.store.sync_anomalies(&c.owner, 20).unwrap();
            assert!(told.iter().any(|x| x.kind == "barcode_taken"), "{told:?}");
        }
        assert_eq!(a.store.state_digest().unwrap(), b.store.state_digest().unwrap());
    }
}

#[test]
fn feedback_resolved_at_two_counters_offline_keeps_the_earlier_resolution_everywhere() {
    for a_first in [true, false] {
        let (mut hub, mut a, mut b) = offline_pair(51);
        let now = at();
        clock(&mut a.store, now);
        clock(&mut b.store, now);
        let who = a.store.add_customer(input("최단골", "010-5555-1212"), &Viewer::Cashier, now, &mut a.ids).unwrap().id;
        let f = a.store.add_feedback(who, FeedbackKind::Complaint, "맛", "너무 짰어요", now, &mut a.ids).unwrap().id;
        heal(&mut hub, &mut a, &mut b);
        a.store.resolve_feedback(f, "사과하고 환불해 드렸습니다", now + minutes(1), &mut a.ids).unwrap();
        b.store.resolve_feedback(f, "다시 구워 드렸습니다", now + minutes(2), &mut b.ids).unwrap();
        if a_first {
            heal(&mut hub, &mut a, &mut b);
        } else {
            heal(&mut hub, &mut b, &mut a);
        }
        for c in [&a, &b] {
            let kept: Vec<String> = c.store.reader().query_column("SELECT resolution FROM feedback").unwrap();
            assert_eq!(kept, vec!["사과하고 환불해 드렸습니다".to_string()], "A synced first: {a_first}");
        }
        assert!(b.store.sync_anomalies(&b.owner, 20).unwrap().iter().any(|x| x.kind == "feedback_resolved_twice"));
        assert_eq!(a.store.state_digest().unwrap(), b.store.state_digest().unwrap());
    }
}

#[test]
fn one_coupon_code_issued_at_two_counters_offline_stays_with_the_earlier_everywhere() {
    for a_first in [true, false] {
        let (mut hub, mut a, mut b) = offline_pair(61);
        let now = at();
        clock(&mut a.store, now);
        clock(&mut b.store, now);
        let who = a.store.add_customer(input("최단골", "010-5555-3434"), &Viewer::Cashier, now, &mut a.ids).unwrap().id;
        heal(&mut hub, &mut a, &mut b);
        let (oa, ob) = (a.owner.clone(), b.owner.clone());
        a.store.issue_coupon(&oa, who, "coupon-3000", "WELCOME", now + days(30), now + minutes(1), &mut a.ids).unwrap();
        b.store.issue_coupon(&ob, who, "coupon-3000", "WELCOME", now + days(30), now + minutes(2), &mut b.ids).unwrap();
        if a_first {
            heal(&mut hub, &mut a, &mut b);
        } else {
            heal(&mut hub, &mut b, &mut a);
        }
        for c in [&a, &b] {
            let holder: Vec<String> =
                c.store.reader().query_column("SELECT issued_at FROM coupons WHERE code = 'WELCOME'").unwrap();
            let first = (now + minutes(1)).timestamp_millis().to_string();
            assert_eq!(holder, vec![first], "the earlier issue keeps the code (A first: {a_first})");
            let renamed: Vec<String> =
                c.store.reader().query_column("SELECT code FROM coupons WHERE code LIKE 'WELCOME~%'").unwrap();
            assert_eq!(renamed.len(), 1, "the other keeps its id under a code that says so");
        }
        assert_eq!(a.store.state_digest().unwrap(), b.store.state_digest().unwrap());
    }
}

#[test]
fn a_dismissed_optional_discount_is_remembered_the_same_at_every_counter() {
    let (mut hub, mut a, mut b) = offline_pair(71);
    let now = at();
    clock(&mut a.store, now);
    clock(&mut b.store, now);
    let who = a.store.add_customer(input("최단골", "010-5555-5656"), &Viewer::Cashier, now, &mut a.ids).unwrap().id;
    let owner = a.owner.clone();
    a.store.adjust_balances(&owner, who, 5_000, 0, None, "단골 선물", now, &mut a.ids).unwrap();
    let lines = [("CAKE", 1)];
    let best: Vec<String> =
        preview(&a.store, who, &lines, now).best.rule_ids.into_iter().filter(|r| r != "points").collect();
    let decision = dangol_domain::gate::Decision {
        apply: best,
        dismiss: vec![("points".to_string(), "다음에 쓸게요".to_string())],
    };
    a.store.checkout(&checkout_req(who, &lines, decision, now), None, &mut a.ids).unwrap();
    heal(&mut hub, &mut a, &mut b);
    let dismissed = |c: &Counter| -> Vec<String> {
        c.store.reader().query_column("SELECT key || ' ' || action FROM prompt_log ORDER BY key, action").unwrap()
    };
    assert!(dismissed(&a).iter().any(|k| k.starts_with("discount:points")), "{:?}", dismissed(&a));
    assert_eq!(dismissed(&b), dismissed(&a), "B remembers what A's cashier dismissed");
    assert_eq!(a.store.state_digest().unwrap(), b.store.state_digest().unwrap());
}

#[test]
fn a_rule_saved_before_clocks_were_kept_counts_at_its_moment() {
    let (mut hub, mut a, mut b) = offline_pair(81);
    let now = at();
    clock(&mut a.store, now);
    clock(&mut b.store, now);
    let (oa, ob) = (a.owner.clone(), b.owner.clone());
    let mut early = rule("senior-65");
    early.name = "경로 우대 B".into();
    let mut late = rule("senior-65");
    late.name = "경로 우대 A".into();
    b.store.upsert_rule(&ob, &early, now + minutes(1), &mut b.ids).unwrap();
    a.store.upsert_rule(&oa, &late, now + minutes(2), &mut a.ids).unwrap();
    // Both saves were made by a build that kept no clocks for rules.
    for c in [&mut a, &mut b] {
        c.store.connection().execute("DELETE FROM setting_clock WHERE key LIKE 'rule:%'", []).unwrap();
    }
    heal(&mut hub, &mut a, &mut b);
    for c in [&a, &b] {
        let name = c.store.rules().unwrap().into_iter().find(|r| r.id == "senior-65").unwrap().name;
        assert_eq!(name, "경로 우대 A", "the later save stands");
    }
    assert_eq!(a.store.state_digest().unwrap(), b.store.state_digest().unwrap());
}

/// Who holds `card` at `c` (its id), and the customers whose profile
/// claims it.
fn card_holder(c: &Counter, card: &str) -> (Vec<String>, Vec<String>) {
    let r = c.store.reader();
    let held = r.query_column(&format!("SELECT lower(hex(id)) FROM customers WHERE card_code = '{card}'")).unwrap();
    let claims = r
        .query_column(&format!("SELECT lower(hex(id)) FROM customers WHERE card_claim = '{card}' ORDER BY id"))
        .unwrap();
    (held, claims)
}

#[test]
fn a_card_given_to_two_customers_offline_has_one_holder_everywhere_and_goes_back_when_given_up() {
    for a_first in [true, false] {
        let (mut hub, mut a, mut b) = offline_pair(51);
        let now = at();
        clock(&mut a.store, now);
        clock(&mut b.store, now);
        for phone in ["010-7000-0003", "010-7000-0004"] {
            a.store.add_customer(input("손님", phone), &Viewer::Cashier, now, &mut a.ids).unwrap();
        }
        heal(&mut hub, &mut a, &mut b);
        // Registered with one card at two counters offline.
        let kim = a
            .store
            .add_customer(
                CustomerInput { card_code: Some("CARD-7".into()), ..input("김카드", "010-7000-0001") },
                &Viewer::Cashier,
                now,
                &mut a.ids,
            )
            .unwrap()
            .id;
        let lee = b
            .store
            .add_customer(
                CustomerInput { card_code: Some("CARD-7".into()), ..input("이카드", "010-7000-0002") },
                &Viewer::Cashier,
                now + minutes(1),
                &mut b.ids,
            )
            .unwrap()
            .id;
        // And two customers both counters know given one card by the
        // owner's import, B's later.
        let with_card = |phone: &str| format!("name,phone,card_code\n손님,{phone},CARD-5\n");
        a.store.owner_import_customers(with_card("010-7000-0003").as_bytes(), now, &mut a.ids).unwrap();
        b.store.owner_import_customers(with_card("010-7000-0004").as_bytes(), now + minutes(2), &mut b.ids).unwrap();
        if a_first {
            heal(&mut hub, &mut a, &mut b);
        } else {
            heal(&mut hub, &mut b, &mut a);
        }
        let (first, _) = card_holder(&a, "CARD-7");
        for c in [&a, &b] {
            let (held, claims) = card_holder(c, "CARD-7");
            assert_eq!(held.len(), 1, "one holder (A synced first: {a_first})");
            assert_eq!(held, first, "the same holder at every counter (A synced first: {a_first})");
            assert_eq!(claims.len(), 2, "both profiles keep their claim");
            let found = c.store.lookup("CARD-7", 5, &Viewer::Cashier).unwrap();
            assert_eq!(found.hits.len(), 1, "the card finds its holder only");
            for who in [kim, lee] {
                let shown = c.store.profile(who, now, &Viewer::Cashier).unwrap().card_code;
                let holds = held[0] == who.simple().to_string();
                assert_eq!(shown.is_some(), holds, "a profile shows a card only where it finds them");
            }
            // Of two writes, the later holds.
            let later = c.store.lookup("010-7000-0004", 1, &Viewer::Cashier).unwrap().hits[0].id;
            assert_eq!(card_holder(c, "CARD-5").0, vec![later.simple().to_string()], "the later write holds CARD-5");
            let told = c.store.sync_anomalies(&c.owner, 50).unwrap();
            assert_eq!(told.iter().filter(|x| x.kind == "card_code_taken").count(), 2, "{told:?}");
        }
        assert_eq!(a.store.state_digest().unwrap(), b.store.state_digest().unwrap());
        // The holder of CARD-5 is given another card at B: the card goes
        // back to the other claim, at every counter.
        b.store
            .owner_import_customers(
                "name,phone,card_code\n손님,010-7000-0004,CARD-6\n".as_bytes(),
                now + minutes(3),
                &mut b.ids,
            )
            .unwrap();
        heal(&mut hub, &mut a, &mut b);
        let earlier = a.store.lookup("010-7000-0003", 1, &Viewer::Cashier).unwrap().hits[0].id;
        for c in [&a, &b] {
            assert_eq!(card_holder(c, "CARD-5").0, vec![earlier.simple().to_string()], "given back");
        }
        assert_eq!(a.store.state_digest().unwrap(), b.store.state_digest().unwrap());
    }
}

/// A survivor without a card takes the merged registration's, and the id
/// decides between claims stamped alike: where the survivor's id came to
/// the row after the card was settled, counters parted on who held it.
/// (Found by the property test above, shrunk.)
#[test]
fn a_card_taken_at_a_merge_is_settled_under_the_survivors_id() {
    let ops = [
        Op::Register { c: 2, phone: 3, card: Some(2) },
        Op::Register { c: 1, phone: 1, card: None },
        Op::Register { c: 0, phone: 3, card: None },
        Op::Register { c: 0, phone: 1, card: Some(2) },
    ];
    run(&ops).unwrap();
}

#[test]
fn a_barcode_its_holder_moves_on_from_goes_back_to_the_other_product_everywhere() {
    for a_first in [true, false] {
        let (mut hub, mut a, mut b) = offline_pair(61);
        let now = at();
        clock(&mut a.store, now);
        clock(&mut b.store, now);
        let csv = |sku: &str, barcode: &str| {
            format!("sku,name,category,price,barcode\n{sku},새 상품,베이커리,3000,{barcode}\n")
        };
        a.store.owner_import_products(csv("NEWA", "8809999000011").as_bytes(), now, &mut a.ids).unwrap();
        // B gives the same barcode to another product, later, and then
        // moves that product to a barcode of its own, all before hearing
        // of A's.
        b.store.owner_import_products(csv("NEWB", "8809999000011").as_bytes(), now + minutes(1), &mut b.ids).unwrap();
        b.store.owner_import_products(csv("NEWB", "8809999000028").as_bytes(), now + minutes(2), &mut b.ids).unwrap();
        if a_first {
            heal(&mut hub, &mut a, &mut b);
        } else {
            heal(&mut hub, &mut b, &mut a);
        }
        for c in [&a, &b] {
            let held = |code: &str| {
                c.store.reader().query_column(&format!("SELECT sku FROM products WHERE barcode = '{code}'")).unwrap()
            };
            assert_eq!(held("8809999000011"), vec!["NEWA".to_string()], "given back (A synced first: {a_first})");
            assert_eq!(held("8809999000028"), vec!["NEWB".to_string()]);
        }
        assert_eq!(a.store.state_digest().unwrap(), b.store.state_digest().unwrap());
    }
}
/// Three registrations of one phone, the earliest without a card, the
/// other two with one each: the survivor took whichever merged card
/// arrived first, so counters parted. It takes the earliest merged
/// registration's now. (Found by the property test above, shrunk.)
#[test]
fn a_survivor_without_a_card_takes_the_earliest_merged_registrations_card() {
    let ops = [
        Op::Register { c: 2, phone: 0, card: None },
        Op::Register { c: 0, phone: 0, card: Some(2) },
        Op::Card { c: 1, phone: 0, card: 0 },
        Op::Sync { c: 1, lose_ack: false, repull: false },
    ];
    run(&ops).unwrap();
}

/// Two counters refund one sale offline; the one whose refund comes second
/// in the hub's order spent the points its refund gave back before it
/// heard of the other's, and is left below zero once it voids its own: the
/// counter holding the customer's points returns what it misses, a round
/// later than the other counters first hear of it. (Found by the property
/// test above, shrunk; its check of allowances below zero now waits until
/// no counter moves any.)
#[test]
fn a_counter_that_spent_what_its_voided_refund_gave_back_is_made_whole() {
    let ops = [
        Op::Register { c: 1, phone: 0, card: None },
        Op::Sale { c: 1, who: 0, lines: vec![(4, 1), (1, 3)] },
        Op::Redeem { c: 1, who: 0, cakes: 1 },
        Op::Sync { c: 1, lose_ack: false, repull: false },
        Op::Sync { c: 2, lose_ack: false, repull: false },
        Op::Refund { c: 1 },
        Op::Sale { c: 2, who: 0, lines: vec![(0, 2)] },
        Op::RefundAny { c: 2, nth: 1 },
        Op::Redeem { c: 2, who: 0, cakes: 1 },
    ];
    run(&ops).unwrap();
}
/// Two counters cut off from each other refund one sale paid partly with
/// points, and each spends the points its refund gave back: one refund is
/// voided once the other is placed first, so the shop's balance went below
/// zero (the god's view). A refund's points are spendable once the hub's
/// order placed it. (Found by the property test above, shrunk.)
#[test]
fn points_a_refund_gives_back_are_spent_only_once_the_hub_placed_it() {
    let ops = [
        Op::Register { c: 1, phone: 0, card: None },
        Op::Register { c: 0, phone: 0, card: None },
        Op::Gift { c: 0, who: 0 },
        Op::Sale { c: 0, who: 0, lines: vec![(0, 1)] },
        Op::Register { c: 1, phone: 0, card: None },
        Op::Sale { c: 0, who: 0, lines: vec![(0, 1)] },
        Op::Sale { c: 0, who: 0, lines: vec![(0, 1)] },
        Op::RefundAny { c: 0, nth: 0 },
        Op::Redeem { c: 0, who: 0, cakes: 1 },
        Op::RefundAny { c: 0, nth: 1 },
        Op::Sync { c: 0, lose_ack: false, repull: false },
        Op::RefundAny { c: 0, nth: 0 },
        Op::Sync { c: 2, lose_ack: false, repull: false },
        Op::Redeem { c: 0, who: 0, cakes: 1 },
        Op::RefundAny { c: 2, nth: 2 },
        Op::Redeem { c: 2, who: 0, cakes: 1 },
    ];
    run(&ops).unwrap();
}

/// A counter holding none of a customer's points refunds, offline, a sale
/// paid partly with points (the points come back to it, not spendable
/// until the hub places the refund) and then a sale that earned points.
/// Another counter refunds the first sale too, is placed first, and spends
/// everything the customer has. Had the second refund taken back what the
/// sale earned from the first refund's points, the first refund's void
/// would leave the customer owing what nobody holds: it takes back only
/// what this counter holds, the rest reported as not recovered, and no
/// balance goes below zero. (Found by a fresh-eyes review.)
#[test]
fn a_refund_takes_back_only_what_this_counter_holds_not_what_an_unplaced_refund_gave_back() {
    let mut hub = SqliteLog::open_in_memory().unwrap();
    let (mut a, mut b) = (counter(71), counter(72));
    let w = Weather { lose_ack: false, repull: false };
    let now = at();
    clock(&mut a.store, now);
    clock(&mut b.store, now);
    let who = b.store.add_customer(input("정단골", "010-7777-5555"), &Viewer::Cashier, now, &mut b.ids).unwrap().id;
    let ob = b.owner.clone();
    b.store.adjust_balances(&ob, who, 5_000, 0, None, "단골 선물", now, &mut b.ids).unwrap();
    let redeem = |c: &mut Counter, cakes: i64, when| {
        let p = preview(&c.store, who, &[("CAKE", cakes)], when);
        let mut rules: Vec<&str> = p.best.rule_ids.iter().map(String::as_str).collect();
        rules.push("points");
        c.store.checkout(&checkout_req(who, &[("CAKE", cakes)], apply(&rules), when), None, &mut c.ids).unwrap()
    };
    let paid_with_points = redeem(&mut b, 2, now);
    assert!(paid_with_points.points_redeemed > 0, "{paid_with_points:?}");
    let earning = checkout_best(&mut b.store, &mut b.ids, who, &[("BREAD", 1)], now + minutes(1));
    assert!(earning.points_earned > 0 && earning.points_earned <= paid_with_points.points_redeemed);
    sync(&mut b, &mut hub, w);
    sync(&mut a, &mut hub, w);
    // Offline: A (holding none of the customer's points) refunds both.
    let later = now + minutes(5);
    clock(&mut a.store, later);
    clock(&mut b.store, later);
    let oa = a.owner.clone();
    a.store.refund(&oa, paid_with_points.sale_id, "손님 변심", later, &mut a.ids).unwrap();
    let second = a.store.refund(&oa, earning.sale_id, "손님 변심", later + minutes(1), &mut a.ids).unwrap();
    assert_eq!(second.points_unrecovered, earning.points_earned, "A holds none of them: {second:?}");
    // B refunds the first sale too, reaches the hub first, and the
    // customer spends everything at B.
    b.store.refund(&ob, paid_with_points.sale_id, "손님 변심", later + minutes(2), &mut b.ids).unwrap();
    sync(&mut b, &mut hub, w);
    for cakes in [40, 20, 10, 5, 2, 1] {
        let p = preview(&b.store, who, &[("CAKE", cakes)], later + minutes(3));
        let mut rules: Vec<&str> = p.best.rule_ids.iter().map(String::as_str).collect();
        rules.push("points");
        let _ = b.store.checkout(
            &checkout_req(who, &[("CAKE", cakes)], apply(&rules), later + minutes(3)),
            None,
            &mut b.ids,
        );
    }
    for _ in 0..3 {
        sync(&mut a, &mut hub, w);
        sync(&mut b, &mut hub, w);
    }
    assert_eq!(a.store.state_digest().unwrap(), b.store.state_digest().unwrap());
    for c in [&a, &b] {
        assert!(below_zero(&c.store).is_empty(), "{:?}", below_zero(&c.store));
        let told = c.store.sync_anomalies(&c.owner, 50).unwrap();
        assert!(!told.iter().any(|x| x.kind == "points_overdrawn"), "{told:?}");
    }
}

#[test]
fn a_price_change_neither_takes_a_barcode_back_nor_gives_up_its_claim() {
    for a_first in [true, false] {
        let (mut hub, mut a, mut b) = offline_pair(81);
        let now = at();
        clock(&mut a.store, now);
        clock(&mut b.store, now);
        let csv = |sku: &str, price: i64, barcode: &str| {
            format!("sku,name,category,price,barcode\n{sku},새 상품,베이커리,{price},{barcode}\n")
        };
        let import = |c: &mut Counter, text: String, when| {
            c.store.owner_import_products(text.as_bytes(), when, &mut c.ids).unwrap()
        };
        // Offline: A gives a product a barcode, B (not knowing) gives it to
        // another product later, and A (not knowing either) changes the
        // first product's price, its barcode left blank.
        import(&mut a, csv("NEWP", 3000, "8809999000011"), now);
        import(&mut b, csv("NEWQ", 4000, "8809999000011"), now + minutes(1));
        import(&mut a, csv("NEWP", 3100, ""), now + minutes(2));
        if a_first {
            heal(&mut hub, &mut a, &mut b);
        } else {
            heal(&mut hub, &mut b, &mut a);
        }
        let held = |c: &Counter, code: &str| {
            c.store.reader().query_column(&format!("SELECT sku FROM products WHERE barcode = '{code}'")).unwrap()
        };
        for c in [&a, &b] {
            assert_eq!(
                held(c, "8809999000011"),
                vec!["NEWQ".to_string()],
                "the later barcode write holds (A first: {a_first})"
            );
            let price = c.store.reader().query_column("SELECT price FROM products WHERE sku = 'NEWP'").unwrap();
            assert_eq!(price, vec!["3100".to_string()]);
        }
        assert_eq!(a.store.state_digest().unwrap(), b.store.state_digest().unwrap());
        // The catalog exported while the barcode is contested imports back
        // unchanged (the claim that does not hold it shows blank).
        let dir = temp_dir(&format!("contested-{a_first}"));
        let file = dir.join("products.csv");
        a.store.owner_export_products(&file).unwrap();
        let back = a.store.owner_import_products(std::fs::File::open(&file).unwrap(), now + minutes(2), &mut a.ids);
        let back = back.unwrap_or_else(|e| panic!("the exported catalog imports back: {e:?}"));
        assert_eq!((back.created, back.updated), (0, 0), "{back:?}");
        // A, now knowing, changes the price again; B moves its product on:
        // the first product's claim stood, so the barcode goes back to it.
        import(&mut a, csv("NEWP", 3200, ""), now + minutes(3));
        import(&mut b, csv("NEWQ", 4000, "8809999000028"), now + minutes(4));
        heal(&mut hub, &mut a, &mut b);
        for c in [&a, &b] {
            assert_eq!(held(c, "8809999000011"), vec!["NEWP".to_string()], "given back (A first: {a_first})");
        }
        assert_eq!(a.store.state_digest().unwrap(), b.store.state_digest().unwrap());
    }
}

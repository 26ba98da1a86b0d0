//! Shared fixtures for the store's integration tests: a fixed clock, seeded
//! ids, a small bakery-café catalog, the discount rules as JSON documents
//! (the same shapes as the domain's engine tests), and helpers to count what
//! a write left behind.
//!
//! Every test file uses only part of this module.
#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use dangol_domain::catalog::{Cart, CartLine, Product};
use dangol_domain::customer::CustomerInput;
use dangol_domain::gate::Decision;
use dangol_domain::i18n::Lang;
use dangol_domain::ids::SeededIds;
use dangol_domain::rules::DiscountRule;
use dangol_store::counter::{CheckoutRequest, PreviewRequest, PreviewView, Receipt};
use dangol_store::{Clock, Owner, Store, Viewer};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use uuid::Uuid;

/// A local time in Seoul, as the instant the store receives.
pub fn seoul(date: &str, hm: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{date}T{hm}:00+09:00")).unwrap().with_timezone(&Utc)
}

/// Monday 23 November 2026, 10:00 in Seoul: "now" in every test.
pub fn at() -> DateTime<Utc> {
    seoul("2026-11-23", "10:00")
}

pub fn days(n: i64) -> Duration {
    Duration::days(n)
}

pub fn minutes(n: i64) -> Duration {
    Duration::minutes(n)
}

pub fn catalog() -> Vec<Product> {
    vec![
        Product::new("AMR", "아메리카노", "음료", 4_500, None).unwrap(),
        Product::new("LATTE", "카페라떼", "음료", 5_000, None).unwrap(),
        Product::new("SALT", "소금빵", "베이커리", 3_200, None).unwrap(),
        Product::new("BREAD", "우유식빵", "베이커리", 4_800, None).unwrap(),
        Product::new("CAKE", "조각케이크", "디저트", 6_500, None).unwrap(),
    ]
}

/// The discount rules, by id, as an owner would type them.
pub const RULES: &[(&str, &str)] = &[
    (
        "senior-65",
        r#"{"id":"senior-65","name":"경로 우대 10%","name_en":"Senior 65+ 10%","benefit":{"type":"percent_off","percent_bp":1000},"conditions":[{"type":"min_age","years":65}]}"#,
    ),
    (
        "birthday-month",
        r#"{"id":"birthday-month","name":"생일 달 케이크 20%","name_en":"Birthday month: cakes 20% off","benefit":{"type":"percent_off","percent_bp":2000},"scope":{"type":"categories","categories":["디저트"]},"conditions":[{"type":"birthday","window":{"type":"month"}}],"limit":{"count":1,"per":"year"}}"#,
    ),
    (
        "gold-5",
        r#"{"id":"gold-5","name":"골드 회원 5%","name_en":"Gold member 5%","benefit":{"type":"percent_off","percent_bp":500},"conditions":[{"type":"min_tier","tier":"gold"}]}"#,
    ),
    (
        "first-visit",
        r#"{"id":"first-visit","name":"첫 방문 1,000원","name_en":"First visit ₩1,000 off","benefit":{"type":"amount_off","amount":1000},"conditions":[{"type":"first_visit"}]}"#,
    ),
    (
        "stamp-10",
        r#"{"id":"stamp-10","name":"스탬프 10개 음료 무료","name_en":"10 stamps: free drink","benefit":{"type":"free_items","count":1,"max_unit_price":5000},"scope":{"type":"categories","categories":["음료"]},"conditions":[{"type":"stamps","count":10}]}"#,
    ),
    (
        "points",
        r#"{"id":"points","name":"포인트 사용","name_en":"Pay with points","benefit":{"type":"redeem_points","won_per_point":1,"min_points":1000,"max_share_bp":5000}}"#,
    ),
    (
        "coupon-3000",
        r#"{"id":"coupon-3000","name":"3,000원 쿠폰","name_en":"₩3,000 coupon","benefit":{"type":"amount_off","amount":3000},"conditions":[{"type":"coupon"}],"stacking":"exclusive"}"#,
    ),
    (
        "bakery-2-1",
        r#"{"id":"bakery-2-1","name":"베이커리 2+1","name_en":"Bakery buy 2 get 1","benefit":{"type":"buy_x_get_y","buy":2,"get":1},"scope":{"type":"categories","categories":["베이커리"]}}"#,
    ),
    (
        "happy-hour",
        r#"{"id":"happy-hour","name":"해피아워 음료 20%","name_en":"Happy hour: drinks 20%","benefit":{"type":"percent_off","percent_bp":2000},"scope":{"type":"categories","categories":["음료"]},"conditions":[{"type":"time_window","window":{"days":["Mon","Tue","Wed","Thu","Fri"],"start":"15:00:00","end":"17:00:00"}}]}"#,
    ),
    (
        "spend-30k",
        r#"{"id":"spend-30k","name":"3만원 이상 2,000원","name_en":"₩2,000 off over ₩30,000","benefit":{"type":"amount_off","amount":2000},"conditions":[{"type":"min_spend","amount":30000}]}"#,
    ),
];

pub fn rule(id: &str) -> DiscountRule {
    let (_, json) = RULES.iter().find(|(rid, _)| *rid == id).unwrap_or_else(|| panic!("no test rule {id:?}"));
    DiscountRule::from_json(json).unwrap_or_else(|e| panic!("{id}: {e}"))
}

pub fn all_rule_ids() -> Vec<&'static str> {
    RULES.iter().map(|(id, _)| *id).collect()
}

/// An in-memory store with the catalog and the given rules, loaded through
/// the bulk path, and the id source to keep using with it.
pub fn shop(rule_ids: &[&str]) -> (Store, SeededIds) {
    shop_seeded(rule_ids, 7)
}

pub fn shop_seeded(rule_ids: &[&str], seed: u64) -> (Store, SeededIds) {
    let mut store = Store::open_in_memory().expect("an in-memory store opens");
    let mut ids = SeededIds::new(seed);
    load(&mut store, rule_ids, &mut ids);
    clock(&mut store, at());
    owner(&mut store, &mut ids);
    (store, ids)
}

/// The owner PIN of every test shop.
pub const PIN: &str = "2580";

/// Sets the store's clock: "now" is `t` until set again.
pub fn clock(store: &mut Store, t: DateTime<Utc>) {
    store.set_clock(Clock::Fixed(t));
}

/// The owner, signed in with the PIN (set on first use).
pub fn owner(store: &mut Store, ids: &mut SeededIds) -> Owner {
    if store.owner_pin_is_set().unwrap() {
        store.authenticate_owner(PIN, ids).expect("the test PIN")
    } else {
        store.set_first_owner_pin(PIN, ids).expect("the first PIN")
    }
}

/// A counter of the sync tests: its store, ids and signed-in owner.
pub struct Counter {
    pub store: Store,
    pub ids: SeededIds,
    pub owner: Owner,
}

/// A counter with the test shop (every rule), joined to a hub at
/// `http://hub.test` with a credential of its own.
pub fn counter(seed: u64) -> Counter {
    let (mut store, mut ids) = shop_seeded(&all_rule_ids(), seed);
    let owner = owner(&mut store, &mut ids);
    store.sync_identity("http://hub.test", || format!("token-{seed:032}")).unwrap();
    store.sync_joined(0).unwrap();
    Counter { store, ids, owner }
}

/// Loads the catalog and rules into an open store.
pub fn load(store: &mut Store, rule_ids: &[&str], ids: &mut SeededIds) {
    let loaded_at = at() - days(60);
    let mut bulk = store.bulk().expect("bulk load starts");
    for p in catalog() {
        bulk.product(&p, loaded_at).expect("product loads");
    }
    for id in rule_ids {
        bulk.rule(&rule(id), loaded_at).expect("rule loads");
    }
    bulk.finish(&serde_json::json!({"test": true}), loaded_at, ids).expect("bulk load commits");
    store.after_bulk().expect("after bulk");
}

pub fn input(name: &str, phone: &str) -> CustomerInput {
    CustomerInput { name: name.into(), phone: phone.into(), ..Default::default() }
}

/// Registers a customer with a birth date and tier; marketing consent is
/// recorded as given so the consent prompt stays out of the way.
pub fn add(
    store: &mut Store,
    ids: &mut SeededIds,
    name: &str,
    phone: &str,
    birth: Option<&str>,
    tier: Option<&str>,
) -> Uuid {
    let inp = CustomerInput {
        birth_date: birth.map(str::to_string),
        tier: tier.map(str::to_string),
        marketing_consent: Some(true),
        ..input(name, phone)
    };
    let viewer = if tier.is_some() { Viewer::Owner(owner(store, ids)) } else { Viewer::Cashier };
    let when = at() - days(90);
    clock(store, when);
    let id = store.add_customer(inp, &viewer, when, ids).unwrap_or_else(|e| panic!("adding {name}: {e}")).id;
    clock(store, at());
    id
}

pub fn cart(lines: &[(&str, i64)]) -> Cart {
    Cart { lines: lines.iter().map(|(sku, qty)| CartLine { sku: sku.to_string(), qty: *qty }).collect() }
}

pub fn apply(ids: &[&str]) -> Decision {
    Decision { apply: ids.iter().map(|s| s.to_string()).collect(), dismiss: vec![] }
}

/// A checkout request for a new visit (its id derived from the moment, so
/// each call is a visit of its own).
pub fn checkout_req(customer: Uuid, lines: &[(&str, i64)], decision: Decision, when: DateTime<Utc>) -> CheckoutRequest {
    static VISITS: AtomicUsize = AtomicUsize::new(1);
    CheckoutRequest {
        visit: Uuid::from_u128(
            0x5a1e_0000_0000_0000_0000_0000_0000_0000 + VISITS.fetch_add(1, Ordering::Relaxed) as u128,
        ),
        customer: Some(customer),
        cart: cart(lines),
        decision,
        at: when,
        lang: Lang::En,
        goodwill: None,
        confirm_large: false,
    }
}

/// A checkout that must succeed (the clock moved to `when` first).
pub fn checkout(
    store: &mut Store,
    ids: &mut SeededIds,
    customer: Uuid,
    lines: &[(&str, i64)],
    applied: &[&str],
    when: DateTime<Utc>,
) -> Receipt {
    clock(store, when);
    store
        .checkout(&checkout_req(customer, lines, apply(applied), when), None, ids)
        .unwrap_or_else(|e| panic!("checkout of {lines:?} applying {applied:?} should succeed: {e}"))
}

pub fn preview_req(customer: Uuid, lines: &[(&str, i64)], when: DateTime<Utc>) -> PreviewRequest {
    PreviewRequest {
        customer: Some(customer),
        cart: cart(lines),
        told: vec![],
        selected: None,
        at: when,
        lang: Lang::En,
        viewer: Viewer::Cashier,
        limit: 10,
    }
}

pub fn preview(store: &Store, customer: Uuid, lines: &[(&str, i64)], when: DateTime<Utc>) -> PreviewView {
    store.preview(&preview_req(customer, lines, when)).unwrap_or_else(|e| panic!("preview of {lines:?}: {e}"))
}

/// Checks out applying exactly the best combination the preview offers.
pub fn checkout_best(
    store: &mut Store,
    ids: &mut SeededIds,
    customer: Uuid,
    lines: &[(&str, i64)],
    when: DateTime<Utc>,
) -> Receipt {
    let best = preview(store, customer, lines, when).best.rule_ids;
    let best: Vec<&str> = best.iter().map(String::as_str).collect();
    checkout(store, ids, customer, lines, &best, when)
}

pub const TABLES: [&str; 18] = [
    "settings",
    "customers",
    "search_grams",
    "products",
    "rules",
    "sales",
    "sale_lines",
    "coupons",
    "sale_discounts",
    "missed_discounts",
    "near_misses",
    "points_ledger",
    "stamp_ledger",
    "feedback",
    "prompt_log",
    "outbox",
    "goodwill",
    "audit_log",
];

/// Row count of every table.
pub fn counts(store: &Store) -> BTreeMap<&'static str, i64> {
    TABLES
        .iter()
        .map(|t| {
            (
                *t,
                store.connection().query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get::<_, i64>(0)).unwrap(),
            )
        })
        .collect()
}

/// Tables whose row count changed, with the change.
pub fn growth(
    before: &BTreeMap<&'static str, i64>,
    after: &BTreeMap<&'static str, i64>,
) -> BTreeMap<&'static str, i64> {
    TABLES.iter().filter(|t| after[*t] != before[*t]).map(|t| (*t, after[t] - before[t])).collect()
}

pub fn expect_growth(pairs: &[(&'static str, i64)]) -> BTreeMap<&'static str, i64> {
    pairs.iter().copied().collect()
}

/// One integer from a query with one `?1` parameter.
pub fn scalar(store: &Store, sql: &str, param: impl rusqlite::ToSql) -> i64 {
    store.connection().query_row(sql, [param], |r| r.get::<_, i64>(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A fresh, empty folder under the system temp dir, unique to this process
/// and call.
pub fn temp_dir(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "dangol-store-it-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Owner-only operations as the tests use them: the clock moved to the
/// moment given, the owner signed in with the test PIN.
pub trait AsOwner {
    fn owner_import_customers(
        &mut self,
        r: impl std::io::Read,
        at: DateTime<Utc>,
        ids: &mut SeededIds,
    ) -> dangol_store::Result<dangol_store::csv_io::ImportReport>;
    fn owner_import_products(
        &mut self,
        r: impl std::io::Read,
        at: DateTime<Utc>,
        ids: &mut SeededIds,
    ) -> dangol_store::Result<dangol_store::csv_io::ImportReport>;
    fn owner_export_customers(&mut self, path: &std::path::Path) -> dangol_store::Result<usize>;
    fn owner_export_products(&mut self, path: &std::path::Path) -> dangol_store::Result<usize>;
    fn owner_refund(
        &mut self,
        sale: Uuid,
        reason: &str,
        at: DateTime<Utc>,
        ids: &mut SeededIds,
    ) -> dangol_store::Result<dangol_store::counter::RefundReceipt>;
    #[allow(clippy::too_many_arguments)]
    fn owner_adjust(
        &mut self,
        customer: Uuid,
        points: i64,
        stamps: i64,
        expires: Option<DateTime<Utc>>,
        note: &str,
        at: DateTime<Utc>,
        ids: &mut SeededIds,
    ) -> dangol_store::Result<dangol_store::admin::Balances>;
    fn owner_viewer(&mut self, ids: &mut SeededIds) -> Viewer;
}

impl AsOwner for Store {
    fn owner_import_customers(
        &mut self,
        r: impl std::io::Read,
        at: DateTime<Utc>,
        ids: &mut SeededIds,
    ) -> dangol_store::Result<dangol_store::csv_io::ImportReport> {
        clock(self, at);
        let o = owner(self, ids);
        self.import_customers(&o, r, at, ids, &mut |_, _, _| {})
    }
    fn owner_import_products(
        &mut self,
        r: impl std::io::Read,
        at: DateTime<Utc>,
        ids: &mut SeededIds,
    ) -> dangol_store::Result<dangol_store::csv_io::ImportReport> {
        clock(self, at);
        let o = owner(self, ids);
        self.import_products(&o, r, at, ids, &mut |_, _, _| {})
    }
    fn owner_export_customers(&mut self, path: &std::path::Path) -> dangol_store::Result<usize> {
        let mut ids = SeededIds::new(path.to_string_lossy().len() as u64 + 1_000);
        let o = owner(self, &mut ids);
        self.export_customers(&o, path, &mut ids)
    }
    fn owner_export_products(&mut self, path: &std::path::Path) -> dangol_store::Result<usize> {
        let mut ids = SeededIds::new(path.to_string_lossy().len() as u64 + 2_000);
        let o = owner(self, &mut ids);
        self.export_products(&o, path, &mut ids)
    }
    fn owner_refund(
        &mut self,
        sale: Uuid,
        reason: &str,
        at: DateTime<Utc>,
        ids: &mut SeededIds,
    ) -> dangol_store::Result<dangol_store::counter::RefundReceipt> {
        clock(self, at);
        let o = owner(self, ids);
        self.refund(&o, sale, reason, at, ids)
    }
    fn owner_adjust(
        &mut self,
        customer: Uuid,
        points: i64,
        stamps: i64,
        expires: Option<DateTime<Utc>>,
        note: &str,
        at: DateTime<Utc>,
        ids: &mut SeededIds,
    ) -> dangol_store::Result<dangol_store::admin::Balances> {
        clock(self, at);
        let o = owner(self, ids);
        self.adjust_balances(&o, customer, points, stamps, expires, note, at, ids)
    }
    fn owner_viewer(&mut self, ids: &mut SeededIds) -> Viewer {
        Viewer::Owner(owner(self, ids))
    }
}

/// A checkout that may fail, with the clock at the request's moment.
pub fn try_checkout(store: &mut Store, ids: &mut SeededIds, req: CheckoutRequest) -> dangol_store::Result<Receipt> {
    clock(store, req.at);
    store.checkout(&req, None, ids)
}

/// A counter's outgoing event as a hub receives it.
pub fn to_hub(e: dangol_store::sync::OutgoingEvent) -> dangol_hub::PushedEvent {
    dangol_hub::PushedEvent {
        seq: e.seq,
        event_id: e.event_id,
        at_ms: e.at_ms,
        kind: e.kind,
        schema_version: e.schema_version,
        payload: e.payload,
    }
}

/// A hub's event as a counter applies it.
pub fn from_hub(e: dangol_hub::HubEvent) -> dangol_store::sync::IncomingEvent {
    dangol_store::sync::IncomingEvent {
        pos: e.pos,
        device: e.device,
        seq: e.event.seq,
        event_id: e.event.event_id,
        at_ms: e.event.at_ms,
        kind: e.event.kind,
        schema_version: e.event.schema_version,
        payload: e.event.payload,
    }
}

/// One sync round in process: push, pull, apply (every event must apply),
/// and the escrow rebalanced, repeated once if the rebalance wrote events.
pub fn sync_round(c: &mut Counter, hub: &mut dangol_hub::SqliteLog) {
    use dangol_hub::EventLog;
    for _ in 0..2 {
        let device = c.store.device();
        let out: Vec<dangol_hub::PushedEvent> =
            c.store.sync_outgoing(10_000).unwrap().into_iter().map(to_hub).collect();
        if !out.is_empty() {
            let ack = hub.push(device, &out).unwrap();
            c.store.sync_acked(ack.acked_seq).unwrap();
        }
        let after = c.store.sync_status().unwrap().pulled_pos;
        let page: Vec<dangol_store::sync::IncomingEvent> =
            hub.pull(after, 10_000, Some(device)).unwrap().into_iter().map(from_hub).collect();
        c.store.sync_apply(&page).unwrap();
        let held = c
            .store
            .reader()
            .query_column(
                "SELECT kind || ': ' || note FROM inbox WHERE state = 'quarantined' AND kind != 'demo.generated'",
            )
            .unwrap();
        assert!(held.is_empty(), "every event applies: {held:?}");
        if c.store.escrow_rebalance(&mut c.ids).unwrap() == 0 {
            break;
        }
    }
}

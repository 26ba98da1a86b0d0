//! `dangol bench`: latency of the counter's hot paths on a real database,
//! each next to its raw floor (the same lookup as one bare indexed SQLite
//! query in the same run), plus database size and peak memory.
//!
//! Checkout is measured for real (durable commits), so the benchmark adds
//! its sales to a new customer each run ("벤치마크 고객", 010-9999-0001, -0002, …),
//! who is never the customer the preview is measured for. That happens only
//! in a demo shop: a real shop's database is first copied (`VACUUM INTO`,
//! beside it) and measured on the copy, which is then deleted, so benchmark
//! customers and sales never enter a shop's real data.

use chrono::Duration;
use dangol_domain::catalog::{Cart, CartLine};
use dangol_domain::customer::CustomerInput;
use dangol_domain::gate::Decision;
use dangol_domain::hangul;
use dangol_domain::i18n::Lang;
use dangol_store::Reader;
use dangol_store::counter::{CheckoutRequest, PreviewRequest};
use dangol_store::db::remove_files;
use dangol_store::{Clock, Store, StoreError, SystemIds, Viewer};
use rusqlite::Connection as Conn;
use serde::Serialize;
use std::fmt::Write;
use std::time::Instant;

#[derive(Debug, Serialize)]
pub struct Figure {
    pub name: String,
    pub samples: usize,
    pub p50_us: f64,
    pub p99_us: f64,
    pub floor: String,
    pub floor_p50_us: f64,
    pub floor_p99_us: f64,
    pub ratio_p50: f64,
    pub ratio_p99: f64,
    pub target_p99_us: f64,
    /// At most this many times the floor's p99, when that is a target.
    pub target_ratio_p99: Option<f64>,
    /// At most this many times the floor's p50, when that is a target.
    pub target_ratio_p50: Option<f64>,
    /// Every target above is met.
    pub met: bool,
}

/// What a figure must meet: a p99 in microseconds and, for some, a ratio to
/// its floor (README, Performance).
#[derive(Debug, Clone, Copy)]
struct Target {
    p99_us: f64,
    ratio_p99: Option<f64>,
    ratio_p50: Option<f64>,
}

impl Target {
    const fn p99(us: f64) -> Target {
        Target { p99_us: us, ratio_p99: None, ratio_p50: None }
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    /// Measured on a copy of the database (a real shop's), deleted after.
    pub on_copy: bool,
    pub active_rules: usize,
    pub customers: i64,
    pub sales: i64,
    pub sale_lines: i64,
    pub db_bytes: u64,
    pub wal_bytes: u64,
    pub peak_rss_kib: u64,
    pub preview_customer_visits: i64,
    pub figures: Vec<Figure>,
}

/// A cashier's preview of `cart` for `customer` at `at` (Korean, three
/// suggestions), as the counter asks for one.
pub(crate) fn cashier_preview(customer: uuid::Uuid, cart: Cart, at: chrono::DateTime<chrono::Utc>) -> PreviewRequest {
    PreviewRequest {
        customer: Some(customer),
        cart,
        told: vec![],
        selected: None,
        at,
        lang: Lang::Ko,
        viewer: Viewer::Cashier,
        limit: 3,
    }
}

pub(crate) fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).expect("no NaN timings"));
    let idx = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[idx]
}

fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed().as_secs_f64() * 1e6)
}

fn figure(name: &str, floor: &str, mut ours: Vec<f64>, mut raw: Vec<f64>, target: Target) -> Figure {
    let (p50, p99) = (percentile(&mut ours, 0.5), percentile(&mut ours, 0.99));
    let (f50, f99) = (percentile(&mut raw, 0.5), percentile(&mut raw, 0.99));
    let met = p99 <= target.p99_us
        && target.ratio_p99.is_none_or(|r| p99 / f99 <= r)
        && target.ratio_p50.is_none_or(|r| p50 / f50 <= r);
    Figure {
        name: name.into(),
        samples: ours.len(),
        p50_us: p50,
        p99_us: p99,
        floor: floor.into(),
        floor_p50_us: f50,
        floor_p99_us: f99,
        ratio_p50: p50 / f50,
        ratio_p99: p99 / f99,
        target_p99_us: target.p99_us,
        target_ratio_p99: target.ratio_p99,
        target_ratio_p50: target.ratio_p50,
        met,
    }
}

/// One customer row as the floor query reads it: the same eight columns a
/// lookup result shows.
type FloorRow = (i64, Vec<u8>, String, Option<String>, String, String, i64, Option<i64>);

fn floor_query(conn: &Reader, sql: &str, param: &str) -> Result<Vec<FloorRow>, StoreError> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([param], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The key the floor query is given: the digits themselves for last-4, the
/// search gram for names and initials.
fn floor_key(query: &str, by_gram: bool) -> String {
    if by_gram { hangul::query_gram(&hangul::normalize(query)) } else { query.to_string() }
}

/// Runs every measurement: on the demo shop itself, or on a copy of a real
/// shop's database.
/// `store` is opened for reading (beside a running counter); the demo is
/// measured in place, which writes sales, so it is reopened as the writer.
pub fn run(store: Store, iterations: usize) -> Result<Report, StoreError> {
    if store.shop_info()?.demo
        && let Some(path) = store.path().map(|p| p.to_path_buf())
    {
        drop(store);
        let mut store = Store::open(&path)?;
        store.set_clock(Clock::from_env()?);
        return measure(&mut store, iterations, false);
    }
    let path = store.path().map(|p| p.to_path_buf()).ok_or_else(|| StoreError::BadInput {
        what: "benchmark database",
        reason: dangol_store::error::say(
            "메모리 안의 가게는 복사할 수 없습니다",
            "an in-memory store cannot be copied",
        ),
    })?;
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".bench-copy");
    let copy = path.with_file_name(name);
    remove_files(&copy);
    crate::emit::err(&format!(
        "bench: {} is a shop's own data; measuring on a copy ({}) / 가게 데이터라 복사본으로 잽니다\n",
        path.display(),
        copy.display()
    ));
    store.copy_to(&copy)?;
    drop(store);
    let out = (|| {
        let mut copied = Store::open(&copy)?;
        copied.set_clock(Clock::from_env()?);
        measure(&mut copied, iterations, true)
    })();
    remove_files(&copy);
    out
}

fn measure(store: &mut Store, iterations: usize, on_copy: bool) -> Result<Report, StoreError> {
    let iterations = iterations.max(10);
    let active_rules = store.rules()?.iter().filter(|r| r.active).count();
    let bar = crate::progress::bar(5, "bench");
    let conn = store.reader();
    let (customers, max_rid): (i64, i64) =
        conn.query_row("SELECT count(*), coalesce(max(rid), 0) FROM customers", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if customers < 10 {
        return Err(StoreError::BadInput {
            what: "benchmark database",
            reason: dangol_store::error::say(
                "고객이 10명보다 적습니다. `dangol demo --customers 1000000`으로 만드세요",
                "it has fewer than 10 customers; generate one with `dangol demo --customers 1000000`",
            ),
        });
    }
    let sales: i64 = conn.query_row("SELECT count(*) FROM sales", [], |r| r.get(0))?;
    let sale_lines: i64 = conn.query_row("SELECT count(*) FROM sale_lines", [], |r| r.get(0))?;
    // Queries drawn from customers spread evenly over the table.
    let mut samples: Vec<(String, String)> = Vec::new();
    {
        let mut stmt = conn.prepare("SELECT name, phone_last4 FROM customers WHERE rid >= ?1 ORDER BY rid LIMIT 1")?;
        for i in 0..200 {
            let rid = 1 + i * max_rid / 200;
            if let Ok(row) = stmt.query_row([rid], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))) {
                samples.push(row);
            }
        }
    }
    let last4: Vec<String> = samples.iter().map(|s| s.1.clone()).collect();
    let prefixes: Vec<String> = samples.iter().map(|s| hangul::normalize(&s.0).chars().take(2).collect()).collect();
    let initials: Vec<String> =
        samples.iter().map(|s| hangul::initials(&s.0)).filter(|i| i.chars().count() >= 2).collect();
    let mut figures = Vec::new();
    let kinds: [(&str, &Vec<String>, &str, bool); 3] = [
        (
            "lookup: last 4 digits",
            &last4,
            "SELECT rid, id, name, preferred_name, phone, tier, visits, last_visit FROM customers WHERE phone_last4 = ?1 ORDER BY score DESC LIMIT 10",
            false,
        ),
        (
            "lookup: name prefix (2 characters)",
            &prefixes,
            "SELECT c.rid, c.id, c.name, c.preferred_name, c.phone, c.tier, c.visits, c.last_visit FROM search_grams g JOIN customers c ON c.rid = g.customer WHERE g.gram = ?1 AND g.pos = 0 ORDER BY g.score DESC LIMIT 10",
            true,
        ),
        (
            "lookup: 초성 (initials)",
            &initials,
            "SELECT c.rid, c.id, c.name, c.preferred_name, c.phone, c.tier, c.visits, c.last_visit FROM search_grams g JOIN customers c ON c.rid = g.customer WHERE g.gram = ?1 AND g.pos = 0 ORDER BY g.score DESC LIMIT 10",
            true,
        ),
    ];
    for (name, queries, floor_sql, by_gram) in kinds {
        bar.set_message(name);
        bar.inc(1);
        // Warm the caches once, as a counter that has been running would be.
        for q in queries.iter() {
            store.lookup(q, 10, &Viewer::Cashier)?;
            floor_query(&store.reader(), floor_sql, &floor_key(q, by_gram))?;
        }
        let mut ours = Vec::with_capacity(iterations);
        let mut raw = Vec::with_capacity(iterations);
        for i in 0..iterations {
            let q = &queries[i % queries.len()];
            let key = floor_key(q, by_gram);
            let (r, t) = time(|| floor_query(&store.reader(), floor_sql, &key));
            r?;
            raw.push(t);
            let (r, t) = time(|| store.lookup(q, 10, &Viewer::Cashier));
            r?;
            ours.push(t);
        }
        figures.push(figure(name, floor_sql, ours, raw, Target { ratio_p99: Some(3.0), ..Target::p99(1_000.0) }));
    }
    // Preview for the regular with the most visits and a 20-line cart.
    let (regular, regular_rid, visits): (Vec<u8>, i64, i64) = store.reader().query_row(
        "SELECT id, rid, visits FROM customers WHERE phone NOT LIKE '01099990%' ORDER BY visits DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let regular = uuid::Uuid::from_slice(&regular).map_err(|e| StoreError::BadInput {
        what: "customer id",
        reason: dangol_store::error::say(format!("고객 번호를 읽을 수 없습니다: {e}"), e.to_string()),
    })?;
    let products = store.products()?;
    let cart = Cart {
        lines: products
            .iter()
            .cycle()
            .take(20)
            .enumerate()
            .map(|(i, p)| CartLine { sku: p.sku.clone(), qty: 1 + (i as i64 % 3) })
            .collect(),
    };
    let now = store.now();
    let preview_n = (iterations / 4).max(10);
    bar.set_message("preview");
    bar.inc(1);
    let req = cashier_preview(regular, cart.clone(), now);
    store.preview(&req)?;
    let mut ours = Vec::new();
    let mut raw = Vec::new();
    let floor_sql = "SELECT rid, at, total FROM sales WHERE customer = ?1 ORDER BY at DESC LIMIT 20";
    for _ in 0..preview_n {
        let (r, t) = time(|| -> Result<usize, StoreError> {
            let mut stmt = store.reader().prepare(floor_sql)?;
            let n = stmt.query_map([regular_rid], |r| r.get::<_, i64>(0))?.count();
            Ok(n)
        });
        r?;
        raw.push(t);
        let (r, t) = time(|| store.preview(&req));
        r?;
        ours.push(t);
    }
    figures.push(figure(
        &format!("preview: regular with {visits} visits, 20-line cart"),
        floor_sql,
        ours,
        raw,
        Target::p99(2_000.0),
    ));
    // Checkout: durable commits for a bench customer of this run's own, so
    // every run measures the same thing (a customer going from 0 visits to
    // `checkout_n`), however often the benchmark has run on this database.
    let mut ids = SystemIds;
    let runs: i64 =
        store.reader().query_row("SELECT count(*) FROM customers WHERE phone LIKE '01099990%'", [], |r| r.get(0))?;
    let phone = format!("010-9999-{:04}", runs + 1);
    bar.set_message("checkout");
    bar.inc(1);
    let input = CustomerInput { name: "벤치마크 고객".into(), phone, ..Default::default() };
    let bench_customer = store.add_customer(input, &Viewer::Cashier, now, &mut ids)?.id;
    let small = Cart { lines: products.iter().take(3).map(|p| CartLine { sku: p.sku.clone(), qty: 1 }).collect() };
    let checkout_n = (iterations / 10).clamp(10, 300);
    let mut ours = Vec::new();
    let mut upkeep = Vec::new();
    let mut raw = Vec::new();
    let mut floor = DurableFloor::open(store)?;
    for i in 0..checkout_n {
        if i % FLOOR_BLOCK == 0 {
            for _ in 0..FLOOR_BLOCK {
                raw.push(floor.sample()?);
            }
        }
        let at = now + Duration::milliseconds(i as i64);
        let p = store.preview(&cashier_preview(bench_customer, small.clone(), at))?;
        let req = CheckoutRequest {
            visit: uuid::Uuid::now_v7(),
            customer: Some(bench_customer),
            cart: small.clone(),
            decision: Decision { apply: p.best.rule_ids.clone(), dismiss: vec![] },
            at,
            lang: Lang::Ko,
            goodwill: None,
            confirm_large: false,
        };
        let (r, t) = time(|| store.checkout(&req, None, &mut ids));
        r?;
        ours.push(t);
        // What the window and the CLI do once the receipt is out.
        let (r, t) = time(|| store.settle_search());
        r?;
        upkeep.push(t);
    }
    drop(floor);
    let whole: Vec<f64> = ours.iter().zip(&upkeep).map(|(a, b)| a + b).collect();
    let floor_sql = "one-row INSERT + COMMIT, WAL, synchronous=FULL, same disk";
    figures.push(figure(
        "checkout commit (sale + lines + ledgers + outbox, synchronous=FULL)",
        floor_sql,
        ours,
        raw.clone(),
        Target { ratio_p50: Some(2.0), ..Target::p99(10_000.0) },
    ));
    figures.push(figure(
        "search upkeep after the receipt (grams to the new rank, synchronous=NORMAL)",
        floor_sql,
        upkeep,
        raw.clone(),
        Target::p99(10_000.0),
    ));
    figures.push(figure("a sale, all told (checkout + search upkeep)", floor_sql, whole, raw, Target::p99(10_000.0)));
    let path = store.path().map(|p| p.to_path_buf()).unwrap_or_default();
    let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let mut wal = path.clone().into_os_string();
    wal.push("-wal");
    bar.finish_and_clear();
    Ok(Report {
        on_copy,
        active_rules,
        customers,
        sales,
        sale_lines,
        db_bytes: size(&path),
        wal_bytes: size(std::path::Path::new(&wal)),
        peak_rss_kib: peak_rss_kib(),
        preview_customer_visits: visits,
        figures,
    })
}

/// The cost of a durable commit on this disk with nothing else in it: a
/// one-row table in its own file beside the database. Its commits run in
/// blocks of `FLOOR_BLOCK` between blocks of checkouts, so both see the disk
/// in the same state (a virtual disk's flush time drifts by half within
/// minutes), yet each floor commit follows another floor commit.
const FLOOR_BLOCK: usize = 25;

struct DurableFloor {
    conn: Option<Conn>,
    path: std::path::PathBuf,
    next: i64,
}

impl DurableFloor {
    fn open(store: &Store) -> Result<DurableFloor, StoreError> {
        let path = match store.path() {
            Some(db) => {
                let mut p = db.as_os_str().to_os_string();
                p.push(".bench-floor");
                std::path::PathBuf::from(p)
            }
            None => std::env::temp_dir().join(format!("dangol-{}.bench-floor", std::process::id())),
        };
        let mut floor = DurableFloor { conn: None, path, next: 0 };
        remove_files(&floor.path);
        let conn = Conn::open(&floor.path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")?;
        floor.conn = Some(conn);
        Ok(floor)
    }

    /// One durable one-row commit, timed.
    fn sample(&mut self) -> Result<f64, StoreError> {
        let conn = self.conn.as_ref().expect("opened");
        self.next += 1;
        let (r, t) = time(|| conn.execute("INSERT INTO t (id, v) VALUES (?1, zeroblob(200))", [self.next]));
        r?;
        Ok(t)
    }
}

impl Drop for DurableFloor {
    fn drop(&mut self) {
        drop(self.conn.take());
        remove_files(&self.path);
    }
}

pub(crate) fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

pub fn render(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "database{}: {} customers, {} sales, {} sale lines, {} active rules; {:.1} MB (+{:.1} MB WAL); peak RSS {:.1} MB",
        if r.on_copy { " (a copy, deleted after)" } else { "" },
        r.customers,
        r.sales,
        r.sale_lines,
        r.active_rules,
        r.db_bytes as f64 / 1e6,
        r.wal_bytes as f64 / 1e6,
        r.peak_rss_kib as f64 / 1024.0
    );
    let _ = writeln!(
        s,
        "{:<78} {:>9} {:>9} {:>10} {:>10} {:>7} {:>7}  target",
        "figure", "p50 µs", "p99 µs", "floor p50", "floor p99", "×p50", "×p99"
    );
    for f in &r.figures {
        let mut target = format!("p99 ≤ {}µs", f.target_p99_us);
        if let Some(x) = f.target_ratio_p99 {
            target.push_str(&format!(", ×p99 ≤ {x}"));
        }
        if let Some(x) = f.target_ratio_p50 {
            target.push_str(&format!(", ×p50 ≤ {x}"));
        }
        let _ = writeln!(
            s,
            "{:<78} {:>9.1} {:>9.1} {:>10.1} {:>10.1} {:>7.2} {:>7.2}  {target} {}",
            f.name,
            f.p50_us,
            f.p99_us,
            f.floor_p50_us,
            f.floor_p99_us,
            f.ratio_p50,
            f.ratio_p99,
            if f.met { "ok" } else { "MISS" }
        );
    }
    s
}

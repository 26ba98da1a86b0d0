//! Sync under faults, tested the way Jepsen tested PowerSync: the built hub
//! (on SQLite, and on a throw-away PostgreSQL cluster) and three counters,
//! all separate `dangol` processes on loopback, each counter behind its own
//! HTTP-aware fault proxy (`dangol_hub::faults`: requests dropped, answers
//! lost after the hub committed, requests duplicated now or replayed later,
//! 503s, answers cut mid-body, partitions one way or both), with counters'
//! syncs killed with SIGKILL mid-round, the hub killed and restarted (and
//! PostgreSQL stopped with `-m immediate`), and the counters' clocks
//! skewed by up to two minutes.
//!
//! Every operation is recorded as invoked, then ok, failed or unknown
//! (killed). After the faults heal, the checks:
//! - every event a counter wrote is at the hub exactly once, with no gap in
//!   any device's sequence, and every counter's last event acknowledged;
//! - every sale whose checkout answered ok is at every counter exactly once;
//! - every counter and the hub's log reach the same state (equal state
//!   digests) within `CONVERGE_WITHIN`;
//! - pull cursors never moved back (each ok sync's cursor ≥ the last);
//! - points in escrow: no customer's balance below zero and nothing
//!   overdrawn at any counter (half the sales try to pay with points), and
//!   every counter's allowance plus the pool add up to the balance.
//!
//! The test command runs a fixed set of seeds for a few seconds each;
//! `scripts/chaos.sh --seeds N --minutes M` soaks longer. Each run appends
//! its report to `target/chaos/report.jsonl` (docs/chaos.md has results).

mod common;

use common::*;
use dangol_hub::cluster::TempCluster;
use dangol_hub::faults::{FaultProxy, Partition, Plan};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const COUNTERS: usize = 3;
const CONVERGE_WITHIN: Duration = Duration::from_secs(60);
const PHONES: u32 = 16;

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

/// What happened to one operation.
#[derive(Default, Debug, Clone, serde::Serialize)]
struct Tally {
    invoked: u64,
    ok: u64,
    failed: u64,
    unknown: u64,
}

struct Counter {
    db: PathBuf,
    proxy: FaultProxy,
    skew_secs: i64,
    cursors: Vec<i64>,
}

struct Run {
    dir: PathBuf,
    key: PathBuf,
    start: Instant,
    base: chrono::DateTime<chrono::Utc>,
    tallies: BTreeMap<&'static str, Tally>,
    sales_ok: BTreeSet<String>,
    process_faults: BTreeMap<&'static str, u64>,
    /// Why operations failed: "op: the error's first words" → how often.
    why: BTreeMap<String, u64>,
}

impl Run {
    /// The counter's clock: the run's moment plus its skew.
    fn now(&self, c: &Counter) -> String {
        let t = self.base
            + chrono::Duration::milliseconds(self.start.elapsed().as_millis() as i64)
            + chrono::Duration::seconds(c.skew_secs);
        t.to_rfc3339()
    }

    fn dangol(&self, c: &Counter, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin());
        cmd.args(args)
            .env("LANG", "en_US.UTF-8")
            .env("DANGOL_NOW", self.now(c))
            .env("DANGOL_OWNER_PIN", DEMO_PIN)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn tally(&mut self, op: &'static str) -> &mut Tally {
        self.tallies.entry(op).or_default()
    }

    /// A customer this counter knows, by one of the pool's phones (a
    /// lookup, recorded like every operation), if any.
    fn customer(&mut self, c: &Counter, rng: &mut Rng) -> Option<String> {
        let ph = phone(rng.below(u64::from(PHONES)));
        let db = c.db.to_str().unwrap().to_string();
        let found = self.run_op(c, "lookup", &["lookup", "--db", &db, &ph, "--json"])?;
        let found: serde_json::Value = serde_json::from_str(&found).unwrap();
        found["hits"][0]["id"].as_str().map(str::to_string)
    }

    /// Runs a command to its end: Some(stdout) when it succeeded.
    fn run_op(&mut self, c: &Counter, op: &'static str, args: &[&str]) -> Option<String> {
        self.tally(op).invoked += 1;
        let out = self.dangol(c, args).output().expect("run dangol");
        if out.status.success() {
            self.tally(op).ok += 1;
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            self.tally(op).failed += 1;
            let e = String::from_utf8_lossy(&out.stderr);
            let first: String = e.trim().trim_start_matches("error: ").chars().take(48).collect();
            *self.why.entry(format!("{op}: {first}")).or_insert(0) += 1;
            None
        }
    }

    fn sync(&mut self, c: &mut Counter, kill_after: Option<Duration>) {
        let db = c.db.to_str().unwrap().to_string();
        let url = c.proxy.url();
        let key = self.key.to_str().unwrap().to_string();
        let args = ["sync", "--db", &db, "--hub", &url, "--key-file", &key, "--name", "counter", "--json"];
        self.tally("sync").invoked += 1;
        let mut child = self.dangol(c, &args).spawn().expect("run dangol sync");
        if let Some(after) = kill_after {
            std::thread::sleep(after);
            if child.try_wait().ok().flatten().is_none() {
                let _ = child.kill();
                let _ = child.wait();
                self.tally("sync").unknown += 1;
                *self.process_faults.entry("counter_sync_killed").or_insert(0) += 1;
                return;
            }
        }
        let out = child.wait_with_output().expect("sync ends");
        if out.status.success() {
            self.tally("sync").ok += 1;
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sync --json");
            let pos = v["pulled_pos"].as_i64().unwrap();
            c.cursors.push(pos);
        } else {
            self.tally("sync").failed += 1;
            let e = String::from_utf8_lossy(&out.stderr);
            let kind = serde_json::from_str::<serde_json::Value>(e.trim())
                .ok()
                .and_then(|v| {
                    let k = v["error"]["kind"].as_str()?.to_string();
                    Some(match v["error"]["refusal"].as_str() {
                        Some(r) => format!("{k}/{r}"),
                        None => k,
                    })
                })
                .unwrap_or_else(|| e.chars().take(48).collect());
            *self.why.entry(format!("sync: {kind}")).or_insert(0) += 1;
        }
    }
}

fn phone(n: u64) -> String {
    format!("010-7000-{:04}", 1000 + n)
}

/// The digest of a counter's shared state, read without the counter.
fn digest(db: &Path) -> String {
    let store = dangol_store::Store::open_shared(db).expect("open the counter read-only");
    store.state_digest().unwrap()
}

fn sql_strings(db: &Path, sql: &str) -> Vec<String> {
    let store = dangol_store::Store::open_shared(db).unwrap();
    store.reader().query_column(sql).unwrap()
}

fn hub_events(
    backend: Backend,
    hub_db: &Path,
    pg: Option<&(TempCluster, String)>,
    shop: &str,
) -> Vec<(String, i64, i64)> {
    let sql = "SELECT device, count(*), max(seq) FROM events GROUP BY device ORDER BY device";
    match backend {
        Backend::Sqlite => {
            let conn =
                rusqlite::Connection::open_with_flags(hub_db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
            let mut stmt =
                conn.prepare("SELECT lower(hex(device)), count(*), max(seq) FROM events GROUP BY device").unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(|r| r.unwrap()).collect()
        }
        Backend::Postgres => {
            let (_, url) = pg.unwrap();
            let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
            c.batch_execute(&format!("SET search_path = shop_{shop}")).unwrap();
            c.query(sql, &[])
                .unwrap()
                .iter()
                .map(|r| (r.get::<_, uuid::Uuid>(0).simple().to_string(), r.get(1), r.get(2)))
                .collect()
        }
    }
}

fn run_seed(seed: u64, backend: Backend, workload: Duration) -> serde_json::Value {
    let dir = temp_dir(&format!("chaos-{backend:?}-{seed}"));
    let key = dir.join("join.key");
    let mut rng = Rng(seed);
    let pg = match backend {
        Backend::Postgres => {
            let cluster = TempCluster::start().expect("a throw-away PostgreSQL cluster");
            let url = cluster.url();
            Some((cluster, url))
        }
        Backend::Sqlite => None,
    };
    let shop = format!("chaos{seed}");
    let hub_db = dir.join("hub.db");
    let storage: Vec<String> = match &pg {
        Some((_, url)) => vec!["--postgres".into(), url.clone(), "--shop".into(), shop.clone()],
        None => vec!["--db".into(), hub_db.to_str().unwrap().into()],
    };
    let mut hub_args: Vec<&str> = storage.iter().map(String::as_str).collect();
    hub_args.extend(["--key-file", key.to_str().unwrap()]);
    let mut hub = HubProcess::start(&hub_args, "127.0.0.1:0");
    let addr: SocketAddr = hub.addr.parse().unwrap();

    let mut counters: Vec<Counter> = (0..COUNTERS)
        .map(|i| Counter {
            db: dir.join(format!("counter{i}.db")),
            proxy: FaultProxy::start(addr, seed * 31 + i as u64, Plan::default()).unwrap(),
            skew_secs: rng.below(241) as i64 - 120,
            cursors: Vec::new(),
        })
        .collect();
    let mut run = Run {
        dir: dir.clone(),
        key,
        start: Instant::now(),
        base: chrono::DateTime::parse_from_rfc3339(MORNING).unwrap().with_timezone(&chrono::Utc),
        tallies: BTreeMap::new(),
        sales_ok: BTreeSet::new(),
        process_faults: BTreeMap::new(),
        why: BTreeMap::new(),
    };

    // The shop: counter 0 has the PIN, the products and two rules; every
    // counter joins before the faults begin.
    let c0 = counters[0].db.to_str().unwrap().to_string();
    run.run_op(&counters[0], "setup", &["set-pin", "--db", &c0, "--new-pin-file", &pin_file(DEMO_PIN)]).unwrap();
    let products = write(
        &run.dir,
        "products.csv",
        "sku,name,category,price\nSALT,소금빵,베이커리,3200\nAMR,아메리카노,음료,4500\nCAKE,조각케이크,디저트,6500\n"
            .as_bytes(),
    );
    run.run_op(&counters[0], "setup", &["import", "--db", &c0, "products", products.to_str().unwrap()]).unwrap();
    for (name, rule) in [
        (
            "points.json",
            r#"{"id":"points","name":"포인트 사용","benefit":{"type":"redeem_points","won_per_point":1,"min_points":1000,"max_share_bp":5000}}"#,
        ),
        (
            "coupon.json",
            r#"{"id":"coupon-3000","name":"3,000원 쿠폰","benefit":{"type":"amount_off","amount":3000},"conditions":[{"type":"coupon"}],"stacking":"exclusive"}"#,
        ),
    ] {
        let file = write(&run.dir, name, rule.as_bytes());
        run.run_op(&counters[0], "setup", &["set-rule", "--db", &c0, file.to_str().unwrap()]).unwrap();
    }
    for c in counters.iter_mut() {
        run.sync(c, None);
    }
    // Counter 0 pulls what the others wrote when they were created.
    run.sync(&mut counters[0], None);

    for c in &counters {
        c.proxy.set_plan(Plan::rough());
    }
    let until = Instant::now() + workload;
    let mut coupon_n = 0;
    while Instant::now() < until {
        let i = rng.below(COUNTERS as u64) as usize;
        let db = counters[i].db.to_str().unwrap().to_string();
        match rng.below(100) {
            0..=19 => {
                let n = rng.below(u64::from(PHONES));
                let (name, ph) = (format!("손님{n}"), phone(n));
                run.run_op(
                    &counters[i],
                    "add_customer",
                    &["add-customer", "--db", &db, "--name", &name, "--phone", &ph],
                );
            }
            20..=49 => {
                let Some(id) = run.customer(&counters[i], &mut rng) else { continue };
                let sku = ["SALT", "AMR", "CAKE"][rng.below(3) as usize];
                let cart = write(
                    &run.dir,
                    &format!("cart-{i}.json"),
                    format!(r#"{{"lines":[{{"sku":"{sku}","qty":{}}}]}}"#, 1 + rng.below(3)).as_bytes(),
                );
                let cart = cart.to_str().unwrap().to_string();
                let Some(p) = run.run_op(
                    &counters[i],
                    "preview",
                    &["preview", "--db", &db, "--customer", &id, "--cart", &cart, "--json", "--no-record"],
                ) else {
                    continue;
                };
                let p: serde_json::Value = serde_json::from_str(&p).unwrap();
                let visit = uuid::Uuid::now_v7().to_string();
                let mut args: Vec<String> =
                    ["checkout", "--db", &db, "--customer", &id, "--cart", &cart, "--visit", &visit, "--json"]
                        .iter()
                        .map(|s| s.to_string())
                        .collect();
                for r in p["best"]["rule_ids"].as_array().unwrap().iter().filter_map(|r| r.as_str()) {
                    args.extend(["--apply".to_string(), r.to_string()]);
                }
                // Half the sales are paid partly with points (refused by
                // the gate when this counter holds too few).
                if rng.chance(500) {
                    args.extend(["--apply".to_string(), "points".to_string()]);
                }
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                if let Some(receipt) = run.run_op(&counters[i], "checkout", &args) {
                    let r: serde_json::Value = serde_json::from_str(&receipt).unwrap();
                    run.sales_ok.insert(r["sale_id"].as_str().unwrap().to_string());
                }
            }
            50..=54 => {
                if let Some(id) = run.customer(&counters[i], &mut rng) {
                    run.run_op(
                        &counters[i],
                        "adjust",
                        &["adjust", "--db", &db, "--customer", &id, "--points", "3000", "--note", "chaos"],
                    );
                    if rng.chance(400) {
                        coupon_n += 1;
                        let code = format!("CH-{seed}-{coupon_n}");
                        let expires = (run.base + chrono::Duration::days(30)).to_rfc3339();
                        run.run_op(
                            &counters[i],
                            "issue_coupon",
                            &[
                                "issue-coupon",
                                "--db",
                                &db,
                                "--customer",
                                &id,
                                "--rule",
                                "coupon-3000",
                                "--code",
                                &code,
                                "--expires",
                                &expires,
                            ],
                        );
                    }
                }
            }
            55..=84 => {
                let kill = rng.chance(120).then(|| Duration::from_millis(rng.below(150)));
                run.sync(&mut counters[i], kill);
            }
            85..=90 => {
                let partition = match rng.below(3) {
                    0 => Partition::Both,
                    1 => Partition::AnswersLost,
                    _ => Partition::None,
                };
                *run.process_faults.entry("partition_changes").or_insert(0) += 1;
                counters[i].proxy.set_plan(Plan { partition, ..Plan::rough() });
            }
            91..=93 => {
                *run.process_faults.entry("hub_killed").or_insert(0) += 1;
                hub.kill9();
                if let Some((cluster, _)) = &pg
                    && rng.chance(500)
                {
                    *run.process_faults.entry("postgres_stopped_immediate").or_insert(0) += 1;
                    cluster.crash().unwrap();
                    std::thread::sleep(Duration::from_millis(rng.below(300)));
                    cluster.restart().unwrap();
                }
                std::thread::sleep(Duration::from_millis(rng.below(300)));
                hub.spawn();
            }
            _ => {
                if let Some(id) = run.customer(&counters[i], &mut rng) {
                    run.run_op(
                        &counters[i],
                        "feedback",
                        &[
                            "feedback",
                            "--db",
                            &db,
                            "--customer",
                            &id,
                            "--kind",
                            "complaint",
                            "--category",
                            "맛",
                            "--text",
                            "짜요",
                        ],
                    );
                }
            }
        }
    }

    // Heal: no faults, the hub up, every held duplicate delivered; then
    // rounds until every counter holds everything and all agree.
    let faults: BTreeMap<&'static str, u64> =
        counters.iter().flat_map(|c| c.proxy.counts()).fold(BTreeMap::new(), |mut m, (k, v)| {
            *m.entry(k).or_insert(0) += v;
            m
        });
    for c in &counters {
        c.proxy.set_plan(Plan::default());
        c.proxy.flush_later();
    }
    let healed = Instant::now();
    let converged = loop {
        for c in counters.iter_mut() {
            run.sync(c, None);
        }
        let digests: BTreeSet<String> = counters.iter().map(|c| digest(&c.db)).collect();
        let waiting: i64 = counters
            .iter()
            .map(|c| {
                let s = dangol_store::Store::open_shared(&c.db).unwrap().sync_status().unwrap();
                s.waiting
            })
            .sum();
        if digests.len() == 1 && waiting == 0 {
            break healed.elapsed();
        }
        assert!(
            healed.elapsed() < CONVERGE_WITHIN,
            "seed {seed} {backend:?}: no convergence within {CONVERGE_WITHIN:?}: {digests:?}, {waiting} waiting"
        );
    };

    // Every event at the hub exactly once, no gaps, all acknowledged.
    let held = hub_events(backend, &hub_db, pg.as_ref(), &shop);
    let mut events = 0;
    for (device, count, max) in &held {
        assert_eq!(
            count, max,
            "seed {seed} {backend:?}: device {device} has a gap or a double ({count} events, last {max})"
        );
        events += count;
    }
    for c in &counters {
        let device =
            sql_strings(&c.db, "SELECT replace(value, '-', '') FROM settings WHERE key = 'device_id'")[0].clone();
        let last: i64 = sql_strings(&c.db, "SELECT coalesce(max(seq), 0) FROM outbox")[0].parse().unwrap();
        let at_hub = held.iter().find(|(d, _, _)| *d == device).map_or(0, |h| h.2);
        assert_eq!(at_hub, last, "seed {seed}: every event of {} is at the hub", c.db.display());
        assert!(c.cursors.windows(2).all(|w| w[0] <= w[1]), "seed {seed}: a cursor moved back: {:?}", c.cursors);
        // Every ok sale, exactly once, everywhere.
        let sales = sql_strings(&c.db, "SELECT lower(hex(id)) FROM sales WHERE reverses IS NULL");
        let distinct: BTreeSet<&String> = sales.iter().collect();
        assert_eq!(distinct.len(), sales.len(), "seed {seed}: a sale twice");
        for s in &run.sales_ok {
            assert!(distinct.contains(&s.replace('-', "")), "seed {seed}: ok sale {s} missing at {}", c.db.display());
        }
        // Points in escrow: no balance below zero, nothing overdrawn, and
        // every counter's allowance and the pool add up to the balance.
        let store = dangol_store::Store::open_shared(&c.db).unwrap();
        let negative: Vec<_> = store.points_balances().unwrap().into_iter().filter(|(_, b)| *b < 0).collect();
        assert!(negative.is_empty(), "seed {seed}: customers below zero: {negative:?}");
        let overdrawn = sql_strings(&c.db, "SELECT detail FROM sync_anomalies WHERE kind = 'points_overdrawn'");
        assert!(overdrawn.is_empty(), "seed {seed}: points overdrawn: {overdrawn:?}");
        for id in sql_strings(&c.db, "SELECT lower(hex(id)) FROM customers") {
            let id = uuid::Uuid::parse_str(&id).unwrap();
            let (allowances, pool) = store.escrow_allowances(id).unwrap();
            assert!(pool >= 0 && allowances.iter().all(|(_, a)| *a >= 0), "seed {seed}: {allowances:?} {pool}");
            let held: i64 = allowances.iter().map(|(_, a)| a).sum::<i64>() + pool;
            let ledger = sql_strings(
                &c.db,
                &format!(
                    "SELECT coalesce(sum(points), 0) FROM points_ledger p JOIN customers k ON k.rid = p.customer
                     WHERE lower(hex(k.id)) = '{}' AND p.kind != 'expire'",
                    id.simple()
                ),
            );
            assert_eq!(held.to_string(), ledger[0], "seed {seed}: allowances and the pool add up to the balance");
        }
    }
    let anomalies: BTreeMap<String, i64> =
        sql_strings(&counters[0].db, "SELECT kind || '=' || count(*) FROM sync_anomalies GROUP BY kind")
            .into_iter()
            .filter_map(|s| s.split_once('=').map(|(k, v)| (k.to_string(), v.parse().unwrap_or(0))))
            .collect();
    let redeemed =
        sql_strings(&counters[0].db, "SELECT coalesce(sum(points_redeemed), 0) FROM sales WHERE reverses IS NULL");
    let report = serde_json::json!({
        "points_redeemed": redeemed[0].parse::<i64>().unwrap_or(0),
        "seed": seed,
        "backend": format!("{backend:?}"),
        "workload_secs": workload.as_secs_f64(),
        "operations": run.tallies,
        "network_faults": faults,
        "process_faults": run.process_faults,
        "failures": run.why,
        "events_at_hub": events,
        "sales_ok": run.sales_ok.len(),
        "anomalies_at_counter_0": anomalies,
        "converged_ms": converged.as_millis() as u64,
    });
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/chaos");
    let _ = std::fs::create_dir_all(&out);
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(out.join("report.jsonl")) {
        use std::io::Write;
        let _ = writeln!(f, "{report}");
    }
    drop(hub);
    let _ = std::fs::remove_dir_all(&dir);
    report
}

fn seeds() -> Vec<u64> {
    match std::env::var("CHAOS_SEEDS") {
        Ok(s) if s.contains(',') => s.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
        Ok(s) => (1..=s.trim().parse::<u64>().unwrap_or(3)).collect(),
        Err(_) => vec![1, 2, 3],
    }
}

fn workload() -> Duration {
    Duration::from_secs(std::env::var("CHAOS_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(8))
}

#[test]
fn sync_under_faults_on_a_sqlite_hub_loses_and_doubles_nothing() {
    for seed in seeds() {
        let r = run_seed(seed, Backend::Sqlite, workload());
        println!("{r}");
    }
}

#[test]
fn sync_under_faults_on_a_postgres_hub_loses_and_doubles_nothing() {
    for seed in seeds().into_iter().take(2) {
        let r = run_seed(seed, Backend::Postgres, workload());
        println!("{r}");
    }
}

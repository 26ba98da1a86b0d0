//! `dangol bench-sync`: sync through a real hub, on SQLite and on
//! PostgreSQL, each figure beside a floor measured in the same run.
//!
//! - **Throughput.** One counter pushes N events (batches of 1,000) and
//!   another pulls them all (pages of 1,000), through the built `dangol hub`
//!   started as a child process on loopback, exactly as a shop runs it (its
//!   state replica following the log in the background). The floor is the
//!   same rows written into a table of the same shape with plain batched
//!   SQL (one transaction per 1,000 rows) and read back by keyset pages, on
//!   the same disk or the same PostgreSQL cluster, at the same durability.
//! - **Concurrency.** A fresh hub; C counters (threads) push 40 batches of
//!   25 events each, all at once; every push's latency is kept. Then every
//!   (device, seq) must be held exactly once and every counter's
//!   acknowledgement must be its last event, or the command fails.
//! - **Memory and CPU.** The hub is its own process, so its peak RSS
//!   (`VmHWM`) and CPU time are the hub's alone; the share of its state
//!   replica's thread, and how far that replica had applied the log, are
//!   reported beside them.
//! - **Bootstrap** (with `--bootstrap-customers N`). A demo counter of N
//!   customers (`dangol demo`, setup: timed and sized, not a figure) syncs
//!   with a fresh, empty hub and uploads its database as the shop's
//!   starting state (`seed_ms`); then a counter file that does not exist
//!   yet syncs and starts from the hub's snapshot (`bootstrap_ms`). Both
//!   are the built `dangol sync` as a child process, timed wall to wall.
//!   The new counter must hold the N customers and the demo counter's state
//!   digest, or the command fails.
//!
//! docs/scaling.md reasons from these figures to a chain of 1,000 shops.

use dangol_hub::client::{ClientError, HubClient, new_device, new_token};
use dangol_hub::cluster::TempCluster;
use dangol_hub::wire::JoinRequest;
use dangol_hub::{HUB_SCHEMA_VERSION, PushedEvent};
use dangol_store::StoreError;
use serde::Serialize;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Events per push and per pull page in the throughput part.
pub const BATCH: usize = 1_000;
/// Pushes per counter in the concurrency part.
pub const PUSHES_PER_COUNTER: usize = 40;
/// Events per push in the concurrency part.
pub const EVENTS_PER_PUSH: usize = 25;
/// The throughput target: sync within this many times its floor.
pub const TARGET_RATIO: f64 = 2.0;
/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(120);
/// Retries of a push or pull that got no answer (or a 5xx).
const RETRIES: u32 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub events: usize,
    pub counters: usize,
    pub backends: Vec<Backend>,
    /// A PostgreSQL to measure on instead of a throw-away cluster.
    pub postgres: Option<String>,
    /// Where the SQLite files (and the hub's state) go.
    pub dir: Option<PathBuf>,
    /// Customers of the demo shop a new counter bootstraps from (0: skip).
    pub bootstrap_customers: u64,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub machine: Machine,
    pub events: usize,
    pub batch: usize,
    pub payload_bytes_avg: f64,
    pub counters: usize,
    pub pushes_per_counter: usize,
    pub events_per_push: usize,
    pub target_ratio: f64,
    /// How the hub ran.
    pub hub: String,
    pub backends: Vec<BackendReport>,
    /// The bootstrap part (`None` without `--bootstrap-customers`).
    pub bootstrap: Option<Bootstrap>,
}

#[derive(Debug, Serialize)]
pub struct Machine {
    pub cores: usize,
    pub os: String,
}

#[derive(Debug, Serialize)]
pub struct BackendReport {
    pub backend: Backend,
    /// Where it was stored ("a file under …", "a throw-away PostgreSQL 15 cluster", …).
    pub storage: String,
    pub throughput: Throughput,
    pub concurrency: Concurrency,
}

#[derive(Debug, Serialize)]
pub struct Throughput {
    pub events: usize,
    pub push_ms: f64,
    pub pull_ms: f64,
    pub floor_insert_ms: f64,
    pub floor_read_ms: f64,
    /// (push + pull) / (floor insert + floor read).
    pub ratio: f64,
    pub push_ratio: f64,
    pub pull_ratio: f64,
    pub push_events_per_s: f64,
    pub pull_events_per_s: f64,
    pub met: bool,
    /// The log's size after the push (SQLite: the file and its WAL;
    /// PostgreSQL: the events table with its indexes and TOAST).
    pub log_bytes: u64,
    pub log_bytes_per_event: f64,
    pub floor_bytes: u64,
    pub hub_peak_rss_kib: u64,
    /// The hub process's CPU time over the run (user + system)…
    pub hub_cpu_ms: u64,
    /// …of which its state replica's thread (applying the log to the
    /// shop's state in the background)…
    pub hub_state_cpu_ms: u64,
    /// …which had applied the log up to this position when the hub stopped.
    pub hub_state_pos: i64,
    pub retries: u64,
}

#[derive(Debug, Serialize)]
pub struct Concurrency {
    pub counters: usize,
    pub pushes: usize,
    pub events: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub wall_ms: f64,
    pub events_per_s: f64,
    pub retries: u64,
    /// (device, seq) pairs pushed and acknowledged but not in the log.
    pub lost: usize,
    /// (device, seq) pairs held more than once.
    pub duplicated: usize,
    /// Events in the log no counter pushed.
    pub unexpected: usize,
    /// Counters whose acknowledgement at the hub is not their last event.
    pub acked_mismatch: usize,
    pub zero_loss: bool,
    pub hub_peak_rss_kib: u64,
    pub hub_cpu_ms: u64,
    pub hub_state_cpu_ms: u64,
    pub hub_state_pos: i64,
}

/// A new counter's start from a hub holding a big shop.
#[derive(Debug, Serialize)]
pub struct Bootstrap {
    pub customers: u64,
    /// Making the demo counter (`dangol demo`): setup, not a figure.
    pub demo_ms: f64,
    /// Its file (and WAL) once made.
    pub demo_bytes: u64,
    pub backends: Vec<BootstrapRun>,
}

/// The bootstrap part on one backend, with a hub of its own.
#[derive(Debug, Serialize)]
pub struct BootstrapRun {
    pub backend: Backend,
    /// `dangol sync` of the demo counter with the empty hub, wall to wall:
    /// its events pushed, its database copied and uploaded, the hub taking
    /// it as the shop's state.
    pub seed_ms: f64,
    /// The log position the seed holds every event up to.
    pub seeded_at: i64,
    /// The hub's state file (and WAL) after the seed.
    pub hub_state_bytes: u64,
    /// The hub's peak RSS from its start to the end of the seed.
    pub seed_hub_peak_rss_kib: u64,
    pub seed_hub_cpu_ms: u64,
    /// The demo counter's `dangol sync` process's peak RSS (its copy for
    /// the seed is made there).
    pub seed_counter_peak_rss_kib: u64,
    /// `dangol sync` of a counter file that does not exist yet, wall to
    /// wall: joined, the snapshot made and downloaded, adopted, then a round.
    pub bootstrap_ms: f64,
    pub snapshot_at: i64,
    /// The new counter's file (and WAL) right after.
    pub snapshot_bytes: u64,
    /// The hub's peak RSS during the bootstrap (its peak is reset after the
    /// seed when the kernel allows; else since the hub started).
    pub bootstrap_hub_peak_rss_kib: u64,
    pub bootstrap_hub_peak_reset: bool,
    pub bootstrap_hub_cpu_ms: u64,
    /// The new counter's `dangol sync` process's peak RSS.
    pub bootstrap_counter_peak_rss_kib: u64,
    /// Customers the new counter holds (must be `customers`).
    pub counter_customers: u64,
    /// Whether the new counter's state digest is the demo counter's.
    pub same_state: bool,
    /// How long counting and the two digests took (not a figure).
    pub check_ms: f64,
}

impl BootstrapRun {
    fn ok(&self, customers: u64) -> bool {
        self.counter_customers == customers && self.same_state
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn hub_error(hub: &str, e: ClientError) -> StoreError {
    match e {
        ClientError::Refused { body, .. } => StoreError::HubRefused { refusal: body.error, detail: body.message },
        other => StoreError::HubUnreachable { hub: hub.to_string(), detail: other.to_string() },
    }
}

fn storage_failed(e: impl std::fmt::Display) -> StoreError {
    StoreError::HubRefused { refusal: "hub_storage".into(), detail: e.to_string() }
}

fn lost(detail: String) -> StoreError {
    StoreError::HubRefused { refusal: "events_lost".into(), detail }
}

fn mismatch(detail: String) -> StoreError {
    StoreError::HubRefused { refusal: "bootstrap_mismatch".into(), detail }
}

// ---------------------------------------------------------------------------
// Events as counters write them

const MENU: [(&str, &str, &str, i64); 6] = [
    ("SALT", "소금빵", "베이커리", 3_200),
    ("AMR", "아메리카노", "음료", 4_500),
    ("LATTE", "카페라테", "음료", 5_000),
    ("CROI", "크루아상", "베이커리", 3_800),
    ("SCONE", "스콘", "베이커리", 3_500),
    ("CAKE", "딸기 생크림 케이크", "케이크", 32_000),
];

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn rfc3339(at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// `n` events of one counter (`tag` makes its phones its own), seqs 1..=n,
/// as a day at a counter writes them: for each visit, now and then a new
/// customer, the prompts shown, the sale (1 to 3 lines, 4 in 10 walk-ins),
/// and now and then a complaint. About 300 bytes of JSON on average.
pub fn events(n: usize, tag: u32, start_ms: i64) -> Vec<PushedEvent> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (u64::from(tag) + 1).wrapping_mul(0xbf58_476d_1ce4_e5b9));
    let mut out: Vec<PushedEvent> = Vec::with_capacity(n + 4);
    let mut customers: Vec<Uuid> = Vec::new();
    let mut at = start_ms;
    let push = |out: &mut Vec<PushedEvent>, at: i64, kind: &str, payload: serde_json::Value| {
        let seq = out.len() as i64 + 1;
        out.push(PushedEvent {
            seq,
            event_id: Uuid::now_v7(),
            at_ms: at,
            kind: kind.into(),
            schema_version: HUB_SCHEMA_VERSION,
            payload: payload.to_string(),
        });
    };
    while out.len() < n {
        at += 20_000 + rng.below(100_000) as i64;
        let when = rfc3339(at);
        let customer = if customers.is_empty() || rng.below(10) == 0 {
            let id = Uuid::now_v7();
            let phone = format!("010{:04}{:04}", tag % 10_000, customers.len() % 10_000);
            push(
                &mut out,
                at,
                "customer.created",
                serde_json::json!({
                    "birth_date": null, "card_code": null, "consent_at": null, "created_at": when, "id": id,
                    "marketing_consent": false, "name": "김영자", "notes": "", "phone": phone,
                    "preferred_name": null, "tags": [], "tier": "basic"
                }),
            );
            customers.push(id);
            Some(id)
        } else if rng.below(10) < 4 {
            None
        } else {
            Some(customers[rng.below(customers.len() as u64) as usize])
        };
        if let Some(c) = customer {
            push(&mut out, at, "prompts.shown", serde_json::json!({"customer": c, "keys": ["consent:marketing"]}));
        }
        let mut lines = Vec::new();
        let mut subtotal = 0;
        for _ in 0..1 + rng.below(3) {
            let (sku, name, category, price) = MENU[rng.below(MENU.len() as u64) as usize];
            let qty = 1 + rng.below(2) as i64;
            subtotal += price * qty;
            lines.push(serde_json::json!({
                "sku": sku, "name": name, "category": category, "unit_price": price, "qty": qty,
                "amount": price * qty, "discount": 0
            }));
        }
        push(
            &mut out,
            at,
            "sale.completed",
            serde_json::json!({
                "id": Uuid::now_v7(), "customer_id": customer, "at": when, "lines": lines, "discounts": [],
                "missed": [], "subtotal": subtotal, "discount_total": 0, "total": subtotal,
                "points_earned": if customer.is_some() { subtotal / 20 } else { 0 },
                "points_expire_at": customer.map(|_| rfc3339(at + 365 * 86_400_000)), "points_redeemed": 0,
                "stamps_earned": i64::from(customer.is_some()), "stamps_redeemed": 0, "goodwill": null
            }),
        );
        if let Some(c) = customer.filter(|_| rng.below(40) == 0) {
            push(
                &mut out,
                at,
                "feedback.logged",
                serde_json::json!({
                    "id": Uuid::now_v7(), "customer": c, "kind": "complaint", "category": "맛",
                    "text": "소금빵이 너무 짰어요", "at": when
                }),
            );
        }
    }
    out.truncate(n);
    out
}

// ---------------------------------------------------------------------------
// The hub as a child process

/// A scratch folder, deleted with everything in it when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(base: Option<&Path>) -> Result<Scratch, StoreError> {
        let base = base.map(Path::to_path_buf).unwrap_or_else(std::env::temp_dir);
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let dir = base.join(format!("dangol-bench-sync-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io { path: dir.clone(), source })?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `dangol hub` (this very binary), killed when dropped.
struct HubChild {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    url: String,
    key: String,
    key_file: PathBuf,
}

/// What the hub process used, read just before it is stopped.
#[derive(Debug, Clone, Copy, Default)]
struct HubUsage {
    peak_rss_kib: u64,
    cpu_ms: u64,
    /// Of `cpu_ms`, the state replica's thread.
    state_cpu_ms: u64,
    /// The log position the state replica had applied.
    state_pos: i64,
}

/// A process's peak RSS so far (`VmHWM`), 0 when it cannot be read.
fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// User and system CPU time of a process or thread (`/proc/…/stat`), in
/// milliseconds: fields 14 and 15, in clock ticks (USER_HZ, 100 on Linux),
/// counted after the name, which may hold spaces.
fn cpu_time_ms(stat: &str) -> Option<u64> {
    let s = std::fs::read_to_string(stat).ok()?;
    let rest = s.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some((f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?) * 10)
}

/// This very binary, to run the hub and counters with; the running image
/// itself when its file was replaced (a rebuild during a long run).
fn this_binary() -> Result<PathBuf, StoreError> {
    let exe = std::env::current_exe().map_err(|source| StoreError::Io { path: "dangol".into(), source })?;
    let running = Path::new("/proc/self/exe");
    Ok(if !exe.exists() && running.exists() { running.to_path_buf() } else { exe })
}

impl HubChild {
    /// Starts the hub on `storage` (its `--db` or `--postgres … --shop …`
    /// arguments) with a join key and its state in `dir`.
    fn start(storage: &[String], dir: &Path, name: &str) -> Result<HubChild, StoreError> {
        let exe = this_binary()?;
        let key_file = dir.join(format!("{name}.key"));
        let key = new_token();
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path: path.clone(), source }
        };
        {
            use std::io::Write;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut f = options.open(&key_file).map_err(io(&key_file))?;
            f.write_all(format!("{key}\n").as_bytes()).map_err(io(&key_file))?;
        }
        let log = dir.join(format!("{name}.hub.log"));
        let stderr = std::fs::File::create(&log).map_err(io(&log))?;
        let mut child = Command::new(&exe)
            .arg("hub")
            .args(storage)
            .args(["--listen", "127.0.0.1:0", "--key-file"])
            .arg(&key_file)
            .args(["--json", "--lang", "en"])
            .env_remove("DANGOL_NOW")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(io(&exe))?;
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        let addr = serde_json::from_str::<serde_json::Value>(&line)
            .ok()
            .and_then(|v| v["listening"].as_str().map(str::to_string));
        match addr {
            Some(addr) => Ok(HubChild { child, _stdout: stdout, url: format!("http://{addr}"), key, key_file }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                // The hub says why as a JSON error (`--json`), in English.
                let said = std::fs::read_to_string(&log).unwrap_or_default();
                let error = serde_json::from_str::<serde_json::Value>(said.trim()).ok().map(|v| v["error"].clone());
                let refusal = error
                    .as_ref()
                    .and_then(|e| e["refusal"].as_str().or(e["kind"].as_str()).map(str::to_string))
                    .unwrap_or_else(|| "hub_failed".into());
                let why = error
                    .as_ref()
                    .and_then(|e| e["message"].as_str())
                    .map(|m| match m.strip_prefix("the hub refused (") {
                        Some(rest) => rest.split_once("): ").map_or(m, |(_, why)| why).to_string(),
                        None => m.to_string(),
                    })
                    .unwrap_or_else(|| format!("{}{}", line.trim(), said.trim()));
                Err(StoreError::HubRefused { refusal, detail: format!("`dangol hub` did not start: {why}") })
            }
        }
    }

    fn client(&self) -> HubClient {
        HubClient::new(&self.url, TIMEOUT)
    }

    /// Enrols a counter through the real join; its client carries the
    /// credential.
    fn enrol(&self, name: &str) -> Result<(Uuid, String, HubClient), StoreError> {
        let (device, token) = (new_device(), new_token());
        self.join(device, name, &token)?;
        Ok((device, token.clone(), self.client().with_token(&token)))
    }

    /// Joins (again): the answer says what the hub holds of the device.
    fn join(&self, device: Uuid, name: &str, token: &str) -> Result<i64, StoreError> {
        let req = JoinRequest {
            join_key: self.key.clone(),
            device,
            name: name.into(),
            token: token.into(),
            schema_version: HUB_SCHEMA_VERSION,
        };
        Ok(self.client().join(&req).map_err(|e| hub_error(&self.url, e))?.acked_seq)
    }

    fn usage(&self) -> HubUsage {
        let pid = self.child.id();
        let peak_rss_kib = peak_rss_kib(pid);
        let cpu_ms = cpu_time_ms(&format!("/proc/{pid}/stat")).unwrap_or(0);
        // The state replica is the one thread the hub starts by itself
        // (named like the process); tokio's threads are named tokio-….
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let state_cpu_ms = std::fs::read_dir(format!("/proc/{pid}/task"))
            .map(|tasks| {
                tasks
                    .filter_map(Result::ok)
                    .filter(|t| t.file_name().to_str() != Some(&pid.to_string()))
                    .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c == comm))
                    .filter_map(|t| cpu_time_ms(&t.path().join("stat").display().to_string()))
                    .sum()
            })
            .unwrap_or(0);
        HubUsage { peak_rss_kib, cpu_ms, state_cpu_ms, state_pos: 0 }
    }

    /// Resets the hub's peak RSS to its current RSS (`clear_refs`, Linux
    /// 4.0 and later); false when the kernel refuses.
    fn reset_peak(&self) -> bool {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5").is_ok()
    }

    /// Stops the hub; returns what it used and how far its state replica
    /// (in `state`) had come.
    fn stop(mut self, state: &Path) -> HubUsage {
        let mut usage = self.usage();
        usage.state_pos =
            dangol_store::Store::open_shared(state).and_then(|s| s.sync_status()).map_or(0, |s| s.pulled_pos);
        let _ = self.child.kill();
        let _ = self.child.wait();
        usage
    }
}

impl Drop for HubChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Pushes a batch until the hub acknowledges it (retrying what got no
/// answer, as a counter does); the acknowledgement must be the batch's end.
fn push_acked(client: &HubClient, url: &str, batch: &[PushedEvent], retries: &mut u64) -> Result<(), StoreError> {
    let last = batch.last().map_or(0, |e| e.seq);
    let mut attempt = 0;
    loop {
        match client.push(batch) {
            Ok(ack) if ack.acked_seq == last => return Ok(()),
            Ok(ack) => {
                return Err(lost(format!("a push up to event {last} was acknowledged up to {}", ack.acked_seq)));
            }
            Err(e) if e.retryable() && attempt < RETRIES => {
                attempt += 1;
                *retries += 1;
                std::thread::sleep(Duration::from_millis(50 * u64::from(attempt)));
            }
            Err(e) => return Err(hub_error(url, e)),
        }
    }
}

/// Every page of the log, oldest first, as a counter pulls them (each
/// page asked for while the one before is checked); a page that gets no
/// answer is asked for again, like a push.
fn pull_all(
    client: &HubClient,
    url: &str,
    retries: &mut u64,
    mut each: impl FnMut(&[dangol_hub::HubEvent]) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut after = 0;
    let mut attempt = 0;
    loop {
        for page in client.pages(after, BATCH) {
            match page {
                Ok(page) => {
                    let Some(last) = page.events.last().map(|e| e.pos) else { return Ok(()) };
                    each(&page.events)?;
                    after = last;
                    attempt = 0;
                }
                Err(e) if e.retryable() && attempt < RETRIES => {
                    attempt += 1;
                    *retries += 1;
                    std::thread::sleep(Duration::from_millis(50 * u64::from(attempt)));
                    break;
                }
                Err(e) => return Err(hub_error(url, e)),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Storage: where each backend keeps the hub's log and its floor

/// One backend's storage for a run.
enum Storage {
    Sqlite { dir: PathBuf },
    Postgres { url: String, run: String, _cluster: Option<TempCluster> },
}

impl Storage {
    fn hub_args(&self, name: &str) -> Vec<String> {
        match self {
            Storage::Sqlite { dir } => vec!["--db".into(), dir.join(format!("{name}.db")).display().to_string()],
            Storage::Postgres { url, run, .. } => {
                vec!["--postgres".into(), url.clone(), "--shop".into(), format!("{run}_{name}")]
            }
        }
    }

    /// The hub's state replica (`dangol hub` keeps it beside the SQLite
    /// log, or beside the join key for PostgreSQL).
    fn state_file(&self, name: &str, hub_dir: &Path) -> PathBuf {
        match self {
            Storage::Sqlite { dir } => dir.join(format!("{name}.state.db")),
            Storage::Postgres { run, .. } => hub_dir.join(format!("{run}_{name}.state.db")),
        }
    }

    /// The hub log's size on disk.
    fn log_bytes(&self, name: &str) -> Result<u64, StoreError> {
        match self {
            Storage::Sqlite { dir } => Ok(files_bytes(&dir.join(format!("{name}.db")))),
            Storage::Postgres { url, run, .. } => {
                let mut c = postgres::Client::connect(url, postgres::NoTls).map_err(storage_failed)?;
                let table = format!("shop_{run}_{name}.events");
                let n: i64 = c
                    .query_one("SELECT pg_total_relation_size($1::text::regclass)", &[&table])
                    .map_err(storage_failed)?
                    .get(0);
                Ok(n.max(0) as u64)
            }
        }
    }

    /// Drops what this run made in a PostgreSQL it was given.
    fn clean(&self, names: &[&str]) {
        if let Storage::Postgres { url, run, _cluster: None } = self
            && let Ok(mut c) = postgres::Client::connect(url, postgres::NoTls)
        {
            for name in names {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS shop_{run}_{name} CASCADE"));
            }
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {run}_floor CASCADE"));
        }
    }
}

fn files_bytes(db: &Path) -> u64 {
    ["", "-wal"].iter().map(|s| std::fs::metadata(format!("{}{s}", db.display())).map(|m| m.len()).unwrap_or(0)).sum()
}

/// The floor: the same rows into a table of the hub's shape (its columns
/// and unique indexes) with plain batched SQL, then read back by keyset
/// pages. Returns (insert, read, bytes).
fn floor(storage: &Storage, device: Uuid, events: &[PushedEvent]) -> Result<(Duration, Duration, u64), StoreError> {
    let hashes: Vec<[u8; 32]> = events.iter().map(PushedEvent::content_hash).collect();
    match storage {
        Storage::Sqlite { dir } => sqlite_floor(&dir.join("floor.db"), device, events, &hashes),
        Storage::Postgres { url, run, .. } => pg_floor(url, &format!("{run}_floor"), device, events, &hashes),
    }
}

fn sqlite_floor(
    path: &Path,
    device: Uuid,
    events: &[PushedEvent],
    hashes: &[[u8; 32]],
) -> Result<(Duration, Duration, u64), StoreError> {
    let mut conn = rusqlite::Connection::open(path)?;
    // The hub's durability: WAL, every commit flushed.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(
        "CREATE TABLE events (
            pos INTEGER PRIMARY KEY AUTOINCREMENT, device BLOB NOT NULL, seq INTEGER NOT NULL,
            event_id BLOB NOT NULL UNIQUE, at INTEGER NOT NULL, kind TEXT NOT NULL,
            schema_version INTEGER NOT NULL, payload TEXT NOT NULL, hash BLOB NOT NULL, UNIQUE (device, seq))",
    )?;
    let started = Instant::now();
    for (batch, hashes) in events.chunks(BATCH).zip(hashes.chunks(BATCH)) {
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO events (device, seq, event_id, at, kind, schema_version, payload, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for (e, h) in batch.iter().zip(hashes) {
                insert.execute(rusqlite::params![
                    device.as_bytes(),
                    e.seq,
                    e.event_id.as_bytes(),
                    e.at_ms,
                    e.kind,
                    e.schema_version,
                    e.payload,
                    &h[..]
                ])?;
            }
        }
        tx.commit()?;
    }
    let insert = started.elapsed();
    let started = Instant::now();
    let mut after = 0i64;
    let mut read = 0usize;
    let mut select = conn.prepare(
        "SELECT pos, device, seq, event_id, at, kind, schema_version, payload FROM events
         WHERE pos > ?1 ORDER BY pos LIMIT ?2",
    )?;
    loop {
        let page: Vec<dangol_hub::HubEvent> = select
            .query_map(rusqlite::params![after, BATCH as i64], |r| {
                Ok(dangol_hub::HubEvent {
                    pos: r.get(0)?,
                    device: Uuid::from_slice(&r.get::<_, Vec<u8>>(1)?).unwrap_or_default(),
                    event: PushedEvent {
                        seq: r.get(2)?,
                        event_id: Uuid::from_slice(&r.get::<_, Vec<u8>>(3)?).unwrap_or_default(),
                        at_ms: r.get(4)?,
                        kind: r.get(5)?,
                        schema_version: r.get(6)?,
                        payload: r.get(7)?,
                    },
                })
            })?
            .collect::<Result<_, _>>()?;
        let Some(last) = page.last() else { break };
        after = last.pos;
        read += page.len();
    }
    let read_time = started.elapsed();
    drop(select);
    drop(conn);
    if read != events.len() {
        return Err(lost(format!("the SQLite floor read back {read} of {} rows", events.len())));
    }
    Ok((insert, read_time, files_bytes(path)))
}

fn pg_floor(
    url: &str,
    schema: &str,
    device: Uuid,
    events: &[PushedEvent],
    hashes: &[[u8; 32]],
) -> Result<(Duration, Duration, u64), StoreError> {
    let mut c = postgres::Client::connect(url, postgres::NoTls).map_err(storage_failed)?;
    c.batch_execute(&format!(
        "SET client_min_messages = warning;
         DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};
         CREATE TABLE {schema}.events (
            pos BIGSERIAL PRIMARY KEY, device UUID NOT NULL, seq BIGINT NOT NULL,
            event_id UUID NOT NULL UNIQUE, at BIGINT NOT NULL, kind TEXT NOT NULL,
            schema_version BIGINT NOT NULL, payload TEXT NOT NULL, hash BYTEA NOT NULL, UNIQUE (device, seq))"
    ))
    .map_err(storage_failed)?;
    let insert_sql = format!(
        "INSERT INTO {schema}.events (device, seq, event_id, at, kind, schema_version, payload, hash)
         SELECT $1, s, i, a, k, v, p, h
         FROM unnest($2::bigint[], $3::uuid[], $4::bigint[], $5::text[], $6::bigint[], $7::text[], $8::bytea[])
              AS b (s, i, a, k, v, p, h)"
    );
    let started = Instant::now();
    let insert = c.prepare(&insert_sql).map_err(storage_failed)?;
    for (batch, hashes) in events.chunks(BATCH).zip(hashes.chunks(BATCH)) {
        let seq: Vec<i64> = batch.iter().map(|e| e.seq).collect();
        let id: Vec<Uuid> = batch.iter().map(|e| e.event_id).collect();
        let at: Vec<i64> = batch.iter().map(|e| e.at_ms).collect();
        let kind: Vec<&str> = batch.iter().map(|e| e.kind.as_str()).collect();
        let version: Vec<i64> = batch.iter().map(|e| e.schema_version).collect();
        let payload: Vec<&str> = batch.iter().map(|e| e.payload.as_str()).collect();
        let hash: Vec<&[u8]> = hashes.iter().map(|h| &h[..]).collect();
        let mut tx = c.transaction().map_err(storage_failed)?;
        tx.execute(&insert, &[&device, &seq, &id, &at, &kind, &version, &payload, &hash]).map_err(storage_failed)?;
        tx.commit().map_err(storage_failed)?;
    }
    let insert_time = started.elapsed();
    let started = Instant::now();
    let select = c
        .prepare(&format!(
            "SELECT pos, device, seq, event_id, at, kind, schema_version, payload FROM {schema}.events
             WHERE pos > $1 ORDER BY pos LIMIT $2"
        ))
        .map_err(storage_failed)?;
    let mut after = 0i64;
    let mut read = 0usize;
    loop {
        let rows = c.query(&select, &[&after, &(BATCH as i64)]).map_err(storage_failed)?;
        let page: Vec<dangol_hub::HubEvent> = rows
            .iter()
            .map(|r| dangol_hub::HubEvent {
                pos: r.get(0),
                device: r.get(1),
                event: PushedEvent {
                    seq: r.get(2),
                    event_id: r.get(3),
                    at_ms: r.get(4),
                    kind: r.get(5),
                    schema_version: r.get(6),
                    payload: r.get(7),
                },
            })
            .collect();
        let Some(last) = page.last() else { break };
        after = last.pos;
        read += page.len();
    }
    let read_time = started.elapsed();
    let bytes: i64 = c
        .query_one("SELECT pg_total_relation_size($1::text::regclass)", &[&format!("{schema}.events")])
        .map_err(storage_failed)?
        .get(0);
    let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
    if read != events.len() {
        return Err(lost(format!("the PostgreSQL floor read back {read} of {} rows", events.len())));
    }
    Ok((insert_time, read_time, bytes.max(0) as u64))
}

// ---------------------------------------------------------------------------
// The two parts

fn throughput(
    storage: &Storage,
    dir: &Path,
    events: &[PushedEvent],
    bar: &indicatif::ProgressBar,
) -> Result<Throughput, StoreError> {
    let hub = HubChild::start(&storage.hub_args("throughput"), dir, "throughput")?;
    let (a, _, pusher) = hub.enrol("bench counter A")?;
    let (_, _, puller) = hub.enrol("bench counter B")?;
    let mut retries = 0;
    bar.set_message("push");
    let started = Instant::now();
    for batch in events.chunks(BATCH) {
        push_acked(&pusher, &hub.url, batch, &mut retries)?;
        bar.inc(batch.len() as u64);
    }
    let push = started.elapsed();
    bar.set_message("pull");
    let started = Instant::now();
    let mut after = 0;
    let mut next_seq = 1;
    pull_all(&puller, &hub.url, &mut retries, |page| {
        // One pusher: its events come back in its order, each once.
        for e in page {
            if e.device != a || e.event.seq != next_seq || e.pos <= after {
                return Err(lost(format!("pulled event {} at {} where event {next_seq} was due", e.event.seq, e.pos)));
            }
            next_seq += 1;
            after = e.pos;
        }
        bar.inc(page.len() as u64);
        Ok(())
    })?;
    let pull = started.elapsed();
    if next_seq - 1 != events.len() as i64 {
        return Err(lost(format!("pulled {} of {} events", next_seq - 1, events.len())));
    }
    let log_bytes = storage.log_bytes("throughput")?;
    let usage = hub.stop(&storage.state_file("throughput", dir));
    bar.set_message("floor");
    let (floor_insert, floor_read, floor_bytes) = floor(storage, new_device(), events)?;
    let n = events.len() as f64;
    let ratio = (ms(push) + ms(pull)) / (ms(floor_insert) + ms(floor_read));
    Ok(Throughput {
        events: events.len(),
        push_ms: ms(push),
        pull_ms: ms(pull),
        floor_insert_ms: ms(floor_insert),
        floor_read_ms: ms(floor_read),
        ratio,
        push_ratio: ms(push) / ms(floor_insert),
        pull_ratio: ms(pull) / ms(floor_read),
        push_events_per_s: n / push.as_secs_f64(),
        pull_events_per_s: n / pull.as_secs_f64(),
        met: ratio <= TARGET_RATIO,
        log_bytes,
        log_bytes_per_event: log_bytes as f64 / n,
        floor_bytes,
        hub_peak_rss_kib: usage.peak_rss_kib,
        hub_cpu_ms: usage.cpu_ms,
        hub_state_cpu_ms: usage.state_cpu_ms,
        hub_state_pos: usage.state_pos,
        retries,
    })
}

/// The nearest-rank percentile of sorted samples.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn concurrency(
    storage: &Storage,
    dir: &Path,
    counters: usize,
    bar: &indicatif::ProgressBar,
) -> Result<Concurrency, StoreError> {
    let hub = HubChild::start(&storage.hub_args("concurrency"), dir, "concurrency")?;
    let per_counter = PUSHES_PER_COUNTER * EVENTS_PER_PUSH;
    let start_ms = dangol_hub::server::now_ms();
    let mut enrolled = Vec::with_capacity(counters);
    for i in 0..counters {
        let (device, token, client) = hub.enrol(&format!("bench counter {}", i + 1))?;
        enrolled.push((device, token, client, events(per_counter, i as u32 + 1, start_ms)));
    }
    bar.set_message(format!("{counters} counters pushing"));
    let barrier = Arc::new(Barrier::new(counters + 1));
    let url = hub.url.clone();
    let threads: Vec<_> = enrolled
        .into_iter()
        .map(|(device, token, client, events)| {
            let barrier = Arc::clone(&barrier);
            let url = url.clone();
            let bar = bar.clone();
            std::thread::spawn(move || -> Result<(Uuid, String, Vec<f64>, u64), StoreError> {
                let mut latencies = Vec::with_capacity(PUSHES_PER_COUNTER);
                let mut retries = 0;
                barrier.wait();
                for batch in events.chunks(EVENTS_PER_PUSH) {
                    let t = Instant::now();
                    push_acked(&client, &url, batch, &mut retries)?;
                    latencies.push(ms(t.elapsed()));
                    bar.inc(batch.len() as u64);
                }
                Ok((device, token, latencies, retries))
            })
        })
        .collect();
    barrier.wait();
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(counters * PUSHES_PER_COUNTER);
    let mut retries = 0;
    let mut devices = Vec::with_capacity(counters);
    let mut failed = None;
    for t in threads {
        match t.join() {
            Ok(Ok((device, token, l, r))) => {
                latencies.extend(l);
                retries += r;
                devices.push((device, token));
            }
            Ok(Err(e)) => failed = failed.or(Some(e)),
            Err(_) => failed = failed.or(Some(lost("a counter's thread panicked".into()))),
        }
    }
    let wall = started.elapsed();
    if let Some(e) = failed {
        return Err(e);
    }
    // Every counter's acknowledgement at the hub is its last event.
    let mut acked_mismatch = 0;
    for (i, (device, token)) in devices.iter().enumerate() {
        if hub.join(*device, &format!("bench counter {}", i + 1), token)? != per_counter as i64 {
            acked_mismatch += 1;
        }
    }
    // Everything the hub holds, pulled by a counter that pushed nothing.
    bar.set_message("checking");
    let (_, _, auditor) = hub.enrol("bench auditor")?;
    let mut held: HashMap<(Uuid, i64), u32> = HashMap::with_capacity(counters * per_counter);
    let mut after = 0;
    pull_all(&auditor, &hub.url, &mut retries, |page| {
        for e in page {
            if e.pos <= after {
                return Err(lost(format!("position {} came after {after}", e.pos)));
            }
            after = e.pos;
            *held.entry((e.device, e.event.seq)).or_default() += 1;
        }
        Ok(())
    })?;
    let usage = hub.stop(&storage.state_file("concurrency", dir));
    let mut lost_n = 0;
    let mut duplicated = 0;
    for (device, _) in &devices {
        for seq in 1..=per_counter as i64 {
            match held.remove(&(*device, seq)) {
                None => lost_n += 1,
                Some(1) => {}
                Some(_) => duplicated += 1,
            }
        }
    }
    let unexpected = held.len();
    latencies.sort_by(|a, b| a.total_cmp(b));
    let events_n = counters * per_counter;
    Ok(Concurrency {
        counters,
        pushes: latencies.len(),
        events: events_n,
        p50_ms: percentile(&latencies, 0.50),
        p99_ms: percentile(&latencies, 0.99),
        max_ms: latencies.last().copied().unwrap_or(0.0),
        wall_ms: ms(wall),
        events_per_s: events_n as f64 / wall.as_secs_f64(),
        retries,
        lost: lost_n,
        duplicated,
        unexpected,
        acked_mismatch,
        zero_loss: lost_n == 0 && duplicated == 0 && unexpected == 0 && acked_mismatch == 0,
        hub_peak_rss_kib: usage.peak_rss_kib,
        hub_cpu_ms: usage.cpu_ms,
        hub_state_cpu_ms: usage.state_cpu_ms,
        hub_state_pos: usage.state_pos,
    })
}

// ---------------------------------------------------------------------------
// The bootstrap part

/// The demo counter every backend's bootstrap part starts from.
struct DemoCounter {
    path: PathBuf,
    customers: u64,
    ms: f64,
    bytes: u64,
}

/// What a run of this very binary answered and used.
struct Ran {
    answer: serde_json::Value,
    wall: Duration,
    /// Its peak RSS (`VmHWM`, read every few milliseconds until it exits).
    peak_rss_kib: u64,
}

/// Runs this very binary (`dangol what … --json`): its JSON answer, wall
/// time and peak memory, or its JSON error as a `StoreError`.
fn dangol(what: &str, args: &[&OsStr]) -> Result<Ran, StoreError> {
    use std::io::Read;
    let exe = this_binary()?;
    let io = |source| StoreError::Io { path: exe.clone(), source };
    let started = Instant::now();
    let mut child = Command::new(&exe)
        .arg(what)
        .args(args)
        .args(["--json", "--lang", "en"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(io)?;
    let drain = |mut from: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut all = Vec::new();
            let _ = from.read_to_end(&mut all);
            all
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped")));
    // Polled rather than waited for, so its memory is read while it runs
    // (and never after its id is reaped).
    let mut peak = 0;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(io)? {
            break status;
        }
        peak = peak.max(peak_rss_kib(child.id()));
        std::thread::sleep(Duration::from_millis(5));
    };
    let wall = started.elapsed();
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    match serde_json::from_slice::<serde_json::Value>(&stdout) {
        Ok(answer) if status.success() => Ok(Ran { answer, wall, peak_rss_kib: peak }),
        _ => {
            let said = String::from_utf8_lossy(&stderr);
            let error = serde_json::from_str::<serde_json::Value>(said.trim()).ok().map(|v| v["error"].clone());
            let refusal = error
                .as_ref()
                .and_then(|e| e["refusal"].as_str().or(e["kind"].as_str()).map(str::to_string))
                .unwrap_or_else(|| "bench_failed".into());
            let why = error
                .as_ref()
                .and_then(|e| e["message"].as_str().map(str::to_string))
                .unwrap_or_else(|| format!("{status}: {}", said.trim()));
            Err(StoreError::HubRefused { refusal, detail: format!("`dangol {what}` failed: {why}") })
        }
    }
}

/// Makes the demo counter (`dangol demo --customers N`) in `dir`.
fn demo_counter(dir: &Path, customers: u64) -> Result<DemoCounter, StoreError> {
    let path = dir.join("demo.db");
    let n = customers.to_string();
    let ran = dangol("demo", &[OsStr::new("--db"), path.as_os_str(), OsStr::new("--customers"), OsStr::new(&n)])?;
    Ok(DemoCounter { bytes: files_bytes(&path), path, customers, ms: ms(ran.wall) })
}

/// A SQLite file and its companions, deleted.
fn remove_db(db: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal", ".lock", ".download", ".download.lock"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

/// The demo counter's file (and WAL) at `to`: moved when no other backend
/// needs it, else copied.
fn place(demo: &Path, to: &Path, take: bool) -> Result<(), StoreError> {
    for suffix in ["", "-wal"] {
        let from = PathBuf::from(format!("{}{suffix}", demo.display()));
        let into = PathBuf::from(format!("{}{suffix}", to.display()));
        if !from.exists() {
            continue;
        }
        let done = if take { std::fs::rename(&from, &into) } else { std::fs::copy(&from, &into).map(|_| ()) };
        done.map_err(|source| StoreError::Io { path: into.clone(), source })?;
    }
    Ok(())
}

fn customers_in(db: &Path) -> Result<u64, StoreError> {
    let n = dangol_store::Store::open_shared(db)?.reader().query_column("SELECT count(*) FROM customers")?;
    Ok(n.first().and_then(|n| n.parse().ok()).unwrap_or(0))
}

fn digest(db: &Path) -> Result<String, StoreError> {
    dangol_store::Store::open_shared(db)?.state_digest()
}

/// A fresh hub on `storage`; the demo counter (placed from `demo`, taken
/// when `take`) seeds it, then a new counter starts from its snapshot.
/// Every file of the part is deleted after, measured or not.
fn bootstrap(
    storage: &Storage,
    dir: &Path,
    backend: Backend,
    demo: &DemoCounter,
    take: bool,
    bar: &indicatif::ProgressBar,
) -> Result<BootstrapRun, StoreError> {
    let a = dir.join("bootstrap-a.db");
    let b = dir.join("bootstrap-b.db");
    let state = storage.state_file("bootstrap", dir);
    let measured = (|| {
        place(&demo.path, &a, take)?;
        let hub = HubChild::start(&storage.hub_args("bootstrap"), dir, "bootstrap")?;
        let sync = |db: &Path, name: &str| {
            dangol(
                "sync",
                &[
                    OsStr::new("--db"),
                    db.as_os_str(),
                    OsStr::new("--hub"),
                    OsStr::new(&hub.url),
                    OsStr::new("--key-file"),
                    hub.key_file.as_os_str(),
                    OsStr::new("--name"),
                    OsStr::new(name),
                ],
            )
        };
        bar.set_message(format!("{}: seeding a hub with {} customers", backend.name(), demo.customers));
        let at_start = hub.usage();
        let seed = sync(&a, "bench counter A")?;
        let seeded_at = seed.answer["seeded_at"]
            .as_i64()
            .ok_or_else(|| mismatch(format!("the demo counter did not seed the empty hub: {}", seed.answer)))?;
        let after_seed = hub.usage();
        let hub_state_bytes = files_bytes(&state);
        let reset = hub.reset_peak();
        bar.set_message(format!("{}: a new counter from the snapshot", backend.name()));
        let boot = sync(&b, "bench counter B")?;
        let snapshot_at = boot.answer["snapshot_at"].as_i64().ok_or_else(|| {
            mismatch(format!("the new counter did not start from the hub's snapshot: {}", boot.answer))
        })?;
        let after_boot = hub.usage();
        let snapshot_bytes = files_bytes(&b);
        drop(hub);
        bar.set_message(format!("{}: checking the new counter", backend.name()));
        let started = Instant::now();
        let counter_customers = customers_in(&b)?;
        let same_state = digest(&a)? == digest(&b)?;
        let check = started.elapsed();
        Ok(BootstrapRun {
            backend,
            seed_ms: ms(seed.wall),
            seeded_at,
            hub_state_bytes,
            seed_hub_peak_rss_kib: after_seed.peak_rss_kib,
            seed_hub_cpu_ms: after_seed.cpu_ms.saturating_sub(at_start.cpu_ms),
            seed_counter_peak_rss_kib: seed.peak_rss_kib,
            bootstrap_ms: ms(boot.wall),
            snapshot_at,
            snapshot_bytes,
            bootstrap_hub_peak_rss_kib: after_boot.peak_rss_kib,
            bootstrap_hub_peak_reset: reset,
            bootstrap_hub_cpu_ms: after_boot.cpu_ms.saturating_sub(after_seed.cpu_ms),
            bootstrap_counter_peak_rss_kib: boot.peak_rss_kib,
            counter_customers,
            same_state,
            check_ms: ms(check),
        })
    })();
    for db in [&a, &b, &state] {
        remove_db(db);
    }
    if let Storage::Sqlite { dir } = storage {
        remove_db(&dir.join("bootstrap.db"));
    }
    measured
}

fn machine() -> Machine {
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("PRETTY_NAME=").map(|v| v.trim_matches('"').to_string())))
        .unwrap_or_else(|| std::env::consts::OS.to_string());
    Machine { cores: std::thread::available_parallelism().map_or(1, |n| n.get()), os }
}

/// The PostgreSQL server's version ("PostgreSQL 15.x").
fn pg_version(url: &str) -> String {
    postgres::Client::connect(url, postgres::NoTls)
        .and_then(|mut c| c.query_one("SHOW server_version", &[]))
        .map(|r| format!("PostgreSQL {}", r.get::<_, String>(0)))
        .unwrap_or_else(|_| "PostgreSQL".into())
}

/// Runs both parts on each backend asked for.
pub fn run(opts: &Options) -> Result<Report, StoreError> {
    if opts.events == 0 || opts.counters == 0 {
        return Err(StoreError::bad_input(
            "bench-sync",
            "--events와 --counters는 1 이상이어야 합니다",
            "--events and --counters must be at least 1",
        ));
    }
    let scratch = Scratch::new(opts.dir.as_deref())?;
    let events = events(opts.events, 0, dangol_hub::server::now_ms());
    let payload_bytes_avg = events.iter().map(|e| e.payload.len()).sum::<usize>() as f64 / events.len() as f64;
    let per_backend = (opts.events * 2 + opts.counters * PUSHES_PER_COUNTER * EVENTS_PER_PUSH) as u64;
    let bar = crate::progress::bar(per_backend * opts.backends.len() as u64, "bench-sync");
    let demo = if opts.bootstrap_customers > 0 {
        bar.set_message(format!("a demo counter of {} customers", opts.bootstrap_customers));
        Some(demo_counter(&scratch.0, opts.bootstrap_customers)?)
    } else {
        None
    };
    let mut backends = Vec::new();
    let mut bootstraps = Vec::new();
    for (i, &backend) in opts.backends.iter().enumerate() {
        bar.set_message(backend.name());
        let (storage, described) = match backend {
            Backend::Sqlite => {
                let dir = scratch.0.join("sqlite");
                std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io { path: dir.clone(), source })?;
                let described = format!("SQLite files under {} (WAL, synchronous=FULL)", scratch.0.display());
                (Storage::Sqlite { dir }, described)
            }
            Backend::Postgres => {
                let run = format!("bench_{}", std::process::id());
                match &opts.postgres {
                    Some(url) => {
                        let described =
                            format!("{} at the given URL (schemas {run}_*, dropped after)", pg_version(url));
                        (Storage::Postgres { url: url.clone(), run, _cluster: None }, described)
                    }
                    None => {
                        let cluster = TempCluster::start().map_err(|e| {
                            storage_failed(format!(
                                "a throw-away PostgreSQL cluster did not start (install postgresql, or give --postgres URL): {e}"
                            ))
                        })?;
                        let url = cluster.url();
                        let described =
                            format!("a throw-away {} cluster (initdb defaults, fsync on)", pg_version(&url));
                        (Storage::Postgres { url, run, _cluster: Some(cluster) }, described)
                    }
                }
            }
        };
        let dir = scratch.0.join(format!("{}-hub", backend.name()));
        std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io { path: dir.clone(), source })?;
        let measured = (|| {
            let throughput = throughput(&storage, &dir, &events, &bar)?;
            let concurrency = concurrency(&storage, &dir, opts.counters, &bar)?;
            // The last backend takes the demo counter's file; the others copy it.
            let last = i + 1 == opts.backends.len();
            let booted = demo.as_ref().map(|d| bootstrap(&storage, &dir, backend, d, last, &bar)).transpose()?;
            Ok::<_, StoreError>((throughput, concurrency, booted))
        })();
        storage.clean(&["throughput", "concurrency", "bootstrap"]);
        let (throughput, concurrency, booted) = measured?;
        backends.push(BackendReport { backend, storage: described, throughput, concurrency });
        bootstraps.extend(booted);
    }
    bar.finish_and_clear();
    Ok(Report {
        machine: machine(),
        events: opts.events,
        batch: BATCH,
        payload_bytes_avg,
        counters: opts.counters,
        pushes_per_counter: PUSHES_PER_COUNTER,
        events_per_push: EVENTS_PER_PUSH,
        target_ratio: TARGET_RATIO,
        hub: "the built `dangol hub` as a child process on loopback (HTTP/JSON), its state replica following the log"
            .into(),
        backends,
        bootstrap: demo.map(|d| Bootstrap {
            customers: d.customers,
            demo_ms: d.ms,
            demo_bytes: d.bytes,
            backends: bootstraps,
        }),
    })
}

/// Fails when any event was lost, held twice or unacknowledged.
pub fn verdict(r: &Report) -> Result<(), StoreError> {
    for b in &r.backends {
        let c = &b.concurrency;
        if !c.zero_loss {
            return Err(lost(format!(
                "{}: {} lost, {} held twice, {} unexpected, {} counters acknowledged short",
                b.backend.name(),
                c.lost,
                c.duplicated,
                c.unexpected,
                c.acked_mismatch
            )));
        }
    }
    if let Some(boot) = &r.bootstrap
        && let Some(b) = boot.backends.iter().find(|b| !b.ok(boot.customers))
    {
        return Err(mismatch(format!(
            "{}: the counter started from the hub's snapshot holds {} of the demo counter's {} customers{}",
            b.backend.name(),
            b.counter_customers,
            boot.customers,
            if b.same_state { "" } else { ", and its state digest is not the demo counter's" }
        )));
    }
    Ok(())
}

pub fn render(r: &Report) -> String {
    let mb = |kib: u64| format!("{:.1} MB", kib as f64 / 1024.0);
    let cpu = |all: u64, state: u64| format!("{:.2} s ({:.2})", all as f64 / 1e3, state as f64 / 1e3);
    let mut s = String::new();
    let _ = writeln!(s, "sync benchmark on {} ({} cores); hub: {}", r.machine.os, r.machine.cores, r.hub);
    let _ = writeln!(
        s,
        "throughput: {} events (payload {:.0} bytes on average) pushed by one counter in batches of {}, pulled by another in pages of {}",
        r.events, r.payload_bytes_avg, r.batch, r.batch
    );
    let _ = writeln!(
        s,
        "{:<9} {:>8} {:>8} {:>10} {:>10} {:>6} {:>6} {:>6} {:>10} {:>10} {:>8} {:>9} {:>16}  target",
        "backend",
        "push ms",
        "pull ms",
        "floor ins",
        "floor read",
        "×push",
        "×pull",
        "×all",
        "push ev/s",
        "pull ev/s",
        "B/event",
        "hub RSS",
        "hub CPU (state)"
    );
    for b in &r.backends {
        let t = &b.throughput;
        let _ = writeln!(
            s,
            "{:<9} {:>8.0} {:>8.0} {:>10.0} {:>10.0} {:>6.2} {:>6.2} {:>6.2} {:>10.0} {:>10.0} {:>8.0} {:>9} {:>16}  ×all ≤ {} {}",
            b.backend.name(),
            t.push_ms,
            t.pull_ms,
            t.floor_insert_ms,
            t.floor_read_ms,
            t.push_ratio,
            t.pull_ratio,
            t.ratio,
            t.push_events_per_s,
            t.pull_events_per_s,
            t.log_bytes_per_event,
            mb(t.hub_peak_rss_kib),
            cpu(t.hub_cpu_ms, t.hub_state_cpu_ms),
            r.target_ratio,
            if t.met { "ok" } else { "MISS" }
        );
    }
    let _ = writeln!(
        s,
        "concurrency: {} counters at once, each {} pushes of {} events",
        r.counters, r.pushes_per_counter, r.events_per_push
    );
    let _ = writeln!(
        s,
        "{:<9} {:>7} {:>7} {:>7} {:>7} {:>8} {:>9} {:>7} {:>5} {:>9} {:>16}  loss",
        "backend",
        "events",
        "p50 ms",
        "p99 ms",
        "max ms",
        "wall ms",
        "events/s",
        "retries",
        "lost",
        "hub RSS",
        "hub CPU (state)"
    );
    for b in &r.backends {
        let c = &b.concurrency;
        let _ = writeln!(
            s,
            "{:<9} {:>7} {:>7.1} {:>7.1} {:>7.1} {:>8.0} {:>9.0} {:>7} {:>5} {:>9} {:>16}  {}",
            b.backend.name(),
            c.events,
            c.p50_ms,
            c.p99_ms,
            c.max_ms,
            c.wall_ms,
            c.events_per_s,
            c.retries,
            c.lost + c.duplicated + c.unexpected,
            mb(c.hub_peak_rss_kib),
            cpu(c.hub_cpu_ms, c.hub_state_cpu_ms),
            if c.zero_loss { "none" } else { "LOST" }
        );
    }
    if let Some(boot) = &r.bootstrap {
        let bytes = |b: u64| format!("{:.1} MB", b as f64 / (1024.0 * 1024.0));
        let _ = writeln!(
            s,
            "bootstrap: a new counter from a hub holding the demo shop of {} customers (the demo counter, setup and no figure: made in {:.1} s, {})",
            boot.customers,
            boot.demo_ms / 1e3,
            bytes(boot.demo_bytes)
        );
        let _ = writeln!(
            s,
            "seed: the demo counter's first sync with the empty hub; boot: a new counter's first sync (from the snapshot); RSS: peaks of the hub and of the counter's process"
        );
        let _ = writeln!(
            s,
            "{:<9} {:>9} {:>10} {:>12} {:>12} {:>9} {:>10} {:>11} {:>12} {:>12} {:>11} {:>9}  state",
            "backend",
            "seed ms",
            "hub state",
            "seed hub RSS",
            "seed ctr RSS",
            "boot ms",
            "snapshot",
            "snapshot at",
            "boot hub RSS",
            "boot ctr RSS",
            "hub CPU s+b",
            "customers"
        );
        for b in &boot.backends {
            let _ = writeln!(
                s,
                "{:<9} {:>9.0} {:>10} {:>12} {:>12} {:>9.0} {:>10} {:>11} {:>12} {:>12} {:>11} {:>9}  {}",
                b.backend.name(),
                b.seed_ms,
                bytes(b.hub_state_bytes),
                mb(b.seed_hub_peak_rss_kib),
                mb(b.seed_counter_peak_rss_kib),
                b.bootstrap_ms,
                bytes(b.snapshot_bytes),
                b.snapshot_at,
                format!("{}{}", mb(b.bootstrap_hub_peak_rss_kib), if b.bootstrap_hub_peak_reset { "" } else { "*" }),
                mb(b.bootstrap_counter_peak_rss_kib),
                format!("{:.1}+{:.1} s", b.seed_hub_cpu_ms as f64 / 1e3, b.bootstrap_hub_cpu_ms as f64 / 1e3),
                b.counter_customers,
                if b.ok(boot.customers) { "same" } else { "DIFFERS" }
            );
        }
        if boot.backends.iter().any(|b| !b.bootstrap_hub_peak_reset) {
            let _ = writeln!(s, "* the hub's peak since it started (its peak could not be reset after the seed)");
        }
    }
    for b in &r.backends {
        let _ = writeln!(s, "{}: {}", b.backend.name(), b.storage);
    }
    s
}

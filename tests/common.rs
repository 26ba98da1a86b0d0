//! Helpers shared by the black-box tests: run the real `dangol` binary on a
//! fresh database in a temporary folder, and fingerprint a database so a test
//! can prove that a refused command changed nothing.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const AS_OF: &str = "2026-11-22T18:00:00+09:00";
pub const MORNING: &str = "2026-11-23T10:00:00+09:00";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_dangol")
}

/// A fresh folder under the system temp dir, unique per test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dangol-bb-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The demo shop's owner PIN (dangol_demo::DEMO_OWNER_PIN).
pub const DEMO_PIN: &str = "2468";

/// Runs `dangol` with the process clock at `MORNING` (`DANGOL_NOW`), as a
/// cashier: no owner PIN anywhere.
pub fn run(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .env("LANG", "en_US.UTF-8")
        .env("DANGOL_NOW", MORNING)
        .env_remove("DANGOL_OWNER_PIN")
        .output()
        .expect("run dangol")
}

/// A file holding a PIN, for `--pin-file`.
pub fn pin_file(pin: &str) -> String {
    let p = std::env::temp_dir().join(format!("dangol-bb-{}-pin-{pin}", std::process::id()));
    // Tests run in parallel: a file being rewritten must never be read
    // half-written, so it is written beside and renamed into place.
    if std::fs::read_to_string(&p).ok().as_deref() != Some(pin) {
        let tmp = p.with_extension(
            format!("{:?}", std::thread::current().id()).replace(|c: char| !c.is_ascii_alphanumeric(), ""),
        );
        std::fs::write(&tmp, pin).expect("pin file");
        std::fs::rename(&tmp, &p).expect("pin file in place");
    }
    p.display().to_string()
}

/// `args` as the owner of the demo shop (`--pin-file`).
pub fn as_owner(args: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.push("--pin-file".into());
    all.push(pin_file(DEMO_PIN));
    all
}

pub fn owner_ok(args: &[&str]) -> String {
    ok(&strs(&as_owner(args)))
}

pub fn owner_json(args: &[&str]) -> serde_json::Value {
    json(&strs(&as_owner(args)))
}

pub fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "dangol {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

pub fn json(args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.push("--json");
    serde_json::from_str(&ok(&all)).expect("valid JSON output")
}

/// A demo database with a few hundred customers.
pub fn demo_db(dir: &Path, customers: u32) -> PathBuf {
    let db = dir.join("demo.db");
    ok(&["demo", "--db", db.to_str().unwrap(), "--customers", &customers.to_string(), "--seed", "3", "--as-of", AS_OF]);
    db
}

/// Row counts of every table plus the outbox's highest sequence number.
pub fn fingerprint(db: &Path) -> Vec<(String, i64)> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open read-only");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out: Vec<(String, i64)> = tables
        .iter()
        .map(|t| (t.clone(), conn.query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0)).unwrap()))
        .collect();
    out.push((
        "outbox.max_seq".into(),
        conn.query_row("SELECT coalesce(max(seq), 0) FROM outbox", [], |r| r.get(0)).unwrap(),
    ));
    out.push((
        "points.sum".into(),
        conn.query_row("SELECT coalesce(sum(points), 0) FROM points_ledger", [], |r| r.get(0)).unwrap(),
    ));
    out
}

pub fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).expect("write file");
    p
}

/// Arguments for a `checkout` that applies the preview's best combination
/// (except the rules in `skip`), followed by `extra`.
pub fn checkout_args(
    db: &str,
    id: &str,
    cart: &str,
    at: &str,
    preview: &serde_json::Value,
    skip: &[&str],
    extra: &[&str],
) -> Vec<String> {
    let mut args: Vec<String> =
        ["checkout", "--db", db, "--customer", id, "--cart", cart, "--at", at].iter().map(|s| s.to_string()).collect();
    args.push("--visit".into());
    args.push(uuid::Uuid::now_v7().to_string());
    for rule in preview["best"]["rule_ids"].as_array().expect("best.rule_ids").iter().filter_map(|r| r.as_str()) {
        if !skip.contains(&rule) {
            args.push("--apply".into());
            args.push(rule.into());
        }
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

pub fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// `preview --json` for a customer and cart file at a moment.
pub fn preview_json(db: &str, customer: &str, cart: &str, at: &str) -> serde_json::Value {
    json(&["preview", "--db", db, "--customer", customer, "--cart", cart, "--at", at])
}

/// True when the preview offers this rule among the eligible discounts.
pub fn offers(preview: &serde_json::Value, rule: &str) -> bool {
    preview["eligible"].as_array().expect("eligible").iter().any(|e| e["rule_id"] == rule)
}

/// A running `dangol hub` (its storage and key-file arguments given), on
/// `listen` (port 0: any free port; the one it took is kept, so a restart
/// comes back on the same address). Killed on drop.
pub struct HubProcess {
    child: Option<std::process::Child>,
    args: Vec<String>,
    pub addr: String,
}

impl HubProcess {
    pub fn start(args: &[&str], listen: &str) -> HubProcess {
        let mut hub =
            HubProcess { child: None, args: args.iter().map(|a| a.to_string()).collect(), addr: listen.into() };
        hub.spawn();
        hub
    }

    /// The hub's address for `dangol sync --hub`.
    pub fn url(&self) -> String {
        let scheme = if self.args.iter().any(|a| a == "--tls") { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Starts it (again), waiting until it says where it listens; a port
    /// still held by the killed one is retried for a few seconds.
    pub fn spawn(&mut self) {
        use std::io::{BufRead, BufReader, Read};
        let mut last = String::new();
        for _ in 0..50 {
            let mut child = Command::new(bin())
                .arg("hub")
                .args(&self.args)
                .args(["--listen", &self.addr, "--json"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("start the hub");
            let mut line = String::new();
            let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
                && let Some(addr) = v["listening"].as_str()
            {
                self.addr = addr.to_string();
                self.child = Some(child);
                return;
            }
            let _ = child.kill();
            last.clear();
            let _ = child.stderr.take().unwrap().read_to_string(&mut last);
            let _ = child.wait();
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("the hub did not start on {}: {last}", self.addr);
    }

    /// Kills it at once (SIGKILL), as a power cut would.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

//! `dangol bench-api`: the register API over loopback HTTP on a real shop's
//! database, each figure beside the same call made in-process in the same
//! run (the floor): a lookup by the last 4 digits and a quote of a 20-line
//! cart for the regular with the most visits; then 100 register
//! connections at once, every answer checked. Read-only: the server and
//! the in-process store open the file for reading, beside anything else.

use crate::bench::percentile;
use dangol_domain::catalog::{Cart, CartLine};
use dangol_store::{Store, StoreError, Viewer};
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// One figure: over HTTP and in-process, in microseconds.
#[derive(Debug, Serialize)]
pub struct Figure {
    pub name: String,
    pub samples: usize,
    pub http_p50_us: f64,
    pub http_p99_us: f64,
    pub in_process_p50_us: f64,
    pub in_process_p99_us: f64,
    pub target_p99_us: f64,
    pub met: bool,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub customers: i64,
    pub figures: Vec<Figure>,
    pub connections: usize,
    pub requests_each: usize,
    pub concurrent_ok: usize,
    pub concurrent_failed: usize,
    pub concurrent_p99_us: f64,
    pub concurrent_wall_ms: f64,
    pub met: bool,
}

fn failed(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::bad_input("benchmark", format!("{what}: {e}"), format!("{what}: {e}"))
}

fn figure(name: &str, mut http: Vec<f64>, mut local: Vec<f64>, target_p99_us: f64) -> Figure {
    let (p50, p99) = (percentile(&mut http, 0.50), percentile(&mut http, 0.99));
    Figure {
        name: name.into(),
        samples: http.len(),
        http_p50_us: p50,
        http_p99_us: p99,
        in_process_p50_us: percentile(&mut local, 0.50),
        in_process_p99_us: percentile(&mut local, 0.99),
        target_p99_us,
        met: p99 < target_p99_us,
    }
}

/// A register's connection: one keep-alive agent, the token.
struct Register {
    agent: ureq::Agent,
    base: String,
    token: String,
}

impl Register {
    fn new(base: &str, token: &str) -> Register {
        let agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        Register { agent, base: base.to_string(), token: token.to_string() }
    }

    /// A call's status and body (read whole).
    fn call(&self, path: &str, body: Option<&str>) -> Result<(u16, String), StoreError> {
        let url = format!("{}{path}", self.base);
        let auth = format!("Bearer {}", self.token);
        let answer = match body {
            None => self.agent.get(&url).header("Authorization", &auth).call(),
            Some(b) => {
                self.agent.post(&url).header("Authorization", &auth).header("Content-Type", "application/json").send(b)
            }
        };
        let mut r = answer.map_err(|e| failed("the API did not answer", e))?;
        let status = r.status().as_u16();
        let text = r.body_mut().read_to_string().map_err(|e| failed("the API's answer", e))?;
        Ok((status, text))
    }

    fn ok(&self, path: &str, body: Option<&str>) -> Result<f64, StoreError> {
        let started = Instant::now();
        let (status, text) = self.call(path, body)?;
        let us = started.elapsed().as_secs_f64() * 1e6;
        if status != 200 {
            return Err(failed(&format!("{path} answered {status}"), text));
        }
        Ok(us)
    }
}

pub fn run(db: &Path, iterations: usize) -> Result<Report, StoreError> {
    let iterations = iterations.max(20);
    let local = Store::open_shared(db)?;
    let conn = local.reader();
    let (customers, max_rid): (i64, i64) =
        conn.query_row("SELECT count(*), coalesce(max(rid), 0) FROM customers", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if customers < 10 {
        return Err(StoreError::bad_input(
            "benchmark database",
            "고객이 10명보다 적습니다. `dangol demo --customers 1000000`으로 만드세요",
            "it has fewer than 10 customers; generate one with `dangol demo --customers 1000000`",
        ));
    }
    // Last 4 digits of customers spread evenly over the table.
    let mut last4 = Vec::new();
    {
        let mut stmt = conn.prepare("SELECT phone_last4 FROM customers WHERE rid >= ?1 ORDER BY rid LIMIT 1")?;
        for i in 0..200 {
            if let Ok(l) = stmt.query_row([1 + i * max_rid / 200], |r| r.get::<_, String>(0)) {
                last4.push(l);
            }
        }
    }
    let (regular, visits): (Vec<u8>, i64) = conn.query_row(
        "SELECT id, visits FROM customers WHERE phone NOT LIKE '01099990%' ORDER BY visits DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let regular = uuid::Uuid::from_slice(&regular).map_err(|e| failed("customer id", e))?;
    let products = local.products()?;
    let lines: Vec<CartLine> = products
        .iter()
        .cycle()
        .take(20)
        .enumerate()
        .map(|(i, p)| CartLine { sku: p.sku.clone(), qty: 1 + (i as i64 % 3) })
        .collect();
    let at = local.now();
    let quote = serde_json::json!({"customer": regular, "lines": lines, "at": at}).to_string();
    let req = crate::bench::cashier_preview(regular, Cart { lines }, at);

    let dir = std::env::temp_dir().join(format!("dangol-bench-api-{}", std::process::id()));
    let token_file = dir.join("api.token");
    let shop = std::sync::Arc::new(dangol_api::shop::Owned::new(Store::open_shared(db)?));
    let server = dangol_api::start(shop, Default::default(), "127.0.0.1:0".parse().expect("an address"), &token_file)?;
    let token = dangol_api::token::read(&token_file)?;
    let base = format!("http://{}", server.addr);
    let measured = (|| -> Result<Report, StoreError> {
        let register = Register::new(&base, &token);
        // Warm both, as a register and a counter that have been running.
        for q in &last4 {
            register.ok(&format!("/v1/customers?q={q}"), None)?;
            local.lookup(q, 10, &Viewer::Cashier)?;
        }
        register.ok("/v1/quote", Some(&quote))?;
        local.preview(&req)?;
        let mut figures = Vec::new();
        let (mut http, mut inproc) = (Vec::new(), Vec::new());
        for i in 0..iterations {
            let q = &last4[i % last4.len()];
            http.push(register.ok(&format!("/v1/customers?q={q}"), None)?);
            let started = Instant::now();
            local.lookup(q, 10, &Viewer::Cashier)?;
            inproc.push(started.elapsed().as_secs_f64() * 1e6);
        }
        figures.push(figure("lookup: last 4 digits (GET /v1/customers)", http, inproc, 2_000.0));
        let (mut http, mut inproc) = (Vec::new(), Vec::new());
        for _ in 0..(iterations / 4).max(20) {
            http.push(register.ok("/v1/quote", Some(&quote))?);
            let started = Instant::now();
            local.preview(&req)?;
            inproc.push(started.elapsed().as_secs_f64() * 1e6);
        }
        figures.push(figure(
            &format!("quote: regular with {visits} visits, 20-line cart (POST /v1/quote)"),
            http,
            inproc,
            5_000.0,
        ));
        // 100 registers at once, each on its own connection.
        let connections = 100;
        let each = 20;
        let started = Instant::now();
        let results: Vec<(usize, usize, Vec<f64>)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..connections)
                .map(|c| {
                    let (base, token, last4) = (&base, &token, &last4);
                    s.spawn(move || {
                        let register = Register::new(base, token);
                        let (mut ok, mut bad, mut times) = (0, 0, Vec::new());
                        for i in 0..each {
                            let q = &last4[(c * each + i) % last4.len()];
                            match register.ok(&format!("/v1/customers?q={q}"), None) {
                                Ok(t) => {
                                    ok += 1;
                                    times.push(t);
                                }
                                Err(_) => bad += 1,
                            }
                        }
                        (ok, bad, times)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or((0, each, Vec::new()))).collect()
        });
        let wall = started.elapsed().as_secs_f64() * 1e3;
        let ok: usize = results.iter().map(|r| r.0).sum();
        let bad: usize = results.iter().map(|r| r.1).sum();
        let mut times: Vec<f64> = results.into_iter().flat_map(|r| r.2).collect();
        let p99 = if times.is_empty() { 0.0 } else { percentile(&mut times, 0.99) };
        let met = figures.iter().all(|f| f.met) && bad == 0;
        Ok(Report {
            customers,
            figures,
            connections,
            requests_each: each,
            concurrent_ok: ok,
            concurrent_failed: bad,
            concurrent_p99_us: p99,
            concurrent_wall_ms: wall,
            met,
        })
    })();
    let stopped = server.stop();
    let _ = std::fs::remove_dir_all(&dir);
    let report = measured?;
    stopped?;
    Ok(report)
}

pub fn render(r: &Report) -> String {
    let mut out = format!(
        "register API benchmark: {} customers, over loopback HTTP beside the same call in-process\n{:<62} {:>9} {:>9} {:>9} {:>9}  target\n",
        r.customers, "figure", "http p50", "http p99", "in p50", "in p99"
    );
    for f in &r.figures {
        out.push_str(&format!(
            "{:<62} {:>9.1} {:>9.1} {:>9.1} {:>9.1}  p99 < {} µs {}\n",
            f.name,
            f.http_p50_us,
            f.http_p99_us,
            f.in_process_p50_us,
            f.in_process_p99_us,
            f.target_p99_us,
            if f.met { "ok" } else { "MISS" }
        ));
    }
    out.push_str(&format!(
        "{} connections at once, {} lookups each: {} ok, {} failed, p99 {:.1} µs, {:.0} ms in all {}\n",
        r.connections,
        r.requests_each,
        r.concurrent_ok,
        r.concurrent_failed,
        r.concurrent_p99_us,
        r.concurrent_wall_ms,
        if r.concurrent_failed == 0 { "ok" } else { "MISS" }
    ));
    out
}

//! `dangol bench-review` (owner): the owner's review on a real database,
//! each figure beside its floor measured in the same run: opening the
//! regulars screen (the review with today's kept fit: every customer's
//! segment, the drifting ranked) against reading the same customer rows
//! with one bare SQL query; a full refit of the BG/NBD model against the
//! same read; and the process's peak memory.

use crate::bench::{peak_rss_kib, percentile};
use chrono::{DateTime, Utc};
use dangol_store::{Owner, Store, StoreError};
use serde::Serialize;
use std::fmt::Write;
use std::time::Instant;

/// Opening the regulars screen: p99 under this (ms).
pub const OPEN_TARGET_MS: f64 = 500.0;
/// A full refit: under this (s).
pub const REFIT_TARGET_S: f64 = 10.0;

#[derive(Debug, Serialize)]
pub struct Report {
    pub customers: u64,
    pub customers_with_visits: u64,
    pub groups: u64,
    pub open_samples: usize,
    pub open_p50_ms: f64,
    pub open_p99_ms: f64,
    pub floor_p50_ms: f64,
    pub floor_p99_ms: f64,
    pub refits: usize,
    pub refit_median_s: f64,
    pub refit_max_s: f64,
    pub refit_floor_s: f64,
    pub peak_rss_mib: f64,
    pub model: Option<dangol_store::review::ModelView>,
    pub open_met: bool,
    pub refit_met: bool,
}

/// The floor: every customer's rhythm row, read and summed so nothing is
/// optimised away.
fn floor(store: &Store) -> Result<f64, StoreError> {
    let started = Instant::now();
    let r = store.reader();
    let mut stmt =
        r.prepare("SELECT rid, visit_days, first_day, last_day, usual_gap, spend FROM customers WHERE visit_days > 0")?;
    let mut rows = stmt.query([])?;
    let mut sum = 0i64;
    while let Some(row) = rows.next()? {
        sum = sum.wrapping_add(row.get::<_, i64>(0)? ^ row.get::<_, i64>(1)? ^ row.get::<_, i64>(3)?);
        sum = sum.wrapping_add(row.get::<_, Option<f64>>(4)?.unwrap_or(0.0) as i64 ^ row.get::<_, i64>(5)?);
    }
    std::hint::black_box(sum);
    Ok(started.elapsed().as_secs_f64() * 1e3)
}

pub fn run(store: &mut Store, owner: &Owner, at: DateTime<Utc>, iterations: usize) -> Result<Report, StoreError> {
    let customers: u64 = store.reader().query_row("SELECT count(*) FROM customers", [], |r| r.get::<_, i64>(0))? as u64;
    let with_visits: u64 =
        store.reader().query_row("SELECT count(*) FROM customers WHERE visit_days > 0", [], |r| r.get::<_, i64>(0))?
            as u64;
    // Refits, each timed whole (read, group, fit, keep).
    let mut refits = Vec::new();
    let mut model = None;
    for _ in 0..3 {
        let started = Instant::now();
        let review = store.review(owner, at, 50, true)?;
        refits.push(started.elapsed().as_secs_f64());
        model = review.model;
    }
    let refit_floor = (0..3).map(|_| floor(store)).collect::<Result<Vec<_>, _>>()?;
    let refit_floor_s = refit_floor.iter().copied().fold(f64::INFINITY, f64::min) / 1e3;
    // Opening the screen: the kept fit, every customer's segment, the list.
    let (mut open, mut bare) = (Vec::new(), Vec::new());
    for _ in 0..iterations.max(1) {
        let started = Instant::now();
        let review = store.review(owner, at, 50, false)?;
        open.push(started.elapsed().as_secs_f64() * 1e3);
        debug_assert!(review.model.as_ref().is_none_or(|m| m.cached));
        bare.push(floor(store)?);
    }
    let mut sorted = refits.clone();
    let refit_median_s = percentile(&mut sorted, 0.5);
    let refit_max_s = refits.iter().copied().fold(0.0, f64::max);
    let open_p99_ms = percentile(&mut open, 0.99);
    Ok(Report {
        customers,
        customers_with_visits: with_visits,
        groups: model.as_ref().map_or(0, |m| m.groups),
        open_samples: open.len(),
        open_p50_ms: percentile(&mut open, 0.5),
        open_p99_ms,
        floor_p50_ms: percentile(&mut bare, 0.5),
        floor_p99_ms: percentile(&mut bare, 0.99),
        refits: refits.len(),
        refit_median_s,
        refit_max_s,
        refit_floor_s,
        peak_rss_mib: peak_rss_kib() as f64 / 1024.0,
        open_met: open_p99_ms < OPEN_TARGET_MS,
        refit_met: refit_max_s < REFIT_TARGET_S,
        model,
    })
}

pub fn render(r: &Report) -> String {
    let mut s = String::new();
    let mark = |ok: bool| if ok { "ok" } else { "MISS" };
    let _ = writeln!(
        s,
        "{} customers ({} with visits, {} distinct (x, t_x, T) groups)",
        r.customers, r.customers_with_visits, r.groups
    );
    let _ = writeln!(
        s,
        "open the regulars screen: p50 {:.0} ms, p99 {:.0} ms over {} runs · floor (read the rows) p50 {:.0} ms, p99 {:.0} ms · × floor {:.2} / {:.2} · target p99 < {OPEN_TARGET_MS} ms {}",
        r.open_p50_ms,
        r.open_p99_ms,
        r.open_samples,
        r.floor_p50_ms,
        r.floor_p99_ms,
        r.open_p50_ms / r.floor_p50_ms.max(1e-9),
        r.open_p99_ms / r.floor_p99_ms.max(1e-9),
        mark(r.open_met)
    );
    let _ = writeln!(
        s,
        "refit the model: median {:.2} s, max {:.2} s over {} fits · floor (read the rows) {:.2} s · target < {REFIT_TARGET_S} s {}",
        r.refit_median_s,
        r.refit_max_s,
        r.refits,
        r.refit_floor_s,
        mark(r.refit_met)
    );
    if let Some(m) = &r.model {
        let _ = writeln!(
            s,
            "model: r {:.3}, α {:.2} days, a {:.3}, b {:.3}, LL {:.1}, {} customers",
            m.r, m.alpha_days, m.a, m.b, m.log_likelihood, m.customers
        );
    }
    let _ = writeln!(s, "peak RSS {:.0} MiB", r.peak_rss_mib);
    s
}

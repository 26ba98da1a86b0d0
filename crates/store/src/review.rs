//! The owner's review of regulars: every customer judged against their own
//! rhythm (`dangol_domain::review::rhythm`), with the shop's BG/NBD model
//! (`dangol_domain::review::bgnbd`) behind P(alive) and the expected
//! visits, the segments counted, and the drifting ranked by what is at
//! stake.
//!
//! The customers' rhythms come from their rows (`rhythm`, kept as sales
//! are written) when the review is of now; a review "as of" an earlier
//! moment reads the sales up to it instead (visits after it are ignored).
//! The model is fitted once per shop-local day and set of sales and kept
//! in `review_model` (`refit` forces a new fit).

use crate::error::Result;
use crate::owner::Owner;
use crate::rhythm::{STANDING, Summary};
use crate::time::{from_ms, ms};
use crate::{Store, customers};
use chrono::{DateTime, NaiveDate, Utc};
use dangol_domain::review::bgnbd::{self, Groups, History, Params};
use dangol_domain::review::rhythm::{self, HORIZON_DAYS, Rhythm, Segment};
use dangol_domain::time::{ShopZone, date_of_day};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// The fitted model as the owner sees it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelView {
    pub r: f64,
    pub alpha_days: f64,
    pub a: f64,
    pub b: f64,
    pub log_likelihood: f64,
    /// Customers with at least one visit, fitted.
    pub customers: u64,
    /// Distinct (x, t_x, T) the likelihood was summed over.
    pub groups: u64,
    /// The shop-local day the fit is as of.
    pub as_of: NaiveDate,
    /// How long the fit took (ms).
    pub fitted_ms: i64,
    /// Taken from the last fit (same day, same sales) rather than fitted now.
    pub cached: bool,
}

impl ModelView {
    pub fn params(&self) -> Params {
        Params { r: self.r, alpha: self.alpha_days, a: self.a, b: self.b }
    }
}

/// One customer in the review.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewRow {
    pub id: Uuid,
    pub name: String,
    /// Distinct visit days (the model's unit; two sales on one day are one
    /// visit).
    pub visits: u32,
    pub first_visit: Option<NaiveDate>,
    pub last_visit: Option<NaiveDate>,
    pub usual_gap_days: Option<f64>,
    pub days_since_last: Option<i64>,
    pub p_alive: Option<f64>,
    pub expected_visits_30d: Option<f64>,
    pub segment: Segment,
    /// What their standing sales add up to (won).
    pub spend: i64,
    /// What a month of their visits is worth (won): spend per visit day ×
    /// the visits a month held at the rate they came at (`monthly_value`).
    /// The drifting list is ranked by it.
    pub monthly_value: i64,
    pub open_complaints: i64,
}

/// The review as of a moment.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    pub at: DateTime<Utc>,
    pub as_of: NaiveDate,
    /// `None` until at least one customer came back twice.
    pub model: Option<ModelView>,
    /// Customers per segment (every segment named, zeros included).
    #[cfg_attr(feature = "ts", ts(type = "Record<string, number>"))]
    pub segments: BTreeMap<String, u64>,
    /// The drifting, most at stake first (at most the limit asked for).
    pub drifting: Vec<ReviewRow>,
    /// How many are drifting in all.
    pub drifting_total: u64,
}

/// A customer's rhythm facts as of the review's day.
#[derive(Debug, Clone)]
struct Facts {
    rid: i64,
    visit_days: u32,
    first: i64,
    last: i64,
    usual_gap: Option<f64>,
    spend: i64,
}

/// Every customer with a visit up to `at`, and how many registered by then
/// never came.
fn facts(conn: &Connection, zone: ShopZone, at: DateTime<Utc>) -> Result<(Vec<Facts>, u64)> {
    let newest: Option<i64> = conn.query_row("SELECT max(at) FROM sales", [], |r| r.get(0))?;
    let registered: u64 = conn.query_row("SELECT count(*) FROM customers WHERE created_at <= ?1", [ms(at)], |r| {
        r.get::<_, i64>(0).map(|n| n as u64)
    })?;
    let mut out = Vec::new();
    if newest.is_none_or(|n| n <= ms(at)) {
        // Of now: the rows kept as sales are written.
        let mut stmt = conn.prepare_cached(
            "SELECT rid, visit_days, first_day, last_day, usual_gap, spend FROM customers WHERE visit_days > 0",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Facts {
                rid: r.get(0)?,
                visit_days: r.get::<_, i64>(1)? as u32,
                first: r.get(2)?,
                last: r.get(3)?,
                usual_gap: r.get(4)?,
                spend: r.get(5)?,
            })
        })?;
        for f in rows {
            out.push(f?);
        }
    } else {
        // As of an earlier moment: the sales up to it.
        let mut stmt = conn.prepare(&format!(
            "SELECT s.customer, s.at, s.total FROM sales s WHERE s.customer IS NOT NULL AND s.at <= ?1 AND {STANDING} ORDER BY s.customer, s.at"
        ))?;
        let mut rows = stmt.query([ms(at)])?;
        let mut current: Option<(i64, Summary)> = None;
        let mut push = |rid: i64, s: Summary| {
            if let (Some(&first), Some(&last)) = (s.days.first(), s.days.last()) {
                out.push(Facts {
                    rid,
                    visit_days: s.days.len() as u32,
                    first,
                    last,
                    usual_gap: rhythm::usual_gap(&s.days),
                    spend: s.spend,
                });
            }
        };
        while let Some(r) = rows.next()? {
            let rid: i64 = r.get(0)?;
            let day = zone.day(from_ms(r.get(1)?));
            let total: i64 = r.get(2)?;
            if current.as_ref().is_none_or(|(c, _)| *c != rid)
                && let Some((c, s)) = current.replace((rid, Summary::default()))
            {
                push(c, s);
            }
            if let Some((_, s)) = current.as_mut() {
                s.add(day, total);
            }
        }
        if let Some((c, s)) = current {
            push(c, s);
        }
    }
    let never = registered.saturating_sub(out.len() as u64);
    Ok((out, never))
}

/// What a kept fit is reused for: the same shop-local day, the same time
/// zone, and a review of now or as of a moment (a fit a day old is still
/// the shop's rhythm; `refit` fits again on demand).
fn fingerprint(conn: &Connection, zone: ShopZone, at: DateTime<Utc>) -> Result<String> {
    let newest: Option<i64> = conn.query_row("SELECT max(at) FROM sales", [], |r| r.get(0))?;
    let of = if newest.is_none_or(|n| n <= ms(at)) { "now" } else { "as-of" };
    Ok(format!("{of}:{}", zone.name()))
}

fn cached_model(conn: &Connection, day: i64, print: &str) -> Result<Option<ModelView>> {
    Ok(conn
        .query_row(
            "SELECT r, alpha, a, b, log_likelihood, customers, groups, fitted_ms FROM review_model WHERE id = 1 AND as_of_day = ?1 AND fingerprint = ?2",
            params![day, print],
            |r| {
                Ok(ModelView {
                    r: r.get(0)?,
                    alpha_days: r.get(1)?,
                    a: r.get(2)?,
                    b: r.get(3)?,
                    log_likelihood: r.get(4)?,
                    customers: r.get::<_, i64>(5)? as u64,
                    groups: r.get::<_, i64>(6)? as u64,
                    as_of: date_of_day(day),
                    fitted_ms: r.get(7)?,
                    cached: true,
                })
            },
        )
        .optional()?)
}

/// Fits the model to `facts` as of `day`, and keeps the fit if `keep`.
fn fit(conn: &Connection, facts: &[Facts], day: i64, print: &str, keep: bool) -> Result<Option<ModelView>> {
    let started = std::time::Instant::now();
    let mut groups = Groups::new();
    for f in facts {
        groups.add(f.visit_days - 1, f.last - f.first, (day - f.first).max(f.last - f.first), 1);
    }
    let Some(fit) = bgnbd::fit(&groups) else { return Ok(None) };
    let took = started.elapsed().as_millis() as i64;
    let p = fit.params;
    if keep {
        conn.execute(
        "INSERT INTO review_model (id, as_of_day, fingerprint, r, alpha, a, b, log_likelihood, customers, groups, fitted_ms)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET as_of_day = excluded.as_of_day, fingerprint = excluded.fingerprint,
           r = excluded.r, alpha = excluded.alpha, a = excluded.a, b = excluded.b,
           log_likelihood = excluded.log_likelihood, customers = excluded.customers, groups = excluded.groups,
           fitted_ms = excluded.fitted_ms",
        params![day, print, p.r, p.alpha, p.a, p.b, fit.log_likelihood, fit.customers as i64, fit.groups as i64, took],
        )?;
    }
    Ok(Some(ModelView {
        r: p.r,
        alpha_days: p.alpha,
        a: p.a,
        b: p.b,
        log_likelihood: fit.log_likelihood,
        customers: fit.customers,
        groups: fit.groups,
        as_of: date_of_day(day),
        fitted_ms: took,
        cached: false,
    }))
}

/// The model as of `at`: the kept fit if it is of the same day (unless
/// `refit`), else a new one (kept if `keep`).
fn model(
    conn: &Connection,
    zone: ShopZone,
    at: DateTime<Utc>,
    facts: &[Facts],
    refit: bool,
    keep: bool,
) -> Result<Option<ModelView>> {
    let day = zone.day(at);
    let print = fingerprint(conn, zone, at)?;
    if !refit && let Some(m) = cached_model(conn, day, &print)? {
        return Ok(Some(m));
    }
    fit(conn, facts, day, &print, keep)
}

impl Store {
    /// The owner's review as of `at`: the model, the segments, and the
    /// `limit` drifting customers most at stake. `refit` fits the model
    /// again even if the kept fit is current.
    pub fn review(&self, _owner: &Owner, at: DateTime<Utc>, limit: usize, refit: bool) -> Result<Review> {
        let zone = self.zone;
        let today = zone.day(at);
        let (facts, never) = facts(&self.conn, zone, at)?;
        // A reader's connection fits without keeping the fit.
        let model = model(&self.conn, zone, at, &facts, refit, !self.is_shared())?;
        let params = model.as_ref().map(ModelView::params);
        let mut segments: BTreeMap<String, u64> = Segment::ALL.iter().map(|s| (s.key().to_string(), 0)).collect();
        *segments.entry(Segment::NoVisit.key().into()).or_default() += never;
        let mut alive: HashMap<(u32, i64, i64), f64> = HashMap::new();
        let mut drifting: Vec<(i64, i64, &Facts)> = Vec::new();
        for f in &facts {
            let since = (today - f.last).max(0);
            let h = (f.visit_days - 1, f.last - f.first, (today - f.first).max(f.last - f.first));
            let p = match &params {
                Some(p) => *alive.entry(h).or_insert_with(|| bgnbd::p_alive(p, &History::days(h.0, h.1, h.2))),
                None => 1.0,
            };
            let segment = rhythm::segment(f.visit_days, f.usual_gap, since, p);
            *segments.entry(segment.key().into()).or_default() += 1;
            if segment == Segment::Drifting {
                drifting.push((monthly_value(f, params.as_ref()), since, f));
            }
        }
        let drifting_total = drifting.len() as u64;
        drifting.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.rid.cmp(&b.2.rid)));
        let rows = drifting
            .iter()
            .take(limit)
            .map(|(_, _, f)| row(&self.conn, f, today, params.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        Ok(Review { at, as_of: date_of_day(today), model, segments, drifting: rows, drifting_total })
    }

    /// One customer's rhythm as of `at` (visits after it ignored), under the
    /// kept model if it is of the same day, else one fitted now and not
    /// kept (this may be a reader's connection).
    pub fn customer_rhythm(&self, customer: Uuid, at: DateTime<Utc>) -> Result<Rhythm> {
        let zone = self.zone;
        let rid = customers::get(&self.conn, customer)?.rid;
        let days = crate::rhythm::of_customer(&self.conn, rid, zone, Some(at))?.days;
        let day = zone.day(at);
        let print = fingerprint(&self.conn, zone, at)?;
        let model = match cached_model(&self.conn, day, &print)? {
            Some(m) => Some(m),
            None => {
                let (facts, _) = facts(&self.conn, zone, at)?;
                fit(&self.conn, &facts, day, &print, false)?
            }
        };
        Ok(rhythm::rhythm(&days, day, model.map(|m| m.params()).as_ref()))
    }
}

/// What a month of their visits is worth (won): spend per visit day × the
/// visits a month holds at the rate they came at. With the model, that rate
/// is its estimate while they came, (r + x)/(α + t_x) a day, which does not
/// take two visits a day apart for a daily habit; without it, 30 days over
/// their usual gap.
fn monthly_value(f: &Facts, model: Option<&Params>) -> i64 {
    let per_visit = f.spend / i64::from(f.visit_days.max(1));
    let per_month = match (model, f.usual_gap) {
        (Some(p), _) => HORIZON_DAYS * (p.r + f64::from(f.visit_days - 1)) / (p.alpha + (f.last - f.first) as f64),
        (None, Some(gap)) if gap > 0.0 => HORIZON_DAYS / gap,
        (None, _) => 1.0,
    };
    ((per_visit as f64) * per_month).round() as i64
}

fn row(conn: &Connection, f: &Facts, today: i64, params: Option<&Params>) -> Result<ReviewRow> {
    let c = customers::get_rid(conn, f.rid)?.customer;
    let r = rhythm::summary(f.visit_days, f.first, f.last, f.usual_gap, today, params);
    let open: i64 = conn
        .prepare_cached("SELECT count(*) FROM feedback WHERE customer = ?1 AND status = 'open' AND kind = 'complaint'")?
        .query_row([f.rid], |r| r.get(0))?;
    Ok(ReviewRow {
        id: c.id,
        name: c.name,
        visits: f.visit_days,
        first_visit: Some(date_of_day(f.first)),
        last_visit: Some(date_of_day(f.last)),
        usual_gap_days: r.usual_gap_days,
        days_since_last: r.days_since_last,
        p_alive: r.p_alive,
        expected_visits_30d: r.expected_visits_30d,
        segment: r.segment,
        spend: f.spend,
        monthly_value: monthly_value(f, params),
        open_complaints: open,
    })
}

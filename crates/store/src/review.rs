//! The owner's review of regulars: every customer judged against their own
//! rhythm (`dangol_domain::review::rhythm`), with the shop's BG/NBD model
//! (`dangol_domain::review::bgnbd`) behind P(alive) and the expected
//! visits, the segments counted, and the drifting ranked by what is at
//! stake.
//!
//! The customers' rhythms come from their rows (`rhythm`, kept as sales
//! are written) when the review is of now; a review "as of" an earlier
//! moment reads the sales up to it instead (visits after it are ignored).
//! The model is fitted once per shop-local day (of now, and as of an
//! earlier moment, each kept) in `review_model`; sales later that day do
//! not refit it (`refit` does).

use crate::error::Result;
use crate::owner::Owner;
use crate::time::ms;
use crate::{Store, customers};
use chrono::{DateTime, NaiveDate, Utc};
use dangol_domain::review::bgnbd::{self, Groups, History, Params};
use dangol_domain::review::rhythm::{self, HORIZON_DAYS, Rhythm, Segment};
use dangol_domain::time::{ShopZone, date_of_day};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::collections::BTreeMap;
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
    /// Days they came in each 4-week span of the last year (`SPANS` spans
    /// of `SPAN_DAYS` days ending on the review's day), oldest first: the
    /// list's sparkline, which shows a regular fading out.
    pub visits_by_span: Vec<u32>,
}

/// The spans a row's sparkline covers, and their length in days.
pub const SPANS: i64 = 13;
pub const SPAN_DAYS: i64 = 28;

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

impl Facts {
    /// The model's (x, t_x, T) in whole days as of `today`.
    fn history(&self, today: i64) -> (u32, i64, i64) {
        let span = self.last - self.first;
        (self.visit_days - 1, span, (today - self.first).max(span))
    }
}

/// Every customer with a visit up to `at`, how many registered by then
/// never came, and whether the rows were of now (no visit after `at`).
struct AllFacts {
    facts: Vec<Facts>,
    never: u64,
    of_now: bool,
}

/// Reads every customer's row in one pass (their rhythm kept as sales are
/// written). If a visit after `at` shows up, the review is "as of" an
/// earlier moment and the rhythms are read again from the sales up to it.
fn facts(conn: &Connection, zone: ShopZone, at: DateTime<Utc>) -> Result<AllFacts> {
    let until = ms(at);
    let rows: i64 = conn.query_row("SELECT max(rid) FROM customers", [], |r| r.get::<_, Option<i64>>(0))?.unwrap_or(0);
    let mut out = Vec::with_capacity(rows.max(0) as usize);
    let (mut never, mut newest) = (0u64, i64::MIN);
    {
        let mut stmt = conn.prepare_cached(
            "SELECT rid, visit_days, first_day, last_day, usual_gap, spend, last_visit, created_at FROM customers",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let visit_days: i64 = r.get(1)?;
            if visit_days == 0 {
                // Registered by then and never came. (A customer with
                // visits counts whenever registered: an imported history
                // is older than its customer's row.)
                if r.get::<_, i64>(7)? <= until {
                    never += 1;
                }
                continue;
            }
            newest = newest.max(r.get::<_, Option<i64>>(6)?.unwrap_or(i64::MIN));
            out.push(Facts {
                rid: r.get(0)?,
                visit_days: visit_days as u32,
                first: r.get(2)?,
                last: r.get(3)?,
                usual_gap: r.get(4)?,
                spend: r.get(5)?,
            });
        }
    }
    if newest <= until {
        return Ok(AllFacts { facts: out, never, of_now: true });
    }
    // As of an earlier moment: the sales up to it.
    let mut out = Vec::new();
    crate::rhythm::each_customer(conn, zone, until, |rid, s| {
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
        Ok(())
    })?;
    let came: std::collections::HashSet<i64> = out.iter().map(|f| f.rid).collect();
    let mut never = 0;
    let mut stmt = conn.prepare_cached("SELECT rid FROM customers WHERE created_at <= ?1")?;
    for rid in stmt.query_map([until], |r| r.get::<_, i64>(0))? {
        if !came.contains(&rid?) {
            never += 1;
        }
    }
    Ok(AllFacts { facts: out, never, of_now: false })
}

/// What a kept fit is reused for: the same shop-local day, the same time
/// zone, and a review of now or as of a moment (a fit a day old is still
/// the shop's rhythm; `refit` fits again on demand).
fn fingerprint(zone: ShopZone, of_now: bool) -> String {
    format!("{}:{}", if of_now { "now" } else { "as-of" }, zone.name())
}

fn cached_model(conn: &Connection, day: i64, print: &str) -> Result<Option<ModelView>> {
    Ok(conn
        .query_row(
            "SELECT r, alpha, a, b, log_likelihood, customers, groups, fitted_ms FROM review_model WHERE as_of_day = ?1 AND fingerprint = ?2",
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

/// Fits the model to `facts` as of `day`, and keeps the fit (`best_effort`:
/// a reader's connection, where a busy writer is no error).
fn fit(conn: &Connection, facts: &[Facts], day: i64, print: &str, best_effort: bool) -> Result<Option<ModelView>> {
    let started = std::time::Instant::now();
    let mut groups = Groups::new();
    for f in facts {
        let (x, t_x, t) = f.history(day);
        groups.add(x, t_x, t, 1);
    }
    let Some(fit) = bgnbd::fit(&groups) else { return Ok(None) };
    let took = started.elapsed().as_millis() as i64;
    let p = fit.params;
    let kept = conn.execute(
        "INSERT INTO review_model (fingerprint, as_of_day, r, alpha, a, b, log_likelihood, customers, groups, fitted_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (fingerprint) DO UPDATE SET as_of_day = excluded.as_of_day,
           r = excluded.r, alpha = excluded.alpha, a = excluded.a, b = excluded.b,
           log_likelihood = excluded.log_likelihood, customers = excluded.customers, groups = excluded.groups,
           fitted_ms = excluded.fitted_ms",
        params![print, day, p.r, p.alpha, p.a, p.b, fit.log_likelihood, fit.customers as i64, fit.groups as i64, took],
    );
    // A reader keeps the fit if the writer lets it (a record reading
    // leaves, like an export's audit entry); if not, the next one fits again.
    if let Err(e) = kept
        && !best_effort
    {
        return Err(e.into());
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
/// `refit`), else a new one, kept (`best_effort` on a reader's connection).
fn model(
    conn: &Connection,
    zone: ShopZone,
    at: DateTime<Utc>,
    all: &AllFacts,
    refit: bool,
    best_effort: bool,
) -> Result<Option<ModelView>> {
    let day = zone.day(at);
    let print = fingerprint(zone, all.of_now);
    if !refit && let Some(m) = cached_model(conn, day, &print)? {
        return Ok(Some(m));
    }
    fit(conn, &all.facts, day, &print, best_effort)
}

/// How a segment's list is ordered.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewSort {
    /// What a month of their visits is worth, most first.
    #[default]
    AtStake,
    /// Longest past their own rhythm (days gone ÷ usual gap) first.
    Overdue,
    /// Least likely to come back first.
    LeastLikely,
    /// Most visit days first.
    MostVisits,
}

/// One segment's customers, ordered.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentList {
    pub segment: Segment,
    pub sort: ReviewSort,
    /// How many the segment holds (the list shows at most the limit).
    pub total: u64,
    pub rows: Vec<ReviewRow>,
}

/// What a segment's export wrote, and who it left out.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentExport {
    pub segment: Segment,
    pub file: String,
    /// Customers written: those who consented to marketing.
    pub exported: u64,
    /// Left out: they said no to marketing.
    pub left_out_refused: u64,
    /// Left out: never asked (no consent recorded).
    pub left_out_not_asked: u64,
}

/// Every customer with a visit, classified as of a day.
struct Classified {
    model: Option<ModelView>,
    today: i64,
    never: u64,
    /// Each customer with a visit, and their segment.
    all: Vec<(Facts, Segment)>,
}

impl Classified {
    fn params(&self) -> Option<Params> {
        self.model.as_ref().map(ModelView::params)
    }

    /// The customers of `segment`, ordered by `sort` (ties: the longer
    /// gone, then the row).
    /// How many the segment holds, and its first `limit` customers in
    /// order.
    fn ordered(&self, segment: Segment, sort: ReviewSort, limit: usize) -> (usize, Vec<&(Facts, Segment)>) {
        let params = self.params();
        let key = |(f, _): &(Facts, Segment)| -> f64 {
            let since = (self.today - f.last) as f64;
            match sort {
                ReviewSort::AtStake => monthly_value(f, params.as_ref()) as f64,
                ReviewSort::Overdue => since / f.usual_gap.unwrap_or(1.0).max(1.0),
                ReviewSort::LeastLikely => -params.as_ref().map_or(1.0, |p| alive(p, f, self.today)),
                ReviewSort::MostVisits => f64::from(f.visit_days),
            }
        };
        let mut keyed: Vec<(f64, &(Facts, Segment))> =
            self.all.iter().filter(|(_, s)| *s == segment).map(|e| (key(e), e)).collect();
        let total = keyed.len();
        let order = |(ka, a): &(f64, &(Facts, Segment)), (kb, b): &(f64, &(Facts, Segment))| {
            kb.total_cmp(ka).then(a.0.last.cmp(&b.0.last)).then(a.0.rid.cmp(&b.0.rid))
        };
        // Only the first `limit` need an order: pick them, then sort those.
        if limit < keyed.len() {
            keyed.select_nth_unstable_by(limit, order);
            keyed.truncate(limit);
        }
        keyed.sort_by(order);
        (total, keyed.into_iter().map(|(_, e)| e).collect())
    }
}

/// P(alive) of a customer as of `today`.
fn alive(p: &Params, f: &Facts, today: i64) -> f64 {
    let (x, t_x, t) = f.history(today);
    bgnbd::p_alive(p, &History::days(x, t_x, t))
}

impl Store {
    fn classify(&self, at: DateTime<Utc>, refit: bool) -> Result<Classified> {
        let zone = self.zone;
        let today = zone.day(at);
        let all = facts(&self.conn, zone, at)?;
        let model = model(&self.conn, zone, at, &all, refit, self.is_shared())?;
        let params = model.as_ref().map(ModelView::params);
        let never = all.never;
        let all = all
            .facts
            .into_iter()
            .map(|f| {
                let since = (today - f.last).max(0);
                // P(alive) decides a segment only for a customer gone longer
                // than `LOST_AFTER_DAYS` (the rows shown compute their own).
                let p = match &params {
                    Some(p) if since > rhythm::LOST_AFTER_DAYS => alive(p, &f, today),
                    _ => 1.0,
                };
                let segment = rhythm::segment(f.visit_days, f.usual_gap, since, p);
                (f, segment)
            })
            .collect();
        Ok(Classified { model, today, never, all })
    }

    /// The owner's review as of `at`: the model, the segments, and the
    /// `limit` drifting customers most at stake. `refit` fits the model
    /// again even if the kept fit is current.
    pub fn review(&self, _owner: &Owner, at: DateTime<Utc>, limit: usize, refit: bool) -> Result<Review> {
        let c = self.classify(at, refit)?;
        let mut counts = [0u64; Segment::ALL.len()];
        let slot = |s: Segment| Segment::ALL.iter().position(|x| *x == s).expect("every segment is listed");
        counts[slot(Segment::NoVisit)] += c.never;
        for (_, s) in &c.all {
            counts[slot(*s)] += 1;
        }
        let segments: BTreeMap<String, u64> =
            Segment::ALL.iter().zip(counts).map(|(s, n)| (s.key().to_string(), n)).collect();
        let (total, drifting) = c.ordered(Segment::Drifting, ReviewSort::AtStake, limit);
        let params = c.params();
        let rows = drifting
            .iter()
            .map(|(f, _)| row(&self.conn, self.zone, f, c.today, params.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        let drifting_total = total as u64;
        Ok(Review { at, as_of: date_of_day(c.today), model: c.model.clone(), segments, drifting_total, drifting: rows })
    }

    /// One segment's customers as of `at`, ordered by `sort`, at most
    /// `limit` of them (customers who never came are not listed).
    pub fn review_segment(
        &self,
        _owner: &Owner,
        at: DateTime<Utc>,
        segment: Segment,
        sort: ReviewSort,
        limit: usize,
    ) -> Result<SegmentList> {
        let c = self.classify(at, false)?;
        let (total, list) = c.ordered(segment, sort, limit);
        let params = c.params();
        let rows = list
            .iter()
            .map(|(f, _)| row(&self.conn, self.zone, f, c.today, params.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        Ok(SegmentList { segment, sort, total: total as u64, rows })
    }

    /// Writes a segment's customers who consented to marketing to a CSV
    /// file (name, phone, visits, last visit, usual gap, days gone), most
    /// at stake first; the others are counted, not written. Audited.
    pub fn export_segment(
        &mut self,
        _owner: &Owner,
        at: DateTime<Utc>,
        segment: Segment,
        path: &std::path::Path,
        ids: &mut dyn crate::IdSource,
    ) -> Result<SegmentExport> {
        if segment == Segment::NoVisit {
            return Err(crate::error::StoreError::bad_input(
                "segment",
                "방문 기록이 없는 고객은 내보낼 목록이 없습니다",
                "customers with no visit are not listed, so there is nothing to export",
            ));
        }
        let c = self.classify(at, false)?;
        let mut people = Vec::new();
        let (mut refused, mut not_asked) = (0, 0);
        for (f, _) in c.ordered(segment, ReviewSort::AtStake, usize::MAX).1 {
            let who = customers::get_rid(&self.conn, f.rid)?.customer;
            match (who.marketing_consent, who.consent_at) {
                (true, _) => people.push((who, f.clone())),
                (false, Some(_)) => refused += 1,
                (false, None) => not_asked += 1,
            }
        }
        let header = ["name", "phone", "visits", "last_visit", "usual_gap_days", "days_since_last", "spend"];
        let rows: Vec<Vec<String>> = people
            .iter()
            .map(|(who, f)| {
                vec![
                    who.name.clone(),
                    who.phone.formatted(),
                    f.visit_days.to_string(),
                    date_of_day(f.last).to_string(),
                    f.usual_gap.map(|g| format!("{g}")).unwrap_or_default(),
                    (c.today - f.last).to_string(),
                    f.spend.to_string(),
                ]
            })
            .collect();
        let report = SegmentExport {
            segment,
            file: path.display().to_string(),
            exported: rows.len() as u64,
            left_out_refused: refused,
            left_out_not_asked: not_asked,
        };
        self.write_csv_export(path, &header, &rows, "segment.exported", segment.key(), ids)?;
        Ok(report)
    }

    /// One customer's rhythm as of `at` (visits after it ignored), under the
    /// kept model if it is of the same day, else one fitted now and kept.
    pub fn customer_rhythm(&self, customer: Uuid, at: DateTime<Utc>) -> Result<Rhythm> {
        let zone = self.zone;
        let rid = customers::get(&self.conn, customer)?.rid;
        let days = crate::rhythm::of_customer(&self.conn, rid, zone, Some(at))?.days;
        let day = zone.day(at);
        // A kept fit of today serves any customer; without one, fit now.
        let mut model = None;
        for of_now in [true, false] {
            if model.is_none() {
                model = cached_model(&self.conn, day, &fingerprint(zone, of_now))?;
            }
        }
        if model.is_none() {
            let all = facts(&self.conn, zone, at)?;
            model = fit(&self.conn, &all.facts, day, &fingerprint(zone, all.of_now), self.is_shared())?;
        }

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

/// Distinct visit days in each of the `SPANS` spans of `SPAN_DAYS` days
/// ending on `today` (a day number), oldest first; refunded sales left out.
fn visits_by_span(conn: &Connection, zone: ShopZone, rid: i64, today: i64) -> Result<Vec<u32>> {
    let first = today - SPAN_DAYS * SPANS + 1;
    let since = ms(zone.start_of(date_of_day(first)));
    let until = ms(zone.start_of(date_of_day(today + 1)));
    let mut days: Vec<i64> = conn
        .prepare_cached(
            "SELECT s.at FROM sales s WHERE s.customer = ?1 AND s.at >= ?2 AND s.at < ?3 AND s.reverses IS NULL
             AND NOT EXISTS (SELECT 1 FROM sales r WHERE r.reverses = s.rid)",
        )?
        .query_map(params![rid, since, until], |r| r.get::<_, i64>(0))?
        .map(|t| t.map(|t| zone.day(crate::time::from_ms(t))))
        .collect::<rusqlite::Result<_>>()?;
    days.sort_unstable();
    days.dedup();
    let mut spans = vec![0u32; SPANS as usize];
    for d in days.into_iter().filter(|d| (first..=today).contains(d)) {
        spans[((d - first) / SPAN_DAYS) as usize] += 1;
    }
    Ok(spans)
}

fn row(conn: &Connection, zone: ShopZone, f: &Facts, today: i64, params: Option<&Params>) -> Result<ReviewRow> {
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
        visits_by_span: visits_by_span(conn, zone, f.rid, today)?,
    })
}

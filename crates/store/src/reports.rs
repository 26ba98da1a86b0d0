//! The owner's reports beside the regulars review, each one table read over
//! a window of shop-local weeks (Monday to Sunday): what the counter missed
//! (eligible discounts dismissed at checkout, with the saving customers did
//! not get, and near misses: discounts a sale almost got, as the engine saw
//! them at checkout, `near_misses`), how the suggestions fared, the voice of customer, and visits
//! and sales day by day (new and returning customers, regulars' share).

use crate::Store;
use crate::error::Result;
use crate::owner::Owner;
use crate::time::{from_ms, ms};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use dangol_domain::time::ShopZone;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// The longest window a report reads (weeks).
pub const MAX_WEEKS: u32 = 104;

/// A reason given, and how often.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    pub reason: String,
    pub count: u64,
}

/// One rule's missed discounts.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissedRule {
    pub rule_id: String,
    /// The rule's name as the counter recorded it.
    pub name: String,
    /// Its Korean and English names as the rule now has them (the
    /// recorded name when the rule is gone).
    pub name_ko: String,
    pub name_en: String,
    /// Sales where it was eligible and not applied.
    pub count: u64,
    /// Distinct customers those sales were for.
    pub customers: u64,
    /// What they did not save (won).
    pub saving: i64,
}

/// One week's missed discounts.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissedWeek {
    /// The Monday the week starts on.
    pub week: NaiveDate,
    pub count: u64,
    pub saving: i64,
}

/// One rule's near misses: sales that almost got it, and why not.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NearMissRule {
    pub rule_id: String,
    /// Its Korean and English names as the rule now has them (the
    /// recorded name when the rule is gone).
    pub name_ko: String,
    pub name_en: String,
    /// Sales that almost got it.
    pub count: u64,
    /// Distinct customers those sales were for.
    pub customers: u64,
    /// Why not, most common first: the reason's kind (`spend_short`,
    /// `birthday_ahead`, `stamps_short`, `opens_in`, …).
    pub reasons: Vec<ReasonCount>,
    /// For sales short of a least spend: the median won they were short.
    pub median_short: Option<i64>,
}

/// What the counter missed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissedReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The first day of the month `to` is in.
    pub month: NaiveDate,
    /// This month, by rule, most not saved first ("seniors who paid full
    /// price this month").
    pub this_month: Vec<MissedRule>,
    /// The whole window, by rule.
    pub by_rule: Vec<MissedRule>,
    /// Every week of the window, oldest first (weeks with none included).
    pub weeks: Vec<MissedWeek>,
    /// Why the cashier dismissed them, most given first.
    pub reasons: Vec<ReasonCount>,
    /// The whole window's near misses by rule, most first.
    pub near_misses: Vec<NearMissRule>,
}

/// One kind of suggestion's fate.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromptKind {
    pub kind: String,
    pub shown: u64,
    pub accepted: u64,
    pub dismissed: u64,
}

/// One week of suggestions.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromptWeek {
    pub week: NaiveDate,
    pub shown: u64,
    pub accepted: u64,
    pub dismissed: u64,
}

/// How the suggestions fared.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuggestionReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by_kind: Vec<PromptKind>,
    pub weeks: Vec<PromptWeek>,
    /// The reasons suggestions were dismissed with, most given first.
    pub reasons: Vec<ReasonCount>,
}

/// A complaint still open.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenComplaint {
    pub id: Uuid,
    pub customer: Uuid,
    pub name: String,
    pub at: DateTime<Utc>,
    /// Days it has been open.
    pub age_days: i64,
    pub category: String,
    pub text: String,
}

/// One month's feedback in one category.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryMonth {
    pub month: NaiveDate,
    pub category: String,
    pub complaints: u64,
    pub compliments: u64,
    pub requests: u64,
}

/// The voice of customer.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VoiceReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Every open complaint, oldest first (whenever made).
    pub open: Vec<OpenComplaint>,
    /// Complaints resolved in the window, and the median days they took.
    pub resolved: u64,
    pub median_days_to_resolve: Option<f64>,
    pub complaints: u64,
    pub compliments: u64,
    pub requests: u64,
    /// By month and category, oldest month first.
    pub by_month: Vec<CategoryMonth>,
}

/// One day's visits.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayVisits {
    pub day: NaiveDate,
    /// Sales that stand (walk-ins included).
    pub sales: u64,
    /// Sales to a customer on their first visit day.
    pub new_customers: u64,
    /// Sales to a customer who had come before.
    pub returning: u64,
    pub walk_ins: u64,
    pub revenue: i64,
    /// Revenue from regulars (customers with `REGULAR_VISIT_DAYS` or more
    /// visit days).
    pub regulars_revenue: i64,
}

/// Visits and sales over time.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrendReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Every day of the window, oldest first.
    pub days: Vec<DayVisits>,
    pub revenue: i64,
    pub regulars_revenue: i64,
}

/// The window: `weeks` whole shop-local weeks ending with the one `at` is
/// in; its first Monday and its last day (`at`'s), and the instants.
fn window(zone: ShopZone, at: DateTime<Utc>, weeks: u32) -> (NaiveDate, NaiveDate, i64, i64) {
    let weeks = weeks.clamp(1, MAX_WEEKS);
    let today = zone.date(at);
    let from = monday(today) - Duration::weeks(i64::from(weeks) - 1);
    (from, today, ms(zone.start_of(from)), ms(at))
}

fn monday(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn reasons(counts: HashMap<String, u64>) -> Vec<ReasonCount> {
    let mut v: Vec<ReasonCount> = counts.into_iter().map(|(reason, count)| ReasonCount { reason, count }).collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.reason.cmp(&b.reason)));
    v
}

/// The near misses of the sales from `start` to `end` (ms), by rule.
fn near_misses(
    conn: &rusqlite::Connection,
    start: i64,
    end: i64,
    names: &HashMap<String, (String, String)>,
) -> Result<Vec<NearMissRule>> {
    #[derive(Default)]
    struct Acc {
        name: String,
        count: u64,
        who: HashSet<i64>,
        why: HashMap<String, u64>,
        short: Vec<i64>,
    }
    let mut by_rule: BTreeMap<String, Acc> = BTreeMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT n.rule_id, n.name, n.reason, n.detail, s.customer
         FROM near_misses n JOIN sales s ON s.rid = n.sale WHERE s.at >= ?1 AND s.at <= ?2",
    )?;
    let mut rows = stmt.query([start, end])?;
    while let Some(r) = rows.next()? {
        let (rule, name, reason, detail): (String, String, String, String) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        let acc = by_rule.entry(rule).or_default();
        if acc.name.is_empty() {
            acc.name = name;
        }
        acc.count += 1;
        acc.who.extend(r.get::<_, Option<i64>>(4)?);
        if reason == "spend_short"
            && let Some(short) =
                serde_json::from_str::<serde_json::Value>(&detail).ok().and_then(|d| d["short"].as_i64())
        {
            acc.short.push(short);
        }
        *acc.why.entry(reason).or_default() += 1;
    }
    let mut out: Vec<NearMissRule> = by_rule
        .into_iter()
        .map(|(rule_id, mut a)| {
            a.short.sort_unstable();
            NearMissRule {
                name_ko: names.get(&rule_id).map_or_else(|| a.name.clone(), |n| n.0.clone()),
                name_en: names.get(&rule_id).map_or_else(|| a.name.clone(), |n| n.1.clone()),
                rule_id,
                count: a.count,
                customers: a.who.len() as u64,
                reasons: reasons(a.why),
                median_short: (!a.short.is_empty()).then(|| a.short[(a.short.len() - 1) / 2]),
            }
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.rule_id.cmp(&b.rule_id)));
    Ok(out)
}

/// Every Monday from `from` to `to`.
fn mondays(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut w = monday(from);
    while w <= to {
        out.push(w);
        w += Duration::weeks(1);
    }
    out
}

impl Store {
    /// What the counter missed over the last `weeks` weeks (owner).
    pub fn missed_report(&self, _owner: &Owner, at: DateTime<Utc>, weeks: u32) -> Result<MissedReport> {
        let zone = self.zone;
        let (from, to, start, end) = window(zone, at, weeks);
        let month = first_of_month(to);
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.rule_id, m.name, m.saving, m.reason, s.at, s.customer
             FROM missed_discounts m JOIN sales s ON s.rid = m.sale WHERE s.at >= ?1 AND s.at <= ?2",
        )?;
        type Acc = (String, u64, HashSet<i64>, i64);
        let (mut all, mut monthly): (BTreeMap<String, Acc>, BTreeMap<String, Acc>) = Default::default();
        let mut by_week: HashMap<NaiveDate, (u64, i64)> = HashMap::new();
        let mut why: HashMap<String, u64> = HashMap::new();
        let mut rows = stmt.query([start, end])?;
        while let Some(r) = rows.next()? {
            let (rule, name, saving, reason): (String, String, i64, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            let day = zone.date(from_ms(r.get(4)?));
            let customer: Option<i64> = r.get(5)?;
            let add = |map: &mut BTreeMap<String, Acc>| {
                let e = map.entry(rule.clone()).or_insert_with(|| (name.clone(), 0, HashSet::new(), 0));
                e.1 += 1;
                e.2.extend(customer);
                e.3 = e.3.saturating_add(saving);
            };
            add(&mut all);
            if day >= month {
                add(&mut monthly);
            }
            let w = by_week.entry(monday(day)).or_default();
            w.0 += 1;
            w.1 = w.1.saturating_add(saving);
            *why.entry(reason).or_default() += 1;
        }
        let names: HashMap<String, (String, String)> = crate::rules::all(&self.conn)?
            .into_iter()
            .map(|r| {
                let en = r.name_en.clone().unwrap_or_else(|| r.name.clone());
                (r.id, (r.name, en))
            })
            .collect();
        let rules = |map: BTreeMap<String, Acc>| {
            let mut v: Vec<MissedRule> = map
                .into_iter()
                .map(|(rule_id, (name, count, who, saving))| MissedRule {
                    name_ko: names.get(&rule_id).map_or_else(|| name.clone(), |n| n.0.clone()),
                    name_en: names.get(&rule_id).map_or_else(|| name.clone(), |n| n.1.clone()),
                    rule_id,
                    name,
                    count,
                    customers: who.len() as u64,
                    saving,
                })
                .collect();
            v.sort_by(|a, b| b.saving.cmp(&a.saving).then(a.rule_id.cmp(&b.rule_id)));
            v
        };
        let weeks = mondays(from, to)
            .into_iter()
            .map(|w| {
                let (count, saving) = by_week.get(&w).copied().unwrap_or_default();
                MissedWeek { week: w, count, saving }
            })
            .collect();
        let near_misses = near_misses(&self.conn, start, end, &names)?;
        Ok(MissedReport {
            from,
            to,
            month,
            this_month: rules(monthly),
            by_rule: rules(all),
            weeks,
            reasons: reasons(why),
            near_misses,
        })
    }

    /// How the suggestions fared over the last `weeks` weeks (owner).
    pub fn suggestion_report(&self, _owner: &Owner, at: DateTime<Utc>, weeks: u32) -> Result<SuggestionReport> {
        let zone = self.zone;
        let (from, to, start, end) = window(zone, at, weeks);
        let mut stmt =
            self.conn.prepare_cached("SELECT kind, action, reason, at FROM prompt_log WHERE at >= ?1 AND at <= ?2")?;
        let mut kinds: BTreeMap<String, [u64; 3]> = BTreeMap::new();
        let mut by_week: HashMap<NaiveDate, [u64; 3]> = HashMap::new();
        let mut why: HashMap<String, u64> = HashMap::new();
        let mut rows = stmt.query([start, end])?;
        while let Some(r) = rows.next()? {
            let (kind, action, reason): (String, String, Option<String>) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let slot = match action.as_str() {
                "shown" => 0,
                "accepted" => 1,
                _ => 2,
            };
            kinds.entry(kind).or_default()[slot] += 1;
            by_week.entry(monday(zone.date(from_ms(r.get(3)?)))).or_default()[slot] += 1;
            if slot == 2
                && let Some(reason) = reason.filter(|r| !r.trim().is_empty())
            {
                *why.entry(reason).or_default() += 1;
            }
        }
        let by_kind = kinds
            .into_iter()
            .map(|(kind, [shown, accepted, dismissed])| PromptKind { kind, shown, accepted, dismissed })
            .collect();
        let weeks = mondays(from, to)
            .into_iter()
            .map(|w| {
                let [shown, accepted, dismissed] = by_week.get(&w).copied().unwrap_or_default();
                PromptWeek { week: w, shown, accepted, dismissed }
            })
            .collect();
        Ok(SuggestionReport { from, to, by_kind, weeks, reasons: reasons(why) })
    }

    /// The voice of customer over the last `weeks` weeks, with every
    /// complaint still open (owner).
    pub fn voice_report(&self, _owner: &Owner, at: DateTime<Utc>, weeks: u32) -> Result<VoiceReport> {
        let zone = self.zone;
        let (from, to, start, end) = window(zone, at, weeks);
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.id, c.id, c.name, f.at, f.kind, f.category, f.text, f.status, f.resolved_at
             FROM feedback f JOIN customers c ON c.rid = f.customer ORDER BY f.at, f.rid",
        )?;
        let mut open = Vec::new();
        let (mut complaints, mut compliments, mut requests) = (0, 0, 0);
        let mut took: Vec<f64> = Vec::new();
        let mut months: BTreeMap<(NaiveDate, String), [u64; 3]> = BTreeMap::new();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (id, customer): (Vec<u8>, Vec<u8>) = (r.get(0)?, r.get(1)?);
            let made: i64 = r.get(3)?;
            let (kind, category, text, status): (String, String, String, String) =
                (r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?);
            let resolved: Option<i64> = r.get(8)?;
            let when = from_ms(made);
            if kind == "complaint" && status == "open" && made <= end {
                open.push(OpenComplaint {
                    id: Uuid::from_slice(&id).unwrap_or_default(),
                    customer: Uuid::from_slice(&customer).unwrap_or_default(),
                    name: r.get(2)?,
                    at: when,
                    age_days: zone.days_between(when, at).max(0),
                    category: category.clone(),
                    text: text.clone(),
                });
            }
            if kind == "complaint"
                && let Some(done) = resolved.filter(|d| (start..=end).contains(d))
            {
                took.push((done - made).max(0) as f64 / 86_400_000.0);
            }
            if !(start..=end).contains(&made) {
                continue;
            }
            let slot = match kind.as_str() {
                "complaint" => {
                    complaints += 1;
                    0
                }
                "compliment" => {
                    compliments += 1;
                    1
                }
                _ => {
                    requests += 1;
                    2
                }
            };
            months.entry((first_of_month(zone.date(when)), category)).or_default()[slot] += 1;
        }
        took.sort_by(f64::total_cmp);
        let median = (!took.is_empty()).then(|| {
            let n = took.len();
            if n % 2 == 1 { took[n / 2] } else { (took[n / 2 - 1] + took[n / 2]) / 2.0 }
        });
        let by_month = months
            .into_iter()
            .map(|((month, category), [complaints, compliments, requests])| CategoryMonth {
                month,
                category,
                complaints,
                compliments,
                requests,
            })
            .collect();
        Ok(VoiceReport {
            from,
            to,
            open,
            resolved: took.len() as u64,
            median_days_to_resolve: median,
            complaints,
            compliments,
            requests,
            by_month,
        })
    }

    /// Visits and sales, day by day, over the last `weeks` weeks (owner):
    /// new and returning customers, walk-ins, and regulars' share of the
    /// revenue. Reads the window's sales by their moment (`sales_by_at`).
    pub fn trend_report(&self, _owner: &Owner, at: DateTime<Utc>, weeks: u32) -> Result<TrendReport> {
        let zone = self.zone;
        let (from, to, start, end) = window(zone, at, weeks);
        let regular = i64::from(dangol_domain::review::rhythm::REGULAR_VISIT_DAYS);
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.at, s.total, s.customer, c.first_day, c.visit_days FROM sales s LEFT JOIN customers c ON c.rid = s.customer
             WHERE s.at >= ?1 AND s.at <= ?2 AND s.reverses IS NULL AND NOT EXISTS (SELECT 1 FROM sales r WHERE r.reverses = s.rid)",
        )?;
        let mut by_day: BTreeMap<NaiveDate, DayVisits> = BTreeMap::new();
        let mut d = from;
        while d <= to {
            by_day.insert(
                d,
                DayVisits {
                    day: d,
                    sales: 0,
                    new_customers: 0,
                    returning: 0,
                    walk_ins: 0,
                    revenue: 0,
                    regulars_revenue: 0,
                },
            );
            d += Duration::days(1);
        }
        let mut rows = stmt.query([start, end])?;
        while let Some(r) = rows.next()? {
            let when = from_ms(r.get(0)?);
            let total: i64 = r.get(1)?;
            let customer: Option<i64> = r.get(2)?;
            let first: Option<i64> = r.get(3)?;
            let visit_days: Option<i64> = r.get(4)?;
            let date = zone.date(when);
            let Some(v) = by_day.get_mut(&date) else { continue };
            v.sales += 1;
            v.revenue = v.revenue.saturating_add(total);
            match customer {
                None => v.walk_ins += 1,
                Some(_) => {
                    if first == Some(dangol_domain::time::day_number(date)) {
                        v.new_customers += 1;
                    } else {
                        v.returning += 1;
                    }
                    if visit_days.unwrap_or(0) >= regular {
                        v.regulars_revenue = v.regulars_revenue.saturating_add(total);
                    }
                }
            }
        }
        let days: Vec<DayVisits> = by_day.into_values().collect();
        let revenue = days.iter().map(|d| d.revenue).fold(0i64, i64::saturating_add);
        let regulars_revenue = days.iter().map(|d| d.regulars_revenue).fold(0i64, i64::saturating_add);
        Ok(TrendReport { from, to, days, revenue, regulars_revenue })
    }
}

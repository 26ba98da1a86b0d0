//! Visit history from another POS (`dangol import visits`), so a shop that
//! migrates has its regulars recognised on day one: one row per visit,
//! `phone,date,total` with optional `name` and `items`, read the way the
//! customer import reads (encodings, Korean headers, line numbers; all
//! rows or none, each bad row reported with its line and column).
//!
//! Each visit is written as a sale the way a synced sale is (history,
//! rhythm, usual items when `items` names them), with no points, stamps or
//! discounts: it earns nothing. Its id is derived from the row (phone,
//! moment, total, items, and how many identical rows came before it in the
//! file), so importing the same file again, here or at another counter,
//! adds nothing. An unknown phone creates the customer, named by `name`
//! or, without one, `고객` and the phone's last four digits.

use crate::checkout::{Origin, SaleEffects, write_sale};
use crate::csv_io::{PROGRESS_EVERY, Progress, decode, field, insert_imported, invalid, read_rows, row};
use crate::error::{Result, RowError};
use crate::owner::Owner;
use crate::{Store, audit, catalog, customers, ledger, outbox};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use dangol_domain::customer::{Customer, CustomerInput};
use dangol_domain::error::cut;
use dangol_domain::ids::IdSource;
use dangol_domain::phone::Phone;
use dangol_domain::sale::{SaleDraft, SaleLine};
use rusqlite::TransactionBehavior;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Read;
use uuid::Uuid;

/// Visit columns: the canonical (English) name, then the Korean headers
/// accepted for it.
pub const VISIT_COLUMNS: [(&str, &[&str]); 5] = [
    ("phone", &["전화번호", "휴대폰", "휴대폰번호", "핸드폰", "연락처"]),
    ("date", &["날짜", "방문일", "일자", "구매일"]),
    ("total", &["금액", "합계", "결제금액", "총액"]),
    ("name", &["이름", "성명", "고객명"]),
    ("items", &["품목", "상품", "구매상품"]),
];

/// The largest total one imported visit may have (won).
pub const MAX_VISIT_TOTAL: i64 = 100_000_000;
/// The most items one imported visit may name.
const MAX_ITEMS: usize = 200;

/// What a visit import did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VisitImportReport {
    pub rows: usize,
    /// Visits written now.
    pub visits: usize,
    /// Rows already imported before (the same visit, by its id).
    pub already: usize,
    /// Customers the file's unknown phones created.
    pub customers_created: usize,
    pub encoding: String,
}

/// One checked row.
struct Visit {
    phone: Phone,
    name: Option<String>,
    at: DateTime<Utc>,
    total: i64,
    lines: Vec<SaleLine>,
    id: Uuid,
}

/// A date (shop-local noon, so the visit lands on that day in any zone;
/// with the date) or an RFC 3339 moment.
fn parse_date(s: &str, zone: dangol_domain::time::ShopZone) -> Option<(DateTime<Utc>, Option<NaiveDate>)> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some((zone.start_of(d) + Duration::hours(12), Some(d)));
    }
    DateTime::parse_from_rfc3339(s).ok().map(|t| (t.with_timezone(&Utc), None))
}

/// The lines' amounts, from catalog prices, scaled so they add up to the
/// visit's total (the remainder on the last line).
fn scale_to_total(lines: &mut [SaleLine], total: i64) {
    let listed: i128 = lines.iter().map(|l| i128::from(l.amount)).sum();
    let mut left = i128::from(total);
    let n = lines.len();
    for (i, l) in lines.iter_mut().enumerate() {
        let share = if i + 1 == n {
            left
        } else if listed > 0 {
            i128::from(total) * i128::from(l.amount) / listed
        } else {
            0
        };
        left -= share;
        l.amount = i64::try_from(share).unwrap_or(0);
    }
}

/// Whole won: digits, optionally grouped with commas, optionally ending in 원.
fn parse_total(s: &str) -> Option<i64> {
    let s = s.strip_suffix('원').unwrap_or(s).trim();
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit() || c == ',') || s.starts_with(',') {
        return None;
    }
    s.replace(',', "").parse().ok()
}

/// `SKU`, `SKU*2` or `SKU x2`, separated by `;`.
fn parse_items(s: &str) -> std::result::Result<Vec<(String, i64)>, String> {
    let mut out = Vec::new();
    for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (sku, qty) = match part.rsplit_once('*').or_else(|| part.rsplit_once(" x")) {
            Some((sku, qty)) => {
                let qty: i64 = qty.trim().parse().map_err(|_| part.to_string())?;
                (sku.trim(), qty)
            }
            None => (part, 1),
        };
        if sku.is_empty() || !(1..=999).contains(&qty) {
            return Err(part.to_string());
        }
        out.push((sku.to_string(), qty));
    }
    Ok(out)
}

/// The visit's id: the same row of the same file gives the same id.
fn visit_id(phone: &Phone, at: DateTime<Utc>, total: i64, items: &str, nth: u32) -> Uuid {
    let mut h = Sha256::new();
    h.update(b"dangol.visit-import.v1\0");
    for part in [phone.digits(), &at.timestamp_millis().to_string(), &total.to_string(), items, &nth.to_string()] {
        h.update(part.as_bytes());
        h.update(b"\0");
    }
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

impl Store {
    /// Imports visits from CSV: all rows or none.
    pub fn import_visits(
        &mut self,
        _owner: &Owner,
        reader: impl Read,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
        progress: Progress,
    ) -> Result<VisitImportReport> {
        let file = decode(reader).map_err(|e| invalid("visits", vec![e]))?;
        let (rows, mut errors) = read_rows(&file.text, &VISIT_COLUMNS, &["phone", "date", "total"]);
        let total_rows = rows.len() as u64;
        let zone = self.zone;
        let mut visits: Vec<Visit> = Vec::with_capacity(rows.len());
        let mut seen: HashMap<(String, i64, i64, String), u32> = HashMap::new();
        let mut products: HashMap<String, Option<dangol_domain::catalog::Product>> = HashMap::new();
        for (i, (line, map)) in rows.iter().enumerate() {
            if (i as u64).is_multiple_of(PROGRESS_EVERY) {
                progress("checking", i as u64, total_rows);
            }
            let line = *line;
            let mut bad = |column: &str, kind: &str, ko: String, en: String| {
                errors.push(row(line, Some(column), kind, ko, en));
            };
            let phone = match Phone::parse(map.get("phone").map(String::as_str).unwrap_or("")) {
                Ok(p) => p,
                Err(e) => {
                    errors.push(RowError::domain(line, Some("phone"), &e));
                    continue;
                }
            };
            let date = field(map, "date").unwrap_or_default();
            let Some((when, day)) = parse_date(&date, zone) else {
                bad(
                    "date",
                    "format",
                    format!("날짜 {:?}를 읽을 수 없습니다 (YYYY-MM-DD 또는 RFC 3339)", cut(&date)),
                    format!("the date {:?} cannot be read (YYYY-MM-DD or RFC 3339)", cut(&date)),
                );
                continue;
            };
            // A date is in the future only after today (a visit today,
            // imported in the morning, is not); a moment after now is.
            let future = match day {
                Some(d) => d > zone.date(at),
                None => when > at,
            };
            if future {
                bad(
                    "date",
                    "future",
                    format!("날짜 {date}는 아직 오지 않았습니다"),
                    format!("the date {date} is in the future"),
                );
                continue;
            }
            let total_text = field(map, "total").unwrap_or_default();
            let total = match parse_total(&total_text) {
                Some(t) if t <= MAX_VISIT_TOTAL => t,
                Some(_) => {
                    bad(
                        "total",
                        "too_large",
                        format!("금액은 {MAX_VISIT_TOTAL}원까지입니다"),
                        format!("a visit's total is at most {MAX_VISIT_TOTAL} won"),
                    );
                    continue;
                }
                None => {
                    bad(
                        "total",
                        "format",
                        format!("금액 {:?}는 0 이상의 원 단위 정수여야 합니다", cut(&total_text)),
                        format!("the total {:?} must be whole won, 0 or more", cut(&total_text)),
                    );
                    continue;
                }
            };
            let items_text = field(map, "items").unwrap_or_default();
            let items = match parse_items(&items_text) {
                Ok(items) if items.len() <= MAX_ITEMS => items,
                Ok(_) => {
                    bad(
                        "items",
                        "too_many",
                        format!("품목은 한 번 방문에 {MAX_ITEMS}개까지입니다"),
                        format!("at most {MAX_ITEMS} items per visit"),
                    );
                    continue;
                }
                Err(part) => {
                    bad(
                        "items",
                        "format",
                        format!("품목 {:?}를 읽을 수 없습니다 (상품코드 또는 상품코드*수량, ;로 구분)", cut(&part)),
                        format!("the item {:?} cannot be read (SKU or SKU*qty, separated by ;)", cut(&part)),
                    );
                    continue;
                }
            };
            let mut lines = Vec::with_capacity(items.len());
            let mut unknown = None;
            for (sku, qty) in &items {
                let product = match products.get(sku) {
                    Some(p) => p.clone(),
                    None => {
                        let p = catalog::find(&self.conn, sku)?;
                        products.insert(sku.clone(), p.clone());
                        p
                    }
                };
                match product {
                    Some(p) => {
                        let amount = p.price.saturating_mul(*qty);
                        lines.push(SaleLine {
                            sku: p.sku,
                            name: p.name,
                            category: p.category,
                            unit_price: p.price,
                            qty: *qty,
                            amount,
                            discount: 0,
                        });
                    }
                    None => {
                        unknown = Some(sku.clone());
                        break;
                    }
                }
            }
            if let Some(sku) = unknown {
                bad(
                    "items",
                    "unknown",
                    format!("상품코드 {:?}는 상품 목록에 없습니다", cut(&sku)),
                    format!("the SKU {:?} is not in the catalog", cut(&sku)),
                );
                continue;
            }
            let name = field(map, "name");
            if let Some(n) = &name
                && let Err(e) = (CustomerInput { name: n.clone(), phone: phone.digits().into(), ..Default::default() })
                    .validate(Uuid::nil(), at)
            {
                errors.push(RowError::domain(line, Some("name"), &e));
                continue;
            }
            let key = (phone.digits().to_string(), when.timestamp_millis(), total, items_text.clone());
            let nth = seen.entry(key).or_insert(0);
            let id = visit_id(&phone, when, total, &items_text, *nth);
            *nth += 1;
            scale_to_total(&mut lines, total);
            // Today's visit imported before noon is dated now (the id stays
            // the row's, so a later import of the same file finds it).
            visits.push(Visit { phone, name, at: when.min(at), total, lines, id });
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            return Err(invalid("visits", errors));
        }
        progress("checking", total_rows, total_rows);
        let ctx = self.write_ctx()?;
        let device = ctx.device;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ctx.check(&tx, ids, at, None, "visit import")?;
        let mut report = VisitImportReport {
            rows: visits.len(),
            visits: 0,
            already: 0,
            customers_created: 0,
            encoding: file.encoding.into(),
        };
        let mut known: HashMap<String, (i64, Uuid)> = HashMap::new();
        let effects = SaleEffects { applied_rules: &[], dismissed: &[], origin: Origin::Here, redeem_parts: &[] };
        for (i, v) in visits.iter().enumerate() {
            if (i as u64).is_multiple_of(PROGRESS_EVERY) {
                progress("writing", i as u64, total_rows);
            }
            let written: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM sales WHERE id = ?1)")?
                .query_row([v.id.as_bytes()], |r| r.get(0))?;
            if written {
                report.already += 1;
                continue;
            }
            let (rid, customer_id) = match known.get(v.phone.digits()) {
                Some(c) => *c,
                None => {
                    let c = match customers::find_by_phone(&tx, v.phone.digits())? {
                        Some(held) => (held.rid, held.customer.id),
                        None => {
                            let name = v.name.clone().unwrap_or_else(|| format!("고객 {}", v.phone.last4()));
                            let input = CustomerInput { name, phone: v.phone.digits().into(), ..Default::default() };
                            let customer: Customer = input.validate(ids.next_id(at), at)?;
                            let rid = insert_imported(&tx, &customer, ids, device, at)?;
                            report.customers_created += 1;
                            (rid, customer.id)
                        }
                    };
                    known.insert(v.phone.digits().to_string(), c);
                    c
                }
            };
            let subtotal = v.total;
            let draft = SaleDraft {
                id: v.id,
                customer_id: Some(customer_id),
                at: v.at,
                lines: v.lines.clone(),
                discounts: Vec::new(),
                missed: Vec::new(),
                near_misses: Vec::new(),
                subtotal,
                discount_total: 0,
                total: v.total,
                points_earned: 0,
                points_expire_at: None,
                points_redeemed: 0,
                stamps_earned: 0,
                stamps_redeemed: 0,
                goodwill: None,
            };
            let mut book = ledger::points_book(&tx, rid)?;
            write_sale(&tx, &draft, Some((rid, &mut book)), device, &effects)?;
            let mut payload = serde_json::to_value(&draft).expect("plain data");
            payload["source"] = "import".into();
            outbox::append(&tx, ids, device, at, "sale.completed", &payload)?;
            report.visits += 1;
        }
        audit::record(
            &tx,
            ids,
            device,
            at,
            audit::Entry::owner("visits.imported", "visits").after(serde_json::to_value(&report).expect("plain data")),
        )?;
        tx.commit()?;
        self.points.forget();
        progress("writing", total_rows, total_rows);
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_items_and_dates_are_read_strictly() {
        assert_eq!(parse_total("12,000"), Some(12_000));
        assert_eq!(parse_total("3500원"), Some(3_500));
        assert_eq!(parse_total("0"), Some(0));
        for bad in ["-5", "12.5", "", ",100", "1e3", "열두"] {
            assert_eq!(parse_total(bad), None, "{bad:?}");
        }
        assert_eq!(
            parse_items("AMR; LATTE*2;SALT x3").unwrap(),
            [("AMR".into(), 1), ("LATTE".into(), 2), ("SALT".into(), 3)]
        );
        assert!(parse_items("AMR*0").is_err() && parse_items("*2").is_err() && parse_items("AMR*two").is_err());
        let zone = dangol_domain::time::ShopZone::default();
        let (noon, _) = parse_date("1997-01-18", zone).unwrap();
        assert_eq!(zone.local(noon).to_string(), "1997-01-18 12:00:00");
        assert!(parse_date("2026-11-23T10:00:00+09:00", zone).is_some());
        assert!(parse_date("18/01/1997", zone).is_none() && parse_date("1997-02-30", zone).is_none());
    }

    #[test]
    fn line_amounts_add_up_to_the_total() {
        let line = |amount: i64| SaleLine {
            sku: "X".into(),
            name: "X".into(),
            category: "c".into(),
            unit_price: amount,
            qty: 1,
            amount,
            discount: 0,
        };
        for (amounts, total) in
            [(vec![4500, 3000, 2500], 9000), (vec![1000], 777), (vec![0, 0], 500), (vec![3, 3, 3], 10)]
        {
            let mut lines: Vec<SaleLine> = amounts.into_iter().map(line).collect();
            scale_to_total(&mut lines, total);
            assert_eq!(lines.iter().map(|l| l.amount).sum::<i64>(), total);
            assert!(lines.iter().all(|l| l.amount >= 0));
        }
    }

    #[test]
    fn the_same_row_gives_the_same_id_and_a_repeat_another() {
        let p = Phone::parse("010-1234-5678").unwrap();
        let at = DateTime::parse_from_rfc3339("1997-01-18T03:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(visit_id(&p, at, 100, "", 0), visit_id(&p, at, 100, "", 0));
        assert_ne!(visit_id(&p, at, 100, "", 0), visit_id(&p, at, 100, "", 1));
        assert_ne!(visit_id(&p, at, 100, "", 0), visit_id(&p, at, 101, "", 0));
    }
}

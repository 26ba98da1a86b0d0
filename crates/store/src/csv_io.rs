//! Customers and products as CSV (UTF-8, Korean text welcome). Both are the
//! owner's: an import writes tiers and overwrites the catalog, an export
//! holds every full phone number; each is audited.
//!
//! An import validates every row first and reports each bad row with its line
//! number; if any row is bad, nothing is written. Progress is reported as it
//! goes (checking, then writing). An export writes to a temporary file and
//! renames it into place, so a failed export never leaves half a file behind.

use crate::customers;
use crate::error::{Result, RowError, StoreError};
use crate::owner::Owner;
use crate::{Store, audit, catalog, outbox};
use chrono::{DateTime, Utc};
use dangol_domain::catalog::Product;
use dangol_domain::customer::{Customer, CustomerInput};
use dangol_domain::ids::IdSource;
use rusqlite::TransactionBehavior;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

pub const CUSTOMER_COLUMNS: [&str; 9] =
    ["name", "phone", "birth_date", "preferred_name", "tier", "marketing_consent", "notes", "card_code", "tags"];
pub const PRODUCT_COLUMNS: [&str; 5] = ["sku", "name", "category", "price", "barcode"];

/// What an import did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
}

fn parse_consent(s: &str) -> std::result::Result<Option<bool>, String> {
    match s.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "true" | "yes" | "y" | "1" | "o" | "동의" => Ok(Some(true)),
        "false" | "no" | "n" | "0" | "x" | "미동의" | "거부" => Ok(Some(false)),
        other => Err(format!("marketing_consent {other:?} must be yes/no, true/false, 1/0 or 동의/미동의")),
    }
}

/// CSV records as (line number, column → value).
type Rows = Vec<(u64, HashMap<String, String>)>;

/// Reads a CSV with a header row into (line, field map) records, reporting
/// unknown or missing columns and unreadable rows.
fn read_rows(reader: impl Read, allowed: &[&str], required: &[&str]) -> Result<(Rows, Vec<RowError>)> {
    let mut rdr = csv::ReaderBuilder::new().flexible(false).trim(csv::Trim::None).from_reader(reader);
    let headers = match rdr.headers() {
        Ok(h) => h.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase()).collect::<Vec<_>>(),
        Err(e) => {
            return Ok((vec![], vec![RowError { line: 1, message: format!("unreadable header: {e}") }]));
        }
    };
    let mut errors = Vec::new();
    for h in &headers {
        if !allowed.contains(&h.as_str()) {
            errors.push(RowError { line: 1, message: format!("unknown column {h:?}; allowed: {}", allowed.join(",")) });
        }
    }
    for r in required {
        if !headers.iter().any(|h| h == r) {
            errors.push(RowError { line: 1, message: format!("missing required column {r:?}") });
        }
    }
    if !errors.is_empty() {
        return Ok((vec![], errors));
    }
    let mut rows = Vec::new();
    for record in rdr.records() {
        match record {
            Ok(rec) => {
                let line = rec.position().map(|p| p.line()).unwrap_or(0);
                if rec.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                let map = headers.iter().cloned().zip(rec.iter().map(str::to_string)).collect();
                rows.push((line, map));
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                let message = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => "not valid UTF-8 text; save the file as UTF-8".to_string(),
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                        format!("has {len} fields, the header has {expected_len}")
                    }
                    _ => e.to_string(),
                };
                errors.push(RowError { line, message });
            }
        }
    }
    Ok((rows, errors))
}

/// Reports progress: (phase, done, total). Phases are `checking` and
/// `writing`.
pub type Progress<'a> = &'a mut dyn FnMut(&str, u64, u64);

/// How often (in rows) progress is reported.
const PROGRESS_EVERY: u64 = 500;

fn field(map: &HashMap<String, String>, key: &str) -> Option<String> {
    map.get(key).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl Store {
    /// Imports customers from CSV: all rows or none.
    pub fn import_customers(
        &mut self,
        _owner: &Owner,
        reader: impl Read,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
        progress: Progress,
    ) -> Result<ImportReport> {
        let (rows, mut errors) = read_rows(reader, &CUSTOMER_COLUMNS, &["name", "phone"])?;
        let total = rows.len() as u64;
        let mut valid: Vec<Customer> = Vec::with_capacity(rows.len());
        let mut phones: HashMap<String, u64> = HashMap::new();
        let mut cards: HashMap<String, u64> = HashMap::new();
        for (i, (line, map)) in rows.iter().enumerate() {
            if (i as u64).is_multiple_of(PROGRESS_EVERY) {
                progress("checking", i as u64, total);
            }
            let consent = match parse_consent(map.get("marketing_consent").map(String::as_str).unwrap_or("")) {
                Ok(c) => c,
                Err(message) => {
                    errors.push(RowError { line: *line, message });
                    continue;
                }
            };
            let input = CustomerInput {
                name: map.get("name").cloned().unwrap_or_default(),
                phone: map.get("phone").cloned().unwrap_or_default(),
                birth_date: field(map, "birth_date"),
                preferred_name: field(map, "preferred_name"),
                tier: field(map, "tier"),
                marketing_consent: consent,
                notes: field(map, "notes"),
                card_code: field(map, "card_code"),
                tags: field(map, "tags").map(|t| t.split(';').map(str::to_string).collect()).unwrap_or_default(),
            };
            match input.validate(ids.next_id(at), at) {
                Err(e) => errors.push(RowError { line: *line, message: e.to_string() }),
                Ok(c) => {
                    if let Some(first) = phones.insert(c.phone.digits().to_string(), *line) {
                        errors.push(RowError {
                            line: *line,
                            message: format!("phone {} also appears on line {first}", c.phone.masked()),
                        });
                        continue;
                    }
                    if let Some(card) = &c.card_code
                        && let Some(first) = cards.insert(card.clone(), *line)
                    {
                        errors.push(RowError {
                            line: *line,
                            message: format!("card code {card:?} also appears on line {first}"),
                        });
                        continue;
                    }
                    if customers::find_by_phone(&self.conn, c.phone.digits())?.is_some() {
                        errors.push(RowError {
                            line: *line,
                            message: format!("phone {} is already registered", c.phone.masked()),
                        });
                        continue;
                    }
                    if let Some(card) = &c.card_code
                        && customers::find_by_card(&self.conn, card)?.is_some()
                    {
                        errors.push(RowError {
                            line: *line,
                            message: format!("card code {card:?} is already registered"),
                        });
                        continue;
                    }
                    valid.push(c);
                }
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            return Err(StoreError::InvalidRows { file_kind: "customers", errors });
        }
        progress("checking", total, total);
        let ctx = self.write_ctx();
        let device = ctx.device;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ctx.check(&tx, ids, at, None, "customer import")?;
        for (i, c) in valid.iter().enumerate() {
            if (i as u64).is_multiple_of(PROGRESS_EVERY) {
                progress("writing", i as u64, total);
            }
            customers::insert(&tx, c, 0, None)?;
            outbox::append(
                &tx,
                ids,
                device,
                at,
                "customer.created",
                &serde_json::json!({"id": c.id, "name": c.name, "phone": c.phone.digits(), "source": "import"}),
            )?;
        }
        let report = ImportReport { rows: valid.len(), created: valid.len(), updated: 0 };
        audit::record(
            &tx,
            ids,
            device,
            at,
            audit::Entry::owner("customers.imported", "customers")
                .after(serde_json::to_value(&report).expect("plain data")),
        )?;
        tx.commit()?;
        progress("writing", total, total);
        Ok(report)
    }

    /// Imports products from CSV (new SKUs are added, known ones updated):
    /// all rows or none.
    pub fn import_products(
        &mut self,
        _owner: &Owner,
        reader: impl Read,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
        progress: Progress,
    ) -> Result<ImportReport> {
        let (rows, mut errors) = read_rows(reader, &PRODUCT_COLUMNS, &["sku", "name", "category", "price"])?;
        let total = rows.len() as u64;
        let mut valid = Vec::new();
        let mut skus: HashMap<String, u64> = HashMap::new();
        let mut barcodes: HashMap<String, u64> = HashMap::new();
        for (i, (line, map)) in rows.iter().enumerate() {
            if (i as u64).is_multiple_of(PROGRESS_EVERY) {
                progress("checking", i as u64, total);
            }
            let price_text = map.get("price").map(|s| s.trim()).unwrap_or("");
            let Ok(price) = price_text.parse::<i64>() else {
                errors.push(RowError {
                    line: *line,
                    message: format!("price {price_text:?} must be a whole number of won, such as 4500"),
                });
                continue;
            };
            match Product::new(
                map.get("sku").map(String::as_str).unwrap_or(""),
                map.get("name").map(String::as_str).unwrap_or(""),
                map.get("category").map(String::as_str).unwrap_or(""),
                price,
                field(map, "barcode").as_deref(),
            ) {
                Err(e) => errors.push(RowError { line: *line, message: e.to_string() }),
                Ok(p) => {
                    if let Some(first) = skus.insert(p.sku.clone(), *line) {
                        errors.push(RowError {
                            line: *line,
                            message: format!("sku {:?} also appears on line {first}", p.sku),
                        });
                        continue;
                    }
                    if let Some(code) = &p.barcode {
                        if let Some(first) = barcodes.insert(code.clone(), *line) {
                            errors.push(RowError {
                                line: *line,
                                message: format!("barcode {code:?} also appears on line {first}"),
                            });
                            continue;
                        }
                        if let Some(other) = catalog::find(&self.conn, code)?.filter(|o| o.sku != p.sku) {
                            errors.push(RowError {
                                line: *line,
                                message: format!("barcode {code:?} already belongs to product {}", other.sku),
                            });
                            continue;
                        }
                    }
                    valid.push(p);
                }
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            return Err(StoreError::InvalidRows { file_kind: "products", errors });
        }
        progress("checking", total, total);
        let ctx = self.write_ctx();
        let device = ctx.device;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ctx.check(&tx, ids, at, None, "product import")?;
        let (mut created, mut updated) = (0, 0);
        for (i, p) in valid.iter().enumerate() {
            if (i as u64).is_multiple_of(PROGRESS_EVERY) {
                progress("writing", i as u64, total);
            }
            if catalog::upsert(&tx, p, at)? {
                created += 1;
            } else {
                updated += 1;
            }
            outbox::append(&tx, ids, device, at, "product.upserted", p)?;
        }
        let report = ImportReport { rows: valid.len(), created, updated };
        audit::record(
            &tx,
            ids,
            device,
            at,
            audit::Entry::owner("products.imported", "products")
                .after(serde_json::to_value(&report).expect("plain data")),
        )?;
        tx.commit()?;
        progress("writing", total, total);
        Ok(report)
    }

    /// Exports every customer to a CSV file (full phone numbers: owner
    /// only, and audited).
    pub fn export_customers(&mut self, _owner: &Owner, path: &Path, ids: &mut dyn IdSource) -> Result<usize> {
        let n = write_atomically(path, |w| {
            let mut out = csv::Writer::from_writer(w);
            out.write_record(CUSTOMER_COLUMNS).map_err(csv_err)?;
            let mut n = 0;
            customers::all(&self.conn, |row| {
                let c = row.customer;
                out.write_record([
                    c.name,
                    c.phone.formatted(),
                    c.birth_date.map(|d| d.to_string()).unwrap_or_default(),
                    c.preferred_name.unwrap_or_default(),
                    c.tier.as_str().to_string(),
                    if c.consent_at.is_none() { String::new() } else { c.marketing_consent.to_string() },
                    c.notes,
                    c.card_code.unwrap_or_default(),
                    c.tags.join(";"),
                ])
                .map_err(csv_err)?;
                n += 1;
                Ok(())
            })?;
            out.flush().map_err(|e| StoreError::Io { path: path.to_path_buf(), source: e })?;
            Ok(n)
        })?;
        let ctx = self.write_ctx();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        audit::record(
            &tx,
            ids,
            ctx.device,
            ctx.now,
            audit::Entry::owner("customers.exported", "customers")
                .after(serde_json::json!({"rows": n, "file": path.display().to_string()})),
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// Exports the active products to a CSV file.
    pub fn export_products(&self, _owner: &Owner, path: &Path) -> Result<usize> {
        let products = catalog::all(&self.conn)?;
        write_atomically(path, |w| {
            let mut out = csv::Writer::from_writer(w);
            out.write_record(PRODUCT_COLUMNS).map_err(csv_err)?;
            for p in &products {
                out.write_record([
                    p.sku.clone(),
                    p.name.clone(),
                    p.category.clone(),
                    p.price.to_string(),
                    p.barcode.clone().unwrap_or_default(),
                ])
                .map_err(csv_err)?;
            }
            out.flush().map_err(|e| StoreError::Io { path: path.to_path_buf(), source: e })?;
            Ok(products.len())
        })
    }
}

fn csv_err(e: csv::Error) -> StoreError {
    StoreError::BadInput { what: "csv output", reason: e.to_string() }
}

fn write_atomically(path: &Path, write: impl FnOnce(&mut std::fs::File) -> Result<usize>) -> Result<usize> {
    let io = |source| StoreError::Io { path: path.to_path_buf(), source };
    let mut tmp_name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    tmp_name.push(".partial");
    let tmp = path.with_file_name(tmp_name);
    let mut file = std::fs::File::create(&tmp).map_err(io)?;
    match write(&mut file) {
        Ok(n) => {
            file.sync_all().map_err(io)?;
            std::fs::rename(&tmp, path).map_err(io)?;
            Ok(n)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

//! Customers and products as CSV, as Korean spreadsheets write them. Both
//! are the owner's: an import writes tiers and overwrites the catalog, an
//! export holds every full phone number; each is audited.
//!
//! Reading: UTF-8 with or without a byte-order mark, CP949/EUC-KR (what
//! Korean Excel saves by default) or UTF-16 with its mark, detected and
//! reported; Korean headers (이름, 전화번호, …) beside the English ones;
//! names composed to NFC; line numbers as an editor shows them (CRLF files
//! too); an unclosed quote, a repeated column, an oversized file or line is
//! refused before any row is read. Every row is checked first and each bad
//! one reported with its line, column and kind; if any row is bad, nothing
//! is written. Customers already registered (by phone) are updated from the
//! cells the file fills (a blank cell or a missing column keeps the stored
//! value), so an export → edit in Excel → import round trip works; a
//! product's blank barcode keeps its barcode.
//!
//! Writing: UTF-8 with a byte-order mark (so Excel reads Hangul), cells that
//! a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first)
//! prefixed with `'` (and the prefix taken off again on import), through a
//! private temporary file renamed into place, never onto the database's own
//! files.

use crate::customers::{self, CustomerRow};
use crate::error::{Result, RowError, StoreError, say};
use crate::owner::Owner;
use crate::{Store, audit, catalog, outbox};
use chrono::{DateTime, Utc};
use dangol_domain::DomainError;
use dangol_domain::catalog::Product;
use dangol_domain::customer::{Customer, CustomerInput};
use dangol_domain::error::cut;
use dangol_domain::hangul;
use dangol_domain::i18n::Lang;
use dangol_domain::ids::IdSource;
use dangol_domain::phone::Phone;
use rusqlite::TransactionBehavior;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;

/// Customer columns: the canonical (English) name, then the Korean headers
/// accepted for it.
pub const CUSTOMER_COLUMNS: [(&str, &[&str]); 9] = [
    ("name", &["이름", "성명", "고객명"]),
    ("phone", &["전화번호", "휴대폰", "휴대폰번호", "핸드폰", "연락처"]),
    ("birth_date", &["생년월일", "생일"]),
    ("preferred_name", &["호칭"]),
    ("tier", &["등급"]),
    ("marketing_consent", &["마케팅동의", "마케팅수신동의"]),
    ("notes", &["메모", "비고"]),
    ("card_code", &["카드번호", "카드"]),
    ("tags", &["태그"]),
];
pub const PRODUCT_COLUMNS: [(&str, &[&str]); 5] = [
    ("sku", &["상품코드", "코드"]),
    ("name", &["상품명", "이름"]),
    ("category", &["분류", "카테고리"]),
    ("price", &["가격", "판매가"]),
    ("barcode", &["바코드"]),
];

/// Largest import file accepted (checked before it is read).
pub const MAX_IMPORT_BYTES: u64 = 64 * 1024 * 1024;
/// Longest line accepted in an import file.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Rows reported back, at most (the count says how many there were).
const MAX_REPORTED_ROWS: usize = 1000;

/// What an import did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// The encoding the file was read in: `utf-8`, `utf-8-bom`, `cp949`,
    /// `utf-16le` or `utf-16be`.
    pub encoding: String,
}

/// Reports progress: (phase, done, total). Phases are `checking` and
/// `writing`.
pub type Progress<'a> = &'a mut dyn FnMut(&str, u64, u64);

/// How often (in rows) progress is reported.
pub(crate) const PROGRESS_EVERY: u64 = 500;

/// A file's text and the encoding it was read in.
pub(crate) struct Decoded {
    pub text: String,
    pub encoding: &'static str,
}

pub(crate) fn row(
    line: u64,
    column: Option<&str>,
    kind: &str,
    ko: impl Into<String>,
    en: impl Into<String>,
) -> RowError {
    RowError::new(line, column, kind, say(ko, en))
}

/// Reads at most `MAX_IMPORT_BYTES` and decodes them: UTF-8 (with or
/// without BOM) when the bytes are UTF-8, else CP949 (EUC-KR's superset).
pub(crate) fn decode(reader: impl Read) -> std::result::Result<Decoded, RowError> {
    let mut bytes = Vec::new();
    let read = reader.take(MAX_IMPORT_BYTES + 1).read_to_end(&mut bytes);
    if let Err(e) = read {
        return Err(row(
            1,
            None,
            "io",
            format!("파일을 읽을 수 없습니다: {e}"),
            format!("the file cannot be read: {e}"),
        ));
    }
    if bytes.len() as u64 > MAX_IMPORT_BYTES {
        return Err(too_large());
    }
    for (bom, encoding, name) in
        [(&b"\xFF\xFE"[..], encoding_rs::UTF_16LE, "utf-16le"), (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE, "utf-16be")]
    {
        if let Some(rest) = bytes.strip_prefix(bom) {
            // Excel's "유니코드 텍스트" (tab-separated UTF-16) is not CSV.
            let (text, had_errors) = encoding.decode_without_bom_handling(rest);
            if had_errors {
                return Err(not_text(1));
            }
            if text.lines().next().is_some_and(|h| h.contains('\t') && !h.contains(',')) {
                return Err(row(
                    1,
                    None,
                    "encoding",
                    "엑셀의 \"유니코드 텍스트\" 파일입니다. \"CSV UTF-8\"로 다시 저장하세요",
                    "this is Excel's \"Unicode Text\" (UTF-16); save it again as \"CSV UTF-8\"",
                ));
            }
            return Ok(Decoded { text: text.into_owned(), encoding: name });
        }
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok(Decoded { text: text.to_string(), encoding: "utf-8-bom" }),
            Err(e) => Err(not_text(line_at(rest, e.valid_up_to()))),
        };
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Decoded { text, encoding: "utf-8" }),
        Err(e) => {
            let bytes = e.into_bytes();
            let (text, had_errors) = encoding_rs::EUC_KR.decode_without_bom_handling(&bytes);
            if had_errors {
                let at = text.find('\u{FFFD}').unwrap_or(0);
                return Err(not_text(text[..at].matches('\n').count() as u64 + 1));
            }
            Ok(Decoded { text: text.into_owned(), encoding: "cp949" })
        }
    }
}

fn too_large() -> RowError {
    let mb = MAX_IMPORT_BYTES / 1024 / 1024;
    row(
        1,
        None,
        "too_large",
        format!("파일이 {mb}MB보다 큽니다. 나누어 가져오세요"),
        format!("the file is larger than {mb} MB; split it"),
    )
}

/// Refuses an import file by its size before a byte of it is read (the
/// shells know the size of the file they were given).
pub fn check_import_size(file_kind: &'static str, bytes: u64) -> Result<()> {
    if bytes > MAX_IMPORT_BYTES { Err(invalid(file_kind, vec![too_large()])) } else { Ok(()) }
}

fn line_at(bytes: &[u8], offset: usize) -> u64 {
    bytes[..offset].iter().filter(|b| **b == b'\n').count() as u64 + 1
}

fn not_text(line: u64) -> RowError {
    row(
        line,
        None,
        "encoding",
        "UTF-8로도 CP949(한글 엑셀 기본)로도 읽을 수 없는 글자가 있습니다. CSV(UTF-8)로 다시 저장하세요",
        "this is neither UTF-8 nor CP949 (Korean Excel's default) text; save it again as CSV UTF-8",
    )
}

/// A column as the owner's sheet would name it: its Korean header in
/// Korean, its canonical name in English.
pub fn column_label(column: &str, lang: Lang) -> &str {
    match lang {
        Lang::En => column,
        Lang::Ko => CUSTOMER_COLUMNS
            .iter()
            .chain(PRODUCT_COLUMNS.iter())
            .chain(crate::visit_import::VISIT_COLUMNS.iter())
            .find(|(c, _)| *c == column)
            .and_then(|(_, korean)| korean.first().copied())
            .unwrap_or(column),
    }
}

/// The canonical column for a header cell, English or Korean.
fn canonical<'a>(header: &str, columns: &[(&'a str, &[&str])]) -> Option<&'a str> {
    let h = hangul::nfc(header.trim().trim_start_matches('\u{feff}')).to_lowercase();
    let squeezed: String = h.chars().filter(|c| !c.is_whitespace() && *c != '_' && *c != '-').collect();
    columns.iter().find_map(|(name, korean)| {
        (h == *name || squeezed == name.replace('_', "") || korean.contains(&squeezed.as_str())).then_some(*name)
    })
}

/// Checks the file's shape before its rows are read: no line longer than
/// `MAX_LINE_BYTES`, no quote left open at the end.
fn check_shape(text: &str) -> Option<RowError> {
    /// Where the scan is: outside a quoted field (at a field's start or not),
    /// inside one, or just after a quote inside one (the end of the field,
    /// or the first half of an escaped `""`).
    #[derive(PartialEq)]
    enum At {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut at = At::FieldStart;
    let mut line = 1u64;
    let mut line_start = 0usize;
    let mut opened_on = 0u64;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            if i - line_start > MAX_LINE_BYTES {
                return Some(long_line(line));
            }
            line += 1;
            line_start = i + 1;
        }
        at = match (at, b) {
            (At::Quoted, b'"') => At::QuoteInQuoted,
            (At::Quoted, _) => At::Quoted,
            (At::QuoteInQuoted, b'"') => At::Quoted,
            (At::FieldStart, b'"') => {
                opened_on = line;
                At::Quoted
            }
            (_, b',' | b'\n' | b'\r') => At::FieldStart,
            _ => At::Unquoted,
        };
    }
    if text.len() - line_start > MAX_LINE_BYTES {
        return Some(long_line(line));
    }
    (at == At::Quoted).then(|| {
        row(
            opened_on,
            None,
            "csv",
            "여기서 연 따옴표(\")가 파일 끝까지 닫히지 않습니다",
            "a quote (\") opened on this line is never closed",
        )
    })
}

fn long_line(line: u64) -> RowError {
    let kb = MAX_LINE_BYTES / 1024;
    row(line, None, "too_large", format!("줄이 {kb}KB보다 깁니다"), format!("the line is longer than {kb} KB"))
}

/// CSV records as (line number, column → value).
pub(crate) type Rows = Vec<(u64, HashMap<&'static str, String>)>;

/// Reads a CSV with a header row into (line, field map) records, reporting
/// unknown, repeated or missing columns and unreadable rows.
pub(crate) fn read_rows(text: &str, columns: &[(&'static str, &[&str])], required: &[&str]) -> (Rows, Vec<RowError>) {
    if let Some(e) = check_shape(text) {
        return (vec![], vec![e]);
    }
    let newlines: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
    // The reader puts a record that follows a CRLF at the LF; the line is
    // the one its first character is on.
    let bytes = text.as_bytes();
    let line_of = |byte: u64| {
        let mut at = byte as usize;
        while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
            at += 1;
        }
        newlines.partition_point(|&n| n < at) as u64 + 1
    };
    let mut rdr = csv::ReaderBuilder::new().flexible(false).trim(csv::Trim::None).from_reader(text.as_bytes());
    let raw_headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return (
                vec![],
                vec![row(1, None, "csv", "머리글 줄을 읽을 수 없습니다", format!("unreadable header: {e}"))],
            );
        }
    };
    let mut errors = Vec::new();
    // The column each cell belongs to; `None` for a column without a header
    // (the empty trailing columns a spreadsheet often writes).
    let mut headers: Vec<Option<&'static str>> = Vec::new();
    let allowed = columns.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ");
    for (i, h) in raw_headers.iter().enumerate() {
        if h.trim().trim_start_matches('\u{feff}').is_empty() {
            headers.push(None);
            continue;
        }
        match canonical(h, columns) {
            None => errors.push(row(
                1,
                Some(&cut(h)),
                "unknown_column",
                format!(
                    "알 수 없는 열 \"{}\". 쓸 수 있는 열: {allowed} (또는 이름, 전화번호 같은 한글 머리글)",
                    cut(h)
                ),
                format!("unknown column {:?}; allowed: {allowed} (or their Korean headers)", cut(h)),
            )),
            Some(c) if headers.contains(&Some(c)) => {
                let first = headers.iter().position(|x| *x == Some(c)).unwrap_or(0) + 1;
                errors.push(row(
                    1,
                    Some(c),
                    "repeated_column",
                    format!("{} 열이 두 번 있습니다 ({first}번째와 {}번째 열)", column_label(c, Lang::Ko), i + 1),
                    format!("column {c} appears twice (columns {first} and {})", i + 1),
                ));
                headers.push(None);
            }
            Some(c) => headers.push(Some(c)),
        }
    }
    for r in required {
        if !headers.contains(&Some(*r)) {
            errors.push(row(
                1,
                Some(r),
                "missing_column",
                format!("꼭 필요한 {} 열이 없습니다", column_label(r, Lang::Ko)),
                format!("missing required column {r:?}"),
            ));
        }
    }
    if !errors.is_empty() {
        return (vec![], errors);
    }
    let mut rows = Vec::new();
    for record in rdr.records() {
        match record {
            Ok(rec) => {
                let line = line_of(rec.position().map(|p| p.byte()).unwrap_or(0));
                if rec.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                if headers.iter().zip(rec.iter()).any(|(h, f)| h.is_none() && !f.trim().is_empty()) {
                    errors.push(row(
                        line,
                        None,
                        "csv",
                        "머리글이 없는 열에 값이 있습니다",
                        "a value stands in a column without a header",
                    ));
                    continue;
                }
                let map = headers.iter().zip(rec.iter()).filter_map(|(h, f)| h.map(|h| (h, unescape(f)))).collect();
                rows.push((line, map));
            }
            Err(e) => {
                let line = line_of(e.position().map(|p| p.byte()).unwrap_or(0));
                errors.push(match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => row(
                        line,
                        None,
                        "csv",
                        format!("칸이 {len}개인데 머리글은 {expected_len}칸입니다"),
                        format!("has {len} fields, the header has {expected_len}"),
                    ),
                    _ => row(line, None, "csv", "이 줄을 읽을 수 없습니다", format!("unreadable row: {e}")),
                });
            }
        }
    }
    (rows, errors)
}

/// A cell as a spreadsheet would show it: the `'` that keeps a formula
/// character from running is taken off again.
fn unescape(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest.to_string(),
        _ => cell.to_string(),
    }
}

/// The characters a spreadsheet treats as the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell safe to open in a spreadsheet: one that would start a formula gets
/// a leading `'`.
fn escape(cell: &str) -> String {
    if cell.starts_with(FORMULA_STARTS) { format!("'{cell}") } else { cell.to_string() }
}

pub(crate) fn field(map: &HashMap<&str, String>, key: &str) -> Option<String> {
    map.get(key).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The column a domain error is about, for the row's report.
fn column_of(e: &DomainError) -> Option<&'static str> {
    match e {
        DomainError::InvalidPhone { .. } => Some("phone"),
        DomainError::InvalidField { field, .. } => Some(match field.as_str() {
            "note" => "notes",
            "tag" => "tags",
            "product_name" => "name",
            other => CUSTOMER_COLUMNS
                .iter()
                .chain(PRODUCT_COLUMNS.iter())
                .map(|(c, _)| *c)
                .find(|c| *c == other)
                .unwrap_or("?"),
        }),
        DomainError::OutOfRange { .. } => Some("price"),
        _ => None,
    }
}

/// One customer row's outcome.
enum Change {
    Create(Customer),
    Update { rid: i64, before: Box<Customer>, after: Box<Customer> },
    Same,
}

/// The customer a row describes: the file's cells over what is stored for
/// that phone. A column the file does not have, or a blank cell, keeps the
/// stored value (a half-filled 등급 column never demotes anyone).
fn merge(
    map: &HashMap<&str, String>,
    existing: Option<&CustomerRow>,
    id: uuid::Uuid,
    at: DateTime<Utc>,
) -> std::result::Result<Change, DomainError> {
    let old = existing.map(|r| &r.customer);
    let consent =
        dangol_domain::customer::parse_consent(map.get("marketing_consent").map(String::as_str).unwrap_or(""))?;
    let text = |k: &str, keep: Option<String>| field(map, k).or(keep);
    let input = CustomerInput {
        name: text("name", old.map(|c| c.name.clone())).unwrap_or_default(),
        phone: map.get("phone").cloned().unwrap_or_default(),
        birth_date: text("birth_date", old.and_then(|c| c.birth_date.map(|d| d.to_string()))),
        preferred_name: text("preferred_name", old.and_then(|c| c.preferred_name.clone())),
        tier: text("tier", old.map(|c| c.tier.as_str().to_string())),
        marketing_consent: consent.or(old.and_then(|c| c.consent_at.map(|_| c.marketing_consent))),
        notes: text("notes", old.map(|c| c.notes.clone())),
        card_code: text("card_code", old.and_then(|c| c.card_code.clone())),
        tags: text("tags", old.map(|c| c.tags.join(";")))
            .map(|t| t.split(';').map(str::to_string).collect())
            .unwrap_or_default(),
    };
    let Some(row) = existing else {
        return input.validate(id, at).map(Change::Create);
    };
    let old = &row.customer;
    let mut new = input.validate(old.id, at)?;
    new.created_at = old.created_at;
    new.consent_at = if new.marketing_consent == old.marketing_consent && old.consent_at.is_some() {
        old.consent_at
    } else {
        new.consent_at
    };
    let same = Customer { updated_at: old.updated_at, ..new.clone() } == *old;
    Ok(if same {
        Change::Same
    } else {
        Change::Update { rid: row.rid, before: Box::new(old.clone()), after: Box::new(new) }
    })
}

impl Store {
    /// Imports customers from CSV: all rows or none. A phone already
    /// registered updates that customer.
    pub fn import_customers(
        &mut self,
        _owner: &Owner,
        reader: impl Read,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
        progress: Progress,
    ) -> Result<ImportReport> {
        let file = decode(reader).map_err(|e| invalid("customers", vec![e]))?;
        // Only the phone is required: it says who the row is. A row for a
        // new customer needs a name too (checked with the row).
        let (rows, mut errors) = read_rows(&file.text, &CUSTOMER_COLUMNS, &["phone"]);
        let total = rows.len() as u64;
        let mut changes: Vec<Change> = Vec::with_capacity(rows.len());
        let mut phones: HashMap<String, u64> = HashMap::new();
        let mut cards: HashMap<String, u64> = HashMap::new();
        for (i, (line, map)) in rows.iter().enumerate() {
            if (i as u64).is_multiple_of(PROGRESS_EVERY) {
                progress("checking", i as u64, total);
            }
            let line = *line;
            let phone = match Phone::parse(map.get("phone").map(String::as_str).unwrap_or("")) {
                Ok(p) => p,
                Err(e) => {
                    errors.push(RowError::domain(line, Some("phone"), &e));
                    continue;
                }
            };
            if let Some(first) = phones.insert(phone.digits().to_string(), line) {
                errors.push(row(
                    line,
                    Some("phone"),
                    "duplicate",
                    format!("전화번호 {}가 {first}번째 줄에도 있습니다", phone.masked()),
                    format!("phone {} also appears on line {first}", phone.masked()),
                ));
                continue;
            }
            let existing = customers::find_by_phone(&self.conn, phone.digits())?;
            let change = match merge(map, existing.as_ref(), ids.next_id(at), at) {
                Ok(c) => c,
                Err(e) => {
                    errors.push(RowError::domain(line, column_of(&e), &e));
                    continue;
                }
            };
            let (id, card) = match &change {
                Change::Create(c) => (c.id, c.card_code.clone()),
                Change::Update { after, .. } => (after.id, after.card_code.clone()),
                Change::Same => (uuid::Uuid::nil(), None),
            };
            if let Some(card) = card {
                if let Some(first) = cards.insert(card.clone(), line) {
                    errors.push(row(
                        line,
                        Some("card_code"),
                        "duplicate",
                        format!("카드 번호 {}가 {first}번째 줄에도 있습니다", cut(&card)),
                        format!("card code {:?} also appears on line {first}", cut(&card)),
                    ));
                    continue;
                }
                let claimed = existing.as_ref().and_then(|r| r.customer.card_code.as_deref()) == Some(card.as_str());
                if let Some(holder) = customers::find_by_card(&self.conn, &card)?
                    && holder.customer.id != id
                    && !claimed
                {
                    errors.push(row(
                        line,
                        Some("card_code"),
                        "duplicate",
                        format!("카드 번호 {}는 다른 고객이 쓰고 있습니다", cut(&card)),
                        format!("card code {:?} belongs to another customer", cut(&card)),
                    ));
                    continue;
                }
            }
            changes.push(change);
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            return Err(invalid("customers", errors));
        }
        progress("checking", total, total);
        let ctx = self.write_ctx()?;
        let device = ctx.device;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ctx.check(&tx, ids, at, None, "customer import")?;
        let mut report =
            ImportReport { rows: changes.len(), created: 0, updated: 0, unchanged: 0, encoding: file.encoding.into() };
        for (i, change) in changes.iter().enumerate() {
            if (i as u64).is_multiple_of(PROGRESS_EVERY) {
                progress("writing", i as u64, total);
            }
            match change {
                Change::Create(c) => {
                    insert_imported(&tx, c, ids, device, at)?;
                    report.created += 1;
                }
                Change::Update { rid, before, after } => {
                    let mut after = after.as_ref().clone();
                    after.updated_at = at;
                    // Stamped first: who holds a card and when the profile
                    // last changed are worked out from the stamps.
                    let edited = crate::registers::edited_here(&tx, *rid, before, &after, device, at)?;
                    customers::update(&tx, *rid, before, &after)?;
                    if let Some(mut event) = edited {
                        event["source"] = "import".into();
                        outbox::append(&tx, ids, device, at, "customer.updated", &event)?;
                    }
                    report.updated += 1;
                }
                Change::Same => report.unchanged += 1,
            }
        }
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
        let file = decode(reader).map_err(|e| invalid("products", vec![e]))?;
        let (rows, mut errors) = read_rows(&file.text, &PRODUCT_COLUMNS, &["sku", "name", "category", "price"]);
        let total = rows.len() as u64;
        let mut valid = Vec::new();
        let mut skus: HashMap<String, u64> = HashMap::new();
        let mut barcodes: HashMap<String, u64> = HashMap::new();
        for (i, (line, map)) in rows.iter().enumerate() {
            if (i as u64).is_multiple_of(PROGRESS_EVERY) {
                progress("checking", i as u64, total);
            }
            let line = *line;
            let price_text = map.get("price").map(|s| s.trim()).unwrap_or("");
            let Ok(price) = price_text.replace(',', "").parse::<i64>() else {
                let e = DomainError::field(
                    "price",
                    dangol_domain::error::Problem::Format { expected: dangol_domain::error::Expected::WholeWon },
                );
                errors.push(RowError::domain(line, Some("price"), &e));
                continue;
            };
            let sku = map.get("sku").map(String::as_str).unwrap_or("").trim();
            // What is stored under this SKU: a blank barcode keeps the barcode
            // its writes gave it (held, or claimed while another product
            // holds it), and a row equal to it changes nothing.
            let stored = catalog::stored(&self.conn, sku)?;
            let barcode = field(map, "barcode").or_else(|| stored.as_ref().and_then(|p| p.barcode.clone()));
            let product = Product::new(
                sku,
                map.get("name").map(String::as_str).unwrap_or(""),
                map.get("category").map(String::as_str).unwrap_or(""),
                price,
                barcode.as_deref(),
            );
            let p = match product {
                Err(e) => {
                    errors.push(RowError::domain(line, column_of(&e), &e));
                    continue;
                }
                Ok(p) => p,
            };
            if let Some(first) = skus.insert(p.sku.clone(), line) {
                errors.push(row(
                    line,
                    Some("sku"),
                    "duplicate",
                    format!("상품 코드 {}가 {first}번째 줄에도 있습니다", p.sku),
                    format!("sku {:?} also appears on line {first}", p.sku),
                ));
                continue;
            }
            // A barcode the product already claims is kept, not given: two
            // products may claim one while another counter's write travels
            // (a file exported then shows it on the holder's line only).
            let kept = stored.as_ref().is_some_and(|s| s.barcode == p.barcode);
            if let Some(code) = p.barcode.as_ref().filter(|_| !kept) {
                if let Some(first) = barcodes.insert(code.clone(), line) {
                    errors.push(row(
                        line,
                        Some("barcode"),
                        "duplicate",
                        format!("바코드 {}가 {first}번째 줄에도 있습니다", cut(code)),
                        format!("barcode {:?} also appears on line {first}", cut(code)),
                    ));
                    continue;
                }
                if let Some(other) = catalog::find(&self.conn, code)?.filter(|o| o.sku != p.sku) {
                    errors.push(row(
                        line,
                        Some("barcode"),
                        "duplicate",
                        format!("바코드 {}는 이미 상품 {}의 것입니다", cut(code), other.sku),
                        format!("barcode {:?} already belongs to product {}", cut(code), other.sku),
                    ));
                    continue;
                }
            }
            let same = stored.as_ref() == Some(&p);
            valid.push((p, same));
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            return Err(invalid("products", errors));
        }
        progress("checking", total, total);
        let ctx = self.write_ctx()?;
        let device = ctx.device;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ctx.check(&tx, ids, at, None, "product import")?;
        let mut report =
            ImportReport { rows: valid.len(), created: 0, updated: 0, unchanged: 0, encoding: file.encoding.into() };
        for (i, (p, same)) in valid.iter().enumerate() {
            if (i as u64).is_multiple_of(PROGRESS_EVERY) {
                progress("writing", i as u64, total);
            }
            if *same {
                report.unchanged += 1;
                continue;
            }
            // The event's moment is the write's clock: of two counters'
            // writes of one product, the later stands everywhere.
            let (new, clock, written) = catalog::write_here(&tx, p, at, device)?;
            if new {
                report.created += 1;
            } else {
                report.updated += 1;
            }
            outbox::append(&tx, ids, device, crate::time::from_ms(clock), "product.upserted", &written)?;
        }
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
    /// only, and audited as the file appears).
    pub fn export_customers(&mut self, _owner: &Owner, path: &Path, ids: &mut dyn IdSource) -> Result<usize> {
        self.check_export_target(path)?;
        let mut partial = Partial::create(path)?;
        let mut out = csv::Writer::from_writer(&mut partial.file);
        out.write_record(CUSTOMER_COLUMNS.map(|(c, _)| c)).map_err(|e| csv_err(path, e))?;
        let mut n = 0;
        customers::all(&self.conn, |row| {
            // A card another customer holds does not find this one.
            let card = row.card_held().unwrap_or_default().to_owned();
            let c = row.customer;
            let cells = [
                c.name,
                c.phone.formatted(),
                c.birth_date.map(|d| d.to_string()).unwrap_or_default(),
                c.preferred_name.unwrap_or_default(),
                c.tier.as_str().to_string(),
                if c.consent_at.is_none() { String::new() } else { c.marketing_consent.to_string() },
                c.notes,
                card,
                c.tags.join(";"),
            ];
            out.write_record(cells.iter().map(|c| escape(c))).map_err(|e| csv_err(path, e))?;
            n += 1;
            Ok(())
        })?;
        out.flush().map_err(|e| StoreError::Io { path: path.to_path_buf(), source: e })?;
        drop(out);
        self.audit_export(partial, "customers.exported", "customers", n, ids)?;
        Ok(n)
    }

    /// Exports the active products to a CSV file.
    pub fn export_products(&mut self, _owner: &Owner, path: &Path, ids: &mut dyn IdSource) -> Result<usize> {
        self.check_export_target(path)?;
        let products = catalog::all(&self.conn)?;
        let mut partial = Partial::create(path)?;
        let mut out = csv::Writer::from_writer(&mut partial.file);
        out.write_record(PRODUCT_COLUMNS.map(|(c, _)| c)).map_err(|e| csv_err(path, e))?;
        for p in &products {
            let cells = [
                p.sku.clone(),
                p.name.clone(),
                p.category.clone(),
                p.price.to_string(),
                p.barcode.clone().unwrap_or_default(),
            ];
            out.write_record(cells.iter().map(|c| escape(c))).map_err(|e| csv_err(path, e))?;
        }
        out.flush().map_err(|e| StoreError::Io { path: path.to_path_buf(), source: e })?;
        drop(out);
        self.audit_export(partial, "products.exported", "products", products.len(), ids)?;
        Ok(products.len())
    }

    /// Writes rows of text to a CSV export the way every export is written
    /// (never onto the database's files, through a private temporary file,
    /// formula cells escaped, audited as `action` on `what`).
    pub(crate) fn write_csv_export(
        &mut self,
        path: &Path,
        header: &[&str],
        rows: &[Vec<String>],
        action: &'static str,
        what: &'static str,
        ids: &mut dyn IdSource,
    ) -> Result<()> {
        self.check_export_target(path)?;
        let mut partial = Partial::create(path)?;
        let mut out = csv::Writer::from_writer(&mut partial.file);
        out.write_record(header).map_err(|e| csv_err(path, e))?;
        for r in rows {
            out.write_record(r.iter().map(|c| escape(c))).map_err(|e| csv_err(path, e))?;
        }
        out.flush().map_err(|e| StoreError::Io { path: path.to_path_buf(), source: e })?;
        drop(out);
        self.audit_export(partial, action, what, rows.len(), ids)
    }

    /// Puts a finished export in place inside the transaction that audits
    /// it: the entry is written, the file renamed, then the entry committed
    /// (a rename that fails rolls the entry back; a commit that fails takes
    /// the file away again). No file of customers exists without its entry.
    fn audit_export(
        &mut self,
        partial: Partial,
        action: &'static str,
        what: &'static str,
        rows: usize,
        ids: &mut dyn IdSource,
    ) -> Result<()> {
        let ctx = self.audit_ctx();
        let path = partial.target.clone();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        audit::record(
            &tx,
            ids,
            ctx.device,
            ctx.now,
            audit::Entry::owner(action, what)
                .after(serde_json::json!({"rows": rows, "file": path.display().to_string()})),
        )?;
        partial.finish()?;
        if let Err(e) = tx.commit() {
            let _ = std::fs::remove_file(&path);
            return Err(e.into());
        }
        Ok(())
    }

    /// Refuses an export onto the database itself or the files SQLite and
    /// Dangol keep beside it (`-wal`, `-shm`, `-journal`, `.lock`), by name or
    /// through another name for the same file.
    fn check_export_target(&self, target: &Path) -> Result<()> {
        let Some(db) = self.path() else { return Ok(()) };
        let refuse = || {
            StoreError::bad_input(
                "export file",
                format!("{}은(는) 가게 데이터베이스 파일입니다. 다른 파일 이름을 고르세요", target.display()),
                format!("{} is the shop's database or one of its files; choose another file name", target.display()),
            )
        };
        let resolve = |p: &Path| -> Option<std::path::PathBuf> {
            let name = p.file_name()?;
            let parent = match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => std::path::PathBuf::from("."),
            };
            Some(parent.canonicalize().ok()?.join(name))
        };
        let (Some(target_full), Some(db_full)) = (resolve(target), resolve(db)) else { return Ok(()) };
        for suffix in ["", "-wal", "-shm", "-journal", ".lock"] {
            let mut own = db_full.as_os_str().to_os_string();
            own.push(suffix);
            let own = std::path::PathBuf::from(own);
            if target_full == own || same_file(target, &own) {
                return Err(refuse());
            }
        }
        Ok(())
    }
}

/// True when both paths exist and are the same file (a link, another name).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        match (a.canonicalize(), b.canonicalize()) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
    }
}

/// Registers a customer a file brought, and records the event that
/// carries them to the other counters (marked as imported); returns the row.
pub(crate) fn insert_imported(
    tx: &rusqlite::Connection,
    c: &Customer,
    ids: &mut dyn IdSource,
    device: uuid::Uuid,
    at: DateTime<Utc>,
) -> Result<i64> {
    let rid = customers::insert(tx, c, 0, None)?;
    let mut payload = customers::event_payload(c);
    payload["source"] = "import".into();
    outbox::append(tx, ids, device, at, "customer.created", &payload)?;
    Ok(rid)
}

pub(crate) fn invalid(file_kind: &'static str, mut errors: Vec<RowError>) -> StoreError {
    errors.truncate(MAX_REPORTED_ROWS);
    StoreError::InvalidRows { file_kind, errors }
}

fn csv_err(path: &Path, e: csv::Error) -> StoreError {
    let text = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(source) => StoreError::Io { path: path.to_path_buf(), source },
        _ => StoreError::bad_input("csv output", "CSV를 쓸 수 없습니다", format!("cannot write CSV: {text}")),
    }
}

/// A file being written: a private temporary file beside the target (mode
/// 0600, a byte-order mark first), renamed into place by `finish`. Dropped
/// unfinished (an error, a panic), it is removed, so a failed export leaves
/// no partial file of names and phone numbers behind.
struct Partial {
    tmp: std::path::PathBuf,
    target: std::path::PathBuf,
    file: std::fs::File,
    done: bool,
}

impl Partial {
    fn create(target: &Path) -> Result<Partial> {
        let io = |source| StoreError::Io { path: target.to_path_buf(), source };
        let mut name = target.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(format!(".{}.partial", std::process::id()));
        let tmp = target.with_file_name(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&tmp).map_err(io)?;
        let mut partial = Partial { tmp, target: target.to_path_buf(), file, done: false };
        partial.file.write_all(b"\xEF\xBB\xBF").map_err(io)?;
        Ok(partial)
    }

    fn finish(mut self) -> Result<()> {
        let io = |source| StoreError::Io { path: self.target.clone(), source };
        self.file.sync_all().map_err(io)?;
        std::fs::rename(&self.tmp, &self.target).map_err(io)?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_and_english_headers_meet_one_column() {
        for h in ["name", " Name ", "이름", "\u{feff}이름", "성명"] {
            assert_eq!(canonical(h, &CUSTOMER_COLUMNS), Some("name"), "{h:?}");
        }
        for h in ["마케팅 동의", "마케팅동의", "marketing_consent", "Marketing Consent"] {
            assert_eq!(canonical(h, &CUSTOMER_COLUMNS), Some("marketing_consent"), "{h:?}");
        }
        assert_eq!(canonical("생년월일", &CUSTOMER_COLUMNS), Some("birth_date"));
        assert_eq!(canonical("주소", &CUSTOMER_COLUMNS), None);
    }

    #[test]
    fn formula_cells_are_escaped_and_unescaped() {
        for cell in ["=1+1", "+82", "-5", "@SUM(A1)", "\tx"] {
            let out = escape(cell);
            assert!(out.starts_with('\''), "{cell:?}");
            assert_eq!(unescape(&out), cell);
        }
        for cell in ["김영자", "010-1234-5678", "'quoted", ""] {
            assert_eq!(escape(cell), cell);
            assert_eq!(unescape(cell), cell);
        }
    }

    #[test]
    fn an_unclosed_quote_names_the_line_it_opened_on() {
        let e = check_shape("name,phone\n김영자,01011112222\n\"박철수,01033334444\n이순신,01055556666\n").unwrap();
        assert_eq!(e.line, 3);
        assert!(check_shape("name,notes\n김영자,\"two\nlines\"\n").is_none());
        assert!(check_shape("name,notes\n김영자,\"say \"\"hi\"\"\"\n").is_none());
        // An escaped quote inside a field that is never closed: still open.
        let e = check_shape("name,notes\n김영자,\"a \"\"b\n박정호,010\n").expect("unclosed");
        assert_eq!(e.line, 2);
        // A field that is a doubled quote and a line break, closed: fine.
        assert!(check_shape("name,notes\n김영자,\"a\"\"\n\"\n").is_none());
        // A quote in the middle of an unquoted field is literal text.
        assert!(check_shape("name,notes\n김영자,5\" 케이크\n").is_none());
    }
}

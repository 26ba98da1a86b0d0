//! The customers table and its search keys.
//!
//! Invariant: for every customer, `search_grams` holds exactly the grams of
//! `domain::hangul::grams(name)`, written in the same transaction as the
//! customer row. Their score is the customer's current `score`, unless the
//! customer is listed in `search_stale`: a checkout raises the score and
//! lists the customer instead of moving every gram inside the sale's commit.
//! Name lookups rank listed customers by their current score (see
//! `lookup`), so results are the same either way; `settle` moves the grams
//! of listed customers and empties the list, off the cashier's path.

use crate::error::{Result, StoreError};
use crate::time::{from_ms, ms, rank};
use chrono::{DateTime, NaiveDate, Utc};
use dangol_domain::customer::{Customer, Tier};
use dangol_domain::hangul;
use dangol_domain::phone::Phone;
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

/// Columns read by `from_row`, in order.
/// The profile's card code is the customer's claim (`card_claim`); whether
/// they hold it is column 16 (see `settle_card`).
pub(crate) const COLUMNS: &str = "rid, id, name, preferred_name, phone, birth_date, tier, tags, notes, marketing_consent, consent_at, card_claim, created_at, updated_at, visits, last_visit, card_code IS NOT NULL";

/// A customer with the counters kept beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerRow {
    pub rid: i64,
    pub customer: Customer,
    pub visits: i64,
    pub last_visit: Option<DateTime<Utc>>,
    /// Whether the card code the profile names is this customer's: another
    /// customer can claim the same code at another counter offline, and
    /// then only one of them holds it (`settle_card`).
    pub holds_card: bool,
}

impl CustomerRow {
    /// The card code that finds this customer, if any.
    pub fn card_held(&self) -> Option<&str> {
        self.customer.card_code.as_deref().filter(|_| self.holds_card)
    }

    /// The moment no write about this customer may be dated before (see
    /// `WriteCtx::check`), and how the refusal names it.
    pub(crate) fn registered(&self) -> crate::clock::NotBefore {
        crate::clock::NotBefore { at: self.customer.created_at, ko: "고객 등록", en: "the customer registered" }
    }
}

pub(crate) fn from_row(r: &Row) -> rusqlite::Result<CustomerRow> {
    let id: Vec<u8> = r.get(1)?;
    let phone: String = r.get(4)?;
    let birth: Option<String> = r.get(5)?;
    let tier: String = r.get(6)?;
    let tags: String = r.get(7)?;
    let consent_at: Option<i64> = r.get(10)?;
    let last_visit: Option<i64> = r.get(15)?;
    Ok(CustomerRow {
        rid: r.get(0)?,
        customer: Customer {
            id: Uuid::from_slice(&id).unwrap_or_default(),
            name: r.get(2)?,
            preferred_name: r.get(3)?,
            // Stored values were validated on the way in.
            phone: Phone::parse(&phone)
                .map_err(|e| rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e)))?,
            birth_date: birth.and_then(|b| NaiveDate::parse_from_str(&b, "%Y-%m-%d").ok()),
            tier: Tier::parse(&tier).unwrap_or_default(),
            tags: serde_json::from_str(&tags).unwrap_or_default(),
            notes: r.get(8)?,
            marketing_consent: r.get::<_, i64>(9)? == 1,
            consent_at: consent_at.map(from_ms),
            card_code: r.get(11)?,
            created_at: from_ms(r.get(12)?),
            updated_at: from_ms(r.get(13)?),
        },
        visits: r.get(14)?,
        last_visit: last_visit.map(from_ms),
        holds_card: r.get(16)?,
    })
}

/// Inserts a validated customer and its search grams. Duplicated phone or
/// card codes are reported as such.
pub fn insert(conn: &Connection, c: &Customer, visits: i64, last_visit: Option<DateTime<Utc>>) -> Result<i64> {
    if let Some(existing) = find_by_phone(conn, c.phone.digits())? {
        return Err(StoreError::Duplicate {
            what: "phone number",
            key: c.phone.masked(),
            customer: Some(existing.customer.id),
        });
    }
    if let Some(card) = &c.card_code
        && let Some(holder) = find_by_card(conn, card)?
    {
        return Err(StoreError::Duplicate { what: "card code", key: card.clone(), customer: Some(holder.customer.id) });
    }
    let rid = insert_row(conn, c, visits, last_visit)?;
    insert_grams(conn, rid, &c.name, initial_score(c, visits, last_visit))?;
    Ok(rid)
}

/// Writes a customer's edited profile (`after`, same id) made here: a card
/// code given that another customer holds is reported as such (one the
/// profile already claimed stays its claim).
pub fn update(conn: &Connection, rid: i64, before: &Customer, after: &Customer) -> Result<()> {
    if let Some(card) = after.card_code.as_ref().filter(|c| before.card_code.as_ref() != Some(*c))
        && let Some(holder) = find_by_card(conn, card)?
        && holder.rid != rid
    {
        return Err(StoreError::Duplicate { what: "card code", key: card.clone(), customer: Some(holder.customer.id) });
    }
    write_profile(conn, rid, before, after)
}

/// Writes a customer's profile (`after`, same id): the row, the search
/// grams when the name changed (at the customer's current score), and the
/// card code as a claim, its holder worked out again (`settle_card`).
/// Another counter's edit, a merge or its undo writes through here: what
/// was written where decides who holds a card, not the order it arrived.
pub(crate) fn write_profile(conn: &Connection, rid: i64, before: &Customer, after: &Customer) -> Result<()> {
    conn.prepare_cached(
        "UPDATE customers SET name = ?2, name_norm = ?3, preferred_name = ?4, birth_date = ?5, tier = ?6, tags = ?7, notes = ?8, marketing_consent = ?9, consent_at = ?10, card_claim = ?11, updated_at = ?12 WHERE rid = ?1",
    )?
    .execute(params![
        rid,
        after.name,
        hangul::normalize(&after.name),
        after.preferred_name,
        after.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
        after.tier.as_str(),
        serde_json::to_string(&after.tags).expect("tags are strings"),
        after.notes,
        after.marketing_consent as i64,
        after.consent_at.map(ms),
        after.card_code,
        ms(after.updated_at),
    ])?;
    if after.name != before.name {
        conn.prepare_cached("DELETE FROM search_grams WHERE customer = ?1")?.execute([rid])?;
        let score: i64 =
            conn.prepare_cached("SELECT score FROM customers WHERE rid = ?1")?.query_row([rid], |r| r.get(0))?;
        insert_grams(conn, rid, &after.name, score)?;
    }
    // The card field's stamp may have moved even where its value did not.
    let codes: std::collections::BTreeSet<&String> =
        [&before.card_code, &after.card_code].into_iter().flatten().collect();
    for code in codes {
        settle_card(conn, code)?;
    }
    settle_updated(conn, rid)
}

/// A profile was last changed at the latest of its registration and its
/// fields' stamps: the same at every counter, whatever order the edits and
/// merges came in (the moment each write was applied would not be).
pub(crate) fn settle_updated(conn: &Connection, rid: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE customers SET updated_at = max(created_at, coalesce((SELECT max(wall) FROM profile_registers WHERE customer = ?1), 0))
         WHERE rid = ?1",
    )?
    .execute([rid])?;
    Ok(())
}

/// Gives `code` to the customer claiming it whose card field was written
/// latest (its register's stamp, then counter, then the customer's id:
/// a registration's own values are stamped zero, so between two of those
/// the later registration). The same at every counter once the same
/// writes are in, whatever order they came in.
pub(crate) fn settle_card(conn: &Connection, code: &str) -> Result<Option<i64>> {
    let holder: Option<i64> = conn
        .prepare_cached(
            "SELECT c.rid FROM customers c
             LEFT JOIN profile_registers r ON r.customer = c.rid AND r.field = 'card_code'
             WHERE c.card_claim = ?1
             ORDER BY coalesce(r.wall, 0) DESC, coalesce(r.logical, 0) DESC, coalesce(r.device, x'') DESC, c.id DESC
             LIMIT 1",
        )?
        .query_row([code], |r| r.get(0))
        .optional()?;
    conn.prepare_cached("UPDATE customers SET card_code = NULL WHERE card_code = ?1 AND rid IS NOT ?2")?
        .execute(params![code, holder])?;
    if let Some(rid) = holder {
        conn.prepare_cached("UPDATE customers SET card_code = ?1 WHERE rid = ?2 AND card_code IS NOT ?1")?
            .execute(params![code, rid])?;
    }
    Ok(holder)
}

/// How many customers claim `code` (more than one: given to two customers
/// at two counters offline).
pub(crate) fn card_claims(conn: &Connection, code: &str) -> Result<i64> {
    Ok(conn.prepare_cached("SELECT count(*) FROM customers WHERE card_claim = ?1")?.query_row([code], |r| r.get(0))?)
}

/// Inserts a customer another counter registered (or an undone merge gives
/// back): the phone is free (the caller checked), and a card code another
/// customer claims is settled between them (`settle_card`).
pub(crate) fn insert_claiming(conn: &Connection, c: &Customer) -> Result<i64> {
    let unclaimed = Customer { card_code: None, ..c.clone() };
    let rid = insert_row(conn, &unclaimed, 0, None)?;
    insert_grams(conn, rid, &c.name, initial_score(c, 0, None))?;
    if let Some(code) = &c.card_code {
        conn.prepare_cached("UPDATE customers SET card_claim = ?2 WHERE rid = ?1")?.execute(params![rid, code])?;
        settle_card(conn, code)?;
    }
    Ok(rid)
}

/// Inserts the customer row only, holding its card code; unique
/// constraints still apply.
pub(crate) fn insert_row(
    conn: &Connection,
    c: &Customer,
    visits: i64,
    last_visit: Option<DateTime<Utc>>,
) -> Result<i64> {
    let score = initial_score(c, visits, last_visit);
    conn.prepare_cached(
        "INSERT INTO customers (id, name, name_norm, preferred_name, phone, phone_last4, birth_date, tier, tags, notes, marketing_consent, consent_at, card_code, card_claim, created_at, updated_at, visits, last_visit, score)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?
    .execute(params![
        c.id.as_bytes(),
        c.name,
        hangul::normalize(&c.name),
        c.preferred_name,
        c.phone.digits(),
        c.phone.last4(),
        c.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
        c.tier.as_str(),
        serde_json::to_string(&c.tags).expect("tags are strings"),
        c.notes,
        c.marketing_consent as i64,
        c.consent_at.map(ms),
        c.card_code,
        ms(c.created_at),
        ms(c.updated_at),
        visits,
        last_visit.map(ms),
        score,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// The score a new customer row gets.
pub(crate) fn initial_score(c: &Customer, visits: i64, last_visit: Option<DateTime<Utc>>) -> i64 {
    rank(ms(last_visit.unwrap_or(c.created_at)), visits)
}

pub(crate) fn insert_grams(conn: &Connection, rid: i64, name: &str, score: i64) -> Result<()> {
    let mut stmt =
        conn.prepare_cached("INSERT OR IGNORE INTO search_grams (gram, pos, score, customer) VALUES (?1, ?2, ?3, ?4)")?;
    for (gram, is_prefix) in hangul::grams(name) {
        stmt.execute(params![gram, if is_prefix { 0 } else { 1 }, score, rid])?;
    }
    Ok(())
}

/// Counts one more visit (a sale at `at`): the visit counter, the last
/// visit and the lookup rank move in the same transaction as the sale; the
/// name's search grams keep their score and the customer is listed as
/// stale until `settle`. A refund recomputes them from the sales instead
/// (`refresh_visits`).
pub fn count_visit(conn: &Connection, rid: i64, at: DateTime<Utc>) -> Result<()> {
    let (visits, last, old_score): (i64, Option<i64>, i64) = conn
        .prepare_cached("SELECT visits, last_visit, score FROM customers WHERE rid = ?1")?
        .query_row([rid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let visits = visits + 1;
    let last = last.map_or(ms(at), |l| l.max(ms(at)));
    let score = rank(last, visits);
    conn.prepare_cached("UPDATE customers SET visits = ?2, last_visit = ?3, score = ?4 WHERE rid = ?1")?
        .execute(params![rid, visits, last, score])?;
    if score != old_score {
        conn.prepare_cached("INSERT OR IGNORE INTO search_stale (customer) VALUES (?1)")?.execute([rid])?;
    }
    crate::rhythm::refresh(conn, rid)
}

/// Recomputes a customer's visit counter, last visit and rank from the
/// sales that stand (after a refund), and moves the search grams with them.
pub fn refresh_visits(conn: &Connection, rid: i64) -> Result<()> {
    let (visits, last): (i64, Option<i64>) = conn.query_row(
        "SELECT count(*), max(s.at) FROM sales s WHERE s.customer = ?1 AND s.reverses IS NULL AND NOT EXISTS (SELECT 1 FROM sales r WHERE r.reverses = s.rid)",
        [rid],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let created: i64 = conn.query_row("SELECT created_at FROM customers WHERE rid = ?1", [rid], |r| r.get(0))?;
    let score = rank(last.unwrap_or(created), visits);
    conn.prepare_cached("UPDATE customers SET visits = ?2, last_visit = ?3, score = ?4 WHERE rid = ?1")?
        .execute(params![rid, visits, last, score])?;
    conn.prepare_cached("UPDATE search_grams SET score = ?2 WHERE customer = ?1")?.execute(params![rid, score])?;
    conn.prepare_cached("DELETE FROM search_stale WHERE customer = ?1")?.execute([rid])?;
    crate::rhythm::refresh(conn, rid)
}

/// Moves the grams of every customer listed as stale to the customer's
/// current score and empties the list; returns how many customers moved.
/// Lookups give the same results before and after; this only keeps the
/// list short.
pub fn settle(conn: &Connection) -> Result<usize> {
    conn.execute(
        "UPDATE search_grams SET score = (SELECT c.score FROM customers c WHERE c.rid = search_grams.customer)
         WHERE customer IN (SELECT customer FROM search_stale)",
        [],
    )?;
    Ok(conn.execute("DELETE FROM search_stale", [])?)
}

/// How many customers are listed as stale.
pub fn stale_count(conn: &Connection) -> Result<i64> {
    Ok(conn.prepare_cached("SELECT count(*) FROM search_stale")?.query_row([], |r| r.get(0))?)
}

/// A customer by id, or by the id of a registration merged into them
/// (sync: the same phone registered at two counters).
pub fn get(conn: &Connection, id: Uuid) -> Result<CustomerRow> {
    let found = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM customers WHERE id = ?1"))?
        .query_row([id.as_bytes()], from_row)
        .optional()?;
    match found {
        Some(row) => Ok(row),
        None => match crate::apply::resolve_customer(conn, id)? {
            Some(rid) => get_rid(conn, rid),
            None => Err(StoreError::not_found("customer", id)),
        },
    }
}

/// What a `customer.created` event carries: the whole registration, so
/// another counter can apply it.
pub(crate) fn event_payload(c: &Customer) -> serde_json::Value {
    serde_json::json!({
        "id": c.id, "name": c.name, "preferred_name": c.preferred_name, "phone": c.phone.digits(),
        "birth_date": c.birth_date, "tier": c.tier, "tags": c.tags, "notes": c.notes,
        "marketing_consent": c.marketing_consent, "consent_at": c.consent_at, "card_code": c.card_code,
        "created_at": c.created_at,
    })
}

pub fn get_rid(conn: &Connection, rid: i64) -> Result<CustomerRow> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM customers WHERE rid = ?1"))?
        .query_row([rid], from_row)
        .optional()?
        .ok_or_else(|| StoreError::not_found("customer", rid))
}

pub fn find_by_phone(conn: &Connection, digits: &str) -> Result<Option<CustomerRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM customers WHERE phone = ?1"))?
        .query_row([digits], from_row)
        .optional()?)
}

pub fn find_by_card(conn: &Connection, code: &str) -> Result<Option<CustomerRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM customers WHERE card_code = ?1"))?
        .query_row([code], from_row)
        .optional()?)
}

/// Parses a customer id typed by a person, with a clear error.
pub fn parse_id(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s.trim()).map_err(|_| StoreError::BadInput {
        what: "customer id",
        reason: crate::error::say(
            format!("{s:?}은(는) 0193c8a2-7b1e-7c3d-9f00-123456789abc 같은 고객 번호(UUID)가 아닙니다"),
            format!("{s:?} is not a UUID such as 0193c8a2-7b1e-7c3d-9f00-123456789abc"),
        ),
    })
}

/// Every customer, in insertion order (for export).
pub fn all(conn: &Connection, mut each: impl FnMut(CustomerRow) -> Result<()>) -> Result<()> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM customers ORDER BY rid"))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        each(from_row(r)?)?;
    }
    Ok(())
}

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.prepare_cached("SELECT count(*) FROM customers")?.query_row([], |r| r.get(0))?)
}

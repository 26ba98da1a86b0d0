//! Identifying a customer from whatever the cashier typed or scanned:
//! the last 4 digits of a phone, a full phone number, a loyalty card or QR
//! code, a name prefix or substring in Hangul or Latin letters, or Hangul
//! initials (초성: "ㄱㅁㅅ" finds 김민수).
//!
//! Ranking: exact matches first (card, full phone, exact name), then name
//! prefixes, then substrings; within each, the customer's score (recent and
//! frequent first). Every path is one or two index range reads that stop at
//! the result limit, so latency does not grow with the number of customers.
//! Only the columns a result row shows are read.

use crate::customers::CustomerRow;
use crate::error::{Result, StoreError};
use crate::time::from_ms;
use chrono::{DateTime, Utc};
use dangol_domain::hangul::{self, MAX_GRAM, NameMatch};
use dangol_domain::phone::Phone;
use rusqlite::{Connection, Row, params};
use serde::Serialize;
use uuid::Uuid;

/// How a hit matched the query.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    Card,
    Phone,
    Last4,
    NameExact,
    NamePrefix,
    NameSubstring,
}

/// What a result row shows about a customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub rid: i64,
    pub id: Uuid,
    pub name: String,
    pub preferred_name: Option<String>,
    /// Normalised digits, e.g. `01012345678`.
    pub phone: String,
    pub tier: String,
    pub visits: i64,
    pub last_visit: Option<DateTime<Utc>>,
}

impl From<&CustomerRow> for Found {
    fn from(r: &CustomerRow) -> Self {
        let c = &r.customer;
        Found {
            rid: r.rid,
            id: c.id,
            name: c.name.clone(),
            preferred_name: c.preferred_name.clone(),
            phone: c.phone.digits().to_string(),
            tier: c.tier.as_str().to_string(),
            visits: r.visits,
            last_visit: r.last_visit,
        }
    }
}

/// The columns `found` reads, in order.
pub const FOUND_COLUMNS: &str = "rid, id, name, preferred_name, phone, tier, visits, last_visit";

fn found(r: &Row) -> rusqlite::Result<Found> {
    let id: [u8; 16] = r.get(1)?;
    let last: Option<i64> = r.get(7)?;
    Ok(Found {
        rid: r.get(0)?,
        id: Uuid::from_bytes(id),
        name: r.get(2)?,
        preferred_name: r.get(3)?,
        phone: r.get(4)?,
        tier: r.get(5)?,
        visits: r.get(6)?,
        last_visit: last.map(from_ms),
    })
}

/// One lookup result.
#[derive(Debug, Clone)]
pub struct Hit {
    pub found: Found,
    pub matched: MatchKind,
}

/// Longest query accepted.
pub const MAX_QUERY_CHARS: usize = 100;
/// Most index entries inspected for one long name query before giving up.
const SCAN_CAP: usize = 2_000;

/// Finds customers for a query, best first, at most `limit`.
pub fn lookup(conn: &Connection, query: &str, limit: usize) -> Result<Vec<Hit>> {
    let q = query.trim();
    if q.is_empty() {
        return Err(StoreError::BadInput {
            what: "search",
            reason: "type 4 digits, a phone number, a name or scan a card".into(),
        });
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(StoreError::BadInput {
            what: "search",
            reason: format!("queries are at most {MAX_QUERY_CHARS} characters"),
        });
    }
    let limit = limit.clamp(1, 200);
    let digits: String = q.chars().filter(|c| c.is_ascii_digit()).collect();
    let phone_like = !digits.is_empty() && q.chars().all(|c| c.is_ascii_digit() || " -+().".contains(c));
    if phone_like && digits.len() == 4 {
        return query_hits(conn, "phone_last4 = ?1 ORDER BY score DESC LIMIT ?2", &digits, limit, MatchKind::Last4);
    }
    // A card or QR code (scanned, so ASCII without spaces) is an exact key.
    if q.len() >= 5 && q.is_ascii() && !q.contains(' ') {
        let card = query_hits(conn, "card_code = ?1 LIMIT ?2", q, 1, MatchKind::Card)?;
        if !card.is_empty() {
            return Ok(card);
        }
    }
    if phone_like {
        return match Phone::parse(q) {
            Ok(phone) => query_hits(conn, "phone = ?1 LIMIT ?2", phone.digits(), 1, MatchKind::Phone),
            Err(e) if digits.len() >= 10 => Err(e.into()),
            Err(_) => Err(StoreError::BadInput {
                what: "search",
                reason: format!("{q:?}: type the last 4 digits or the full phone number"),
            }),
        };
    }
    let norm = hangul::normalize(q);
    if norm.is_empty() {
        return Err(StoreError::BadInput {
            what: "search",
            reason: format!("{q:?} has no letters or digits to search for"),
        });
    }
    let mut hits = if norm.chars().all(hangul::is_choseong) {
        Vec::new()
    } else {
        query_hits(conn, "name_norm = ?1 ORDER BY score DESC LIMIT ?2", &norm, limit, MatchKind::NameExact)?
    };
    let gram = hangul::query_gram(&norm);
    let needs_check = norm.chars().count() > MAX_GRAM;
    let columns = FOUND_COLUMNS.split(", ").map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", ");
    for pos in [0i64, 1] {
        if hits.len() >= limit {
            break;
        }
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {columns} FROM search_grams g JOIN customers c ON c.rid = g.customer WHERE g.gram = ?1 AND g.pos = ?2 ORDER BY g.score DESC LIMIT ?3"
        ))?;
        let fetch = if needs_check { SCAN_CAP } else { limit + hits.len() };
        let mut rows = stmt.query(params![gram, pos, fetch as i64])?;
        while let Some(r) = rows.next()? {
            let f = found(r)?;
            if hits.iter().any(|h| h.found.rid == f.rid) {
                continue;
            }
            let matched = match hangul::match_name(&f.name, &norm) {
                Some(NameMatch::Exact) => MatchKind::NameExact,
                Some(NameMatch::Prefix) => MatchKind::NamePrefix,
                Some(NameMatch::Substring) => MatchKind::NameSubstring,
                None => continue,
            };
            hits.push(Hit { found: f, matched });
            if hits.len() >= limit {
                break;
            }
        }
    }
    hits.sort_by_key(|h| h.matched);
    Ok(hits)
}

fn query_hits(conn: &Connection, filter: &str, key: &str, limit: usize, matched: MatchKind) -> Result<Vec<Hit>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {FOUND_COLUMNS} FROM customers WHERE {filter}"))?;
    let rows = stmt.query_map(params![key, limit as i64], found)?;
    let mut hits = Vec::with_capacity(limit);
    for f in rows {
        hits.push(Hit { found: f?, matched });
    }
    Ok(hits)
}

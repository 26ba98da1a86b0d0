//! Identifying a customer from whatever the cashier typed or scanned:
//! the last 4 digits of a phone, a full phone number, a loyalty card or QR
//! code, a name prefix or substring in Hangul or Latin letters, or Hangul
//! initials (초성: "ㄱㅁㅅ" finds 김민수).
//!
//! Ranking: exact matches first (card, full phone, exact name), then name
//! prefixes, then substrings; within each, the customer's score (recent and
//! frequent first). Every path is one or two index range scans, so latency
//! does not grow with the number of customers.

use crate::customers::{COLUMNS, CustomerRow, from_row};
use crate::error::{Result, StoreError};
use dangol_domain::hangul::{self, MAX_GRAM, NameMatch};
use dangol_domain::phone::Phone;
use rusqlite::{Connection, params};
use serde::Serialize;

/// How a hit matched the query.
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

/// One lookup result.
#[derive(Debug, Clone)]
pub struct Hit {
    pub row: CustomerRow,
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
    let mut hits: Vec<Hit> = Vec::new();
    // A card or QR code is an exact key: if it matches, that is the customer.
    if let Some(row) = crate::customers::find_by_card(conn, q)? {
        return Ok(vec![Hit { row, matched: MatchKind::Card }]);
    }
    let digits: String = q.chars().filter(|c| c.is_ascii_digit()).collect();
    let phone_like = !digits.is_empty() && q.chars().all(|c| c.is_ascii_digit() || " -+().".contains(c));
    if phone_like {
        if digits.len() == 4 {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM customers WHERE phone_last4 = ?1 ORDER BY score DESC LIMIT ?2"
            ))?;
            for row in stmt.query_map(params![digits, limit as i64], from_row)? {
                hits.push(Hit { row: row?, matched: MatchKind::Last4 });
            }
            return Ok(hits);
        }
        return match Phone::parse(q) {
            Ok(phone) => Ok(crate::customers::find_by_phone(conn, phone.digits())?
                .map(|row| Hit { row, matched: MatchKind::Phone })
                .into_iter()
                .collect()),
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
    let initials = norm.chars().all(hangul::is_choseong);
    if !initials {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM customers WHERE name_norm = ?1 ORDER BY score DESC LIMIT ?2"
        ))?;
        for row in stmt.query_map(params![norm, limit as i64], from_row)? {
            hits.push(Hit { row: row?, matched: MatchKind::NameExact });
        }
    }
    let gram = hangul::query_gram(&norm);
    let needs_check = norm.chars().count() > MAX_GRAM;
    for pos in [0i64, 1] {
        if hits.len() >= limit {
            break;
        }
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {} FROM search_grams g JOIN customers c ON c.rid = g.customer WHERE g.gram = ?1 AND g.pos = ?2 ORDER BY g.score DESC LIMIT ?3",
            COLUMNS.split(", ").map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", ")
        ))?;
        let fetch = if needs_check { SCAN_CAP } else { limit + hits.len() };
        let mut rows = stmt.query(params![gram, pos, fetch as i64])?;
        while let Some(r) = rows.next()? {
            let row = from_row(r)?;
            if hits.iter().any(|h| h.row.rid == row.rid) {
                continue;
            }
            let m = match hangul::match_name(&row.customer.name, &norm) {
                Some(NameMatch::Exact) => MatchKind::NameExact,
                Some(NameMatch::Prefix) => MatchKind::NamePrefix,
                Some(NameMatch::Substring) => MatchKind::NameSubstring,
                None => continue,
            };
            hits.push(Hit { row, matched: m });
            if hits.len() >= limit {
                break;
            }
        }
    }
    hits.sort_by_key(|h| h.matched);
    Ok(hits)
}

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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// How a name matches a normalised query, as a hit's kind.
fn name_match(name: &str, norm: &str) -> Option<MatchKind> {
    Some(match hangul::match_name(name, norm)? {
        NameMatch::Exact => MatchKind::NameExact,
        NameMatch::Prefix => MatchKind::NamePrefix,
        NameMatch::Substring => MatchKind::NameSubstring,
    })
}

/// `FOUND_COLUMNS` of the customers table joined as `c`.
fn customer_columns() -> String {
    FOUND_COLUMNS.split(", ").map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", ")
}

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

/// The best hits, and whether more match than were asked for.
#[derive(Debug, Clone, Default)]
pub struct Hits {
    pub hits: Vec<Hit>,
    pub more: bool,
    /// How many match, when that was counted (last 4 digits, up to
    /// `COUNT_CAP`).
    pub total: Option<i64>,
}

/// Matches counted at most, so a count never costs more than a lookup.
pub const COUNT_CAP: i64 = 1_000;
/// Most customers inspected when narrowing shared last digits by more
/// digits or a name.
const NARROW_CAP: usize = 50_000;

/// Longest query accepted.
pub const MAX_QUERY_CHARS: usize = 100;
/// Most index entries inspected for one long name query before giving up.
const SCAN_CAP: usize = 2_000;

/// Finds customers for a query, best first, at most `limit`, and says
/// whether more match.
pub fn lookup(conn: &Connection, query: &str, limit: usize) -> Result<Hits> {
    let limit = limit.clamp(1, 200);
    let mut hits = find(conn, query, limit + 1)?;
    let more = hits.len() > limit;
    hits.truncate(limit);
    let digits: String = query.chars().filter(|c| c.is_ascii_digit()).collect();
    let total = if more && digits.len() == 4 && query.trim().chars().all(|c| c.is_ascii_digit()) {
        Some(
            conn.prepare_cached("SELECT count(*) FROM (SELECT 1 FROM customers WHERE phone_last4 = ?1 LIMIT ?2)")?
                .query_row(params![digits, COUNT_CAP], |r| r.get(0))?,
        )
    } else {
        None
    };
    Ok(Hits { hits, more, total })
}

/// Up to `limit` hits, best first.
fn find(conn: &Connection, query: &str, limit: usize) -> Result<Vec<Hit>> {
    let q = query.trim();
    if q.is_empty() {
        return Err(StoreError::BadInput {
            what: "search",
            reason: crate::error::say(
                "전화번호 뒤 4자리, 전화번호, 이름을 입력하거나 카드를 찍어 주세요",
                "type 4 digits, a phone number, a name or scan a card",
            ),
        });
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(StoreError::BadInput {
            what: "search",
            reason: crate::error::say(
                format!("검색어는 최대 {MAX_QUERY_CHARS}자입니다"),
                format!("queries are at most {MAX_QUERY_CHARS} characters"),
            ),
        });
    }
    let digits: String = q.chars().filter(|c| c.is_ascii_digit()).collect();
    let phone_like = !digits.is_empty() && q.chars().all(|c| c.is_ascii_digit() || " -+().".contains(c));
    if phone_like && digits.len() == 4 {
        return query_hits(conn, "phone_last4 = ?1 ORDER BY score DESC LIMIT ?2", &digits, limit, MatchKind::Last4);
    }
    // The end of a number ("31004"); one that starts like a full number
    // ("010-12") is a number not yet finished.
    if phone_like && (5..=8).contains(&digits.len()) && !digits.starts_with("01") {
        return narrow(conn, &digits, "", limit);
    }
    if let Some((tail, name)) = digits_and_name(q) {
        return narrow(conn, &tail, &name, limit);
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
                reason: crate::error::say(
                    format!("{q:?}: 전화번호 뒤 4자리나 전체 번호를 입력하세요"),
                    format!("{q:?}: type the last 4 digits or the full phone number"),
                ),
            }),
        };
    }
    let norm = hangul::normalize(q);
    if norm.is_empty() {
        return Err(StoreError::BadInput {
            what: "search",
            reason: crate::error::say(
                format!("{q:?}에는 찾을 글자나 숫자가 없습니다"),
                format!("{q:?} has no letters or digits to search for"),
            ),
        });
    }
    let mut hits = if norm.chars().all(hangul::is_choseong) {
        Vec::new()
    } else {
        query_hits(conn, "name_norm = ?1 ORDER BY score DESC LIMIT ?2", &norm, limit, MatchKind::NameExact)?
    };
    let gram = hangul::query_gram(&norm);
    let needs_check = norm.chars().count() > MAX_GRAM;
    let stale = stale_candidates(conn, &gram)?;
    let columns = customer_columns();
    for pos in [0i64, 1] {
        if hits.len() >= limit {
            break;
        }
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {columns}, g.score FROM search_grams g JOIN customers c ON c.rid = g.customer WHERE g.gram = ?1 AND g.pos = ?2 ORDER BY g.score DESC, g.customer DESC LIMIT ?3"
        ))?;
        let fetch = if needs_check { SCAN_CAP } else { limit + hits.len() };
        // Stale customers' grams carry an old score: they are skipped here
        // and ranked by their current score instead.
        let rows = stmt.query_map(params![gram, pos, (fetch + stale.len()) as i64], |r| Ok((r.get(8)?, found(r)?)))?;
        let mut ranked: Vec<(i64, Found)> = Vec::new();
        for row in rows {
            let (score, f): (i64, Found) = row?;
            if !stale.iter().any(|(_, _, s)| s.rid == f.rid) {
                ranked.push((score, f));
            }
        }
        let scanned = ranked.len();
        ranked.extend(stale.iter().filter(|(p, _, _)| *p == pos).map(|(_, score, f)| (*score, f.clone())));
        if ranked.len() > scanned {
            ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.rid.cmp(&a.1.rid)));
        }
        ranked.truncate(fetch);
        for (_, f) in ranked {
            if hits.iter().any(|h| h.found.rid == f.rid) {
                continue;
            }
            let Some(matched) = name_match(&f.name, &norm) else { continue };
            hits.push(Hit { found: f, matched });
            if hits.len() >= limit {
                break;
            }
        }
    }
    hits.sort_by_key(|h| h.matched);
    Ok(hits)
}

/// The customers whose grams are stale (see `customers`) and hold `gram`:
/// the position of the stored gram, their current score, the row. The
/// stored grams are read (not recomputed), so a stale customer is found by
/// exactly the rows a settled search would rank. (CROSS JOIN keeps the
/// short list as the outer loop.)
fn stale_candidates(conn: &Connection, gram: &str) -> Result<Vec<(i64, i64, Found)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {}, c.score, g.pos FROM search_stale s CROSS JOIN search_grams g CROSS JOIN customers c
         WHERE g.customer = s.customer AND g.gram = ?1 AND c.rid = s.customer",
        customer_columns()
    ))?;
    let rows = stmt.query_map([gram], |r| Ok((r.get::<_, i64>(9)?, r.get::<_, i64>(8)?, found(r)?)))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// "1004 김영" or "김영 1004": the last 4-8 digits of the phone and the
/// start of a name (or its 초성).
fn digits_and_name(q: &str) -> Option<(String, String)> {
    let words: Vec<&str> = q.split_whitespace().collect();
    let (nums, names): (Vec<&str>, Vec<&str>) =
        words.iter().partition(|w| w.chars().all(|c| c.is_ascii_digit() || c == '-'));
    let digits: String = nums.concat().chars().filter(|c| c.is_ascii_digit()).collect();
    (nums.len() == 1 && !names.is_empty() && (4..=8).contains(&digits.len())).then(|| (digits, names.join(" ")))
}

/// Customers sharing the last 4 digits, narrowed by more of the number's
/// end and/or the start of the name: the shared-digits range is read in
/// score order and filtered, at most `NARROW_CAP` rows.
fn narrow(conn: &Connection, tail: &str, name: &str, limit: usize) -> Result<Vec<Hit>> {
    let last4 = &tail[tail.len() - 4..];
    let norm = hangul::normalize(name);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {FOUND_COLUMNS} FROM customers WHERE phone_last4 = ?1 ORDER BY score DESC LIMIT ?2"
    ))?;
    let mut rows = stmt.query(params![last4, NARROW_CAP as i64])?;
    let mut hits = Vec::new();
    while let Some(r) = rows.next()? {
        let f = found(r)?;
        if !f.phone.ends_with(tail) {
            continue;
        }
        let matched = if norm.is_empty() {
            MatchKind::Last4
        } else {
            let Some(kind) = name_match(&f.name, &norm) else { continue };
            kind
        };
        hits.push(Hit { found: f, matched });
        if hits.len() >= limit {
            break;
        }
    }
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

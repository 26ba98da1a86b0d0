//! The prompt log: each suggestion shown, accepted or dismissed, per
//! customer, and the memory the suggestion engine reads back from it.

use crate::error::Result;
use crate::time::{from_ms, ms};
use chrono::NaiveDate;
use chrono::{DateTime, Duration, Utc};
use dangol_domain::suggest::PromptMemory;
use dangol_domain::time::ShopZone;
use rusqlite::{Connection, params};
use std::collections::BTreeSet;

/// What happened to a prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptAction {
    Shown,
    Accepted,
    Dismissed,
}

impl PromptAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PromptAction::Shown => "shown",
            PromptAction::Accepted => "accepted",
            PromptAction::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Option<PromptAction> {
        [PromptAction::Shown, PromptAction::Accepted, PromptAction::Dismissed].into_iter().find(|a| a.as_str() == s)
    }
}

pub fn record(
    conn: &Connection,
    customer_rid: i64,
    at: DateTime<Utc>,
    key: &str,
    kind: &str,
    action: PromptAction,
    reason: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO prompt_log (customer, at, key, kind, action, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![customer_rid, ms(at), key, kind, action.as_str(), reason])?;
    Ok(())
}

/// True if the key was already recorded as shown for this customer since `since`.
pub fn shown_since(conn: &Connection, customer_rid: i64, key: &str, since: DateTime<Utc>) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM prompt_log WHERE customer = ?1 AND key = ?2 AND at >= ?3 AND action = 'shown')")?
        .query_row(params![customer_rid, key, ms(since)], |r| r.get(0))?)
}

/// Memory per key over the last 180 days: completed visits since the last
/// dismissal, and on how many shop-local days it was shown without being
/// accepted.
pub fn memory(
    conn: &Connection,
    customer_rid: i64,
    visit_times: &[DateTime<Utc>],
    at: DateTime<Utc>,
    zone: ShopZone,
) -> Result<Vec<PromptMemory>> {
    let mut stmt = conn
        .prepare_cached("SELECT key, action, at FROM prompt_log WHERE customer = ?1 AND at >= ?2 ORDER BY key, at")?;
    let rows = stmt.query_map(params![customer_rid, ms(at - Duration::days(180))], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
    })?;
    // (key, last dismissal, days shown, times accepted)
    let mut acc: Vec<(String, Option<i64>, BTreeSet<NaiveDate>, i64)> = Vec::new();
    for row in rows {
        let (key, action, t) = row?;
        if acc.last().is_none_or(|a| a.0 != key) {
            acc.push((key, None, BTreeSet::new(), 0));
        }
        let entry = acc.last_mut().expect("pushed above");
        match action.as_str() {
            "dismissed" => entry.1 = Some(t),
            "shown" => {
                entry.2.insert(zone.date(from_ms(t)));
            }
            _ => entry.3 += 1,
        }
    }
    Ok(acc
        .into_iter()
        .map(|(key, dismissed, shown, accepted)| PromptMemory {
            key,
            visits_since_dismissed: dismissed.map(|d| visit_times.iter().filter(|t| ms(**t) > d).count() as u32),
            ignored: (shown.len() as i64 - accepted).max(0) as u32,
        })
        .collect())
}

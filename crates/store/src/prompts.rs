//! The prompt log: each suggestion shown, accepted or dismissed, per
//! customer, and the memory the suggestion engine reads back from it.

use crate::error::Result;
use crate::time::ms;
use chrono::{DateTime, Duration, Utc};
use dangol_domain::suggest::PromptMemory;
use rusqlite::{Connection, params};

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
    conn.prepare_cached("INSERT INTO prompt_log (customer, at, key, kind, action, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(params![customer_rid, ms(at), key, kind, action.as_str(), reason])?;
    Ok(())
}

/// True if the key was already recorded as shown for this customer since `since`.
pub fn shown_since(
    conn: &Connection,
    customer_rid: i64,
    key: &str,
    since: DateTime<Utc>,
) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM prompt_log WHERE customer = ?1 AND key = ?2 AND at >= ?3 AND action = 'shown')")?
        .query_row(params![customer_rid, key, ms(since)], |r| r.get(0))?)
}

/// Memory per key over the last 180 days: completed visits since the last
/// dismissal, and how many days it was shown without being accepted.
pub fn memory(
    conn: &Connection,
    customer_rid: i64,
    visit_times: &[DateTime<Utc>],
    at: DateTime<Utc>,
) -> Result<Vec<PromptMemory>> {
    let mut stmt = conn.prepare_cached(
        "SELECT key,
                max(CASE WHEN action = 'dismissed' THEN at END),
                count(DISTINCT CASE WHEN action = 'shown' THEN at / 86400000 END),
                count(CASE WHEN action = 'accepted' THEN 1 END)
         FROM prompt_log WHERE customer = ?1 AND at >= ?2 GROUP BY key",
    )?;
    let rows = stmt.query_map(params![customer_rid, ms(at - Duration::days(180))], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<i64>>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (key, dismissed, shown_days, accepted) = row?;
        let visits_since_dismissed =
            dismissed.map(|d| visit_times.iter().filter(|t| ms(**t) > d).count() as u32);
        out.push(PromptMemory {
            key,
            visits_since_dismissed,
            ignored: (shown_days - accepted).max(0) as u32,
        });
    }
    Ok(out)
}

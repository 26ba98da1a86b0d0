//! Discount rules stored as JSON documents, validated on the way in and out.

use crate::error::{Result, StoreError};
use crate::time::ms;
use chrono::{DateTime, Utc};
use dangol_domain::rules::DiscountRule;
use rusqlite::{Connection, params};

pub fn upsert(conn: &Connection, rule: &DiscountRule, at: DateTime<Utc>) -> Result<()> {
    rule.validate()?;
    conn.prepare_cached("INSERT INTO rules (id, body, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at")?
        .execute(params![rule.id, serde_json::to_string(rule).expect("rules are plain data"), ms(at)])?;
    Ok(())
}

/// Every stored rule (active or not), by id.
pub fn all(conn: &Connection) -> Result<Vec<DiscountRule>> {
    let mut stmt = conn.prepare_cached("SELECT id, body FROM rules ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, body) = row?;
        let rule: DiscountRule = serde_json::from_str(&body)
            .map_err(|e| StoreError::BadInput { what: "stored discount rule", reason: format!("{id}: {e}") })?;
        out.push(rule);
    }
    Ok(out)
}

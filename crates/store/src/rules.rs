//! Discount rules stored as JSON documents, validated on the way in and out.
//!
//! A stored rule that no longer parses or validates (saved by an older
//! Dangol, before a range was checked) is never evaluated: it would give
//! nonsense or worse. The counter works on without it and the owner's rule
//! list shows why it is set aside.

use crate::error::Result;
use crate::time::ms;
use chrono::{DateTime, Utc};
use dangol_domain::i18n::Lang;
use dangol_domain::rules::DiscountRule;
use rusqlite::{Connection, params};

/// The key of a rule's write clock (`settings::claim_clock`).
pub fn clock_key(id: &str) -> String {
    format!("rule:{id}")
}

pub fn upsert(conn: &Connection, rule: &DiscountRule, at: DateTime<Utc>) -> Result<()> {
    rule.validate()?;
    conn.prepare_cached("INSERT INTO rules (id, body, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at")?
        .execute(params![rule.id, serde_json::to_string(rule).expect("rules are plain data"), ms(at)])?;
    Ok(())
}

/// A stored rule that is set aside, and why.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SetAside {
    pub id: String,
    /// Why, in both languages.
    pub reason: dangol_domain::lang::Localized,
    /// The stored document, as it is.
    pub body: String,
}

/// Every stored rule that validates (active or not), by id, and the ones
/// set aside.
pub fn load(conn: &Connection) -> Result<(Vec<DiscountRule>, Vec<SetAside>)> {
    let mut stmt = conn.prepare_cached("SELECT id, body FROM rules ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for row in rows {
        let (id, body) = row?;
        match DiscountRule::from_json(&body) {
            Ok(rule) => good.push(rule),
            Err(e) => {
                bad.push(SetAside { id, reason: crate::error::say(e.message(Lang::Ko), e.message(Lang::En)), body })
            }
        }
    }
    Ok((good, bad))
}

/// Every stored rule that validates.
pub fn all(conn: &Connection) -> Result<Vec<DiscountRule>> {
    Ok(load(conn)?.0)
}

/// One stored rule, as it is, if any.
pub fn body(conn: &Connection, id: &str) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(conn.query_row("SELECT body FROM rules WHERE id = ?1", [id], |r| r.get(0)).optional()?)
}

/// The parsed rules, kept until the stored rules change: parsing and
/// validating every rule document at each preview and checkout would cost
/// more than the rest of a checkout's reads. The store forgets it whenever
/// it saves a rule; a change made beside the store (another process, raw
/// SQL) is seen by each rule's id, save time and size.
#[derive(Debug, Default)]
pub struct RuleCache(std::cell::RefCell<Option<(String, Loaded)>>);

/// Rules in use and rules set aside.
pub type Loaded = std::sync::Arc<(Vec<DiscountRule>, Vec<SetAside>)>;

impl RuleCache {
    pub fn forget(&self) {
        *self.0.borrow_mut() = None;
    }

    pub fn get(&self, conn: &Connection) -> Result<Loaded> {
        let key: String = conn
            .prepare_cached(
                "SELECT coalesce(group_concat(id || '@' || updated_at || '#' || length(body), ','), '') FROM rules",
            )?
            .query_row([], |r| r.get(0))?;
        if let Some((k, loaded)) = self.0.borrow().as_ref()
            && *k == key
        {
            return Ok(loaded.clone());
        }
        let loaded: Loaded = std::sync::Arc::new(load(conn)?);
        *self.0.borrow_mut() = Some((key, loaded.clone()));
        Ok(loaded)
    }
}

//! The counter's side of sync, as the store sees it: which hub and the
//! credential this counter made for itself, what is waiting to go (own
//! events after the hub's acknowledgement), and applying what comes back
//! (other counters' events) with the pull cursor saved in the same
//! transaction, so a crash between the two cannot apply an event twice or
//! skip one. The HTTP round itself is `dangol-sync`'s.
//!
//! Invariants: `pushed_seq` and `pulled_pos` only move forward (a trigger);
//! `pushed_seq` never passes this file's own last event (a hub claiming
//! more is `SyncDiverged`); every pulled event is kept in `inbox`, applied
//! or quarantined, never dropped.

use crate::Store;
pub use crate::apply::IncomingEvent;
use crate::apply::{Applying, Outcome, apply};
use crate::error::{Result, StoreError};
use crate::outbox::EVENT_SCHEMA_VERSION;
use crate::time::{from_ms, ms};
use chrono::{DateTime, Utc};
use dangol_domain::i18n::Lang;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use uuid::Uuid;

/// The newest event schema this counter writes and reads.
pub const SCHEMA_VERSION: i64 = EVENT_SCHEMA_VERSION;

/// This counter's standing with its hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncIdentity {
    pub hub: String,
    pub device: Uuid,
    pub token: String,
    pub joined: bool,
    pub pushed_seq: i64,
    pub pulled_pos: i64,
}

/// One of this counter's own events, as it goes to the hub (the payload's
/// text exactly as stored, so every retry carries the same bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEvent {
    pub seq: i64,
    pub event_id: Uuid,
    pub at_ms: i64,
    pub kind: String,
    pub schema_version: i64,
    pub payload: String,
}

/// What applying a pulled page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    pub applied: usize,
    pub quarantined: usize,
    /// Events already applied (a page pulled again).
    pub already: usize,
    pub anomalies: usize,
}

/// Where sync stands, for the status bar and `dangol sync --status`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    /// The hub, once this counter has one.
    pub hub: Option<String>,
    pub joined: bool,
    /// The last round that reached the hub and finished.
    pub last_ok_at: Option<DateTime<Utc>>,
    pub last_try_at: Option<DateTime<Utc>>,
    /// Why the last round failed, if it did.
    pub last_error: Option<String>,
    /// Own events the hub has not acknowledged yet.
    pub waiting: i64,
    /// Of those, sales and refunds (0 while the counter has no hub).
    pub sales_waiting: i64,
    pub pushed_seq: i64,
    pub pulled_pos: i64,
    /// Pulled events kept but not applied (see `inbox`).
    pub quarantined: i64,
    pub anomalies: i64,
}

fn span(from: DateTime<Utc>, now: DateTime<Utc>, lang: Lang) -> String {
    let mins = (now - from).num_minutes().max(0);
    match (mins, lang) {
        (0, Lang::Ko) => "방금".into(),
        (0, Lang::En) => "just now".into(),
        (m @ 1..=59, Lang::Ko) => format!("{m}분"),
        (m @ 1..=59, Lang::En) => format!("{m} min"),
        (m @ 60..=2879, Lang::Ko) => format!("{}시간", m / 60),
        (m @ 60..=2879, Lang::En) => format!("{} h", m / 60),
        (m, Lang::Ko) => format!("{}일", m / 1440),
        (m, Lang::En) => format!("{} days", m / 1440),
    }
}

impl SyncStatus {
    /// The status bar's sentence: "synced 2 min ago", "offline 3 h · 12
    /// sales waiting" (how long since the last good round), in the
    /// cashier's language.
    pub fn headline(&self, now: DateTime<Utc>, lang: Lang) -> String {
        let ko = lang == Lang::Ko;
        let waiting = match (self.sales_waiting, self.waiting, ko) {
            (0, 0, _) => String::new(),
            (0, n, true) => format!(" · 기록 {n}건 대기"),
            (0, n, false) => format!(" · {n} change{} waiting", if n == 1 { "" } else { "s" }),
            (n, _, true) => format!(" · 판매 {n}건 대기"),
            (n, _, false) => format!(" · {n} sale{} waiting", if n == 1 { "" } else { "s" }),
        };
        if self.hub.is_none() {
            return lang.pick("동기화 안 함 (이 계산대만)", "not syncing (this counter only)").to_string();
        }
        match (self.last_error.is_some(), self.last_ok_at) {
            (false, Some(ok)) => {
                let ago = span(ok, now, lang);
                if ko {
                    if ago == "방금" {
                        format!("동기화됨 · 방금{waiting}")
                    } else {
                        format!("동기화됨 · {ago} 전{waiting}")
                    }
                } else if ago == "just now" {
                    format!("synced just now{waiting}")
                } else {
                    format!("synced {ago} ago{waiting}")
                }
            }
            (_, Some(ok)) => {
                let ago = span(ok, now, lang);
                match (ko, (now - ok).num_minutes() < 1) {
                    (true, true) => format!("오프라인{waiting}"),
                    (false, true) => format!("offline{waiting}"),
                    (true, false) => format!("오프라인 {ago}{waiting}"),
                    (false, false) => format!("offline {ago}{waiting}"),
                }
            }
            (_, None) => {
                if ko {
                    format!("허브에 아직 연결하지 못함{waiting}")
                } else {
                    format!("not yet reached the hub{waiting}")
                }
            }
        }
    }
}

/// Where sync stands, with the status bar's sentence.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncView {
    pub status: SyncStatus,
    pub headline: String,
}

/// A conflict sync found, for the owner.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnomalyView {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub subject: String,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub detail: serde_json::Value,
    /// For a merge the owner can still undo: the registration it merged
    /// (give it to `Store::undo_merge` with a phone of its own).
    pub undoable: Option<Uuid>,
    /// For a merge whose undo was requested here and waits for the next
    /// sync (it is not offered again meanwhile).
    pub undo_pending: bool,
}

/// Keeps what applying an event found, for the owner; returns how many.
pub(crate) fn record_anomalies(tx: &Connection, now: i64, a: &Applying) -> Result<usize> {
    for x in &a.anomalies {
        tx.prepare_cached(
            "INSERT INTO sync_anomalies (at, kind, subject, detail, event_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![now, x.kind, x.subject, x.detail.to_string(), a.event.event_id.as_bytes()])?;
    }
    Ok(a.anomalies.len())
}

fn state(conn: &Connection) -> Result<Option<SyncIdentity>> {
    Ok(conn
        .query_row(
            "SELECT hub, token, joined_at IS NOT NULL, pushed_seq, pulled_pos FROM sync_state WHERE id = 1",
            [],
            |r| {
                Ok(SyncIdentity {
                    hub: r.get(0)?,
                    device: Uuid::nil(),
                    token: r.get(1)?,
                    joined: r.get(2)?,
                    pushed_seq: r.get(3)?,
                    pulled_pos: r.get(4)?,
                })
            },
        )
        .optional()?)
}

fn last_seq(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT coalesce(max(seq), 0) FROM outbox", [], |r| r.get(0))?)
}

/// A hub address as compared: no trailing slash.
fn hub_key(hub: &str) -> String {
    hub.trim().trim_end_matches('/').to_string()
}

impl Store {
    /// This counter's identity with `hub`, made on first use with the
    /// credential `make_token` returns (kept before any request leaves, so
    /// a join whose answer is lost is repeated with the same credential).
    /// A counter that syncs with another hub is refused.
    pub fn sync_identity(&mut self, hub: &str, make_token: impl FnOnce() -> String) -> Result<SyncIdentity> {
        self.write_ctx()?;
        let hub = hub_key(hub);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = match state(&tx)? {
            Some(s) if s.hub != hub => {
                return Err(StoreError::bad_input(
                    "hub",
                    format!("이 계산대는 다른 허브({})와 동기화합니다", s.hub),
                    format!("this counter syncs with another hub ({})", s.hub),
                ));
            }
            Some(s) => s,
            None => {
                let token = make_token();
                tx.execute("INSERT INTO sync_state (id, hub, token) VALUES (1, ?1, ?2)", params![hub, token])?;
                state(&tx)?.expect("just written")
            }
        };
        tx.commit()?;
        Ok(SyncIdentity { device: self.device, ..current })
    }

    /// Records that the hub enrolled this counter; `hub_acked` is what the
    /// hub already holds of this counter's events.
    pub fn sync_joined(&mut self, hub_acked: i64) -> Result<()> {
        self.write_ctx()?;
        let now = ms(self.now());
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("UPDATE sync_state SET joined_at = coalesce(joined_at, ?1) WHERE id = 1", [now])?;
        acknowledge(&tx, hub_acked)?;
        tx.commit()?;
        Ok(())
    }

    /// Own events the hub has not acknowledged, oldest first.
    pub fn sync_outgoing(&self, limit: usize) -> Result<Vec<OutgoingEvent>> {
        let after = state(&self.conn)?.map_or(0, |s| s.pushed_seq);
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, event_id, at, kind, schema_version, payload FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after, limit.min(i64::MAX as usize) as i64], |r| {
            let id: Vec<u8> = r.get(1)?;
            Ok(OutgoingEvent {
                seq: r.get(0)?,
                event_id: Uuid::from_slice(&id).unwrap_or_default(),
                at_ms: r.get(2)?,
                kind: r.get(3)?,
                schema_version: r.get(4)?,
                payload: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Records the hub's acknowledgement of this counter's events.
    pub fn sync_acked(&mut self, hub_acked: i64) -> Result<()> {
        self.write_ctx()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        acknowledge(&tx, hub_acked)?;
        tx.commit()?;
        Ok(())
    }

    /// Applies a page of other counters' events, in hub order, and moves
    /// the pull cursor to the last, all in one transaction. Events at or
    /// before the cursor were applied before and are skipped.
    pub fn sync_apply(&mut self, events: &[IncomingEvent]) -> Result<ApplyReport> {
        self.write_ctx()?;
        let now = ms(self.now());
        let own = self.device;
        let mut report = ApplyReport::default();
        let mut settings_changed = false;
        let mut rows_moved = false;
        let mut tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut cursor = state(&tx)?.map_or(0, |s| s.pulled_pos);
        // This counter's own entries are placed in the hub's order up to
        // its last event passed back (an undo here is worked out from those
        // only: `ledger::placed_points_book`): recorded before the next
        // event is applied, and at the end.
        let mut placed: Option<i64> = None;
        for e in events {
            if e.device == own && e.pos > cursor {
                placed = Some(placed.map_or(e.seq, |p| p.max(e.seq)));
            }
            // The owner's undo of a merge made here is applied when it
            // comes back, at its place in the hub's order, as everywhere;
            // the rest of its own events come back as markers.
            let own_undo = e.device == own && e.kind == crate::unmerge::UNMERGED;
            let skip = e.pos <= cursor
                || (e.device == own && !own_undo)
                || tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM inbox WHERE event_id = ?1)",
                    [e.event_id.as_bytes()],
                    |r| r.get(0),
                )?;
            if skip {
                if e.device == own && e.pos > cursor {
                    // This counter's own points entries are placed here: any
                    // counter below zero is covered here, as at every other
                    // counter applying the event (worked out from what is
                    // placed, so recorded first).
                    let touched = crate::escrow::to_cover_by_own(&tx, e.seq)?;
                    if !touched.is_empty() || e.kind == crate::escrow::RETURNED {
                        record_placed(&tx, placed.take())?;
                    }
                    // Its own claims and returns come back from the hub:
                    // their place in its order decides what the pool grants.
                    crate::escrow::observe(&tx, e)?;
                    crate::escrow::cover_after(&tx, e.event_id, &touched)?;
                }
                report.already += 1;
                cursor = cursor.max(e.pos);
                continue;
            }
            record_placed(&tx, placed.take())?;
            let mut a = Applying::new(e);
            let outcome = if e.schema_version > SCHEMA_VERSION {
                Outcome::Quarantined(format!(
                    "written by a newer Dangol (event schema {}, this counter reads up to {SCHEMA_VERSION})",
                    e.schema_version
                ))
            } else {
                let sp = tx.savepoint()?;
                let mark = crate::escrow::ledger_mark(&sp)?;
                let outcome = apply(&sp, &mut a)?;
                match outcome {
                    Outcome::Applied => {
                        // Any counter below zero where the event wrote
                        // points (an undo covers its two sides itself).
                        // After a refund of this counter's own was removed,
                        // the event's rows may reuse the ids it freed.
                        let mark = a.removed.unwrap_or(mark);
                        if e.kind != crate::unmerge::UNMERGED {
                            crate::escrow::cover_after(&sp, e.event_id, &crate::escrow::to_cover_since(&sp, mark)?)?;
                        }
                        sp.commit()?
                    }
                    // Nothing of a quarantined event stays applied.
                    Outcome::Quarantined(_) => {
                        a.anomalies.clear();
                        drop(sp)
                    }
                }
                outcome
            };
            let (state_name, note) = match &outcome {
                Outcome::Applied => {
                    report.applied += 1;
                    ("applied", None)
                }
                Outcome::Quarantined(why) => {
                    report.quarantined += 1;
                    ("quarantined", Some(why.clone()))
                }
            };
            tx.prepare_cached(
                "INSERT INTO inbox (pos, device, seq, event_id, at, kind, schema_version, payload, state, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                e.pos,
                e.device.as_bytes(),
                e.seq,
                e.event_id.as_bytes(),
                e.at_ms,
                e.kind,
                e.schema_version,
                e.payload,
                state_name,
                note
            ])?;
            report.anomalies += record_anomalies(&tx, now, &a)?;
            settings_changed |= a.settings_changed;
            rows_moved |= a.moved.is_some() || a.removed.is_some();
            cursor = e.pos;
        }
        record_placed(&tx, placed)?;
        tx.execute("UPDATE sync_state SET pulled_pos = max(pulled_pos, ?1) WHERE id = 1", [cursor])?;
        tx.commit()?;
        if rows_moved {
            self.points.forget();
        }
        if settings_changed {
            self.rules.forget();
            self.reload_settings()?;
        }
        Ok(report)
    }

    /// Records how a round ended (`error`: why it failed).
    pub fn sync_attempt(&mut self, error: Option<&str>) -> Result<()> {
        self.write_ctx()?;
        let now = ms(self.now());
        let error = error.map(dangol_domain::error::cut);
        if error.is_some() {
            self.conn
                .execute("UPDATE sync_state SET last_try_at = ?1, last_error = ?2 WHERE id = 1", params![now, error])?;
        } else {
            self.conn.execute(
                "UPDATE sync_state SET last_try_at = ?1, last_ok_at = ?1, last_error = NULL WHERE id = 1",
                params![now],
            )?;
        }
        Ok(())
    }

    /// Where sync stands.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        type Row = (String, bool, Option<i64>, Option<i64>, Option<String>, i64, i64);
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT hub, joined_at IS NOT NULL, last_ok_at, last_try_at, last_error, pushed_seq, pulled_pos FROM sync_state WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
            )
            .optional()?;
        let pushed = row.as_ref().map_or(0, |r| r.5);
        // `seq` is dense, so what waits is a difference, not a count (the
        // window asks every few seconds). Sales are counted among the
        // waiting rows only, and only for a counter that has a hub.
        let waiting = last_seq(&self.conn)? - pushed;
        let sales_waiting: i64 = match row {
            Some(_) => self.conn.query_row(
                "SELECT count(*) FROM outbox WHERE seq > ?1 AND kind IN ('sale.completed', 'sale.reversed')",
                [pushed],
                |r| r.get(0),
            )?,
            None => 0,
        };
        let quarantined: i64 =
            self.conn.query_row("SELECT count(*) FROM inbox WHERE state = 'quarantined'", [], |r| r.get(0))?;
        let anomalies: i64 = self.conn.query_row("SELECT count(*) FROM sync_anomalies", [], |r| r.get(0))?;
        Ok(SyncStatus {
            hub: row.as_ref().map(|r| r.0.clone()),
            joined: row.as_ref().is_some_and(|r| r.1),
            last_ok_at: row.as_ref().and_then(|r| r.2).map(from_ms),
            last_try_at: row.as_ref().and_then(|r| r.3).map(from_ms),
            last_error: row.as_ref().and_then(|r| r.4.clone()),
            waiting,
            sales_waiting,
            pushed_seq: pushed,
            pulled_pos: row.as_ref().map_or(0, |r| r.6),
            quarantined,
            anomalies,
        })
    }

    /// Where sync stands, said in `lang` at the store's "now".
    pub fn sync_view(&self, lang: Lang) -> Result<SyncView> {
        let status = self.sync_status()?;
        let headline = status.headline(self.now(), lang);
        Ok(SyncView { status, headline })
    }

    /// The conflicts sync found, newest first (the owner's to see).
    pub fn sync_anomalies(&self, _owner: &crate::Owner, limit: usize) -> Result<Vec<AnomalyView>> {
        let mut stmt =
            self.conn.prepare("SELECT at, kind, subject, detail FROM sync_anomalies ORDER BY rid DESC LIMIT ?1")?;
        let rows = stmt.query_map([limit.min(i64::MAX as usize) as i64], |r| {
            let detail: String = r.get(3)?;
            Ok(AnomalyView {
                at: from_ms(r.get(0)?),
                kind: r.get(1)?,
                subject: r.get(2)?,
                detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                undoable: None,
                undo_pending: false,
            })
        })?;
        let mut out = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        let mut still = self.conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM customer_merges WHERE merged = ?1)")?;
        for x in out.iter_mut().filter(|x| x.kind == "customers_merged") {
            let merged = x.detail.get("merged").and_then(|m| m.as_str()).and_then(|m| Uuid::parse_str(m).ok());
            if let Some(m) = merged
                && still.query_row([m.as_bytes()], |r| r.get::<_, bool>(0))?
                && !crate::unmerge::untracked(&self.conn, m)?
            {
                if crate::unmerge::pending(&self.conn, m)? {
                    x.undo_pending = true;
                } else {
                    x.undoable = Some(m);
                }
            }
        }
        Ok(out)
    }
}

/// Queries whose rows, in order, are the shop's shared state: what every
/// counter and the hub must agree on once they hold the same events.
/// Money and balances are sums of ledgers (never a stored balance; points
/// as the replay derives them, in `state_digest`); ids are
/// the survivors' after merges; this counter's own bookkeeping (cursors,
/// its device id, prompt memory's local row ids) is left out.
const STATE: &[&str] = &[
    "SELECT hex(id), name, coalesce(preferred_name, ''), phone, coalesce(birth_date, ''), tier, tags, notes, marketing_consent, coalesce(consent_at, 0), created_at, updated_at, coalesce(card_code, ''), coalesce(card_claim, ''), visits, coalesce(last_visit, 0), visit_days, coalesce(first_day, 0), coalesce(last_day, 0), coalesce(usual_gap, 0), spend FROM customers ORDER BY id",
    "SELECT hex(m.merged), hex(c.id) FROM customer_merges m JOIN customers c ON c.rid = m.survivor ORDER BY m.merged",
    // The registers decide which later edit wins: counters that agree on
    // the profile but not on its stamps would part at the next edit.
    "SELECT hex(c.id), r.field, r.wall, r.logical, hex(r.device) FROM profile_registers r JOIN customers c ON c.rid = r.customer ORDER BY c.id, r.field",
    "SELECT hex(s.id), coalesce(hex(c.id), ''), s.at, s.subtotal, s.discount_total, s.total, s.points_earned, s.points_redeemed, s.stamps_earned, s.stamps_redeemed, coalesce(hex(r.id), ''), hex(s.device) FROM sales s LEFT JOIN customers c ON c.rid = s.customer LEFT JOIN sales r ON r.rid = s.reverses ORDER BY s.id",
    "SELECT hex(s.id), l.line_no, l.sku, l.qty, l.amount, l.discount FROM sale_lines l JOIN sales s ON s.rid = l.sale ORDER BY s.id, l.line_no",
    "SELECT hex(c.id), sum(t.stamps) FROM stamp_ledger t JOIN customers c ON c.rid = t.customer GROUP BY c.id ORDER BY c.id",
    // What each sale applied, what the cashier dismissed and why, what it
    // nearly reached, and the goodwill given: the owner's reports.
    "SELECT hex(s.id), d.rule_id, d.name, d.saving, coalesce(hex(k.id), ''), coalesce(hex(c.id), '') FROM sale_discounts d JOIN sales s ON s.rid = d.sale LEFT JOIN coupons k ON k.rid = d.coupon LEFT JOIN customers c ON c.rid = d.customer ORDER BY s.id, d.rule_id",
    "SELECT hex(s.id), m.rule_id, m.name, m.saving, m.reason FROM missed_discounts m JOIN sales s ON s.rid = m.sale ORDER BY s.id, m.rule_id",
    "SELECT hex(s.id), n.rule_id, n.name, n.reason, n.detail FROM near_misses n JOIN sales s ON s.rid = n.sale ORDER BY s.id, n.rule_id",
    "SELECT hex(s.id), g.amount, g.reason, g.approved_by_owner, g.at FROM goodwill g JOIN sales s ON s.rid = g.sale ORDER BY s.id",
    "SELECT hex(k.id), k.code, hex(c.id), k.rule_id, k.issued_at, k.expires_at, coalesce(hex(s.id), ''), coalesce(k.used_at, 0) FROM coupons k JOIN customers c ON c.rid = k.customer LEFT JOIN sales s ON s.rid = k.used_sale ORDER BY k.id",
    "SELECT hex(f.id), hex(c.id), f.at, f.kind, f.category, f.text, f.status, coalesce(f.resolved_at, 0), coalesce(f.resolution, '') FROM feedback f JOIN customers c ON c.rid = f.customer ORDER BY f.id",
    // Prompt memory: what was shown, taken and dismissed, when and why
    // (the suggestions' fatigue and dismissal rules read it).
    "SELECT hex(c.id), p.at, p.key, p.kind, p.action, coalesce(p.reason, '') FROM prompt_log p JOIN customers c ON c.rid = p.customer ORDER BY c.id, p.at, p.key, p.action, coalesce(p.reason, '')",
    "SELECT id, body FROM rules ORDER BY id",
    "SELECT sku, coalesce(barcode, ''), coalesce(barcode_claim, ''), name, category, price, active FROM products ORDER BY sku",
    "SELECT hex(id), actor, action, subject FROM audit_log ORDER BY id",
];

impl Store {
    /// Every customer with points entries and their balance as the ledger's
    /// replay derives it (what expired is gone; a debt shows below zero),
    /// by id.
    pub fn points_balances(&self) -> Result<Vec<(Uuid, i64)>> {
        let mut out = Vec::new();
        crate::ledger::each_points_book(&self.conn, |id, book| out.push((id, book.balance())))?;
        out.sort();
        Ok(out)
    }

    /// A customer's points book as the ledger's replay derives it (the
    /// card, the owner's checks and tests read it).
    pub fn points_book(&self, customer: Uuid) -> Result<dangol_domain::points::PointsBook> {
        let rid = crate::customers::get(&self.conn, customer)?.rid;
        crate::ledger::points_book(&self.conn, rid)
    }

    /// A digest of the shop's shared state (see `STATE`): two counters
    /// holding the same events have the same digest.
    pub fn state_digest(&self) -> Result<String> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for sql in STATE {
            let mut stmt = self.conn.prepare(sql)?;
            let n = stmt.column_count();
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    h.update(format!("{v:?}\u{1f}").as_bytes());
                }
                h.update(b"\n");
            }
            h.update(b"\x1e");
        }
        // Points: each customer's book as the replay derives it (expiry is
        // derived, never written, so the rows' sum would leave it out): the
        // balance, the debt and every lot by what it is, not by its row id
        // (local to each file), so counters that agree on the balance but
        // not on which lots hold it (and so on what expires later) part.
        let mut points: Vec<String> = Vec::new();
        crate::ledger::each_points_book(&self.conn, |id, book| {
            let mut line =
                format!("{}\u{1f}{}\u{1f}{}", id.simple().to_string().to_uppercase(), book.balance(), book.debt());
            for l in book.lots() {
                line.push_str(&format!(
                    "\u{1f}{}/{:?}/{}/{:?}/{}/{}/{}/{}",
                    ms(l.opened_at),
                    l.origin,
                    l.kind.as_str(),
                    l.expires_at.map(ms),
                    l.opened,
                    l.remaining,
                    l.expired,
                    l.spent
                ));
            }
            points.push(line);
        })?;
        // Each line starts with the customer's id: by id.
        points.sort();
        for line in points {
            h.update(line.as_bytes());
            h.update(b"\n");
        }
        h.update(b"\x1e");
        // The owner's PIN is left out: each counter may re-hash it (a
        // legacy hash upgraded on use), so equal PINs need not be equal text.
        let settings: Vec<(String, String)> = crate::settings::SHARED
            .iter()
            .filter(|k| **k != crate::settings::OWNER_PIN)
            .filter_map(|k| crate::settings::get(&self.conn, k).ok().flatten().map(|v| (k.to_string(), v)))
            .collect();
        h.update(format!("{settings:?}").as_bytes());
        Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// Records that the hub's order has passed this counter's own events back
/// up to `seq` (`None`: none since last recorded).
fn record_placed(tx: &Connection, seq: Option<i64>) -> Result<()> {
    if let Some(seq) = seq {
        tx.prepare_cached("UPDATE sync_state SET placed_seq = max(placed_seq, ?1) WHERE id = 1")?.execute([seq])?;
    }
    Ok(())
}

fn acknowledge(tx: &Connection, hub_acked: i64) -> Result<()> {
    let local = last_seq(tx)?;
    if hub_acked > local {
        return Err(StoreError::SyncDiverged { hub_acked, local_seq: local });
    }
    tx.execute("UPDATE sync_state SET pushed_seq = max(pushed_seq, ?1) WHERE id = 1", [hub_acked])?;
    Ok(())
}

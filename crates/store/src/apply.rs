//! Applying another counter's events here: a projection of each event kind
//! into the same tables this counter writes, through the same functions
//! (`checkout::write_sale`, `refund::write_reversal`, the repositories), so
//! a customer registered at counter 2 is found at counter 1 with the same
//! history, balances and coupons.
//!
//! Every function here is idempotent on the event (a sale, a coupon, a
//! feedback entry or an audit entry already here is not written twice) and
//! only reads the event and this file: the result does not depend on the
//! order in which other counters' events arrive, except where a conflict is
//! resolved, and each resolution is deterministic:
//! - the same phone registered at two counters while offline: the earlier
//!   registration (by time, then id) survives, the other's history moves to
//!   it, and the merge is recorded (`customer_merges`, an anomaly);
//! - a single-use coupon used by two sales: the earlier sale keeps it, the
//!   other is an anomaly (`checkout::write_sale`);
//! - points and stamps are applied exactly as the other counter recorded
//!   them (ledgers are sums, so the order of arrival does not change the
//!   balance); a redemption no lot here covers becomes a debt and an
//!   anomaly for the owner;
//! - profile edits field by field, each field a register ordered by a
//!   hybrid logical clock then the device (`registers`): the later write
//!   wins, the losing value is kept as an anomaly for the owner.
//!
//! An event of a kind or schema this version does not know is quarantined
//! by the caller (`sync`), never dropped.

use crate::checkout::{Origin, SaleEffects, write_sale};
use crate::customers::{self, CustomerRow};
use crate::error::{Result, StoreError};
use crate::prompts::{self, PromptAction};
use crate::refund::{Original, Unrecovered, write_reversal};
use crate::time::{from_ms, ms};
use crate::unmerge;
use crate::{catalog, feedback, ledger, registers, rules, settings};
use chrono::{DateTime, NaiveDate, Utc};
use dangol_domain::customer::{Customer, Tier};
use dangol_domain::feedback::{Feedback, FeedbackStatus};
use dangol_domain::hlc::Hlc;
use dangol_domain::i18n::Lang;
use dangol_domain::loyalty::LedgerKind;
use dangol_domain::phone::Phone;
use dangol_domain::points::open_lot;
use dangol_domain::rules::DiscountRule;
use dangol_domain::sale::{GOODWILL_ID, SaleDraft};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

/// An event from another counter, as the hub serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingEvent {
    /// The hub's position (commit order).
    pub pos: i64,
    pub device: Uuid,
    pub seq: i64,
    pub event_id: Uuid,
    pub at_ms: i64,
    pub kind: String,
    pub schema_version: i64,
    pub payload: String,
}

/// What applying an event did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Applied,
    /// Kept but not applied, with the reason.
    Quarantined(String),
}

/// A conflict the owner should see, found while applying.
pub(crate) struct Anomaly {
    pub kind: &'static str,
    pub subject: String,
    pub detail: Value,
}

/// The event being applied and what it found.
pub(crate) struct Applying<'a> {
    pub event: &'a IncomingEvent,
    pub at: DateTime<Utc>,
    pub anomalies: Vec<Anomaly>,
    /// Settings or rules changed: the store reloads its caches.
    pub settings_changed: bool,
    /// The event named a registration merged into another here: (that
    /// registration, the customer row it lives on, the tables' marks when
    /// it was named), so the rows it writes are tagged as that
    /// registration's (`unmerge`).
    pub registration: Option<(Uuid, i64, unmerge::Marks)>,
    /// What an undone merge moved between customers (cached books are
    /// then stale).
    pub moved: Option<unmerge::Moved>,
    /// A reversal of this counter's own was removed: the points ledger's
    /// highest row id after it (the rows written next may reuse the ids
    /// it freed; cached books are stale).
    pub removed: Option<i64>,
}

impl<'a> Applying<'a> {
    pub(crate) fn new(event: &'a IncomingEvent) -> Applying<'a> {
        Applying {
            event,
            at: from_ms(event.at_ms),
            anomalies: Vec::new(),
            settings_changed: false,
            registration: None,
            moved: None,
            removed: None,
        }
    }
}

impl Applying<'_> {
    pub(crate) fn anomaly(&mut self, kind: &'static str, subject: impl ToString, detail: Value) {
        self.anomalies.push(Anomaly { kind, subject: subject.to_string(), detail });
    }
}

fn parse<T: for<'de> Deserialize<'de>>(e: &IncomingEvent) -> std::result::Result<T, String> {
    serde_json::from_str(&e.payload).map_err(|err| format!("the payload of {} cannot be read: {err}", e.kind))
}

/// The customer an id names here: the customer, or the survivor it was
/// merged into.
pub(crate) fn resolve_customer(conn: &Connection, id: Uuid) -> Result<Option<i64>> {
    Ok(resolve(conn, id)?.map(|(rid, _)| rid))
}

/// The customer row an id names here, and whether it names a registration
/// merged into that row.
fn resolve(conn: &Connection, id: Uuid) -> Result<Option<(i64, bool)>> {
    let direct: Option<i64> = conn
        .prepare_cached("SELECT rid FROM customers WHERE id = ?1")?
        .query_row([id.as_bytes()], |r| r.get(0))
        .optional()?;
    if let Some(rid) = direct {
        return Ok(Some((rid, false)));
    }
    let survivor: Option<i64> = conn
        .prepare_cached("SELECT survivor FROM customer_merges WHERE merged = ?1")?
        .query_row([id.as_bytes()], |r| r.get(0))
        .optional()?;
    Ok(survivor.map(|rid| (rid, true)))
}

macro_rules! read {
    ($e:expr) => {
        match parse($e) {
            Ok(v) => v,
            Err(why) => return Ok(Outcome::Quarantined(why)),
        }
    };
}

macro_rules! customer_or_quarantine {
    ($tx:expr, $a:expr, $id:expr) => {
        match resolve($tx, $id)? {
            Some((rid, merged)) => {
                // Events name customers before writing for them, so the
                // marks come before any row to tag (and cost nothing for
                // an event that names no merged registration).
                if merged {
                    let marks = match $a.registration.take() {
                        Some((_, _, marks)) => marks,
                        None => unmerge::Marks::take($tx)?,
                    };
                    $a.registration = Some(($id, rid, marks));
                }
                rid
            }
            None => return Ok(Outcome::Quarantined(format!("customer {} is not known here", $id))),
        }
    };
}

/// Applies one event (inside the caller's transaction and savepoint); the
/// rows it writes for a merged registration are tagged as that
/// registration's.
pub(crate) fn apply(tx: &Connection, a: &mut Applying) -> Result<Outcome> {
    let outcome = apply_kind(tx, a)?;
    if let (Outcome::Applied, Some((registration, rid, marks))) = (&outcome, &a.registration) {
        marks.tag_since(tx, *rid, *registration)?;
    }
    Ok(outcome)
}

fn apply_kind(tx: &Connection, a: &mut Applying) -> Result<Outcome> {
    let e = a.event;
    match e.kind.as_str() {
        "customer.created" => customer_created(tx, a),
        "customer.updated" => customer_updated(tx, a),
        "sale.completed" => {
            let draft: SaleDraft = read!(e);
            sale_completed(tx, a, &draft)
        }
        "sale.reversed" => sale_reversed(tx, a),
        unmerge::UNMERGED => {
            #[derive(Deserialize)]
            struct Unmerged {
                merged: Uuid,
                phone: String,
                #[serde(default)]
                points_settled: i64,
                #[serde(default)]
                stamps_settled: i64,
            }
            let u: Unmerged = read!(e);
            // No counter settles more than a balance can hold; an amount
            // beyond it is a broken event, kept and not applied.
            let most = unmerge::MOST_SETTLED;
            if !(-most..=most).contains(&u.points_settled) || !(-most..=most).contains(&u.stamps_settled) {
                return Ok(Outcome::Quarantined(format!(
                    "a settlement of {} points and {} stamps is beyond any balance",
                    u.points_settled, u.stamps_settled
                )));
            }
            let settle = unmerge::Settle::AsRecorded(u.points_settled, u.stamps_settled);
            match Phone::parse(&u.phone) {
                Ok(phone) => unmerge::unmerge(tx, a, u.merged, phone, settle),
                Err(err) => Ok(Outcome::Quarantined(format!("the phone number cannot be read: {err}"))),
            }
        }
        crate::escrow::CLAIMED | crate::escrow::RETURNED => {
            Ok(crate::escrow::observe(tx, e)?.unwrap_or(Outcome::Applied))
        }
        // Each counter expires lots itself, at the same moments, from the
        // same lots: the event is a record, not an instruction.
        "points.expired" => Ok(Outcome::Applied),
        "feedback.logged" => {
            let f: Feedback = read!(e);
            let known: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM feedback WHERE id = ?1)", [f.id.as_bytes()], |r| r.get(0))?;
            if !known {
                let rid = customer_or_quarantine!(tx, a, f.customer_id);
                feedback::insert(tx, rid, &f)?;
            }
            Ok(Outcome::Applied)
        }
        "feedback.resolved" => {
            #[derive(Deserialize)]
            struct Resolved {
                id: Uuid,
                resolution: String,
            }
            let r: Resolved = read!(e);
            let f = match feedback::get(tx, r.id) {
                Ok(f) => f,
                Err(StoreError::NotFound { .. }) => {
                    return Ok(Outcome::Quarantined(format!("feedback {} is not known here", r.id)));
                }
                Err(err) => return Err(err),
            };
            // Resolved at two counters cut off from each other: the earlier
            // resolution by (clock, device) stands everywhere, and the owner
            // sees the other.
            let held = (f.status != FeedbackStatus::Open).then(|| (ms(f.resolved_at.unwrap_or(f.at)), Vec::new()));
            let key = feedback::clock_key(r.id);
            if settings::earlier_than_held(tx, &key, e.at_ms, e.device, held)? {
                if f.status != FeedbackStatus::Open {
                    a.anomaly(
                        "feedback_resolved_twice",
                        r.id,
                        serde_json::json!({"feedback": r.id, "kept": r.resolution, "lost": f.resolution}),
                    );
                }
                feedback::resolve(tx, r.id, &r.resolution, a.at)?;
            } else {
                a.anomaly(
                    "feedback_resolved_twice",
                    r.id,
                    serde_json::json!({"feedback": r.id, "kept": f.resolution, "lost": r.resolution}),
                );
            }
            Ok(Outcome::Applied)
        }
        "prompt.recorded" => {
            #[derive(Deserialize)]
            struct Recorded {
                customer: Uuid,
                key: String,
                action: String,
                reason: Option<String>,
            }
            let p: Recorded = read!(e);
            let rid = customer_or_quarantine!(tx, a, p.customer);
            let Some(action) = PromptAction::parse(&p.action) else {
                return Ok(Outcome::Quarantined(format!("{:?} is not a prompt action", p.action)));
            };
            let kind = p.key.split(':').next().unwrap_or("").to_string();
            prompts::record(tx, rid, a.at, &p.key, &kind, action, p.reason.as_deref().map(str::trim))?;
            Ok(Outcome::Applied)
        }
        "prompts.shown" => {
            #[derive(Deserialize)]
            struct Shown {
                customer: Uuid,
                keys: Vec<String>,
            }
            let p: Shown = read!(e);
            let rid = customer_or_quarantine!(tx, a, p.customer);
            for key in &p.keys {
                let kind = key.split(':').next().unwrap_or("");
                prompts::record(tx, rid, a.at, key, kind, PromptAction::Shown, None)?;
            }
            Ok(Outcome::Applied)
        }
        "product.upserted" => {
            let w: catalog::Written = read!(e);
            catalog::upsert_from(tx, a, w)?;
            Ok(Outcome::Applied)
        }
        "rule.upserted" => {
            let r: DiscountRule = read!(e);
            if let Err(err) = r.validate() {
                return Ok(Outcome::Quarantined(format!("rule {} is not valid here: {err}", r.id)));
            }
            // The later save by (clock, device) stands everywhere, whatever
            // order the saves arrive in; the other is shown to the owner.
            // A save from before clocks were kept counts at its moment.
            let before: Option<i64> = tx
                .prepare_cached("SELECT updated_at FROM rules WHERE id = ?1")?
                .query_row([&r.id], |x| x.get(0))
                .optional()?;
            let held = before.map(|at| (at, Vec::new()));
            if !settings::later_than_held(tx, &rules::clock_key(&r.id), e.at_ms, e.device, held)? {
                a.anomaly(
                    "rule_superseded",
                    &r.id,
                    serde_json::json!({"rule": r.id, "lost_at": e.at_ms, "lost_by": e.device}),
                );
                return Ok(Outcome::Applied);
            }
            rules::upsert(tx, &r, a.at)?;
            a.settings_changed = true;
            Ok(Outcome::Applied)
        }
        "setting.changed" => {
            #[derive(Deserialize)]
            struct Changed {
                key: String,
                value: String,
                /// The change's place among changes of the key (absent in
                /// events written before it was carried: the event's time).
                clock: Option<i64>,
            }
            let c: Changed = read!(e);
            if !settings::SHARED.contains(&c.key.as_str()) {
                return Ok(Outcome::Quarantined(format!("{:?} is not a shop setting shared by counters", c.key)));
            }
            // The same check as the owner's own change here: an absurd value
            // is kept in quarantine, never stored.
            let value = if c.key == settings::OWNER_PIN {
                if !c.value.starts_with("$argon2") {
                    return Ok(Outcome::Quarantined("the owner's PIN did not come as an Argon2 hash".into()));
                }
                c.value
            } else {
                match crate::admin::validated_setting(&c.key, &c.value) {
                    Ok(v) => v,
                    Err(err) => return Ok(Outcome::Quarantined(format!("{}: {err}", c.key))),
                }
            };
            // The latest change wins everywhere, whatever order they arrive in.
            a.settings_changed |= settings::set_shared_from(tx, &c.key, &value, c.clock.unwrap_or(e.at_ms), e.device)?;
            Ok(Outcome::Applied)
        }
        "coupon.issued" => coupon_issued(tx, a),
        "balances.adjusted" => balances_adjusted(tx, a),
        "audit.recorded" => {
            #[derive(Deserialize)]
            struct Recorded {
                id: Uuid,
                actor: String,
                action: String,
                subject: String,
                before: Option<Value>,
                after: Option<Value>,
                note: Option<String>,
            }
            let r: Recorded = read!(e);
            let json = |v: &Option<Value>| v.as_ref().map(Value::to_string);
            tx.prepare_cached(
                "INSERT OR IGNORE INTO audit_log (id, at, device, actor, action, subject, before, after, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                r.id.as_bytes(),
                e.at_ms,
                e.device.as_bytes(),
                r.actor,
                r.action,
                r.subject,
                json(&r.before),
                json(&r.after),
                r.note
            ])?;
            Ok(Outcome::Applied)
        }
        "demo.generated" => Ok(Outcome::Quarantined(
            "a bulk demo load is not carried as events: its rows reach other counters when that counter seeds the hub"
                .into(),
        )),
        other => Ok(Outcome::Quarantined(format!("{other:?} is not an event kind this version knows"))),
    }
}

/// A customer as a `customer.created` event carries it. Older imports
/// carried only the id, name and phone; the rest then takes its default.
#[derive(Deserialize)]
struct CreatedCustomer {
    id: Uuid,
    name: String,
    #[serde(default)]
    preferred_name: Option<String>,
    phone: String,
    #[serde(default)]
    birth_date: Option<NaiveDate>,
    #[serde(default)]
    tier: Option<Tier>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    marketing_consent: bool,
    #[serde(default)]
    consent_at: Option<DateTime<Utc>>,
    #[serde(default)]
    card_code: Option<String>,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
}

fn customer_created(tx: &Connection, a: &mut Applying) -> Result<Outcome> {
    let c: CreatedCustomer = read!(a.event);
    if resolve_customer(tx, c.id)?.is_some() {
        return Ok(Outcome::Applied);
    }
    let phone = match Phone::parse(&c.phone) {
        Ok(p) => p,
        Err(err) => return Ok(Outcome::Quarantined(format!("the phone number cannot be read: {err}"))),
    };
    let created_at = c.created_at.unwrap_or(a.at);
    let customer = Customer {
        id: c.id,
        name: c.name,
        preferred_name: c.preferred_name,
        phone,
        birth_date: c.birth_date,
        tier: c.tier.unwrap_or_default(),
        tags: c.tags,
        notes: c.notes,
        marketing_consent: c.marketing_consent,
        consent_at: c.consent_at,
        card_code: c.card_code,
        created_at,
        updated_at: created_at,
    };
    let id = customer.id;
    match customers::find_by_phone(tx, customer.phone.digits())? {
        None => {
            customers::insert_claiming(tx, &customer)?;
        }
        Some(held) => merge(tx, a, held, customer)?,
    }
    card_contest(tx, a, id)?;
    Ok(Outcome::Applied)
}

/// Reports a card code that customer `id`'s profile (as applied) shares
/// with another customer's: given to two customers at two counters
/// offline. Who holds it is settled by `customers::settle_card`.
fn card_contest(tx: &Connection, a: &mut Applying, id: Uuid) -> Result<()> {
    let row = customers::get(tx, id)?;
    if let Some(card) = &row.customer.card_code
        && customers::card_claims(tx, card)? > 1
    {
        let holder = customers::find_by_card(tx, card)?.map(|h| h.customer.id);
        a.anomaly("card_code_taken", row.customer.id, serde_json::json!({"card_code": card, "holder": holder}));
    }
    Ok(())
}

/// Two registrations of one phone: the earlier (by time, then id)
/// survives. Sales and ledgers are insert-only, so nothing is moved: the
/// row already here stays the one customer, under the survivor's id and
/// profile, and the other id is recorded as merged into it (events and
/// lookups naming it find the survivor). The merged registration is kept
/// as it was, for the owner to see and undo.
pub(crate) fn merge(tx: &Connection, a: &mut Applying, held: CustomerRow, incoming: Customer) -> Result<()> {
    let incoming_first = (incoming.created_at, incoming.id) < (held.customer.created_at, held.customer.id);
    let (survivor, merged) = if incoming_first {
        // The rows here were written for the registration that is merged.
        unmerge::tag_held(tx, held.rid, held.customer.id)?;
        // It is kept with its own card, not one an earlier merge gave it.
        let own_card = registers::base(tx, held.rid)?.map_or(held.customer.card_code.clone(), |b| b.card_code);
        // The fields edits wrote here stay (the survivor's own values are
        // older than any edit): where the survivor arrived first, the same
        // edits are applied to it and win the same fields.
        registers::set_base(tx, held.rid, &incoming, true)?;
        let after = registers::keep_edited(tx, held.rid, &held.customer, &incoming)?;
        customers::write_profile(tx, held.rid, &held.customer, &after)?;
        tx.prepare_cached("UPDATE customers SET id = ?2, created_at = ?3 WHERE rid = ?1")?.execute(params![
            held.rid,
            incoming.id.as_bytes(),
            ms(incoming.created_at)
        ])?;
        customers::settle_updated(tx, held.rid)?;
        (incoming.id, Customer { card_code: own_card, ..held.customer })
    } else {
        registers::set_base(tx, held.rid, &held.customer, false)?;
        (held.customer.id, incoming)
    };
    let row = serde_json::to_string(&merged).expect("plain data");
    tx.prepare_cached("INSERT OR IGNORE INTO customer_merges (merged, survivor, at, row) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![merged.id.as_bytes(), held.rid, ms(a.at), row])?;
    card_of_merged(tx, held.rid)?;
    a.anomaly(
        "customers_merged",
        survivor,
        serde_json::json!({"survivor": survivor, "merged": merged.id, "phone": merged.phone.masked()}),
    );
    Ok(())
}

/// The card a customer's row claims once registrations are merged into
/// it: where an edit wrote the field, the edit's; otherwise the surviving
/// registration's own card, else the card of the earliest merged
/// registration that has one (by its time, then id). That is the same
/// whatever order the registrations arrived in (a survivor taking the
/// first merged card to arrive was not). Its holder is settled again,
/// under the id the row has now (`customers::settle_card`).
pub(crate) fn card_of_merged(tx: &Connection, rid: i64) -> Result<()> {
    let row = customers::get_rid(tx, rid)?.customer;
    let card = match registers::base(tx, rid)? {
        Some(base) if !registers::written(tx, rid, "card_code")? => match base.card_code {
            Some(own) => Some(own),
            None => {
                let mut stmt = tx.prepare_cached("SELECT row FROM customer_merges WHERE survivor = ?1")?;
                let kept = stmt.query_map([rid], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
                kept.iter()
                    .filter_map(|k| serde_json::from_str::<Customer>(k).ok())
                    .filter(|c| c.card_code.is_some())
                    .min_by_key(|c| (c.created_at, c.id))
                    .and_then(|c| c.card_code)
            }
        },
        _ => row.card_code.clone(),
    };
    if card != row.card_code {
        customers::write_profile(tx, rid, &row, &Customer { card_code: card, ..row.clone() })?;
    } else if let Some(code) = &card {
        customers::settle_card(tx, code)?;
    }
    Ok(())
}

fn customer_updated(tx: &Connection, a: &mut Applying) -> Result<Outcome> {
    #[derive(Deserialize)]
    struct Updated {
        customer: Customer,
        /// The fields the edit changed and its hybrid-logical timestamp
        /// (absent from edits written before registers: every field, at
        /// the edit's `updated_at`).
        #[serde(default)]
        fields: Option<serde_json::Map<String, Value>>,
        #[serde(default)]
        hlc: Option<Hlc>,
    }
    let u: Updated = read!(a.event);
    let rid = customer_or_quarantine!(tx, a, u.customer.id);
    let held = customers::get_rid(tx, rid)?;
    let (fields, stamp) = match (u.fields, u.hlc) {
        (Some(f), Some(h)) => (f, h),
        _ => {
            let all = match serde_json::to_value(&u.customer) {
                Ok(Value::Object(m)) => m,
                _ => return Ok(Outcome::Quarantined("the edited profile cannot be read".into())),
            };
            (all, Hlc { wall_ms: ms(u.customer.updated_at), logical: 0 })
        }
    };
    // The phone is not a register: a merged customer's edit must not take
    // the survivor's phone away.
    let (after, lost) = match registers::edited_elsewhere(
        tx,
        rid,
        u.customer.id,
        &held.customer,
        &fields,
        (stamp, a.event.device),
        a.at,
    ) {
        Ok(done) => done,
        Err(e @ StoreError::BadInput { .. }) => return Ok(Outcome::Quarantined(e.message(Lang::En))),
        Err(e) => return Err(e),
    };
    for l in lost {
        a.anomaly(
            "profile_field_superseded",
            held.customer.id,
            serde_json::json!({"field": l.field, "kept": l.kept, "kept_at": l.kept_at, "lost": l.lost, "lost_at": stamp, "lost_by": a.event.device}),
        );
    }
    customers::write_profile(tx, rid, &held.customer, &after)?;
    if fields.contains_key("card_code") {
        card_contest(tx, a, held.customer.id)?;
    }
    Ok(Outcome::Applied)
}

fn sale_completed(tx: &Connection, a: &mut Applying, draft: &SaleDraft) -> Result<Outcome> {
    let known: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM sales WHERE id = ?1)", [draft.id.as_bytes()], |r| r.get(0))?;
    if known {
        return Ok(Outcome::Applied);
    }
    let rid = match draft.customer_id {
        None => None,
        Some(id) => Some(customer_or_quarantine!(tx, a, id)),
    };
    for d in draft.discounts.iter().filter_map(|d| d.coupon_id) {
        let known: bool =
            tx.query_row("SELECT EXISTS (SELECT 1 FROM coupons WHERE id = ?1)", [d.as_bytes()], |r| r.get(0))?;
        if !known {
            return Ok(Outcome::Quarantined(format!("coupon {d} is not known here")));
        }
    }
    let applied: Vec<&str> =
        draft.discounts.iter().map(|d| d.rule_id.as_str()).filter(|id| *id != GOODWILL_ID).collect();
    #[derive(Deserialize, Default)]
    struct Parts {
        #[serde(default)]
        redeem_parts: Vec<i64>,
        /// What the selling counter's prompt memory recorded as dismissed
        /// (absent in events written before it was carried: `missed`).
        #[serde(default)]
        dismissed: Option<Vec<(String, String)>>,
    }
    let parts: Parts = serde_json::from_str(&a.event.payload).unwrap_or_default();
    let dismissed: Vec<(&str, &str)> = match &parts.dismissed {
        Some(d) => d.iter().map(|(id, reason)| (id.as_str(), reason.as_str())).collect(),
        None => draft.missed.iter().map(|m| (m.rule_id.as_str(), m.reason.as_str())).collect(),
    };
    let effects = SaleEffects {
        applied_rules: &applied,
        dismissed: &dismissed,
        origin: Origin::Elsewhere,
        redeem_parts: &parts.redeem_parts,
    };
    let written = match rid {
        Some(r) => {
            let mut book = ledger::points_book(tx, r)?;
            write_sale(tx, draft, Some((r, &mut book)), a.event.device, &effects)?
        }
        None => write_sale(tx, draft, None, a.event.device, &effects)?,
    };
    let who = match rid {
        Some(r) => customers::get_rid(tx, r)?.customer.id.to_string(),
        None => String::new(),
    };
    if let Some(r) = rid
        && ledger::stamps(tx, r)? < 0
    {
        a.anomaly("stamps_overdrawn", &who, serde_json::json!({"sale": draft.id}));
    }
    if written.short > 0 {
        a.anomaly(
            "points_overdrawn",
            &who,
            serde_json::json!({"sale": draft.id, "redeemed": draft.points_redeemed, "beyond_balance": written.short}),
        );
    }
    for coupon in written.coupons_taken {
        a.anomaly("coupon_used_twice", coupon, serde_json::json!({"sale": draft.id, "coupon": coupon}));
    }
    Ok(Outcome::Applied)
}

fn sale_reversed(tx: &Connection, a: &mut Applying) -> Result<Outcome> {
    #[derive(Deserialize)]
    struct Reversed {
        reversal_id: Uuid,
        original_id: Uuid,
        reason: String,
        // What the refund could not take back where it was made (absent
        // in events written before it was carried).
        points_unrecovered: Option<i64>,
        stamps_unrecovered: Option<i64>,
        points_taken: Option<i64>,
        #[serde(default)]
        taken_parts: Vec<i64>,
    }
    let r: Reversed = read!(a.event);
    let known: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM sales WHERE id = ?1)", [r.reversal_id.as_bytes()], |x| x.get(0))?;
    if known {
        return Ok(Outcome::Applied);
    }
    type Row = (i64, Option<i64>, [i64; 7], Option<i64>);
    let original: Option<Row> = tx
        .query_row(
            "SELECT rid, customer, subtotal, discount_total, total, points_earned, points_redeemed, stamps_earned, stamps_redeemed, reverses FROM sales WHERE id = ?1",
            [r.original_id.as_bytes()],
            |x| Ok((x.get(0)?, x.get(1)?, [x.get(2)?, x.get(3)?, x.get(4)?, x.get(5)?, x.get(6)?, x.get(7)?, x.get(8)?], x.get(9)?)),
        )
        .optional()?;
    let Some((rid, customer, totals, reverses)) = original else {
        return Ok(Outcome::Quarantined(format!("sale {} is not known here", r.original_id)));
    };
    if reverses.is_some() {
        return Ok(Outcome::Quarantined(format!("sale {} is itself a reversal", r.original_id)));
    }
    let already: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM sales WHERE reverses = ?1)", [rid], |x| x.get(0))?;
    if already {
        // Refunded at two counters cut off from each other: the first in
        // the hub's order stands everywhere. This one is later, unless the
        // other is this counter's own, not yet placed: then that one goes.
        match crate::refund::void_own(tx, rid)? {
            Some(voided) => {
                a.anomaly(
                    "refunded_twice",
                    r.original_id,
                    serde_json::json!({"sale": r.original_id, "reversal": voided}),
                );
                a.removed = Some(crate::escrow::ledger_mark(tx)?);
            }
            None => {
                a.anomaly(
                    "refunded_twice",
                    r.original_id,
                    serde_json::json!({"sale": r.original_id, "reversal": r.reversal_id}),
                );
                return Ok(Outcome::Applied);
            }
        }
    }
    let original = Original { rid, customer, totals };
    let recorded = match (r.points_unrecovered, r.stamps_unrecovered) {
        (Some(points), Some(stamps)) => {
            Some(Unrecovered { points, stamps, taken: r.points_taken, taken_parts: &r.taken_parts })
        }
        _ => None,
    };
    let done =
        write_reversal(tx, &original, r.reversal_id, a.at, &r.reason, a.event.device, recorded, Some(a.event.device))?;
    if let Some(crid) = customer {
        let who = customers::get_rid(tx, crid)?.customer.id;
        if done.debt > 0 {
            a.anomaly(
                "points_overdrawn",
                who,
                serde_json::json!({"refund": r.reversal_id, "beyond_balance": done.debt}),
            );
        }
        if ledger::stamps(tx, crid)? < 0 {
            a.anomaly("stamps_overdrawn", who, serde_json::json!({"refund": r.reversal_id}));
        }
    }
    Ok(Outcome::Applied)
}

fn coupon_issued(tx: &Connection, a: &mut Applying) -> Result<Outcome> {
    #[derive(Deserialize)]
    struct Issued {
        id: Uuid,
        code: String,
        customer: Uuid,
        rule_id: String,
        expires_at: DateTime<Utc>,
    }
    let c: Issued = read!(a.event);
    let known: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM coupons WHERE id = ?1)", [c.id.as_bytes()], |r| r.get(0))?;
    if known {
        return Ok(Outcome::Applied);
    }
    let rid = customer_or_quarantine!(tx, a, c.customer);
    let holder: Option<(i64, i64, Vec<u8>)> = tx
        .prepare_cached("SELECT rid, issued_at, id FROM coupons WHERE code = ?1")?
        .query_row([&c.code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    // Two counters issued the same code offline: the earlier issue (by its
    // moment, then id) keeps the code everywhere, whatever order they
    // arrive in; the other keeps its id under a code that says so, and
    // the owner sees it.
    // The whole id: ids made within a minute share their first characters,
    // and a renamed code must be unique too.
    let renamed = |id: Uuid| format!("{}~{}", c.code, id.simple());
    let code = match holder {
        None => c.code.clone(),
        Some((holder_rid, issued_at, holder_id)) => {
            a.anomaly("coupon_code_taken", &c.code, serde_json::json!({"coupon": c.id, "code": c.code}));
            let holder_id = Uuid::from_slice(&holder_id).unwrap_or_default();
            if (ms(a.at), c.id) < (issued_at, holder_id) {
                tx.prepare_cached("UPDATE coupons SET code = ?2 WHERE rid = ?1")?
                    .execute(params![holder_rid, renamed(holder_id)])?;
                c.code.clone()
            } else {
                renamed(c.id)
            }
        }
    };
    tx.execute(
        "INSERT INTO coupons (id, code, customer, rule_id, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![c.id.as_bytes(), code, rid, c.rule_id, ms(a.at), ms(c.expires_at)],
    )?;
    Ok(Outcome::Applied)
}

fn balances_adjusted(tx: &Connection, a: &mut Applying) -> Result<Outcome> {
    #[derive(Deserialize)]
    struct Adjusted {
        customer: Uuid,
        points: i64,
        stamps: i64,
        expires_at: Option<DateTime<Utc>>,
        note: String,
        /// The entries it was written in there (absent in events from
        /// before they were carried).
        #[serde(default)]
        parts: Vec<i64>,
    }
    let j: Adjusted = read!(a.event);
    let rid = customer_or_quarantine!(tx, a, j.customer);
    // An adjustment has no id of its own: the event's id marks it applied.
    let mut book = ledger::points_book(tx, rid)?;
    book.expire_through(a.at);
    // Applied exactly as made (a debt where no lot covers it), so every
    // counter's ledger sums alike.
    let entries = if j.points > 0 {
        vec![open_lot(a.at, LedgerKind::Adjust, j.points, j.expires_at)]
    } else if j.points < 0 {
        ledger::spent_elsewhere(&book, &j.parts, -j.points, a.at, LedgerKind::Adjust)
    } else {
        vec![]
    };
    let debt = book.debt();
    ledger::write_points(tx, &mut book, rid, Some(a.event.device), None, Some(&j.note), &entries)?;
    let short = book.debt().saturating_sub(debt);
    if short > 0 {
        let who = customers::get_rid(tx, rid)?.customer.id;
        a.anomaly("points_overdrawn", who, serde_json::json!({"adjustment": j.points, "beyond_balance": short}));
    }
    let stamps = ledger::stamps(tx, rid)?;
    if stamps + j.stamps < 0 {
        a.anomaly(
            "stamps_overdrawn",
            customers::get_rid(tx, rid)?.customer.id,
            serde_json::json!({"adjustment": j.stamps, "beyond_balance": -(stamps + j.stamps)}),
        );
    }
    ledger::write_stamps(tx, rid, None, a.at, LedgerKind::Adjust, j.stamps)?;
    Ok(Outcome::Applied)
}

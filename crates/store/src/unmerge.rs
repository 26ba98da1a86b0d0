//! Undoing a merge: the owner separates two registrations that sync merged
//! because they carried one phone (a couple sharing a phone, a mistyped
//! number), giving the merged one a phone of its own.
//!
//! Which rows to give back is recorded as they arrive, not guessed later:
//! `registration_rows` tags every row a merged registration brought to its
//! survivor, when the merge happens here (`tag_held`: the rows the merged
//! registration already had) and when an event naming the merged id is
//! applied after it (`Marks`/`tag_since`). The undo moves exactly those
//! rows, plus the reversals of its sales and the ledger entries those
//! sales and lots wrote, and nothing else. Amounts, times and links never
//! change (the history triggers of migration 9 allow only the customer
//! column to move), and every undo is logged in `customer_moves`.
//!
//! The undo is an event (`customer.unmerged`) applied the same way at every
//! counter and at the hub's copy, so all of them end with the same two
//! customers. It is one of the hub's ordered kinds: a counter that syncs
//! applies its own undo only when it comes back at its place in the hub's
//! order, as the others do, so of two owners' undos of one merge the first
//! there is kept everywhere (a counter on its own applies it at once).
//! Each side's profile is rebuilt from its own registration's values and
//! the edits that named it (`registers`). Where, at the owner's counter, the survivor had already spent
//! points the merged registration earned (or the other way round), what is
//! missing is moved from the other side as a pair of adjustments, so
//! neither is below zero and the two still add up to the one customer's
//! balance. The amount is decided there and carried in the event, so every
//! counter ends with the same two balances whatever else it has seen (the
//! entries that get there are worked out from each counter's own lots).
//! Points are settled as of the undo's moment: what expired by then
//! (derived by the replay) is neither owed nor handed over. While
//! the two were one customer, a redemption in one's name could draw on a
//! lot the other earned (and its refund give the points back to that
//! lot), as the one customer's replay drew it (not the lot the entry
//! named when written); the undo squares each such entry once, whole
//! (`square_lots`, balances
//! unchanged): the lot gives up what they took, net, and its holder is
//! repaid as a lot that does not expire; the entries then count in their
//! side's sum only (never drawn from its lots on replay), and, once every
//! lot is squared, that side pays what they took from its points usable
//! then. Then the settlement moves (taken from the giver's lots that
//! expire first, given as a lot that does not expire), so each side ends
//! at what its own receipts add up to and the settlement (property test
//! against a separate model of lots: `crates/store/tests/unmerge.rs`). A
//! counter that, offline, redeemed the one customer's points while the
//! owner undid the merge can leave a side below zero: that is a debt,
//! reported to the owner (`points_overdrawn`), like any redemption sync
//! finds beyond a balance. Last, each side's allowances in escrow are
//! covered (`escrow::square_allowances`): the moves between counters made
//! while the two were one stay with the survivor, and no counter may be
//! left holding less than nothing on one side and too much on the other.

use crate::apply::{Anomaly, Applying, IncomingEvent, Outcome, merge};
use crate::customers::{self, CustomerRow};
use crate::error::{Result, StoreError};
use crate::time::ms;
use crate::{Owner, Store, audit, ledger, outbox, registers};
use chrono::{DateTime, Utc};
use dangol_domain::customer::Customer;
use dangol_domain::loyalty::LedgerKind;
use dangol_domain::phone::Phone;
use dangol_domain::points::{NewPoints, PointsBook, open_lot};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// The event kind an undone merge travels as.
pub const UNMERGED: &str = "customer.unmerged";

/// The most points or stamps an undo can settle either way (far beyond any
/// balance; an event claiming more is quarantined rather than overflow).
pub const MOST_SETTLED: i64 = 1_000_000_000_000;

/// The tables whose rows belong to one customer and are tagged.
const TAGGED: [&str; 6] = ["sales", "points_ledger", "stamp_ledger", "coupons", "feedback", "prompt_log"];

/// The rows of table `t` that are tagged. An `expire` entry (written by
/// older versions at a sweep) is not: it follows its lot (`move_rows`).
fn only_owned(t: &str) -> &'static str {
    if t == "points_ledger" { " AND kind != 'expire'" } else { "" }
}

/// Tags every row now on `rid` as written for `registration` (rows already
/// tagged keep their tag: they came from an earlier merge).
pub(crate) fn tag_held(tx: &Connection, rid: i64, registration: Uuid) -> Result<()> {
    for t in TAGGED {
        let only = only_owned(t);
        tx.prepare_cached(&format!(
            "INSERT OR IGNORE INTO registration_rows (tbl, row, registration) SELECT '{t}', rid, ?2 FROM {t} WHERE customer = ?1{only}"
        ))?
        .execute(params![rid, registration.as_bytes()])?;
    }
    Ok(())
}

/// The highest row id of each tagged table, taken when an event is found
/// to name a merged registration, before it writes anything for it.
pub(crate) struct Marks([i64; 6]);

impl Marks {
    pub(crate) fn take(tx: &Connection) -> Result<Marks> {
        let mut m = [0; 6];
        for (i, t) in TAGGED.iter().enumerate() {
            m[i] = tx.prepare_cached(&format!("SELECT coalesce(max(rid), 0) FROM {t}"))?.query_row([], |r| r.get(0))?;
        }
        Ok(Marks(m))
    }

    /// Tags the rows written on `rid` since the marks as `registration`'s.
    pub(crate) fn tag_since(&self, tx: &Connection, rid: i64, registration: Uuid) -> Result<()> {
        for (i, t) in TAGGED.iter().enumerate() {
            let only = only_owned(t);
            tx.prepare_cached(&format!(
                "INSERT OR IGNORE INTO registration_rows (tbl, row, registration) SELECT '{t}', rid, ?3 FROM {t} WHERE rid > ?1 AND customer = ?2{only}"
            ))?
            .execute(params![self.0[i], rid, registration.as_bytes()])?;
        }
        Ok(())
    }
}

/// How many rows of each kind an undo moved, and what it settled.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Moved {
    pub sales: i64,
    pub points_entries: i64,
    pub stamp_entries: i64,
    pub coupons: i64,
    pub feedback: i64,
    pub prompts: i64,
    /// Points one side owed the other so that neither balance is below
    /// zero (positive: to the registration given back). The adjustments
    /// written also square the lots the two drew from each other, so they
    /// can move more than this between the lots.
    pub points_settled: i64,
    pub stamps_settled: i64,
}

/// How much of the balances moves between the two sides.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Settle {
    /// At the owner's counter: what one side is missing, from the other.
    Here,
    /// Elsewhere: exactly what the owner's counter moved (points, stamps;
    /// positive: to the registration given back).
    AsRecorded(i64, i64),
}

/// Whether `merged` was merged before migration 9 tagged rows.
pub(crate) fn untracked(tx: &Connection, merged: Uuid) -> Result<bool> {
    Ok(tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM untracked_merges WHERE merged = ?1)")?
        .query_row([merged.as_bytes()], |r| r.get(0))?)
}

/// Separates `merged` from the customer it was merged into, under `phone`
/// (inside the caller's transaction). Applying it again changes nothing.
pub(crate) fn unmerge(
    tx: &Connection,
    a: &mut Applying,
    merged: Uuid,
    phone: Phone,
    settle: Settle,
) -> Result<Outcome> {
    let record: Option<(i64, String)> = tx
        .prepare_cached("SELECT survivor, row FROM customer_merges WHERE merged = ?1")?
        .query_row([merged.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if untracked(tx, merged)? {
        return Ok(Outcome::Quarantined(format!(
            "registration {merged} was merged before rows were tagged: which are its own is not known here"
        )));
    }
    let Some((from, row)) = record else {
        let here: bool =
            tx.query_row("SELECT EXISTS (SELECT 1 FROM customers WHERE id = ?1)", [merged.as_bytes()], |r| r.get(0))?;
        if !here {
            return Ok(Outcome::Quarantined(format!("registration {merged} is not merged into another here")));
        }
        // Another undo of the same merge came first in the hub's order (two
        // owners, two counters, offline): that one is kept at every
        // counter, this one changes nothing anywhere, and the owner is told
        // (the phone this one gave is not the registration's).
        let other: Option<Vec<u8>> = tx
            .prepare_cached("SELECT event_id FROM customer_moves WHERE registration = ?1 AND event_id != ?2")?
            .query_row(params![merged.as_bytes(), a.event.event_id.as_bytes()], |r| r.get(0))
            .optional()?;
        if other.is_some() {
            a.anomaly(
                "merge_undone_twice",
                merged,
                serde_json::json!({"registration": merged, "phone": phone.masked(), "event": a.event.event_id}),
            );
        }
        return Ok(Outcome::Applied);
    };
    let Ok(mut restored) = serde_json::from_str::<Customer>(&row) else {
        return Ok(Outcome::Quarantined(format!("the kept registration {merged} cannot be read")));
    };
    let survivor = customers::get_rid(tx, from)?.customer.id;
    restored.phone = phone;
    tx.prepare_cached("DELETE FROM customer_merges WHERE merged = ?1")?.execute([merged.as_bytes()])?;
    // Each side's profile: its own registration's values with the latest
    // write naming it (or, on the survivor's row, naming a registration
    // still merged into it), so an edit lands on the same side whether it
    // was applied before the undo or after.
    // Its card goes back with it as its claim: a survivor that took it at
    // the merge gives it up in the rebuild (a row merged before version 10,
    // with no recorded start, gives up the card it shares with it); where
    // another customer claims it too, `customers::settle_card` says who
    // holds it.
    if !rebuild_survivor(tx, from)? {
        let row = customers::get_rid(tx, from)?.customer;
        // Unless an edit wrote the survivor's card: then it is the edit's,
        // whichever order the edit and the undo came in.
        if !registers::written(tx, from, "card_code")?
            && restored.card_code.is_some()
            && row.card_code == restored.card_code
        {
            customers::write_profile(tx, from, &row, &Customer { card_code: None, ..row.clone() })?;
        }
    }
    // The phone given back is free here, or another counter registered it
    // meanwhile: then those two are one customer, by the same rule as any
    // two registrations of one phone (the order they arrive in does not
    // change the result).
    let to = match customers::find_by_phone(tx, restored.phone.digits())? {
        None => customers::insert_claiming(tx, &restored)?,
        Some(held) => {
            let rid = held.rid;
            merge(tx, a, held, restored.clone())?;
            rid
        }
    };
    let writes = registers::writes_of(tx, &[merged])?;
    let held = customers::get_rid(tx, to)?.customer;
    let after = registers::overlay(tx, to, &held, &writes)?;
    customers::write_profile(tx, to, &held, &after)?;
    // Points are settled as of the undo's moment, each lot's expiry as the
    // one customer's book had it then: what expired is neither owed nor
    // handed over.
    // Which lot each entry drew, as the one customer's book replays the
    // entries placed before the undo in the hub's order (those every
    // counter holds when it applies the undo, whatever of its own it has
    // written since).
    let draws = ledger::placed_points_book(tx, from)?.draws().to_vec();
    let expired = expired_by_lot([ledger::points_book(tx, from)?, ledger::points_book(tx, to)?], a.at);
    let mut moved = move_rows(tx, merged, from, to)?;
    let own = crate::settings::device_id(tx)?;
    let by = (a.event.device != own).then_some(a.event.device);
    // What each side's own receipts add up to (its name), less what
    // expired of the lots it holds, before the lots are squared.
    let named = (named_sum(tx, from, &expired)?, named_sum(tx, to, &expired)?);
    let (points, stamps) = match settle {
        Settle::Here => (shortfall(named.0, named.1), shortfall(ledger::stamps(tx, from)?, ledger::stamps(tx, to)?)),
        Settle::AsRecorded(p, s) => (p, s),
    };
    moved.points_settled = points;
    moved.stamps_settled = stamps;
    // What follows is written after every entry either side holds (an
    // undo applies where the hub placed it, maybe after events dated later
    // than the owner's request), so replaying a book never draws it first.
    let latest: Option<i64> = tx
        .prepare_cached(&format!(
            "SELECT max(at) FROM points_ledger WHERE customer IN (?1, ?2) AND rid NOT IN ({})",
            ledger::UNPLACED
        ))?
        .query_row([from, to], |r| r.get(0))?;
    // Strictly after it: entries of one moment replay by the counter that
    // wrote them, and this one's may sort first.
    let when = latest.map_or(a.at, |l| {
        let l = crate::time::from_ms(l);
        if l < a.at { a.at } else { l + chrono::Duration::milliseconds(1) }
    });
    // Entries in one side's name drew on lots the other side now holds:
    // square them (balances unchanged), let what expired by then go, and
    // have each side pay what it took. Then the settlement moves, so `to`
    // ends at its receipts' sum plus the settlement (as at every counter)
    // and `from` at the rest, less what expired on each since the undo's
    // moment.
    let owing = square_lots(tx, from, to, &draws, by, when)?;
    pay_squared(tx, owing, by, when)?;
    move_points(tx, from, to, points, by, when)?;
    if stamps != 0 {
        ledger::write_stamps(tx, from, None, a.at, LedgerKind::Adjust, -stamps)?;
        ledger::write_stamps(tx, to, None, a.at, LedgerKind::Adjust, stamps)?;
    }
    // Each side's points in escrow: no counter left holding less than
    // nothing on one side and the same too much on the other.
    crate::escrow::square_allowances(tx, a.event.event_id, [from, to])?;
    for rid in [from, to] {
        let (p, st) = (ledger::points_balance(tx, rid)?, ledger::stamps(tx, rid)?);
        let who = customers::get_rid(tx, rid)?.customer.id;
        if p < 0 {
            a.anomaly("points_overdrawn", who, serde_json::json!({"merge_undone": merged, "beyond_balance": -p}));
        }
        if st < 0 {
            a.anomaly("stamps_overdrawn", who, serde_json::json!({"merge_undone": merged, "beyond_balance": -st}));
        }
    }
    customers::refresh_visits(tx, from)?;
    customers::refresh_visits(tx, to)?;
    let to_id = customers::get_rid(tx, to)?.customer.id;
    if to_id == merged {
        tx.prepare_cached("DELETE FROM registration_rows WHERE registration = ?1")?.execute([merged.as_bytes()])?;
    }
    let detail = serde_json::to_string(&moved).expect("plain data");
    tx.prepare_cached(
        "INSERT OR IGNORE INTO customer_moves (event_id, registration, from_rid, to_rid, at, moved) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![a.event.event_id.as_bytes(), merged.as_bytes(), from, to, ms(a.at), detail])?;
    a.anomalies.push(Anomaly {
        kind: "merge_undone",
        subject: merged.to_string(),
        detail: serde_json::json!({
            "registration": merged, "survivor": survivor, "now": to_id,
            "phone": restored.phone.masked(), "moved": moved,
        }),
    });
    a.moved = Some(moved);
    Ok(Outcome::Applied)
}

/// Rebuilds the survivor's row `rid` from the profile it started from and
/// the writes of the registrations still on it. A row merged before
/// version 10 has no recorded start and keeps its profile as it is
/// (returns false).
fn rebuild_survivor(tx: &Connection, rid: i64) -> Result<bool> {
    let Some(base) = registers::base(tx, rid)? else { return Ok(false) };
    let row = customers::get_rid(tx, rid)?.customer;
    let mut on_row = vec![row.id];
    let mut merged = tx.prepare_cached("SELECT merged FROM customer_merges WHERE survivor = ?1")?;
    for m in merged.query_map([rid], |r| r.get::<_, Vec<u8>>(0))? {
        // A CHECK keeps every id 16 bytes.
        on_row.push(Uuid::from_slice(&m?).unwrap_or_default());
    }
    let start = registers::restart(tx, rid, &row, &base)?;
    let after = registers::overlay(tx, rid, &start, &registers::writes_of(tx, &on_row)?)?;
    customers::write_profile(tx, rid, &row, &after)?;
    // A registration still merged into it may bring its card.
    crate::apply::card_of_merged(tx, rid)?;
    Ok(true)
}

/// Moves the registration's rows from `from` to `to`: its tagged rows, the
/// reversals of its sales, the ledger entries its sales wrote and the
/// expiries of its lots.
fn move_rows(tx: &Connection, registration: Uuid, from: i64, to: i64) -> Result<Moved> {
    let reg = registration.as_bytes();
    let tagged = |t: &str| format!("SELECT row FROM registration_rows WHERE tbl = '{t}' AND registration = ?3");
    // Every statement names the registration (?3), directly or not.
    let run = |sql: String| -> Result<i64> { Ok(tx.execute(&sql, params![from, to, reg])? as i64) };
    let untagged = |sql: &str| -> Result<i64> { Ok(tx.execute(sql, params![from, to])? as i64) };
    let sales = run(format!(
        "UPDATE sales SET customer = ?2 WHERE customer = ?1 AND (rid IN ({s}) OR reverses IN ({s}))",
        s = tagged("sales")
    ))?;
    let of_moved_sales = "sale IN (SELECT rid FROM sales WHERE customer = ?2)";
    let mut points_entries = run(format!(
        "UPDATE points_ledger SET customer = ?2 WHERE customer = ?1 AND (rid IN ({}) OR {of_moved_sales})",
        tagged("points_ledger")
    ))?;
    // A lot's expiry goes with the lot (`expire` entries older versions
    // wrote; expiry is derived now).
    points_entries += untagged(
        "UPDATE points_ledger SET customer = ?2 WHERE customer = ?1 AND kind = 'expire' AND lot IN (SELECT rid FROM points_ledger WHERE customer = ?2)",
    )?;
    let stamp_entries = run(format!(
        "UPDATE stamp_ledger SET customer = ?2 WHERE customer = ?1 AND (rid IN ({}) OR {of_moved_sales})",
        tagged("stamp_ledger")
    ))?;
    untagged(&format!("UPDATE sale_discounts SET customer = ?2 WHERE customer = ?1 AND {of_moved_sales}"))?;
    let simple = |t: &str| run(format!("UPDATE {t} SET customer = ?2 WHERE customer = ?1 AND rid IN ({})", tagged(t)));
    Ok(Moved {
        sales,
        points_entries,
        stamp_entries,
        coupons: simple("coupons")?,
        feedback: simple("feedback")?,
        prompts: simple("prompt_log")?,
        points_settled: 0,
        stamps_settled: 0,
    })
}

/// Lists an entry as squared: it counts in its customer's sum only.
fn mark_squared(tx: &Connection, entry: i64) -> Result<()> {
    tx.prepare_cached("INSERT INTO squared_points (entry) VALUES (?1)")?.execute([entry])?;
    Ok(())
}

/// What expired of each lot (by its id) by `at`, as `books` (read before
/// the undo moves anything) replay it.
fn expired_by_lot(books: [PointsBook; 2], at: DateTime<Utc>) -> HashMap<i64, i64> {
    let mut out = HashMap::new();
    for mut book in books {
        book.expire_through(at);
        out.extend(book.lots().iter().map(|l| (l.id, l.expired)));
    }
    out
}

/// A side's entries summed, less what `expired` says expired of the lots
/// it now holds.
fn named_sum(tx: &Connection, rid: i64, expired: &HashMap<i64, i64>) -> Result<i64> {
    let rows: Vec<(i64, i64)> = tx
        .prepare_cached("SELECT rid, points FROM points_ledger WHERE customer = ?1 AND kind != 'expire'")?
        .query_map([rid], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows.iter().map(|(id, points)| points - expired.get(id).copied().unwrap_or(0)).sum())
}

/// A registration's tag (`registration_rows`), if the row has one.
type Tag = Option<Vec<u8>>;

/// An entry one side wrote that drew (or gave back to) a lot the other side
/// now holds, and every other lot that entry drew: the entry is squared
/// whole.
struct Crossing {
    entry: i64,
    lot: i64,
    points: i64,
    /// Who now holds the lot, and who wrote the entry.
    holder: i64,
    drawer: i64,
    /// The lot's registration tag, and the entry's (or its sale's).
    lot_tag: Tag,
    entry_tag: Tag,
}

/// What a side must still pay after the squaring: (customer, tag, points).
type Owing = Vec<(i64, Tag, i64)>;

/// The draws (from the one customer's replay, before the undo moved
/// anything) of every entry, not yet squared, that drew on a lot now on
/// the other side.
fn crossings(tx: &Connection, sides: [i64; 2], draws: &[(i64, i64, i64)]) -> Result<Vec<Crossing>> {
    let owner_of = |rid: i64| -> Result<Option<i64>> {
        Ok(tx
            .prepare_cached(
                "SELECT customer FROM points_ledger p WHERE rid = ?1
                 AND NOT EXISTS (SELECT 1 FROM squared_points q WHERE q.entry = p.rid)",
            )?
            .query_row([rid], |r| r.get(0))
            .optional()?)
    };
    let mut placed = Vec::with_capacity(draws.len());
    let mut crossing_entries = std::collections::BTreeSet::new();
    for &(entry, lot, points) in draws {
        let (Some(drawer), Some(holder)) = (owner_of(entry)?, owner_of(lot)?) else { continue };
        if !sides.contains(&drawer) || !sides.contains(&holder) {
            continue;
        }
        if drawer != holder {
            crossing_entries.insert(entry);
        }
        placed.push((entry, lot, points, holder, drawer));
    }
    let mut out = Vec::new();
    for (entry, lot, points, holder, drawer) in placed.into_iter().filter(|p| crossing_entries.contains(&p.0)) {
        let (lot_tag, entry_tag) = tx
            .prepare_cached(
                "SELECT (SELECT registration FROM registration_rows WHERE tbl = 'points_ledger' AND row = l.rid),
                        coalesce(re.registration, rs.registration, rr.registration)
                 FROM points_ledger e JOIN points_ledger l ON l.rid = ?2
                 LEFT JOIN registration_rows re ON re.tbl = 'points_ledger' AND re.row = e.rid
                 LEFT JOIN registration_rows rs ON rs.tbl = 'sales' AND rs.row = e.sale
                 LEFT JOIN sales s ON s.rid = e.sale
                 LEFT JOIN registration_rows rr ON rr.tbl = 'sales' AND rr.row = s.reverses
                 WHERE e.rid = ?1",
            )?
            .query_row([entry, lot], |r| Ok((r.get(0)?, r.get(1)?)))?;
        out.push(Crossing { entry, lot, points, holder, drawer, lot_tag, entry_tag });
    }
    Ok(out)
}

/// The note on a side's payment for what its squared entries took: spent
/// as any spend is, from the points usable then.
const PAYMENT_NOTE: &str = "고객 병합 취소: 다른 등록에서 쓴 포인트 정산";

/// Writes squaring entries at `when` on `rid`'s ledger, tagged.
fn write_squaring(
    tx: &Connection,
    book: &mut PointsBook,
    rid: i64,
    by: Option<Uuid>,
    note: &str,
    entries: &[NewPoints],
    registration: &Tag,
) -> Result<Vec<i64>> {
    let ids = ledger::write_points(tx, book, rid, by, None, Some(note), entries)?;
    if let Some(r) = registration {
        for id in &ids {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO registration_rows (tbl, row, registration) VALUES ('points_ledger', ?1, ?2)",
            )?
            .execute(params![id, r])?;
        }
    }
    Ok(ids)
}

fn adjust_at(when: DateTime<Utc>, amount: i64, lot: Option<i64>) -> NewPoints {
    NewPoints { at: when, kind: LedgerKind::Adjust, amount, expires_at: None, lot }
}

/// Squares the lots each side keeps with the entries the other side wrote
/// against them while the two were one customer (redemptions, and the
/// points their refunds gave back), each entry once, without changing
/// either side's balance:
/// 1. each such lot gives up what those entries took from it, net (so it
///    holds what the one customer's history left in it and expires as it
///    would have), and its holder is repaid that as a lot that does not
///    expire;
/// 2. the entries are listed in `squared_points`: from then on they count
///    in their own side's sum only, touching none of its lots however its
///    book is replayed (`PointsEntry::elsewhere`), and what each side took,
///    net, is returned for `pay_squared`, once every lot is squared.
///
/// Entries are dated `when`, after every entry either customer holds, so
/// replaying a book never draws them first, and carry the registration tag
/// of the lot they balance, so a later undo moves them with it.
fn square_lots(
    tx: &Connection,
    from: i64,
    to: i64,
    draws: &[(i64, i64, i64)],
    by: Option<Uuid>,
    when: DateTime<Utc>,
) -> Result<Owing> {
    if from == to {
        return Ok(Vec::new());
    }
    let overflow = || StoreError::bad_input("points", "정리할 포인트가 너무 큽니다", "the points to square overflow");
    let found = crossings(tx, [from, to], draws)?;
    for holder in [from, to] {
        let mut by_lot: Vec<(i64, &Tag, i64)> = Vec::new();
        for c in found.iter().filter(|c| c.holder == holder) {
            match by_lot.iter_mut().find(|x| x.0 == c.lot) {
                Some(x) => x.2 = x.2.checked_add(c.points).ok_or_else(overflow)?,
                None => by_lot.push((c.lot, &c.lot_tag, c.points)),
            }
        }
        let mut book = ledger::points_book(tx, holder)?;
        for (lot, tag, net) in by_lot {
            let entries = [adjust_at(when, net, Some(lot)), adjust_at(when, -net, None)];
            write_squaring(tx, &mut book, holder, by, ledger::SQUARING_NOTE, &entries, tag)?;
        }
    }
    // Each entry squared counts in its side's sum only from now on, whole
    // (what it drew from lots, and any part no lot covered or that paid a
    // debt), so its side owes its whole amount.
    let mut owing: Owing = Vec::new();
    let mut squared = std::collections::BTreeSet::new();
    for c in &found {
        if !squared.insert(c.entry) {
            continue;
        }
        mark_squared(tx, c.entry)?;
        let points: i64 =
            tx.prepare_cached("SELECT points FROM points_ledger WHERE rid = ?1")?.query_row([c.entry], |r| r.get(0))?;
        match owing.iter_mut().find(|x| x.0 == c.drawer && x.1 == c.entry_tag) {
            Some(x) => x.2 = x.2.checked_add(points).ok_or_else(overflow)?,
            None => owing.push((c.drawer, c.entry_tag.clone(), points)),
        }
    }
    Ok(owing)
}

/// Each side pays, at `when`, what its entries took from the other's lots
/// (net), from the points it can use then (those expiring first; a debt if
/// it has none), tagged as those entries were. The entries squared count
/// in its sum already, so the payment comes with an entry that counts in
/// the sum only (listed in `squared_points`): the lots give the points up,
/// the balance stays.
fn pay_squared(tx: &Connection, owing: Owing, by: Option<Uuid>, when: DateTime<Utc>) -> Result<()> {
    for (rid, tag, net) in owing {
        if net == 0 {
            continue;
        }
        let mut book = ledger::points_book(tx, rid)?;
        // One entry naming no lot: the replay draws it where it falls, so
        // every counter writes the same entry whatever lots it holds.
        write_squaring(tx, &mut book, rid, by, PAYMENT_NOTE, &[adjust_at(when, net, None)], &tag)?;
        // Counted in the sum only: the book it is folded into here is not
        // used again (read back, it is `elsewhere`).
        for id in write_squaring(tx, &mut book, rid, by, PAYMENT_NOTE, &[adjust_at(when, -net, None)], &tag)? {
            mark_squared(tx, id)?;
        }
    }
    Ok(())
}

/// What moves towards `to` so that neither sum is below zero (when the
/// two together are not): `to`'s shortfall, or minus `from`'s.
fn shortfall(from: i64, to: i64) -> i64 {
    if to < 0 {
        (-to).min(from.max(0))
    } else if from < 0 {
        -((-from).min(to))
    } else {
        0
    }
}

/// Moves `points` from `from` to `to` (negative: the other way) as a pair
/// of adjustments: taken from the giver's lots that expire first, given as
/// a lot of its own that does not expire.
fn move_points(tx: &Connection, from: i64, to: i64, points: i64, by: Option<Uuid>, at: DateTime<Utc>) -> Result<()> {
    let (giver, taker, n) = match points.cmp(&0) {
        std::cmp::Ordering::Equal => return Ok(()),
        std::cmp::Ordering::Greater => (from, to, points),
        std::cmp::Ordering::Less => (to, from, -points),
    };
    let note = "고객 병합 취소 정산";
    // One entry naming no lot: the replay draws it where it falls, so every
    // counter writes the same entry whatever lots it holds.
    let mut book = ledger::points_book(tx, giver)?;
    ledger::write_points(tx, &mut book, giver, by, None, Some(note), &[adjust_at(at, -n, None)])?;
    let mut book = ledger::points_book(tx, taker)?;
    ledger::write_points(tx, &mut book, taker, by, None, Some(note), &[open_lot(at, LedgerKind::Adjust, n, None)])?;
    Ok(())
}

/// What the owner's undo did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UndoneMerge {
    /// The registration given back, under its own id.
    pub registration: Uuid,
    /// The customer it had been merged into.
    pub survivor: Uuid,
    /// The customer the registration is now (itself, unless the phone it
    /// was given is another registration's).
    pub now: Uuid,
    pub moved: Moved,
    /// Requested, not yet done: this counter syncs with a hub, and the undo
    /// takes effect when the next sync brings it back in the hub's order
    /// (`now` and `moved` say what it will do, as things stand here).
    pub pending: bool,
}

/// Whether an undo of `merged` requested here still waits for the hub's
/// order (sent or not, not yet back).
pub(crate) fn pending(tx: &Connection, merged: Uuid) -> Result<bool> {
    Ok(tx
        .prepare_cached(
            // The kind is written out so the partial index `outbox_unmerges` serves it.
            "SELECT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'customer.unmerged' AND json_extract(o.payload, '$.merged') = ?1
             AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.event_id = o.event_id))",
        )?
        .query_row([merged.to_string()], |r| r.get(0))?)
}

impl Store {
    /// The owner undoes a merge sync made: `merged` comes back as its own
    /// customer under `phone` (which no customer here may hold), with the
    /// sales, points, stamps, coupons, feedback and suggestions it brought.
    /// Every counter applies the same undo when it syncs.
    pub fn undo_merge(
        &mut self,
        _owner: &Owner,
        merged: Uuid,
        phone: &str,
        at: DateTime<Utc>,
        ids: &mut dyn crate::IdSource,
    ) -> Result<UndoneMerge> {
        let phone = Phone::parse(phone)?;
        let ctx = self.write_ctx()?;
        let mut tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ctx.check(&tx, ids, at, None, "merge undo")?;
        let survivor: Option<CustomerRow> = {
            let rid: Option<i64> = tx
                .query_row("SELECT survivor FROM customer_merges WHERE merged = ?1", [merged.as_bytes()], |r| r.get(0))
                .optional()?;
            rid.map(|rid| customers::get_rid(&tx, rid)).transpose()?
        };
        let Some(survivor) = survivor else {
            return Err(StoreError::NotFound { what: "merged registration", key: merged.to_string() });
        };
        if untracked(&tx, merged)? {
            return Err(StoreError::bad_input(
                "merged registration",
                "이 병합은 기록마다 주인을 적기 전(업데이트 전)에 이루어져 되돌릴 수 없습니다",
                "this merge was made before each record noted its registration (before the update), so it cannot be undone",
            ));
        }
        if let Some(holder) = customers::find_by_phone(&tx, phone.digits())? {
            return Err(StoreError::Duplicate {
                what: "phone number",
                key: phone.masked(),
                customer: Some(holder.customer.id),
            });
        }
        // Joined to a hub, the undo takes effect when it comes back in the
        // hub's order, here as at every counter (of two owners' undos of
        // one merge, the first there is kept everywhere): it is worked out
        // here (what to settle, what would move) and not kept. A counter
        // of its own applies it at once.
        let joined = crate::escrow::in_force(&tx)?;
        if joined && pending(&tx, merged)? {
            return Err(StoreError::bad_input(
                "merged registration",
                "이 병합은 이미 취소를 요청했습니다. 다음 동기화 때 적용됩니다",
                "an undo of this merge is already waiting for the next sync",
            ));
        }
        let event_id = ids.next_id(at);
        let event = IncomingEvent {
            pos: 0,
            device: ctx.device,
            seq: 0,
            event_id,
            at_ms: ms(at),
            kind: UNMERGED.into(),
            schema_version: crate::outbox::EVENT_SCHEMA_VERSION,
            payload: String::new(),
        };
        let mut a = Applying::new(&event);
        let moved = {
            let mut sp = tx.savepoint()?;
            sp.set_drop_behavior(rusqlite::DropBehavior::Rollback);
            unmerge(&sp, &mut a, merged, phone.clone(), Settle::Here)?;
            if joined {
                sp.finish()?;
            } else {
                sp.commit()?;
            }
            a.moved.take()
        };
        // The merge record was read in this transaction, so the undo moved
        // its rows; `None` only if it was refused.
        let Some(moved) = moved else {
            return Err(StoreError::NotFound { what: "merged registration", key: merged.to_string() });
        };
        let payload = serde_json::json!({
            "merged": merged, "survivor": survivor.customer.id, "phone": phone.digits(),
            "points_settled": moved.points_settled, "stamps_settled": moved.stamps_settled,
        });
        outbox::append_as(&tx, event_id, ctx.device, at, UNMERGED, &payload)?;
        if !joined {
            crate::sync::record_anomalies(&tx, ms(ctx.now), &a)?;
        }
        let now: Uuid = customers::find_by_phone(&tx, phone.digits())?.map_or(merged, |c| c.customer.id);
        audit::record(
            &tx,
            ids,
            ctx.device,
            at,
            audit::Entry::owner(UNMERGED, merged.to_string())
                .before(serde_json::json!({"merged_into": survivor.customer.id}))
                .after(serde_json::json!({"customer": now, "phone": phone.masked(), "moved": moved})),
        )?;
        tx.commit()?;
        self.points.forget();
        Ok(UndoneMerge { registration: merged, survivor: survivor.customer.id, now, moved, pending: joined })
    }
}

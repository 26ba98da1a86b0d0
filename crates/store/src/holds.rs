//! Points held for a redemption the register takes at payment
//! (`point_holds`, migration 21): made, captured by the sale that spends
//! them (in the sale's transaction), released, or ended by themselves at
//! their expiry (derived from the moment, never written). An open hold sets
//! its points aside from every other redemption at this counter; the work
//! in hand may spend its own hold (`Store::using_hold`).

use crate::customers;
use crate::error::{Result, StoreError, say};
use crate::time::{from_ms, ms};
use crate::{Store, standing};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use uuid::Uuid;

/// The longest a hold may last, in minutes.
pub const MAX_MINUTES: i64 = 60;

/// Where a hold stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldState {
    /// Set aside until it is captured, released or expires.
    Held,
    /// Spent by a sale.
    Captured,
    Released,
    /// Not captured or released in time: the points are free again.
    Expired,
}

/// A points hold.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HoldView {
    pub id: Uuid,
    pub customer: Uuid,
    pub points: i64,
    pub made_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub state: HoldState,
    /// The sale that captured it.
    pub sale: Option<Uuid>,
}

/// Points in this customer's open holds at `at`, but `except`.
fn held(conn: &Connection, customer: i64, at: DateTime<Utc>, except: Option<Uuid>) -> Result<i64> {
    let except = except.map(|u| u.as_bytes().to_vec()).unwrap_or_default();
    Ok(conn.query_row(
        "SELECT coalesce(sum(points), 0) FROM point_holds
         WHERE customer = ?1 AND ended IS NULL AND expires_at > ?2 AND id != ?3",
        params![customer, ms(at), except],
        |r| r.get(0),
    )?)
}

/// Sets aside from what `facts` may redeem the points of this customer's
/// open holds at `at`, but the hold in hand (`except`).
pub(crate) fn set_aside(
    conn: &Connection,
    facts: &mut dangol_domain::eligibility::CustomerFacts,
    customer: i64,
    at: DateTime<Utc>,
    except: Option<Uuid>,
) -> Result<()> {
    facts.points = (facts.points - held(conn, customer, at, except)?).max(0);
    Ok(())
}

fn read(conn: &Connection, id: Uuid, at: DateTime<Utc>) -> Result<Option<HoldView>> {
    type Row = (i64, i64, i64, i64, Option<String>, Option<Vec<u8>>);
    let row: Option<Row> = conn
        .query_row(
            "SELECT customer, points, made_at, expires_at, ended, sale FROM point_holds WHERE id = ?1",
            [id.as_bytes()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .optional()?;
    let Some((rid, points, made, expires, ended, sale)) = row else {
        return Ok(None);
    };
    let state = match ended.as_deref() {
        Some("captured") => HoldState::Captured,
        Some(_) => HoldState::Released,
        None if expires <= ms(at) => HoldState::Expired,
        None => HoldState::Held,
    };
    Ok(Some(HoldView {
        id,
        customer: customers::get_rid(conn, rid)?.customer.id,
        points,
        made_at: from_ms(made),
        expires_at: from_ms(expires),
        state,
        sale: sale.and_then(|s| Uuid::from_slice(&s).ok()),
    }))
}

fn hold_problem(ko: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::BadInput { what: "points hold", reason: say(ko, en) }
}

/// The hold a sale captures: open, and this customer's.
pub(crate) fn capturable(conn: &Connection, id: Uuid, customer: i64, at: DateTime<Utc>) -> Result<()> {
    let hold = read(conn, id, at)?.ok_or_else(|| StoreError::not_found("points hold", id))?;
    let owner = customers::get_rid(conn, customer)?.customer.id;
    if hold.customer != owner {
        return Err(hold_problem("이 보류는 다른 고객의 것입니다", "this hold is another customer's"));
    }
    match hold.state {
        HoldState::Held => Ok(()),
        HoldState::Captured => {
            Err(hold_problem("이 보류는 이미 판매에 쓰였습니다", "this hold was already spent by a sale"))
        }
        HoldState::Released => Err(hold_problem("이 보류는 풀렸습니다", "this hold was released")),
        HoldState::Expired => Err(hold_problem("이 보류는 시간이 지나 끝났습니다", "this hold expired")),
    }
}

/// Ends a hold with the sale that spent it (in the sale's transaction).
pub(crate) fn capture(conn: &Connection, id: Uuid, sale: Uuid, at: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE point_holds SET ended = 'captured', ended_at = ?2, sale = ?3 WHERE id = ?1 AND ended IS NULL",
        params![id.as_bytes(), ms(at), sale.as_bytes()],
    )?;
    Ok(())
}

impl Store {
    /// Runs `f` with `hold` as the work's own: a preview or a checkout in
    /// it may spend the hold's points (and a checkout captures it).
    pub fn using_hold<T>(&mut self, hold: Option<Uuid>, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        self.hold_in_hand = hold;
        // Put back even if `f` panics (the shells catch panics and go on
        // with the store): a hold left in hand would be every later sale's.
        let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self)));
        self.hold_in_hand = None;
        done.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }

    /// Holds `points` of a customer's points for `minutes` (1–60), under
    /// `id`: refused when fewer are free (usable here, less other holds).
    pub fn hold_points(&mut self, id: Uuid, customer: Uuid, points: i64, minutes: i64) -> Result<HoldView> {
        if points <= 0 || !(1..=MAX_MINUTES).contains(&minutes) {
            return Err(hold_problem(
                "보류할 포인트는 1 이상, 시간은 1–60분입니다",
                "a hold is 1 point or more, for 1–60 minutes",
            ));
        }
        let ctx = self.write_ctx()?;
        let at = ctx.now;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = customers::get(&tx, customer)?;
        let rules = self.rules.get(&tx)?;
        let standing = standing::load_standing(&tx, &self.points, &row, &rules.0, at)?;
        let free = standing.facts.points - held(&tx, row.rid, at, None)?;
        if points > free {
            return Err(hold_problem(
                format!("보류할 수 있는 포인트는 {}P입니다", free.max(0)),
                format!("{} points are free to hold", free.max(0)),
            ));
        }
        let expires = at + Duration::minutes(minutes);
        tx.execute(
            "INSERT INTO point_holds (id, customer, points, made_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id.as_bytes(), row.rid, points, ms(at), ms(expires)],
        )?;
        let view = read(&tx, id, at)?.ok_or_else(|| StoreError::not_found("points hold", id))?;
        tx.commit()?;
        Ok(view)
    }

    /// A hold as it stands now.
    pub fn points_hold(&self, id: Uuid) -> Result<HoldView> {
        read(&self.conn, id, self.now())?.ok_or_else(|| StoreError::not_found("points hold", id))
    }

    /// Releases a hold: its points are free again. Releasing one released
    /// or expired already changes nothing; one a sale spent is refused.
    pub fn release_hold(&mut self, id: Uuid) -> Result<HoldView> {
        let ctx = self.write_ctx()?;
        let at = ctx.now;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let hold = read(&tx, id, at)?.ok_or_else(|| StoreError::not_found("points hold", id))?;
        match hold.state {
            HoldState::Captured => {
                return Err(hold_problem("이 보류는 이미 판매에 쓰였습니다", "this hold was already spent by a sale"));
            }
            HoldState::Held => {
                tx.execute(
                    "UPDATE point_holds SET ended = 'released', ended_at = ?2 WHERE id = ?1 AND ended IS NULL",
                    params![id.as_bytes(), ms(at)],
                )?;
            }
            HoldState::Released | HoldState::Expired => {}
        }
        let view = read(&tx, id, at)?.ok_or_else(|| StoreError::not_found("points hold", id))?;
        tx.commit()?;
        Ok(view)
    }
}

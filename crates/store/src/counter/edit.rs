//! Editing a customer's profile at the counter: a preferred name, notes,
//! tags, a birth date, marketing consent (a tier is the owner's to give).

use super::views::*;
use crate::customers::{self};
use crate::error::{Result, StoreError};
use crate::lookup::{Found, MatchKind};
use crate::owner::Viewer;
use crate::{Store, outbox, registers};
use chrono::{DateTime, Utc};
use dangol_domain::customer::CustomerPatch;
use dangol_domain::ids::IdSource;
use rusqlite::TransactionBehavior;
use uuid::Uuid;

impl Store {
    /// Changes the fields `patch` names, validated as a registration is.
    /// Each changed field is stamped for sync (`registers`); a patch that
    /// changes nothing writes nothing.
    pub fn edit_customer(
        &mut self,
        customer: Uuid,
        patch: CustomerPatch,
        viewer: &Viewer,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<CustomerSummary> {
        if patch.changes_tier() && viewer.owner().is_none() {
            return Err(StoreError::OwnerRequired {
                what: crate::error::say("고객 등급 바꾸기", "change a customer's tier"),
            });
        }
        let ctx = self.write_ctx()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = customers::get(&tx, customer)?;
        ctx.check(&tx, ids, at, Some(row.registered()), "customer edit")?;
        let mut after = patch.apply(&row.customer, at)?;
        after.updated_at = at;
        if let Some(event) = registers::edited_here(&tx, row.rid, &row.customer, &after, ctx.device, at)? {
            customers::update(&tx, row.rid, &row.customer, &after)?;
            outbox::append(&tx, ids, ctx.device, at, "customer.updated", &event)?;
        }
        let row = customers::get_rid(&tx, row.rid)?;
        tx.commit()?;
        Ok(summary(&Found::from(&row), MatchKind::Card, viewer))
    }
}

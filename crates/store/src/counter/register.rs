//! Registering a customer at the counter.

use super::views::*;
use crate::customers::{self};
use crate::error::{Result, StoreError};
use crate::lookup::{Found, MatchKind};
use crate::owner::Viewer;
use crate::{Store, outbox};
use chrono::{DateTime, Utc};
use dangol_domain::customer::{CustomerInput, Tier};
use dangol_domain::ids::IdSource;
use rusqlite::TransactionBehavior;

impl Store {
    /// Registers a new customer at the counter. A tier other than basic is
    /// the owner's to give (`viewer` must be the owner).
    pub fn add_customer(
        &mut self,
        input: CustomerInput,
        viewer: &Viewer,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<CustomerSummary> {
        let customer = input.validate(ids.next_id(at), at)?;
        if customer.tier != Tier::Basic && viewer.owner().is_none() {
            return Err(StoreError::OwnerRequired {
                what: crate::error::say("고객 등급 정하기", "give a customer a tier"),
            });
        }
        let ctx = self.write_ctx()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        ctx.check(&tx, ids, at, None, "customer registration")?;
        let rid = customers::insert(&tx, &customer, 0, None)?;
        outbox::append(&tx, ids, ctx.device, at, "customer.created", &customers::event_payload(&customer))?;
        let row = customers::get_rid(&tx, rid)?;
        tx.commit()?;
        Ok(summary(&Found::from(&row), MatchKind::Card, viewer))
    }
}

//! The customer's card: who they are, their history, balances, coupons and
//! open complaints, as the counter shows it.

use super::views::*;
use crate::customers::{self};
use crate::error::Result;
use crate::owner::Viewer;
use crate::standing::load_context;
use crate::{Store, feedback, settings};
use chrono::{DateTime, Duration, Utc};
use dangol_domain::time::age_on;
use uuid::Uuid;

impl Store {
    /// The customer's profile with history, balances and open complaints.
    pub fn profile(&self, id: Uuid, at: DateTime<Utc>, viewer: &Viewer) -> Result<Profile> {
        let row = customers::get(&self.conn, id)?;
        let loaded = self.rules.get(&self.conn)?;
        let rules = &loaded.0;
        let loyalty = settings::loyalty(&self.conn)?;
        let ctx = load_context(&self.conn, &self.points, row, rules, at)?;
        let c = &ctx.row.customer;
        let total_spent: i64 = self
            .conn
            .prepare_cached("SELECT coalesce(sum(total), 0) FROM sales WHERE customer = ?1")?
            .query_row([ctx.row.rid], |r| r.get(0))?;
        let expiring = ctx
            .standing
            .book
            .expiring_soon(at, Duration::days(loyalty.points_warning_days))
            .map(|(points, at)| PointsExpiring { points, at });
        let recent_feedback = feedback::recent_for(&self.conn, ctx.row.rid, 10)?;
        let facts = &ctx.standing.facts;
        Ok(Profile {
            id: c.id,
            name: c.name.clone(),
            preferred_name: c.preferred_name.clone(),
            phone_masked: c.phone.masked(),
            phone: viewer.sees_full_phones().then(|| c.phone.formatted()),
            tier: c.tier.as_str().into(),
            birth_date: c.birth_date.map(|d| d.to_string()),
            age: c.birth_date.map(|b| age_on(b, self.zone.date(at))),
            tags: c.tags.clone(),
            notes: c.notes.clone(),
            marketing_consent: c.marketing_consent,
            card_code: ctx.row.card_held().map(str::to_owned),
            created_at: c.created_at,
            visits: ctx.row.visits,
            last_visit: ctx.row.last_visit,
            total_spent,
            usual_interval_days: ctx.history.usual_interval_days,
            usual_items: ctx.history.usual_items.clone(),
            recent_visits: ctx.recent.clone(),
            points: ctx.standing.usable,
            points_held_here: ctx.standing.held_here,
            points_expiring: expiring,
            stamps: facts.stamps,
            coupons: facts
                .coupons
                .iter()
                .filter(|c| c.is_usable(at))
                .map(|c| CouponView { code: c.code.clone(), rule_id: c.rule_id.clone(), expires_at: c.expires_at })
                .collect(),
            open_complaints: ctx.open_complaints.iter().map(FeedbackView::from).collect(),
            recent_feedback: recent_feedback.iter().map(FeedbackView::from).collect(),
        })
    }
}

//! The customer's voice and the cashier's answers: complaints, compliments
//! and requests logged and resolved, and what the cashier did with each
//! prompt (accepted, or dismissed with a reason).

use super::views::*;
use crate::customers::{self};
use crate::error::{Result, StoreError};
use crate::prompts::{self, PromptAction};
use crate::{Store, feedback, outbox};
use chrono::{DateTime, Utc};
use dangol_domain::feedback::{Feedback, FeedbackKind};
use dangol_domain::ids::IdSource;
use rusqlite::TransactionBehavior;
use uuid::Uuid;

impl Store {
    /// Records that the cashier accepted or dismissed a prompt.
    pub fn record_prompt(
        &mut self,
        customer: Uuid,
        key: &str,
        action: PromptAction,
        reason: Option<&str>,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<()> {
        let key = key.trim();
        let kind = key.split(':').next().unwrap_or_default().to_string();
        let known = [
            "discount",
            "follow_up",
            "birthday",
            "comeback",
            "stamp_almost",
            "points_expiring",
            "points_available",
            "usual_item",
            "preferred_name",
            "consent",
        ];
        if !key.contains(':') || !known.contains(&kind.as_str()) || key.len() > 200 {
            return Err(StoreError::BadInput {
                what: "prompt key",
                reason: crate::error::say(
                    format!("{key:?}은(는) usual_item:SALT, consent:marketing 같은 제안 키가 아닙니다"),
                    format!("{key:?} is not a suggestion key such as usual_item:SALT or consent:marketing"),
                ),
            });
        }
        if action == PromptAction::Dismissed && reason.is_none_or(|r| r.trim().is_empty() || r.chars().count() > 200) {
            return Err(StoreError::BadInput {
                what: "dismiss reason",
                reason: crate::error::say(
                    "제안을 건너뛰려면 사유(1~200자)가 필요합니다",
                    "dismissing a prompt needs a reason of 1-200 characters",
                ),
            });
        }
        let ctx = self.write_ctx()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = customers::get(&tx, customer)?;
        ctx.check(&tx, ids, at, Some(row.registered()), "prompt")?;
        prompts::record(&tx, row.rid, at, key, &kind, action, reason.map(str::trim))?;
        outbox::append(
            &tx,
            ids,
            ctx.device,
            at,
            "prompt.recorded",
            &serde_json::json!({"customer": row.customer.id, "key": key, "action": action.as_str(), "reason": reason}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Logs a complaint, compliment or request for a customer.
    pub fn add_feedback(
        &mut self,
        customer: Uuid,
        kind: FeedbackKind,
        category: &str,
        text: &str,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<FeedbackView> {
        let id = ids.next_id(at);
        self.add_feedback_as(id, customer, kind, category, text, at, ids)
    }

    /// Logs feedback under an id the caller made (the local API makes it
    /// from the request's Idempotency-Key): if feedback with that id is
    /// already logged, it is answered again and nothing is written, so a
    /// retry whose first answer was lost never logs it twice.
    #[allow(clippy::too_many_arguments)]
    pub fn add_feedback_as(
        &mut self,
        id: Uuid,
        customer: Uuid,
        kind: FeedbackKind,
        category: &str,
        text: &str,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<FeedbackView> {
        let mut f = Feedback::new(id, customer, at, kind, category, text)?;
        let ctx = self.write_ctx()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        match feedback::get(&tx, id) {
            Ok(logged) => return Ok(FeedbackView::from(&logged)),
            Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        let row = customers::get(&tx, customer)?;
        ctx.check(&tx, ids, at, Some(row.registered()), "feedback")?;
        // Recorded for the customer it belongs to now (the survivor, if
        // `customer` was merged), as every other counter applies it.
        f.customer_id = row.customer.id;
        feedback::insert(&tx, row.rid, &f)?;
        outbox::append(&tx, ids, ctx.device, at, "feedback.logged", &f)?;
        tx.commit()?;
        Ok(FeedbackView::from(&f))
    }

    /// Marks a complaint or request resolved.
    pub fn resolve_feedback(
        &mut self,
        id: Uuid,
        resolution: &str,
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<FeedbackView> {
        let composed = dangol_domain::hangul::nfc(resolution.trim());
        let resolution = composed.as_ref();
        if resolution.is_empty() || resolution.len() > dangol_domain::feedback::MAX_FEEDBACK_BYTES {
            return Err(StoreError::BadInput {
                what: "resolution",
                reason: crate::error::say(
                    "어떻게 처리했는지 적어 주세요 (1~2000바이트)",
                    "describe how it was resolved (1-2000 bytes)",
                ),
            });
        }
        let ctx = self.write_ctx()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let f = feedback::get(&tx, id)?;
        if f.status == dangol_domain::feedback::FeedbackStatus::Resolved {
            return Err(StoreError::BadInput {
                what: "feedback",
                reason: crate::error::say(
                    format!("{id}은(는) 이미 처리되었습니다"),
                    format!("{id} is already resolved"),
                ),
            });
        }
        ctx.check(
            &tx,
            ids,
            at,
            Some(crate::clock::NotBefore { at: f.at, ko: "의견 기록", en: "the feedback was logged" }),
            "feedback resolution",
        )?;
        feedback::resolve(&tx, id, resolution, at)?;
        crate::settings::hold(&tx, &feedback::clock_key(id), crate::time::ms(at), ctx.device)?;
        outbox::append(
            &tx,
            ids,
            ctx.device,
            at,
            "feedback.resolved",
            &serde_json::json!({"id": id, "resolution": resolution}),
        )?;
        let f = feedback::get(&tx, id)?;
        tx.commit()?;
        Ok(FeedbackView::from(&f))
    }
}

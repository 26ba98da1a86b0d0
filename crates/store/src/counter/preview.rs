//! Previewing a cart: eligible discounts, the best combination, what each
//! discount adds to the selection, near misses and ranked suggestions, for
//! a customer or a walk-in; and recording the suggestions as shown.

use super::views::*;
use crate::customers::{self, CustomerRow};
use crate::error::Result;
use crate::lookup::{Found, MatchKind};
use crate::owner::Viewer;
use crate::prompts::{self, PromptAction};
use crate::standing::{Context, load_context, price, walk_in};
use crate::{Store, outbox, settings};
use chrono::{DateTime, Duration, Utc};
use dangol_domain::catalog::PricedCart;
use dangol_domain::eligibility::{Engine, Evaluation};
use dangol_domain::i18n::{Lang, alternative_text, reason_text};
use dangol_domain::ids::IdSource;
use dangol_domain::rules::DiscountRule;
use dangol_domain::suggest::{self, Suggestion, SuggestionInput};
use rusqlite::TransactionBehavior;
use uuid::Uuid;

fn stamp_goals(rules: &[DiscountRule], lang: Lang) -> Vec<(i64, String)> {
    rules
        .iter()
        .filter(|r| r.active && r.stamps_needed() > 0)
        .map(|r| (r.stamps_needed(), r.display_name(lang).to_string()))
        .collect()
}

impl Store {
    /// Eligible discounts, the best combination, the selection with what
    /// each discount adds to it, near misses and ranked suggestions for a
    /// cart, for a customer or a walk-in sale. Read-only; see
    /// `record_shown`.
    pub fn preview(&self, req: &PreviewRequest) -> Result<PreviewView> {
        let conn = &self.conn;
        let priced = price(conn, &req.cart)?;
        let loaded = self.rules.get(conn)?;
        let rules = &loaded.0;
        let mut ctx: Option<Context> = match req.customer {
            Some(id) => Some(load_context(conn, &self.points, customers::get(conn, id)?, rules, req.at)?),
            None => None,
        };
        // Points other open holds set aside are not this cart's to spend.
        if let Some(c) = ctx.as_mut() {
            crate::holds::set_aside(conn, &mut c.standing.facts, c.row.rid, self.now(), self.hold_in_hand)?;
        }
        let anonymous = walk_in();
        let standing = ctx.as_ref().map_or(&anonymous, |c| &c.standing);
        let engine = Engine::new(rules, &priced, &standing.facts, req.at, self.zone, req.lang);
        let eval = engine.evaluate_for(req.selected.as_deref());
        let suggestions = match &ctx {
            None => suggest::suggest(
                &SuggestionInput {
                    customer: None,
                    facts: &standing.facts,
                    eval: &eval,
                    told: &req.told,
                    cart: &priced,
                    history: &Default::default(),
                    open_complaints: &[],
                    points_expiring: None,
                    stamp_goals: &[],
                    memory: &[],
                    at: req.at,
                    zone: self.zone,
                    lang: req.lang,
                },
                req.limit,
            ),
            Some(ctx) => {
                let loyalty = settings::loyalty(conn)?;
                let memory = prompts::memory(conn, ctx.row.rid, &ctx.visit_times, req.at, self.zone)?;
                let goals = stamp_goals(rules, req.lang);
                suggest::suggest(
                    &SuggestionInput {
                        customer: Some(&ctx.row.customer),
                        facts: &standing.facts,
                        eval: &eval,
                        told: &req.told,
                        cart: &priced,
                        history: &ctx.history,
                        open_complaints: &ctx.open_complaints,
                        points_expiring: standing
                            .book
                            .expiring_soon(req.at, Duration::days(loyalty.points_warning_days)),
                        stamp_goals: &goals,
                        memory: &memory,
                        at: req.at,
                        zone: self.zone,
                        lang: req.lang,
                    },
                    req.limit,
                )
            }
        };
        Ok(build_preview(ctx.as_ref().map(|c| &c.row), &priced, &eval, &suggestions, req.lang, &req.viewer))
    }

    /// Records the suggestions of a preview as shown (once per key per day).
    pub fn record_shown(
        &mut self,
        customer: Uuid,
        suggestions: &[SuggestionView],
        at: DateTime<Utc>,
        ids: &mut dyn IdSource,
    ) -> Result<()> {
        let ctx = self.audit_ctx();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = customers::get(&tx, customer)?;
        let day_start = self.zone.start_of(self.zone.date(at));
        let mut keys = Vec::new();
        for s in suggestions {
            if !prompts::shown_since(&tx, row.rid, &s.key, day_start)? {
                keys.push(s.key.clone());
            }
        }
        if !keys.is_empty() {
            ctx.check(&tx, ids, at, Some(row.registered()), "prompts shown")?;
            for s in suggestions.iter().filter(|s| keys.contains(&s.key)) {
                prompts::record(&tx, row.rid, at, &s.key, &s.kind, PromptAction::Shown, None)?;
            }
            outbox::append(
                &tx,
                ids,
                ctx.device,
                at,
                "prompts.shown",
                &serde_json::json!({"customer": row.customer.id, "keys": keys}),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A preview whose suggestions are then recorded as shown: what the
    /// counter window does on every change of customer or cart.
    pub fn preview_and_record(&mut self, req: &PreviewRequest, ids: &mut dyn IdSource) -> Result<PreviewView> {
        let view = self.preview(req)?;
        if let Some(customer) = req.customer {
            self.record_shown(customer, &view.suggestions, req.at, ids)?;
        }
        Ok(view)
    }
}

fn build_preview(
    row: Option<&CustomerRow>,
    priced: &PricedCart,
    eval: &Evaluation,
    suggestions: &[Suggestion],
    lang: Lang,
    viewer: &Viewer,
) -> PreviewView {
    PreviewView {
        customer: row.map(|r| summary(&Found::from(r), MatchKind::Card, viewer)),
        lines: priced
            .lines
            .iter()
            .map(|l| CartLineView {
                sku: l.sku.clone(),
                name: l.name.clone(),
                category: l.category.clone(),
                unit_price: l.unit_price,
                qty: l.qty,
                amount: l.amount(),
            })
            .collect(),
        subtotal: eval.subtotal,
        eligible: eval
            .eligible
            .iter()
            .map(|e| {
                let st = eval.standing(&e.rule_id);
                EligibleView {
                    rule_id: e.rule_id.clone(),
                    name: e.name.clone(),
                    kind: e.kind.clone(),
                    saving: e.saving,
                    optional: e.optional,
                    exclusive: e.exclusive,
                    reasons: e.reasons.iter().map(|r| reason_text(r, lang)).collect(),
                    applied: st.is_some_and(|s| s.applied),
                    applied_saving: st.map_or(0, |s| s.applied_saving),
                    adds: st.map_or(0, |s| s.adds),
                }
            })
            .collect(),
        best: eval.best.clone(),
        selected: eval.selected.clone(),
        near_misses: eval
            .near_misses
            .iter()
            .map(|n| NearMissView {
                rule_id: n.rule_id.clone(),
                name: n.name.clone(),
                reason: reason_text(&n.reason, lang),
                reason_code: n.reason.clone(),
                alternatives: n.alternatives.iter().map(|a| alternative_text(a, lang)).collect(),
            })
            .collect(),
        suggestions: suggestions.iter().map(SuggestionView::from).collect(),
    }
}

//! The checkout gate: a sale cannot complete silently while the customer is
//! eligible for a discount the cashier neither applied nor dismissed.
//!
//! The rule, precisely: an eligible discount that is neither applied nor
//! dismissed blocks the sale when applying it would add to the real
//! discounts applied (`Engine::marginal`: on top of them when it combines
//! with them, otherwise the best combination containing it against them).
//! A rule that would add nothing never blocks. Points redemption is the
//! customer's own money, not a discount: it is never required and never
//! counts as a discount applied. Dismissed discounts are returned as missed
//! discounts with the saving the customer actually missed (the marginal
//! saving), so the owner can see them.

use crate::eligibility::{Applied, Engine, Evaluation};
use crate::error::{DomainError, NotApplicable, Result, UnacknowledgedDiscount};
use crate::lang::{Lang, Localized};
use crate::money::Won;
use crate::rules::DiscountRule;
use serde::{Deserialize, Serialize};

/// What the cashier decided at checkout.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Decision {
    pub apply: Vec<String>,
    /// (rule id, reason) pairs.
    pub dismiss: Vec<(String, String)>,
}

/// An eligible discount the cashier dismissed: the owner sees these, with
/// what applying it would have added (never its standalone saving).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Missed {
    pub rule_id: String,
    pub name: String,
    pub saving: Won,
    pub reason: String,
}

/// A checkout the gate let through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleared {
    pub applied_rules: Vec<String>,
    pub applied: Applied,
    pub missed: Vec<Missed>,
}

/// Longest dismissal reason accepted.
pub const MAX_REASON_CHARS: usize = 200;

/// Checks a decision against the evaluation. Errors name every problem.
pub fn check(engine: &Engine, eval: &Evaluation, decision: &Decision) -> Result<Cleared> {
    let mut applied_rules: Vec<&DiscountRule> = Vec::new();
    for id in &decision.apply {
        let refuse = |why| DomainError::RuleNotEligible { rule_id: id.clone(), why };
        let rule = engine.rule(id).ok_or_else(|| refuse(NotApplicable::UnknownRule))?;
        if eval.find(id).is_none() {
            let reason = engine.why_not(rule).map(|r| Localized {
                ko: crate::i18n::reason_text(&r, Lang::Ko),
                en: crate::i18n::reason_text(&r, Lang::En),
            });
            return Err(refuse(NotApplicable::NotEligible { reason }));
        }
        if applied_rules.iter().any(|r| r.id == *id) {
            return Err(refuse(NotApplicable::AppliedTwice));
        }
        applied_rules.push(rule);
    }
    if !engine.is_valid_combination(&applied_rules) {
        let rules: Vec<String> = applied_rules.iter().map(|r| r.id.clone()).collect();
        return Err(DomainError::RuleNotEligible {
            rule_id: rules.join("+"),
            why: NotApplicable::CannotCombine { rules },
        });
    }
    for (id, reason) in &decision.dismiss {
        let refuse = |why| DomainError::RuleNotEligible { rule_id: id.clone(), why };
        if engine.rule(id).is_none() {
            return Err(refuse(NotApplicable::UnknownRule));
        }
        let r = reason.trim();
        if r.is_empty() || r.chars().count() > MAX_REASON_CHARS {
            return Err(DomainError::field(
                "dismiss_reason",
                if r.is_empty() {
                    crate::error::Problem::Empty
                } else {
                    crate::error::Problem::TooLong {
                        max: MAX_REASON_CHARS as u64,
                        got: r.chars().count() as u64,
                        unit: crate::error::Unit::Characters,
                    }
                },
            ));
        }
        if decision.apply.contains(id) {
            return Err(refuse(NotApplicable::AppliedAndDismissed));
        }
    }
    let applied = engine.apply(&applied_rules);
    let candidates = engine.candidates(&eval.eligible);
    let mut unacknowledged = Vec::new();
    for e in eval.eligible.iter().filter(|e| !e.optional) {
        if decision.apply.contains(&e.rule_id) || decision.dismiss.iter().any(|(id, _)| *id == e.rule_id) {
            continue;
        }
        let Some(rule) = engine.rule(&e.rule_id) else {
            continue;
        };
        let adds = engine.marginal(&candidates, &applied_rules, rule);
        if adds > 0 {
            unacknowledged.push(UnacknowledgedDiscount {
                rule_id: e.rule_id.clone(),
                name: e.name.clone(),
                saving: adds,
            });
        }
    }
    if !unacknowledged.is_empty() {
        return Err(DomainError::GateRefused { unacknowledged });
    }
    let missed = decision
        .dismiss
        .iter()
        .filter_map(|(id, reason)| {
            let e = eval.find(id).filter(|e| !e.optional)?;
            let saving = engine.marginal(&candidates, &applied_rules, engine.rule(id)?);
            (saving > 0).then(|| Missed {
                rule_id: id.clone(),
                name: e.name.clone(),
                saving,
                reason: reason.trim().to_string(),
            })
        })
        .collect();
    Ok(Cleared { applied_rules: applied_rules.iter().map(|r| r.id.clone()).collect(), applied, missed })
}

//! What the register and the window share while a customer is at the
//! counter: each register's pushed cart (whole, with a revision number),
//! the cashier's choices on it, and the events the register listens to.
//!
//! Kept in memory: a cart lives for one customer's visit; the register
//! pushes it again after a restart. The window reads and changes it
//! through the same `Live` (`src-tauri`), the register through HTTP.

use chrono::{DateTime, Utc};
use dangol_domain::catalog::{Cart, CartLine};
use dangol_domain::gate::Decision;
use dangol_domain::i18n::Lang;
use dangol_store::counter::views::{PreviewRequest, PreviewView};
use dangol_store::{Store, StoreError, Viewer};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;
use tokio::sync::broadcast;
use utoipa::ToSchema;
use uuid::Uuid;

/// Registers with a cart at once, at most.
pub const MAX_REGISTERS: usize = 16;
/// Events kept for a listener that falls behind.
const BACKLOG: usize = 256;

/// A discount left off, with the reason the customer or cashier gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dismissal {
    /// The rule's id.
    pub rule: String,
    /// Why (1–200 characters), e.g. "손님이 원하지 않음".
    pub reason: String,
}

/// The cashier's choices on a cart: which discounts apply, which are left
/// off and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Choices {
    /// The discounts applied (rule ids); absent: the best combination.
    #[serde(default)]
    pub apply: Option<Vec<String>>,
    /// Eligible discounts left off.
    #[serde(default)]
    pub dismiss: Vec<Dismissal>,
}

impl Choices {
    /// The gate's decision for these choices, given the applied rules.
    pub fn decision(&self, applied: &[String]) -> Decision {
        Decision {
            apply: applied.to_vec(),
            dismiss: self.dismiss.iter().map(|d| (d.rule.clone(), d.reason.clone())).collect(),
        }
    }
}

/// A register's cart as it pushed it, with the cashier's choices.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PushedCart {
    /// The register's name.
    pub register: String,
    /// The register's revision number: each push must be higher.
    pub revision: u64,
    /// The identified customer (absent: a walk-in sale).
    pub customer: Option<Uuid>,
    pub lines: Vec<CartLine>,
    /// The points hold the register made for this payment, if any: the
    /// cart's quote may spend it (`/v1/holds`).
    pub hold: Option<Uuid>,
    /// The cashier's choices in the window (or the register's own).
    pub choices: Choices,
    /// When the register last pushed it.
    pub pushed_at: DateTime<Utc>,
}

impl PushedCart {
    /// This cart's quote: its discounts with the cashier's choices.
    pub fn quote(&self, store: &mut Store, lang: Lang) -> Result<PreviewView, StoreError> {
        let cart = Cart { lines: self.lines.clone() };
        cart.check()?;
        let at = store.now();
        store.using_hold(self.hold, |store| {
            store.preview(&PreviewRequest {
                customer: self.customer,
                cart,
                told: Vec::new(),
                selected: self.choices.apply.clone(),
                at,
                lang,
                viewer: Viewer::Cashier,
                limit: 3,
            })
        })
    }
}

/// What happened at a register, as the register hears it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A customer was identified for the register's cart (or the cart went
    /// back to a walk-in: `customer` absent).
    CustomerIdentified { register: String, revision: u64, customer: Option<Uuid> },
    /// The cart's discounts changed (a push, or the cashier's choices):
    /// the discounts applied now and the totals.
    DiscountsChanged {
        register: String,
        revision: u64,
        applied: Vec<String>,
        saving: i64,
        total: i64,
        choices: Choices,
    },
    /// The register's cart was closed (its sale reported, or dropped).
    CartClosed { register: String, revision: u64 },
}

impl LiveEvent {
    pub fn name(&self) -> &'static str {
        match self {
            LiveEvent::CustomerIdentified { .. } => "customer_identified",
            LiveEvent::DiscountsChanged { .. } => "discounts_changed",
            LiveEvent::CartClosed { .. } => "cart_closed",
        }
    }

    pub fn register(&self) -> &str {
        match self {
            LiveEvent::CustomerIdentified { register, .. }
            | LiveEvent::DiscountsChanged { register, .. }
            | LiveEvent::CartClosed { register, .. } => register,
        }
    }
}

/// Why a push or a choice was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The revision is not above the cart's (`current`).
    Stale { current: u64 },
    /// No cart at this register.
    NoCart,
    /// Too many registers have carts.
    TooManyRegisters,
}

/// The carts and the event channel.
pub struct Live {
    carts: Mutex<BTreeMap<String, PushedCart>>,
    /// Each register's last revision, kept when its cart closes: revisions
    /// only go up, so a late push or choice made on a closed cart never
    /// lands on the next one.
    last: Mutex<BTreeMap<String, u64>>,
    events: broadcast::Sender<(u64, LiveEvent)>,
    next_id: Mutex<u64>,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            carts: Mutex::new(BTreeMap::new()),
            last: Mutex::new(BTreeMap::new()),
            events: broadcast::channel(BACKLOG).0,
            next_id: Mutex::new(0),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Live {
    /// A register's cart, if it has one.
    pub fn cart(&self, register: &str) -> Option<PushedCart> {
        lock(&self.carts).get(register).cloned()
    }

    /// Every register's cart (the window shows them).
    pub fn carts(&self) -> Vec<PushedCart> {
        lock(&self.carts).values().cloned().collect()
    }

    /// Puts a register's whole cart, if `revision` is above the register's
    /// last (this cart's, or a closed one's).
    /// A new customer starts with no choices; the same customer keeps them.
    /// Returns the cart and whether its customer changed.
    pub fn push(
        &self,
        register: &str,
        revision: u64,
        customer: Option<Uuid>,
        lines: Vec<CartLine>,
        hold: Option<Uuid>,
        at: DateTime<Utc>,
    ) -> Result<(PushedCart, bool), Refusal> {
        let mut carts = lock(&self.carts);
        let mut last = lock(&self.last);
        let earlier = carts.get(register);
        if let Some(&current) = last.get(register)
            && revision <= current
        {
            return Err(Refusal::Stale { current });
        }
        if earlier.is_none() && (carts.len() >= MAX_REGISTERS || last.len() >= MAX_REGISTERS * 64) {
            return Err(Refusal::TooManyRegisters);
        }
        last.insert(register.to_string(), revision);
        // A walk-in cart after another is a new visit only once the first
        // is closed (a sale with its `register`, or DELETE).
        let same_customer = earlier.is_some_and(|c| c.customer == customer);
        let choices = earlier.filter(|_| same_customer).map(|c| c.choices.clone()).unwrap_or_default();
        let cart =
            PushedCart { register: register.to_string(), revision, customer, lines, hold, choices, pushed_at: at };
        carts.insert(register.to_string(), cart.clone());
        Ok((cart, !same_customer))
    }

    /// Sets the cashier's choices on a register's cart at `revision` (the
    /// revision they were made on; refused when the cart has moved on).
    pub fn choose(&self, register: &str, revision: u64, choices: Choices) -> Result<PushedCart, Refusal> {
        let mut carts = lock(&self.carts);
        let cart = carts.get_mut(register).ok_or(Refusal::NoCart)?;
        if cart.revision != revision {
            return Err(Refusal::Stale { current: cart.revision });
        }
        cart.choices = choices;
        Ok(cart.clone())
    }

    /// Closes a register's cart; returns it.
    pub fn close(&self, register: &str) -> Option<PushedCart> {
        let cart = lock(&self.carts).remove(register)?;
        self.send(LiveEvent::CartClosed { register: register.to_string(), revision: cart.revision });
        Some(cart)
    }

    /// Tells every listener.
    pub fn send(&self, event: LiveEvent) {
        let mut id = lock(&self.next_id);
        *id += 1;
        // No listener is not an error.
        let _ = self.events.send((*id, event));
    }

    /// The events from now on, each with its number.
    pub fn listen(&self) -> broadcast::Receiver<(u64, LiveEvent)> {
        self.events.subscribe()
    }

    /// The events a quoted cart makes: the customer, if they changed, and
    /// the discounts.
    pub fn announce(&self, cart: &PushedCart, quote: &PreviewView, customer_changed: bool) {
        if customer_changed {
            self.send(LiveEvent::CustomerIdentified {
                register: cart.register.clone(),
                revision: cart.revision,
                customer: cart.customer,
            });
        }
        self.send(LiveEvent::DiscountsChanged {
            register: cart.register.clone(),
            revision: cart.revision,
            applied: quote.selected.rule_ids.clone(),
            saving: quote.selected.saving,
            total: quote.selected.total,
            choices: cart.choices.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(sku: &str) -> Vec<CartLine> {
        vec![CartLine { sku: sku.into(), qty: 1 }]
    }

    #[test]
    fn a_push_must_move_the_revision_forward_and_a_new_customer_starts_afresh() {
        let live = Live::default();
        let at = Utc::now();
        let a = Uuid::from_u128(1);
        let (cart, changed) = live.push("r1", 1, Some(a), line("x"), None, at).unwrap();
        assert!(changed);
        assert_eq!(cart.revision, 1);
        let dismissed =
            Choices { apply: Some(vec![]), dismiss: vec![Dismissal { rule: "r".into(), reason: "no".into() }] };
        live.choose("r1", 1, dismissed.clone()).unwrap();
        assert_eq!(live.push("r1", 1, Some(a), line("y"), None, at).unwrap_err(), Refusal::Stale { current: 1 });
        assert_eq!(live.push("r1", 0, Some(a), line("y"), None, at).unwrap_err(), Refusal::Stale { current: 1 });
        let (cart, changed) = live.push("r1", 2, Some(a), line("y"), None, at).unwrap();
        assert!(!changed);
        assert_eq!(cart.choices, dismissed, "the same customer keeps the cashier's choices");
        assert_eq!(live.choose("r1", 1, Choices::default()).unwrap_err(), Refusal::Stale { current: 2 });
        let (cart, changed) = live.push("r1", 3, None, line("y"), None, at).unwrap();
        assert!(changed);
        assert_eq!(cart.choices, Choices::default());
        assert_eq!(live.choose("r2", 1, Choices::default()).unwrap_err(), Refusal::NoCart);
        assert!(live.close("r1").is_some());
        assert!(live.cart("r1").is_none());
        // Revisions only go up, across carts: a late push or choice made on
        // the closed cart never lands on the next.
        assert_eq!(live.push("r1", 3, None, line("x"), None, at).unwrap_err(), Refusal::Stale { current: 3 });
        let (next, changed) = live.push("r1", 4, None, line("x"), None, at).unwrap();
        assert!(changed, "a new cart");
        assert_eq!(next.choices, Choices::default(), "nothing carried over from the closed cart");
        assert_eq!(live.choose("r1", 3, Choices::default()).unwrap_err(), Refusal::Stale { current: 4 });
    }

    #[test]
    fn registers_are_bounded() {
        let live = Live::default();
        for i in 0..MAX_REGISTERS {
            live.push(&format!("r{i}"), 1, None, vec![], None, Utc::now()).unwrap();
        }
        assert_eq!(live.push("one-more", 1, None, vec![], None, Utc::now()).unwrap_err(), Refusal::TooManyRegisters);
        assert!(live.push("r0", 2, None, vec![], None, Utc::now()).is_ok());
    }
}

//! What the customer's screen shows now, shared by whatever shows it: the
//! window's second window and the tablet page on the shop's network
//! (`tablet`). The counter says who is at the counter and what this visit
//! takes off (`show`); a screen reads it and the store builds what it may
//! show (`Store::customer_screen`: no phone number, nobody else's data).
//!
//! A *showing* is counted each time the customer changes: the customer's
//! own consent answer names the showing it was given on and is recorded
//! for the customer shown then, or refused if the counter has moved on
//! (the next customer is never answered for). A *version* is counted at
//! every change, so a screen that polls can ask "anything new?" without
//! touching the store.

use dangol_domain::ids::IdSource;
use dangol_store::counter::{CustomerScreen, ScreenDiscount};
use dangol_store::{Store, StoreError};
use serde::Deserialize;
#[cfg(test)]
use std::sync::Arc;
use std::sync::Mutex;
use uuid::Uuid;

/// What the counter shows now.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Shown {
    pub customer: Option<Uuid>,
    pub discounts: Vec<ScreenDiscount>,
    pub saving: i64,
    pub total: i64,
}

/// A change the shells want to hear about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// What is shown changed: screens read again.
    Shown,
    /// The customer answered consent on a screen (the counter's card of
    /// that customer reads again).
    Consent(Uuid),
}

#[derive(Default)]
struct Now {
    showing: u64,
    version: u64,
    shown: Shown,
}

type Listener = Box<dyn Fn(Change) + Send + Sync>;

/// The customer's screen's state.
#[derive(Default)]
pub struct Showing {
    now: Mutex<Now>,
    listeners: Mutex<Vec<Listener>>,
}

impl Showing {
    /// Showings and versions counted from `start`: a shell passes its
    /// start time (ms), so numbers never repeat across restarts and an
    /// answer given on a screen from before a restart never matches a new
    /// showing of someone else.
    pub fn starting_at(start: u64) -> Showing {
        Showing {
            now: Mutex::new(Now { showing: start, version: start, shown: Shown::default() }),
            listeners: Mutex::default(),
        }
    }

    /// The showing, the version and what is shown.
    pub fn shown(&self) -> (u64, u64, Shown) {
        let now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        (now.showing, now.version, now.shown.clone())
    }

    /// The version and what a customer's screen shows now, as the store
    /// builds it (`Store::customer_screen`): what the second window and the
    /// tablet both read.
    pub fn screen(&self, store: &Store) -> Result<(u64, CustomerScreen), StoreError> {
        let (showing, version, s) = self.shown();
        Ok((version, store.customer_screen(showing, s.customer, s.discounts, s.saving, s.total)?))
    }

    /// The version only (a cheap "anything new?").
    pub fn version(&self) -> u64 {
        self.now.lock().unwrap_or_else(|e| e.into_inner()).version
    }

    /// The counter shows `shown`.
    pub fn show(&self, shown: Shown) {
        {
            let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
            if now.shown.customer != shown.customer {
                now.showing += 1;
            }
            now.version += 1;
            now.shown = shown;
        }
        self.tell(Change::Shown);
    }

    /// Calls `f` at every change from now on (the window forwards them as
    /// its events).
    pub fn listen(&self, f: impl Fn(Change) + Send + Sync + 'static) {
        self.listeners.lock().unwrap_or_else(|e| e.into_inner()).push(Box::new(f));
    }

    fn tell(&self, change: Change) {
        for f in self.listeners.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            f(change);
        }
    }

    /// The customer's own answer, given on `showing`: recorded for the
    /// customer shown then (their id); `None`, and nothing recorded, if
    /// nobody is shown or the counter has moved on to someone else.
    pub fn consent(
        &self,
        store: &mut Store,
        showing: u64,
        given: bool,
        ids: &mut dyn IdSource,
    ) -> Result<Option<Uuid>, StoreError> {
        // Held while the answer is written: the counter cannot move on to
        // the next customer between the check and the write.
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        let customer = match now.shown.customer {
            Some(c) if now.showing == showing => c,
            _ => return Ok(None),
        };
        store.customer_consents(customer, given, ids)?;
        // The answer shows on the screen: a new version.
        now.version += 1;
        drop(now);
        self.tell(Change::Consent(customer));
        self.tell(Change::Shown);
        Ok(Some(customer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_count_from_the_start_and_a_showing_changes_only_with_the_customer() {
        let s = Showing::starting_at(1_000);
        let heard = Arc::new(Mutex::new(0));
        let h = Arc::clone(&heard);
        s.listen(move |c| {
            assert_eq!(c, Change::Shown);
            *h.lock().unwrap() += 1;
        });
        let her = Uuid::from_u128(1);
        s.show(Shown { customer: Some(her), ..Shown::default() });
        s.show(Shown { customer: Some(her), total: 5_000, ..Shown::default() });
        let (showing, version, shown) = s.shown();
        assert_eq!((showing, version, shown.total), (1_001, 1_002, 5_000), "items change the version only");
        s.show(Shown::default());
        assert_eq!((s.shown().0, s.version()), (1_002, 1_003), "the next customer is a new showing");
        assert_eq!(*heard.lock().unwrap(), 3, "every change is heard");
    }
}

//! The app's state: one open store for the life of the window, plus when the
//! process started (for the cold-start measurement).

use dangol_store::counter::Role;
use dangol_store::error::ErrorView;
use dangol_store::{Store, SystemIds};
use std::sync::Mutex;
use std::time::Instant;

pub struct AppState {
    /// The open store, or why it could not be opened (shown in the window).
    store: Result<Mutex<Store>, ErrorView>,
    pub started: Instant,
    pub role: Role,
}

impl AppState {
    pub fn new(store: Store, started: Instant) -> AppState {
        AppState { store: Ok(Mutex::new(store)), started, role: Role::Cashier }
    }

    pub fn failed(error: ErrorView, started: Instant) -> AppState {
        AppState { store: Err(error), started, role: Role::Cashier }
    }

    /// Runs a read or a write against the store and turns its error into the
    /// wire's `{kind, message}`.
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut Store, &mut SystemIds) -> dangol_store::Result<T>,
    ) -> Result<T, ErrorView> {
        let store = self.store.as_ref().map_err(Clone::clone)?;
        let mut store = store.lock().map_err(|_| ErrorView {
            kind: "internal".into(),
            message: "the store is unavailable after an earlier failure; restart Dangol".into(),
        })?;
        f(&mut store, &mut SystemIds).map_err(ErrorView::from)
    }
}

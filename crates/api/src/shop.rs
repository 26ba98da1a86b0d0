//! Where the API finds the shop's store: its own (`dangol serve`, the one
//! writer on the file) or the window's, shared with the cashier
//! (`src-tauri`). Either way an operation has the store to itself while it
//! runs, on a blocking thread.

use dangol_store::{Store, StoreError};
use std::sync::Mutex;

/// A store the API takes turns on.
pub trait Shop: Send + Sync + 'static {
    /// Runs `work` with the store to itself, blocking until it has it;
    /// refuses when there is no store (a window still being set up).
    fn enter(&self, work: &mut dyn FnMut(&mut Store)) -> Result<(), StoreError>;
}

/// A store of the API's own.
pub struct Owned(Mutex<Store>);

impl Owned {
    pub fn new(store: Store) -> Owned {
        Owned(Mutex::new(store))
    }
}

impl Shop for Owned {
    fn enter(&self, work: &mut dyn FnMut(&mut Store)) -> Result<(), StoreError> {
        // A panic inside an operation poisons the lock; its transaction was
        // rolled back as it unwound, so the store is whole.
        let mut store = self.0.lock().unwrap_or_else(|e| e.into_inner());
        work(&mut store);
        Ok(())
    }
}

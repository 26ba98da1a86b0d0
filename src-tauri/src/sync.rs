//! The window's background sync: once this counter has joined a hub (with
//! `dangol sync` once, by the owner), a thread runs a round every
//! `DANGOL_SYNC_SECS` seconds (30 by default), or at once when a write asks
//! (`AppState::sync_soon`: the owner's undo of a merge takes effect when
//! the hub's order brings it back). It holds the store only for
//! the round's own steps (`dangol_sync::Counter`), never while a request is
//! on the network, so the cashier never waits for the hub; the status bar
//! asks `sync_status` for where it stands.

use crate::state::AppState;
use dangol_store::{Store, StoreError};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;
use tauri::{AppHandle, Manager};

/// How often the window syncs.
pub fn interval() -> Duration {
    let secs = std::env::var("DANGOL_SYNC_SECS").ok().and_then(|s| s.trim().parse::<u64>().ok()).unwrap_or(30);
    Duration::from_secs(secs.clamp(1, 3_600))
}

impl dangol_sync::Counter for AppState {
    fn with_store<R>(&self, f: &mut dyn FnMut(&mut Store) -> Result<R, StoreError>) -> Result<R, StoreError> {
        self.store_step(f)
    }
}

/// The hub this counter has joined, if any.
fn joined_hub(state: &AppState) -> Option<String> {
    state.store_step(&mut |s| s.sync_status()).ok().filter(|s| s.joined).and_then(|s| s.hub)
}

/// Starts the background thread.
pub fn start(app: AppHandle) {
    let every = interval();
    let spawned = std::thread::Builder::new().name("dangol-sync".into()).spawn(move || {
        loop {
            let state = app.state::<AppState>();
            if let Some(hub) = joined_hub(&state) {
                // Joined already: no key is needed, and an HTTPS hub's
                // certificate is the one kept at joining.
                let mut opts = dangol_sync::Options::new(&hub, "", "");
                opts.timeout = Duration::from_secs(10);
                opts.batch = 500;
                // A failed round is recorded for the status bar by the
                // round itself; a panic must not end the thread.
                let _ = catch_unwind(AssertUnwindSafe(|| dangol_sync::round_via(&*state, &opts)));
            }
            state.wait_for_sync(every);
        }
    });
    if let Err(e) = spawned {
        eprintln!("dangol: background sync could not start: {e}");
    }
}

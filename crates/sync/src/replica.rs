//! The hub's copy of the shop's state (`dangol_hub::state::ShopState`): a
//! counter database that applies every counter's events in the log's
//! order and writes none of its own. It catches up in the background and
//! before each snapshot, so a snapshot holds every event up to its
//! position and nothing after.

use dangol_hub::state::{ShopState, Snapshot};
use dangol_hub::{EventLog, HubError};
use dangol_store::sync::IncomingEvent;
use dangol_store::{Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use uuid::Uuid;

/// Events applied per step while catching up.
const PAGE: usize = 2_000;

struct Inner {
    store: Option<Store>,
    log: Box<dyn EventLog>,
}

/// The shop's state at the hub.
pub struct Replica {
    inner: Mutex<Inner>,
    path: PathBuf,
    dir: PathBuf,
}

fn state_error(e: impl std::fmt::Display) -> HubError {
    HubError::State(e.to_string())
}

/// Opens (creating) the state database as a counter that syncs with this
/// hub from the log directly.
fn open_state(path: &Path) -> Result<Store, StoreError> {
    let mut store = Store::open(path)?;
    let me = store.sync_identity("hub-state", || "0".repeat(64))?;
    if !me.joined {
        store.sync_joined(0)?;
    }
    Ok(store)
}

impl Replica {
    /// The state at `path` (created if missing), reading the log through
    /// `log` (its own connection, beside the server's).
    pub fn open(path: &Path, log: Box<dyn EventLog>) -> Result<Replica, StoreError> {
        let store = open_state(path)?;
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
        Ok(Replica { inner: Mutex::new(Inner { store: Some(store), log }), path: path.to_path_buf(), dir })
    }

    /// Applies every event the log holds beyond the state; returns the
    /// position reached.
    pub fn catch_up(&self) -> Result<i64, HubError> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        catch_up(&mut inner)
    }

    /// Applies one page of the log beyond the state; false when there was
    /// nothing to apply (the background step, so ingest is never held up
    /// by a long catch-up).
    pub fn step(&self) -> Result<bool, HubError> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        apply_page(&mut inner)
    }

    /// The state's digest (tests compare it with the counters').
    pub fn state_digest(&self) -> Result<String, HubError> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        catch_up(&mut inner)?;
        inner.store.as_ref().ok_or_else(|| state_error("no state"))?.state_digest().map_err(state_error)
    }
}

/// Applies the next page of the log; false when the state holds it all.
fn apply_page(inner: &mut Inner) -> Result<bool, HubError> {
    let Inner { store, log } = inner;
    let store = store.as_mut().ok_or_else(|| state_error("the state is being replaced"))?;
    let after = store.sync_status().map_err(state_error)?.pulled_pos;
    let page = log.pull(after, PAGE, None)?;
    if page.is_empty() {
        return Ok(false);
    }
    let events: Vec<IncomingEvent> = page.into_iter().map(crate::incoming).collect();
    store.sync_apply(&events).map_err(state_error)?;
    Ok(true)
}

/// Applies every page; returns the position reached.
fn catch_up(inner: &mut Inner) -> Result<i64, HubError> {
    while apply_page(inner)? {}
    let store = inner.store.as_ref().ok_or_else(|| state_error("the state is being replaced"))?;
    Ok(store.sync_status().map_err(state_error)?.pulled_pos)
}

impl ShopState for Replica {
    fn snapshot(&self) -> Result<Snapshot, HubError> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let pos = catch_up(&mut inner)?;
        let file = self.dir.join(format!("snapshot-{}.db", Uuid::now_v7()));
        let store = inner.store.as_ref().ok_or_else(|| state_error("no state"))?;
        store.copy_to(&file).map_err(state_error)?;
        let bytes = std::fs::metadata(&file).map_err(state_error)?.len();
        Ok(Snapshot { file, pos, bytes })
    }

    fn adopt_seed(&self, file: &Path, device: Uuid, pos: i64) -> Result<(), HubError> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        {
            let mut seed = Store::open(file).map_err(state_error)?;
            seed.adopt_seed(device, Uuid::now_v7(), pos).map_err(state_error)?;
        }
        let _ = std::fs::remove_file(lock_file(file));
        // The old state goes; the seed takes its place.
        inner.store = None;
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", self.path.display()));
            if p.exists() {
                std::fs::remove_file(&p).map_err(state_error)?;
            }
        }
        std::fs::rename(file, &self.path).map_err(state_error)?;
        inner.store = Some(open_state(&self.path).map_err(state_error)?);
        catch_up(&mut inner)?;
        Ok(())
    }

    fn scratch_dir(&self) -> PathBuf {
        self.dir.clone()
    }
}

/// The lock file a store keeps beside its database (see `Store::open`).
pub(crate) fn lock_file(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}.lock", db.display()))
}

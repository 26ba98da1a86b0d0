//! The shop's state beside its log: every event applied, in the log's
//! order, to a counter database that never writes events of its own. A new
//! counter starts from a snapshot of it (one file, then the events after
//! its position) instead of replaying every event one by one, and the
//! first counter of an empty hub brings its whole history (from before
//! sync, the demo's bulk load included) as the state's starting point.
//!
//! The hub crate does not know counter databases: the implementation is
//! `dangol_sync::replica`, given to `Hub::with_state`.

use crate::event::Result;
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// A consistent copy of the shop's state.
#[derive(Debug)]
pub struct Snapshot {
    /// A file the caller owns (and deletes once served).
    pub file: PathBuf,
    /// The log position the copy holds every event up to.
    pub pos: i64,
    pub bytes: u64,
}

pub trait ShopState: Send + Sync {
    /// Catches up with the log and copies the state.
    fn snapshot(&self) -> Result<Snapshot>;
    /// Takes a counter's database (`file`, which the caller deletes) as
    /// the shop's state at log position `pos`: `device`'s history.
    fn adopt_seed(&self, file: &Path, device: Uuid, pos: i64) -> Result<()>;
    /// Where the hub writes uploads and copies (the state's own folder, so
    /// a copy is a rename away and on the same disk).
    fn scratch_dir(&self) -> PathBuf;
}

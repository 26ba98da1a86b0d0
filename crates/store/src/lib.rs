//! Dangol's local store: one SQLite file per counter.
//!
//! - `db`: opening (one instance per file, enforced by a lock), pragmas
//!   (WAL, `synchronous=FULL`, foreign keys) and append-only migrations.
//! - `outbox`: every write appends an event in the same transaction.
//! - `customers`, `catalog`, `rules`, `feedback`, `prompts`: repositories.
//! - `lookup`: identify a customer from whatever the cashier typed.
//! - `counter`: the read side (lookup, profile, preview) and small writes
//!   (registration, prompts, feedback) the CLI and the desktop shell call,
//!   and the serialisable views; `checkout` and `refund` (sales, exactly
//!   once), `admin` (the owner's rules, settings, coupons, corrections),
//!   `owner` (the PIN and the `Owner` proof), `audit` (the audit log),
//!   `clock` (now, and the rule that writes are dated now), `ledger` and
//!   `standing` (points lots, stamps, what the engines read).
//! - `csv_io`: customers and products in and out as CSV.
//! - `bulk`: fast loading for the demo generator.
//!
//! SQL lives only in this crate. Domain rules live only in `dangol-domain`.

pub mod admin;
pub mod audit;
pub mod bulk;
pub mod catalog;
pub mod checkout;
pub mod clock;
pub mod counter;
pub mod csv_io;
pub mod customers;
pub mod db;
pub mod error;
mod error_text;
pub mod feedback;
pub mod ledger;
pub mod lookup;
pub mod outbox;
pub mod owner;
pub mod prompts;
pub mod refund;
pub mod rules;
pub mod settings;
mod standing;
pub mod time;

pub use clock::Clock;
pub use db::Store;
pub use error::{Result, StoreError};
pub use owner::{Owner, Viewer};
/// Re-exported for tools that need raw SQL beside the store (benchmark floors).
pub use rusqlite;

use chrono::{DateTime, Utc};
use dangol_domain::ids::IdSource;
use uuid::Uuid;

/// Ids from the operating system's randomness, for real use.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemIds;

impl IdSource for SystemIds {
    fn next_id(&mut self, at: DateTime<Utc>) -> Uuid {
        let ts = uuid::Timestamp::from_unix(uuid::NoContext, at.timestamp().max(0) as u64, at.timestamp_subsec_nanos());
        Uuid::new_v7(ts)
    }
}

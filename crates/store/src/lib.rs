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
//! - `sync`: the counter's side of sync (its hub, what waits to go, the
//!   pull cursor); `apply`: other counters' events projected here;
//!   `escrow`: which counter may redeem which points.
//!
//! SQL lives only in this crate. Domain rules live only in `dangol-domain`.

// Use cases and what they return.
pub mod admin;
pub mod bootstrap;
pub mod bulk;
pub mod checkout;
pub mod counter;
pub mod csv_io;
pub mod escrow;
pub mod holds;
pub mod inspect;
pub mod refund;
pub mod reports;
pub mod requests;
pub mod review;
mod rhythm;
pub mod rule_preview;
pub mod sync;
pub mod unmerge;
pub mod visit_import;
// Opening, time, roles, errors.
pub mod clock;
pub mod db;
pub mod error;
mod error_text;
pub mod owner;
pub mod time;
// Repositories: SQL over one table family each, private to the crate.
pub(crate) mod apply;
pub(crate) mod audit;
pub(crate) mod catalog;
pub(crate) mod customers;
pub(crate) mod feedback;
pub(crate) mod ledger;
pub(crate) mod lookup;
pub(crate) mod outbox;
pub(crate) mod prompts;
pub(crate) mod registers;
pub(crate) mod rules;
pub(crate) mod settings;
mod standing;

pub use audit::AuditView;
pub use clock::Clock;
pub use customers::parse_id as parse_customer_id;
pub use db::Store;
pub use error::{Result, StoreError};
pub use inspect::Reader;
pub use lookup::MatchKind;
pub use outbox::Event;
pub use owner::{Owner, Viewer};
pub use prompts::PromptAction;
pub use rules::SetAside;

/// The keys of the shop's settings (`Store::setting`, `update_setting`).
pub mod setting_keys {
    pub use crate::settings::{
        DEMO, DEMO_OWNER_PIN, GOODWILL_LIMIT, LARGE_SALE, LOYALTY, OWNER_PIN, SHOP_NAME, TIME_ZONE,
    };
}

use chrono::{DateTime, Utc};

/// The system's language from the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`):
/// Korean unless it says otherwise. The shells' default.
pub fn system_lang() -> dangol_domain::i18n::Lang {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    dangol_domain::i18n::Lang::from_locale(locale.as_deref())
}
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

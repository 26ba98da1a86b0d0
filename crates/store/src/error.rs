//! Store errors: each carries its data (the value, the range, the rows, the
//! customer already holding a phone number) and has a stable `kind`. Its
//! sentence in Korean or English is `message(lang)`; on the wire it is an
//! `ErrorView`, a tagged union generated for TypeScript.

use dangol_domain::DomainError;
use dangol_domain::i18n::Lang;
use dangol_domain::lang::Localized;
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

pub type Result<T> = std::result::Result<T, StoreError>;

/// One bad row in an import file: where (line, and column when one column
/// is at fault), what kind of problem (an error kind such as
/// `invalid_phone`, or `csv` for the file's own syntax), and the sentence.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub column: Option<String>,
    pub kind: String,
    pub message: Localized,
}

impl RowError {
    pub fn new(line: u64, column: Option<&str>, kind: &str, message: Localized) -> RowError {
        RowError { line, column: column.map(str::to_string), kind: kind.to_string(), message }
    }

    /// A row whose value the domain refused.
    pub fn domain(line: u64, column: Option<&str>, e: &DomainError) -> RowError {
        RowError::new(line, column, e.kind(), say(e.message(Lang::Ko), e.message(Lang::En)))
    }
}

/// A sentence in both languages.
pub fn say(ko: impl Into<String>, en: impl Into<String>) -> Localized {
    Localized { ko: ko.into(), en: en.into() }
}

#[derive(Debug)]
pub enum StoreError {
    /// Another Dangol instance has the database open for writing.
    Locked {
        path: PathBuf,
    },
    /// The file exists but is not a usable Dangol/SQLite database.
    NotADatabase {
        path: PathBuf,
        detail: Localized,
    },
    /// The database was written by a newer Dangol.
    NewerSchema {
        found: i64,
        known: i64,
    },
    /// The database needs upgrading, which only a writer does.
    OlderSchema {
        found: i64,
        known: i64,
    },
    NotFound {
        what: &'static str,
        key: String,
    },
    /// A unique value (phone, card code, coupon code) already in use;
    /// `customer` is the customer who holds it, when it is a customer's.
    Duplicate {
        what: &'static str,
        key: String,
        customer: Option<uuid::Uuid>,
    },
    Domain(DomainError),
    /// An import with bad rows; nothing was written.
    InvalidRows {
        file_kind: &'static str,
        errors: Vec<RowError>,
    },
    /// Malformed input that is not a domain value (a cart file, a query).
    BadInput {
        what: &'static str,
        reason: Localized,
    },
    AlreadyReversed {
        sale: String,
    },
    /// A redemption beyond what this counter holds in escrow: the rest of
    /// the customer's points are held at other counters or in the pool.
    PointsElsewhere {
        wanted: i64,
        held_here: i64,
        balance: i64,
    },
    /// The owner PIN given was wrong (the `failures`-th in a row; the next
    /// attempt waits `retry_after_secs`).
    OwnerPinInvalid {
        failures: i64,
        retry_after_secs: i64,
    },
    /// Too many wrong PINs in a row: wait before trying again.
    OwnerPinLocked {
        retry_after_secs: i64,
    },
    /// The shop has no owner PIN yet.
    OwnerPinNotSet,
    /// An owner-only operation was asked for without the owner.
    OwnerRequired {
        what: Localized,
    },
    /// A write dated too far from the clock.
    WriteTime {
        at: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
        reason: Localized,
    },
    /// A visit id already used for a different sale.
    VisitConflict {
        visit: String,
        reason: Localized,
    },
    /// A sale so large it must be confirmed.
    LargeSale {
        subtotal: i64,
        limit: i64,
        max_qty: i64,
    },
    /// A write asked of a store opened for reading only.
    ReadOnly,
    /// Another connection (a long import, the counter) kept the database
    /// busy for longer than this one waits.
    Busy,
    /// The hub did not answer (sync): nothing is lost, the next round
    /// sends what is waiting.
    HubUnreachable {
        hub: String,
        detail: String,
    },
    /// The hub refused (sync): `refusal` is the hub's kind (`revoked`,
    /// `bad_join_key`, `rewritten`, `counter_newer`, …).
    HubRefused {
        refusal: String,
        detail: String,
    },
    /// The hub holds more of this counter's events than this file has (a
    /// restored backup or a copied file): refused, never merged.
    SyncDiverged {
        hub_acked: i64,
        local_seq: i64,
    },
    Sqlite(rusqlite::Error),
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl StoreError {
    pub fn kind(&self) -> &'static str {
        match self {
            StoreError::Locked { .. } => "database_locked",
            StoreError::NotADatabase { .. } => "not_a_database",
            StoreError::NewerSchema { .. } => "newer_schema",
            StoreError::OlderSchema { .. } => "older_schema",
            StoreError::NotFound { .. } => "not_found",
            StoreError::Duplicate { .. } => "duplicate",
            StoreError::Domain(e) => e.kind(),
            StoreError::InvalidRows { .. } => "invalid_rows",
            StoreError::BadInput { .. } => "bad_input",
            StoreError::AlreadyReversed { .. } => "already_reversed",
            StoreError::PointsElsewhere { .. } => "points_elsewhere",
            StoreError::OwnerPinInvalid { .. } => "owner_pin_invalid",
            StoreError::OwnerPinLocked { .. } => "owner_pin_locked",
            StoreError::OwnerPinNotSet => "owner_pin_not_set",
            StoreError::OwnerRequired { .. } => "owner_required",
            StoreError::WriteTime { .. } => "write_time_refused",
            StoreError::VisitConflict { .. } => "visit_conflict",
            StoreError::LargeSale { .. } => "large_sale_unconfirmed",
            StoreError::ReadOnly => "read_only",
            StoreError::Busy => "database_busy",
            StoreError::HubUnreachable { .. } => "hub_unreachable",
            StoreError::HubRefused { .. } => "hub_refused",
            StoreError::SyncDiverged { .. } => "sync_diverged",
            StoreError::Sqlite(_) => "database",
            StoreError::Io { .. } => "io",
        }
    }

    pub fn not_found(what: &'static str, key: impl fmt::Display) -> Self {
        StoreError::NotFound { what, key: key.to_string() }
    }

    pub fn bad_input(what: &'static str, ko: impl Into<String>, en: impl Into<String>) -> Self {
        StoreError::BadInput { what, reason: say(ko, en) }
    }

    /// The error as one sentence (more lines for an import's rows) in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        crate::error_text::message(self, lang)
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for StoreError {}

impl From<DomainError> for StoreError {
    fn from(e: DomainError) -> Self {
        StoreError::Domain(e)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            match f.code {
                rusqlite::ErrorCode::ReadOnly => return StoreError::ReadOnly,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => return StoreError::Busy,
                _ => {}
            }
        }
        StoreError::Sqlite(e)
    }
}

/// The store's own errors as data, for the wire (the domain's travel as
/// they are, see `ErrorData`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StoreErrorData {
    DatabaseLocked {
        path: String,
    },
    NotADatabase {
        path: String,
    },
    NewerSchema {
        found: i64,
        known: i64,
    },
    OlderSchema {
        found: i64,
        known: i64,
    },
    NotFound {
        what: String,
        key: String,
    },
    Duplicate {
        what: String,
        key: String,
        customer: Option<String>,
    },
    InvalidRows {
        file_kind: String,
        rows: Vec<RowError>,
    },
    BadInput {
        what: String,
    },
    AlreadyReversed {
        sale: String,
    },
    PointsElsewhere {
        wanted: i64,
        held_here: i64,
        balance: i64,
    },
    OwnerPinInvalid {
        failures: i64,
        retry_after_secs: i64,
    },
    OwnerPinLocked {
        retry_after_secs: i64,
    },
    OwnerPinNotSet,
    OwnerRequired,
    WriteTimeRefused {
        at: String,
        now: String,
    },
    VisitConflict {
        visit: String,
    },
    LargeSaleUnconfirmed {
        subtotal: i64,
        limit: i64,
        max_qty: i64,
    },
    ReadOnly,
    DatabaseBusy,
    HubUnreachable {
        hub: String,
    },
    HubRefused {
        refusal: String,
    },
    SyncDiverged {
        hub_acked: i64,
        local_seq: i64,
    },
    Database,
    Io {
        path: String,
    },
    /// The window has no shop open yet.
    SetupNeeded,
    /// A command failed unexpectedly (a bug); nothing was saved.
    Internal,
    /// The command line's arguments could not be read.
    Usage,
}

/// Every error's data: the domain's kinds or the store's.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ErrorData {
    Domain(DomainError),
    Store(StoreErrorData),
}

/// An error as it crosses to a user interface: `kind` to switch on, the
/// error's data beside it, and `message`, the sentence in the language the
/// interface asked for.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorView {
    #[serde(flatten)]
    pub error: ErrorData,
    pub message: String,
}

impl ErrorView {
    pub fn new(e: &StoreError, lang: Lang) -> ErrorView {
        ErrorView { error: data(e), message: e.message(lang) }
    }

    /// An error that is not a `StoreError` (no shop open, a bug caught).
    pub fn other(data: StoreErrorData, message: Localized, lang: Lang) -> ErrorView {
        ErrorView { error: ErrorData::Store(data), message: message.get(lang).to_string() }
    }

    /// The kind, as `StoreError::kind` names it.
    pub fn kind(&self) -> String {
        match serde_json::to_value(&self.error) {
            Ok(serde_json::Value::Object(map)) => map.get("kind").and_then(|k| k.as_str()).unwrap_or("").to_string(),
            _ => String::new(),
        }
    }
}

fn data(e: &StoreError) -> ErrorData {
    use StoreErrorData as D;
    let path = |p: &PathBuf| p.display().to_string();
    ErrorData::Store(match e {
        StoreError::Domain(d) => return ErrorData::Domain(d.clone()),
        StoreError::Locked { path: p } => D::DatabaseLocked { path: path(p) },
        StoreError::NotADatabase { path: p, .. } => D::NotADatabase { path: path(p) },
        StoreError::NewerSchema { found, known } => D::NewerSchema { found: *found, known: *known },
        StoreError::OlderSchema { found, known } => D::OlderSchema { found: *found, known: *known },
        StoreError::NotFound { what, key } => D::NotFound { what: what.to_string(), key: key.clone() },
        StoreError::Duplicate { what, key, customer } => {
            D::Duplicate { what: what.to_string(), key: key.clone(), customer: customer.map(|c| c.to_string()) }
        }
        StoreError::InvalidRows { file_kind, errors } => {
            D::InvalidRows { file_kind: file_kind.to_string(), rows: errors.clone() }
        }
        StoreError::BadInput { what, .. } => D::BadInput { what: what.to_string() },
        StoreError::AlreadyReversed { sale } => D::AlreadyReversed { sale: sale.clone() },
        StoreError::PointsElsewhere { wanted, held_here, balance } => {
            D::PointsElsewhere { wanted: *wanted, held_here: *held_here, balance: *balance }
        }
        StoreError::OwnerPinInvalid { failures, retry_after_secs } => {
            D::OwnerPinInvalid { failures: *failures, retry_after_secs: *retry_after_secs }
        }
        StoreError::OwnerPinLocked { retry_after_secs } => D::OwnerPinLocked { retry_after_secs: *retry_after_secs },
        StoreError::OwnerPinNotSet => D::OwnerPinNotSet,
        StoreError::OwnerRequired { .. } => D::OwnerRequired,
        StoreError::WriteTime { at, now, .. } => D::WriteTimeRefused { at: at.to_rfc3339(), now: now.to_rfc3339() },
        StoreError::VisitConflict { visit, .. } => D::VisitConflict { visit: visit.clone() },
        StoreError::LargeSale { subtotal, limit, max_qty } => {
            D::LargeSaleUnconfirmed { subtotal: *subtotal, limit: *limit, max_qty: *max_qty }
        }
        StoreError::ReadOnly => D::ReadOnly,
        StoreError::Busy => D::DatabaseBusy,
        StoreError::HubUnreachable { hub, .. } => D::HubUnreachable { hub: hub.clone() },
        StoreError::HubRefused { refusal, .. } => D::HubRefused { refusal: refusal.clone() },
        StoreError::SyncDiverged { hub_acked, local_seq } => {
            D::SyncDiverged { hub_acked: *hub_acked, local_seq: *local_seq }
        }
        StoreError::Sqlite(_) => D::Database,
        StoreError::Io { path: p, .. } => D::Io { path: path(p) },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_carries_the_kind_the_data_and_the_sentence() {
        let e = StoreError::Duplicate {
            what: "phone number",
            key: "010-****-5678".into(),
            customer: Some(uuid::Uuid::nil()),
        };
        let v = serde_json::to_value(ErrorView::new(&e, Lang::Ko)).unwrap();
        assert_eq!(v["kind"], "duplicate");
        assert_eq!(v["customer"], uuid::Uuid::nil().to_string());
        assert!(v["message"].as_str().unwrap().contains("이미"), "{v}");
        let gate = StoreError::Domain(DomainError::GateRefused {
            unacknowledged: vec![dangol_domain::error::UnacknowledgedDiscount {
                rule_id: "senior-65".into(),
                name: "경로 우대".into(),
                saving: 900,
            }],
        });
        let v = serde_json::to_value(ErrorView::new(&gate, Lang::En)).unwrap();
        assert_eq!(v["kind"], "checkout_refused");
        assert_eq!(v["unacknowledged"][0]["saving"], 900);
        assert_eq!(ErrorView::new(&gate, Lang::En).kind(), "checkout_refused");
    }
}

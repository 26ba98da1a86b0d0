//! Store errors: each names what went wrong and with which value, and has a
//! stable `kind` for the wire (`{kind, message}`).

use dangol_domain::DomainError;
use std::fmt;
use std::path::PathBuf;

pub type Result<T> = std::result::Result<T, StoreError>;

/// One bad row in an import file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

#[derive(Debug)]
pub enum StoreError {
    /// Another Dangol instance has the database open.
    Locked {
        path: PathBuf,
    },
    /// The file exists but is not a Dangol/SQLite database.
    NotADatabase {
        path: PathBuf,
        detail: String,
    },
    /// The database was written by a newer Dangol.
    NewerSchema {
        found: i64,
        known: i64,
    },
    NotFound {
        what: &'static str,
        key: String,
    },
    /// A unique value (phone, card code, coupon code) already in use.
    Duplicate {
        what: &'static str,
        key: String,
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
        reason: String,
    },
    AlreadyReversed {
        sale: String,
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
        what: &'static str,
    },
    /// A write dated too far from the clock.
    WriteTime {
        at: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
        reason: String,
    },
    /// A visit id already used for a different sale.
    VisitConflict {
        visit: String,
        reason: String,
    },
    /// A sale so large it must be confirmed.
    LargeSale {
        subtotal: i64,
        limit: i64,
        max_qty: i64,
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
            StoreError::NotFound { .. } => "not_found",
            StoreError::Duplicate { .. } => "duplicate",
            StoreError::Domain(e) => e.kind(),
            StoreError::InvalidRows { .. } => "invalid_rows",
            StoreError::BadInput { .. } => "bad_input",
            StoreError::AlreadyReversed { .. } => "already_reversed",
            StoreError::OwnerPinInvalid { .. } => "owner_pin_invalid",
            StoreError::OwnerPinLocked { .. } => "owner_pin_locked",
            StoreError::OwnerPinNotSet => "owner_pin_not_set",
            StoreError::OwnerRequired { .. } => "owner_required",
            StoreError::WriteTime { .. } => "write_time_refused",
            StoreError::VisitConflict { .. } => "visit_conflict",
            StoreError::LargeSale { .. } => "large_sale_unconfirmed",
            StoreError::Sqlite(_) => "database",
            StoreError::Io { .. } => "io",
        }
    }

    pub fn not_found(what: &'static str, key: impl fmt::Display) -> Self {
        StoreError::NotFound { what, key: key.to_string() }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Locked { path } => {
                write!(f, "database {} is already open in another Dangol instance; close it first", path.display())
            }
            StoreError::NotADatabase { path, detail } => {
                write!(f, "{} is not a usable Dangol database ({detail})", path.display())
            }
            StoreError::NewerSchema { found, known } => write!(
                f,
                "the database has schema version {found}, newer than this Dangol knows ({known}); upgrade Dangol"
            ),
            StoreError::NotFound { what, key } => write!(f, "{what} {key:?} not found"),
            StoreError::Duplicate { what, key } => {
                write!(f, "{what} {key:?} is already registered")
            }
            StoreError::Domain(e) => write!(f, "{e}"),
            StoreError::InvalidRows { file_kind, errors } => {
                write!(f, "{file_kind} file rejected, nothing was imported: {} bad row(s)", errors.len())?;
                for e in errors.iter().take(20) {
                    write!(f, "\n  line {}: {}", e.line, e.message)?;
                }
                if errors.len() > 20 {
                    write!(f, "\n  … and {} more", errors.len() - 20)?;
                }
                Ok(())
            }
            StoreError::BadInput { what, reason } => write!(f, "invalid {what}: {reason}"),
            StoreError::AlreadyReversed { sale } => {
                write!(f, "sale {sale} has already been reversed")
            }
            StoreError::OwnerPinInvalid { failures, retry_after_secs } => {
                write!(f, "the owner PIN is not correct ({failures} wrong in a row")?;
                if *retry_after_secs > 0 {
                    write!(f, "; wait {retry_after_secs} s before the next try")?;
                }
                write!(f, ")")
            }
            StoreError::OwnerPinLocked { retry_after_secs } => {
                write!(f, "too many wrong owner PINs; try again in {retry_after_secs} s")
            }
            StoreError::OwnerPinNotSet => {
                write!(
                    f,
                    "this shop has no owner PIN yet; the owner sets one first (dangol set-pin, or the window's setup)"
                )
            }
            StoreError::OwnerRequired { what } => write!(f, "only the owner may {what}; the owner's PIN is needed"),
            StoreError::WriteTime { at, now, reason } => {
                write!(f, "a write dated {at} was refused (the clock says {now}): {reason}")
            }
            StoreError::VisitConflict { visit, reason } => write!(f, "visit {visit}: {reason}"),
            StoreError::LargeSale { subtotal, limit, max_qty } => write!(
                f,
                "an unusually large sale ({}, up to {max_qty} of one item; the shop asks to confirm sales over {} or 100 of one item): confirm it to complete",
                dangol_domain::money::format_won(*subtotal),
                dangol_domain::money::format_won(*limit)
            ),
            StoreError::Sqlite(e) => write!(f, "database error: {e}"),
            StoreError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
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
        StoreError::Sqlite(e)
    }
}

/// An error as it crosses to a user interface: a stable `kind` to switch on
/// and a human `message`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ErrorView {
    pub kind: String,
    pub message: String,
}

impl From<StoreError> for ErrorView {
    fn from(e: StoreError) -> Self {
        ErrorView { kind: e.kind().to_string(), message: e.to_string() }
    }
}

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
    /// The owner PIN given was wrong.
    OwnerPinInvalid,
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
            StoreError::OwnerPinInvalid => "owner_pin_invalid",
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
            StoreError::OwnerPinInvalid => write!(f, "the owner PIN is not correct"),
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

//! The errors the domain can report. Each variant is something a caller can
//! act on (fix the input, pick another customer, acknowledge a discount), and
//! each renders as one clear sentence naming the offending value.

use std::fmt;

/// Result alias for domain operations.
pub type Result<T> = std::result::Result<T, DomainError>;

/// A rejected input or a refused operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainError {
    /// A phone number that is not a Korean mobile number.
    InvalidPhone { input: String, reason: String },
    /// A required text field was empty or too long, or had bad characters.
    InvalidField { field: &'static str, reason: String },
    /// A cart that cannot be priced (unknown SKU, bad quantity, too many lines).
    InvalidCart { reason: String },
    /// A number outside the range its field allows.
    OutOfRange { field: String, min: i64, max: i64, got: String },
    /// A discount rule definition that cannot be evaluated.
    InvalidRule { rule_id: String, reason: String },
    /// A rule the cashier tried to apply is not eligible for this cart.
    RuleNotEligible { rule_id: String, reason: String },
    /// A goodwill discount above the owner's limit without the owner's approval.
    OwnerApprovalRequired { amount: i64, limit: i64 },
    /// The checkout gate refused: eligible discounts left unapplied and unacknowledged.
    GateRefused { unacknowledged: Vec<UnacknowledgedDiscount> },
}

/// An eligible discount that blocks checkout until applied or dismissed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnacknowledgedDiscount {
    pub rule_id: String,
    pub name: String,
    pub saving: i64,
}

impl DomainError {
    /// A stable machine-readable kind, used on the wire as `{kind, message}`.
    pub fn kind(&self) -> &'static str {
        match self {
            DomainError::InvalidPhone { .. } => "invalid_phone",
            DomainError::InvalidField { .. } => "invalid_field",
            DomainError::InvalidCart { .. } => "invalid_cart",
            DomainError::OutOfRange { .. } => "out_of_range",
            DomainError::InvalidRule { .. } => "invalid_rule",
            DomainError::RuleNotEligible { .. } => "rule_not_eligible",
            DomainError::GateRefused { .. } => "checkout_refused",
            DomainError::OwnerApprovalRequired { .. } => "owner_pin_required",
        }
    }

    pub(crate) fn field(field: &'static str, reason: impl Into<String>) -> Self {
        DomainError::InvalidField { field, reason: reason.into() }
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DomainError::InvalidPhone { input, reason } => {
                write!(f, "invalid phone number {input:?}: {reason}")
            }
            DomainError::InvalidField { field, reason } => write!(f, "invalid {field}: {reason}"),
            DomainError::InvalidCart { reason } => write!(f, "invalid cart: {reason}"),
            DomainError::OutOfRange { field, min, max, got } => {
                write!(f, "{field} must be between {min} and {max} (got {got})")
            }
            DomainError::InvalidRule { rule_id, reason } => {
                write!(f, "invalid discount rule {rule_id:?}: {reason}")
            }
            DomainError::RuleNotEligible { rule_id, reason } => {
                write!(f, "discount {rule_id:?} cannot be applied: {reason}")
            }
            DomainError::OwnerApprovalRequired { amount, limit } => write!(
                f,
                "a goodwill discount of {} is above the cashier limit of {}; the owner's PIN is needed",
                crate::money::format_won(*amount),
                crate::money::format_won(*limit)
            ),
            DomainError::GateRefused { unacknowledged } => {
                write!(f, "checkout refused: eligible discount(s) not applied or dismissed: ")?;
                for (i, d) in unacknowledged.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{} ({}) saves {}", d.name, d.rule_id, crate::money::format_won(d.saving))?;
                }
                write!(f, "; apply each one or dismiss it with a reason")
            }
        }
    }
}

impl std::error::Error for DomainError {}

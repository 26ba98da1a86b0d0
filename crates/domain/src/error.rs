//! The errors the domain can report. Each variant is something a caller can
//! act on (fix the input, pick another customer, acknowledge a discount) and
//! carries its data, not a sentence: the field, the range, the rule, the
//! discounts left unapplied. The sentences, in Korean and English, are made
//! from that data in `i18n::errors` (which is also where `Display` lives, in
//! English for logs).

use crate::lang::Localized;
use serde::Serialize;

/// Result alias for domain operations.
pub type Result<T> = std::result::Result<T, DomainError>;

/// A rejected input or a refused operation.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DomainError {
    /// A phone number that is not a Korean mobile number (`input` is cut to
    /// 40 characters).
    InvalidPhone { input: String, problem: PhoneProblem },
    /// A text or value field that cannot be accepted. `field` is one of
    /// `FIELDS` (or a rule's JSON path inside `InvalidRule`).
    InvalidField { field: String, problem: Problem },
    /// A cart that cannot be priced.
    InvalidCart { problem: CartProblem },
    /// A number outside the range its field allows.
    OutOfRange { field: String, min: i64, max: i64, got: String },
    /// A discount rule definition that cannot be evaluated: which part of
    /// it, and what is wrong there.
    InvalidRule { rule_id: String, field: String, problem: Problem },
    /// A rule the cashier tried to apply or dismiss cannot be.
    RuleNotEligible { rule_id: String, why: NotApplicable },
    /// A goodwill discount above the owner's limit without the owner's approval.
    #[serde(rename = "owner_pin_required")]
    OwnerApprovalRequired { amount: i64, limit: i64 },
    /// The checkout gate refused: eligible discounts left unapplied and unacknowledged.
    #[serde(rename = "checkout_refused")]
    GateRefused { unacknowledged: Vec<UnacknowledgedDiscount> },
}

/// An eligible discount that blocks checkout until applied or dismissed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnacknowledgedDiscount {
    pub rule_id: String,
    pub name: String,
    pub saving: i64,
}

/// What is wrong with a field's value.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    Empty,
    /// Longer than allowed, in characters or bytes.
    TooLong {
        max: u64,
        got: u64,
        unit: Unit,
    },
    /// More entries than allowed.
    TooMany {
        max: u64,
        got: u64,
    },
    ControlCharacters,
    NoLetters,
    /// Not in the expected form.
    Format {
        expected: Expected,
    },
    /// Not valid JSON, at this line and column.
    Json {
        line: u64,
        column: u64,
    },
    InFuture,
    /// Earlier than the earliest accepted value.
    TooEarly {
        min: String,
    },
    /// Later than the latest accepted value.
    TooLate {
        max: String,
    },
    /// Not one of the accepted words (`got`, cut to 40 characters).
    NotOneOf {
        got: String,
        allowed: Vec<String>,
    },
    /// Contains a character it may not.
    Forbidden {
        character: String,
    },
    /// The same value is given twice.
    Repeated {
        value: String,
    },
    /// Must be more than zero.
    NotPositive,
    /// The value is reserved for the system.
    Reserved,
    /// Must not come after `other` (e.g. `valid_from` after `valid_until`).
    AfterOther {
        other: String,
    },
    /// A number outside its range.
    OutOfRange {
        min: i64,
        max: i64,
        got: String,
    },
    /// The same start and end (a time window).
    SameStartAndEnd,
    /// Points redemption cannot be exclusive (it is the customer's own money).
    ExclusiveRedemption,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Characters,
    Bytes,
}

/// The forms a field can be expected in.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    /// `YYYY-MM-DD`.
    Date,
    /// An IANA name such as `Asia/Seoul`.
    TimeZone,
    /// 1–40 (or 64) ASCII letters, digits, `-` or `_`.
    Code,
    /// 5–64 ASCII letters, digits or symbols without spaces.
    CardCode,
    /// A whole number of won, such as 4500.
    WholeWon,
    /// yes/no, true/false, 1/0 or 동의/미동의.
    YesNo,
}

/// Why a phone number is not a Korean mobile number.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum PhoneProblem {
    Empty,
    /// A character that is not a digit, space, dash, dot or bracket.
    Character {
        character: String,
    },
    TooManyDigits,
    /// A foreign country code.
    NotKorean,
    /// A landline or service number.
    NotMobile,
    /// The right prefix with the wrong number of digits.
    Length {
        prefix: String,
        expected: String,
        got: u64,
    },
    UnknownPrefix {
        prefix: String,
    },
    /// The middle block starts with 0.
    MiddleBlock,
}

/// Why a cart cannot be priced.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum CartProblem {
    /// Nothing to sell.
    Empty,
    TooManyLines {
        max: u64,
        got: u64,
    },
    /// A line's quantity outside 1..=max.
    Quantity {
        line: u64,
        sku: String,
        qty: i64,
        max: i64,
    },
    UnknownProduct {
        line: u64,
        sku: String,
    },
}

/// Why a discount cannot be applied or dismissed as asked.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum NotApplicable {
    /// No active rule has that id.
    UnknownRule,
    /// The rule does not apply to this customer and cart: the first unmet
    /// condition, in both languages, when there is one. (Text, not the
    /// engine's `Reason`, so this module stays below the engine.)
    NotEligible {
        reason: Option<Localized>,
    },
    AppliedTwice,
    /// The selection breaks the stacking rules (an exclusive discount applies
    /// alone; stamp rewards need enough stamps).
    CannotCombine {
        rules: Vec<String>,
    },
    AppliedAndDismissed,
}

/// The field codes `InvalidField` uses; each has a label in both languages
/// (`i18n::errors::field_label`).
pub const FIELDS: &[&str] = &[
    "name",
    "preferred_name",
    "birth_date",
    "tier",
    "card_code",
    "tag",
    "note",
    "feedback_kind",
    "feedback_category",
    "feedback_text",
    "sku",
    "product_name",
    "category",
    "price",
    "goodwill_amount",
    "goodwill_reason",
    "loyalty_settings",
    "tier_bonus_bp",
    "stamp_categories",
    "stamp_category",
    "time_zone",
    "shop_name",
    "marketing_consent",
    "dismiss_reason",
];

impl DomainError {
    /// A stable machine-readable kind, used on the wire.
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

    /// An invalid field (`field` is one of `FIELDS`).
    pub fn field(field: &'static str, problem: Problem) -> Self {
        debug_assert!(FIELDS.contains(&field), "field {field:?} has no label; add it to FIELDS");
        DomainError::InvalidField { field: field.to_string(), problem }
    }

    /// A text longer than `max` characters.
    pub fn too_long(field: &'static str, max: usize, got: usize, unit: Unit) -> Self {
        DomainError::field(field, Problem::TooLong { max: max as u64, got: got as u64, unit })
    }
}

/// A user's value cut to 40 characters for an error (a huge input is never
/// echoed back whole).
pub fn cut(input: &str) -> String {
    if input.chars().nth(40).is_some() {
        let mut cut: String = input.chars().take(40).collect();
        cut.push('…');
        cut
    } else {
        input.to_string()
    }
}

impl Problem {
    /// The problem for a JSON parse error, keeping only where it is.
    pub fn json(e: &serde_json::Error) -> Problem {
        Problem::Json { line: e.line() as u64, column: e.column() as u64 }
    }
}

impl std::error::Error for DomainError {}

//! Voice of the customer: complaints, compliments and requests logged at the
//! counter. An open complaint is followed up at the customer's next visit.

use crate::error::{DomainError, Problem, Result, Unit};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Longest feedback text accepted, in bytes.
pub const MAX_FEEDBACK_BYTES: usize = 2_000;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackKind {
    Complaint,
    Compliment,
    Request,
}

impl FeedbackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackKind::Complaint => "complaint",
            FeedbackKind::Compliment => "compliment",
            FeedbackKind::Request => "request",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "complaint" => Ok(FeedbackKind::Complaint),
            "compliment" => Ok(FeedbackKind::Compliment),
            "request" => Ok(FeedbackKind::Request),
            other => Err(DomainError::field(
                "feedback_kind",
                Problem::NotOneOf {
                    got: crate::error::cut(other),
                    allowed: ["complaint", "compliment", "request"].map(String::from).to_vec(),
                },
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackStatus {
    Open,
    Resolved,
}

impl FeedbackStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackStatus::Open => "open",
            FeedbackStatus::Resolved => "resolved",
        }
    }
}

/// One feedback entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: FeedbackKind,
    /// Free category label, e.g. "taste", "service", "wait", "price".
    pub category: String,
    pub text: String,
    pub status: FeedbackStatus,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
}

impl Feedback {
    /// Validates a new entry. Complaints start open; compliments and requests
    /// need no follow-up unless logged as requests, which also start open.
    pub fn new(
        id: Uuid,
        customer_id: Uuid,
        at: DateTime<Utc>,
        kind: FeedbackKind,
        category: &str,
        text: &str,
    ) -> Result<Feedback> {
        let category = crate::customer::validate_name(category, "feedback_category")?;
        if text.len() > MAX_FEEDBACK_BYTES * 4 {
            return Err(DomainError::too_long("feedback_text", MAX_FEEDBACK_BYTES, text.len(), Unit::Bytes));
        }
        let text = crate::hangul::nfc(text.trim()).into_owned();
        let text = text.as_str();
        if text.is_empty() {
            return Err(DomainError::field("feedback_text", Problem::Empty));
        }
        if text.len() > MAX_FEEDBACK_BYTES {
            return Err(DomainError::too_long("feedback_text", MAX_FEEDBACK_BYTES, text.len(), Unit::Bytes));
        }
        let status = match kind {
            FeedbackKind::Compliment => FeedbackStatus::Resolved,
            _ => FeedbackStatus::Open,
        };
        Ok(Feedback {
            id,
            customer_id,
            at,
            kind,
            category,
            text: text.to_string(),
            status,
            resolved_at: (status == FeedbackStatus::Resolved).then_some(at),
            resolution: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complaints_start_open_compliments_closed() {
        let at = Utc::now();
        let c =
            Feedback::new(Uuid::nil(), Uuid::nil(), at, FeedbackKind::Complaint, "taste", "coffee was cold").unwrap();
        assert_eq!(c.status, FeedbackStatus::Open);
        let p = Feedback::new(Uuid::nil(), Uuid::nil(), at, FeedbackKind::Compliment, "service", "friendly").unwrap();
        assert_eq!(p.status, FeedbackStatus::Resolved);
        assert!(Feedback::new(Uuid::nil(), Uuid::nil(), at, FeedbackKind::Request, "menu", "  ").is_err());
        assert!(FeedbackKind::parse("praise").is_err());
    }
}

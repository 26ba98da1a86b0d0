//! Instants are stored as Unix milliseconds.

use chrono::{DateTime, Utc};

pub fn ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Lookup rank of a customer: the day of their last activity plus two days
/// per visit (capped at a year's worth), so a weekly regular outranks a
/// one-off visitor from yesterday, and a regular who drifted away two years
/// ago falls behind current regulars.
pub fn rank(last_activity_ms: i64, visits: i64) -> i64 {
    last_activity_ms.div_euclid(86_400_000) + 2 * visits.clamp(0, 365)
}

//! The store's clock, and the rule that a write is dated now.
//!
//! The store never reads the system time by itself: the shell gives it a
//! `Clock` (the system clock, or `DANGOL_NOW` for tests, demos and scripted
//! replays). Reads may ask about any moment (a preview "as of" a date);
//! writes must be dated close to the clock and never before the customer
//! existed, because a sale dated in 2062 would expire a customer's points
//! for good. Only the owner may date a write in the past, and that is
//! audited.

use crate::error::{Result, StoreError, say};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::time::Instant;

/// The environment variable that sets the process's clock (RFC 3339).
pub const NOW_VAR: &str = "DANGOL_NOW";

/// How far a write's moment may stray from the clock either way.
pub const WRITE_SKEW: Duration = Duration::minutes(5);

/// The earliest and latest moments Dangol accepts at all.
pub fn earliest() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date").and_hms_opt(0, 0, 0).expect("a time").and_utc()
}

pub fn latest() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(2100, 1, 1).expect("a date").and_hms_opt(0, 0, 0).expect("a time").and_utc()
}

/// Where "now" comes from.
#[derive(Debug, Clone)]
pub enum Clock {
    /// The operating system's clock.
    System,
    /// A set moment that then advances with real time (`DANGOL_NOW`).
    From { start: DateTime<Utc>, since: Instant },
    /// A moment that only moves when set again (tests).
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::From { start, since } => *start + Duration::from_std(since.elapsed()).unwrap_or(Duration::zero()),
            Clock::Fixed(t) => *t,
        }
    }

    /// A clock starting at `start` and running from there.
    pub fn starting_at(start: DateTime<Utc>) -> Clock {
        Clock::From { start, since: Instant::now() }
    }

    /// The clock the environment asks for: `DANGOL_NOW` if set, else the
    /// system clock.
    pub fn from_env() -> Result<Clock> {
        match std::env::var(NOW_VAR) {
            Ok(v) if !v.trim().is_empty() => Ok(Clock::starting_at(parse_moment(&v, NOW_VAR)?)),
            _ => Ok(Clock::System),
        }
    }
}

/// Parses an RFC 3339 moment within the years Dangol accepts.
pub fn parse_moment(s: &str, what: &'static str) -> Result<DateTime<Utc>> {
    let t =
        DateTime::parse_from_rfc3339(s.trim()).map(|t| t.with_timezone(&Utc)).map_err(|_| StoreError::BadInput {
            what,
            reason: crate::error::say(
                format!("{s:?}은(는) 2026-11-23T10:00:00+09:00 같은 RFC 3339 시각이 아닙니다"),
                format!("{s:?} is not an RFC 3339 time such as 2026-11-23T10:00:00+09:00"),
            ),
        })?;
    if t < earliest() || t >= latest() {
        return Err(StoreError::BadInput {
            what,
            reason: crate::error::say(
                format!("{s:?}은(는) 단골이 받는 2000~2099년 밖입니다"),
                format!("{s:?} is outside the years 2000-2099 that Dangol accepts"),
            ),
        });
    }
    Ok(t)
}

/// A moment a write may not come before (the customer's registration, the
/// sale a refund reverses), named in Korean and English for the refusal.
#[derive(Debug, Clone, Copy)]
pub struct NotBefore {
    pub at: DateTime<Utc>,
    pub ko: &'static str,
    pub en: &'static str,
}

/// Checks that a write dated `at` may happen with the clock at `now`:
/// within `WRITE_SKEW` of it, and never before `not_before` (the customer's
/// registration, the sale refunded) by more than `WRITE_SKEW`: that moment
/// may come from another counter whose clock runs a little ahead (sync). With `backdating` (the owner's explicit
/// override) a moment in the past is allowed; the future never is.
pub fn check_write_time(
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    not_before: Option<NotBefore>,
    backdating: bool,
) -> Result<()> {
    if at < earliest() || at >= latest() {
        return Err(StoreError::WriteTime {
            at,
            now,
            reason: say("단골이 받는 2000~2099년 밖입니다", "outside the years 2000-2099"),
        });
    }
    if at > now + WRITE_SKEW {
        return Err(StoreError::WriteTime {
            at,
            now,
            reason: say(
                format!("시계보다 {}분 앞섭니다. 기록은 지금 시각으로 합니다", (at - now).num_minutes()),
                format!("it is {} min ahead of the clock; writes are dated now", (at - now).num_minutes()),
            ),
        });
    }
    if let Some(NotBefore { at: t, ko, en }) = not_before
        && at < t - WRITE_SKEW
    {
        return Err(StoreError::WriteTime {
            at,
            now,
            reason: say(format!("{ko} 이전입니다 ({t})"), format!("it is before {en} ({t})")),
        });
    }
    if at < now - WRITE_SKEW && !backdating {
        return Err(StoreError::WriteTime {
            at,
            now,
            reason: say(
                format!(
                    "시계보다 {}분 늦습니다. 지난 시각의 기록은 사장님만 허락할 수 있습니다 (--backdate)",
                    (now - at).num_minutes()
                ),
                format!(
                    "it is {} min behind the clock; only the owner may date a write in the past (--backdate)",
                    (now - at).num_minutes()
                ),
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_write_is_dated_now() {
        let now = t("2026-11-23T10:00:00+09:00");
        assert!(check_write_time(now, now, None, false).is_ok());
        assert!(check_write_time(now - Duration::minutes(4), now, None, false).is_ok(), "a little skew is fine");
        for (at, why) in [
            (t("2062-01-01T00:00:00Z"), "far future"),
            (now + Duration::minutes(6), "just beyond the skew"),
            (now - Duration::days(3), "the past, without the owner"),
            (t("2001-01-01T00:00:00Z"), "year 2001, without the owner"),
        ] {
            let err = check_write_time(at, now, None, false).expect_err(why);
            assert_eq!(err.kind(), "write_time_refused", "{why}");
        }
        assert!(check_write_time(now - Duration::days(3), now, None, true).is_ok(), "the owner may backdate");
        assert!(check_write_time(now + Duration::days(3), now, None, true).is_err(), "never the future");
        let born = now - Duration::days(1);
        let err = check_write_time(
            now - Duration::days(2),
            now,
            Some(NotBefore { at: born, ko: "고객 등록", en: "the customer registered" }),
            true,
        )
        .expect_err("never before the customer existed");
        assert!(err.to_string().contains("before the customer registered"), "{err}");
        let ko = err.message(dangol_domain::i18n::Lang::Ko);
        assert!(ko.contains("고객 등록 이전") && !ko.contains("customer"), "no English in Korean: {ko}");
    }

    #[test]
    fn moments_outside_the_accepted_years_are_refused_when_parsed() {
        assert!(parse_moment("2026-11-23T10:00:00+09:00", "time").is_ok());
        for s in ["0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z", "2026-13-01T00:00:00Z", "tomorrow"] {
            assert!(parse_moment(s, "time").is_err(), "{s}");
        }
    }

    #[test]
    fn a_clock_from_a_set_moment_runs_forward() {
        let start = t("2026-11-23T10:00:00+09:00");
        let c = Clock::starting_at(start);
        let a = c.now();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(a >= start && c.now() > a);
        assert_eq!(Clock::Fixed(start).now(), start);
    }
}

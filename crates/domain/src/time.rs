//! The shop's clock, without reading one: moments arrive as UTC instants and
//! are viewed in the shop's time zone (Asia/Seoul unless configured), so that
//! "today", birthdays, ages and happy hours follow the counter's wall clock.

use crate::error::{DomainError, Expected, Problem, Result};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// The default shop time zone.
pub const DEFAULT_ZONE: &str = "Asia/Seoul";

/// The shop's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShopZone(Tz);

impl Default for ShopZone {
    fn default() -> Self {
        ShopZone(chrono_tz::Asia::Seoul)
    }
}

impl ShopZone {
    /// Parses an IANA zone name such as `Asia/Seoul`.
    pub fn parse(name: &str) -> Result<ShopZone> {
        name.parse::<Tz>()
            .map(ShopZone)
            .map_err(|_| DomainError::field("time_zone", Problem::Format { expected: Expected::TimeZone }))
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The shop's local wall time at an instant.
    pub fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(&self.0).naive_local()
    }

    /// The shop's local date at an instant ("today").
    pub fn date(&self, at: DateTime<Utc>) -> NaiveDate {
        self.local(at).date()
    }

    /// The instant a local date begins (midnight, or the first valid time after
    /// a gap).
    pub fn start_of(&self, date: NaiveDate) -> DateTime<Utc> {
        let midnight = date.and_time(NaiveTime::MIN);
        match self.0.from_local_datetime(&midnight) {
            chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            chrono::LocalResult::None => self
                .0
                .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|| Utc.from_utc_datetime(&midnight)),
        }
    }

    /// The local date's day number (days since 1970-01-01): the unit the
    /// visit rhythm counts in.
    pub fn day(&self, at: DateTime<Utc>) -> i64 {
        day_number(self.date(at))
    }

    /// Whole days between two instants' local dates (`later - earlier`).
    pub fn days_between(&self, earlier: DateTime<Utc>, later: DateTime<Utc>) -> i64 {
        (self.date(later) - self.date(earlier)).num_days()
    }
}

/// A date's day number (days since 1970-01-01).
pub fn day_number(date: NaiveDate) -> i64 {
    (date - NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date")).num_days()
}

/// The date of a day number.
pub fn date_of_day(day: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date") + chrono::Duration::days(day)
}

/// Age in completed years on a given date. Someone born on 29 February comes
/// of age on 1 March in common years (the Korean civil-law convention that
/// the day after 28 February ends the year).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    let had_birthday = (on.month(), on.day()) >= (birth.month(), birth.day());
    if !had_birthday {
        age -= 1;
    }
    age
}

/// The birthday a person celebrates in `year`: 29 February falls back to
/// 28 February in common years, so the treat is not lost.
pub fn birthday_in(birth: NaiveDate, year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
        .unwrap_or(if year > 0 { NaiveDate::MAX } else { NaiveDate::MIN })
}

/// Signed days from `on` to the nearest birthday (negative when it has
/// passed), looking at last, this and next year.
pub fn days_to_nearest_birthday(birth: NaiveDate, on: NaiveDate) -> i64 {
    [on.year() - 1, on.year(), on.year() + 1]
        .into_iter()
        .map(|y| (birthday_in(birth, y) - on).num_days())
        .min_by_key(|d| (d.abs(), *d < 0))
        .unwrap_or(i64::MAX)
}

/// The birthday occurrence nearest to `on` (the one a birthday treat on
/// that day celebrates).
pub fn nearest_birthday(birth: NaiveDate, on: NaiveDate) -> NaiveDate {
    let offset = days_to_nearest_birthday(birth, on);
    on.checked_add_signed(chrono::Duration::days(offset)).unwrap_or(on)
}

/// A weekly time window in the shop's local time, e.g. weekdays 15:00–17:00.
/// `end` is exclusive; a window whose end is before its start runs past
/// midnight.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TimeWindow {
    /// Days the window opens on; empty means every day.
    #[serde(default)]
    #[cfg_attr(
        feature = "ts",
        ts(type = "Array<\"Mon\" | \"Tue\" | \"Wed\" | \"Thu\" | \"Fri\" | \"Sat\" | \"Sun\">")
    )]
    pub days: Vec<Weekday>,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl TimeWindow {
    pub fn contains(&self, local: NaiveDateTime) -> bool {
        let t = local.time();
        let day_ok = |d: Weekday| self.days.is_empty() || self.days.contains(&d);
        if self.start <= self.end {
            day_ok(local.weekday()) && t >= self.start && t < self.end
        } else if t >= self.start {
            day_ok(local.weekday())
        } else {
            t < self.end && day_ok(local.weekday().pred())
        }
    }

    /// Minutes until the window next opens today, if it opens later today.
    pub fn minutes_until_open(&self, local: NaiveDateTime) -> Option<i64> {
        let day_ok = self.days.is_empty() || self.days.contains(&local.weekday());
        let t = local.time();
        (day_ok && t < self.start).then(|| (self.start - t).num_minutes())
    }

    /// Minutes since the window closed today, if it closed earlier today.
    pub fn minutes_since_close(&self, local: NaiveDateTime) -> Option<i64> {
        let day_ok = self.days.is_empty() || self.days.contains(&local.weekday());
        let t = local.time();
        (day_ok && self.start <= self.end && t >= self.end).then(|| (t - self.end).num_minutes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn age_counts_completed_years() {
        let cases = [
            (d(1961, 11, 22), d(2026, 11, 22), 65, "turns 65 today"),
            (d(1961, 11, 23), d(2026, 11, 22), 64, "turns 65 tomorrow"),
            (d(1954, 3, 1), d(2026, 11, 22), 72, "72-year-old"),
            (d(1960, 2, 29), d(2025, 2, 28), 64, "leapling: not yet on 28 Feb of a common year"),
            (d(1960, 2, 29), d(2025, 3, 1), 65, "leapling: 1 March in a common year"),
            (d(1960, 2, 29), d(2024, 2, 29), 64, "leapling: own birthday in a leap year"),
        ];
        for (birth, on, want, why) in cases {
            assert_eq!(age_on(birth, on), want, "{why}");
        }
    }

    #[test]
    fn leap_day_birthday_falls_back_to_28_february() {
        assert_eq!(birthday_in(d(2000, 2, 29), 2025), d(2025, 2, 28));
        assert_eq!(birthday_in(d(2000, 2, 29), 2028), d(2028, 2, 29));
        assert_eq!(days_to_nearest_birthday(d(2000, 2, 29), d(2025, 2, 28)), 0);
        assert_eq!(days_to_nearest_birthday(d(1990, 1, 2), d(2025, 12, 30)), 3, "across new year");
        assert_eq!(days_to_nearest_birthday(d(1990, 12, 30), d(2026, 1, 2)), -3);
        assert_eq!(nearest_birthday(d(1990, 1, 2), d(2025, 12, 28)), d(2026, 1, 2), "celebrated early");
        assert_eq!(nearest_birthday(d(1990, 1, 2), d(2026, 1, 3)), d(2026, 1, 2), "the same birthday");
    }

    #[test]
    fn local_date_follows_the_zone() {
        let zone = ShopZone::default();
        let at = DateTime::parse_from_rfc3339("2026-11-22T15:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(zone.date(at), d(2026, 11, 23), "15:30 UTC is 00:30 the next day in Seoul");
        assert_eq!(zone.start_of(d(2026, 11, 23)), DateTime::parse_from_rfc3339("2026-11-22T15:00:00Z").unwrap());
        assert!(ShopZone::parse("Mars/Olympus").is_err());
        assert_eq!(ShopZone::parse("Europe/London").unwrap().name(), "Europe/London");
    }

    #[test]
    fn time_windows() {
        let w = TimeWindow {
            days: vec![Weekday::Mon, Weekday::Tue],
            start: NaiveTime::from_hms_opt(15, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        };
        let monday = d(2026, 11, 23);
        assert!(w.contains(monday.and_hms_opt(15, 0, 0).unwrap()));
        assert!(!w.contains(monday.and_hms_opt(17, 0, 0).unwrap()), "end is exclusive");
        assert!(!w.contains(d(2026, 11, 25).and_hms_opt(16, 0, 0).unwrap()), "Wednesday is not in the window");
        assert_eq!(w.minutes_until_open(monday.and_hms_opt(14, 40, 0).unwrap()), Some(20));
        let late = TimeWindow {
            days: vec![],
            start: NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(2, 0, 0).unwrap(),
        };
        assert!(late.contains(monday.and_hms_opt(1, 0, 0).unwrap()));
        assert!(late.contains(monday.and_hms_opt(23, 0, 0).unwrap()));
        assert!(!late.contains(monday.and_hms_opt(3, 0, 0).unwrap()));
    }
}

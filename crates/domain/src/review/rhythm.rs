//! A customer judged against their own rhythm: the usual gap between their
//! visit days, how long it has been now, and the shop's BG/NBD model's
//! P(alive) beside it, giving a segment an owner understands.
//!
//! The segments (docs/review.md has the same table):
//!
//! | segment | rule |
//! |---|---|
//! | no visit | registered, never came |
//! | first visit | one visit day, within `ONE_VISIT_LOST_DAYS` |
//! | lost | gone longer than `LOST_AFTER_DAYS` with P(alive) below `LOST_P_ALIVE` or fewer than `REGULAR_VISIT_DAYS` visit days, or longer than `GONE_DAYS`; one visit day and gone longer than `ONE_VISIT_LOST_DAYS` |
//! | drifting | two or more visit days and gone longer than `overdue_after(usual gap)`: 1.5 × their usual gap, and at least 3 days past it |
//! | regular | `REGULAR_VISIT_DAYS` or more visit days, not drifting |
//! | pre-regular | two or three visit days, not drifting |

use super::bgnbd::{self, History, Params};
use serde::{Deserialize, Serialize};

/// Visit days from which a customer is a regular.
pub const REGULAR_VISIT_DAYS: u32 = 4;
/// Below this P(alive), and gone longer than `LOST_AFTER_DAYS`, a customer
/// is counted lost. Until then an overdue regular is drifting, however low
/// the model puts their chance: a year is the window in which winning them
/// back is worth a call (and their points have not yet expired).
pub const LOST_P_ALIVE: f64 = 0.2;
pub const LOST_AFTER_DAYS: i64 = 365;
/// Gone this long, a customer is lost whatever the model says.
pub const GONE_DAYS: i64 = 730;
/// A customer who came once is lost after this many days.
pub const ONE_VISIT_LOST_DAYS: i64 = 180;
/// The horizon of the expected visits shown.
pub const HORIZON_DAYS: f64 = 30.0;

/// Where a customer stands.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    NoVisit,
    FirstVisit,
    PreRegular,
    Regular,
    Drifting,
    Lost,
}

impl Segment {
    pub const ALL: [Segment; 6] = [
        Segment::Regular,
        Segment::Drifting,
        Segment::PreRegular,
        Segment::FirstVisit,
        Segment::Lost,
        Segment::NoVisit,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Segment::NoVisit => "no_visit",
            Segment::FirstVisit => "first_visit",
            Segment::PreRegular => "pre_regular",
            Segment::Regular => "regular",
            Segment::Drifting => "drifting",
            Segment::Lost => "lost",
        }
    }
}

/// The median gap, in days, between consecutive distinct visit days
/// (`days` ascending and distinct); `None` with fewer than two.
pub fn usual_gap(days: &[i64]) -> Option<f64> {
    let mut gaps: Vec<i64> = days.windows(2).map(|w| w[1] - w[0]).collect();
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_unstable();
    let n = gaps.len();
    Some(if n % 2 == 1 { gaps[n / 2] as f64 } else { (gaps[n / 2 - 1] + gaps[n / 2]) as f64 / 2.0 })
}

/// Days away after which a customer with this usual gap is overdue.
pub fn overdue_after(usual_gap: f64) -> f64 {
    (1.5 * usual_gap).max(usual_gap + 3.0)
}

/// The segment of a customer with `visit_days` distinct visit days.
pub fn segment(visit_days: u32, usual_gap: Option<f64>, days_since_last: i64, p_alive: f64) -> Segment {
    match (visit_days, usual_gap) {
        (0, _) => Segment::NoVisit,
        (1, _) | (_, None) if days_since_last > ONE_VISIT_LOST_DAYS => Segment::Lost,
        (1, _) | (_, None) => Segment::FirstVisit,
        (_, Some(_)) if days_since_last > GONE_DAYS => Segment::Lost,
        (n, Some(_)) if (p_alive < LOST_P_ALIVE || n < REGULAR_VISIT_DAYS) && days_since_last > LOST_AFTER_DAYS => {
            Segment::Lost
        }
        (_, Some(gap)) if days_since_last as f64 > overdue_after(gap) => Segment::Drifting,
        (n, _) if n >= REGULAR_VISIT_DAYS => Segment::Regular,
        _ => Segment::PreRegular,
    }
}

/// One customer's rhythm as of a day.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rhythm {
    pub visit_days: u32,
    /// The median gap between visit days ("usually every 6 days").
    pub usual_gap_days: Option<f64>,
    /// Days since the last visit day ("13 days now").
    pub days_since_last: Option<i64>,
    pub p_alive: Option<f64>,
    pub expected_visits_30d: Option<f64>,
    pub segment: Segment,
}

/// The rhythm of a customer whose distinct visit days (shop-local day
/// numbers, ascending) are `days`, as of `today`, under the shop's model
/// (`None`: not fitted, no P(alive) or expectation).
pub fn rhythm(days: &[i64], today: i64, model: Option<&Params>) -> Rhythm {
    let (Some(&first), Some(&last)) = (days.first(), days.last()) else {
        return Rhythm {
            visit_days: 0,
            usual_gap_days: None,
            days_since_last: None,
            p_alive: None,
            expected_visits_30d: None,
            segment: Segment::NoVisit,
        };
    };
    summary(days.len() as u32, first, last, usual_gap(days), today, model)
}

/// The same from a customer's summary: visit days, first and last visit
/// day, usual gap.
pub fn summary(
    visit_days: u32,
    first: i64,
    last: i64,
    usual_gap_days: Option<f64>,
    today: i64,
    model: Option<&Params>,
) -> Rhythm {
    let since = (today - last).max(0);
    let h = History::days(visit_days.saturating_sub(1), last - first, (today - first).max(last - first));
    let p_alive = model.map(|p| bgnbd::p_alive(p, &h));
    let expected = model.and_then(|p| bgnbd::expected_visits(p, &h, HORIZON_DAYS));
    Rhythm {
        visit_days,
        usual_gap_days,
        days_since_last: Some(since),
        p_alive,
        expected_visits_30d: expected,
        // Without a model, P(alive) does not rule anyone lost.
        segment: segment(visit_days, usual_gap_days, since, p_alive.unwrap_or(1.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model like a neighbourhood bakery's (α in days).
    const SHOP: Params = Params { r: 0.9, alpha: 9.0, a: 0.3, b: 4.0 };

    /// Visit days every `gap` days, `n` of them, the last on day 1000.
    fn every(gap: i64, n: i64) -> Vec<i64> {
        (0..n).map(|i| 1000 - (n - 1 - i) * gap).collect()
    }

    #[test]
    fn each_customer_is_judged_against_their_own_rhythm() {
        // (what, visit days, days gone, segment)
        let cases: &[(&str, Vec<i64>, i64, Segment)] = &[
            ("a daily regular gone 5 days", every(1, 60), 5, Segment::Drifting),
            ("a daily regular gone 2 days", every(1, 60), 2, Segment::Regular),
            ("a monthly regular gone 25 days", every(30, 12), 25, Segment::Regular),
            ("a monthly regular gone 50 days", every(30, 12), 50, Segment::Drifting),
            ("a weekly regular gone 10 days", every(7, 20), 10, Segment::Regular),
            ("a weekly regular gone 12 days", every(7, 20), 12, Segment::Drifting),
            ("a weekly regular gone 340 days (winning back still pays)", every(7, 80), 340, Segment::Drifting),
            ("a daily regular gone over a year", every(1, 60), 400, Segment::Lost),
            ("an irregular customer gone over two years", every(200, 4), 800, Segment::Lost),
            ("two visits, then gone over a year", every(6, 2), 489, Segment::Lost),
            ("two visits, a week apart, yesterday", every(7, 2), 1, Segment::PreRegular),
            ("one visit, last week", vec![1000], 7, Segment::FirstVisit),
            ("one visit, a year ago", vec![1000], 365, Segment::Lost),
            ("never came", vec![], 0, Segment::NoVisit),
        ];
        for (what, days, gone, want) in cases {
            let r = rhythm(days, 1000 + gone, Some(&SHOP));
            assert_eq!(r.segment, *want, "{what}: {r:?}");
        }
    }

    #[test]
    fn the_usual_gap_is_the_median() {
        assert_eq!(usual_gap(&[1, 2, 3, 10]), Some(1.0));
        assert_eq!(usual_gap(&[1, 3, 10, 12]), Some(2.0));
        assert_eq!(usual_gap(&[1, 4, 10]), Some(4.5));
        assert_eq!(usual_gap(&[5]), None);
        let r = rhythm(&every(6, 10), 1013, Some(&SHOP));
        assert_eq!((r.usual_gap_days, r.days_since_last), (Some(6.0), Some(13)));
        assert!(r.p_alive.unwrap() < 1.0 && r.expected_visits_30d.unwrap() > 0.0, "{r:?}");
    }

    #[test]
    fn without_a_model_nobody_is_lost_by_probability() {
        let r = rhythm(&every(1, 60), 1005, None);
        assert_eq!((r.segment, r.p_alive), (Segment::Drifting, None));
    }
}

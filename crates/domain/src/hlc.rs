//! A hybrid logical clock (Kulkarni et al. 2014): a timestamp that stays
//! close to the wall clock yet never goes back and always comes after every
//! timestamp its counter has seen. An edit made after seeing another
//! counter's edit is ordered after it even when this counter's clock is
//! behind; edits made without seeing each other are ordered by time, then
//! by device, the same way at every counter.

use serde::{Deserialize, Serialize};

/// One timestamp: milliseconds since the epoch, and a count of events
/// within the same millisecond (or since the wall clock fell behind).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Hlc {
    pub wall_ms: i64,
    pub logical: u32,
}

impl Hlc {
    pub const ZERO: Hlc = Hlc { wall_ms: 0, logical: 0 };

    /// The timestamp of a local event, after `self` (the last one given or
    /// seen) with the wall clock at `now_ms`.
    pub fn tick(self, now_ms: i64) -> Hlc {
        if now_ms > self.wall_ms { Hlc { wall_ms: now_ms, logical: 0 } } else { self.bump() }
    }

    /// The clock after receiving `remote`: after both, close to `now_ms`.
    pub fn receive(self, remote: Hlc, now_ms: i64) -> Hlc {
        let wall = self.wall_ms.max(remote.wall_ms).max(now_ms);
        if wall == now_ms && wall > self.wall_ms && wall > remote.wall_ms {
            Hlc { wall_ms: wall, logical: 0 }
        } else {
            let logical = match (wall == self.wall_ms, wall == remote.wall_ms) {
                (true, true) => self.logical.max(remote.logical),
                (true, false) => self.logical,
                (false, true) => remote.logical,
                (false, false) => 0,
            };
            Hlc { wall_ms: wall, logical }.bump_from(logical)
        }
    }

    fn bump(self) -> Hlc {
        self.bump_from(self.logical)
    }

    /// The next logical count; when it would overflow (four billion events
    /// in one millisecond), the next millisecond.
    fn bump_from(self, logical: u32) -> Hlc {
        match logical.checked_add(1) {
            Some(l) => Hlc { wall_ms: self.wall_ms, logical: l },
            None => Hlc { wall_ms: self.wall_ms.saturating_add(1), logical: 0 },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hlc() -> impl Strategy<Value = Hlc> {
        (0..1_000i64, 0..4u32).prop_map(|(wall_ms, logical)| Hlc { wall_ms, logical })
    }

    proptest! {
        /// A local event comes after the last one, and is never behind the
        /// wall clock.
        #[test]
        fn a_tick_moves_forward_and_keeps_up_with_the_wall(last in hlc(), now in 0..1_000i64) {
            let next = last.tick(now);
            prop_assert!(next > last);
            prop_assert!(next.wall_ms >= now);
            prop_assert!(next.wall_ms <= last.wall_ms.max(now) + 1);
        }

        /// A received timestamp is passed: the clock is after both, so any
        /// later local edit is ordered after what was seen.
        #[test]
        fn receiving_puts_the_clock_after_both(last in hlc(), remote in hlc(), now in 0..1_000i64) {
            let next = last.receive(remote, now);
            prop_assert!(next > last && next > remote);
            prop_assert!(next.tick(now) > remote);
            prop_assert!(next.wall_ms <= last.wall_ms.max(remote.wall_ms).max(now) + 1);
        }

        /// Causality under any clock skew: a chain of counters, each seeing
        /// the previous one's event before its own, orders the events as the
        /// chain, whatever their wall clocks say.
        #[test]
        fn a_chain_of_seen_events_is_ordered_as_it_happened(walls in proptest::collection::vec(0..1_000i64, 1..20)) {
            let mut seen = Hlc::ZERO;
            let mut stamps = Vec::new();
            for now in walls {
                let mine = Hlc::ZERO.receive(seen, now).tick(now);
                stamps.push(mine);
                seen = mine;
            }
            prop_assert!(stamps.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn the_logical_count_overflows_into_the_next_millisecond() {
        let full = Hlc { wall_ms: 5, logical: u32::MAX };
        assert_eq!(full.tick(5), Hlc { wall_ms: 6, logical: 0 });
        assert_eq!(Hlc { wall_ms: 9, logical: 2 }.tick(10), Hlc { wall_ms: 10, logical: 0 });
        assert_eq!(
            Hlc { wall_ms: 9, logical: 2 }.receive(Hlc { wall_ms: 9, logical: 7 }, 3),
            Hlc { wall_ms: 9, logical: 8 }
        );
    }
}

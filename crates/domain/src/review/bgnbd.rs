//! The BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the
//! easy way"): while a customer is "alive" their visits come as a Poisson
//! process whose rate varies across customers as Gamma(r, α); after each
//! visit they may drop out with a probability that varies as Beta(a, b).
//! Four shop-wide parameters, fitted by maximum likelihood over every
//! customer's (x, t_x, T): x repeat visits (distinct visit days − 1), t_x
//! days from the first visit to the last, T days from the first visit to
//! "now". The formulas are the paper's, as `owner-review.md` states them.

use super::nelder_mead;
use super::special::hyp2f1;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The model's four parameters (α in days).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

/// One customer's history in the model's terms (days).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct History {
    /// Repeat visits: distinct visit days − 1.
    pub x: u32,
    /// Days from the first visit day to the last.
    pub t_x: f64,
    /// Days from the first visit day to "now".
    pub t: f64,
}

impl History {
    /// From whole days (as grouped for fitting).
    pub fn days(x: u32, t_x: i64, t: i64) -> History {
        History { x, t_x: t_x as f64, t: t as f64 }
    }
}

fn log_sum_exp(p: f64, q: f64) -> f64 {
    let m = p.max(q);
    if m == f64::NEG_INFINITY { m } else { m + ((p - m).exp() + (q - m).exp()).ln() }
}

/// ln Γ(base + n) − ln Γ(base) = Σ_{k<n} ln(base + k), for a whole n: exact
/// where the difference of two ln Γ would cancel (a and b in the millions,
/// as a fit drifting towards "nobody drops out" gives).
pub fn ln_rising(base: f64, n: u32) -> f64 {
    (0..n).map(|k| (base + k as f64).ln()).sum()
}

/// ln L of one customer's history.
pub fn log_likelihood(p: &Params, h: &History) -> f64 {
    let (r, alpha, a, b) = (p.r, p.alpha, p.a, p.b);
    let x = h.x as f64;
    // r·ln α − (r+x)·ln(α+T) as −r·ln(1 + T/α) − x·ln(α+T): the same,
    // without the cancellation of two huge terms when r and α are large.
    let a1 = ln_rising(r, h.x);
    let a2 = ln_rising(b, h.x) - ln_rising(a + b, h.x);
    let a3 = -r * (h.t / alpha).ln_1p() - x * (alpha + h.t).ln();
    if h.x == 0 {
        return a1 + a2 + a3;
    }
    let a4 = a.ln() - (b + x - 1.0).ln() - r * (h.t_x / alpha).ln_1p() - x * (alpha + h.t_x).ln();
    a1 + a2 + log_sum_exp(a3, a4)
}

/// The probability that a customer with this history is still "alive"
/// (1 for a customer with one visit day: the model cannot tell, so the
/// segments call them new, not safe).
pub fn p_alive(p: &Params, h: &History) -> f64 {
    if h.x == 0 {
        return 1.0;
    }
    1.0 / (1.0 + odds_gone(p, h))
}

/// a/(b+x−1) · ((α+T)/(α+t_x))^(r+x): the odds that the customer dropped
/// out after their last visit.
fn odds_gone(p: &Params, h: &History) -> f64 {
    let x = h.x as f64;
    let ln = (p.a / (p.b + x - 1.0)).ln() + (p.r + x) * ((p.alpha + h.t) / (p.alpha + h.t_x)).ln();
    ln.min(700.0).exp()
}

/// The expected number of visits in the next `days` days for a customer
/// with this history. `None` where the series does not converge.
pub fn expected_visits(p: &Params, h: &History, days: f64) -> Option<f64> {
    // The formula divides by a − 1: at a = 1 take the mean of both sides.
    const NEAR: f64 = 1e-4;
    if (p.a - 1.0).abs() < NEAR {
        let lo = expected_visits(&Params { a: 1.0 - 2.0 * NEAR, ..*p }, h, days)?;
        let hi = expected_visits(&Params { a: 1.0 + 2.0 * NEAR, ..*p }, h, days)?;
        return Some((lo + hi) / 2.0);
    }
    let (r, alpha, a, b) = (p.r, p.alpha, p.a, p.b);
    let x = h.x as f64;
    let z = days / (alpha + h.t + days);
    // ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z). By Euler's
    // transformation, with (α+T)/(α+T+t) = 1 − z, it is (1−z)^(a−1) ·
    // 2F1(a+b−1−r, a−1; a+b+x−1; z), whose parameters stay small however
    // many visits the customer made; where a is huge (a fit at its bound)
    // that series is the one that blows up, and the direct form converges.
    let euler = || Some((1.0 - z).powf(a - 1.0) * hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z)?);
    let direct = || Some((1.0 - z).powf(r + x) * hyp2f1(r + x, b + x, a + b + x - 1.0, z)?);
    let tail = euler().filter(|t| t.is_finite()).or_else(|| direct().filter(|t| t.is_finite()))?;
    let gone = if h.x == 0 { 0.0 } else { odds_gone(p, h) };
    let e = (a + b + x - 1.0) / (a - 1.0) * (1.0 - tail) / (1.0 + gone);
    e.is_finite().then_some(e.max(0.0))
}

/// A fit of the model to a shop's customers.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fit {
    pub params: Params,
    /// Σ ln L over the customers at `params`.
    pub log_likelihood: f64,
    /// Customers fitted (each with at least one visit).
    pub customers: u64,
    /// Distinct (x, t_x, T) groups the sum ran over.
    pub groups: u64,
    /// Likelihood evaluations the optimiser made.
    pub evaluations: u64,
}

/// Customers grouped by identical (x, t_x, T) in whole days, with how many
/// share each: the likelihood is summed once per group.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    counts: HashMap<(u32, i64, i64), u64>,
}

impl Groups {
    pub fn new() -> Groups {
        Groups::default()
    }

    /// Adds `n` customers with `x` repeat visit days, `t_x` days from the
    /// first to the last and `t` days from the first to now.
    pub fn add(&mut self, x: u32, t_x: i64, t: i64, n: u64) {
        *self.counts.entry((x, t_x, t)).or_insert(0) += n;
    }

    pub fn customers(&self) -> u64 {
        self.counts.values().sum()
    }

    pub fn len(&self) -> usize {
        self.counts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The groups in a fixed order (so a fit does not depend on the hash).
    fn sorted(&self) -> Vec<(History, f64)> {
        let mut v: Vec<_> = self.counts.iter().map(|(&(x, tx, t), &n)| ((x, tx, t), n)).collect();
        v.sort_unstable();
        v.into_iter().map(|((x, tx, t), n)| (History::days(x, tx, t), n as f64)).collect()
    }
}

/// Σ ln L over the groups.
pub fn total_log_likelihood(p: &Params, groups: &Groups) -> f64 {
    groups.sorted().iter().map(|(h, n)| n * log_likelihood(p, h)).sum()
}

/// The groups laid out for fast likelihood sums: each group's repeat visits,
/// t_x and T by index into the distinct values, so one evaluation takes the
/// ln Γ terms once per distinct x and the logarithms once per distinct t_x
/// and T (a shop of a million customers has a few hundred of each).
struct Prepared {
    xs: Vec<u32>,
    txs: Vec<f64>,
    ts: Vec<f64>,
    rows: Vec<(usize, usize, usize, f64)>,
}

impl Prepared {
    fn new(groups: &[(History, f64)]) -> Prepared {
        let index = |values: &mut Vec<f64>| -> HashMap<u64, usize> {
            values.sort_by(f64::total_cmp);
            values.dedup();
            values.iter().enumerate().map(|(i, v)| (v.to_bits(), i)).collect()
        };
        let mut xs: Vec<u32> = groups.iter().map(|(h, _)| h.x).collect();
        xs.sort_unstable();
        xs.dedup();
        let x_at: HashMap<u32, usize> = xs.iter().enumerate().map(|(i, x)| (*x, i)).collect();
        let mut txs: Vec<f64> = groups.iter().map(|(h, _)| h.t_x).collect();
        let tx_at = index(&mut txs);
        let mut ts: Vec<f64> = groups.iter().map(|(h, _)| h.t).collect();
        let t_at = index(&mut ts);
        let rows =
            groups.iter().map(|(h, n)| (x_at[&h.x], tx_at[&h.t_x.to_bits()], t_at[&h.t.to_bits()], *n)).collect();
        Prepared { xs, txs, ts, rows }
    }

    /// Σ n · ln L, term for term the sum `log_likelihood` makes, the rising
    /// factorials accumulated once up to the largest x.
    fn log_likelihood(&self, p: &Params) -> f64 {
        let (r, alpha, a, b) = (p.r, p.alpha, p.a, p.b);
        let top = self.xs.last().copied().unwrap_or(0);
        // rising[k] = Σ_{j<k} [ln(r+j) + ln(b+j) − ln(a+b+j)].
        let mut rising = Vec::with_capacity(top as usize + 1);
        let mut acc = 0.0;
        for j in 0..=top {
            rising.push(acc);
            let j = j as f64;
            acc += (r + j).ln() + (b + j).ln() - (a + b + j).ln();
        }
        let per_x: Vec<(f64, f64, f64)> = self
            .xs
            .iter()
            .map(|&x| {
                let a12 = rising[x as usize];
                let x = x as f64;
                let c4 = if x > 0.0 { a.ln() - (b + x - 1.0).ln() } else { f64::NEG_INFINITY };
                (a12, c4, x)
            })
            .collect();
        // (r·ln(1 + t/α), ln(α + t)) for each distinct T and t_x.
        let logs = |ts: &[f64]| -> Vec<(f64, f64)> {
            ts.iter().map(|t| (r * (t / alpha).ln_1p(), (alpha + t).ln())).collect()
        };
        let (at_t, at_tx) = (logs(&self.ts), logs(&self.txs));
        self.rows
            .iter()
            .map(|&(xi, txi, ti, n)| {
                let (a12, c4, x) = per_x[xi];
                let a3 = -at_t[ti].0 - x * at_t[ti].1;
                let a4 = c4 - at_tx[txi].0 - x * at_tx[txi].1;
                n * (a12 + log_sum_exp(a3, a4))
            })
            .sum()
    }
}

/// Each parameter stays within e^±20 (2·10⁻⁹ … 5·10⁸): where a shop's
/// data push a parameter towards 0 or infinity (every customer on the same
/// rate; nobody dropping out) the likelihood is flat there and the fit
/// stops at the bound.
pub const LOG_BOUND: f64 = 20.0;

/// Fits the model by maximum likelihood: Nelder–Mead over the four
/// log-parameters (so all stay positive), restarted from its own best
/// point until a restart no longer improves it. `None` without at least
/// one customer who came back (nothing to learn a rhythm from).
pub fn fit(groups: &Groups) -> Option<Fit> {
    let rows = groups.sorted();
    let customers = groups.customers();
    if customers == 0 || rows.iter().all(|(h, _)| h.x == 0) {
        return None;
    }
    let n = customers as f64;
    let mean_t = rows.iter().map(|(h, c)| h.t * c).sum::<f64>() / n;
    let prepared = Prepared::new(&rows);
    let mut objective = |theta: &[f64; 4]| {
        if theta.iter().any(|t| t.abs() > LOG_BOUND) {
            return f64::INFINITY;
        }
        let p = Params { r: theta[0].exp(), alpha: theta[1].exp(), a: theta[2].exp(), b: theta[3].exp() };
        if ![p.r, p.alpha, p.a, p.b].iter().all(|v| v.is_finite() && *v > 0.0) {
            return f64::INFINITY;
        }
        -prepared.log_likelihood(&p) / n
    };
    let mut at = [0.0, mean_t.max(1.0).ln(), 0.0, 0.0];
    let mut best = f64::INFINITY;
    let mut evaluations = 0;
    for _ in 0..20 {
        let m = nelder_mead::minimise(&mut objective, at, 0.5, 1e-13, 20_000);
        evaluations += m.evaluations;
        let improved = m.value < best - 1e-12;
        at = m.at;
        best = best.min(m.value);
        if !improved {
            break;
        }
    }
    let params = Params { r: at[0].exp(), alpha: at[1].exp(), a: at[2].exp(), b: at[3].exp() };
    Some(Fit {
        params,
        log_likelihood: -best * n,
        customers,
        groups: groups.len() as u64,
        evaluations: evaluations as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The paper's CDNOW estimates, in weeks.
    const PAPER_WEEKS: Params = Params { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

    #[test]
    fn p_alive_and_the_expectation_match_the_literature() {
        // owner-review.md: at the paper's parameters, for x = 2,
        // t_x = 30.43, T = 38.86 weeks: P(alive) = 0.7266, and 1.226
        // expected visits in the next 39 weeks.
        let h = History { x: 2, t_x: 30.43, t: 38.86 };
        let p = p_alive(&PAPER_WEEKS, &h);
        assert!((p - 0.7266).abs() < 5e-4, "P(alive) = {p}");
        let e = expected_visits(&PAPER_WEEKS, &h, 39.0).unwrap();
        assert!((e - 1.226).abs() < 1e-3, "E = {e}");
        // A one-visit customer: alive by the model's own account.
        assert_eq!(p_alive(&PAPER_WEEKS, &History { x: 0, t_x: 0.0, t: 30.0 }), 1.0);
    }

    #[test]
    fn rising_factorials_are_gamma_ratios() {
        use crate::review::special::ln_gamma;
        for (base, n) in [(0.243, 0), (0.243, 1), (0.243, 7), (2.426, 40), (30.5, 300)] {
            let want = ln_gamma(base + n as f64) - ln_gamma(base);
            assert!((ln_rising(base, n) - want).abs() < 1e-9 * want.abs().max(1.0), "({base}, {n})");
        }
    }

    #[test]
    fn the_fast_sum_is_the_plain_sum() {
        let mut groups = Groups::new();
        for (x, tx, t, n) in [(0, 0, 40, 7), (1, 3, 40, 2), (5, 30, 41, 1), (5, 30, 90, 3), (12, 80, 90, 1)] {
            groups.add(x, tx, t, n);
        }
        for p in [PAPER_WEEKS, Params { r: 2.0, alpha: 50.0, a: 1.5, b: 0.4 }] {
            let fast = Prepared::new(&groups.sorted()).log_likelihood(&p);
            let plain = total_log_likelihood(&p, &groups);
            assert!((fast - plain).abs() < 1e-9 * plain.abs(), "{fast} vs {plain}");
        }
    }

    /// Fits at the bounds still give an expectation, never more than a
    /// customer who never leaves would make: the posterior rate given
    /// alive, (r + x)/(α + T) a day, times the horizon.
    #[test]
    fn the_expectation_survives_fits_at_their_bounds() {
        let h = History { x: 4, t_x: 40.0, t: 50.0 };
        let never_leaves = 30.0 * (2.0 + 4.0) / (20.0 + 50.0);
        // a and b both near e^20: the transformed series overflows, the
        // direct one converges.
        let huge = Params { r: 2.0, alpha: 20.0, a: 4.0e8, b: 4.8e8 };
        let e = expected_visits(&huge, &h, 30.0).expect("an expectation");
        assert!(e > 0.0 && e <= never_leaves, "{e} vs {never_leaves}");
        // Dropping out all but impossible (b ≫ a): the customer who never leaves.
        let stays = Params { r: 2.0, alpha: 20.0, a: 10.0, b: 4.8e8 };
        let e = expected_visits(&stays, &h, 30.0).unwrap();
        assert!((e - never_leaves).abs() < 0.01 * never_leaves, "{e} vs {never_leaves}");
        // One visit day, a + b below 1: the series is still defined.
        let q = Params { r: 0.5, alpha: 5.0, a: 0.3, b: 0.4 };
        assert!(expected_visits(&q, &History { x: 0, t_x: 0.0, t: 10.0 }, 30.0).is_some());
    }

    #[test]
    fn the_expectation_is_continuous_at_a_equal_to_one() {
        let h = History { x: 3, t_x: 40.0, t: 90.0 };
        let p = Params { r: 0.5, alpha: 10.0, a: 1.0, b: 2.0 };
        let at_one = expected_visits(&p, &h, 30.0).unwrap();
        let near = expected_visits(&Params { a: 1.01, ..p }, &h, 30.0).unwrap();
        assert!((at_one - near).abs() < 0.01 * near, "{at_one} vs {near}");
    }

    /// Draws customers from the model itself (the generative story, written
    /// out here independently of the likelihood): a fit recovers roughly
    /// the parameters that made them.
    #[test]
    fn a_fit_recovers_the_parameters_that_generated_the_data() {
        let truth = Params { r: 0.6, alpha: 8.0, a: 0.7, b: 3.0 };
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        let mut uniform = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            ((rng >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let mut groups = Groups::new();
        for _ in 0..6_000 {
            let lambda = gamma(&mut uniform, truth.r) / truth.alpha;
            let p = beta(&mut uniform, truth.a, truth.b);
            let horizon = 200.0 + (uniform() * 100.0).floor();
            let (mut t, mut last, mut x) = (0.0, 0.0, 0u32);
            loop {
                t += -uniform().ln() / lambda;
                if t > horizon {
                    break;
                }
                x += 1;
                last = t;
                if uniform() < p {
                    break;
                }
            }
            groups.add(x, last.floor() as i64, horizon as i64, 1);
        }
        let f = fit(&groups).unwrap();
        let within = |got: f64, want: f64| (got - want).abs() <= 0.25 * want;
        let q = f.params;
        assert!(within(q.r, truth.r) && within(q.alpha, truth.alpha), "{q:?}");
        assert!(within(q.a, truth.a) && within(q.b, truth.b), "{q:?}");
        assert!(f.log_likelihood >= total_log_likelihood(&truth, &groups), "the fit is at least as likely");
    }

    /// Gamma(shape, 1) by Marsaglia–Tsang (boosted below shape 1).
    fn gamma(u: &mut dyn FnMut() -> f64, shape: f64) -> f64 {
        if shape < 1.0 {
            return gamma(u, shape + 1.0) * u().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            // A standard normal by Box–Muller.
            let z = (-2.0 * u().ln()).sqrt() * (2.0 * std::f64::consts::PI * u()).cos();
            let v = (1.0 + c * z).powi(3);
            if v > 0.0 && u().ln() < 0.5 * z * z + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }

    fn beta(u: &mut dyn FnMut() -> f64, a: f64, b: f64) -> f64 {
        let x = gamma(u, a);
        x / (x + gamma(u, b))
    }

    proptest! {
        /// The fitted parameters are a maximum: no nearby point (each
        /// log-parameter moved by up to 5 %) is more likely. The oracle is
        /// the likelihood itself evaluated around the answer.
        #[test]
        fn no_nearby_point_is_more_likely(
            rows in proptest::collection::vec((0u32..12, 0i64..200, 0i64..200, 1u64..5), 5..40),
            moves in proptest::collection::vec(proptest::array::uniform4(-0.05..0.05f64), 30),
        ) {
            let mut groups = Groups::new();
            for (x, a, b, n) in rows {
                let (tx, t) = (a.min(b), a.max(b));
                let x = if tx == 0 { 0 } else { x };
                groups.add(x, tx, t.max(1), n);
            }
            prop_assume!(groups.sorted().iter().any(|(h, _)| h.x > 0));
            let f = fit(&groups).unwrap();
            let ll = total_log_likelihood(&f.params, &groups);
            for m in moves {
                let inside = |v: f64| v.ln().abs() <= LOG_BOUND;
                let q = Params {
                    r: f.params.r * m[0].exp(),
                    alpha: f.params.alpha * m[1].exp(),
                    a: f.params.a * m[2].exp(),
                    b: f.params.b * m[3].exp(),
                };
                if ![q.r, q.alpha, q.a, q.b].into_iter().all(inside) {
                    continue;
                }
                let other = total_log_likelihood(&q, &groups);
                prop_assert!(other <= ll + 1e-6 * ll.abs().max(1.0), "{:?} beats {:?}: {} > {}", q, f.params, other, ll);
            }
        }
    }
}

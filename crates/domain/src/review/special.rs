//! The special functions the BG/NBD model needs: ln Γ and the Gauss
//! hypergeometric function 2F1 on [0, 1).

use std::f64::consts::PI;

/// Lanczos coefficients for g = 7, n = 9 (about 15 significant digits).
const LANCZOS_G: f64 = 7.0;
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// ln Γ(x) for x > 0 (NaN otherwise): the Lanczos approximation, with
/// Γ(x) = Γ(x + 1) / x below 1/2.
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x < 0.5 {
        return ln_gamma(x + 1.0) - x.ln();
    }
    let x = x - 1.0;
    let t = x + LANCZOS_G + 0.5;
    let mut sum = LANCZOS[0];
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The most series terms 2F1 sums before giving up.
const MAX_TERMS: usize = 200_000;

/// 2F1(a, b; c; z) for 0 ≤ z < 1 (c not 0 or a negative whole number),
/// by its power series, summed until the terms are shrinking and below
/// 1e-16 of the sum. `None` where the series does not converge in
/// `MAX_TERMS` terms or overflows.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Option<f64> {
    let c_pole = c <= 0.0 && c.fract() == 0.0;
    if !(0.0..1.0).contains(&z) || c_pole || !(a.is_finite() && b.is_finite() && c.is_finite()) {
        return None;
    }
    let (mut term, mut sum) = (1.0_f64, 1.0_f64);
    for n in 0..MAX_TERMS {
        let n = n as f64;
        let before = term.abs();
        term *= (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
        sum += term;
        if !sum.is_finite() {
            return None;
        }
        // A term of exactly 0 (a or b a non-positive integer) ends a
        // polynomial; otherwise the sum ends once the terms shrink and one
        // is this small.
        if term == 0.0 || (term.abs() <= before && term.abs() <= 1e-16 * sum.abs()) {
            return Some(sum);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(got: f64, want: f64, rel: f64) -> bool {
        (got - want).abs() <= rel * want.abs().max(1e-300)
    }

    #[test]
    fn ln_gamma_matches_known_values() {
        // Γ(n) = (n−1)!, Γ(1/2) = √π, Γ(3/2) = √π/2, and a small argument.
        let mut fact = 1.0_f64;
        for n in 1..=30 {
            if n > 1 {
                fact *= (n - 1) as f64;
            }
            assert!(close(ln_gamma(n as f64), fact.ln(), 1e-13) || fact.ln().abs() < 1e-13, "Γ({n})");
        }
        assert!(close(ln_gamma(0.5), PI.sqrt().ln(), 1e-13));
        assert!(close(ln_gamma(1.5), (PI.sqrt() / 2.0).ln(), 1e-12));
        // A small argument (through the Γ(x + 1)/x branch), from Python's math.lgamma.
        assert!(close(ln_gamma(0.001), 6.907_178_885_383_854, 1e-12));
        assert!(ln_gamma(0.0).is_nan() && ln_gamma(-1.0).is_nan());
    }

    #[test]
    fn hyp2f1_matches_closed_forms() {
        for &z in &[0.0_f64, 0.1, 0.5, 0.9, 0.99] {
            // 2F1(1, 1; 2; z) = −ln(1 − z)/z.
            let want = if z == 0.0 { 1.0 } else { -(1.0 - z).ln() / z };
            assert!(close(hyp2f1(1.0, 1.0, 2.0, z).unwrap(), want, 1e-12), "z = {z}");
            // 2F1(a, b; b; z) = (1 − z)^−a.
            assert!(close(hyp2f1(2.5, 3.0, 3.0, z).unwrap(), (1.0 - z).powf(-2.5), 1e-11), "z = {z}");
            // 2F1(1/2, 1/2; 3/2; z²) = arcsin(z)/z.
            let want = if z == 0.0 { 1.0 } else { z.asin() / z };
            assert!(close(hyp2f1(0.5, 0.5, 1.5, z * z).unwrap(), want, 1e-11), "z = {z}");
        }
        // A polynomial: 2F1(−2, b; c; z) = 1 − 2bz/c + b(b+1)z²/(c(c+1)).
        let (b, c, z) = (1.5, 2.5, 0.7);
        let want = 1.0 - 2.0 * b * z / c + b * (b + 1.0) * z * z / (c * (c + 1.0));
        assert!(close(hyp2f1(-2.0, b, c, z).unwrap(), want, 1e-14));
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, 1.0), None, "outside [0, 1)");
        assert_eq!(hyp2f1(1.0, 1.0, -2.0, 0.5), None, "c a pole");
        // c below zero but not a whole number: the series is defined.
        // 2F1(a, b; b; z) = (1 − z)^−a for any such b.
        assert!(close(hyp2f1(0.7, -0.4, -0.4, 0.3).unwrap(), 0.7f64.powf(-0.7), 1e-12));
    }

    proptest! {
        /// ln Γ satisfies its recurrence, ln Γ(x + 1) = ln Γ(x) + ln x,
        /// across the range the model uses.
        #[test]
        fn ln_gamma_recurrence(x in 1e-3..1e5f64) {
            let lhs = ln_gamma(x + 1.0);
            let rhs = ln_gamma(x) + x.ln();
            prop_assert!((lhs - rhs).abs() <= 1e-10 * lhs.abs().max(1.0), "{} vs {}", lhs, rhs);
        }

        /// Euler's transformation, 2F1(a, b; c; z) = (1 − z)^(c−a−b)
        /// 2F1(c−a, c−b; c; z), holds where both series converge.
        #[test]
        fn hyp2f1_euler_transformation(a in 0.05..5.0f64, b in 0.05..5.0f64, extra in 0.1..5.0f64, z in 0.0..0.9f64) {
            let c = a + b + extra;
            let lhs = hyp2f1(a, b, c, z).unwrap();
            let rhs = (1.0 - z).powf(c - a - b) * hyp2f1(c - a, c - b, c, z).unwrap();
            prop_assert!((lhs - rhs).abs() <= 1e-10 * lhs.abs(), "{} vs {}", lhs, rhs);
        }
    }
}

//! Nelder–Mead minimisation (the downhill simplex; Nelder & Mead 1965, with
//! the standard coefficients): no gradient, robust for the BG/NBD model's
//! four log-parameters.

/// Where a minimisation ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum<const N: usize> {
    pub at: [f64; N],
    pub value: f64,
    pub evaluations: usize,
}

/// Minimises `f` from `start`, with a first simplex `step` wide along each
/// axis, until the simplex's values agree within `tolerance` (absolute) or
/// `max_evaluations` is reached. A NaN value counts as +∞.
pub fn minimise<const N: usize>(
    f: &mut dyn FnMut(&[f64; N]) -> f64,
    start: [f64; N],
    step: f64,
    tolerance: f64,
    max_evaluations: usize,
) -> Minimum<N> {
    let evaluations = std::cell::Cell::new(0usize);
    let mut eval = |x: &[f64; N]| {
        evaluations.set(evaluations.get() + 1);
        let v = f(x);
        if v.is_nan() { f64::INFINITY } else { v }
    };
    let mut simplex: Vec<([f64; N], f64)> = Vec::with_capacity(N + 1);
    simplex.push((start, eval(&start)));
    for i in 0..N {
        let mut x = start;
        x[i] += step;
        let v = eval(&x);
        simplex.push((x, v));
    }
    loop {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (best, worst) = (simplex[0].1, simplex[N].1);
        if (worst - best).abs() <= tolerance || evaluations.get() >= max_evaluations {
            break;
        }
        let mut centroid = [0.0; N];
        for (x, _) in &simplex[..N] {
            for i in 0..N {
                centroid[i] += x[i] / N as f64;
            }
        }
        let toward = |t: f64| -> [f64; N] {
            let mut p = [0.0; N];
            for i in 0..N {
                p[i] = centroid[i] + t * (simplex[N].0[i] - centroid[i]);
            }
            p
        };
        let reflected = toward(-1.0);
        let fr = eval(&reflected);
        if fr < simplex[0].1 {
            let expanded = toward(-2.0);
            let fe = eval(&expanded);
            simplex[N] = if fe < fr { (expanded, fe) } else { (reflected, fr) };
        } else if fr < simplex[N - 1].1 {
            simplex[N] = (reflected, fr);
        } else {
            let (contracted, fc) = if fr < worst {
                let c = toward(-0.5);
                let v = eval(&c);
                (c, v)
            } else {
                let c = toward(0.5);
                let v = eval(&c);
                (c, v)
            };
            if fc < worst.min(fr) {
                simplex[N] = (contracted, fc);
            } else {
                // Shrink towards the best point.
                let b = simplex[0].0;
                for (x, v) in simplex.iter_mut().skip(1) {
                    for i in 0..N {
                        x[i] = b[i] + 0.5 * (x[i] - b[i]);
                    }
                    *v = eval(x);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    Minimum { at: simplex[0].0, value: simplex[0].1, evaluations: evaluations.get() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_the_rosenbrock_valley_floor() {
        let mut f = |p: &[f64; 2]| (1.0 - p[0]).powi(2) + 100.0 * (p[1] - p[0] * p[0]).powi(2);
        let m = minimise(&mut f, [-1.2, 1.0], 0.5, 1e-14, 20_000);
        assert!((m.at[0] - 1.0).abs() < 1e-4 && (m.at[1] - 1.0).abs() < 1e-4, "{m:?}");
    }

    proptest! {
        /// A convex quadratic bowl anywhere: the minimum found is the
        /// centre the test placed (an oracle independent of the method).
        #[test]
        fn finds_the_centre_of_any_bowl(
            centre in proptest::array::uniform4(-5.0..5.0f64),
            scale in proptest::array::uniform4(0.2..20.0f64),
        ) {
            let mut f = |p: &[f64; 4]| (0..4).map(|i| scale[i] * (p[i] - centre[i]).powi(2)).sum::<f64>();
            let m = minimise(&mut f, [0.0; 4], 1.0, 1e-18, 50_000);
            for i in 0..4 {
                prop_assert!((m.at[i] - centre[i]).abs() < 1e-5, "{:?} vs {:?}", m.at, centre);
            }
        }
    }
}

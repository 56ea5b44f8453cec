//! Statistics shared by the report writer and the gate: the 95 % Wilson score interval of a
//! pass rate and McNemar's exact test on paired pass/fail verdicts.
//!
//! Both are closed-form and dependency-free; the McNemar sum is done in log space so that
//! suites of hundreds of thousands of cases neither overflow nor underflow.

/// The two-sided 95 % normal quantile used by [`wilson`].
pub const Z_95: f64 = 1.959_963_984_540_054;

/// The 95 % Wilson score interval `(low, high)` of `passed` successes out of `n` trials.
///
/// With `n = 0` nothing is known and the interval is the whole `(0.0, 1.0)`. `passed` larger
/// than `n` is clamped to `n` (it cannot happen with well-formed counts).
pub fn wilson(passed: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let n_f = n as f64;
    let p = passed.min(n) as f64 / n_f;
    let z2 = Z_95 * Z_95;
    let denom = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denom;
    let half = Z_95 * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denom;
    // At p = 0 and p = 1 one bound is exactly 0 or 1; rounding would leave it a hair off.
    let low = if passed == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let high = if passed >= n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    (low, high)
}

/// McNemar's exact two-sided p-value for `b` and `c` discordant pairs (cases that went
/// pass → fail and fail → pass): the binomial test of `min(b, c)` out of `n = b + c` at
/// `p = 0.5`, doubled and capped at 1. No discordant pairs (`n = 0`) gives `1.0`.
pub fn mcnemar_exact(b: u64, c: u64) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    let k = b.min(c);
    // ln C(n, i) built up term by term; the largest term of the lower tail is i = k
    // (k <= n / 2), so the sum is taken relative to it to keep every exp() in range.
    let mut ln_terms = Vec::with_capacity(k as usize + 1);
    let mut ln_c = 0.0_f64;
    ln_terms.push(ln_c);
    for i in 1..=k {
        ln_c += ((n - i + 1) as f64).ln() - (i as f64).ln();
        ln_terms.push(ln_c);
    }
    let ln_max = ln_terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let rel_sum: f64 = ln_terms.iter().map(|t| (t - ln_max).exp()).sum();
    let ln_tail = ln_max + rel_sum.ln() - n as f64 * std::f64::consts::LN_2;
    (2.0 * ln_tail.exp()).min(1.0)
}

/// The nearest-rank percentile `q` (0–100) of `values`; `None` when there are none.
///
/// Nearest rank (the smallest value with at least `q` % of the values at or below it) always
/// returns an observed value, which keeps reports reproducible and free of interpolation noise.
pub fn percentile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted: Vec<f64> = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((q / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn wilson_known_values() {
        // Reference values: Wilson (1927) score interval, z = 1.959964.
        let (lo, hi) = wilson(8, 10);
        assert!(close(lo, 0.490_162, 1e-6), "{lo}");
        assert!(close(hi, 0.943_318, 1e-6), "{hi}");
        let (lo, hi) = wilson(0, 10);
        assert_eq!(lo, 0.0);
        assert!(close(hi, 0.277_533, 1e-6), "{hi}");
        let (lo, hi) = wilson(10, 10);
        assert!(close(lo, 0.722_467, 1e-6), "{lo}");
        assert_eq!(hi, 1.0);
        let (lo, hi) = wilson(50, 100);
        assert!(close(lo, 0.403_832, 1e-6) && close(hi, 0.596_168, 1e-6));
    }

    #[test]
    fn wilson_of_nothing_is_everything() {
        assert_eq!(wilson(0, 0), (0.0, 1.0));
    }

    #[test]
    fn mcnemar_known_values() {
        assert_eq!(mcnemar_exact(0, 5), 0.0625);
        assert_eq!(mcnemar_exact(5, 0), 0.0625);
        assert!(close(mcnemar_exact(1, 9), 0.021_484_375, 1e-12));
        assert!(close(mcnemar_exact(9, 1), 0.021_484_375, 1e-12));
        assert_eq!(mcnemar_exact(3, 3), 1.0);
        assert_eq!(mcnemar_exact(0, 0), 1.0);
        assert_eq!(mcnemar_exact(0, 1), 1.0);
        // 2 * P(X <= 2 | n = 12) = 2 * 79 / 4096
        assert!(close(mcnemar_exact(2, 10), 158.0 / 4096.0, 1e-12));
    }

    #[test]
    fn mcnemar_large_counts_stay_finite() {
        let p = mcnemar_exact(50_000, 50_000);
        assert_eq!(p, 1.0);
        let p = mcnemar_exact(49_000, 51_000);
        assert!(p > 0.0 && p < 1e-9, "{p}");
        let p = mcnemar_exact(0, 2_000);
        assert!((0.0..1e-300).contains(&p), "{p}");
    }

    #[test]
    fn percentile_nearest_rank() {
        let v = [5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(percentile(&v, 50.0), Some(3.0));
        assert_eq!(percentile(&v, 95.0), Some(5.0));
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    proptest::proptest! {
        #[test]
        fn mcnemar_is_symmetric_and_a_probability(b in 0u64..400, c in 0u64..400) {
            let p = mcnemar_exact(b, c);
            proptest::prop_assert!(p > 0.0 && p <= 1.0, "{}", p);
            proptest::prop_assert_eq!(p, mcnemar_exact(c, b));
            // Moving a discordant pair from the smaller side to the larger never raises p.
            if b < c && b > 0 {
                proptest::prop_assert!(mcnemar_exact(b - 1, c + 1) <= p);
            }
        }

        #[test]
        fn wilson_contains_the_rate(n in 1u64..10_000, k in 0u64..10_000) {
            let k = k % (n + 1);
            let (lo, hi) = wilson(k, n);
            let p = k as f64 / n as f64;
            proptest::prop_assert!(0.0 <= lo && lo <= p + 1e-12 && p <= hi + 1e-12 && hi <= 1.0);
        }
    }
}

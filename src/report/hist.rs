//! Percentiles in bounded memory: exact for the first values, then a fixed log-bucket
//! histogram (1 % relative error), so memory does not grow with the number of cases.

/// Values kept exactly before switching to buckets.
const EXACT: usize = 2048;
/// Bucket growth factor: bucket `i ≥ 1` holds `[G^(i-1), G^i)`; bucket 0 holds `[0, 1)`.
const G: f64 = 1.01;
/// Number of buckets (covers up to ~1.01^4095 ≈ 4e17).
const BUCKETS: usize = 4096;

/// A streaming percentile estimator for non-negative values.
#[derive(Debug, Clone, Default)]
pub struct Quantiles {
    count: u64,
    exact: Vec<f64>,
    buckets: Option<Box<[u64]>>,
}

fn bucket(x: f64) -> usize {
    if x < 1.0 {
        0
    } else {
        ((x.ln() / G.ln()).floor() as usize + 1).min(BUCKETS - 1)
    }
}

fn bucket_value(i: usize) -> f64 {
    if i == 0 {
        0.5
    } else {
        // The geometric middle of the bucket.
        G.powf(i as f64 - 0.5)
    }
}

impl Quantiles {
    /// Adds a value (negatives and NaN are ignored).
    pub fn add(&mut self, x: f64) {
        if x.is_nan() || x < 0.0 {
            return;
        }
        self.count += 1;
        match &mut self.buckets {
            Some(b) => b[bucket(x)] += 1,
            None => {
                self.exact.push(x);
                if self.exact.len() > EXACT {
                    let mut b = vec![0u64; BUCKETS].into_boxed_slice();
                    for v in self.exact.drain(..) {
                        b[bucket(v)] += 1;
                    }
                    self.exact = Vec::new();
                    self.buckets = Some(b);
                }
            }
        }
    }

    /// Values added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The `p`-th quantile (0 < p ≤ 1) by nearest rank; 0 when empty.
    pub fn quantile(&self, p: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = ((p * self.count as f64).ceil() as u64).clamp(1, self.count);
        match &self.buckets {
            None => {
                let mut v = self.exact.clone();
                v.sort_by(f64::total_cmp);
                v[rank as usize - 1]
            }
            Some(b) => {
                let mut seen = 0;
                for (i, n) in b.iter().enumerate() {
                    seen += n;
                    if seen >= rank {
                        return bucket_value(i);
                    }
                }
                bucket_value(BUCKETS - 1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_for_small_sets() {
        let mut q = Quantiles::default();
        for x in [5.0, 1.0, 3.0, 2.0, 4.0] {
            q.add(x);
        }
        assert_eq!(q.quantile(0.5), 3.0);
        assert_eq!(q.quantile(0.95), 5.0);
        assert_eq!(Quantiles::default().quantile(0.5), 0.0);
    }

    #[test]
    fn within_one_percent_for_large_sets_in_fixed_memory() {
        let mut q = Quantiles::default();
        for i in 1..=100_000u64 {
            q.add(i as f64);
        }
        let p50 = q.quantile(0.5);
        let p95 = q.quantile(0.95);
        assert!((p50 / 50_000.0 - 1.0).abs() < 0.01, "{p50}");
        assert!((p95 / 95_000.0 - 1.0).abs() < 0.01, "{p95}");
        assert!(q.exact.is_empty());
    }
}

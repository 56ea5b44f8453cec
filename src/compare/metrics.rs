//! Aggregates over one side's paired cases ([`Metrics`]) and the metric rows of
//! `comparison.csv` ([`MetricRow`]: delta, relative change, better or worse).

use serde::Serialize;

use super::read::{Case, SnapshotState, Verdict};
use crate::stats;

/// Where the latency percentiles of a [`Metrics`] come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LatencySource {
    /// `summary.csv`: percentiles over every LLM call of the report.
    SummaryPerCall,
    /// Fallback: percentiles over the cases' `latency_ms_mean`.
    CaseMeans,
}

/// Aggregates over a set of cases.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Metrics {
    /// Cases.
    pub runs: u64,
    /// Cases with verdict pass.
    pub passed: u64,
    /// Cases with verdict fail.
    pub failed: u64,
    /// Cases with verdict error.
    pub errored: u64,
    /// Cases with verdict none.
    pub unevaluated: u64,
    /// Sum of `total_tokens`.
    pub total_tokens: f64,
    /// Sum of `credits`.
    pub total_credits: f64,
    /// Median latency in ms (see [`LatencySource`]).
    pub latency_ms_p50: Option<f64>,
    /// 95th percentile latency in ms (see [`LatencySource`]).
    pub latency_ms_p95: Option<f64>,
    /// Cases whose snapshot changed.
    pub snapshots_changed: u64,
    /// Cases with a new snapshot.
    pub snapshots_new: u64,
}

impl Metrics {
    /// Aggregates `cases`, with latency percentiles over their `latency_ms_mean`.
    pub fn of<'a>(cases: impl IntoIterator<Item = &'a Case>) -> Metrics {
        let mut m = Metrics::default();
        let mut latencies = Vec::new();
        for case in cases {
            m.runs += 1;
            match case.verdict {
                Verdict::Pass => m.passed += 1,
                Verdict::Fail => m.failed += 1,
                Verdict::Error => m.errored += 1,
                Verdict::None => m.unevaluated += 1,
            }
            m.total_tokens += case.total_tokens;
            m.total_credits += case.credits;
            if let Some(l) = case.latency_ms_mean {
                latencies.push(l);
            }
            match case.snapshot {
                SnapshotState::Changed => m.snapshots_changed += 1,
                SnapshotState::New => m.snapshots_new += 1,
                SnapshotState::Match | SnapshotState::None => {}
            }
        }
        m.latency_ms_p50 = stats::percentile(&latencies, 50.0);
        m.latency_ms_p95 = stats::percentile(&latencies, 95.0);
        m
    }

    /// passed / (passed + failed); `None` when no case was judged pass or fail.
    pub fn pass_rate(&self) -> Option<f64> {
        let judged = self.passed + self.failed;
        (judged > 0).then(|| self.passed as f64 / judged as f64)
    }

    /// total_tokens / runs; `None` without cases.
    pub fn mean_tokens(&self) -> Option<f64> {
        (self.runs > 0).then(|| self.total_tokens / self.runs as f64)
    }
}

/// Whether a metric is better high, better low, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    Higher,
    Lower,
    Neutral,
}

/// One metric row of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricRow {
    /// Metric name (`pass_rate`, `total_tokens`, …).
    pub metric: &'static str,
    /// Baseline value; `None` when undefined.
    pub baseline: Option<f64>,
    /// Candidate value; `None` when undefined.
    pub candidate: Option<f64>,
    /// candidate − baseline.
    pub delta: Option<f64>,
    /// delta / baseline × 100; `None` when the baseline is 0 or undefined.
    pub delta_pct: Option<f64>,
    /// `better`, `worse`, `same`, or empty for neutral or undefined metrics.
    pub verdict: &'static str,
}

/// Relative change in percent; `None` when the baseline is 0 or either side is undefined.
pub fn pct_change(baseline: Option<f64>, candidate: Option<f64>) -> Option<f64> {
    let (b, c) = (baseline?, candidate?);
    (b != 0.0).then(|| (c - b) / b * 100.0)
}

pub(super) fn row(
    metric: &'static str,
    baseline: Option<f64>,
    candidate: Option<f64>,
    dir: Direction,
) -> MetricRow {
    let delta = match (baseline, candidate) {
        (Some(b), Some(c)) => Some(c - b),
        _ => None,
    };
    let verdict = match (delta, dir) {
        (None, _) | (_, Direction::Neutral) => "",
        // Float noise (0.1 + 0.2 style) must not turn "same" into a verdict.
        (Some(d), _) if d.abs() < 1e-9 => "same",
        (Some(d), Direction::Higher) if d > 0.0 => "better",
        (Some(d), Direction::Lower) if d < 0.0 => "better",
        _ => "worse",
    };
    MetricRow {
        metric,
        baseline,
        candidate,
        delta,
        delta_pct: pct_change(baseline, candidate),
        verdict,
    }
}

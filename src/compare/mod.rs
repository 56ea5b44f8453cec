//! `reprise compare`: two report folders side by side.
//!
//! Cases are paired by `run_id`. Every aggregate is computed over the paired cases only; cases
//! present in just one report are listed, never counted. A flip is a paired case whose verdict
//! went pass → fail (`new_failure`) or fail → pass (`fixed`); McNemar's exact test runs on those
//! two counts. A paired case whose node path (`paths.jsonl`) differs is listed with the turn
//! and nodes where the candidate first departs ([`paths`]). Latency percentiles are taken from `summary.csv` (per LLM call) when the whole
//! report is compared and every case is paired; otherwise (a workflow subset, or unpaired cases)
//! both sides use the same fallback: percentiles of the cases' `latency_ms_mean`.
//!
//! Reading lives in [`read`], the three renderings (CSV, terminal, Markdown) in [`write`].

pub mod page;
pub mod paths;
pub mod read;
pub mod write;

use std::collections::HashMap;

use serde::Serialize;

pub use paths::PathDivergence;
pub use read::{Case, ReadError, ReportDir, SnapshotState, Summary, Verdict};

use crate::stats;

/// Which cases a comparison (or a gate check) looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every case.
    All,
    /// The cases of one workflow id.
    Workflow(String),
}

impl Scope {
    /// Whether `case` is in scope.
    pub fn contains(&self, case: &Case) -> bool {
        match self {
            Scope::All => true,
            Scope::Workflow(id) => &case.workflow_id == id,
        }
    }

    /// The workflow id, if any.
    pub fn workflow(&self) -> Option<&str> {
        match self {
            Scope::All => None,
            Scope::Workflow(id) => Some(id),
        }
    }
}

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

/// The direction of a paired case's verdict change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlipKind {
    /// pass → fail.
    NewFailure,
    /// fail → pass.
    Fixed,
}

impl FlipKind {
    /// The `verdict` cell of the flip row.
    pub fn as_str(self) -> &'static str {
        match self {
            FlipKind::NewFailure => "new_failure",
            FlipKind::Fixed => "fixed",
        }
    }
}

/// A paired case whose verdict flipped between pass and fail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flip {
    /// The case.
    pub run_id: String,
    /// Which way.
    pub kind: FlipKind,
}

/// Two reports compared over one [`Scope`].
#[derive(Debug, Clone)]
pub struct Comparison {
    /// What was compared.
    pub scope: Scope,
    /// Baseline aggregates over the paired cases.
    pub baseline: Metrics,
    /// Candidate aggregates over the paired cases.
    pub candidate: Metrics,
    /// Where both sides' latency percentiles come from.
    pub latency_source: LatencySource,
    /// Flipped cases, sorted by run id.
    pub flips: Vec<Flip>,
    /// Paired cases whose node path differs (both reports have `paths.jsonl`), sorted.
    pub paths: Vec<PathDivergence>,
    /// Run ids (in scope) only in the baseline, sorted.
    pub only_in_baseline: Vec<String>,
    /// Run ids (in scope) only in the candidate, sorted.
    pub only_in_candidate: Vec<String>,
}

/// Whether a metric is better high, better low, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
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

impl Comparison {
    /// Compares `candidate` against `baseline` over `scope`.
    pub fn new(baseline: &ReportDir, candidate: &ReportDir, scope: &Scope) -> Comparison {
        let base: HashMap<&str, &Case> = baseline
            .cases
            .iter()
            .filter(|c| scope.contains(c))
            .map(|c| (c.run_id.as_str(), c))
            .collect();
        let mut paired_base = Vec::new();
        let mut paired_cand = Vec::new();
        let mut only_in_candidate = Vec::new();
        let mut flips = Vec::new();
        // Candidate cases are sorted by run id, so pairs and flips come out sorted too.
        for cand in candidate.cases.iter().filter(|c| scope.contains(c)) {
            let Some(&b) = base.get(cand.run_id.as_str()) else {
                only_in_candidate.push(cand.run_id.clone());
                continue;
            };
            let kind = match (b.verdict, cand.verdict) {
                (Verdict::Pass, Verdict::Fail) => Some(FlipKind::NewFailure),
                (Verdict::Fail, Verdict::Pass) => Some(FlipKind::Fixed),
                _ => None,
            };
            if let Some(kind) = kind {
                flips.push(Flip {
                    run_id: cand.run_id.clone(),
                    kind,
                });
            }
            paired_base.push(b);
            paired_cand.push(cand);
        }
        let paired: std::collections::HashSet<&str> =
            paired_cand.iter().map(|c| c.run_id.as_str()).collect();
        let only_in_baseline: Vec<String> = baseline
            .cases
            .iter()
            .filter(|c| scope.contains(c) && !paired.contains(c.run_id.as_str()))
            .map(|c| c.run_id.clone())
            .collect();

        let paths = match (&baseline.paths, &candidate.paths) {
            (Some(b), Some(c)) => {
                paths::divergences(b, c, paired_cand.iter().map(|c| c.run_id.as_str()))
            }
            _ => Vec::new(),
        };
        let mut base_m = Metrics::of(paired_base);
        let mut cand_m = Metrics::of(paired_cand);
        let whole =
            *scope == Scope::All && only_in_baseline.is_empty() && only_in_candidate.is_empty();
        let latency_source = if whole {
            base_m.latency_ms_p50 = baseline.summary.latency_ms_p50;
            base_m.latency_ms_p95 = baseline.summary.latency_ms_p95;
            cand_m.latency_ms_p50 = candidate.summary.latency_ms_p50;
            cand_m.latency_ms_p95 = candidate.summary.latency_ms_p95;
            LatencySource::SummaryPerCall
        } else {
            LatencySource::CaseMeans
        };
        Comparison {
            scope: scope.clone(),
            baseline: base_m,
            candidate: cand_m,
            latency_source,
            flips,
            paths,
            only_in_baseline,
            only_in_candidate,
        }
    }

    /// Paired cases that went pass → fail.
    pub fn new_failures(&self) -> u64 {
        self.count(FlipKind::NewFailure)
    }

    /// Paired cases that went fail → pass.
    pub fn fixed(&self) -> u64 {
        self.count(FlipKind::Fixed)
    }

    fn count(&self, kind: FlipKind) -> u64 {
        self.flips.iter().filter(|f| f.kind == kind).count() as u64
    }

    /// McNemar's exact two-sided p on the flips.
    pub fn mcnemar_p(&self) -> f64 {
        stats::mcnemar_exact(self.new_failures(), self.fixed())
    }

    /// Pass-rate drop (baseline − candidate); `None` when either side is undefined.
    pub fn pass_rate_drop(&self) -> Option<f64> {
        Some(self.baseline.pass_rate()? - self.candidate.pass_rate()?)
    }

    /// The metric rows, in the order of `comparison.csv`.
    pub fn rows(&self) -> Vec<MetricRow> {
        let (b, c) = (&self.baseline, &self.candidate);
        let n = |x: u64| Some(x as f64);
        vec![
            row("runs", n(b.runs), n(c.runs), Direction::Neutral),
            row("pass_rate", b.pass_rate(), c.pass_rate(), Direction::Higher),
            row("passed", n(b.passed), n(c.passed), Direction::Higher),
            row("failed", n(b.failed), n(c.failed), Direction::Lower),
            row("errored", n(b.errored), n(c.errored), Direction::Lower),
            row(
                "total_tokens",
                Some(b.total_tokens),
                Some(c.total_tokens),
                Direction::Lower,
            ),
            row(
                "mean_tokens",
                b.mean_tokens(),
                c.mean_tokens(),
                Direction::Lower,
            ),
            row(
                "total_credits",
                Some(b.total_credits),
                Some(c.total_credits),
                Direction::Lower,
            ),
            row(
                "latency_ms_p50",
                b.latency_ms_p50,
                c.latency_ms_p50,
                Direction::Lower,
            ),
            row(
                "latency_ms_p95",
                b.latency_ms_p95,
                c.latency_ms_p95,
                Direction::Lower,
            ),
            row(
                "snapshots_changed",
                n(b.snapshots_changed),
                n(c.snapshots_changed),
                Direction::Lower,
            ),
        ]
    }
}

/// Relative change in percent; `None` when the baseline is 0 or either side is undefined.
pub fn pct_change(baseline: Option<f64>, candidate: Option<f64>) -> Option<f64> {
    let (b, c) = (baseline?, candidate?);
    (b != 0.0).then(|| (c - b) / b * 100.0)
}

fn row(
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

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn case(id: &str, wf: &str, verdict: Verdict, tokens: f64, lat: f64) -> Case {
        Case {
            run_id: id.into(),
            workflow_id: wf.into(),
            verdict,
            total_tokens: tokens,
            credits: 0.0,
            latency_ms_mean: Some(lat),
            snapshot: SnapshotState::Match,
        }
    }

    fn report(cases: Vec<Case>, p95: f64) -> ReportDir {
        ReportDir::from_cases(
            "r",
            cases,
            Summary {
                latency_ms_p50: Some(p95 / 2.0),
                latency_ms_p95: Some(p95),
            },
        )
    }

    #[test]
    fn pairs_by_run_id_and_finds_flips() {
        use Verdict::{Fail, Pass};
        let base = report(
            vec![
                case("a", "w1", Pass, 100.0, 10.0),
                case("b", "w1", Fail, 100.0, 10.0),
                case("c", "w2", Pass, 100.0, 10.0),
                case("gone", "w2", Pass, 100.0, 10.0),
            ],
            800.0,
        );
        let cand = report(
            vec![
                case("c", "w2", Pass, 150.0, 20.0),
                case("b", "w1", Pass, 120.0, 10.0),
                case("a", "w1", Fail, 130.0, 10.0),
                case("new", "w1", Fail, 1.0, 1.0),
            ],
            1000.0,
        );
        let cmp = Comparison::new(&base, &cand, &Scope::All);
        assert_eq!(
            cmp.flips,
            vec![
                Flip {
                    run_id: "a".into(),
                    kind: FlipKind::NewFailure
                },
                Flip {
                    run_id: "b".into(),
                    kind: FlipKind::Fixed
                },
            ]
        );
        assert_eq!(cmp.only_in_baseline, vec!["gone".to_string()]);
        assert_eq!(cmp.only_in_candidate, vec!["new".to_string()]);
        assert_eq!(cmp.baseline.runs, 3);
        assert_eq!(cmp.candidate.total_tokens, 400.0);
        assert_eq!(cmp.mcnemar_p(), 1.0);
        // Unpaired cases exist: both sides fall back to case means.
        assert_eq!(cmp.latency_source, LatencySource::CaseMeans);
        assert_eq!(cmp.candidate.latency_ms_p95, Some(20.0));

        let w1 = Comparison::new(&base, &cand, &Scope::Workflow("w1".into()));
        assert_eq!(w1.baseline.runs, 2);
        assert_eq!(w1.only_in_candidate, vec!["new".to_string()]);
        assert!(w1.only_in_baseline.is_empty());
    }

    #[test]
    fn rows_have_deltas_and_verdicts() {
        use Verdict::{Fail, Pass};
        let base = report(
            vec![
                case("a", "w", Pass, 100.0, 10.0),
                case("b", "w", Pass, 100.0, 10.0),
            ],
            800.0,
        );
        let cand = report(
            vec![
                case("a", "w", Fail, 150.0, 10.0),
                case("b", "w", Pass, 150.0, 10.0),
            ],
            1000.0,
        );
        let cmp = Comparison::new(&base, &cand, &Scope::All);
        assert_eq!(cmp.latency_source, LatencySource::SummaryPerCall);
        let rows = cmp.rows();
        let get = |m: &str| rows.iter().find(|r| r.metric == m).unwrap().clone();
        let pr = get("pass_rate");
        assert_eq!((pr.baseline, pr.candidate), (Some(1.0), Some(0.5)));
        assert_eq!(pr.delta, Some(-0.5));
        assert_eq!(pr.delta_pct, Some(-50.0));
        assert_eq!(pr.verdict, "worse");
        let tok = get("mean_tokens");
        assert_eq!(tok.delta_pct, Some(50.0));
        assert_eq!(tok.verdict, "worse");
        let lat = get("latency_ms_p95");
        assert_eq!((lat.baseline, lat.candidate), (Some(800.0), Some(1000.0)));
        assert_eq!(lat.delta_pct, Some(25.0));
        assert_eq!(get("errored").verdict, "same");
        assert_eq!(get("total_credits").delta_pct, None);
        assert_eq!(cmp.pass_rate_drop(), Some(0.5));
    }
}

//! [`Comparison`]: two report folders paired by `run_id` over a [`Scope`]: both sides'
//! [`Metrics`] over the paired cases, the flips, the node-path divergences, the unpaired ids.

use std::collections::HashMap;

use super::flips::{Flip, FlipKind};
use super::metrics::{row, Direction, LatencySource, MetricRow, Metrics};
use super::paths::{self, PathDivergence};
use super::read::{Case, ReportDir, Verdict};
use super::scope::Scope;
use crate::stats;

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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::compare::{Case, SnapshotState, Summary, Verdict};

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

//! Streaming aggregation of case rows: counts, sums and histograms whose size depends on the
//! number of models and workflows, never on the number of cases.

use std::collections::BTreeMap;

use super::cells::wilson;
use super::hist::Quantiles;
use super::row::{CaseRow, ModelCounts, Verdict};
use crate::snapshot::SnapshotState;

/// How many failing cases `summary.md` lists by name.
const LISTED: usize = 200;

/// Verdict counts and tokens of a group of cases (a workflow, a version).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Cases.
    pub runs: u64,
    /// `pass`.
    pub passed: u64,
    /// `fail`.
    pub failed: u64,
    /// `error`.
    pub errored: u64,
    /// `none`.
    pub unevaluated: u64,
    /// Tokens.
    pub total_tokens: u64,
}

impl Counts {
    fn add(&mut self, row: &CaseRow) {
        self.runs += 1;
        self.total_tokens += row.total_tokens;
        match row.verdict {
            Verdict::Pass => self.passed += 1,
            Verdict::Fail => self.failed += 1,
            Verdict::Error => self.errored += 1,
            Verdict::None => self.unevaluated += 1,
        }
    }

    /// passed / (passed + failed); `None` when nothing passed or failed.
    pub fn pass_rate(&self) -> Option<f64> {
        let n = self.passed + self.failed;
        (n > 0).then(|| self.passed as f64 / n as f64)
    }

    /// 95 % Wilson interval of the pass rate.
    pub fn pass_rate_interval(&self) -> Option<(f64, f64)> {
        wilson(self.passed, self.passed + self.failed)
    }
}

/// One provider/model pair over all cases.
#[derive(Debug, Clone, Default)]
pub struct ModelStats {
    /// Calls, tokens and latency summed over the cases.
    pub counts: ModelCounts,
    /// Per-call latencies.
    pub latency: Quantiles,
}

/// Everything the reports aggregate.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// All cases.
    pub all: Counts,
    /// Sum of credits.
    pub total_credits: f64,
    /// Sum of evaluator tokens (never part of `total_tokens`).
    pub eval_tokens: u64,
    /// Tokens per case.
    pub tokens: Quantiles,
    /// Per-call LLM latency over all cases.
    pub latency: Quantiles,
    /// `snapshot = changed`.
    pub snapshots_changed: u64,
    /// `snapshot = new`.
    pub snapshots_new: u64,
    /// Per (provider, model).
    pub models: BTreeMap<(String, String), ModelStats>,
    /// Per (system, workflow id).
    pub workflows: BTreeMap<(String, String), Counts>,
    /// Per (system, workflow id, version).
    pub versions: BTreeMap<(String, String, Option<i64>), Counts>,
    /// The first failing or erroring cases with their first reason.
    pub problems: Vec<(String, Verdict, String)>,
    /// Failing or erroring cases not listed in `problems`.
    pub problems_unlisted: u64,
    /// Cases whose repeats both passed and failed (the first ones).
    pub flaky: Vec<(String, u32, u32)>,
    /// Flaky cases not listed.
    pub flaky_unlisted: u64,
}

impl Stats {
    /// Adds one case.
    pub fn add(&mut self, row: &CaseRow) {
        self.all.add(row);
        self.total_credits += row.credits;
        self.eval_tokens += row.eval_tokens;
        self.tokens.add(row.total_tokens as f64);
        match row.snapshot {
            SnapshotState::Changed => self.snapshots_changed += 1,
            SnapshotState::New => self.snapshots_new += 1,
            _ => {}
        }
        for m in &row.models {
            let s = self
                .models
                .entry((m.provider.clone(), m.model.clone()))
                .or_default();
            s.counts.add(&m.counts);
            for &ms in &m.call_ms {
                s.latency.add(ms);
                self.latency.add(ms);
            }
        }
        self.workflows
            .entry((row.system.clone(), row.workflow_id.clone()))
            .or_default()
            .add(row);
        self.versions
            .entry((row.system.clone(), row.workflow_id.clone(), row.version))
            .or_default()
            .add(row);
        if matches!(row.verdict, Verdict::Fail | Verdict::Error) {
            if self.problems.len() < LISTED {
                let why = row
                    .reasons
                    .first()
                    .cloned()
                    .or_else(|| row.error.clone())
                    .unwrap_or_default();
                self.problems.push((row.run_id.clone(), row.verdict, why));
            } else {
                self.problems_unlisted += 1;
            }
        }
        if let Some(r) = row.repeats.filter(|r| r.is_flaky()) {
            if self.flaky.len() < LISTED {
                self.flaky.push((row.run_id.clone(), r.passed, r.runs));
            } else {
                self.flaky_unlisted += 1;
            }
        }
    }

    /// Mean tokens per case, 0 without cases.
    pub fn mean_tokens(&self) -> f64 {
        if self.all.runs == 0 {
            0.0
        } else {
            self.all.total_tokens as f64 / self.all.runs as f64
        }
    }
}

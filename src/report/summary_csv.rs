//! `summary.csv`: one row of totals.

use std::io;
use std::path::{Path, PathBuf};

use super::cells::{num, opt_num};
use super::{CaseRow, ReportWriter, RunMeta, Stats};

/// The header, in the contract's order (DESIGN.md).
pub const HEADER: [&str; 16] = [
    "runs",
    "passed",
    "failed",
    "errored",
    "unevaluated",
    "pass_rate",
    "pass_rate_low",
    "pass_rate_high",
    "total_tokens",
    "mean_tokens",
    "p95_tokens",
    "total_credits",
    "latency_ms_p50",
    "latency_ms_p95",
    "snapshots_changed",
    "snapshots_new",
];

/// Writes `summary.csv` from the aggregate.
pub struct SummaryCsv {
    path: PathBuf,
}

impl SummaryCsv {
    /// Will write `dir/summary.csv`.
    pub fn new(dir: &Path) -> SummaryCsv {
        SummaryCsv {
            path: dir.join("summary.csv"),
        }
    }
}

/// The summary row's cells. `pass_rate` and its interval are empty when no case passed or
/// failed (the rate does not exist; it is not 0).
pub fn cells(s: &Stats) -> [String; 16] {
    let a = &s.all;
    let interval = a.pass_rate_interval();
    [
        a.runs.to_string(),
        a.passed.to_string(),
        a.failed.to_string(),
        a.errored.to_string(),
        a.unevaluated.to_string(),
        opt_num(a.pass_rate()),
        opt_num(interval.map(|i| i.0)),
        opt_num(interval.map(|i| i.1)),
        a.total_tokens.to_string(),
        num(s.mean_tokens()),
        num(s.tokens.quantile(0.95)),
        num(s.total_credits),
        num(s.latency.quantile(0.5)),
        num(s.latency.quantile(0.95)),
        s.snapshots_changed.to_string(),
        s.snapshots_new.to_string(),
    ]
}

impl ReportWriter for SummaryCsv {
    fn row(&mut self, _: &CaseRow) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, stats: &Stats, _: &RunMeta) -> io::Result<()> {
        let mut out = csv::Writer::from_path(&self.path)?;
        out.write_record(HEADER)?;
        out.write_record(cells(stats))?;
        out.flush()
    }
}

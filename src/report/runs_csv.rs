//! `runs.csv`: one row per case, written as the rows arrive (already sorted by run id).

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::Path;

use super::cells::{num, opt_num, text};
use super::{CaseRow, ReportWriter, RunMeta, Stats};

/// The header, in the contract's order (DESIGN.md).
pub const HEADER: [&str; 21] = [
    "run_id",
    "replay_run_id",
    "system",
    "workflow_id",
    "version",
    "status",
    "turns",
    "llm_calls",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "credits",
    "latency_ms_total",
    "latency_ms_mean",
    "eval_run_id",
    "eval_tokens",
    "verdict",
    "score",
    "assertions_failed",
    "snapshot",
    "error",
];

/// Writes `runs.csv`.
pub struct RunsCsv {
    out: csv::Writer<BufWriter<File>>,
}

impl RunsCsv {
    /// Creates `dir/runs.csv` and writes the header.
    pub fn create(dir: &Path) -> io::Result<RunsCsv> {
        let file = File::create(dir.join("runs.csv"))?;
        let mut out = csv::Writer::from_writer(BufWriter::new(file));
        out.write_record(HEADER)?;
        Ok(RunsCsv { out })
    }
}

/// The cells of one row.
pub fn cells(r: &CaseRow) -> [String; 21] {
    [
        text(&r.run_id),
        text(&r.replay_run_id),
        text(&r.system),
        text(&r.workflow_id),
        r.version.map(|v| v.to_string()).unwrap_or_default(),
        text(&r.status),
        r.turns.to_string(),
        r.llm_calls.to_string(),
        r.input_tokens.to_string(),
        r.output_tokens.to_string(),
        r.total_tokens.to_string(),
        num(r.credits),
        num(r.latency_ms_total),
        num(r.latency_ms_mean()),
        text(r.eval_run_id.as_deref().unwrap_or("")),
        r.eval_tokens.to_string(),
        r.verdict.as_str().to_owned(),
        opt_num(r.score),
        r.assertions_failed.to_string(),
        text(r.snapshot.as_str()),
        text(r.error.as_deref().unwrap_or("")),
    ]
}

impl ReportWriter for RunsCsv {
    fn row(&mut self, row: &CaseRow) -> io::Result<()> {
        self.out.write_record(cells(row))?;
        Ok(())
    }

    fn finish(&mut self, _: &Stats, _: &RunMeta) -> io::Result<()> {
        self.out.flush()
    }
}

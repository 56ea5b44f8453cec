//! `models.csv`: one row per provider/model pair over all cases (evaluator calls excluded).

use std::io;
use std::path::{Path, PathBuf};

use super::cells::{num, text};
use super::{CaseRow, ReportWriter, RunMeta, Stats};

/// The header, in the contract's order (DESIGN.md).
pub const HEADER: [&str; 10] = [
    "provider",
    "model",
    "calls",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "latency_ms_total",
    "latency_ms_mean",
    "latency_ms_p50",
    "latency_ms_p95",
];

/// Writes `models.csv` from the aggregate.
pub struct ModelsCsv {
    path: PathBuf,
}

impl ModelsCsv {
    /// Will write `dir/models.csv`.
    pub fn new(dir: &Path) -> ModelsCsv {
        ModelsCsv {
            path: dir.join("models.csv"),
        }
    }
}

impl ReportWriter for ModelsCsv {
    fn row(&mut self, _: &CaseRow) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, stats: &Stats, _: &RunMeta) -> io::Result<()> {
        let mut out = csv::Writer::from_path(&self.path)?;
        out.write_record(HEADER)?;
        for ((provider, model), m) in &stats.models {
            out.write_record([
                text(provider),
                text(model),
                m.counts.calls.to_string(),
                m.counts.input_tokens.to_string(),
                m.counts.output_tokens.to_string(),
                m.counts.total_tokens.to_string(),
                num(m.counts.latency_ms_total),
                num(m.counts.latency_ms_mean()),
                num(m.latency.quantile(0.5)),
                num(m.latency.quantile(0.95)),
            ])?;
        }
        out.flush()
    }
}

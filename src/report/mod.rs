//! Reports: streaming aggregation of case rows and one writer per output file.
//!
//! Rows arrive sorted by run id (the replay stage reorders them); each [`ReportWriter`] sees
//! every row once and then the aggregate ([`Stats`]) at the end. Aggregation holds counters
//! and fixed-size histograms only, so memory does not grow with the number of cases.
//! `runs.csv`, `models.csv`, `summary.csv` follow DESIGN.md's columns exactly.

mod cells;
mod hist;
pub mod history;
pub mod html;
pub mod journal;
mod junit;
mod manifest;
mod markdown;
mod models_csv;
pub mod paths;
pub mod pr_comment;
mod row;
mod runs_csv;
mod stats;
mod summary_csv;
pub mod terminal;

use std::io;
use std::path::{Path, PathBuf};

pub use cells::{num, text as text_cell, wilson};
pub use hist::Quantiles;
pub use manifest::git_sha;
pub use row::{CaseRow, ModelRow, Repeats, SnapshotText, Verdict};
pub use stats::{Counts, ModelStats, Stats};

/// Column headers, for tests and tools.
pub mod headers {
    pub use super::models_csv::HEADER as MODELS;
    pub use super::runs_csv::HEADER as RUNS;
    pub use super::summary_csv::HEADER as SUMMARY;
}

/// What produced a report (for `manifest.json` and `summary.md`).
#[derive(Debug, Clone, Default)]
pub struct RunMeta {
    /// Engine name.
    pub engine: String,
    /// `--version`.
    pub version: Option<i64>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--shard K/N`.
    pub shard: Option<String>,
    /// SHA-256 over the cases' ids and documents.
    pub corpus_digest: String,
    /// The git commit, if any.
    pub git_sha: Option<String>,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339.
    pub ended_at: String,
    /// Stopped early (Ctrl-C): the report covers the cases finished so far.
    pub interrupted: bool,
    /// Earlier reports (`--history FILE`), drawn as a trend by `report.html`.
    pub history: Vec<history::Entry>,
    /// `run --impact DIR`: the cases answered from their recordings instead of the engine.
    pub carried: Option<Carried>,
}

/// The cases `run --impact DIR` carried from their recordings (`impact.csv` classed them
/// `unaffected`): for `summary.md` and `manifest.json`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Carried {
    /// The impact.csv read.
    pub source: String,
    /// (run id, reason from impact.csv), sorted by run id.
    pub cases: Vec<(String, String)>,
    /// Selected cases impact.csv classed `diverges` or `undetermined`: replayed.
    pub replayed: u64,
    /// Selected cases impact.csv does not list: replayed.
    pub unlisted: u64,
}

/// One output file.
pub trait ReportWriter {
    /// Called once per case, in run id order.
    fn row(&mut self, row: &CaseRow) -> io::Result<()>;
    /// Called once at the end.
    fn finish(&mut self, stats: &Stats, meta: &RunMeta) -> io::Result<()>;
}

/// A report folder being written.
pub struct Report {
    dir: PathBuf,
    writers: Vec<(&'static str, Box<dyn ReportWriter + Send>)>,
    stats: Stats,
    last_id: Option<String>,
}

/// A report file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct ReportError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: io::Error,
}

impl Report {
    /// Creates `dir` and starts every writer.
    pub fn create(dir: &Path) -> Result<Report, ReportError> {
        let err = |name: &str| {
            let path = dir.join(name);
            move |source| ReportError { path, source }
        };
        std::fs::create_dir_all(dir).map_err(err(""))?;
        let writers: Vec<(&'static str, Box<dyn ReportWriter + Send>)> = vec![
            (
                "runs.csv",
                Box::new(runs_csv::RunsCsv::create(dir).map_err(err("runs.csv"))?),
            ),
            ("models.csv", Box::new(models_csv::ModelsCsv::new(dir))),
            ("summary.csv", Box::new(summary_csv::SummaryCsv::new(dir))),
            (
                "junit.xml",
                Box::new(junit::Junit::create(dir).map_err(err("junit.xml"))?),
            ),
            ("summary.md", Box::new(markdown::Markdown::new(dir))),
            ("manifest.json", Box::new(manifest::Manifest::new(dir))),
            ("report.html", Box::new(html::Html::new(dir))),
            (pr_comment::FILE, Box::new(pr_comment::PrComment::new(dir))),
            (
                paths::FILE,
                Box::new(paths::PathsJsonl::create(dir).map_err(err(paths::FILE))?),
            ),
        ];
        Ok(Report {
            dir: dir.to_path_buf(),
            writers,
            stats: Stats::default(),
            last_id: None,
        })
    }

    /// Adds one case. Rows must come in run id order.
    pub fn add(&mut self, row: &CaseRow) -> Result<(), ReportError> {
        debug_assert!(self.last_id.as_deref() < Some(row.run_id.as_str()));
        self.last_id = Some(row.run_id.clone());
        self.stats.add(row);
        for (name, w) in &mut self.writers {
            w.row(row).map_err(|source| ReportError {
                path: self.dir.join(*name),
                source,
            })?;
        }
        Ok(())
    }

    /// The aggregate so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Writes the aggregate files and returns the aggregate.
    pub fn finish(mut self, meta: &RunMeta) -> Result<Stats, ReportError> {
        for (name, w) in &mut self.writers {
            w.finish(&self.stats, meta).map_err(|source| ReportError {
                path: self.dir.join(*name),
                source,
            })?;
        }
        Ok(self.stats)
    }
}

/// `reprise report merge`: one report from the journals of several report folders (shards).
/// A case found in several journals counts once (the later folder wins). Returns the
/// aggregate and the number of unreadable journal lines.
pub fn merge(dirs: &[PathBuf], out: &Path, meta: &RunMeta) -> Result<(Stats, usize), ReportError> {
    let mut all = std::collections::HashMap::new();
    let mut bad = 0;
    for dir in dirs {
        let (rows, b) = journal::read(dir).map_err(|source| ReportError {
            path: dir.join(journal::FILE),
            source,
        })?;
        bad += b;
        all.extend(rows);
    }
    let mut rows: Vec<CaseRow> = all.into_values().collect();
    rows.sort_by(|a, b| a.run_id.cmp(&b.run_id));
    let mut report = Report::create(out)?;
    let refs: Vec<&CaseRow> = rows.iter().collect();
    // The merged folder gets the merged journal too, so it can be merged or resumed again.
    journal::Journal::open(out, &refs).map_err(|source| ReportError {
        path: out.join(journal::FILE),
        source,
    })?;
    for row in &rows {
        report.add(row)?;
    }
    let stats = report.finish(meta)?;
    Ok((stats, bad))
}

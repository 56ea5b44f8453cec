//! The report folder as a sink: one [`ReportWriter`] per file, fed rows in run-id order
//! (it sits behind [`Ordered`](super::Ordered)) and the aggregate ([`Stats`]) at the end.

use std::path::{Path, PathBuf};

use super::event::Event;
use super::sink::{Sink, SinkError};
use super::{
    html, junit, manifest, markdown, models_csv, paths, pr_comment, runs_csv, summary_csv, CaseRow,
    ReportWriter, RunMeta, Stats,
};

/// A report folder being written.
pub struct Report {
    dir: PathBuf,
    writers: Vec<(&'static str, Box<dyn ReportWriter + Send>)>,
    stats: Stats,
    meta: RunMeta,
    last_id: Option<String>,
}

impl Report {
    /// Creates `dir` and starts every writer; `meta` says what produced the report (its
    /// end time and `interrupted` come with [`Event::RunFinished`]).
    pub fn create(dir: &Path, meta: RunMeta) -> Result<Report, SinkError> {
        let err = |name: &str| {
            let path = dir.join(name);
            move |source| SinkError { path, source }
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
            meta,
            last_id: None,
        })
    }

    /// Adds one case. Rows must come in run id order.
    pub fn add(&mut self, row: &CaseRow) -> Result<(), SinkError> {
        debug_assert!(self.last_id.as_deref() < Some(row.run_id.as_str()));
        self.last_id = Some(row.run_id.clone());
        self.stats.add(row);
        for (name, w) in &mut self.writers {
            w.row(row).map_err(|source| SinkError {
                path: self.dir.join(*name),
                source,
            })?;
        }
        Ok(())
    }

    /// The aggregate so far (all of it after the end).
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The aggregate, once the report is written.
    pub fn into_stats(self) -> Stats {
        self.stats
    }

    /// Writes the aggregate files.
    pub fn finish(&mut self) -> Result<(), SinkError> {
        for (name, w) in &mut self.writers {
            w.finish(&self.stats, &self.meta)
                .map_err(|source| SinkError {
                    path: self.dir.join(*name),
                    source,
                })?;
        }
        Ok(())
    }
}

impl Sink for Report {
    fn event(&mut self, event: &Event) -> Result<(), SinkError> {
        match event {
            Event::CaseFinished(done) => self.add(&done.row),
            Event::RunFinished {
                interrupted,
                ended_at,
            } => {
                self.meta.interrupted = *interrupted;
                self.meta.ended_at.clone_from(ended_at);
                self.finish()
            }
            _ => Ok(()),
        }
    }
}

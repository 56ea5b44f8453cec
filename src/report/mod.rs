//! Reports: the consumer side of a run. The replay emits [`Event`]s; [`Sink`]s consume them
//! and never reach back: the journal (finish order), the report folder ([`Report`], one
//! [`ReportWriter`] per file, behind the [`Ordered`] reorder adapter), the terminal summary
//! and the progress bar.
//!
//! Aggregation ([`Stats`]) holds counters and fixed-size histograms only, so memory does not
//! grow with the number of cases. `runs.csv`, `models.csv`, `summary.csv` follow DESIGN.md's
//! columns exactly; every number and text cell goes through [`cells`].

pub mod cells;
pub mod event;
mod folder;
mod hist;
pub mod history;
pub mod html;
pub mod journal;
mod junit;
mod manifest;
mod markdown;
mod merge;
mod meta;
mod models_csv;
mod node_path;
pub mod paths;
pub mod pr_comment;
mod progress;
mod row;
mod runs_csv;
mod sink;
mod stats;
mod summary_csv;
pub mod terminal;
mod writer;

/// The snapshot stage's text of a case, carried by its row (for `report.html`).
pub use crate::snapshot::SnapshotText;
pub use cells::{num, text as text_cell, wilson};
pub use event::{CaseFinished, Event, Origin};
pub use folder::Report;
pub use hist::Quantiles;
pub use manifest::git_sha;
pub use merge::merge;
pub use meta::{Carried, RunMeta};
pub use progress::Progress;
pub use row::{CaseRow, ModelCounts, ModelRow, Repeats, TurnResult, Verdict};
pub use sink::{Ordered, Sink, SinkError};
pub use stats::{Counts, ModelStats, Stats};
pub use terminal::Terminal;
pub use writer::ReportWriter;

/// Column headers, for tests and tools.
pub mod headers {
    pub use super::models_csv::HEADER as MODELS;
    pub use super::runs_csv::HEADER as RUNS;
    pub use super::summary_csv::HEADER as SUMMARY;
}

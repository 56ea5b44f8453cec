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
//! Reading lives in [`read`] (its errors in `error.rs`), the pairing in `comparison.rs` over a
//! [`Scope`] (`scope.rs`), the aggregates and metric rows in `metrics.rs`, the flips in
//! `flips.rs`, path divergences in [`paths`], the three renderings (CSV, terminal, Markdown) in
//! [`write`] and the HTML page in [`page`].

mod comparison;
mod error;
mod flips;
mod metrics;
pub mod page;
pub mod paths;
pub mod read;
mod scope;
pub mod write;

pub use comparison::Comparison;
pub use error::ReadError;
pub use flips::{Flip, FlipKind};
pub use metrics::{pct_change, LatencySource, MetricRow, Metrics};
pub use paths::PathDivergence;
pub use read::{Case, ReportDir, SnapshotState, Summary, Verdict};
pub use scope::Scope;

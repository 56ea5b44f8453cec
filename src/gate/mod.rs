//! `reprise gate`: thresholds, optionally against a baseline report, → pass or fail.
//!
//! Rules (README "Gate" has the user-facing version):
//! - A threshold applies only when given; with none the gate passes. Limits are inclusive
//!   (a float tolerance of 1e-9 absorbs rounding, so 0.8 − 0.6 is a drop of exactly 0.2).
//! - Absolute thresholds (`min_pass_rate`, `max_errors`, `require_snapshots_match`) look at
//!   every candidate case in scope. Baseline thresholds (`max_pass_rate_drop`,
//!   `max_new_failures`, `max_token_increase_pct`, `max_latency_p95_increase_pct`,
//!   `max_mcnemar_p`) look at the cases present in both reports (see [`crate::compare`]).
//! - A new failure is a paired case that went pass → fail.
//! - `max_mcnemar_p = α`: McNemar's exact two-sided p over the flips (b = new failures,
//!   c = fixed). (1) Its own check fails when b > c and p ≤ α: a significant shift towards
//!   failing. (2) It qualifies `max_pass_rate_drop` and `max_new_failures`: when α is given,
//!   those fail only if their limit is exceeded *and* p ≤ α; exceeded but not significant
//!   is reported `ok` with a note.
//! - Global thresholds apply to the whole report; per-workflow thresholds apply to each
//!   named workflow's cases separately; a named workflow without cases in the candidate is
//!   `skipped`. Thresholds never apply to workflows they do not name.

mod error;
mod evaluate;
mod plan;
pub mod render;
pub mod thresholds;

pub use error::GateError;
pub use evaluate::{evaluate, Check, CheckResult, Outcome};
pub use plan::Plan;
pub use thresholds::{Thresholds, WorkflowThresholds};

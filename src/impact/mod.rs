//! `reprise impact`: which recorded conversations a candidate workflow config touches, where,
//! and which of them can be trusted without a re-run (issue 18).
//!
//! [`config`] reads hydrated configs (a run's own, found in its raw document, and the
//! candidate); [`graph`] indexes one for walking; [`diff`] says what changed; [`expr`]
//! evaluates expression conditions; [`walk`] re-walks one case on the candidate;
//! [`classify`] does it for every case of a workflow; [`report`] writes the outputs;
//! [`carry`] lets `run --impact` replay only the cases the re-walk could not settle.

pub mod carry;
pub mod classify;
pub mod config;
pub mod diff;
pub mod expr;
pub mod graph;
pub mod report;
pub mod walk;

#[cfg(test)]
mod proptests;

pub use classify::{classify, Classified, Row};
pub use walk::{Impact, Outcome};

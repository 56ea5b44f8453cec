//! Local assertions: checks on a replayed run that need no LLM. One file per kind; the
//! config enum ([`crate::eval::spec::Check`]) picks one. Failure messages never quote
//! the run's own text (it is patient data), only what the assertion expected.

pub mod latency;
pub mod node;
pub mod schema;
pub mod status;
pub mod text;
pub mod tokens;
pub mod tool;
pub mod turns;

use crate::model::Run;

/// A check on a replayed run.
pub trait Assertion {
    /// `Ok` when the run satisfies it, else why not.
    fn check(&self, run: &Run) -> Result<(), String>;
}

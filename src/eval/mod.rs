//! Evaluation: judging a replayed run. The evaluator workflow's verdict (through
//! [`Engine::evaluation`]; with the recorded engine, the recorded evaluation run linked to the
//! replayed run), per-turn results, and local assertions from `reprise.toml`.
//!
//! Verdict rules (DESIGN.md): `fail` when the replayed run ended failed / aborted_looping_risk,
//! the evaluator said fail, a turn evaluation failed or an assertion failed; else `error` when
//! the evaluator's run failed or has no verdict fields or the engine could not answer; else
//! `pass` when anything judged it; else `none`.

#[cfg(test)]
mod assertion_tests;
pub mod assertions;
mod judge;
mod settings;
pub mod spec;
mod verdict;

pub use judge::{check_assertions, comment_text, judge, Outcome, COMMENT_MAX_CHARS};
pub use settings::{parse_evaluator, BadEvaluator, Settings};
pub use verdict::{Judged, VerdictRules};

//! How to judge: the verdict rules and local assertions of `[evaluation]`, the `--evaluator`
//! override and `--comment`.

use std::sync::Arc;

use super::spec::{AssertionSpec, EvaluationSection};
use super::verdict::VerdictRules;
use crate::redact::Redactor;

/// How to judge.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Where verdicts sit.
    pub rules: VerdictRules,
    /// Local assertions.
    pub assertions: Vec<AssertionSpec>,
    /// `--evaluator ID[@VERSION]`: instead of the config's `evaluation_config`.
    pub evaluator: Option<(String, Option<i64>)>,
    /// `--comment`: post the verdict on the replayed run.
    pub comment: bool,
    /// Redacts every text the evaluation reports (failures, errors, the comment).
    pub redactor: Arc<Redactor>,
}

impl Settings {
    /// Settings from the `[evaluation]` section.
    pub fn from_config(section: &EvaluationSection) -> Settings {
        Settings {
            rules: VerdictRules {
                passed_pointer: section.passed_pointer.clone(),
                score_pointer: section.score_pointer.clone(),
                threshold: section.threshold,
                reason_pointer: section.reason_pointer.clone(),
            },
            assertions: section.assertions.clone(),
            evaluator: None,
            comment: false,
            redactor: Arc::default(),
        }
    }
}
/// An `--evaluator` value that is not `ID[@VERSION]` (a usage error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadEvaluator {
    /// No id, or nothing at all.
    #[error("`{value}` is not ID[@VERSION]")]
    Shape {
        /// The value given.
        value: String,
    },
    /// The text after `@` is no number.
    #[error("`{version}` is not a version number")]
    Version {
        /// The text after `@`.
        version: String,
    },
}

/// `ID[@VERSION]`.
pub fn parse_evaluator(s: &str) -> Result<(String, Option<i64>), BadEvaluator> {
    match s.split_once('@') {
        None if !s.is_empty() => Ok((s.to_owned(), None)),
        Some((id, v)) if !id.is_empty() => {
            v.parse()
                .map(|v| (id.to_owned(), Some(v)))
                .map_err(|_| BadEvaluator::Version {
                    version: v.to_owned(),
                })
        }
        _ => Err(BadEvaluator::Shape {
            value: s.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluator_flag() {
        assert_eq!(parse_evaluator("wf").unwrap(), ("wf".into(), None));
        assert_eq!(parse_evaluator("wf@3").unwrap(), ("wf".into(), Some(3)));
        assert!(parse_evaluator("wf@x").is_err());
        assert!(parse_evaluator("@3").is_err());
    }
}

//! The plan of a gate: the global thresholds and the per-workflow ones, and their validation.

use super::error::GateError;
use super::thresholds::{Thresholds, WorkflowThresholds};

/// Everything a gate checks: global thresholds and per-workflow ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Apply to the whole report.
    pub global: Thresholds,
    /// Apply to each named workflow separately.
    pub per_workflow: Vec<WorkflowThresholds>,
}

impl Plan {
    /// Whether no threshold is given anywhere.
    pub fn is_empty(&self) -> bool {
        self.global.is_empty() && self.per_workflow.iter().all(|w| w.thresholds.is_empty())
    }

    /// The given thresholds that need a baseline.
    pub fn needing_baseline(&self) -> Vec<&'static str> {
        let mut v = self.global.needing_baseline();
        for w in &self.per_workflow {
            for t in w.thresholds.needing_baseline() {
                if !v.contains(&t) {
                    v.push(t);
                }
            }
        }
        v
    }

    /// Validates every limit.
    pub fn validate(&self) -> Result<(), GateError> {
        self.global.validate()?;
        self.per_workflow
            .iter()
            .try_for_each(|w| w.thresholds.validate())
    }
}

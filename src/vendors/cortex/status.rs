//! How Cortex spells its run statuses (upper case), and what its runs allow: its `Profile`.

use super::Cortex;
use crate::model::{Profile, RunTraits, StatusKind};

/// What the Cortex status `text` means.
fn kind(text: &str) -> StatusKind {
    match text {
        "PENDING" => StatusKind::Queued,
        "RUNNING" => StatusKind::Running,
        "CANCELLED" => StatusKind::Cancelled,
        "COMPLETED" => StatusKind::Completed,
        "SKIPPED" => StatusKind::Skipped,
        "FAILED" => StatusKind::Failed,
        _ => StatusKind::Unknown,
    }
}

/// Single-shot, versioned, cancellable, no comments; listed per workflow.
const RUNS: RunTraits = RunTraits {
    versioned: true,
    stoppable: true,
    lists_per_workflow: true,
    ..RunTraits::NONE
};

impl Profile for Cortex {
    fn name(&self) -> &'static str {
        "cortex"
    }
    fn status(&self, text: &str) -> StatusKind {
        kind(text)
    }
    fn runs(&self) -> RunTraits {
        RUNS
    }
}

#[cfg(test)]
mod tests {
    use crate::model::StatusKind;

    #[test]
    fn spellings_are_cortexs() {
        assert_eq!(super::kind("FAILED"), StatusKind::Failed);
        assert_eq!(super::kind("failed"), StatusKind::Unknown);
        assert_eq!(super::kind("PENDING"), StatusKind::Queued);
    }
}

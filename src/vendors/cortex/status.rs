//! How Cortex spells its run statuses (upper case), and what its runs allow.

use crate::model::{RunTraits, StatusKind};

/// What the Cortex status `text` means.
pub(super) fn kind(text: &str) -> StatusKind {
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
pub(super) const RUNS: RunTraits = RunTraits {
    versioned: true,
    stoppable: true,
    lists_per_workflow: true,
    ..RunTraits::NONE
};

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

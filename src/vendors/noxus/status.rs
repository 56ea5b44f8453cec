//! How Noxus spells its run statuses, and what its runs allow.

use crate::model::{RunTraits, StatusKind};

/// What the Noxus status `text` means.
pub(super) fn kind(text: &str) -> StatusKind {
    match text {
        "queued" => StatusKind::Queued,
        "running" => StatusKind::Running,
        "awaiting_human_feedback" => StatusKind::AwaitingHumanFeedback,
        "completed" => StatusKind::Completed,
        "failed" => StatusKind::Failed,
        "stopped" => StatusKind::Stopped,
        _ => StatusKind::Unknown,
    }
}

/// Single-shot, unversioned (only a workflow hash), no stop, no comments; listed per workflow.
pub(super) const RUNS: RunTraits = RunTraits {
    lists_per_workflow: true,
    ..RunTraits::NONE
};

#[cfg(test)]
mod tests {
    use crate::model::StatusKind;

    #[test]
    fn spellings_are_noxuss() {
        assert_eq!(super::kind("queued"), StatusKind::Queued);
        assert_eq!(super::kind("stopped"), StatusKind::Stopped);
        assert_eq!(super::kind("cancelled"), StatusKind::Unknown);
    }
}

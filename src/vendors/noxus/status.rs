//! How Noxus spells its run statuses, and what its runs allow: its `Profile`.

use super::Noxus;
use crate::model::{Profile, RunTraits, StatusKind};

/// What the Noxus status `text` means.
fn kind(text: &str) -> StatusKind {
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
const RUNS: RunTraits = RunTraits {
    lists_per_workflow: true,
    ..RunTraits::NONE
};

impl Profile for Noxus {
    fn name(&self) -> &'static str {
        "noxus"
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
    fn spellings_are_noxuss() {
        assert_eq!(super::kind("queued"), StatusKind::Queued);
        assert_eq!(super::kind("stopped"), StatusKind::Stopped);
        assert_eq!(super::kind("cancelled"), StatusKind::Unknown);
    }
}

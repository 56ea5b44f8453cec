//! How Interactly spells its run statuses (`WorkflowRunStatus`), and what its runs allow.

use crate::model::{RunTraits, StatusKind};

/// What the Interactly status `text` means.
pub(super) fn kind(text: &str) -> StatusKind {
    match text {
        "not_started" => StatusKind::NotStarted,
        "started" => StatusKind::Started,
        "running" => StatusKind::Running,
        "paused" => StatusKind::Paused,
        "waiting_for_user_input" => StatusKind::WaitingForInput,
        "completed" => StatusKind::Completed,
        "failed" => StatusKind::Failed,
        "cancelled" => StatusKind::Cancelled,
        "aborted_looping_risk" => StatusKind::AbortedLoopingRisk,
        _ => StatusKind::Unknown,
    }
}

/// Conversations, versioned, stopped, evaluated by Interactly itself, commented; one list for all workflows.
pub(super) const RUNS: RunTraits = RunTraits {
    conversational: true,
    versioned: true,
    stoppable: true,
    evaluates: true,
    takes_comments: true,
    has_configs: true,
    lists_per_workflow: false,
};

#[cfg(test)]
mod tests {
    use crate::model::{Status, StatusKind};

    #[test]
    fn spellings_are_interactlys() {
        let s = Status::parse(super::super::SYSTEM, "aborted_looping_risk");
        assert!(s.is_failure() && s.is_terminal());
        let w = Status::parse(super::super::SYSTEM, "waiting_for_user_input");
        assert!(w.is_waiting() && !w.is_terminal());
        let new = Status::parse(super::super::SYSTEM, "brand_new");
        assert_eq!(
            (new.text.as_str(), new.kind),
            ("brand_new", StatusKind::Unknown)
        );
        // Noxus's own spellings mean nothing here.
        assert_eq!(super::kind("queued"), StatusKind::Unknown);
    }
}

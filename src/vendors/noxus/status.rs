//! How Noxus spells its run statuses.

use crate::model::StatusKind;

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

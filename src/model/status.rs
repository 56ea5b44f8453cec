//! Run statuses: each system's own spelling and what it means (the spellings are mapped by
//! each vendor, in `crate::vendors::*::status`).

use serde::Serialize;

/// What a status means, across systems. The spelling stays in [`Status::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusKind {
    /// Interactly `not_started`.
    NotStarted,
    /// Noxus `queued`, Cortex `PENDING`.
    Queued,
    /// Interactly `started`.
    Started,
    /// `running` / `RUNNING`.
    Running,
    /// Interactly `paused`.
    Paused,
    /// Interactly `waiting_for_user_input`: a turn ended and the run waits for the user.
    WaitingForInput,
    /// Noxus `awaiting_human_feedback`.
    AwaitingHumanFeedback,
    /// `completed` / `COMPLETED`.
    Completed,
    /// `failed` / `FAILED`.
    Failed,
    /// Interactly `cancelled`, Cortex `CANCELLED`.
    Cancelled,
    /// Interactly `aborted_looping_risk`.
    AbortedLoopingRisk,
    /// Noxus `stopped`.
    Stopped,
    /// Cortex `SKIPPED`.
    Skipped,
    /// A value none of the systems documents; the text is kept.
    Unknown,
}

/// A run status: the system's own spelling plus its meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// Exactly as the system spelled it (empty when the document had none).
    pub text: String,
    /// What it means.
    pub kind: StatusKind,
}

impl Status {
    /// The run can not change any more.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self.kind,
            StatusKind::Completed
                | StatusKind::Failed
                | StatusKind::Cancelled
                | StatusKind::AbortedLoopingRisk
                | StatusKind::Stopped
                | StatusKind::Skipped
        )
    }

    /// The run ended badly: a replay ending here is a `fail` verdict (DESIGN.md, Verdicts).
    pub fn is_failure(&self) -> bool {
        matches!(
            self.kind,
            StatusKind::Failed | StatusKind::AbortedLoopingRisk
        )
    }

    /// The run waits for outside input (the user, or a human reviewer).
    pub fn is_waiting(&self) -> bool {
        matches!(
            self.kind,
            StatusKind::WaitingForInput | StatusKind::AwaitingHumanFeedback | StatusKind::Paused
        )
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

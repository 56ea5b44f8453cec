//! Why a gate cannot be evaluated: a threshold without the baseline it needs, or a limit that
//! means nothing.

/// Why a gate cannot be evaluated (usage errors: exit 2).
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// A threshold that compares against a baseline was given without one.
    #[error("`{threshold}` compares against a baseline: give --baseline DIR (or `baseline` in [gate] of reprise.toml)")]
    NeedsBaseline {
        /// The threshold.
        threshold: &'static str,
    },
    /// A limit that means nothing.
    #[error("`{threshold}` = {value}: {reason}")]
    BadLimit {
        /// The threshold.
        threshold: &'static str,
        /// The value given.
        value: String,
        /// Why it is refused.
        reason: &'static str,
    },
}

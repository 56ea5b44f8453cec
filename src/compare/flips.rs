//! Flips: paired cases whose verdict went pass → fail or fail → pass.

use serde::Serialize;

/// The direction of a paired case's verdict change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlipKind {
    /// pass → fail.
    NewFailure,
    /// fail → pass.
    Fixed,
}

impl FlipKind {
    /// The `verdict` cell of the flip row.
    pub fn as_str(self) -> &'static str {
        match self {
            FlipKind::NewFailure => "new_failure",
            FlipKind::Fixed => "fixed",
        }
    }
}

/// A paired case whose verdict flipped between pass and fail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flip {
    /// The case.
    pub run_id: String,
    /// Which way.
    pub kind: FlipKind,
}

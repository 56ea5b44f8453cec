//! The [`Scope`] of a comparison or a gate check: every case, or one workflow's.

use super::read::Case;

/// Which cases a comparison (or a gate check) looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every case.
    All,
    /// The cases of one workflow id.
    Workflow(String),
}

impl Scope {
    /// Whether `case` is in scope.
    pub fn contains(&self, case: &Case) -> bool {
        match self {
            Scope::All => true,
            Scope::Workflow(id) => &case.workflow_id == id,
        }
    }

    /// The workflow id, if any.
    pub fn workflow(&self) -> Option<&str> {
        match self {
            Scope::All => None,
            Scope::Workflow(id) => Some(id),
        }
    }
}

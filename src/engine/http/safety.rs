//! The side-effect guard: a live replay of a workflow that can text patients, book
//! appointments or call outside APIs is refused unless the user allows it.

use crate::model::Run;

/// A live replay refused because the case's workflow has side-effect nodes or tools.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{run_id}: live replay refused: the workflow can act on the outside world ({}); pass --allow-side-effects to replay it anyway",
    reasons.join(", ")
)]
pub struct SideEffectsRefused {
    /// The case.
    pub run_id: String,
    /// One line per node, tool or MCP server that can act (`ConfigSummary::side_effects`).
    pub reasons: Vec<String>,
}

/// Refuses a live replay of `run` when its hydrated config has side-effect nodes or tools,
/// unless `allow`. A run without a config snapshot (REST runs, Noxus, Cortex) cannot be judged
/// and is let through.
pub fn check_side_effects(run: &Run, allow: bool) -> Result<(), SideEffectsRefused> {
    if allow {
        return Ok(());
    }
    let reasons = run
        .config
        .as_ref()
        .map(|c| c.side_effects())
        .unwrap_or_default();
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(SideEffectsRefused {
            run_id: run.run_id.clone(),
            reasons,
        })
    }
}

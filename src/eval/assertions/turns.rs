//! `kind = "turn_count"`: the number of turns is within `[min, max]`.

use serde::Deserialize;

use super::Assertion;
use crate::model::Run;

/// `min = 2`, `max = 6` (either may be left out).
#[derive(Debug, Clone, Deserialize)]
pub struct TurnCount {
    /// At least.
    #[serde(default)]
    pub min: Option<u64>,
    /// At most.
    #[serde(default)]
    pub max: Option<u64>,
}

impl Assertion for TurnCount {
    fn check(&self, run: &Run) -> Result<(), String> {
        let n = run.turns.len() as u64;
        if self.min.is_some_and(|m| n < m) || self.max.is_some_and(|m| n > m) {
            Err(format!(
                "{n} turns, expected {}..={}",
                self.min.map(|m| m.to_string()).unwrap_or_default(),
                self.max.map(|m| m.to_string()).unwrap_or_default()
            ))
        } else {
            Ok(())
        }
    }
}

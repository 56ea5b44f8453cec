//! `kind = "max_tokens"`: the run's total tokens are at most a limit (inclusive).

use serde::Deserialize;

use super::Assertion;
use crate::model::Run;

/// `max = 5000`.
#[derive(Debug, Clone, Deserialize)]
pub struct MaxTokens {
    /// Inclusive limit on total tokens.
    pub max: u64,
}

impl Assertion for MaxTokens {
    fn check(&self, run: &Run) -> Result<(), String> {
        let n = run.usage.total_tokens;
        if n <= self.max {
            Ok(())
        } else {
            Err(format!("{n} tokens, limit {}", self.max))
        }
    }
}

//! `kind = "max_latency"`: engine-reported LLM latency at most a limit, per call and/or in
//! total (inclusive). Never wall time.

use serde::Deserialize;

use super::Assertion;
use crate::model::Run;

/// `call_max_ms = 3000`, `total_max_ms = 20000` (either may be left out).
#[derive(Debug, Clone, Deserialize)]
pub struct MaxLatency {
    /// No single LLM call slower than this.
    #[serde(default)]
    pub call_max_ms: Option<f64>,
    /// The sum of LLM call latencies at most this.
    #[serde(default)]
    pub total_max_ms: Option<f64>,
}

impl Assertion for MaxLatency {
    fn check(&self, run: &Run) -> Result<(), String> {
        if let Some(limit) = self.total_max_ms {
            if run.latency.total_ms > limit {
                return Err(format!(
                    "LLM latency {} ms in total, limit {limit} ms",
                    run.latency.total_ms
                ));
            }
        }
        if let Some(limit) = self.call_max_ms {
            let slowest = run
                .latency
                .by_model
                .iter()
                .flat_map(|m| m.call_ms.iter().copied())
                .fold(0.0_f64, f64::max);
            if slowest > limit {
                return Err(format!("an LLM call took {slowest} ms, limit {limit} ms"));
            }
        }
        Ok(())
    }
}

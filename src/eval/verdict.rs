//! Reading an evaluator's verdict: the `structured_output` of its `workflow_run_evaluator`
//! node (last turn first), `passed` when present, else `score ≥ threshold`. Per-turn results
//! (`input_output_pairs[].evaluation`, a free-form dict in the vendor's model) are read the
//! same way, with the text at `reason_pointer`.

use crate::model::Run;

/// Where the verdict sits and what score passes.
#[derive(Debug, Clone)]
pub struct VerdictRules {
    /// JSON pointer to a boolean.
    pub passed_pointer: String,
    /// JSON pointer to a number.
    pub score_pointer: String,
    /// A score at or above this passes.
    pub threshold: f64,
    /// JSON pointer to the evaluator's short text (a string) in a per-turn evaluation.
    pub reason_pointer: String,
}

impl Default for VerdictRules {
    fn default() -> Self {
        VerdictRules {
            passed_pointer: "/passed".into(),
            score_pointer: "/score".into(),
            threshold: 0.5,
            reason_pointer: "/reason".into(),
        }
    }
}

/// A judgement read from one output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judged {
    /// Pass or fail.
    pub passed: bool,
    /// The score, when given.
    pub score: Option<f64>,
}

impl VerdictRules {
    /// The judgement in one structured output, if it has the fields.
    pub fn read(&self, output: &serde_json::Value) -> Option<Judged> {
        let score = output.pointer(&self.score_pointer).and_then(|v| v.as_f64());
        let passed = output
            .pointer(&self.passed_pointer)
            .and_then(|v| v.as_bool())
            .or_else(|| score.map(|s| s >= self.threshold))?;
        Some(Judged { passed, score })
    }

    /// The evaluator run's verdict: the first evaluator output (last turn first) with the
    /// fields. `Err` when the run failed or no output has them.
    pub fn evaluator(&self, eval_run: &Run) -> Result<Judged, String> {
        if eval_run.status.is_failure() {
            return Err(format!(
                "evaluator run {} ended {}",
                eval_run.run_id, eval_run.status.text
            ));
        }
        eval_run
            .evaluator_outputs()
            .find_map(|o| self.read(o))
            .ok_or_else(|| {
                format!(
                    "evaluator run {} has no verdict (no `{}` or `{}` in its workflow_run_evaluator output)",
                    eval_run.run_id, self.passed_pointer, self.score_pointer
                )
            })
    }

    /// Per-turn results of `run`: (turn index, judgement, the evaluator's text at
    /// `reason_pointer`, unredacted) for turns with an evaluation that has the fields.
    pub fn turns<'r>(&self, run: &'r Run) -> Vec<(usize, Judged, Option<&'r str>)> {
        run.turns
            .iter()
            .enumerate()
            .filter_map(|(i, t)| {
                let e = t.evaluation.as_ref()?;
                let text = e.pointer(&self.reason_pointer).and_then(|v| v.as_str());
                self.read(e).map(|j| (i, j, text))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn passed_wins_over_score_and_score_uses_threshold() {
        let r = VerdictRules::default();
        assert_eq!(
            r.read(&json!({"passed": false, "score": 0.9})),
            Some(Judged {
                passed: false,
                score: Some(0.9)
            })
        );
        assert!(r.read(&json!({"score": 0.5})).unwrap().passed);
        assert!(!r.read(&json!({"score": 0.49})).unwrap().passed);
        assert_eq!(r.read(&json!({"reason": "x"})), None);
        let custom = VerdictRules {
            passed_pointer: "/result/ok".into(),
            score_pointer: "/result/s".into(),
            threshold: 0.8,
            reason_pointer: "/why".into(),
        };
        assert!(!custom.read(&json!({"result": {"s": 0.79}})).unwrap().passed);
        assert!(
            custom
                .read(&json!({"result": {"ok": true}}))
                .unwrap()
                .passed
        );
    }
}

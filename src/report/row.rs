//! One case's result: the row of `runs.csv`, the line of `journal.jsonl`, and everything the
//! other reports aggregate. Holds numbers and ids only — never raw runs, configs or messages.

use serde::{Deserialize, Serialize};

use crate::model::Run;
use crate::snapshot::{SnapshotState, SnapshotText};

/// A case's verdict (DESIGN.md, "Verdicts"): the one verdict type, from evaluation to the
/// reports, `compare` and `gate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// An evaluator or an assertion judged it and nothing failed.
    Pass,
    /// The run failed, the evaluator said fail, or an assertion failed.
    Fail,
    /// The harness could not finish the replay, or the evaluator's run failed or had no verdict.
    Error,
    /// Nothing judged it.
    None,
}

impl Verdict {
    /// The `verdict` column's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
            Verdict::None => "none",
        }
    }

    /// The verdict a `runs.csv` cell names.
    pub fn parse(s: &str) -> Option<Verdict> {
        Some(match s {
            "pass" => Verdict::Pass,
            "fail" => Verdict::Fail,
            "error" => Verdict::Error,
            "none" => Verdict::None,
            _ => return None,
        })
    }
}

/// Tokens and latency of one provider/model pair in one case.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelRow {
    /// `provider` ("" when the recording had none).
    pub provider: String,
    /// `response_model` ("" when the recording had none).
    pub model: String,
    /// Calls, tokens and latency (inline in the journal, as before they were shared).
    #[serde(flatten)]
    pub counts: ModelCounts,
    /// Each call's latency, when the events tell it (for percentiles).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub call_ms: Vec<f64>,
}

/// Calls, tokens and latency of one provider/model pair: in one case ([`ModelRow`]) or over
/// all cases ([`ModelStats`](super::ModelStats)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelCounts {
    /// LLM calls.
    pub calls: u64,
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
    /// All tokens.
    pub total_tokens: u64,
    /// Sum of the calls' latencies reported by the engine.
    pub latency_ms_total: f64,
    /// Calls with a latency.
    pub latency_calls: u64,
}

impl ModelCounts {
    /// Adds `other`'s counts.
    pub fn add(&mut self, other: &ModelCounts) {
        self.calls += other.calls;
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.total_tokens += other.total_tokens;
        self.latency_ms_total += other.latency_ms_total;
        self.latency_calls += other.latency_calls;
    }

    /// Mean call latency, 0 without calls.
    pub fn latency_ms_mean(&self) -> f64 {
        mean_ms(self.latency_ms_total, self.latency_calls)
    }
}

/// `total_ms` over `calls`, 0 without calls.
fn mean_ms(total_ms: f64, calls: u64) -> f64 {
    if calls == 0 {
        0.0
    } else {
        total_ms / calls as f64
    }
}

/// The evaluator's result for one turn of a case (Interactly's turn-by-turn evaluation:
/// `input_output_pairs[].evaluation`, read with the `[evaluation]` pointers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnResult {
    /// 1-based turn.
    pub turn: u64,
    /// Whether the turn passed.
    pub passed: bool,
    /// The turn's score, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The evaluator's short text for the turn (redacted, one line), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// How the repeats of a case (`--repeat N`) went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repeats {
    /// Repeats run.
    pub runs: u32,
    /// Repeats that passed.
    pub passed: u32,
    /// Repeats that failed.
    pub failed: u32,
}

impl Repeats {
    /// Some repeats passed and some failed.
    pub fn is_flaky(&self) -> bool {
        self.passed > 0 && self.failed > 0
    }
}

/// One case's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseRow {
    /// The case's run id.
    pub run_id: String,
    /// The id of the run that answered (the matched recording, or the live run).
    pub replay_run_id: String,
    /// interactly | noxus | cortex.
    pub system: String,
    /// The workflow id.
    pub workflow_id: String,
    /// The replayed run's version (Noxus has none).
    pub version: Option<i64>,
    /// The replayed run's status, spelled as its system spells it.
    pub status: String,
    /// Turns.
    pub turns: u64,
    /// LLM calls.
    pub llm_calls: u64,
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
    /// All tokens (never the evaluator's).
    pub total_tokens: u64,
    /// Cortex credits (`usage.total`).
    pub credits: f64,
    /// Sum of engine-reported LLM call latencies.
    pub latency_ms_total: f64,
    /// Calls with a latency.
    pub latency_calls: u64,
    /// The evaluator run, when one judged the case.
    pub eval_run_id: Option<String>,
    /// The evaluator run's tokens.
    pub eval_tokens: u64,
    /// The verdict.
    pub verdict: Verdict,
    /// The evaluator's score, when it gave one.
    pub score: Option<f64>,
    /// How many assertions failed.
    pub assertions_failed: u64,
    /// The evaluator's per-turn results (turns with an evaluation only), for `report.html`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub turn_results: Vec<TurnResult>,
    /// match | changed | new | none.
    pub snapshot: SnapshotState,
    /// Why the harness could not finish (verdict `error`), redacted.
    pub error: Option<String>,
    /// Why the case failed or errored, one line each (redacted; for JUnit and summary.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// Per provider/model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<ModelRow>,
    /// With `--repeat N`: how the repeats went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeats: Option<Repeats>,
    /// The case's redacted snapshot transcript (and its diff when it changed), for
    /// `report.html`; filled by the snapshot stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_text: Option<SnapshotText>,
    /// The replayed run's node path per turn (node names), for `paths.jsonl`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<Vec<String>>,
}

impl CaseRow {
    /// A row for `case` with no replay yet: ids from the case, zeros elsewhere.
    pub fn for_case(case: &Run) -> CaseRow {
        let mut row = CaseRow::new(
            &case.run_id,
            case.system.as_str(),
            case.workflow_id.as_deref().unwrap_or_default(),
        );
        row.version = case.version;
        row
    }

    /// A row with these ids and nothing measured yet (verdict `none`, zeros elsewhere).
    pub fn new(run_id: &str, system: &str, workflow_id: &str) -> CaseRow {
        CaseRow {
            run_id: run_id.to_owned(),
            replay_run_id: String::new(),
            system: system.to_owned(),
            workflow_id: workflow_id.to_owned(),
            version: None,
            status: String::new(),
            turns: 0,
            llm_calls: 0,
            input_tokens: 0,
            output_tokens: 0,
            total_tokens: 0,
            credits: 0.0,
            latency_ms_total: 0.0,
            latency_calls: 0,
            eval_run_id: None,
            eval_tokens: 0,
            verdict: Verdict::None,
            score: None,
            assertions_failed: 0,
            turn_results: Vec::new(),
            snapshot: SnapshotState::None,
            error: None,
            reasons: Vec::new(),
            models: Vec::new(),
            repeats: None,
            snapshot_text: None,
            paths: Vec::new(),
        }
    }

    /// Fills the usage columns from the run that answered.
    pub fn set_usage(&mut self, replayed: &Run) {
        self.replay_run_id = replayed.run_id.clone();
        if let Some(w) = &replayed.workflow_id {
            self.workflow_id = w.clone();
        }
        if replayed.version.is_some() {
            self.version = replayed.version;
        }
        self.status = replayed.status.text.clone();
        self.turns = replayed.turns.len() as u64;
        let u = &replayed.usage;
        self.llm_calls = u.calls;
        self.input_tokens = u.input_tokens;
        self.output_tokens = u.output_tokens;
        self.total_tokens = u.total_tokens;
        self.credits = replayed.credits.unwrap_or(0.0);
        self.latency_ms_total = replayed.latency.total_ms;
        self.latency_calls = replayed.latency.calls;
        let key = |p: &Option<String>, m: &Option<String>| {
            (p.clone().unwrap_or_default(), m.clone().unwrap_or_default())
        };
        let mut models: Vec<ModelRow> = u
            .by_model
            .iter()
            .map(|m| {
                let (provider, model) = key(&m.provider, &m.model);
                ModelRow {
                    provider,
                    model,
                    counts: ModelCounts {
                        calls: m.calls,
                        input_tokens: m.input_tokens,
                        output_tokens: m.output_tokens,
                        total_tokens: m.total_tokens,
                        ..ModelCounts::default()
                    },
                    ..ModelRow::default()
                }
            })
            .collect();
        for l in &replayed.latency.by_model {
            let (provider, model) = key(&l.provider, &l.model);
            let slot = match models
                .iter()
                .position(|m| m.provider == provider && m.model == model)
            {
                Some(i) => i,
                None => {
                    models.push(ModelRow {
                        provider,
                        model,
                        ..ModelRow::default()
                    });
                    models.len() - 1
                }
            };
            let m = &mut models[slot];
            m.counts.latency_ms_total = l.total_ms;
            m.counts.latency_calls = l.calls;
            m.call_ms.clone_from(&l.call_ms);
        }
        models.sort_by(|a, b| (&a.provider, &a.model).cmp(&(&b.provider, &b.model)));
        self.models = models;
        self.paths = super::node_path::of(replayed.config.as_ref(), &replayed.turns);
    }

    /// Mean engine-reported LLM call latency, 0 without calls.
    pub fn latency_ms_mean(&self) -> f64 {
        mean_ms(self.latency_ms_total, self.latency_calls)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_row_keeps_its_counts_inline_in_the_journal() {
        let json = r#"{"provider":"openai","model":"gpt-4o","calls":2,"input_tokens":10,"output_tokens":5,"total_tokens":15,"latency_ms_total":300.0,"latency_calls":2,"call_ms":[100.0,200.0]}"#;
        let row: ModelRow = serde_json::from_str(json).unwrap();
        assert_eq!(row.counts.total_tokens, 15);
        assert_eq!(row.counts.latency_ms_mean(), 150.0);
        assert_eq!(serde_json::to_string(&row).unwrap(), json);
        let mut sum = ModelCounts::default();
        sum.add(&row.counts);
        sum.add(&row.counts);
        assert_eq!((sum.calls, sum.latency_ms_mean()), (4, 150.0));
    }
}

//! Judging one replayed run: the evaluator's verdict, per-turn results and local assertions,
//! folded into one [`Outcome`]; the `--comment` text.

use super::settings::Settings;
use super::spec::AssertionSpec;
use crate::engine::{Engine, EngineError};
use crate::model::Run;
use crate::redact::Redactor;
use crate::report::{TurnResult, Verdict};

/// Comments are at most this many characters (Interactly).
pub const COMMENT_MAX_CHARS: usize = 5000;
/// What evaluation found.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The verdict.
    pub verdict: Verdict,
    /// The evaluator's score.
    pub score: Option<f64>,
    /// The evaluator run.
    pub eval_run_id: Option<String>,
    /// The evaluator run's tokens.
    pub eval_tokens: u64,
    /// Assertions that failed.
    pub assertions_failed: u64,
    /// The evaluator's per-turn results (texts redacted).
    pub turn_results: Vec<TurnResult>,
    /// Why it failed (redacted, one line each).
    pub failures: Vec<String>,
    /// Why it errored (redacted).
    pub errors: Vec<String>,
    /// What else the report should say (e.g. that no evaluation arrived).
    pub notes: Vec<String>,
    /// A comment could not be posted (never changes the verdict).
    pub comment_error: Option<String>,
}
/// The local assertions only (no engine): (judged, failures).
pub fn check_assertions(
    specs: &[AssertionSpec],
    run: &Run,
    redactor: &Redactor,
) -> (bool, Vec<String>) {
    let wf = run.workflow_id.as_deref();
    let mut judged = false;
    let mut failures = Vec::new();
    for spec in specs
        .iter()
        .filter(|s| s.applies_to(run.workflow_id.as_deref()))
    {
        judged = true;
        if let Err(why) = spec.check.assertion().check(run) {
            failures.push(redactor.line(wf, &format!("assertion {}: {why}", spec.label())));
        }
    }
    (judged, failures)
}

/// Judges `replayed` (the run that answered for `case`).
pub async fn judge(
    engine: &dyn Engine,
    case: &Run,
    replayed: &Run,
    settings: &Settings,
) -> Outcome {
    let mut out = Outcome {
        verdict: Verdict::None,
        score: None,
        eval_run_id: None,
        eval_tokens: 0,
        assertions_failed: 0,
        turn_results: Vec::new(),
        failures: Vec::new(),
        errors: Vec::new(),
        notes: Vec::new(),
        comment_error: None,
    };
    let mut judged = false;
    let line = |text: &str| settings.redactor.line(case.workflow_id.as_deref(), text);
    if replayed.status.is_failure() {
        out.failures
            .push(format!("run ended {}", replayed.status.text));
    }

    // The evaluator: --evaluator, else the replayed run's evaluation_config, else the case's.
    let evaluator = settings.evaluator.clone().or_else(|| {
        [replayed, case].iter().find_map(|r| {
            let e = r.config.as_ref()?.evaluation.as_ref()?;
            Some((
                e.evaluator_workflow_id.clone()?,
                e.evaluator_workflow_version,
            ))
        })
    });
    let asked = evaluator.as_ref().map(|(id, v)| (id.as_str(), *v));
    match engine
        .evaluation(replayed.system, &replayed.run_id, asked)
        .await
    {
        // Nothing judged it: `none`, said in the report so that it is never silent.
        Ok(None) => {
            if let Some((id, _)) = &evaluator {
                out.notes.push(format!(
                    "no evaluation by evaluator {id} arrived for run {}",
                    replayed.run_id
                ));
            }
        }
        Ok(Some(eval_run)) => {
            out.eval_run_id = Some(eval_run.run_id.clone());
            out.eval_tokens = eval_run.usage.total_tokens;
            match settings.rules.evaluator(&eval_run) {
                Ok(j) => {
                    judged = true;
                    out.score = j.score;
                    if !j.passed {
                        out.failures.push(match j.score {
                            Some(s) => format!("evaluator said fail (score {s})"),
                            None => "evaluator said fail".to_owned(),
                        });
                    }
                }
                Err(e) => out.errors.push(line(&e)),
            }
        }
        Err(EngineError::Unsupported(_)) => {}
        Err(e) => out.errors.push(line(&format!("evaluation: {e}"))),
    }

    for (i, j, text) in settings.rules.turns(replayed) {
        judged = true;
        if !j.passed {
            out.failures
                .push(format!("turn {} evaluation failed", i + 1));
        }
        out.turn_results.push(TurnResult {
            turn: i as u64 + 1,
            passed: j.passed,
            score: j.score,
            text: text.map(line),
        });
    }

    let (asserted, failures) = check_assertions(&settings.assertions, replayed, &settings.redactor);
    judged |= asserted;
    out.assertions_failed = failures.len() as u64;
    out.failures.extend(failures);

    out.verdict = if !out.failures.is_empty() {
        Verdict::Fail
    } else if !out.errors.is_empty() {
        Verdict::Error
    } else if judged {
        Verdict::Pass
    } else {
        Verdict::None
    };

    if settings.comment && matches!(out.verdict, Verdict::Pass | Verdict::Fail) {
        let text = comment_text(&out);
        match engine
            .comment(replayed.system, &replayed.run_id, &text)
            .await
        {
            Ok(()) | Err(EngineError::Unsupported(_)) => {}
            Err(e) => out.comment_error = Some(line(&e.to_string())),
        }
    }
    out
}

/// The comment posted with `--comment`: the verdict and its reasons, ≤ 5,000 characters.
pub fn comment_text(out: &Outcome) -> String {
    let mut text = format!("reprise: {}", out.verdict.as_str());
    if let Some(s) = out.score {
        text.push_str(&format!(" (score {s})"));
    }
    for f in &out.failures {
        text.push_str("\n- ");
        text.push_str(f);
    }
    if text.chars().count() > COMMENT_MAX_CHARS {
        text = text.chars().take(COMMENT_MAX_CHARS - 1).collect::<String>() + "…";
    }
    text
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_capped() {
        let out = Outcome {
            verdict: Verdict::Fail,
            score: None,
            eval_run_id: None,
            eval_tokens: 0,
            assertions_failed: 0,
            turn_results: Vec::new(),
            failures: vec!["x".repeat(10_000)],
            errors: vec![],
            notes: Vec::new(),
            comment_error: None,
        };
        assert_eq!(comment_text(&out).chars().count(), COMMENT_MAX_CHARS);
    }
}

#[cfg(test)]
mod judge_tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::*;
    use crate::corpus::{Corpus, LoadOptions};
    use crate::engine::testing::SelfEngine;
    use crate::model::Status;

    fn load(file: &str) -> Corpus {
        Corpus::load(&[PathBuf::from(file)], &LoadOptions::default())
    }

    async fn verdict(case: &Run, answer: Result<Option<Arc<Run>>, EngineError>) -> Outcome {
        let engine = SelfEngine {
            evaluation_answer: Some(answer),
            ..SelfEngine::new(Corpus::default())
        };
        judge(&engine, case, case, &Settings::default()).await
    }

    #[tokio::test]
    async fn per_turn_results_are_typed_and_their_texts_redacted() {
        let case = load("fixtures/interactly/07-intake-turn-by-turn.json")
            .cases()
            .next()
            .cloned()
            .unwrap();
        let mut run = (*case).clone();
        run.turns[1].evaluation = Some(serde_json::json!({
            "passed": false, "score": 0.25, "reason": "no slot offered; call jane.doe@example.com"
        }));
        let out = verdict(&run, Ok(None)).await;
        let got: Vec<(u64, bool, Option<f64>)> = out
            .turn_results
            .iter()
            .map(|t| (t.turn, t.passed, t.score))
            .collect();
        assert_eq!(
            got,
            [
                (1, true, Some(1.0)),
                (2, false, Some(0.25)),
                (3, true, Some(1.0))
            ]
        );
        assert_eq!(
            out.turn_results[0].text.as_deref(),
            Some("Greeting used the patient's name and clinic.")
        );
        let failed = out.turn_results[1].text.as_deref().unwrap();
        assert!(failed.starts_with("no slot offered; call "), "{failed}");
        assert!(!failed.contains("jane.doe@example.com"), "{failed}");
        // The reasons stay as they were.
        assert_eq!(out.failures, ["turn 2 evaluation failed"]);
        assert_eq!(out.verdict, Verdict::Fail);
    }

    #[tokio::test]
    async fn evaluator_outcomes_map_to_verdicts() {
        let case = load("fixtures/interactly/01-intake-completed-pass.json")
            .cases()
            .next()
            .cloned()
            .unwrap();
        let eval_run = load("fixtures/interactly/evaluations/01-eval-pass.json")
            .evaluations()
            .next()
            .cloned()
            .unwrap();

        let ok = verdict(&case, Ok(Some(eval_run.clone()))).await;
        assert_eq!((ok.verdict, ok.score), (Verdict::Pass, Some(0.92)));
        assert_eq!(ok.eval_tokens, 2551);

        // No evaluation run for the replayed run: nothing judged it.
        let none = verdict(&case, Ok(None)).await;
        assert_eq!(none.verdict, Verdict::None);

        // The evaluator's run failed: error.
        let mut failed = (*eval_run).clone();
        failed.status = Status::parse(crate::vendors::interactly::SYSTEM, "failed");
        let out = verdict(&case, Ok(Some(Arc::new(failed)))).await;
        assert_eq!(out.verdict, Verdict::Error);
        assert!(out.errors[0].contains("ended failed"), "{:?}", out.errors);

        // The evaluator's run lacks the verdict fields: error.
        let mut mute = (*eval_run).clone();
        for t in &mut mute.turns {
            for o in &mut t.node_outputs {
                o.structured_output = Some(serde_json::json!({"reason": "n/a"}));
            }
        }
        let out = verdict(&case, Ok(Some(Arc::new(mute)))).await;
        assert_eq!(out.verdict, Verdict::Error);
        assert!(out.errors[0].contains("has no verdict"), "{:?}", out.errors);

        // The engine could not answer: error; a failed run stays a failure whatever else.
        let out = verdict(&case, Err(EngineError::Timeout(5))).await;
        assert_eq!(out.verdict, Verdict::Error);
        let mut bad_case = (*case).clone();
        bad_case.status = Status::parse(crate::vendors::interactly::SYSTEM, "failed");
        let out = verdict(&bad_case, Err(EngineError::Timeout(5))).await;
        assert_eq!(out.verdict, Verdict::Fail);
        assert_eq!(out.failures, vec!["run ended failed".to_owned()]);
    }
}

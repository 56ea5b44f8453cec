//! Evaluating a plan on a candidate report (and its baseline): one check per given threshold
//! and scope, the rules of which the module doc of [`crate::gate`] states.

use serde::Serialize;

use super::error::GateError;
use super::plan::Plan;
use super::thresholds::Thresholds;
use crate::compare::{pct_change, Comparison, Metrics, ReportDir, Scope};

/// Tolerance for inclusive float limits.
const EPS: f64 = 1e-9;

/// The result of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckResult {
    /// Within the limit.
    Ok,
    /// Over the limit: the gate fails.
    Failed,
    /// Could not be measured (no cases in scope, no baseline value); does not fail the gate.
    Skipped,
}

impl CheckResult {
    /// `ok`, `FAILED` or `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckResult::Ok => "ok",
            CheckResult::Failed => "FAILED",
            CheckResult::Skipped => "skipped",
        }
    }
}

/// One threshold checked over one scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// The threshold's name (as in `reprise.toml`).
    pub threshold: &'static str,
    /// The workflow it was checked for; `None` for the whole report.
    pub workflow: Option<String>,
    /// The measured value; `None` when undefined. May be infinite (growth from 0).
    #[serde(serialize_with = "finite_or_null")]
    pub actual: Option<f64>,
    /// The limit.
    pub limit: f64,
    /// The outcome.
    pub result: CheckResult,
    /// Why, when not obvious.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

fn finite_or_null<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) if x.is_finite() => s.serialize_some(x),
        _ => s.serialize_none(),
    }
}

/// All checks of a gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// True when no check failed.
    pub passed: bool,
    /// The checks, global ones first, in a fixed order.
    pub checks: Vec<Check>,
}

/// Evaluates `plan` on `candidate`, against `baseline` when given.
///
/// Errors when a baseline threshold is given without a baseline, or a limit is meaningless.
pub fn evaluate(
    candidate: &ReportDir,
    baseline: Option<&ReportDir>,
    plan: &Plan,
) -> Result<Outcome, GateError> {
    plan.validate()?;
    if baseline.is_none() {
        if let Some(threshold) = plan.needing_baseline().into_iter().next() {
            return Err(GateError::NeedsBaseline { threshold });
        }
    }
    let mut checks = check_scope(candidate, baseline, &plan.global, &Scope::All);
    for w in &plan.per_workflow {
        for id in &w.workflows {
            checks.extend(check_scope(
                candidate,
                baseline,
                &w.thresholds,
                &Scope::Workflow(id.clone()),
            ));
        }
    }
    Ok(Outcome {
        passed: checks.iter().all(|c| c.result != CheckResult::Failed),
        checks,
    })
}

fn within(actual: f64, limit: f64, at_most: bool) -> bool {
    if at_most {
        actual <= limit + EPS
    } else {
        actual >= limit - EPS
    }
}

fn check_scope(
    candidate: &ReportDir,
    baseline: Option<&ReportDir>,
    t: &Thresholds,
    scope: &Scope,
) -> Vec<Check> {
    let mut out = Vec::new();
    let workflow = scope.workflow().map(str::to_string);
    let mut push = |threshold, actual: Option<f64>, limit: f64, result, note: String| {
        out.push(Check {
            threshold,
            workflow: workflow.clone(),
            actual,
            limit,
            result,
            note,
        })
    };
    let cand = Metrics::of(candidate.cases.iter().filter(|c| scope.contains(c)));
    if cand.runs == 0 && *scope != Scope::All {
        for (name, limit) in limits(t) {
            push(
                name,
                None,
                limit,
                CheckResult::Skipped,
                "no case of this workflow in the report".into(),
            );
        }
        return out;
    }
    let cmp = baseline.map(|b| Comparison::new(b, candidate, scope));
    let significant = match (&cmp, t.max_mcnemar_p) {
        (Some(c), Some(alpha)) => Some((c.mcnemar_p(), c.mcnemar_p() <= alpha * (1.0 + EPS))),
        _ => None,
    };
    // Exceeded limits of the pass-rate checks count only when significant (if α is given).
    let judge = |ok: bool| -> (CheckResult, String) {
        match (ok, significant) {
            (true, _) => (CheckResult::Ok, String::new()),
            (false, None) | (false, Some((_, true))) => (CheckResult::Failed, String::new()),
            (false, Some((p, false))) => (
                CheckResult::Ok,
                format!("over the limit but not significant (mcnemar p = {p})"),
            ),
        }
    };

    if let Some(limit) = t.min_pass_rate {
        match cand.pass_rate() {
            Some(rate) => {
                let ok = within(rate, limit, false);
                push(
                    "min_pass_rate",
                    Some(rate),
                    limit,
                    ok_or_failed(ok),
                    format!("{} of {} judged", cand.passed, cand.passed + cand.failed),
                )
            }
            None => push(
                "min_pass_rate",
                None,
                limit,
                CheckResult::Failed,
                "no case judged pass or fail".into(),
            ),
        }
    }
    if let Some(cmp) = &cmp {
        if let Some(limit) = t.max_pass_rate_drop {
            match (cmp.baseline.pass_rate(), cmp.candidate.pass_rate()) {
                (None, _) => push(
                    "max_pass_rate_drop",
                    None,
                    limit,
                    CheckResult::Skipped,
                    "no paired case judged pass or fail in the baseline".into(),
                ),
                (Some(_), None) => push(
                    "max_pass_rate_drop",
                    None,
                    limit,
                    CheckResult::Failed,
                    "no paired case judged pass or fail in the candidate".into(),
                ),
                (Some(b), Some(c)) => {
                    let drop = b - c;
                    let (result, note) = judge(within(drop, limit, true));
                    push("max_pass_rate_drop", Some(drop), limit, result, note)
                }
            }
        }
        if let Some(limit) = t.max_new_failures {
            let n = cmp.new_failures();
            let (result, note) = judge(n <= limit);
            // Name the cases that went pass -> fail: the first thing anyone asks in CI.
            let ids: Vec<&str> = cmp
                .flips
                .iter()
                .filter(|f| f.kind == crate::compare::FlipKind::NewFailure)
                .map(|f| f.run_id.as_str())
                .collect();
            let mut listed = ids.iter().take(5).copied().collect::<Vec<_>>().join(", ");
            if ids.len() > 5 {
                listed.push_str(&format!(" and {} more", ids.len() - 5));
            }
            let note = match (note.is_empty(), listed.is_empty()) {
                (_, true) => note,
                (true, false) => listed,
                (false, false) => format!("{listed}; {note}"),
            };
            push(
                "max_new_failures",
                Some(n as f64),
                limit as f64,
                result,
                note,
            )
        }
        if let (Some(limit), Some((p, sig))) = (t.max_mcnemar_p, significant) {
            let (b, c) = (cmp.new_failures(), cmp.fixed());
            let failed = sig && b > c;
            push(
                "max_mcnemar_p",
                Some(p),
                limit,
                ok_or_failed(!failed),
                format!("{b} new failure(s), {c} fixed"),
            )
        }
    }
    // Case counts at most a limit.
    for (name, limit, count, note) in [
        ("max_errors", t.max_errors, cand.errored, ""),
        (
            "max_unevaluated",
            t.max_unevaluated,
            cand.unevaluated,
            "cases nothing judged (verdict none)",
        ),
    ] {
        if let Some(limit) = limit {
            push(
                name,
                Some(count as f64),
                limit as f64,
                ok_or_failed(count <= limit),
                note.to_owned(),
            )
        }
    }
    if let Some(cmp) = &cmp {
        for (name, limit, b, c) in [
            (
                "max_token_increase_pct",
                t.max_token_increase_pct,
                cmp.baseline.mean_tokens(),
                cmp.candidate.mean_tokens(),
            ),
            (
                "max_latency_p95_increase_pct",
                t.max_latency_p95_increase_pct,
                cmp.baseline.latency_ms_p95,
                cmp.candidate.latency_ms_p95,
            ),
        ] {
            let Some(limit) = limit else { continue };
            let pct = match (b, c) {
                (Some(0.0), Some(0.0)) => Some(0.0),
                (Some(0.0), Some(_)) => Some(f64::INFINITY),
                _ => pct_change(b, c),
            };
            match pct {
                Some(pct) => push(
                    name,
                    Some(pct),
                    limit,
                    ok_or_failed(within(pct, limit, true)),
                    match (b, c) {
                        (Some(b), Some(c)) => {
                            format!("{} -> {}", crate::report::num(b), crate::report::num(c))
                        }
                        _ => String::new(),
                    },
                ),
                None => push(
                    name,
                    None,
                    limit,
                    CheckResult::Skipped,
                    "no paired case with a value on both sides".into(),
                ),
            }
        }
    }
    if t.require_snapshots_match == Some(true) {
        push(
            "require_snapshots_match",
            Some(cand.snapshots_changed as f64),
            0.0,
            ok_or_failed(cand.snapshots_changed == 0),
            "cases with snapshot `changed`".into(),
        )
    }
    out
}

fn ok_or_failed(ok: bool) -> CheckResult {
    if ok {
        CheckResult::Ok
    } else {
        CheckResult::Failed
    }
}

/// The given thresholds with their limits, in output order.
fn limits(t: &Thresholds) -> Vec<(&'static str, f64)> {
    let mut v = Vec::new();
    let mut add = |name, limit: Option<f64>| {
        if let Some(l) = limit {
            v.push((name, l));
        }
    };
    add("min_pass_rate", t.min_pass_rate);
    add("max_pass_rate_drop", t.max_pass_rate_drop);
    add("max_new_failures", t.max_new_failures.map(|n| n as f64));
    add("max_mcnemar_p", t.max_mcnemar_p);
    add("max_errors", t.max_errors.map(|n| n as f64));
    add("max_unevaluated", t.max_unevaluated.map(|n| n as f64));
    add("max_token_increase_pct", t.max_token_increase_pct);
    add(
        "max_latency_p95_increase_pct",
        t.max_latency_p95_increase_pct,
    );
    add(
        "require_snapshots_match",
        (t.require_snapshots_match == Some(true)).then_some(0.0),
    );
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{Case, SnapshotState, Summary, Verdict};
    use crate::gate::thresholds::WorkflowThresholds;

    fn case(id: &str, wf: &str, verdict: Verdict) -> Case {
        Case {
            run_id: id.into(),
            workflow_id: wf.into(),
            verdict,
            total_tokens: 100.0,
            credits: 0.0,
            latency_ms_mean: Some(100.0),
            snapshot: SnapshotState::Match,
        }
    }

    fn report(verdicts: &[(&str, &str, Verdict)]) -> ReportDir {
        ReportDir::from_cases(
            "r",
            verdicts.iter().map(|(i, w, v)| case(i, w, *v)).collect(),
            Summary::default(),
        )
    }

    fn plan(t: Thresholds) -> Plan {
        Plan {
            global: t,
            per_workflow: vec![],
        }
    }

    #[test]
    fn no_threshold_passes() {
        let cand = report(&[("a", "w", Verdict::Fail)]);
        let out = evaluate(&cand, None, &Plan::default()).unwrap();
        assert!(out.passed);
        assert!(out.checks.is_empty());
    }

    #[test]
    fn baseline_thresholds_need_a_baseline() {
        let cand = report(&[("a", "w", Verdict::Pass)]);
        let t = Thresholds {
            max_new_failures: Some(0),
            ..Default::default()
        };
        let err = evaluate(&cand, None, &plan(t)).unwrap_err();
        assert!(matches!(
            err,
            GateError::NeedsBaseline {
                threshold: "max_new_failures"
            }
        ));
    }

    #[test]
    fn mcnemar_moderates_new_failures() {
        use Verdict::{Fail, Pass};
        // 5 pass -> fail, 0 fixed: p = 0.0625.
        let ids = ["a", "b", "c", "d", "e"];
        let base = report(&ids.map(|i| (i, "w", Pass)));
        let cand = report(&ids.map(|i| (i, "w", Fail)));
        let strict = Thresholds {
            max_new_failures: Some(0),
            ..Default::default()
        };
        let out = evaluate(&cand, Some(&base), &plan(strict.clone())).unwrap();
        assert!(!out.passed);
        // Not significant at 0.05: the exceeded limit is excused, McNemar's own check is ok.
        let lenient = Thresholds {
            max_mcnemar_p: Some(0.05),
            ..strict.clone()
        };
        let out = evaluate(&cand, Some(&base), &plan(lenient)).unwrap();
        assert!(out.passed, "{out:?}");
        assert!(out.checks[0].note.contains("not significant"));
        // Significant at 0.0625 (inclusive): both fail.
        let at = Thresholds {
            max_mcnemar_p: Some(0.0625),
            ..strict
        };
        let out = evaluate(&cand, Some(&base), &plan(at)).unwrap();
        assert!(!out.passed);
        assert!(out.checks.iter().all(|c| c.result == CheckResult::Failed));
    }

    #[test]
    fn per_workflow_thresholds_only_touch_named_workflows() {
        use Verdict::{Fail, Pass};
        let cand = report(&[("a", "good", Pass), ("b", "bad", Fail)]);
        let p = Plan {
            global: Thresholds::default(),
            per_workflow: vec![WorkflowThresholds {
                workflows: vec!["good".into(), "absent".into()],
                thresholds: Thresholds {
                    min_pass_rate: Some(1.0),
                    ..Default::default()
                },
            }],
        };
        let out = evaluate(&cand, None, &p).unwrap();
        assert!(out.passed);
        assert_eq!(out.checks.len(), 2);
        assert_eq!(out.checks[0].workflow.as_deref(), Some("good"));
        assert_eq!(out.checks[0].result, CheckResult::Ok);
        assert_eq!(out.checks[1].result, CheckResult::Skipped);
    }

    #[test]
    fn drop_at_limit_is_inclusive_despite_float_noise() {
        // Cases a..e of one workflow; P pass, F fail: 80 % → 60 %, a drop of 0.2.
        let suite = |verdicts: &str| {
            let ids = ["a", "b", "c", "d", "e"];
            let rows: Vec<_> = ids
                .iter()
                .zip(verdicts.chars())
                .map(|(id, v)| {
                    (
                        *id,
                        "w",
                        if v == 'P' {
                            Verdict::Pass
                        } else {
                            Verdict::Fail
                        },
                    )
                })
                .collect();
            report(&rows)
        };
        let (base, cand) = (suite("PPPPF"), suite("PPPFF"));
        for (limit, passed) in [(0.2, true), (0.2 - 1e-6, false)] {
            let t = Thresholds {
                max_pass_rate_drop: Some(limit),
                ..Default::default()
            };
            let out = evaluate(&cand, Some(&base), &plan(t)).unwrap();
            assert_eq!(out.passed, passed, "{limit}: {out:?}");
        }
    }
}

//! `reprise gate DIR`: the thresholds (flags over `[gate]` of `reprise.toml`) on a report
//! folder, optionally against a baseline; and the `[gate]` alone after `reprise run`.

use std::path::{Path, PathBuf};

use crate::compare::ReportDir;
use crate::config::Config;
use crate::error::{InputError, UsageError};
use crate::gate::{self, render, Plan, Thresholds};
use crate::report::pr_comment;
use crate::{Error, ExitStatus};

/// What `reprise gate` was asked.
#[derive(Debug, Clone, Default)]
pub struct GateOptions {
    /// The candidate report folder.
    pub dir: PathBuf,
    /// `--baseline` (else the `baseline` of `[gate]`).
    pub baseline: Option<PathBuf>,
    /// The thresholds given as flags; they override the same keys of `[gate]`.
    pub thresholds: Thresholds,
    /// Print the result as JSON.
    pub json: bool,
}

/// Reads the candidate and the baseline folder and judges them by `plan`.
fn judge(dir: &Path, baseline: Option<&Path>, plan: &Plan) -> Result<gate::Outcome, Error> {
    let candidate = ReportDir::read(dir).map_err(InputError::from)?;
    let baseline = match baseline {
        Some(d) => Some(ReportDir::read(d).map_err(InputError::from)?),
        None => None,
    };
    Ok(gate::evaluate(&candidate, baseline.as_ref(), plan).map_err(UsageError::from)?)
}

/// Writes the verdict into `dir`'s PR comment, so the sticky comment says whether the gate
/// blocked the change.
fn add_to_comment(dir: &Path, outcome: &gate::Outcome) -> Result<(), Error> {
    let comment = dir.join(pr_comment::FILE);
    pr_comment::add_gate(dir, outcome.passed, &failed_checks(outcome))
        .map_err(|e| Error::io(&comment, e))
}

fn status(outcome: &gate::Outcome) -> ExitStatus {
    if outcome.passed {
        ExitStatus::Success
    } else {
        ExitStatus::Regression
    }
}

/// Runs `reprise gate`: prints one line per check (or JSON); 0 passed, 1 a threshold failed,
/// 2 bad input or usage.
pub fn run(o: &GateOptions, config: &Config) -> Result<ExitStatus, Error> {
    let plan = config.gate.plan(&o.thresholds);
    let baseline = o.baseline.clone().or(config.gate.baseline.clone());
    let outcome = judge(&o.dir, baseline.as_deref(), &plan)?;
    if o.json {
        print!("{}", render::json(&outcome));
    } else {
        print!("{}", render::text(&outcome));
    }
    // The folder's PR comment (from `run` or `compare`) gets the verdict.
    if !plan.is_empty() && o.dir.join(pr_comment::FILE).is_file() {
        add_to_comment(&o.dir, &outcome)?;
    }
    Ok(status(&outcome))
}

/// The failed checks of `outcome`, one line each, for the PR comment.
fn failed_checks(outcome: &gate::Outcome) -> Vec<String> {
    outcome
        .checks
        .iter()
        .filter(|c| c.result == gate::CheckResult::Failed)
        .map(|c| {
            format!(
                "{}{}: {} (limit {})",
                c.threshold,
                c.workflow
                    .as_deref()
                    .map(|w| format!(" for {w}"))
                    .unwrap_or_default(),
                c.actual
                    .map(crate::report::num)
                    .unwrap_or_else(|| "–".into()),
                crate::report::num(c.limit)
            )
        })
        .collect()
}

/// For `reprise run`: applies the `[gate]` thresholds of `config` (if any) to the report just
/// written in `dir`, printing one line per check. Returns `Success` when none are given.
/// Baseline thresholds without a configured baseline are a usage error, as in `gate`.
pub fn after_run(dir: &Path, config: &Config) -> Result<ExitStatus, Error> {
    let plan = config.gate.plan(&Thresholds::default());
    if plan.is_empty() {
        return Ok(ExitStatus::Success);
    }
    let outcome = judge(dir, config.gate.baseline.as_deref(), &plan)?;
    print!("{}", render::text(&outcome));
    add_to_comment(dir, &outcome)?;
    Ok(status(&outcome))
}

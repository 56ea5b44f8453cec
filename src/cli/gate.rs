//! `reprise gate DIR [--baseline DIR] [thresholds]`: one line per threshold, exit 1 on failure.

use std::path::{Path, PathBuf};

use crate::compare::ReportDir;
use crate::config::Config;
use crate::error::{InputError, UsageError};
use crate::gate::{self, render, Thresholds};
use crate::{Error, ExitStatus};

/// Arguments of `gate`. Flags override the same keys of `[gate]` in `reprise.toml`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The candidate report folder.
    pub dir: PathBuf,
    /// The baseline report folder (needed by the drop, new-failure, increase and McNemar limits).
    #[arg(long, value_name = "DIR")]
    pub baseline: Option<PathBuf>,
    /// Minimum pass rate, a fraction in [0, 1] (passed / (passed + failed)).
    #[arg(long, value_name = "RATE")]
    pub min_pass_rate: Option<f64>,
    /// Maximum pass-rate drop against the baseline, a fraction (0.05 = 5 points).
    #[arg(long, value_name = "RATE")]
    pub max_pass_rate_drop: Option<f64>,
    /// Maximum number of cases that went pass -> fail against the baseline.
    #[arg(long, value_name = "N")]
    pub max_new_failures: Option<u64>,
    /// Maximum increase of mean tokens per case against the baseline, in percent.
    #[arg(long, value_name = "PCT", allow_negative_numbers = true)]
    pub max_token_increase_pct: Option<f64>,
    /// Maximum increase of latency p95 against the baseline, in percent.
    #[arg(long, value_name = "PCT", allow_negative_numbers = true)]
    pub max_latency_p95_increase_pct: Option<f64>,
    /// Maximum number of cases with verdict `error`.
    #[arg(long, value_name = "N")]
    pub max_errors: Option<u64>,
    /// Maximum number of cases nothing judged (verdict `none`, e.g. no evaluation arrived).
    #[arg(long, value_name = "N")]
    pub max_unevaluated: Option<u64>,
    /// Fail when any case's snapshot changed.
    #[arg(long)]
    pub require_snapshots_match: bool,
    /// Significance level: the drop and new-failure limits fail only when McNemar's exact
    /// p <= this; on its own, fails when more cases went pass -> fail than fail -> pass at p <= this.
    #[arg(long, value_name = "P")]
    pub max_mcnemar_p: Option<f64>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

impl Args {
    fn thresholds(&self) -> Thresholds {
        Thresholds {
            min_pass_rate: self.min_pass_rate,
            max_pass_rate_drop: self.max_pass_rate_drop,
            max_new_failures: self.max_new_failures,
            max_token_increase_pct: self.max_token_increase_pct,
            max_latency_p95_increase_pct: self.max_latency_p95_increase_pct,
            max_errors: self.max_errors,
            max_unevaluated: self.max_unevaluated,
            require_snapshots_match: self.require_snapshots_match.then_some(true),
            max_mcnemar_p: self.max_mcnemar_p,
        }
    }
}

/// Runs `gate`: 0 passed, 1 a threshold failed, 2 bad input or usage.
pub fn run(args: Args, config: Option<&Path>) -> Result<ExitStatus, Error> {
    let config = Config::load(config)?;
    let plan = config.gate.plan(&args.thresholds());
    let baseline_dir = args.baseline.clone().or(config.gate.baseline.clone());
    let candidate = ReportDir::read(&args.dir).map_err(InputError::from)?;
    let baseline = match &baseline_dir {
        Some(d) => Some(ReportDir::read(d).map_err(InputError::from)?),
        None => None,
    };
    let outcome = gate::evaluate(&candidate, baseline.as_ref(), &plan).map_err(UsageError::from)?;
    if args.json {
        print!("{}", render::json(&outcome));
    } else {
        print!("{}", render::text(&outcome));
    }
    // The folder's PR comment (from `run` or `compare`) gets the verdict, so the sticky
    // comment says whether the gate blocked the change.
    let comment = args.dir.join(crate::report::pr_comment::FILE);
    if !plan.is_empty() && comment.is_file() {
        crate::report::pr_comment::add_gate(&args.dir, outcome.passed, &failed_checks(&outcome))
            .map_err(|e| Error::io(&comment, e))?;
    }
    Ok(if outcome.passed {
        ExitStatus::Success
    } else {
        ExitStatus::Regression
    })
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
    let candidate = ReportDir::read(dir).map_err(InputError::from)?;
    let baseline = match &config.gate.baseline {
        Some(d) => Some(ReportDir::read(d).map_err(InputError::from)?),
        None => None,
    };
    let outcome = gate::evaluate(&candidate, baseline.as_ref(), &plan).map_err(UsageError::from)?;
    print!("{}", render::text(&outcome));
    let failed = failed_checks(&outcome);
    let comment = dir.join(crate::report::pr_comment::FILE);
    crate::report::pr_comment::add_gate(dir, outcome.passed, &failed)
        .map_err(|e| Error::io(&comment, e))?;
    Ok(if outcome.passed {
        ExitStatus::Success
    } else {
        ExitStatus::Regression
    })
}

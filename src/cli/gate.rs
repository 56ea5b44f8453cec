//! `reprise gate DIR [--baseline DIR] [thresholds]`: one line per threshold, exit 1 on failure.

use std::path::{Path, PathBuf};

use crate::commands::gate::GateOptions;
use crate::config::Config;
use crate::gate::Thresholds;
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
    /// The typed options of the command.
    fn options(&self) -> GateOptions {
        GateOptions {
            dir: self.dir.clone(),
            baseline: self.baseline.clone(),
            thresholds: Thresholds {
                min_pass_rate: self.min_pass_rate,
                max_pass_rate_drop: self.max_pass_rate_drop,
                max_new_failures: self.max_new_failures,
                max_token_increase_pct: self.max_token_increase_pct,
                max_latency_p95_increase_pct: self.max_latency_p95_increase_pct,
                max_errors: self.max_errors,
                max_unevaluated: self.max_unevaluated,
                require_snapshots_match: self.require_snapshots_match.then_some(true),
                max_mcnemar_p: self.max_mcnemar_p,
            },
            json: self.json,
        }
    }
}

/// Runs `gate`: 0 passed, 1 a threshold failed, 2 bad input or usage.
pub fn run(args: Args, config: Option<&Path>) -> Result<ExitStatus, Error> {
    crate::commands::gate::run(&args.options(), &Config::load(config)?)
}

//! `reprise compare BASE_DIR CAND_DIR [--out DIR] [--history FILE]`: comparison.csv, summary.md
//! section, report.html, pr-comment.md, table.

use std::path::PathBuf;

use crate::commands::compare::CompareOptions;
use crate::{Error, ExitStatus};

/// Arguments of `compare`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The baseline report folder (runs.csv, summary.csv).
    pub baseline: PathBuf,
    /// The candidate report folder.
    pub candidate: PathBuf,
    /// Where comparison.csv and summary.md go (default: the candidate folder).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// A history file (`reprise history append`): report.html draws its trend.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
}

/// Runs `compare` (see [`crate::commands::compare::run`]).
pub fn run(args: Args) -> Result<ExitStatus, Error> {
    crate::commands::compare::run(CompareOptions {
        baseline: args.baseline,
        candidate: args.candidate,
        out: args.out,
        history: args.history,
    })
}

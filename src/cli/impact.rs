//! `reprise impact PATH... --candidate FILE`: the flags of [`crate::commands::impact`].

use std::path::PathBuf;

use crate::commands::impact::{FailOn, ImpactOptions};
use crate::{Error, ExitStatus};

/// Arguments of `impact`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders of recorded runs (.json, .jsonl).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The candidate: a WorkflowConfigFullyHydrated document, or a run document whose
    /// workflow_config_fully_hydrated is the candidate.
    #[arg(long, value_name = "FILE")]
    pub candidate: PathBuf,
    /// The workflow whose cases to re-walk (default: the one the candidate's nodes and edges name).
    #[arg(long, value_name = "ID")]
    pub workflow: Option<String>,
    /// Output folder.
    #[arg(long, default_value = "reports/impact")]
    pub out: PathBuf,
    /// Exit 1 when a case diverges (`diverges`), or diverges or is undetermined (`undetermined`).
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
}

/// Runs `impact` (see [`crate::commands::impact::run`]).
pub fn run(args: Args) -> Result<ExitStatus, Error> {
    crate::commands::impact::run(&ImpactOptions {
        paths: args.paths,
        candidate: args.candidate,
        workflow: args.workflow,
        out: args.out,
        fail_on: args.fail_on,
    })
}

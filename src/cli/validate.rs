//! `reprise validate PATH...`: load only; a summary and one line per problem.

use std::path::PathBuf;

use crate::commands::validate::ValidateOptions;
use crate::model::Format;
use crate::{Error, ExitStatus};

/// Arguments of `validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders of recorded runs (.json, .jsonl).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Read every document as this format instead of detecting it.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `validate` (see [`crate::commands::validate::run`]).
pub fn run(args: Args) -> Result<ExitStatus, Error> {
    crate::commands::validate::run(&ValidateOptions {
        paths: args.paths,
        format: args.format,
        json: args.json,
    })
}

//! `reprise report merge DIR... --out DIR`: one report from the journals of several runs
//! (typically the shards of one run).

use std::path::PathBuf;

use crate::commands::report::MergeOptions;
use crate::{Error, ExitStatus};

/// Arguments of `report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: ReportCommand,
}

/// `report` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// Rebuild one report from the journals of several report folders.
    Merge {
        /// Report folders (each with a journal.jsonl).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write the merged report.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// A history file (`reprise history append`): report.html draws its trend.
        #[arg(long, value_name = "FILE")]
        history: Option<PathBuf>,
    },
}

/// Runs `report` (see [`crate::commands::report::merge`]).
pub fn run(args: Args) -> Result<ExitStatus, Error> {
    match args.command {
        ReportCommand::Merge { dirs, out, history } => {
            crate::commands::report::merge(MergeOptions { dirs, out, history })
        }
    }
}

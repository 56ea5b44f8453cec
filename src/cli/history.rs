//! `reprise history append DIR --to FILE` and `reprise history show FILE`.

use std::path::PathBuf;

use crate::{Error, ExitStatus};

/// Arguments of `history`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: HistoryCommand,
}

/// `history` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum HistoryCommand {
    /// Append one JSON line with a report folder's figures to the history file.
    Append {
        /// The report folder (summary.csv, runs.csv, manifest.json).
        dir: PathBuf,
        /// The history file (created when missing).
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Print the trend of a history file.
    Show {
        /// The history file.
        file: PathBuf,
    },
}

/// Runs `history` (see [`crate::commands::history`]).
pub fn run(args: Args) -> Result<ExitStatus, Error> {
    match args.command {
        HistoryCommand::Append { dir, to } => crate::commands::history::append(&dir, &to),
        HistoryCommand::Show { file } => crate::commands::history::show(&file),
    }
}

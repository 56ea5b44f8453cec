//! `reprise history append DIR --to FILE` and `reprise history show FILE`.

use std::path::PathBuf;

use crate::report::history::{self, Entry};
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

/// Runs `history`: exit 0, or 2 for a bad report folder or bad history lines.
pub fn run(args: Args) -> Result<ExitStatus, Error> {
    match args.command {
        HistoryCommand::Append { dir, to } => {
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let entry = Entry::of_report(&dir, now)?;
            history::append(&to, &entry)?;
            eprintln!("appended {} to {}", dir.display(), to.display());
            Ok(ExitStatus::Success)
        }
        HistoryCommand::Show { file } => {
            let (entries, bad) = history::read(&file)?;
            print!("{}", history::table(&entries));
            for b in &bad {
                eprintln!("error: {b}: not a history entry, skipped");
            }
            Ok(if bad.is_empty() {
                ExitStatus::Success
            } else {
                ExitStatus::Input
            })
        }
    }
}

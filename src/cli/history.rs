//! `reprise history append DIR --to FILE` and `reprise history show FILE`; and the
//! `--history FILE` of `run` and `report merge`.

use std::path::{Path, PathBuf};

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

/// Reads the history file of `--history` (none given: no history). A missing file is an
/// empty history (the first run of a new history); bad lines are warned about and skipped.
pub fn load(file: Option<&Path>) -> Result<Vec<Entry>, Error> {
    let Some(file) = file else {
        return Ok(Vec::new());
    };
    if !file.exists() {
        eprintln!("note: {}: no history yet", file.display());
        return Ok(Vec::new());
    }
    let (entries, bad) = history::read(file)?;
    for b in &bad {
        eprintln!("warning: {b}: not a history entry, skipped");
    }
    Ok(entries)
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

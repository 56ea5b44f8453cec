//! Command-line definitions (clap) and dispatch. No logic beyond wiring.

mod compare;
pub mod engine_args;
mod fetch;
mod gate;
mod history;
mod impact;
mod report;
mod run;
mod serve;
pub mod snapshots;
mod synth;
mod validate;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::{Error, ExitStatus};

/// reprise: replay recorded LLM workflow runs, evaluate them, report and gate.
#[derive(Debug, Parser)]
#[command(name = "reprise", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (default: ./reprise.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load runs only, and report every bad file.
    Validate(validate::Args),
    /// Compare two report folders: comparison.csv, a summary.md section and a table.
    Compare(compare::Args),
    /// Check thresholds on a report folder, optionally against a baseline; exit 1 on failure.
    Gate(gate::Args),
    /// Serve the recorded engine over the vendors' HTTP routes.
    Serve(serve::Args),
    /// Replay every case, evaluate it, and report tokens, latency and pass rate.
    Run(Box<run::Args>),
    /// Work on report folders (merge shards).
    Report(report::Args),
    /// Write a deterministic synthetic corpus of all three systems.
    Synth(synth::Args),
    /// Pending snapshots: list, accept, reject, review.
    Snapshots(snapshots::Args),
    /// Download runs from a live engine into a corpus folder.
    Fetch(Box<fetch::Args>),
    /// Re-walk recorded cases on a candidate workflow config: which ones it changes, where.
    Impact(impact::Args),
    /// Run history: append a report folder's figures to a file, show the trend.
    History(history::Args),
}

impl Cli {
    /// True for a command that runs until stopped (`serve`): its freed memory should go back
    /// to the system as it runs. Every other command ends when its work is done.
    pub fn runs_until_stopped(&self) -> bool {
        matches!(self.command, Command::Serve(_))
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitStatus, Error> {
    match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Gate(args) => gate::run(args, cli.config.as_deref()),
        Command::Serve(args) => serve::run(args),
        Command::Run(args) => run::run(*args, &crate::config::Config::load(cli.config.as_deref())?),
        Command::Report(args) => report::run(args),
        Command::Synth(args) => synth::run(args),
        Command::Snapshots(args) => snapshots::run(args),
        Command::Fetch(args) => fetch::run(*args),
        Command::Impact(args) => impact::run(args),
        Command::History(args) => history::run(args),
    }
}

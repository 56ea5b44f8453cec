//! Command-line definitions (clap) and dispatch. No logic beyond wiring.

pub mod engine_args;
mod fetch;
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
    /// Download runs from a live engine into a corpus folder.
    Fetch(Box<fetch::Args>),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitStatus, Error> {
    match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Fetch(args) => fetch::run(*args),
    }
}

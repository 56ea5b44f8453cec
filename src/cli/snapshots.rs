//! `reprise snapshots pending|accept|reject|review`: the flags of [`crate::commands::pending`];
//! and the snapshot flags of `reprise run` ([`RunArgs`]).

use std::path::PathBuf;

use crate::commands::pending::PendingAction;
use crate::commands::snapshots::RunSnapshots;
use crate::{Error, ExitStatus};

/// Arguments of `snapshots`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The snapshot folder.
    #[arg(long, value_name = "DIR", default_value = "snapshots", global = true)]
    pub snapshots: PathBuf,
    #[command(subcommand)]
    pub action: PendingAction,
}

/// Runs `snapshots` (see [`crate::commands::pending::run`]).
pub fn run(args: Args) -> Result<ExitStatus, Error> {
    crate::commands::pending::run(&args.snapshots, args.action)
}

/// The snapshot flags of `reprise run` (flattened into its arguments).
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Write nothing; exit 1 on any changed or new snapshot, naming each with its diff.
    #[arg(long)]
    pub check: bool,
    /// When to write snapshots: auto (= no under CI, new otherwise), always (.snap),
    /// new (.snap.new, for review), no.
    #[arg(long, value_enum, default_value = "auto", value_name = "MODE")]
    pub update_snapshots: crate::snapshot::UpdateMode,
    /// How closely transcripts must match: exact, or structure (assistant text only similar).
    #[arg(long, value_enum, default_value = "exact", value_name = "LEVEL")]
    pub snapshot_detail: crate::snapshot::Detail,
    /// Similarity threshold (0–1) for assistant text at `--snapshot-detail structure`.
    #[arg(long, default_value_t = crate::snapshot::DEFAULT_SIMILARITY, value_name = "RATIO")]
    pub similarity: f64,
    /// Delete snapshots no case of the corpus produced (only when no case is filtered out).
    #[arg(long)]
    pub prune_orphans: bool,
}

impl RunArgs {
    /// The typed snapshot settings of `run`, over the snapshot folder `dir`.
    pub fn options(&self, dir: PathBuf) -> RunSnapshots {
        RunSnapshots {
            dir,
            check: self.check,
            mode: self.update_snapshots,
            detail: self.snapshot_detail,
            similarity: self.similarity,
            prune_orphans: self.prune_orphans,
        }
    }
}

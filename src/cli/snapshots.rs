//! `reprise snapshots pending|accept|reject|review`: pending snapshots (`.snap.new`).

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use crate::commands::snapshots::RunSnapshots;
use crate::error::UsageError;
use crate::snapshot::review::{pending_diff, review, select_pending};
use crate::snapshot::store::{run_id_of, snap_of_pending, Store};
use crate::{Error, ExitStatus};

/// Arguments of `snapshots`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The snapshot folder.
    #[arg(long, value_name = "DIR", default_value = "snapshots", global = true)]
    pub snapshots: PathBuf,
    #[command(subcommand)]
    pub action: Action,
}

/// What to do with pending snapshots.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// List pending snapshots (`.snap.new`), with `--diff` their diffs.
    Pending {
        /// Show each diff.
        #[arg(long)]
        diff: bool,
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Accept pending snapshots: all, or those of the given run ids.
    Accept {
        /// Run ids (default: every pending snapshot).
        run_ids: Vec<String>,
    },
    /// Reject (delete) pending snapshots: all, or those of the given run ids.
    Reject {
        /// Run ids (default: every pending snapshot).
        run_ids: Vec<String>,
    },
    /// Review pending snapshots one diff at a time; answers are read from stdin
    /// (a = accept, r = reject, s = skip, q = quit).
    Review {
        /// Never color the diffs.
        #[arg(long)]
        no_color: bool,
    },
}

fn stdout_err(e: std::io::Error) -> Error {
    Error::io("<stdout>", e)
}

/// Runs `snapshots`.
pub fn run(args: Args) -> Result<ExitStatus, Error> {
    let store = Store::new(&args.snapshots);
    let mut out = std::io::stdout().lock();
    match args.action {
        Action::Pending { diff, json } => {
            let pending = store.pending();
            if json {
                let list = pending
                    .iter()
                    .map(|p| {
                        Ok(serde_json::json!({
                            "run_id": run_id_of(p)?,
                            "pending": p.display().to_string(),
                            "snapshot": snap_of_pending(p).display().to_string(),
                            "new": !snap_of_pending(p).exists(),
                        }))
                    })
                    .collect::<Result<Vec<serde_json::Value>, Error>>()?;
                serde_json::to_writer_pretty(&mut out, &list)
                    .map_err(std::io::Error::from)
                    .and_then(|()| writeln!(out))
                    .map_err(stdout_err)?;
            } else {
                writeln!(out, "{} pending snapshots", pending.len()).map_err(stdout_err)?;
                for p in &pending {
                    let kind = if snap_of_pending(p).exists() {
                        "changed"
                    } else {
                        "new"
                    };
                    let run_id = run_id_of(p)?;
                    writeln!(out, "{kind} {run_id} {}", p.display()).map_err(stdout_err)?;
                    if diff {
                        let d = pending_diff(&store, p, false)?;
                        write!(out, "{d}").map_err(stdout_err)?;
                    }
                }
            }
            Ok(ExitStatus::Success)
        }
        Action::Accept { run_ids } => {
            let chosen = choose(&store, &run_ids)?;
            for p in &chosen {
                // Read before the file moves.
                let run_id = run_id_of(p)?;
                let snap = store.accept(p)?;
                writeln!(out, "accepted {run_id} {}", snap.display()).map_err(stdout_err)?;
            }
            writeln!(out, "{} accepted", chosen.len()).map_err(stdout_err)?;
            Ok(ExitStatus::Success)
        }
        Action::Reject { run_ids } => {
            let chosen = choose(&store, &run_ids)?;
            for p in &chosen {
                // Read before the file goes.
                let run_id = run_id_of(p)?;
                store.reject(p)?;
                writeln!(out, "rejected {run_id} {}", p.display()).map_err(stdout_err)?;
            }
            writeln!(out, "{} rejected", chosen.len()).map_err(stdout_err)?;
            Ok(ExitStatus::Success)
        }
        Action::Review { no_color } => {
            let color = !no_color && console::Term::stdout().is_term() && console::colors_enabled();
            let stdin = std::io::stdin();
            review(&store, stdin.lock(), &mut out, color)?;
            Ok(ExitStatus::Success)
        }
    }
}

/// The pending files of `run_ids` (all when empty); an unknown run id is a usage error and
/// nothing is done.
fn choose(store: &Store, run_ids: &[String]) -> Result<Vec<PathBuf>, Error> {
    let (chosen, unknown) = select_pending(store, run_ids)?;
    if !unknown.is_empty() {
        return Err(UsageError::NoPendingSnapshot {
            run_ids: unknown,
            dir: store.root().to_path_buf(),
        }
        .into());
    }
    Ok(chosen)
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

//! `reprise snapshots pending|accept|reject|review`: pending snapshots (`.snap.new`) of a
//! snapshot folder.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::UsageError;
use crate::snapshot::review::{pending_diff, review, select_pending};
use crate::snapshot::store::{run_id_of, snap_of_pending, Store};
use crate::{Error, ExitStatus};

// The subcommands of `reprise snapshots`: clap parses them straight into this enum (the
// variants are the subcommands, their docs the help).
/// What to do with pending snapshots.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum PendingAction {
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

/// Runs `snapshots` on the snapshot folder `dir`, printing on stdout (`review` reads its
/// answers from stdin).
pub fn run(dir: &Path, action: PendingAction) -> Result<ExitStatus, Error> {
    let store = Store::new(dir);
    let mut out = std::io::stdout().lock();
    match action {
        PendingAction::Pending { diff, json } => {
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
        PendingAction::Accept { run_ids } => {
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
        PendingAction::Reject { run_ids } => {
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
        PendingAction::Review { no_color } => {
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

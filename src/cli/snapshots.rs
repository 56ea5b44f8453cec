//! `reprise snapshots pending|accept|reject|review`: pending snapshots (`.snap.new`).

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use crate::snapshot::review::{pending_diff, review, select_pending};
use crate::snapshot::store::{run_id_of, snap_of_pending, SnapshotError, Store};
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

fn map_err(e: SnapshotError) -> Error {
    match e {
        SnapshotError::Io { path, source } => Error::io(path, source),
        other @ SnapshotError::Format { .. } => Error::Input(other.to_string()),
    }
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
                let list: Vec<serde_json::Value> = pending
                    .iter()
                    .map(|p| {
                        serde_json::json!({
                            "run_id": run_id_of(p),
                            "pending": p.display().to_string(),
                            "snapshot": snap_of_pending(p).display().to_string(),
                            "new": !snap_of_pending(p).exists(),
                        })
                    })
                    .collect();
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
                    writeln!(out, "{kind} {} {}", run_id_of(p), p.display()).map_err(stdout_err)?;
                    if diff {
                        let d = pending_diff(&store, p, false).map_err(map_err)?;
                        write!(out, "{d}").map_err(stdout_err)?;
                    }
                }
            }
            Ok(ExitStatus::Success)
        }
        Action::Accept { run_ids } => {
            let chosen = choose(&store, &run_ids)?;
            for p in &chosen {
                let snap = store.accept(p).map_err(map_err)?;
                writeln!(out, "accepted {} {}", run_id_of(p), snap.display())
                    .map_err(stdout_err)?;
            }
            writeln!(out, "{} accepted", chosen.len()).map_err(stdout_err)?;
            Ok(ExitStatus::Success)
        }
        Action::Reject { run_ids } => {
            let chosen = choose(&store, &run_ids)?;
            for p in &chosen {
                store.reject(p).map_err(map_err)?;
                writeln!(out, "rejected {} {}", run_id_of(p), p.display()).map_err(stdout_err)?;
            }
            writeln!(out, "{} rejected", chosen.len()).map_err(stdout_err)?;
            Ok(ExitStatus::Success)
        }
        Action::Review { no_color } => {
            let color = !no_color && console::Term::stdout().is_term() && console::colors_enabled();
            let stdin = std::io::stdin();
            review(&store, stdin.lock(), &mut out, color).map_err(map_err)?;
            Ok(ExitStatus::Success)
        }
    }
}

/// The pending files of `run_ids` (all when empty); an unknown run id is a usage error and
/// nothing is done.
fn choose(store: &Store, run_ids: &[String]) -> Result<Vec<PathBuf>, Error> {
    let (chosen, unknown) = select_pending(store, run_ids);
    if !unknown.is_empty() {
        return Err(Error::Usage(format!(
            "no pending snapshot for run id {} in {}",
            unknown.join(", "),
            store.root().display()
        )));
    }
    Ok(chosen)
}

//! Pending snapshots (`.snap.new`): listing, accepting, rejecting, and the interactive review
//! (one colored diff at a time; keys are read line by line from any reader, so piping works).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use super::diff;
use super::state::SnapshotError;
use super::store::{read_snapshot, run_id_of, snap_of_pending, Store};

/// What a review did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewTally {
    /// Accepted (`.snap.new` → `.snap`).
    pub accepted: Vec<PathBuf>,
    /// Rejected (`.snap.new` deleted).
    pub rejected: Vec<PathBuf>,
    /// Left pending.
    pub skipped: Vec<PathBuf>,
}

/// A pending snapshot's diff against its `.snap` (all additions when there is none).
pub fn pending_diff(store: &Store, pending: &Path, color: bool) -> Result<String, SnapshotError> {
    let snap = snap_of_pending(pending);
    let old = read_snapshot(&snap)?.map(|f| f.body);
    let new = read_snapshot(pending)?.map(|f| f.body).unwrap_or_default();
    let rel = snap
        .strip_prefix(store.root())
        .unwrap_or(&snap)
        .display()
        .to_string();
    let old_name = if old.is_some() {
        format!("old {rel}")
    } else {
        "/dev/null".to_owned()
    };
    let new_name = format!("new {rel}");
    let old = old.unwrap_or_default();
    Ok(if color {
        diff::colored(&old, &new, &old_name, &new_name)
    } else {
        diff::unified(&old, &new, &old_name, &new_name)
    })
}

/// Pending files whose run id (as [`run_id_of`] reads it) is one of `run_ids` (all of them
/// when `run_ids` is empty), and the run ids that matched nothing.
pub fn select_pending(
    store: &Store,
    run_ids: &[String],
) -> Result<(Vec<PathBuf>, Vec<String>), SnapshotError> {
    let pending = store.pending();
    if run_ids.is_empty() {
        return Ok((pending, Vec::new()));
    }
    let mut ids = Vec::with_capacity(pending.len());
    for p in &pending {
        ids.push(run_id_of(p)?);
    }
    let chosen: Vec<PathBuf> = pending
        .iter()
        .zip(&ids)
        .filter(|(_, id)| run_ids.contains(id))
        .map(|(p, _)| p.clone())
        .collect();
    let unknown = run_ids
        .iter()
        .filter(|id| !ids.contains(id))
        .cloned()
        .collect();
    Ok((chosen, unknown))
}

/// Reviews every pending snapshot: shows its diff and asks accept (a), reject (r), skip (s)
/// or quit (q). End of input skips the rest.
pub fn review(
    store: &Store,
    mut input: impl BufRead,
    mut out: impl Write,
    color: bool,
) -> Result<ReviewTally, SnapshotError> {
    let pending = store.pending();
    let total = pending.len();
    let mut tally = ReviewTally::default();
    let io = |e: std::io::Error| SnapshotError::Io {
        path: PathBuf::from("<terminal>"),
        source: e,
    };
    let mut quit = false;
    for (i, p) in pending.into_iter().enumerate() {
        if quit {
            tally.skipped.push(p);
            continue;
        }
        writeln!(out, "[{}/{}] {}", i + 1, total, run_id_of(&p)?).map_err(io)?;
        write!(out, "{}", pending_diff(store, &p, color)?).map_err(io)?;
        loop {
            write!(out, "accept (a), reject (r), skip (s), quit (q)? ").map_err(io)?;
            out.flush().map_err(io)?;
            let mut line = String::new();
            if input.read_line(&mut line).map_err(io)? == 0 {
                writeln!(out).map_err(io)?;
                quit = true;
                tally.skipped.push(p);
                break;
            }
            match line.trim().to_ascii_lowercase().as_str() {
                "a" | "accept" | "y" => {
                    tally.accepted.push(store.accept(&p)?);
                    writeln!(out, "accepted").map_err(io)?;
                    break;
                }
                "r" | "reject" | "n" => {
                    store.reject(&p)?;
                    tally.rejected.push(p);
                    writeln!(out, "rejected").map_err(io)?;
                    break;
                }
                "s" | "skip" | "" => {
                    tally.skipped.push(p);
                    writeln!(out, "skipped").map_err(io)?;
                    break;
                }
                "q" | "quit" => {
                    quit = true;
                    tally.skipped.push(p);
                    break;
                }
                other => writeln!(out, "unknown answer `{other}`").map_err(io)?,
            }
        }
    }
    writeln!(
        out,
        "{} accepted, {} rejected, {} skipped",
        tally.accepted.len(),
        tally.rejected.len(),
        tally.skipped.len()
    )
    .map_err(io)?;
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::store::{CheckOptions, SnapshotKey, UpdateMode};

    fn setup() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        for (run, body) in [("r1", "a: 1"), ("r2", "a: 2"), ("r3", "a: 3")] {
            let key = SnapshotKey {
                system: crate::vendors::cortex::SYSTEM,
                workflow_id: Some("wf".into()),
                run_id: run.into(),
            };
            store
                .check(
                    &key,
                    body,
                    "src",
                    &CheckOptions {
                        mode: UpdateMode::New,
                        ..CheckOptions::default()
                    },
                )
                .unwrap();
        }
        (dir, store)
    }

    #[test]
    fn piped_keys_accept_reject_skip() {
        let (_dir, store) = setup();
        let mut out = Vec::new();
        let tally = review(&store, "x\na\nr\n".as_bytes(), &mut out, false).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert_eq!(tally.accepted.len(), 1);
        assert_eq!(tally.rejected.len(), 1);
        assert_eq!(tally.skipped.len(), 1, "EOF skips the rest");
        assert!(
            out.contains("[1/3] r1\n--- /dev/null\n+++ new cortex/wf/r1.snap"),
            "{out}"
        );
        assert!(out.contains("unknown answer `x`"), "{out}");
        assert!(
            out.ends_with("1 accepted, 1 rejected, 1 skipped\n"),
            "{out}"
        );
        assert_eq!(store.snapshots().len(), 1);
        assert_eq!(run_id_of(&store.snapshots()[0]).unwrap(), "r1");
        assert_eq!(store.pending().len(), 1);
        assert_eq!(run_id_of(&store.pending()[0]).unwrap(), "r3");
    }

    #[test]
    fn select_by_run_id() {
        let (_dir, store) = setup();
        let (chosen, unknown) = select_pending(&store, &["r2".into(), "zz".into()]).unwrap();
        assert_eq!(chosen.len(), 1);
        assert_eq!(unknown, vec!["zz".to_owned()]);
        assert_eq!(select_pending(&store, &[]).unwrap().0.len(), 3);
    }
}

//! The snapshot stage of `reprise run`: for each replayed case, its transcript checked against
//! the store; afterwards the summary (counts, diffs, orphans).
//!
//! Called concurrently by the replay tasks; results are kept per run id (a repeated case is
//! `changed`/`new` if any repeat was) and sorted at the end, so output does not depend on
//! `--jobs`. A match is only counted; a difference keeps its names in memory and its bodies
//! in the [`Spill`] file, so memory does not grow with the transcripts.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use rustc_hash::{FxHashMap, FxHashSet};

use super::spill::{Spill, Spilled};
use super::state::SnapshotError;
use super::state::{SnapshotState, SnapshotText};
use super::store::{CheckOptions, Checked, SnapshotKey, Store};
use super::summary::SnapshotSummary;
use super::transcript::Transcript;
use crate::model::{Run, System};
use crate::redact::Redactor;

/// The snapshot stage of one run.
#[derive(Debug)]
pub struct SnapshotStage {
    store: Store,
    redactor: Arc<Redactor>,
    options: CheckOptions,
    results: Mutex<FxHashMap<Box<str>, Kept>>,
    /// The snapshot files of this run's cases, by [`path_key`]: 16 bytes a case, not a path.
    seen: Mutex<FxHashSet<u128>>,
    spill: Arc<Spill>,
}

/// What the stage keeps of a checked case.
#[derive(Debug)]
enum Kept {
    /// Counted only.
    Match,
    /// Changed or new: its names, without the bodies (which are in the spill file).
    Differs(Box<Checked>, Spilled),
}

impl SnapshotStage {
    /// A stage over `store` (resolve the update mode's `auto` before).
    pub fn new(store: Store, redactor: Arc<Redactor>, options: CheckOptions) -> SnapshotStage {
        SnapshotStage {
            store,
            redactor,
            options,
            results: Mutex::new(FxHashMap::default()),
            seen: Mutex::new(FxHashSet::default()),
            spill: Arc::new(Spill::default()),
        }
    }

    /// The key of a case's snapshot.
    pub fn key_of(case: &Run) -> SnapshotKey {
        SnapshotKey {
            system: case.system,
            workflow_id: case.workflow_id.clone(),
            run_id: case.run_id.clone(),
        }
    }

    /// Marks a case's snapshot as belonging to this run (cases taken from a journal are not
    /// checked again but their snapshots are not orphans).
    pub fn mark_seen(&self, system: System, workflow_id: Option<&str>, run_id: &str) {
        let key = SnapshotKey {
            system,
            workflow_id: workflow_id.map(str::to_owned),
            run_id: run_id.to_owned(),
        };
        let path = self.store.path_of(&key);
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path_key(&path));
    }

    /// Checks `replayed` (the engine's view after the case's last turn) against `case`'s
    /// snapshot. Only the turns the case replayed are in the transcript: a recorded engine's
    /// view is the whole matched recording.
    pub fn check_case(&self, case: &Run, replayed: &Run) -> Result<SnapshotState, SnapshotError> {
        self.check_case_text(case, replayed).map(|(o, _)| o)
    }

    /// As [`check_case`](Self::check_case), with the transcript text and, when the snapshot
    /// changed, the diff.
    pub fn check_case_text(
        &self,
        case: &Run,
        replayed: &Run,
    ) -> Result<(SnapshotState, SnapshotText), SnapshotError> {
        self.mark_seen(case.system, case.workflow_id.as_deref(), &case.run_id);
        let turns = case.turns.len().max(1).min(replayed.turns.len());
        let transcript = Transcript::build(replayed, turns, &self.redactor);
        let key = Self::key_of(case);
        let body = transcript
            .render(&self.redactor)
            .map_err(|e| SnapshotError::Format {
                path: self.store.path_of(&key),
                message: e.to_string(),
            })?;
        let source = case.origin.path.display().to_string();
        let mut checked = self.store.check(&key, &body, &source, &self.options)?;
        let outcome = checked.outcome;
        let text = SnapshotText {
            diff: (outcome == SnapshotState::Changed)
                .then(|| checked.diff.take())
                .flatten(),
            transcript: body,
        };
        let mut results = self.results.lock().unwrap_or_else(PoisonError::into_inner);
        let keep_old = results
            .get(key.run_id.as_str())
            .is_some_and(|old| matches!(old, Kept::Differs(..)));
        if !keep_old {
            let kept = if outcome == SnapshotState::Match {
                Kept::Match
            } else {
                let at = self
                    .spill
                    .put(checked.old.as_deref(), &checked.new)
                    .map_err(|e| SnapshotError::Io {
                        path: std::env::temp_dir(),
                        source: e,
                    })?;
                checked.old = None;
                checked.new = String::new();
                checked.diff = None;
                Kept::Differs(Box::new(checked), at)
            };
            results.insert(key.run_id.into_boxed_str(), kept);
        }
        Ok((outcome, text))
    }

    /// The summary. With `find_orphans` (the whole corpus was selected), `.snap` files no
    /// case produced are listed, and deleted too with `prune`.
    pub fn finish(
        &self,
        find_orphans: bool,
        prune: bool,
    ) -> Result<SnapshotSummary, SnapshotError> {
        let results =
            std::mem::take(&mut *self.results.lock().unwrap_or_else(PoisonError::into_inner));
        let seen = self
            .seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        let mut summary = SnapshotSummary::with_spill(self.spill.clone());
        // Cases of this run that were not checked: not replayed (errors), or resumed.
        summary.none = seen.saturating_sub(results.len());
        for (_, kept) in results {
            match kept {
                Kept::Match => summary.matched += 1,
                Kept::Differs(checked, at) => summary.add_spilled(*checked, at),
            }
        }
        if find_orphans {
            let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
            summary.orphans = self.store.orphans(|p| seen.contains(&path_key(p)));
            if prune && !self.options.check {
                summary.pruned = self.store.prune(&summary.orphans)?;
            }
        }
        summary.finish();
        Ok(summary)
    }
}

/// A snapshot path as the stage remembers it: the 128-bit XXH3 hash of its components (two
/// paths alike by chance among a million: about one in 10^26). Components, not bytes, so that
/// `a//b` and `a/b` are one path, as they are to [`Path`]'s own equality. XXH3 rather than two
/// SipHash passes: the key is taken twice a case and once a snapshot file.
fn path_key(path: &Path) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for component in path.components() {
        let bytes = component.as_os_str().as_encoded_bytes();
        // The length first: components `ab`,`c` and `a`,`bc` hash apart.
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    h.digest128()
}

/// The hook of the replay stage: fills the `snapshot` column.
impl super::SnapshotCheck for SnapshotStage {
    fn check(&self, case: &Run, replayed: &Run) -> Result<super::SnapshotState, SnapshotError> {
        self.check_case(case, replayed)
    }

    fn check_with_text(
        &self,
        case: &Run,
        replayed: &Run,
    ) -> Result<(super::SnapshotState, Option<SnapshotText>), SnapshotError> {
        self.check_case_text(case, replayed)
            .map(|(o, text)| (o, Some(text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    use crate::corpus::{Corpus, LoadOptions};
    use crate::snapshot::store::UpdateMode;

    #[test]
    fn stage_checks_prefix_of_longer_recording_and_lists_orphans() {
        let corpus = Corpus::load(
            &[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/noxus")],
            &LoadOptions::default(),
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("noxus/old")).unwrap();
        std::fs::write(dir.path().join("noxus/old/gone.snap"), "---\n---\nx\n").unwrap();
        let stage = SnapshotStage::new(
            Store::new(dir.path()),
            Arc::new(Redactor::default()),
            CheckOptions {
                mode: UpdateMode::Always,
                ..CheckOptions::default()
            },
        );
        let mut n = 0;
        for case in corpus.cases() {
            assert_eq!(stage.check_case(case, case).unwrap(), SnapshotState::New);
            n += 1;
        }
        assert_eq!(n, 3);
        let summary = stage.finish(true, true).unwrap();
        assert_eq!(summary.new_count(), 3);
        let orphans: Vec<_> = summary
            .orphans
            .iter()
            .map(|o| (&o.path, o.run_id.as_str()))
            .collect();
        assert_eq!(orphans, [(&dir.path().join("noxus/old/gone.snap"), "gone")]);
        assert_eq!(summary.pruned, 1);
        assert!(!dir.path().join("noxus/old/gone.snap").exists());
        // second pass: all match
        for case in corpus.cases() {
            assert_eq!(stage.check_case(case, case).unwrap(), SnapshotState::Match);
        }
        let summary = stage.finish(true, false).unwrap();
        assert_eq!((summary.matched, summary.orphans.len()), (3, 0));
    }
}

//! What the snapshot stage of a run found: counts for `summary.csv`, and each changed or new
//! case named with its diff for the terminal and `summary.md`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

use super::diff;
use super::spill::{Spill, Spilled};
use super::state::SnapshotState;
use super::store::{Checked, Orphan};

/// The snapshot results of one run. Keeps the bodies of changed and new cases only, and those
/// of a run's stage in its spill file ([`Spill`]): its memory follows the number of
/// differences' names, not their transcripts. The renderings write as they go.
#[derive(Debug, Clone, Default)]
pub struct SnapshotSummary {
    /// Cases that matched.
    pub matched: usize,
    /// Changed and new cases, sorted by run id by [`SnapshotSummary::finish`].
    pub differences: Vec<Checked>,
    /// Cases of the run that were not checked (not replayed, or resumed from a journal).
    pub none: usize,
    /// `.snap` files no case produced (warnings; never change the exit code).
    pub orphans: Vec<Orphan>,
    /// How many orphans were deleted (`--prune-orphans`).
    pub pruned: usize,
    /// Where the differences' bodies are, by run id, when they were spilled.
    spilled: HashMap<String, Spilled>,
    spill: Option<Arc<Spill>>,
}

impl SnapshotSummary {
    /// Records one case's result.
    pub fn add(&mut self, checked: Checked) {
        match checked.outcome {
            SnapshotState::Match => self.matched += 1,
            SnapshotState::Changed | SnapshotState::New => self.differences.push(checked),
            SnapshotState::None => self.none += 1,
        }
    }

    /// A summary whose differences may keep their bodies in `spill`.
    pub fn with_spill(spill: Arc<Spill>) -> SnapshotSummary {
        SnapshotSummary {
            spill: Some(spill),
            ..SnapshotSummary::default()
        }
    }

    /// Records a changed or new case whose bodies were spilled at `at`.
    pub fn add_spilled(&mut self, checked: Checked, at: Spilled) {
        self.spilled.insert(checked.key.run_id.clone(), at);
        self.add(checked);
    }

    /// Records a case that has no transcript.
    pub fn add_none(&mut self) {
        self.none += 1;
    }

    /// Sorts the differences by run id (the order is then independent of `--jobs`).
    pub fn finish(&mut self) {
        self.differences
            .sort_by(|a, b| a.key.run_id.cmp(&b.key.run_id));
        self.orphans.sort();
    }

    /// `snapshots_changed` of `summary.csv`.
    pub fn changed(&self) -> usize {
        self.count(SnapshotState::Changed)
    }

    /// `snapshots_new` of `summary.csv`.
    pub fn new_count(&self) -> usize {
        self.count(SnapshotState::New)
    }

    fn count(&self, outcome: SnapshotState) -> usize {
        self.differences
            .iter()
            .filter(|c| c.outcome == outcome)
            .count()
    }

    /// Under `--check`, any changed or new snapshot is a regression (exit 1).
    pub fn is_regression(&self) -> bool {
        !self.differences.is_empty()
    }

    /// A difference with its bodies: read back from the spill file when they were spilled.
    fn hydrated<'c>(&self, c: &'c Checked) -> io::Result<Cow<'c, Checked>> {
        match (self.spilled.get(&c.key.run_id), &self.spill) {
            (Some(&at), Some(spill)) => {
                let (old, new) = spill.get(at)?;
                Ok(Cow::Owned(Checked {
                    old,
                    new,
                    diff: None,
                    ..c.clone()
                }))
            }
            _ => Ok(Cow::Borrowed(c)),
        }
    }

    fn diff_of(&self, c: &Checked, color: bool) -> io::Result<String> {
        let c = self.hydrated(c)?;
        let plain = c.unified_diff();
        Ok(if color {
            diff::color(&plain)
        } else {
            plain.into_owned()
        })
    }

    /// For the terminal (colored when `color`): one line of counts, then each changed or new
    /// case named by run id with its diff (new ones without it unless `new_diffs`: a first run
    /// would print the whole corpus), then the orphans. Written as it goes.
    pub fn write_terminal(
        &self,
        out: &mut dyn Write,
        color: bool,
        new_diffs: bool,
    ) -> io::Result<()> {
        writeln!(
            out,
            "snapshots: {} match, {} changed, {} new, {} none, {} orphaned",
            self.matched,
            self.changed(),
            self.new_count(),
            self.none,
            self.orphans.len()
        )?;
        for c in &self.differences {
            let where_ = match &c.written {
                Some(p) => format!(" (written {})", p.display()),
                None => String::new(),
            };
            writeln!(
                out,
                "snapshot {}: {}{}",
                c.outcome.as_str(),
                c.key.run_id,
                where_
            )?;
            if c.outcome == SnapshotState::Changed || new_diffs {
                out.write_all(self.diff_of(c, color)?.as_bytes())?;
            }
        }
        for o in &self.orphans {
            writeln!(
                out,
                "warning: orphaned snapshot {} (run {})",
                o.path.display(),
                o.run_id
            )?;
        }
        if self.pruned > 0 {
            writeln!(out, "pruned {} orphaned snapshots", self.pruned)?;
        }
        Ok(())
    }

    /// [`write_terminal`](Self::write_terminal) into a string.
    pub fn render_terminal(&self, color: bool, new_diffs: bool) -> String {
        let mut out = Vec::new();
        // Writing to memory fails only when a spilled body cannot be read back; what was
        // written until then is shown.
        let _ = self.write_terminal(&mut out, color, new_diffs);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// The `## Snapshots` section of `summary.md`: the counts (`report_counts`, the
    /// (changed, new) of the report's rows when given, so a resumed run writes the same file),
    /// then each changed case (and, under `--check`, each new one) with its diff, then the
    /// orphans. Written as it goes.
    pub fn write_markdown(
        &self,
        out: &mut dyn Write,
        report_counts: Option<(u64, u64)>,
        check: bool,
    ) -> io::Result<()> {
        let (changed, new) =
            report_counts.unwrap_or((self.changed() as u64, self.new_count() as u64));
        out.write_all(b"## Snapshots\n\n")?;
        writeln!(
            out,
            "| changed | new | orphaned |\n|---|---|---|\n| {changed} | {new} | {} |\n",
            self.orphans.len()
        )?;
        for c in &self.differences {
            if c.outcome == SnapshotState::New && !check {
                continue;
            }
            write!(
                out,
                "### `{}` ({})\n\n```diff\n",
                c.key.run_id,
                c.outcome.as_str()
            )?;
            // A fence inside the diff would close the block early.
            let diff = self.diff_of(c, false)?;
            if diff.contains("```") {
                out.write_all(diff.replace("```", "'''").as_bytes())?;
            } else {
                out.write_all(diff.as_bytes())?;
            }
            out.write_all(b"```\n\n")?;
        }
        if !self.orphans.is_empty() {
            out.write_all(b"Orphaned snapshots:\n\n")?;
            for o in &self.orphans {
                writeln!(out, "- `{}` (run `{}`)", o.path.display(), o.run_id)?;
            }
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// [`write_markdown`](Self::write_markdown) into a string.
    pub fn render_markdown(&self, report_counts: Option<(u64, u64)>, check: bool) -> String {
        let mut out = Vec::new();
        let _ = self.write_markdown(&mut out, report_counts, check);
        String::from_utf8_lossy(&out).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    use crate::snapshot::store::SnapshotKey;

    fn checked(run: &str, outcome: SnapshotState, old: Option<&str>, new: &str) -> Checked {
        let key = SnapshotKey {
            system: crate::vendors::noxus::SYSTEM,
            workflow_id: Some("wf".into()),
            run_id: run.into(),
        };
        Checked {
            path: PathBuf::from("snapshots").join(key.relative_path()),
            key,
            outcome,
            written: None,
            diff: None,
            old: old.map(str::to_owned),
            new: new.to_owned(),
        }
    }

    #[test]
    fn counts_and_renders_sorted_by_run_id() {
        let mut s = SnapshotSummary::default();
        s.add(checked(
            "b",
            SnapshotState::Changed,
            Some("status: completed"),
            "status: failed",
        ));
        s.add(checked("a", SnapshotState::New, None, "status: completed"));
        s.add(checked("c", SnapshotState::Match, Some("x"), "x"));
        s.none = 1;
        s.finish();
        assert_eq!(
            (s.matched, s.changed(), s.new_count(), s.none),
            (1, 1, 1, 1)
        );
        assert!(s.is_regression());
        assert!(!s
            .render_terminal(false, false)
            .contains("+++ new noxus/wf/a.snap"));
        insta::assert_snapshot!(s.render_terminal(false, true), @r"
        snapshots: 1 match, 1 changed, 1 new, 1 none, 0 orphaned
        snapshot new: a
        --- /dev/null
        +++ new noxus/wf/a.snap
        @@ -0,0 +1 @@
        +status: completed
        snapshot changed: b
        --- old noxus/wf/b.snap
        +++ new noxus/wf/b.snap
        @@ -1 +1 @@
        -status: completed
        +status: failed
        ");
        let md = s.render_markdown(None, false);
        assert!(md.contains("| 1 | 1 | 0 |"), "{md}");
        assert!(!md.contains("### `a`"), "{md}");
        assert!(s
            .render_markdown(Some((3, 4)), false)
            .contains("| 3 | 4 | 0 |"));
        let md = s.render_markdown(None, true);
        assert!(md.contains("### `a` (new)"), "{md}");
        assert!(
            md.contains("### `b` (changed)\n\n```diff\n--- old noxus/wf/b.snap"),
            "{md}"
        );
    }
}

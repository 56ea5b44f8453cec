//! `journal.jsonl`: one redacted [`CaseRow`] per line, appended as each case finishes. It is
//! what `--resume` skips and what `reprise report merge` rebuilds reports from. As a sink it
//! takes [`Event::CaseFinished`] in finish order (it sits in front of the reorder adapter), so a
//! killed run keeps every case that finished.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use super::event::{Event, Origin};
use super::sink::{Sink, SinkError};
use super::CaseRow;

/// The journal's file name inside a report folder.
pub const FILE: &str = "journal.jsonl";

/// The row as journaled: the transcript is kept only for a failing, erroring or changed case
/// (what a merged `report.html` shows first); a passing, unchanged case's would triple the
/// journal and the memory of `--resume` and `report merge` for little.
fn journaled(row: &CaseRow) -> std::borrow::Cow<'_, CaseRow> {
    if row.snapshot_text.is_none() || super::html::keeps_text_first(row) {
        return std::borrow::Cow::Borrowed(row);
    }
    let mut r = row.clone();
    r.snapshot_text = None;
    std::borrow::Cow::Owned(r)
}

/// An open journal, appending.
pub struct Journal {
    file: File,
    path: PathBuf,
}

impl Journal {
    /// Starts a new journal in `dir` (truncating any old one), or, with `keep`, rewrites it
    /// with exactly the rows given (dropping a torn last line) and appends after them.
    pub fn open(dir: &Path, keep: &[&CaseRow]) -> Result<Journal, SinkError> {
        let path = dir.join(FILE);
        Journal::rewrite(dir, &path, keep).map_err(|source| SinkError { path, source })
    }

    fn rewrite(dir: &Path, path: &Path, keep: &[&CaseRow]) -> io::Result<Journal> {
        let tmp = dir.join(".journal.jsonl.tmp");
        {
            let mut out = io::BufWriter::new(File::create(&tmp)?);
            for row in keep {
                serde_json::to_writer(&mut out, &*journaled(row))?;
                out.write_all(b"\n")?;
            }
            out.flush()?;
        }
        std::fs::rename(&tmp, path)?;
        let file = OpenOptions::new().append(true).open(path)?;
        Ok(Journal {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Appends one finished case, in one write, flushed.
    pub fn append(&mut self, row: &CaseRow) -> io::Result<()> {
        let mut line = serde_json::to_vec(&*journaled(row))?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.flush()
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Sink for Journal {
    fn event(&mut self, event: &Event) -> Result<(), SinkError> {
        match event {
            // A resumed row is in the journal already (rewritten by `open`).
            Event::CaseFinished(done) if done.origin == Origin::Replayed => {
                self.append(&done.row).map_err(|source| SinkError {
                    path: self.path.clone(),
                    source,
                })
            }
            _ => Ok(()),
        }
    }
}

/// Reads the rows of `dir/journal.jsonl`, last one per run id winning. Unreadable lines (a
/// line torn by a kill) are skipped and counted. A missing journal is empty.
pub fn read(dir: &Path) -> io::Result<(HashMap<String, CaseRow>, usize)> {
    let path = dir.join(FILE);
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((HashMap::new(), 0)),
        Err(e) => return Err(e),
    };
    let mut rows = HashMap::new();
    let mut bad = 0;
    for line in BufReader::new(file).split(b'\n') {
        let line = line?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<CaseRow>(&line) {
            Ok(row) => {
                rows.insert(row.run_id.clone(), row);
            }
            Err(_) => bad += 1,
        }
    }
    Ok((rows, bad))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{SnapshotText, Verdict};
    use crate::snapshot::SnapshotState;

    #[test]
    fn journal_keeps_transcripts_of_failing_and_changed_cases_only() {
        let dir = tempfile::tempdir().unwrap();
        let row = |id: &str, verdict: Verdict, snapshot: SnapshotState| {
            let mut r = CaseRow::new(id, "noxus", "wf");
            r.verdict = verdict;
            r.snapshot = snapshot;
            r.snapshot_text = Some(SnapshotText {
                transcript: format!("transcript of {id}"),
                diff: None,
            });
            r
        };
        let kept = row("a", Verdict::Pass, SnapshotState::Match);
        let mut j = Journal::open(dir.path(), &[&kept]).unwrap();
        j.append(&row("b", Verdict::Fail, SnapshotState::Match))
            .unwrap();
        j.append(&row("c", Verdict::Pass, SnapshotState::Changed))
            .unwrap();
        j.append(&row("d", Verdict::None, SnapshotState::New))
            .unwrap();
        let (rows, bad) = read(dir.path()).unwrap();
        assert_eq!(bad, 0);
        let has = |id: &str| rows[id].snapshot_text.is_some();
        assert_eq!(
            [has("a"), has("b"), has("c"), has("d")],
            [false, true, true, false]
        );
        assert_eq!(
            rows["b"].snapshot_text.as_ref().unwrap().transcript,
            "transcript of b"
        );
    }
}

//! `journal.jsonl`: one redacted [`CaseRow`] per line, appended as each case finishes. It is
//! what `--resume` skips and what `reprise report merge` rebuilds reports from. A row keeps
//! its snapshot text (transcript and diff) whatever its verdict: `report.html` and
//! `summary.md` show the texts of passing and new cases too, and a report rebuilt from the
//! journal (a merge of shards, a resumed run) must be the one the whole run writes. As a sink it
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
                serde_json::to_writer(&mut out, row)?;
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
        let mut line = serde_json::to_vec(row)?;
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
    let mut rows = HashMap::new();
    let bad = scan(&dir.join(FILE), |row, _| {
        rows.insert(row.run_id.clone(), row);
        Ok(())
    })
    .map_err(|e| e.source)?;
    Ok((rows, bad))
}

/// Calls `f` with every readable row of the journal at `path` and its line, in file order,
/// and returns how many lines were unreadable (each parsed whole, so a torn line is skipped
/// and never stands for its case). A missing journal has no rows. An error reading the
/// journal names it; `f`'s errors pass as they are.
pub fn scan(
    path: &Path,
    mut f: impl FnMut(CaseRow, Vec<u8>) -> Result<(), SinkError>,
) -> Result<usize, SinkError> {
    let err = |source| SinkError {
        path: path.to_path_buf(),
        source,
    };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(err(e)),
    };
    let mut bad = 0;
    for line in BufReader::new(file).split(b'\n') {
        let line = line.map_err(err)?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<CaseRow>(&line) {
            Ok(row) => f(row, line)?,
            Err(_) => bad += 1,
        }
    }
    Ok(bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{SnapshotText, Verdict};
    use crate::snapshot::SnapshotState;

    #[test]
    fn journal_keeps_every_transcript_and_skips_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let row = |id: &str, verdict: Verdict, snapshot: SnapshotState| {
            let mut r = CaseRow::new(id, "noxus", "wf");
            r.verdict = verdict;
            r.snapshot = snapshot;
            r.snapshot_text = Some(SnapshotText {
                transcript: format!("transcript of {id}"),
                diff: (snapshot == SnapshotState::New).then(|| format!("+ {id}")),
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
        // A kill in the middle of a write leaves a torn last line.
        j.file.write_all(b"{\"run_id\":\"e\",\"sys").unwrap();
        let (rows, bad) = read(dir.path()).unwrap();
        assert_eq!(bad, 1);
        let text = |id: &str| {
            rows[id]
                .snapshot_text
                .as_ref()
                .map(|t| t.transcript.as_str())
        };
        for id in ["a", "b", "c", "d"] {
            assert_eq!(text(id), Some(format!("transcript of {id}").as_str()));
        }
        assert_eq!(
            rows["d"].snapshot_text.as_ref().unwrap().diff.as_deref(),
            Some("+ d")
        );
        assert!(!rows.contains_key("e"));
    }
}

//! `reprise report merge`: one report from the journals of several report folders (shards).
//!
//! The journals are in finish order and may be as large as the run, so the merge streams: an
//! external sort. Their lines are read in bounded chunks ([`CHUNK_BYTES`]), each chunk is
//! sorted by run id, reduced to the last line per run id and spilled to a temporary file
//! beside the output; the spilled chunks are then merged k ways into the report writers in
//! run-id order. What stays resident is one chunk while reading, then one row per chunk.
//!
//! `run` appends a `## Snapshots` section to `summary.md` (and the GitHub job summary) after
//! the report, from its snapshot stage, not from the rows: the merge merges the shards'
//! sections, their cases by run id, and appends the result the same way.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{journal, CaseRow, Report, RunMeta, SinkError, Stats};

/// Bytes of journal lines sorted in memory at once.
const CHUNK_BYTES: usize = 64 << 20;

/// Merges the journals of `dirs` into a report in `out`. A case found in several journals
/// counts once (the later line wins: the later folder, or the later line of one journal,
/// as `--resume` reads it). Returns the aggregate and the number of unreadable journal lines.
pub fn merge(dirs: &[PathBuf], out: &Path, meta: &RunMeta) -> Result<(Stats, usize), SinkError> {
    let at = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SinkError { path, source }
    };
    std::fs::create_dir_all(out).map_err(at(out))?;
    // Beside the output (a disk that can hold the report), not in a tmpfs /tmp.
    let spill = tempfile::Builder::new()
        .prefix(".merge-")
        .tempdir_in(out)
        .map_err(at(out))?;
    let mut sorter = Sorter::new(spill.path(), CHUNK_BYTES);
    for dir in dirs {
        sorter.read_journal(&dir.join(journal::FILE))?;
    }
    let (chunks, bad) = sorter.finish()?;
    // Read before the report is written: an input folder may be the output.
    let sections = SnapshotSections::read(dirs)?;
    let mut merged = Merged::open(&chunks)?;
    let mut report = Report::create(out, meta.clone())?;
    // The merged folder gets the merged journal too (its lines as the shards wrote them, in
    // run-id order), so it can be merged or resumed again. Written beside and renamed at the
    // end, so an input folder can be the output too.
    let part = spill.path().join(journal::FILE);
    let mut journal = BufWriter::new(File::create(&part).map_err(at(&part))?);
    while let Some((row, line)) = merged.next_row()? {
        report.add(&row)?;
        journal.write_all(&line).map_err(at(&part))?;
    }
    journal.flush().map_err(at(&part))?;
    let path = out.join(journal::FILE);
    std::fs::rename(&part, &path).map_err(at(&path))?;
    report.finish()?;
    let stats = report.into_stats();
    if let Some(sections) = sections {
        let section = sections.render(stats.snapshots_changed, stats.snapshots_new);
        let md = out.join("summary.md");
        let append = || -> io::Result<()> {
            let mut file = std::fs::OpenOptions::new().append(true).open(&md)?;
            write!(file, "\n{section}")
        };
        append().map_err(at(&md))?;
        // And the GitHub job summary, as `run` appends it.
        super::pr_comment::append_step_summary(&format!("\n{section}")).map_err(|e| SinkError {
            path: e.path,
            source: e.source,
        })?;
    }
    Ok((stats, bad))
}

/// The heading `run` starts its snapshot section of `summary.md` with.
const SNAPSHOTS: &str = "\n## Snapshots\n\n";
/// Where the list of orphaned snapshots starts in it.
const ORPHANS: &str = "Orphaned snapshots:\n\n";

/// The `## Snapshots` sections of the folders' `summary.md`, for the merged one. A shard
/// cannot tell orphans (its cases are filtered), so a whole run's orphans have no
/// counterpart in a merge of shards.
struct SnapshotSections {
    /// Orphans counted.
    orphaned: u64,
    /// (run id, heading and diff) of every changed or new case listed.
    cases: Vec<(String, String)>,
    /// The orphans listed, a line each.
    orphans: Vec<String>,
}

impl SnapshotSections {
    /// Reads the sections of the folders' `summary.md` (`None` when none has one).
    fn read(dirs: &[PathBuf]) -> Result<Option<SnapshotSections>, SinkError> {
        let mut found = false;
        let mut orphaned = 0u64;
        let mut cases: Vec<(String, String)> = Vec::new();
        let mut orphans: Vec<String> = Vec::new();
        for dir in dirs {
            let path = dir.join("summary.md");
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(source) => return Err(SinkError { path, source }),
            };
            let Some(start) = text.rfind(SNAPSHOTS) else {
                continue;
            };
            found = true;
            let section = &text[start + SNAPSHOTS.len()..];
            // The counts table: header, rule, `| changed | new | orphaned |`, a blank line.
            let mut lines = section.splitn(4, '\n');
            let counts = lines.nth(2).unwrap_or_default();
            let rest = lines.next().unwrap_or_default().trim_start_matches('\n');
            orphaned += counts
                .trim_matches('|')
                .rsplit('|')
                .next()
                .and_then(|n| n.trim().parse::<u64>().ok())
                .unwrap_or(0);
            let (listed, orphan_list) = match rest.find(ORPHANS) {
                Some(i) => (&rest[..i], &rest[i + ORPHANS.len()..]),
                None => (rest, ""),
            };
            // A case starts with a line `### `run id` (state)`; diff lines all start with a
            // marker (` `, `+`, `-`, `@`), so no line inside a diff does.
            let mut starts: Vec<usize> = listed.match_indices("### `").map(|(i, _)| i).collect();
            starts.retain(|&i| i == 0 || listed.as_bytes()[i - 1] == b'\n');
            for (n, &i) in starts.iter().enumerate() {
                let case = &listed[i..starts.get(n + 1).copied().unwrap_or(listed.len())];
                let id = case["### `".len()..].split('`').next().unwrap_or_default();
                cases.push((id.to_owned(), case.to_owned()));
            }
            orphans.extend(
                orphan_list
                    .lines()
                    .filter(|l| l.starts_with("- "))
                    .map(str::to_owned),
            );
        }
        if !found {
            return Ok(None);
        }
        cases.sort_by(|a, b| a.0.cmp(&b.0));
        orphans.sort();
        Ok(Some(SnapshotSections {
            orphaned,
            cases,
            orphans,
        }))
    }

    /// The merged section: the report's (changed, new) counts, the orphans counted and
    /// listed, and every folder's cases in run-id order.
    fn render(&self, changed: u64, new: u64) -> String {
        let orphaned = self.orphaned;
        let mut out = format!(
        "## Snapshots\n\n| changed | new | orphaned |\n|---|---|---|\n| {changed} | {new} | {orphaned} |\n\n"
    );
        for (_, case) in &self.cases {
            out.push_str(case);
        }
        if !self.orphans.is_empty() {
            out.push_str(ORPHANS);
            for o in &self.orphans {
                out.push_str(o);
                out.push('\n');
            }
            out.push('\n');
        }
        out
    }
}

/// Reads journal lines into sorted, spilled chunks.
struct Sorter<'a> {
    dir: &'a Path,
    /// Bytes of lines (and run ids) that make a chunk.
    limit: usize,
    /// (run id, line) of the chunk being filled, in reading order.
    lines: Vec<(String, Vec<u8>)>,
    bytes: usize,
    chunks: Vec<PathBuf>,
    bad: usize,
}

impl<'a> Sorter<'a> {
    fn new(dir: &'a Path, limit: usize) -> Sorter<'a> {
        Sorter {
            dir,
            limit,
            lines: Vec::new(),
            bytes: 0,
            chunks: Vec::new(),
            bad: 0,
        }
    }

    /// Adds the readable lines of one journal (a missing journal adds nothing).
    fn read_journal(&mut self, path: &Path) -> Result<(), SinkError> {
        self.bad += journal::scan(path, |row, line| {
            self.bytes += line.len() + row.run_id.len();
            self.lines.push((row.run_id, line));
            if self.bytes >= self.limit {
                self.spill()?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// Sorts the chunk by run id, keeps the last line of each, and writes it out.
    fn spill(&mut self) -> Result<(), SinkError> {
        if self.lines.is_empty() {
            return Ok(());
        }
        let mut lines = std::mem::take(&mut self.lines);
        self.bytes = 0;
        // Stable: equal run ids stay in reading order, and the last one is kept.
        lines.sort_by(|a, b| a.0.cmp(&b.0));
        let path = self.dir.join(format!("chunk-{}.jsonl", self.chunks.len()));
        let write = || -> io::Result<()> {
            let mut w = BufWriter::new(File::create(&path)?);
            for (i, (id, line)) in lines.iter().enumerate() {
                if lines.get(i + 1).is_some_and(|next| next.0 == *id) {
                    continue;
                }
                w.write_all(line)?;
                w.write_all(b"\n")?;
            }
            w.flush()
        };
        write().map_err(|source| SinkError {
            path: path.clone(),
            source,
        })?;
        self.chunks.push(path);
        Ok(())
    }

    /// The spilled chunks, in reading order, and the number of unreadable lines.
    fn finish(mut self) -> Result<(Vec<PathBuf>, usize), SinkError> {
        self.spill()?;
        Ok((self.chunks, self.bad))
    }
}

/// The k-way merge of sorted chunks: rows in run-id order, one per run id (from the latest
/// chunk that has it, since chunks are in reading order).
struct Merged {
    readers: Vec<(PathBuf, BufReader<File>)>,
    /// The next row of each chunk, and its line (with its newline).
    heads: Vec<Option<(CaseRow, Vec<u8>)>>,
    /// (run id, chunk) of every head, smallest first.
    heap: BinaryHeap<Reverse<(String, usize)>>,
}

impl Merged {
    fn open(chunks: &[PathBuf]) -> Result<Merged, SinkError> {
        let mut m = Merged {
            readers: Vec::with_capacity(chunks.len()),
            heads: vec![None; chunks.len()],
            heap: BinaryHeap::with_capacity(chunks.len()),
        };
        for (i, path) in chunks.iter().enumerate() {
            let file = File::open(path).map_err(|source| SinkError {
                path: path.clone(),
                source,
            })?;
            m.readers.push((path.clone(), BufReader::new(file)));
            m.advance(i)?;
        }
        Ok(m)
    }

    /// Reads the next row of chunk `i` into its head.
    fn advance(&mut self, i: usize) -> Result<(), SinkError> {
        let (path, reader) = &mut self.readers[i];
        let err = |source| SinkError {
            path: path.clone(),
            source,
        };
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).map_err(err)? == 0 {
            self.heads[i] = None;
            return Ok(());
        }
        // The chunk holds lines this merge parsed and wrote: a failure is a damaged file.
        let row: CaseRow = serde_json::from_slice(&line)
            .map_err(|e| err(io::Error::new(io::ErrorKind::InvalidData, e)))?;
        self.heap.push(Reverse((row.run_id.clone(), i)));
        self.heads[i] = Some((row, line));
        Ok(())
    }

    /// The next row in run-id order, the latest chunk's when several have its run id.
    fn next_row(&mut self) -> Result<Option<(CaseRow, Vec<u8>)>, SinkError> {
        let Some(Reverse((id, first))) = self.heap.pop() else {
            return Ok(None);
        };
        let mut from = vec![first];
        while self
            .heap
            .peek()
            .is_some_and(|Reverse((next, _))| *next == id)
        {
            if let Some(Reverse((_, i))) = self.heap.pop() {
                from.push(i);
            }
        }
        let latest = from.iter().copied().max().unwrap_or(first);
        let row = self.heads[latest].take();
        for i in from {
            self.advance(i)?;
        }
        Ok(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, workflow: &str) -> CaseRow {
        CaseRow::new(id, "noxus", workflow)
    }

    fn write_journal(dir: &Path, rows: &[CaseRow], tail: &str) {
        std::fs::create_dir_all(dir).unwrap();
        let mut text = String::new();
        for r in rows {
            text.push_str(&serde_json::to_string(r).unwrap());
            text.push('\n');
        }
        text.push_str(tail);
        std::fs::write(dir.join(journal::FILE), text).unwrap();
    }

    fn merged_ids(sorter: Sorter<'_>) -> Vec<(String, String)> {
        let (chunks, _) = sorter.finish().unwrap();
        let mut m = Merged::open(&chunks).unwrap();
        let mut out = Vec::new();
        while let Some((r, line)) = m.next_row().unwrap() {
            assert!(line.ends_with(b"}\n"), "{}", String::from_utf8_lossy(&line));
            out.push((r.run_id, r.workflow_id));
        }
        out
    }

    #[test]
    fn rows_come_sorted_once_each_the_latest_line_winning_across_chunks() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        write_journal(&a, &[row("c", "a1"), row("a", "a1"), row("b", "a1")], "");
        write_journal(
            &b,
            &[row("d", "b1"), row("a", "b1"), row("a", "b2")],
            "{\"run_id\":\"z\",\"torn",
        );
        let want: Vec<(String, String)> = [("a", "b2"), ("b", "a1"), ("c", "a1"), ("d", "b1")]
            .iter()
            .map(|(i, w)| (i.to_string(), w.to_string()))
            .collect();
        // One chunk for all, a few lines per chunk, one line per chunk: the same rows.
        for (n, limit) in [usize::MAX, 300, 1].into_iter().enumerate() {
            let spill = tmp.path().join(format!("spill-{n}"));
            std::fs::create_dir_all(&spill).unwrap();
            let mut sorter = Sorter::new(&spill, limit);
            for dir in [&a, &b] {
                sorter.read_journal(&dir.join(journal::FILE)).unwrap();
            }
            assert_eq!(sorter.bad, 1);
            let chunks =
                std::fs::read_dir(&spill).unwrap().count() + usize::from(!sorter.lines.is_empty());
            assert!(
                limit > 300 || chunks > 1,
                "limit {limit}: {chunks} chunk(s)"
            );
            assert_eq!(merged_ids(sorter), want, "limit {limit}");
        }
    }

    #[test]
    fn a_missing_journal_is_empty_and_a_merge_of_nothing_is_an_empty_report() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let (stats, bad) = merge(&[tmp.path().join("none")], &out, &RunMeta::default()).unwrap();
        assert_eq!((stats.all.runs, bad), (0, 0));
        assert!(out.join("runs.csv").is_file());
        // The spill folder is gone.
        let left: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".merge-"))
            .collect();
        assert!(left.is_empty());
    }

    #[test]
    fn an_input_folder_can_be_the_output() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        write_journal(&a, &[row("b", "a1"), row("a", "a1")], "");
        write_journal(&b, &[row("c", "b1")], "");
        let (stats, bad) = merge(&[a.clone(), b], &a, &RunMeta::default()).unwrap();
        assert_eq!((stats.all.runs, bad), (3, 0));
        let (rows, _) = journal::read(&a).unwrap();
        let mut ids: Vec<&str> = rows.keys().map(String::as_str).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["a", "b", "c"]);
    }

    #[test]
    fn snapshot_sections_merge_by_run_id_with_their_orphans() {
        let tmp = tempfile::tempdir().unwrap();
        let section = |cases: &[(&str, &str)], orphans: &[&str]| {
            let mut s = format!(
                "# Report\n\ntext\n{SNAPSHOTS}| changed | new | orphaned |\n|---|---|---|\n| 9 | 9 | {} |\n\n",
                orphans.len()
            );
            for (id, state) in cases {
                s += &format!("### `{id}` ({state})\n\n```diff\n-old {id}\n+new {id}\n```\n\n");
            }
            if !orphans.is_empty() {
                s += ORPHANS;
                for o in orphans {
                    s += &format!("- `{o}.snap` (run `{o}`)\n");
                }
                s += "\n";
            }
            s
        };
        let dirs: Vec<PathBuf> = ["a", "b", "c"].iter().map(|d| tmp.path().join(d)).collect();
        for d in &dirs {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(
            dirs[0].join("summary.md"),
            section(&[("b", "changed"), ("d", "new")], &["z"]),
        )
        .unwrap();
        std::fs::write(
            dirs[1].join("summary.md"),
            section(&[("a", "new"), ("c", "changed")], &["y"]),
        )
        .unwrap();
        // No summary.md in the third folder.
        let merged = SnapshotSections::read(&dirs).unwrap().unwrap().render(2, 2);
        let want = section(
            &[
                ("a", "new"),
                ("b", "changed"),
                ("c", "changed"),
                ("d", "new"),
            ],
            &["y", "z"],
        );
        let want = want.replace("| 9 | 9 |", "| 2 | 2 |");
        assert_eq!(merged, want[want.find(SNAPSHOTS).unwrap() + 1..]);
        assert!(SnapshotSections::read(&dirs[2..]).unwrap().is_none());
    }
}

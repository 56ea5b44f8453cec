//! Run history: one JSON line per report folder (`reprise history append DIR --to FILE`), read
//! back as a trend (`reprise history show FILE`, and `report.html` with `--history FILE`).
//!
//! An entry is built from a report folder's own files — `summary.csv` for the figures,
//! `manifest.json` for the git SHA and times, `runs.csv` for the workflow versions — so it
//! holds exactly what the report says. A bad line of the history file is skipped with its
//! line number; the other entries still count.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

/// What can go wrong reading a report folder or the history file.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A report file is not what the report writes.
    #[error("{path}: {message}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong, with its location.
        message: String,
    },
}

pub use super::meta::Entry;

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> HistoryError + '_ {
    move |source| HistoryError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn malformed(path: &Path, message: String) -> HistoryError {
    HistoryError::Malformed {
        path: path.to_path_buf(),
        message,
    }
}

/// Reads a CSV's header and rows.
fn read_csv(path: &Path) -> Result<(csv::StringRecord, Vec<csv::StringRecord>), HistoryError> {
    let bad = |e: csv::Error| malformed(path, e.to_string());
    let mut r = csv::Reader::from_path(path).map_err(|e| match e.into_kind() {
        csv::ErrorKind::Io(source) => HistoryError::Io {
            path: path.to_path_buf(),
            source,
        },
        other => malformed(path, format!("{other:?}")),
    })?;
    let head = r.headers().map_err(bad)?.clone();
    let rows = r.records().collect::<Result<Vec<_>, _>>().map_err(bad)?;
    Ok((head, rows))
}

impl Entry {
    /// The entry of the report folder `dir`, stamped `time`.
    pub fn of_report(dir: &Path, time: String) -> Result<Entry, HistoryError> {
        let summary = dir.join("summary.csv");
        let (head, rows) = read_csv(&summary)?;
        let row = rows
            .first()
            .ok_or_else(|| malformed(&summary, "no data row".into()))?;
        let cell = |name: &str| -> Result<&str, HistoryError> {
            head.iter()
                .position(|h| h == name)
                .and_then(|i| row.get(i))
                .ok_or_else(|| malformed(&summary, format!("no column {name}")))
        };
        let float = |name: &str| -> Result<Option<f64>, HistoryError> {
            let c = cell(name)?;
            if c.is_empty() {
                return Ok(None);
            }
            c.parse().map(Some).map_err(|_| {
                malformed(
                    &summary,
                    format!("line 2, column {name}: not a number: {c:?}"),
                )
            })
        };
        let count = |name: &str| -> Result<u64, HistoryError> {
            let c = cell(name)?;
            c.parse().map_err(|_| {
                malformed(
                    &summary,
                    format!("line 2, column {name}: not a count: {c:?}"),
                )
            })
        };
        let manifest_path = dir.join("manifest.json");
        let manifest: serde_json::Value = match std::fs::read(&manifest_path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| malformed(&manifest_path, e.to_string()))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => serde_json::Value::Null,
            Err(e) => return Err(io_err(&manifest_path)(e)),
        };
        let text = |k: &str| manifest.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let runs_path = dir.join("runs.csv");
        let (rhead, rrows) = read_csv(&runs_path)?;
        let col = |name: &str| {
            rhead
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| malformed(&runs_path, format!("no column {name}")))
        };
        let (s, w, v) = (col("system")?, col("workflow_id")?, col("version")?);
        let versions: BTreeSet<String> = rrows
            .iter()
            .map(|r| {
                let version = r.get(v).filter(|x| !x.is_empty()).unwrap_or("–");
                format!(
                    "{} {}@{}",
                    r.get(s).unwrap_or(""),
                    r.get(w).unwrap_or(""),
                    version
                )
            })
            .collect();
        Ok(Entry {
            time,
            started_at: text("started_at"),
            dir: dir.display().to_string(),
            git_sha: text("git_sha"),
            workflow_versions: versions.into_iter().collect(),
            runs: count("runs")?,
            passed: count("passed")?,
            failed: count("failed")?,
            errored: count("errored")?,
            unevaluated: count("unevaluated")?,
            pass_rate: float("pass_rate")?,
            pass_rate_low: float("pass_rate_low")?,
            pass_rate_high: float("pass_rate_high")?,
            total_tokens: float("total_tokens")?,
            mean_tokens: float("mean_tokens")?,
            total_credits: float("total_credits")?,
            latency_ms_p50: float("latency_ms_p50")?,
            latency_ms_p95: float("latency_ms_p95")?,
            snapshots_changed: count("snapshots_changed")?,
            snapshots_new: count("snapshots_new")?,
        })
    }
}

/// Appends `entry` to `file` as one line (created when missing).
pub fn append(file: &Path, entry: &Entry) -> Result<(), HistoryError> {
    let mut line = serde_json::to_vec(entry).map_err(|e| malformed(file, e.to_string()))?;
    line.push(b'\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .map_err(io_err(file))?;
    f.write_all(&line).map_err(io_err(file))
}

/// Reads `file`: its entries and, for each line that is no entry, `file:line: why`.
pub fn read(file: &Path) -> Result<(Vec<Entry>, Vec<String>), HistoryError> {
    let f = std::fs::File::open(file).map_err(io_err(file))?;
    let (mut entries, mut bad) = (Vec::new(), Vec::new());
    for (i, line) in io::BufReader::new(f).lines().enumerate() {
        let line = line.map_err(io_err(file))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(&line) {
            Ok(e) => entries.push(e),
            Err(e) => bad.push(format!("{}:{}: {e}", file.display(), i + 1)),
        }
    }
    Ok((entries, bad))
}

/// Reads the history file of `--history` (`run`, `compare`, `report merge`; none given: no
/// history). A missing file is an empty history (the first run of a new history); bad lines
/// are warned about on stderr and skipped.
pub fn load(file: Option<&Path>) -> Result<Vec<Entry>, HistoryError> {
    let Some(file) = file else {
        return Ok(Vec::new());
    };
    if !file.exists() {
        eprintln!("note: {}: no history yet", file.display());
        return Ok(Vec::new());
    }
    let (entries, bad) = read(file)?;
    for b in &bad {
        eprintln!("warning: {b}: not a history entry, skipped");
    }
    Ok(entries)
}

fn opt(x: Option<f64>) -> String {
    x.map(super::num).unwrap_or_else(|| "–".into())
}

/// The trend as a text table, oldest first, with the pass rate's change from the entry before.
pub fn table(entries: &[Entry]) -> String {
    let mut s = format!(
        "{:<20} {:<12} {:>7} {:>22} {:>8} {:>12} {:>9} {:>9} {:>9}\n",
        "time",
        "git",
        "cases",
        "pass rate (95 % CI)",
        "Δ pp",
        "tokens",
        "p50 ms",
        "p95 ms",
        "credits"
    );
    let mut prev: Option<f64> = None;
    for e in entries {
        let rate = match (e.pass_rate, e.pass_rate_low, e.pass_rate_high) {
            (Some(r), Some(l), Some(h)) => {
                format!("{:.1} % ({:.1}–{:.1})", r * 100.0, l * 100.0, h * 100.0)
            }
            _ => "–".into(),
        };
        let delta = match (prev, e.pass_rate) {
            (Some(p), Some(r)) => format!("{:+.1}", (r - p) * 100.0),
            _ => "–".into(),
        };
        prev = e.pass_rate.or(prev);
        let _ = writeln!(
            s,
            "{:<20} {:<12} {:>7} {:>22} {:>8} {:>12} {:>9} {:>9} {:>9}",
            e.time.chars().take(20).collect::<String>(),
            e.git_sha
                .as_deref()
                .unwrap_or("–")
                .chars()
                .take(12)
                .collect::<String>(),
            e.runs,
            rate,
            delta,
            opt(e.total_tokens),
            opt(e.latency_ms_p50),
            opt(e.latency_ms_p95),
            opt(e.total_credits)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(dir: &Path, summary_row: &str) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(
            dir.join("summary.csv"),
            format!(
                "{}\n{summary_row}\n",
                super::super::headers::SUMMARY.join(",")
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("runs.csv"),
            "run_id,system,workflow_id,version\na,noxus,wf1,\nb,cortex,wf2,3\nc,cortex,wf2,3\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("manifest.json"),
            r#"{"git_sha":"abc123","started_at":"2026-01-01T00:00:00Z"}"#,
        )
        .unwrap();
    }

    #[test]
    fn append_show_and_bad_lines() {
        let tmp = tempfile::tempdir().unwrap();
        let r1 = tmp.path().join("r1");
        report(
            &r1,
            "3,2,1,0,0,0.6667,0.2077,0.9385,300,100,150,0,10,20,1,0",
        );
        let r2 = tmp.path().join("r2");
        report(&r2, "3,0,0,0,3,,,,0,0,0,1.5,,,0,3");
        let file = tmp.path().join("h.jsonl");
        append(
            &file,
            &Entry::of_report(&r1, "2026-01-01T00:00:00Z".into()).unwrap(),
        )
        .unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap()
            .write_all(b"{not json\n")
            .unwrap();
        append(
            &file,
            &Entry::of_report(&r2, "2026-01-02T00:00:00Z".into()).unwrap(),
        )
        .unwrap();
        let (entries, bad) = read(&file).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].contains("h.jsonl:2:"), "{bad:?}");
        let e = &entries[0];
        assert_eq!((e.runs, e.passed, e.failed), (3, 2, 1));
        assert_eq!(e.pass_rate, Some(0.6667));
        assert_eq!(e.git_sha.as_deref(), Some("abc123"));
        assert_eq!(e.workflow_versions, ["cortex wf2@3", "noxus wf1@–"]);
        assert_eq!(entries[1].pass_rate, None);
        assert_eq!(entries[1].total_credits, Some(1.5));
        let t = table(&entries);
        assert!(t.contains("66.7 % (20.8–93.8)"), "{t}");
        assert_eq!(t.lines().count(), 3);
    }

    #[test]
    fn bad_summary_names_file_and_column() {
        let tmp = tempfile::tempdir().unwrap();
        report(tmp.path(), "3,x,1,0,0,0.5,0.1,0.9,300,100,150,0,10,20,1,0");
        let e = Entry::of_report(tmp.path(), "t".into())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("summary.csv") && e.contains("column passed"),
            "{e}"
        );
        let missing = Entry::of_report(&tmp.path().join("nope"), "t".into()).unwrap_err();
        assert!(missing.to_string().contains("nope"), "{missing}");
    }
}

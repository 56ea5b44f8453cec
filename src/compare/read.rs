//! Reading a report folder (`runs.csv`, `summary.csv` and `paths.jsonl` when present, DESIGN.md
//! "Report folder") back in.
//!
//! Columns are found by header name, so extra or reordered columns do no harm; a missing
//! column, a bad value or a duplicate `run_id` is an error naming the file and its line.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use super::error::ReadError;

pub use crate::report::Verdict;
pub use crate::snapshot::SnapshotState;

/// One row of `runs.csv`, reduced to what compare and gate read.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The case's run id (pairing key between two reports).
    pub run_id: String,
    /// The workflow id (per-workflow thresholds select on it).
    pub workflow_id: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Tokens of the replayed run (evaluator tokens excluded).
    pub total_tokens: f64,
    /// Credits (Cortex); 0 elsewhere.
    pub credits: f64,
    /// Mean LLM call latency of the case in ms; `None` when the cell is empty.
    pub latency_ms_mean: Option<f64>,
    /// Snapshot state.
    pub snapshot: SnapshotState,
}

/// The values read from `summary.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    /// Median LLM call latency over the whole report.
    pub latency_ms_p50: Option<f64>,
    /// 95th percentile LLM call latency over the whole report.
    pub latency_ms_p95: Option<f64>,
}

/// A report folder read back: its cases sorted by `run_id`, and its summary.
#[derive(Debug, Clone)]
pub struct ReportDir {
    /// The folder.
    pub dir: PathBuf,
    /// One entry per `runs.csv` row, sorted by `run_id`.
    pub cases: Vec<Case>,
    /// `summary.csv`.
    pub summary: Summary,
    /// `paths.jsonl`, when the folder has one.
    pub paths: Option<super::paths::Paths>,
}

/// Columns of `runs.csv` this module needs.
const RUNS_COLUMNS: [&str; 7] = [
    "run_id",
    "workflow_id",
    "verdict",
    "total_tokens",
    "credits",
    "latency_ms_mean",
    "snapshot",
];

impl ReportDir {
    /// Reads `dir/runs.csv` and `dir/summary.csv`.
    pub fn read(dir: &Path) -> Result<ReportDir, ReadError> {
        if !dir.is_dir() {
            return Err(ReadError::MissingDir(dir.to_path_buf()));
        }
        let cases = read_runs(&dir.join("runs.csv"))?;
        let summary = read_summary(&dir.join("summary.csv"))?;
        let paths = super::paths::read(dir)?;
        Ok(ReportDir {
            dir: dir.to_path_buf(),
            cases,
            summary,
            paths,
        })
    }

    /// Builds a report from cases already in memory (tests, and `run` before it writes).
    pub fn from_cases(dir: impl Into<PathBuf>, mut cases: Vec<Case>, summary: Summary) -> Self {
        cases.sort_by(|a, b| a.run_id.cmp(&b.run_id));
        ReportDir {
            dir: dir.into(),
            cases,
            summary,
            paths: None,
        }
    }
}

/// An opened CSV file with its header index.
struct Table {
    path: PathBuf,
    index: HashMap<String, usize>,
}

impl Table {
    fn open(
        path: &Path,
        required: &[&'static str],
    ) -> Result<(Table, csv::Reader<std::io::BufReader<File>>), ReadError> {
        let file = File::open(path).map_err(|source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(std::io::BufReader::new(file));
        let headers = reader.headers().map_err(|e| csv_error(path, &e))?.clone();
        let index: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            // A UTF-8 byte order mark would otherwise hide the first column's name.
            .map(|(i, h)| (h.trim_start_matches('\u{feff}').trim().to_string(), i))
            .collect();
        for column in required {
            if !index.contains_key(*column) {
                return Err(ReadError::MissingColumn {
                    path: path.to_path_buf(),
                    column,
                });
            }
        }
        let table = Table {
            path: path.to_path_buf(),
            index,
        };
        Ok((table, reader))
    }

    fn malformed(&self, line: u64, message: String) -> ReadError {
        ReadError::Malformed {
            path: self.path.clone(),
            line,
            message,
        }
    }
}

fn csv_error(path: &Path, e: &csv::Error) -> ReadError {
    let line = e.position().map(|p| p.line()).unwrap_or(1);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => e.to_string(),
    };
    ReadError::Malformed {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// One data row with its line number, read by column name.
struct Row<'a> {
    table: &'a Table,
    record: &'a csv::StringRecord,
    line: u64,
}

impl Row<'_> {
    fn text(&self, column: &str) -> &str {
        self.table
            .index
            .get(column)
            .and_then(|&i| self.record.get(i))
            .unwrap_or("")
            .trim()
    }

    /// A text cell with the spreadsheet-injection guard undone: reprise writes `'=x` for a
    /// value `=x`, and pairing and output must see the value itself.
    fn unguarded(&self, column: &str) -> &str {
        let text = self.text(column);
        match text.strip_prefix('\'') {
            Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
            _ => text,
        }
    }

    /// A number cell; empty → `None`. NaN and infinities are refused (never written by reprise).
    fn number(&self, column: &str) -> Result<Option<f64>, ReadError> {
        let text = self.text(column);
        if text.is_empty() {
            return Ok(None);
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(self.table.malformed(
                self.line,
                format!("column `{column}`: `{text}` is not a number"),
            )),
        }
    }
}

fn read_runs(path: &Path) -> Result<Vec<Case>, ReadError> {
    let (table, mut reader) = Table::open(path, &RUNS_COLUMNS)?;
    let mut cases = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(path, &e)),
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let row = Row {
            table: &table,
            record: &record,
            line,
        };
        let run_id = row.unguarded("run_id").to_string();
        if run_id.is_empty() {
            return Err(table.malformed(line, "empty `run_id`".into()));
        }
        if let Some(first) = seen.insert(run_id.clone(), line) {
            return Err(table.malformed(
                line,
                format!("duplicate run_id `{run_id}` (first on line {first})"),
            ));
        }
        let verdict_text = row.text("verdict");
        let verdict = Verdict::parse(verdict_text).ok_or_else(|| {
            table.malformed(
                line,
                format!("column `verdict`: `{verdict_text}` is not pass, fail, error or none"),
            )
        })?;
        let snapshot_text = row.text("snapshot");
        let snapshot = SnapshotState::parse(snapshot_text).ok_or_else(|| {
            table.malformed(
                line,
                format!("column `snapshot`: `{snapshot_text}` is not match, changed, new or none"),
            )
        })?;
        cases.push(Case {
            workflow_id: row.unguarded("workflow_id").to_string(),
            verdict,
            total_tokens: row.number("total_tokens")?.unwrap_or(0.0),
            credits: row.number("credits")?.unwrap_or(0.0),
            latency_ms_mean: row.number("latency_ms_mean")?,
            snapshot,
            run_id,
        });
    }
    cases.sort_by(|a, b| a.run_id.cmp(&b.run_id));
    Ok(cases)
}

fn read_summary(path: &Path) -> Result<Summary, ReadError> {
    let (table, mut reader) = Table::open(path, &["latency_ms_p50", "latency_ms_p95"])?;
    let mut record = csv::StringRecord::new();
    let mut summary = None;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {
                let line = record.position().map(|p| p.line()).unwrap_or(0);
                if summary.is_some() {
                    return Err(table.malformed(line, "more than one data row".into()));
                }
                let row = Row {
                    table: &table,
                    record: &record,
                    line,
                };
                summary = Some(Summary {
                    latency_ms_p50: row.number("latency_ms_p50")?,
                    latency_ms_p95: row.number("latency_ms_p95")?,
                });
            }
            Ok(false) => break,
            Err(e) => return Err(csv_error(path, &e)),
        }
    }
    summary.ok_or_else(|| table.malformed(2, "no data row".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "run_id,replay_run_id,system,workflow_id,version,status,turns,llm_calls,input_tokens,output_tokens,total_tokens,credits,latency_ms_total,latency_ms_mean,eval_run_id,eval_tokens,verdict,score,assertions_failed,snapshot,error";
    const SUMMARY: &str = "runs,passed,failed,errored,unevaluated,pass_rate,pass_rate_low,pass_rate_high,total_tokens,mean_tokens,p95_tokens,total_credits,latency_ms_p50,latency_ms_p95,snapshots_changed,snapshots_new\n2,1,1,0,0,0.5,0.1,0.9,300,150,200,0,410,900,0,0\n";

    fn dir_with(runs: &str, summary: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("runs.csv"), runs).unwrap();
        std::fs::write(dir.path().join("summary.csv"), summary).unwrap();
        dir
    }

    #[test]
    fn reads_rows_by_header_name_sorted() {
        let runs = format!(
            "{HEADER}\nr2,r2,cortex,'-wf,1,COMPLETED,1,1,0,0,0,2.5,0,0,,0,none,,0,new,\n\
             r1,r1,interactly,wf,1,completed,2,3,100,50,150,0,900,300,e1,40,pass,0.9,0,match,\n"
        );
        let dir = dir_with(&runs, SUMMARY);
        let report = ReportDir::read(dir.path()).unwrap();
        assert_eq!(report.cases.len(), 2);
        assert_eq!(report.cases[0].run_id, "r1");
        assert_eq!(report.cases[0].verdict, Verdict::Pass);
        assert_eq!(report.cases[0].total_tokens, 150.0);
        assert_eq!(report.cases[0].latency_ms_mean, Some(300.0));
        assert_eq!(report.cases[1].credits, 2.5);
        assert_eq!(report.cases[1].workflow_id, "-wf");
        assert_eq!(report.cases[1].snapshot, SnapshotState::New);
        assert_eq!(report.summary.latency_ms_p95, Some(900.0));
    }

    #[test]
    fn bad_verdict_names_file_and_line() {
        let runs = format!(
            "{HEADER}\nr1,r1,interactly,wf,1,completed,2,3,100,50,150,0,900,300,e1,40,pass,0.9,0,match,\n\
             r2,r2,interactly,wf,1,completed,2,3,100,50,150,0,900,300,e1,40,maybe,0.9,0,match,\n"
        );
        let dir = dir_with(&runs, SUMMARY);
        let err = ReportDir::read(dir.path()).unwrap_err().to_string();
        assert!(
            err.ends_with(
                "runs.csv: line 3: column `verdict`: `maybe` is not pass, fail, error or none"
            ),
            "{err}"
        );
    }

    #[test]
    fn short_row_and_bad_number_and_duplicate_are_errors() {
        let dir = dir_with(&format!("{HEADER}\nr1,r1\n"), SUMMARY);
        let err = ReportDir::read(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("runs.csv: line 2: 2 fields where the header has 21"),
            "{err}"
        );

        let runs = format!(
            "{HEADER}\nr1,r1,interactly,wf,1,completed,2,3,100,50,lots,0,900,300,e1,40,pass,0.9,0,match,\n"
        );
        let dir = dir_with(&runs, SUMMARY);
        let err = ReportDir::read(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("line 2: column `total_tokens`: `lots` is not a number"),
            "{err}"
        );

        let row = "r1,r1,interactly,wf,1,completed,2,3,100,50,1,0,900,300,e1,40,pass,0.9,0,match,";
        let dir = dir_with(&format!("{HEADER}\n{row}\n{row}\n"), SUMMARY);
        let err = ReportDir::read(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("line 3: duplicate run_id `r1` (first on line 2)"),
            "{err}"
        );
    }

    #[test]
    fn missing_column_folder_and_summary_row() {
        let dir = dir_with("run_id,verdict\nr1,pass\n", SUMMARY);
        let err = ReportDir::read(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("runs.csv: line 1: missing column `workflow_id`"),
            "{err}"
        );

        let dir = dir_with(
            &format!("{HEADER}\n"),
            "runs,latency_ms_p50,latency_ms_p95\n",
        );
        let err = ReportDir::read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("summary.csv: line 2: no data row"), "{err}");

        let err = ReportDir::read(Path::new("/nonexistent/report")).unwrap_err();
        assert!(matches!(err, ReadError::MissingDir(_)));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Whatever bytes follow the header, reading returns a value or an error, never panics,
        /// and an error names runs.csv.
        #[test]
        fn arbitrary_rows_never_panic(body in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let dir = tempfile::tempdir().unwrap();
            let mut runs = format!("{HEADER}\n").into_bytes();
            runs.extend_from_slice(&body);
            std::fs::write(dir.path().join("runs.csv"), runs).unwrap();
            std::fs::write(dir.path().join("summary.csv"), SUMMARY).unwrap();
            if let Err(e) = ReportDir::read(dir.path()) {
                proptest::prop_assert!(e.to_string().contains("runs.csv"), "{}", e);
            }
        }
    }
}

//! `report.html`: one self-contained page (inline CSS and JS, no network) over the same typed
//! data as the other reports. The data goes in as one JSON blob inside a
//! `<script type="application/json">`; the page's small vanilla JS draws the overview, the
//! SVG charts, the case table (filtered on arrays, drawn a page at a time) and the case view.
//!
//! Every text in it was redacted upstream (rows' reasons and errors, the evaluator's per-turn
//! texts, snapshot transcripts). With `run --impact`, the carried cases and why (from
//! `impact.csv`, as summary.md lists them) mark the overview and the case table.
//! Memory stays bounded: each case's compact row goes to a file beside the page once the rows
//! pass [`SPOOL_IN_MEMORY`] bytes (a million cases make a gigabyte of rows), and the page is
//! written piece by piece; transcripts are kept for failing, erroring and changed cases (up
//! to [`PROBLEM_TEXT_BUDGET`]) and for the others up to [`PLAIN_TEXT_BUDGET`] bytes; the page
//! says how many were left out.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{json, Value};

use super::history::HistoryError;
use super::stats::Counts;
use super::{summary_csv, CaseRow, ReportWriter, RunMeta, SnapshotText, Stats, Verdict};
use crate::snapshot::SnapshotState;

/// Transcript bytes kept for the other cases (passing or unevaluated, snapshot matching,
/// new or absent).
pub const PLAIN_TEXT_BUDGET: usize = 4 << 20;
/// Transcript bytes kept for failing, erroring and changed cases.
pub const PROBLEM_TEXT_BUDGET: usize = 8 << 20;

/// Case rows kept in memory before they go to a file beside the page.
pub const SPOOL_IN_MEMORY: usize = 8 << 20;

const TEMPLATE: &str = include_str!("html/report.html");
/// Where the data goes in the template.
const SLOT: &str = "/*REPRISE_DATA*/";

/// The columns of a case row in the page's data, in order.
const CASE_COLUMNS: [&str; 18] = [
    "run_id",
    "system",
    "workflow_id",
    "version",
    "status",
    "verdict",
    "score",
    "snapshot",
    "turns",
    "llm_calls",
    "total_tokens",
    "credits",
    "latency_ms_mean",
    "assertions_failed",
    "reasons",
    "text",
    "replay_run_id",
    "turn_results",
];

/// A case's text as the page gets it.
#[derive(Serialize)]
struct Text<'a> {
    t: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    d: Option<&'a str>,
}

/// A failing, erroring or changed case: its transcript is what a reader looks at first, so
/// it has its own, larger budget (and the journal keeps it).
pub fn keeps_text_first(row: &CaseRow) -> bool {
    matches!(row.verdict, Verdict::Fail | Verdict::Error) || row.snapshot == SnapshotState::Changed
}

/// The page being collected; [`Html::finish`] writes it.
pub struct Html {
    path: PathBuf,
    /// The case rows, as JSON arrays joined by commas (compact: a `Value` per case would
    /// take several times the memory), `<` already escaped.
    cases: Spool,
    /// The kept texts, as JSON objects joined by commas.
    texts: String,
    texts_kept: usize,
    plain_bytes: usize,
    problem_bytes: usize,
    omitted: u64,
    snapshot_counts: [u64; 4],
    compare: Option<Value>,
}

impl Html {
    /// Will write `dir/report.html`.
    pub fn new(dir: &Path) -> Html {
        Html {
            path: dir.join("report.html"),
            cases: Spool::new(dir.join(".report.cases.tmp")),
            texts: String::new(),
            texts_kept: 0,
            plain_bytes: 0,
            problem_bytes: 0,
            omitted: 0,
            snapshot_counts: [0; 4],
            compare: None,
        }
    }

    /// Adds the comparison section (`reprise compare`).
    pub fn set_compare(&mut self, compare: Value) {
        self.compare = Some(compare);
    }

    /// The index of the case's text in `texts`, -1 without one, -2 when left out.
    fn keep_text(&mut self, row: &CaseRow) -> i64 {
        match &row.snapshot_text {
            Some(text) => self.add_text(text, keeps_text_first(row)),
            None => -1,
        }
    }

    /// Adds `text` to the page's texts within its budget (`problem`: the failing, erroring
    /// and changed cases' budget); its index in `texts`, or -2 when it was left out.
    pub fn add_text(&mut self, text: &SnapshotText, problem: bool) -> i64 {
        let size = text.transcript.len() + text.diff.as_ref().map_or(0, String::len);
        let used = if problem {
            (&mut self.problem_bytes, PROBLEM_TEXT_BUDGET)
        } else {
            (&mut self.plain_bytes, PLAIN_TEXT_BUDGET)
        };
        if *used.0 + size > used.1 {
            self.omitted += 1;
            return -2;
        }
        *used.0 += size;
        let t = Text {
            t: &text.transcript,
            d: text.diff.as_deref(),
        };
        push_json(&mut self.texts, &t);
        self.texts_kept += 1;
        self.texts_kept as i64 - 1
    }

    /// The data blob but its `cases` and `texts`.
    fn data(&self, stats: &Stats, meta: &RunMeta) -> Value {
        let cells = summary_csv::cells(stats);
        let summary: serde_json::Map<String, Value> = summary_csv::HEADER
            .iter()
            .zip(cells)
            .map(|(h, c)| ((*h).to_owned(), Value::String(c)))
            .collect();
        let counts = |c: &Counts| {
            let ci = c.pass_rate_interval();
            json!([
                c.runs,
                c.passed,
                c.failed,
                c.errored,
                c.unevaluated,
                c.pass_rate(),
                ci.map(|i| i.0),
                ci.map(|i| i.1),
                c.total_tokens
            ])
        };
        let workflows: Vec<Value> = stats
            .workflows
            .iter()
            .map(|((s, w), c)| json!([s, w, counts(c)]))
            .collect();
        let versions: Vec<Value> = stats
            .versions
            .iter()
            .map(|((s, w, v), c)| json!([s, w, v, counts(c)]))
            .collect();
        let models: Vec<Value> = stats
            .models
            .iter()
            .map(|((p, m), s)| {
                json!([
                    p,
                    m,
                    s.counts.calls,
                    s.counts.input_tokens,
                    s.counts.output_tokens,
                    s.counts.total_tokens,
                    s.counts.latency_ms_mean(),
                    s.latency.quantile(0.5),
                    s.latency.quantile(0.95)
                ])
            })
            .collect();
        // The per-call latency distribution as 41 quantiles (the histogram itself is not kept).
        let latency_q: Vec<f64> = if stats.latency.count() == 0 {
            Vec::new()
        } else {
            (0..=40)
                .map(|i| stats.latency.quantile(f64::from(i) / 40.0))
                .collect()
        };
        let [matched, changed, new, none] = self.snapshot_counts;
        json!({
            "kind": if self.compare.is_some() { "compare" } else { "run" },
            "meta": {
                "engine": meta.engine,
                "version": meta.version,
                "git_sha": meta.git_sha,
                "started_at": meta.started_at,
                "ended_at": meta.ended_at,
                "interrupted": meta.interrupted,
                "reprise_version": env!("CARGO_PKG_VERSION"),
            },
            "summary": summary,
            "extra": {
                "eval_tokens": stats.eval_tokens,
                "snapshots": {"match": matched, "changed": changed, "new": new, "none": none},
                "latency_quantiles": latency_q,
            },
            "workflows": workflows,
            "versions": versions,
            "models": models,
            "columns": CASE_COLUMNS,
            "texts_omitted": self.omitted,
            "text_budget": PLAIN_TEXT_BUDGET,
            "compare": self.compare,
            "history": meta.history,
            "carried": meta.carried,
        })
    }
}

/// A case's per-turn evaluator results as the page reads them: `[turn, passed, score, text]`
/// each (the texts were redacted by the evaluation).
pub fn turn_results(row: &CaseRow) -> Value {
    row.turn_results
        .iter()
        .map(|t| json!([t.turn, t.passed, t.score, t.text]))
        .collect()
}

/// Appends `value` as JSON to a comma-separated list.
fn push_json<T: Serialize>(list: &mut String, value: &T) {
    if !list.is_empty() {
        list.push(',');
    }
    // Serializing strings, numbers and arrays of them cannot fail.
    list.push_str(&serde_json::to_string(value).unwrap_or_else(|_| "null".into()));
}

/// Writes the page: the template with the data in its slot (`rest`, an object, gets `cases`
/// and `texts` added). `<` is written as `\u003c` inside the JSON, so no text can close the
/// script tag or open a comment (the rows were escaped as they came).
fn render(out: &mut impl Write, rest: &Value, cases: &mut Spool, texts: &str) -> io::Result<()> {
    let Some((head, tail)) = TEMPLATE.split_once(SLOT) else {
        return out.write_all(TEMPLATE.as_bytes());
    };
    let rest = rest.to_string();
    out.write_all(head.as_bytes())?;
    out.write_all(b"{\"cases\":[")?;
    cases.copy_to(out)?;
    out.write_all(b"],\"texts\":[")?;
    out.write_all(texts.replace('<', "\\u003c").as_bytes())?;
    out.write_all(b"],")?;
    let rest = rest
        .strip_prefix('{')
        .unwrap_or("}")
        .replace('<', "\\u003c");
    out.write_all(rest.as_bytes())?;
    out.write_all(tail.as_bytes())
}

/// A comma-separated list of JSON values: in memory until it passes [`SPOOL_IN_MEMORY`]
/// bytes, then in a file (removed once copied into the page).
struct Spool {
    path: PathBuf,
    memory: String,
    file: Option<BufWriter<File>>,
}

impl Spool {
    fn new(path: PathBuf) -> Spool {
        Spool {
            path,
            memory: String::new(),
            file: None,
        }
    }

    /// Appends one value (`json`), after a comma unless it is the first.
    fn push(&mut self, json: &str) -> io::Result<()> {
        let named = |e: io::Error, path: &Path| {
            io::Error::new(e.kind(), format!("{}: {e}", path.display()))
        };
        if let Some(file) = &mut self.file {
            return file
                .write_all(b",")
                .and_then(|()| file.write_all(json.as_bytes()))
                .map_err(|e| named(e, &self.path));
        }
        if !self.memory.is_empty() {
            self.memory.push(',');
        }
        self.memory.push_str(json);
        if self.memory.len() > SPOOL_IN_MEMORY {
            let mut file = File::create(&self.path)
                .map(BufWriter::new)
                .map_err(|e| named(e, &self.path))?;
            file.write_all(self.memory.as_bytes())
                .map_err(|e| named(e, &self.path))?;
            self.memory = String::new();
            self.file = Some(file);
        }
        Ok(())
    }

    /// Writes the list to `out` and removes its file.
    fn copy_to(&mut self, out: &mut impl Write) -> io::Result<()> {
        let named = |e: io::Error, path: &Path| {
            io::Error::new(e.kind(), format!("{}: {e}", path.display()))
        };
        let Some(file) = self.file.take() else {
            return out.write_all(self.memory.as_bytes());
        };
        // Flushed and closed before it is read back.
        drop(
            file.into_inner()
                .map_err(|e| named(e.into_error(), &self.path))?,
        );
        let mut spooled = File::open(&self.path).map_err(|e| named(e, &self.path))?;
        io::copy(&mut spooled, out)?;
        let _ = std::fs::remove_file(&self.path);
        Ok(())
    }

    /// The list as text (tests).
    #[cfg(test)]
    fn text(&self) -> String {
        match &self.file {
            None => self.memory.clone(),
            Some(_) => std::fs::read_to_string(&self.path).unwrap_or_default(),
        }
    }
}

/// The data blob as [`read_texts`] needs it: run ids, text indexes and the texts.
#[derive(serde::Deserialize)]
struct Blob {
    columns: Vec<String>,
    cases: Vec<Vec<Value>>,
    texts: Vec<OwnedText>,
}

/// A [`Text`] read back.
#[derive(serde::Deserialize)]
struct OwnedText {
    t: String,
    d: Option<String>,
}

/// Reads back the transcripts that `dir/report.html` kept for the cases in `ids` (it is the
/// folder's one copy of a passing case's redacted transcript: the journal keeps only failing
/// and changed cases'). A folder without `report.html` has none; the texts were redacted
/// when the page was written.
pub fn read_texts(
    dir: &Path,
    ids: &std::collections::HashSet<&str>,
) -> Result<std::collections::HashMap<String, SnapshotText>, HistoryError> {
    let path = dir.join("report.html");
    let page = match std::fs::read_to_string(&path) {
        Ok(p) => p,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Default::default()),
        Err(source) => return Err(HistoryError::Io { path, source }),
    };
    let malformed = |message: String| HistoryError::Malformed {
        path: path.clone(),
        message,
    };
    let open = r#"<script type="application/json" id="data">"#;
    let start = page
        .find(open)
        .map(|i| i + open.len())
        .ok_or_else(|| malformed("no data blob (not a page reprise wrote)".into()))?;
    let len = page[start..]
        .find("</script>")
        .ok_or_else(|| malformed("the data blob is not closed".into()))?;
    let blob: Blob = serde_json::from_str(&page[start..start + len])
        .map_err(|e| malformed(format!("data blob: {e}")))?;
    let col = |name: &str| {
        blob.columns
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| malformed(format!("data blob: no column `{name}`")))
    };
    let (id_col, text_col) = (col("run_id")?, col("text")?);
    let mut texts: Vec<Option<SnapshotText>> = blob
        .texts
        .into_iter()
        .map(|t| {
            Some(SnapshotText {
                transcript: t.t,
                diff: t.d,
            })
        })
        .collect();
    let mut out = std::collections::HashMap::new();
    for (n, case) in blob.cases.iter().enumerate() {
        let Some(id) = case.get(id_col).and_then(Value::as_str) else {
            return Err(malformed(format!("data blob: cases[{n}] has no run id")));
        };
        if !ids.contains(id) {
            continue;
        }
        let at = case.get(text_col).and_then(Value::as_i64).unwrap_or(-1);
        if let Some(text) = usize::try_from(at).ok().and_then(|i| texts.get_mut(i)) {
            if let Some(t) = text.take() {
                out.insert(id.to_owned(), t);
            }
        }
    }
    Ok(out)
}

impl ReportWriter for Html {
    fn row(&mut self, row: &CaseRow) -> io::Result<()> {
        let text = self.keep_text(row);
        let slot = match row.snapshot {
            SnapshotState::Match => 0,
            SnapshotState::Changed => 1,
            SnapshotState::New => 2,
            SnapshotState::None => 3,
        };
        self.snapshot_counts[slot] += 1;
        let mut reasons = row.reasons.clone();
        if let Some(e) = &row.error {
            if !reasons.contains(e) {
                reasons.push(e.clone());
            }
        }
        let latency = (row.latency_calls > 0).then(|| row.latency_ms_mean());
        let case = json!([
            row.run_id,
            row.system,
            row.workflow_id,
            row.version,
            row.status,
            row.verdict.as_str(),
            row.score,
            row.snapshot.as_str(),
            row.turns,
            row.llm_calls,
            row.total_tokens,
            row.credits,
            latency,
            row.assertions_failed,
            reasons,
            text,
            row.replay_run_id,
            turn_results(row),
        ]);
        let mut json = String::new();
        push_json(&mut json, &case);
        self.cases.push(&json.replace('<', "\\u003c"))
    }

    fn finish(&mut self, stats: &Stats, meta: &RunMeta) -> io::Result<()> {
        let rest = self.data(stats, meta);
        let mut out = BufWriter::new(File::create(&self.path)?);
        render(&mut out, &rest, &mut self.cases, &self.texts)?;
        out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, verdict: Verdict, snapshot: SnapshotState, text: &str) -> CaseRow {
        let mut r = CaseRow::new(id, "noxus", "wf");
        r.verdict = verdict;
        r.snapshot = snapshot;
        r.snapshot_text = Some(SnapshotText {
            transcript: text.to_owned(),
            diff: None,
        });
        r
    }

    #[test]
    fn no_text_can_close_the_script_tag() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = Html::new(dir.path());
        let evil = "</script><script>alert(1)</script><!--";
        h.row(&row(evil, Verdict::Fail, SnapshotState::Changed, evil))
            .unwrap();
        let mut stats = Stats::default();
        stats.add(&row(evil, Verdict::Fail, SnapshotState::Changed, evil));
        h.finish(&stats, &RunMeta::default()).unwrap();
        let page = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
        let open = r#"<script type="application/json" id="data">"#;
        let start = page.find(open).unwrap();
        let end = start + page[start..].find("</script>").unwrap();
        let blob = &page[start + open.len()..end];
        let data: Value = serde_json::from_str(blob).unwrap();
        assert_eq!(data["cases"][0][0], evil);
        assert_eq!(data["texts"][0]["t"], evil);
        assert!(!page.contains("<script>alert"));
    }

    #[test]
    fn rows_past_the_memory_spool_go_to_a_file_and_the_page_is_the_same() {
        // The same rows into a page that spools them and into the blob's own rendering.
        let dir = tempfile::tempdir().unwrap();
        let mut h = Html::new(dir.path());
        let mut stats = Stats::default();
        let reason = "<why> ".repeat(2_000);
        let n = SPOOL_IN_MEMORY / reason.len() + 50;
        for i in 0..n {
            let mut r = row(
                &format!("case-{i:05}"),
                Verdict::Fail,
                SnapshotState::New,
                "",
            );
            r.snapshot_text = None;
            r.reasons = vec![reason.clone()];
            stats.add(&r);
            h.row(&r).unwrap();
        }
        let spooled = dir.path().join(".report.cases.tmp");
        assert!(spooled.exists(), "the rows went to a file");
        h.finish(&stats, &RunMeta::default()).unwrap();
        assert!(!spooled.exists(), "the spool file is removed");
        let page = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
        let open = r#"<script type="application/json" id="data">"#;
        let start = page.find(open).unwrap() + open.len();
        let end = start + page[start..].find("</script>").unwrap();
        let data: Value = serde_json::from_str(&page[start..end]).unwrap();
        let cases = data["cases"].as_array().unwrap();
        assert_eq!(cases.len(), n);
        assert_eq!(cases[0][0], "case-00000");
        assert_eq!(cases[n - 1][0], format!("case-{:05}", n - 1));
        assert_eq!(cases[n - 1][14][0], reason);
        assert!(!page[start..end].contains('<'), "escaped in the spool too");
    }

    #[test]
    fn texts_are_read_back_by_run_id_and_a_bad_page_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = Html::new(dir.path());
        let mut stats = Stats::default();
        for (id, text) in [
            ("a", "turns:\n- turn: 1\n"),
            ("b", "</script> b"),
            ("c", "c"),
        ] {
            let r = row(id, Verdict::Pass, SnapshotState::Match, text);
            stats.add(&r);
            h.row(&r).unwrap();
        }
        let mut no_text = row("d", Verdict::Pass, SnapshotState::None, "");
        no_text.snapshot_text = None;
        h.row(&no_text).unwrap();
        h.finish(&stats, &RunMeta::default()).unwrap();
        let ids = ["a", "b", "d", "zz"].into_iter().collect();
        let texts = read_texts(dir.path(), &ids).unwrap();
        assert_eq!(texts.len(), 2, "{:?}", texts.keys());
        assert_eq!(texts["a"].transcript, "turns:\n- turn: 1\n");
        assert_eq!(texts["b"].transcript, "</script> b");
        assert_eq!(texts["b"].diff, None);
        // No page: no texts, no error.
        let empty = tempfile::tempdir().unwrap();
        assert!(read_texts(empty.path(), &ids).unwrap().is_empty());
        // A page that is not ours, or a broken blob: an error naming the file and the place.
        let page = dir.path().join("report.html");
        std::fs::write(&page, "<html>hello</html>").unwrap();
        let e = read_texts(dir.path(), &ids).unwrap_err().to_string();
        assert!(
            e.contains("report.html") && e.contains("no data blob"),
            "{e}"
        );
        std::fs::write(
            &page,
            r#"<script type="application/json" id="data">{"cases":[["a"]],"texts":[1]}</script>"#,
        )
        .unwrap();
        let e = read_texts(dir.path(), &ids).unwrap_err().to_string();
        assert!(
            e.contains("report.html: data blob") && e.contains("column"),
            "{e}"
        );
    }

    #[test]
    fn transcripts_of_passing_unchanged_cases_are_left_out_above_the_budget() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = Html::new(dir.path());
        let big = "x".repeat(PLAIN_TEXT_BUDGET / 2 + 1);
        let ids = ["a", "b", "c"];
        for id in ids {
            h.row(&row(id, Verdict::Pass, SnapshotState::Match, &big))
                .unwrap();
        }
        h.row(&row("d", Verdict::Fail, SnapshotState::Match, &big))
            .unwrap();
        let cases: Vec<Value> = serde_json::from_str(&format!("[{}]", h.cases.text())).unwrap();
        let texts: Vec<i64> = cases.iter().map(|c| c[15].as_i64().unwrap()).collect();
        assert_eq!(texts, [0, -2, -2, 1]);
        assert_eq!(h.omitted, 2);
    }
}

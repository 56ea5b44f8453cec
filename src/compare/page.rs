//! The comparison's `report.html` and `pr-comment.md`.
//!
//! The page is the candidate's run page (rebuilt from its `journal.jsonl` when there is one,
//! so transcripts and reasons come along; otherwise from `runs.csv`) plus a comparison
//! section: metric deltas, flips (new failures first) with both sides' verdicts and reasons,
//! McNemar's p, path divergences, and for a flipped case the two sides' transcripts next to
//! each other. A side's transcript is its journal's (failing, erroring and changed cases) or,
//! for a passing case, the one its `report.html` kept. The comment is the short version of
//! the same. Reasons and transcripts come from the journals and pages, which hold only text
//! that went through the redactor.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io;
use std::path::Path;

use serde_json::{json, Value};

use super::{Comparison, FlipKind, PathDivergence, ReportDir};
use crate::report::history::{Entry, HistoryError};
use crate::report::html::{self, Html};
use crate::report::pr_comment::{self, cap, inline, rate};
use crate::report::{
    journal, num, wilson, CaseRow, ReportWriter, RunMeta, SnapshotText, Stats, Verdict,
};

/// Flips listed by name on the page (the rest are counted; comparison.csv has them all).
const FLIPS_LISTED: usize = 5_000;
/// Run ids listed as only in one report.
const ONLY_LISTED: usize = 1_000;

/// One side of the comparison: its folder read back, and its journal's rows by run id.
pub struct Side<'a> {
    /// The folder.
    pub dir: &'a Path,
    /// runs.csv and summary.csv.
    pub report: &'a ReportDir,
    /// journal.jsonl's rows (empty when the folder has none).
    pub rows: HashMap<String, CaseRow>,
    /// Transcripts the journal lacks, read back from the folder's `report.html`
    /// ([`Side::read_texts`]).
    pub texts: HashMap<String, SnapshotText>,
}

impl<'a> Side<'a> {
    /// Reads the journal of `dir` (a missing journal is no error: reasons are then absent).
    pub fn read(dir: &'a Path, report: &'a ReportDir) -> io::Result<Side<'a>> {
        let (rows, _) = journal::read(dir)?;
        Ok(Side {
            dir,
            report,
            rows,
            texts: HashMap::new(),
        })
    }

    /// Keeps the transcripts the page shows: the failing, erroring and changed cases' and the
    /// flips' (the journal holds every case's; the rest would put the whole run on the page).
    /// A flip whose text the journal lacks (a journal written before every transcript was
    /// kept) has it read back from the folder's `report.html`.
    pub fn read_texts(&mut self, cmp: &Comparison) -> Result<(), HistoryError> {
        let flips: HashSet<&str> = cmp.flips.iter().map(|f| f.run_id.as_str()).collect();
        for (id, row) in &mut self.rows {
            if !html::keeps_text_first(row) && !flips.contains(id.as_str()) {
                row.snapshot_text = None;
            }
        }
        let wanted: HashSet<&str> = flips
            .into_iter()
            .filter(|id| self.rows.get(*id).is_none_or(|r| r.snapshot_text.is_none()))
            .collect();
        if !wanted.is_empty() {
            self.texts = html::read_texts(self.dir, &wanted)?;
        }
        Ok(())
    }

    /// The case's redacted transcript, if the folder kept one.
    fn text(&self, id: &str) -> Option<&SnapshotText> {
        self.rows
            .get(id)
            .and_then(|r| r.snapshot_text.as_ref())
            .or_else(|| self.texts.get(id))
    }

    fn reasons(&self, id: &str) -> Vec<String> {
        self.rows
            .get(id)
            .map(|r| {
                let mut v = r.reasons.clone();
                if let Some(e) = &r.error {
                    if !v.contains(e) {
                        v.push(e.clone());
                    }
                }
                v
            })
            .unwrap_or_default()
    }

    /// The evaluator's per-turn results as the page gets them (see `report::html`).
    fn turn_results(&self, id: &str) -> Value {
        self.rows
            .get(id)
            .map_or(Value::Array(Vec::new()), html::turn_results)
    }

    fn verdict(&self, id: &str) -> &'static str {
        self.report
            .cases
            .binary_search_by(|c| c.run_id.as_str().cmp(id))
            .map(|i| self.report.cases[i].verdict.as_str())
            .unwrap_or("none")
    }

    /// The side's rows in run id order: the journal's, or rows rebuilt from runs.csv; with
    /// the transcripts read back from `report.html`.
    fn case_rows(&self) -> Vec<CaseRow> {
        let mut rows = self.journal_or_csv_rows();
        for r in &mut rows {
            if r.snapshot_text.is_none() {
                r.snapshot_text = self.texts.get(&r.run_id).cloned();
            }
        }
        rows
    }

    fn journal_or_csv_rows(&self) -> Vec<CaseRow> {
        if !self.rows.is_empty() {
            let mut rows: Vec<CaseRow> = self.rows.values().cloned().collect();
            rows.sort_by(|a, b| a.run_id.cmp(&b.run_id));
            return rows;
        }
        self.report
            .cases
            .iter()
            .map(|c| {
                let mut r = CaseRow::new(&c.run_id, "", &c.workflow_id);
                r.verdict = match c.verdict {
                    super::Verdict::Pass => Verdict::Pass,
                    super::Verdict::Fail => Verdict::Fail,
                    super::Verdict::Error => Verdict::Error,
                    super::Verdict::None => Verdict::None,
                };
                r.total_tokens = c.total_tokens.max(0.0) as u64;
                r.credits = c.credits;
                if let Some(l) = c.latency_ms_mean {
                    r.latency_ms_total = l;
                    r.latency_calls = 1;
                }
                r.snapshot = c.snapshot;
                r
            })
            .collect()
    }
}

/// Flips with new failures first, then by run id.
fn ordered_flips(cmp: &Comparison) -> Vec<&super::Flip> {
    let mut flips: Vec<&super::Flip> = cmp.flips.iter().collect();
    flips.sort_by_key(|f| (f.kind != FlipKind::NewFailure, f.run_id.as_str()));
    flips
}

/// Path divergences listed on the page (the rest are counted).
const PATHS_LISTED: usize = 5_000;

/// The comparison section of the page's data. `base_texts`: the index in the page's texts of
/// each flipped case's baseline transcript (-2 left out for size; absent: not kept).
pub fn data(
    cmp: &Comparison,
    base: &Side<'_>,
    cand: &Side<'_>,
    base_texts: &HashMap<&str, i64>,
    paths: &[PathDivergence],
) -> Value {
    let flips = ordered_flips(cmp);
    let listed: Vec<Value> = flips
        .iter()
        .take(FLIPS_LISTED)
        .map(|f| {
            json!([
                f.run_id,
                f.kind.as_str(),
                base.verdict(&f.run_id),
                cand.verdict(&f.run_id),
                base.reasons(&f.run_id),
                cand.reasons(&f.run_id),
                base_texts.get(f.run_id.as_str()).copied().unwrap_or(-1),
                base.turn_results(&f.run_id)
            ])
        })
        .collect();
    let metrics: Vec<Value> = cmp
        .rows()
        .iter()
        .map(|r| {
            json!({"metric": r.metric, "baseline": r.baseline, "candidate": r.candidate,
                   "delta": r.delta, "delta_pct": r.delta_pct, "verdict": r.verdict})
        })
        .collect();
    let ci = |m: &super::Metrics| wilson(m.passed, m.passed + m.failed).map(|(l, h)| [l, h]);
    let only = |ids: &[String]| ids.iter().take(ONLY_LISTED).cloned().collect::<Vec<_>>();
    let path_rows: Vec<Value> = paths
        .iter()
        .take(PATHS_LISTED)
        .map(|p| json!([p.run_id, p.turn, p.baseline, p.candidate]))
        .collect();
    json!({
        "baseline_dir": base.dir.display().to_string(),
        "candidate_dir": cand.dir.display().to_string(),
        "paired": cmp.candidate.runs,
        "metrics": metrics,
        "pass_rate": [cmp.baseline.pass_rate(), cmp.candidate.pass_rate()],
        "pass_rate_ci": [ci(&cmp.baseline), ci(&cmp.candidate)],
        "new_failures": cmp.new_failures(),
        "fixed": cmp.fixed(),
        "mcnemar_p": cmp.mcnemar_p(),
        "flips": listed,
        "flips_unlisted": flips.len().saturating_sub(FLIPS_LISTED),
        "paths": path_rows,
        "paths_unlisted": paths.len().saturating_sub(PATHS_LISTED),
        "only_in_baseline": only(&cmp.only_in_baseline),
        "only_in_candidate": only(&cmp.only_in_candidate),
    })
}

/// Writes `out/report.html`: the candidate's cases, the comparison with its path
/// divergences (`Comparison::paths`), and the trend of `history` (`--history FILE`).
pub fn write_html(
    cmp: &Comparison,
    base: &Side<'_>,
    cand: &Side<'_>,
    out: &Path,
    paths: &[PathDivergence],
    history: Vec<Entry>,
) -> io::Result<()> {
    let mut page = Html::new(out);
    let mut stats = Stats::default();
    for row in cand.case_rows() {
        stats.add(&row);
        page.row(&row)?;
    }
    // The baseline sides of the flips listed, in the problem cases' budget.
    let mut base_texts = HashMap::new();
    for f in ordered_flips(cmp).into_iter().take(FLIPS_LISTED) {
        if let Some(text) = base.text(&f.run_id) {
            base_texts.insert(f.run_id.as_str(), page.add_text(text, true));
        }
    }
    page.set_compare(data(cmp, base, cand, &base_texts, paths));
    let meta = RunMeta {
        engine: "compare".to_owned(),
        history,
        ..RunMeta::default()
    };
    page.finish(&stats, &meta)
}

fn pp(x: Option<f64>) -> String {
    x.map(|d| format!("{:+.1} pp", d * 100.0))
        .unwrap_or_else(|| "–".to_owned())
}

/// The comparison's `pr-comment.md` body, capped.
pub fn comment(cmp: &Comparison, base: &Side<'_>, cand: &Side<'_>) -> String {
    cap(&comment_text(cmp, base, cand), pr_comment::LIMIT)
}

/// Path divergences listed by the comment (comparison.csv has every `path:` row).
const PATHS_IN_COMMENT: usize = 10;

/// The comment's "Path divergences" section: the first few paired cases whose node path
/// departs (where, and both nodes), with a count of the rest.
fn path_divergences(s: &mut String, paths: &[PathDivergence]) {
    if paths.is_empty() {
        return;
    }
    let _ = writeln!(s, "### Path divergences ({})\n", paths.len());
    for p in paths.iter().take(PATHS_IN_COMMENT) {
        let _ = writeln!(
            s,
            "- `{}` turn {}: {} → {}",
            inline(&p.run_id),
            p.turn,
            inline(&p.baseline),
            inline(&p.candidate)
        );
    }
    if paths.len() > PATHS_IN_COMMENT {
        let _ = writeln!(
            s,
            "- …and {} more (comparison.csv lists every `path:` row)",
            paths.len() - PATHS_IN_COMMENT
        );
    }
    s.push('\n');
}

fn comment_text(cmp: &Comparison, base: &Side<'_>, cand: &Side<'_>) -> String {
    let (b, c) = (&cmp.baseline, &cmp.candidate);
    let ci = |m: &super::Metrics| wilson(m.passed, m.passed + m.failed);
    let mut s = format!(
        "{}\n## reprise compare: {} paired case(s)\n\nBaseline `{}`, candidate `{}`.\n\n",
        pr_comment::MARKER,
        c.runs,
        inline(&base.dir.display().to_string()),
        inline(&cand.dir.display().to_string())
    );
    let _ = writeln!(
        s,
        "**Pass rate {} → {}**, Δ {}. Flips: {} new failure(s), {} fixed; McNemar exact p = {}.\n",
        rate(b.pass_rate(), ci(b)),
        rate(c.pass_rate(), ci(c)),
        pp(cmp.pass_rate_drop().map(|d| -d)),
        cmp.new_failures(),
        cmp.fixed(),
        num(cmp.mcnemar_p())
    );
    let _ = writeln!(
        s,
        "| metric | baseline | candidate | delta | delta % |\n|---|---:|---:|---:|---:|"
    );
    let shown = [
        "pass_rate",
        "total_tokens",
        "mean_tokens",
        "total_credits",
        "latency_ms_p50",
        "latency_ms_p95",
        "snapshots_changed",
    ];
    let o = |x: Option<f64>| x.map(num).unwrap_or_else(|| "–".to_owned());
    for r in cmp.rows().iter().filter(|r| shown.contains(&r.metric)) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            r.metric,
            o(r.baseline),
            o(r.candidate),
            o(r.delta),
            r.delta_pct
                .map(|p| format!("{p:+.1} %"))
                .unwrap_or_else(|| "–".into())
        );
    }
    s.push('\n');
    let flips = ordered_flips(cmp);
    let new: Vec<_> = flips
        .iter()
        .filter(|f| f.kind == FlipKind::NewFailure)
        .collect();
    if !new.is_empty() {
        let _ = writeln!(s, "### New failures ({})\n", new.len());
        for f in &new {
            let why = cand.reasons(&f.run_id).join("; ");
            let _ = writeln!(
                s,
                "- `{}` — {}",
                inline(&f.run_id),
                if why.is_empty() {
                    "(no reason recorded)".to_owned()
                } else {
                    inline(&why)
                }
            );
        }
        s.push('\n');
    }
    let fixed: Vec<String> = flips
        .iter()
        .filter(|f| f.kind == FlipKind::Fixed)
        .map(|f| format!("`{}`", inline(&f.run_id)))
        .collect();
    if !fixed.is_empty() {
        let _ = writeln!(s, "Fixed ({}): {}\n", fixed.len(), fixed.join(", "));
    }
    path_divergences(&mut s, &cmp.paths);
    s.push_str(pr_comment::HTML_POINTER);
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::comparison::tests::case;
    use crate::compare::{Scope, Summary};

    fn side<'a>(dir: &'a Path, report: &'a ReportDir) -> Side<'a> {
        Side {
            dir,
            report,
            rows: HashMap::new(),
            texts: HashMap::new(),
        }
    }

    #[test]
    fn page_data_lists_path_divergences_and_the_baseline_texts_of_flips() {
        use super::super::Verdict as V;
        let b = ReportDir::from_cases(
            "b",
            vec![
                case("x", "wf", V::Pass, 1.0, 1.0),
                case("y", "wf", V::Fail, 1.0, 1.0),
            ],
            Summary::default(),
        );
        let c = ReportDir::from_cases(
            "c",
            vec![
                case("x", "wf", V::Fail, 1.0, 1.0),
                case("y", "wf", V::Pass, 1.0, 1.0),
            ],
            Summary::default(),
        );
        let cmp = Comparison::new(&b, &c, &Scope::All);
        let (bd, cd) = (Path::new("b"), Path::new("c"));
        let (bs, cs) = (side(bd, &b), side(cd, &c));
        let none = data(&cmp, &bs, &cs, &HashMap::new(), &[]);
        assert_eq!(none["paths"], json!([]));
        assert_eq!(none["flips"][0][6], -1, "no baseline text kept");
        let paths = [PathDivergence {
            run_id: "x".into(),
            baseline: "triage".into(),
            candidate: "escalate".into(),
            turn: 2,
        }];
        let texts = HashMap::from([("x", 3_i64), ("y", -2)]);
        let d = data(&cmp, &bs, &cs, &texts, &paths);
        assert_eq!(d["paths"], json!([["x", 2, "triage", "escalate"]]));
        assert_eq!(d["paths_unlisted"], 0);
        assert_eq!(d["flips"][0][0], "x");
        assert_eq!(d["flips"][0][6], 3);
        assert_eq!(d["flips"][1][6], -2);
        assert_eq!(
            d["flips"][0][7],
            json!([]),
            "no journal, no per-turn results"
        );
        let mut bs = bs;
        let mut row = CaseRow::new("x", "interactly", "wf");
        row.turn_results = vec![crate::report::TurnResult {
            turn: 2,
            passed: false,
            score: Some(0.25),
            text: Some("no slot offered".into()),
        }];
        bs.rows.insert("x".into(), row);
        let d = data(&cmp, &bs, &cs, &texts, &paths);
        assert_eq!(
            d["flips"][0][7],
            json!([[2, false, 0.25, "no slot offered"]])
        );
    }

    #[test]
    fn the_comment_lists_the_first_path_divergences_with_a_count() {
        let paths: Vec<PathDivergence> = (0..12)
            .map(|i| PathDivergence {
                run_id: format!("run-{i:02}"),
                turn: 2,
                baseline: "Collect reason".into(),
                candidate: super::super::paths::NONE.into(),
            })
            .collect();
        let mut s = String::new();
        path_divergences(&mut s, &paths[..1]);
        assert_eq!(
            s,
            "### Path divergences (1)\n\n- `run-00` turn 2: Collect reason → (none)\n\n"
        );
        let mut s = String::new();
        path_divergences(&mut s, &paths);
        assert!(s.starts_with("### Path divergences (12)\n"), "{s}");
        assert_eq!(s.lines().filter(|l| l.starts_with("- `run-")).count(), 10);
        assert!(s.contains("- …and 2 more (comparison.csv lists every `path:` row)\n"));
        let mut none = String::new();
        path_divergences(&mut none, &[]);
        assert_eq!(none, "");
    }

    #[test]
    fn comment_of_5000_new_failures_stays_under_the_limit_and_says_how_many_were_cut() {
        let ids: Vec<String> = (0..5_000).map(|i| format!("run-{i:05}")).collect();
        let pass = |id: &String| case(id, "wf", super::super::Verdict::Pass, 10.0, 100.0);
        let fail = |id: &String| case(id, "wf", super::super::Verdict::Fail, 10.0, 100.0);
        let b = ReportDir::from_cases("b", ids.iter().map(pass).collect(), Summary::default());
        let c = ReportDir::from_cases("c", ids.iter().map(fail).collect(), Summary::default());
        let cmp = Comparison::new(&b, &c, &Scope::All);
        let (bd, cd) = (Path::new("b"), Path::new("c"));
        let mut cand = side(cd, &c);
        for id in &ids {
            let mut r = CaseRow::new(id, "noxus", "wf");
            r.reasons = vec![format!(
                "assertion `contains` failed for {id}: {}",
                "x".repeat(40)
            )];
            cand.rows.insert(id.clone(), r);
        }
        let text = comment(&cmp, &side(bd, &b), &cand);
        assert!(text.starts_with(pr_comment::MARKER));
        assert!(text.chars().count() < pr_comment::GITHUB_LIMIT);
        let listed = text.lines().filter(|l| l.starts_with("- `run-")).count();
        assert!(listed > 100 && listed < 5_000, "{listed}");
        assert!(text.contains("### New failures (5000)"));
        assert!(
            text.contains("assertion `contains` failed")
                || text.contains("assertion 'contains' failed")
        );
        // The note counts exactly the lines cut from the whole body.
        let full = comment_text(&cmp, &side(bd, &b), &cand);
        let note = text.lines().last().unwrap();
        let n: usize = note
            .trim_start_matches('…')
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let kept = text.lines().count() - 2; // the blank line and the note
        assert_eq!(kept + n, full.lines().count(), "{note}");
        assert!(full.len() > pr_comment::GITHUB_LIMIT);
    }
}

//! `reprise compare` through the binary, on hand-written report folders.

use std::path::Path;

use crate::common::reprise_outside as reprise;

/// runs.csv header (DESIGN.md contract).
pub const RUNS_HEADER: &str = "run_id,replay_run_id,system,workflow_id,version,status,turns,llm_calls,input_tokens,output_tokens,total_tokens,credits,latency_ms_total,latency_ms_mean,eval_run_id,eval_tokens,verdict,score,assertions_failed,snapshot,error";
/// summary.csv header (DESIGN.md contract).
pub const SUMMARY_HEADER: &str = "runs,passed,failed,errored,unevaluated,pass_rate,pass_rate_low,pass_rate_high,total_tokens,mean_tokens,p95_tokens,total_credits,latency_ms_p50,latency_ms_p95,snapshots_changed,snapshots_new";

/// One case of a hand-written report.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    pub run_id: &'a str,
    pub workflow: &'a str,
    pub verdict: &'a str,
    pub tokens: u64,
    pub latency_mean: f64,
    pub snapshot: &'a str,
}

/// A case of workflow `wf_intake` with 100 tokens, 400 ms mean latency, snapshot `match`.
pub fn row<'a>(run_id: &'a str, verdict: &'a str) -> Row<'a> {
    Row {
        run_id,
        workflow: "wf_intake",
        verdict,
        tokens: 100,
        latency_mean: 400.0,
        snapshot: "match",
    }
}

/// Writes `runs.csv` and `summary.csv` (latency p50 = p95 / 2) into `dir`.
pub fn write_report(dir: &Path, rows: &[Row<'_>], latency_p95: f64) {
    std::fs::create_dir_all(dir).unwrap();
    let mut runs = format!("{RUNS_HEADER}\n");
    for r in rows {
        runs.push_str(&format!(
            "{id},{id},interactly,{wf},1,completed,2,3,{i},{o},{t},0,{lt},{lm},,0,{v},,0,{s},\n",
            id = r.run_id,
            wf = r.workflow,
            i = r.tokens - r.tokens / 4,
            o = r.tokens / 4,
            t = r.tokens,
            lt = r.latency_mean * 3.0,
            lm = r.latency_mean,
            v = r.verdict,
            s = r.snapshot,
        ));
    }
    std::fs::write(dir.join("runs.csv"), runs).unwrap();
    let count = |v: &str| rows.iter().filter(|r| r.verdict == v).count();
    let changed = rows.iter().filter(|r| r.snapshot == "changed").count();
    let total: u64 = rows.iter().map(|r| r.tokens).sum();
    let summary = format!(
        "{SUMMARY_HEADER}\n{},{},{},{},{},0,0,1,{total},0,0,0,{},{latency_p95},{changed},0\n",
        rows.len(),
        count("pass"),
        count("fail"),
        count("error"),
        count("none"),
        latency_p95 / 2.0,
    );
    std::fs::write(dir.join("summary.csv"), summary).unwrap();
}

/// Baseline and candidate of the same suite: a → new failure, b → fixed, c unchanged pass,
/// d error → pass (not a flip), `gone` only in the baseline, `new` only in the candidate.
fn two_reports(root: &Path) {
    let mut b_rows = vec![
        row("a", "pass"),
        row("b", "fail"),
        row("c", "pass"),
        row("d", "error"),
        row("gone", "pass"),
    ];
    b_rows[2].latency_mean = 300.0;
    write_report(&root.join("base"), &b_rows, 900.0);
    let mut c_rows = vec![
        row("a", "fail"),
        row("b", "pass"),
        row("c", "pass"),
        row("d", "pass"),
        row("new", "fail"),
    ];
    c_rows[0].tokens = 180;
    c_rows[2].snapshot = "changed";
    c_rows[2].latency_mean = 600.0;
    write_report(&root.join("cand"), &c_rows, 1200.0);
}

#[test]
fn compare_writes_flips_deltas_and_mcnemar() {
    let tmp = tempfile::tempdir().unwrap();
    two_reports(tmp.path());
    let out = reprise()
        .arg("compare")
        .arg(tmp.path().join("base"))
        .arg(tmp.path().join("cand"))
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    insta::assert_snapshot!("compare_terminal", stdout);

    let csv = std::fs::read_to_string(tmp.path().join("cand/comparison.csv")).unwrap();
    insta::assert_snapshot!("compare_csv", csv);
    // The contract rows, asserted outright as well as snapshotted.
    assert!(csv.starts_with("metric,baseline,candidate,delta,delta_pct,verdict\n"));
    assert!(csv.contains("\nflip:a,pass,fail,,,new_failure\n"));
    assert!(csv.contains("\nflip:b,fail,pass,,,fixed\n"));
    assert!(!csv.contains("flip:d"), "error -> pass is not a flip");
    assert!(csv.ends_with("\nmcnemar_p,,,,,1\n"));
    // Paired cases only (a, b, c, d): 2 passed of 3 judged -> 3 passed of 4 judged.
    assert!(csv.contains("\nruns,4,4,0,0,\n"));
    assert!(csv.contains("\npass_rate,0.6667,0.75,0.0833,12.5,better\n"));
    assert!(csv.contains("\ntotal_tokens,400,480,80,20,worse\n"));
    assert!(csv.contains("\nsnapshots_changed,0,1,1,,worse\n"));
    // Unpaired cases exist, so latency falls back to the paired cases' means on both sides:
    // base 400,400,300,400 -> p95 400; candidate 400,400,600,400 -> p95 600.
    assert!(csv.contains("\nlatency_ms_p95,400,600,200,50,worse\n"));

    let md = std::fs::read_to_string(tmp.path().join("cand/summary.md")).unwrap();
    assert!(md.contains("## Comparison"));
    assert!(md.contains("Only in the baseline (not counted): 1\n\n- `gone`"));
    assert!(md.contains("Only in the candidate (not counted): 1\n\n- `new`"));
    assert!(md.contains("- `a` new_failure\n- `b` fixed\n"));

    // The sticky PR comment: stable text, folder paths filtered.
    let comment = std::fs::read_to_string(tmp.path().join("cand/pr-comment.md")).unwrap();
    let root = tmp.path().display().to_string();
    insta::with_settings!({filters => vec![(root.as_str(), "[TMP]")]}, {
        insta::assert_snapshot!("compare_pr_comment", comment);
    });
    assert!(comment.contains("### New failures (1)\n\n- `a` — (no reason recorded)\n"));
    // report.html beside it, its data parseable and the flips new failures first.
    let page = std::fs::read_to_string(tmp.path().join("cand/report.html")).unwrap();
    let open = r#"<script type="application/json" id="data">"#;
    let start = page.find(open).unwrap() + open.len();
    let end = start + page[start..].find("</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
    assert_eq!(data["compare"]["flips"][0][0], "a");
    assert_eq!(data["compare"]["flips"][0][1], "new_failure");
    assert_eq!(data["compare"]["flips"][1][0], "b");
    assert_eq!(data["compare"]["new_failures"], 1);
    assert_eq!(data["cases"].as_array().unwrap().len(), 5);
}

#[test]
fn compare_uses_summary_latency_when_every_case_is_paired_and_appends_to_summary_md() {
    let tmp = tempfile::tempdir().unwrap();
    let rows = [row("a", "pass"), row("b", "pass")];
    write_report(&tmp.path().join("base"), &rows, 800.0);
    write_report(&tmp.path().join("cand"), &rows, 1000.0);
    let out_dir = tmp.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    std::fs::write(out_dir.join("summary.md"), "# Run summary\n\nkeep me\n").unwrap();
    reprise()
        .arg("compare")
        .arg(tmp.path().join("base"))
        .arg(tmp.path().join("cand"))
        .arg("--out")
        .arg(&out_dir)
        .assert()
        .success();
    let csv = std::fs::read_to_string(out_dir.join("comparison.csv")).unwrap();
    assert!(
        csv.contains("\nlatency_ms_p95,800,1000,200,25,worse\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\nlatency_ms_p50,400,500,100,25,worse\n"),
        "{csv}"
    );
    assert!(csv.ends_with("\nmcnemar_p,,,,,1\n"));
    assert!(!tmp.path().join("cand/comparison.csv").exists());
    let md = std::fs::read_to_string(out_dir.join("summary.md")).unwrap();
    assert!(md.starts_with("# Run summary\n\nkeep me\n\n<!-- reprise compare -->\n## Comparison"));
    assert!(md.contains("per LLM call (summary.csv)"));
}

#[test]
fn compare_bad_input_exits_2_naming_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    write_report(&tmp.path().join("base"), &[row("a", "pass")], 1.0);
    reprise()
        .arg("compare")
        .arg(tmp.path().join("base"))
        .arg(tmp.path().join("missing"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("missing: no such report folder"));

    let bad = tmp.path().join("bad");
    write_report(&bad, &[row("a", "pass"), row("b", "pass")], 1.0);
    let runs = std::fs::read_to_string(bad.join("runs.csv")).unwrap();
    std::fs::write(
        bad.join("runs.csv"),
        runs.replace(",b,interactly", ",b,\"interactly"),
    )
    .unwrap();
    let out = reprise()
        .arg("compare")
        .arg(tmp.path().join("base"))
        .arg(&bad)
        .assert()
        .code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("runs.csv: line 3:"), "{stderr}");

    std::fs::write(bad.join("runs.csv"), runs.replacen(",pass,", ",passed,", 1)).unwrap();
    reprise()
        .arg("compare")
        .arg(tmp.path().join("base"))
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "runs.csv: line 2: column `verdict`: `passed` is not pass, fail, error or none",
        ));
}

//! `reprise gate` through the binary, on hand-written report folders: each threshold kind at,
//! just under and just over its limit, exit codes, text and JSON output, `reprise.toml`.

use std::path::{Path, PathBuf};

use crate::compare::{reprise, row, write_report, Row};

/// Baseline: c01–c08 pass, c09–c10 fail, c11 error (pass rate 0.8), 100 tokens each, p95 1000.
/// Candidate: c01, c02 pass → fail (2 new failures), c09 fail → pass (1 fixed), c11 still error:
/// pass rate 0.7 (drop 0.1), 110 tokens each (+10 %), p95 1200 (+20 %), 2 snapshots changed.
fn suite(root: &Path) -> (PathBuf, PathBuf) {
    let ids: Vec<String> = (1..=11).map(|i| format!("c{i:02}")).collect();
    let base: Vec<Row> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            row(
                id,
                ["pass", "fail", "error"][usize::from(i >= 8) + usize::from(i >= 10)],
            )
        })
        .collect();
    let cand: Vec<Row> = ids
        .iter()
        .map(|id| {
            let verdict = match id.as_str() {
                "c01" | "c02" | "c10" => "fail",
                "c11" => "error",
                _ => "pass",
            };
            let mut r = row(id, verdict);
            r.tokens = 110;
            if id == "c03" || id == "c04" {
                r.snapshot = "changed";
            }
            r
        })
        .collect();
    let (b, c) = (root.join("base"), root.join("cand"));
    write_report(&b, &base, 1000.0);
    write_report(&c, &cand, 1200.0);
    (b, c)
}

fn gate(cand: &Path, base: Option<&Path>, flags: &[&str]) -> (i32, String) {
    let mut cmd = reprise();
    cmd.arg("gate").arg(cand);
    if let Some(b) = base {
        cmd.arg("--baseline").arg(b);
    }
    let out = cmd.args(flags).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap() + &String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn no_threshold_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, cand) = suite(tmp.path());
    let (code, out) = gate(&cand, Some(&base), &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, "gate passed: no threshold given\n");
}

#[test]
fn new_failures_fail_the_gate_unless_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, cand) = suite(tmp.path());
    let (code, out) = gate(&cand, Some(&base), &["--max-new-failures", "0"]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("gate_new_failures_failed", out);
    let (code, out) = gate(&cand, Some(&base), &["--max-new-failures", "2"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn each_threshold_at_under_and_over_its_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, cand) = suite(tmp.path());
    // (flag, limit, expected exit code); the actual values are in `suite`'s doc.
    let cases: &[(&str, &str, i32)] = &[
        ("--min-pass-rate", "0.7", 0),
        ("--min-pass-rate", "0.69", 0),
        ("--min-pass-rate", "0.71", 1),
        ("--max-pass-rate-drop", "0.1", 0),
        ("--max-pass-rate-drop", "0.09", 1),
        ("--max-pass-rate-drop", "0.11", 0),
        ("--max-new-failures", "2", 0),
        ("--max-new-failures", "1", 1),
        ("--max-new-failures", "3", 0),
        ("--max-errors", "1", 0),
        ("--max-errors", "0", 1),
        ("--max-errors", "2", 0),
        ("--max-token-increase-pct", "10", 0),
        ("--max-token-increase-pct", "9.9", 1),
        ("--max-token-increase-pct", "10.1", 0),
        ("--max-latency-p95-increase-pct", "20", 0),
        ("--max-latency-p95-increase-pct", "19.9", 1),
        ("--max-latency-p95-increase-pct", "20.1", 0),
    ];
    for (flag, limit, expected) in cases {
        let (code, out) = gate(&cand, Some(&base), &[flag, limit]);
        assert_eq!(code, *expected, "{flag} {limit}:\n{out}");
    }
}

#[test]
fn snapshots_must_match_when_required() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, cand) = suite(tmp.path());
    let (code, out) = gate(&cand, None, &["--require-snapshots-match"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("require_snapshots_match       2      0  FAILED"),
        "{out}"
    );
    // The baseline has no changed snapshot.
    let (code, out) = gate(&base, None, &["--require-snapshots-match"]);
    assert_eq!(code, 0, "{out}");
}

/// 5 cases pass → fail, none fixed: McNemar exact p = 0.0625.
fn shifted(root: &Path) -> (PathBuf, PathBuf) {
    let ids = ["a", "b", "c", "d", "e", "f"];
    let base: Vec<Row> = ids.iter().map(|id| row(id, "pass")).collect();
    let cand: Vec<Row> = ids
        .iter()
        .map(|id| row(id, if *id == "f" { "pass" } else { "fail" }))
        .collect();
    let (b, c) = (root.join("base"), root.join("cand"));
    write_report(&b, &base, 1000.0);
    write_report(&c, &cand, 1000.0);
    (b, c)
}

#[test]
fn mcnemar_at_under_and_over_and_as_a_qualifier() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, cand) = shifted(tmp.path());
    // p = 0.0625 <= limit means significant (inclusive), so the gate fails at and over it.
    for (limit, expected) in [("0.0625", 1), ("0.06", 0), ("0.07", 1)] {
        let (code, out) = gate(&cand, Some(&base), &["--max-mcnemar-p", limit]);
        assert_eq!(code, expected, "--max-mcnemar-p {limit}:\n{out}");
    }
    // 5 new failures over a limit of 0, but not significant at 0.05: excused.
    let (code, out) = gate(
        &cand,
        Some(&base),
        &["--max-new-failures", "0", "--max-mcnemar-p", "0.05"],
    );
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("gate_mcnemar_excused", out);
    let (code, _) = gate(
        &cand,
        Some(&base),
        &["--max-pass-rate-drop", "0.5", "--max-mcnemar-p", "0.1"],
    );
    assert_eq!(code, 1);
}

#[test]
fn json_output() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, cand) = suite(tmp.path());
    let (code, out) = gate(
        &cand,
        Some(&base),
        &[
            "--json",
            "--min-pass-rate",
            "0.5",
            "--max-new-failures",
            "0",
            "--max-token-increase-pct",
            "15",
        ],
    );
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["passed"], false);
    assert_eq!(v["checks"][1]["threshold"], "max_new_failures");
    assert_eq!(v["checks"][1]["actual"], 2.0);
    assert_eq!(v["checks"][1]["result"], "failed");
    insta::assert_snapshot!("gate_json", out);
}

#[test]
fn config_file_thresholds_global_and_per_workflow() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rows = vec![row("a", "pass"), row("b", "fail"), row("c", "pass")];
    rows[1].workflow = "wf_billing";
    let dir = tmp.path().join("report");
    write_report(&dir, &rows, 100.0);
    let config = tmp.path().join("reprise.toml");
    std::fs::write(
        &config,
        "[gate]\nmax_errors = 0\n\n[[gate.workflow]]\nworkflows = [\"wf_intake\", \"wf_absent\"]\nmin_pass_rate = 1.0\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let out = reprise()
            .arg("--config")
            .arg(&config)
            .arg("gate")
            .arg(&dir)
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
        )
    };
    // wf_billing's failure is not named by the per-workflow table: the gate passes.
    let (code, out) = run(&[]);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("gate_config", out);
    // A flag overrides the same global key; the whole report's rate is 2/3.
    let (code, _) = run(&["--min-pass-rate", "0.67"]);
    assert_eq!(code, 1);

    std::fs::write(&config, "[gate]\nmin_pass_rat = 0.9\n").unwrap();
    let out = reprise()
        .arg("--config")
        .arg(&config)
        .arg("gate")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("min_pass_rat"));
}

#[test]
fn bad_input_and_usage_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, cand) = suite(tmp.path());
    let (code, out) = gate(&cand, None, &["--max-new-failures", "0"]);
    assert_eq!(code, 2);
    assert!(
        out.contains("`max_new_failures` compares against a baseline"),
        "{out}"
    );
    let (code, out) = gate(&cand, None, &["--min-pass-rate", "95"]);
    assert_eq!(code, 2);
    assert!(out.contains("must be between 0 and 1"), "{out}");
    let (code, out) = gate(&tmp.path().join("nope"), None, &[]);
    assert_eq!(code, 2);
    assert!(out.contains("nope: no such report folder"), "{out}");
    std::fs::write(
        base.join("summary.csv"),
        "runs,latency_ms_p50,latency_ms_p95\n11,1,x\n",
    )
    .unwrap();
    let (code, out) = gate(&cand, Some(&base), &["--max-new-failures", "0"]);
    assert_eq!(code, 2);
    assert!(
        out.contains("summary.csv: line 2: column `latency_ms_p95`: `x` is not a number"),
        "{out}"
    );
}

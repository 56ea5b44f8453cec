//! `reprise gate` through the binary, on hand-written report folders: each threshold kind at,
//! just under and just over its limit, exit codes, text and JSON output, `reprise.toml`.

use std::path::{Path, PathBuf};

use crate::common::expect_code;
use crate::common::repo;
use crate::common::reprise_outside as reprise;
use crate::compare::{row, write_report, Row};

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

/// The words of the output line of check `name`.
/// `reprise --config CONFIG gate DIR`.
fn gate_with_config(config: &Path, dir: &Path) -> assert_cmd::Command {
    let mut cmd = reprise();
    cmd.arg("--config").arg(config).arg("gate").arg(dir);
    cmd
}

fn check_line<'a>(out: &'a str, name: &str) -> Vec<&'a str> {
    out.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|w| w.first() == Some(&name))
        .unwrap_or_else(|| panic!("no `{name}` line in:\n{out}"))
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
    let out = expect_code(&mut gate_with_config(&config, &dir), 2);
    assert!(out.stderr.contains("min_pass_rat"));
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

// ---- End to end: `reprise run` v1, then v2 from tests/data/recordings-v2, compare, gate. ----

const INTAKE: &str = "workflow=69a5ab8d27542b571e6ab925";
const CASE_01: &str = "69a59566eec3645a209c3946"; // pass in v1, fail in v2
const CASE_02: &str = "69a52e229c01261d80cda4e3"; // fail in v1, pass in v2

/// `reprise [--config CONFIG] run fixtures --filter workflow=<intake> --out OUT [extra]`.
fn run_suite(root: &Path, out: &str, config: Option<&Path>, extra: &[&str]) -> (i32, String) {
    let mut cmd = reprise();
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    let output = cmd
        .arg("run")
        .arg(repo("fixtures"))
        .args(["--filter", INTAKE, "--no-progress", "--out"])
        .arg(root.join(out))
        .arg("--snapshots")
        .arg(root.join("snapshots"))
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

fn v2_flags() -> Vec<String> {
    vec![
        "--version".into(),
        "2".into(),
        "--recordings".into(),
        repo("tests/data/recordings-v2").display().to_string(),
    ]
}

#[test]
fn end_to_end_v1_then_v2_recordings_compare_and_gate() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let (code, out) = run_suite(root, "v1", None, &[]);
    assert_eq!(code, 0, "{out}");
    let v2: Vec<String> = v2_flags();
    let v2: Vec<&str> = v2.iter().map(String::as_str).collect();
    // Intake cases without a v2 recording miss (errors, exit 3); the report is still written.
    let (code, out) = run_suite(root, "v2", None, &v2);
    assert_eq!(code, 3, "{out}");

    let out = reprise()
        .arg("compare")
        .arg(root.join("v1"))
        .arg(root.join("v2"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let csv = std::fs::read_to_string(root.join("v2/comparison.csv")).unwrap();
    // The snapshot column depends on how `run` wires its snapshot store, not on compare.
    insta::with_settings!({filters => vec![(r"\nsnapshots_changed,[^\n]*", "\nsnapshots_changed,[see the snapshot stage]")]}, {
        insta::assert_snapshot!("e2e_comparison_csv", csv);
    });
    let flips: Vec<&str> = csv.lines().filter(|l| l.starts_with("flip:")).collect();
    assert_eq!(
        flips,
        vec![
            format!("flip:{CASE_02},fail,pass,,,fixed"),
            format!("flip:{CASE_01},pass,fail,,,new_failure"),
        ]
    );
    // v1: 8 pass, 3 fail, 1 none of 12 intake cases. v2: 01 fail, 02 and 07 pass, 9 misses.
    assert!(csv.contains("\nruns,12,12,0,0,\n"), "{csv}");
    assert!(
        csv.contains("\npass_rate,0.7273,0.6667,-0.0606,-8.3333,worse\n"),
        "{csv}"
    );
    assert!(csv.contains("\npassed,8,2,-6,-75,worse\n"), "{csv}");
    assert!(csv.contains("\nerrored,0,9,9,,worse\n"), "{csv}");
    assert!(csv.ends_with("\nmcnemar_p,,,,,1\n"), "{csv}");
    let md = std::fs::read_to_string(root.join("v2/summary.md")).unwrap();
    assert!(md.contains("<!-- reprise compare -->\n## Comparison"));
    assert!(md.contains(&format!("- `{CASE_01}` new_failure")));

    let (v1, v2) = (root.join("v1"), root.join("v2"));
    for (flags, expected) in [
        (vec![], 0),
        (vec!["--max-new-failures", "0"], 1),
        (vec!["--max-new-failures", "1"], 0),
        // One new failure, one fix: p = 1, not significant, so the exceeded limit is excused.
        (
            vec!["--max-new-failures", "0", "--max-mcnemar-p", "0.05"],
            0,
        ),
        (vec!["--max-pass-rate-drop", "0.06"], 1),
        (vec!["--max-pass-rate-drop", "0.07"], 0),
        (vec!["--max-errors", "9"], 0),
        (vec!["--max-errors", "8"], 1),
        (vec!["--min-pass-rate", "0.66"], 0),
        (vec!["--min-pass-rate", "0.67"], 1),
    ] {
        let (code, out) = gate(&v2, Some(&v1), &flags);
        assert_eq!(code, expected, "{flags:?}:\n{out}");
    }
    let (_, out) = gate(&v2, Some(&v1), &["--max-new-failures", "0"]);
    assert_eq!(
        check_line(&out, "max_new_failures"),
        ["max_new_failures", "1", "0", "FAILED", CASE_01]
    );
}

#[test]
fn end_to_end_run_applies_the_config_gate() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let config = root.join("reprise.toml");
    // v1's intake pass rate is 8/11: a limit of 0.75 fails the run (exit 1), 0.7 passes.
    std::fs::write(&config, "[gate]\nmin_pass_rate = 0.75\n").unwrap();
    let (code, out) = run_suite(root, "v1", Some(&config), &[]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        check_line(&out, "min_pass_rate"),
        [
            "min_pass_rate",
            "0.7273",
            "0.75",
            "FAILED",
            "8",
            "of",
            "11",
            "judged"
        ]
    );
    // The PR comment carries the gate's verdict and the failed check under its title.
    let comment = std::fs::read_to_string(root.join("v1/pr-comment.md")).unwrap();
    let lines: Vec<&str> = comment.lines().collect();
    assert_eq!(lines[0], "<!-- reprise:pr-comment -->");
    assert!(lines[3].starts_with("**Gate: FAILED"), "{comment}");
    assert_eq!(
        lines[4], "- min_pass_rate: 0.7273 (limit 0.75)",
        "{comment}"
    );
    assert!(comment.contains("**Pass rate 72.7 % (95 % CI"), "{comment}");
    std::fs::write(&config, "[gate]\nmin_pass_rate = 0.7\n").unwrap();
    let (code, out) = run_suite(root, "v1", Some(&config), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("gate passed: 1 check(s)"), "{out}");
    let comment = std::fs::read_to_string(root.join("v1/pr-comment.md")).unwrap();
    assert!(comment.contains("**Gate: passed"), "{comment}");
    // Thresholds for a workflow that is not in the run do not apply to the intake cases.
    std::fs::write(
        &config,
        "[[gate.workflow]]\nworkflows = [\"wf_other\"]\nmin_pass_rate = 1\n",
    )
    .unwrap();
    let (code, out) = run_suite(root, "v1", Some(&config), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("min_pass_rate[wf_other]"), "{out}");
    // A baseline from the config: v2's new failure is reported; exit 3 (engine misses) wins over 1.
    std::fs::write(
        &config,
        format!(
            "[gate]\nbaseline = \"{}\"\nmax_new_failures = 0\n",
            root.join("v1").display()
        ),
    )
    .unwrap();
    let v2: Vec<String> = v2_flags();
    let v2: Vec<&str> = v2.iter().map(String::as_str).collect();
    let (code, out) = run_suite(root, "v2", Some(&config), &v2);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("gate FAILED: 1 of 1 check(s) failed"), "{out}");
    // No [gate] thresholds: run prints no gate lines.
    std::fs::write(&config, "").unwrap();
    let (code, out) = run_suite(root, "v1", Some(&config), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("gate passed"), "{out}");
}

#[test]
fn unjudged_cases_fail_the_gate_over_max_unevaluated() {
    let tmp = tempfile::tempdir().unwrap();
    // Two cases nothing judged (no evaluation arrived), one pass, one fail.
    let rows = vec![
        row("a", "pass"),
        row("b", "none"),
        row("c", "none"),
        row("d", "fail"),
    ];
    let dir = tmp.path().join("report");
    write_report(&dir, &rows, 100.0);
    for (limit, code) in [("1", 1), ("2", 0), ("3", 0)] {
        let (got, out) = gate(&dir, None, &["--max-unevaluated", limit]);
        assert_eq!(got, code, "limit {limit}: {out}");
        let words = check_line(&out, "max_unevaluated");
        assert_eq!(words[1], "2", "{out}");
        assert_eq!(words[3], if code == 0 { "ok" } else { "FAILED" }, "{out}");
    }
    // The same limit from reprise.toml.
    let config = tmp.path().join("reprise.toml");
    std::fs::write(&config, "[gate]\nmax_unevaluated = 0\n").unwrap();
    let text = expect_code(&mut gate_with_config(&config, &dir), 1).stdout;
    assert!(text.contains("max_unevaluated"), "{text}");
}

#[test]
fn the_gate_puts_its_verdict_into_the_folders_pr_comment() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("report");
    write_report(&dir, &[row("a", "pass"), row("b", "error")], 100.0);
    let comment = dir.join("pr-comment.md");
    std::fs::write(
        &comment,
        "<!-- reprise:pr-comment -->\n## reprise\n\nPass rate 100 %\n",
    )
    .unwrap();
    let (code, out) = gate(&dir, None, &["--max-errors", "0"]);
    assert_eq!(code, 1, "{out}");
    let text = std::fs::read_to_string(&comment).unwrap();
    assert!(
        text.starts_with("<!-- reprise:pr-comment -->\n## reprise\n\n**Gate: FAILED"),
        "{text}"
    );
    assert!(text.contains("- max_errors: 1 (limit 0)"), "{text}");
    assert!(text.ends_with("Pass rate 100 %\n"), "{text}");
    // Without a threshold the gate judges nothing and leaves the comment alone.
    let before = std::fs::read_to_string(&comment).unwrap();
    assert_eq!(gate(&dir, None, &[]).0, 0);
    assert_eq!(std::fs::read_to_string(&comment).unwrap(), before);
}

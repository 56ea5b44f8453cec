//! Live replay end to end: `reprise run --engine http` against `reprise serve` over a corpus of
//! all three systems, compared case by case with the in-process replay of the same corpus;
//! then the same with faults injected by the server, counting the start POSTs per case.
//!
//! The corpus is `fixtures/` plus `tests/data/live/`: a completed Interactly run whose
//! evaluation never arrives, a recording that ended `running`, and Noxus and Cortex twins with
//! the same inputs as a failed run and another outcome (only the case header tells them apart).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::reprise_outside as reprise;
use crate::common::{code_and_stderr, serve, serve_logging, table};

fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    vec![root.join("fixtures"), root.join("tests/data/live")]
}

fn corpus_args() -> Vec<String> {
    corpus()
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

/// `runs.csv` of a report folder: run id → column → value; no run id twice.
fn runs_csv(dir: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let path = dir.join("runs.csv");
    let (_, rows) = table(&path);
    let records = csv::Reader::from_path(&path).unwrap().records().count();
    assert_eq!(rows.len(), records, "a run id twice in {}", path.display());
    rows
}

/// What must agree between a live and an in-process replay of a case.
const COMPARED: [&str; 9] = [
    "system",
    "status",
    "turns",
    "llm_calls",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "credits",
    "verdict",
];

/// Replays the corpus in process into `out` (snapshots in `snaps`).
fn in_process(out: &Path, snaps: &Path) {
    let status = reprise()
        .arg("run")
        .args(corpus_args())
        .arg("--out")
        .arg(out)
        .arg("--snapshots")
        .arg(snaps)
        .args(["--update-snapshots", "always", "--no-progress"])
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(0), "{status:?}");
}

/// `reprise run --engine http --base-url URL --allow-side-effects --eval-wait-secs 5`, plus
/// where to write; answers the exit code and stderr.
fn live(url: &str, out: &Path, snaps: &Path, extra: &[&str]) -> (Option<i32>, String) {
    code_and_stderr(
        reprise()
            .env("REPRISE_TOKEN", "any-token")
            .arg("run")
            .args(corpus_args())
            .args([
                "--engine",
                "http",
                "--base-url",
                url,
                "--allow-side-effects",
            ])
            .args(["--eval-wait-secs", "5"])
            .arg("--out")
            .arg(out)
            .arg("--snapshots")
            .arg(snaps)
            .args(["--check", "--no-progress"])
            .args(extra),
    )
}

#[test]
fn live_replay_through_reprise_serve_equals_the_in_process_replay() {
    let tmp = tempfile::tempdir().unwrap();
    let snaps = tmp.path().join("snaps");
    in_process(&tmp.path().join("in"), &snaps);
    let args = corpus_args();
    let served = serve(&args.iter().map(String::as_str).collect::<Vec<_>>());

    let started = Instant::now();
    let (code, stderr) = live(&served.url, &tmp.path().join("live"), &snaps, &[]);
    let took = started.elapsed();
    // Every snapshot matches the in-process replay's: exit 0 under --check.
    assert_eq!(code, Some(0), "{stderr}");
    assert!(took < Duration::from_secs(30), "took {took:?}");

    let want = runs_csv(&tmp.path().join("in"));
    let got = runs_csv(&tmp.path().join("live"));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    assert_eq!(got.len(), 26);
    for (id, row) in &got {
        for col in COMPARED {
            assert_eq!(row[col], want[id][col], "{id}: {col}");
        }
        assert_eq!(row["error"], "", "{id}");
        assert_ne!(row["verdict"], "error", "{id}");
    }
    // What each special case shows.
    let cell = |id: &str, col: &str| got[id][col].as_str();
    // The evaluation that never arrives: `none`, the replayed run's status and tokens kept.
    assert_eq!(cell("69b1000000000000000000e1", "verdict"), "none");
    assert_eq!(cell("69b1000000000000000000e1", "status"), "completed");
    assert_eq!(cell("69b1000000000000000000e1", "total_tokens"), "3279");
    // The recording that ended running replays to running and is stopped, not waited out.
    assert_eq!(cell("69b1000000000000000000e2", "status"), "running");
    assert_eq!(cell("69b1000000000000000000e2", "turns"), "3");
    // The waiting recording.
    assert_eq!(
        cell("69a5f57ecd1f5c8b56786e5d", "status"),
        "waiting_for_user_input"
    );
    // Twins with equal inputs keep their own outcomes.
    assert_eq!(
        cell("d04fc918-dfa7-4517-a230-547dcb03d67b", "status"),
        "failed"
    );
    assert_eq!(
        cell("2c0dbcd7-0000-4000-8000-00000000e003", "status"),
        "completed"
    );
    assert_eq!(cell("run_139f3552400e64184d6b57d4", "status"), "FAILED");
    assert_eq!(cell("run_b1000000000000000000e4", "status"), "COMPLETED");
    // Cortex runs reached their app from the recording (no --app-id was given).
    assert_eq!(cell("run_6491427bc417e7fd78ebd894", "status"), "COMPLETED");
    // The report says why the never-evaluated case is `none`.
    let summary = std::fs::read_to_string(tmp.path().join("live/journal.jsonl")).unwrap();
    assert!(
        summary.contains("no evaluation by evaluator"),
        "the journal names the missing evaluation"
    );
}

/// Start POSTs per case in a `reprise serve` log (`POST PATH STATUS TIME case=ID`: only starts
/// name a case): (all of them, those the server may have acted on, i.e. not answered 429).
fn starts_per_case(log: &str) -> BTreeMap<String, (usize, usize)> {
    let mut out = BTreeMap::new();
    for line in log.lines().filter(|l| l.starts_with("POST ")) {
        if let Some((head, case)) = line.rsplit_once(" case=") {
            let entry = out.entry(case.to_owned()).or_insert((0, 0));
            entry.0 += 1;
            if head.split_whitespace().nth(2) != Some("429") {
                entry.1 += 1;
            }
        }
    }
    out
}

#[test]
fn injected_faults_lose_no_case_and_never_repeat_a_side_effect_start() {
    let tmp = tempfile::tempdir().unwrap();
    let snaps = tmp.path().join("snaps");
    in_process(&tmp.path().join("in"), &snaps);
    let log_path = tmp.path().join("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut args = corpus_args();
    args.extend(
        [
            "--error-rate",
            "0.1",
            "--rate-limit-rate",
            "0.05",
            "--retry-after-ms",
            "100",
            "--drop-rate",
            "0.02",
            "--malformed-rate",
            "0.01",
            "--fault-seed",
            "11",
        ]
        .map(str::to_owned),
    );
    let served = serve_logging(&args.iter().map(String::as_str).collect::<Vec<_>>(), log);
    let (code, stderr) = live(&served.url, &tmp.path().join("live"), &snaps, &[]);
    drop(served);
    let want = runs_csv(&tmp.path().join("in"));
    let got = runs_csv(&tmp.path().join("live"));
    // No case lost or duplicated (runs_csv refuses a second row of an id).
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );

    // Workflows that text patients or call outside services: their start reached the server
    // once (a 429 proves a start was not taken, so it alone may be followed by another).
    let side_effects: BTreeSet<&str> = ["69a5725851cd4ae89dc12eb0", "69a5c80ad89188b55717debc"]
        .into_iter()
        .collect();
    let log = std::fs::read_to_string(&log_path).unwrap();
    let starts = starts_per_case(&log);
    for id in got.keys() {
        let (sent, taken) = starts.get(id.as_str()).copied().unwrap_or((0, 0));
        assert!(sent >= 1, "{id}: no start in the log");
        if side_effects.contains(id.as_str()) {
            assert!(taken <= 1, "{id}: {taken} start POSTs may have acted");
        }
    }
    // Faults did happen, and some starts were sent again (those that may be).
    assert!(
        log.contains(" 500 ") || log.contains(" 503 "),
        "no 5xx injected"
    );
    assert!(starts.values().any(|&(n, _)| n > 1), "no start was retried");

    // Every case either matches the in-process replay or is an error that says why.
    let mut errors = 0;
    for (id, row) in &got {
        if row["verdict"] == "error" {
            errors += 1;
            let why = &row["error"];
            // Only where the retries ran out, or a start that may have acted was not resent.
            assert!(why.starts_with("replay: turn "), "{id}: {why}");
            assert!(
                why.contains("gave up after") || why.contains("not sent again"),
                "{id}: {why}"
            );
        } else {
            for col in COMPARED {
                assert_eq!(row[col], want[id][col], "{id}: {col}");
            }
        }
    }
    // Errors make the run exit 3; without them, 0.
    assert_eq!(code, Some(if errors > 0 { 3 } else { 0 }), "{stderr}");
    assert!(errors <= 4, "{errors} errors:\n{stderr}");
}

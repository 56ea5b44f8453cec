//! Loader fidelity through the binary: a corpus built from the vendor's own pydantic models
//! (`scripts/vendor_corpus.py`) loads with no rejection; zero-turn runs and partial usage load
//! and replay as recorded.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use crate::common::{expect_code, reprise, table};

/// A fresh empty folder under the target dir (removed first if a previous run left it).
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Why the generator cannot run here, if it cannot.
fn generator_missing(vendor: &Path) -> Option<String> {
    if !vendor.join("interactly_configs").is_dir() {
        return Some(format!("vendor models not found at {}", vendor.display()));
    }
    match Process::new("python3")
        .args(["-c", "import pydantic, polyfactory"])
        .output()
    {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(format!(
            "python3 lacks pydantic or polyfactory (.ci/run installs them): {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Some(format!("python3 not found: {e}")),
    }
}

#[test]
fn a_corpus_of_the_vendors_models_loads_with_no_rejection() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let vendor = root.join("../shared/reference/interactly/sdk-configs");
    if let Some(why) = generator_missing(&vendor) {
        // In CI a missing generator is a failure, never a silent pass.
        assert!(std::env::var_os("CI").is_none(), "{why}");
        eprintln!("skipped: {why}");
        return;
    }
    let dir = scratch("vendor-corpus");
    let corpus = dir.join("corpus");
    let manifest = dir.join("manifest.json");
    let gen = Process::new("python3")
        .arg(root.join("scripts/vendor_corpus.py"))
        .arg("--vendor")
        .arg(&vendor)
        .arg("--out")
        .arg(&corpus)
        .arg("--manifest")
        .arg(&manifest)
        .args(["--seed", "7", "--runs", "80"])
        .output()
        .unwrap();
    assert!(
        gen.status.success(),
        "generator failed: {}",
        String::from_utf8_lossy(&gen.stderr)
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    let documents = manifest["documents"].as_u64().unwrap();
    assert!(documents >= 70, "{manifest}");
    // Every run the generator built passed the vendor's model, and every event and node type
    // of the vendor's unions is in the corpus.
    assert_eq!(manifest["dropped"], 0, "{manifest}");
    for (kind, counts) in manifest["coverage"].as_object().unwrap() {
        assert_eq!(counts[0], counts[1], "{kind}: {manifest}");
        assert!(counts[1].as_u64().unwrap() > 10, "{kind}: {manifest}");
    }
    let out = reprise()
        .arg("validate")
        .arg(&corpus)
        .arg("--json")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(report["errors"], 0, "{:#}", report["problems"]);
    assert_eq!(out.status.code(), Some(0));
    // Every document is one run (ids are unique within a seed): nothing dropped silently.
    assert_eq!(report["runs"].as_u64(), Some(documents), "{report:#}");
    let systems = report["by_system"].to_string();
    for system in ["interactly", "noxus", "cortex"] {
        assert!(systems.contains(system), "{systems}");
    }
    // The big and negative integers the models allow are warned about, never rejected.
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("counted as unknown"), "{warnings}");
    // `reprise run` reads each run back when its turn comes, decoded from the spill its
    // index pass wrote: every run read back from these documents is the run a whole load
    // gives, field for field.
    let paths = [corpus.clone()];
    let spill = tempfile::tempdir().unwrap();
    let options = reprise::corpus::LoadOptions {
        digest: true,
        cache: Some(spill.path().to_path_buf()),
        ..reprise::corpus::LoadOptions::default()
    };
    let loaded = reprise::corpus::Corpus::load(&paths, &options);
    let index = reprise::corpus::Index::load(&paths, &options);
    assert_eq!(index.len(), loaded.runs.len());
    assert_eq!(index.warnings, loaded.warnings);
    assert_eq!(index.cache_warning, None);
    assert!(index.entries().iter().all(|e| e.is_spilled()));
    for (i, run) in loaded.runs.iter().enumerate() {
        let again = index.run(i).unwrap_or_else(|p| panic!("{p}"));
        assert_eq!(again.raw.bytes().unwrap(), run.raw.bytes().unwrap());
        let (mut a, mut b) = ((*again).clone(), (**run).clone());
        (a.raw, b.raw) = (
            reprise::model::RawDoc::empty(),
            reprise::model::RawDoc::empty(),
        );
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "{}", run.run_id);
    }
}

/// Writes `files` (name, JSON) into a fresh corpus folder.
fn corpus(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = scratch(name);
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    for (file, text) in files {
        std::fs::write(corpus.join(file), text).unwrap();
    }
    dir
}

/// `reprise run` over `dir/corpus` with the recorded engine; the `columns` of each row of
/// runs.csv, by run id.
fn run_columns(dir: &Path, columns: &[&str]) -> Vec<Vec<String>> {
    expect_code(
        reprise()
            .arg("run")
            .arg(dir.join("corpus"))
            .arg("--out")
            .arg(dir.join("out"))
            .arg("--snapshots")
            .arg(dir.join("snaps"))
            .args(["--no-progress", "--update-snapshots", "always"]),
        0,
    );
    let (_, rows) = table(&dir.join("out/runs.csv"));
    rows.values()
        .map(|r| columns.iter().map(|c| r[*c].clone()).collect())
        .collect()
}

#[test]
fn zero_turn_runs_load_and_replay_to_their_recorded_state() {
    let dir = corpus(
        "zero-turns",
        &[
            // A bare run: its id and nothing else (`exclude_unset`).
            ("bare.json", r#"{"workflow_run_id": "z-bare"}"#),
            (
                "done.json",
                r#"{"workflow_run_id": "z-done", "workflow_id": "wf", "status": "completed",
                    "input_output_pairs": [], "llm_token_usage": {"total_input_tokens": 10,
                    "total_output_tokens": 5, "total_tokens": 15, "call_count": 2}}"#,
            ),
            (
                "failed.json",
                r#"{"workflow_run_id": "z-failed", "workflow_id": "wf", "status": "failed",
                    "input_output_pairs": []}"#,
            ),
        ],
    );
    let out = reprise()
        .arg("validate")
        .arg(dir.join("corpus"))
        .arg("--json")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (report["runs"].as_u64(), report["errors"].as_u64()),
        (Some(3), Some(0))
    );
    let got = run_columns(
        &dir,
        &[
            "run_id",
            "replay_run_id",
            "status",
            "turns",
            "llm_calls",
            "input_tokens",
            "output_tokens",
            "total_tokens",
            "verdict",
            "error",
        ],
    );
    assert_eq!(
        got,
        [
            [
                "z-bare",
                "z-bare",
                "not_started",
                "0",
                "0",
                "0",
                "0",
                "0",
                "none",
                ""
            ],
            [
                "z-done",
                "z-done",
                "completed",
                "0",
                "2",
                "10",
                "5",
                "15",
                "none",
                ""
            ],
            ["z-failed", "z-failed", "failed", "0", "0", "0", "0", "0", "fail", ""],
        ]
    );
}

#[test]
fn partial_usage_takes_each_missing_figure_from_the_events() {
    // Two calls in the events: `a` streamed in two chunks (one call), `b`; an event without an
    // id is a call of its own; `assistant_response` repeats a call and is never counted.
    let events = r#"[
        {"type": "say_llm", "llm_usage_info": {"llm_response_id": "a", "prompt_tokens": 7, "completion_tokens": 3}},
        {"type": "say_llm", "llm_usage_info": {"llm_response_id": "a", "prompt_tokens": 7, "completion_tokens": 3}},
        {"type": "worker_llm", "llm_usage_info": {"llm_response_id": "b", "prompt_tokens": 1, "completion_tokens": 2}},
        {"type": "condition_evaluator_llm", "llm_usage_info": {"prompt_tokens": 4, "completion_tokens": 1}},
        {"type": "assistant_response", "content": "hi", "llm_usage_info": {"llm_response_id": "a", "prompt_tokens": 7}},
        {"type": "end_workflow"}]"#;
    let run = |id: &str, usage: &str| {
        format!(
            r#"{{"workflow_run_id": "{id}", "workflow_id": "wf-{id}", "status": "completed",
                "llm_token_usage": {usage},
                "input_output_pairs": [{{"run_input": {{"command": "start"}},
                "run_output": {{"events": {events}}}}}]}}"#
        )
    };
    let files = [
        (
            "p-input.json",
            run(
                "p-input",
                r#"{"total_input_tokens": 100, "total_output_tokens": null, "total_tokens": null, "call_count": null}"#,
            ),
        ),
        (
            "p-calls.json",
            run(
                "p-calls",
                r#"{"total_input_tokens": null, "total_output_tokens": null, "total_tokens": 50, "call_count": 9}"#,
            ),
        ),
        (
            "p-none.json",
            run(
                "p-none",
                r#"{"total_input_tokens": null, "total_output_tokens": null, "total_tokens": null, "call_count": null}"#,
            ),
        ),
        (
            "p-negative.json",
            run(
                "p-negative",
                r#"{"total_input_tokens": -5, "total_output_tokens": 6, "total_tokens": null, "call_count": 1}"#,
            ),
        ),
    ];
    let named: Vec<(&str, &str)> = files.iter().map(|(f, t)| (*f, t.as_str())).collect();
    let dir = corpus("partial-usage", &named);
    let got = run_columns(
        &dir,
        &[
            "run_id",
            "llm_calls",
            "input_tokens",
            "output_tokens",
            "total_tokens",
            "error",
        ],
    );
    // Events alone: 3 calls, input 7 + 1 + 4 = 12, output 3 + 2 + 1 = 6, total 18.
    assert_eq!(
        got,
        [
            // call_count 9 and total 50 as recorded; input and output from the events.
            ["p-calls", "9", "12", "6", "50", ""],
            // input as recorded, the rest from the events; the total is input + output.
            ["p-input", "3", "100", "6", "106", ""],
            // A negative count is unknown, so from the events (and warned about).
            ["p-negative", "1", "12", "6", "18", ""],
            ["p-none", "3", "12", "6", "18", ""],
        ]
    );
    let out = reprise()
        .arg("validate")
        .arg(dir.join("corpus"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("run p-negative: counted as unknown (negative, above 2^53 or no whole number): llm_token_usage.total_input_tokens = -5"),
        "{stdout}"
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "warnings never change the exit code"
    );
}

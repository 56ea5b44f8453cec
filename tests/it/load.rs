//! Loading: normalized-model snapshots per format, lossless raw documents, robustness.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use proptest::prelude::*;
use reprise::corpus::{find_files, Corpus, LoadOptions};
use reprise::formats::read_bytes;
use reprise::model::Run;
use serde_json::{json, Value};

/// A stable view of a normalized run: everything but the raw bytes and the absolute path.
fn view(run: &Run) -> Value {
    let file = run
        .origin
        .path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned());
    json!({
        "system": run.system,
        "format": run.format,
        "run_id": run.run_id,
        "workflow_id": run.workflow_id,
        "version": run.version,
        "version_name": run.version_name,
        "workflow_hash": run.workflow_hash,
        "status": run.status,
        "termination_source": run.termination_source,
        "turns": run.turns,
        "usage": run.usage,
        "latency": run.latency,
        "credits": run.credits,
        "started_at": run.started_at,
        "ended_at": run.ended_at,
        "comments": run.comments,
        "error": run.error,
        "config": run.config,
        "eval": run.eval,
        "raw_len": run.raw.len(),
        "origin": {"file": file, "line": run.origin.line, "index": run.origin.index},
    })
}

fn load(paths: &[&str]) -> Corpus {
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    Corpus::load(
        &paths,
        &LoadOptions {
            format: None,
            keep_raw: true,
            digest: false,
            ..LoadOptions::default()
        },
    )
}

fn views(corpus: &Corpus) -> Vec<Value> {
    corpus.runs.iter().map(|r| view(r)).collect()
}

#[test]
fn seed_interactly_envelope() {
    let c = load(&["tests/data/seeds/000-interactly-get-workflow-run.json"]);
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    insta::assert_yaml_snapshot!(views(&c));
}

#[test]
fn seed_interactly_bare_run() {
    let c = load(&["tests/data/seeds/002-interactly-execute-bare-workflow-run.json"]);
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    insta::assert_yaml_snapshot!(views(&c));
}

#[test]
fn seed_noxus_run() {
    let c = load(&["tests/data/seeds/003-noxus-get-run.json"]);
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    insta::assert_yaml_snapshot!(views(&c));
}

#[test]
fn seed_cortex_list() {
    let c = load(&["tests/data/seeds/004-cortex-list-runs.json"]);
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    insta::assert_yaml_snapshot!(views(&c));
}

#[test]
fn fixture_interactly_execute_response() {
    let c = load(&["fixtures/interactly/11b-execute-response.json"]);
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    let run = &c.runs[0];
    // fixtures/README.md: 2 calls, 955 + 17 = 972 tokens, 769 ms, counted from the events.
    assert_eq!(
        (
            run.usage.calls,
            run.usage.input_tokens,
            run.usage.output_tokens,
            run.usage.total_tokens
        ),
        (2, 955, 17, 972)
    );
    assert_eq!(run.latency.total_ms, 769.0);
    insta::assert_yaml_snapshot!(views(&c));
}

#[test]
fn fixture_interactly_envelope_with_mcp_and_evaluation() {
    let c = load(&["fixtures/interactly/08-lookup-tools-pii.json"]);
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    let run = &c.runs[0];
    assert_eq!(run.usage.total_tokens, 2257);
    assert_eq!(run.latency.total_ms, 2356.0);
    let config = run.config.as_ref().unwrap();
    assert_eq!(config.mcp_servers.len(), 1);
    let rendered = serde_json::to_string(&views(&c)).unwrap();
    assert!(
        !rendered.contains("sk-synthetic-SECRET"),
        "MCP headers leaked into the model"
    );
    insta::assert_yaml_snapshot!(views(&c));
}

#[test]
fn fixtures_match_the_expected_table() {
    let c = load(&["fixtures"]);
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(c.cases().count(), 22);
    assert_eq!(c.evaluations().count(), 12);
    assert_eq!(c.linked_evaluations(), 12);
    let mut rows = csv::Reader::from_path("tests/data/fixtures-expected.csv").unwrap();
    let headers = rows.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let mut checked = 0;
    for row in rows.records() {
        let row = row.unwrap();
        let run = c.get(&row[col("run_id")]).expect("case in corpus");
        let num = |name: &str| row[col(name)].parse::<f64>().unwrap_or(0.0);
        assert_eq!(run.status.text, row[col("status")], "{}", run.run_id);
        assert_eq!(run.usage.calls as f64, num("llm_calls"), "{}", run.run_id);
        assert_eq!(
            run.usage.total_tokens as f64,
            num("total_tokens"),
            "{}",
            run.run_id
        );
        assert_eq!(
            run.usage.input_tokens as f64,
            num("input_tokens"),
            "{}",
            run.run_id
        );
        assert_eq!(
            run.latency.total_ms,
            num("latency_ms_total"),
            "{}",
            run.run_id
        );
        assert_eq!(run.credits.unwrap_or(0.0), num("credits"), "{}", run.run_id);
        checked += 1;
    }
    assert_eq!(checked, 22);
}

/// What each run's raw bytes must be, computed without the loader.
fn expected_raw(path: &Path, run: &Run) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    if let Some(line) = run.origin.line {
        let text = String::from_utf8(bytes).unwrap();
        return text.lines().nth(line - 1).unwrap().as_bytes().to_vec();
    }
    if let Some(index) = run.origin.index {
        let elements: Vec<&serde_json::value::RawValue> = serde_json::from_slice(&bytes).unwrap();
        return elements[index].get().as_bytes().to_vec();
    }
    bytes
}

#[test]
fn raw_documents_survive_load_unchanged() {
    let (files, _) = find_files(&[PathBuf::from("fixtures"), PathBuf::from("tests/data/seeds")]);
    assert!(files.len() >= 30);
    let mut runs = 0;
    for keep_raw in [true, false] {
        let c = Corpus::load(
            &[PathBuf::from("fixtures"), PathBuf::from("tests/data/seeds")],
            &LoadOptions {
                format: None,
                keep_raw,
                // The digest is taken from the same bytes, whichever way they are kept.
                digest: !keep_raw,
                ..LoadOptions::default()
            },
        );
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        for run in &c.runs {
            let got = run.raw.bytes().unwrap();
            let want_digest: Option<[u8; 32]> = (!keep_raw).then(|| blake3::hash(&got).into());
            assert_eq!(run.raw_digest, want_digest, "{}", run.origin);
            assert_eq!(
                &*got,
                &expected_raw(&run.origin.path, run)[..],
                "{}",
                run.origin
            );
            // And the bytes are a complete JSON document again.
            let _: Value = serde_json::from_slice(&got).unwrap();
            runs += 1;
        }
    }
    // Every file gave at least one run, and files with several gave them all.
    assert!(
        runs >= 2 * files.len(),
        "{runs} runs from {} files",
        files.len()
    );
}

/// Runs `f` on a thread with a 2 MiB stack, as rayon and test threads have.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .expect("no panic, no overflow")
}

fn deep(open: &str, close: &str, n: usize) -> String {
    let mut s = String::with_capacity(n * (open.len() + close.len()));
    for _ in 0..n {
        s.push_str(open);
    }
    for _ in 0..n {
        s.push_str(close);
    }
    s
}

#[test]
fn hundred_thousand_deep_nesting_never_overflows() {
    let n = 100_000;
    let cases = vec![
        deep("[", "]", n),
        deep("[", "", n),
        deep("{\"a\":", "}", n),
        format!("{{\"workflow_run\": {}}}", deep("[", "]", n)),
        deep("{\"workflow_run\":", "}", n),
        format!(
            "{{\"workflow_run_id\": \"r\", \"status\": \"completed\", \"input_output_pairs\": [{{\"evaluation\": {}}}]}}",
            deep("[", "]", n)
        ),
        format!(
            "{{\"workflow_run_id\": \"r\", \"status\": \"completed\", \"team\": {}}}",
            deep("{\"x\":", "}", n)
        ),
        format!(
            "{{\"run_id\": \"r\", \"turn_number\": 1, \"events\": [{}]}}",
            deep("{\"event\":", "}", n)
        ),
    ];
    for (i, text) in cases.into_iter().enumerate() {
        for name in ["deep.json", "deep.jsonl"] {
            let bytes: Arc<[u8]> = Arc::from(text.clone().into_bytes());
            let out = on_small_stack(move || {
                read_bytes(
                    Path::new(name),
                    bytes,
                    reprise::vendors::Registry::builtin().adapters(),
                    None,
                    true,
                )
            });
            assert!(out.runs.is_empty(), "case {i} {name} loaded");
            assert_eq!(out.problems.len(), 1, "case {i} {name}: {:?}", out.problems);
        }
    }
}

#[test]
fn huge_numbers_are_errors_wherever_they_are() {
    for text in [
        r#"{"workflow_run_id": "r", "status": "completed", "llm_token_usage": {"total_tokens": 1e400}}"#,
        r#"{"workflow_run_id": "r", "status": "completed", "team_id": 1e400}"#,
        r#"{"workflow_run_id": "r", "status": "completed", "miscellaneous": {"x": [-2.5E+999]}}"#,
    ] {
        let out = read_bytes(
            Path::new("n.json"),
            Arc::from(text.as_bytes()),
            reprise::vendors::Registry::builtin().adapters(),
            None,
            true,
        );
        assert!(out.runs.is_empty(), "{text}");
        assert!(
            out.problems[0].message.contains("out of range"),
            "{:?}",
            out.problems
        );
        assert!(!out.problems[0].pointer.is_empty());
    }
    let ok =
        r#"{"workflow_run_id": "r", "status": "completed", "note": "1e400 as text", "x": 1e-400}"#;
    let out = read_bytes(
        Path::new("n.json"),
        Arc::from(ok.as_bytes()),
        reprise::vendors::Registry::builtin().adapters(),
        None,
        true,
    );
    assert_eq!(out.runs.len(), 1, "{:?}", out.problems);
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "[a-z_]{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "workflow_run",
            "workflow_run_id",
            "status",
            "input_output_pairs",
            "events",
            "type",
            "llm_usage_info",
            "completed",
            "say_llm",
            "id",
            "run_id",
            "COMPLETED",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "workflow_run",
                        "_id",
                        "workflow_run_id",
                        "status",
                        "input_output_pairs",
                        "run_input",
                        "run_output",
                        "events",
                        "type",
                        "event",
                        "llm_usage_info",
                        "prompt_tokens",
                        "llm_token_usage",
                        "breakdown_by_models",
                        "id",
                        "usage",
                        "run_id",
                        "turn_number",
                        "thread_to_node_outputs",
                        "message",
                        "content",
                        "runtime_variables",
                        "workflow_config_fully_hydrated",
                        "node_configs",
                        "progress",
                        "workflow_version",
                        "x",
                    ]),
                    inner
                ),
                0..8
            )
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_json_never_panics(v in arb_json(), jsonl in any::<bool>()) {
        let text = v.to_string();
        let name = if jsonl { "p.jsonl" } else { "p.json" };
        let out = read_bytes(Path::new(name), Arc::from(text.into_bytes()), reprise::vendors::Registry::builtin().adapters(), None, true);
        for run in &out.runs {
            prop_assert!(!run.raw.bytes().unwrap().is_empty());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512), jsonl in any::<bool>()) {
        let name = if jsonl { "p.jsonl" } else { "p.json" };
        let _ = read_bytes(Path::new(name), Arc::from(bytes), reprise::vendors::Registry::builtin().adapters(), None, true);
    }
}

/// Files are read while the walk goes on and put in path order after it: paths given out of
/// order, one file named again and a folder holding it give the runs, origins, problems and
/// warnings of the folder alone, in the same order.
#[test]
fn paths_out_of_order_or_named_twice_load_as_the_sorted_files_once() {
    let text = |c: &Corpus| {
        (
            c.runs
                .iter()
                .map(|r| r.origin.to_string())
                .collect::<Vec<_>>(),
            views(c),
            c.problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            c.warnings
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            c.files,
            c.bytes,
        )
    };
    let alone = load(&["fixtures", "tests/data/seeds"]);
    assert!(alone.runs.len() > 20);
    let shuffled = load(&[
        "tests/data/seeds",
        "fixtures/noxus/failed.json",
        "fixtures",
        "tests/data/seeds/003-noxus-get-run.json",
        "fixtures/noxus/failed.json",
    ]);
    assert_eq!(text(&shuffled), text(&alone));
}

//! In-process replay throughput: the recorded engine plus a minimal driver loop (start, then
//! one send per turn) over every case of a synthetic corpus built here.
//!
//! `cargo bench --bench replay` — criterion reports time per pass over the corpus and
//! turns per second (`thrpt`). Before the benchmark it prints the engine's build time and
//! the process's peak RSS for a larger corpus (`REPRISE_BENCH_RUNS`, default 100,000 runs,
//! read back from a JSONL file with only file offsets kept, as `reprise run` loads).

/// The binary's allocator, so the figures are the tool's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use reprise::corpus::{Corpus, LoadOptions};
use reprise::engine::{Engine, RecordedEngine, StartRequest, TurnInput};
use reprise::formats::read_bytes;
use reprise::model::Run;
use serde_json::json;

/// Turns per synthetic Interactly case (start + data turns).
const TURNS: usize = 4;

/// One synthetic Interactly run as a compact JSON line: realistic shape (volatile variables,
/// user messages, LLM and assistant events with usage), distinct caller inputs per case.
fn interactly_line(i: usize, version: i64) -> String {
    let mut pairs = Vec::new();
    for t in 0..TURNS {
        let messages = if t == 0 {
            json!([])
        } else {
            json!([{"type": "human", "content": format!("answer {t} from patient {i}")}])
        };
        pairs.push(json!({
            "run_input": {
                "command": if t == 0 { "start" } else { "data" },
                "dynamic_variables": {
                    "patient_name": format!("Patient {i}"), "clinic_name": "Maple Street",
                    "now": "March 02, 2026 05:37 PM", "rand_int": i * 7 + t, "timestamp": 1772473020 + t
                },
                "runtime_variables": {"input_dynamic_variables":
                    {"patient_name": format!("Patient {i}"), "clinic_name": "Maple Street"}},
                "thread_to_node_inputs": {"0": {"node_run_inputs": [{"type": "llm", "messages": messages}]}}
            },
            "run_output": {"events": [
                {"type": "worker_llm", "logical_id": format!("e-{i}-{t}-0"), "node_logical_id": "n1",
                 "message": {"type": "ai", "content": format!("reply {t}")},
                 "llm_usage_info": {"llm_response_id": format!("c-{i}-{t}"), "provider": "openai",
                    "response_model": "gpt-4o-mini", "prompt_tokens": 500, "completion_tokens": 20,
                    "total_tokens": 520, "response_latency_milliseconds": 640.0}},
                {"type": "assistant_response", "logical_id": format!("e-{i}-{t}-1"),
                 "content": format!("reply {t}")},
                {"type": "workflow_ready_for_input", "logical_id": format!("e-{i}-{t}-2")}
            ]}
        }));
    }
    json!({
        "workflow_run_id": format!("run-{i:08}-v{version}"),
        "workflow_id": format!("wf-{}", i % 10),
        "version_number": version,
        "status": "completed",
        "input_output_pairs": pairs,
    })
    .to_string()
}

fn corpus_bytes(cases: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..cases {
        out.extend_from_slice(interactly_line(i, 1).as_bytes());
        out.push(b'\n');
        // Every tenth case also has a version 2 recording: more recordings per workflow.
        if i % 10 == 0 {
            out.extend_from_slice(interactly_line(i, 2).as_bytes());
            out.push(b'\n');
        }
    }
    out
}

fn synthetic(cases: usize) -> Corpus {
    let outcome = read_bytes(
        Path::new("synthetic.jsonl"),
        Arc::from(corpus_bytes(cases)),
        reprise::vendors::Registry::builtin().adapters(),
        None,
        true,
    );
    assert!(outcome.problems.is_empty());
    Corpus::from_runs(outcome.runs)
}

/// The minimal driver: every case, start then one send per turn. Returns turns answered.
async fn drive(engine: &RecordedEngine, cases: &[Arc<Run>]) -> usize {
    let mut turns = 0;
    for case in cases {
        let request = StartRequest {
            system: case.system,
            workflow_id: case.workflow_id.clone().unwrap_or_default(),
            version: case.version,
            input: TurnInput::from_turn(&case.turns[0]),
            case_run_id: Some(case.run_id.clone()),
            live: reprise::engine::LiveHints::default(),
        };
        let mut reply = engine.start(&request).await.expect("start");
        turns += 1;
        for turn in &case.turns[1..] {
            let input = TurnInput::from_turn(turn);
            reply = engine.send(&reply.run_id, &input).await.expect("send");
            turns += 1;
        }
        black_box(&reply);
    }
    turns
}

fn peak_rss_mb() -> Option<f64> {
    status_mb("VmHWM:")
}

fn rss_mb() -> Option<f64> {
    status_mb("VmRSS:")
}

fn status_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Builds an engine over a large corpus read from disk with offsets only, and reports memory.
fn scale_report() {
    let runs: usize = std::env::var("REPRISE_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    if runs == 0 {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("scale.jsonl");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        for i in 0..runs {
            writeln!(file, "{}", interactly_line(i, 1)).expect("write");
        }
    }
    let before = peak_rss_mb().unwrap_or(0.0);
    let started = Instant::now();
    let corpus = Corpus::load(
        std::slice::from_ref(&path),
        &LoadOptions {
            format: None,
            keep_raw: false,
            digest: false,
            ..LoadOptions::default()
        },
    );
    let loaded = started.elapsed();
    let rss_corpus = rss_mb().unwrap_or(0.0);
    let engine = RecordedEngine::new(&corpus);
    let built = started.elapsed() - loaded;
    let rss_engine = rss_mb().unwrap_or(0.0);
    drop(corpus);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let cases: Vec<Arc<Run>> = engine.runs().to_vec();
    let replay_started = Instant::now();
    let turns = rt.block_on(drive(&engine, &cases));
    let replayed = replay_started.elapsed();
    eprintln!(
        "scale: {runs} runs ({:.0} MB JSONL): load {:.2}s, index {:.2}s, replay {turns} turns in {:.2}s ({:.0} turns/s); RSS after load {rss_corpus:.0} MB, after index {rss_engine:.0} MB, peak {:.0} MB (before load {:.0} MB)",
        std::fs::metadata(&path).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0),
        loaded.as_secs_f64(),
        built.as_secs_f64(),
        replayed.as_secs_f64(),
        turns as f64 / replayed.as_secs_f64(),
        peak_rss_mb().unwrap_or(0.0),
        before,
    );
}

fn bench(c: &mut Criterion) {
    scale_report();
    let corpus = synthetic(2_000);
    let engine = RecordedEngine::new(&corpus);
    let cases: Vec<Arc<Run>> = corpus
        .cases()
        .filter(|r| r.version == Some(1))
        .cloned()
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let turns = rt.block_on(drive(&engine, &cases));
    assert_eq!(turns, cases.len() * TURNS);
    let mut group = c.benchmark_group("replay");
    group.throughput(Throughput::Elements(turns as u64));
    group.sample_size(20);
    group.bench_function("recorded_engine_turns", |b| {
        b.iter(|| rt.block_on(drive(&engine, &cases)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

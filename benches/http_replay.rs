//! Replay throughput of the live Interactly client through `reprise serve` on loopback
//! (current-generation execute answers, then a GET of the run after every turn).
//!
//! Server and client share the machine. `cargo bench --bench http_replay`; the figure is the
//! `thrpt` line, in turns per second. `REPRISE_BENCH_REPEAT` (default 20) sets how many times
//! each Interactly fixture case is replayed per iteration, `REPRISE_BENCH_CONCURRENCY`
//! (default 8) how many runs are in flight.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use reprise::corpus::{Corpus, LoadOptions};
use reprise::engine::http::{ClientConfig, Generation, HttpConfig, HttpEngine, Token};
use reprise::engine::{Engine, StartRequest, TurnInput};
use reprise::model::{Run, System};

struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(root: &std::path::Path) -> (Served, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_reprise"))
        .args(["serve", "--addr", "127.0.0.1:0", "--quiet"])
        .arg(root.join("fixtures"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("reprise serve starts");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("address line");
    let url = line.trim().trim_start_matches("listening on ").to_owned();
    (Served(child), url)
}

fn turn_input(run: &Run, i: usize) -> TurnInput {
    let turn = &run.turns[i];
    TurnInput {
        dynamic_variables: turn.caller_variables(),
        user_messages: turn.user_messages.clone(),
        input: turn.input.clone(),
    }
}

async fn replay(engine: Arc<HttpEngine>, case: Arc<Run>) -> usize {
    let request = StartRequest {
        system: case.system,
        workflow_id: case.workflow_id.clone().unwrap_or_default(),
        version: case.version,
        input: turn_input(&case, 0),
        case_run_id: Some(case.run_id.clone()),
        live: reprise::engine::LiveHints::default(),
    };
    let mut reply = engine.start(&request).await.expect("start");
    for i in 1..case.turns.len() {
        reply = engine
            .send(&reply.run_id, &turn_input(&case, i))
            .await
            .expect("send");
    }
    reply.turn + 1
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn bench(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let corpus = Corpus::load(&[root.join("fixtures")], &LoadOptions::default());
    let cases: Vec<Arc<Run>> = corpus
        .runs
        .iter()
        .filter(|r| r.is_case() && r.system == System::Interactly)
        .cloned()
        .collect();
    let repeat = env_usize("REPRISE_BENCH_REPEAT", 20);
    let concurrency = env_usize("REPRISE_BENCH_CONCURRENCY", 8);
    let (_served, url) = serve(&root);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut tokens = std::collections::BTreeMap::new();
    tokens.insert(System::Interactly, Token::new("bench"));
    let engine = Arc::new(
        reprise::vendors::Registry::builtin()
            .http_engine(HttpConfig {
                client: ClientConfig {
                    concurrency,
                    poll_interval: Duration::from_millis(1),
                    ..ClientConfig::default()
                },
                base_urls: [(System::Interactly, url)].into_iter().collect(),
                tokens,
                interactly_generation: Generation::Current,
                ..HttpConfig::default()
            })
            .expect("engine"),
    );
    let run_all = || {
        let engine = engine.clone();
        let cases = cases.clone();
        runtime.block_on(async move {
            let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency));
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..repeat {
                for case in &cases {
                    let (engine, case) = (engine.clone(), case.clone());
                    let permit = semaphore.clone().acquire_owned().await.expect("permit");
                    tasks.spawn(async move {
                        let turns = replay(engine, case).await;
                        drop(permit);
                        turns
                    });
                }
            }
            let mut turns = 0;
            while let Some(done) = tasks.join_next().await {
                turns += done.expect("task");
            }
            turns
        })
    };
    let turns = run_all();
    let mut group = c.benchmark_group("http_replay");
    group.throughput(Throughput::Elements(turns as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("interactly_current_turns", |b| b.iter(run_all));
    group.finish();

    // The client's share of a turn: reading one GET answer (a ~55 kB envelope) into a run.
    let doc: Arc<[u8]> = Arc::from(
        std::fs::read(root.join("fixtures/interactly/01-intake-completed-pass.json"))
            .expect("fixture"),
    );
    let mut parse = c.benchmark_group("http_replay_parse");
    parse.throughput(Throughput::Elements(1));
    parse.bench_function("interactly_envelope", |b| {
        b.iter(|| {
            let out = reprise::formats::read_bytes(
                std::path::Path::new("bench.json"),
                doc.clone(),
                reprise::vendors::Registry::builtin().adapters(),
                None,
                true,
            );
            assert_eq!(out.runs.len(), 1);
        })
    });
    parse.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

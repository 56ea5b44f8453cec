//! Replay throughput with the recorded engine: `replay_to_folder` over a `reprise synth` corpus
//! (cases replayed turn by turn, evaluator verdicts read, every report and the journal
//! written), in cases per second. Loading is outside the measurement (see `load`).
//!
//! `cargo bench --bench run` (criterion, `Throughput::Elements`: cases/s).

/// The binary's allocator, so the figures are the tool's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use reprise::corpus::{Corpus, LoadOptions};
use reprise::engine::{Engine, RecordedEngine};
use reprise::eval;
use reprise::pipeline::{replay_to_folder, Folder};
use reprise::replay::{NoSnapshots, Options};
use reprise::report::RunMeta;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    reprise::synth::generate(
        dir.path(),
        &reprise::synth::Options {
            runs: 2_000,
            seed: 1,
            versions: 1,
        },
    )
    .expect("synth");
    let corpus = Corpus::load(&[dir.path().to_path_buf()], &LoadOptions::default());
    let engine: Arc<dyn Engine> = Arc::new(RecordedEngine::new(&corpus));
    let cases: Vec<_> = corpus.cases().cloned().collect();
    let out = tempfile::tempdir().expect("tempdir");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("run");
    group.sample_size(10);
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.bench_function("recorded_engine", |b| {
        b.iter(|| {
            let options = Options {
                jobs: 4,
                ..Options::default()
            };
            runtime
                .block_on(replay_to_folder(
                    engine.clone(),
                    cases.clone(),
                    eval::Settings::default(),
                    Arc::new(NoSnapshots),
                    options,
                    Folder {
                        out: out.path(),
                        meta: RunMeta::default(),
                        progress: false,
                        terminal: std::io::sink(),
                    },
                ))
                .expect("replay")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

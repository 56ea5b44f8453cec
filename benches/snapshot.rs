//! Snapshot stage throughput: building and rendering the redacted transcript of every case, and
//! checking it against a stored snapshot that matches (the common CI path: read, compare, no
//! write). The corpus is `reprise synth` output (300 runs) generated into a tempdir.
//!
//! `cargo bench --bench snapshot` (criterion, `Throughput::Elements`: cases per second; the
//! PII-learning scan of the recorded documents alone in bytes per second).

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use reprise::corpus::{Corpus, LoadOptions};
use reprise::redact::Redactor;
use reprise::snapshot::store::{CheckOptions, SnapshotKey, Store, UpdateMode};
use reprise::snapshot::Transcript;
use reprise::synth::{generate, Options};

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus_dir = dir.path().join("corpus");
    generate(
        &corpus_dir,
        &Options {
            runs: 300,
            seed: 1,
            versions: 1,
        },
    )
    .expect("synth");
    let corpus = Corpus::load(&[PathBuf::from(&corpus_dir)], &LoadOptions::default());
    let cases: Vec<_> = corpus.cases().cloned().collect();
    let redactor = Redactor::default();
    let store = Store::new(dir.path().join("snapshots"));
    let key = |run: &reprise::model::Run| SnapshotKey {
        system: run.system,
        workflow_id: run.workflow_id.clone(),
        run_id: run.run_id.clone(),
    };
    let write = CheckOptions {
        mode: UpdateMode::Always,
        ..CheckOptions::default()
    };
    for run in &cases {
        let body = Transcript::of_run(run, &redactor)
            .render(&redactor)
            .expect("render");
        store
            .check(&key(run), &body, "bench", &write)
            .expect("write");
    }

    let mut group = c.benchmark_group("snapshot");
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.sample_size(20);
    group.bench_function("transcript_render", |b| {
        b.iter(|| {
            for run in &cases {
                let body = Transcript::of_run(run, &redactor)
                    .render(&redactor)
                    .expect("render");
                std::hint::black_box(body);
            }
        })
    });
    let check = CheckOptions {
        mode: UpdateMode::No,
        check: true,
        ..CheckOptions::default()
    };
    group.bench_function("transcript_render_check_match", |b| {
        b.iter(|| {
            for run in &cases {
                let body = Transcript::of_run(run, &redactor)
                    .render(&redactor)
                    .expect("render");
                let checked = store
                    .check(&key(run), &body, "bench", &check)
                    .expect("check");
                std::hint::black_box(checked.outcome);
            }
        })
    });
    group.finish();

    // Learning a case's PII variables from its recorded document (a byte scan; part of every
    // transcript above), in bytes per second.
    let docs: Vec<Vec<u8>> = cases
        .iter()
        .map(|run| run.raw.bytes().expect("raw").into_owned())
        .collect();
    let mut group = c.benchmark_group("snapshot");
    group.throughput(Throughput::Bytes(docs.iter().map(|d| d.len() as u64).sum()));
    group.sample_size(20);
    group.bench_function("learn_document", |b| {
        b.iter(|| {
            for doc in &docs {
                let mut session = redactor.session(None);
                session.learn_document(doc);
                std::hint::black_box(session);
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

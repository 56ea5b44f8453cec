//! Corpus load throughput beside the limits, over the same bytes in the same run:
//! `serde_json::from_slice::<IgnoredAny>` (the bare parse: nothing built, the upper bound) and a
//! parse into `serde_json::Value` (the naive way). The corpus is `reprise synth` output (a few
//! hundred runs) generated into a tempdir.
//!
//! `cargo bench --bench load` (criterion, `Throughput::Bytes`: MB/s). `read_bytes` and the two
//! references run single-threaded per file, and the bare parse and `read_bytes` once more on
//! rayon over both cores (parsing alone, files in memory); `Corpus::load` uses rayon over both
//! cores, with raw documents left on disk (as `reprise run` and `validate` load) and kept in
//! memory, and once on a one-thread pool (the rate per core). What a case builds (the `Value`s,
//! the runs, the corpus) is freed outside the timed part: loading is what is measured. The
//! allocator is the binary's (mimalloc), so the figures are the tool's.

/// The binary's allocator, so the figures are the tool's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rayon::prelude::*;
use reprise::corpus::{find_files, Corpus, LoadOptions};
use reprise::formats::read_bytes;
use reprise::synth::{generate, Options};

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    generate(
        dir.path(),
        &Options {
            runs: 300,
            seed: 1,
            versions: 1,
        },
    )
    .expect("synth");
    let (files, _) = find_files(&[dir.path().to_path_buf()]);
    let data: Vec<(PathBuf, Arc<[u8]>)> = files
        .iter()
        .map(|p| (p.clone(), Arc::from(std::fs::read(p).expect("read"))))
        .collect();
    let total: u64 = data.iter().map(|(_, b)| b.len() as u64).sum();
    // JSONL and arrays hold several documents: the references parse each document.
    let docs: Vec<&[u8]> = data
        .iter()
        .flat_map(|(p, b)| -> Vec<&[u8]> {
            if p.extension().is_some_and(|e| e == "jsonl") {
                b.split(|&c| c == b'\n').filter(|l| !l.is_empty()).collect()
            } else {
                vec![&b[..]]
            }
        })
        .collect();

    let mut g = c.benchmark_group("load");
    g.throughput(Throughput::Bytes(total));
    g.sample_size(20);
    g.bench_function("ignored_any (limit)", |b| {
        b.iter(|| {
            for d in &docs {
                let _: serde::de::IgnoredAny = serde_json::from_slice(d).expect("json");
            }
        })
    });
    // The limit on both cores: what "per core" is measured against when the loader uses two.
    g.bench_function("ignored_any (rayon, limit on all cores)", |b| {
        b.iter(|| {
            docs.par_iter().for_each(|d| {
                let _: serde::de::IgnoredAny = serde_json::from_slice(d).expect("json");
            })
        })
    });
    g.bench_function("serde_json::Value (naive)", |b| {
        b.iter_with_large_drop(|| {
            docs.iter()
                .map(|d| serde_json::from_slice::<serde_json::Value>(d).expect("json"))
                .collect::<Vec<_>>()
        })
    });
    g.bench_function("read_bytes (1 thread)", |b| {
        b.iter_with_large_drop(|| {
            data.iter()
                .map(|(p, bytes)| {
                    let out = read_bytes(
                        p,
                        bytes.clone(),
                        reprise::vendors::Registry::builtin().adapters(),
                        None,
                        true,
                    );
                    assert!(out.problems.is_empty());
                    out
                })
                .collect::<Vec<_>>()
        })
    });
    // Parsing alone on both cores: beside `Corpus::load`, what file reading and indexing cost.
    g.bench_function("read_bytes (rayon, from memory)", |b| {
        b.iter_with_large_drop(|| {
            data.par_iter()
                .map(|(p, bytes)| {
                    read_bytes(
                        p,
                        bytes.clone(),
                        reprise::vendors::Registry::builtin().adapters(),
                        None,
                        false,
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    // Raw documents left on disk (as `run`, `validate` and `serve` load), and kept in memory;
    // and on one thread, for the rate per core beside the bare parse.
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    for (name, keep_raw, pool) in [
        ("Corpus::load (rayon, from disk)", false, None),
        ("Corpus::load (rayon, from disk, raw kept)", true, None),
        (
            "Corpus::load (1 thread, from disk)",
            false,
            Some(&one_thread),
        ),
    ] {
        let load = || {
            Corpus::load(
                &[dir.path().to_path_buf()],
                &LoadOptions {
                    format: None,
                    keep_raw,
                    digest: false,
                    ..LoadOptions::default()
                },
            )
        };
        g.bench_function(name, |b| {
            b.iter_with_large_drop(|| {
                let corpus = match pool {
                    Some(pool) => pool.install(load),
                    None => load(),
                };
                assert!(corpus.problems.is_empty());
                corpus
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! The binary form of runs (`crate::model::binary`) on runs the built-in vendors' documents
//! give: every fixture and a synthetic corpus come back from it as they were.

use std::path::{Path, PathBuf};

use crate::corpus::{Corpus, LoadOptions};
use crate::model::binary::{held, round_trip};

/// Every run under `paths` comes back from its binary form as it was.
fn every_run_round_trips(paths: &[PathBuf]) -> usize {
    let corpus = Corpus::load(paths, &LoadOptions::default());
    assert!(corpus.problems.is_empty(), "{:?}", corpus.problems);
    for run in &corpus.runs {
        let again = round_trip(run);
        assert_eq!(held(&again), held(run), "{}", run.run_id);
        assert_eq!(
            again.credits.map(f64::to_bits),
            run.credits.map(f64::to_bits)
        );
    }
    corpus.runs.len()
}

#[test]
fn every_fixture_run_round_trips() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    assert!(every_run_round_trips(&[fixtures]) > 20);
}

#[test]
fn every_synthetic_run_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let options = crate::synth::Options {
        runs: 100,
        seed: 7,
        versions: 2,
    };
    crate::synth::generate(dir.path(), &options).unwrap();
    assert!(every_run_round_trips(&[dir.path().to_path_buf()]) > 100);
}

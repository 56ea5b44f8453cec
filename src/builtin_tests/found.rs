//! The values redaction learns, found at load ([`crate::model::Run::found`], the corpus
//! index's scan) against a scan of the raw document when the case is rendered: the snapshot
//! transcript must be the same either way, so that reports stay byte-identical.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::corpus::{Index, LoadOptions};
use crate::formats::container::{read_open, How};
use crate::model::{DocScan, FoundValues, RawDoc};
use crate::redact::Redactor;
use crate::snapshot::transcript::Transcript;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A synthetic corpus of `runs` cases (all three systems, JSON and JSONL files) in `dir`.
fn synthetic(dir: &Path, runs: usize) -> PathBuf {
    let out = dir.join("synth");
    crate::synth::generate(
        &out,
        &crate::synth::Options {
            runs,
            seed: 7,
            versions: 1,
        },
    )
    .expect("generated");
    out
}

/// Load options as `reprise run` gives them: digests, a run cache in `cache`, `redactor`'s
/// scan.
fn as_run_loads(cache: &Path, redactor: &Arc<Redactor>) -> LoadOptions {
    LoadOptions {
        digest: true,
        scan: Some(redactor.clone() as Arc<dyn DocScan>),
        cache: Some(cache.to_path_buf()),
        ..LoadOptions::default()
    }
}

/// What `redactor` finds scanning `doc` now.
fn scanned(redactor: &Redactor, doc: &[u8]) -> FoundValues {
    let mut found = FoundValues::default();
    redactor.scan_document(doc, |name, text| found.push(name, text));
    found
}

/// Every run of `paths`, read back from the run cache, carries what a scan of its document
/// finds, and its transcript rendered from those values equals the one rendered from its raw
/// document (all turns, and the first turn only). Returns how many values were found.
fn transcripts_from_found_values_are_those_from_the_document(paths: &[PathBuf]) -> usize {
    let cache = tempfile::tempdir().unwrap();
    // Names the fixtures and the synthetic corpus use, on top of the default ones.
    let config = crate::redact::rules::RedactionConfig {
        extra_pii_variables: vec!["member_name".into(), "customer_name".into()],
        ..Default::default()
    };
    let redactor = Arc::new(Redactor::new(&config).unwrap());
    let index = Index::load(paths, &as_run_loads(cache.path(), &redactor));
    assert!(index.problems.is_empty(), "{:?}", index.problems);
    assert!(index.entries().iter().all(|e| e.is_spilled()));
    let mut values = 0;
    for i in 0..index.len() {
        let run = index.run(i).expect("read back");
        // Served by the cache: the document is only pointed at, not read.
        assert!(matches!(run.raw, RawDoc::Disk { .. }), "{}", run.run_id);
        let doc = run.raw.bytes().expect("the document");
        let found = run.found.as_ref().expect("found at load");
        assert_eq!(*found, scanned(&redactor, &doc), "{}", run.run_id);
        values += found.len();
        // The same run without them: the snapshot stage scans its document.
        let mut plain = (*run).clone();
        plain.found = None;
        plain.raw = RawDoc::Memory {
            buf: Arc::from(&doc[..]),
            range: 0..doc.len(),
        };
        for turns in [run.turns.len(), 1] {
            assert_eq!(
                Transcript::build(&run, turns, &redactor),
                Transcript::build(&plain, turns, &redactor),
                "{}",
                run.run_id
            );
        }
    }
    values
}

#[test]
fn fixtures_render_the_same_from_values_found_at_load() {
    let values = transcripts_from_found_values_are_those_from_the_document(&[fixtures()]);
    assert!(values > 0, "the fixtures have PII values");
}

#[test]
fn a_synthetic_corpus_renders_the_same_from_values_found_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let values =
        transcripts_from_found_values_are_those_from_the_document(&[synthetic(dir.path(), 120)]);
    assert!(values > 100, "{values}");
}

/// PII redaction off: nothing is scanned, no run carries values (the transcript then asks
/// the redactor, which learns nothing from documents either).
#[test]
fn without_pii_redaction_nothing_is_scanned() {
    let cache = tempfile::tempdir().unwrap();
    let redactor = Arc::new(Redactor::secrets_only());
    assert!(!redactor.scans_documents());
    assert_eq!(redactor.scan(b"{\"patient_name\": \"Ada Lovelace\"}"), None);
    let index = Index::load(&[fixtures()], &as_run_loads(cache.path(), &redactor));
    assert!(index.len() > 20);
    for i in 0..index.len() {
        assert_eq!(index.run(i).unwrap().found, None);
    }
    // No scan given: none either.
    let index = Index::load(&[fixtures()], &LoadOptions::default());
    assert!((0..index.len()).all(|i| index.run(i).unwrap().found.is_none()));
}

/// A large JSONL file read in chunks (its lines scanned where they are parsed) carries the
/// values a scan of each line finds, as a file read whole does.
#[test]
fn lines_read_in_chunks_carry_what_their_scan_finds() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = synthetic(dir.path(), 120);
    let jsonl: Vec<PathBuf> = crate::corpus::find_files(&[corpus])
        .0
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    assert!(!jsonl.is_empty());
    let redactor = Arc::new(Redactor::default());
    let mut values = 0;
    for path in jsonl {
        let bytes = std::fs::read(&path).unwrap();
        let how = How {
            forced: None,
            keep_raw: false,
            digest: true,
            scan: Some(redactor.clone() as Arc<dyn DocScan>),
            chunk: 4096,
        };
        let out = read_open(
            &path,
            &mut std::io::Cursor::new(&bytes),
            bytes.len() as u64,
            &crate::vendors::Registry::builtin().adapters().clone(),
            &how,
        );
        assert!(out.runs.len() > 1 && out.problems.is_empty());
        for run in &out.runs {
            let found = run.found.as_ref().expect("scanned");
            assert_eq!(*found, scanned(&redactor, &bytes[run.raw.range()]));
            values += found.len();
        }
    }
    assert!(values > 0);
}

//! Snapshot transcripts, redaction and the store over the demo corpus (`fixtures/`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use reprise::corpus::{Corpus, LoadOptions};
use reprise::model::Run;
use reprise::redact::Redactor;
use reprise::snapshot::store::{CheckOptions, SnapshotKey, Store, UpdateMode};
use reprise::snapshot::{Detail, Outcome, Transcript};

fn fixtures() -> Corpus {
    Corpus::load(
        &[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")],
        &LoadOptions::default(),
    )
}

fn case(corpus: &Corpus, run_id: &str) -> Arc<Run> {
    corpus.get(run_id).cloned().expect("fixture case")
}

fn body(run: &Run) -> String {
    let r = Redactor::default();
    Transcript::of_run(run, &r).render(&r).unwrap()
}

#[test]
fn interactly_transcript_with_tools_and_pii() {
    let corpus = fixtures();
    let run = case(&corpus, "69a5725851cd4ae89dc12eb0");
    insta::assert_snapshot!(body(&run));
}

#[test]
fn interactly_partial_replay_keeps_only_replayed_turns() {
    let corpus = fixtures();
    let run = case(&corpus, "69a59566eec3645a209c3946");
    let r = Redactor::default();
    let t = Transcript::build(&run, 1, &r);
    assert_eq!(t.turns.len(), 1);
    assert_eq!(t.status, "waiting_for_user_input");
    insta::assert_snapshot!(t.render(&r).unwrap());
}

#[test]
fn noxus_transcript() {
    let corpus = fixtures();
    insta::assert_snapshot!(body(&case(&corpus, "1841cf18-41bc-4c13-b1c8-76789fa60421")));
}

#[test]
fn cortex_transcript() {
    let corpus = fixtures();
    insta::assert_snapshot!(body(&case(&corpus, "run_6491427bc417e7fd78ebd894")));
    insta::assert_snapshot!(body(&case(&corpus, "run_139f3552400e64184d6b57d4")));
}

/// Every string under a PII-named key anywhere in a recording.
fn pii_values(v: &serde_json::Value, out: &mut Vec<String>) {
    const NAMES: &[&str] = &[
        "patient_name",
        "patient_phone",
        "name_on_file",
        "email_on_file",
        "phone_on_file",
        "date_of_birth",
    ];
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                match v.as_str() {
                    Some(s) if NAMES.contains(&k.as_str()) => out.push(s.to_owned()),
                    _ => pii_values(v, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| pii_values(v, out)),
        _ => {}
    }
}

/// What must never appear in anything written from the fixtures.
pub fn assert_no_secret_or_pii(text: &str, pii: &[String], what: &str) {
    for needle in [
        "sk-synthetic",
        "SECRET-0000",
        "Bearer ",
        "@example.com",
        "000-12-3456",
        "010-",
    ] {
        assert!(!text.contains(needle), "{needle:?} in {what}:\n{text}");
    }
    let phone = regex::Regex::new(r"\(?555\)?[ .-]?01").unwrap();
    assert!(!phone.is_match(text), "phone in {what}:\n{text}");
    let dob = regex::Regex::new(r"\b\d{1,2}/\d{1,2}/(19|20)\d{2}\b|\b(19|20)\d{2}-\d{2}-\d{2}\b")
        .unwrap();
    assert!(!dob.is_match(text), "date in {what}:\n{text}");
    for value in pii {
        assert!(
            !text.contains(value.as_str()),
            "{value:?} in {what}:\n{text}"
        );
    }
}

/// The PII values of one recording.
pub fn run_pii(run: &Run) -> Vec<String> {
    let mut pii = Vec::new();
    let raw = run.raw.bytes().unwrap();
    pii_values(&serde_json::from_slice(&raw).unwrap(), &mut pii);
    pii.sort();
    pii.dedup();
    pii
}

#[test]
fn no_secret_or_pii_in_any_fixture_transcript() {
    let corpus = fixtures();
    let mut n = 0;
    let mut values = 0;
    for run in corpus.cases() {
        let pii = run_pii(run);
        values += pii.len();
        let text = body(run);
        assert_no_secret_or_pii(&text, &pii, &run.run_id);
        n += 1;
    }
    assert_eq!(n, 22);
    assert!(values >= 15, "{values}");
}

#[test]
fn insta_reads_our_snapshot_files() {
    let corpus = fixtures();
    let run = case(&corpus, "69a5725851cd4ae89dc12eb0");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let key = SnapshotKey {
        system: run.system,
        workflow_id: run.workflow_id.clone(),
        run_id: run.run_id.clone(),
    };
    let b = body(&run);
    let checked = store
        .check(
            &key,
            &b,
            "fixtures/interactly/08-lookup-tools-pii.json",
            &CheckOptions {
                mode: UpdateMode::Always,
                ..CheckOptions::default()
            },
        )
        .unwrap();
    assert_eq!(checked.outcome, Outcome::New);
    let path = dir
        .path()
        .join("interactly/69a5cfb4f70dd01a8e961b62/69a5725851cd4ae89dc12eb0.snap");
    assert_eq!(checked.written.as_deref(), Some(path.as_path()));
    let snap = insta::Snapshot::from_file(&path).unwrap();
    assert_eq!(
        snap.metadata().expression(),
        Some("interactly 69a5cfb4f70dd01a8e961b62 69a5725851cd4ae89dc12eb0")
    );
    assert_eq!(
        snap.metadata().source(),
        Some("fixtures/interactly/08-lookup-tools-pii.json")
    );
    let text = snap.contents().as_text().unwrap().to_string();
    assert_eq!(text, b.trim_end());
    // And a pending file reads the same way.
    let again = store
        .check(
            &key,
            &b.replace("Goodbye!", "Bye now!"),
            "x",
            &CheckOptions {
                mode: UpdateMode::New,
                detail: Detail::Exact,
                ..CheckOptions::default()
            },
        )
        .unwrap();
    assert_eq!(again.outcome, Outcome::Changed);
    let pending = again.written.unwrap();
    assert!(pending.to_string_lossy().ends_with(".snap.new"));
    let snap = insta::Snapshot::from_file(Path::new(&pending)).unwrap();
    assert!(snap
        .contents()
        .as_text()
        .unwrap()
        .to_string()
        .contains("Bye now!"));
}

#[test]
fn structure_ignores_rewording_but_not_tool_arguments() {
    let corpus = fixtures();
    let b = body(&case(&corpus, "69a5725851cd4ae89dc12eb0"));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let key = SnapshotKey {
        system: reprise::model::System::Interactly,
        workflow_id: Some("wf".into()),
        run_id: "r".into(),
    };
    let opts = |detail| CheckOptions {
        mode: UpdateMode::No,
        detail,
        ..CheckOptions::default()
    };
    store
        .check(
            &key,
            &b,
            "s",
            &CheckOptions {
                mode: UpdateMode::Always,
                ..CheckOptions::default()
            },
        )
        .unwrap();
    let reworded = b.replace("Your next appointment is", "Your upcoming appointment is");
    assert_ne!(reworded, b);
    assert_eq!(
        store
            .check(&key, &reworded, "s", &opts(Detail::Exact))
            .unwrap()
            .outcome,
        Outcome::Changed
    );
    assert_eq!(
        store
            .check(&key, &reworded, "s", &opts(Detail::Structure))
            .unwrap()
            .outcome,
        Outcome::Match
    );
    let arg = b.replace(
        "      patient_id: '[ID-1]'\n  tool_results",
        "      patient_id: '[ID-2]'\n  tool_results",
    );
    assert_ne!(arg, b);
    let c = store
        .check(&key, &arg, "s", &opts(Detail::Structure))
        .unwrap();
    assert_eq!(c.outcome, Outcome::Changed);
    assert!(c.diff.unwrap().contains("+      patient_id: '[ID-2]'"));
}

fn pending_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    for (run, body) in [("r1", "a: 1"), ("r2", "a: 2")] {
        let key = SnapshotKey {
            system: reprise::model::System::Noxus,
            workflow_id: Some("wf".into()),
            run_id: run.into(),
        };
        store
            .check(&key, body, "s", &CheckOptions::default())
            .unwrap();
    }
    (dir, store)
}

#[test]
fn cli_pending_accept_reject() {
    use assert_cmd::Command;
    let (dir, store) = pending_store();
    let out = Command::cargo_bin("reprise")
        .unwrap()
        .args(["snapshots", "pending", "--diff", "--snapshots"])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.starts_with("2 pending snapshots\nnew r1 "), "{out}");
    assert!(out.contains("+a: 2"), "{out}");
    // unknown run id: usage error, nothing done
    Command::cargo_bin("reprise")
        .unwrap()
        .args(["snapshots", "accept", "nope", "--snapshots"])
        .arg(dir.path())
        .assert()
        .code(2);
    assert_eq!(store.pending().len(), 2);
    Command::cargo_bin("reprise")
        .unwrap()
        .args(["snapshots", "accept", "r1", "--snapshots"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicates::str::contains("1 accepted"));
    Command::cargo_bin("reprise")
        .unwrap()
        .args(["snapshots", "reject", "--snapshots"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicates::str::contains("1 rejected"));
    assert!(store.pending().is_empty());
    assert_eq!(store.snapshots().len(), 1);
}

#[test]
fn cli_review_reads_keys_from_stdin() {
    use assert_cmd::Command;
    let (dir, store) = pending_store();
    let out = Command::cargo_bin("reprise")
        .unwrap()
        .args(["snapshots", "review", "--snapshots"])
        .arg(dir.path())
        .write_stdin("a\nr\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("[1/2] r1\n--- /dev/null\n+++ new noxus/wf/r1.snap"),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'), "no color when piped: {out:?}");
    assert!(
        out.ends_with("1 accepted, 1 rejected, 0 skipped\n"),
        "{out}"
    );
    assert_eq!(store.snapshots().len(), 1);
    assert!(store.pending().is_empty());
}

//! Snapshot transcripts, redaction and the store over the demo corpus (`fixtures/`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use reprise::corpus::{Corpus, LoadOptions};
use reprise::model::Run;
use reprise::redact::Redactor;
use reprise::snapshot::store::{CheckOptions, SnapshotKey, Store, UpdateMode};
use reprise::snapshot::{Detail, SnapshotState, Transcript};

use crate::common::{copy_dir, expect_code, files_ending, reprise, reprise_in, Out};

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
    assert_eq!(checked.outcome, SnapshotState::New);
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
    assert_eq!(again.outcome, SnapshotState::Changed);
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
        SnapshotState::Changed
    );
    assert_eq!(
        store
            .check(&key, &reworded, "s", &opts(Detail::Structure))
            .unwrap()
            .outcome,
        SnapshotState::Match
    );
    let arg = b.replace(
        "      patient_id: '[ID-1]'\n  tool_results",
        "      patient_id: '[ID-2]'\n  tool_results",
    );
    assert_ne!(arg, b);
    let c = store
        .check(&key, &arg, "s", &opts(Detail::Structure))
        .unwrap();
    assert_eq!(c.outcome, SnapshotState::Changed);
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
    let (dir, store) = pending_store();
    let out = expect_code(
        reprise()
            .args(["snapshots", "pending", "--diff", "--snapshots"])
            .arg(dir.path()),
        0,
    )
    .stdout;
    assert!(out.starts_with("2 pending snapshots\nnew r1 "), "{out}");
    assert!(out.contains("+a: 2"), "{out}");
    // unknown run id: usage error, nothing done
    reprise()
        .args(["snapshots", "accept", "nope", "--snapshots"])
        .arg(dir.path())
        .assert()
        .code(2);
    assert_eq!(store.pending().len(), 2);
    reprise()
        .args(["snapshots", "accept", "r1", "--snapshots"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicates::str::contains("1 accepted"));
    reprise()
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
    let (dir, store) = pending_store();
    let out = expect_code(
        reprise()
            .args(["snapshots", "review", "--snapshots"])
            .arg(dir.path())
            .write_stdin("a\nr\n"),
        0,
    )
    .stdout;
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

// ---- through `reprise run` ----

const CASE_08: &str = "69a5725851cd4ae89dc12eb0";

/// A temp folder holding a copy of `fixtures/`.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &dir.path().join("fixtures"),
    );
    dir
}

/// `reprise run --no-progress --jobs 2 ARGS` in `dir`.
fn reprise_run(dir: &Path, args: &[&str]) -> Out {
    let mut all = vec!["run", "--no-progress", "--jobs", "2"];
    all.extend_from_slice(args);
    reprise_in(dir, &all)
}

/// `run_id → snapshot` from `reports/latest/runs.csv`.
fn snapshot_column(dir: &Path) -> std::collections::BTreeMap<String, String> {
    snapshot_column_of(&dir.join("reports/latest/runs.csv"))
}

/// `run_id → snapshot` from a `runs.csv`.
pub(crate) fn snapshot_column_of(runs_csv: &Path) -> std::collections::BTreeMap<String, String> {
    let mut r = csv::Reader::from_path(runs_csv).unwrap();
    let headers = r.headers().unwrap().clone();
    let id = headers.iter().position(|h| h == "run_id").unwrap();
    let snap = headers.iter().position(|h| h == "snapshot").unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[id].to_owned(), rec[snap].to_owned())
        })
        .collect()
}

/// `(snapshots_changed, snapshots_new)` from `reports/latest/summary.csv`.
fn summary_counts(dir: &Path) -> (String, String) {
    let mut r = csv::Reader::from_path(dir.join("reports/latest/summary.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    let rec = r.records().next().unwrap().unwrap();
    let get = |name: &str| rec[headers.iter().position(|h| h == name).unwrap()].to_owned();
    (get("snapshots_changed"), get("snapshots_new"))
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

#[test]
fn run_writes_matches_and_check_names_edited_case_with_its_diff() {
    let dir = workdir();
    let d = dir.path();

    // First run writes a snapshot for every case of every system.
    let first = reprise_run(d, &["--update-snapshots", "always"]);
    assert_eq!(first.code, Some(0), "{}", first.stdout);
    let snaps = files_ending(&d.join("snapshots"), ".snap");
    assert_eq!(snaps.len(), 22);
    for system in ["interactly", "noxus", "cortex"] {
        assert!(snaps
            .iter()
            .any(|p| p.starts_with(d.join("snapshots").join(system))));
    }
    let column = snapshot_column(d);
    assert_eq!(column.len(), 22);
    assert!(column.values().all(|s| s == "new"), "{column:?}");
    assert_eq!(summary_counts(d), ("0".into(), "22".into()));
    assert!(files_ending(&d.join("snapshots"), ".snap.new").is_empty());

    // insta's own reader reads every file; no secret and no default-redacted PII in any.
    let corpus = Corpus::load(&[d.join("fixtures")], &LoadOptions::default());
    for p in &snaps {
        let snap = insta::Snapshot::from_file(p).unwrap();
        let text = snap.contents().as_text().unwrap().to_string();
        assert!(text.starts_with("system: "), "{text}");
        let run_id = p.file_stem().unwrap().to_string_lossy().into_owned();
        let run = corpus.get(&run_id).unwrap();
        let raw = std::fs::read_to_string(p).unwrap();
        assert_no_secret_or_pii(&raw, &run_pii(run), &run_id);
    }

    // Second run: all match, nothing written.
    let before: Vec<String> = snaps
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let second = reprise_run(d, &["--check"]);
    assert_eq!(second.code, Some(0), "{}", second.stdout);
    assert!(snapshot_column(d).values().all(|s| s == "match"));
    assert_eq!(summary_counts(d), ("0".into(), "0".into()));
    assert!(
        second
            .stdout
            .contains("snapshots: 22 match, 0 changed, 0 new"),
        "{}",
        second.stdout
    );

    // An assistant message edited in the recording: --check exits 1 and names the case with
    // its diff; nothing is written.
    let rec = d.join("fixtures/interactly/08-lookup-tools-pii.json");
    edit(
        &rec,
        "Your next appointment is Tuesday",
        "Your upcoming appointment is on Tuesday",
    );
    let changed = reprise_run(d, &["--check"]);
    assert_eq!(changed.code, Some(1), "{}", changed.stdout);
    assert!(
        changed
            .stdout
            .contains(&format!("snapshot changed: {CASE_08}")),
        "{}",
        changed.stdout
    );
    assert!(
        changed
            .stdout
            .contains("-    text: Thanks, [NAME-1]. Your next appointment is Tuesday"),
        "{}",
        changed.stdout
    );
    assert!(changed
        .stdout
        .contains("+    text: Thanks, [NAME-1]. Your upcoming appointment is on Tuesday"));
    assert!(
        !changed.stdout.contains('\u{1b}'),
        "no color without a terminal"
    );
    let column = snapshot_column(d);
    assert_eq!(column[CASE_08], "changed");
    assert_eq!(column.values().filter(|s| *s == "match").count(), 21);
    assert_eq!(summary_counts(d), ("1".into(), "0".into()));
    let md = std::fs::read_to_string(d.join("reports/latest/summary.md")).unwrap();
    assert!(md.contains(&format!("### `{CASE_08}` (changed)")), "{md}");
    assert!(
        md.contains("+    text: Thanks, [NAME-1]. Your upcoming appointment"),
        "{md}"
    );
    let after: Vec<String> = snaps
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert_eq!(before, after, "--check writes nothing");
    assert!(files_ending(&d.join("snapshots"), ".snap.new").is_empty());

    // structure: a reworded message is not a change …
    let structure = reprise_run(d, &["--check", "--snapshot-detail", "structure"]);
    assert_eq!(structure.code, Some(0), "{}", structure.stdout);
    assert_eq!(snapshot_column(d)[CASE_08], "match");

    // … a changed tool argument is.
    edit(
        &rec,
        r#""args":{"patient_id":"P-1001"}"#,
        r#""args":{"patient_id":"P-2002"}"#,
    );
    let arg = reprise_run(d, &["--check", "--snapshot-detail", "structure"]);
    assert_eq!(arg.code, Some(1), "{}", arg.stdout);
    assert!(
        arg.stdout.contains(&format!("snapshot changed: {CASE_08}")),
        "{}",
        arg.stdout
    );
    assert!(
        arg.stdout.contains("+      patient_id: '[ID-2]'"),
        "{}",
        arg.stdout
    );
    assert_eq!(snapshot_column(d)[CASE_08], "changed");
}

#[test]
fn default_mode_writes_pending_files_for_review_and_none_under_ci() {
    let dir = workdir();
    let d = dir.path();
    // Under CI, auto = no: nothing written.
    let out = reprise()
        .current_dir(d)
        .env("CI", "true")
        .args(["run", "--no-progress", "--jobs", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !d.join("snapshots").exists() || files_ending(&d.join("snapshots"), ".snap").is_empty()
    );
    assert!(!d.join("snapshots").exists() || files_ending(&d.join("snapshots"), ".new").is_empty());

    // Locally, auto = new: .snap.new for review.
    let first = reprise_run(d, &[]);
    assert_eq!(first.code, Some(0), "{}", first.stdout);
    assert_eq!(files_ending(&d.join("snapshots"), ".snap.new").len(), 22);
    assert!(files_ending(&d.join("snapshots"), ".snap").is_empty());
    assert!(snapshot_column(d).values().all(|s| s == "new"));
    reprise()
        .current_dir(d)
        .args(["snapshots", "accept"])
        .assert()
        .success()
        .stdout(predicates::str::contains("22 accepted"));
    let second = reprise_run(d, &["--check"]);
    assert_eq!(second.code, Some(0), "{}", second.stdout);
    assert!(snapshot_column(d).values().all(|s| s == "match"));
}

#[test]
fn orphans_are_listed_without_changing_the_exit_code_and_pruned_on_request() {
    let dir = workdir();
    let d = dir.path();
    assert_eq!(
        reprise_run(d, &["--update-snapshots", "always"]).code,
        Some(0)
    );
    let orphan = d.join("snapshots/noxus/gone-workflow/gone-run.snap");
    std::fs::create_dir_all(orphan.parent().unwrap()).unwrap();
    std::fs::write(
        &orphan,
        "---\nsource: x\nexpression: y\n---\nstatus: completed\n",
    )
    .unwrap();
    let listed = reprise_run(d, &["--check"]);
    assert_eq!(listed.code, Some(0), "{}", listed.stdout);
    assert!(
        listed.stdout.contains("orphaned snapshot"),
        "{}",
        listed.stdout
    );
    assert!(listed.stdout.contains("gone-run.snap"), "{}", listed.stdout);
    assert!(orphan.exists(), "--check deletes nothing");
    // A filtered run cannot tell orphans.
    let filtered = reprise_run(d, &["--check", "--filter", "system=noxus"]);
    assert!(
        !filtered.stdout.contains("orphaned snapshot"),
        "{}",
        filtered.stdout
    );
    let pruned = reprise_run(d, &["--update-snapshots", "no", "--prune-orphans"]);
    assert_eq!(pruned.code, Some(0), "{}", pruned.stdout);
    assert!(!orphan.exists());
    assert_eq!(files_ending(&d.join("snapshots"), ".snap").len(), 22);
}

//! Names on disk through the binary: run ids that clash once made file names (`ü-abc`/`é-abc`,
//! `a/b`/`a_b`, `Abc`/`abc`) and a 300-byte id each get their own snapshot, which `--check`
//! then matches; pending snapshots, accept and orphans name the exact run ids; `fetch` writes
//! one file per id and skips them all when run again.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{answer, files_ending, output, reprise, reprise_in, Out};
use crate::snapshot::snapshot_column_of;

/// The ids of the corpus: pairs that one naive sanitiser (or a case-insensitive file system)
/// would give one file name, and an id longer than any file name may be.
fn ids() -> Vec<String> {
    let long: String = "run-é-".repeat(50);
    assert_eq!(long.len(), 350);
    let long300 = format!("{}{}", "r".repeat(250), "x/".repeat(25));
    assert_eq!(long300.len(), 300);
    vec![
        "ü-abc".into(),
        "é-abc".into(),
        "a/b".into(),
        "a_b".into(),
        "Abc".into(),
        "abc".into(),
        long300,
        long,
    ]
}

/// A corpus of copies of a Noxus fixture document, one per id (each its own recording).
fn corpus(dir: &Path, ids: &[String]) {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/noxus/completed.json"),
    )
    .unwrap();
    let c = dir.join("c");
    let _ = std::fs::remove_dir_all(&c);
    std::fs::create_dir_all(&c).unwrap();
    for (i, id) in ids.iter().enumerate() {
        let mut doc: Value = serde_json::from_str(&text).unwrap();
        doc["id"] = Value::String(id.clone());
        std::fs::write(c.join(format!("{i}.json")), doc.to_string()).unwrap();
    }
}

fn run(dir: &Path, snapshots: &str, out: &str, extra: &[&str]) -> Out {
    let mut args = vec![
        "run",
        "c",
        "--no-progress",
        "--snapshots",
        snapshots,
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    reprise_in(dir, &args)
}

#[test]
fn clashing_and_long_ids_each_get_their_own_snapshot_that_check_then_matches() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ids = ids();
    corpus(d, &ids);
    let first = run(d, "s", "o1", &["--update-snapshots", "always"]);
    assert_eq!(first.code, Some(0), "{}{}", first.stdout, first.stderr);
    let snaps = files_ending(&d.join("s"), ".snap");
    assert_eq!(snaps.len(), ids.len(), "{snaps:?}");
    for snap in &snaps {
        let name = snap.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.len() <= 255 && name.is_ascii(), "{name}");
    }
    // The plain ids keep their plain names.
    let names: BTreeSet<String> = snaps
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.contains("a_b.snap") && names.contains("abc.snap"),
        "{names:?}"
    );
    // insta reads every file, `info` header included, and names the exact id.
    let expressions: BTreeSet<String> = snaps
        .iter()
        .map(|p| {
            let snap = insta::Snapshot::from_file(p).unwrap();
            let expression = snap.metadata().expression().unwrap().to_owned();
            let prefix = "noxus 7f576edd-f8b9-4351-8da2-0f38e317cf88 ";
            expression.strip_prefix(prefix).unwrap().to_owned()
        })
        .collect();
    let wanted: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(expressions, wanted);
    let column = snapshot_column_of(&d.join("o1/runs.csv"));
    assert_eq!(column.len(), ids.len());
    assert!(column.iter().all(|(_, s)| s == "new"), "{column:?}");

    let check = run(d, "s", "o2", &["--check"]);
    assert_eq!(check.code, Some(0), "{}{}", check.stdout, check.stderr);
    let column = snapshot_column_of(&d.join("o2/runs.csv"));
    let reported: BTreeSet<&str> = column.keys().map(String::as_str).collect();
    let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(reported, wanted);
    assert!(column.iter().all(|(_, s)| s == "match"), "{column:?}");

    // Pending snapshots, accept and orphans name the exact run ids.
    let pend = run(d, "p", "o3", &["--update-snapshots", "new"]);
    assert_eq!(pend.code, Some(0), "{}{}", pend.stdout, pend.stderr);
    let listed = reprise_in(d, &["snapshots", "--snapshots", "p", "pending", "--json"]);
    assert_eq!(listed.code, Some(0), "{}", listed.stderr);
    let list: Vec<Value> = serde_json::from_str(&listed.stdout).unwrap();
    let pending: BTreeSet<&str> = list.iter().map(|p| p["run_id"].as_str().unwrap()).collect();
    assert_eq!(pending, wanted);
    let accepted = reprise_in(
        d,
        &["snapshots", "--snapshots", "p", "accept", "a/b", "ü-abc"],
    );
    assert_eq!(accepted.code, Some(0), "{}", accepted.stderr);
    assert!(
        accepted.stdout.contains("accepted a/b ")
            && accepted.stdout.contains("accepted ü-abc ")
            && accepted.stdout.contains("2 accepted"),
        "{}",
        accepted.stdout
    );
    assert_eq!(files_ending(&d.join("p"), ".snap").len(), 2);
    assert_eq!(files_ending(&d.join("p"), ".snap.new").len(), ids.len() - 2);

    corpus(d, &ids[1..]);
    let orphaned = run(d, "s", "o4", &["--check"]);
    assert_eq!(orphaned.code, Some(0), "{}", orphaned.stdout);
    let warnings: Vec<&str> = orphaned
        .stdout
        .lines()
        .filter(|l| l.starts_with("warning: orphaned snapshot"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", orphaned.stdout);
    assert!(warnings[0].ends_with("(run ü-abc)"), "{warnings:?}");
}

#[tokio::test]
async fn fetch_writes_one_file_per_id_and_skips_them_all_when_run_again() {
    use wiremock::matchers::{method, path_regex};
    use wiremock::{Mock, MockServer, Request, ResponseTemplate};
    let ids = ids();
    let server = MockServer::start().await;
    let list: Vec<Value> = ids
        .iter()
        .map(|id| serde_json::json!({"workflow_run": {"_id": id, "workflow_run": {"workflow_run_id": id}}}))
        .collect();
    answer(
        &server,
        "GET",
        "/workflows/v1/workflow-runs",
        ResponseTemplate::new(200).set_body_json(Value::Array(list)),
        None,
    )
    .await;
    // Every run: a bare run named by the (still encoded) path segment it was asked by.
    Mock::given(method("GET"))
        .and(path_regex("^/workflows/v1/workflow-runs/.+"))
        .respond_with(|req: &Request| {
            let asked = req.url.path().rsplit("workflow-runs/").next().unwrap_or("");
            ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "workflow_run_id": asked, "status": "completed", "input_output_pairs": []
            }))
        })
        .mount(&server)
        .await;
    let out = tempfile::tempdir().unwrap();
    let (uri, dir, n) = (server.uri(), out.path().to_path_buf(), ids.len());
    let (first, written, second) = tokio::task::spawn_blocking(move || {
        let first = fetch_cli(&uri, &dir);
        let written = files_ending(&dir.join("interactly"), ".json");
        (first, written, fetch_cli(&uri, &dir))
    })
    .await
    .unwrap();
    assert!(
        first.contains(&format!("{n} downloaded, 0 already there, 0 failed")),
        "{first}"
    );
    assert_eq!(written.len(), n, "{written:?}");
    assert!(
        second.contains(&format!("0 downloaded, {n} already there, 0 failed")),
        "{second}"
    );
}

/// `reprise fetch --system interactly` from `uri` into `dir`: its stdout (exit 0 checked).
fn fetch_cli(uri: &str, dir: &Path) -> String {
    let out = output(
        reprise()
            .env("REPRISE_TOKEN", "tok")
            .args(["fetch", "--system", "interactly", "--page-size", "100"])
            .args(["--base-url", uri, "--out"])
            .arg(dir),
    );
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    out.stdout
}

//! Odd files through the binary: byte-order marks, a pretty-printed `.jsonl`, symbolic links
//! and their loops, FIFOs and sockets, unreadable files, and corpora without a single run.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::reprise_in as reprise;

/// A fixture document with its run id (Noxus `id`) rewritten.
fn noxus_doc(id: &str) -> Value {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/noxus/completed.json"),
    )
    .unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc["id"] = Value::String(id.to_owned());
    doc
}

fn line(id: &str) -> String {
    serde_json::to_string(&noxus_doc(id)).unwrap()
}

/// `validate --json DIR`: (exit code, the JSON report).
fn validate(dir: &Path, path: &str) -> (Option<i32>, Value) {
    let out = reprise(dir, &["validate", "--json", path]);
    let report = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} {}", out.stdout, out.stderr));
    (out.code, report)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

const BOM: &str = "\u{feff}";

#[test]
fn byte_order_marks_are_skipped_in_json_arrays_and_each_jsonl_line() {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("c");
    std::fs::create_dir(&c).unwrap();
    std::fs::write(c.join("one.json"), format!("{BOM}{}", line("bom-1"))).unwrap();
    std::fs::write(
        c.join("array.json"),
        format!("{BOM}[{}, {}]", line("bom-2"), line("bom-3")),
    )
    .unwrap();
    std::fs::write(
        c.join("lines.jsonl"),
        format!("{BOM}{}\n{BOM}{}\n", line("bom-4"), line("bom-5")),
    )
    .unwrap();
    let (code, report) = validate(dir.path(), "c");
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["runs"], 5, "{report}");
    assert_eq!(report["errors"], 0, "{report}");
    // The raw documents start after the mark (what `serve` answers and `fetch` compares).
    let corpus = reprise::corpus::Corpus::load(&[c], &reprise::corpus::LoadOptions::default());
    for id in ["bom-1", "bom-3", "bom-5"] {
        let raw = corpus.get(id).unwrap().raw.bytes().unwrap();
        assert_eq!(String::from_utf8_lossy(&raw), line(id));
    }
}

#[test]
fn a_pretty_printed_jsonl_file_loads_with_one_warning_and_a_broken_one_is_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("c");
    std::fs::create_dir(&c).unwrap();
    let pretty = serde_json::to_string_pretty(&noxus_doc("pretty-1")).unwrap();
    assert!(pretty.lines().count() > 20);
    std::fs::write(c.join("pretty.jsonl"), &pretty).unwrap();
    let (code, report) = validate(dir.path(), "c");
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["runs"], 1, "{report}");
    assert_eq!(
        strings(&report["warnings"]),
        [format!(
            "c{}pretty.jsonl: this .jsonl file holds one multi-line JSON document, not one document per line; read as one document",
            std::path::MAIN_SEPARATOR
        )]
    );

    // Cut short: no valid document, no valid line; one error for the file.
    std::fs::write(c.join("pretty.jsonl"), &pretty[..pretty.len() / 2]).unwrap();
    let (code, report) = validate(dir.path(), "c");
    assert_eq!(code, Some(2), "{report}");
    let problems = strings(&report["problems"]);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].contains("pretty.jsonl")
            && problems[0].contains("holds no JSON document per line")
            && problems[0].contains("EOF while parsing"),
        "{problems:?}"
    );
    assert!(
        problems[1].starts_with("no runs found under c"),
        "{problems:?}"
    );

    // A JSONL file whose first line is cut but whose other lines are good keeps them.
    std::fs::write(
        c.join("pretty.jsonl"),
        format!("{}\n{}\n", &line("cut")[..40], line("after-the-cut")),
    )
    .unwrap();
    let (code, report) = validate(dir.path(), "c");
    assert_eq!(code, Some(2), "{report}");
    assert_eq!(report["runs"], 1, "{report}");
    let problems = strings(&report["problems"]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("pretty.jsonl:1"), "{problems:?}");
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_followed_and_a_loop_is_reported_once() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for sub in ["c", "elsewhere/folder"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
    }
    std::fs::write(d.join("c/plain.json"), line("plain")).unwrap();
    std::fs::write(d.join("elsewhere/file.json"), line("linked-file")).unwrap();
    std::fs::write(d.join("elsewhere/folder/in.json"), line("in-linked-folder")).unwrap();
    symlink(d.join("elsewhere/file.json"), d.join("c/link.json")).unwrap();
    symlink(d.join("elsewhere/folder"), d.join("c/folder")).unwrap();
    // A link back to the corpus folder itself, and one inside the linked folder.
    symlink(d.join("c"), d.join("c/again")).unwrap();
    symlink("..", d.join("elsewhere/folder/up")).unwrap();
    // `up` leads to `elsewhere`, which holds `folder` again: a second loop, deeper down.
    // Given twice, the corpus is walked twice: still each loop once, each file once.
    let out = reprise(d, &["validate", "--json", "c", "c"]);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(out.code, Some(0), "{report}");
    assert_eq!(report["runs"], 3, "{report}");
    let warnings = strings(&report["warnings"]);
    assert_eq!(warnings.len(), 2, "no duplicate ids: {warnings:?}");
    assert!(
        warnings[0].starts_with("c/again: symbolic link loop: leads back to c;"),
        "{warnings:?}"
    );
    assert!(
        warnings[1].starts_with("c/folder/up/") && warnings[1].contains("symbolic link loop"),
        "{warnings:?}"
    );
    // Through `run` too: the links load, the loops are warnings on stderr, nothing hangs.
    let out = reprise(
        d,
        &[
            "run",
            "c",
            "--no-progress",
            "--out",
            "o",
            "--snapshots",
            "s",
        ],
    );
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stderr.matches("symbolic link loop").count(),
        2,
        "{}",
        out.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_and_a_socket_are_each_one_named_error_and_never_block() {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("c");
    std::fs::create_dir(&c).unwrap();
    std::fs::write(c.join("good.json"), line("good")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(c.join("pipe.jsonl"))
        .status()
        .unwrap();
    assert!(made.success());
    let _socket = std::os::unix::net::UnixListener::bind(c.join("socket.json")).unwrap();
    // A FIFO and a socket whose names are no JSON names are no concern of the corpus.
    std::process::Command::new("mkfifo")
        .arg(c.join("other-pipe"))
        .status()
        .unwrap();
    let (code, report) = validate(dir.path(), "c");
    assert_eq!(code, Some(2), "{report}");
    assert_eq!(report["runs"], 1, "{report}");
    assert_eq!(
        strings(&report["problems"]),
        [
            "c/pipe.jsonl: (document): a FIFO (named pipe), not a regular file: not read",
            "c/socket.json: (document): a socket, not a regular file: not read",
        ]
    );
    // Given by name, whatever its name.
    let out = reprise(dir.path(), &["validate", "c/other-pipe"]);
    assert_eq!(out.code, Some(2), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("error: c/other-pipe: (document): a FIFO (named pipe), not a regular file"),
        "{}",
        out.stdout
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_one_named_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("c");
    std::fs::create_dir(&c).unwrap();
    std::fs::write(c.join("good.json"), line("good")).unwrap();
    let locked = c.join("locked.json");
    std::fs::write(&locked, line("locked")).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root (as in CI containers) reads a mode-000 file anyway: then there is nothing to refuse,
    // and the file loads. The error path is shown below with a file no user can read.
    let enforced = std::fs::read(&locked).is_err();
    let (code, report) = validate(dir.path(), "c");
    if enforced {
        assert_eq!(code, Some(2), "{report}");
        assert_eq!(report["runs"], 1, "{report}");
        let problems = strings(&report["problems"]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("c/locked.json: (document): cannot read the file: ")
                && problems[0].contains("ermission denied"),
            "{problems:?}"
        );
    } else {
        assert_eq!(
            (code, report["runs"].as_u64()),
            (Some(0), Some(2)),
            "{report}"
        );
    }
    // On Linux `/proc/self/mem` is a regular file that no one can read from its start (EIO),
    // root included: a file whose read fails for a reason permissions do not decide.
    #[cfg(target_os = "linux")]
    {
        std::fs::remove_file(&locked).unwrap();
        std::os::unix::fs::symlink("/proc/self/mem", c.join("mem.json")).unwrap();
        let (code, report) = validate(dir.path(), "c");
        assert_eq!(code, Some(2), "{report}");
        assert_eq!(report["runs"], 1, "{report}");
        let problems = strings(&report["problems"]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("c/mem.json: (document): cannot read the file: "),
            "{problems:?}"
        );
    }
}

#[test]
fn a_corpus_without_runs_is_an_input_error_for_validate_run_check_and_serve() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("empty")).unwrap();
    std::fs::create_dir(d.join("no-json")).unwrap();
    std::fs::write(d.join("no-json/notes.txt"), "not a corpus").unwrap();
    std::fs::write(d.join("no-json/data.csv"), "a,b\n1,2\n").unwrap();
    for corpus in ["empty", "no-json"] {
        let want = format!("no runs found under {corpus}");
        let out = reprise(d, &["validate", corpus]);
        assert_eq!(out.code, Some(2), "{}", out.stdout);
        assert!(
            out.stdout.contains(&format!("error: {want}")),
            "{}",
            out.stdout
        );
        for extra in [&[][..], &["--check"][..]] {
            let mut args = vec![
                "run",
                corpus,
                "--no-progress",
                "--out",
                "o",
                "--snapshots",
                "s",
            ];
            args.extend_from_slice(extra);
            let out = reprise(d, &args);
            assert_eq!(out.code, Some(2), "{args:?}: {}{}", out.stdout, out.stderr);
            assert!(out.stderr.contains(&want), "{args:?}: {}", out.stderr);
            assert!(!d.join("o/runs.csv").exists(), "no report over nothing");
        }
        let out = reprise(d, &["serve", corpus, "--addr", "127.0.0.1:0", "--quiet"]);
        assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains(&want), "{}", out.stderr);
    }
    // Evaluation runs only: valid, servable, but no case to replay.
    let evaluations =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/interactly/evaluations");
    let out = reprise(d, &["validate", evaluations.to_str().unwrap()]);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    let out = reprise(
        d,
        &[
            "run",
            evaluations.to_str().unwrap(),
            "--no-progress",
            "--out",
            "o",
            "--snapshots",
            "s",
        ],
    );
    assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("no cases found under ")
            && out.stderr.contains("are all evaluation runs"),
        "{}",
        out.stderr
    );
}

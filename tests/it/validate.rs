//! `reprise validate` through the binary: bad inputs are reported, never crash.

use crate::common::{expect_code, reprise};

#[test]
fn bad_inputs_are_each_reported_and_good_runs_counted() {
    let stdout = expect_code(reprise().args(["validate", "tests/data/bad"]), 2).stdout;
    // 4 good runs: good.json and lines 1, 3, 4 of mixed.jsonl (tests/data/README.md).
    assert!(
        stdout.contains("runs               4 (interactly 4"),
        "{stdout}"
    );
    for file in [
        "truncated.json",
        "empty.json",
        "wrong-types.json",
        "invalid-utf8.json",
        "deep.json",
        "nan.json",
        "huge-number.json",
        "binary.json",
        "not-a-run.json",
        "mixed.jsonl:2",
    ] {
        assert!(
            stdout.contains(&format!("tests/data/bad/{file}")),
            "{file} not reported: {stdout}"
        );
    }
    insta::with_settings!({filters => vec![(r"tests[/\\]data[/\\]bad[/\\]", "[BAD]/")]}, {
        insta::assert_snapshot!(stdout);
    });
}

#[test]
fn bad_inputs_as_json() {
    let out = reprise()
        .args(["validate", "--json", "tests/data/bad"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["runs"], 4);
    assert_eq!(v["errors"], 10);
}

#[test]
fn fixtures_validate_clean() {
    let out = reprise().args(["validate", "fixtures"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("cases              22"), "{stdout}");
    assert!(stdout.contains("linked 12, dangling 0"), "{stdout}");
}

#[test]
fn synth_corpus_validates_and_is_reproducible() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for dir in [&a, &b] {
        reprise()
            .args([
                "synth",
                "--runs",
                "40",
                "--seed",
                "9",
                "--versions",
                "2",
                "--out",
            ])
            .arg(dir.path())
            .assert()
            .success();
    }
    let out = expect_code(reprise().args(["validate", "--json"]).arg(a.path()), 0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["dangling"], 0);
    assert!(v["linked"].as_u64().unwrap() > 0);
    let list = |d: &std::path::Path| {
        let mut files: Vec<_> = walkdir::WalkDir::new(d)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path().strip_prefix(d).unwrap().to_path_buf(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    assert_eq!(list(a.path()), list(b.path()));
}

//! Errors that stop a command, through the binary: each typed error's exit code and its exact
//! line on stderr (the texts users and scripts read; they were the same before the errors
//! became typed).

use crate::common::{code_and_stderr, reprise};

fn fixtures() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures").to_owned()
}

/// Runs reprise with `args` in a fresh folder holding an empty `empty/`; `OUT` in an argument
/// stands for an output folder inside it. Returns (exit code, stderr).
fn run(args: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let out = dir.path().join("out");
    let args: Vec<String> = args
        .iter()
        .map(|a| a.replace("OUT", &out.display().to_string()))
        .collect();
    let mut cmd = reprise();
    cmd.current_dir(dir.path())
        .args(&args)
        .env_remove("GITHUB_STEP_SUMMARY");
    code_and_stderr(&mut cmd)
}

#[test]
fn usage_errors_exit_2_with_their_message() {
    let fx = fixtures();
    let live = ["--engine", "http", "--base-url", "http://127.0.0.1:9"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["run", &fx, "--repeat", "0"],
            "--repeat must be at least 1",
        ),
        (
            vec!["run", &fx, "--repeat", "2", "--pass-threshold", "3"],
            "--pass-threshold must be between 1 and --repeat (2)",
        ),
        (
            vec!["run", &fx, "--timeout", "0"],
            "--timeout must be a positive number of seconds",
        ),
        (
            vec!["run", &fx, "--evaluator", "@3"],
            "`@3` is not ID[@VERSION]",
        ),
        (
            vec!["run", &fx, "--evaluator", "wf@x"],
            "`x` is not a version number",
        ),
        (
            [
                &["run", fx.as_str(), "--inject-errors", "0.5"][..],
                &live[..],
            ]
            .concat(),
            "--inject-errors works with the recorded engine only",
        ),
        (
            vec!["run", &fx, "--inject-errors", "2"],
            "error rate 2 is not between 0 and 1",
        ),
        (
            vec!["run", &fx, "--similarity", "2", "--out", "OUT"],
            "--similarity must be between 0 and 1",
        ),
        (
            vec!["run", &fx, "--engine", "http"],
            "a live engine needs --base-url URL (or SYSTEM=URL)",
        ),
        (
            [&["run", fx.as_str(), "--secret-var", "FOO"][..], &live[..]].concat(),
            "--secret-var FOO: expected NAME=ENVVAR",
        ),
        (
            [
                &[
                    "run",
                    fx.as_str(),
                    "--secret-var",
                    "FOO=REPRISE_TEST_UNSET_VAR",
                ][..],
                &live[..],
            ]
            .concat(),
            "--secret-var FOO: environment variable REPRISE_TEST_UNSET_VAR is not set",
        ),
        (
            [&["run", fx.as_str(), "--rps", "0"][..], &live[..]].concat(),
            "--rps 0: must be positive",
        ),
        (
            vec!["run", &fx, "--engine", "http", "--base-url", "noxus="],
            "--base-url noxus=: empty value",
        ),
        (
            vec!["serve", "--token-env", "REPRISE_TEST_UNSET_VAR"],
            "--token-env REPRISE_TEST_UNSET_VAR: the environment variable is not set or empty",
        ),
        (
            vec!["serve", "--max-connections", "0"],
            "--header-timeout-ms, --idle-timeout-secs and --max-connections must be at least 1",
        ),
        (
            vec![
                "fetch",
                "--system",
                "noxus",
                "--out",
                "OUT",
                "--base-url",
                "http://x",
            ],
            "fetching noxus runs needs --workflow",
        ),
        (
            vec![
                "fetch",
                "--system",
                "interactly",
                "--out",
                "OUT",
                "--max-pages",
                "0",
                "--base-url",
                "http://x",
            ],
            "--max-pages and --max-response-bytes must be at least 1",
        ),
        (
            vec!["snapshots", "--snapshots", "empty", "accept", "a", "b"],
            "no pending snapshot for run id a, b in empty",
        ),
        (
            vec!["synth", "--runs", "1", "--out", "OUT", "--versions", "3"],
            "error: invalid value '3' for '--versions <VERSIONS>'",
        ),
    ];
    for (args, message) in cases {
        let (code, stderr) = run(&args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr
                .lines()
                .any(|l| l == format!("reprise: {message}") || l.starts_with(message)),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn input_and_config_errors_exit_2_naming_the_path() {
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["run", "empty"], "no runs found under empty"),
        (vec!["serve", "empty"], "no runs found under empty"),
        (
            vec!["run", "empty", "--config", "missing.toml"],
            "missing.toml: cannot read: ",
        ),
        (vec!["gate", "missing"], "missing: no such report folder"),
        (
            vec!["compare", "missing", "empty"],
            "missing: no such report folder",
        ),
        (
            vec!["report", "merge", "empty", "--out", "OUT"],
            "empty: no journal.jsonl (not a report folder?)",
        ),
        (
            vec!["impact", "empty", "--candidate", "missing.json"],
            "missing.json: ",
        ),
    ];
    for (args, message) in cases {
        let (code, stderr) = run(&args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with(&format!("reprise: {message}")),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn an_unreadable_history_source_exits_3_naming_the_file() {
    let (code, stderr) = run(&["history", "append", "empty", "--to", "OUT/h.jsonl"]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.starts_with("reprise: empty/summary.csv: "),
        "{stderr}"
    );
}

#[test]
fn an_address_that_cannot_be_bound_exits_3() {
    // Bind the port first, so `serve` cannot.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (code, stderr) = run(&["serve", &fixtures(), "--addr", &addr, "--quiet"]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!("reprise: cannot listen on {addr}: ")),
        "{stderr}"
    );
}

//! Secrets planted everywhere a recording can hold them never reach a file reprise writes or
//! its terminal, in-process and over `reprise serve`; a report, journal or snapshot that
//! cannot be written ends the run with exit 3 naming the file.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::common::reprise_outside as reprise;
use crate::common::{code_and_stderr, files, output, serve_logging, table};

/// Every planted secret value: none may appear in anything reprise writes or prints.
const PLANTED: &[&str] = &[
    // dynamic variables (by key name)
    "dynvar-apikey-Q1w2E3",
    "dynvar-authtok-R4t5Y6",
    "github_pat_11ABCDEFG0123456789_dynvarpat",
    "wJalrXUtnFEMIK7MDENGdynvar",
    "dynvar-priv-Kk12",
    "dynvar-jwt-Jj34",
    "dynvar-cred-Cr56",
    "dynvar-session-Ss78",
    "dynvar-passwd-Pw90",
    // user message (by shape, and a user rule)
    "usr-pw-Zx9Kq7",
    "usr-tok-Mm3Nn4",
    "AKIAUSERMSGX0EXAMPLE",
    "usr-secret-Sc11",
    "pk-usr-Pk22Lm90",
    "MRN-4455",
    // assistant message
    "asst-url-pw-77",
    "YXNzdDpzZWNyZXQ=",
    "asstJwtSig99",
    "sk-asst-Kx81Lp",
    // tool call arguments
    "toolarg-key-Ppp111",
    "TOOLARGPEMKEY",
    // MCP server headers and URL
    "mcp-hdr-key-Hh55",
    "mcp-cookie-Cc66",
    "mcp-url-pw-Uu88",
    "sk-synthetic-SECRET-0000",
    // an error body
    "errbody-tok-Ee99",
    "errbody-bearer-Bb00Bb00",
    "errbody-pw-Pp22",
];

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/interactly")
        .join(name);
    std::fs::read_to_string(&path).unwrap()
}

/// Adds `extra` to every object holding `marker` (a key with that string value), at any depth.
fn add_where(value: &mut Value, marker: (&str, &str), extra: &Value) -> usize {
    let mut n = 0;
    match value {
        Value::Object(map) => {
            if map.get(marker.0).and_then(Value::as_str) == Some(marker.1) {
                for (k, v) in extra.as_object().unwrap() {
                    map.insert(k.clone(), v.clone());
                }
                n += 1;
            }
            for v in map.values_mut() {
                n += add_where(v, marker, extra);
            }
        }
        Value::Array(items) => {
            for v in items {
                n += add_where(v, marker, extra);
            }
        }
        _ => {}
    }
    n
}

/// Replaces `from` by `to` in every string of `value` (so a text and its copies stay equal, and
/// the recorded engine still finds each turn).
fn replace_text(value: &mut Value, from: &str, to: &str) -> usize {
    match value {
        Value::String(s) if s.contains(from) => {
            *s = s.replace(from, to);
            1
        }
        Value::Object(map) => map.values_mut().map(|v| replace_text(v, from, to)).sum(),
        Value::Array(items) => items.iter_mut().map(|v| replace_text(v, from, to)).sum(),
        _ => 0,
    }
}

/// A corpus of two fixture documents with every secret of [`PLANTED`] planted by JSON edits,
/// and a `reprise.toml` with a user regex rule.
fn planted_corpus(root: &Path) -> (PathBuf, PathBuf) {
    let corpus = root.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();

    let mut lookup: Value = serde_json::from_str(&fixture("08-lookup-tools-pii.json")).unwrap();
    let vars = json!({
        "api-key": "dynvar-apikey-Q1w2E3",
        "X-Auth-Token": "dynvar-authtok-R4t5Y6",
        "github_pat": "github_pat_11ABCDEFG0123456789_dynvarpat",
        "aws_secret_access_key": "wJalrXUtnFEMIK7MDENGdynvar",
        "privateKey": "dynvar-priv-Kk12",
        "jwt": "dynvar-jwt-Jj34",
        "credentials": "dynvar-cred-Cr56",
        "session": "dynvar-session-Ss78",
        "passwd": "dynvar-passwd-Pw90",
    });
    assert!(
        add_where(
            &mut lookup,
            ("clinic_name", "Maple Street Family Clinic"),
            &vars
        ) > 3
    );
    assert!(
        replace_text(
            &mut lookup,
            "When is my next appointment?",
            "When is my next appointment? My portal password=usr-pw-Zx9Kq7 and token=usr-tok-Mm3Nn4, \
             record MRN-4455, AWS key AKIAUSERMSGX0EXAMPLE, secret=usr-secret-Sc11, pk-usr-Pk22Lm90."
        ) >= 2
    );
    assert!(
        replace_text(
            &mut lookup,
            "We'll text a reminder to",
            "Log in at https://casey:asst-url-pw-77@portal.example.com with Authorization: Basic \
             YXNzdDpzZWNyZXQ= or eyJhbGciOiJIUzI1NiJ9.eyJhc3N0IjoiMSJ9.asstJwtSig99, key \
             sk-asst-Kx81Lp. We'll text a reminder to"
        ) >= 1
    );
    let args = json!({
        "api_key": "toolarg-key-Ppp111",
        "private_key": "-----BEGIN PRIVATE KEY-----\nTOOLARGPEMKEY\n-----END PRIVATE KEY-----",
    });
    assert!(add_where(&mut lookup, ("patient_id", "P-1001"), &args) >= 1);
    let headers = json!({"X-Api-Key": "mcp-hdr-key-Hh55", "Cookie": "session=mcp-cookie-Cc66"});
    assert_eq!(
        add_where(
            &mut lookup,
            ("Authorization", "Bearer sk-synthetic-SECRET-0000"),
            &headers
        ),
        1
    );
    assert_eq!(
        replace_text(
            &mut lookup,
            "https://mcp.scheduling.example.com/sse",
            "https://mcpuser:mcp-url-pw-Uu88@mcp.scheduling.example.com/sse"
        ),
        1
    );
    std::fs::write(corpus.join("lookup.json"), lookup.to_string()).unwrap();

    let mut failed: Value = serde_json::from_str(&fixture("03-intake-failed.json")).unwrap();
    assert!(
        replace_text(
            &mut failed,
            "failed validation after 3 attempts",
            "failed validation after 3 attempts (upstream 500: {\"token\":\"errbody-tok-Ee99\"} \
             Bearer errbody-bearer-Bb00Bb00 password=errbody-pw-Pp22)"
        ) >= 1
    );
    std::fs::write(corpus.join("failed.json"), failed.to_string()).unwrap();

    // Each planted secret is in the input: a test that could not see it could not fail.
    let input: String = files(&corpus)
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for secret in PLANTED {
        assert!(input.contains(secret), "{secret} not planted");
    }

    let config = root.join("reprise.toml");
    std::fs::write(
        &config,
        "[[redaction.rules]]\nworkflows = [\"*\"]\nregex = \"MRN-\\\\d+\"\nplaceholder = \"[MRN]\"\n",
    )
    .unwrap();
    (corpus, config)
}

/// Fails naming every planted secret found in `text`.
fn assert_clean(text: &str, what: &str) {
    let leaked: Vec<&&str> = PLANTED.iter().filter(|s| text.contains(**s)).collect();
    assert!(leaked.is_empty(), "{what} leaks {leaked:?}");
}

/// Checks every file written so far under `dir` (`new` leaves .snap.new files that `always`
/// replaces), a snapshot of each case among them.
fn assert_written_clean(dir: &Path, mode: &str) {
    let written = files(dir);
    let snap_files = written
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "snap" || e == "new"))
        .count();
    assert!(snap_files >= 2, "a snapshot of each case: {written:?}");
    for path in &written {
        let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
        assert_clean(&text, &format!("{} ({mode})", path.display()));
    }
}

/// Runs `reprise run` over the planted corpus with `extra` flags; checks its output and every
/// file it wrote; answers the reports folder.
fn run_and_check(root: &Path, name: &str, extra: &[&str], env: &[(&str, &str)]) -> PathBuf {
    let (corpus, config) = (root.join("corpus"), root.join("reprise.toml"));
    let out = root.join(name).join("reports");
    let snaps = root.join(name).join("snapshots");
    let mut cmd = reprise();
    for (k, v) in env {
        cmd.env(k, v);
    }
    // First `new` (.snap.new, whose diff is printed), then `always` (.snap).
    for mode in ["new", "always"] {
        let output = cmd
            .arg("run")
            .arg(&corpus)
            .arg("--config")
            .arg(&config)
            .arg("--out")
            .arg(&out)
            .arg("--snapshots")
            .arg(&snaps)
            .args(["--update-snapshots", mode, "--no-progress"])
            .args(extra)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        // The failed recording errors or fails, nothing else: 0, 1 or 3, never 2.
        assert_ne!(output.status.code(), Some(2), "{stdout}\n{stderr}");
        assert!(stdout.contains("reports"), "{stdout}\n{stderr}");
        assert_clean(&stdout, &format!("{name} stdout ({mode})"));
        assert_clean(&stderr, &format!("{name} stderr ({mode})"));
        assert_written_clean(&root.join(name), mode);
        cmd = reprise();
        for (k, v) in env {
            cmd.env(k, v);
        }
    }
    let written = files(&root.join(name));
    // The pages built from transcripts and reasons were among the files checked above.
    for page in ["report.html", "pr-comment.md"] {
        assert!(written.contains(&out.join(page)), "{page} not written");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("[SECRET"),
        "the page shows the redacted transcripts"
    );
    // The transcript still says what happened, with placeholders for what it hides.
    let body: String = written
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "snap"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for shown in ["[SECRET", "[MRN]", "next appointment", "failed validation"] {
        assert!(body.contains(shown), "{shown} missing from\n{body}");
    }
    out
}

/// Through the binary with the recorded engine (the replay in reprise's own process).
#[test]
fn planted_secrets_reach_no_file_and_no_terminal_in_process() {
    let tmp = tempfile::tempdir().unwrap();
    planted_corpus(tmp.path());
    let out = run_and_check(tmp.path(), "in-process", &[], &[]);
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 3, "{runs}");
}

/// The same run as a library call (`reprise::cli::run`, in this process): every file it writes
/// is clean (its terminal is this process's, checked through the binary above).
#[test]
fn planted_secrets_reach_no_file_through_the_library() {
    use clap::Parser;
    let tmp = tempfile::tempdir().unwrap();
    let (corpus, config) = planted_corpus(tmp.path());
    let dir = tmp.path().join("library");
    for mode in ["new", "always"] {
        let cli = reprise::cli::Cli::try_parse_from([
            "reprise".as_ref(),
            "run".as_ref(),
            corpus.as_os_str(),
            "--config".as_ref(),
            config.as_os_str(),
            "--out".as_ref(),
            dir.join("reports").as_os_str(),
            "--snapshots".as_ref(),
            dir.join("snapshots").as_os_str(),
            "--update-snapshots".as_ref(),
            mode.as_ref(),
            "--no-progress".as_ref(),
        ])
        .unwrap();
        // The failed recording fails or errors, nothing else.
        let status = reprise::cli::run(cli).unwrap();
        assert_ne!(status, reprise::ExitStatus::Input);
        assert_written_clean(&dir, mode);
    }
    let (_, rows) = table(&dir.join("reports/runs.csv"));
    assert_eq!(rows.len(), 2);
    let html = std::fs::read_to_string(dir.join("reports/report.html")).unwrap();
    assert!(
        html.contains("[SECRET"),
        "the page shows the redacted transcripts"
    );
}

#[test]
fn planted_secrets_reach_no_file_and_no_terminal_over_reprise_serve() {
    let tmp = tempfile::tempdir().unwrap();
    let (corpus, _) = planted_corpus(tmp.path());
    let log_path = tmp.path().join("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let served = serve_logging(&[corpus.to_str().unwrap()], log);
    let out = run_and_check(
        tmp.path(),
        "live",
        &[
            "--engine",
            "http",
            "--base-url",
            served.url.as_str(),
            "--allow-side-effects",
            "--eval-wait-secs",
            "2",
            "--poll-ms",
            "20",
        ],
        &[("REPRISE_TOKEN", "planted-live-token-Tt42")],
    );
    drop(served);
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 3, "{runs}");
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("POST"),
        "the server logged its requests: {log}"
    );
    assert_clean(&log, "the serve log");
    assert!(!log.contains("planted-live-token-Tt42"), "{log}");
}

/// `reprise run fixtures/noxus` writing to `out` and `snaps` with `--update-snapshots always`:
/// (exit code, stderr).
fn run_noxus(out: &Path, snaps: &Path) -> (Option<i32>, String) {
    code_and_stderr(
        reprise()
            .arg("run")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/noxus"))
            .arg("--out")
            .arg(out)
            .arg("--snapshots")
            .arg(snaps)
            .args(["--update-snapshots", "always", "--no-progress"]),
    )
}

#[test]
fn an_unwritable_snapshot_folder_is_exit_3_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    // A file where the folder should be: creating a folder under it fails, even as root.
    let snaps = tmp.path().join("snapshots");
    std::fs::write(&snaps, "in the way").unwrap();
    let (code, stderr) = run_noxus(&tmp.path().join("out"), &snaps);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("error: snapshot") && stderr.contains(&snaps.display().to_string()),
        "{stderr}"
    );
    // The reports were still written: the cases are not lost.
    let runs = std::fs::read_to_string(tmp.path().join("out/runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 4, "{runs}");
}

#[test]
fn an_unwritable_report_folder_is_exit_3_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reports");
    std::fs::write(&out, "in the way").unwrap();
    let (code, stderr) = run_noxus(&out, &tmp.path().join("snaps"));
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains(&out.display().to_string()), "{stderr}");
}

#[test]
fn a_report_file_that_fails_at_the_end_of_the_run_is_exit_3_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reports");
    // summary.md is written when the run finishes (the report sink's end of run).
    let summary = out.join("summary.md");
    std::fs::create_dir_all(summary.join("x")).unwrap();
    let (code, stderr) = run_noxus(&out, &tmp.path().join("snaps"));
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains(&summary.display().to_string()), "{stderr}");
    // The journal, in front of the report files, kept every case.
    let journal = std::fs::read_to_string(out.join("journal.jsonl")).unwrap();
    assert_eq!(journal.lines().count(), 3, "{journal}");
}

#[test]
fn an_unwritable_journal_is_exit_3_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reports");
    // A folder where the journal file should be.
    let journal = out.join("journal.jsonl");
    std::fs::create_dir_all(journal.join("x")).unwrap();
    let (code, stderr) = run_noxus(&out, &tmp.path().join("snaps"));
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains(&journal.display().to_string()), "{stderr}");
}

/// The bodies of a live engine's 5xx answers, as a vendor's error page or JSON may echo secrets
/// back: one a case, each short enough to be quoted whole (200 characters) and ending with a
/// marker that shows it was.
const ERROR_BODIES: [&str; 3] = [
    r#"{"token":"5xx-token-Tk31","api-key":"5xx-apikey-Ak35","session":"5xx-session-Ss39","detail":"Authorization: Bearer 5xx-bearer-Br32Br32","end":"end-marker-A"}"#,
    "upstream failed: password=5xx-pw-Pw33 secret=5xx-secret-Sc34 Authorization: Basic \
     NXh4OmJhc2ljMzU2 AKIA5XXBODY00EXAMPLE end-marker-B",
    "db https://ops:5xx-url-pw-Up36@db.example.com key sk-5xx-Sk37Lm jwt \
     eyJhbGciOiJIUzI1NiJ9.eyJ4IjoiNXh4In0.5xxJwtSig38 end-marker-C",
];

/// The secrets of [`ERROR_BODIES`].
const ERROR_BODY_SECRETS: &[&str] = &[
    "5xx-token-Tk31",
    "5xx-apikey-Ak35",
    "5xx-session-Ss39",
    "5xx-bearer-Br32Br32",
    "5xx-pw-Pw33",
    "5xx-secret-Sc34",
    "NXh4OmJhc2ljMzU2",
    "AKIA5XXBODY00EXAMPLE",
    "5xx-url-pw-Up36",
    "sk-5xx-Sk37Lm",
    "5xxJwtSig38",
];

#[tokio::test(flavor = "multi_thread")]
async fn secrets_in_a_live_engines_5xx_body_reach_no_file_and_no_terminal() {
    use wiremock::{matchers::any, Mock, MockServer, ResponseTemplate};
    let all: String = ERROR_BODIES.concat();
    for secret in ERROR_BODY_SECRETS {
        assert!(all.contains(secret), "{secret} not planted");
    }
    let server = MockServer::start().await;
    // Each body answers once, in turn (a request past them gets the last again).
    for (i, body) in ERROR_BODIES.iter().enumerate() {
        assert!(body.chars().count() <= 200, "{body}");
        let mock =
            Mock::given(any()).respond_with(ResponseTemplate::new(500).set_body_string(*body));
        if i + 1 < ERROR_BODIES.len() {
            mock.up_to_n_times(1).mount(&server).await;
        } else {
            mock.mount(&server).await;
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let (out, snaps) = (tmp.path().join("reports"), tmp.path().join("snaps"));
    let uri = server.uri();
    let (o, written) = tokio::task::spawn_blocking(move || {
        let o = output(
            reprise()
                .arg("run")
                .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/noxus"))
                .args([
                    "--engine",
                    "http",
                    "--base-url",
                    &uri,
                    "--allow-side-effects",
                ])
                .args(["--retries", "0", "--retry-budget", "0", "--jobs", "1"])
                .args(["--no-progress", "--update-snapshots", "always", "--out"])
                .arg(&out)
                .arg("--snapshots")
                .arg(&snaps),
        );
        (o, files(&out))
    })
    .await
    .unwrap();
    assert_eq!(o.code, Some(3), "{}{}", o.stdout, o.stderr);
    // Every body reached the reports whole (its end is shown), its secrets did not.
    let runs = std::fs::read_to_string(tmp.path().join("reports/runs.csv")).unwrap();
    for end in ["end-marker-A", "end-marker-B", "end-marker-C"] {
        assert!(runs.contains(end), "{end} not in\n{runs}");
    }
    let mut texts = vec![
        ("stdout".to_owned(), o.stdout),
        ("stderr".to_owned(), o.stderr),
    ];
    for path in written {
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        texts.push((path.display().to_string(), text));
    }
    for (what, text) in &texts {
        let leaked: Vec<&&str> = ERROR_BODY_SECRETS
            .iter()
            .filter(|s| text.contains(**s))
            .collect();
        assert!(leaked.is_empty(), "{what} leaks {leaked:?}\n{text}");
    }
}

//! `reprise run` and `reprise report merge` end to end, through the binary, over the fixtures.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::{Duration, Instant};

use assert_cmd::Command;

const RUNS_HEADER: &str = "run_id,replay_run_id,system,workflow_id,version,status,turns,llm_calls,input_tokens,output_tokens,total_tokens,credits,latency_ms_total,latency_ms_mean,eval_run_id,eval_tokens,verdict,score,assertions_failed,snapshot,error";
const MODELS_HEADER: &str = "provider,model,calls,input_tokens,output_tokens,total_tokens,latency_ms_total,latency_ms_mean,latency_ms_p50,latency_ms_p95";
const SUMMARY_HEADER: &str = "runs,passed,failed,errored,unevaluated,pass_rate,pass_rate_low,pass_rate_high,total_tokens,mean_tokens,p95_tokens,total_credits,latency_ms_p50,latency_ms_p95,snapshots_changed,snapshots_new";

/// Snapshots: none stored (a folder that does not exist) and none written (`CI`: auto = no),
/// so every case is `new` and the repository's `snapshots/` is never touched.
const NO_SNAPSHOTS: [(&str, &str); 2] = [
    ("REPRISE_SNAPSHOTS", "/nonexistent/reprise-test-snapshots"),
    ("CI", "true"),
];

fn reprise() -> Command {
    let mut c = Command::cargo_bin("reprise").unwrap();
    c.env_remove("GITHUB_STEP_SUMMARY")
        .env("REPRISE_TOKEN", "sk-live-token-never-written");
    c.envs(NO_SNAPSHOTS);
    c
}

/// `reprise run` over `fixtures/` into `out`, with extra args; returns the exit code.
fn run(out: &Path, extra: &[&str]) -> (i32, String) {
    let o = reprise()
        .args([
            "run",
            "fixtures",
            "--no-progress",
            "--retries",
            "0",
            "--out",
        ])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

/// A CSV as (header, rows keyed by the first column).
pub(crate) fn table(path: &Path) -> (Vec<String>, BTreeMap<String, BTreeMap<String, String>>) {
    table_by(path, 0)
}

/// A CSV as (header, rows keyed by column `key`).
fn table_by(path: &Path, key: usize) -> (Vec<String>, BTreeMap<String, BTreeMap<String, String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let mut rows = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let row: BTreeMap<String, String> = header
            .iter()
            .cloned()
            .zip(rec.iter().map(String::from))
            .collect();
        rows.insert(rec[key].to_owned(), row);
    }
    (header, rows)
}

fn first_line(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned()
}

fn same_number(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() < 0.01,
        _ => a == b,
    }
}

/// Compares runs.csv rows with an expectations CSV (fixtures-expected.csv's columns),
/// matched by run id or replay run id. `skip` lists (run_id, column) pairs not compared.
fn assert_rows_match(
    runs: &BTreeMap<String, BTreeMap<String, String>>,
    expected: &Path,
    skip: &[(&str, &str)],
) -> usize {
    let (_, want) = table_by(expected, 1);
    let cols = [
        "system",
        "workflow_id",
        "version",
        "status",
        "turns",
        "llm_calls",
        "input_tokens",
        "output_tokens",
        "total_tokens",
        "credits",
        "latency_ms_total",
        "latency_ms_mean",
        "eval_run_id",
        "eval_tokens",
        "verdict",
        "score",
    ];
    let mut n = 0;
    for w in want.values() {
        let id = &w["run_id"];
        let got = runs
            .values()
            .find(|r| &r["run_id"] == id || &r["replay_run_id"] == id)
            .unwrap_or_else(|| panic!("no row for {id}"));
        for c in cols {
            if skip.contains(&(id.as_str(), c)) {
                continue;
            }
            assert!(
                same_number(&got[c], &w[c]),
                "{id} {c}: got {:?}, expected {:?}",
                got[c],
                w[c]
            );
        }
        n += 1;
    }
    n
}

// The execute-response fixture (11b) holds only its last turn: the expected table counts the
// conversation's turns (`turn_number`), a replay can only replay the one turn recorded.
const EXECUTE_GAPS: [(&str, &str); 1] = [("69a5444e143ce985beccad6c", "turns")];

#[test]
fn fixtures_report_matches_the_expected_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let (code, stdout) = run(&out, &[]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("pass 10  fail 5  error 0  none 7"),
        "{stdout}"
    );

    assert_eq!(first_line(&out.join("runs.csv")), RUNS_HEADER);
    assert_eq!(first_line(&out.join("models.csv")), MODELS_HEADER);
    assert_eq!(first_line(&out.join("summary.csv")), SUMMARY_HEADER);

    let (_, runs) = table(&out.join("runs.csv"));
    assert_eq!(runs.len(), 22);
    let ids: Vec<&String> = runs.keys().collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "rows sorted by run_id");
    let n = assert_rows_match(
        &runs,
        Path::new("tests/data/fixtures-expected.csv"),
        &EXECUTE_GAPS,
    );
    assert_eq!(n, 22);
    for r in runs.values() {
        assert_eq!(
            r["replay_run_id"], r["run_id"],
            "the recorded engine replays to itself"
        );
        assert_eq!(r["snapshot"], "new");
        assert_eq!(r["assertions_failed"], "0");
        assert_eq!(r["error"], "");
    }

    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert_eq!(
        summary.lines().nth(1).unwrap(),
        "22,10,5,0,7,0.6667,0.4171,0.8482,40775,1853.4091,3327,5.375,786,1532,0,22"
    );

    let mut models = csv::Reader::from_path(out.join("models.csv")).unwrap();
    let m: Vec<Vec<String>> = models
        .records()
        .map(|r| r.unwrap().iter().take(8).map(String::from).collect())
        .collect();
    assert_eq!(
        m,
        vec![
            vec![
                "anthropic",
                "claude-haiku-4-5-20251001",
                "13",
                "7031",
                "703",
                "7734",
                "17815",
                "1370.3846"
            ],
            vec![
                "openai",
                "gpt-4.1-mini-2025-04-14",
                "39",
                "27392",
                "819",
                "28211",
                "33101",
                "848.7436"
            ],
            vec![
                "openai",
                "gpt-4.1-nano-2025-04-14",
                "20",
                "4810",
                "20",
                "4830",
                "4272",
                "213.6"
            ],
        ]
    );

    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<testcase ").count(), 22);
    assert!(junit.contains("tests=\"22\" failures=\"5\" errors=\"0\" skipped=\"7\""));
    assert!(
        junit.contains("<failure message=\"evaluator said fail (score 0.31)\""),
        "{junit}"
    );
    assert!(junit.contains("<failure message=\"run ended aborted_looping_risk\""));

    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains("### By workflow") && md.contains("### By version"));
    assert!(md.contains("`69a5ab8d27542b571e6ab925` @ 1"), "{md}");

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["engine"], "recorded");
    assert_eq!(manifest["corpus_digest"].as_str().unwrap().len(), 64);
    assert_eq!(manifest["cases"], 22);
    assert!(manifest["started_at"].as_str().unwrap() <= manifest["ended_at"].as_str().unwrap());

    let journal = std::fs::read_to_string(out.join("journal.jsonl")).unwrap();
    assert_eq!(journal.lines().count(), 22);

    // Same reports whatever --jobs is.
    let out1 = dir.path().join("j1");
    assert_eq!(run(&out1, &["--jobs", "1"]).0, 0);
    for f in ["runs.csv", "models.csv", "summary.csv", "junit.xml"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(out1.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn verdicts_none_fail_and_error_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let (code, _) = run(&out, &["--fail-on-failures"]);
    assert_eq!(code, 1, "failing cases under --fail-on-failures");
    let (_, runs) = table(&out.join("runs.csv"));
    // 06: no evaluation_config, good status: nothing judged it.
    assert_eq!(runs["69a553d63f0e2aba8f7a4d61"]["verdict"], "none");
    assert_eq!(runs["69a553d63f0e2aba8f7a4d61"]["eval_run_id"], "");
    // 03: the run failed.
    assert_eq!(runs["69a58530da9f6d208566e081"]["verdict"], "fail");
    assert_eq!(
        runs["d04fc918-dfa7-4517-a230-547dcb03d67b"]["verdict"],
        "fail"
    );

    // Every engine call fails (in-process fault injection): every case is an error, exit 3.
    let out = dir.path().join("faults");
    let (code, stdout) = run(
        &out,
        &[
            "--inject-errors",
            "1",
            "--filter",
            "workflow=69a5854706cac15e5e918928",
        ],
    );
    assert_eq!(code, 3, "{stdout}");
    let (_, runs) = table(&out.join("runs.csv"));
    let row = &runs["69a553d63f0e2aba8f7a4d61"];
    assert_eq!(row["verdict"], "error");
    assert!(row["error"].contains("server error"), "{row:?}");
    assert_eq!(row["total_tokens"], "0");
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert!(
        junit.contains("<error message=\"replay: turn 1: server error"),
        "{junit}"
    );
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(
        summary
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("1,0,0,1,0,,,,0,"),
        "{summary}"
    );
}

#[test]
fn assertions_from_the_config_judge_the_workflows_they_name() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("reprise.toml");
    std::fs::write(
        &config,
        r#"
[[evaluation.assertions]]
name = "noxus completes"
workflows = ["7f576edd-f8b9-4351-8da2-0f38e317cf88"]
kind = "status"
status = "completed"

[[evaluation.assertions]]
name = "short reminder"
workflows = ["69a5854706cac15e5e918928"]
kind = "max_tokens"
max = 100

[[evaluation.assertions]]
workflows = ["69a5854706cac15e5e918928"]
kind = "turn_count"
min = 2
max = 2
"#,
    )
    .unwrap();
    let out = dir.path().join("r");
    let o = reprise()
        .args(["--config"])
        .arg(&config)
        .args(["run", "fixtures", "--no-progress", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let (_, runs) = table(&out.join("runs.csv"));
    assert_eq!(
        runs["1841cf18-41bc-4c13-b1c8-76789fa60421"]["verdict"],
        "pass"
    );
    assert_eq!(
        runs["9c0dbcd7-d315-412f-964a-48329e4dfd96"]["verdict"],
        "fail"
    );
    assert_eq!(
        runs["9c0dbcd7-d315-412f-964a-48329e4dfd96"]["assertions_failed"],
        "1"
    );
    let reminder = &runs["69a553d63f0e2aba8f7a4d61"];
    assert_eq!(
        (
            reminder["verdict"].as_str(),
            reminder["assertions_failed"].as_str()
        ),
        ("fail", "1")
    );
    // Workflows the config does not name are untouched.
    assert_eq!(runs["run_50d2daa28653b0f32e7c1b9c"]["verdict"], "none");
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert!(
        junit.contains("assertion short reminder: 699 tokens, limit 100"),
        "{junit}"
    );

    // A bad regex is a config error (exit 2).
    std::fs::write(
        &config,
        "[[evaluation.assertions]]\nworkflows = [\"x\"]\nkind = \"regex\"\npattern = \"(\"\n",
    )
    .unwrap();
    reprise()
        .args(["--config"])
        .arg(&config)
        .args(["run", "fixtures", "--out"])
        .arg(dir.path().join("bad"))
        .assert()
        .code(2);
}

#[test]
fn version_2_recordings_answer_for_the_v1_cases() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v2");
    let (code, stdout) = run(
        &out,
        &[
            "--version",
            "2",
            "--recordings",
            "tests/data/recordings-v2",
            "--filter",
            "workflow=69a5ab8d27542b571e6ab925",
        ],
    );
    let (_, runs) = table(&out.join("runs.csv"));
    let n = assert_rows_match(
        &runs,
        Path::new("tests/data/recordings-v2-expected.csv"),
        &[],
    );
    assert_eq!(n, 3);
    for (case, rec, verdict) in [
        (
            "69a59566eec3645a209c3946",
            "69a562e3c6e5b5fa8ec15faf",
            "fail",
        ),
        (
            "69a52e229c01261d80cda4e3",
            "69a57e2b771244f7bbe3498f",
            "pass",
        ),
        (
            "69a55b0787ad309dd7b05c7e",
            "69a51662c3fc86687211edb3",
            "pass",
        ),
    ] {
        assert_eq!(runs[case]["replay_run_id"], rec);
        assert_eq!(runs[case]["verdict"], verdict);
        assert_eq!(runs[case]["version"], "2");
    }
    // Intake cases without a v2 recording miss: errors, exit 3.
    assert_eq!(code, 3, "{stdout}");
    assert!(runs["69a5f1430424f97189ccc5c0"]["error"].contains("no recording matches"));
}

#[test]
fn shards_cover_every_case_once_and_merge_to_the_unsharded_report() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full");
    assert_eq!(run(&full, &[]).0, 0);
    let mut seen = HashSet::new();
    let mut shards = Vec::new();
    for k in ["1/2", "2/2"] {
        let out = dir.path().join(k.replace('/', "-"));
        assert_eq!(run(&out, &["--shard", k]).0, 0);
        let (_, runs) = table(&out.join("runs.csv"));
        assert!(!runs.is_empty() && runs.len() < 22, "{k}: {}", runs.len());
        for id in runs.keys() {
            assert!(seen.insert(id.clone()), "{id} in two shards");
        }
        shards.push(out);
    }
    assert_eq!(seen.len(), 22);
    let merged = dir.path().join("merged");
    reprise()
        .args(["report", "merge"])
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    for f in ["runs.csv", "models.csv", "summary.csv", "junit.xml"] {
        assert_eq!(
            std::fs::read_to_string(full.join(f)).unwrap(),
            std::fs::read_to_string(merged.join(f)).unwrap(),
            "{f}"
        );
    }
}

fn journal_lines(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("journal.jsonl"))
        .map(|s| s.lines().filter(|l| l.ends_with('}')).count())
        .unwrap_or(0)
}

fn spawn_slow(out: &Path) -> std::process::Child {
    StdCommand::new(assert_cmd::cargo::cargo_bin("reprise"))
        .envs(NO_SNAPSHOTS)
        .args([
            "run",
            "fixtures",
            "--no-progress",
            "--jobs",
            "1",
            "--latency-replay",
            "0.2",
            "--out",
        ])
        .arg(out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_for_lines(out: &Path, n: usize) {
    let start = Instant::now();
    while journal_lines(out) < n {
        assert!(start.elapsed() < Duration::from_secs(60), "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn resume_after_a_kill_gives_the_same_reports_and_replays_no_finished_case() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean");
    assert_eq!(run(&clean, &[]).0, 0);

    let out = dir.path().join("killed");
    let mut child = spawn_slow(&out);
    wait_for_lines(&out, 4);
    child.kill().unwrap();
    child.wait().unwrap();
    let done = journal_lines(&out);
    assert!((4..22).contains(&done), "{done}");
    let before: Vec<String> = std::fs::read_to_string(out.join("journal.jsonl"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();

    let (code, stdout) = run(&out, &["--resume"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains(&format!(
            "resumed      {done} cases from the journal, {} replayed now",
            22 - done
        )),
        "{stdout}"
    );
    let journal = std::fs::read_to_string(out.join("journal.jsonl")).unwrap();
    let lines: Vec<&str> = journal.lines().collect();
    assert_eq!(lines.len(), 22);
    // The finished cases' lines are kept as they were, and no case ran twice.
    let ids: HashSet<String> = lines
        .iter()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["run_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 22);
    for l in before.iter().filter(|l| l.ends_with('}')) {
        assert!(lines.contains(&l.as_str()));
    }
    for f in [
        "runs.csv",
        "models.csv",
        "summary.csv",
        "junit.xml",
        "summary.md",
    ] {
        assert_eq!(
            std::fs::read_to_string(clean.join(f)).unwrap(),
            std::fs::read_to_string(out.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_finishes_in_flight_cases_and_writes_the_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("int");
    let mut child = spawn_slow(&out);
    wait_for_lines(&out, 3);
    let ok = StdCommand::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(3));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["interrupted"], true);
    let rows = std::fs::read_to_string(out.join("runs.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(rows, journal_lines(&out));
    assert!(rows < 22);
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn no_secret_or_pii_reaches_the_report_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let step = dir.path().join("step.md");
    let o = reprise()
        .env("GITHUB_STEP_SUMMARY", &step)
        .args(["run", "fixtures", "--no-progress", "--repeat", "2", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(std::fs::read_to_string(&step)
        .unwrap()
        .contains("## reprise run"));
    let mut needles = vec![
        "sk-synthetic-SECRET-0000".to_owned(),
        "SECRET".to_owned(),
        "000-12-3456".to_owned(),
        "@example.com".to_owned(),
        "(555) 010-".to_owned(),
        "Riley Marsh".to_owned(),
        "Rowan Tillet".to_owned(),
    ];
    needles.push("api_headers".into());
    let outputs = files(&out);
    assert!(outputs.len() >= 7, "{outputs:?}");
    for f in outputs {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        for n in &needles {
            assert!(!text.contains(n.as_str()), "{} contains {n}", f.display());
        }
    }
}

#[test]
fn text_cells_that_look_like_formulas_are_guarded() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("c");
    std::fs::create_dir(&corpus).unwrap();
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("fixtures/cortex/single-run.json").unwrap())
            .unwrap();
    doc["id"] = "=HYPERLINK(\"http://x\")".into();
    doc["workflow_id"] = "+wf".into();
    std::fs::write(corpus.join("run.json"), doc.to_string()).unwrap();
    let out = dir.path().join("r");
    reprise()
        .args(["run", "--no-progress", "--out"])
        .arg(&out)
        .arg(&corpus)
        .assert()
        .success();
    let csv = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    let row = csv.lines().nth(1).unwrap();
    assert!(
        row.starts_with("\"'=HYPERLINK(\"\"http://x\"\")\""),
        "{row}"
    );
    assert!(row.contains(",'+wf,"), "{row}");
    assert!(
        row.contains(",COMPLETED,1,0,0,0,0,2.25,0,0,,0,none,,0,new,"),
        "{row}"
    );
}

/// `reprise serve` on a free port; killed when dropped.
struct Server(std::process::Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve() -> Server {
    use std::io::BufRead;
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("reprise"))
        .args(["serve", "fixtures", "--quiet", "--addr", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    Server(child, addr)
}

#[test]
fn live_replay_through_reprise_serve_matches_the_recorded_engine() {
    let server = serve();
    let dir = tempfile::tempdir().unwrap();
    let recorded = dir.path().join("recorded");
    assert_eq!(run(&recorded, &[]).0, 0);
    let live = dir.path().join("live");
    let live_args = [
        "--engine",
        "http",
        "--base-url",
        server.1.as_str(),
        "--app-id",
        "app_0750d790b2a7263bd195",
        "--eval-wait-secs",
        "2",
        "--poll-ms",
        "20",
    ];
    let mut args = live_args.to_vec();
    args.push("--allow-side-effects");
    let (code, stdout) = run(&live, &args);
    assert_eq!(code, 0, "{stdout}");
    let (_, a) = table(&recorded.join("runs.csv"));
    let (_, b) = table(&live.join("runs.csv"));
    assert_eq!(a.len(), 22);
    // 11b names no evaluation run (only its evaluator names it): live, the verdict comes from
    // the vendor's evaluation-result route, which reports no run and no tokens.
    let gap = "69a5444e143ce985beccad6c";
    assert_eq!(b[gap]["eval_run_id"], format!("{gap}/evaluation-result"));
    assert_eq!(b[gap]["eval_tokens"], "0");
    for (id, row) in &a {
        let mut live = b[id].clone();
        if id == gap {
            for column in ["eval_run_id", "eval_tokens"] {
                live.insert(column.into(), row[column].clone());
            }
        }
        assert_eq!(row, &live, "{id}");
    }

    for f in files(&live) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        assert!(
            !text.contains("sk-live-token-never-written"),
            "{}",
            f.display()
        );
    }

    // Without --allow-side-effects the SMS and MCP workflows are refused, naming why.
    let refused = dir.path().join("refused");
    run(&refused, &live_args);
    let (_, c) = table(&refused.join("runs.csv"));
    assert!(c["69a5c80ad89188b55717debc"]["error"].contains("send_sms"));
    assert!(c["69a5725851cd4ae89dc12eb0"]["error"].contains("MCP server"));
    assert_eq!(c["69a5c80ad89188b55717debc"]["verdict"], "error");
}

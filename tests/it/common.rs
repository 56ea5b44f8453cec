//! The helpers every integration test module shares, so that a test reads as its scenario:
//!
//! - **the binary**: [`reprise`] (the one builder: `reprise` with `$GITHUB_STEP_SUMMARY`
//!   removed), run in the temp folder ([`reprise_outside`]) or in a folder with `$CI` unset and
//!   a timeout ([`reprise_in`]), [`bin`] (the same as a `std` command, to spawn and signal),
//!   [`output`] ([`Out`]: exit code, stdout, stderr), [`expect_code`], [`code_and_stderr`];
//! - **`reprise serve`** as a child on a free loopback port: [`serve`], [`serve_logging`],
//!   [`Served::spawn`] (any configured command), killed when dropped;
//! - **corpora and report folders**: [`repo`], [`load_corpus`], [`load_one`], [`copy_dir`],
//!   [`files`], [`files_ending`], [`table`] / [`table_by`] (a CSV by key);
//! - **wiremock vendors**: an [`HttpConfig`] for every system at one mock server ([`config`],
//!   [`engine`]), a stored Interactly run ([`envelope`], [`stored_run`]), an execute answer, a start request,
//!   one route's answer ([`answer`]), a case replayed turn by turn ([`replay_case`]), the requests a route received and their count.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reprise::corpus::{Corpus, LoadOptions};
use reprise::engine::http::{ClientConfig, Generation, HttpConfig, HttpEngine, Token};
use reprise::engine::{Engine, EngineError, Reply, StartRequest, TurnInput};
use reprise::model::{Run, System};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

// ---- the binary ----

/// `reprise` as built for these tests. `$GITHUB_STEP_SUMMARY` is removed so that a run under
/// GitHub Actions never appends to the job's summary.
pub(crate) fn reprise() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("reprise").unwrap();
    c.env_remove("GITHUB_STEP_SUMMARY");
    c
}

/// [`reprise`] in the system's temp folder: a `reprise.toml` in the working directory must not
/// leak into the tests that use it (their paths are absolute).
pub(crate) fn reprise_outside() -> assert_cmd::Command {
    let mut c = reprise();
    c.current_dir(std::env::temp_dir());
    c
}

/// `reprise ARGS` in `dir` with `$CI` unset, killed after 60 s (a loader that blocks fails
/// instead of hanging).
pub(crate) fn reprise_in(dir: &Path, args: &[&str]) -> Out {
    output(
        reprise()
            .current_dir(dir)
            .env_remove("CI")
            .args(args)
            .timeout(Duration::from_secs(60)),
    )
}

/// `reprise` as a `std` command, for a child that is spawned, signalled or waited on.
pub(crate) fn bin() -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("reprise"));
    c.env_remove("GITHUB_STEP_SUMMARY");
    c
}

/// What a finished `reprise` said: its exit code (none when killed by a signal) and output.
pub(crate) struct Out {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` to its end.
pub(crate) fn output(cmd: &mut assert_cmd::Command) -> Out {
    let out = cmd.output().unwrap();
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `cmd`, which must exit with `code` (else fails showing its stdout and stderr).
pub(crate) fn expect_code(cmd: &mut assert_cmd::Command, code: i32) -> Out {
    let out = output(cmd);
    assert_eq!(out.code, Some(code), "{}\n{}", out.stdout, out.stderr);
    out
}

/// Runs `cmd`: (exit code, stderr).
pub(crate) fn code_and_stderr(cmd: &mut assert_cmd::Command) -> (Option<i32>, String) {
    let out = output(cmd);
    (out.code, out.stderr)
}

// ---- `reprise serve` ----

/// `reprise serve` on a loopback port, killed when dropped.
pub(crate) struct Served {
    pub child: std::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Served {
    /// Spawns `cmd` (a configured `reprise serve`, its stderr already set) with its stdout
    /// piped and reads the address from its first line, `listening on URL`.
    pub(crate) fn spawn(cmd: &mut std::process::Command) -> Served {
        use std::io::BufRead;
        let mut child = cmd.stdout(std::process::Stdio::piped()).spawn().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Served { child, url }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `reprise serve ARGS --addr 127.0.0.1:0 --quiet` and reads the address it prints.
pub(crate) fn serve(args: &[&str]) -> Served {
    let mut all = args.to_vec();
    all.push("--quiet");
    serve_logging(&all, std::process::Stdio::null())
}

/// Starts `reprise serve ARGS --addr 127.0.0.1:0` with its log (stderr) going to `log`.
pub(crate) fn serve_logging(args: &[&str], log: impl Into<std::process::Stdio>) -> Served {
    Served::spawn(
        bin()
            .arg("serve")
            .args(args)
            .args(["--addr", "127.0.0.1:0"])
            .stderr(log),
    )
}

/// The Cortex app of the demo corpus.
pub(crate) const FIXTURE_APP: &str = "app_0750d790b2a7263bd195";

// ---- corpora and report folders ----

/// `path` inside the repository.
pub(crate) fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The corpus at `path` (inside the repository), which must load without a problem; with
/// `keep_raw` its raw documents are kept in memory.
pub(crate) fn load_corpus(keep_raw: bool, path: &str) -> Corpus {
    let corpus = Corpus::load(
        &[repo(path)],
        &LoadOptions {
            format: None,
            keep_raw,
            digest: false,
            ..LoadOptions::default()
        },
    );
    assert!(corpus.problems.is_empty(), "{:?}", corpus.problems);
    corpus
}

/// The one run of a document given as text.
pub(crate) fn load_one(text: &str) -> Run {
    let out = reprise::formats::read_bytes(
        Path::new("case.json"),
        Arc::from(text.as_bytes()),
        reprise::vendors::Registry::builtin().adapters(),
        None,
        true,
    );
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    out.runs.into_iter().next().unwrap()
}

/// Copies the folder `from` to `to`, recursively.
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir` (which must exist), recursively, sorted.
pub(crate) fn files(dir: &Path) -> Vec<PathBuf> {
    assert!(dir.is_dir(), "no folder {}", dir.display());
    files_ending(dir, "")
}

/// The files under `dir` whose path ends with `suffix`, sorted.
pub(crate) fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    out.sort();
    out
}

/// A CSV file's rows, each as `column → cell`.
pub(crate) type Rows = BTreeMap<String, BTreeMap<String, String>>;

/// A CSV as (header, rows keyed by the first column).
pub(crate) fn table(path: &Path) -> (Vec<String>, Rows) {
    table_by(path, 0)
}

/// A CSV as (header, rows keyed by column `key`).
pub(crate) fn table_by(path: &Path, key: usize) -> (Vec<String>, Rows) {
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

// ---- wiremock vendors ----

/// Every system at `uri`, with a token each and quick timeouts.
pub(crate) fn config(uri: &str) -> HttpConfig {
    let mut tokens = BTreeMap::new();
    tokens.insert(System::Interactly, Token::new("tok-interactly"));
    tokens.insert(System::Noxus, Token::new("tok-noxus"));
    tokens.insert(System::Cortex, Token::new("tok-cortex"));
    let mut secrets = BTreeMap::new();
    secrets.insert("athena_api_key".to_owned(), Token::new("sec-athena"));
    HttpConfig {
        client: ClientConfig {
            request_timeout: Duration::from_secs(5),
            max_retries: 3,
            retry_budget: 10,
            backoff_base: Duration::from_millis(1),
            backoff_max: Duration::from_millis(5),
            poll_interval: Duration::from_millis(5),
            run_timeout: Duration::from_secs(5),
            ..ClientConfig::default()
        },
        base_urls: System::ALL.iter().map(|s| (*s, uri.to_owned())).collect(),
        tokens,
        secret_variables: secrets,
        interactly_generation: Generation::Current,
        cortex_app_id: Some("app1".into()),
        eval_wait: Duration::from_millis(300),
    }
}

/// The live engine at `server`, its [`config`] changed by `tweak`.
pub(crate) fn engine(server: &MockServer, tweak: impl FnOnce(&mut HttpConfig)) -> HttpEngine {
    let mut c = config(&server.uri());
    tweak(&mut c);
    reprise::vendors::Registry::builtin()
        .http_engine(c)
        .unwrap()
}

/// A stored Interactly run (the GET envelope) with `turns` turns.
pub(crate) fn envelope(run_id: &str, status: &str, turns: usize, extra: Value) -> Value {
    let pairs: Vec<Value> = (0..turns)
        .map(|i| {
            json!({
                "run_input": {
                    "command": if i == 0 { "start" } else { "data" },
                    "thread_to_node_inputs": {"0": {"node_run_inputs": [
                        {"type": "llm", "messages": [{"type": "human", "content": format!("user {i}")}]}
                    ]}}
                },
                "run_output": {"events": [
                    {"type": "say_llm", "llm_response_id": format!("resp-{i}"),
                     "llm_usage_info": {"response_model": "gpt-x", "provider": "openai",
                        "prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15,
                        "response_latency_milliseconds": 100}},
                    {"type": "assistant_response", "content": format!("hello {i}")}
                ]}
            })
        })
        .collect();
    let mut run = json!({
        "workflow_run_id": run_id,
        "workflow_id": "wf1",
        "version_number": 3,
        "status": status,
        "input_output_pairs": pairs,
        "llm_token_usage": {"total_input_tokens": 10 * turns, "total_output_tokens": 5 * turns,
            "total_tokens": 15 * turns, "call_count": turns},
    });
    if let (Value::Object(run), Value::Object(extra)) = (&mut run, extra) {
        run.extend(extra);
    }
    json!({"workflow_run": {"_id": run_id, "team_id": "team", "workflow_run": run}, "debug_info": null})
}

/// Interactly's answer to an execute of turn `turn`: waiting for the next input.
pub(crate) fn execute_answer(run_id: &str, turn: u32) -> Value {
    json!({"run_id": run_id, "turn_number": turn, "events": [], "is_waiting_for_input": true,
           "is_completed": false, "error": null, "next_input_hint": null})
}

/// Replays every recorded turn of `case` through `engine` at `version`: the last reply.
pub(crate) async fn replay_case(
    engine: &dyn Engine,
    case: &Run,
    version: Option<i64>,
) -> Result<Reply, EngineError> {
    let request = StartRequest {
        system: case.system,
        workflow_id: case.workflow_id.clone().unwrap_or_default(),
        version,
        input: TurnInput::from_turn(&case.turns[0]),
        case_run_id: Some(case.run_id.clone()),
        live: reprise::engine::LiveHints::default(),
    };
    let mut reply = engine.start(&request).await?;
    for turn in &case.turns[1..] {
        reply = engine
            .send(&reply.run_id, &TurnInput::from_turn(turn))
            .await?;
    }
    Ok(reply)
}

/// A start of `workflow` on `system`: one variable, one user message, one input.
pub(crate) fn start_request(system: System, workflow: &str, version: Option<i64>) -> StartRequest {
    let mut vars = serde_json::Map::new();
    vars.insert("patient_name".into(), json!("Ada"));
    StartRequest {
        system,
        workflow_id: workflow.into(),
        version,
        input: TurnInput {
            dynamic_variables: vars,
            user_messages: vec!["hi".into()],
            input: Some(json!({"question": "q1"})),
        },
        case_run_id: None,
        live: reprise::engine::LiveHints::default(),
    }
}

/// Answers `verb p` on `server` with `response`: `times` times at most (after them, the next
/// mock mounted for that request answers), or every time with `None`.
pub(crate) async fn answer(
    server: &MockServer,
    verb: &str,
    p: impl Into<String>,
    response: ResponseTemplate,
    times: Option<u64>,
) {
    let mock = Mock::given(method(verb))
        .and(path(p))
        .respond_with(response);
    match times {
        Some(n) => mock.up_to_n_times(n),
        None => mock,
    }
    .mount(server)
    .await;
}

/// Answers the GET of the stored Interactly run `run` (an [`envelope`]) with it, as
/// [`answer`] does.
pub(crate) async fn stored_run(server: &MockServer, run: Value, times: Option<u64>) {
    let id = run["workflow_run"]["_id"].as_str().unwrap().to_owned();
    let p = format!("/workflows/v1/workflow-runs/{id}");
    answer(
        server,
        "GET",
        p,
        ResponseTemplate::new(200).set_body_json(run),
        times,
    )
    .await;
}

/// How many requests `server` received on path `p`.
pub(crate) async fn request_count(server: &MockServer, p: &str) -> usize {
    requests_to(server, p).await.len()
}

/// The requests `server` received on path `p`.
pub(crate) async fn requests_to(server: &MockServer, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == p)
        .collect()
}

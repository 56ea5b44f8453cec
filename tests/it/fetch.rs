//! `reprise fetch` against wiremock: list pagination to the end for each system, one file per
//! run holding the body exactly as received (mode 0600), resuming, limits, the CLI.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use reprise::engine::http::{ClientConfig, HttpConfig, HttpEngine, Token};
use reprise::fetch::{fetch, FetchOptions};
use reprise::model::System;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{answer, reprise};

fn engine(uri: &str) -> Arc<HttpEngine> {
    let mut tokens = BTreeMap::new();
    tokens.insert(System::Interactly, Token::new("tok"));
    Arc::new(
        reprise::vendors::Registry::builtin()
            .http_engine(HttpConfig {
                client: ClientConfig {
                    backoff_base: Duration::from_millis(1),
                    backoff_max: Duration::from_millis(2),
                    ..ClientConfig::default()
                },
                base_urls: System::ALL.iter().map(|s| (*s, uri.to_owned())).collect(),
                tokens,
                cortex_app_id: Some("app1".into()),
                ..HttpConfig::default()
            })
            .unwrap(),
    )
}

fn options(system: System, out: &std::path::Path) -> FetchOptions {
    FetchOptions {
        system,
        workflow_id: Some("wf1".into()),
        since: None,
        limit: None,
        out: out.to_path_buf(),
        page_size: 2,
        max_pages: reprise::fetch::DEFAULT_MAX_PAGES,
        concurrency: 4,
        progress: false,
    }
}

fn interactly_run(id: &str) -> String {
    // Pretty-printed with odd spacing: the file must hold these bytes, not a re-serialization.
    format!(
        "{{\n  \"workflow_run\": {{\"_id\": \"{id}\", \"team_id\": \"t\",\n   \"workflow_run\": {{\"workflow_run_id\": \"{id}\", \"status\": \"completed\", \"input_output_pairs\": []}}}}}}\n"
    )
}

async fn mount_interactly_runs(server: &MockServer, ids: &[&str]) {
    for id in ids {
        answer(
            server,
            "GET",
            format!("/workflows/v1/workflow-runs/{id}"),
            ResponseTemplate::new(200).set_body_string(interactly_run(id)),
            None,
        )
        .await;
    }
}

fn list(ids: &[&str]) -> Value {
    Value::Array(
        ids.iter()
            .map(|id| json!({"workflow_run": {"_id": id, "workflow_run": {"workflow_run_id": id}}}))
            .collect(),
    )
}

#[tokio::test]
async fn interactly_pages_to_the_end_then_resumes() {
    let server = MockServer::start().await;
    let list_path = "/workflows/v1/workflow-runs";
    Mock::given(method("GET"))
        .and(path(list_path))
        .and(query_param("page", "1"))
        .and(query_param("size", "2"))
        .and(query_param("workflow_id", "wf1"))
        .and(query_param("created_after", "2026-01-01T00:00:00Z"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(&["a", "b"])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(list_path))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(&["c"])))
        .mount(&server)
        .await;
    mount_interactly_runs(&server, &["a", "b", "c"]).await;
    let out = tempfile::tempdir().unwrap();
    let mut opts = options(System::Interactly, out.path());
    opts.since = Some("2026-01-01T00:00:00Z".into());
    let summary = fetch(engine(&server.uri()), &opts).await.unwrap();
    assert_eq!(
        (summary.listed, summary.downloaded, summary.skipped),
        (3, 3, 0)
    );
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    for id in ["a", "b", "c"] {
        let file = out.path().join(format!("interactly/{id}.json"));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), interactly_run(id));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
    let gets = |reqs: &[wiremock::Request]| {
        reqs.iter()
            .filter(|r| r.url.path().starts_with("/workflows/v1/workflow-runs/"))
            .count()
    };
    assert_eq!(gets(&server.received_requests().await.unwrap()), 3);
    // Resuming: everything is on disk, nothing is downloaded again.
    let again = fetch(engine(&server.uri()), &opts).await.unwrap();
    assert_eq!((again.listed, again.downloaded, again.skipped), (3, 0, 3));
    assert_eq!(gets(&server.received_requests().await.unwrap()), 3);
}

#[tokio::test]
async fn cortex_follows_next_and_noxus_pages_until_empty() {
    let server = MockServer::start().await;
    let runs = "/apps/app1/workflows/wf1/runs";
    Mock::given(method("GET"))
        .and(path(runs))
        .and(query_param("page", "1"))
        .and(query_param("take", "2"))
        .and(query_param_is_missing("next"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [{"id": "c1"}, {"id": "c2"}], "next": "cursor-2"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(runs))
        .and(query_param("next", "cursor-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [{"id": "c3"}]})))
        .mount(&server)
        .await;
    for id in ["c1", "c2", "c3"] {
        answer(
            &server,
            "GET",
            format!("{runs}/{id}"),
            ResponseTemplate::new(200).set_body_json(
                json!({"id": id, "app_id": "app1", "status": "COMPLETED", "usage": {"total": 1}}),
            ),
            None,
        )
        .await;
    }
    let nox = "/v1/workflows/wf1/runs";
    Mock::given(method("GET"))
        .and(path(nox))
        .and(query_param("page", "1"))
        .and(query_param("size", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": "n1"}, {"id": "n2"}])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(nox))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    for id in ["n1", "n2"] {
        answer(
            &server,
            "GET",
            format!("{nox}/{id}"),
            ResponseTemplate::new(200).set_body_json(
                json!({"id": id, "status": "completed", "progress": 100, "output": {}}),
            ),
            None,
        )
        .await;
    }
    let out = tempfile::tempdir().unwrap();
    let engine = engine(&server.uri());
    let c = fetch(engine.clone(), &options(System::Cortex, out.path()))
        .await
        .unwrap();
    assert_eq!((c.listed, c.downloaded), (3, 3));
    let n = fetch(engine, &options(System::Noxus, out.path()))
        .await
        .unwrap();
    assert_eq!((n.listed, n.downloaded), (2, 2));
    let corpus = reprise::corpus::Corpus::load(
        &[out.path().to_path_buf()],
        &reprise::corpus::LoadOptions::default(),
    );
    assert!(corpus.problems.is_empty(), "{:?}", corpus.problems);
    let mut ids: Vec<&str> = corpus.runs.iter().map(|r| r.run_id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, vec!["c1", "c2", "c3", "n1", "n2"]);
}

#[tokio::test]
async fn limits_stop_listing_and_bad_runs_are_reported_not_written() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/workflows/v1/workflow-runs",
        ResponseTemplate::new(200).set_body_json(list(&["a", "bad"])),
        None,
    )
    .await;
    mount_interactly_runs(&server, &["a"]).await;
    answer(
        &server,
        "GET",
        "/workflows/v1/workflow-runs/bad",
        ResponseTemplate::new(200).set_body_string("{\"oops\": "),
        None,
    )
    .await;
    let out = tempfile::tempdir().unwrap();
    let mut opts = options(System::Interactly, out.path());
    opts.limit = Some(1);
    let one = fetch(engine(&server.uri()), &opts).await.unwrap();
    assert_eq!((one.listed, one.downloaded), (1, 1));
    opts.limit = None;
    opts.page_size = 10;
    let all = fetch(engine(&server.uri()), &opts).await.unwrap();
    assert_eq!((all.listed, all.downloaded, all.skipped), (2, 0, 1));
    assert_eq!(all.failed.len(), 1);
    assert_eq!(all.failed[0].0, "bad");
    assert!(!out.path().join("interactly/bad.json").exists());
}

#[tokio::test]
async fn the_cli_fetches_with_the_token_from_the_environment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/workflows/v1/workflow-runs"))
        .and(wiremock::matchers::header(
            "authorization",
            "Bearer env-token",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(&["a"])))
        .mount(&server)
        .await;
    mount_interactly_runs(&server, &["a"]).await;
    let out = tempfile::tempdir().unwrap();
    let uri = server.uri();
    let dir = out.path().to_path_buf();
    let output = tokio::task::spawn_blocking(move || {
        reprise()
            .args(["fetch", "--system", "interactly", "--base-url"])
            .arg(&uri)
            .args(["--token-env", "REPRISE_TEST_FETCH_TOKEN", "--out"])
            .arg(&dir)
            .env("REPRISE_TEST_FETCH_TOKEN", "env-token")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 downloaded"), "{stdout}");
    assert!(!stdout.contains("env-token"));
    assert!(out.path().join("interactly/a.json").exists());
    // Noxus lists are per workflow.
    let status = reprise()
        .args([
            "fetch",
            "--system",
            "noxus",
            "--base-url",
            "http://127.0.0.1:9",
            "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap()
        .status;
    assert_eq!(status.code(), Some(2));
}

#[tokio::test]
async fn cortex_follows_a_next_page_header() {
    let server = MockServer::start().await;
    let runs = "/apps/app1/workflows/wf1/runs";
    Mock::given(method("GET"))
        .and(path(runs))
        .and(query_param_is_missing("next"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([{"id": "c1"}, {"id": "c2"}]))
                .insert_header("x-next-page-token", "2"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(runs))
        .and(query_param("next", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": "c3"}])))
        .mount(&server)
        .await;
    for id in ["c1", "c2", "c3"] {
        answer(
            &server,
            "GET",
            format!("{runs}/{id}"),
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": id, "app_id": "app1", "status": "COMPLETED"})),
            None,
        )
        .await;
    }
    let out = tempfile::tempdir().unwrap();
    let summary = fetch(engine(&server.uri()), &options(System::Cortex, out.path()))
        .await
        .unwrap();
    assert_eq!((summary.listed, summary.downloaded), (3, 3));
}

/// The served corpus, file by file: (system, run_id) → bytes as `reprise serve` holds them.
fn served_runs(corpus: &reprise::corpus::Corpus, system: System) -> BTreeMap<String, Vec<u8>> {
    corpus
        .runs
        .iter()
        .filter(|r| r.system == system)
        .map(|r| (r.run_id.clone(), r.raw.bytes().unwrap().into_owned()))
        .collect()
}

#[tokio::test]
async fn fetching_from_reprise_serve_gives_back_the_served_corpus() {
    let served = crate::common::serve(&["fixtures"]);
    let corpus = reprise::corpus::Corpus::load(
        &[std::path::PathBuf::from("fixtures")],
        &reprise::corpus::LoadOptions::default(),
    );
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_path_buf();
    let url = served.url.clone();
    // Cortex: the list route is served; every run of the workflow comes back byte for byte.
    let workflows: std::collections::BTreeSet<String> = corpus
        .runs
        .iter()
        .filter(|r| r.system == System::Cortex)
        .filter_map(|r| r.workflow_id.clone())
        .collect();
    for workflow in workflows {
        let output = tokio::task::spawn_blocking({
            let (url, dir) = (url.clone(), dir.clone());
            move || {
                reprise()
                    .args([
                        "fetch",
                        "--system",
                        "cortex",
                        "--page-size",
                        "2",
                        "--workflow",
                    ])
                    .arg(&workflow)
                    .args(["--app-id", crate::common::FIXTURE_APP, "--base-url"])
                    .arg(&url)
                    .arg("--out")
                    .arg(&dir)
                    .env("REPRISE_TOKEN", "t")
                    .output()
                    .unwrap()
            }
        })
        .await
        .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let fetched = reprise::corpus::Corpus::load(
        std::slice::from_ref(&dir),
        &reprise::corpus::LoadOptions::default(),
    );
    assert!(fetched.problems.is_empty(), "{:?}", fetched.problems);
    let expected = served_runs(&corpus, System::Cortex);
    assert_eq!(served_runs(&fetched, System::Cortex), expected);
    assert_eq!(expected.len(), 4);
}

//! `reprise fetch` against servers that misbehave (a small axum server in the test): one that
//! pages forever with new ids stops at `--max-pages` (exit 3, named); one that repeats the same
//! page stops at the repeat (exit 0); one that streams a 200 MB page fails naming the URL, having
//! read little more than `--max-response-bytes` (the fetch process's peak RSS is measured).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, Query, State};
use axum::routing::get;
use axum::Router;
use futures_util::StreamExt;
use reprise::engine::http::{ClientConfig, HttpConfig, Token};
use reprise::fetch::{fetch, FetchOptions};
use reprise::model::System;

/// What the fake server answers to `GET /workflows/v1/workflow-runs`.
#[derive(Clone, Copy)]
enum Lister {
    /// Every page full of ids never seen before, forever.
    Forever,
    /// The same full page whatever `page` says.
    Repeat,
    /// One page of `bytes` bytes, streamed (never held by the test).
    Huge { bytes: u64 },
}

struct Fake {
    lister: Lister,
    list_requests: AtomicUsize,
    /// Bytes of list bodies the server handed to hyper (sent or buffered for sending).
    streamed: Arc<AtomicU64>,
}

fn interactly_run(id: &str) -> String {
    format!(
        r#"{{"workflow_run": {{"_id": "{id}", "workflow_run": {{"workflow_run_id": "{id}", "status": "completed", "input_output_pairs": []}}}}}}"#
    )
}

async fn list(State(fake): State<Arc<Fake>>, Query(q): Query<HashMap<String, String>>) -> Body {
    fake.list_requests.fetch_add(1, Ordering::SeqCst);
    let page: u64 = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let size: u64 = q.get("size").and_then(|p| p.parse().ok()).unwrap_or(100);
    let ids = |prefix: String| -> Body {
        let items: Vec<String> = (0..size)
            .map(|i| format!(r#"{{"workflow_run_id": "{prefix}-{i}"}}"#))
            .collect();
        Body::from(format!("[{}]", items.join(",")))
    };
    match fake.lister {
        Lister::Forever => ids(format!("p{page}")),
        Lister::Repeat => ids("same".into()),
        Lister::Huge { bytes } => {
            // One 64 KiB chunk, shared by every piece of the stream: the test allocates it once.
            let item = br#"{"workflow_run_id": "padding-0123456789"},"#;
            let chunk = Bytes::from(item.repeat(65_536 / item.len()));
            let pieces = bytes / chunk.len() as u64;
            let streamed = fake.streamed.clone();
            let head = futures_util::stream::once(async { Ok(Bytes::from_static(b"[")) });
            let body = futures_util::stream::iter(0..pieces).map(move |_| {
                streamed.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                Ok::<Bytes, std::io::Error>(chunk.clone())
            });
            let tail = futures_util::stream::once(async {
                Ok(Bytes::from_static(br#"{"workflow_run_id": "end"}]"#))
            });
            Body::from_stream(head.chain(body).chain(tail))
        }
    }
}

async fn one_run(UrlPath(id): UrlPath<String>) -> String {
    interactly_run(&id)
}

/// Starts the fake Interactly server; its base URL and state.
async fn start(lister: Lister) -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake {
        lister,
        list_requests: AtomicUsize::new(0),
        streamed: Arc::new(AtomicU64::new(0)),
    });
    let app = Router::new()
        .route("/workflows/v1/workflow-runs", get(list))
        .route("/workflows/v1/workflow-runs/{id}", get(one_run))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, fake)
}

/// `reprise fetch --system interactly` with `extra` flags: exit code, stdout, stderr and the
/// process's peak resident set in KiB (from `wait4`, Linux only; 0 elsewhere).
async fn run_fetch(url: &str, out: &Path, extra: &[&str]) -> (Option<i32>, String, String, u64) {
    let url = url.to_owned();
    let out = out.to_path_buf();
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let logs = tempfile::tempdir().unwrap();
        let (stdout, stderr) = (logs.path().join("out"), logs.path().join("err"));
        let mut cmd = crate::common::bin();
        cmd.args(["fetch", "--system", "interactly", "--base-url", &url])
            .arg("--out")
            .arg(&out)
            .args(&extra)
            .env("REPRISE_TOKEN", "t")
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(&stderr).unwrap());
        let child = cmd.spawn().unwrap();
        let (code, max_rss_kib) = wait_with_peak_rss(child);
        (
            code,
            std::fs::read_to_string(&stdout).unwrap(),
            std::fs::read_to_string(&stderr).unwrap(),
            max_rss_kib,
        )
    })
    .await
    .unwrap()
}

/// Waits for `child`; its exit code and peak RSS in KiB (`ru_maxrss` of that child alone).
#[cfg(target_os = "linux")]
fn wait_with_peak_rss(child: std::process::Child) -> (Option<i32>, u64) {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: both out-pointers are valid for the call; `pid` is our own unwaited child (the
    // `Child` handle is never waited on, so the pid cannot have been reaped and reused).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid, "wait4 failed");
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    drop(child);
    (code, usage.ru_maxrss as u64)
}

#[cfg(not(target_os = "linux"))]
fn wait_with_peak_rss(mut child: std::process::Child) -> (Option<i32>, u64) {
    (child.wait().unwrap().code(), 0)
}

fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[tokio::test]
async fn a_server_paging_forever_stops_at_max_pages() {
    let (url, fake) = start(Lister::Forever).await;
    let out = tempfile::tempdir().unwrap();
    let (code, stdout, stderr, _) =
        run_fetch(&url, out.path(), &["--page-size", "2", "--max-pages", "3"]).await;
    assert_eq!(code, Some(3), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(
            "stopped after 3 list page(s) (--max-pages 3) before the server said the list ended"
        ),
        "{stderr}"
    );
    assert_eq!(fake.list_requests.load(Ordering::SeqCst), 3);
    // The runs of the pages read are all written.
    assert!(stdout.contains("6 downloaded"), "{stdout}");
    assert_eq!(files_in(&out.path().join("interactly")), 6);
}

#[tokio::test]
async fn a_server_repeating_its_page_stops_at_the_repeat() {
    let (url, fake) = start(Lister::Repeat).await;
    let out = tempfile::tempdir().unwrap();
    let (code, stdout, stderr, _) = run_fetch(&url, out.path(), &["--page-size", "2"]).await;
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    // Page 2 repeats page 1: it brings no new id, so listing ends there.
    assert_eq!(fake.list_requests.load(Ordering::SeqCst), 2);
    assert!(stdout.contains("fetched 2 interactly run(s)"), "{stdout}");
    assert_eq!(files_in(&out.path().join("interactly")), 2);
}

#[tokio::test]
async fn a_200_mb_page_fails_naming_the_url_without_being_held() {
    const LIMIT: u64 = 8 << 20;
    const PAGE: u64 = 200 << 20;
    let (url, fake) = start(Lister::Huge { bytes: PAGE }).await;
    let out = tempfile::tempdir().unwrap();
    let (code, stdout, stderr, peak_kib) = run_fetch(
        &url,
        out.path(),
        &["--max-response-bytes", &LIMIT.to_string()],
    )
    .await;
    assert_eq!(code, Some(3), "{stdout}\n{stderr}");
    let page_url = format!("{url}/workflows/v1/workflow-runs?page=1&size=100");
    assert!(
        stderr.contains(&format!(
            "the answer of {page_url} is larger than {LIMIT} bytes (--max-response-bytes)"
        )),
        "{stderr}"
    );
    // An oversized answer is not retried: one request.
    assert_eq!(fake.list_requests.load(Ordering::SeqCst), 1);
    // The client stopped reading: the server could hand over the limit plus what the socket
    // buffers hold, far from the whole page.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let streamed = fake.streamed.load(Ordering::Relaxed);
    assert!(streamed < PAGE / 4, "{streamed} bytes were streamed");
    if cfg!(target_os = "linux") {
        // A small multiple of the limit, far below the page (a whole-body read would be > 200 MB).
        assert!(
            peak_kib > 0 && peak_kib < 100 * 1024,
            "peak RSS {peak_kib} KiB"
        );
    }
}

#[tokio::test]
async fn a_run_over_the_limit_fails_alone_naming_its_url() {
    let (url, _fake) = start(Lister::Repeat).await;
    let out = tempfile::tempdir().unwrap();
    let mut tokens = std::collections::BTreeMap::new();
    tokens.insert(System::Interactly, Token::new("t"));
    let engine = reprise::vendors::Registry::builtin()
        .http_engine(HttpConfig {
            client: ClientConfig {
                // A run body is about 110 bytes; the list page of 2 items is under 100.
                max_response_bytes: 100,
                ..ClientConfig::default()
            },
            base_urls: System::ALL.iter().map(|s| (*s, url.clone())).collect(),
            tokens,
            ..HttpConfig::default()
        })
        .unwrap();
    let options = FetchOptions {
        system: System::Interactly,
        workflow_id: None,
        since: None,
        limit: None,
        out: out.path().to_path_buf(),
        page_size: 2,
        max_pages: 5,
        concurrency: 2,
        progress: false,
    };
    let summary = fetch(Arc::new(engine), &options).await.unwrap();
    assert_eq!((summary.listed, summary.downloaded), (2, 0));
    assert_eq!(summary.failed.len(), 2);
    for (id, why) in &summary.failed {
        let run_url = format!("{url}/workflows/v1/workflow-runs/{id}");
        assert!(
            why.contains(&format!("the answer of {run_url} is larger than 100 bytes")),
            "{why}"
        );
    }
    assert_eq!(files_in(&out.path().join("interactly")), 0);
}

//! `reprise serve` under connection pressure and faults, through the binary: it keeps answering
//! while 200 idle connections are open under a 128 file-handle limit (by the connection cap,
//! and, with the cap set above the limit, by surviving EMFILE on accept), closes idle and
//! half-sent connections by its timeouts, answers 408 to a trickled body, and logs injected
//! faults as what was really sent.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Stdio;

use crate::common::{bin, Served};
use std::time::{Duration, Instant};

/// An Interactly recording of the fixtures (read from disk per answer: it needs a handle).
const RUN: &str = "/v1/workflow-runs/69a59566eec3645a209c3946";

/// A running `reprise serve` over the fixtures; killed when dropped.
struct Serve {
    _served: Served,
    /// `127.0.0.1:PORT`.
    addr: String,
    stderr: PathBuf,
    _dir: tempfile::TempDir,
}

impl Serve {
    /// Starts the binary with `extra` flags and, on Unix, `nofile` as its file-handle limit.
    fn start(extra: &[&str], nofile: Option<u64>) -> Serve {
        let dir = tempfile::tempdir().unwrap();
        let stderr = dir.path().join("stderr.log");
        let mut cmd = bin();
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["serve", "fixtures", "--addr", "127.0.0.1:0"])
            .args(extra)
            .stderr(Stdio::from(std::fs::File::create(&stderr).unwrap()));
        #[cfg(unix)]
        if let Some(n) = nofile {
            use std::os::unix::process::CommandExt;
            // SAFETY: setrlimit is async-signal-safe and touches nothing of the parent.
            unsafe {
                cmd.pre_exec(move || {
                    let limit = libc::rlimit {
                        rlim_cur: n as libc::rlim_t,
                        rlim_max: n as libc::rlim_t,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        #[cfg(not(unix))]
        let _ = nofile;
        let served = Served::spawn(&mut cmd);
        let addr = served
            .url
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("no http:// in {:?}", served.url))
            .to_owned();
        Serve {
            _served: served,
            addr,
            stderr,
            _dir: dir,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap()
    }
}

/// One request on a fresh connection (`Connection: close`): the status line and the body.
fn request(addr: &str, head: &str, body: &[u8]) -> std::io::Result<(String, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let text = String::from_utf8_lossy(&answer);
    let status = text.lines().next().unwrap_or_default().to_owned();
    let body = match answer.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(at) => answer[at + 4..].to_vec(),
        None => Vec::new(),
    };
    Ok((status, body))
}

fn get(addr: &str, path: &str) -> std::io::Result<(String, Vec<u8>)> {
    request(
        addr,
        &format!(
            "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nConnection: close\r\n\r\n"
        ),
        b"",
    )
}

/// 200 connections: half send nothing, half half a request head.
fn idle_connections(addr: &str) -> Vec<TcpStream> {
    (0..200)
        .map(|i| {
            let mut s = TcpStream::connect(addr).unwrap();
            if i % 2 == 1 {
                s.write_all(b"GET /v1/workflow-runs/x HTTP/1.1\r\nHost: x\r\n")
                    .unwrap();
            }
            s
        })
        .collect()
}

/// Waits until every connection was closed by the server; how many still were not by then.
fn still_open_after(conns: &mut [TcpStream], deadline: Duration) -> usize {
    let until = Instant::now() + deadline;
    conns
        .iter_mut()
        .filter(|s| {
            let mut s: &TcpStream = s;
            let left = until.saturating_duration_since(Instant::now());
            s.set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .unwrap();
            let mut buf = [0u8; 512];
            loop {
                match s.read(&mut buf) {
                    Ok(0) => return false,
                    // A header timeout may answer before closing; read on to the end.
                    Ok(_) => continue,
                    Err(e) => {
                        return matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        )
                    }
                }
            }
        })
        .count()
}

/// The GET of a recording succeeds within `within` while `conns` are open.
#[track_caller]
fn answers_within(serve: &Serve, within: Duration) {
    let started = Instant::now();
    let (status, body) = get(&serve.addr, RUN).unwrap_or_else(|e| {
        panic!(
            "GET failed after {:?}: {e}\n{}",
            started.elapsed(),
            serve.log()
        )
    });
    let took = started.elapsed();
    assert_eq!(status, "HTTP/1.1 200 OK", "{}", serve.log());
    assert!(body.starts_with(b"{"), "{}", String::from_utf8_lossy(&body));
    assert!(took < within, "the GET took {took:?}");
}

#[cfg(unix)]
#[test]
fn serve_keeps_answering_with_200_idle_connections_under_128_handles() {
    let serve = Serve::start(
        &["--header-timeout-ms", "5000", "--idle-timeout-secs", "6"],
        Some(128),
    );
    let mut conns = idle_connections(&serve.addr);
    // The default cap (128 less 32) is reached: the GET takes the place of an idle connection
    // at once, long before any timeout could free a handle.
    answers_within(&serve, Duration::from_secs(3));
    // Every idle and half-sent connection is closed: by eviction or by the header timeout.
    assert_eq!(still_open_after(&mut conns, Duration::from_secs(10)), 0);
    answers_within(&serve, Duration::from_secs(1));
    let log = serve.log();
    assert!(log.contains(&format!("GET {RUN} 200 ")), "{log}");
    assert!(!log.contains(" 500 "), "{log}");
}

#[cfg(unix)]
#[test]
fn serve_survives_running_out_of_handles_on_accept() {
    // A cap above the handle limit: accept fails with EMFILE until the header timeout frees
    // handles; the server pauses, retries, and answers.
    let serve = Serve::start(
        &[
            "--header-timeout-ms",
            "1000",
            "--idle-timeout-secs",
            "2",
            "--max-connections",
            "1000",
        ],
        Some(128),
    );
    let mut conns = idle_connections(&serve.addr);
    answers_within(&serve, Duration::from_secs(8));
    assert_eq!(still_open_after(&mut conns, Duration::from_secs(5)), 0);
    answers_within(&serve, Duration::from_secs(1));
    let log = serve.log();
    assert!(log.contains("cannot accept a connection"), "{log}");
    assert!(log.contains(&format!("GET {RUN} 200 ")), "{log}");
}

#[test]
fn the_idle_timeout_closes_a_quiet_keep_alive_connection() {
    // A header timeout far away: only the idle timeout can close these.
    let serve = Serve::start(
        &["--header-timeout-ms", "60000", "--idle-timeout-secs", "1"],
        None,
    );
    let mut kept = TcpStream::connect(&serve.addr).unwrap();
    kept.write_all(
        format!("GET {RUN} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n").as_bytes(),
    )
    .unwrap();
    // Read the answer to its end (Content-Length), leaving the connection open and quiet.
    let mut reader = BufReader::new(kept.try_clone().unwrap());
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).unwrap();
    assert!(body.starts_with(b"{"));
    let started = Instant::now();
    let mut conns = vec![kept, TcpStream::connect(&serve.addr).unwrap()];
    assert_eq!(still_open_after(&mut conns, Duration::from_secs(5)), 0);
    assert!(started.elapsed() >= Duration::from_millis(500));
}

#[test]
fn a_trickled_body_gets_408_within_the_idle_timeout() {
    let serve = Serve::start(&["--idle-timeout-secs", "1"], None);
    let started = Instant::now();
    let (status, _) = request(
        &serve.addr,
        "POST /workflows/v1/workflows/w/execute HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n",
        b"{",
    )
    .unwrap();
    assert_eq!(status, "HTTP/1.1 408 Request Timeout");
    assert!(started.elapsed() < Duration::from_secs(5));
    let log = serve.log();
    assert!(
        log.contains("POST /workflows/v1/workflows/w/execute 408 "),
        "{log}"
    );
}

#[test]
fn injected_faults_are_logged_as_sent() {
    let malformed = Serve::start(&["--malformed-rate", "1"], None);
    let (status, body) = get(&malformed.addr, RUN).unwrap();
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(serde_json::from_slice::<serde_json::Value>(&body).is_err());
    let log = malformed.log();
    assert!(
        log.contains(&format!("GET {RUN} 200 malformed-injected ")),
        "{log}"
    );

    let dropped = Serve::start(&["--drop-rate", "1"], None);
    // The headers go out, then the connection is cut: no complete answer.
    let _ = get(&dropped.addr, RUN);
    let errors = Serve::start(
        &["--error-rate", "1", "--delay-rate", "1", "--delay-ms", "1"],
        None,
    );
    let (status, _) = get(&errors.addr, RUN).unwrap();
    assert!(status.starts_with("HTTP/1.1 5"), "{status}");
    let log = dropped.log();
    assert!(
        log.contains(&format!("GET {RUN} 200 dropped-injected ")),
        "{log}"
    );
    let log = errors.log();
    assert!(log.contains(" error-injected "), "{log}");
}

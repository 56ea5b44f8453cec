//! `reprise serve`: loads the recordings and runs the recorded engine behind the vendors' HTTP
//! routes (`crate::server`) until Ctrl-C or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::corpus::{Corpus, LoadOptions};
use crate::engine::{FaultConfig, RecordedEngine};
use crate::error::{InputError, RuntimeError, UsageError};
use crate::server::{self, ServeOptions};
use crate::{Error, ExitStatus};

/// What `reprise serve` was asked.
#[derive(Debug, Clone)]
pub struct ServeCommand {
    /// Files or folders of recorded runs (default: fixtures/).
    pub paths: Vec<PathBuf>,
    /// More recordings the engine may answer with.
    pub recordings: Vec<PathBuf>,
    /// Address to listen on (port 0: a free one).
    pub addr: SocketAddr,
    /// The environment variable whose value is the required token (else any token).
    pub token_env: Option<String>,
    /// Sleep each turn's recorded LLM latency times this factor.
    pub latency_factor: f64,
    /// Do not log requests on stderr.
    pub quiet: bool,
    /// Time a connection has to send a whole request head, in milliseconds.
    pub header_timeout_ms: u64,
    /// Idle time after which a connection is closed, in seconds.
    pub idle_timeout_secs: u64,
    /// Connections held at once (default: from the file-handle limit).
    pub max_connections: Option<usize>,
    /// The faults to inject (validated here).
    pub faults: FaultConfig,
}

/// Runs `serve` until Ctrl-C or SIGTERM.
pub fn run(args: ServeCommand) -> Result<ExitStatus, Error> {
    let token = match &args.token_env {
        None => None,
        Some(var) => match std::env::var(var) {
            Ok(v) if !v.trim().is_empty() => Some(v.trim().to_owned()),
            _ => return Err(UsageError::TokenEnvUnset { var: var.clone() }.into()),
        },
    };
    let faults = args.faults;
    faults
        .validate()
        .map_err(|why| UsageError::Faults { why })?;
    if !(args.latency_factor >= 0.0 && args.latency_factor.is_finite()) {
        return Err(UsageError::LatencyFactor {
            value: args.latency_factor,
        }
        .into());
    }
    if args.header_timeout_ms == 0 || args.idle_timeout_secs == 0 || args.max_connections == Some(0)
    {
        return Err(UsageError::ServeLimitZero.into());
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("fixtures")]
    } else {
        args.paths.clone()
    };
    // Only file offsets are kept: a large recording set is read from disk per answer.
    let options = LoadOptions {
        format: None,
        keep_raw: false,
        digest: false,
        ..LoadOptions::default()
    };
    let cases = Corpus::load(&paths, &options);
    let recordings = Corpus::load(&args.recordings, &options);
    let problems = cases.problems.len() + recordings.problems.len();
    if problems > 0 {
        eprintln!(
            "reprise serve: {problems} bad file(s), document(s) or line(s) skipped (see `reprise validate`)"
        );
    }
    let engine = RecordedEngine::from_corpora(&[&cases, &recordings])
        .with_latency_factor(args.latency_factor);
    if engine.runs().is_empty() {
        let searched: Vec<PathBuf> = paths.iter().chain(&args.recordings).cloned().collect();
        return Err(InputError::NothingFound {
            what: "runs",
            paths: searched,
        }
        .into());
    }
    let count = engine.runs().len();
    let server = crate::vendors::Registry::builtin()
        .server(
            Arc::new(engine),
            ServeOptions {
                token,
                faults,
                log: !args.quiet,
                connections: server::ConnectionOptions {
                    header_timeout: Duration::from_millis(args.header_timeout_ms),
                    idle_timeout: Duration::from_secs(args.idle_timeout_secs),
                    max_connections: args.max_connections,
                },
            },
        )
        .map_err(|why| UsageError::ServeOptions { why })?;
    drop((cases, recordings));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(RuntimeError::AsyncRuntime)?;
    runtime.block_on(async move {
        let listener = server::bind(args.addr)
            .await
            .map_err(|source| RuntimeError::Listen {
                addr: args.addr,
                source,
            })?;
        let local = listener.local_addr().map_err(RuntimeError::LocalAddr)?;
        // The first stdout line is the address (tests and scripts read it; port 0 picks one).
        let mut out = std::io::stdout();
        let _ = writeln!(out, "listening on http://{local}");
        let _ = out.flush();
        eprintln!("reprise serve: {count} recorded run(s) on http://{local}; Ctrl-C to stop");
        server
            .serve(listener, server::shutdown_signal())
            .await
            .map_err(RuntimeError::Server)?;
        eprintln!("reprise serve: stopped");
        Ok(ExitStatus::Success)
    })
}

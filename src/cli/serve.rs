//! `reprise serve [PATH...] [--recordings DIR] --addr 127.0.0.1:PORT`: the recorded engine
//! behind the vendors' HTTP routes: the flags of [`crate::commands::serve`].

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::commands::serve::ServeCommand;
use crate::engine::FaultConfig;
use crate::server;
use crate::{Error, ExitStatus};

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders of recorded runs (default: fixtures/).
    pub paths: Vec<PathBuf>,
    /// More recordings the engine may answer with (repeatable).
    #[arg(long, value_name = "DIR")]
    pub recordings: Vec<PathBuf>,
    /// Address to listen on; port 0 picks a free port (the address is printed on stdout).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Require this environment variable's value as the token (else any token is accepted).
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    /// Sleep each turn's recorded LLM latency times this factor (0 = answer at once).
    #[arg(long, default_value_t = 0.0, value_name = "FACTOR")]
    pub latency_factor: f64,
    /// Do not log requests on stderr.
    #[arg(long)]
    pub quiet: bool,
    /// Time a connection has to send a whole request head, in milliseconds, counted from when
    /// it is ready for one: a client that sends nothing or half a header, or an idle keep-alive
    /// connection, is closed after it.
    #[arg(long, value_name = "MS", default_value_t = server::DEFAULT_HEADER_TIMEOUT.as_millis() as u64)]
    pub header_timeout_ms: u64,
    /// A connection that moves no byte either way for this long while none of its requests is
    /// being handled (a client that stopped reading) is closed; request bodies must arrive
    /// within it too (else 408). In seconds.
    #[arg(long, value_name = "SECS", default_value_t = server::DEFAULT_IDLE_TIMEOUT.as_secs())]
    pub idle_timeout_secs: u64,
    /// Connections held at once (default: the file-handle limit less an eighth, at least 32,
    /// kept for reading recordings). At the cap a new connection takes the place of the one
    /// idle longest, or waits while all are busy.
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    #[command(flatten)]
    pub faults: FaultArgs,
}

/// Fault injection flags (deterministic from `--fault-seed`).
#[derive(Debug, Clone, clap::Args)]
pub struct FaultArgs {
    /// Seed of the fault PRNG.
    #[arg(long, default_value_t = 0, value_name = "SEED")]
    pub fault_seed: u64,
    /// Share of requests answered 5xx (0..1).
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    pub error_rate: f64,
    /// Share of requests answered 429 with Retry-After (0..1).
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    pub rate_limit_rate: f64,
    /// Retry-After of injected 429s, in milliseconds (sent rounded up to seconds).
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    pub retry_after_ms: u64,
    /// Share of requests answered with a malformed body (0..1).
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    pub malformed_rate: f64,
    /// Share of requests whose connection is dropped (0..1).
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    pub drop_rate: f64,
    /// Share of requests delayed by --delay-ms (0..1).
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    pub delay_rate: f64,
    /// Injected delay, in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub delay_ms: u64,
}

impl From<&FaultArgs> for FaultConfig {
    fn from(a: &FaultArgs) -> FaultConfig {
        FaultConfig {
            seed: a.fault_seed,
            error_rate: a.error_rate,
            rate_limit_rate: a.rate_limit_rate,
            retry_after_ms: a.retry_after_ms,
            malformed_rate: a.malformed_rate,
            drop_rate: a.drop_rate,
            delay_rate: a.delay_rate,
            delay_ms: a.delay_ms,
        }
    }
}

/// Runs `serve` (see [`crate::commands::serve::run`]).
pub fn run(args: Args) -> Result<ExitStatus, Error> {
    let faults = FaultConfig::from(&args.faults);
    crate::commands::serve::run(ServeCommand {
        paths: args.paths,
        recordings: args.recordings,
        addr: args.addr,
        token_env: args.token_env,
        latency_factor: args.latency_factor,
        quiet: args.quiet,
        header_timeout_ms: args.header_timeout_ms,
        idle_timeout_secs: args.idle_timeout_secs,
        max_connections: args.max_connections,
        faults,
    })
}

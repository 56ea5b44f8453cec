//! `reprise run [PATH...]`: replay every case through an engine, evaluate, write the reports.
//! Parses the flags into [`RunOptions`] once, supplies the engine built from the engine flags
//! ([`Setup`]) and calls [`pipeline::run`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::cli::engine_args::{EngineArgs, EngineKind};
use crate::config::Config;
use crate::corpus::{Filter, Index, Shard};
use crate::engine::http::InFlight;
use crate::engine::record::RecordingEngine;
use crate::engine::{Engine, FaultConfig, FaultyEngine, RecordedEngine};
use crate::error::UsageError;
use crate::pipeline::{self, RunOptions, Setup};
use crate::replay::{self, Selection};
use crate::{Error, ExitStatus};

/// Arguments of `run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Corpus files or folders (default: fixtures/).
    pub paths: Vec<PathBuf>,
    /// Engine flags (`--engine recorded|http`, live API settings, record mode).
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Replay at this workflow version (default: each case's recorded one). Never applies to
    /// evaluators.
    #[arg(long)]
    pub version: Option<i64>,
    /// More recordings the engine may answer with (repeatable); never cases.
    #[arg(long, value_name = "DIR")]
    pub recordings: Vec<PathBuf>,
    /// The output folder of `reprise impact`: replay only the cases its impact.csv classes
    /// `diverges` or `undetermined`; the `unaffected` ones are answered from their recordings.
    #[arg(long, value_name = "DIR")]
    pub impact: Option<PathBuf>,
    /// Report folder.
    #[arg(long, default_value = "reports/latest", value_name = "DIR")]
    pub out: PathBuf,
    /// Cases in flight (default: the number of CPUs; with `--engine http`, the HTTP
    /// concurrency, since a live engine is I/O-bound).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Per-case timeout of the replay, in seconds. The evaluation is bounded apart: by the
    /// evaluation wait (`--eval-wait-secs`) on a live engine.
    #[arg(long, default_value_t = 120.0, value_name = "SECS")]
    pub timeout: f64,
    /// Skip the cases already in the report folder's journal.
    #[arg(long)]
    pub resume: bool,
    /// Like --resume, but replay the `error` cases again.
    #[arg(long)]
    pub retry_errors: bool,
    /// Only the K-th of N deterministic shards (by run id).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// Only cases matching KEY=VALUE (workflow, version, system, status; repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub filter: Vec<Filter>,
    /// Only N cases, chosen by --seed.
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,
    /// Seed for --sample.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Replay each case N times.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub repeat: u32,
    /// With --repeat N: a case passes when at least K repeats pass (default N).
    #[arg(long, value_name = "K")]
    pub pass_threshold: Option<u32>,
    /// Evaluator workflow instead of each config's evaluation_config.
    #[arg(long, value_name = "ID[@VERSION]")]
    pub evaluator: Option<String>,
    /// Post each verdict as a comment on the replayed run.
    #[arg(long)]
    pub comment: bool,
    /// Exit 1 when any case fails.
    #[arg(long)]
    pub fail_on_failures: bool,
    /// A history file (`reprise history append`): report.html draws its trend.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Snapshot folder.
    #[arg(
        long,
        default_value = "snapshots",
        value_name = "DIR",
        env = "REPRISE_SNAPSHOTS"
    )]
    pub snapshots: PathBuf,
    #[command(flatten)]
    pub snapshot: super::snapshots::RunArgs,
    /// No progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Recorded engine: sleep each recorded LLM latency times this factor (0: no sleep).
    #[arg(long, default_value_t = 0.0, value_name = "FACTOR")]
    pub latency_replay: f64,
    /// Fault injection: this share of engine calls fails with a server error (0–1).
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    pub inject_errors: f64,
    /// Seed of the injected faults.
    #[arg(long, default_value_t = 0)]
    pub fault_seed: u64,
}

/// Builds the chosen engine over the cases and the extra recordings.
fn build_engine(
    args: &Args,
    corpus: &Arc<Index>,
    recordings: &Arc<Index>,
) -> Result<Arc<dyn Engine>, Error> {
    let recorded = || {
        RecordedEngine::from_indexes(vec![corpus.clone(), recordings.clone()])
            .with_latency_factor(args.latency_replay)
    };
    if args.inject_errors > 0.0
        && (args.engine.engine != EngineKind::Recorded || args.engine.record)
    {
        return Err(UsageError::RecordedEngineOnly {
            flag: "--inject-errors",
        }
        .into());
    }
    Ok(match (args.engine.engine, args.engine.record) {
        (_, true) => Arc::new(RecordingEngine::new(
            Arc::new(recorded()),
            Arc::new(args.engine.http_engine()?),
            args.engine.record_dir.clone(),
        )),
        (EngineKind::Recorded, false) if args.inject_errors > 0.0 => {
            let faults = FaultConfig {
                seed: args.fault_seed,
                error_rate: args.inject_errors,
                ..FaultConfig::default()
            };
            faults
                .validate()
                .map_err(|why| UsageError::Faults { why })?;
            Arc::new(FaultyEngine::new(recorded(), faults))
        }
        (EngineKind::Recorded, false) => Arc::new(recorded()),
        (EngineKind::Http, false) => Arc::new(args.engine.http_engine()?),
    })
}

/// The bound on judging one replayed run: the replay timeout for the embedded engine (whose
/// evaluations are recorded); for a live one, the evaluation wait plus room for reading the
/// run, the evaluation and its result.
fn eval_timeout(args: &Args) -> Duration {
    let replay = secs(args.timeout);
    if args.engine.is_live() {
        Duration::from_secs(args.engine.eval_wait_secs)
            + Duration::from_millis(args.engine.request_timeout_ms) * 3
    } else {
        replay
    }
}

/// A number of seconds as a duration; a negative, infinite or huge one is zero (which
/// [`pipeline`] refuses as a usage error).
fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or(Duration::ZERO)
}

impl Args {
    /// The typed options of the run, every default resolved.
    fn options(&self) -> RunOptions {
        let live = self.engine.is_live();
        let jobs = self
            .jobs
            .unwrap_or_else(|| {
                if self.engine.engine == EngineKind::Http {
                    self.engine.http_concurrency
                } else {
                    std::thread::available_parallelism().map_or(4, |n| n.get())
                }
            })
            .max(1);
        RunOptions {
            paths: self.paths.clone(),
            recordings: self.recordings.clone(),
            out: self.out.clone(),
            selection: Selection {
                filters: self.filter.clone(),
                sample: self.sample,
                seed: self.seed,
                shard: self.shard,
            },
            replay: replay::Options {
                version: self.version,
                jobs,
                timeout: secs(self.timeout),
                eval_timeout: eval_timeout(self),
                // The live clients retry each request themselves; the replay retries only for
                // the embedded engine (whose only retryable errors are injected faults).
                retries: if live { 0 } else { self.engine.retries },
                live: self.engine.engine == EngineKind::Http || self.engine.record,
                refuse_side_effects: self.engine.engine == EngineKind::Http
                    && !self.engine.allow_side_effects,
                in_flight: live.then(|| Arc::new(InFlight::new())),
                repeat: self.repeat,
                pass_threshold: self.pass_threshold,
                ..replay::Options::default()
            },
            evaluator: self.evaluator.clone(),
            comment: self.comment,
            resume: self.resume,
            retry_errors: self.retry_errors,
            progress: !self.no_progress,
            fail_on_failures: self.fail_on_failures,
            impact: self.impact.clone(),
            history: self.history.clone(),
            snapshots: self.snapshot.options(self.snapshots.clone()),
        }
    }
}

/// The parts of the run that come from other commands' flags and files.
struct CliSetup<'a> {
    args: &'a Args,
}

impl Setup for CliSetup<'_> {
    fn engine(
        &self,
        corpus: &Arc<Index>,
        recordings: &Arc<Index>,
    ) -> Result<Arc<dyn Engine>, Error> {
        build_engine(self.args, corpus, recordings)
    }
}

/// Runs `run`.
pub fn run(args: Args, config: &Config) -> Result<ExitStatus, Error> {
    pipeline::run(args.options(), config, &CliSetup { args: &args })
}

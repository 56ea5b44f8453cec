//! `reprise run [PATH...]`: replay every case through an engine, evaluate, write the reports.
//! Parses flags, loads the corpus, builds the engine and calls [`crate::replay::run`].

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::cli::engine_args::{EngineArgs, EngineKind};
use crate::config::Config;
use crate::corpus::{Corpus, Filter, LoadOptions, Shard};
use crate::engine::http::InFlight;
use crate::engine::record::RecordingEngine;
use crate::engine::{Engine, FaultConfig, FaultyEngine, RecordedEngine};
use crate::error::{InputError, RuntimeError, UsageError};
use crate::replay::{self, Selection};
use crate::report::{terminal, RunMeta};
use crate::{eval, Error, ExitStatus};

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

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Builds the chosen engine over the cases and the extra recordings.
fn build_engine(
    args: &Args,
    corpus: &Corpus,
    recordings: &Corpus,
) -> Result<Arc<dyn Engine>, Error> {
    let recorded = || {
        RecordedEngine::from_corpora(&[corpus, recordings]).with_latency_factor(args.latency_replay)
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
    let replay = Duration::from_secs_f64(args.timeout);
    if args.engine.is_live() {
        Duration::from_secs(args.engine.eval_wait_secs)
            + Duration::from_millis(args.engine.request_timeout_ms) * 3
    } else {
        replay
    }
}

/// Runs `run`.
pub fn run(args: Args, config: &Config) -> Result<ExitStatus, Error> {
    let started_at = now();
    if args.repeat == 0 {
        return Err(UsageError::RepeatZero.into());
    }
    if args
        .pass_threshold
        .is_some_and(|k| k == 0 || k > args.repeat)
    {
        return Err(UsageError::PassThreshold {
            repeat: args.repeat,
        }
        .into());
    }
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        return Err(UsageError::Timeout.into());
    }
    // One redactor for everything this run writes or prints.
    let redactor = super::snapshots::redactor_for(config)?;
    let mut settings = eval::Settings::from_config(&config.evaluation);
    settings.comment = args.comment;
    settings.redactor = redactor.clone();
    if let Some(e) = &args.evaluator {
        settings.evaluator = Some(eval::parse_evaluator(e).map_err(UsageError::from)?);
    }

    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("fixtures")]
    } else {
        args.paths.clone()
    };
    let load_started = std::time::Instant::now();
    // The manifest's corpus digest hashes every case document: done while each file is read.
    let corpus = Corpus::load(
        &paths,
        &LoadOptions {
            digest: true,
            ..LoadOptions::default()
        },
    );
    let recordings = if args.recordings.is_empty() {
        Corpus::default()
    } else {
        Corpus::load(&args.recordings, &LoadOptions::default())
    };
    let load_secs = load_started.elapsed().as_secs_f64();
    let mut status = ExitStatus::Success;
    for p in corpus.problems.iter().chain(&recordings.problems) {
        // A problem may quote the data it could not read: its message is redacted, its path
        // and JSON location are not (they say where to look).
        let redacted = crate::formats::Problem {
            message: redactor.line(None, &p.message),
            ..p.clone()
        };
        eprintln!("error: {redacted}");
        status = status.worst(ExitStatus::Input);
    }
    for w in corpus.warnings.iter().chain(&recordings.warnings) {
        eprintln!("warning: {w}");
    }
    // A corpus of nothing is no green run (`--check` included): an input error.
    if corpus.runs.is_empty() {
        return Err(InputError::NothingFound {
            what: "runs",
            paths,
        }
        .into());
    }
    if corpus.cases().next().is_none() {
        return Err(InputError::OnlyEvaluationRuns {
            paths,
            runs: corpus.runs.len(),
        }
        .into());
    }

    let selection = Selection {
        filters: args.filter.clone(),
        sample: args.sample,
        seed: args.seed,
        shard: args.shard,
    };
    let cases = selection.apply(corpus.cases());
    let mut engine = build_engine(&args, &corpus, &recordings)?;
    let mut carried = None;
    if let Some(dir) = &args.impact {
        let (e, c) = crate::impact::carry::carrying(dir, &cases, &corpus, engine)
            .map_err(|e| Error::Input(InputError::ImpactPlan(Box::new(e))))?;
        (engine, carried) = (e, Some(c));
    }
    let carried_note = carried
        .as_ref()
        .map(|c| (c.cases.len(), c.replayed + c.unlisted));
    let meta = RunMeta {
        engine: engine.name().to_owned(),
        version: args.version,
        seed: args.sample.map(|_| args.seed),
        shard: args.shard.map(|s| format!("{}/{}", s.index, s.count)),
        corpus_digest: replay::corpus_digest(&corpus.runs),
        git_sha: crate::report::git_sha(),
        started_at,
        ended_at: String::new(),
        interrupted: false,
        history: super::history::load(args.history.as_deref())?,
        carried,
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| {
            if args.engine.engine == EngineKind::Http {
                args.engine.http_concurrency
            } else {
                std::thread::available_parallelism().map_or(4, |n| n.get())
            }
        })
        .max(1);
    let options = replay::Options {
        version: args.version,
        jobs,
        timeout: Duration::from_secs_f64(args.timeout),
        eval_timeout: eval_timeout(&args),
        // The live clients retry each request themselves; the replay retries only for the
        // embedded engine (whose only retryable errors are injected faults).
        retries: if args.engine.is_live() {
            0
        } else {
            args.engine.retries
        },
        live: args.engine.engine == EngineKind::Http || args.engine.record,
        refuse_side_effects: args.engine.engine == EngineKind::Http
            && !args.engine.allow_side_effects,
        in_flight: args.engine.is_live().then(|| Arc::new(InFlight::new())),
        repeat: args.repeat,
        pass_threshold: args.pass_threshold,
        resume: args.resume,
        retry_errors: args.retry_errors,
        progress: !args.no_progress,
        out: args.out.clone(),
        redactor: redactor.clone(),
    };
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(jobs.max(1));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(RuntimeError::AsyncRuntime)?;
    // The snapshot stage fills the `snapshot` column; every selected case's snapshot belongs
    // to this run (resumed ones too), the rest are orphans when nothing was filtered out.
    let snapshots = Arc::new(super::snapshots::stage_for(
        &args.snapshot,
        &args.snapshots,
        redactor.clone(),
    )?);
    cases.iter().for_each(|c| snapshots.mark_seen(c));
    let whole_corpus = args.filter.is_empty() && args.sample.is_none() && args.shard.is_none();
    let replay_started = std::time::Instant::now();
    let summary = runtime
        .block_on(replay::run(
            engine,
            cases,
            settings,
            snapshots.clone(),
            options,
            meta,
        ))
        .map_err(|e| match e {
            replay::ReplayError::Report(r) => Error::io(r.path, r.source),
            replay::ReplayError::Journal { path, source } => Error::io(path, source),
        })?;

    let replay_secs = replay_started.elapsed().as_secs_f64();
    // A closed stdout (`| head`) must not turn a finished run into a panic.
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "{}", terminal::render(&summary.stats));
    let _ = writeln!(
        out,
        "loaded       {} runs from {} files ({:.1} MB) in {:.2} s",
        corpus.runs.len() + recordings.runs.len(),
        corpus.files + recordings.files,
        (corpus.bytes + recordings.bytes) as f64 / 1e6,
        load_secs
    );
    let _ = writeln!(
        out,
        "replayed     {} cases in {:.2} s ({:.0} cases/s)",
        summary.replayed,
        replay_secs,
        summary.replayed as f64 / replay_secs.max(1e-9)
    );
    if let Some((carried, replayed)) = carried_note {
        let _ = writeln!(
            out,
            "carried      {carried} unaffected cases from their recordings; {replayed} went to the engine"
        );
    }
    if summary.resumed > 0 {
        let _ = writeln!(
            out,
            "resumed      {} cases from the journal, {} replayed now",
            summary.resumed, summary.replayed
        );
    }
    if summary.journal_bad_lines > 0 {
        eprintln!(
            "warning: {} unreadable journal line(s) skipped; those cases ran again",
            summary.journal_bad_lines
        );
    }
    // A snapshot that could not be written is lost work: the run fails naming each file.
    let (snapshot_failures, snapshot_errors) = &summary.snapshot_errors;
    for e in snapshot_errors {
        eprintln!("error: snapshot {e}");
    }
    if *snapshot_failures > 0 {
        let more = *snapshot_failures - snapshot_errors.len() as u64;
        if more > 0 {
            eprintln!("error: {more} more snapshot file(s) could not be written");
        }
        status = status.worst(ExitStatus::Engine);
    }
    if summary.comment_errors > 0 {
        eprintln!(
            "warning: {} comment(s) could not be posted",
            summary.comment_errors
        );
    }
    let _ = writeln!(out, "reports      {}", args.out.display());
    drop(out);
    status = status.worst(super::snapshots::finish_run(
        &snapshots,
        &args.snapshot,
        &args.out,
        whole_corpus,
        (summary.stats.snapshots_changed, summary.stats.snapshots_new),
    )?);
    let all = &summary.stats.all;
    if summary.interrupted {
        eprintln!(
            "interrupted: the report covers the cases finished so far; run again with --resume"
        );
        status = status.worst(ExitStatus::Engine);
    }
    if all.errored > 0 {
        status = status.worst(ExitStatus::Engine);
    }
    if args.fail_on_failures && all.failed > 0 {
        status = status.worst(ExitStatus::Regression);
    }
    // The `[gate]` thresholds of reprise.toml, when given, judge the report just written
    // (not a partial one: an interrupted run is resumed first).
    if !summary.interrupted {
        status = status.worst(super::gate::after_run(&args.out, config)?);
    }
    // The process ends right after: freeing every run one by one would only add to the wall
    // time (about a tenth of a second per 10,000 cases), so the memory goes back with the process.
    std::mem::forget(corpus);
    std::mem::forget(recordings);
    Ok(status)
}

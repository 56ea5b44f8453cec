//! Replay: every selected case through an engine, evaluated, reported.
//!
//! Cases run with bounded concurrency (`--jobs`) under a per-case timeout. Each finished case
//! is appended to `journal.jsonl` at once (finish order); the reports receive rows in run id
//! order through a bounded reorder window, so their content does not depend on `--jobs`.
//! `--resume` takes finished rows from the journal instead of replaying them (`--retry-errors`
//! replays the `error` ones again). Ctrl-C stops dispatching, lets in-flight cases finish and
//! writes the reports for what finished.

mod drive;
mod select;

pub use drive::{live_hints, replay, turn_input, with_retries, DriveError, Progress, Replayed};
pub use select::{corpus_digest, Selection};

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use crate::engine::http::InFlight;
use crate::engine::{Engine, EngineError};
use crate::eval;
use crate::model::Run;
use crate::redact::Redactor;
use crate::report::{journal, CaseRow, Repeats, Report, ReportError, RunMeta, Stats, Verdict};
use crate::snapshot::SnapshotError;

pub use crate::snapshot::{NoSnapshots, SnapshotCheck};

/// How to replay.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--version`: the version to replay at (default: each case's own).
    pub version: Option<i64>,
    /// `--jobs`: cases in flight.
    pub jobs: usize,
    /// Per-case timeout of the replay (the evaluation has its own).
    pub timeout: Duration,
    /// Bound on judging one replayed run (the evaluation wait of a live engine fits in it).
    pub eval_timeout: Duration,
    /// Retries of a retryable engine error.
    pub retries: u32,
    /// `--repeat N`.
    pub repeat: u32,
    /// `--pass-threshold K`: a repeated case passes when ≥ K repeats pass (default N).
    pub pass_threshold: Option<u32>,
    /// `--resume`.
    pub resume: bool,
    /// `--retry-errors`: resume, replaying the `error` cases again.
    pub retry_errors: bool,
    /// Show a progress bar (only when stderr is a terminal).
    pub progress: bool,
    /// The report folder.
    pub out: PathBuf,
    /// The engine is live: a case that rested waiting or unfinished gets a `stop`.
    pub live: bool,
    /// Refuse cases whose workflow can act on the outside world (live replay without
    /// `--allow-side-effects`): they become `error` rows naming why.
    pub refuse_side_effects: bool,
    /// Live runs in flight, stopped on Ctrl-C.
    pub in_flight: Option<Arc<InFlight>>,
    /// Redacts every text a row carries (errors, reasons), as configured in `reprise.toml`.
    pub redactor: Arc<Redactor>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            version: None,
            jobs: 4,
            timeout: Duration::from_secs(120),
            eval_timeout: Duration::from_secs(120),
            retries: 2,
            repeat: 1,
            pass_threshold: None,
            resume: false,
            retry_errors: false,
            progress: false,
            out: PathBuf::from("reports/latest"),
            live: false,
            refuse_side_effects: false,
            in_flight: None,
            redactor: Arc::default(),
        }
    }
}

/// Why a replay stopped as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// A report file failed.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The journal failed.
    #[error("{path}: {source}")]
    Journal {
        /// The journal.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// What a replay did.
#[derive(Debug)]
pub struct Summary {
    /// The aggregate of the reports.
    pub stats: Stats,
    /// Cases replayed now.
    pub replayed: u64,
    /// Cases taken from the journal (`--resume`).
    pub resumed: u64,
    /// Stopped by Ctrl-C before every case ran.
    pub interrupted: bool,
    /// Comments that could not be posted.
    pub comment_errors: u64,
    /// Torn or unreadable journal lines skipped on resume.
    pub journal_bad_lines: usize,
    /// Snapshot files that could not be read or written: how many, and the first
    /// [`MAX_SNAPSHOT_ERRORS`] of them (each names its path and cause).
    pub snapshot_errors: (u64, Vec<SnapshotError>),
}

/// How many snapshot errors a [`Summary`] keeps (one unwritable folder fails every case).
pub const MAX_SNAPSHOT_ERRORS: usize = 10;

/// Everything a case task needs.
struct Ctx {
    engine: Arc<dyn Engine>,
    eval: eval::Settings,
    snapshots: Arc<dyn SnapshotCheck>,
    options: Options,
    /// Snapshot failures so far (see [`Summary::snapshot_errors`]).
    snapshot_errors: Mutex<(u64, Vec<SnapshotError>)>,
}

impl Ctx {
    /// `text` redacted for `case`'s row.
    fn line(&self, case: &Run, text: &str) -> String {
        self.options
            .redactor
            .line(case.workflow_id.as_deref(), text)
    }

    /// Keeps a snapshot failure for the end of the run.
    fn snapshot_failed(&self, error: SnapshotError) {
        let mut errors = self
            .snapshot_errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        errors.0 += 1;
        if errors.1.len() < MAX_SNAPSHOT_ERRORS {
            errors.1.push(error);
        }
    }
}

/// One replay + evaluation of a case, as a row.
///
/// The case timeout bounds the replay; the evaluation has its own bound
/// ([`Options::eval_timeout`]), so a slow evaluator never turns a finished replay into an
/// error. A case given up after its run started keeps what that run spent, and a live run
/// left unfinished is stopped.
async fn attempt(ctx: &Ctx, case: &Run) -> (CaseRow, bool) {
    let mut row = CaseRow::for_case(case);
    let mut comment_failed = false;
    let progress = Progress::new();
    let work = replay(ctx.engine.as_ref(), case, &ctx.options, &progress);
    let why = match tokio::time::timeout(ctx.options.timeout, work).await {
        Err(_) => format!(
            "replay timed out after {} s",
            ctx.options.timeout.as_secs_f64()
        ),
        Ok(Err(e)) => ctx.line(case, &format!("replay: {e}")),
        Ok(Ok(replayed)) => {
            let judging = eval::judge(ctx.engine.as_ref(), case, &replayed.run, &ctx.eval);
            row.set_usage(&replayed.run);
            match tokio::time::timeout(ctx.options.eval_timeout, judging).await {
                Ok(outcome) => {
                    row.eval_run_id = outcome.eval_run_id;
                    row.eval_tokens = outcome.eval_tokens;
                    row.score = outcome.score;
                    row.assertions_failed = outcome.assertions_failed;
                    row.verdict = outcome.verdict;
                    row.reasons.extend(outcome.failures);
                    row.reasons.extend(outcome.errors.iter().cloned());
                    row.reasons.extend(outcome.notes);
                    if !outcome.errors.is_empty() {
                        row.error = Some(outcome.errors.join("; "));
                    }
                    comment_failed = outcome.comment_error.is_some();
                }
                Err(_) => {
                    let why = format!(
                        "evaluation timed out after {} s",
                        ctx.options.eval_timeout.as_secs_f64()
                    );
                    row.verdict = Verdict::Error;
                    row.reasons.push(why.clone());
                    row.error = Some(why);
                }
            }
            match ctx.snapshots.check_with_text(case, &replayed.run) {
                Ok((s, text)) => {
                    row.snapshot = s;
                    row.snapshot_text = text;
                }
                Err(e) => {
                    row.reasons.push(ctx.line(case, &format!("snapshot: {e}")));
                    ctx.snapshot_failed(e);
                }
            }
            return (row, comment_failed);
        }
    };
    row.verdict = Verdict::Error;
    row.reasons.push(why.clone());
    row.error = Some(why);
    salvage(ctx, &progress, &mut row).await;
    (row, comment_failed)
}

/// How long salvaging a given-up live run may take: one look and one stop.
const SALVAGE_TIMEOUT: Duration = Duration::from_secs(15);

/// A case given up after its run started: the row keeps what the run did and spent (its
/// latest state, read once more from a live engine), and a live run that has not finished is
/// stopped, so nothing is left acting on the vendor's side.
async fn salvage(ctx: &Ctx, progress: &Progress, row: &mut CaseRow) {
    let Some((system, run_id, seen)) = progress.last() else {
        return;
    };
    let engine = ctx.engine.as_ref();
    let latest = if ctx.options.live {
        match tokio::time::timeout(SALVAGE_TIMEOUT, engine.get(system, &run_id)).await {
            Ok(Ok(run)) => run,
            _ => seen,
        }
    } else {
        seen
    };
    row.set_usage(&latest);
    if ctx.options.live && !latest.status.is_terminal() {
        let stopped = tokio::time::timeout(SALVAGE_TIMEOUT, engine.stop(system, &run_id)).await;
        match stopped {
            Ok(Ok(())) | Ok(Err(EngineError::Unsupported(_))) => {}
            Ok(Err(e)) => row.reasons.push(
                ctx.options
                    .redactor
                    .line(None, &format!("stop of live run {run_id}: {e}")),
            ),
            Err(_) => row
                .reasons
                .push(format!("stop of live run {run_id}: no answer")),
        }
    }
    if let Some(in_flight) = &ctx.options.in_flight {
        in_flight.finish(&run_id);
    }
}

/// A case with its repeats folded into one row.
async fn run_case(ctx: &Ctx, case: &Run) -> (CaseRow, bool) {
    let n = ctx.options.repeat.max(1);
    let (mut first, mut comment_failed) = attempt(ctx, case).await;
    if n == 1 {
        return (first, comment_failed);
    }
    let need = ctx.options.pass_threshold.unwrap_or(n).clamp(1, n);
    let mut rep = Repeats {
        runs: 1,
        ..Repeats::default()
    };
    let mut errors = 0;
    let count = |v: Verdict, rep: &mut Repeats, errors: &mut u32| match v {
        Verdict::Pass => rep.passed += 1,
        Verdict::Fail => rep.failed += 1,
        Verdict::Error => *errors += 1,
        Verdict::None => {}
    };
    count(first.verdict, &mut rep, &mut errors);
    for _ in 1..n {
        let (row, c) = attempt(ctx, case).await;
        comment_failed |= c;
        rep.runs += 1;
        count(row.verdict, &mut rep, &mut errors);
        for r in row.reasons {
            if !first.reasons.contains(&r) {
                first.reasons.push(r);
            }
        }
    }
    first.verdict = if rep.passed >= need {
        Verdict::Pass
    } else if rep.failed > 0 || rep.passed > 0 {
        Verdict::Fail
    } else if errors > 0 {
        Verdict::Error
    } else {
        Verdict::None
    };
    if first.verdict == Verdict::Fail {
        first.reasons.insert(
            0,
            format!(
                "passed {} of {} repeats (needs {need})",
                rep.passed, rep.runs
            ),
        );
    }
    first.repeats = Some(rep);
    (first, comment_failed)
}

/// A finished case on its way to the reports.
struct Done {
    seq: usize,
    row: CaseRow,
    fresh: bool,
    comment_failed: bool,
    _window: OwnedSemaphorePermit,
}

/// Replays `cases` (sorted by run id) and writes the reports into `options.out`.
pub async fn run(
    engine: Arc<dyn Engine>,
    cases: Vec<Arc<Run>>,
    eval: eval::Settings,
    snapshots: Arc<dyn SnapshotCheck>,
    options: Options,
    mut meta: RunMeta,
) -> Result<Summary, ReplayError> {
    let out = options.out.clone();
    let journal_err = |source| ReplayError::Journal {
        path: out.join(journal::FILE),
        source,
    };
    std::fs::create_dir_all(&out).map_err(journal_err)?;

    // Finished rows from an earlier attempt.
    let (mut finished, bad) = if options.resume || options.retry_errors {
        journal::read(&out).map_err(journal_err)?
    } else {
        (HashMap::new(), 0)
    };
    if options.retry_errors {
        finished.retain(|_, r| r.verdict != Verdict::Error);
    }
    let wanted: std::collections::HashSet<&str> = cases.iter().map(|c| c.run_id.as_str()).collect();
    finished.retain(|id, _| wanted.contains(id.as_str()));
    let mut keep: Vec<&CaseRow> = finished.values().collect();
    keep.sort_by(|a, b| a.run_id.cmp(&b.run_id));
    let mut journal = journal::Journal::open(&out, &keep).map_err(journal_err)?;
    let mut report = Report::create(&out)?;

    let jobs = options.jobs.max(1);
    let progress = progress_bar(cases.len() as u64, options.progress);
    let ctx = Arc::new(Ctx {
        engine,
        eval,
        snapshots,
        options,
        snapshot_errors: Mutex::new((0, Vec::new())),
    });
    let cancelled = Arc::new(AtomicBool::new(false));
    {
        let cancelled = cancelled.clone();
        let ctx = ctx.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancelled.store(true, Ordering::SeqCst);
                // Live runs must not go on acting on the vendor's side: stop them now (their
                // cases end as errors); recorded cases in flight just finish.
                if let Some(in_flight) = &ctx.options.in_flight {
                    let stopped = in_flight.stop_all(ctx.engine.as_ref()).await;
                    eprintln!(
                        "\ninterrupted: sent stop to {} live run(s) in flight",
                        stopped.len()
                    );
                }
                eprintln!(
                    "\ninterrupted: finishing the cases in flight (Ctrl-C again to quit now)"
                );
                // A second Ctrl-C quits at once; the journal already holds every finished case.
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
    }

    let (tx, mut rx) = mpsc::channel::<Done>(jobs * 4);
    let running = Arc::new(Semaphore::new(jobs));
    // Rows waiting for an earlier one are bounded: memory stays flat however slow one case is.
    let window = Arc::new(Semaphore::new(jobs * 64 + 64));
    let dispatcher = {
        let cancelled = cancelled.clone();
        let ctx = ctx.clone();
        tokio::spawn(async move {
            for (seq, case) in cases.into_iter().enumerate() {
                if cancelled.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(slot) = window.clone().acquire_owned().await else {
                    break;
                };
                if let Some(row) = finished.remove(&case.run_id) {
                    let done = Done {
                        seq,
                        row,
                        fresh: false,
                        comment_failed: false,
                        _window: slot,
                    };
                    if tx.send(done).await.is_err() {
                        break;
                    }
                    continue;
                }
                let Ok(permit) = running.clone().acquire_owned().await else {
                    break;
                };
                if cancelled.load(Ordering::SeqCst) {
                    break;
                }
                let tx = tx.clone();
                let ctx = ctx.clone();
                tokio::spawn(async move {
                    let (row, comment_failed) = run_case(&ctx, &case).await;
                    drop(permit);
                    let _ = tx
                        .send(Done {
                            seq,
                            row,
                            fresh: true,
                            comment_failed,
                            _window: slot,
                        })
                        .await;
                });
            }
        })
    };

    let mut pending: BTreeMap<usize, Done> = BTreeMap::new();
    let mut next = 0;
    let (mut replayed, mut resumed, mut comment_errors) = (0, 0, 0);
    while let Some(done) = rx.recv().await {
        if done.fresh {
            journal.append(&done.row).map_err(journal_err)?;
            replayed += 1;
        } else {
            resumed += 1;
        }
        comment_errors += u64::from(done.comment_failed);
        progress.inc(1);
        pending.insert(done.seq, done);
        while let Some(d) = pending.remove(&next) {
            report.add(&d.row)?;
            next += 1;
        }
    }
    let _ = dispatcher.await;
    // Rows after a gap exist only when dispatch stopped early; report what is contiguous.
    progress.finish_and_clear();
    let interrupted = cancelled.load(Ordering::SeqCst);
    meta.interrupted = interrupted;
    meta.ended_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let stats = report.finish(&meta)?;
    let snapshot_errors = std::mem::take(
        &mut *ctx
            .snapshot_errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner),
    );
    Ok(Summary {
        stats,
        replayed,
        resumed,
        interrupted,
        comment_errors,
        journal_bad_lines: bad,
        snapshot_errors,
    })
}

fn progress_bar(len: u64, wanted: bool) -> indicatif::ProgressBar {
    if !wanted || !console::Term::stderr().is_term() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} cases ({per_sec}, ETA {eta})",
    ) {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests;

//! `reprise run` as a library: validate → load → build the engine → replay with the sinks →
//! exit status. `cli::run` only turns flags into [`RunOptions`] and a [`Setup`] and calls
//! [`run`]; a test can do the same in-process, or call [`replay_to_folder`] with its own
//! engine and cases.
//!
//! The snapshot settings and `--history` are plain values of [`RunOptions`]; the snapshot
//! stage and the `[gate]` of `reprise.toml` run through [`crate::commands`]. Only the engine
//! comes from the caller, through [`Setup`]: it is built from the engine flags (`EngineArgs`,
//! shared by `run` and `fetch`, with the recording, fault and latency flags of `run`), whose
//! clap struct is the one place they are turned into an HTTP client; so this module never
//! depends on `cli`.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::commands::snapshots::RunSnapshots;
use crate::config::Config;
use crate::corpus::{Index, LoadOptions};
use crate::engine::Engine;
use crate::error::{InputError, RuntimeError, UsageError};
use crate::replay::{self, Cases, Selection, Summary};
use crate::report::{
    history, journal, CaseRow, Ordered, Progress, Report, RunMeta, Sink, SinkError, Stats,
    Terminal, Verdict,
};
use crate::snapshot::SnapshotCheck;
use crate::{commands, eval, Error, ExitStatus};

/// What `reprise run` was asked to do, with every default resolved.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Corpus files or folders (default: fixtures/).
    pub paths: Vec<PathBuf>,
    /// More recordings the engine may answer with; never cases.
    pub recordings: Vec<PathBuf>,
    /// The report folder.
    pub out: PathBuf,
    /// Filters, sample and shard.
    pub selection: Selection,
    /// How to replay (the `finished` rows are filled from the journal here).
    pub replay: replay::Options,
    /// `--evaluator ID[@VERSION]`.
    pub evaluator: Option<String>,
    /// `--comment`.
    pub comment: bool,
    /// `--resume`.
    pub resume: bool,
    /// `--retry-errors`.
    pub retry_errors: bool,
    /// Show a progress bar (when stderr is a terminal).
    pub progress: bool,
    /// `--fail-on-failures`.
    pub fail_on_failures: bool,
    /// `--impact DIR`: the output folder of `reprise impact`; its `unaffected` cases are
    /// answered from their recordings, the others by the engine.
    pub impact: Option<PathBuf>,
    /// `--history FILE`: earlier reports for `report.html`'s trend.
    pub history: Option<PathBuf>,
    /// The snapshot folder and settings.
    pub snapshots: RunSnapshots,
}

/// The engine of a run, which the caller builds from its engine flags (see the module doc).
pub trait Setup {
    /// The engine over the cases' index and the extra recordings'.
    fn engine(
        &self,
        corpus: &Arc<Index>,
        recordings: &Arc<Index>,
    ) -> Result<Arc<dyn Engine>, Error>;
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Checks what the flags cannot say alone.
fn validate(o: &RunOptions) -> Result<(), Error> {
    let r = &o.replay;
    if r.repeat == 0 {
        return Err(UsageError::RepeatZero.into());
    }
    if r.pass_threshold.is_some_and(|k| k == 0 || k > r.repeat) {
        return Err(UsageError::PassThreshold { repeat: r.repeat }.into());
    }
    let secs = r.timeout.as_secs_f64();
    if !(secs > 0.0 && secs.is_finite()) {
        return Err(UsageError::Timeout.into());
    }
    Ok(())
}

/// The rows of `out`'s journal to keep on `--resume` (`--retry-errors` drops the `error`
/// ones), among `cases`; and how many journal lines were unreadable.
pub fn resumable(
    out: &Path,
    cases: &Cases,
    retry_errors: bool,
) -> Result<(HashMap<String, CaseRow>, usize), SinkError> {
    let (mut finished, bad) = journal::read(out).map_err(|source| SinkError {
        path: out.join(journal::FILE),
        source,
    })?;
    if retry_errors {
        finished.retain(|_, r| r.verdict != Verdict::Error);
    }
    let wanted: std::collections::HashSet<&str> = cases.entries().map(|c| &*c.run_id).collect();
    finished.retain(|id, _| wanted.contains(id.as_str()));
    Ok((finished, bad))
}

/// Where a run's reports go: the folder, what produced them, and the terminal.
pub struct Folder<'a, W> {
    /// The report folder.
    pub out: &'a Path,
    /// What produced the report (`manifest.json`, `summary.md`).
    pub meta: RunMeta,
    /// Draw a progress bar (when stderr is a terminal).
    pub progress: bool,
    /// Where the summary table goes (stdout for `reprise run`).
    pub terminal: W,
}

/// [`replay::run`] into a report folder: the journal (keeping `options.finished`), the
/// progress bar, and in run-id order the report files and the terminal summary. Returns what
/// the replay did and the report's aggregate; a file that cannot be written stops the run.
/// `cases` may be runs in memory (`Cases::from_runs`) or an index's.
pub async fn replay_to_folder<W: Write + Send>(
    engine: Arc<dyn Engine>,
    cases: impl Into<Cases>,
    eval: eval::Settings,
    snapshots: Arc<dyn SnapshotCheck>,
    options: replay::Options,
    folder: Folder<'_, W>,
) -> Result<(Summary, Stats), SinkError> {
    let out = folder.out;
    std::fs::create_dir_all(out).map_err(|source| SinkError {
        path: out.join(journal::FILE),
        source,
    })?;
    let mut keep: Vec<&CaseRow> = options.finished.values().collect();
    keep.sort_by(|a, b| a.run_id.cmp(&b.run_id));
    let mut journal = journal::Journal::open(out, &keep)?;
    let mut report = Report::create(out, folder.meta)?;
    let mut terminal = Terminal::new(folder.terminal);
    let mut progress = Progress::new(folder.progress);
    let summary = {
        let mut ordered = Ordered::new(vec![&mut report, &mut terminal]);
        let sinks: &mut [&mut dyn Sink] = &mut [&mut journal, &mut progress, &mut ordered];
        replay::run(engine, cases.into(), eval, snapshots, options, sinks).await?
    };
    Ok((summary, report.into_stats()))
}

/// Runs `reprise run`: returns the exit status (worst wins) or the error that stopped it.
pub fn run(mut o: RunOptions, config: &Config, setup: &dyn Setup) -> Result<ExitStatus, Error> {
    let started_at = now();
    validate(&o)?;
    // One redactor for everything this run writes or prints.
    let redactor = Arc::new(config.redactor()?);
    let mut settings = eval::Settings::from_config(&config.evaluation);
    settings.comment = o.comment;
    settings.redactor = redactor.clone();
    if let Some(e) = &o.evaluator {
        settings.evaluator = Some(eval::parse_evaluator(e).map_err(UsageError::from)?);
    }
    if o.paths.is_empty() {
        o.paths = vec![PathBuf::from("fixtures")];
    }
    let paths = &o.paths;

    let load_started = std::time::Instant::now();
    // An index of every document, not the runs: a case is read back when its turn comes, so
    // memory does not grow with the corpus. The manifest's corpus digest hashes every
    // document while its file is read.
    // The index spills the runs it reads to the report folder (on the disk the user chose for
    // output, never in memory), so a case read back is decoded, not parsed again. A folder
    // that cannot be made is reported below, by the report's own writer.
    let _ = std::fs::create_dir_all(&o.out);
    let corpus = Arc::new(Index::load(
        paths,
        &LoadOptions {
            digest: true,
            // What the snapshot stage learns of each document, found while it is in memory.
            scan: Some(redactor.clone()),
            cache: Some(o.out.clone()),
            ..LoadOptions::default()
        },
    ));
    let recordings = Arc::new(if o.recordings.is_empty() {
        Index::from_runs([])
    } else {
        Index::load(&o.recordings, &LoadOptions::default())
    });
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
    if let Some(w) = &corpus.cache_warning {
        eprintln!("warning: {w}");
    }
    // A corpus of nothing is no green run (`--check` included): an input error.
    if corpus.is_empty() {
        return Err(InputError::NothingFound {
            what: "runs",
            paths: paths.clone(),
        }
        .into());
    }
    if corpus.cases().next().is_none() {
        return Err(InputError::OnlyEvaluationRuns {
            paths: paths.clone(),
            runs: corpus.len(),
        }
        .into());
    }

    let cases = Cases::new(corpus.clone(), o.selection.apply(&corpus));
    let mut engine = setup.engine(&corpus, &recordings)?;
    let mut carried = None;
    if let Some(dir) = &o.impact {
        let recorded = crate::engine::RecordedEngine::from_indexes(vec![corpus.clone()]);
        let selected = cases.entries().map(|c| &*c.run_id);
        let (e, c) = crate::impact::carry::carrying(dir, selected, recorded, engine)
            .map_err(|e| InputError::ImpactPlan(Box::new(e)))?;
        (engine, carried) = (e, Some(c));
    }
    let carried_note = carried
        .as_ref()
        .map(|c| (c.cases.len(), c.replayed + c.unlisted));
    let meta = RunMeta {
        engine: engine.name().to_owned(),
        version: o.replay.version,
        seed: o.selection.sample.map(|_| o.selection.seed),
        shard: o
            .selection
            .shard
            .map(|s| format!("{}/{}", s.index, s.count)),
        corpus_digest: replay::corpus_digest(&corpus),
        git_sha: crate::report::git_sha(),
        started_at,
        ended_at: String::new(),
        interrupted: false,
        history: history::load(o.history.as_deref())?,
        carried,
    };
    let jobs = o.replay.jobs.max(1);
    o.replay.redactor = redactor.clone();
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(jobs);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(RuntimeError::AsyncRuntime)?;
    // The snapshot stage fills the `snapshot` column; every selected case's snapshot belongs
    // to this run (resumed ones too), the rest are orphans when nothing was filtered out.
    let snapshots = Arc::new(commands::snapshots::stage(&o.snapshots, redactor.clone())?);
    for c in cases.entries() {
        snapshots.mark_seen(c.system(), c.workflow_id.as_deref(), &c.run_id);
    }
    let whole_corpus = o.selection.filters.is_empty()
        && o.selection.sample.is_none()
        && o.selection.shard.is_none();
    let io_error = |e: SinkError| Error::io(e.path, e.source);
    // Finished rows from an earlier attempt.
    let journal_bad_lines = if o.resume || o.retry_errors {
        let (finished, bad) = resumable(&o.out, &cases, o.retry_errors).map_err(io_error)?;
        o.replay.finished = finished;
        bad
    } else {
        0
    };
    let replay_started = std::time::Instant::now();
    let (summary, stats) = runtime
        .block_on(replay_to_folder(
            engine,
            cases,
            settings,
            snapshots.clone(),
            o.replay,
            Folder {
                out: &o.out,
                meta,
                progress: o.progress,
                terminal: std::io::stdout(),
            },
        ))
        .map_err(io_error)?;
    let replay_secs = replay_started.elapsed().as_secs_f64();
    let loaded = Loaded {
        runs: corpus.len() + recordings.len(),
        files: corpus.files + recordings.files,
        bytes: corpus.bytes + recordings.bytes,
        secs: load_secs,
    };
    status = status.worst(tell(
        &summary,
        &loaded,
        replay_secs,
        journal_bad_lines,
        carried_note,
        &o.out,
    ));
    status = status.worst(commands::snapshots::finish(
        &snapshots,
        &o.snapshots,
        &o.out,
        whole_corpus,
        (stats.snapshots_changed, stats.snapshots_new),
    )?);
    status = status.worst(exit_status(&summary, &stats, o.fail_on_failures));
    // The `[gate]` thresholds of reprise.toml, when given, judge the report just written
    // (not a partial one: an interrupted run is resumed first).
    if !summary.interrupted {
        status = status.worst(commands::gate::after_run(&o.out, config)?);
    }
    // The process ends right after: freeing every entry one by one would only add to the
    // wall time, so the memory goes back with the process.
    std::mem::forget(corpus);
    std::mem::forget(recordings);
    Ok(status)
}

/// What was loaded, for the terminal.
struct Loaded {
    runs: usize,
    files: usize,
    bytes: u64,
    secs: f64,
}

/// Prints what the run did after the summary table (stdout) and what went wrong beside the
/// verdicts (stderr). A snapshot that could not be written is lost work: exit 3, naming it.
fn tell(
    summary: &Summary,
    loaded: &Loaded,
    replay_secs: f64,
    journal_bad_lines: usize,
    carried: Option<(usize, u64)>,
    out_dir: &Path,
) -> ExitStatus {
    let mut status = ExitStatus::Success;
    // A closed stdout (`| head`) must not turn a finished run into a panic.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "loaded       {} runs from {} files ({:.1} MB) in {:.2} s",
        loaded.runs,
        loaded.files,
        loaded.bytes as f64 / 1e6,
        loaded.secs
    );
    let _ = writeln!(
        out,
        "replayed     {} cases in {:.2} s ({:.0} cases/s)",
        summary.replayed,
        replay_secs,
        summary.replayed as f64 / replay_secs.max(1e-9)
    );
    if let Some((carried, replayed)) = carried {
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
    if journal_bad_lines > 0 {
        eprintln!(
            "warning: {journal_bad_lines} unreadable journal line(s) skipped; those cases ran again"
        );
    }
    let failures = &summary.snapshot_errors;
    let mut shown = 0;
    for e in failures.first() {
        eprintln!("error: snapshot {e}");
        shown += 1;
    }
    if failures.count > 0 {
        let more = failures.count - shown;
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
    let _ = writeln!(out, "reports      {}", out_dir.display());
    status
}

/// The exit status the verdicts and an interruption call for.
fn exit_status(summary: &Summary, stats: &Stats, fail_on_failures: bool) -> ExitStatus {
    let mut status = ExitStatus::Success;
    if summary.interrupted {
        eprintln!(
            "interrupted: the report covers the cases finished so far; run again with --resume"
        );
        status = status.worst(ExitStatus::Engine);
    }
    if stats.all.errored > 0 {
        status = status.worst(ExitStatus::Engine);
    }
    if fail_on_failures && stats.all.failed > 0 {
        status = status.worst(ExitStatus::Regression);
    }
    status
}

#[cfg(test)]
mod tests;
